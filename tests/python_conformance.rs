//! Peer conformance of the COS emulator: the official COS Python SDK (cos-python-sdk-v5) drives a fresh
//! emulator through `tests/python/conformance.py` (buckets, objects, listing, copy, batch delete, errors,
//! credentials, presigned URLs) and asserts on what the SDK returns. The emulator is only a faithful stand-in
//! for COS if the official SDK is satisfied with it. Needs the test venv: `bash tests/setup.sh`.

mod support;

use std::process::Command;

/// The number of checks in conformance.py.
const MIN_CHECKS: usize = 47;

#[test]
fn official_python_sdk_against_the_emulator() {
    conformance(&support::Emulator::start());
}

/// The same checks with the emulator's on-disk store (`--data-dir`).
#[test]
fn official_python_sdk_against_the_emulator_on_disk() {
    let dir = support::TempDir::new("python-conformance");
    let emulator = support::Emulator::start_with(&["--data-dir", dir.0.to_str().expect("UTF-8 temp path")]);
    conformance(&emulator);
}

/// Runs conformance.py against `emulator` and fails unless every check passed.
fn conformance(emulator: &support::Emulator) {
    let script = support::root().join("tests/python/conformance.py");
    let out = Command::new(support::python())
        .arg(&script)
        .args(["--port", &emulator.port().to_string()])
        .args(["--secret-id", support::SECRET_ID])
        .args(["--secret-key", support::SECRET_KEY])
        .args(["--temp-secret-id", support::TEMP_SECRET_ID])
        .args(["--temp-secret-key", support::TEMP_SECRET_KEY])
        .args(["--session-token", support::SESSION_TOKEN])
        .output()
        .expect("run conformance.py");
    let stdout = String::from_utf8_lossy(&out.stdout);
    // The harness shows this output when the test fails (and always with --nocapture).
    println!("{stdout}");
    eprintln!("{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "conformance.py failed ({}); its output is above", out.status);
    let summary =
        stdout.lines().rev().find(|l| l.starts_with("conformance: ")).expect("conformance.py printed no summary line");
    let passed: usize = summary
        .trim_start_matches("conformance: ")
        .split(' ')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("malformed summary {summary:?}"));
    assert!(summary.ends_with(", 0 failed"), "{summary}");
    // A script that ran fewer checks than it has must not pass.
    assert!(passed >= MIN_CHECKS, "only {passed} checks ran: {summary}");
}
