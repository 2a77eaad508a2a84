//! `cos-emulator` for the tests: one launcher (`Emulator`), its control API (`/__emulator/...`: faults and
//! request counters), its request log, clients configured for it, and `Fixture` (an emulator, a client and a
//! fresh bucket). Every test that needs a COS server starts an emulator of its own or shares one within its
//! binary; fault injection and counters are per emulator.

use super::Proxy;
use cos::{Client, ConfigBuilder, RequestOptions, UploadSummary};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime};

/// The emulator's default credentials and region (`cos-emulator --help`).
pub const SECRET_ID: &str = "AKIDcosEmulatorDefault";
pub const SECRET_KEY: &str = "cosEmulatorDefaultSecretKey";
pub const TEMP_SECRET_ID: &str = "AKIDcosEmulatorTemp";
pub const TEMP_SECRET_KEY: &str = "cosEmulatorTempSecretKey";
pub const SESSION_TOKEN: &str = "cosEmulatorSessionToken";
pub const REGION: &str = "ap-guangzhou";

/// The emulator's test hook that pauses it at a crash point (see the emulator's README).
pub const PAUSE_ENV: &str = "COS_EMULATOR_PAUSE_AT";

/// Where the emulator's sources are, and the cargo arguments that build its binary.
const EMULATOR_SOURCES: &str = "emulator/src";
const EMULATOR_BUILD: &[&str] = &["build", "-p", "cos-emulator"];

/// The `cos-emulator` binary the tests run: `$COS_EMULATOR_BIN` when set; otherwise `cos-emulator` in the
/// profile directory the test binary runs from (`<target dir>/<profile>/deps/<test>` gives
/// `<target dir>/<profile>/cos-emulator`), built first with cargo — same profile, same target directory — when
/// it is missing or older than the emulator's sources, so that `cargo test` alone works on a fresh clone. The
/// build runs once per test process (the tests of one binary wait for it); cargo's lock on the target directory
/// serialises test processes that build at the same time.
pub fn emulator_bin() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(locate_emulator).clone()
}

fn locate_emulator() -> PathBuf {
    if let Some(bin) = std::env::var_os("COS_EMULATOR_BIN") {
        let bin = PathBuf::from(bin);
        assert!(bin.is_file(), "COS_EMULATOR_BIN={} is not a file", bin.display());
        return bin;
    }
    let exe = std::env::current_exe().expect("the test binary's path");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .unwrap_or_else(|| panic!("{} does not run from <target dir>/<profile>/deps", exe.display()))
        .to_path_buf();
    let bin = profile_dir.join("cos-emulator");
    let newest_source = newest_mtime(&root().join(EMULATOR_SOURCES));
    let built = std::fs::metadata(&bin).and_then(|m| m.modified()).ok();
    if built.is_none_or(|built| built < newest_source) {
        build_emulator(&profile_dir);
        assert!(bin.is_file(), "cargo built the emulator, but {} is not there", bin.display());
    }
    bin
}

/// `cargo build` of the emulator into `profile_dir` (`<target dir>/[<triple>/]<profile>`).
fn build_emulator(profile_dir: &Path) {
    let profile = profile_dir.file_name().and_then(|n| n.to_str()).expect("a profile directory name");
    let above = profile_dir.parent().expect("the profile directory has a parent");
    // The target directory holds cargo's CACHEDIR.TAG; without one here, `above` is `<target dir>/<triple>`.
    let (target_dir, triple) = if above.join("CACHEDIR.TAG").exists() {
        (above, None)
    } else {
        (above.parent().expect("a target directory above the triple"), above.file_name())
    };
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.args(EMULATOR_BUILD).arg("--manifest-path").arg(root().join("Cargo.toml")).arg("--target-dir").arg(target_dir);
    match profile {
        "debug" => {}
        "release" => {
            cmd.arg("--release");
        }
        other => {
            cmd.args(["--profile", other]);
        }
    }
    if let Some(triple) = triple {
        cmd.arg("--target").arg(triple);
    }
    eprintln!("building the emulator: {cmd:?}");
    let out = cmd.output().unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(out.status.success(), "{cmd:?} failed:\n{}", String::from_utf8_lossy(&out.stderr));
}

/// The latest modification time of the files under `dir` (the epoch when there are none).
fn newest_mtime(dir: &Path) -> SystemTime {
    let mut newest = SystemTime::UNIX_EPOCH;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for entry in entries.flatten() {
            let Ok(meta) = entry.metadata() else { continue };
            if meta.is_dir() {
                stack.push(entry.path());
            } else if let Ok(t) = meta.modified() {
                newest = newest.max(t);
            }
        }
    }
    newest
}

/// How to start an emulator: extra flags, environment, and what happens to its stderr (by default it goes
/// to the test's stderr).
#[derive(Clone, Debug, Default)]
pub struct Launch {
    args: Vec<String>,
    env: Vec<(String, String)>,
    verbose: bool,
    capture: bool,
    echo: bool,
}

impl Launch {
    pub fn new() -> Launch {
        Launch::default()
    }

    /// Extra command-line arguments (e.g. `["--data-dir", dir]`).
    pub fn args<S: AsRef<str>>(mut self, args: &[S]) -> Launch {
        self.args.extend(args.iter().map(|a| a.as_ref().to_string()));
        self
    }

    /// One environment variable for the emulator (`COS_EMULATOR_PAUSE_AT` is otherwise removed).
    pub fn env(mut self, name: &str, value: &str) -> Launch {
        self.env.push((name.to_string(), value.to_string()));
        self
    }

    /// `--verbose`, with stderr captured: `Emulator::log` returns one line per request (Host, path, status,
    /// length, time, and the fault that fired).
    pub fn verbose(mut self) -> Launch {
        self.verbose = true;
        self.capture = true;
        self
    }

    /// Captures stderr: `Emulator::stderr` returns its lines so far.
    pub fn capture_stderr(mut self) -> Launch {
        self.capture = true;
        self
    }

    /// Also copies every captured stderr line to the test's stderr, prefixed with `[emulator]`.
    pub fn echo_stderr(mut self) -> Launch {
        self.echo = true;
        self
    }
}

/// Captured stderr lines, and whether the emulator closed its stderr (it exited).
#[derive(Default)]
struct StderrLog {
    lines: Mutex<Vec<String>>,
    closed: AtomicBool,
}

/// A running `cos-emulator` on a free loopback port, killed (SIGKILL) when dropped.
pub struct Emulator {
    child: Child,
    /// `127.0.0.1:PORT`
    pub address: String,
    /// With `--tls-cert`: the same server without TLS (the address then serves https), which `control`
    /// uses.
    pub plain_address: Option<String>,
    stderr: Option<Arc<StderrLog>>,
}

impl Emulator {
    /// An in-memory emulator with the default credentials.
    pub fn start() -> Emulator {
        Emulator::launch(&Launch::new())
    }

    /// An emulator with extra command-line arguments (e.g. `["--data-dir", dir]`).
    pub fn start_with(args: &[&str]) -> Emulator {
        Emulator::launch(&Launch::new().args(args))
    }

    /// An emulator run with `--verbose` whose request log `log()` returns.
    pub fn start_logged() -> Emulator {
        Emulator::launch(&Launch::new().verbose())
    }

    /// `start_logged` with extra command-line arguments.
    pub fn start_logged_with(args: &[&str]) -> Emulator {
        Emulator::launch(&Launch::new().verbose().args(args))
    }

    pub fn launch(how: &Launch) -> Emulator {
        let bin = emulator_bin();
        let mut cmd = Command::new(&bin);
        cmd.args(["--listen", "127.0.0.1:0"]);
        if how.verbose {
            cmd.arg("--verbose");
        }
        cmd.args(&how.args).env_remove(PAUSE_ENV);
        cmd.envs(how.env.iter().map(|(k, v)| (k, v)));
        cmd.stdout(Stdio::piped()).stderr(if how.capture { Stdio::piped() } else { Stdio::inherit() });
        let mut child = cmd.spawn().unwrap_or_else(|e| panic!("start cos-emulator ({}): {e}", bin.display()));
        let mut line = String::new();
        let mut stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        stdout.read_line(&mut line).expect("read the emulator's first line");
        let plain_address = how.args.iter().any(|a| a.starts_with("--tls-cert")).then(|| {
            let mut plain = String::new();
            stdout.read_line(&mut plain).expect("read the emulator's second line");
            plain
                .trim()
                .strip_prefix("plain http on ")
                .unwrap_or_else(|| panic!("unexpected second line from cos-emulator: {plain:?}"))
                .to_string()
        });
        let address = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line from cos-emulator: {line:?}"))
            .to_string();
        let stderr = how.capture.then(|| {
            let log = Arc::new(StderrLog::default());
            let (sink, echo) = (log.clone(), how.echo);
            let pipe = child.stderr.take().expect("piped stderr");
            std::thread::spawn(move || {
                for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                    if echo {
                        eprintln!("[emulator] {line}");
                    }
                    sink.lines.lock().unwrap().push(line);
                }
                sink.closed.store(true, Ordering::SeqCst);
            });
            log
        });
        Emulator { child, address, plain_address, stderr }
    }

    pub fn port(&self) -> u16 {
        self.address.rsplit(':').next().unwrap().parse().unwrap()
    }

    /// The configuration `client()` uses, to adjust before building: http, the default credentials, every
    /// host connecting to this emulator, the library's default timeouts and retries.
    pub fn config(&self) -> ConfigBuilder {
        config_for(&self.address)
    }

    /// A client for this emulator.
    pub fn client(&self) -> Client {
        Client::new(self.config().build().expect("config")).expect("client for the emulator")
    }

    /// `config()` with short timeouts (connect 2 s, read 5 s) and 3 retries, for tests that break requests on
    /// purpose and must not wait long for each failure.
    pub fn short_config(&self) -> ConfigBuilder {
        let mut b = self.config();
        b.connect_timeout(Duration::from_secs(2)).read_timeout(Duration::from_secs(5)).max_retries(3);
        b
    }

    /// A client with `short_config()`.
    pub fn short_client(&self) -> Client {
        Client::new(self.short_config().build().unwrap()).unwrap()
    }

    /// A client with `short_config()`, `max_retries` retries and `adjust` applied; a new client has no pooled
    /// connection, so every attempt it makes is exactly one request on the wire.
    pub fn client_with(&self, max_retries: u32, adjust: impl FnOnce(&mut ConfigBuilder)) -> Client {
        let mut b = self.short_config();
        b.max_retries(max_retries);
        adjust(&mut b);
        Client::new(b.build().unwrap()).unwrap()
    }

    /// Sends a control request; returns (status, body).
    pub fn control(&self, method: &str, path_and_query: &str) -> (u16, String) {
        control(self.plain_address.as_ref().unwrap_or(&self.address), method, path_and_query)
    }

    /// Adds a fault (`kind=...&count=...&method=...&key=...&sub=...`, see the emulator's README); panics when
    /// the emulator refuses it.
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

    /// The request counters (`GET /__emulator/stats`).
    pub fn stats(&self) -> Stats {
        let (status, body) = self.control("GET", "/__emulator/stats");
        assert_eq!(status, 200, "stats: {body}");
        Stats::parse(&body)
    }

    pub fn reset_stats(&self) {
        assert_eq!(self.control("POST", "/__emulator/stats/reset").0, 200);
    }

    /// The request log lines so far (`METHOD host/path?query -> status (N bytes, T ms)[ [fault ...]]`),
    /// control requests excluded. Needs `Launch::verbose` (`start_logged`).
    pub fn log(&self) -> Vec<String> {
        // The log is written after the response; give the last line a moment to arrive.
        std::thread::sleep(Duration::from_millis(50));
        self.stderr_log().lines.lock().unwrap().iter().filter(|l| !l.contains("/__emulator/")).cloned().collect()
    }

    pub fn clear_log(&self) {
        std::thread::sleep(Duration::from_millis(50));
        self.stderr_log().lines.lock().unwrap().clear();
    }

    /// Every captured stderr line so far, at once. Needs `Launch::capture_stderr` (or `verbose`).
    pub fn stderr(&self) -> Vec<String> {
        self.stderr_log().lines.lock().unwrap().clone()
    }

    /// Whether the emulator's stderr is closed: it exited (or was killed).
    pub fn stderr_closed(&self) -> bool {
        self.stderr_log().closed.load(Ordering::SeqCst)
    }

    fn stderr_log(&self) -> &StderrLog {
        self.stderr.as_deref().expect("this emulator's stderr is not captured (see Launch)")
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill(); // SIGKILL
        let _ = self.child.wait();
    }
}

/// A configuration for an emulator (or a relay in front of one) at `address`: http, the default credentials
/// and region, every host connecting to `address`.
pub fn config_for(address: &str) -> ConfigBuilder {
    let mut b = cos::Config::builder();
    b.region(REGION).credentials(SECRET_ID, SECRET_KEY).address(address);
    b.scheme("http").unwrap();
    b
}

/// Sends one control request (`/__emulator/...`, unsigned) to the emulator at `address` and returns
/// (status, body). For threads that hold only the address; `Emulator::control` otherwise.
pub fn control(address: &str, method: &str, path_and_query: &str) -> (u16, String) {
    let mut s = TcpStream::connect(address).expect("connect to the emulator");
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "{method} {path_and_query} HTTP/1.1\r\nHost: {address}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).expect("read the control answer");
    let text = String::from_utf8_lossy(&out).into_owned();
    let status = text.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    (status, body)
}

/// The emulator's counters (`GET /__emulator/stats`): `requests`, `retries` (requests carrying
/// `x-cos-sdk-retry: true`), `faults` (faults fired), `connections` (connections that carried a COS request), and one count
/// per HTTP method seen.
#[derive(Debug, Default, Clone)]
pub struct Stats {
    pub requests: u64,
    pub retries: u64,
    pub faults: u64,
    pub connections: u64,
    pub methods: Vec<(String, u64)>,
    /// Every line, counters and methods alike.
    lines: BTreeMap<String, u64>,
}

impl Stats {
    fn parse(body: &str) -> Stats {
        let mut s = Stats::default();
        for line in body.lines() {
            let Some((name, n)) = line.split_once(' ') else { continue };
            let n: u64 = n.trim().parse().unwrap_or(0);
            s.lines.insert(name.to_string(), n);
            match name {
                "requests" => s.requests = n,
                "retries" => s.retries = n,
                "faults" => s.faults = n,
                "connections" => s.connections = n,
                method => s.methods.push((method.to_string(), n)),
            }
        }
        s
    }

    /// Requests with method `m`, 0 when none was seen.
    pub fn method(&self, m: &str) -> u64 {
        self.methods.iter().find(|(k, _)| k == m).map_or(0, |(_, n)| *n)
    }

    /// One line of the answer (`"PUT"`, `"requests"`, ...), None when the emulator did not report it.
    pub fn get(&self, name: &str) -> Option<&u64> {
        self.lines.get(name)
    }
}

/// A unique bucket name for a test, so tests can share one emulator.
pub fn bucket(tag: &str) -> String {
    use std::sync::atomic::AtomicU32;
    static N: AtomicU32 = AtomicU32::new(0);
    format!("{tag}-{}-1250000000", N.fetch_add(1, Ordering::Relaxed))
}

/// Default request options.
pub fn opts() -> RequestOptions {
    RequestOptions::new()
}

/// An emulator, a client for it and a fresh bucket.
pub struct Fixture {
    pub emu: Emulator,
    pub client: Client,
    pub bucket: String,
}

impl Fixture {
    pub fn new(tag: &str) -> Fixture {
        Fixture::with_emulator(Emulator::start(), tag)
    }

    pub fn with_emulator(emu: Emulator, tag: &str) -> Fixture {
        let client = emu.client();
        let bucket = bucket(tag);
        client.create_bucket(&bucket, &RequestOptions::new()).expect("create bucket");
        Fixture { emu, client, bucket }
    }

    /// A client that reaches the emulator through `proxy`.
    pub fn client_via(&self, proxy: &Proxy) -> Client {
        let mut b = self.emu.config();
        b.address(&proxy.address);
        Client::new(b.build().expect("config")).expect("client")
    }

    /// The whole object, read with a plain GET.
    pub fn get(&self, key: &str) -> Vec<u8> {
        self.client.get_object(&self.bucket, key, &RequestOptions::new()).expect("get object").0
    }

    /// Every multipart upload in progress under `prefix`, following the pages.
    pub fn uploads(&self, prefix: &str) -> Vec<UploadSummary> {
        super::list_all_uploads(&self.client, &self.bucket, prefix)
    }

    /// The object's CRC-64 as a HEAD reports it.
    pub fn head_crc(&self, key: &str) -> Option<u64> {
        self.client.head_object(&self.bucket, key, &RequestOptions::new()).expect("head").crc64()
    }
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
