//! Symbolic links: `cos_client_put_symlink` / `cos_client_get_symlink`.

use super::object::{cos_object_info, set_info};
use super::options::{cos_request_options, options_or_default};
use super::{arg_out, arg_str, call, cos_client, cos_error, cos_status, object_args, store_string};
use std::ffi::c_char;

/// Makes `bucket`/`key` a symbolic link to `target`, another key of the bucket (COS does not check that it
/// exists). The target is sent as the raw x-cos-symlink-target header, so it must be printable ASCII (else
/// COS_INVALID_ARGUMENT). `opts` (may be NULL) may carry the link's metadata, ACL and storage class; `*info`
/// (may be NULL) receives the response headers.
#[no_mangle]
pub extern "C" fn cos_client_put_symlink(
    client: *const cos_client,
    bucket: *const c_char,
    key: *const c_char,
    target: *const c_char,
    opts: *const cos_request_options,
    info: *mut *mut cos_object_info,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let (client, bucket, key) = object_args(client, bucket, key)?;
        let target = arg_str("target", target)?;
        set_info(info, client.put_symlink(bucket, key, target, &options_or_default(opts))?);
        Ok(())
    })
}

/// The target of the symbolic link `bucket`/`key`, in a new string for `cos_string_free`. `opts` (may be
/// NULL) may name a version (`cos_request_options_set_version_id`). An object that is not a link is the
/// COS_SERVICE_ERROR COS answers with.
#[no_mangle]
pub extern "C" fn cos_client_get_symlink(
    client: *const cos_client,
    bucket: *const c_char,
    key: *const c_char,
    opts: *const cos_request_options,
    target_out: *mut *mut c_char,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let (client, bucket, key) = object_args(client, bucket, key)?;
        arg_out("target_out", target_out)?;
        store_string(target_out, &client.get_symlink(bucket, key, &options_or_default(opts))?);
        Ok(())
    })
}
