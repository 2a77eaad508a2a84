//! Property tests of the pure building blocks: the request signer, percent-encoding, object paths and
//! CRC-64 combination. (The checkpoint format is `pub(crate)` in a private module and has its own unit tests.)

use cos::config::normalize_key;
use cos::encode;
use cos::sign::{sign, SignRequest, Signature};
use proptest::prelude::*;

type Pairs = Vec<(String, String)>;

/// A signing input that owns its parts.
#[derive(Clone, Debug)]
struct Input {
    key: String,
    method: String,
    path: String,
    params: Pairs,
    headers: Pairs,
    start: i64,
    end: i64,
}

impl Input {
    fn sign(&self) -> Signature {
        sign(
            &self.key,
            &SignRequest {
                method: &self.method,
                path: &self.path,
                params: &self.params,
                headers: &self.headers,
                start: self.start,
                end: self.end,
            },
        )
    }
}

/// Header and parameter names: tokens of mixed case, some with characters that need escaping.
fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[A-Za-z][A-Za-z0-9-]{0,12}",
        1 => "x-cos-[a-z0-9-]{1,8}",
        1 => "[a-z]{1,4}[ _.~+=&;/%]{1,3}[a-z]{0,3}",
    ]
}

/// Values: any text, including spaces, separators, non-ASCII and control characters.
fn value() -> impl Strategy<Value = String> {
    prop_oneof![3 => "[ -~]{0,16}", 1 => any::<String>(), 1 => Just(String::new())]
}

fn pairs(max: usize) -> impl Strategy<Value = Pairs> {
    proptest::collection::vec((name(), value()), 0..max)
}

fn input() -> impl Strategy<Value = Input> {
    (
        "[!-~]{1,40}",
        prop_oneof![Just("GET"), Just("PUT"), Just("POST"), Just("HEAD"), Just("DELETE"), Just("get")],
        "/\\PC{0,24}",
        pairs(6),
        pairs(8),
        0i64..4_000_000_000,
        1i64..100_000,
    )
        .prop_map(|(key, method, path, params, headers, start, validity)| Input {
            key,
            method: method.to_string(),
            path,
            params,
            headers,
            start,
            end: start + validity,
        })
}

/// A permutation of `v` chosen by `seed`.
fn shuffled<T: Clone>(v: &[T], seed: u64) -> Vec<T> {
    let mut out = v.to_vec();
    let mut state = seed | 1;
    for i in (1..out.len()).rev() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        out.swap(i, (state % (i as u64 + 1)) as usize);
    }
    out
}

/// `s` with the ASCII letters' case flipped where `flips` says so.
fn recased(s: &str, flips: &[bool]) -> String {
    s.chars()
        .enumerate()
        .map(|(i, c)| {
            if flips.get(i % flips.len().max(1)).copied().unwrap_or(false) {
                if c.is_ascii_lowercase() {
                    c.to_ascii_uppercase()
                } else {
                    c.to_ascii_lowercase()
                }
            } else {
                c
            }
        })
        .collect()
}

fn is_hex_upper(b: u8) -> bool {
    b.is_ascii_digit() || (b'A'..=b'F').contains(&b)
}

/// Every byte is an RFC 3986 unreserved character or part of a `%XX` escape with upper-case hex.
fn only_unreserved_and_escapes(s: &str, also: &[u8]) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                if i + 2 >= b.len() || !is_hex_upper(b[i + 1]) || !is_hex_upper(b[i + 2]) {
                    return false;
                }
                i += 3;
            }
            c if c.is_ascii_alphanumeric() || b"-_.~".contains(&c) || also.contains(&c) => i += 1,
            _ => return false,
        }
    }
    true
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn signing_is_deterministic(inp in input()) {
        prop_assert_eq!(inp.sign(), inp.sign());
        let sig = inp.sign();
        prop_assert_eq!(sig.signature.len(), 40);
        prop_assert!(sig.signature.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
        prop_assert_eq!(sig.key_time, format!("{};{}", inp.start, inp.end));
        // The header and parameter lists are sorted, lower-case and `;`-separated.
        for list in [&sig.header_list, &sig.param_list] {
            let names: Vec<&str> = if list.is_empty() { Vec::new() } else { list.split(';').collect() };
            let mut sorted = names.clone();
            sorted.sort();
            prop_assert_eq!(&names, &sorted);
            prop_assert!(!list.bytes().any(|b| b.is_ascii_uppercase()), "{}", list);
        }
    }

    #[test]
    fn signing_ignores_order_and_header_name_case(
        inp in input(),
        seed in any::<u64>(),
        seed2 in any::<u64>(),
        flips in proptest::collection::vec(any::<bool>(), 1..8),
    ) {
        let base = inp.sign();
        let mut other = inp.clone();
        other.headers = shuffled(&inp.headers, seed).into_iter().map(|(k, v)| (recased(&k, &flips), v)).collect();
        other.params = shuffled(&inp.params, seed2);
        prop_assert_eq!(&other.sign(), &base);
        // The method's case does not matter either.
        other.method = recased(&inp.method, &flips);
        prop_assert_eq!(other.sign().signature, base.signature);
    }

    #[test]
    fn signing_changes_with_every_signed_input(inp in input(), which in 0usize..10, extra in value(), n in name()) {
        let base = inp.sign().signature;
        let mut m = inp.clone();
        match which {
            0 => m.key.push('x'),
            1 => m.method = if inp.method.eq_ignore_ascii_case("PUT") { "GET".into() } else { "PUT".into() },
            2 => m.path.push_str(if extra.is_empty() { "/" } else { &extra }),
            3 => m.start -= 1,
            4 => m.end += 1,
            5 => m.headers.push((n, extra)),
            6 => m.params.push((n, extra)),
            7 if !inp.headers.is_empty() => m.headers[0].1.push('v'),
            7 => m.headers.push(("host".into(), extra)),
            8 if !inp.params.is_empty() => m.params[0].1.push('v'),
            8 => m.params.push(("uploads".into(), extra)),
            _ if !inp.headers.is_empty() => m.headers[0].0.push('z'),
            _ => m.headers.push(("x-cos-acl".into(), extra)),
        }
        prop_assert_ne!(m.sign().signature, base, "changed input {}", which);
    }

    #[test]
    fn component_escapes_everything_but_unreserved_and_round_trips(s in any::<String>()) {
        let e = encode::component(&s);
        prop_assert!(only_unreserved_and_escapes(&e, b""), "{:?} -> {:?}", s, e);
        prop_assert_eq!(encode::decode(&e), Some(s.clone()));
        // Unreserved characters stay as they are: the encoding of a string is never shorter than it.
        prop_assert!(e.len() >= s.len());
    }

    #[test]
    fn component_of_ascii_round_trips(s in "[ -~\\t\\r\\n]{0,64}") {
        let e = encode::component(&s);
        prop_assert!(only_unreserved_and_escapes(&e, b""));
        prop_assert_eq!(encode::decode(&e), Some(s.clone()));
    }

    #[test]
    fn object_paths_have_no_dot_segment_and_decode_to_the_key(
        key in prop_oneof![
            3 => "[a./ %~中]{1,24}",
            1 => "(\\.{1,3}/){0,4}\\.{0,3}",
            1 => any::<String>().prop_filter("non-empty", |s| !s.is_empty()),
        ]
    ) {
        let path = encode::object_path(&key);
        prop_assert!(path.starts_with('/'));
        prop_assert!(only_unreserved_and_escapes(&path, b"/"), "{:?} -> {:?}", key, path);
        prop_assert_eq!(encode::decode(&path), Some(format!("/{key}")), "{:?} -> {:?}", key, path);
        // The client sends only keys that `normalize_key` accepts; for those no segment is `.` or `..`, so no
        // URL normalisation can make the request address another key.
        if let Ok(sent) = normalize_key(&key) {
            let path = encode::object_path(sent);
            for seg in path[1..].split('/') {
                prop_assert!(seg != "." && seg != "..", "{:?} -> {:?}", key, path);
            }
            prop_assert_eq!(encode::decode(&path), Some(format!("/{sent}")));
        } else {
            // Refused keys all resolve to the bucket itself.
            let depth = key.split('/').fold(0i64, |d, s| match s {
                "" | "." => d,
                ".." => (d - 1).max(0),
                _ => d + 1,
            });
            prop_assert!(depth == 0 || key.split('/').all(|s| matches!(s, "" | "." | "..")), "{:?}", key);
        }
    }

    #[test]
    fn crc64_combine_equals_the_crc_of_the_concatenation(
        data in proptest::collection::vec(any::<u8>(), 0..4096),
        splits in proptest::collection::vec(any::<prop::sample::Index>(), 0..6),
    ) {
        let whole = cos::crc64::checksum(&data);
        // Cut at the chosen points (sorted, duplicates allowed: empty pieces must combine too).
        let mut cuts: Vec<usize> = splits.iter().map(|i| i.index(data.len() + 1)).collect();
        cuts.sort_unstable();
        let mut pieces = Vec::new();
        let mut last = 0;
        for c in cuts.into_iter().chain([data.len()]) {
            pieces.push(&data[last..c]);
            last = c;
        }
        let combined = pieces.iter().fold(0u64, |crc, p| cos::crc64::combine(crc, cos::crc64::checksum(p), p.len() as u64));
        prop_assert_eq!(combined, whole);
        // And pairwise at any single cut.
        if let Some(i) = splits.first() {
            let (a, b) = data.split_at(i.index(data.len() + 1));
            prop_assert_eq!(
                cos::crc64::combine(cos::crc64::checksum(a), cos::crc64::checksum(b), b.len() as u64),
                whole
            );
        }
    }

    #[test]
    fn crc64_combine_handles_long_zero_free_lengths(a in any::<u64>(), len in 0u64..(1 << 40)) {
        // Combining with an empty piece is the identity, and the operator never panics on large lengths.
        prop_assert_eq!(cos::crc64::combine(a, 0, 0), a);
        let _ = cos::crc64::combine(a, a, len);
    }
}

#[test]
fn the_two_dot_keys_are_refused() {
    for k in [".", "..", "./", "../", "a/..", "a/b/../..", "/", "//"] {
        assert!(normalize_key(k).is_err(), "{k}");
    }
}
