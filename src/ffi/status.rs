//! `cos_status`, `cos_status_str`, `cos_version`.

use super::guard;
use crate::ErrorKind;
use std::ffi::c_char;

/// The result of every fallible function. `COS_OK` is 0, so `if (rc)` means failure. Values are never
/// renumbered or reused; new ones may be added.
///
/// Client-side failures (the Python SDK's CosClientError) are every value except `COS_SERVICE_ERROR`,
/// which means COS answered with an error (CosServiceError): see `cos_error_code` and friends.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum cos_status {
    COS_OK = 0,
    /// A NULL required pointer, a string that is not UTF-8, a bad bucket name, an empty key, ...
    COS_INVALID_ARGUMENT = 1,
    /// The connection could not be made or broke.
    COS_NETWORK_ERROR = 2,
    /// Connecting or reading took longer than the configured timeout.
    COS_TIMEOUT = 3,
    /// A local file could not be read or written.
    COS_IO_ERROR = 4,
    /// The CRC-64 of the data differs from the one COS reported; nothing was written to the destination file.
    COS_CHECKSUM_MISMATCH = 5,
    /// The caller stopped the operation: a body or progress callback returned non-zero, or a
    /// `cos_cancel_token` was cancelled. A resumable transfer can be resumed by calling it again.
    COS_CANCELLED = 6,
    /// COS answered with something that could not be understood.
    COS_PARSE_ERROR = 7,
    /// A bug in this library (a caught panic or a broken invariant). Please report it.
    COS_INTERNAL_ERROR = 8,
    /// COS answered with an error; the error carries its HTTP status, code, message and ids.
    COS_SERVICE_ERROR = 9,
    /// TLS failed: the server's certificate was refused (unknown issuer, expired, another host's name) or the
    /// TLS handshake broke. Not retried. The message says what failed.
    COS_TLS_ERROR = 10,
    /// The HTTP proxy refused the request: 407 (its credentials are wrong or missing) or an error answer to
    /// CONNECT; `cos_error_http_status` is the proxy's status. Not a COS error; not retried.
    COS_PROXY_ERROR = 11,
}

impl From<ErrorKind> for cos_status {
    fn from(kind: ErrorKind) -> cos_status {
        match kind {
            ErrorKind::InvalidArgument => cos_status::COS_INVALID_ARGUMENT,
            ErrorKind::Network => cos_status::COS_NETWORK_ERROR,
            ErrorKind::Timeout => cos_status::COS_TIMEOUT,
            ErrorKind::Io => cos_status::COS_IO_ERROR,
            ErrorKind::ChecksumMismatch => cos_status::COS_CHECKSUM_MISMATCH,
            ErrorKind::Cancelled => cos_status::COS_CANCELLED,
            ErrorKind::Parse => cos_status::COS_PARSE_ERROR,
            ErrorKind::Internal => cos_status::COS_INTERNAL_ERROR,
            ErrorKind::Service => cos_status::COS_SERVICE_ERROR,
            ErrorKind::Tls => cos_status::COS_TLS_ERROR,
            ErrorKind::Proxy => cos_status::COS_PROXY_ERROR,
        }
    }
}

/// The C-ABI view of a status argument: an integer, so that a value outside the enum (from a newer
/// header, or garbage) is handled instead of being undefined behaviour. The header spells it `cos_status`.
pub type cos_status_arg = u32;

/// A static, NUL-terminated name for a status, such as "COS_SERVICE_ERROR: COS answered with an error".
/// Unknown values give "unknown status". Never NULL; never free it.
#[no_mangle]
pub extern "C" fn cos_status_str(status: cos_status_arg) -> *const c_char {
    guard(UNKNOWN.as_ptr().cast(), || status_name(status).as_ptr().cast())
}

/// The name of a status this library does not know.
const UNKNOWN: &str = "unknown status\0";

fn status_name(status: cos_status_arg) -> &'static str {
    match status {
        0 => "COS_OK: success\0",
        1 => "COS_INVALID_ARGUMENT: invalid argument\0",
        2 => "COS_NETWORK_ERROR: network error\0",
        3 => "COS_TIMEOUT: timed out\0",
        4 => "COS_IO_ERROR: local I/O error\0",
        5 => "COS_CHECKSUM_MISMATCH: CRC-64 mismatch\0",
        6 => "COS_CANCELLED: cancelled by a callback\0",
        7 => "COS_PARSE_ERROR: unintelligible response\0",
        8 => "COS_INTERNAL_ERROR: internal error\0",
        9 => "COS_SERVICE_ERROR: COS answered with an error\0",
        10 => "COS_TLS_ERROR: TLS failure (certificate refused or handshake failed)\0",
        11 => "COS_PROXY_ERROR: the HTTP proxy refused\0",
        _ => UNKNOWN,
    }
}

/// The library version, "MAJOR.MINOR.PATCH". Static; never free it.
#[no_mangle]
pub extern "C" fn cos_version() -> *const c_char {
    guard(c"".as_ptr(), || concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast())
}
