//! Differential test of `cos::sign` against the official COS Python SDK (cos-python-sdk-v5).
//!
//! `tests/python/sign_cases.py` generates random requests (methods, unicode keys, query parameters, signed and
//! unsigned headers, clock, validity, credentials) and signs each with the SDK's own `CosS3Auth`, its clock fixed.
//! This test signs the same inputs with `cos::sign` and requires the identical `Authorization` string.
//! Needs the test venv: `bash tests/setup.sh`.

mod support;

use std::process::Command;

const SEED: u64 = 20_240_611;
const COUNT: usize = 600;

/// One case as the SDK saw and signed it.
#[derive(Debug)]
struct Case {
    method: String,
    key: String,
    params: Vec<(String, String)>,
    /// Every header on the SDK's prepared request except `Authorization`, signed or not.
    headers: Vec<(String, String)>,
    time: i64,
    expire: i64,
    secret_id: String,
    secret_key: String,
    /// The hostname the SDK signs when the request has no `Host` header; empty when host signing is off.
    host: String,
    authorization: String,
}

fn unhex(field: &str) -> String {
    assert!(field.len() % 2 == 0, "odd-length hex field {field:?}");
    let bytes: Vec<u8> =
        (0..field.len()).step_by(2).map(|i| u8::from_str_radix(&field[i..i + 2], 16).expect("hex digit")).collect();
    String::from_utf8(bytes).expect("UTF-8 field")
}

/// Splits `k<sep>v` lines; an empty text is an empty list.
fn pairs(text: &str, sep: &str) -> Vec<(String, String)> {
    if text.is_empty() {
        return Vec::new();
    }
    text.split('\n')
        .map(|line| {
            let (k, v) = line.split_once(sep).unwrap_or_else(|| panic!("no {sep:?} in {line:?}"));
            (k.to_string(), v.to_string())
        })
        .collect()
}

fn parse(line: &str) -> Case {
    let f: Vec<String> = line.split('\t').map(unhex).collect();
    assert_eq!(f.len(), 10, "expected 10 fields in {line:?}");
    Case {
        method: f[0].clone(),
        key: f[1].clone(),
        params: pairs(&f[2], "="),
        headers: pairs(&f[3], ": "),
        time: f[4].parse().expect("time"),
        expire: f[5].parse().expect("expire"),
        secret_id: f[6].clone(),
        secret_key: f[7].clone(),
        host: f[8].clone(),
        authorization: f[9].clone(),
    }
}

fn generate(seed: u64, count: usize) -> Vec<Case> {
    let script = support::root().join("tests/python/sign_cases.py");
    let out = Command::new(support::python())
        .arg(&script)
        .arg(seed.to_string())
        .arg(count.to_string())
        .output()
        .expect("run sign_cases.py");
    assert!(out.status.success(), "sign_cases.py failed ({}):\n{}", out.status, String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("UTF-8 output").lines().map(parse).collect()
}

/// Signs a case with this crate: the headers the client would sign (`is_signed_header`), plus the URL's
/// hostname as `host` when the SDK signed it and no `Host` header is present.
fn sign(case: &Case) -> String {
    let mut signed: Vec<(String, String)> =
        case.headers.iter().filter(|(k, _)| cos::sign::is_signed_header(k)).cloned().collect();
    let has_host = signed.iter().any(|(k, _)| k.eq_ignore_ascii_case("host"));
    if !case.host.is_empty() && !has_host {
        signed.push(("host".to_string(), case.host.clone()));
    }
    let path = format!("/{}", case.key);
    cos::sign::sign(
        &case.secret_key,
        &cos::sign::SignRequest {
            method: &case.method,
            path: &path,
            params: &case.params,
            headers: &signed,
            start: case.time - 60,
            end: case.time + case.expire,
        },
    )
    .authorization(&case.secret_id)
}

#[test]
fn signatures_match_the_official_python_sdk() {
    let seed = std::env::var("COS_SIGN_SEED").ok().map_or(SEED, |s| s.parse().expect("COS_SIGN_SEED is a number"));
    let cases = generate(seed, COUNT);
    assert_eq!(cases.len(), COUNT, "sign_cases.py printed {} cases, asked for {COUNT}", cases.len());

    let mut mismatches = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let ours = sign(case);
        if ours != case.authorization {
            mismatches.push(format!("case {i}: {case:?}\n  sdk:  {}\n  ours: {ours}", case.authorization));
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} of {} signatures differ from the SDK's (seed {seed}); first ones:\n{}",
        mismatches.len(),
        cases.len(),
        mismatches.iter().take(5).cloned().collect::<Vec<_>>().join("\n")
    );

    // The generator must have produced the interesting shapes, or the comparison proves little.
    let count = |pred: &dyn Fn(&Case) -> bool| cases.iter().filter(|c| pred(c)).count();
    let non_ascii_keys = count(&|c| !c.key.is_ascii());
    let with_params = count(&|c| !c.params.is_empty());
    let empty_values = count(&|c| c.params.iter().any(|(_, v)| v.is_empty()));
    let with_signed = count(&|c| c.headers.iter().any(|(k, _)| k.to_ascii_lowercase().starts_with("x-cos-meta-")));
    let host_headers = count(&|c| c.headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")));
    let unsigned_host = count(&|c| c.host.is_empty());
    for (what, n) in [
        ("non-ASCII keys", non_ascii_keys),
        ("query parameters", with_params),
        ("empty parameter values", empty_values),
        ("x-cos-meta-* headers", with_signed),
        ("Host headers", host_headers),
        ("host signing off", unsigned_host),
    ] {
        assert!(n >= COUNT / 50, "only {n} cases with {what}");
    }
}

/// The line format (hex fields, `k=v` and `k: v` lines, empty values) is read as the generator writes it.
#[test]
fn parser_reads_the_generator_format() {
    let hex = |s: &str| s.bytes().map(|b| format!("{b:02x}")).collect::<Vec<_>>().concat();
    let line = [
        "GET",
        "a b/中",
        "acl=\nx=1=2",
        "Content-Type: text/plain\nx-cos-meta-e: ",
        "1700000000",
        "300",
        "AKID",
        "key",
        "h.example",
        "auth",
    ]
    .map(hex)
    .join("\t");
    let case = parse(&line);
    assert_eq!(case.key, "a b/中");
    assert_eq!(case.params, vec![("acl".to_string(), String::new()), ("x".to_string(), "1=2".to_string())]);
    assert_eq!(case.headers[1], ("x-cos-meta-e".to_string(), String::new()));
    assert_eq!((case.time, case.expire), (1_700_000_000, 300));
}
