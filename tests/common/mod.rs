//! Shared by the integration tests: starts `cos-emulator` on a free loopback port and stops it on drop.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// The emulator's default credentials and region (see README).
pub const SECRET_ID: &str = "AKIDcosEmulatorDefault";
pub const SECRET_KEY: &str = "cosEmulatorDefaultSecretKey";
pub const TEMP_SECRET_ID: &str = "AKIDcosEmulatorTemp";
pub const TEMP_SECRET_KEY: &str = "cosEmulatorTempSecretKey";
pub const SESSION_TOKEN: &str = "cosEmulatorSessionToken";
pub const REGION: &str = "ap-guangzhou";

pub struct Emulator {
    child: Child,
    /// `127.0.0.1:PORT`
    pub address: String,
}

impl Emulator {
    /// An in-memory emulator with the default credentials.
    pub fn start() -> Emulator {
        Emulator::start_with(&[])
    }

    /// An emulator with extra command-line arguments (e.g. `["--data-dir", dir]`).
    pub fn start_with(args: &[&str]) -> Emulator {
        let mut child = Command::new(env!("CARGO_BIN_EXE_cos-emulator"))
            .args(["--listen", "127.0.0.1:0"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start cos-emulator");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("piped stdout"))
            .read_line(&mut line)
            .expect("read the emulator's first line");
        let address = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line from cos-emulator: {line:?}"))
            .to_string();
        Emulator { child, address }
    }

    pub fn port(&self) -> u16 {
        self.address.rsplit(':').next().unwrap().parse().unwrap()
    }

    /// A client configured for this emulator (http, `COS_ADDRESS`-style connect address).
    pub fn client(&self) -> cos::Client {
        cos::Client::new(self.config().build().expect("config")).expect("client for the emulator")
    }

    /// The configuration `client()` uses, to adjust before building.
    pub fn config(&self) -> cos::ConfigBuilder {
        let mut b = cos::Config::builder();
        b.region(REGION).credentials(SECRET_ID, SECRET_KEY).address(&self.address);
        b.scheme("http").unwrap();
        b
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A unique bucket name for a test, so tests can share one emulator.
pub fn bucket(tag: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    format!("{tag}-{}-1250000000", N.fetch_add(1, Ordering::Relaxed))
}

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The Python interpreter of the test venv (`.venv`, made by `tests/setup.sh`), or `COS_TEST_PYTHON`.
/// Tests that need it fail loudly instead of skipping, so CI cannot pass without running them.
pub fn python() -> PathBuf {
    if let Ok(p) = std::env::var("COS_TEST_PYTHON") {
        return PathBuf::from(p);
    }
    let p = root().join(".venv/bin/python");
    assert!(
        Path::new(&p).exists(),
        "{} is missing: run `bash tests/setup.sh` (the README's test command does) to create the test venv",
        p.display()
    );
    p
}
