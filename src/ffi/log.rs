//! Per-client logging from C: `cos_client_config_set_log` and its levels.

use super::client::cos_client_config;
use super::{c_string, cos_error, cos_status, update};
use crate::observe::{LogLevel, Logger};
use std::ffi::{c_char, c_void};
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
