//! Streams: uploading from a reader of unknown length, and the pull-style [`ObjectReader`] and push-style
//! [`ObjectWriter`] handles (what Go's io.Reader / io.Writer map onto).

use super::pool::Run;
use super::range::{check_ranged, content_length, parse_asked, parse_content_range, Asked};
use super::{cancelled_error, choose_part_size, Progress, TransferOptions};
use crate::client::Client;
use crate::crc64::Crc64;
use crate::error::{Error, ErrorKind, Result};
use crate::headers::ObjectInfo;
use crate::ops::Call;
use crate::ops::MAX_PARTS;
use crate::options::RequestOptions;
use crate::transport::{verify_crc, Body, Response};
use crate::xml::Part;
use std::io::{self, Read};
use std::sync::{mpsc, Mutex};

/// Reads from `reader` until `buf` is full or the reader ends; returns the bytes read.
fn fill(reader: &mut dyn Read, buf: &mut [u8]) -> Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match reader.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(Error::from_io("reading the upload stream", e)),
        }
    }
    Ok(n)
}

impl Client {
    /// Uploads everything `reader` produces, without knowing its length: a stream that fits in one part is
    /// one PUT; a longer one a multipart upload with `concurrency` parts in flight. Memory stays near
    /// `(concurrency + 1) × part size`. A stream cannot be rewound, so there is no checkpoint; on failure the
    /// upload is aborted. With the default 8 MiB part the stream may hold up to 10000 parts (about 78 GiB);
    /// set `part_size` for more.
    pub fn upload_from_reader(
        &self,
        bucket: &str,
        key: &str,
        reader: &mut dyn Read,
        opts: &TransferOptions,
        progress: Option<Progress<'_>>,
    ) -> Result<ObjectInfo> {
        let call = Call::new(self.config());
        self.upload_from_reader_in(&call, bucket, key, reader, opts, progress).map_err(|e| call.stamp(e))
    }

    fn upload_from_reader_in(
        &self,
        call: &Call<'_>,
        bucket: &str,
        key: &str,
        reader: &mut dyn Read,
        opts: &TransferOptions,
        mut progress: Option<Progress<'_>>,
    ) -> Result<ObjectInfo> {
        self.object(bucket, key)?;
        let part_size = choose_part_size(0, opts.part_size)? as usize;
        let cancel = opts.cancel.as_ref();
        let mut first = vec![0u8; part_size];
        let n = fill(reader, &mut first)?;
        if n < part_size {
            first.truncate(n);
            if cancel.is_some_and(|c| c.is_cancelled()) || progress.as_mut().is_some_and(|report| !report(0, n as u64))
            {
                return Err(cancelled_error());
            }
            let info = self.put_object_in(call, bucket, key, &first, &opts.request)?;
            if let Some(report) = progress.as_mut() {
                report(n as u64, n as u64);
            }
            return Ok(info);
        }
        let upload_id = self.create_multipart_upload_in(call, bucket, key, &opts.request)?;
        let part_opts = opts.request.part_subset();
        let run = Run::new(0, 0, cancel.map(|c| c.flag()));
        let workers = opts.concurrency.clamp(1, 64);
        let (job_tx, job_rx) = mpsc::sync_channel::<(u32, Vec<u8>)>(workers);
        let job_rx = Mutex::new(job_rx);
        let (done_tx, done_rx) = mpsc::channel::<Result<Part>>();
        let mut parts = Vec::new();
        let mut failure = None;
        let mut sent = 0u64;
        std::thread::scope(|scope| {
            for _ in 0..workers {
                let (job_rx, done_tx, part_opts, upload_id) = (&job_rx, done_tx.clone(), &part_opts, &upload_id);
                scope.spawn(move || loop {
                    let job = job_rx.lock().unwrap_or_else(|e| e.into_inner()).recv();
                    let Ok((number, data)) = job else { return };
                    let part_call = call.part(opts.part_timeout, None);
                    let body = Body::Bytes(&data);
                    let result = self.upload_part_in(&part_call, bucket, key, upload_id, number, body, part_opts);
                    if done_tx.send(result.map_err(|e| e.context(&format!("part {number}")))).is_err() {
                        return;
                    }
                });
            }
            drop(done_tx);
            let mut next = Some(first);
            let mut number = 1u32;
            while let Some(data) = next.take() {
                if number > MAX_PARTS {
                    failure = Some(Error::invalid(format!(
                        "the stream needs more than {MAX_PARTS} parts of {part_size} bytes: set a larger part size"
                    )));
                    break;
                }
                let len = data.len() as u64;
                if job_tx.send((number, data)).is_err() {
                    break;
                }
                number += 1;
                sent += len;
                while let Ok(r) = done_rx.try_recv() {
                    match r {
                        Ok(p) => parts.push(p),
                        Err(e) => failure = failure.take().or(Some(e)),
                    }
                }
                if let Some(report) = progress.as_mut() {
                    if !report(sent, 0) {
                        failure = failure.take().or(Some(cancelled_error()));
                    }
                }
                if failure.is_some() || run.stopping() {
                    break;
                }
                let mut buf = vec![0u8; part_size];
                match fill(reader, &mut buf) {
                    Ok(0) => {}
                    Ok(k) => {
                        buf.truncate(k);
                        next = Some(buf);
                    }
                    Err(e) => failure = Some(e),
                }
            }
            drop(job_tx);
            for r in done_rx {
                match r {
                    Ok(p) => parts.push(p),
                    Err(e) => failure = failure.take().or(Some(e)),
                }
            }
        });
        if failure.is_none() && run.stopping() {
            failure = Some(cancelled_error());
        }
        let result = match failure {
            Some(e) => Err(e),
            None => self.complete_multipart_upload_in(call, bucket, key, &upload_id, &parts, &opts.request),
        };
        match result {
            Ok((_, info)) => {
                if let Some(report) = progress.as_mut() {
                    report(sent, sent);
                }
                Ok(info)
            }
            Err(e) => {
                let _ = self.abort_multipart_upload_in(&Call::cleanup(self.config()), bucket, key, &upload_id);
                Err(e)
            }
        }
    }
}

/// A pull-style download: read the object a buffer at a time. A broken connection is resumed from the
/// current offset (with `If-Match` on the ETag), up to the client's retry count; every resumed answer must be
/// a `206` continuing exactly where the last one stopped (see `range.rs`), and no read ever delivers a byte
/// past the announced length. The CRC-64 of a whole object is checked at the end, so the final `read` fails
/// (`ChecksumMismatch`) rather than returning 0 when the bytes were wrong. After an error, every later `read`
/// returns the same error. The `get_object*` calls read through it.
pub struct ObjectReader {
    client: Client,
    bucket: String,
    key: String,
    opts: RequestOptions,
    info: ObjectInfo,
    response: Option<Response>,
    /// The first and last byte of the object being read (`end` None: to the end of the object).
    start: u64,
    end: Option<u64>,
    /// The object's size, once an answer told it (a Content-Range, or the length of a whole-object answer).
    total: Option<u64>,
    /// How many bytes the read delivers in all, when known.
    expected: Option<u64>,
    /// Bytes delivered so far.
    pos: u64,
    crc: Crc64,
    resumes: u32,
    /// HTTP attempts made so far, for errors.
    attempts: u32,
    finished: bool,
    /// The error that ended the read, returned again by every later `read`.
    failed: Option<Error>,
    /// The deadline of the call that opened the reader, which its resumes share, and the operation timeout
    /// behind it.
    deadline: Option<std::time::Instant>,
    timeout: Option<std::time::Duration>,
}

/// Where the bytes of a first answer sit in the object: (start, end, total, expected length).
type Placement = (u64, Option<u64>, Option<u64>, Option<u64>);

impl ObjectReader {
    /// Starts the download (sends the GET). The operation timeout, counted from here, bounds the whole read:
    /// the GET, its body and every resume.
    pub fn open(client: &Client, bucket: &str, key: &str, opts: &RequestOptions) -> Result<ObjectReader> {
        ObjectReader::open_in(&Call::new(client.config()), client, bucket, key, opts)
    }

    /// Opens within `call`, whose deadline the resumes share.
    pub(crate) fn open_in(
        call: &Call<'_>,
        client: &Client,
        bucket: &str,
        key: &str,
        opts: &RequestOptions,
    ) -> Result<ObjectReader> {
        let response = client.get_response_in(call, bucket, key, opts)?;
        let placement = first_answer(&response, opts.get_header("range")).map_err(|e| response.stamp(e))?;
        let (start, end, total, expected) = placement;
        let info = ObjectInfo { headers: response.headers.clone() };
        Ok(ObjectReader {
            client: client.clone(),
            bucket: bucket.to_string(),
            key: key.to_string(),
            opts: opts.clone(),
            info,
            attempts: response.attempts,
            response: Some(response),
            start,
            end,
            total,
            expected,
            pos: 0,
            crc: Crc64::new(),
            resumes: 0,
            finished: false,
            failed: None,
            deadline: call.deadline(),
            timeout: call.operation_timeout(),
        })
    }

    /// The object's headers (from the GET).
    /// `e` (a failure after this reader's requests, such as writing what it delivered) with the attempts
    /// the read made, unless it carries its own.
    pub(crate) fn stamp(&self, e: Error) -> Error {
        if e.attempts() == 0 {
            e.with_attempts(self.attempts)
        } else {
            e
        }
    }

    pub fn info(&self) -> &ObjectInfo {
        &self.info
    }

    /// Reads up to `buf.len()` bytes; 0 means the whole object was read and verified.
    pub fn read(&mut self, buf: &mut [u8]) -> Result<usize> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        if self.finished || buf.is_empty() {
            return Ok(0);
        }
        let result = self.read_some(buf);
        if let Err(e) = &result {
            self.failed = Some(e.clone());
            self.response = None;
        }
        result
    }

    fn read_some(&mut self, buf: &mut [u8]) -> Result<usize> {
        loop {
            if self.response.is_none() {
                self.reopen()?;
                continue;
            }
            let remaining = self.expected.map(|e| e - self.pos);
            let resp = self.response.as_mut().expect("a response is open");
            if remaining == Some(0) {
                // Every announced byte is in: the body must end here. What a lying server adds is never delivered.
                let mut probe = [0u8; 1];
                return match resp.reader().read(&mut probe) {
                    Ok(0) => self.finish(),
                    Ok(_) => {
                        let msg = format!(
                            "the answer carries more than the {} bytes it announced; nothing past them was delivered",
                            self.pos
                        );
                        Err(resp.stamp(Error::parse(msg)).with_attempts(self.attempts))
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    // The bytes are all here; the CRC below still vouches for them.
                    Err(_) => self.finish(),
                };
            }
            let cap = remaining.map_or(buf.len(), |r| r.min(buf.len() as u64) as usize);
            match resp.reader().read(&mut buf[..cap]) {
                Ok(0) if remaining.is_none() => return self.finish(),
                Ok(0) => {
                    let (pos, all) = (self.pos, self.expected.unwrap_or_default());
                    let err = resp
                        .stamp(Error::new(ErrorKind::Network, format!("the body ended after {pos} of {all} bytes")));
                    self.broken(err)?
                }
                Ok(n) => {
                    self.crc.update(&buf[..n]);
                    self.pos += n as u64;
                    return Ok(n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    let err = resp.body_error(&e);
                    self.broken(err)?
                }
            }
        }
    }

    /// After a broken body: arranges to resume, or gives up when out of retries or when the object has no
    /// ETag to pin the resumed read to the same version.
    fn broken(&mut self, e: Error) -> Result<()> {
        self.response = None;
        self.resumes += 1;
        if self.resumes > self.client.config().max_retries || self.info.etag().is_none() {
            return Err(e.with_attempts(self.attempts));
        }
        Ok(())
    }

    fn reopen(&mut self) -> Result<()> {
        let first = self.start + self.pos;
        let mut o = self.opts.clone();
        o.range(first, self.end)?;
        if let Some(etag) = self.info.etag() {
            o.if_match(etag)?;
        }
        // The call that opened the reader goes on: its deadline, and the requests it sent so far.
        let call = Call::at(self.deadline, self.timeout);
        call.count(self.attempts);
        let response = self.client.get_response_in(&call, &self.bucket, &self.key, &o);
        self.attempts = call.sent();
        let response = response.map_err(|e| e.with_attempts(self.attempts))?;
        match check_ranged(&response, first, self.end, self.total) {
            Ok(span) => {
                self.total = Some(span.total);
                self.expected.get_or_insert(self.end.map_or(span.total, |e| e + 1) - self.start);
            }
            // Nothing was delivered yet and the answer is the whole object again: a clean restart.
            Err(_) if self.restartable(&response) => {}
            Err(e) => return Err(e.with_attempts(self.attempts)),
        }
        self.response = Some(response);
        Ok(())
    }

    /// Whether `resp`, a plain 200, can stand in for the whole read: nothing delivered yet, the whole object
    /// asked for, and the same length as before.
    fn restartable(&self, resp: &Response) -> bool {
        let length = ObjectInfo { headers: resp.headers.clone() }.content_length();
        self.pos == 0 && self.start == 0 && self.end.is_none() && resp.status == 200 && length == self.expected
    }

    fn finish(&mut self) -> Result<usize> {
        self.finished = true;
        self.response = None;
        let whole = self.opts.get_header("range").is_none();
        if whole && self.opts.verify_crc {
            verify_crc(self.crc.value(), &self.info.headers).map_err(|e| {
                let e = e.with_attempts(self.attempts);
                if self.resumes == 0 {
                    return e;
                }
                // Each resumed answer was checked to continue at the right byte: the server's bytes disagree
                // with its own CRC, which reading again does not change.
                e.note(&format!(
                    "the {} bytes came in {} answers, each continuing at the right byte",
                    self.pos,
                    self.resumes + 1
                ))
            })?;
        }
        Ok(0)
    }
}

/// Checks the first answer of a read against the caller's `Range` (if any) and places its bytes in the
/// object. A `200` stands for a ranged request only when the whole object is exactly what was asked.
fn first_answer(resp: &Response, range: Option<&str>) -> Result<Placement> {
    let length = content_length(&resp.headers)?;
    let whole = |ok: bool, asked: &str| -> Result<Placement> {
        if ok {
            Ok((0, None, length, length))
        } else {
            let carried = length.map_or(String::new(), |n| format!(" carrying {n} bytes"));
            Err(Error::parse(format!(
                "asked for {asked} and got HTTP {}{carried} instead of 206 Partial Content: not the bytes asked for",
                resp.status
            )))
        }
    };
    let Some(value) = range else {
        if resp.status != 206 {
            return whole(true, "");
        }
        // A 206 nobody asked for is acceptable only when it is the whole object.
        return match resp.headers.get("content-range").and_then(parse_content_range) {
            Some(span) if span.first == 0 && span.last + 1 == span.total => {
                Ok((0, None, Some(span.total), Some(span.len())))
            }
            _ => Err(Error::parse(format!(
                "a GET of the whole object was answered with 206 Partial Content (Content-Range {:?})",
                resp.headers.get("content-range").unwrap_or("")
            ))),
        };
    };
    match parse_asked(value) {
        Some(Asked::Span(first, last)) if resp.status != 206 => {
            whole(first == 0 && length.is_some_and(|n| last.is_none_or(|l| n <= l + 1)), value)
        }
        Some(Asked::Span(first, last)) => {
            let span = check_ranged(resp, first, last, None)?;
            Ok((span.first, Some(span.last), Some(span.total), Some(span.len())))
        }
        Some(Asked::Suffix(n)) if resp.status != 206 => whole(length.is_some_and(|len| len <= n), value),
        Some(Asked::Suffix(n)) => {
            let total = resp.headers.get("content-range").and_then(parse_content_range).map(|s| s.total);
            let first = total.map_or(0, |t| t - n.min(t));
            let span = check_ranged(resp, first, None, total)?;
            Ok((span.first, Some(span.last), Some(span.total), Some(span.len())))
        }
        // A form not checked here (several ranges): as before, a 206 must at least say where it is.
        None => match (resp.status, resp.headers.get("content-range").and_then(parse_content_range)) {
            (206, Some(span)) => Ok((span.first, Some(span.last), Some(span.total), length)),
            (206, None) => Err(Error::parse("a ranged answer without a valid Content-Range")),
            _ => Ok((0, None, None, length)),
        },
    }
}

impl Read for ObjectReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        ObjectReader::read(self, buf).map_err(io::Error::other)
    }
}

/// A push-style upload: write the object a buffer at a time, then `finish`. Data is sent one part at a
/// time as the buffer fills (memory: one part); an object smaller than a part is one PUT. Dropping a writer
/// without `finish` aborts its multipart upload.
pub struct ObjectWriter {
    client: Client,
    bucket: String,
    key: String,
    opts: RequestOptions,
    part_size: usize,
    buf: Vec<u8>,
    upload_id: Option<String>,
    parts: Vec<Part>,
    done: bool,
}

impl ObjectWriter {
    /// Prepares an upload; nothing is sent until a part fills or `finish` is called.
    pub fn new(client: &Client, bucket: &str, key: &str, opts: &TransferOptions) -> Result<ObjectWriter> {
        client.object(bucket, key)?;
        let part_size = choose_part_size(0, opts.part_size)? as usize;
        Ok(ObjectWriter {
            client: client.clone(),
            bucket: bucket.to_string(),
            key: key.to_string(),
            opts: opts.request.clone(),
            part_size,
            buf: Vec::new(),
            upload_id: None,
            parts: Vec::new(),
            done: false,
        })
    }

    pub fn write(&mut self, mut data: &[u8]) -> Result<()> {
        if self.done {
            return Err(Error::invalid("the writer is already finished"));
        }
        while !data.is_empty() {
            let take = (self.part_size - self.buf.len()).min(data.len());
            self.buf.extend_from_slice(&data[..take]);
            data = &data[take..];
            if self.buf.len() == self.part_size {
                self.send_part()?;
            }
        }
        Ok(())
    }

    fn send_part(&mut self) -> Result<()> {
        let (client, bucket, key) = (&self.client, self.bucket.as_str(), self.key.as_str());
        let upload_id = match &self.upload_id {
            Some(id) => id.clone(),
            None => {
                let id = client.create_multipart_upload(bucket, key, &self.opts)?;
                self.upload_id = Some(id.clone());
                id
            }
        };
        let number = self.parts.len() as u32 + 1;
        if number > MAX_PARTS {
            return Err(Error::invalid(format!(
                "the object needs more than {MAX_PARTS} parts: use a larger part size"
            )));
        }
        let part =
            client.upload_part(bucket, key, &upload_id, number, Body::Bytes(&self.buf), &self.opts.part_subset())?;
        self.parts.push(part);
        self.buf.clear();
        Ok(())
    }

    /// Sends what is left and completes the object.
    pub fn finish(&mut self) -> Result<ObjectInfo> {
        if self.done {
            return Err(Error::invalid("the writer is already finished"));
        }
        let result = if self.upload_id.is_none() {
            self.client.put_object(&self.bucket, &self.key, &self.buf, &self.opts)
        } else {
            let last = if self.buf.is_empty() { Ok(()) } else { self.send_part() };
            last.and_then(|()| {
                let id = self.upload_id.as_deref().unwrap_or_default();
                self.client.complete_multipart_upload(&self.bucket, &self.key, id, &self.parts, &self.opts).map(|r| r.1)
            })
        };
        if result.is_ok() {
            self.done = true;
        }
        result
    }

    /// Abandons the upload (also done on drop when not finished).
    pub fn abort(&mut self) {
        if let (false, Some(id)) = (self.done, self.upload_id.take()) {
            let _ = self.client.abort_multipart_upload(&self.bucket, &self.key, &id);
        }
        self.done = true;
    }
}

impl Drop for ObjectWriter {
    fn drop(&mut self) {
        self.abort();
    }
}
