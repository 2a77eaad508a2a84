//! The command line as a user meets it: `--help` and `--version` exit 0, a bad argument exits 2 with a
//! message that names it (and nothing on stdout), an unusable address or data directory exits 1, and a
//! good start prints `listening on IP:PORT` as its first stdout line.

use std::io::{BufRead, BufReader};
use std::process::{Command, Output, Stdio};

fn emulator(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cos-emulator"))
        .args(args)
        .env_remove("COS_EMULATOR_PAUSE_AT")
        .stdin(Stdio::null())
        .output()
        .expect("run cos-emulator")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn help_and_version_exit_0() {
    for flag in ["--help", "-h"] {
        let out = emulator(&[flag]);
        assert_eq!(out.status.code(), Some(0), "{flag}");
        let help = text(&out.stdout);
        assert!(help.starts_with("cos-emulator "), "{help}");
        for needle in ["--listen ADDR", "--data-dir DIR", "default AKIDcosEmulatorDefault", "default ap-guangzhou"] {
            assert!(help.contains(needle), "{flag}: no {needle:?} in\n{help}");
        }
        assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
    }
    let out = emulator(&["--version"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stdout), format!("cos-emulator {}\n", env!("CARGO_PKG_VERSION")));
}

#[test]
fn a_bad_argument_exits_2_and_says_which() {
    for (args, message) in [
        (&["--bogus"][..], "unknown flag --bogus"),
        (&["--listen"], "--listen needs a value"),
        (&["--listen", "nowhere"], "--listen needs IP:PORT"),
        (&["--rate-limit", "0"], "--rate-limit needs a positive number"),
        (&["--clock-skew=soon"], "--clock-skew needs a number of seconds"),
        (&["--no-md5=1"], "--no-md5 takes no value"),
        (&["stray"], "unexpected argument \"stray\""),
    ] {
        let out = emulator(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = text(&out.stderr);
        assert!(stderr.starts_with(&format!("cos-emulator: {message}")), "{args:?}: {stderr}");
        assert!(stderr.contains("cos-emulator --help"), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?}: nothing on stdout, got {}", text(&out.stdout));
    }
}

#[test]
fn an_unusable_data_dir_or_address_exits_1() {
    let file = std::env::temp_dir().join(format!("cos-emulator-cli-{}", std::process::id()));
    std::fs::write(&file, b"not a directory").unwrap();
    let out = emulator(&["--data-dir", file.to_str().unwrap()]);
    std::fs::remove_file(&file).unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).starts_with("cos-emulator: cannot use data dir"), "{}", text(&out.stderr));

    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    let out = emulator(&["--listen", &address]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).starts_with(&format!("cos-emulator: cannot listen on {address}")));
}

#[test]
fn the_first_stdout_line_is_the_address() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cos-emulator"))
        .args(["--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("start cos-emulator");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let _ = child.kill();
    let _ = child.wait();
    let address = line.trim_end().strip_prefix("listening on 127.0.0.1:").unwrap_or_else(|| panic!("{line:?}"));
    assert!(address.parse::<u16>().is_ok_and(|port| port > 0), "{line:?}");
}
