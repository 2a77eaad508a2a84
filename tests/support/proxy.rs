//! `Proxy`, a TCP relay between a client and a server (usually the emulator) that counts, gates, slows down,
//! rewrites and cuts the bytes going through it, so a test can hold a transfer at an exact byte, observe what
//! a rerun sends, or break a connection in the middle of a body.

use super::wait_for;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

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

/// A TCP relay to `target` (see the module comment). "Up" is client → server, "down" server → client.
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
