//! Peer conformance of the emulator's SELECT object content: the official COS Python SDK drives a fresh emulator
//! through `tests/python/conformance_select.py` (CSV and JSON input, NONE / GZIP / BZIP2, CSV and JSON output,
//! projection, WHERE, LIMIT, aggregates, big results in several Records messages, Progress / Stats / End, errors
//! before and inside the stream, faults on the stream) and asserts on what the SDK returns; the script also checks
//! both CRC-32s of every message the SDK read. Run in memory and with `--data-dir` (objects then come from files).
//! Needs the test venv: `bash tests/setup.sh`.

mod support;

use std::process::Command;

/// The number of checks in conformance_select.py.
const CHECKS: usize = 19;

#[test]
fn select_in_memory() {
    run(&support::Emulator::start());
}

#[test]
fn select_on_disk() {
    let dir = support::TempDir::new("python-select");
    run(&support::Emulator::start_with(&["--data-dir", dir.0.to_str().expect("UTF-8 temp path")]));
}

/// Runs conformance_select.py against `emulator` and fails unless all of its checks ran and passed.
fn run(emulator: &support::Emulator) {
    let script = support::root().join("tests/python/conformance_select.py");
    let out = Command::new(support::python())
        .arg(&script)
        .args(["--port", &emulator.port().to_string()])
        .args(["--secret-id", support::SECRET_ID])
        .args(["--secret-key", support::SECRET_KEY])
        .output()
        .expect("run conformance_select.py");
    let stdout = String::from_utf8_lossy(&out.stdout);
    println!("{stdout}");
    eprintln!("{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "conformance_select.py failed ({}); its output is above", out.status);
    let summary = stdout
        .lines()
        .rev()
        .find(|l| l.starts_with("conformance: "))
        .expect("conformance_select.py printed no summary line");
    assert_eq!(summary, format!("conformance: {CHECKS} passed, 0 failed"));
}
