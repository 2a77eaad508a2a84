//! Per-client logging: a callback the client calls with one line per request attempt (method, host,
//! path, status, request id, attempt number, bytes, latency, and for a retry the reason for it), at a
//! level. Each client has its own logger, or none (the default: nothing is formatted). Lines never hold
//! a secret: no Authorization value, key, token, query string or header value is written.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// How much a line matters, from the most to the least.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum LogLevel {
    Error = 0,
    Warn = 1,
    Info = 2,
    Debug = 3,
    Trace = 4,
}

impl LogLevel {
    pub fn from_u32(n: u32) -> Option<LogLevel> {
        [LogLevel::Error, LogLevel::Warn, LogLevel::Info, LogLevel::Debug, LogLevel::Trace].get(n as usize).copied()
    }
}

/// Receives a line at a level.
pub type LogSink = Arc<dyn Fn(LogLevel, &str) + Send + Sync>;

/// Where a client's lines go: `sink` gets every line at `max_level` or more important. Called on the
/// thread that made the request (a transfer's worker threads included), possibly several at once.
#[derive(Clone)]
pub struct Logger {
    pub max_level: LogLevel,
    pub sink: LogSink,
}

impl fmt::Debug for Logger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Logger").field("max_level", &self.max_level).finish_non_exhaustive()
    }
}

impl Logger {
    pub fn enabled(&self, level: LogLevel) -> bool {
        level <= self.max_level
    }

    pub fn log(&self, level: LogLevel, line: &str) {
        if self.enabled(level) {
            (self.sink)(level, line);
        }
    }
}

/// One attempt of a request, as logged.
pub(crate) struct Attempt<'a> {
    pub method: &'a str,
    pub host: &'a str,
    pub path: &'a str,
    pub attempt: u32,
    /// Why this attempt was made after the previous one failed.
    pub retry_of: Option<&'a str>,
    pub bytes_sent: Option<u64>,
    pub elapsed: Duration,
}

/// The line for an attempt that got an answer with `status` (or failed with `failure`).
pub(crate) fn attempt_line(
    a: &Attempt<'_>,
    status: Option<u16>,
    request_id: Option<&str>,
    bytes_received: Option<u64>,
    failure: Option<&str>,
) -> String {
    let mut line = format!("{} {}{} attempt {}", a.method, a.host, a.path, a.attempt);
    match status {
        Some(s) => line.push_str(&format!(" -> {s}")),
        None => line.push_str(" -> no answer"),
    }
    line.push_str(&format!(" in {} ms", a.elapsed.as_millis()));
    line.push_str(&format!(", request id {}", request_id.unwrap_or("-")));
    line.push_str(&format!(", sent {}", a.bytes_sent.map_or("-".into(), |n| format!("{n} B"))));
    line.push_str(&format!(", received {}", bytes_received.map_or("-".into(), |n| format!("{n} B"))));
    if let Some(reason) = a.retry_of {
        line.push_str(&format!(", retry after: {reason}"));
    }
    if let Some(f) = failure {
        line.push_str(&format!(", failed: {f}"));
    }
    line
}

/// What one request cost, retries included: given to the client's observer once the request finished (its
/// response head arrived, or it failed for good), without parsing any log.
#[derive(Clone, Debug, Default)]
pub struct RequestMetrics {
    pub method: String,
    pub host: String,
    /// The URL path (no query string).
    pub path: String,
    /// The final HTTP status; `None` when no answer came.
    pub status: Option<u16>,
    pub attempts: u32,
    /// The `x-cos-request-id` of every attempt that got an answer, in order.
    pub request_ids: Vec<String>,
    /// Request body bytes, summed over the attempts that sent one.
    pub bytes_sent: u64,
    /// The final response's body length as it declared it (`Content-Length`); 0 when unknown.
    pub bytes_received: u64,
    /// Opening the final attempt's connection (TCP, proxy tunnel, TLS); `None` when a pooled one carried it.
    pub connect: Option<Duration>,
    /// From the final attempt's start to its response head.
    pub first_byte: Duration,
    /// From the first attempt's start to the final head (waits between attempts included).
    pub total: Duration,
}

/// Receives the metrics of every request of a client, on the thread that made it.
#[derive(Clone)]
pub struct Observer(pub Arc<dyn Fn(&RequestMetrics) + Send + Sync>);

impl fmt::Debug for Observer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Observer")
    }
}

/// The figures of one transfer (or several: every transfer whose options carry it adds to it), summed over
/// all its requests: given in [`crate::TransferOptions::metrics`], read when the transfer returned.
#[derive(Debug, Default)]
pub struct TransferMetrics {
    attempts: std::sync::atomic::AtomicU64,
    bytes_sent: std::sync::atomic::AtomicU64,
    bytes_received: std::sync::atomic::AtomicU64,
    /// C strings, so that the C accessors can hand out pointers that stay valid (a CString's bytes never
    /// move, even when the vector grows).
    request_ids: std::sync::Mutex<Vec<std::ffi::CString>>,
}

impl TransferMetrics {
    pub(crate) fn record(&self, bytes_sent: u64, bytes_received: u64, request_id: Option<&str>) {
        use std::sync::atomic::Ordering::Relaxed;
        self.attempts.fetch_add(1, Relaxed);
        self.bytes_sent.fetch_add(bytes_sent, Relaxed);
        self.bytes_received.fetch_add(bytes_received, Relaxed);
        if let Some(id) = request_id.and_then(|id| std::ffi::CString::new(id).ok()) {
            self.request_ids.lock().unwrap_or_else(|p| p.into_inner()).push(id);
        }
    }

    /// Requests sent, retries included.
    pub fn attempts(&self) -> u64 {
        self.attempts.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Request body bytes sent, over every attempt.
    pub fn bytes_sent(&self) -> u64 {
        self.bytes_sent.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Response body bytes as the answers declared them (Content-Length), over every answered attempt.
    pub fn bytes_received(&self) -> u64 {
        self.bytes_received.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The request id of every answered attempt, in the order the answers came.
    pub fn request_ids(&self) -> Vec<String> {
        let ids = self.request_ids.lock().unwrap_or_else(|p| p.into_inner());
        ids.iter().map(|id| id.to_string_lossy().into_owned()).collect()
    }

    /// Request id `index` as a C string that lives as long as `self`.
    pub(crate) fn request_id_ptr(&self, index: usize) -> Option<*const std::ffi::c_char> {
        self.request_ids.lock().unwrap_or_else(|p| p.into_inner()).get(index).map(|id| id.as_ptr())
    }

    pub(crate) fn request_id_count(&self) -> usize {
        self.request_ids.lock().unwrap_or_else(|p| p.into_inner()).len()
    }
}
