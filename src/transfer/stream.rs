//! Streams: uploading from a reader of unknown length, and the pull-style [`ObjectReader`] and push-style
//! [`ObjectWriter`] handles (what Go's io.Reader / io.Writer map onto).

use super::pool::Run;
use super::{cancelled_error, choose_part_size, Progress, TransferOptions};
use crate::client::Client;
use crate::error::{Error, Result};
use crate::headers::ObjectInfo;
use crate::ops::Call;
use crate::ops::MAX_PARTS;
use crate::options::RequestOptions;
use crate::transport::Body;
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
        opts.check()?;
        crate::ops::honour::check("upload_from_reader", &opts.request, crate::ops::honour::Accepts::UPLOAD)?;
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
    aborted: bool,
}

impl ObjectWriter {
    /// Prepares an upload; nothing is sent until a part fills or `finish` is called.
    pub fn new(client: &Client, bucket: &str, key: &str, opts: &TransferOptions) -> Result<ObjectWriter> {
        opts.check()?;
        crate::ops::honour::check("object_writer", &opts.request, crate::ops::honour::Accepts::UPLOAD)?;
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
            aborted: false,
        })
    }

    /// Fails once the writer is finished or aborted.
    fn check_open(&self) -> Result<()> {
        match (self.done, self.aborted) {
            (_, true) => Err(Error::invalid("the writer was aborted")),
            (true, false) => Err(Error::invalid("the writer is already finished")),
            _ => Ok(()),
        }
    }

    pub fn write(&mut self, mut data: &[u8]) -> Result<()> {
        self.check_open()?;
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
        self.check_open()?;
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

    /// Abandons the upload (also done on drop when not finished), ignoring a failure of the abort request.
    pub fn abort(&mut self) {
        let _ = self.try_abort();
    }

    /// Abandons the upload and reports whether aborting a started multipart upload failed (it is then not
    /// retried on drop). The writer is done either way; a finished or aborted writer has nothing to abort.
    pub fn try_abort(&mut self) -> Result<()> {
        let result = match (self.done, self.upload_id.take()) {
            (false, Some(id)) => self.client.abort_multipart_upload(&self.bucket, &self.key, &id),
            _ => Ok(()),
        };
        self.aborted |= !self.done;
        self.done = true;
        result
    }
}

impl Drop for ObjectWriter {
    fn drop(&mut self) {
        self.abort();
    }
}
