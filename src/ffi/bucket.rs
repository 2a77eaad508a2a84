//! Bucket operations and `cos_bucket_list`.

use super::object::cos_object_info;
use super::object::set_info;
use super::options::{cos_request_options, options_or_default};
use super::{
    arg_out, arg_ref, arg_str, boxed, bucket_args, c_ptr, c_string, call, cos_client, cos_error, cos_status, field_at,
    free_box, guard, read, set_out, store, store_string, update,
};
use crate::ObjectInfo;
use std::ffi::{c_char, CString};

/// The buckets of the account (one page, or every page), with the account that owns them. Strings are
/// valid until `cos_bucket_list_free`.
pub struct cos_bucket_list {
    buckets: Vec<BucketRow>,
    owner_id: Option<CString>,
    owner_display_name: Option<CString>,
    is_truncated: bool,
    next_marker: Option<CString>,
}

/// One bucket of a `cos_bucket_list`.
struct BucketRow {
    name: CString,
    region: CString,
    creation_date: CString,
    bucket_type: Option<CString>,
}

impl cos_bucket_list {
    fn from(list: crate::xml::BucketList) -> cos_bucket_list {
        let opt = |s: Option<String>| s.map(|s| c_string(&s));
        let buckets = list
            .buckets
            .into_iter()
            .map(|b| BucketRow {
                name: c_string(&b.name),
                region: c_string(&b.region),
                creation_date: c_string(&b.creation_date),
                bucket_type: opt(b.bucket_type),
            })
            .collect();
        cos_bucket_list {
            buckets,
            owner_id: opt(list.owner_id),
            owner_display_name: opt(list.owner_display_name),
            is_truncated: list.is_truncated,
            next_marker: opt(list.next_marker),
        }
    }
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
        set_out(out, cos_bucket_list::from(client.list_buckets()?));
        Ok(())
    })
}

/// Creates a bucket with a creation configuration: `multi_az` (BucketAZConfig MAZ) and/or `ofs`
/// (BucketArchConfig OFS, the hierarchical namespace), sent as COS's CreateBucketConfiguration document;
/// HEAD Bucket reports them (x-cos-bucket-az-type, x-cos-bucket-arch). `opts` (may be NULL) as for
/// `cos_client_create_bucket_ex`.
#[no_mangle]
pub extern "C" fn cos_client_create_bucket_with_config(
    client: *const cos_client,
    bucket: *const c_char,
    multi_az: bool,
    ofs: bool,
    opts: *const cos_request_options,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let (client, bucket) = bucket_args(client, bucket)?;
        let config = crate::BucketCreateConfig { multi_az, ofs };
        client.create_bucket_with(bucket, &config, &options_or_default(opts))
    })
}

/// Filters and paging of a bucket listing (`cos_client_list_buckets_page`, `cos_client_list_all_buckets`):
/// region, one tag, a creation-time range, marker and page size. New filters match every bucket.
pub struct cos_bucket_filter {
    inner: crate::ListBucketsParams,
}

/// New filters that match every bucket. Never NULL.
#[no_mangle]
pub extern "C" fn cos_bucket_filter_new() -> *mut cos_bucket_filter {
    guard(std::ptr::null_mut(), || boxed(cos_bucket_filter { inner: crate::ListBucketsParams::default() }))
}

/// Frees filters. NULL does nothing.
#[no_mangle]
pub extern "C" fn cos_bucket_filter_free(filter: *mut cos_bucket_filter) {
    free_box(filter)
}

/// Only the buckets of `region` (e.g. "ap-beijing"); "" removes the filter.
#[no_mangle]
pub extern "C" fn cos_bucket_filter_set_region(
    filter: *mut cos_bucket_filter,
    region: *const c_char,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "filter", filter, |f| {
        f.inner.region = arg_str("region", region)?.to_string();
        Ok(())
    })
}

/// Only the buckets that have the tag `key`=`value` (COS filters by one tag; a bucket matches when any of
/// its tags is that one). An empty `key` is COS_INVALID_ARGUMENT.
#[no_mangle]
pub extern "C" fn cos_bucket_filter_set_tag(
    filter: *mut cos_bucket_filter,
    key: *const c_char,
    value: *const c_char,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "filter", filter, |f| {
        let (key, value) = (arg_str("key", key)?, arg_str("value", value)?);
        if key.is_empty() {
            return Err(crate::Error::invalid("key: the tag key of a bucket filter must not be empty"));
        }
        f.inner.tag = Some((key.to_string(), value.to_string()));
        Ok(())
    })
}

/// Only the buckets created in `range` of the Unix time `unix_seconds`: "lt" (before), "gt" (after), "lte"
/// (at or before) or "gte" (at or after).
#[no_mangle]
pub extern "C" fn cos_bucket_filter_set_created(
    filter: *mut cos_bucket_filter,
    unix_seconds: i64,
    range: *const c_char,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "filter", filter, |f| {
        let range = crate::CreatedRange::parse(arg_str("range", range)?)?;
        let time = u64::try_from(unix_seconds)
            .map_err(|_| crate::Error::invalid(format!("unix_seconds: {unix_seconds} is before 1970")))?;
        f.inner.created = Some((time, range));
        Ok(())
    })
}

/// Start after the bucket named `marker` ("" = from the first), and at most `max_keys` buckets a page (0 =
/// COS's default of 2000; more than 2000 is COS_INVALID_ARGUMENT when listing).
#[no_mangle]
pub extern "C" fn cos_bucket_filter_set_page(
    filter: *mut cos_bucket_filter,
    marker: *const c_char,
    max_keys: u32,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "filter", filter, |f| {
        f.inner.marker = arg_str("marker", marker)?.to_string();
        f.inner.max_keys = max_keys;
        Ok(())
    })
}

/// One page of the account's buckets matching `filter` (NULL: every bucket) into a new `cos_bucket_list`;
/// `cos_bucket_list_is_truncated` and `cos_bucket_list_next_marker` say where the next page starts.
#[no_mangle]
pub extern "C" fn cos_client_list_buckets_page(
    client: *const cos_client,
    filter: *const cos_bucket_filter,
    out: *mut *mut cos_bucket_list,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let client = &arg_ref("client", client)?.inner;
        arg_out("out", out)?;
        let params = filter_or_default(filter);
        set_out(out, cos_bucket_list::from(client.list_buckets_page(&params)?));
        Ok(())
    })
}

/// Every bucket matching `filter` (NULL: every bucket), following the pages from its marker.
#[no_mangle]
pub extern "C" fn cos_client_list_all_buckets(
    client: *const cos_client,
    filter: *const cos_bucket_filter,
    out: *mut *mut cos_bucket_list,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let client = &arg_ref("client", client)?.inner;
        arg_out("out", out)?;
        let params = filter_or_default(filter);
        set_out(out, cos_bucket_list::from(client.list_all_buckets(&params)?));
        Ok(())
    })
}

fn filter_or_default(filter: *const cos_bucket_filter) -> crate::ListBucketsParams {
    // SAFETY: NULL or a live filter handle.
    unsafe { filter.as_ref() }.map(|f| f.inner.clone()).unwrap_or_default()
}

/// The owner's ID (a CAM principal, "qcs::cam::uin/...") of a listing, or NULL when COS gave none.
#[no_mangle]
pub extern "C" fn cos_bucket_list_owner_id(list: *const cos_bucket_list) -> *const c_char {
    read(list, std::ptr::null(), |l| c_ptr(&l.owner_id))
}

/// The owner's display name of a listing, or NULL when COS gave none.
#[no_mangle]
pub extern "C" fn cos_bucket_list_owner_display_name(list: *const cos_bucket_list) -> *const c_char {
    read(list, std::ptr::null(), |l| c_ptr(&l.owner_display_name))
}

/// Whether more buckets follow this page (always false for a whole listing); false for NULL.
#[no_mangle]
pub extern "C" fn cos_bucket_list_is_truncated(list: *const cos_bucket_list) -> bool {
    read(list, false, |l| l.is_truncated)
}

/// The NextMarker COS gave with a truncated page (the marker of the next page), or NULL.
#[no_mangle]
pub extern "C" fn cos_bucket_list_next_marker(list: *const cos_bucket_list) -> *const c_char {
    read(list, std::ptr::null(), |l| c_ptr(&l.next_marker))
}

/// Type of bucket `index`: "cos", or "ofs" for an OFS bucket; NULL when out of range or not reported.
#[no_mangle]
pub extern "C" fn cos_bucket_list_bucket_type(list: *const cos_bucket_list, index: usize) -> *const c_char {
    read(list, std::ptr::null(), |l| l.buckets.get(index).map_or(std::ptr::null(), |b| c_ptr(&b.bucket_type)))
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
