//! Listing objects (`cos_object_list`, `cos_object_iter`) and batch deletion (`cos_delete_result`).

use super::{
    arg_opt_string, arg_out, arg_slice, arg_str, bucket_args, c_ptr, c_string, call, cos_client, cos_error, cos_status,
    field_at, free_box, read, set_out, store, string_at, update,
};
use crate::{ListCursor, ListParams, ObjectList};
use std::ffi::{c_char, CString};

/// One page of a listing. Strings are valid until `cos_object_list_free`.
pub struct cos_object_list {
    list: ObjectList,
    keys: Vec<CString>,
    etags: Vec<CString>,
    last_modified: Vec<CString>,
    storage_classes: Vec<CString>,
    prefixes: Vec<CString>,
    next_marker: Option<CString>,
}

impl cos_object_list {
    pub(super) fn new(list: ObjectList) -> cos_object_list {
        let each = |f: fn(&crate::ObjectSummary) -> &str| list.objects.iter().map(|o| c_string(f(o))).collect();
        cos_object_list {
            keys: each(|o| &o.key),
            etags: each(|o| &o.etag),
            last_modified: each(|o| &o.last_modified),
            storage_classes: each(|o| &o.storage_class),
            prefixes: list.common_prefixes.iter().map(|p| c_string(p)).collect(),
            next_marker: list.next_marker.as_deref().map(c_string),
            list,
        }
    }
}

/// A paged listing in progress; see `cos_object_iter_new`. It shares the client's connection pool and
/// stays valid even if the client is freed first.
pub struct cos_object_iter {
    client: crate::Client,
    cursor: ListCursor,
}

pub(super) fn list_params(
    prefix: *const c_char,
    delimiter: *const c_char,
    marker: *const c_char,
    max_keys: u32,
) -> crate::Result<ListParams> {
    Ok(ListParams {
        prefix: arg_opt_string("prefix", prefix)?,
        delimiter: arg_opt_string("delimiter", delimiter)?,
        marker: arg_opt_string("marker", marker)?,
        max_keys,
    })
}

/// Lists one page of objects (GET Bucket). `prefix`, `delimiter` and `marker` may be NULL; `max_keys` 0
/// means the server default (1000). Keys come back decoded, whatever characters they contain. When the page
/// is truncated, continue from `cos_object_list_next_marker`, or use `cos_object_iter_new`.
#[no_mangle]
pub extern "C" fn cos_client_list_objects(
    client: *const cos_client,
    bucket: *const c_char,
    prefix: *const c_char,
    delimiter: *const c_char,
    marker: *const c_char,
    max_keys: u32,
    out: *mut *mut cos_object_list,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let (client, bucket) = bucket_args(client, bucket)?;
        let params = list_params(prefix, delimiter, marker, max_keys)?;
        arg_out("out", out)?;
        set_out(out, cos_object_list::new(client.list_objects(bucket, &params)?));
        Ok(())
    })
}

/// Starts a paged listing of `bucket` (`prefix`, `delimiter` may be NULL; `page_size` 0 = 1000). Nothing is
/// sent until `cos_object_iter_next`. Free with `cos_object_iter_free`.
#[no_mangle]
pub extern "C" fn cos_object_iter_new(
    client: *const cos_client,
    bucket: *const c_char,
    prefix: *const c_char,
    delimiter: *const c_char,
    page_size: u32,
    out: *mut *mut cos_object_iter,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let (client, bucket) = bucket_args(client, bucket)?;
        crate::config::validate_bucket(bucket)?;
        let params = list_params(prefix, delimiter, std::ptr::null(), page_size)?;
        arg_out("out", out)?;
        set_out(out, cos_object_iter { client: client.clone(), cursor: ListCursor::new(bucket, params) });
        Ok(())
    })
}

/// Fetches the next page into `*page` (free it with `cos_object_list_free`). After the last page it returns
/// `COS_OK` with `*page` set to NULL. After an error the iterator is finished.
#[no_mangle]
pub extern "C" fn cos_object_iter_next(
    iter: *mut cos_object_iter,
    page: *mut *mut cos_object_list,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "iter", iter, |iter| {
        arg_out("page", page)?;
        match iter.cursor.next_page(&iter.client) {
            Some(result) => set_out(page, cos_object_list::new(result?)),
            None => {
                store(page, std::ptr::null_mut());
            }
        }
        Ok(())
    })
}

/// Frees an iterator. NULL does nothing.
#[no_mangle]
pub extern "C" fn cos_object_iter_free(iter: *mut cos_object_iter) {
    free_box(iter)
}

/// Number of objects in the page; 0 for NULL.
#[no_mangle]
pub extern "C" fn cos_object_list_count(l: *const cos_object_list) -> usize {
    read(l, 0, |l| l.keys.len())
}

/// Key of object `index` (decoded), or NULL when out of range.
#[no_mangle]
pub extern "C" fn cos_object_list_key(l: *const cos_object_list, index: usize) -> *const c_char {
    read(l, std::ptr::null(), |l| string_at(&l.keys, index))
}

/// Size in bytes of object `index`, or 0 when out of range.
#[no_mangle]
pub extern "C" fn cos_object_list_size(l: *const cos_object_list, index: usize) -> u64 {
    read(l, 0, |l| l.list.objects.get(index).map_or(0, |o| o.size))
}

/// ETag of object `index`, or NULL when out of range.
#[no_mangle]
pub extern "C" fn cos_object_list_etag(l: *const cos_object_list, index: usize) -> *const c_char {
    read(l, std::ptr::null(), |l| string_at(&l.etags, index))
}

/// Last-modified time of object `index` (ISO 8601), or NULL when out of range.
#[no_mangle]
pub extern "C" fn cos_object_list_last_modified(l: *const cos_object_list, index: usize) -> *const c_char {
    read(l, std::ptr::null(), |l| string_at(&l.last_modified, index))
}

/// Storage class of object `index`, or NULL when out of range.
#[no_mangle]
pub extern "C" fn cos_object_list_storage_class(l: *const cos_object_list, index: usize) -> *const c_char {
    read(l, std::ptr::null(), |l| string_at(&l.storage_classes, index))
}

/// Number of common prefixes (the "directories" when a delimiter was given); 0 for NULL.
#[no_mangle]
pub extern "C" fn cos_object_list_prefix_count(l: *const cos_object_list) -> usize {
    read(l, 0, |l| l.prefixes.len())
}

/// Common prefix `index`, or NULL when out of range.
#[no_mangle]
pub extern "C" fn cos_object_list_prefix(l: *const cos_object_list, index: usize) -> *const c_char {
    read(l, std::ptr::null(), |l| string_at(&l.prefixes, index))
}

/// Whether more results follow this page.
#[no_mangle]
pub extern "C" fn cos_object_list_is_truncated(l: *const cos_object_list) -> bool {
    read(l, false, |l| l.list.is_truncated)
}

/// The marker of the next page when truncated, else NULL.
#[no_mangle]
pub extern "C" fn cos_object_list_next_marker(l: *const cos_object_list) -> *const c_char {
    read(l, std::ptr::null(), |l| c_ptr(&l.next_marker))
}

/// Frees a page. NULL does nothing.
#[no_mangle]
pub extern "C" fn cos_object_list_free(l: *mut cos_object_list) {
    free_box(l)
}

/// The outcome of `cos_client_delete_objects`, key by key. Strings are valid until `cos_delete_result_free`.
pub struct cos_delete_result {
    deleted: Vec<CString>,
    errors: Vec<DeleteFailure>,
}

/// A key COS could not delete, with COS's error code and message.
struct DeleteFailure {
    key: CString,
    code: CString,
    message: CString,
}

/// Deletes `count` keys (DeleteObjects, sent in batches of 1000). With `quiet`, COS reports only failures.
/// The call succeeds when every request succeeded; keys COS refused are listed in the result's errors.
/// `out` may be NULL when the per-key results are not wanted. `count` 0 deletes nothing and succeeds.
#[no_mangle]
pub extern "C" fn cos_client_delete_objects(
    client: *const cos_client,
    bucket: *const c_char,
    keys: *const *const c_char,
    count: usize,
    quiet: bool,
    out: *mut *mut cos_delete_result,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let (client, bucket) = bucket_args(client, bucket)?;
        let key_ptrs = arg_slice("keys", keys, count)?;
        let keys = key_ptrs
            .iter()
            .enumerate()
            .map(|(i, &k)| arg_str(&format!("keys[{i}]"), k))
            .collect::<crate::Result<Vec<&str>>>()?;
        let result = client.delete_objects(bucket, &keys, quiet)?;
        set_out(
            out,
            cos_delete_result {
                deleted: result.deleted.iter().map(|k| c_string(k)).collect(),
                errors: result
                    .errors
                    .iter()
                    .map(|e| DeleteFailure {
                        key: c_string(&e.key),
                        code: c_string(&e.code),
                        message: c_string(&e.message),
                    })
                    .collect(),
            },
        );
        Ok(())
    })
}

/// Number of keys reported deleted (0 in quiet mode); 0 for NULL.
#[no_mangle]
pub extern "C" fn cos_delete_result_deleted_count(r: *const cos_delete_result) -> usize {
    read(r, 0, |r| r.deleted.len())
}

/// Deleted key `index`, or NULL when out of range.
#[no_mangle]
pub extern "C" fn cos_delete_result_deleted_key(r: *const cos_delete_result, index: usize) -> *const c_char {
    read(r, std::ptr::null(), |r| string_at(&r.deleted, index))
}

/// Number of keys COS could not delete; 0 for NULL.
#[no_mangle]
pub extern "C" fn cos_delete_result_error_count(r: *const cos_delete_result) -> usize {
    read(r, 0, |r| r.errors.len())
}

/// Key of failure `index`, or NULL when out of range.
#[no_mangle]
pub extern "C" fn cos_delete_result_error_key(r: *const cos_delete_result, index: usize) -> *const c_char {
    read(r, std::ptr::null(), |r| field_at(&r.errors, index, |e| &e.key))
}

/// COS error code of failure `index`, or NULL when out of range.
#[no_mangle]
pub extern "C" fn cos_delete_result_error_code(r: *const cos_delete_result, index: usize) -> *const c_char {
    read(r, std::ptr::null(), |r| field_at(&r.errors, index, |e| &e.code))
}

/// Message of failure `index`, or NULL when out of range.
#[no_mangle]
pub extern "C" fn cos_delete_result_error_message(r: *const cos_delete_result, index: usize) -> *const c_char {
    read(r, std::ptr::null(), |r| field_at(&r.errors, index, |e| &e.message))
}

/// Frees a delete result. NULL does nothing.
#[no_mangle]
pub extern "C" fn cos_delete_result_free(r: *mut cos_delete_result) {
    free_box(r)
}
