//! Differential test of presigned URLs, `Authorization` values and object URLs against the official COS
//! Python SDK (cos-python-sdk-v5): `get_presigned_url` with Params, Headers, SignHost and a session token,
//! `get_auth` with params, signed and unsigned headers and SignHost, and `get_object_url`, on random
//! inputs with the SDK's clock fixed (tests/python/presign_cases.py). Needs the test venv: `bash tests/setup.sh`.
//!
//! The comparison is byte for byte, with two documented differences in spelling that decode to the same
//! URL: the SDK writes a space in the query as `+` (urlencode) where this library writes `%20` (so a `+` in
//! the SDK's query, never a literal plus, which it writes `%2B`, is read as `%20`), and it escapes every
//! `./` in a path as `.%2F` where this library escapes only dot segments, a trailing one included (those paths
//! are compared decoded).

mod support;

use cos::{Client, Config, PresignOptions};
use std::process::Command;

const SEED: u64 = 20_261_202;
const COUNT: usize = 400;

#[derive(Debug)]
struct Case {
    kind: String,
    method: String,
    bucket: String,
    key: String,
    params: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    time: i64,
    expire: u32,
    secret_id: String,
    secret_key: String,
    token: String,
    sign_host: bool,
    scheme: String,
    region: String,
    domain: String,
    answer: String,
}

fn unhex(field: &str) -> String {
    let bytes: Vec<u8> =
        (0..field.len()).step_by(2).map(|i| u8::from_str_radix(&field[i..i + 2], 16).expect("hex digit")).collect();
    String::from_utf8(bytes).expect("UTF-8 field")
}

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
    assert_eq!(f.len(), 16, "expected 16 fields in {line:?}");
    Case {
        kind: f[0].clone(),
        method: f[1].clone(),
        bucket: f[2].clone(),
        key: f[3].clone(),
        params: pairs(&f[4], "="),
        headers: pairs(&f[5], ": "),
        time: f[6].parse().expect("time"),
        expire: f[7].parse().expect("expire"),
        secret_id: f[8].clone(),
        secret_key: f[9].clone(),
        token: f[10].clone(),
        sign_host: f[11] == "1",
        scheme: f[12].clone(),
        region: f[13].clone(),
        domain: f[14].clone(),
        answer: f[15].clone(),
    }
}

fn generate(seed: u64, count: usize) -> Vec<Case> {
    let script = support::root().join("tests/python/presign_cases.py");
    let out = Command::new(support::python())
        .arg(&script)
        .arg(seed.to_string())
        .arg(count.to_string())
        .output()
        .expect("run presign_cases.py");
    assert!(
        out.status.success(),
        "presign_cases.py failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output").lines().map(parse).collect()
}

fn client(case: &Case) -> Client {
    let mut b = Config::builder();
    b.region(&case.region).credentials(&case.secret_id, &case.secret_key).scheme(&case.scheme).unwrap();
    if !case.token.is_empty() {
        b.session_token(Some(&case.token));
    }
    if !case.domain.is_empty() {
        b.domain(&case.domain);
    }
    Client::new(b.build().unwrap()).unwrap()
}

/// The SDK's window is [T - 60, T + expire].
fn options(case: &Case) -> PresignOptions {
    let mut o = PresignOptions::new();
    o.start(case.time - 60).expires(case.expire + 60).unwrap().sign_host(case.sign_host);
    for (k, v) in &case.params {
        o.param(k, v).unwrap();
    }
    for (k, v) in &case.headers {
        o.header(k, v).unwrap();
    }
    o
}

/// How the two spell the same path: compared exactly unless the key holds a `./` the SDK escapes or a dot
/// segment this library escapes (a trailing `/.` or `/..`, which URL normalisation would remove).
fn same_path(sdk: &str, ours: &str, key: &str) -> bool {
    if key.contains("./") || key.split('/').any(|s| s == "." || s == "..") {
        cos::encode::decode(sdk) == cos::encode::decode(ours)
    } else {
        sdk == ours
    }
}

/// Compares URLs: scheme, host and path (see [`same_path`]), then the query byte for byte with the SDK's
/// `+` read as `%20`.
fn same_url(sdk: &str, ours: &str, key: &str) -> bool {
    let (sdk_base, sdk_query) = sdk.split_once('?').unwrap_or((sdk, ""));
    let (our_base, our_query) = ours.split_once('?').unwrap_or((ours, ""));
    let split = |base: &str| {
        let rest = base.split_once("://").map_or(base, |(_, r)| r);
        let slash = rest.find('/').unwrap_or(rest.len());
        (base[..base.len() - rest.len() + slash].to_string(), rest[slash..].to_string())
    };
    let ((sdk_origin, sdk_path), (our_origin, our_path)) = (split(sdk_base), split(our_base));
    sdk_origin == our_origin && same_path(&sdk_path, &our_path, key) && sdk_query.replace('+', "%20") == our_query
}

fn ours(case: &Case) -> Result<String, cos::Error> {
    let client = client(case);
    match case.kind.as_str() {
        "presign" => client.presign(&case.method, &case.bucket, &case.key, &options(case)),
        "auth" => client.authorization(&case.method, &case.bucket, &case.key, &options(case)),
        "url" => client.object_url(&case.bucket, &case.key),
        other => panic!("unknown kind {other:?}"),
    }
}

#[test]
fn presigned_urls_and_authorizations_match_the_official_python_sdk() {
    let seed = std::env::var("COS_SIGN_SEED").ok().map_or(SEED, |s| s.parse().expect("COS_SIGN_SEED is a number"));
    let cases = generate(seed, COUNT);
    assert_eq!(cases.len(), COUNT);
    let mut mismatches = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let ours = ours(case).unwrap_or_else(|e| panic!("case {i} refused: {e}\n{case:?}"));
        let same = match case.kind.as_str() {
            "auth" => ours == case.answer,
            _ => same_url(&case.answer, &ours, &case.key),
        };
        if !same {
            mismatches.push(format!("case {i}: {case:?}\n  sdk:  {}\n  ours: {ours}", case.answer));
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} of {} differ from the SDK (seed {seed}); first ones:\n{}",
        mismatches.len(),
        cases.len(),
        mismatches.iter().take(3).cloned().collect::<Vec<_>>().join("\n")
    );

    // The generator must have produced every interesting shape, or the comparison proves little.
    let count = |pred: &dyn Fn(&Case) -> bool| cases.iter().filter(|c| pred(c)).count();
    let presign = |c: &Case| c.kind == "presign";
    for (what, n) in [
        ("presigned URLs", count(&presign)),
        ("Authorization values", count(&|c| c.kind == "auth")),
        ("object URLs", count(&|c| c.kind == "url")),
        ("presigned with params", count(&|c| presign(c) && !c.params.is_empty())),
        ("presigned with headers", count(&|c| presign(c) && !c.headers.is_empty())),
        ("presigned with a token", count(&|c| presign(c) && !c.token.is_empty())),
        ("presigned, host unsigned", count(&|c| presign(c) && !c.sign_host)),
        ("presigned, query with a space", count(&|c| presign(c) && c.answer.contains('+'))),
        (
            "auth with unsigned headers",
            count(&|c| c.kind == "auth" && c.headers.iter().any(|(k, _)| !cos::sign::is_signed_header(k))),
        ),
        ("auth, host unsigned", count(&|c| c.kind == "auth" && !c.sign_host)),
        ("a custom domain", count(&|c| !c.domain.is_empty())),
        ("non-ASCII keys", count(&|c| !c.key.is_ascii())),
    ] {
        assert!(n >= 8, "only {n} cases with {what}");
    }
}

/// The comparison itself can fail: a changed signature, parameter or path is caught.
#[test]
fn the_comparison_notices_differences() {
    let sdk = "https://b-1.cos.r.myqcloud.com/a%20b?q-signature=ab&x=a+b";
    assert!(same_url(sdk, "https://b-1.cos.r.myqcloud.com/a%20b?q-signature=ab&x=a%20b", "a b"));
    assert!(!same_url(sdk, "https://b-1.cos.r.myqcloud.com/a%20b?q-signature=ac&x=a%20b", "a b"));
    assert!(!same_url(sdk, "https://b-1.cos.r.myqcloud.com/a%20c?q-signature=ab&x=a%20b", "a b"));
    assert!(!same_url(sdk, "http://b-1.cos.r.myqcloud.com/a%20b?q-signature=ab&x=a%20b", "a b"));
    assert!(same_path("/x.%2Fy", "/x./y", "x./y") && !same_path("/x.%2Fy", "/x./z", "x./y"));
}
