//! Per-client logging and metrics from C: `cos_client_config_set_log` with its levels, and
//! `cos_client_config_set_observer` with `cos_request_metrics`.

use super::client::cos_client_config;
use super::transfer::cos_transfer_options;
use super::{boxed, c_string, cos_error, cos_status, free_box, guard, read, update};
use crate::observe::{LogLevel, Logger};
use std::ffi::{c_char, c_void, CString};
use std::sync::Arc;

/// How much a log line matters, from the most to the least.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum cos_log_severity {
    /// Not used for request attempts today; reserved for failures of the client itself.
    COS_SEVERITY_ERROR = 0,
    /// A request attempt that failed (it may be retried: the next attempt's line says why it was made).
    COS_SEVERITY_WARN = 1,
    /// A request attempt that got an answer: one line each.
    COS_SEVERITY_INFO = 2,
    COS_SEVERITY_DEBUG = 3,
    COS_SEVERITY_TRACE = 4,
}

/// The C-ABI view of a level argument: an integer, so that a value outside the enum is an error
/// (COS_INVALID_ARGUMENT) instead of undefined behaviour. The header spells it `cos_log_severity`.
pub type cos_log_severity_arg = u32;

/// Receives one log line: `message` is NUL-terminated UTF-8, valid during the call only. Called on the
/// thread that made the request — a transfer's worker threads included, possibly several at once — so it
/// must be thread-safe; it must not unwind, throw or longjmp, and must not call back into this client.
pub type cos_log_fn =
    Option<unsafe extern "C" fn(userdata: *mut c_void, level: cos_log_severity, message: *const c_char)>;

/// The caller's userdata, handed to the callback on whichever thread logs (the callback's contract).
struct UserData(*mut c_void);
// SAFETY: the C caller promises (documented on cos_log_fn) that the callback and its userdata may be used
// from any thread at once.
unsafe impl Send for UserData {}
unsafe impl Sync for UserData {}

/// Sends the log lines of clients made from `config` to `log` with `userdata`: one line per request
/// attempt (method, host, path, status, request id, attempt number, bytes sent and received, latency, and
/// for a retry why it was made), at `max_level` and above (`COS_SEVERITY_INFO` gives every attempt,
/// `COS_SEVERITY_WARN` only failed ones). Lines never contain a secret key, signature, session token, SSE-C key,
/// header value or query string. `log` NULL turns logging off (the default). Each client logs to its own
/// callback; there is no process-wide logger.
#[no_mangle]
pub extern "C" fn cos_client_config_set_log(
    config: *mut cos_client_config,
    log: cos_log_fn,
    userdata: *mut c_void,
    max_level: cos_log_severity_arg,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "config", config, |c| {
        let max_level = LogLevel::from_u32(max_level)
            .ok_or_else(|| crate::Error::invalid(format!("max_level {max_level} is not a cos_log_severity")))?;
        let logger = log.map(|f| {
            let userdata = UserData(userdata);
            let sink = move |level: LogLevel, line: &str| {
                let level = match level {
                    LogLevel::Error => cos_log_severity::COS_SEVERITY_ERROR,
                    LogLevel::Warn => cos_log_severity::COS_SEVERITY_WARN,
                    LogLevel::Info => cos_log_severity::COS_SEVERITY_INFO,
                    LogLevel::Debug => cos_log_severity::COS_SEVERITY_DEBUG,
                    LogLevel::Trace => cos_log_severity::COS_SEVERITY_TRACE,
                };
                let line = c_string(line);
                let userdata = &userdata;
                // SAFETY: the caller's callback with its own userdata, under its documented contract.
                unsafe { f(userdata.0, level, line.as_ptr()) };
            };
            Logger { max_level, sink: Arc::new(sink) }
        });
        c.inner.logger(logger);
        Ok(())
    })
}

/// What one request cost (see `cos_client_config_set_observer`). Valid only during the observer's call;
/// its strings too.
pub struct cos_request_metrics {
    m: crate::observe::RequestMetrics,
    method: CString,
    host: CString,
    path: CString,
    request_ids: Vec<CString>,
}

/// Receives the metrics of each request when it finished (its response head arrived, or it failed for
/// good), on the thread that made it (transfer workers included, possibly several at once): thread-safe,
/// no unwinding, no calls back into this client.
pub type cos_observer_fn = Option<unsafe extern "C" fn(userdata: *mut c_void, metrics: *const cos_request_metrics)>;

/// Gives the metrics of every request of clients made from `config` to `observer` with `userdata`:
/// attempts, the request id of each, bytes sent and received, time to connect, to the response head and
/// in all. A transfer is many requests: each is observed. NULL turns it off (the default: nothing is
/// measured).
#[no_mangle]
pub extern "C" fn cos_client_config_set_observer(
    config: *mut cos_client_config,
    observer: cos_observer_fn,
    userdata: *mut c_void,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "config", config, |c| {
        let observer = observer.map(|f| {
            let userdata = UserData(userdata);
            crate::observe::Observer(Arc::new(move |m: &crate::observe::RequestMetrics| {
                let metrics = cos_request_metrics {
                    method: c_string(&m.method),
                    host: c_string(&m.host),
                    path: c_string(&m.path),
                    request_ids: m.request_ids.iter().map(|id| c_string(id)).collect(),
                    m: m.clone(),
                };
                let userdata = &userdata;
                // SAFETY: the caller's callback with its own userdata, under its documented contract.
                unsafe { f(userdata.0, &metrics) };
            }))
        });
        c.inner.observer(observer);
        Ok(())
    })
}

/// The request's method ("GET", ...); NULL for NULL.
#[no_mangle]
pub extern "C" fn cos_request_metrics_method(m: *const cos_request_metrics) -> *const c_char {
    read(m, std::ptr::null(), |m| m.method.as_ptr())
}

/// The host it went to; NULL for NULL.
#[no_mangle]
pub extern "C" fn cos_request_metrics_host(m: *const cos_request_metrics) -> *const c_char {
    read(m, std::ptr::null(), |m| m.host.as_ptr())
}

/// The URL path (no query string); NULL for NULL.
#[no_mangle]
pub extern "C" fn cos_request_metrics_path(m: *const cos_request_metrics) -> *const c_char {
    read(m, std::ptr::null(), |m| m.path.as_ptr())
}

/// The final HTTP status, 0 when no answer came (or for NULL).
#[no_mangle]
pub extern "C" fn cos_request_metrics_status(m: *const cos_request_metrics) -> u16 {
    read(m, 0, |m| m.m.status.unwrap_or(0))
}

/// Attempts made (1 without retries); 0 for NULL.
#[no_mangle]
pub extern "C" fn cos_request_metrics_attempts(m: *const cos_request_metrics) -> u32 {
    read(m, 0, |m| m.m.attempts)
}

/// How many attempts got an answer with a request id; 0 for NULL.
#[no_mangle]
pub extern "C" fn cos_request_metrics_request_id_count(m: *const cos_request_metrics) -> usize {
    read(m, 0, |m| m.request_ids.len())
}

/// The request id of the `index`-th answered attempt, or NULL when out of range.
#[no_mangle]
pub extern "C" fn cos_request_metrics_request_id(m: *const cos_request_metrics, index: usize) -> *const c_char {
    read(m, std::ptr::null(), |m| m.request_ids.get(index).map_or(std::ptr::null(), |s| s.as_ptr()))
}

/// Request body bytes sent, summed over the attempts; 0 for NULL.
#[no_mangle]
pub extern "C" fn cos_request_metrics_bytes_sent(m: *const cos_request_metrics) -> u64 {
    read(m, 0, |m| m.m.bytes_sent)
}

/// The final response's declared body length (Content-Length), 0 when unknown or for NULL.
#[no_mangle]
pub extern "C" fn cos_request_metrics_bytes_received(m: *const cos_request_metrics) -> u64 {
    read(m, 0, |m| m.m.bytes_received)
}

/// Microseconds opening the final attempt's connection took (TCP, proxy tunnel, TLS); -1 when a pooled
/// connection carried it, or for NULL.
#[no_mangle]
pub extern "C" fn cos_request_metrics_connect_us(m: *const cos_request_metrics) -> i64 {
    read(m, -1, |m| m.m.connect.map_or(-1, |d| d.as_micros() as i64))
}

/// Microseconds from the final attempt's start to its response head; 0 for NULL.
#[no_mangle]
pub extern "C" fn cos_request_metrics_first_byte_us(m: *const cos_request_metrics) -> u64 {
    read(m, 0, |m| m.m.first_byte.as_micros() as u64)
}

/// Microseconds from the first attempt's start to the final response head, waits included; 0 for NULL.
#[no_mangle]
pub extern "C" fn cos_request_metrics_total_us(m: *const cos_request_metrics) -> u64 {
    read(m, 0, |m| m.m.total.as_micros() as u64)
}

/// The figures of the transfers whose options carry it (`cos_transfer_options_set_metrics`), summed over
/// all their requests. Read it after they returned; free it with `cos_transfer_metrics_free` (the options
/// keep their own reference, so either may be freed first).
pub struct cos_transfer_metrics {
    inner: Arc<crate::observe::TransferMetrics>,
}

/// A new, empty metrics handle. Never NULL.
#[no_mangle]
pub extern "C" fn cos_transfer_metrics_new() -> *mut cos_transfer_metrics {
    guard(std::ptr::null_mut(), || boxed(cos_transfer_metrics { inner: Arc::default() }))
}

/// Frees a metrics handle. NULL does nothing.
#[no_mangle]
pub extern "C" fn cos_transfer_metrics_free(metrics: *mut cos_transfer_metrics) {
    free_box(metrics)
}

/// Makes every transfer run with `opts` add its figures to `metrics` (NULL: stop).
#[no_mangle]
pub extern "C" fn cos_transfer_options_set_metrics(
    opts: *mut cos_transfer_options,
    metrics: *const cos_transfer_metrics,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "opts", opts, |o| {
        // SAFETY: NULL or a live handle from cos_transfer_metrics_new.
        o.inner.metrics = unsafe { metrics.as_ref() }.map(|m| m.inner.clone());
        Ok(())
    })
}

/// Requests sent, retries included; 0 for NULL.
#[no_mangle]
pub extern "C" fn cos_transfer_metrics_attempts(metrics: *const cos_transfer_metrics) -> u64 {
    read(metrics, 0, |m| m.inner.attempts())
}

/// Request body bytes sent over every attempt; 0 for NULL.
#[no_mangle]
pub extern "C" fn cos_transfer_metrics_bytes_sent(metrics: *const cos_transfer_metrics) -> u64 {
    read(metrics, 0, |m| m.inner.bytes_sent())
}

/// Response body bytes as the answers declared them (Content-Length), over every answered attempt; 0 for
/// NULL.
#[no_mangle]
pub extern "C" fn cos_transfer_metrics_bytes_received(metrics: *const cos_transfer_metrics) -> u64 {
    read(metrics, 0, |m| m.inner.bytes_received())
}

/// How many answered attempts have a request id; 0 for NULL.
#[no_mangle]
pub extern "C" fn cos_transfer_metrics_request_id_count(metrics: *const cos_transfer_metrics) -> usize {
    read(metrics, 0, |m| m.inner.request_id_count())
}

/// Request id `index`, in the order the answers came, valid until the handle is freed; NULL when out of
/// range or for NULL.
#[no_mangle]
pub extern "C" fn cos_transfer_metrics_request_id(metrics: *const cos_transfer_metrics, index: usize) -> *const c_char {
    read(metrics, std::ptr::null(), |m| m.inner.request_id_ptr(index).unwrap_or(std::ptr::null()))
}
