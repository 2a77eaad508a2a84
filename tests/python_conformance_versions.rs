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

/// Versions, a delete marker, the versioning status and a restore survive a restart on the same `--data-dir`:
/// the SDK sees exactly what it saw before.
#[test]
fn versions_and_restore_survive_a_restart() {
    let dir = support::TempDir::new("python-versions-restart");
    let data_dir = dir.0.join("data");
    let data_dir = data_dir.to_str().expect("UTF-8 temp path");
    let state = dir.0.join("state.json");
    let state = state.to_str().expect("UTF-8 temp path");
    {
        let emulator = support::Emulator::start_with(&["--data-dir", data_dir]);
        run(&emulator, &["--persist", "write", "--state", state], 1);
    }
    let emulator = support::Emulator::start_with(&["--data-dir", data_dir]);
    run(&emulator, &["--persist", "check", "--state", state], 1);
}

/// A restore that takes 600 ms: the script also sees it in progress (x-cos-restore, reads refused, 409).
#[test]
fn versions_and_restore_with_a_restore_delay() {
    conformance(&support::Emulator::start_with(&["--restore-delay-ms", "600"]), 600);
}

fn conformance(emulator: &support::Emulator, restore_delay_ms: u64) {
    run(emulator, &["--restore-delay-ms", &restore_delay_ms.to_string()], MIN_CHECKS);
}

/// Runs conformance_versions.py with `args` against `emulator` and fails unless every check passed and at
/// least `min_checks` ran.
fn run(emulator: &support::Emulator, args: &[&str], min_checks: usize) {
    let script = support::root().join("tests/python/conformance_versions.py");
    let out = Command::new(support::python())
        .arg(&script)
        .args(["--port", &emulator.port().to_string()])
        .args(["--secret-id", support::SECRET_ID])
        .args(["--secret-key", support::SECRET_KEY])
        .args(args)
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
    assert!(passed >= min_checks, "only {passed} checks ran: {summary}");
}
