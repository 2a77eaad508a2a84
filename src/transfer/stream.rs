//! Streams: uploading from a reader of unknown length, and the pull-style [`ObjectReader`] and push-style
//! [`ObjectWriter`] handles (what Go's io.Reader / io.Writer map onto).

use super::pool::Run;
use super::{cancelled_error, choose_part_size, Progress, TransferOptions};
use crate::client::Client;
use crate::crc64::Crc64;
use crate::error::{Error, ErrorKind, Result};
use crate::headers::ObjectInfo;
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
            Err(e) if e.to_string() == crate::transport::CANCELLED_MARKER => return Err(cancelled_error()),
            Err(e) => return Err(Error::io("reading the upload stream", &e)),
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
            let info = self.put_object(bucket, key, &first, &opts.request)?;
            if let Some(report) = progress.as_mut() {
                report(n as u64, n as u64);
            }
            return Ok(info);
        }
        let upload_id = self.create_multipart_upload(bucket, key, &opts.request)?;
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
                    let result = self.upload_part(bucket, key, upload_id, number, Body::Bytes(&data), part_opts);
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
            None => self.complete_multipart_upload(bucket, key, &upload_id, &parts, &opts.request),
        };
        match result {
            Ok((_, info)) => {
                if let Some(report) = progress.as_mut() {
                    report(sent, sent);
                }
                Ok(info)
            }
            Err(e) => {
                let _ = self.abort_multipart_upload(bucket, key, &upload_id);
                Err(e)
            }
        }
    }
}

/// A pull-style download: read the object a buffer at a time. A broken connection is resumed from the
/// current offset (with `If-Match` on the ETag), up to the client's retry count; the length is checked, and
/// the CRC-64 of a whole object at the end, so the final `read` fails (`ChecksumMismatch`) rather than
/// returning 0 when the bytes were wrong. The `get_object*` calls read through it.
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
    /// Bytes delivered so far.
    pos: u64,
    size: Option<u64>,
    crc: Crc64,
    resumes: u32,
    /// HTTP attempts made so far, for errors.
    attempts: u32,
    finished: bool,
}

impl ObjectReader {
    /// Starts the download (sends the GET).
    pub fn open(client: &Client, bucket: &str, key: &str, opts: &RequestOptions) -> Result<ObjectReader> {
        let response = client.get_response(bucket, key, opts)?;
        let info = ObjectInfo { headers: response.headers.clone() };
        // Where the bytes come from in the object, so a resumed read asks for the rest of the same range.
        let (start, end) = match (response.status, info.headers.get("content-range").and_then(parse_content_range)) {
            (206, Some(range)) => (range.0, Some(range.1)),
            (206, None) => return Err(Error::parse("a ranged answer without a valid Content-Range")),
            _ => (0, None),
        };
        Ok(ObjectReader {
            client: client.clone(),
            bucket: bucket.to_string(),
            key: key.to_string(),
            opts: opts.clone(),
            size: info.content_length(),
            info,
            attempts: response.attempts,
            response: Some(response),
            start,
            end,
            pos: 0,
            crc: Crc64::new(),
            resumes: 0,
            finished: false,
        })
    }

    /// The object's headers (from the GET).
    pub fn info(&self) -> &ObjectInfo {
        &self.info
    }

    /// Reads up to `buf.len()` bytes; 0 means the whole object was read and verified.
    pub fn read(&mut self, buf: &mut [u8]) -> Result<usize> {
        if self.finished || buf.is_empty() {
            return Ok(0);
        }
        loop {
            let resp = match self.response.as_mut() {
                Some(r) => r,
                None => {
                    self.reopen()?;
                    continue;
                }
            };
            let result = resp.reader().read(buf);
            match result {
                Ok(0) if self.size.is_none_or(|s| self.pos >= s) => return self.finish(),
                Ok(0) => self.broken(Error::new(ErrorKind::Network, "the body ended early"))?,
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
        let mut o = self.opts.clone();
        o.range(self.start + self.pos, self.end)?;
        if let Some(etag) = self.info.etag() {
            o.if_match(etag)?;
        }
        let response = self.client.get_response(&self.bucket, &self.key, &o)?;
        self.attempts += response.attempts;
        self.response = Some(response);
        Ok(())
    }

    fn finish(&mut self) -> Result<usize> {
        self.finished = true;
        let whole = self.opts.get_header("range").is_none();
        if whole && self.opts.verify_crc {
            verify_crc(self.crc.value(), &self.info.headers).map_err(|e| e.with_attempts(self.attempts))?;
        }
        Ok(0)
    }
}

impl Read for ObjectReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        ObjectReader::read(self, buf).map_err(io::Error::other)
    }
}

/// `bytes FIRST-LAST/SIZE` → (FIRST, LAST).
fn parse_content_range(value: &str) -> Option<(u64, u64)> {
    let (range, _) = value.trim().strip_prefix("bytes ")?.split_once('/')?;
    let (first, last) = range.split_once('-')?;
    Some((first.parse().ok()?, last.parse().ok()?))
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
