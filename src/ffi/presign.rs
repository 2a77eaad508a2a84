//! Signatures for others: presigned URLs with signed parameters and headers, the `Authorization` value for
//! callers who run their own HTTP stack, and the unsigned object URL.

use super::{
    arg_out, arg_str, boxed, call, cos_client, cos_error, cos_status, free_box, guard, object_args, store_string,
    update,
};
use crate::PresignOptions;
use std::ffi::c_char;

/// What a presigned URL or an Authorization value covers besides the method and the resource: its window,
/// signed query parameters, headers its user must send, and whether the host is signed. One thread at a
/// time may change it; pass NULL wherever it is accepted for the defaults (300 s from now, host signed).
pub struct cos_presign_options {
    inner: PresignOptions,
}

fn presign_or_default(opts: *const cos_presign_options) -> PresignOptions {
    // SAFETY: NULL or a live presign options handle.
    unsafe { opts.as_ref() }.map_or_else(PresignOptions::default, |o| o.inner.clone())
}

/// New presign options: valid for 300 s from now (the window starts 60 s before now, as the client's own
/// requests sign), the host signed, no parameters or headers. Never NULL.
#[no_mangle]
pub extern "C" fn cos_presign_options_new() -> *mut cos_presign_options {
    guard(std::ptr::null_mut(), || boxed(cos_presign_options { inner: PresignOptions::default() }))
}

/// Frees presign options. NULL does nothing.
#[no_mangle]
pub extern "C" fn cos_presign_options_free(opts: *mut cos_presign_options) {
    free_box(opts)
}

/// A fixed start (Unix seconds): the window becomes [start_unix, start_unix + expires].
#[no_mangle]
pub extern "C" fn cos_presign_options_set_start(
    opts: *mut cos_presign_options,
    start_unix: i64,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "opts", opts, |o| {
        o.inner.start(start_unix);
        Ok(())
    })
}

/// Seconds of validity (default 300); 0 is COS_INVALID_ARGUMENT.
#[no_mangle]
pub extern "C" fn cos_presign_options_set_expires(
    opts: *mut cos_presign_options,
    expires_s: u32,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "opts", opts, |o| o.inner.expires(expires_s).map(drop))
}

/// A query parameter put in the URL and signed ("response-content-disposition", "versionId",
/// "x-cos-traffic-limit", ...; value may be ""), replacing one of the same name in any case. The signature's
/// own q-* fields and x-cos-security-token (added from the client's session token) are refused.
#[no_mangle]
pub extern "C" fn cos_presign_options_add_param(
    opts: *mut cos_presign_options,
    name: *const c_char,
    value: *const c_char,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "opts", opts, |o| o.inner.param(arg_str("name", name)?, arg_str("value", value)?).map(drop))
}

/// A header to sign, replacing one of the same name. For a presigned URL its user must send it with exactly
/// this value (a browser PUT's Content-Type), and it must be one COS signs (Content-*, Cache-Control,
/// Expires, If-*, Range, Origin, Host, x-cos-*, x-ci-*); for cos_client_get_authorization pass every header
/// the request carries, and those COS signs are signed. Control characters and surrounding spaces in the
/// value are COS_INVALID_ARGUMENT.
#[no_mangle]
pub extern "C" fn cos_presign_options_add_header(
    opts: *mut cos_presign_options,
    name: *const c_char,
    value: *const c_char,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "opts", opts, |o| o.inner.header(arg_str("name", name)?, arg_str("value", value)?).map(drop))
}

/// Whether the host is signed (default true, the Python SDK's SignHost). Unsigned, the URL also works
/// through another host name for the bucket.
#[no_mangle]
pub extern "C" fn cos_presign_options_set_sign_host(
    opts: *mut cos_presign_options,
    sign_host: bool,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "opts", opts, |o| {
        o.inner.sign_host(sign_host);
        Ok(())
    })
}

/// A presigned URL for METHOD on bucket/key (key "" addresses the bucket itself, e.g. a listing) with
/// `opts` (may be NULL): signature and parameters in the query, plus the session token when the client has
/// one. Free the URL with cos_string_free.
#[no_mangle]
pub extern "C" fn cos_client_presign_url_ex(
    client: *const cos_client,
    method: *const c_char,
    bucket: *const c_char,
    key: *const c_char,
    opts: *const cos_presign_options,
    url_out: *mut *mut c_char,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let (client, bucket, key) = object_args(client, bucket, key)?;
        let method = arg_str("method", method)?;
        arg_out("url_out", url_out)?;
        store_string(url_out, &client.presign(method, bucket, key, &presign_or_default(opts))?);
        Ok(())
    })
}

/// The Authorization header value for METHOD on bucket/key (key "": the bucket) with `opts`' parameters
/// and headers (the Python SDK's get_auth), for a request sent with your own HTTP stack. With temporary
/// credentials send x-cos-security-token yourself. Free it with cos_string_free.
#[no_mangle]
pub extern "C" fn cos_client_get_authorization(
    client: *const cos_client,
    method: *const c_char,
    bucket: *const c_char,
    key: *const c_char,
    opts: *const cos_presign_options,
    auth_out: *mut *mut c_char,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let (client, bucket, key) = object_args(client, bucket, key)?;
        let method = arg_str("method", method)?;
        arg_out("auth_out", auth_out)?;
        store_string(auth_out, &client.authorization(method, bucket, key, &presign_or_default(opts))?);
        Ok(())
    })
}

/// The unsigned URL of an object: scheme, the bucket's host (or custom domain) and the encoded key (the
/// Python SDK's get_object_url). Free it with cos_string_free.
#[no_mangle]
pub extern "C" fn cos_client_object_url(
    client: *const cos_client,
    bucket: *const c_char,
    key: *const c_char,
    url_out: *mut *mut c_char,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let (client, bucket, key) = object_args(client, bucket, key)?;
        arg_out("url_out", url_out)?;
        store_string(url_out, &client.object_url(bucket, key)?);
        Ok(())
    })
}
