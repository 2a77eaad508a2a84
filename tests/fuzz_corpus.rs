//! The fuzz targets without cargo-fuzz: every seed of `fuzz/corpus/` and a few thousand deterministic
//! mutations of them go through every parser (`fuzz/checks.rs` holds the invariants), so the parsers are
//! exercised on every `cargo test`, with no nightly features.

#[path = "../fuzz/checks.rs"]
mod checks;

use std::path::PathBuf;
use std::time::{Duration, Instant};

fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fuzz").join("corpus")
}

/// (target, file name, bytes) of every seed.
fn seeds() -> Vec<(String, String, Vec<u8>)> {
    let mut out = Vec::new();
    for (target, _) in checks::TARGETS {
        let dir = corpus_dir().join(target);
        let mut names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .collect();
        names.sort();
        assert!(!names.is_empty(), "{target} has no seeds");
        for p in names {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            out.push((target.to_string(), name, std::fs::read(&p).unwrap()));
        }
    }
    out
}

/// Runs one input through every target, naming the input when a check fails.
fn run_all(label: &str, data: &[u8]) {
    for (target, check) in checks::TARGETS {
        let result = std::panic::catch_unwind(|| check(data));
        if let Err(panic) = result {
            let msg = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            panic!("{target} failed on {label} ({} bytes: {:?}): {msg}", data.len(), String::from_utf8_lossy(data));
        }
    }
}

#[test]
fn every_corpus_directory_belongs_to_a_target() {
    for entry in std::fs::read_dir(corpus_dir()).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(checks::TARGETS.iter().any(|(t, _)| *t == name), "fuzz/corpus/{name} has no target");
    }
}

#[test]
fn seeds_parse_as_the_real_responses_they_are() {
    use cos::fuzzing;
    let text = |b: &[u8]| String::from_utf8(b.to_vec()).expect("seeds are UTF-8");
    for (target, name, data) in seeds() {
        run_all(&format!("{target}/{name}"), &data);
        if target == "eventstream" {
            continue; // binary frames, checked by tests/eventstream_frames.rs
        }
        let t = text(&data);
        // Seeds named like these are deliberately broken or of another kind.
        let broken = ["error200", "truncated", "doctype", "html", "json"].iter().any(|b| name.starts_with(b));
        let ok = match target.as_str() {
            "xml_error" => fuzzing::parse_error(&t).is_some(),
            "xml_bucket_list" => fuzzing::parse_bucket_list(&t).is_ok(),
            "xml_object_list" => fuzzing::parse_object_list(&t).is_ok(),
            "xml_delete_result" => fuzzing::parse_delete_result(&t).is_ok(),
            "xml_copy_result" => fuzzing::parse_copy_result(&t).is_ok(),
            "xml_initiate" => fuzzing::parse_initiate(&t).is_ok(),
            "xml_complete" => fuzzing::parse_complete(&t).is_ok(),
            "xml_part_list" => fuzzing::parse_part_list(&t).is_ok(),
            "xml_upload_list" => fuzzing::parse_upload_list(&t).is_ok(),
            "xml_lifecycle" => fuzzing::parse_lifecycle(&t).is_ok(),
            "xml_cors" => fuzzing::parse_cors(&t).is_ok(),
            _ => continue,
        };
        assert_eq!(ok, !broken, "{target}/{name}");
    }
    // A few exact readings of the official shapes.
    let dir = corpus_dir();
    let read = |p: &str| text(&std::fs::read(dir.join(p)).unwrap());
    let l = fuzzing::parse_object_list(&read("xml_object_list/official.xml")).unwrap();
    assert_eq!(l.objects.len(), 2);
    assert_eq!(l.objects[0].key, "example-folder-1/");
    assert_eq!((l.objects[1].size, l.objects[1].storage_class.as_str()), (17254, "STANDARD_IA"));
    assert_eq!(l.objects[1].etag, "\"7ee4ea7ec5a5e46b7a2b6ed1ec2e7b5f-2\"");
    let u = fuzzing::parse_upload_list(&read("xml_upload_list/uploads.xml")).unwrap();
    assert_eq!(u.common_prefixes, vec!["example-folder-1/"]);
    assert_eq!(u.next_key_marker.as_deref(), Some("exampleobject"));
    let p = fuzzing::parse_part_list(&read("xml_part_list/parts.xml")).unwrap();
    assert_eq!(p.parts.iter().map(|p| (p.part_number, p.size)).collect::<Vec<_>>(), vec![(1, 1048576), (2, 12)]);
    let c = fuzzing::parse_copy_result(&read("xml_copy_result/copy.xml")).unwrap();
    assert_eq!(c.crc64, Some(16749565679157681890));
    let e = fuzzing::parse_error(&read("xml_error/nosuchkey.xml")).unwrap();
    assert_eq!((e.code(), e.request_id()), (Some("NoSuchKey"), Some("NjQ2MzRhNmRfN2RmNDQwYV8xYTc5N18xNDE0YmE2")));
    // Entity definitions are refused, not expanded.
    assert!(fuzzing::parse_error(&read("xml_error/doctype.xml")).is_none());
    assert_eq!(fuzzing::parse_initiate(&read("xml_initiate/spaces.xml")).unwrap(), "id-with-spaces");
}

/// A small deterministic PRNG (xorshift64*), so a failure is reproducible from its iteration number.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545F4914F6CDD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

/// Fragments that matter to XML and to the parsers' number and percent decoding.
const TOKENS: &[&str] = &[
    "<",
    ">",
    "</",
    "/>",
    "&",
    "&amp;",
    "&#0;",
    "&#x110000;",
    "&lt;",
    "<![CDATA[",
    "]]>",
    "<!--",
    "-->",
    "<?xml version='1.0'?>",
    "<!DOCTYPE x [<!ENTITY e \"eeeeeeee\">]>",
    "&e;",
    "xmlns=\"urn:x\"",
    "xmlns:a=\"urn:a\"",
    "<a:Key>",
    "%",
    "%FF",
    "%E4%B8",
    "%2F",
    "%00",
    "<EncodingType>url</EncodingType>",
    "<Encoding-Type>url</Encoding-Type>",
    "<IsTruncated>true</IsTruncated>",
    "<Size>18446744073709551616</Size>",
    "<Size>-1</Size>",
    "<MaxKeys>4294967296</MaxKeys>",
    "<PartNumber>0</PartNumber>",
    "<NextPartNumberMarker>x</NextPartNumberMarker>",
    "<Contents><Key>k</Key></Contents>",
    "<Upload><Key>%ZZ</Key></Upload>",
    "<Error><Code></Code></Error>",
    "<ETag></ETag>",
    "<UploadId> </UploadId>",
    "\u{0}",
    "\u{FEFF}",
    "\r\n",
    "x-cos-meta-",
    "X-COS-HASH-CRC64ECMA: 1\n",
    "content-length: 99999999999999999999\n",
    ":",
    "中",
];

fn mutate(rng: &mut Rng, data: &[u8], other: &[u8]) -> Vec<u8> {
    let mut d = data.to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(d.len() + 1);
        match rng.below(9) {
            0 if !d.is_empty() => {
                let i = rng.below(d.len());
                d[i] ^= 1 << rng.below(8);
            }
            1 => d.insert(at, rng.next() as u8),
            2 if at < d.len() => {
                let end = (at + 1 + rng.below(32)).min(d.len());
                d.drain(at..end);
            }
            3 => {
                let t = TOKENS[rng.below(TOKENS.len())];
                d.splice(at..at, t.bytes());
            }
            4 => d.truncate(at),
            5 if at < d.len() => {
                // Duplicate a slice: repeated elements, nested copies.
                let end = (at + 1 + rng.below(200)).min(d.len());
                let chunk = d[at..end].to_vec();
                d.splice(at..at, chunk);
            }
            6 if !other.is_empty() => {
                // Splice in part of another seed.
                let from = rng.below(other.len());
                let end = (from + 1 + rng.below(300)).min(other.len());
                d.splice(at..at, other[from..end].iter().copied());
            }
            7 if at < d.len() => {
                let end = (at + 1 + rng.below(16)).min(d.len());
                let t = TOKENS[rng.below(TOKENS.len())];
                d.splice(at..end, t.bytes());
            }
            _ => d.insert(at, b"<>&/\"'=;%: \n"[rng.below(12)]),
        }
    }
    d
}

#[test]
fn thousands_of_mutations_go_through_every_parser() {
    let seeds = seeds();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let started = Instant::now();
    let rounds = 3000;
    for i in 0..rounds {
        let (target, name, data) = &seeds[rng.below(seeds.len())];
        let other = &seeds[rng.below(seeds.len())].2;
        let input = mutate(&mut rng, data, other);
        run_all(&format!("mutation {i} of {target}/{name}"), &input);
    }
    // Pathological shapes: deep nesting, many siblings, long text.
    let deep = "<ListBucketResult>".repeat(2000);
    run_all("deep nesting", deep.as_bytes());
    let wide = format!(
        "<ListBucketResult>{}</ListBucketResult>",
        "<Contents><Key>k</Key><Size>1</Size></Contents>".repeat(20_000)
    );
    run_all("20000 entries", wide.as_bytes());
    let long = format!("<Error><Code>{}</Code></Error>", "A".repeat(1 << 20));
    run_all("a 1 MiB element", long.as_bytes());
    assert!(started.elapsed() < Duration::from_secs(60), "took {:?}", started.elapsed());
}
