//! Multipart primitives: `cos_part`, `cos_part_list`, `cos_upload_list` and the calls that make them.

use super::object::{cos_object_info, cos_read_fn, set_info, CallbackReader};
use super::options::{cos_request_options, options_or_default};
use super::{
    arg_bytes, arg_opt_string, arg_out, arg_ref, arg_str, boxed, bucket_args, c_ptr, c_string, call, cos_client,
    cos_error, cos_status, field_at, free_box, guard, object_args, read, set_out, source_args, store, store_string,
    string_at, update,
};
use crate::{Body, ListUploadsParams, Part};
use std::ffi::{c_char, c_void, CString};
use std::path::Path;

/// One uploaded part: number, ETag, size, CRC-64. Strings valid until `cos_part_free`.
pub struct cos_part {
    part: Part,
    etag: CString,
}

impl cos_part {
    fn new(part: Part) -> cos_part {
        cos_part { etag: c_string(&part.etag), part }
    }
}

/// An ordered collection of parts: what `cos_client_list_parts` returns and what
/// `cos_client_complete_multipart_upload` takes. One thread at a time may change it.
pub struct cos_part_list {
    parts: Vec<cos_part>,
    is_truncated: bool,
    next_marker: u32,
}

pub(super) fn upload_part_out(out: *mut *mut cos_part, part: Part) {
    set_out(out, cos_part::new(part))
}

/// The client, bucket, key and upload id of an upload in progress, checked in that order.
pub(super) fn upload_args<'a>(
    client: *const cos_client,
    bucket: *const c_char,
    key: *const c_char,
    upload_id: *const c_char,
) -> crate::Result<(&'a crate::Client, &'a str, &'a str, &'a str)> {
    let (client, bucket, key) = object_args(client, bucket, key)?;
    Ok((client, bucket, key, arg_str("upload_id", upload_id)?))
}

/// Starts a multipart upload and stores its id in `*upload_id` (free with `cos_string_free`). `opts` (may be
/// NULL) carries the object's content type, metadata, storage class, ACL, encryption.
#[no_mangle]
pub extern "C" fn cos_client_create_multipart_upload(
    client: *const cos_client,
    bucket: *const c_char,
    key: *const c_char,
    opts: *const cos_request_options,
    upload_id: *mut *mut c_char,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let (client, bucket, key) = object_args(client, bucket, key)?;
        arg_out("upload_id", upload_id)?;
        store_string(upload_id, &client.create_multipart_upload(bucket, key, &options_or_default(opts))?);
        Ok(())
    })
}

/// Uploads part `part_number` (1..=10000; at least 1 MiB except the last, at most 5 GiB) from a buffer.
/// `*out` receives the part to pass to completion; its CRC-64 was checked against COS's.
#[no_mangle]
pub extern "C" fn cos_client_upload_part(
    client: *const cos_client,
    bucket: *const c_char,
    key: *const c_char,
    upload_id: *const c_char,
    part_number: u32,
    data: *const u8,
    len: usize,
    opts: *const cos_request_options,
    out: *mut *mut cos_part,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let (client, bucket, key, id) = upload_args(client, bucket, key, upload_id)?;
        let data = arg_bytes("data", data, len)?;
        arg_out("out", out)?;
        let opts = options_or_default(opts);
        upload_part_out(out, client.upload_part(bucket, key, id, part_number, Body::Bytes(data), &opts)?);
        Ok(())
    })
}

/// Uploads part `part_number` from `len` bytes of a local file starting at `offset` (retries reread them).
#[no_mangle]
pub extern "C" fn cos_client_upload_part_from_file(
    client: *const cos_client,
    bucket: *const c_char,
    key: *const c_char,
    upload_id: *const c_char,
    part_number: u32,
    path: *const c_char,
    offset: u64,
    len: u64,
    opts: *const cos_request_options,
    out: *mut *mut cos_part,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let (client, bucket, key, id) = upload_args(client, bucket, key, upload_id)?;
        let path = Path::new(arg_str("path", path)?);
        arg_out("out", out)?;
        let opts = options_or_default(opts);
        upload_part_out(out, client.upload_part_from_file(bucket, key, id, part_number, path, offset, len, &opts)?);
        Ok(())
    })
}

/// Uploads part `part_number` from exactly `len` bytes produced by `read` (not retried: a callback cannot
/// be replayed).
#[no_mangle]
pub extern "C" fn cos_client_upload_part_from_reader(
    client: *const cos_client,
    bucket: *const c_char,
    key: *const c_char,
    upload_id: *const c_char,
    part_number: u32,
    read: cos_read_fn,
    userdata: *mut c_void,
    len: u64,
    opts: *const cos_request_options,
    out: *mut *mut cos_part,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let (client, bucket, key, id) = upload_args(client, bucket, key, upload_id)?;
        let mut reader = CallbackReader::new(read, userdata)?;
        arg_out("out", out)?;
        let body = Body::Reader { reader: &mut reader, len };
        upload_part_out(out, client.upload_part(bucket, key, id, part_number, body, &options_or_default(opts))?);
        Ok(())
    })
}

/// Uploads part `part_number` of `bucket`/`key` as a server-side copy of `src_bucket`/`src_key` (the
/// client's region; any other source: `cos_client_upload_part_copy_ex`): the bytes set with
/// `cos_request_options_set_copy_source_range`, or the whole source. An x-cos-copy-source header in the
/// options is refused, never sent twice.
#[no_mangle]
pub extern "C" fn cos_client_upload_part_copy(
    client: *const cos_client,
    bucket: *const c_char,
    key: *const c_char,
    upload_id: *const c_char,
    part_number: u32,
    src_bucket: *const c_char,
    src_key: *const c_char,
    opts: *const cos_request_options,
    out: *mut *mut cos_part,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let (client, bucket, key, id) = upload_args(client, bucket, key, upload_id)?;
        let (src_bucket, src_key) = source_args(src_bucket, src_key)?;
        arg_out("out", out)?;
        let opts = options_or_default(opts);
        upload_part_out(out, client.upload_part_copy(bucket, key, id, part_number, src_bucket, src_key, &opts)?);
        Ok(())
    })
}

/// Completes an upload from `parts` (any order). When every part's CRC-64 is known, the object's CRC-64
/// from COS is checked against their combination (`COS_CHECKSUM_MISMATCH`). A 200 answer carrying an error
/// is a `COS_SERVICE_ERROR` with HTTP status 200. `opts` and `info` may be NULL.
#[no_mangle]
pub extern "C" fn cos_client_complete_multipart_upload(
    client: *const cos_client,
    bucket: *const c_char,
    key: *const c_char,
    upload_id: *const c_char,
    parts: *const cos_part_list,
    opts: *const cos_request_options,
    info: *mut *mut cos_object_info,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let (client, bucket, key, id) = upload_args(client, bucket, key, upload_id)?;
        let parts: Vec<Part> = arg_ref("parts", parts)?.parts.iter().map(|p| p.part.clone()).collect();
        let (_, object) = client.complete_multipart_upload(bucket, key, id, &parts, &options_or_default(opts))?;
        set_info(info, object);
        Ok(())
    })
}

/// Abandons an upload; COS frees its parts.
#[no_mangle]
pub extern "C" fn cos_client_abort_multipart_upload(
    client: *const cos_client,
    bucket: *const c_char,
    key: *const c_char,
    upload_id: *const c_char,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let (client, bucket, key, id) = upload_args(client, bucket, key, upload_id)?;
        client.abort_multipart_upload(bucket, key, id)
    })
}

/// One page of the parts uploaded so far, after part number `marker` (0 = from the start; `max_parts` 0 =
/// 1000). Continue from `cos_part_list_next_marker` while `cos_part_list_is_truncated`.
#[no_mangle]
pub extern "C" fn cos_client_list_parts(
    client: *const cos_client,
    bucket: *const c_char,
    key: *const c_char,
    upload_id: *const c_char,
    marker: u32,
    max_parts: u32,
    out: *mut *mut cos_part_list,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let (client, bucket, key, id) = upload_args(client, bucket, key, upload_id)?;
        arg_out("out", out)?;
        let page = client.list_parts(bucket, key, id, marker, max_parts)?;
        set_out(
            out,
            cos_part_list {
                parts: page.parts.into_iter().map(cos_part::new).collect(),
                is_truncated: page.is_truncated,
                next_marker: page.next_part_number_marker,
            },
        );
        Ok(())
    })
}

/// Part number; 0 for NULL.
#[no_mangle]
pub extern "C" fn cos_part_number(p: *const cos_part) -> u32 {
    read(p, 0, |p| p.part.part_number)
}

/// ETag (with quotes, as COS sends it); NULL for NULL.
#[no_mangle]
pub extern "C" fn cos_part_etag(p: *const cos_part) -> *const c_char {
    read(p, std::ptr::null(), |p| p.etag.as_ptr())
}

/// Size in bytes (0 when unknown, e.g. a part-copy of a whole source); 0 for NULL.
#[no_mangle]
pub extern "C" fn cos_part_size(p: *const cos_part) -> u64 {
    read(p, 0, |p| p.part.size)
}

/// Stores the part's CRC-64 in `*crc64` and returns true, or returns false when unknown.
#[no_mangle]
pub extern "C" fn cos_part_crc64(p: *const cos_part, crc64: *mut u64) -> bool {
    read(p, false, |p| p.part.crc64.is_some_and(|value| store(crc64, value)))
}

/// Frees a part. NULL does nothing.
#[no_mangle]
pub extern "C" fn cos_part_free(p: *mut cos_part) {
    free_box(p)
}

/// A new, empty part list. Never NULL.
#[no_mangle]
pub extern "C" fn cos_part_list_new() -> *mut cos_part_list {
    guard(std::ptr::null_mut(), || boxed(cos_part_list { parts: Vec::new(), is_truncated: false, next_marker: 0 }))
}

/// Appends a copy of `part` (which the caller still owns).
#[no_mangle]
pub extern "C" fn cos_part_list_push(
    list: *mut cos_part_list,
    part: *const cos_part,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "list", list, |l| {
        l.parts.push(cos_part::new(arg_ref("part", part)?.part.clone()));
        Ok(())
    })
}

/// Number of parts; 0 for NULL.
#[no_mangle]
pub extern "C" fn cos_part_list_count(l: *const cos_part_list) -> usize {
    read(l, 0, |l| l.parts.len())
}

/// Part `index`, owned by the list; NULL when out of range.
#[no_mangle]
pub extern "C" fn cos_part_list_get(l: *const cos_part_list, index: usize) -> *const cos_part {
    read(l, std::ptr::null(), |l| l.parts.get(index).map_or(std::ptr::null(), |p| p as *const cos_part))
}

/// Whether more parts follow this page (lists from `cos_client_list_parts`).
#[no_mangle]
pub extern "C" fn cos_part_list_is_truncated(l: *const cos_part_list) -> bool {
    read(l, false, |l| l.is_truncated)
}

/// The marker for the next page; 0 for NULL.
#[no_mangle]
pub extern "C" fn cos_part_list_next_marker(l: *const cos_part_list) -> u32 {
    read(l, 0, |l| l.next_marker)
}

/// Frees a part list. NULL does nothing.
#[no_mangle]
pub extern "C" fn cos_part_list_free(l: *mut cos_part_list) {
    free_box(l)
}

/// One page of in-progress multipart uploads. Strings valid until `cos_upload_list_free`.
pub struct cos_upload_list {
    uploads: Vec<UploadRow>,
    prefixes: Vec<CString>,
    is_truncated: bool,
    next_key_marker: Option<CString>,
    next_upload_id_marker: Option<CString>,
}

/// One upload of a `cos_upload_list`.
struct UploadRow {
    key: CString,
    upload_id: CString,
    initiated: CString,
}

/// One page of the multipart uploads in progress in `bucket`. `prefix`, `delimiter`, `key_marker` and
/// `upload_id_marker` may be NULL; `max_uploads` 0 = 1000.
#[no_mangle]
pub extern "C" fn cos_client_list_multipart_uploads(
    client: *const cos_client,
    bucket: *const c_char,
    prefix: *const c_char,
    delimiter: *const c_char,
    key_marker: *const c_char,
    upload_id_marker: *const c_char,
    max_uploads: u32,
    out: *mut *mut cos_upload_list,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let (client, bucket) = bucket_args(client, bucket)?;
        let params = ListUploadsParams {
            prefix: arg_opt_string("prefix", prefix)?,
            delimiter: arg_opt_string("delimiter", delimiter)?,
            key_marker: arg_opt_string("key_marker", key_marker)?,
            upload_id_marker: arg_opt_string("upload_id_marker", upload_id_marker)?,
            max_uploads,
        };
        arg_out("out", out)?;
        let page = client.list_multipart_uploads(bucket, &params)?;
        set_out(
            out,
            cos_upload_list {
                uploads: page
                    .uploads
                    .iter()
                    .map(|u| UploadRow {
                        key: c_string(&u.key),
                        upload_id: c_string(&u.upload_id),
                        initiated: c_string(&u.initiated),
                    })
                    .collect(),
                prefixes: page.common_prefixes.iter().map(|p| c_string(p)).collect(),
                is_truncated: page.is_truncated,
                next_key_marker: page.next_key_marker.as_deref().map(c_string),
                next_upload_id_marker: page.next_upload_id_marker.as_deref().map(c_string),
            },
        );
        Ok(())
    })
}

/// Number of uploads in the page; 0 for NULL.
#[no_mangle]
pub extern "C" fn cos_upload_list_count(l: *const cos_upload_list) -> usize {
    read(l, 0, |l| l.uploads.len())
}

/// Key of upload `index` (decoded), or NULL when out of range.
#[no_mangle]
pub extern "C" fn cos_upload_list_key(l: *const cos_upload_list, index: usize) -> *const c_char {
    read(l, std::ptr::null(), |l| field_at(&l.uploads, index, |u| &u.key))
}

/// Upload id of upload `index`, or NULL when out of range.
#[no_mangle]
pub extern "C" fn cos_upload_list_upload_id(l: *const cos_upload_list, index: usize) -> *const c_char {
    read(l, std::ptr::null(), |l| field_at(&l.uploads, index, |u| &u.upload_id))
}

/// Initiation time of upload `index` (ISO 8601), or NULL when out of range.
#[no_mangle]
pub extern "C" fn cos_upload_list_initiated(l: *const cos_upload_list, index: usize) -> *const c_char {
    read(l, std::ptr::null(), |l| field_at(&l.uploads, index, |u| &u.initiated))
}

/// Number of common prefixes; 0 for NULL.
#[no_mangle]
pub extern "C" fn cos_upload_list_prefix_count(l: *const cos_upload_list) -> usize {
    read(l, 0, |l| l.prefixes.len())
}

/// Common prefix `index`, or NULL when out of range.
#[no_mangle]
pub extern "C" fn cos_upload_list_prefix(l: *const cos_upload_list, index: usize) -> *const c_char {
    read(l, std::ptr::null(), |l| string_at(&l.prefixes, index))
}

/// Whether more uploads follow this page.
#[no_mangle]
pub extern "C" fn cos_upload_list_is_truncated(l: *const cos_upload_list) -> bool {
    read(l, false, |l| l.is_truncated)
}

/// Key marker of the next page, or NULL.
#[no_mangle]
pub extern "C" fn cos_upload_list_next_key_marker(l: *const cos_upload_list) -> *const c_char {
    read(l, std::ptr::null(), |l| c_ptr(&l.next_key_marker))
}

/// Upload-id marker of the next page, or NULL.
#[no_mangle]
pub extern "C" fn cos_upload_list_next_upload_id_marker(l: *const cos_upload_list) -> *const c_char {
    read(l, std::ptr::null(), |l| c_ptr(&l.next_upload_id_marker))
}

/// Frees an upload list. NULL does nothing.
#[no_mangle]
pub extern "C" fn cos_upload_list_free(l: *mut cos_upload_list) {
    free_box(l)
}
