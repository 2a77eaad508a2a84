//! Peer conformance of the emulator's versioning and archive restore: the official COS Python SDK drives a fresh
//! emulator through `tests/python/conformance_versions.py` (bucket versioning, version ids, reads and deletes by
//! VersionId, delete markers, the version listing with paging and delimiter, batch deletes with versions, copies
//! from a version, ARCHIVE / DEEP_ARCHIVE restore) and asserts on what the SDK returns. Run in memory, with
//! `--data-dir`, and with `--restore-delay-ms` so that a restore in progress is seen too. Needs the test venv:
//! `bash tests/setup.sh`.

mod support;

use std::process::Command;

/// The number of checks in conformance_versions.py.
const MIN_CHECKS: usize = 24;

#[test]
fn versions_and_restore_in_memory() {
    conformance(&support::Emulator::start(), 0);
}

#[test]
fn versions_and_restore_on_disk() {
    let dir = support::TempDir::new("python-versions");
    let emulator = support::Emulator::start_with(&["--data-dir", dir.0.to_str().expect("UTF-8 temp path")]);
    conformance(&emulator, 0);
}

/// A restore that takes 600 ms: the script also sees it in progress (x-cos-restore, reads refused, 409).
#[test]
fn versions_and_restore_with_a_restore_delay() {
    conformance(&support::Emulator::start_with(&["--restore-delay-ms", "600"]), 600);
}

/// Runs conformance_versions.py against `emulator` and fails unless every check passed.
fn conformance(emulator: &support::Emulator, restore_delay_ms: u64) {
    let script = support::root().join("tests/python/conformance_versions.py");
    let out = Command::new(support::python())
        .arg(&script)
        .args(["--port", &emulator.port().to_string()])
        .args(["--secret-id", support::SECRET_ID])
        .args(["--secret-key", support::SECRET_KEY])
        .args(["--restore-delay-ms", &restore_delay_ms.to_string()])
        .output()
        .expect("run conformance_versions.py");
    let stdout = String::from_utf8_lossy(&out.stdout);
    println!("{stdout}");
    eprintln!("{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "conformance_versions.py failed ({}); its output is above", out.status);
    let summary = stdout
        .lines()
        .rev()
        .find(|l| l.starts_with("conformance: "))
        .expect("conformance_versions.py printed no summary line");
    let passed: usize = summary
        .trim_start_matches("conformance: ")
        .split(' ')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("malformed summary {summary:?}"));
    assert!(summary.ends_with(", 0 failed"), "{summary}");
    assert!(passed >= MIN_CHECKS, "only {passed} checks ran: {summary}");
}
