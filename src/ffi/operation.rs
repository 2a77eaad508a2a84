//! Non-blocking calls: `cos_client_start_*` (and the reader/writer `*_start_*`) queue a call on the
//! client's background pool and return a `cos_operation` at once. The operation gives what the blocking
//! call would have: its status and error (`cos_operation_status`) and its results (`cos_operation_take_*`).
//!
//! Every start function has the blocking call's arguments, then `callback`, `userdata` (both may be NULL)
//! and `out`, then `err`. Strings are copied at start; byte buffers (`data`, `buf`) are NOT copied and must
//! stay valid and untouched until the operation completes (its callback ran, `cos_operation_wait` returned
//! true, or its descriptor became readable). Failures found at start (a NULL or non-UTF-8 argument) are
//! reported by the start function itself, and then no operation is made.

use super::list::{cos_object_list, list_params};
use super::object::{cos_bytes, cos_object_info};
use super::options::{cos_request_options, options_or_default};
use super::transfer::{cos_object_reader, cos_object_writer, cos_transfer_options, transfer_options};
use super::{
    arg_bytes, arg_mut, arg_out, arg_str, bucket_args, call, cos_client, cos_error, cos_status, free_box, object_args,
    read, set_out, source_args, store,
};
use crate::background::{OpState, Operation};
use crate::error::{Error, Result};
use crate::{CancelToken, Client, ObjectInfo, ObjectList};
use std::ffi::{c_char, c_int, c_void};
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

/// Where an operation is. `COS_OP_NONE` is only for a NULL handle.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum cos_op_state {
    COS_OP_NONE = 0,
    /// Waiting for a worker of the client's pool.
    COS_OP_QUEUED = 1,
    /// Running on a worker (or its callback is running).
    COS_OP_RUNNING = 2,
    /// Completed: `cos_operation_status` gives its outcome, success or failure.
    COS_OP_DONE = 3,
    /// Cancelled before it ran, or stopped by a cancel while running (`COS_CANCELLED`).
    COS_OP_CANCELLED = 4,
}

impl From<OpState> for cos_op_state {
    fn from(s: OpState) -> cos_op_state {
        match s {
            OpState::Queued => cos_op_state::COS_OP_QUEUED,
            OpState::Running => cos_op_state::COS_OP_RUNNING,
            OpState::Done => cos_op_state::COS_OP_DONE,
            OpState::Cancelled => cos_op_state::COS_OP_CANCELLED,
        }
    }
}

/// Called exactly once when an operation completes, with its final state (`COS_OP_DONE` or
/// `COS_OP_CANCELLED`) and status (`COS_OK` or the failure; the error itself: `cos_operation_status`
/// after completion). It runs on a worker thread of the client's pool, or, for an operation cancelled
/// while still queued, on the thread that cancelled it (`cos_operation_cancel`, `cos_client_free`). It runs
/// before `cos_operation_wait` returns and before the descriptor becomes readable, so it must not wait for
/// its own operation, and it must not unwind, throw or longjmp.
pub type cos_operation_fn =
    Option<unsafe extern "C" fn(userdata: *mut c_void, state: cos_op_state, status: cos_status)>;

/// What an operation produced; each `cos_operation_take_*` moves one part out.
#[derive(Default)]
pub(super) struct Output {
    info: Option<ObjectInfo>,
    bytes: Option<Vec<u8>>,
    list: Option<ObjectList>,
    count: Option<usize>,
    reader: Option<cos_object_reader>,
}

/// A call running in the background. Any thread may poll, wait for or cancel it; take its results from one
/// thread at a time. It stays valid after its client is freed; free it with `cos_operation_free`.
pub struct cos_operation {
    op: Operation<Output>,
    /// The output once moved out of the operation by a first take.
    output: Mutex<Option<Output>>,
}

/// A pointer handed to a worker thread: the caller's userdata, buffer or handle, which the start function's
/// contract keeps valid until the operation completes.
struct Shared<T>(*mut T);
// SAFETY: only moved to the one worker running the operation; the caller promises not to use the pointee
// meanwhile (documented at each start function).
unsafe impl<T> Send for Shared<T> {}

impl<T> Shared<T> {
    fn get(&self) -> *mut T {
        self.0
    }
}

/// Queues `work` on `client`'s pool and stores the new operation in `out`.
fn start(
    client: &cos_client,
    callback: cos_operation_fn,
    userdata: *mut c_void,
    out: *mut *mut cos_operation,
    work: impl FnOnce(&Client, &CancelToken) -> Result<Output> + Send + 'static,
) -> Result<()> {
    arg_out("out", out)?;
    let userdata = Shared(userdata);
    let completion = callback.map(|f| -> crate::background::Completion {
        Box::new(move |state, error| {
            let status = error.map_or(cos_status::COS_OK, |e| cos_status::from(e.kind()));
            // SAFETY: the caller's callback with its own userdata, as documented.
            unsafe { f(userdata.get(), state.into(), status) }
        })
    });
    let handle = client.inner.clone();
    let op = client.background.submit(move |cancel| work(&handle, cancel), completion)?;
    set_out(out, cos_operation { op, output: Mutex::new(None) });
    Ok(())
}

/// Copies of the bucket and key, checked now as the call would check them, so that a bad name fails the
/// start function rather than the operation. The call gets them as given (it normalises the key itself).
fn names(c: &Client, bucket: &str, key: &str) -> Result<(String, String)> {
    c.object_name(bucket, key)?;
    Ok((bucket.to_string(), key.to_string()))
}

fn info(info: ObjectInfo) -> Output {
    Output { info: Some(info), ..Output::default() }
}

/// Starts `cos_client_put_object_ex`. `data` is not copied: it must stay valid until completion.
#[no_mangle]
pub extern "C" fn cos_client_start_put_object(
    client: *const cos_client,
    bucket: *const c_char,
    key: *const c_char,
    data: *const u8,
    len: usize,
    opts: *const cos_request_options,
    callback: cos_operation_fn,
    userdata: *mut c_void,
    out: *mut *mut cos_operation,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let (c, bucket, key) = object_args(client, bucket, key)?;
        let data = Shared(arg_bytes("data", data, len)?.as_ptr() as *mut u8);
        let ((bucket, key), opts) = (names(c, bucket, key)?, options_or_default(opts).into_owned());
        start(arg_client(client)?, callback, userdata, out, move |c, _| {
            // SAFETY: checked by arg_bytes at start; the caller keeps it valid until completion.
            let data = unsafe { std::slice::from_raw_parts(data.get(), len) };
            c.put_object(&bucket, &key, data, &opts).map(info)
        })
    })
}

fn arg_client<'a>(client: *const cos_client) -> Result<&'a cos_client> {
    super::arg_ref("client", client)
}

/// Starts `cos_client_get_object_ex`: take the data with `cos_operation_take_bytes` and the headers with
/// `cos_operation_take_info`.
#[no_mangle]
pub extern "C" fn cos_client_start_get_object(
    client: *const cos_client,
    bucket: *const c_char,
    key: *const c_char,
    opts: *const cos_request_options,
    callback: cos_operation_fn,
    userdata: *mut c_void,
    out: *mut *mut cos_operation,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let (c, bucket, key) = object_args(client, bucket, key)?;
        let ((bucket, key), opts) = (names(c, bucket, key)?, options_or_default(opts).into_owned());
        start(arg_client(client)?, callback, userdata, out, move |c, _| {
            let (data, object) = c.get_object(&bucket, &key, &opts)?;
            Ok(Output { bytes: Some(data), info: Some(object), ..Output::default() })
        })
    })
}

/// Starts `cos_client_head_object`: take the headers with `cos_operation_take_info`.
#[no_mangle]
pub extern "C" fn cos_client_start_head_object(
    client: *const cos_client,
    bucket: *const c_char,
    key: *const c_char,
    opts: *const cos_request_options,
    callback: cos_operation_fn,
    userdata: *mut c_void,
    out: *mut *mut cos_operation,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let (c, bucket, key) = object_args(client, bucket, key)?;
        let ((bucket, key), opts) = (names(c, bucket, key)?, options_or_default(opts).into_owned());
        start(arg_client(client)?, callback, userdata, out, move |c, _| c.head_object(&bucket, &key, &opts).map(info))
    })
}

/// Starts `cos_client_delete_object_ex`: the response headers go to `cos_operation_take_info`.
#[no_mangle]
pub extern "C" fn cos_client_start_delete_object(
    client: *const cos_client,
    bucket: *const c_char,
    key: *const c_char,
    opts: *const cos_request_options,
    callback: cos_operation_fn,
    userdata: *mut c_void,
    out: *mut *mut cos_operation,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let (c, bucket, key) = object_args(client, bucket, key)?;
        let ((bucket, key), opts) = (names(c, bucket, key)?, options_or_default(opts).into_owned());
        start(arg_client(client)?, callback, userdata, out, move |c, _| c.delete_object(&bucket, &key, &opts).map(info))
    })
}

/// Starts `cos_client_list_objects`: take the page with `cos_operation_take_list`.
#[no_mangle]
pub extern "C" fn cos_client_start_list_objects(
    client: *const cos_client,
    bucket: *const c_char,
    prefix: *const c_char,
    delimiter: *const c_char,
    marker: *const c_char,
    max_keys: u32,
    callback: cos_operation_fn,
    userdata: *mut c_void,
    out: *mut *mut cos_operation,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let (c, bucket) = bucket_args(client, bucket)?;
        c.bucket(bucket)?;
        let (bucket, params) = (bucket.to_string(), list_params(prefix, delimiter, marker, max_keys)?);
        start(arg_client(client)?, callback, userdata, out, move |c, _| {
            Ok(Output { list: Some(c.list_objects(&bucket, &params)?), ..Output::default() })
        })
    })
}

/// Starts `cos_client_copy_object` (one CopyObject): the headers go to `cos_operation_take_info`.
#[no_mangle]
pub extern "C" fn cos_client_start_copy_object(
    client: *const cos_client,
    bucket: *const c_char,
    key: *const c_char,
    src_bucket: *const c_char,
    src_key: *const c_char,
    opts: *const cos_request_options,
    callback: cos_operation_fn,
    userdata: *mut c_void,
    out: *mut *mut cos_operation,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let (c, bucket, key) = object_args(client, bucket, key)?;
        let (src_bucket, src_key) = source_args(src_bucket, src_key)?;
        let ((bucket, key), (src_bucket, src_key)) = (names(c, bucket, key)?, names(c, src_bucket, src_key)?);
        let names = [bucket, key, src_bucket, src_key];
        let opts = options_or_default(opts).into_owned();
        start(arg_client(client)?, callback, userdata, out, move |c, _| {
            let [bucket, key, src_bucket, src_key] = &names;
            c.copy_object(src_bucket, src_key, bucket, key, &opts).map(|(_, object)| info(object))
        })
    })
}

/// A transfer's options for a background run: the caller's (NULL: defaults) with the operation's cancel
/// token in place of any attached one, so that `cos_operation_cancel` stops it.
fn background_transfer(
    opts: *const cos_transfer_options,
) -> impl FnOnce(&CancelToken) -> crate::TransferOptions + Send {
    let opts = transfer_options(opts);
    move |cancel| crate::TransferOptions { cancel: Some(cancel.clone()), ..opts }
}

/// Starts `cos_client_upload_file` (without progress reports): `cos_operation_cancel` stops it promptly,
/// keeping its checkpoint; a cancel token attached to `opts` is not used (the operation has its own).
#[no_mangle]
pub extern "C" fn cos_client_start_upload_file(
    client: *const cos_client,
    bucket: *const c_char,
    key: *const c_char,
    path: *const c_char,
    opts: *const cos_transfer_options,
    callback: cos_operation_fn,
    userdata: *mut c_void,
    out: *mut *mut cos_operation,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let (c, bucket, key) = object_args(client, bucket, key)?;
        let ((bucket, key), path) = (names(c, bucket, key)?, PathBuf::from(arg_str("path", path)?));
        let opts = background_transfer(opts);
        start(arg_client(client)?, callback, userdata, out, move |c, cancel| {
            c.upload_file(&bucket, &key, &path, &opts(cancel), None).map(info)
        })
    })
}

/// Starts `cos_client_download_file` (without progress reports); cancelling works as for
/// `cos_client_start_upload_file`.
#[no_mangle]
pub extern "C" fn cos_client_start_download_file(
    client: *const cos_client,
    bucket: *const c_char,
    key: *const c_char,
    path: *const c_char,
    opts: *const cos_transfer_options,
    callback: cos_operation_fn,
    userdata: *mut c_void,
    out: *mut *mut cos_operation,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let (c, bucket, key) = object_args(client, bucket, key)?;
        let ((bucket, key), path) = (names(c, bucket, key)?, PathBuf::from(arg_str("path", path)?));
        let opts = background_transfer(opts);
        start(arg_client(client)?, callback, userdata, out, move |c, cancel| {
            c.download_file(&bucket, &key, &path, &opts(cancel), None).map(info)
        })
    })
}

/// Starts `cos_object_reader_open`: take the reader with `cos_operation_take_reader`.
#[no_mangle]
pub extern "C" fn cos_client_start_open_reader(
    client: *const cos_client,
    bucket: *const c_char,
    key: *const c_char,
    opts: *const cos_request_options,
    callback: cos_operation_fn,
    userdata: *mut c_void,
    out: *mut *mut cos_operation,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let (c, bucket, key) = object_args(client, bucket, key)?;
        let ((bucket, key), opts) = (names(c, bucket, key)?, options_or_default(opts).into_owned());
        start(arg_client(client)?, callback, userdata, out, move |c, _| {
            Ok(Output { reader: Some(cos_object_reader::open(c, &bucket, &key, &opts)?), ..Output::default() })
        })
    })
}

/// Starts `cos_object_reader_read` on `client`'s pool: the count goes to `cos_operation_read_count`. Neither
/// `reader` nor `buf` may be used or freed until the operation completes; one read at a time per reader.
#[no_mangle]
pub extern "C" fn cos_object_reader_start_read(
    client: *const cos_client,
    reader: *mut cos_object_reader,
    buf: *mut u8,
    cap: usize,
    callback: cos_operation_fn,
    userdata: *mut c_void,
    out: *mut *mut cos_operation,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let client = arg_client(client)?;
        let reader = Shared(arg_mut("reader", reader)? as *mut cos_object_reader);
        if cap == 0 {
            return Err(Error::invalid("cap is 0"));
        }
        let buf = Shared(arg_bytes("buf", buf, cap)?.as_ptr() as *mut u8);
        start(client, callback, userdata, out, move |_, _| {
            // SAFETY: both checked at start; the caller leaves them alone until completion (documented).
            let (reader, buf) = unsafe { (&mut *reader.get(), std::slice::from_raw_parts_mut(buf.get(), cap)) };
            Ok(Output { count: Some(reader.inner.read(buf)?), ..Output::default() })
        })
    })
}

/// Starts `cos_object_writer_write` on `client`'s pool. Neither `writer` nor `data` may be used or freed
/// until the operation completes; one write (or finish) at a time per writer.
#[no_mangle]
pub extern "C" fn cos_object_writer_start_write(
    client: *const cos_client,
    writer: *mut cos_object_writer,
    data: *const u8,
    len: usize,
    callback: cos_operation_fn,
    userdata: *mut c_void,
    out: *mut *mut cos_operation,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let client = arg_client(client)?;
        let writer = Shared(arg_mut("writer", writer)? as *mut cos_object_writer);
        let data = Shared(arg_bytes("data", data, len)?.as_ptr() as *mut u8);
        start(client, callback, userdata, out, move |_, _| {
            // SAFETY: as in cos_object_reader_start_read.
            let (writer, data) = unsafe { (&mut *writer.get(), std::slice::from_raw_parts(data.get(), len)) };
            writer.inner.write(data).map(|()| Output::default())
        })
    })
}

/// Starts `cos_object_writer_finish` on `client`'s pool: the headers go to `cos_operation_take_info`. The
/// writer may not be used until the operation completes.
#[no_mangle]
pub extern "C" fn cos_object_writer_start_finish(
    client: *const cos_client,
    writer: *mut cos_object_writer,
    callback: cos_operation_fn,
    userdata: *mut c_void,
    out: *mut *mut cos_operation,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let client = arg_client(client)?;
        let writer = Shared(arg_mut("writer", writer)? as *mut cos_object_writer);
        start(client, callback, userdata, out, move |_, _| {
            // SAFETY: as in cos_object_reader_start_read.
            unsafe { &mut *writer.get() }.inner.finish().map(info)
        })
    })
}

/// The operation's state; `COS_OP_NONE` for NULL. Never blocks.
#[no_mangle]
pub extern "C" fn cos_operation_poll(op: *const cos_operation) -> cos_op_state {
    read(op, cos_op_state::COS_OP_NONE, |o| o.op.state().into())
}

/// Waits until the operation completes (its callback returned) or `timeout_ms` passes (negative: no
/// limit; 0: just look). True when it completed; false on timeout and for NULL.
#[no_mangle]
pub extern "C" fn cos_operation_wait(op: *const cos_operation, timeout_ms: i64) -> bool {
    read(op, false, |o| o.op.wait((timeout_ms >= 0).then(|| Duration::from_millis(timeout_ms as u64))))
}

/// Cancels the operation: a queued one never runs and completes at once as `COS_OP_CANCELLED` (its
/// callback runs on this thread, before this returns); a running transfer (upload/download file) stops
/// promptly; another running call stops its upload mid-body or ends after its current request (bounded by
/// the client's timeouts), and completes as `COS_OP_DONE` if it succeeded anyway. A completed one is left
/// as it is. Any thread; NULL does nothing.
#[no_mangle]
pub extern "C" fn cos_operation_cancel(op: *const cos_operation) {
    read(op, (), |o| o.op.cancel())
}

/// A file descriptor that becomes readable when the operation completes and stays readable: add it to
/// epoll/poll/select, libuv (uv_poll) or Go's poller for reading. Owned by the operation: never read,
/// write or close it; valid until `cos_operation_free`. -1 for NULL.
#[no_mangle]
pub extern "C" fn cos_operation_fd(op: *const cos_operation) -> c_int {
    read(op, -1, |o| o.op.fd())
}

/// The outcome of a completed operation, as the blocking call would have returned it: `COS_OK`, or its
/// status with the error in `*err`. `COS_INVALID_ARGUMENT` ("has not finished") while it is not complete.
#[no_mangle]
pub extern "C" fn cos_operation_status(op: *const cos_operation, err: *mut *mut cos_error) -> cos_status {
    call(err, || super::arg_ref("op", op)?.op.outcome())
}

impl cos_operation {
    /// The output, moved out of the operation on first use; fails as the operation did, or when it is not
    /// finished.
    fn output(&self) -> Result<MutexGuard<'_, Option<Output>>> {
        let mut output = self.output.lock().unwrap_or_else(|p| p.into_inner());
        if output.is_none() {
            *output = Some(self.op.take()?);
        }
        Ok(output)
    }
}

/// One part of a completed operation's output, moved out by `pick` into `out`.
fn take<T>(
    op: *const cos_operation,
    what: &str,
    out: *mut *mut T,
    pick: impl FnOnce(&mut Output) -> Option<T>,
) -> Result<()> {
    arg_out("out", out)?;
    let op = super::arg_ref("op", op)?;
    let mut output = op.output()?;
    let value = output.as_mut().and_then(pick).ok_or_else(|| {
        Error::invalid(format!("the operation has no {what} (it gives none, or it was taken already)"))
    })?;
    set_out(out, value);
    Ok(())
}

/// Moves the response headers of a completed operation to `*out` (free with `cos_object_info_free`). Fails
/// as the operation did; `COS_INVALID_ARGUMENT` while it runs, for an operation without headers, or when
/// taken already. The other `cos_operation_take_*` work the same way.
#[no_mangle]
pub extern "C" fn cos_operation_take_info(
    op: *const cos_operation,
    out: *mut *mut cos_object_info,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || take(op, "headers", out, |o| o.info.take().map(cos_object_info::new)))
}

/// Moves the data of a completed `cos_client_start_get_object` to `*out` (free with `cos_bytes_free`).
#[no_mangle]
pub extern "C" fn cos_operation_take_bytes(
    op: *const cos_operation,
    out: *mut *mut cos_bytes,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || take(op, "data", out, |o| o.bytes.take().map(|data| cos_bytes { data })))
}

/// Moves the page of a completed `cos_client_start_list_objects` to `*out` (free with `cos_object_list_free`).
#[no_mangle]
pub extern "C" fn cos_operation_take_list(
    op: *const cos_operation,
    out: *mut *mut cos_object_list,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || take(op, "listing", out, |o| o.list.take().map(cos_object_list::new)))
}

/// Moves the reader of a completed `cos_client_start_open_reader` to `*out` (free with
/// `cos_object_reader_free`).
#[no_mangle]
pub extern "C" fn cos_operation_take_reader(
    op: *const cos_operation,
    out: *mut *mut cos_object_reader,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || take(op, "reader", out, |o| o.reader.take()))
}

/// The byte count of a completed `cos_object_reader_start_read` (0: the whole object was read and
/// verified), as `cos_object_reader_read` gives it. May be read more than once.
#[no_mangle]
pub extern "C" fn cos_operation_read_count(
    op: *const cos_operation,
    n: *mut usize,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        arg_out("n", n)?;
        let op = super::arg_ref("op", op)?;
        let output = op.output()?;
        let count = output.as_ref().and_then(|o| o.count);
        store(n, count.ok_or_else(|| Error::invalid("the operation has no byte count (it is not a read)"))?);
        Ok(())
    })
}

/// Frees an operation handle. A running operation is not stopped by this (call `cos_operation_cancel`
/// first) and keeps using the buffers it was given until it completes: free the handle any time, but keep
/// those buffers until then. NULL does nothing.
#[no_mangle]
pub extern "C" fn cos_operation_free(op: *mut cos_operation) {
    free_box(op)
}
