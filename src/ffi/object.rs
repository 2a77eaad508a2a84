//! Object operations, `cos_bytes`, `cos_object_info` and the body callbacks.

use super::options::{cos_request_options, options_or_default};
use super::{
    arg_bytes, arg_out, arg_str, c_string, call, cos_client, cos_error, cos_status, field_at, free_box, guard,
    object_args, read, set_out, source_args, store, store_string,
};
use crate::ObjectInfo;
use std::ffi::{c_char, c_int, c_void, CString};
use std::io::{self, Read, Write};
use std::path::Path;

/// Bytes owned by the library (a downloaded object). Read with `cos_bytes_data` / `cos_bytes_len`, free
/// with `cos_bytes_free`.
pub struct cos_bytes {
    pub(super) data: Vec<u8>,
}

/// The headers of a response, with the values COS sends about an object (ETag, CRC-64, user metadata, ...).
/// Strings are owned by it and valid until `cos_object_info_free`.
pub struct cos_object_info {
    headers: Vec<(CString, CString)>,
    pub(super) info: ObjectInfo,
    /// The expiry date of a finished restore (part of `x-cos-restore`), for `cos_object_info_restore_expiry`.
    pub(super) restore_expiry: Option<CString>,
}

impl cos_object_info {
    pub(super) fn new(info: ObjectInfo) -> cos_object_info {
        let restore_expiry = info.restore().and_then(|r| r.expiry_date).map(|d| c_string(&d));
        let headers = info.headers.iter().map(|(k, v)| (c_string(k), c_string(v))).collect();
        cos_object_info { headers, info, restore_expiry }
    }

    /// The C string of the value at `index` of the headers, NULL for none.
    fn value(&self, index: Option<usize>) -> *const c_char {
        index.and_then(|i| self.headers.get(i)).map_or(std::ptr::null(), |(_, v)| v.as_ptr())
    }
}

/// Reads the next part of an upload body into `buf` (at most `cap` bytes), stores how many bytes it wrote in
/// `*written` (0 only at the end of the body) and returns 0; a non-zero return stops the upload with
/// `COS_CANCELLED`. Runs on the calling thread; it must not unwind, throw or longjmp.
pub type cos_read_fn =
    Option<unsafe extern "C" fn(userdata: *mut c_void, buf: *mut u8, cap: usize, written: *mut usize) -> c_int>;

/// Receives the next `len` bytes of a download; returns 0 to continue, non-zero to stop with
/// `COS_CANCELLED`. Runs on the calling thread; it must not unwind, throw or longjmp.
pub type cos_write_fn = Option<unsafe extern "C" fn(userdata: *mut c_void, data: *const u8, len: usize) -> c_int>;

fn cancelled() -> io::Error {
    crate::Error::new(crate::ErrorKind::Cancelled, "cancelled: a body callback returned non-zero").into_io()
}

/// A `cos_read_fn` as a `Read`.
pub(super) struct CallbackReader {
    pub read: unsafe extern "C" fn(*mut c_void, *mut u8, usize, *mut usize) -> c_int,
    pub userdata: *mut c_void,
}

impl CallbackReader {
    /// The required callback `read` with its `userdata`.
    pub(super) fn new(read: cos_read_fn, userdata: *mut c_void) -> crate::Result<CallbackReader> {
        Ok(CallbackReader { read: read.ok_or_else(|| crate::Error::invalid("read is NULL"))?, userdata })
    }
}

impl Read for CallbackReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut written = 0usize;
        // SAFETY: the callback gets a valid buffer of `buf.len()` bytes and a valid `written` pointer.
        let rc = unsafe { (self.read)(self.userdata, buf.as_mut_ptr(), buf.len(), &mut written) };
        if rc != 0 {
            return Err(cancelled());
        }
        if written > buf.len() {
            return Err(io::Error::other(format!(
                "the read callback claimed {written} bytes of a {}-byte buffer",
                buf.len()
            )));
        }
        Ok(written)
    }
}

/// A `cos_write_fn` as a `Write`.
struct CallbackWriter {
    write: unsafe extern "C" fn(*mut c_void, *const u8, usize) -> c_int,
    userdata: *mut c_void,
}

impl Write for CallbackWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        // SAFETY: the callback gets a valid buffer of `buf.len()` bytes for the duration of the call.
        match unsafe { (self.write)(self.userdata, buf.as_ptr(), buf.len()) } {
            0 => Ok(buf.len()),
            _ => Err(cancelled()),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Stores the headers of a response in `out` as a new `cos_object_info`, if `out` is not NULL.
pub(super) fn set_info(out: *mut *mut cos_object_info, info: ObjectInfo) {
    set_out(out, cos_object_info::new(info))
}

/// Uploads `len` bytes as one object (PUT Object). `data` may be NULL when `len` is 0.
#[no_mangle]
pub extern "C" fn cos_client_put_object(
    client: *const cos_client,
    bucket: *const c_char,
    key: *const c_char,
    data: *const u8,
    len: usize,
    err: *mut *mut cos_error,
) -> cos_status {
    cos_client_put_object_ex(client, bucket, key, data, len, std::ptr::null(), std::ptr::null_mut(), err)
}

/// `cos_client_put_object` with options (NULL for defaults) and, if `info` is not NULL, the response headers
/// (ETag, CRC-64, version id) in a new `cos_object_info`.
#[no_mangle]
pub extern "C" fn cos_client_put_object_ex(
    client: *const cos_client,
    bucket: *const c_char,
    key: *const c_char,
    data: *const u8,
    len: usize,
    opts: *const cos_request_options,
    info: *mut *mut cos_object_info,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let (client, bucket, key) = object_args(client, bucket, key)?;
        let data = arg_bytes("data", data, len)?;
        set_info(info, client.put_object(bucket, key, data, &options_or_default(opts))?);
        Ok(())
    })
}

/// Uploads a local file as one object (up to 5 GiB). Retries resend the file. `opts` and `info` may be NULL.
#[no_mangle]
pub extern "C" fn cos_client_put_object_from_file(
    client: *const cos_client,
    bucket: *const c_char,
    key: *const c_char,
    path: *const c_char,
    opts: *const cos_request_options,
    info: *mut *mut cos_object_info,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let (client, bucket, key) = object_args(client, bucket, key)?;
        let path = Path::new(arg_str("path", path)?);
        set_info(info, client.put_object_from_file(bucket, key, path, &options_or_default(opts))?);
        Ok(())
    })
}

/// Uploads exactly `content_length` bytes produced by `read` as one object. A body from a callback cannot be
/// replayed, so this request is not retried. A callback that ends early fails the upload (`COS_IO_ERROR`);
/// more than 5 GiB is refused. `opts` and `info` may be NULL.
#[no_mangle]
pub extern "C" fn cos_client_put_object_from_reader(
    client: *const cos_client,
    bucket: *const c_char,
    key: *const c_char,
    read: cos_read_fn,
    userdata: *mut c_void,
    content_length: u64,
    opts: *const cos_request_options,
    info: *mut *mut cos_object_info,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let (client, bucket, key) = object_args(client, bucket, key)?;
        let mut reader = CallbackReader::new(read, userdata)?;
        if content_length > crate::MAX_PART_SIZE {
            return Err(crate::Error::invalid(format!(
                "content_length {content_length} exceeds the 5 GiB limit of one PUT; use cos_client_upload_from_reader"
            )));
        }
        let opts = options_or_default(opts);
        set_info(info, client.put_object_from_reader(bucket, key, &mut reader, content_length, &opts)?);
        Ok(())
    })
}

/// Downloads an object into memory; free `*out` with `cos_bytes_free`. The CRC-64 is checked.
#[no_mangle]
pub extern "C" fn cos_client_get_object(
    client: *const cos_client,
    bucket: *const c_char,
    key: *const c_char,
    out: *mut *mut cos_bytes,
    err: *mut *mut cos_error,
) -> cos_status {
    cos_client_get_object_ex(client, bucket, key, std::ptr::null(), out, std::ptr::null_mut(), err)
}

/// `cos_client_get_object` with options (range, conditions, version, response overrides; NULL for defaults)
/// and, if `info` is not NULL, the response headers.
#[no_mangle]
pub extern "C" fn cos_client_get_object_ex(
    client: *const cos_client,
    bucket: *const c_char,
    key: *const c_char,
    opts: *const cos_request_options,
    out: *mut *mut cos_bytes,
    info: *mut *mut cos_object_info,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let (client, bucket, key) = object_args(client, bucket, key)?;
        arg_out("out", out)?;
        let (data, object) = client.get_object(bucket, key, &options_or_default(opts))?;
        set_out(out, cos_bytes { data });
        set_info(info, object);
        Ok(())
    })
}

/// Downloads an object into the file at `path`. The data goes to a temporary file beside it, renamed over
/// `path` only when complete and its CRC-64 verified: `path` never holds a partial or corrupt object.
/// `opts` and `info` may be NULL.
#[no_mangle]
pub extern "C" fn cos_client_get_object_to_file(
    client: *const cos_client,
    bucket: *const c_char,
    key: *const c_char,
    path: *const c_char,
    opts: *const cos_request_options,
    info: *mut *mut cos_object_info,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let (client, bucket, key) = object_args(client, bucket, key)?;
        let path = Path::new(arg_str("path", path)?);
        set_info(info, client.get_object_to_file(bucket, key, path, &options_or_default(opts))?);
        Ok(())
    })
}

/// Streams an object to `write` as it arrives. The CRC-64 is checked after the last byte was delivered, so a
/// mismatch (`COS_CHECKSUM_MISMATCH`) means the delivered bytes must be discarded. `opts` and `info` may be
/// NULL.
#[no_mangle]
pub extern "C" fn cos_client_get_object_to_writer(
    client: *const cos_client,
    bucket: *const c_char,
    key: *const c_char,
    write: cos_write_fn,
    userdata: *mut c_void,
    opts: *const cos_request_options,
    info: *mut *mut cos_object_info,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let (client, bucket, key) = object_args(client, bucket, key)?;
        let write = write.ok_or_else(|| crate::Error::invalid("write is NULL"))?;
        let mut writer = CallbackWriter { write, userdata };
        set_info(info, client.get_object_to_writer(bucket, key, &mut writer, &options_or_default(opts))?);
        Ok(())
    })
}

/// HEAD Object: the object's headers in a new `cos_object_info`. A missing object fails with HTTP status
/// 404 and code "NoSuchResource" (a HEAD answer has no body to say whether the key or the bucket is missing).
#[no_mangle]
pub extern "C" fn cos_client_head_object(
    client: *const cos_client,
    bucket: *const c_char,
    key: *const c_char,
    opts: *const cos_request_options,
    info: *mut *mut cos_object_info,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let (client, bucket, key) = object_args(client, bucket, key)?;
        arg_out("info", info)?;
        set_info(info, client.head_object(bucket, key, &options_or_default(opts))?);
        Ok(())
    })
}

/// Stores in `*exists` whether the object exists (a 404 is `false`, not an error).
#[no_mangle]
pub extern "C" fn cos_client_object_exists(
    client: *const cos_client,
    bucket: *const c_char,
    key: *const c_char,
    exists: *mut bool,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let (client, bucket, key) = object_args(client, bucket, key)?;
        arg_out("exists", exists)?;
        store(exists, client.object_exists(bucket, key)?);
        Ok(())
    })
}

/// Deletes an object. Deleting a key that does not exist succeeds, as in COS.
#[no_mangle]
pub extern "C" fn cos_client_delete_object(
    client: *const cos_client,
    bucket: *const c_char,
    key: *const c_char,
    err: *mut *mut cos_error,
) -> cos_status {
    cos_client_delete_object_ex(client, bucket, key, std::ptr::null(), std::ptr::null_mut(), err)
}

/// `cos_client_delete_object` with options (e.g. a version id) and the response headers
/// (x-cos-version-id, x-cos-delete-marker) if `info` is not NULL.
#[no_mangle]
pub extern "C" fn cos_client_delete_object_ex(
    client: *const cos_client,
    bucket: *const c_char,
    key: *const c_char,
    opts: *const cos_request_options,
    info: *mut *mut cos_object_info,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let (client, bucket, key) = object_args(client, bucket, key)?;
        set_info(info, client.delete_object(bucket, key, &options_or_default(opts))?);
        Ok(())
    })
}

/// Server-side copy to `bucket`/`key` (the destination, first as in every call) of `src_bucket`/`src_key`
/// (the client's region; any other source: `cos_client_copy_object_ex`), up to 5 GiB. An x-cos-copy-source
/// header in the options is refused (the source is the arguments; it is never sent twice). Options may set
/// the metadata directive ("Replaced" with new metadata), storage class, ACL, encryption. A copy that COS
/// answers with 200 and an error body is a `COS_SERVICE_ERROR` with HTTP status 200. `info` (may be NULL)
/// receives the new object's ETag and CRC-64.
#[no_mangle]
pub extern "C" fn cos_client_copy_object(
    client: *const cos_client,
    bucket: *const c_char,
    key: *const c_char,
    src_bucket: *const c_char,
    src_key: *const c_char,
    opts: *const cos_request_options,
    info: *mut *mut cos_object_info,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let (client, bucket, key) = object_args(client, bucket, key)?;
        let (src_bucket, src_key) = source_args(src_bucket, src_key)?;
        let (_, object) = client.copy_object(src_bucket, src_key, bucket, key, &options_or_default(opts))?;
        set_info(info, object);
        Ok(())
    })
}

/// A presigned URL for METHOD ("GET", "PUT", ...) on bucket/key, signed for the window
/// [start_unix, start_unix + expires_s] with the host header signed; with a session token configured the
/// token is a signed query parameter of the URL. Free the URL with cos_string_free.
#[no_mangle]
pub extern "C" fn cos_client_presign_url(
    client: *const cos_client,
    method: *const c_char,
    bucket: *const c_char,
    key: *const c_char,
    start_unix: i64,
    expires_s: u32,
    url_out: *mut *mut c_char,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let (client, bucket, key) = object_args(client, bucket, key)?;
        let method = arg_str("method", method)?;
        arg_out("url_out", url_out)?;
        store_string(url_out, &client.presign_url(method, bucket, key, start_unix, expires_s, &[])?);
        Ok(())
    })
}

/// Frees a string returned by this library. NULL does nothing.
#[no_mangle]
pub extern "C" fn cos_string_free(s: *mut c_char) {
    guard((), || {
        if !s.is_null() {
            // SAFETY: the string came from `CString::into_raw` in this library and is freed once (documented).
            drop(unsafe { CString::from_raw(s) });
        }
    })
}

/// The bytes; NULL for NULL. Valid until `cos_bytes_free`.
#[no_mangle]
pub extern "C" fn cos_bytes_data(bytes: *const cos_bytes) -> *const u8 {
    read(bytes, std::ptr::null(), |b| b.data.as_ptr())
}

/// The number of bytes; 0 for NULL.
#[no_mangle]
pub extern "C" fn cos_bytes_len(bytes: *const cos_bytes) -> usize {
    read(bytes, 0, |b| b.data.len())
}

/// Frees bytes. NULL does nothing.
#[no_mangle]
pub extern "C" fn cos_bytes_free(bytes: *mut cos_bytes) {
    free_box(bytes)
}

/// The value of response header `name` (any case), or NULL when absent or for NULL arguments.
#[no_mangle]
pub extern "C" fn cos_object_info_header(i: *const cos_object_info, name: *const c_char) -> *const c_char {
    read(i, std::ptr::null(), |i| arg_str("name", name).map_or(std::ptr::null(), |n| i.value(i.info.headers.index(n))))
}

/// User metadata value `x-cos-meta-<name>` (`name` with or without the prefix, any case), or NULL.
#[no_mangle]
pub extern "C" fn cos_object_info_metadata(i: *const cos_object_info, name: *const c_char) -> *const c_char {
    read(i, std::ptr::null(), |i| arg_str("name", name).map_or(std::ptr::null(), |n| i.value(i.info.meta_index(n))))
}

/// Number of response headers; 0 for NULL.
#[no_mangle]
pub extern "C" fn cos_object_info_header_count(i: *const cos_object_info) -> usize {
    read(i, 0, |i| i.headers.len())
}

/// Name of header `index` as received, or NULL when out of range.
#[no_mangle]
pub extern "C" fn cos_object_info_header_name(i: *const cos_object_info, index: usize) -> *const c_char {
    read(i, std::ptr::null(), |i| field_at(&i.headers, index, |(k, _)| k))
}

/// Value of header `index`, or NULL when out of range.
#[no_mangle]
pub extern "C" fn cos_object_info_header_value(i: *const cos_object_info, index: usize) -> *const c_char {
    read(i, std::ptr::null(), |i| field_at(&i.headers, index, |(_, v)| v))
}

/// The ETag (with its quotes, as COS sends it), or NULL.
#[no_mangle]
pub extern "C" fn cos_object_info_etag(i: *const cos_object_info) -> *const c_char {
    read(i, std::ptr::null(), |i| i.value(i.info.headers.index("etag")))
}

/// Content-Length, or -1 when absent.
#[no_mangle]
pub extern "C" fn cos_object_info_content_length(i: *const cos_object_info) -> i64 {
    read(i, -1, |i| i.info.content_length().and_then(|n| i64::try_from(n).ok()).unwrap_or(-1))
}

/// Stores COS's CRC-64 of the object in `*crc64` and returns true, or returns false when COS sent none.
#[no_mangle]
pub extern "C" fn cos_object_info_crc64(i: *const cos_object_info, crc64: *mut u64) -> bool {
    read(i, false, |i| i.info.crc64().is_some_and(|value| store(crc64, value)))
}

/// Frees object info. NULL does nothing.
#[no_mangle]
pub extern "C" fn cos_object_info_free(i: *mut cos_object_info) {
    free_box(i)
}
