//! `cos_error`: the opaque error handle and its accessors.

use super::{c_ptr, c_string, cos_status, free_box, read};
use crate::error::Error;
use std::ffi::{c_char, CString};

/// An error from a failed call. Opaque: read it with the `cos_error_*` accessors, free it with
/// `cos_error_free`. Its strings are owned by it and valid until it is freed. It never contains the
/// secret key, the session token or a signature.
pub struct cos_error {
    error: Error,
    message: CString,
    code: Option<CString>,
    request_id: Option<CString>,
    trace_id: Option<CString>,
    resource: Option<CString>,
    raw_xml: Option<CString>,
    digest: CString,
}

impl cos_error {
    pub(super) fn boxed(error: Error) -> *mut cos_error {
        Box::into_raw(Box::new(cos_error::new(error)))
    }

    /// An error owned by another handle (a tree report's failed file), read with the same accessors.
    pub(super) fn new(error: Error) -> cos_error {
        let opt = |s: Option<&str>| s.map(c_string);
        cos_error {
            message: c_string(error.message()),
            code: opt(error.code()),
            request_id: opt(error.request_id()),
            trace_id: opt(error.trace_id()),
            resource: opt(error.resource()),
            raw_xml: opt(error.raw_body()),
            digest: c_string(&error.digest()),
            error,
        }
    }
}

/// The status of the failed call; `COS_OK` for NULL.
#[no_mangle]
pub extern "C" fn cos_error_status(e: *const cos_error) -> cos_status {
    read(e, cos_status::COS_OK, |e| cos_status::from(e.error.kind()))
}

/// HTTP status of the failed response (e.g. 404), 0 when no response was received or for NULL
/// (Python SDK: get_status_code).
#[no_mangle]
pub extern "C" fn cos_error_http_status(e: *const cos_error) -> i32 {
    read(e, 0, |e| i32::from(e.error.http_status()))
}

/// COS error code such as "NoSuchKey" (Python SDK: get_error_code). NULL when COS gave none, for client
/// errors, and for NULL. For a body-less 404 (HEAD) it is "NoSuchBucket" for a bucket and "NoSuchResource"
/// for an object.
#[no_mangle]
pub extern "C" fn cos_error_code(e: *const cos_error) -> *const c_char {
    read(e, std::ptr::null(), |e| c_ptr(&e.code))
}

/// The message: COS's for service errors, a description naming the cause otherwise (Python SDK:
/// get_error_msg). Never NULL for a non-NULL error.
#[no_mangle]
pub extern "C" fn cos_error_message(e: *const cos_error) -> *const c_char {
    read(e, std::ptr::null(), |e| e.message.as_ptr())
}

/// Request id, from the error body or else the `x-cos-request-id` header; NULL when absent.
#[no_mangle]
pub extern "C" fn cos_error_request_id(e: *const cos_error) -> *const c_char {
    read(e, std::ptr::null(), |e| c_ptr(&e.request_id))
}

/// Trace id, from the error body or else the `x-cos-trace-id` header; NULL when absent.
#[no_mangle]
pub extern "C" fn cos_error_trace_id(e: *const cos_error) -> *const c_char {
    read(e, std::ptr::null(), |e| c_ptr(&e.trace_id))
}

/// The resource the error is about (Python SDK: get_resource_location); NULL when absent.
#[no_mangle]
pub extern "C" fn cos_error_resource(e: *const cos_error) -> *const c_char {
    read(e, std::ptr::null(), |e| c_ptr(&e.resource))
}

/// The error response body as received (Python SDK: get_origin_msg), at most 1 MiB; NULL when the
/// response had no body or none was received.
#[no_mangle]
pub extern "C" fn cos_error_raw_xml(e: *const cos_error) -> *const c_char {
    read(e, std::ptr::null(), |e| c_ptr(&e.raw_xml))
}

/// A one-line summary with every field present, for logs (Python SDK: get_digest_msg). NULL for NULL.
#[no_mangle]
pub extern "C" fn cos_error_digest(e: *const cos_error) -> *const c_char {
    read(e, std::ptr::null(), |e| e.digest.as_ptr())
}

/// How many HTTP requests the failed call sent: retries, and for calls that send several (pages, batches)
/// those that succeeded before the failure too; 0 when it failed before sending anything.
#[no_mangle]
pub extern "C" fn cos_error_attempts(e: *const cos_error) -> u32 {
    read(e, 0, |e| e.error.attempts())
}

/// Frees an error. NULL does nothing.
#[no_mangle]
pub extern "C" fn cos_error_free(e: *mut cos_error) {
    free_box(e)
}
