//! Shared by the `faults_*` tests: an emulator of their own (fault injection and counters are per emulator,
//! so every test starts one), its control API (`/__emulator/...`), its request log, and small helpers.
#![allow(dead_code)]

use cos::{Client, ConfigBuilder, ErrorKind, RequestOptions};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const SECRET_ID: &str = "AKIDcosEmulatorDefault";
pub const SECRET_KEY: &str = "cosEmulatorDefaultSecretKey";
pub const TEMP_SECRET_ID: &str = "AKIDcosEmulatorTemp";
pub const TEMP_SECRET_KEY: &str = "cosEmulatorTempSecretKey";
pub const SESSION_TOKEN: &str = "cosEmulatorSessionToken";
pub const REGION: &str = "ap-guangzhou";
pub const MIB: usize = 1 << 20;

/// A `cos-emulator` process run with `--verbose`: its stderr (one line per request, with the Host and any
/// fault that fired) is collected.
pub struct Emu {
    child: Child,
    pub address: String,
    log: Arc<Mutex<Vec<String>>>,
}

impl Emu {
    pub fn start() -> Emu {
        Emu::start_with(&[])
    }

    pub fn start_with(args: &[&str]) -> Emu {
        let mut child = Command::new(env!("CARGO_BIN_EXE_cos-emulator"))
            .args(["--listen", "127.0.0.1:0", "--verbose"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start cos-emulator");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).expect("the emulator's first line");
        let address = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line from cos-emulator: {line:?}"))
            .to_string();
        let log = Arc::new(Mutex::new(Vec::new()));
        let sink = log.clone();
        let stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                sink.lock().unwrap().push(line);
            }
        });
        Emu { child, address, log }
    }

    /// A configuration for this emulator with short timeouts: http, every host connects to the emulator.
    pub fn config(&self) -> ConfigBuilder {
        let mut b = cos::Config::builder();
        b.region(REGION)
            .credentials(SECRET_ID, SECRET_KEY)
            .address(&self.address)
            .connect_timeout(Duration::from_secs(2))
            .read_timeout(Duration::from_secs(5))
            .max_retries(3);
        b.scheme("http").unwrap();
        b
    }

    pub fn client(&self) -> Client {
        Client::new(self.config().build().unwrap()).unwrap()
    }

    /// A client with `max_retries` retries; a new client has no pooled connection, so every attempt it makes
    /// is exactly one request on the wire.
    pub fn client_with(&self, max_retries: u32, adjust: impl FnOnce(&mut ConfigBuilder)) -> Client {
        let mut b = self.config();
        b.max_retries(max_retries);
        adjust(&mut b);
        Client::new(b.build().unwrap()).unwrap()
    }

    /// Sends a control request; returns (status, body).
    pub fn control(&self, method: &str, path_and_query: &str) -> (u16, String) {
        let mut s = TcpStream::connect(&self.address).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        write!(
            s,
            "{method} {path_and_query} HTTP/1.1\r\nHost: {}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            self.address
        )
        .unwrap();
        let mut out = Vec::new();
        s.read_to_end(&mut out).unwrap();
        let text = String::from_utf8_lossy(&out).into_owned();
        let status = text.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
        let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
        (status, body)
    }

    /// Adds a fault (`kind=...&count=...`, see tests/emulator/faults.rs); panics when the emulator refuses it.
    pub fn fault(&self, query: &str) {
        let (status, body) = self.control("POST", &format!("/__emulator/faults?{query}"));
        assert_eq!(status, 200, "fault {query:?} refused: {body}");
    }

    pub fn clear_faults(&self) {
        let (status, body) = self.control("DELETE", "/__emulator/faults");
        assert_eq!(status, 200, "{body}");
    }

    /// The faults still pending (one line each).
    pub fn pending_faults(&self) -> Vec<String> {
        self.control("GET", "/__emulator/faults").1.lines().map(str::to_string).collect()
    }

    pub fn stats(&self) -> Stats {
        let (status, body) = self.control("GET", "/__emulator/stats");
        assert_eq!(status, 200, "{body}");
        let mut s = Stats::default();
        for line in body.lines() {
            let Some((name, n)) = line.split_once(' ') else { continue };
            let n: u64 = n.trim().parse().unwrap_or(0);
            match name {
                "requests" => s.requests = n,
                "retries" => s.retries = n,
                "faults" => s.faults = n,
                method => s.methods.push((method.to_string(), n)),
            }
        }
        s
    }

    pub fn reset_stats(&self) {
        assert_eq!(self.control("POST", "/__emulator/stats/reset").0, 200);
    }

    /// The request log lines so far (`METHOD host/path?query -> status (N bytes, T ms)[ [fault ...]]`),
    /// control requests excluded.
    pub fn log(&self) -> Vec<String> {
        // The log is written after the response; give the last line a moment to arrive.
        std::thread::sleep(Duration::from_millis(50));
        self.log.lock().unwrap().iter().filter(|l| !l.contains("/__emulator/")).cloned().collect()
    }

    pub fn clear_log(&self) {
        std::thread::sleep(Duration::from_millis(50));
        self.log.lock().unwrap().clear();
    }
}

impl Drop for Emu {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The emulator's counters (`GET /__emulator/stats`).
#[derive(Debug, Default, Clone)]
pub struct Stats {
    pub requests: u64,
    pub retries: u64,
    pub faults: u64,
    pub methods: Vec<(String, u64)>,
}

impl Stats {
    pub fn method(&self, m: &str) -> u64 {
        self.methods.iter().find(|(k, _)| k == m).map_or(0, |(_, n)| *n)
    }
}

/// A unique bucket name.
pub fn bucket(tag: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    format!("{tag}-{}-1250000000", N.fetch_add(1, Ordering::Relaxed))
}

/// Deterministic pseudo-random bytes.
pub fn data(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 32) as u8
        })
        .collect()
}

pub fn opts() -> RequestOptions {
    RequestOptions::new()
}

/// Asserts equal bytes without printing megabytes.
pub fn assert_same(got: &[u8], want: &[u8], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    if let Some(i) = got.iter().zip(want).position(|(a, b)| a != b) {
        panic!("{what}: first difference at byte {i}");
    }
    assert_eq!(cos::crc64::checksum(got), cos::crc64::checksum(want), "{what}: CRC-64");
}

/// Runs `f` and checks it took less than `limit`.
pub fn within<T>(limit: Duration, what: &str, f: impl FnOnce() -> T) -> T {
    let started = Instant::now();
    let out = f();
    let took = started.elapsed();
    assert!(took < limit, "{what} took {took:?}, more than {limit:?}");
    out
}

/// The `cos_status` a C caller sees for each kind (include/cos.h; the numbers never change).
pub fn c_status(kind: ErrorKind) -> u32 {
    match kind {
        ErrorKind::InvalidArgument => 1,
        ErrorKind::Network => 2,
        ErrorKind::Timeout => 3,
        ErrorKind::Io => 4,
        ErrorKind::ChecksumMismatch => 5,
        ErrorKind::Cancelled => 6,
        ErrorKind::Parse => 7,
        ErrorKind::Internal => 8,
        ErrorKind::Service => 9,
        ErrorKind::Tls => 10,
    }
}

/// Checks the shape every error must have: the kind (and so the C status), a message, Display and digest
/// consistent with the fields.
pub fn check_error(e: &cos::Error, kind: ErrorKind) {
    assert_eq!(e.kind(), kind, "{e:?}");
    assert_eq!(cos::ffi::cos_status::from(e.kind()) as u32, c_status(kind), "{e:?}");
    assert!(!e.message().is_empty(), "{e:?}");
    let (display, digest) = (e.to_string(), e.digest());
    assert!(display.contains(e.message()), "Display {display:?} holds the message");
    assert!(digest.starts_with(&format!("{kind:?}")), "{digest}");
    if let Some(id) = e.request_id() {
        assert!(display.contains(id), "Display names the request id: {display}");
    }
    if e.http_status() != 0 {
        assert!(display.contains(&e.http_status().to_string()), "{display}");
    }
}

/// A scratch directory, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        use std::sync::atomic::{AtomicU32, Ordering};
        static N: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "cos-faults-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
    pub fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
    /// The names in the directory, sorted.
    pub fn names(&self) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(&self.0)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }
    pub fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn read(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}
