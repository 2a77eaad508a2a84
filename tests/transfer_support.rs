//! Shared by the `transfer_*` integration tests (each includes it with `#[path]`): an emulator fixture,
//! deterministic data, temporary directories, a progress recorder, deadline polling, and `Proxy`, a TCP
//! relay between a client and the emulator that counts, gates, slows down and cuts the bytes going
//! through it, so a test can hold a transfer at an exact byte, observe what a rerun sends, or break a
//! connection in the middle of a body. Compiled on its own it is an empty test binary.
#![allow(dead_code)]

#[path = "common/mod.rs"]
pub mod common;

use common::Emulator;
use cos::{Client, ListUploadsParams, UploadSummary};
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

pub const MIB: u64 = 1 << 20;
pub const KIB: u64 = 1 << 10;

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
        let bucket = common::bucket(tag);
        client.create_bucket(&bucket, &cos::RequestOptions::new()).expect("create bucket");
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
        self.client.get_object(&self.bucket, key, &cos::RequestOptions::new()).expect("get object").0
    }

    /// Every multipart upload in progress under `prefix`, following the pages.
    pub fn uploads(&self, prefix: &str) -> Vec<UploadSummary> {
        list_all_uploads(&self.client, &self.bucket, prefix)
    }

    /// The object's CRC-64 as a HEAD reports it.
    pub fn head_crc(&self, key: &str) -> Option<u64> {
        self.client.head_object(&self.bucket, key, &cos::RequestOptions::new()).expect("head").crc64()
    }
}

pub fn list_all_uploads(client: &Client, bucket: &str, prefix: &str) -> Vec<UploadSummary> {
    let mut params = ListUploadsParams { prefix: prefix.into(), ..ListUploadsParams::default() };
    let mut all = Vec::new();
    for _ in 0..1000 {
        let page = client.list_multipart_uploads(bucket, &params).expect("list multipart uploads");
        all.extend(page.uploads);
        if !page.is_truncated {
            return all;
        }
        params.key_marker = page.next_key_marker.unwrap_or_default();
        params.upload_id_marker = page.next_upload_id_marker.unwrap_or_default();
    }
    panic!("list_multipart_uploads never ends");
}

/// `len` deterministic pseudo-random bytes; different seeds give different bytes at every offset.
pub fn data(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        // xorshift64*
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        out.extend_from_slice(&x.wrapping_mul(0x2545_F491_4F6C_DD1D).to_le_bytes());
    }
    out.truncate(len);
    out
}

/// Panics with a readable message unless `a == b` (without dumping megabytes).
#[track_caller]
pub fn assert_same(a: &[u8], b: &[u8], what: &str) {
    if a != b {
        let first = a.iter().zip(b).position(|(x, y)| x != y).unwrap_or(a.len().min(b.len()));
        panic!("{what}: {} bytes vs {} bytes, first difference at offset {first}", a.len(), b.len());
    }
}

/// A fresh directory under the system temp dir, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        use std::sync::atomic::{AtomicU32, Ordering};
        static N: AtomicU32 = AtomicU32::new(0);
        let path = std::env::temp_dir().join(format!(
            "cos-transfer-{}-{tag}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    /// Writes `bytes` to `name` and returns its path.
    pub fn file(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }

    /// The names in the directory, sorted.
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&self.0)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Polls `cond` every few milliseconds until it holds, panicking after `limit`.
#[track_caller]
pub fn wait_for(what: &str, limit: Duration, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !cond() {
        assert!(Instant::now() < deadline, "timed out after {limit:?} waiting for {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Every progress call: (done, total, when).
#[derive(Default)]
pub struct ProgressLog {
    pub calls: Vec<(u64, u64, Instant)>,
}

impl ProgressLog {
    pub fn record(&mut self, done: u64, total: u64) {
        self.calls.push((done, total, Instant::now()));
    }

    pub fn first(&self) -> Option<u64> {
        self.calls.first().map(|c| c.0)
    }

    /// Checks the contract: `done` never decreases, never exceeds `total`, `total` is constant, the last
    /// call is (total, total), and calls come at most about every 64 KiB or 100 ms (the last excepted).
    #[track_caller]
    pub fn check(&self, total: u64, what: &str) {
        assert!(!self.calls.is_empty(), "{what}: no progress call");
        for (i, w) in self.calls.windows(2).enumerate() {
            assert!(w[1].0 >= w[0].0, "{what}: progress went back at call {i}: {:?}", self.values());
        }
        for &(done, t, _) in &self.calls {
            assert_eq!(t, total, "{what}: total changed: {:?}", self.values());
            assert!(done <= total, "{what}: done {done} > total {total}");
        }
        let last = self.calls.last().unwrap();
        assert_eq!((last.0, last.1), (total, total), "{what}: the last call is not (total, total)");
        // Throttling: between two calls (the final one excepted) 64 KiB or about 100 ms passed.
        let n = self.calls.len();
        for i in 1..n.saturating_sub(1) {
            let (d0, _, t0) = self.calls[i - 1];
            let (d1, _, t1) = self.calls[i];
            let gap = t1.duration_since(t0);
            assert!(
                d1 - d0 >= 64 * KIB || gap >= Duration::from_millis(90),
                "{what}: call {i} came {gap:?} and {} bytes after the previous one",
                d1 - d0
            );
        }
    }

    pub fn values(&self) -> Vec<(u64, u64)> {
        self.calls.iter().map(|c| (c.0, c.1)).collect()
    }
}

/// The names of a directory's files that look like a checkpoint's temporary file (`*.tmp-*`).
pub fn temp_leftovers(dir: &TempDir) -> Vec<String> {
    dir.names().into_iter().filter(|n| n.contains(".tmp-") || n.ends_with(".tmp")).collect()
}

/// The files of `dir` ending with `.cos-checkpoint`.
pub fn checkpoints(dir: &TempDir) -> Vec<String> {
    dir.names().into_iter().filter(|n| n.ends_with(".cos-checkpoint")).collect()
}

/// The parts a checkpoint file records (its `part <n> ...` lines) and its upload id field, if any.
pub fn checkpoint_parts(path: &Path) -> (Vec<u32>, Option<String>) {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let parts = text
        .lines()
        .filter_map(|l| l.strip_prefix("part "))
        .filter_map(|rest| rest.split(' ').next()?.parse().ok())
        .collect();
    let id = text.lines().find_map(|l| l.strip_prefix("field upload_id ")).map(str::to_string);
    (parts, id)
}

// ---------------------------------------------------------------------------------------------------------
// The emulator's control API (`/__emulator/...`, unsigned)

/// Sends one control request and returns (status, body).
pub fn control(address: &str, method: &str, path_and_query: &str) -> (u16, String) {
    let mut s = TcpStream::connect(address).expect("connect to the emulator");
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "{method} {path_and_query} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).expect("read the control answer");
    let status = text.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = text.split_once("\r\n\r\n").map_or("", |(_, b)| b).to_string();
    (status, body)
}

/// Adds a fault (`kind=...&method=...&key=...`) and panics unless the emulator took it.
pub fn add_fault(address: &str, query: &str) {
    let (status, body) = control(address, "POST", &format!("/__emulator/faults?{query}"));
    assert_eq!(status, 200, "fault {query} refused: {body}");
}

/// The request counters: `requests`, `retries`, `faults` and one entry per HTTP method.
pub fn stats(address: &str) -> std::collections::BTreeMap<String, u64> {
    let (status, body) = control(address, "GET", "/__emulator/stats");
    assert_eq!(status, 200, "stats: {body}");
    body.lines()
        .filter_map(|l| l.split_once(' '))
        .map(|(k, v)| (k.to_string(), v.trim().parse().unwrap_or(0)))
        .collect()
}

pub fn reset_stats(address: &str) {
    assert_eq!(control(address, "POST", "/__emulator/stats/reset").0, 200);
}

// ---------------------------------------------------------------------------------------------------------
// Proxy

#[derive(Default)]
struct Direction {
    /// Bytes forwarded so far.
    total: u64,
    /// Forward no byte beyond this total (`u64::MAX`: no gate).
    gate: u64,
    /// Bytes per second (0: as fast as possible).
    rate: u64,
    /// When the current rate window started and how many bytes went since.
    window: Option<(Instant, u64)>,
}

#[derive(Default)]
struct ProxyState {
    up: Direction,
    down: Direction,
    /// The next `cut.1` connections are closed after `cut.0` bytes towards the client.
    cut: (u64, u32),
    connections: u32,
    /// Byte strings replaced (same length) in what goes to the client.
    rewrites: Vec<(Vec<u8>, Vec<u8>)>,
    closed: bool,
}

struct Shared {
    state: Mutex<ProxyState>,
    changed: Condvar,
}

/// A TCP relay to the emulator (see the module comment). "Up" is client → server, "down" server → client.
pub struct Proxy {
    pub address: String,
    shared: Arc<Shared>,
}

#[derive(Clone, Copy, PartialEq)]
enum Way {
    Up,
    Down,
}

impl Proxy {
    pub fn start(target: &str) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap().to_string();
        let mut state = ProxyState::default();
        state.up.gate = u64::MAX;
        state.down.gate = u64::MAX;
        let shared = Arc::new(Shared { state: Mutex::new(state), changed: Condvar::new() });
        let (s, target) = (shared.clone(), target.to_string());
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                if s.state.lock().unwrap().closed {
                    return;
                }
                let Ok(server) = TcpStream::connect(&target) else { continue };
                let cut = {
                    let mut st = s.state.lock().unwrap();
                    st.connections += 1;
                    if st.cut.1 > 0 {
                        st.cut.1 -= 1;
                        Some(st.cut.0)
                    } else {
                        None
                    }
                };
                let _ = client.set_nodelay(true);
                let _ = server.set_nodelay(true);
                let (c2, s2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
                let (sa, sb) = (s.clone(), s.clone());
                std::thread::spawn(move || relay(&sa, client, server, Way::Up, None));
                std::thread::spawn(move || relay(&sb, s2, c2, Way::Down, cut));
            }
        });
        Proxy { address, shared }
    }

    fn with<T>(&self, f: impl FnOnce(&mut ProxyState) -> T) -> T {
        let mut st = self.shared.state.lock().unwrap();
        let r = f(&mut st);
        self.shared.changed.notify_all();
        r
    }

    /// Bytes forwarded client → server so far.
    pub fn up(&self) -> u64 {
        self.with(|s| s.up.total)
    }
    /// Bytes forwarded server → client so far.
    pub fn down(&self) -> u64 {
        self.with(|s| s.down.total)
    }
    /// Connections accepted so far.
    pub fn connections(&self) -> u32 {
        self.with(|s| s.connections)
    }
    /// Forward at most `bytes` more client → server, then hold. Returns the total at which it holds.
    pub fn gate_up_after(&self, bytes: u64) -> u64 {
        self.with(|s| {
            s.up.gate = s.up.total.saturating_add(bytes);
            s.up.gate
        })
    }
    /// Forward at most `bytes` more server → client, then hold. Returns the total at which it holds.
    pub fn gate_down_after(&self, bytes: u64) -> u64 {
        self.with(|s| {
            s.down.gate = s.down.total.saturating_add(bytes);
            s.down.gate
        })
    }
    /// Opens the gates when dropped: keep one alive in a scope whose threads a gate may hold, so that a
    /// failing assertion unwinds instead of waiting for them forever.
    pub fn opener(&self) -> Opener<'_> {
        Opener(self)
    }
    /// Lifts both gates.
    pub fn open(&self) {
        self.with(|s| {
            s.up.gate = u64::MAX;
            s.down.gate = u64::MAX;
        });
    }
    /// Limits each direction to `bytes_per_second` (0: unlimited).
    pub fn rate(&self, bytes_per_second: u64) {
        self.with(|s| {
            for d in [&mut s.up, &mut s.down] {
                d.rate = bytes_per_second;
                d.window = None;
            }
        });
    }
    /// Closes each of the next `connections` connections after `bytes` were sent to the client on it.
    pub fn cut_next(&self, connections: u32, bytes: u64) {
        self.with(|s| s.cut = (bytes, connections));
    }
    /// Replaces `from` by `to` (of the same length) in the bytes sent to the client, where a read holds it
    /// whole (header blocks arrive in one piece from the emulator).
    pub fn rewrite_down(&self, from: &[u8], to: &[u8]) {
        assert_eq!(from.len(), to.len(), "a rewrite keeps the length");
        self.with(|s| s.rewrites.push((from.to_vec(), to.to_vec())));
    }
    /// Waits until `bytes` went client → server in total (e.g. what `gate_up_after` returned).
    #[track_caller]
    pub fn wait_up(&self, bytes: u64, limit: Duration) {
        wait_for(&format!("{bytes} bytes up through the proxy"), limit, || self.up() >= bytes);
    }
    #[track_caller]
    pub fn wait_down(&self, bytes: u64, limit: Duration) {
        wait_for(&format!("{bytes} bytes down through the proxy"), limit, || self.down() >= bytes);
    }
}

pub struct Opener<'a>(&'a Proxy);

impl Drop for Opener<'_> {
    fn drop(&mut self) {
        self.0.open();
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.with(|s| {
            s.closed = true;
            s.up.gate = u64::MAX;
            s.down.gate = u64::MAX;
            s.up.rate = 0;
            s.down.rate = 0;
        });
        // Wake the accept loop so that it sees `closed` and ends.
        let _ = TcpStream::connect(&self.address);
    }
}

/// Copies `from` → `to`, honouring the gate and rate of `way`, and closing both after `cut` bytes.
fn relay(shared: &Shared, mut from: TcpStream, mut to: TcpStream, way: Way, cut: Option<u64>) {
    let mut buf = vec![0u8; 16 * 1024];
    let mut sent_here = 0u64;
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if way == Way::Down {
            let rewrites = shared.state.lock().unwrap().rewrites.clone();
            for (from_bytes, to_bytes) in &rewrites {
                let mut i = 0;
                while i + from_bytes.len() <= n {
                    if buf[i..i + from_bytes.len()] == from_bytes[..] {
                        buf[i..i + from_bytes.len()].copy_from_slice(to_bytes);
                        i += from_bytes.len();
                    } else {
                        i += 1;
                    }
                }
            }
        }
        let mut off = 0;
        while off < n {
            let mut chunk = n - off;
            if let Some(limit) = cut {
                if sent_here >= limit {
                    let _ = from.shutdown(Shutdown::Both);
                    let _ = to.shutdown(Shutdown::Both);
                    return;
                }
                chunk = chunk.min((limit - sent_here) as usize);
            }
            let delay = {
                let mut st = shared.state.lock().unwrap();
                loop {
                    let d = if way == Way::Up { &st.up } else { &st.down };
                    if d.total < d.gate || st.closed {
                        break;
                    }
                    st = shared.changed.wait_timeout(st, Duration::from_millis(50)).unwrap().0;
                }
                let closed = st.closed;
                let d = if way == Way::Up { &mut st.up } else { &mut st.down };
                if !closed {
                    chunk = chunk.min((d.gate - d.total) as usize);
                }
                d.total += chunk as u64;
                let mut delay = Duration::ZERO;
                if d.rate > 0 {
                    let (start, so_far) = d.window.get_or_insert((Instant::now(), 0));
                    *so_far += chunk as u64;
                    let due = *start + Duration::from_secs_f64(*so_far as f64 / d.rate as f64);
                    delay = due.saturating_duration_since(Instant::now());
                }
                shared.changed.notify_all();
                delay
            };
            // Traffic shaping, not synchronisation: the bytes leave when the rate allows.
            if !delay.is_zero() {
                std::thread::sleep(delay);
            }
            if to.write_all(&buf[off..off + chunk]).is_err() {
                let _ = from.shutdown(Shutdown::Both);
                return;
            }
            off += chunk;
            sent_here += chunk as u64;
        }
    }
    let _ = to.shutdown(Shutdown::Write);
}
