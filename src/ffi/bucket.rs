//! Bucket operations and `cos_bucket_list`.

use super::object::cos_object_info;
use super::object::set_info;
use super::options::{cos_request_options, options_or_default};
use super::{
    arg_out, arg_ref, arg_str, bucket_args, c_string, call, cos_client, cos_error, cos_status, field_at, free_box,
    read, set_out, store, store_string,
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

/// Stores in `*exists` whether the bucket exists (HEAD Bucket: a 404 is `false`, not an error). Any other
/// failure is an error, a 403 included (someone else's bucket, or no permission), as in the Python SDK.
#[no_mangle]
pub extern "C" fn cos_client_bucket_exists(
    client: *const cos_client,
    bucket: *const c_char,
    exists: *mut bool,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let (client, bucket) = bucket_args(client, bucket)?;
        arg_out("exists", exists)?;
        store(exists, client.bucket_exists(bucket)?);
        Ok(())
    })
}

/// The bucket's region (GET /?location), such as "ap-guangzhou", in a new string for `cos_string_free`.
#[no_mangle]
pub extern "C" fn cos_client_get_bucket_location(
    client: *const cos_client,
    bucket: *const c_char,
    region_out: *mut *mut c_char,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let (client, bucket) = bucket_args(client, bucket)?;
        arg_out("region_out", region_out)?;
        store_string(region_out, &client.get_bucket_location(bucket)?);
        Ok(())
    })
}

/// Sets the bucket's policy, a JSON document (`{"Statement": [...], "version": "2.0"}`; text that is not a
/// JSON object is COS_INVALID_ARGUMENT, COS checks the rest and answers "MalformedPolicy").
#[no_mangle]
pub extern "C" fn cos_client_put_bucket_policy(
    client: *const cos_client,
    bucket: *const c_char,
    policy: *const c_char,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let (client, bucket) = bucket_args(client, bucket)?;
        client.put_bucket_policy(bucket, arg_str("policy", policy)?)
    })
}

/// The bucket's policy (JSON, as COS returns it) in a new string for `cos_string_free`. A bucket without a
/// policy fails with HTTP 404 and code "NoSuchBucketPolicy".
#[no_mangle]
pub extern "C" fn cos_client_get_bucket_policy(
    client: *const cos_client,
    bucket: *const c_char,
    policy_out: *mut *mut c_char,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let (client, bucket) = bucket_args(client, bucket)?;
        arg_out("policy_out", policy_out)?;
        store_string(policy_out, &client.get_bucket_policy(bucket)?);
        Ok(())
    })
}

/// Deletes the bucket's policy.
#[no_mangle]
pub extern "C" fn cos_client_delete_bucket_policy(
    client: *const cos_client,
    bucket: *const c_char,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let (client, bucket) = bucket_args(client, bucket)?;
        client.delete_bucket_policy(bucket)
    })
}
