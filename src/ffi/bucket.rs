//! Bucket operations and `cos_bucket_list`.

use super::object::cos_object_info;
use super::object::set_info;
use super::options::{cos_request_options, options_or_default};
use super::{
    arg_out, arg_ref, bucket_args, c_string, call, cos_client, cos_error, cos_status, field_at, free_box, read, set_out,
};
use crate::ObjectInfo;
use std::ffi::{c_char, CString};

/// The buckets of the account. Strings are valid until `cos_bucket_list_free`.
pub struct cos_bucket_list {
    buckets: Vec<BucketRow>,
}

/// One bucket of a `cos_bucket_list`.
struct BucketRow {
    name: CString,
    region: CString,
    creation_date: CString,
}

/// Creates a bucket ("<name>-<appid>"). A bucket you already own fails with code "BucketAlreadyOwnedByYou".
#[no_mangle]
pub extern "C" fn cos_client_create_bucket(
    client: *const cos_client,
    bucket: *const c_char,
    err: *mut *mut cos_error,
) -> cos_status {
    cos_client_create_bucket_ex(client, bucket, std::ptr::null(), err)
}

/// `cos_client_create_bucket` with options (ACL, grants, x-cos-tagging; NULL for defaults).
#[no_mangle]
pub extern "C" fn cos_client_create_bucket_ex(
    client: *const cos_client,
    bucket: *const c_char,
    opts: *const cos_request_options,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let (client, bucket) = bucket_args(client, bucket)?;
        client.create_bucket(bucket, &options_or_default(opts))
    })
}

/// Deletes an empty bucket. A non-empty one fails with code "BucketNotEmpty".
#[no_mangle]
pub extern "C" fn cos_client_delete_bucket(
    client: *const cos_client,
    bucket: *const c_char,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let (client, bucket) = bucket_args(client, bucket)?;
        client.delete_bucket(bucket)
    })
}

/// HEAD Bucket: succeeds when the bucket exists and is accessible. A missing bucket fails with HTTP status 404
/// and code "NoSuchBucket". If `info` is not NULL it receives the response headers (x-cos-bucket-region, ...).
#[no_mangle]
pub extern "C" fn cos_client_head_bucket(
    client: *const cos_client,
    bucket: *const c_char,
    info: *mut *mut cos_object_info,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let (client, bucket) = bucket_args(client, bucket)?;
        let headers = client.head_bucket(bucket)?;
        set_info(info, ObjectInfo { headers });
        Ok(())
    })
}

/// Lists the account's buckets into a new `cos_bucket_list`.
#[no_mangle]
pub extern "C" fn cos_client_list_buckets(
    client: *const cos_client,
    out: *mut *mut cos_bucket_list,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let client = &arg_ref("client", client)?.inner;
        arg_out("out", out)?;
        let list = client.list_buckets()?;
        let buckets = list
            .buckets
            .iter()
            .map(|b| BucketRow {
                name: c_string(&b.name),
                region: c_string(&b.region),
                creation_date: c_string(&b.creation_date),
            })
            .collect();
        set_out(out, cos_bucket_list { buckets });
        Ok(())
    })
}

/// Number of buckets; 0 for NULL.
#[no_mangle]
pub extern "C" fn cos_bucket_list_count(list: *const cos_bucket_list) -> usize {
    read(list, 0, |l| l.buckets.len())
}

/// Name of bucket `index`, or NULL when out of range.
#[no_mangle]
pub extern "C" fn cos_bucket_list_name(list: *const cos_bucket_list, index: usize) -> *const c_char {
    read(list, std::ptr::null(), |l| field_at(&l.buckets, index, |b| &b.name))
}

/// Region of bucket `index` (e.g. "ap-guangzhou"), or NULL when out of range.
#[no_mangle]
pub extern "C" fn cos_bucket_list_region(list: *const cos_bucket_list, index: usize) -> *const c_char {
    read(list, std::ptr::null(), |l| field_at(&l.buckets, index, |b| &b.region))
}

/// Creation date of bucket `index` (ISO 8601), or NULL when out of range.
#[no_mangle]
pub extern "C" fn cos_bucket_list_creation_date(list: *const cos_bucket_list, index: usize) -> *const c_char {
    read(list, std::ptr::null(), |l| field_at(&l.buckets, index, |b| &b.creation_date))
}

/// Frees a bucket list. NULL does nothing.
#[no_mangle]
pub extern "C" fn cos_bucket_list_free(list: *mut cos_bucket_list) {
    free_box(list)
}
