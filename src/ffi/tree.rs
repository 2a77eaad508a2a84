//! Directory trees: `cos_tree_options`, `cos_client_upload_prefix`, `cos_client_download_tree` and the
//! report of every file, `cos_tree_report`.

use super::error::cos_error;
use super::transfer::{cos_progress_fn, cos_transfer_options, transfer_options};
use super::{
    arg_opt_str, arg_out, arg_str, boxed, bucket_args, c_string, call, cos_client, cos_status, free_box, guard, read,
    set_out, update,
};
use crate::transfer::Progress;
use crate::{Outcome, TreeOptions, TreeReport};
use std::ffi::{c_char, c_void, CString};
use std::path::Path;

/// How to move a directory tree: the transfer options of each file, files in flight, include and exclude
/// patterns, sync (skip unchanged files) and mirror (delete extras). Copied by each call that uses it; one
/// thread at a time may change it.
pub struct cos_tree_options {
    inner: TreeOptions,
}

/// What happened to one file of a tree transfer.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum cos_tree_outcome {
    COS_TREE_TRANSFERRED = 0,
    /// Already the same on the other side: same size and CRC-64.
    COS_TREE_SKIPPED = 1,
    /// Deleted on the destination side, which the source no longer has (`delete_extras`).
    COS_TREE_DELETED = 2,
    /// See `cos_tree_report_error`.
    COS_TREE_FAILED = 3,
}

/// Every file a tree transfer considered, in key order. Strings and errors are valid until
/// `cos_tree_report_free`.
pub struct cos_tree_report {
    entries: Vec<ReportEntry>,
    bytes_transferred: u64,
}

struct ReportEntry {
    key: CString,
    path: CString,
    size: u64,
    outcome: cos_tree_outcome,
    error: Option<cos_error>,
}

impl From<TreeReport> for cos_tree_report {
    fn from(report: TreeReport) -> Self {
        let bytes_transferred = report.bytes_transferred();
        let entries = report
            .entries
            .into_iter()
            .map(|e| {
                let (outcome, error) = match e.outcome {
                    Outcome::Transferred => (cos_tree_outcome::COS_TREE_TRANSFERRED, None),
                    Outcome::Skipped => (cos_tree_outcome::COS_TREE_SKIPPED, None),
                    Outcome::Deleted => (cos_tree_outcome::COS_TREE_DELETED, None),
                    Outcome::Failed(err) => (cos_tree_outcome::COS_TREE_FAILED, Some(cos_error::new(err))),
                };
                ReportEntry {
                    key: c_string(&e.key),
                    path: c_string(&e.path.to_string_lossy()),
                    size: e.size,
                    outcome,
                    error,
                }
            })
            .collect();
        cos_tree_report { entries, bytes_transferred }
    }
}

/// New tree options: default transfer options for each file, 8 files in flight, every file, no sync, no
/// deletes. Never NULL.
#[no_mangle]
pub extern "C" fn cos_tree_options_new() -> *mut cos_tree_options {
    guard(std::ptr::null_mut(), || boxed(cos_tree_options { inner: TreeOptions::default() }))
}

/// Frees tree options. NULL does nothing.
#[no_mangle]
pub extern "C" fn cos_tree_options_free(opts: *mut cos_tree_options) {
    free_box(opts)
}

/// The transfer options each file moves with (copied now; NULL restores the defaults).
#[no_mangle]
pub extern "C" fn cos_tree_options_set_transfer_options(
    opts: *mut cos_tree_options,
    transfer: *const cos_transfer_options,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "opts", opts, |o| {
        o.inner.transfer = transfer_options(transfer);
        Ok(())
    })
}

/// Files in flight at once: 1 to 64 (default 8). Each large file also has its own parts in flight.
#[no_mangle]
pub extern "C" fn cos_tree_options_set_files_in_flight(
    opts: *mut cos_tree_options,
    files: usize,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "opts", opts, |o| {
        let mut next = o.inner.clone();
        next.files_in_flight = files;
        next.check()?;
        o.inner = next;
        Ok(())
    })
}

/// Adds an include pattern: only files that some include pattern selects move (none: every file). A
/// pattern without `/` matches the file name at any depth (`*.jpg`); with `/`, the path relative to the tree
/// (`photos/2024-??.jpg`). `*` stays within one path segment, `**` crosses them, `?` is one character
/// other than a slash.
#[no_mangle]
pub extern "C" fn cos_tree_options_add_include(
    opts: *mut cos_tree_options,
    pattern: *const c_char,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "opts", opts, |o| {
        o.inner.include.push(arg_str("pattern", pattern)?.to_string());
        Ok(())
    })
}

/// Adds an exclude pattern (as for includes): the files it selects neither move nor are deleted.
#[no_mangle]
pub extern "C" fn cos_tree_options_add_exclude(
    opts: *mut cos_tree_options,
    pattern: *const c_char,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "opts", opts, |o| {
        o.inner.exclude.push(arg_str("pattern", pattern)?.to_string());
        Ok(())
    })
}

/// Sync: skip files whose size and CRC-64 already match on the other side (one HEAD each). Default off.
#[no_mangle]
pub extern "C" fn cos_tree_options_set_skip_unchanged(
    opts: *mut cos_tree_options,
    on: bool,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "opts", opts, |o| {
        o.inner.skip_unchanged = on;
        Ok(())
    })
}

/// Mirror: delete, on the destination side, the files under the tree that the source does not have and the
/// patterns select. Default off.
#[no_mangle]
pub extern "C" fn cos_tree_options_set_delete_extras(
    opts: *mut cos_tree_options,
    on: bool,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "opts", opts, |o| {
        o.inner.delete_extras = on;
        Ok(())
    })
}

/// The client, bucket, prefix (NULL: "") and directory arguments of a tree call, checked in that order.
fn tree_args<'a>(
    client: *const cos_client,
    bucket: *const c_char,
    prefix: *const c_char,
    dir: *const c_char,
) -> crate::Result<(&'a crate::Client, &'a str, &'a str, &'a Path)> {
    let (client, bucket) = bucket_args(client, bucket)?;
    let prefix = arg_opt_str("prefix", prefix)?.unwrap_or_default();
    Ok((client, bucket, prefix, Path::new(arg_str("dir", dir)?)))
}

/// Runs a tree transfer with the C progress callback and stores its report.
fn tree(
    opts: *const cos_tree_options,
    progress: cos_progress_fn,
    userdata: *mut c_void,
    report: *mut *mut cos_tree_report,
    run: impl FnOnce(&TreeOptions, Option<Progress<'_>>) -> crate::Result<TreeReport>,
) -> crate::Result<()> {
    arg_out("report", report)?;
    // SAFETY: NULL or live options.
    let opts = unsafe { opts.as_ref() }.map(|o| o.inner.clone()).unwrap_or_default();
    let result = match progress {
        None => run(&opts, None)?,
        Some(f) => {
            // SAFETY: the caller's callback, given its own userdata, on this thread.
            let mut report = |done: u64, total: u64| unsafe { f(userdata, done, total) } == 0;
            run(&opts, Some(&mut report))?
        }
    };
    set_out(report, cos_tree_report::from(result));
    Ok(())
}

/// Uploads the regular files under the local directory `dir` (recursively; links to files followed, to
/// directories not) to `prefix` + their path relative to `dir` (a `/` is added after a non-empty prefix
/// without one). The library's own `*.cos-checkpoint` / `*.cos-partial` files are never uploaded. Large
/// files go as parallel multipart uploads. `progress` (may be NULL) covers the whole tree; returning
/// non-zero cancels it (`COS_CANCELLED`).
///
/// One file's failure stops no other: the call returns `COS_OK` when it ran through the tree, and
/// `*report` (required) says what happened to every file — check `cos_tree_report_failed_count`. It fails
/// as a whole (no report) only when the directory cannot be read, the listing a sync needs fails, or it
/// was cancelled. `opts` may be NULL (defaults).
#[no_mangle]
pub extern "C" fn cos_client_upload_prefix(
    client: *const cos_client,
    bucket: *const c_char,
    prefix: *const c_char,
    dir: *const c_char,
    opts: *const cos_tree_options,
    progress: cos_progress_fn,
    userdata: *mut c_void,
    report: *mut *mut cos_tree_report,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let (client, bucket, prefix, dir) = tree_args(client, bucket, prefix, dir)?;
        tree(opts, progress, userdata, report, |o, p| client.upload_prefix(bucket, prefix, dir, o, p))
    })
}

/// Downloads the objects under `prefix` (NULL: the whole bucket) into the local directory `dir`, at
/// `dir/<key without prefix>`, creating subdirectories, each file verified and renamed into place when
/// complete. A key that would land outside `dir` fails the call before anything is written. Sync and
/// mirror options apply as for uploads (a local file of the object's size and CRC-64 stays; local files no
/// object maps to are deleted). Report, progress and failures as for `cos_client_upload_prefix`.
#[no_mangle]
pub extern "C" fn cos_client_download_tree(
    client: *const cos_client,
    bucket: *const c_char,
    prefix: *const c_char,
    dir: *const c_char,
    opts: *const cos_tree_options,
    progress: cos_progress_fn,
    userdata: *mut c_void,
    report: *mut *mut cos_tree_report,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let (client, bucket, prefix, dir) = tree_args(client, bucket, prefix, dir)?;
        tree(opts, progress, userdata, report, |o, p| client.download_tree(bucket, prefix, dir, o, p))
    })
}

/// Number of files in the report; 0 for NULL.
#[no_mangle]
pub extern "C" fn cos_tree_report_count(report: *const cos_tree_report) -> usize {
    read(report, 0, |r| r.entries.len())
}

/// Number of files that failed; 0 for NULL.
#[no_mangle]
pub extern "C" fn cos_tree_report_failed_count(report: *const cos_tree_report) -> usize {
    read(report, 0, |r| r.entries.iter().filter(|e| e.error.is_some()).count())
}

/// Bytes of the files transferred; 0 for NULL.
#[no_mangle]
pub extern "C" fn cos_tree_report_bytes_transferred(report: *const cos_tree_report) -> u64 {
    read(report, 0, |r| r.bytes_transferred)
}

/// Key of file `index` (empty for a local file whose name is not UTF-8), or NULL when out of range.
#[no_mangle]
pub extern "C" fn cos_tree_report_key(report: *const cos_tree_report, index: usize) -> *const c_char {
    read(report, std::ptr::null(), |r| r.entries.get(index).map_or(std::ptr::null(), |e| e.key.as_ptr()))
}

/// Local path of file `index` (empty for an object deleted by a sync up), or NULL when out of range.
#[no_mangle]
pub extern "C" fn cos_tree_report_path(report: *const cos_tree_report, index: usize) -> *const c_char {
    read(report, std::ptr::null(), |r| r.entries.get(index).map_or(std::ptr::null(), |e| e.path.as_ptr()))
}

/// Size in bytes of file `index` (the source side's), 0 when out of range or for NULL.
#[no_mangle]
pub extern "C" fn cos_tree_report_size(report: *const cos_tree_report, index: usize) -> u64 {
    read(report, 0, |r| r.entries.get(index).map_or(0, |e| e.size))
}

/// What happened to file `index`; `COS_TREE_FAILED` when out of range or for NULL.
#[no_mangle]
pub extern "C" fn cos_tree_report_outcome(report: *const cos_tree_report, index: usize) -> cos_tree_outcome {
    read(report, cos_tree_outcome::COS_TREE_FAILED, |r| {
        r.entries.get(index).map_or(cos_tree_outcome::COS_TREE_FAILED, |e| e.outcome)
    })
}

/// Why file `index` failed, read with the `cos_error_*` accessors (status, code, request id, ...); NULL
/// when it did not fail, out of range or for NULL. Owned by the report: do not free it.
#[no_mangle]
pub extern "C" fn cos_tree_report_error(report: *const cos_tree_report, index: usize) -> *const cos_error {
    read(report, std::ptr::null(), |r| {
        r.entries.get(index).and_then(|e| e.error.as_ref()).map_or(std::ptr::null(), |e| e as *const cos_error)
    })
}

/// Frees a report. NULL does nothing.
#[no_mangle]
pub extern "C" fn cos_tree_report_free(report: *mut cos_tree_report) {
    free_box(report)
}
