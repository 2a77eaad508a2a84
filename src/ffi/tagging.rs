//! Object and bucket tagging: `cos_tag_set` (ordered key/value pairs, COS's limits checked as tags are
//! added) and the put/get/delete calls; the tag count HEAD reports.

use super::object::cos_object_info;
use super::options::{cos_request_options, options_or_default};
use super::{
    arg_out, arg_ref, arg_str, boxed, bucket_args, c_string, call, cos_client, cos_error, cos_status, field_at,
    free_box, guard, object_args, read, set_out, update,
};
use crate::TagSet;
use std::ffi::{c_char, CString};

/// Tags of an object or a bucket: key/value pairs in order, keys unique. Strings returned by its accessors
/// stay valid until the set is freed (adding tags does not move them).
pub struct cos_tag_set {
    pub(super) inner: TagSet,
    strings: Vec<(CString, CString)>,
}

impl cos_tag_set {
    fn new(inner: TagSet) -> cos_tag_set {
        let strings = inner.iter().map(|(k, v)| (c_string(k), c_string(v))).collect();
        cos_tag_set { inner, strings }
    }
}

/// A new, empty tag set. Never NULL.
#[no_mangle]
pub extern "C" fn cos_tag_set_new() -> *mut cos_tag_set {
    guard(std::ptr::null_mut(), || boxed(cos_tag_set::new(TagSet::new())))
}

/// Adds a tag. COS's rules are checked here, so a bad tag is refused with COS_INVALID_ARGUMENT naming it
/// before anything is sent: a key of 1 to 128 characters and a value of 0 to 256 ("" allowed), made of
/// letters, digits, spaces and + - = . _ : / @; keys unique (case-sensitive); at most 50 tags in a set (a
/// bucket's limit; an object takes at most 10, checked when the set is sent).
#[no_mangle]
pub extern "C" fn cos_tag_set_add(
    set: *mut cos_tag_set,
    key: *const c_char,
    value: *const c_char,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "set", set, |s| {
        let (key, value) = (arg_str("key", key)?, arg_str("value", value)?);
        s.inner.add(key, value)?;
        s.strings.push((c_string(key), c_string(value)));
        Ok(())
    })
}

/// Number of tags; 0 for NULL.
#[no_mangle]
pub extern "C" fn cos_tag_set_count(set: *const cos_tag_set) -> usize {
    read(set, 0, |s| s.strings.len())
}

/// Key of tag `index`, or NULL when out of range.
#[no_mangle]
pub extern "C" fn cos_tag_set_key(set: *const cos_tag_set, index: usize) -> *const c_char {
    read(set, std::ptr::null(), |s| field_at(&s.strings, index, |(k, _)| k))
}

/// Value of tag `index` ("" for a tag without a value), or NULL when out of range.
#[no_mangle]
pub extern "C" fn cos_tag_set_value(set: *const cos_tag_set, index: usize) -> *const c_char {
    read(set, std::ptr::null(), |s| field_at(&s.strings, index, |(_, v)| v))
}

/// Value of the tag with this key (case-sensitive), or NULL when the set has none (or for NULL arguments).
#[no_mangle]
pub extern "C" fn cos_tag_set_get(set: *const cos_tag_set, key: *const c_char) -> *const c_char {
    read(set, std::ptr::null(), |s| {
        let Ok(key) = arg_str("key", key) else { return std::ptr::null() };
        s.strings.iter().find(|(k, _)| k.to_bytes() == key.as_bytes()).map_or(std::ptr::null(), |(_, v)| v.as_ptr())
    })
}

/// Frees a tag set. NULL does nothing.
#[no_mangle]
pub extern "C" fn cos_tag_set_free(set: *mut cos_tag_set) {
    free_box(set)
}

/// Replaces the object's tags with `tags` (at most 10: more is COS_INVALID_ARGUMENT, nothing sent).
/// `opts` (may be NULL) may address a version with `cos_request_options_set_version_id`.
#[no_mangle]
pub extern "C" fn cos_client_put_object_tagging(
    client: *const cos_client,
    bucket: *const c_char,
    key: *const c_char,
    tags: *const cos_tag_set,
    opts: *const cos_request_options,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let (client, bucket, key) = object_args(client, bucket, key)?;
        let tags = &arg_ref("tags", tags)?.inner;
        client.put_object_tagging(bucket, key, tags, &options_or_default(opts)).map(drop)
    })
}

/// The object's tags in a new `cos_tag_set` (empty when it has none). `opts` may address a version.
#[no_mangle]
pub extern "C" fn cos_client_get_object_tagging(
    client: *const cos_client,
    bucket: *const c_char,
    key: *const c_char,
    opts: *const cos_request_options,
    out: *mut *mut cos_tag_set,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let (client, bucket, key) = object_args(client, bucket, key)?;
        arg_out("out", out)?;
        set_out(out, cos_tag_set::new(client.get_object_tagging(bucket, key, &options_or_default(opts))?));
        Ok(())
    })
}

/// Removes every tag of the object. `opts` may address a version.
#[no_mangle]
pub extern "C" fn cos_client_delete_object_tagging(
    client: *const cos_client,
    bucket: *const c_char,
    key: *const c_char,
    opts: *const cos_request_options,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let (client, bucket, key) = object_args(client, bucket, key)?;
        client.delete_object_tagging(bucket, key, &options_or_default(opts)).map(drop)
    })
}

/// Replaces the bucket's tags with `tags` (at most 50).
#[no_mangle]
pub extern "C" fn cos_client_put_bucket_tagging(
    client: *const cos_client,
    bucket: *const c_char,
    tags: *const cos_tag_set,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let (client, bucket) = bucket_args(client, bucket)?;
        client.put_bucket_tagging(bucket, &arg_ref("tags", tags)?.inner)
    })
}

/// The bucket's tags in a new `cos_tag_set`. A bucket without tags gives an empty set (COS's 404
/// "NoSuchTagSet" means exactly that); a missing bucket fails with "NoSuchBucket".
#[no_mangle]
pub extern "C" fn cos_client_get_bucket_tagging(
    client: *const cos_client,
    bucket: *const c_char,
    out: *mut *mut cos_tag_set,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let (client, bucket) = bucket_args(client, bucket)?;
        arg_out("out", out)?;
        set_out(out, cos_tag_set::new(client.get_bucket_tagging(bucket)?));
        Ok(())
    })
}

/// Removes every tag of the bucket.
#[no_mangle]
pub extern "C" fn cos_client_delete_bucket_tagging(
    client: *const cos_client,
    bucket: *const c_char,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let (client, bucket) = bucket_args(client, bucket)?;
        client.delete_bucket_tagging(bucket)
    })
}

/// How many tags the object has, from HEAD's or GET's x-cos-tagging-count; -1 when COS sent none (an
/// untagged object) or for NULL.
#[no_mangle]
pub extern "C" fn cos_object_info_tag_count(i: *const cos_object_info) -> i64 {
    read(i, -1, |i| i.info.tag_count().and_then(|n| i64::try_from(n).ok()).unwrap_or(-1))
}
