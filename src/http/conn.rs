//! One connection (TCP, or TLS over TCP) with a read buffer, and the clock that bounds every socket
//! operation on it: the per-operation idle timeout, the deadline of the public call, and stalled-stream
//! protection (a minimum throughput over a grace window).

use super::pool::Key;
use super::tls;
use crate::error::{Error, ErrorKind, Result};
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::os::fd::AsRawFd;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Socket read size, and the most a connection buffers.
pub(super) const IO_BUFFER: usize = 256 * 1024;
/// Reads at least this large go straight into the caller's buffer, so a body crosses user space once.
const DIRECT_READ: usize = 64 * 1024;

/// Fail an attempt whose head or body moves fewer than `min_bytes_per_sec` over `grace`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StallProtection {
    pub min_bytes_per_sec: u64,
    pub grace: Duration,
}

impl Default for StallProtection {
    /// 1 byte/s over 20 s, as aws-sdk-rust does by default.
    fn default() -> StallProtection {
        StallProtection { min_bytes_per_sec: 1, grace: Duration::from_secs(20) }
    }
}

/// How long socket operations of one exchange may take.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Limits {
    pub connect_timeout: Duration,
    /// The longest one read or write may wait for a byte.
    pub io_timeout: Duration,
    pub stall: Option<StallProtection>,
    /// TCP keep-alive idle time for new connections; `None` = off.
    pub keepalive: Option<Duration>,
}

/// The timing state of the exchange running on a connection.
pub(super) struct Clock {
    limits: Limits,
    deadline: Option<Instant>,
    /// The current stall window: when it started and how many bytes moved since; `None` while waiting for
    /// the server to start its answer (time to first byte is the idle timeout's business).
    window: Option<(Instant, u64)>,
    /// Restart the stall window at the next byte (set while waiting for the answer).
    restart_on_data: bool,
}

impl Clock {
    pub(super) fn new(limits: Limits, deadline: Option<Instant>) -> Clock {
        Clock { limits, deadline, window: None, restart_on_data: false }
    }

    /// Starts the stall window (when the request starts going out, and at the first byte of the answer).
    pub(super) fn watch(&mut self) {
        if self.limits.stall.is_some() {
            self.window = Some((Instant::now(), 0));
        }
    }

    /// Stops the stall window until the first byte of the answer: the request is sent, the server is
    /// working on it.
    pub(super) fn pause(&mut self) {
        self.window = None;
        self.restart_on_data = self.limits.stall.is_some();
    }

    /// How long the next socket operation may block, or the error if a bound has already run out.
    fn budget(&mut self, op_start: Instant) -> io::Result<Duration> {
        let now = Instant::now();
        self.check(now, op_start)?;
        let mut t = self.limits.io_timeout.saturating_sub(now - op_start);
        if let Some(d) = self.deadline {
            t = t.min(d.saturating_duration_since(now));
        }
        if let (Some(stall), Some((start, _))) = (self.limits.stall, self.window) {
            t = t.min((start + stall.grace).saturating_duration_since(now));
        }
        Ok(t.max(Duration::from_millis(1)))
    }

    /// Fails when the deadline passed, the operation waited its whole idle timeout, or a stall window
    /// ended below the minimum throughput (a window that met it starts anew).
    fn check(&mut self, now: Instant, op_start: Instant) -> io::Result<()> {
        if self.deadline.is_some_and(|d| now >= d) {
            return Err(timeout("the operation deadline passed"));
        }
        if now - op_start >= self.limits.io_timeout {
            let t = self.limits.io_timeout;
            return Err(timeout(&format!("no data moved for {} ms (the read timeout)", t.as_millis())));
        }
        if let (Some(stall), Some((start, bytes))) = (self.limits.stall, self.window) {
            if now >= start + stall.grace {
                let need = stall.min_bytes_per_sec.saturating_mul(stall.grace.as_secs().max(1));
                if bytes < need {
                    return Err(timeout(&format!(
                        "the connection stalled: {bytes} bytes in {} ms, below the minimum of {} bytes/s",
                        (now - start).as_millis(),
                        stall.min_bytes_per_sec
                    )));
                }
                self.window = Some((now, 0));
            }
        }
        Ok(())
    }

    fn moved(&mut self, n: usize) {
        match &mut self.window {
            Some((_, bytes)) => *bytes += n as u64,
            None if self.restart_on_data && n > 0 => {
                self.window = Some((Instant::now(), n as u64));
                self.restart_on_data = false;
            }
            None => {}
        }
    }
}

/// The socket timeouts last set on a connection, kept across its exchanges: most operations can then skip
/// the system call (two per request otherwise).
#[derive(Default)]
struct Applied {
    read: Option<Duration>,
    write: Option<Duration>,
}

/// How late a socket timeout may fire against the budget it was set for: a timer slack, not a change of
/// any bound the caller sees (1/8 of the budget, at most 50 ms).
fn slack(t: Duration) -> Duration {
    (t / 8).min(Duration::from_millis(50))
}

/// Runs one socket operation, waiting again (within the clock's bounds) when it times out.
fn io(
    stream: &mut Stream,
    clock: &mut Clock,
    applied: &mut Applied,
    write: bool,
    mut op: impl FnMut(&mut Stream) -> io::Result<usize>,
) -> io::Result<usize> {
    let op_start = Instant::now();
    loop {
        let t = clock.budget(op_start)?;
        // Waking early is harmless (the loop recomputes); waking late only within the slack, so set the
        // timeout when it must shrink, or when it is far too short.
        let slot = if write { &mut applied.write } else { &mut applied.read };
        if slot.is_none_or(|a| a > t + slack(t) || a < t / 2) {
            let tcp = stream.tcp();
            if write {
                tcp.set_write_timeout(Some(t))?;
            } else {
                tcp.set_read_timeout(Some(t))?;
            }
            *slot = Some(t);
        }
        match op(stream) {
            Ok(n) => {
                clock.moved(n);
                return Ok(n);
            }
            Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => continue,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
}

/// A timeout as the `io::Error` socket operations return; `Error::from_io` keeps its kind and message.
fn timeout(message: &str) -> io::Error {
    io::Error::other(Error::new(ErrorKind::Timeout, format!("timed out: {message}")))
}

enum Stream {
    Plain(TcpStream),
    Tls(Box<rustls::StreamOwned<rustls::ClientConnection, TcpStream>>),
}

impl Stream {
    fn tcp(&self) -> &TcpStream {
        match self {
            Stream::Plain(s) => s,
            Stream::Tls(s) => &s.sock,
        }
    }
}

/// Turns on TCP keep-alive: the first probe after `idle` without traffic, then every `idle` (at least 1 s)
/// again. Best effort like TCP_NODELAY: a socket that refuses works without it.
fn set_keepalive(tcp: &TcpStream, idle: Duration) {
    let fd = tcp.as_raw_fd();
    let secs = libc::c_int::try_from(idle.as_secs().max(1)).unwrap_or(libc::c_int::MAX);
    for (level, name, value) in [
        (libc::SOL_SOCKET, libc::SO_KEEPALIVE, 1),
        (libc::IPPROTO_TCP, libc::TCP_KEEPIDLE, secs),
        (libc::IPPROTO_TCP, libc::TCP_KEEPINTVL, secs),
    ] {
        // SAFETY: `fd` is the open socket `tcp` owns; the option value is one c_int that outlives the call.
        unsafe {
            libc::setsockopt(
                fd,
                level,
                name,
                (&value as *const libc::c_int).cast(),
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            );
        }
    }
}

/// A connection to one host, with a read buffer holding what came beyond what was consumed.
pub(crate) struct Conn {
    stream: Stream,
    buf: Box<[u8]>,
    pos: usize,
    end: usize,
    pub(super) clock: Clock,
    applied: Applied,
    /// The pool slot it belongs to.
    pub(super) key: Key,
}

impl Conn {
    /// Connects to the first of `addrs` that answers, then (for https) completes the TLS handshake for
    /// `server_name`, all within the connect timeout and the deadline.
    pub(super) fn open(
        key: Key,
        addrs: &[SocketAddr],
        tls: Option<(&Arc<rustls::ClientConfig>, &str)>,
        tunnel: Option<(&super::proxy::Proxy, &str)>,
        limits: Limits,
        deadline: Option<Instant>,
    ) -> Result<Conn> {
        let mut failures = Vec::new();
        let mut timed_out = true;
        for addr in addrs {
            let mut t = limits.connect_timeout;
            if let Some(d) = deadline {
                t = t.min(d.saturating_duration_since(Instant::now()));
                if t.is_zero() {
                    return Err(Error::new(ErrorKind::Timeout, "timed out: the operation deadline passed"));
                }
            }
            match TcpStream::connect_timeout(addr, t) {
                Ok(mut tcp) => {
                    let _ = tcp.set_nodelay(true);
                    if let Some(idle) = limits.keepalive {
                        set_keepalive(&tcp, idle);
                    }
                    if let Some((proxy, authority)) = tunnel {
                        tcp.set_read_timeout(Some(t))
                            .and_then(|_| tcp.set_write_timeout(Some(t)))
                            .map_err(|e| Error::new(ErrorKind::Network, format!("socket setup: {e}")))?;
                        super::proxy::connect_tunnel(&mut tcp, proxy, authority)?;
                    }
                    let stream = match tls {
                        None => Stream::Plain(tcp),
                        Some((config, name)) => Stream::Tls(Box::new(tls::handshake(config, name, tcp, t)?)),
                    };
                    let buf = vec![0; IO_BUFFER].into_boxed_slice();
                    let clock = Clock::new(limits, deadline);
                    return Ok(Conn { stream, buf, pos: 0, end: 0, clock, applied: Applied::default(), key });
                }
                Err(e) => {
                    timed_out &= matches!(e.kind(), io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock);
                    failures.push(format!("{addr}: {e}"));
                }
            }
        }
        let kind = if timed_out && !failures.is_empty() { ErrorKind::Timeout } else { ErrorKind::Network };
        Err(Error::new(kind, format!("cannot connect ({})", failures.join("; "))))
    }

    /// Whether an idle pooled connection can carry another request: the peer has not closed it and sent
    /// nothing unasked. One non-blocking peek, no state change.
    pub(super) fn is_reusable(&self) -> bool {
        if self.pos != self.end {
            return false;
        }
        let mut byte = 0u8;
        let fd = self.stream.tcp().as_raw_fd();
        // SAFETY: `fd` is the open socket this connection owns; the buffer is one valid, writable byte.
        let n = unsafe { libc::recv(fd, (&mut byte as *mut u8).cast(), 1, libc::MSG_PEEK | libc::MSG_DONTWAIT) };
        n < 0 && matches!(io::Error::last_os_error().kind(), io::ErrorKind::WouldBlock)
    }

    pub(super) fn write_all(&mut self, mut data: &[u8]) -> io::Result<()> {
        while !data.is_empty() {
            let n = io(&mut self.stream, &mut self.clock, &mut self.applied, true, |s| match s {
                Stream::Plain(s) => s.write(data),
                Stream::Tls(s) => s.write(data),
            })?;
            if n == 0 {
                return Err(io::Error::new(io::ErrorKind::WriteZero, "the connection accepted no more bytes"));
            }
            data = &data[n..];
        }
        if let Stream::Tls(s) = &mut self.stream {
            s.flush()?;
        }
        Ok(())
    }

    /// Reads more from the socket into the buffer; `Ok(0)` at end of stream.
    fn fill(&mut self) -> io::Result<usize> {
        if self.pos == self.end {
            (self.pos, self.end) = (0, 0);
        } else if self.end == self.buf.len() {
            self.buf.copy_within(self.pos..self.end, 0);
            (self.pos, self.end) = (0, self.end - self.pos);
        }
        let (buf, end) = (&mut self.buf, self.end);
        let n = io(&mut self.stream, &mut self.clock, &mut self.applied, false, |s| match s {
            Stream::Plain(s) => s.read(&mut buf[end..]),
            Stream::Tls(s) => tls_read(s, &mut buf[end..]),
        })?;
        self.end += n;
        Ok(n)
    }

    /// The bytes buffered and not consumed yet.
    pub(super) fn buffered(&self) -> &[u8] {
        &self.buf[self.pos..self.end]
    }

    pub(super) fn consume(&mut self, n: usize) {
        self.pos += n.min(self.end - self.pos);
    }

    /// Buffers until `buffered()` holds a CRLF at or after `from` and returns its index, reading at most
    /// `max` bytes in total. `what` names the thing in the errors, with its limit.
    pub(super) fn find_crlf(&mut self, mut from: usize, max: usize, what: &str) -> io::Result<usize> {
        loop {
            let data = self.buffered();
            let found = memchr_crlf(&data[from.min(data.len())..]).map(|i| from + i);
            if found.map_or(data.len(), |i| i + 2) > max {
                let e = Error::parse(format!("{what} is too large"));
                return Err(io::Error::other(e));
            }
            if let Some(i) = found {
                return Ok(i);
            }
            from = data.len().saturating_sub(1);
            if self.fill()? == 0 {
                return Err(eof(what, self.buffered().is_empty() && from == 0));
            }
        }
    }

    /// Reads body bytes into `out`: from the buffer first, else straight from the socket for large reads.
    pub(super) fn read_body(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.pos == self.end && out.len() >= DIRECT_READ {
            return io(&mut self.stream, &mut self.clock, &mut self.applied, false, |s| match s {
                Stream::Plain(s) => s.read(out),
                Stream::Tls(s) => tls_read(s, out),
            });
        }
        if self.pos == self.end && self.fill()? == 0 {
            return Ok(0);
        }
        let n = out.len().min(self.end - self.pos);
        out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// A TLS read where a peer that closes without close_notify is an ordinary end of stream (as many servers
/// do); the body framing still tells a truncated body.
fn tls_read(s: &mut rustls::StreamOwned<rustls::ClientConnection, TcpStream>, out: &mut [u8]) -> io::Result<usize> {
    match s.read(out) {
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Ok(0),
        r => r,
    }
}

/// The connection ended while `what` was expected. `nothing` says no byte of it came at all.
pub(super) fn eof(what: &str, nothing: bool) -> io::Error {
    let msg = if nothing {
        format!("the connection was closed before {what} began")
    } else {
        format!("the connection was closed in the middle of {what}")
    };
    io::Error::new(io::ErrorKind::UnexpectedEof, msg)
}

/// The index of the first CRLF in `data`.
fn memchr_crlf(data: &[u8]) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = data[from..].iter().position(|&b| b == b'\n') {
        if from + i > 0 && data[from + i - 1] == b'\r' {
            return Some(from + i - 1);
        }
        from += i + 1;
    }
    None
}
