//! SELECT object content: the `cos_select_request` handle, the push call with a write callback, the pull
//! reader, and the Stats / Progress counts.

use super::object::cos_write_fn;
use super::options::{cos_request_options, options_or_default};
use super::{
    arg_mut, arg_opt_str, arg_out, arg_str, boxed, call, cos_client, cos_error, cos_status, free_box, guard,
    object_args, read, set_out, store, update,
};
use crate::{
    CsvInput, CsvOutput, FileHeaderInfo, JsonType, SelectCompression, SelectInput, SelectOutput, SelectReader,
    SelectRequest, SelectStats,
};
use std::ffi::{c_char, c_int, c_void};

/// How the object is compressed (`cos_select_request_set_compression`). Values are never renumbered.
#[repr(C)]
pub enum cos_select_compression {
    COS_SELECT_COMPRESSION_NONE = 0,
    COS_SELECT_COMPRESSION_GZIP = 1,
    COS_SELECT_COMPRESSION_BZIP2 = 2,
}

/// Whether the first CSV line names the columns (`cos_select_request_set_input_csv`).
#[repr(C)]
pub enum cos_select_file_header {
    /// No header: columns are `_1`, `_2`, ...
    COS_SELECT_FILE_HEADER_NONE = 0,
    /// The first line names the columns.
    COS_SELECT_FILE_HEADER_USE = 1,
    /// The first line is skipped.
    COS_SELECT_FILE_HEADER_IGNORE = 2,
}

/// JSON input: one document, or one per line (`cos_select_request_set_input_json`).
#[repr(C)]
pub enum cos_select_json_type {
    COS_SELECT_JSON_DOCUMENT = 0,
    COS_SELECT_JSON_LINES = 1,
}

/// A SELECT request: the expression, the input and output formats. Made by `cos_select_request_new` with
/// CSV in and out, uncompressed, no progress events; freed by `cos_select_request_free`.
pub struct cos_select_request {
    inner: SelectRequest,
}

/// The byte counts of a Stats event (or of a Progress event, for the progress callback).
pub struct cos_select_stats {
    inner: SelectStats,
}

/// Receives a Progress event's counts while COS scans (`cos_select_request_set_progress`); returns 0 to
/// continue, non-zero to stop with `COS_CANCELLED`. Runs on the calling thread; it must not unwind.
pub type cos_select_progress_fn =
    Option<unsafe extern "C" fn(userdata: *mut c_void, stats: *const cos_select_stats) -> c_int>;

/// A new, empty request: set its expression with `cos_select_request_set_expression` (a select without one
/// fails with COS_INVALID_ARGUMENT). Free with `cos_select_request_free`.
#[no_mangle]
pub extern "C" fn cos_select_request_new() -> *mut cos_select_request {
    guard(std::ptr::null_mut(), || boxed(cos_select_request { inner: SelectRequest::new("") }))
}

/// Frees a request. NULL does nothing.
#[no_mangle]
pub extern "C" fn cos_select_request_free(req: *mut cos_select_request) {
    free_box(req)
}

/// Sets the SQL expression (COS Select SQL, at most 256 KiB; checked when the select is sent).
#[no_mangle]
pub extern "C" fn cos_select_request_set_expression(
    req: *mut cos_select_request,
    expression: *const c_char,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "req", req, |r| {
        r.inner.expression = arg_str("expression", expression)?.to_string();
        Ok(())
    })
}

fn opt(name: &str, ptr: *const c_char) -> crate::Result<Option<String>> {
    Ok(arg_opt_str(name, ptr)?.map(str::to_string))
}

/// CSV input. `file_header_info` is a `cos_select_file_header`; each string may be NULL for COS's default
/// (record delimiter "\n", field delimiter ",", quote and escape "\"", no comment character).
#[no_mangle]
pub extern "C" fn cos_select_request_set_input_csv(
    req: *mut cos_select_request,
    file_header_info: u32,
    record_delimiter: *const c_char,
    field_delimiter: *const c_char,
    quote_character: *const c_char,
    quote_escape_character: *const c_char,
    comments: *const c_char,
    allow_quoted_record_delimiter: bool,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "req", req, |r| {
        let file_header_info = match file_header_info {
            0 => FileHeaderInfo::None,
            1 => FileHeaderInfo::Use,
            2 => FileHeaderInfo::Ignore,
            v => {
                return Err(crate::Error::invalid(format!(
                    "file_header_info must be COS_SELECT_FILE_HEADER_NONE, _USE or _IGNORE (0, 1, 2), got {v}"
                )))
            }
        };
        r.inner.input = SelectInput::Csv(CsvInput {
            file_header_info,
            record_delimiter: opt("record_delimiter", record_delimiter)?,
            field_delimiter: opt("field_delimiter", field_delimiter)?,
            quote_character: opt("quote_character", quote_character)?,
            quote_escape_character: opt("quote_escape_character", quote_escape_character)?,
            comments: opt("comments", comments)?,
            allow_quoted_record_delimiter,
        });
        Ok(())
    })
}

/// JSON input; `json_type` is a `cos_select_json_type`.
#[no_mangle]
pub extern "C" fn cos_select_request_set_input_json(
    req: *mut cos_select_request,
    json_type: u32,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "req", req, |r| {
        let t = match json_type {
            0 => JsonType::Document,
            1 => JsonType::Lines,
            v => {
                return Err(crate::Error::invalid(format!(
                    "json_type must be COS_SELECT_JSON_DOCUMENT or COS_SELECT_JSON_LINES (0, 1), got {v}"
                )))
            }
        };
        r.inner.input = SelectInput::Json(t);
        Ok(())
    })
}

/// The object's compression, a `cos_select_compression`.
#[no_mangle]
pub extern "C" fn cos_select_request_set_compression(
    req: *mut cos_select_request,
    compression: u32,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "req", req, |r| {
        r.inner.compression = match compression {
            0 => SelectCompression::None,
            1 => SelectCompression::Gzip,
            2 => SelectCompression::Bzip2,
            v => {
                return Err(crate::Error::invalid(format!(
                    "compression must be COS_SELECT_COMPRESSION_NONE, _GZIP or _BZIP2 (0, 1, 2), got {v}"
                )))
            }
        };
        Ok(())
    })
}

/// CSV output: `quote_all` quotes every field (COS's ALWAYS; false: only where needed); strings may be NULL
/// for COS's defaults.
#[no_mangle]
pub extern "C" fn cos_select_request_set_output_csv(
    req: *mut cos_select_request,
    quote_all: bool,
    record_delimiter: *const c_char,
    field_delimiter: *const c_char,
    quote_character: *const c_char,
    quote_escape_character: *const c_char,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "req", req, |r| {
        r.inner.output = SelectOutput::Csv(CsvOutput {
            quote_all,
            record_delimiter: opt("record_delimiter", record_delimiter)?,
            field_delimiter: opt("field_delimiter", field_delimiter)?,
            quote_character: opt("quote_character", quote_character)?,
            quote_escape_character: opt("quote_escape_character", quote_escape_character)?,
        });
        Ok(())
    })
}

/// JSON output, each record followed by `record_delimiter` (NULL: "\n").
#[no_mangle]
pub extern "C" fn cos_select_request_set_output_json(
    req: *mut cos_select_request,
    record_delimiter: *const c_char,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "req", req, |r| {
        r.inner.output = SelectOutput::Json { record_delimiter: opt("record_delimiter", record_delimiter)? };
        Ok(())
    })
}

/// Whether COS sends Progress events while it scans.
#[no_mangle]
pub extern "C" fn cos_select_request_set_progress(
    req: *mut cos_select_request,
    enabled: bool,
    err: *mut *mut cos_error,
) -> cos_status {
    update(err, "req", req, |r| {
        r.inner.progress = enabled;
        Ok(())
    })
}

/// Runs `req` on the object: `write` gets the result records as they arrive (a record may span two calls),
/// `progress` (may be NULL) each Progress event; either returning non-zero stops with `COS_CANCELLED`.
/// `out_stats` (may be NULL) receives the Stats event's counts. A damaged answer is
/// `COS_CHECKSUM_MISMATCH`, one cut short `COS_NETWORK_ERROR`, an error event `COS_SERVICE_ERROR` with its
/// code and message. `opts` (may be NULL) may carry a versionId.
#[no_mangle]
pub extern "C" fn cos_client_select_object_content(
    client: *const cos_client,
    bucket: *const c_char,
    key: *const c_char,
    req: *const cos_select_request,
    opts: *const cos_request_options,
    write: cos_write_fn,
    progress: cos_select_progress_fn,
    userdata: *mut c_void,
    out_stats: *mut *mut cos_select_stats,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let (client, bucket, key) = object_args(client, bucket, key)?;
        let req = super::arg_ref("req", req)?;
        let write = write.ok_or_else(|| crate::Error::invalid("write is NULL"))?;
        let cancelled =
            || crate::Error::new(crate::ErrorKind::Cancelled, "cancelled: a select callback returned non-zero");
        let mut records = |b: &[u8]| {
            // SAFETY: the callback gets a valid buffer of `b.len()` bytes for the duration of the call.
            match unsafe { write(userdata, b.as_ptr(), b.len()) } {
                0 => Ok(()),
                _ => Err(cancelled()),
            }
        };
        let mut on_progress = |s: &SelectStats| {
            let Some(f) = progress else { return Ok(()) };
            let stats = cos_select_stats { inner: *s };
            // SAFETY: the callback gets a pointer valid for the duration of the call.
            match unsafe { f(userdata, &stats) } {
                0 => Ok(()),
                _ => Err(cancelled()),
            }
        };
        let opts = options_or_default(opts);
        let stats =
            client.select_object_content_with(bucket, key, &req.inner, &opts, &mut records, &mut on_progress)?;
        set_out(out_stats, cos_select_stats { inner: stats });
        Ok(())
    })
}

/// Bytes of the object read (as stored). 0 for NULL.
#[no_mangle]
pub extern "C" fn cos_select_stats_bytes_scanned(stats: *const cos_select_stats) -> u64 {
    read(stats, 0, |s| s.inner.bytes_scanned)
}

/// Bytes processed after decompression. 0 for NULL.
#[no_mangle]
pub extern "C" fn cos_select_stats_bytes_processed(stats: *const cos_select_stats) -> u64 {
    read(stats, 0, |s| s.inner.bytes_processed)
}

/// Bytes of records returned. 0 for NULL.
#[no_mangle]
pub extern "C" fn cos_select_stats_bytes_returned(stats: *const cos_select_stats) -> u64 {
    read(stats, 0, |s| s.inner.bytes_returned)
}

/// Frees stats from `cos_client_select_object_content`. NULL does nothing.
#[no_mangle]
pub extern "C" fn cos_select_stats_free(stats: *mut cos_select_stats) {
    free_box(stats)
}

/// A pull-style select. One thread at a time.
pub struct cos_select_reader {
    inner: SelectReader,
    stats: Option<cos_select_stats>,
}

/// Sends the select; read its records with `cos_select_reader_read`. `opts` may be NULL.
#[no_mangle]
pub extern "C" fn cos_select_reader_open(
    client: *const cos_client,
    bucket: *const c_char,
    key: *const c_char,
    req: *const cos_select_request,
    opts: *const cos_request_options,
    out: *mut *mut cos_select_reader,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let (client, bucket, key) = object_args(client, bucket, key)?;
        let req = super::arg_ref("req", req)?;
        arg_out("out", out)?;
        let inner = SelectReader::open(client, bucket, key, &req.inner, &options_or_default(opts))?;
        set_out(out, cos_select_reader { inner, stats: None });
        Ok(())
    })
}

/// Reads up to `cap` bytes of records into `buf` and stores the count in `*n`; `*n == 0` means the stream
/// ended with its End event (then `cos_select_reader_stats` has the counts). After an error, every later
/// read fails the same way.
#[no_mangle]
pub extern "C" fn cos_select_reader_read(
    reader: *mut cos_select_reader,
    buf: *mut u8,
    cap: usize,
    n: *mut usize,
    err: *mut *mut cos_error,
) -> cos_status {
    call(err, || {
        let reader = arg_mut("reader", reader)?;
        arg_out("n", n)?;
        if cap == 0 {
            // A zero count means "end of stream", so an empty buffer cannot be allowed to produce one.
            return Err(crate::Error::invalid("cap is 0"));
        }
        super::arg_bytes("buf", buf, cap)?;
        // SAFETY: checked non-NULL with `cap` bytes (arg_bytes), writable per the contract.
        let slice = unsafe { std::slice::from_raw_parts_mut(buf, cap) };
        let got = reader.inner.read(slice)?;
        reader.stats = reader.inner.stats().map(|inner| cos_select_stats { inner });
        store(n, got);
        Ok(())
    })
}

/// The Stats event's counts once the stream ended; NULL before, or for NULL. Valid until the reader is freed.
#[no_mangle]
pub extern "C" fn cos_select_reader_stats(reader: *const cos_select_reader) -> *const cos_select_stats {
    read(reader, std::ptr::null(), |r| r.stats.as_ref().map_or(std::ptr::null(), |s| s as *const cos_select_stats))
}

/// Frees a reader, closing its connection. NULL does nothing.
#[no_mangle]
pub extern "C" fn cos_select_reader_free(reader: *mut cos_select_reader) {
    free_box(reader)
}
