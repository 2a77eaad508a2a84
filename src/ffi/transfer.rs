//! High-level transfers: `cos_transfer_options`, `cos_cancel_token`, upload/download/copy, and the
//! pull/push handles `cos_object_reader` / `cos_object_writer`.

use super::object::{cos_object_info, cos_read_fn, set_info, CallbackReader};
use super::options::cos_request_options;
use super::{
    arg_bytes, arg_mut, arg_opt_str, arg_out, arg_ref, arg_str, boxed, bucket_args, call, cos_client, cos_error,
    cos_status, free_box, guard, object_args, read, set_out, source_args, store, update,
};
use crate::transfer::Progress;
use crate::{CancelToken, ObjectInfo, ObjectReader, ObjectWriter, TransferOptions};
use std::ffi::{c_char, c_int, c_void};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Reports progress: `done` of `total` bytes (`total` is 0 while a stream's length is unknown). Called on
/// the calling thread at most every 64 KiB or 100 ms, plus a final call; `done` never decreases. Return 0
/// to continue, non-zero to cancel (`COS_CANCELLED`). It must not unwind, throw or longjmp.
pub type cos_progress_fn = Option<unsafe extern "C" fn(userdata: *mut c_void, done: u64, total: u64) -> c_int>;

/// A flag that cancels the transfers it is attached to (see `cos_transfer_options_set_cancel_token`). Any
/// thread may call `cos_cancel_token_cancel` at any time; free it only after those transfers returned.
pub struct cos_cancel_token {
    token: CancelToken,
}

/// How to run a transfer: part size, parallelism, request options, checkpoint, cancel token. Copied by each
/// call that uses it; one thread at a time may change it.
pub struct cos_transfer_options {
    pub(super) inner: TransferOptions,
}

/// A new cancel token. Never NULL.
#[no_mangle]
pub extern "C" fn cos_cancel_token_new() -> *mut cos_cancel_token {
    guard(std::ptr::null_mut(), || boxed(cos_cancel_token { token: CancelToken::new() }))
}

/// Cancels every transfer using the token: each stops promptly, keeps its checkpoint and returns
/// `COS_CANCELLED`. Safe from any thread. NULL does nothing.
#[no_mangle]
pub extern "C" fn cos_cancel_token_cancel(token: *const cos_cancel_token) {
    read(token, (), |t| t.token.cancel())
}

/// Whether the token was cancelled; false for NULL.
#[no_mangle]
pub extern "C" fn cos_cancel_token_is_cancelled(token: *const cos_cancel_token) -> bool {
    read(token, false, |t| t.token.is_cancelled())
}

/// Frees a token. NULL does nothing.
#[no_mangle]
pub extern "C" fn cos_cancel_token_free(token: *mut cos_cancel_token) {
    free_box(token)
}

/// New transfer options: part size chosen automatically (8 MiB, more for huge objects), 4 parts in flight,
/// a checkpoint beside the local file, CRC-64 checked. Never NULL.
#[no_mangle]
pub extern "C" fn cos_transfer_options_new() -> *mut cos_transfer_options {
    guard(std::ptr::null_mut(), || boxed(cos_transfer_options { inner: TransferOptions::default() }))
}

/// Frees transfer options. NULL does nothing.
#[no_mangle]
pub extern "C" fn cos_transfer_options_free(opts: *mut cos_transfer_options) {
    free_box(opts)
}

/// Part size in bytes (at least 1 MiB; 0 = automatic). Raised automatically when an object would need more
/// than 10000 parts.
#[no_mangle]
pub extern "C" fn cos_transfer_options_set_part_size(
    opts: *mut cos_transfer_options,
    part_size: u64,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "opts", opts, |o| o.inner.set_part_size(part_size).map(drop))
}

/// Parts in flight at once (1..=64, `MAX_CONCURRENCY` in the Rust core), each on its own thread sharing the client's connection pool.
#[no_mangle]
pub extern "C" fn cos_transfer_options_set_concurrency(
    opts: *mut cos_transfer_options,
    concurrency: u32,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "opts", opts, |o| o.inner.set_concurrency(concurrency as usize).map(drop))
}

/// Request options for the object (content type, metadata, storage class, encryption, CRC switch); copied.
#[no_mangle]
pub extern "C" fn cos_transfer_options_set_request_options(
    opts: *mut cos_transfer_options,
    request: *const cos_request_options,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "opts", opts, |o| {
        o.inner.request = arg_ref("request", request)?.inner.clone();
        Ok(())
    })
}

/// Where to keep the resume checkpoint. NULL restores the default, beside the local file:
/// `<file>.cos-checkpoint` for downloads, `<file>.<16 hex digits>.cos-checkpoint` for uploads. Independent of
/// `cos_transfer_options_set_resumable`: the two may be set in either order.
#[no_mangle]
pub extern "C" fn cos_transfer_options_set_checkpoint_path(
    opts: *mut cos_transfer_options,
    path: *const c_char,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "opts", opts, |o| {
        o.inner.checkpoint_path = arg_opt_str("path", path)?.map(PathBuf::from);
        Ok(())
    })
}

/// Turns resuming off (`false`) or on (`true`, the default): without a checkpoint an interrupted transfer
/// starts over. The checkpoint path (`cos_transfer_options_set_checkpoint_path`) is kept either way, so the
/// order of the two setters does not matter.
#[no_mangle]
pub extern "C" fn cos_transfer_options_set_resumable(
    opts: *mut cos_transfer_options,
    on: bool,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "opts", opts, |o| {
        o.inner.resumable = on;
        Ok(())
    })
}

/// Copies of objects at least this large use parallel part-copies (default 5 GiB).
#[no_mangle]
pub extern "C" fn cos_transfer_options_set_copy_threshold(
    opts: *mut cos_transfer_options,
    bytes: u64,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "opts", opts, |o| {
        o.inner.copy_threshold = bytes;
        Ok(())
    })
}

/// Bounds each part of a transfer in milliseconds: the part's first request to its last byte, every
/// attempt, backoff wait and resume included (0 = no bound of its own, the default). A part that runs out
/// fails the transfer with `COS_TIMEOUT` naming the part timeout; a resumable transfer keeps its checkpoint.
/// The other bound is the client's operation timeout (`cos_client_config_set_operation_timeout`,
/// `COS_OPERATION_TIMEOUT_MS`): one deadline for the whole call, from its first request (the HEAD of a
/// download, the initiation of an upload) to its last (the completion), which every part shares; whichever
/// comes first ends a part.
#[no_mangle]
pub extern "C" fn cos_transfer_options_set_part_timeout_ms(
    opts: *mut cos_transfer_options,
    ms: u64,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "opts", opts, |o| {
        o.inner.part_timeout = (ms > 0).then(|| Duration::from_millis(ms));
        Ok(())
    })
}

/// Attaches a cancel token (NULL detaches). The options keep a reference; the token may be freed after the
/// options and every transfer that used them are done.
#[no_mangle]
pub extern "C" fn cos_transfer_options_set_cancel_token(
    opts: *mut cos_transfer_options,
    token: *const cos_cancel_token,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "opts", opts, |o| {
        // SAFETY: NULL or a live token.
        o.inner.cancel = unsafe { token.as_ref() }.map(|t| t.token.clone());
        Ok(())
    })
}

pub(super) fn transfer_options(opts: *const cos_transfer_options) -> TransferOptions {
    // SAFETY: NULL or live options.
    unsafe { opts.as_ref() }.map(|o| o.inner.clone()).unwrap_or_default()
}

/// Runs a transfer with the options `opts` (NULL for defaults) and the C progress callback as a Rust
/// closure, then stores the object's headers in `info` (if not NULL).
pub(super) fn transfer(
    opts: *const cos_transfer_options,
    progress: cos_progress_fn,
    userdata: *mut c_void,
    info: *mut *mut cos_object_info,
    run: impl FnOnce(&TransferOptions, Option<Progress<'_>>) -> crate::Result<ObjectInfo>,
) -> crate::Result<()> {
    let opts = transfer_options(opts);
    let object = match progress {
        None => run(&opts, None)?,
        Some(f) => {
            // SAFETY: the caller's callback, given its own userdata, on this thread.
            let mut report = |done: u64, total: u64| unsafe { f(userdata, done, total) } == 0;
            run(&opts, Some(&mut report))?
        }
    };
    set_info(info, object);
    Ok(())
}

/// Uploads a local file: one PUT up to one part, else a parallel multipart upload that resumes from its
/// checkpoint when rerun after a failure, crash or cancel (if the file is unchanged). Parts are streamed from
/// the file, so memory stays at a few MiB whatever the part size. Every part's CRC-64 and the whole object's
/// are checked. A failure names the part and carries that part's request id. `opts`, `progress` and `info`
/// may be NULL.
#[no_mangle]
pub extern "C" fn cos_client_upload_file(
    client: *const cos_client,
    bucket: *const c_char,
    key: *const c_char,
    path: *const c_char,
    opts: *const cos_transfer_options,
    progress: cos_progress_fn,
    userdata: *mut c_void,
    info: *mut *mut cos_object_info,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let (client, bucket, key) = object_args(client, bucket, key)?;
        let path = Path::new(arg_str("path", path)?);
        transfer(opts, progress, userdata, info, |o, p| client.upload_file(bucket, key, path, o, p))
    })
}

/// Downloads an object to a local file with parallel ranged GETs into `<path>.cos-partial`, renamed onto
/// `path` only when complete and its CRC-64 verified: `path` never holds a partial or corrupt file. Resumes
/// from its checkpoint when rerun, if the object is unchanged. `opts`, `progress` and `info` may be NULL.
#[no_mangle]
pub extern "C" fn cos_client_download_file(
    client: *const cos_client,
    bucket: *const c_char,
    key: *const c_char,
    path: *const c_char,
    opts: *const cos_transfer_options,
    progress: cos_progress_fn,
    userdata: *mut c_void,
    info: *mut *mut cos_object_info,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let (client, bucket, key) = object_args(client, bucket, key)?;
        let path = Path::new(arg_str("path", path)?);
        transfer(opts, progress, userdata, info, |o, p| client.download_file(bucket, key, path, o, p))
    })
}

/// Server-side copy of any size to `bucket`/`key` (the destination, first as in every call) of
/// `src_bucket`/`src_key` (the client's region; any other source: `cos_client_copy_ex`): one CopyObject
/// below the copy threshold (5 GiB), else parallel part-copies (aborted on failure). `opts`, `progress` and `info` may be NULL.
#[no_mangle]
pub extern "C" fn cos_client_copy(
    client: *const cos_client,
    bucket: *const c_char,
    key: *const c_char,
    src_bucket: *const c_char,
    src_key: *const c_char,
    opts: *const cos_transfer_options,
    progress: cos_progress_fn,
    userdata: *mut c_void,
    info: *mut *mut cos_object_info,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let (client, bucket, key) = object_args(client, bucket, key)?;
        let (src_bucket, src_key) = source_args(src_bucket, src_key)?;
        transfer(opts, progress, userdata, info, |o, p| client.copy(src_bucket, src_key, bucket, key, o, p))
    })
}

/// Uploads everything `read` produces, length unknown: one PUT if it fits in a part, else parallel parts
/// (memory near (concurrency + 1) × part size; aborted on failure, no checkpoint). Each callback gets its
/// own userdata, as everywhere: `read_userdata` goes to `read`, `progress_userdata` to `progress` (which
/// may be NULL, as may `opts` and `info`).
#[no_mangle]
pub extern "C" fn cos_client_upload_from_reader(
    client: *const cos_client,
    bucket: *const c_char,
    key: *const c_char,
    read: cos_read_fn,
    read_userdata: *mut c_void,
    opts: *const cos_transfer_options,
    progress: cos_progress_fn,
    progress_userdata: *mut c_void,
    info: *mut *mut cos_object_info,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let (client, bucket, key) = object_args(client, bucket, key)?;
        let mut reader = CallbackReader::new(read, read_userdata)?;
        transfer(opts, progress, progress_userdata, info, |o, p| {
            client.upload_from_reader(bucket, key, &mut reader, o, p)
        })
    })
}

/// A pull-style download (what Go's io.Reader maps onto). One thread at a time.
pub struct cos_object_reader {
    pub(super) inner: ObjectReader,
    info: cos_object_info,
}

impl cos_object_reader {
    /// Sends the GET (shared by `cos_object_reader_open` and its non-blocking form).
    pub(super) fn open(
        client: &crate::Client,
        bucket: &str,
        key: &str,
        opts: &crate::RequestOptions,
    ) -> crate::Result<cos_object_reader> {
        let inner = ObjectReader::open(client, bucket, key, opts)?;
        let info = cos_object_info::new(inner.info().clone());
        Ok(cos_object_reader { inner, info })
    }
}

/// Starts downloading an object (sends the GET). `opts` may be NULL.
#[no_mangle]
pub extern "C" fn cos_object_reader_open(
    client: *const cos_client,
    bucket: *const c_char,
    key: *const c_char,
    opts: *const cos_request_options,
    out: *mut *mut cos_object_reader,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let (client, bucket, key) = object_args(client, bucket, key)?;
        arg_out("out", out)?;
        set_out(out, cos_object_reader::open(client, bucket, key, &super::options::options_or_default(opts))?);
        Ok(())
    })
}

/// Reads up to `cap` bytes into `buf` and stores the count in `*n`. `*n == 0` means the whole object was
/// read and its CRC-64 verified. A broken connection is resumed from the current offset.
#[no_mangle]
pub extern "C" fn cos_object_reader_read(
    reader: *mut cos_object_reader,
    buf: *mut u8,
    cap: usize,
    n: *mut usize,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let reader = arg_mut("reader", reader)?;
        arg_out("n", n)?;
        if cap == 0 {
            // A zero count means "end of object", so an empty buffer cannot be allowed to produce one.
            return Err(crate::Error::invalid("cap is 0"));
        }
        arg_bytes("buf", buf, cap)?;
        // SAFETY: checked non-NULL with `cap` bytes (arg_bytes), writable per the contract.
        let slice = unsafe { std::slice::from_raw_parts_mut(buf, cap) };
        let read = reader.inner.read(slice)?;
        store(n, read);
        Ok(())
    })
}

/// The object's headers from the GET; valid until the reader is freed. NULL for NULL.
#[no_mangle]
pub extern "C" fn cos_object_reader_info(reader: *const cos_object_reader) -> *const cos_object_info {
    read(reader, std::ptr::null(), |r| &r.info as *const cos_object_info)
}

/// Frees a reader, closing its connection. NULL does nothing.
#[no_mangle]
pub extern "C" fn cos_object_reader_free(reader: *mut cos_object_reader) {
    free_box(reader)
}

/// A push-style upload (what Go's io.Writer maps onto). One thread at a time.
pub struct cos_object_writer {
    pub(super) inner: ObjectWriter,
}

/// Prepares an upload to `bucket`/`key`; nothing is sent until a part fills or `cos_object_writer_finish`.
/// `opts` (may be NULL) gives the part size and request options.
#[no_mangle]
pub extern "C" fn cos_object_writer_open(
    client: *const cos_client,
    bucket: *const c_char,
    key: *const c_char,
    opts: *const cos_transfer_options,
    out: *mut *mut cos_object_writer,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let (client, bucket, key) = object_args(client, bucket, key)?;
        arg_out("out", out)?;
        set_out(out, cos_object_writer { inner: ObjectWriter::new(client, bucket, key, &transfer_options(opts))? });
        Ok(())
    })
}

/// Appends `len` bytes; full parts are uploaded as they fill.
#[no_mangle]
pub extern "C" fn cos_object_writer_write(
    writer: *mut cos_object_writer,
    data: *const u8,
    len: usize,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || arg_mut("writer", writer)?.inner.write(arg_bytes("data", data, len)?))
}

/// Uploads what is left and completes the object. `info` may be NULL.
#[no_mangle]
pub extern "C" fn cos_object_writer_finish(
    writer: *mut cos_object_writer,
    info: *mut *mut cos_object_info,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let object = arg_mut("writer", writer)?.inner.finish()?;
        set_info(info, object);
        Ok(())
    })
}

/// Abandons the upload: a multipart upload already started is aborted (AbortMultipartUpload, retried like
/// any request), so COS frees its parts; nothing was sent yet for an object smaller than a part. The writer
/// is done either way: a later `cos_object_writer_write` or `cos_object_writer_finish` fails with
/// `COS_INVALID_ARGUMENT` ("the writer was aborted"), and it must still be freed with `cos_object_writer_free`. A failure (the abort
/// request failed; the upload may remain, see `cos_client_list_multipart_uploads`) is reported here.
/// Aborting a finished or already aborted writer does nothing and succeeds.
#[no_mangle]
pub extern "C" fn cos_object_writer_abort(writer: *mut cos_object_writer, err: *mut *mut cos_error) -> cos_status {
    update(err, "writer", writer, |w| w.inner.try_abort())
}

/// Frees a writer. NULL does nothing. A writer neither finished nor aborted is aborted best-effort first,
/// with any failure ignored: when a multipart upload was started, this sends AbortMultipartUpload and
/// blocks until it is done: with the client's retries up to (max retries + 1) x (connect timeout + read
/// timeout) plus the backoff waits between attempts (under 3 minutes with the defaults: 4 attempts of
/// 10 s + 30 s, waits under 5 s), and never longer than the client's operation timeout when one is set. Call
/// `cos_object_writer_abort` first to choose when that wait happens and to see whether it failed.
#[no_mangle]
pub extern "C" fn cos_object_writer_free(writer: *mut cos_object_writer) {
    free_box(writer)
}

/// Downloads every object whose key starts with `prefix` (may be NULL) into directory `dir`, at
/// `dir/<key without prefix>`, creating subdirectories; each file is verified and renamed into place when
/// complete. A key that would land outside `dir` (e.g. containing `../`) fails the call before anything is
/// written. `*count` (may be NULL) receives the number of files written. `opts` may be NULL.
#[no_mangle]
pub extern "C" fn cos_client_download_prefix(
    client: *const cos_client,
    bucket: *const c_char,
    prefix: *const c_char,
    dir: *const c_char,
    opts: *const cos_transfer_options,
    count: *mut usize,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let (client, bucket) = bucket_args(client, bucket)?;
        let prefix = arg_opt_str("prefix", prefix)?.unwrap_or_default();
        let dir = arg_str("dir", dir)?;
        let written = client.download_prefix(bucket, prefix, Path::new(dir), &transfer_options(opts))?;
        store(count, written);
        Ok(())
    })
}
