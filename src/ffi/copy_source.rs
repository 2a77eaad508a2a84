//! `cos_copy_source`: the source of a server-side copy (bucket, key, region, version, SSE-C key,
//! conditions), and the `_ex` copy calls that take it instead of `src_bucket`/`src_key`.

use super::multipart::{cos_part, upload_args, upload_part_out};
use super::object::{cos_object_info, set_info};
use super::options::{cos_request_options, options_or_default};
use super::transfer::{cos_progress_fn, cos_transfer_options, transfer};
use super::{
    arg_bytes, arg_out, arg_ref, arg_str, boxed, call, cos_client, cos_error, cos_status, free_box, object_args, update,
};
use crate::CopySource;
use std::ffi::{c_char, c_void};

/// The object a copy reads: bucket and key, optionally another region (default: the client's), a
/// version, the SSE-C key it was written with, and `x-cos-copy-source-if-*` conditions (a failing one is
/// COS's 412 PreconditionFailed, or 304). The copy calls send every `x-cos-copy-source*` header from it; a
/// `x-cos-copy-source` header in their request options is refused, never sent twice. One thread at a time
/// may change it; it may be shared read-only by concurrent calls.
pub struct cos_copy_source {
    inner: CopySource,
}

/// A source `bucket`/`key` in the client's region, stored in `*out` (free with `cos_copy_source_free`).
#[no_mangle]
pub extern "C" fn cos_copy_source_new(
    bucket: *const c_char,
    key: *const c_char,
    out: *mut *mut cos_copy_source,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let source = CopySource::new(arg_str("bucket", bucket)?, arg_str("key", key)?)?;
        arg_out("out", out)?;
        // SAFETY: checked non-NULL above; the caller passes a writable `cos_copy_source **`.
        unsafe { *out = boxed(cos_copy_source { inner: source }) };
        Ok(())
    })
}

/// Frees a source. NULL does nothing.
#[no_mangle]
pub extern "C" fn cos_copy_source_free(source: *mut cos_copy_source) {
    free_box(source)
}

/// The source is in `region` (such as "ap-beijing"): its host is that region's.
#[no_mangle]
pub extern "C" fn cos_copy_source_set_region(
    source: *mut cos_copy_source,
    region: *const c_char,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "source", source, |s| s.inner.region(arg_str("region", region)?).map(drop))
}

/// Copies this version of the source (`?versionId=` on x-cos-copy-source).
#[no_mangle]
pub extern "C" fn cos_copy_source_set_version_id(
    source: *mut cos_copy_source,
    version_id: *const c_char,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "source", source, |s| s.inner.version_id(arg_str("version_id", version_id)?).map(drop))
}

/// The source was written with SSE-C under this key (exactly 32 bytes); its MD5 is computed here.
#[no_mangle]
pub extern "C" fn cos_copy_source_set_sse_customer_key(
    source: *mut cos_copy_source,
    key: *const u8,
    key_len: usize,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "source", source, |s| s.inner.sse_customer_key(arg_bytes("key", key, key_len)?).map(drop))
}

/// Copy only if the source's ETag is `etag` (else 412).
#[no_mangle]
pub extern "C" fn cos_copy_source_set_if_match(
    source: *mut cos_copy_source,
    etag: *const c_char,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "source", source, |s| s.inner.if_match(arg_str("etag", etag)?).map(drop))
}

/// Copy only if the source's ETag is not `etag` (else 304).
#[no_mangle]
pub extern "C" fn cos_copy_source_set_if_none_match(
    source: *mut cos_copy_source,
    etag: *const c_char,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "source", source, |s| s.inner.if_none_match(arg_str("etag", etag)?).map(drop))
}

/// Copy only if the source changed after `http_date` ("Wed, 21 Oct 2015 07:28:00 GMT"; else 304).
#[no_mangle]
pub extern "C" fn cos_copy_source_set_if_modified_since(
    source: *mut cos_copy_source,
    http_date: *const c_char,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "source", source, |s| s.inner.if_modified_since(arg_str("http_date", http_date)?).map(drop))
}

/// Copy only if the source did not change after `http_date` (else 412).
#[no_mangle]
pub extern "C" fn cos_copy_source_set_if_unmodified_since(
    source: *mut cos_copy_source,
    http_date: *const c_char,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "source", source, |s| s.inner.if_unmodified_since(arg_str("http_date", http_date)?).map(drop))
}

/// `cos_client_copy_object` from any `source`: server-side copy to `bucket`/`key`, up to 5 GiB. `opts` and
/// `info` may be NULL.
#[no_mangle]
pub extern "C" fn cos_client_copy_object_ex(
    client: *const cos_client,
    bucket: *const c_char,
    key: *const c_char,
    source: *const cos_copy_source,
    opts: *const cos_request_options,
    info: *mut *mut cos_object_info,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let (client, bucket, key) = object_args(client, bucket, key)?;
        let source = &arg_ref("source", source)?.inner;
        let (_, object) = client.copy_object_from(source, bucket, key, &options_or_default(opts))?;
        set_info(info, object);
        Ok(())
    })
}

/// `cos_client_upload_part_copy` from any `source`: part `part_number` of the upload is the bytes set with
/// `cos_request_options_set_copy_source_range` (or the whole source).
#[no_mangle]
pub extern "C" fn cos_client_upload_part_copy_ex(
    client: *const cos_client,
    bucket: *const c_char,
    key: *const c_char,
    upload_id: *const c_char,
    part_number: u32,
    source: *const cos_copy_source,
    opts: *const cos_request_options,
    out: *mut *mut cos_part,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let (client, bucket, key, id) = upload_args(client, bucket, key, upload_id)?;
        let source = &arg_ref("source", source)?.inner;
        arg_out("out", out)?;
        let part = client.upload_part_copy_from(bucket, key, id, part_number, source, &options_or_default(opts))?;
        upload_part_out(out, part);
        Ok(())
    })
}

/// `cos_client_copy` from any `source`: the source is read (HEAD) with its version, key, region and
/// conditions; below the copy threshold one CopyObject, else parallel part-copies, each from the same
/// source; the copy's CRC-64 is checked against the source's. `opts`, `progress` and `info` may be NULL.
#[no_mangle]
pub extern "C" fn cos_client_copy_ex(
    client: *const cos_client,
    bucket: *const c_char,
    key: *const c_char,
    source: *const cos_copy_source,
    opts: *const cos_transfer_options,
    progress: cos_progress_fn,
    userdata: *mut c_void,
    info: *mut *mut cos_object_info,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let (client, bucket, key) = object_args(client, bucket, key)?;
        let source = &arg_ref("source", source)?.inner;
        transfer(opts, progress, userdata, info, |o, p| client.copy_from(source, bucket, key, o, p))
    })
}
