//! `cos_request_options`: per-request headers and parameters for the `*_ex` operations.

use super::{arg_bytes, arg_opt_str, arg_str, boxed, cos_error, cos_status, free_box, guard, update};
use crate::RequestOptions;
use std::ffi::c_char;

/// Options for one or more requests: content type, metadata, storage class, ACL, encryption, traffic
/// limit, conditions, range, and any extra header or query parameter. Pass NULL wherever options are
/// accepted to use the defaults (CRC-64 checked, no Content-MD5). One thread at a time may change it; once
/// built it may be shared read-only by concurrent calls.
pub struct cos_request_options {
    pub(super) inner: RequestOptions,
}

/// The options a NULL `const cos_request_options *` stands for.
pub(super) fn options_or_default<'a>(opts: *const cos_request_options) -> std::borrow::Cow<'a, RequestOptions> {
    // SAFETY: NULL or a live options handle.
    match unsafe { opts.as_ref() } {
        Some(o) => std::borrow::Cow::Borrowed(&o.inner),
        None => std::borrow::Cow::Owned(RequestOptions::default()),
    }
}

/// New default options. Never NULL.
#[no_mangle]
pub extern "C" fn cos_request_options_new() -> *mut cos_request_options {
    guard(std::ptr::null_mut(), || boxed(cos_request_options { inner: RequestOptions::default() }))
}

/// Frees options. NULL does nothing.
#[no_mangle]
pub extern "C" fn cos_request_options_free(opts: *mut cos_request_options) {
    free_box(opts)
}

/// Sets any request header, replacing an earlier value of that name. Host, Authorization, Content-Length,
/// Transfer-Encoding and x-cos-security-token are set by the client and refused here.
#[no_mangle]
pub extern "C" fn cos_request_options_set_header(
    opts: *mut cos_request_options,
    name: *const c_char,
    value: *const c_char,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "opts", opts, |o| o.inner.header(arg_str("name", name)?, arg_str("value", value)?).map(drop))
}

/// Adds a query parameter (value may be ""), replacing an earlier one of that name.
#[no_mangle]
pub extern "C" fn cos_request_options_set_query(
    opts: *mut cos_request_options,
    name: *const c_char,
    value: *const c_char,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "opts", opts, |o| o.inner.query(arg_str("name", name)?, arg_str("value", value)?).map(drop))
}

/// User metadata `x-cos-meta-<name>`; `name` may include the prefix or not. The value must be ASCII (COS
/// defines no encoding for other text; percent-encode it yourself): a non-ASCII value, or a control character
/// such as CR or LF in any header value, is `COS_INVALID_ARGUMENT` naming the header.
#[no_mangle]
pub extern "C" fn cos_request_options_set_metadata(
    opts: *mut cos_request_options,
    name: *const c_char,
    value: *const c_char,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "opts", opts, |o| o.inner.metadata(arg_str("name", name)?, arg_str("value", value)?).map(drop))
}

/// Content-Type of an upload.
#[no_mangle]
pub extern "C" fn cos_request_options_set_content_type(
    opts: *mut cos_request_options,
    value: *const c_char,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "opts", opts, |o| o.inner.content_type(arg_str("value", value)?).map(drop))
}

/// Cache-Control stored with an upload and returned with its GETs (e.g. "max-age=3600").
#[no_mangle]
pub extern "C" fn cos_request_options_set_cache_control(
    opts: *mut cos_request_options,
    value: *const c_char,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "opts", opts, |o| o.inner.cache_control(arg_str("value", value)?).map(drop))
}

/// Content-Disposition stored with an upload (e.g. `attachment; filename="a.txt"`).
#[no_mangle]
pub extern "C" fn cos_request_options_set_content_disposition(
    opts: *mut cos_request_options,
    value: *const c_char,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "opts", opts, |o| o.inner.content_disposition(arg_str("value", value)?).map(drop))
}

/// Content-Encoding stored with an upload (e.g. "gzip"); COS does not decode the body.
#[no_mangle]
pub extern "C" fn cos_request_options_set_content_encoding(
    opts: *mut cos_request_options,
    value: *const c_char,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "opts", opts, |o| o.inner.content_encoding(arg_str("value", value)?).map(drop))
}

/// Expires stored with an upload, an HTTP date such as "Wed, 21 Oct 2015 07:28:00 GMT" (sent as given).
#[no_mangle]
pub extern "C" fn cos_request_options_set_expires(
    opts: *mut cos_request_options,
    http_date: *const c_char,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "opts", opts, |o| o.inner.expires(arg_str("http_date", http_date)?).map(drop))
}

/// Expires as the HTTP date of a Unix time (seconds, UTC); a negative time is COS_INVALID_ARGUMENT.
#[no_mangle]
pub extern "C" fn cos_request_options_set_expires_unix(
    opts: *mut cos_request_options,
    unix_seconds: i64,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "opts", opts, |o| o.inner.expires_unix(unix_seconds).map(drop))
}

/// Tags of the object an upload creates, as the x-cos-tagging header value "k1=v1&k2=v2" (keys and values
/// already URL-encoded; sent as given). `cos_request_options_set_tags` builds it from a tag set instead.
#[no_mangle]
pub extern "C" fn cos_request_options_set_tagging(
    opts: *mut cos_request_options,
    tagging: *const c_char,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "opts", opts, |o| o.inner.tagging(arg_str("tagging", tagging)?).map(drop))
}

/// Storage class: STANDARD, STANDARD_IA, ARCHIVE, DEEP_ARCHIVE, INTELLIGENT_TIERING, MAZ_STANDARD, ...
#[no_mangle]
pub extern "C" fn cos_request_options_set_storage_class(
    opts: *mut cos_request_options,
    value: *const c_char,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "opts", opts, |o| o.inner.storage_class(arg_str("value", value)?).map(drop))
}

/// Canned ACL: private, public-read, public-read-write, default.
#[no_mangle]
pub extern "C" fn cos_request_options_set_acl(
    opts: *mut cos_request_options,
    value: *const c_char,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "opts", opts, |o| o.inner.acl(arg_str("value", value)?).map(drop))
}

/// Server-side encryption with COS-managed keys: "AES256", or "cos/kms" with an optional KMS key id
/// (`kms_key_id` may be NULL).
#[no_mangle]
pub extern "C" fn cos_request_options_set_server_side_encryption(
    opts: *mut cos_request_options,
    algorithm: *const c_char,
    kms_key_id: *const c_char,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "opts", opts, |o| {
        let kms = arg_opt_str("kms_key_id", kms_key_id)?;
        o.inner.server_side_encryption(arg_str("algorithm", algorithm)?, kms).map(drop)
    })
}

/// Server-side encryption with a customer-provided 32-byte AES-256 key (SSE-C).
#[no_mangle]
pub extern "C" fn cos_request_options_set_sse_customer_key(
    opts: *mut cos_request_options,
    key: *const u8,
    key_len: usize,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "opts", opts, |o| o.inner.sse_customer_key(arg_bytes("key", key, key_len)?).map(drop))
}

/// Bandwidth limit in bit/s (819200 to 838860800).
#[no_mangle]
pub extern "C" fn cos_request_options_set_traffic_limit(
    opts: *mut cos_request_options,
    bits_per_second: u64,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "opts", opts, |o| o.inner.traffic_limit(bits_per_second).map(drop))
}

/// Reads only bytes `first..=last` of the object; `last` < 0 means to the end.
#[no_mangle]
pub extern "C" fn cos_request_options_set_range(
    opts: *mut cos_request_options,
    first: u64,
    last: i64,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "opts", opts, |o| o.inner.range(first, u64::try_from(last).ok()).map(drop))
}

/// For `cos_client_upload_part_copy`: copy bytes `first..=last` of the source (`last` >= `first`) instead of
/// all of it. The source's other read conditions go in the same options (`x-cos-copy-source-*` headers).
#[no_mangle]
pub extern "C" fn cos_request_options_set_copy_source_range(
    opts: *mut cos_request_options,
    first: u64,
    last: u64,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "opts", opts, |o| o.inner.copy_source_range(first, last).map(drop))
}

/// For copies (`cos_client_copy_object`, `cos_client_upload_part_copy`, `cos_client_copy`): copy this
/// version of the source instead of its current one (`?versionId=` on x-cos-copy-source; the managed copy's
/// HEAD of the source asks for it too). `cos_request_options_set_version_id` names the destination's version
/// instead, which a copy does not use.
#[no_mangle]
pub extern "C" fn cos_request_options_set_copy_source_version_id(
    opts: *mut cos_request_options,
    version_id: *const c_char,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "opts", opts, |o| o.inner.copy_source_version_id(arg_str("version_id", version_id)?).map(drop))
}

/// If-Match: the request succeeds only if the object's ETag matches (else 412 PreconditionFailed).
#[no_mangle]
pub extern "C" fn cos_request_options_set_if_match(
    opts: *mut cos_request_options,
    etag: *const c_char,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "opts", opts, |o| o.inner.if_match(arg_str("etag", etag)?).map(drop))
}

/// If-None-Match: a GET of an object with this ETag fails with code "NotModified" (HTTP 304).
#[no_mangle]
pub extern "C" fn cos_request_options_set_if_none_match(
    opts: *mut cos_request_options,
    etag: *const c_char,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "opts", opts, |o| o.inner.if_none_match(arg_str("etag", etag)?).map(drop))
}

/// If-Modified-Since, an HTTP date such as "Wed, 21 Oct 2015 07:28:00 GMT".
#[no_mangle]
pub extern "C" fn cos_request_options_set_if_modified_since(
    opts: *mut cos_request_options,
    http_date: *const c_char,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "opts", opts, |o| o.inner.if_modified_since(arg_str("http_date", http_date)?).map(drop))
}

/// If-Unmodified-Since, an HTTP date.
#[no_mangle]
pub extern "C" fn cos_request_options_set_if_unmodified_since(
    opts: *mut cos_request_options,
    http_date: *const c_char,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "opts", opts, |o| o.inner.if_unmodified_since(arg_str("http_date", http_date)?).map(drop))
}

/// Addresses one version of the object (versioned buckets).
#[no_mangle]
pub extern "C" fn cos_request_options_set_version_id(
    opts: *mut cos_request_options,
    version_id: *const c_char,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "opts", opts, |o| o.inner.version_id(arg_str("version_id", version_id)?).map(drop))
}

/// Overrides a header of a GET response: content-type, content-language, expires, cache-control,
/// content-disposition or content-encoding.
#[no_mangle]
pub extern "C" fn cos_request_options_set_response_header(
    opts: *mut cos_request_options,
    name: *const c_char,
    value: *const c_char,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "opts", opts, |o| o.inner.response_header(arg_str("name", name)?, arg_str("value", value)?).map(drop))
}

/// For copies: "Copy" (keep the source's metadata, the default) or "Replaced" (use these options').
#[no_mangle]
pub extern "C" fn cos_request_options_set_metadata_directive(
    opts: *mut cos_request_options,
    directive: *const c_char,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "opts", opts, |o| o.inner.metadata_directive(arg_str("directive", directive)?).map(drop))
}

/// Sends Content-MD5 with uploads so COS rejects a damaged body (default off).
#[no_mangle]
pub extern "C" fn cos_request_options_set_content_md5(
    opts: *mut cos_request_options,
    on: bool,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "opts", opts, |o| {
        o.inner.content_md5(on);
        Ok(())
    })
}

/// Checks the CRC-64 of uploads and downloads against COS's (default on).
#[no_mangle]
pub extern "C" fn cos_request_options_set_verify_crc(
    opts: *mut cos_request_options,
    on: bool,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "opts", opts, |o| {
        o.inner.verify_crc(on);
        Ok(())
    })
}

/// Tags of the object an upload creates (x-cos-tagging, URL-encoded from `tags`): at most 10, else
/// COS_INVALID_ARGUMENT. For put, append, upload and multipart initiation; a copy keeps its source's tags
/// unless the options also set the header x-cos-tagging-directive to "Replaced".
#[no_mangle]
pub extern "C" fn cos_request_options_set_tags(
    opts: *mut cos_request_options,
    tags: *const super::cos_tag_set,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "opts", opts, |o| o.inner.tags(&super::arg_ref("tags", tags)?.inner).map(drop))
}

/// Grants `permission` ("READ", "WRITE", "READ_ACP", "WRITE_ACP", "FULL_CONTROL": the x-cos-grant-* header)
/// to `grantees`, a comma-separated list such as
/// `id="100000000001",uri="http://cam.qcloud.com/groups/global/AllUsers"`, replacing an earlier grant of that
/// permission. For ACL puts, bucket creation and uploads.
#[no_mangle]
pub extern "C" fn cos_request_options_set_grant(
    opts: *mut cos_request_options,
    permission: *const c_char,
    grantees: *const c_char,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "opts", opts, |o| {
        let permission = crate::Permission::parse(arg_str("permission", permission)?)?;
        o.inner.grant(permission, arg_str("grantees", grantees)?).map(drop)
    })
}
