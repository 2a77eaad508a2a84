//! The C ABI: thin, mechanical wrappers over the Rust core. The header `include/cos.h` is generated from
//! this module by cbindgen (see build.rs); doc comments here become the header's documentation.
//!
//! Every export follows the same pattern (see `design/capi.md` in the project notes):
//! - it is a literal `#[no_mangle] pub extern "C" fn` (so cbindgen sees it without macro expansion);
//! - every body runs behind the panic boundary (a panic never crosses into C; tests/ffi_boundary.rs checks
//!   it): it starts with one of the helpers below, or delegates to another export that does;
//! - fallible functions return `cos_status` and take `cos_error **err` last; the body runs in [`call`],
//!   which clears `*err`, catches panics and stores the error; setters run in [`update`];
//! - accessors run in [`read`] (a NULL handle gives the documented fallback), frees in [`free_box`], other
//!   exports that cannot report an error (constructors, static strings) in [`guard`];
//! - pointers are checked with the helpers below: a NULL required pointer or a non-UTF-8 string is
//!   `COS_INVALID_ARGUMENT` with a message naming the parameter, never a crash;
//! - out-parameters are written only on success; every handle from `*_new` or an out-parameter has a
//!   `*_free`, and `*_free(NULL)` does nothing.

#![allow(non_camel_case_types)]
// Exports take raw pointers from C by design; marking them `unsafe fn` would change nothing for C callers.
// Every pointer goes through the checked helpers below, each `unsafe` block states what it relies on.
#![allow(clippy::not_unsafe_ptr_arg_deref)]

use crate::error::{Error, Result};
use std::ffi::{c_char, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};

// In header order (see `SECTIONS` in build.rs): cbindgen emits functions in the order it parses them
// (rustfmt.toml keeps rustfmt from sorting them).
mod status;
mod error;
mod client;
mod bucket;
mod object;
mod options;
mod append;
mod list;
mod multipart;
mod transfer;
mod subresource;
mod versioning;
mod lifecycle;
mod cors;
mod tagging;
mod acl;
mod restore;
mod symlink;
mod copy_source;
mod presign;
mod raw;
mod select;
mod tree;
mod log;
mod credentials;
mod operation;

pub use acl::*;
pub use append::*;
pub use bucket::*;
pub use client::*;
pub use copy_source::*;
pub use cors::*;
pub use credentials::*;
pub use error::*;
pub use lifecycle::*;
pub use list::*;
pub use log::*;
pub use multipart::*;
pub use object::*;
pub use operation::*;
pub use options::*;
pub use presign::*;
pub use raw::*;
pub use restore::*;
pub use select::*;
pub use status::*;
pub use subresource::*;
pub use symlink::*;
pub use tagging::*;
pub use transfer::*;
pub use tree::*;
pub use versioning::*;

/// Runs the body of an export: clears `*err`, catches panics, and turns a failure into a status and an error.
fn call(err: *mut *mut cos_error, body: impl FnOnce() -> Result<()>) -> cos_status {
    if !err.is_null() {
        // SAFETY: the caller passes either NULL or a valid `cos_error **` (documented for every export).
        unsafe { *err = std::ptr::null_mut() };
    }
    let failure = match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => return cos_status::COS_OK,
        Ok(Err(e)) => e,
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            Error::new(crate::ErrorKind::Internal, format!("internal error (caught panic): {what}"))
        }
    };
    let status = cos_status::from(failure.kind());
    if !err.is_null() {
        // SAFETY: as above.
        unsafe { *err = cos_error::boxed(failure) };
    }
    status
}

/// Runs the body of an export that cannot report an error (a constructor returning a handle, a free, a
/// static string): a panic gives `fallback` instead of crossing into C.
fn guard<T>(fallback: T, body: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(body)).unwrap_or(fallback)
}

/// Runs the body of an accessor: `f` on the handle, or `fallback` when the handle is NULL or `f` panics.
fn read<H, T: Copy>(ptr: *const H, fallback: T, f: impl FnOnce(&H) -> T) -> T {
    // SAFETY: the caller passes NULL or a live handle from this library.
    guard(fallback, || unsafe { ptr.as_ref() }.map_or(fallback, f))
}

/// Runs the body of a setter: `apply` on the required handle `name`, behind [`call`]. String arguments
/// are converted inside `apply` (with [`arg_str`]), so that a bad one is reported like any failure.
fn update<H>(
    err: *mut *mut cos_error,
    name: &str,
    ptr: *mut H,
    apply: impl FnOnce(&mut H) -> Result<()>,
) -> cos_status {
    call(err, || apply(arg_mut(name, ptr)?))
}

/// A required string argument.
fn arg_str<'a>(name: &str, ptr: *const c_char) -> Result<&'a str> {
    if ptr.is_null() {
        return Err(Error::invalid(format!("{name} is NULL")));
    }
    // SAFETY: non-NULL; the caller passes a NUL-terminated string that outlives the call.
    let bytes = unsafe { CStr::from_ptr(ptr) };
    bytes.to_str().map_err(|_| Error::invalid(format!("{name} is not valid UTF-8")))
}

/// An optional string argument as an owned string: NULL is "".
fn arg_opt_string(name: &str, ptr: *const c_char) -> Result<String> {
    arg_opt_str(name, ptr).map(|v| v.unwrap_or_default().to_string())
}

/// An optional string argument: NULL is `None`.
fn arg_opt_str<'a>(name: &str, ptr: *const c_char) -> Result<Option<&'a str>> {
    if ptr.is_null() {
        Ok(None)
    } else {
        arg_str(name, ptr).map(Some)
    }
}

/// A byte buffer argument `(data, len)`; `data` may be NULL only when `len` is 0.
fn arg_bytes<'a>(name: &str, data: *const u8, len: usize) -> Result<&'a [u8]> {
    if len == 0 {
        return Ok(&[]);
    }
    if data.is_null() {
        return Err(Error::invalid(format!("{name} is NULL but its length is {len}")));
    }
    if len > isize::MAX as usize {
        return Err(Error::invalid(format!("length of {name} is impossibly large ({len})")));
    }
    // SAFETY: non-NULL, and the caller promises `len` readable bytes that outlive the call.
    Ok(unsafe { std::slice::from_raw_parts(data, len) })
}

/// An array argument `(ptr, count)`; `ptr` may be NULL only when `count` is 0.
fn arg_slice<'a, T>(name: &str, ptr: *const T, count: usize) -> Result<&'a [T]> {
    if count == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() {
        return Err(Error::invalid(format!("{name} is NULL but its count is {count}")));
    }
    if count > isize::MAX as usize / std::mem::size_of::<T>().max(1) {
        return Err(Error::invalid(format!("count of {name} is impossibly large ({count})")));
    }
    // SAFETY: non-NULL, and the caller promises `count` readable elements that outlive the call.
    Ok(unsafe { std::slice::from_raw_parts(ptr, count) })
}

/// The client and bucket arguments of bucket operations and listings, checked in that order.
fn bucket_args<'a>(client: *const cos_client, bucket: *const c_char) -> Result<(&'a crate::Client, &'a str)> {
    Ok((&arg_ref("client", client)?.inner, arg_str("bucket", bucket)?))
}

/// The client, bucket and key arguments most operations start with, checked in that order.
fn object_args<'a>(
    client: *const cos_client,
    bucket: *const c_char,
    key: *const c_char,
) -> Result<(&'a crate::Client, &'a str, &'a str)> {
    let (client, bucket) = bucket_args(client, bucket)?;
    Ok((client, bucket, arg_str("key", key)?))
}

/// The source bucket and key of a server-side copy, checked after the destination's [`object_args`].
fn source_args<'a>(src_bucket: *const c_char, src_key: *const c_char) -> Result<(&'a str, &'a str)> {
    Ok((arg_str("src_bucket", src_bucket)?, arg_str("src_key", src_key)?))
}

/// A required handle argument.
fn arg_ref<'a, T>(name: &str, ptr: *const T) -> Result<&'a T> {
    // SAFETY: the caller passes NULL or a live handle from this library.
    unsafe { ptr.as_ref() }.ok_or_else(|| Error::invalid(format!("{name} is NULL")))
}

/// A required mutable handle argument.
fn arg_mut<'a, T>(name: &str, ptr: *mut T) -> Result<&'a mut T> {
    // SAFETY: the caller passes NULL or a live handle from this library, used by one thread at a time.
    unsafe { ptr.as_mut() }.ok_or_else(|| Error::invalid(format!("{name} is NULL")))
}

/// Checks a required out-parameter before any work is done, so a NULL one fails without side effects.
fn arg_out<T>(name: &str, out: *mut T) -> Result<()> {
    if out.is_null() {
        Err(Error::invalid(format!("{name} is NULL")))
    } else {
        Ok(())
    }
}

/// Stores `value` in `out` if `out` is not NULL; returns whether it did.
fn store<T>(out: *mut T, value: T) -> bool {
    if out.is_null() {
        return false;
    }
    // SAFETY: checked non-NULL; the caller passes a valid pointer to a `T`.
    unsafe { *out = value };
    true
}

/// Moves `value` to the heap and stores it in `out`, if `out` is not NULL.
fn set_out<T>(out: *mut *mut T, value: T) {
    if !out.is_null() {
        store(out, Box::into_raw(Box::new(value)));
    }
}

/// Frees a handle made by `set_out` or `Box::into_raw`; NULL does nothing.
fn free_box<T>(ptr: *mut T) {
    guard((), || {
        if !ptr.is_null() {
            // SAFETY: the pointer came from `Box::into_raw` in this library and is freed once (documented).
            drop(unsafe { Box::from_raw(ptr) });
        }
    })
}

/// Moves a new handle to the heap for C.
fn boxed<T>(value: T) -> *mut T {
    Box::into_raw(Box::new(value))
}

/// A C string copy of `s`. Interior NUL bytes (possible only in a hostile server's text) become U+FFFD.
fn c_string(s: &str) -> CString {
    CString::new(s.replace('\0', "\u{FFFD}")).unwrap_or_default()
}

/// Stores a copy of `s` in the required out-parameter `out` (checked with [`arg_out`]), for `cos_string_free`.
fn store_string(out: *mut *mut c_char, s: &str) {
    if !out.is_null() {
        store(out, c_string(s).into_raw());
    }
}

/// The pointer of string `index` of `strings`, NULL when out of range.
fn string_at(strings: &[CString], index: usize) -> *const c_char {
    strings.get(index).map_or(std::ptr::null(), |s| s.as_ptr())
}

/// The pointer of a string field of row `index` of `rows`, NULL when out of range.
fn field_at<R>(rows: &[R], index: usize, field: impl FnOnce(&R) -> &CString) -> *const c_char {
    rows.get(index).map_or(std::ptr::null(), |r| field(r).as_ptr())
}

/// The pointer of an optional C string, NULL when absent.
fn c_ptr(s: &Option<CString>) -> *const c_char {
    s.as_ref().map_or(std::ptr::null(), |c| c.as_ptr())
}
