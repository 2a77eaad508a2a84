//! AppendObject (`cos_client_append_object`) and `cos_appender`.

use super::object::{cos_object_info, set_info};
use super::options::{cos_request_options, options_or_default};
use super::{
    arg_bytes, arg_out, call, cos_client, cos_error, cos_status, free_box, object_args, read, set_out, store, update,
};
use crate::Appender;
use std::ffi::c_char;

/// Appends `len` bytes to the appendable object `bucket`/`key` at `position` (AppendObject); with `position`
/// 0 and no object there, creates it with the metadata in `opts` (may be NULL). `*next_position` (may be
/// NULL) receives where the next append goes (the object's new length); `*info` (may be NULL) the response
/// headers, whose CRC-64 is that of the whole object (so it is checked against the bytes sent only at
/// position 0; `cos_appender` checks every append). A position other than the object's length is a
/// `COS_SERVICE_ERROR` with HTTP status 409 and code "AppendPositionErr"; an object not created by appends
/// gives 409 "ObjectNotAppendable". `data` may be NULL when `len` is 0.
#[no_mangle]
pub extern "C" fn cos_client_append_object(
    client: *const cos_client,
    bucket: *const c_char,
    key: *const c_char,
    position: u64,
    data: *const u8,
    len: usize,
    opts: *const cos_request_options,
    next_position: *mut u64,
    info: *mut *mut cos_object_info,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let (client, bucket, key) = object_args(client, bucket, key)?;
        let data = arg_bytes("data", data, len)?;
        let (next, object) = client.append_object(bucket, key, position, data, &options_or_default(opts))?;
        store(next_position, next);
        set_info(info, object);
        Ok(())
    })
}

/// Appends to one appendable object, keeping its length and CRC-64 between appends so that the CRC-64 COS
/// reports for the whole object is checked after every append. It shares the client's connection pool and
/// stays valid even if the client is freed first. One thread at a time.
pub struct cos_appender {
    inner: Appender,
}

/// Makes an appender for `bucket`/`key`. With `resume` false it starts at position 0: the first append
/// creates the object with the metadata in `opts` (may be NULL), and nothing is sent here. With `resume` true
/// a HEAD gives the length and CRC-64 of the existing appendable object to continue from; it fails if the
/// object is not appendable, or (with CRC verification on) if COS reports no CRC-64 for it.
#[no_mangle]
pub extern "C" fn cos_appender_new(
    client: *const cos_client,
    bucket: *const c_char,
    key: *const c_char,
    opts: *const cos_request_options,
    resume: bool,
    out: *mut *mut cos_appender,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let (client, bucket, key) = object_args(client, bucket, key)?;
        arg_out("out", out)?;
        let opts = options_or_default(opts);
        let inner = if resume {
            Appender::resume(client, bucket, key, &opts)?
        } else {
            Appender::new(client, bucket, key, &opts)?
        };
        set_out(out, cos_appender { inner });
        Ok(())
    })
}

/// Appends `len` bytes at the appender's position (`data` may be NULL when `len` is 0). A CRC-64 from COS
/// other than the expected one is `COS_CHECKSUM_MISMATCH`; after any failure the position stays where it was.
#[no_mangle]
pub extern "C" fn cos_appender_append(
    appender: *mut cos_appender,
    data: *const u8,
    len: usize,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "appender", appender, |a| a.inner.append(arg_bytes("data", data, len)?).map(drop))
}

/// Where the next append goes: the object's length as far as the appender knows. 0 for NULL.
#[no_mangle]
pub extern "C" fn cos_appender_position(appender: *const cos_appender) -> u64 {
    read(appender, 0, |a| a.inner.position())
}

/// Frees an appender. NULL does nothing.
#[no_mangle]
pub extern "C" fn cos_appender_free(appender: *mut cos_appender) {
    free_box(appender)
}
