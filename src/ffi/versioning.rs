//! Versioning: the bucket's status (`cos_versioning_status`), listing versions and delete markers
//! (`cos_version_list`, `cos_version_iter`), deleting versions in batches (`cos_version_delete_result`), and
//! emptying a bucket of every version, delete marker and upload (`cos_client_empty_bucket`).

use super::transfer::cos_progress_fn;
use super::{
    arg_opt_str, arg_opt_string, arg_out, arg_slice, arg_str, bucket_args, c_ptr, c_string, call, cos_client,
    cos_error, cos_status, free_box, read, set_out, store, update,
};
use crate::{PurgeOptions, PurgeReport, VersionCursor, VersionDeleteResult, VersionList, VersionsParams};
use std::ffi::{c_char, c_void, CString};

/// A bucket's versioning state.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum cos_versioning_status {
    /// Versioning was never enabled on the bucket.
    COS_VERSIONING_UNVERSIONED = 0,
    COS_VERSIONING_ENABLED = 1,
    /// Enabled once, now suspended: old versions stay, new writes replace the "null" version.
    COS_VERSIONING_SUSPENDED = 2,
}

impl From<crate::VersioningStatus> for cos_versioning_status {
    fn from(s: crate::VersioningStatus) -> Self {
        match s {
            crate::VersioningStatus::Unversioned => cos_versioning_status::COS_VERSIONING_UNVERSIONED,
            crate::VersioningStatus::Enabled => cos_versioning_status::COS_VERSIONING_ENABLED,
            crate::VersioningStatus::Suspended => cos_versioning_status::COS_VERSIONING_SUSPENDED,
        }
    }
}

/// Enables versioning (`enabled` true) or suspends it (false). Suspending keeps every version; a bucket
/// never returns to COS_VERSIONING_UNVERSIONED.
#[no_mangle]
pub extern "C" fn cos_client_put_bucket_versioning(
    client: *const cos_client,
    bucket: *const c_char,
    enabled: bool,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let (client, bucket) = bucket_args(client, bucket)?;
        client.put_bucket_versioning(bucket, enabled)
    })
}

/// Reads the bucket's versioning state into `*status`.
#[no_mangle]
pub extern "C" fn cos_client_get_bucket_versioning(
    client: *const cos_client,
    bucket: *const c_char,
    status: *mut cos_versioning_status,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let (client, bucket) = bucket_args(client, bucket)?;
        arg_out("status", status)?;
        store(status, client.get_bucket_versioning(bucket)?.into());
        Ok(())
    })
}

/// One page of versions and delete markers, in COS's order (keys ascending, each key's versions newest
/// first). Strings are valid until `cos_version_list_free`.
pub struct cos_version_list {
    list: VersionList,
    rows: Vec<VersionRow>,
    prefixes: Vec<CString>,
    next_key_marker: Option<CString>,
    next_version_id_marker: Option<CString>,
}

struct VersionRow {
    key: CString,
    version_id: CString,
    last_modified: CString,
    /// NULL for delete markers, which have no data.
    etag: Option<CString>,
    storage_class: Option<CString>,
    owner_id: Option<CString>,
}

impl cos_version_list {
    fn new(list: VersionList) -> cos_version_list {
        let data = |v: &crate::ObjectVersion, s: &str| (!v.is_delete_marker).then(|| c_string(s));
        cos_version_list {
            rows: list
                .versions
                .iter()
                .map(|v| VersionRow {
                    key: c_string(&v.key),
                    version_id: c_string(&v.version_id),
                    last_modified: c_string(&v.last_modified),
                    etag: data(v, &v.etag),
                    storage_class: data(v, &v.storage_class),
                    owner_id: v.owner_id.as_deref().map(c_string),
                })
                .collect(),
            prefixes: list.common_prefixes.iter().map(|p| c_string(p)).collect(),
            next_key_marker: list.next_key_marker.as_deref().map(c_string),
            next_version_id_marker: list.next_version_id_marker.as_deref().map(c_string),
            list,
        }
    }

    fn row(&self, index: usize, field: impl FnOnce(&VersionRow) -> *const c_char) -> *const c_char {
        self.rows.get(index).map_or(std::ptr::null(), field)
    }

    fn entry<T>(&self, index: usize, fallback: T, field: impl FnOnce(&crate::ObjectVersion) -> T) -> T {
        self.list.versions.get(index).map_or(fallback, field)
    }
}

/// Lists one page of versions and delete markers (GET Bucket Object versions). `prefix`, `delimiter`,
/// `key_marker` and `version_id_marker` may be NULL; a `version_id_marker` needs a `key_marker`.
/// `max_keys` 0 means the server default (1000). Keys come back decoded. When the page is truncated,
/// continue from `cos_version_list_next_key_marker` / `_next_version_id_marker`, or use `cos_version_iter_new`.
#[no_mangle]
pub extern "C" fn cos_client_list_object_versions(
    client: *const cos_client,
    bucket: *const c_char,
    prefix: *const c_char,
    delimiter: *const c_char,
    key_marker: *const c_char,
    version_id_marker: *const c_char,
    max_keys: u32,
    out: *mut *mut cos_version_list,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let (client, bucket) = bucket_args(client, bucket)?;
        let params = VersionsParams {
            prefix: arg_opt_string("prefix", prefix)?,
            delimiter: arg_opt_string("delimiter", delimiter)?,
            key_marker: arg_opt_string("key_marker", key_marker)?,
            version_id_marker: arg_opt_string("version_id_marker", version_id_marker)?,
            max_keys,
        };
        arg_out("out", out)?;
        set_out(out, cos_version_list::new(client.list_object_versions(bucket, &params)?));
        Ok(())
    })
}

/// A paged version listing in progress; see `cos_version_iter_new`. It shares the client's connection pool
/// and stays valid even if the client is freed first.
pub struct cos_version_iter {
    client: crate::Client,
    cursor: VersionCursor,
}

/// Starts a paged listing of every version and delete marker of `bucket` (`prefix`, `delimiter` may be
/// NULL; `page_size` 0 = 1000). Nothing is sent until `cos_version_iter_next`. A server whose markers do
/// not advance ends it with COS_PARSE_ERROR. Free with `cos_version_iter_free`.
#[no_mangle]
pub extern "C" fn cos_version_iter_new(
    client: *const cos_client,
    bucket: *const c_char,
    prefix: *const c_char,
    delimiter: *const c_char,
    page_size: u32,
    out: *mut *mut cos_version_iter,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let (client, bucket) = bucket_args(client, bucket)?;
        crate::config::validate_bucket(bucket)?;
        let params = VersionsParams {
            prefix: arg_opt_string("prefix", prefix)?,
            delimiter: arg_opt_string("delimiter", delimiter)?,
            max_keys: page_size,
            ..VersionsParams::default()
        };
        arg_out("out", out)?;
        set_out(out, cos_version_iter { client: client.clone(), cursor: VersionCursor::new(bucket, params) });
        Ok(())
    })
}

/// Fetches the next page into `*page` (free it with `cos_version_list_free`). After the last page it
/// returns COS_OK with `*page` set to NULL. After an error the iterator is finished.
#[no_mangle]
pub extern "C" fn cos_version_iter_next(
    iter: *mut cos_version_iter,
    page: *mut *mut cos_version_list,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "iter", iter, |iter| {
        arg_out("page", page)?;
        match iter.cursor.next_page(&iter.client) {
            Some(result) => set_out(page, cos_version_list::new(result?)),
            None => {
                store(page, std::ptr::null_mut());
            }
        }
        Ok(())
    })
}

/// Frees an iterator. NULL does nothing.
#[no_mangle]
pub extern "C" fn cos_version_iter_free(iter: *mut cos_version_iter) {
    free_box(iter)
}

/// Number of entries (versions and delete markers) in the page; 0 for NULL.
#[no_mangle]
pub extern "C" fn cos_version_list_count(l: *const cos_version_list) -> usize {
    read(l, 0, |l| l.rows.len())
}

/// Key of entry `index` (decoded), or NULL when out of range.
#[no_mangle]
pub extern "C" fn cos_version_list_key(l: *const cos_version_list, index: usize) -> *const c_char {
    read(l, std::ptr::null(), |l| l.row(index, |r| r.key.as_ptr()))
}

/// Version id of entry `index` ("null" for a version written while versioning was off or suspended), or
/// NULL when out of range. Pass it to `cos_request_options_set_version_id` to read or delete that version.
#[no_mangle]
pub extern "C" fn cos_version_list_version_id(l: *const cos_version_list, index: usize) -> *const c_char {
    read(l, std::ptr::null(), |l| l.row(index, |r| r.version_id.as_ptr()))
}

/// Whether entry `index` is the current version of its key (false when out of range).
#[no_mangle]
pub extern "C" fn cos_version_list_is_latest(l: *const cos_version_list, index: usize) -> bool {
    read(l, false, |l| l.entry(index, false, |v| v.is_latest))
}

/// Whether entry `index` is a delete marker (false when out of range). A current delete marker makes its
/// key read as missing (404) while older versions remain.
#[no_mangle]
pub extern "C" fn cos_version_list_is_delete_marker(l: *const cos_version_list, index: usize) -> bool {
    read(l, false, |l| l.entry(index, false, |v| v.is_delete_marker))
}

/// Last-modified time of entry `index` (ISO 8601), or NULL when out of range.
#[no_mangle]
pub extern "C" fn cos_version_list_last_modified(l: *const cos_version_list, index: usize) -> *const c_char {
    read(l, std::ptr::null(), |l| l.row(index, |r| r.last_modified.as_ptr()))
}

/// ETag of version `index`; NULL for a delete marker or out of range.
#[no_mangle]
pub extern "C" fn cos_version_list_etag(l: *const cos_version_list, index: usize) -> *const c_char {
    read(l, std::ptr::null(), |l| l.row(index, |r| c_ptr(&r.etag)))
}

/// Size in bytes of version `index`; 0 for a delete marker or out of range.
#[no_mangle]
pub extern "C" fn cos_version_list_size(l: *const cos_version_list, index: usize) -> u64 {
    read(l, 0, |l| l.entry(index, 0, |v| v.size))
}

/// Storage class of version `index`; NULL for a delete marker or out of range.
#[no_mangle]
pub extern "C" fn cos_version_list_storage_class(l: *const cos_version_list, index: usize) -> *const c_char {
    read(l, std::ptr::null(), |l| l.row(index, |r| c_ptr(&r.storage_class)))
}

/// Owner id of entry `index`, or NULL when COS named none or out of range.
#[no_mangle]
pub extern "C" fn cos_version_list_owner_id(l: *const cos_version_list, index: usize) -> *const c_char {
    read(l, std::ptr::null(), |l| l.row(index, |r| c_ptr(&r.owner_id)))
}

/// Number of common prefixes (the "directories" when a delimiter was given); 0 for NULL.
#[no_mangle]
pub extern "C" fn cos_version_list_prefix_count(l: *const cos_version_list) -> usize {
    read(l, 0, |l| l.prefixes.len())
}

/// Common prefix `index`, or NULL when out of range.
#[no_mangle]
pub extern "C" fn cos_version_list_prefix(l: *const cos_version_list, index: usize) -> *const c_char {
    read(l, std::ptr::null(), |l| l.prefixes.get(index).map_or(std::ptr::null(), |p| p.as_ptr()))
}

/// Whether more entries follow this page.
#[no_mangle]
pub extern "C" fn cos_version_list_is_truncated(l: *const cos_version_list) -> bool {
    read(l, false, |l| l.list.is_truncated)
}

/// The key marker of the next page when truncated, else NULL.
#[no_mangle]
pub extern "C" fn cos_version_list_next_key_marker(l: *const cos_version_list) -> *const c_char {
    read(l, std::ptr::null(), |l| c_ptr(&l.next_key_marker))
}

/// The version id marker of the next page when truncated (NULL when the page ended at a common prefix).
#[no_mangle]
pub extern "C" fn cos_version_list_next_version_id_marker(l: *const cos_version_list) -> *const c_char {
    read(l, std::ptr::null(), |l| c_ptr(&l.next_version_id_marker))
}

/// Frees a page. NULL does nothing.
#[no_mangle]
pub extern "C" fn cos_version_list_free(l: *mut cos_version_list) {
    free_box(l)
}

/// The outcome of `cos_client_delete_object_versions`, entry by entry. Strings are valid until
/// `cos_version_delete_result_free`.
pub struct cos_version_delete_result {
    result: VersionDeleteResult,
    deleted: Vec<[Option<CString>; 3]>,
    errors: Vec<[Option<CString>; 4]>,
}

impl cos_version_delete_result {
    fn new(result: VersionDeleteResult) -> cos_version_delete_result {
        let opt = |s: &Option<String>| s.as_deref().map(c_string);
        cos_version_delete_result {
            deleted: result
                .deleted
                .iter()
                .map(|d| [Some(c_string(&d.key)), opt(&d.version_id), opt(&d.delete_marker_version_id)])
                .collect(),
            errors: result
                .errors
                .iter()
                .map(|e| {
                    [Some(c_string(&e.key)), opt(&e.version_id), Some(c_string(&e.code)), Some(c_string(&e.message))]
                })
                .collect(),
            result,
        }
    }
}

/// The pointer of string `field` of row `index`, NULL when out of range or absent.
fn cell<const N: usize>(rows: &[[Option<CString>; N]], index: usize, field: usize) -> *const c_char {
    rows.get(index).map_or(std::ptr::null(), |r| c_ptr(&r[field]))
}

/// Deletes `count` object versions (DeleteObjects, sent in batches of 1000): `keys[i]` at version
/// `version_ids[i]`. `version_ids` may be NULL, and any entry of it may be NULL: that key's current object
/// is deleted instead (on a versioned bucket this makes a delete marker). An empty version id is
/// COS_INVALID_ARGUMENT. With `quiet`, COS reports only failures. The call succeeds when every request
/// succeeded; entries COS refused are listed in the result's errors. `out` may be NULL. `count` 0 deletes
/// nothing and succeeds.
#[no_mangle]
pub extern "C" fn cos_client_delete_object_versions(
    client: *const cos_client,
    bucket: *const c_char,
    keys: *const *const c_char,
    version_ids: *const *const c_char,
    count: usize,
    quiet: bool,
    out: *mut *mut cos_version_delete_result,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let (client, bucket) = bucket_args(client, bucket)?;
        let key_ptrs = arg_slice("keys", keys, count)?;
        let version_ptrs = if version_ids.is_null() { &[] } else { arg_slice("version_ids", version_ids, count)? };
        let objects = key_ptrs
            .iter()
            .enumerate()
            .map(|(i, &k)| {
                let key = arg_str(&format!("keys[{i}]"), k)?;
                let version = version_ptrs.get(i).copied().unwrap_or(std::ptr::null());
                Ok((key, arg_opt_str(&format!("version_ids[{i}]"), version)?))
            })
            .collect::<crate::Result<Vec<(&str, Option<&str>)>>>()?;
        set_out(out, cos_version_delete_result::new(client.delete_object_versions(bucket, &objects, quiet)?));
        Ok(())
    })
}

/// Number of entries reported deleted (0 in quiet mode); 0 for NULL.
#[no_mangle]
pub extern "C" fn cos_version_delete_result_deleted_count(r: *const cos_version_delete_result) -> usize {
    read(r, 0, |r| r.deleted.len())
}

/// Key of deleted entry `index`, or NULL when out of range.
#[no_mangle]
pub extern "C" fn cos_version_delete_result_deleted_key(
    r: *const cos_version_delete_result,
    index: usize,
) -> *const c_char {
    read(r, std::ptr::null(), |r| cell(&r.deleted, index, 0))
}

/// Version id of deleted entry `index` as COS echoes it; NULL when the request named none or out of range.
#[no_mangle]
pub extern "C" fn cos_version_delete_result_deleted_version_id(
    r: *const cos_version_delete_result,
    index: usize,
) -> *const c_char {
    read(r, std::ptr::null(), |r| cell(&r.deleted, index, 1))
}

/// Whether deleting entry `index` made a delete marker (no version id given, versioned bucket) or removed
/// one (the version id named a marker); false when out of range.
#[no_mangle]
pub extern "C" fn cos_version_delete_result_deleted_delete_marker(
    r: *const cos_version_delete_result,
    index: usize,
) -> bool {
    read(r, false, |r| r.result.deleted.get(index).is_some_and(|d| d.delete_marker))
}

/// Version id of that delete marker, or NULL.
#[no_mangle]
pub extern "C" fn cos_version_delete_result_deleted_delete_marker_version_id(
    r: *const cos_version_delete_result,
    index: usize,
) -> *const c_char {
    read(r, std::ptr::null(), |r| cell(&r.deleted, index, 2))
}

/// Number of entries COS could not delete; 0 for NULL.
#[no_mangle]
pub extern "C" fn cos_version_delete_result_error_count(r: *const cos_version_delete_result) -> usize {
    read(r, 0, |r| r.errors.len())
}

/// Key of failure `index`, or NULL when out of range.
#[no_mangle]
pub extern "C" fn cos_version_delete_result_error_key(
    r: *const cos_version_delete_result,
    index: usize,
) -> *const c_char {
    read(r, std::ptr::null(), |r| cell(&r.errors, index, 0))
}

/// Version id of failure `index`, or NULL when none was named or out of range.
#[no_mangle]
pub extern "C" fn cos_version_delete_result_error_version_id(
    r: *const cos_version_delete_result,
    index: usize,
) -> *const c_char {
    read(r, std::ptr::null(), |r| cell(&r.errors, index, 1))
}

/// COS error code of failure `index`, or NULL when out of range.
#[no_mangle]
pub extern "C" fn cos_version_delete_result_error_code(
    r: *const cos_version_delete_result,
    index: usize,
) -> *const c_char {
    read(r, std::ptr::null(), |r| cell(&r.errors, index, 2))
}

/// Message of failure `index`, or NULL when out of range.
#[no_mangle]
pub extern "C" fn cos_version_delete_result_error_message(
    r: *const cos_version_delete_result,
    index: usize,
) -> *const c_char {
    read(r, std::ptr::null(), |r| cell(&r.errors, index, 3))
}

/// Frees a delete result. NULL does nothing.
#[no_mangle]
pub extern "C" fn cos_version_delete_result_free(r: *mut cos_version_delete_result) {
    free_box(r)
}

/// Runs a purge with the C progress callback (if any) as a Rust closure: `done` is the number of versions,
/// delete markers and uploads removed so far, `total` is 0 (unknown until the end).
fn purge(
    progress: cos_progress_fn,
    userdata: *mut c_void,
    run: impl FnOnce(Option<crate::PurgeProgress<'_>>) -> crate::Result<PurgeReport>,
) -> crate::Result<PurgeReport> {
    match progress {
        None => run(None),
        Some(f) => {
            // SAFETY: the caller's callback, given its own userdata, on this thread.
            let mut report = |r: &PurgeReport| unsafe { f(userdata, r.deleted() + r.uploads, 0) } == 0;
            run(Some(&mut report))
        }
    }
}

/// Removes everything under `prefix` (NULL or "" for the whole bucket): aborts every multipart upload in
/// progress, then deletes every object version and every delete marker, in batches of 1000. Works on
/// buckets with versioning enabled, suspended or never enabled. `progress` (may be NULL) is called after
/// every batch with the number of entries removed so far (`total` 0); non-zero stops with COS_CANCELLED.
/// The first failure stops the purge: an entry COS refused is COS_SERVICE_ERROR with its code, and the
/// message names the key, the version and what had been removed before. On success `*deleted` receives the
/// number of versions and delete markers deleted and `*aborted` the number of uploads aborted (each may be
/// NULL). The operation timeout bounds the whole call.
#[no_mangle]
pub extern "C" fn cos_client_empty_bucket(
    client: *const cos_client,
    bucket: *const c_char,
    prefix: *const c_char,
    progress: cos_progress_fn,
    userdata: *mut c_void,
    deleted: *mut u64,
    aborted: *mut u64,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let (client, bucket) = bucket_args(client, bucket)?;
        let opts = PurgeOptions { prefix: arg_opt_string("prefix", prefix)?, delete_bucket: false };
        let report = purge(progress, userdata, |p| client.empty_bucket(bucket, &opts, p))?;
        store(deleted, report.deleted());
        store(aborted, report.uploads);
        Ok(())
    })
}

/// Empties the bucket as `cos_client_empty_bucket` does and then deletes it. `*deleted` (may be NULL)
/// receives the number of versions, delete markers and uploads removed. A write by someone else meanwhile
/// makes the final DELETE fail with BucketNotEmpty (COS_SERVICE_ERROR).
#[no_mangle]
pub extern "C" fn cos_client_delete_bucket_recursive(
    client: *const cos_client,
    bucket: *const c_char,
    progress: cos_progress_fn,
    userdata: *mut c_void,
    deleted: *mut u64,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let (client, bucket) = bucket_args(client, bucket)?;
        let report = purge(progress, userdata, |p| client.delete_bucket_recursive(bucket, p))?;
        store(deleted, report.deleted() + report.uploads);
        Ok(())
    })
}
