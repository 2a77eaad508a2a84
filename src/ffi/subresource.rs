//! The generic sub-resource calls: any configuration document of a bucket or an object (lifecycle, cors,
//! website, inventory, replication, acl, tagging, restore, ...), sent and returned exactly as the caller and
//! COS write them. The typed calls cover the common documents; these reach every other one.

use super::object::{cos_bytes, cos_object_info, set_info};
use super::options::{cos_request_options, options_or_default};
use super::{arg_bytes, arg_str, bucket_args, call, cos_client, cos_error, cos_status, object_args, set_out};
use crate::Document;
use std::ffi::c_char;

/// Hands a document answer to the caller's out-parameters (each may be NULL to ignore it).
fn set_document(doc: Document, body_out: *mut *mut cos_bytes, info_out: *mut *mut cos_object_info) {
    set_out(body_out, cos_bytes { data: doc.body });
    set_info(info_out, doc.info);
}

/// One request on a bucket sub-resource: METHOD ("GET", "PUT", "POST", "DELETE") on `/?<subresource>`
/// ("lifecycle", "cors", "policy", "tagging", "acl", "versions", "website", "inventory", ...). `body` may be
/// NULL when `len` is 0; Content-MD5 is computed for every body sent (and Content-Type is application/xml,
/// or application/json for a body starting with '{', unless `opts` sets one). `opts` (may be NULL) adds query
/// parameters (id, prefix, continuation-token, ...) and headers. On success the response body, exactly as
/// received, goes to `*body_out` and the headers to `*info_out`; either may be NULL to ignore it.
#[no_mangle]
pub extern "C" fn cos_client_bucket_subresource(
    client: *const cos_client,
    method: *const c_char,
    bucket: *const c_char,
    subresource: *const c_char,
    body: *const u8,
    len: usize,
    opts: *const cos_request_options,
    body_out: *mut *mut cos_bytes,
    info_out: *mut *mut cos_object_info,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let (client, bucket) = bucket_args(client, bucket)?;
        let (method, subresource) = (arg_str("method", method)?, arg_str("subresource", subresource)?);
        let body = arg_bytes("body", body, len)?;
        let doc = client.bucket_subresource(method, bucket, subresource, body, &options_or_default(opts))?;
        set_document(doc, body_out, info_out);
        Ok(())
    })
}

/// One request on an object sub-resource: METHOD on `/<key>?<subresource>` ("acl", "tagging", "restore",
/// "symlink", ...), otherwise as `cos_client_bucket_subresource`. A version is addressed with
/// `cos_request_options_set_version_id`.
#[no_mangle]
pub extern "C" fn cos_client_object_subresource(
    client: *const cos_client,
    method: *const c_char,
    bucket: *const c_char,
    key: *const c_char,
    subresource: *const c_char,
    body: *const u8,
    len: usize,
    opts: *const cos_request_options,
    body_out: *mut *mut cos_bytes,
    info_out: *mut *mut cos_object_info,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let (client, bucket, key) = object_args(client, bucket, key)?;
        let (method, subresource) = (arg_str("method", method)?, arg_str("subresource", subresource)?);
        let body = arg_bytes("body", body, len)?;
        let doc = client.object_subresource(method, bucket, key, subresource, body, &options_or_default(opts))?;
        set_document(doc, body_out, info_out);
        Ok(())
    })
}
