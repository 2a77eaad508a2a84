//! Copy sources across clients: this library writes sources (an object in another region, two versions, an SSE-C
//! object) and the official COS Python SDK copies them through `tests/python/conformance_copy.py` with CopySource
//! {Region, VersionId}, CopySourceIfMatch and CopySourceSSECustomer* (copy_object, upload_part_copy), checking every
//! result and COS's refusals; then the SDK writes sources and this library copies them with `CopySource` through
//! `copy_object_from` and the managed `copy_from`. Needs the test venv: `bash tests/setup.sh`.

mod support;

use base64::Engine;
use cos::{Client, CopySource, RequestOptions, TransferOptions};
use md5::Digest;
use std::collections::HashMap;
use std::process::Command;

const DEST: &str = "pycopy-1250000000";
const FAR: &str = "pycopyfar-1250000000";
const VERSIONED: &str = "pycopyver-1250000000";
const CHECKS: usize = 5;

#[test]
fn the_sdk_and_the_library_copy_each_others_sources() {
    let emu = support::Emulator::start();
    let c = emu.client();
    let far = {
        let mut b = emu.config();
        b.region("ap-beijing");
        Client::new(b.build().unwrap()).unwrap()
    };
    let o = RequestOptions::new();
    c.create_bucket(DEST, &o).unwrap();
    far.create_bucket(FAR, &o).unwrap();
    c.create_bucket(VERSIONED, &o).unwrap();
    c.put_bucket_versioning(VERSIONED, true).unwrap();
    let far_etag = far.put_object(FAR, "src", b"library far source", &o).unwrap().etag().unwrap().to_string();
    let old = c.put_object(VERSIONED, "src", b"library old version", &o).unwrap().version_id().unwrap().to_string();
    c.put_object(VERSIONED, "src", b"library new version", &o).unwrap();
    let key = [5u8; 32];
    let b64 = base64::engine::general_purpose::STANDARD;
    let (key_b64, key_md5) = (b64.encode(key), b64.encode(md5::Md5::digest(key)));
    let mut enc = RequestOptions::new();
    enc.sse_customer_key(&key).unwrap();
    c.put_object(DEST, "secret", b"library secret", &enc).unwrap();

    let json = |pairs: &[(&str, &str)]| {
        let quote = |s: &str| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""));
        let body: Vec<String> = pairs.iter().map(|(k, v)| format!("{}: {}", quote(k), quote(v))).collect();
        format!("{{{}}}", body.join(", "))
    };
    let state = json(&[
        ("dest", DEST),
        ("far", FAR),
        ("versioned", VERSIONED),
        ("version", &old),
        ("old_body", "library old version"),
        ("far_body", "library far source"),
        ("far_etag", &far_etag),
        ("secret_body", "library secret"),
        ("key_b64", &key_b64),
        ("key_md5", &key_md5),
    ]);
    let out = Command::new(support::python())
        .arg(support::root().join("tests/python/conformance_copy.py"))
        .args(["--port", &emu.port().to_string(), "--secret-id", support::SECRET_ID])
        .args(["--secret-key", support::SECRET_KEY, "--state", &state])
        .output()
        .expect("run conformance_copy.py");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    println!("{stdout}");
    eprintln!("{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "conformance_copy.py failed ({}); its output is above", out.status);
    assert!(stdout.contains(&format!("conformance: {CHECKS} passed, 0 failed")), "{stdout}");
    let sdk: HashMap<&str, &str> =
        stdout.lines().filter_map(|l| l.strip_prefix("state ")).filter_map(|l| l.split_once(' ')).collect();

    // The library copies what the SDK wrote: another region with if-match, an old version, an SSE-C source.
    let get = |k: &str| c.get_object(DEST, k, &o).unwrap().0;
    // Every managed copy takes the multipart path.
    let t = TransferOptions { copy_threshold: 1, ..TransferOptions::default() };
    let mut from_far = CopySource::new(FAR, "sdk-src").unwrap();
    from_far.region("ap-beijing").unwrap().if_match(sdk["far_etag"]).unwrap();
    c.copy_object_from(&from_far, DEST, "rs-far", &o).unwrap();
    assert_eq!(get("rs-far"), b"sdk far source");
    c.copy_from(&from_far, DEST, "rs-far-managed", &t, None).unwrap();
    assert_eq!(get("rs-far-managed"), b"sdk far source");
    let mut old = CopySource::new(VERSIONED, "sdk-src").unwrap();
    old.version_id(sdk["version"]).unwrap();
    c.copy_object_from(&old, DEST, "rs-old", &o).unwrap();
    assert_eq!(get("rs-old"), b"sdk version one");
    c.copy_from(&old, DEST, "rs-old-managed", &t, None).unwrap();
    assert_eq!(get("rs-old-managed"), b"sdk version one");
    let mut secret = CopySource::new(DEST, "sdk-secret").unwrap();
    let e = c.copy_object_from(&secret, DEST, "rs-nokey", &o).unwrap_err();
    assert_eq!((e.http_status(), e.code()), (400, Some("InvalidRequest")), "{e:?}");
    secret.sse_customer_key(&key).unwrap();
    c.copy_object_from(&secret, DEST, "rs-secret", &o).unwrap();
    assert_eq!(get("rs-secret"), b"sdk secret");
    c.copy_from(&secret, DEST, "rs-secret-managed", &t, None).unwrap();
    assert_eq!(get("rs-secret-managed"), b"sdk secret");
}
