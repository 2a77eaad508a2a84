//! Raw signed requests: for what the library does not model, any method, host, path, query, headers and
//! body, with the client's signing, retries and error parsing (the Python SDK's send_request).

use super::object::{cos_bytes, cos_object_info, set_info};
use super::{
    arg_bytes, arg_ref, arg_str, boxed, call, cos_client, cos_error, cos_status, free_box, guard, set_out, store,
    update,
};
use crate::{RawRequest, RawTarget};
use std::ffi::c_char;

/// One raw request: GET / on the service host until set otherwise. One thread at a time may change it; it
/// may be sent any number of times.
pub struct cos_raw_request {
    inner: RawRequest,
}

/// A new raw request (GET / on the service host). Never NULL.
#[no_mangle]
pub extern "C" fn cos_raw_request_new() -> *mut cos_raw_request {
    guard(std::ptr::null_mut(), || boxed(cos_raw_request { inner: RawRequest::new() }))
}

/// Frees a raw request. NULL does nothing.
#[no_mangle]
pub extern "C" fn cos_raw_request_free(raw: *mut cos_raw_request) {
    free_box(raw)
}

/// The method: "GET", "PUT", "POST", "DELETE", "HEAD", "OPTIONS" or "PATCH" (upper case).
#[no_mangle]
pub extern "C" fn cos_raw_request_set_method(
    raw: *mut cos_raw_request,
    method: *const c_char,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "raw", raw, |r| r.inner.method(arg_str("method", method)?).map(drop))
}

/// Sends it to the bucket's virtual host (or the configured custom domain).
#[no_mangle]
pub extern "C" fn cos_raw_request_set_bucket(
    raw: *mut cos_raw_request,
    bucket: *const c_char,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "raw", raw, |r| r.inner.target(RawTarget::Bucket(arg_str("bucket", bucket)?.into())).map(drop))
}

/// Sends it to the service host (service.cos.myqcloud.com unless configured otherwise).
#[no_mangle]
pub extern "C" fn cos_raw_request_set_service(raw: *mut cos_raw_request, err: *mut *mut cos_error) -> cos_status {
    update(err, "raw", raw, |r| r.inner.target(RawTarget::Service).map(drop))
}

/// Sends it to another host name, such as a CI host "<appid>.ci.<region>.myqcloud.com": a host name only
/// (scheme, port and connect address come from the client's configuration).
#[no_mangle]
pub extern "C" fn cos_raw_request_set_host(
    raw: *mut cos_raw_request,
    host: *const c_char,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "raw", raw, |r| r.inner.target(RawTarget::Host(arg_str("host", host)?.into())).map(drop))
}

/// The decoded path, starting with '/' ("/" for the root, "/<key>" for an object); encoded and signed by
/// the client.
#[no_mangle]
pub extern "C" fn cos_raw_request_set_path(
    raw: *mut cos_raw_request,
    path: *const c_char,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "raw", raw, |r| r.inner.path(arg_str("path", path)?).map(drop))
}

/// A query parameter (value may be "" for a sub-resource such as "acl"), replacing one of that name.
#[no_mangle]
pub extern "C" fn cos_raw_request_add_query(
    raw: *mut cos_raw_request,
    name: *const c_char,
    value: *const c_char,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "raw", raw, |r| r.inner.query(arg_str("name", name)?, arg_str("value", value)?).map(drop))
}

/// A header, checked as cos_request_options_set_header checks it (Host, Authorization, Content-Length and
/// x-cos-security-token are the client's).
#[no_mangle]
pub extern "C" fn cos_raw_request_add_header(
    raw: *mut cos_raw_request,
    name: *const c_char,
    value: *const c_char,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "raw", raw, |r| r.inner.header(arg_str("name", name)?, arg_str("value", value)?).map(drop))
}

/// The body (copied; `data` may be NULL when `len` is 0).
#[no_mangle]
pub extern "C" fn cos_raw_request_set_body(
    raw: *mut cos_raw_request,
    data: *const u8,
    len: usize,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "raw", raw, |r| {
        r.inner.body(arg_bytes("data", data, len)?);
        Ok(())
    })
}

/// A local file as the body, opened when the request is sent (so a retry sends it again).
#[no_mangle]
pub extern "C" fn cos_raw_request_set_body_file(
    raw: *mut cos_raw_request,
    path: *const c_char,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "raw", raw, |r| {
        r.inner.body_file(std::path::Path::new(arg_str("path", path)?));
        Ok(())
    })
}

/// Sends `raw` with the client's signing, session token, retries (network errors and 5xx, as for every
/// call) and deadline. A 4xx/5xx answer is COS_SERVICE_ERROR with COS's code, message and request id. On
/// success the HTTP status goes to `*status_out`, the body (read into memory, at most 16 MiB) to
/// `*body_out` and the headers to `*info_out`; each may be NULL to ignore it.
#[no_mangle]
pub extern "C" fn cos_client_send_request(
    client: *const cos_client,
    raw: *const cos_raw_request,
    status_out: *mut u16,
    body_out: *mut *mut cos_bytes,
    info_out: *mut *mut cos_object_info,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let client = &arg_ref("client", client)?.inner;
        let raw = arg_ref("raw", raw)?;
        let answer = client.send_request(&raw.inner)?;
        store(status_out, answer.status);
        set_out(body_out, cos_bytes { data: answer.body });
        set_info(info_out, answer.info);
        Ok(())
    })
}
