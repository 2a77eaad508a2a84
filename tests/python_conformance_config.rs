//! Peer conformance of the emulator's bucket configuration documents and object sub-resources: the
//! official COS Python SDK runs `tests/python/conformance_config.py` (ACL, tagging, CORS with preflight,
//! lifecycle, replication, website, logging, policy, domain and its certificate, origin, inventory,
//! referer, response control, intelligent tiering, object lock, encryption, location, symlink) against a
//! fresh emulator and asserts what the SDK returns. On disk, the emulator is then killed and restarted on
//! the same --data-dir, and a second phase checks that every kind of document survived.
//! Needs the test venv: `bash tests/setup.sh`.

mod support;

use std::process::Command;

/// The number of checks of conformance_config.py's main phase.
const MIN_CHECKS: usize = 34;

#[test]
fn official_python_sdk_configuration_calls() {
    run(&support::Emulator::start(), "all", MIN_CHECKS);
}

#[test]
fn official_python_sdk_configuration_calls_on_disk_survive_a_restart() {
    let dir = support::TempDir::new("python-conformance-config");
    let args = ["--data-dir", dir.0.to_str().expect("UTF-8 temp path")];
    run(&support::Emulator::start_with(&args), "all", MIN_CHECKS);
    // The first emulator is killed (SIGKILL) when dropped above; a new one reads the same directory.
    run(&support::Emulator::start_with(&args), "verify-persisted", 1);
}

/// Runs one phase of conformance_config.py and fails unless at least `min` checks ran and all passed.
fn run(emulator: &support::Emulator, phase: &str, min: usize) {
    let script = support::root().join("tests/python/conformance_config.py");
    let out = Command::new(support::python())
        .arg(&script)
        .args(["--port", &emulator.port().to_string()])
        .args(["--secret-id", support::SECRET_ID])
        .args(["--secret-key", support::SECRET_KEY])
        .args(["--phase", phase])
        .output()
        .expect("run conformance_config.py");
    let stdout = String::from_utf8_lossy(&out.stdout);
    println!("{stdout}");
    eprintln!("{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "conformance_config.py --phase {phase} failed ({}); output above", out.status);
    let summary = stdout
        .lines()
        .rev()
        .find(|l| l.starts_with("conformance: "))
        .expect("conformance_config.py printed no summary line");
    let passed: usize = summary
        .trim_start_matches("conformance: ")
        .split(' ')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("malformed summary {summary:?}"));
    assert!(summary.ends_with(", 0 failed"), "{summary}");
    assert!(passed >= min, "only {passed} checks ran in phase {phase}: {summary}");
}
