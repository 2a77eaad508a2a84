//! Peer conformance of bucket creation and listing options and of symlinks, both ways: this library makes
//! buckets (tagged, in another region, MAZ + OFS) and a symlink; the official COS Python SDK, through
//! `tests/python/conformance_buckets.py`, lists them with every GET Service filter and pages, HEADs the
//! MAZ/OFS bucket and reads the link; then it makes a MAZ/OFS tagged bucket and a link that this library
//! reads back. Needs the test venv: `bash tests/setup.sh`.

mod support;

use cos::{BucketCreateConfig, ListBucketsParams, RequestOptions, TagSet};
use std::process::Command;

/// The number of checks in conformance_buckets.py.
const CHECKS: usize = 8;

#[test]
fn buckets_and_symlinks_with_the_python_sdk() {
    let emu = support::Emulator::start();
    let client = emu.client();
    let mut tags = TagSet::new();
    tags.add("team", "rust").unwrap();
    let mut tagged = RequestOptions::new();
    tagged.tags(&tags).unwrap();
    client.create_bucket("rs-gz-1250000000", &tagged).unwrap();
    let mut b = emu.config();
    b.region("ap-beijing");
    cos::Client::new(b.build().unwrap()).unwrap().create_bucket("rs-bj-1250000000", &RequestOptions::new()).unwrap();
    let maz_ofs = BucketCreateConfig { multi_az: true, ofs: true };
    client.create_bucket_with("rs-maz-1250000000", &maz_ofs, &RequestOptions::new()).unwrap();
    client.put_symlink("rs-gz-1250000000", "from-rust", "dir/target 1.txt", &RequestOptions::new()).unwrap();

    run(&emu);

    let head = client.head_bucket("py-maz-1250000000").unwrap();
    assert_eq!((head.get("x-cos-bucket-az-type"), head.get("x-cos-bucket-arch")), (Some("MAZ"), Some("OFS")));
    let python = ListBucketsParams { tag: Some(("team".into(), "python".into())), ..Default::default() };
    let listed = client.list_all_buckets(&python).unwrap();
    assert_eq!(listed.buckets.iter().map(|b| b.name.as_str()).collect::<Vec<_>>(), ["py-maz-1250000000"]);
    assert_eq!(listed.buckets[0].bucket_type.as_deref(), Some("ofs"));
    let target = client.get_symlink("rs-gz-1250000000", "from-python", &RequestOptions::new()).unwrap();
    assert_eq!(target, "dir/py target.txt");
}

fn run(emulator: &support::Emulator) {
    let script = support::root().join("tests/python/conformance_buckets.py");
    let out = Command::new(support::python())
        .arg(&script)
        .args(["--port", &emulator.port().to_string()])
        .args(["--secret-id", support::SECRET_ID])
        .args(["--secret-key", support::SECRET_KEY])
        .output()
        .expect("run conformance_buckets.py");
    let stdout = String::from_utf8_lossy(&out.stdout);
    println!("{stdout}");
    eprintln!("{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "conformance_buckets.py failed ({}); its output is above", out.status);
    let summary = stdout.lines().rev().find(|l| l.starts_with("conformance: ")).expect("no summary line");
    assert_eq!(summary, format!("conformance: {CHECKS} passed, 0 failed"));
}
