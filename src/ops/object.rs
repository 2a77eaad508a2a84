//! Object operations: put, get, head, delete, copy.

use super::Call;
use super::CopySource;
use super::ObjectReader;
use crate::client::Client;
use crate::error::{Error, Result};
use crate::headers::ObjectInfo;
use crate::options::RequestOptions;
use crate::transport::{verify_crc, Body, Request, Response, Target};
use crate::xml::{self, CopyResult};
use base64::Engine;
use md5::{Digest, Md5};
use std::fs::File;
use std::io::{self, Read, Write};
use std::path::Path;

/// Bytes read from the network per loop of a download.
const READ_CHUNK: usize = 256 * 1024;

impl Client {
    /// COS refuses single PUTs over 5 GiB; say so before sending anything.
    fn check_put_size(len: u64) -> Result<()> {
        if len > crate::ops::MAX_PART_SIZE {
            return Err(Error::invalid(format!(
                "{len} bytes exceed the 5 GiB limit of one PUT; use upload_file or a multipart upload"
            )));
        }
        Ok(())
    }

    fn upload_request<'a>(&self, target: Target<'a>, opts: &RequestOptions) -> Request<'a> {
        let mut req = Request::new("PUT", target);
        req.headers = opts.headers.clone();
        req.query = opts.query.clone();
        req.verify_crc = opts.verify_crc;
        req
    }

    /// Uploads `data` as one object (PUT Object, up to 5 GiB).
    pub fn put_object(&self, bucket: &str, key: &str, data: &[u8], opts: &RequestOptions) -> Result<ObjectInfo> {
        self.put_object_in(&Call::new(self.config()), bucket, key, data, opts)
    }

    pub(crate) fn put_object_in(
        &self,
        call: &Call<'_>,
        bucket: &str,
        key: &str,
        data: &[u8],
        opts: &RequestOptions,
    ) -> Result<ObjectInfo> {
        super::honour::check("put_object", opts, super::honour::Accepts::UPLOAD)?;
        Client::check_put_size(data.len() as u64)?;
        let mut req = self.upload_request(self.object(bucket, key)?, opts);
        if opts.content_md5 {
            req.headers.push(("Content-MD5".into(), md5_base64(data)));
        }
        req.body = Body::Bytes(data);
        Ok(ObjectInfo { headers: call.send(&self.transport, req)?.headers })
    }

    /// Uploads a local file as one object. The file is read with positional reads, so a retry resends it.
    pub fn put_object_from_file(
        &self,
        bucket: &str,
        key: &str,
        path: &Path,
        opts: &RequestOptions,
    ) -> Result<ObjectInfo> {
        self.put_object_from_file_in(&Call::new(self.config()), bucket, key, path, opts)
    }

    pub(crate) fn put_object_from_file_in(
        &self,
        call: &Call<'_>,
        bucket: &str,
        key: &str,
        path: &Path,
        opts: &RequestOptions,
    ) -> Result<ObjectInfo> {
        super::honour::check("put_object_from_file", opts, super::honour::Accepts::UPLOAD)?;
        let target = self.object(bucket, key)?;
        let file = File::open(path).map_err(|e| Error::io(&format!("opening {}", path.display()), &e))?;
        let len = file.metadata().map_err(|e| Error::io(&format!("reading {}", path.display()), &e))?.len();
        Client::check_put_size(len)?;
        let mut req = self.upload_request(target, opts);
        if opts.content_md5 {
            let mut md5 = Md5::new();
            let mut reader = &file;
            io::copy(&mut reader, &mut md5).map_err(|e| Error::io(&format!("reading {}", path.display()), &e))?;
            req.headers.push(("Content-MD5".into(), base64::engine::general_purpose::STANDARD.encode(md5.finalize())));
        }
        req.body = Body::File { file: &file, offset: 0, len };
        Ok(ObjectInfo { headers: call.send(&self.transport, req)?.headers })
    }

    /// Uploads exactly `len` bytes from `reader`. The body cannot be replayed, so the request is not retried;
    /// with Content-MD5 on (at most 256 MiB) it is buffered to compute the digest first, and then it is.
    pub fn put_object_from_reader(
        &self,
        bucket: &str,
        key: &str,
        reader: &mut dyn Read,
        len: u64,
        opts: &RequestOptions,
    ) -> Result<ObjectInfo> {
        super::honour::check("put_object_from_reader", opts, super::honour::Accepts::UPLOAD)?;
        Client::check_put_size(len)?;
        let target = self.object(bucket, key)?;
        let mut buffered = Vec::new();
        let body = Body::Reader { reader, len };
        let (body, md5) = super::digest::prepare(opts.content_md5, "put_object_from_reader", body, &mut buffered)?;
        let mut req = self.upload_request(target, opts);
        req.headers.extend(md5.map(|m| ("Content-MD5".to_string(), m)));
        req.body = body;
        Ok(ObjectInfo { headers: self.transport.send(req)?.headers })
    }

    /// A GET within `call` (its deadline and tally), the body not read yet.
    pub(crate) fn get_response_in(
        &self,
        call: &Call<'_>,
        bucket: &str,
        key: &str,
        opts: &RequestOptions,
    ) -> Result<Response> {
        let mut req = Request::new("GET", self.object(bucket, key)?);
        req.headers = opts.headers.clone();
        req.query = opts.query.clone();
        call.send(&self.transport, req)
    }

    /// Downloads an object (or the range in `opts`) into memory.
    pub fn get_object(&self, bucket: &str, key: &str, opts: &RequestOptions) -> Result<(Vec<u8>, ObjectInfo)> {
        let mut reader = ObjectReader::open_in(&Call::new(self.config()), self, bucket, key, opts)?;
        let expected = reader.info().content_length().unwrap_or(0);
        // Trust the announced length only so far: a lying server must not make us allocate gigabytes up front.
        let mut data = Vec::with_capacity(expected.min(64 << 20) as usize);
        copy_to(&mut reader, &mut data).map_err(|e| reader.stamp(e))?;
        Ok((data, reader.info().clone()))
    }

    /// Downloads an object into `writer`. The CRC-64 is checked after the last byte was written, so a
    /// mismatch is reported but cannot be unwritten; use [`Client::get_object_to_file`] when that matters.
    pub fn get_object_to_writer(
        &self,
        bucket: &str,
        key: &str,
        writer: &mut dyn Write,
        opts: &RequestOptions,
    ) -> Result<ObjectInfo> {
        let mut reader = ObjectReader::open_in(&Call::new(self.config()), self, bucket, key, opts)?;
        copy_to(&mut reader, writer).map_err(|e| reader.stamp(e))?;
        Ok(reader.info().clone())
    }

    /// Downloads an object into a local file. The bytes go to a temporary file beside `path`, which is
    /// renamed over `path` only when complete and verified: `path` never holds a partial or corrupt object.
    pub fn get_object_to_file(
        &self,
        bucket: &str,
        key: &str,
        path: &Path,
        opts: &RequestOptions,
    ) -> Result<ObjectInfo> {
        self.get_object_to_file_in(&Call::new(self.config()), bucket, key, path, opts)
    }

    /// `get_object_to_file` within `call` (whose deadline and metrics may cover more than this one file).
    pub(crate) fn get_object_to_file_in(
        &self,
        call: &Call<'_>,
        bucket: &str,
        key: &str,
        path: &Path,
        opts: &RequestOptions,
    ) -> Result<ObjectInfo> {
        let tmp = temp_path(path)?;
        let mut reader = ObjectReader::open_in(call, self, bucket, key, opts)?;
        let result = (|| {
            let file = File::create(&tmp).map_err(|e| Error::io(&format!("creating {}", tmp.display()), &e))?;
            let mut out = io::BufWriter::with_capacity(chunk_for(&reader), file);
            copy_to(&mut reader, &mut out)?;
            out.into_inner()
                .map_err(|e| Error::io(&format!("writing {}", tmp.display()), e.error()))?
                .sync_all()
                .map_err(|e| Error::io(&format!("writing {}", tmp.display()), &e))?;
            std::fs::rename(&tmp, path).map_err(|e| Error::io(&format!("renaming onto {}", path.display()), &e))
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result.map(|()| reader.info().clone()).map_err(|e| reader.stamp(e))
    }

    /// HEAD Object: all response headers. A missing object is a service error with HTTP status 404.
    pub fn head_object(&self, bucket: &str, key: &str, opts: &RequestOptions) -> Result<ObjectInfo> {
        super::honour::check("head_object", opts, super::honour::Accepts::METADATA)?;
        self.head_object_in(&Call::new(self.config()), bucket, key, opts)
    }

    pub(crate) fn head_object_in(
        &self,
        call: &Call<'_>,
        bucket: &str,
        key: &str,
        opts: &RequestOptions,
    ) -> Result<ObjectInfo> {
        let mut req = Request::new("HEAD", self.object(bucket, key)?);
        req.headers = opts.headers.clone();
        req.query = opts.query.clone();
        Ok(ObjectInfo { headers: call.send(&self.transport, req)?.headers })
    }

    /// Deletes an object. Deleting a key that does not exist succeeds, as in COS.
    pub fn delete_object(&self, bucket: &str, key: &str, opts: &RequestOptions) -> Result<ObjectInfo> {
        super::honour::check("delete_object", opts, super::honour::Accepts::METADATA)?;
        let mut req = Request::new("DELETE", self.object(bucket, key)?);
        req.headers = opts.headers.clone();
        req.query = opts.query.clone();
        let (headers, _) = self.transport.send(req)?.text()?;
        Ok(ObjectInfo { headers })
    }

    /// Server-side copy of `src_bucket/src_key` (in this client's region; the version in
    /// [`RequestOptions::copy_source_version_id`]) to `bucket/key`, up to 5 GiB. See
    /// [`Client::copy_object_from`] for any other source.
    pub fn copy_object(
        &self,
        src_bucket: &str,
        src_key: &str,
        bucket: &str,
        key: &str,
        opts: &RequestOptions,
    ) -> Result<(CopyResult, ObjectInfo)> {
        self.copy_object_from(&CopySource::new(src_bucket, src_key)?, bucket, key, opts)
    }

    /// Server-side copy of `source` (any bucket, region, version, SSE-C key, conditions) to `bucket/key`, up
    /// to 5 GiB. COS may answer 200 with an `<Error>` body; that is reported as the service error it is. A
    /// failed source condition is COS's 412 (or 304). The copy's CRC-64 is checked against the one COS
    /// reports in the header.
    pub fn copy_object_from(
        &self,
        source: &CopySource,
        bucket: &str,
        key: &str,
        opts: &RequestOptions,
    ) -> Result<(CopyResult, ObjectInfo)> {
        self.copy_object_in(&Call::new(self.config()), source, bucket, key, opts)
    }

    pub(crate) fn copy_object_in(
        &self,
        call: &Call<'_>,
        source: &CopySource,
        bucket: &str,
        key: &str,
        opts: &RequestOptions,
    ) -> Result<(CopyResult, ObjectInfo)> {
        if opts.copy_source_range.is_some() {
            return Err(Error::invalid(
                "copy_source_range applies to upload_part_copy only; copy_object copies the whole source",
            ));
        }
        let (source, opts) = source.merge(opts)?;
        let target = self.object(bucket, key)?;
        let mut req = Request::new("PUT", target);
        req.headers = opts.headers.clone();
        req.headers.extend(source.headers(self.config()));
        req.query = opts.query.clone();
        let (headers, result) = call.send(&self.transport, req)?.parse(|headers, text| {
            self.fail_on_error_body(target, headers, text)?;
            xml::parse_copy_result(text)
        })?;
        if opts.verify_crc {
            if let Some(crc) = result.crc64 {
                // The copy's CRC must equal the source's, which COS also reports in the header.
                verify_crc(crc, &headers).map_err(|e| call.total(e))?;
            }
        }
        // COS puts the new ETag (and CRC) only in the body; make the info say it like any other write does.
        let mut headers = headers;
        if headers.get("etag").is_none() {
            headers.push("ETag", &result.etag);
        }
        if let (None, Some(crc)) = (headers.get("x-cos-hash-crc64ecma"), result.crc64) {
            headers.push("x-cos-hash-crc64ecma", &crc.to_string());
        }
        Ok((result, ObjectInfo { headers }))
    }
}

impl Client {
    /// Copy and complete-multipart may answer 200 with an `<Error>` body: that is a service error.
    pub(crate) fn fail_on_error_body(&self, target: Target<'_>, headers: &crate::Headers, text: &str) -> Result<()> {
        if !xml::is_error_body(text) {
            return Ok(());
        }
        let mut fields = xml::parse_error(text).unwrap_or_default();
        fields.http_status = 200;
        fields.request_id = fields.request_id.or_else(|| headers.request_id().map(str::to_string));
        fields.trace_id = fields.trace_id.or_else(|| headers.get("x-cos-trace-id").map(str::to_string));
        fields.resource = fields.resource.or_else(|| Some(self.transport.resource(target)));
        fields.raw_body = Some(text.to_string());
        Err(Error::service(fields))
    }
}

pub(crate) fn md5_base64(data: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(Md5::digest(data))
}

/// `dir/.name.cos-<pid>-<n>.tmp` beside `path`, so the final rename stays on one file system.
/// Whether a file name is one `temp_path` makes (left behind only by a killed process).
pub(crate) fn is_temp_name(name: &str) -> bool {
    name.starts_with('.') && name.ends_with(".tmp") && name.contains(".cos-")
}

fn temp_path(path: &Path) -> Result<std::path::PathBuf> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let name = path
        .file_name()
        .ok_or_else(|| Error::invalid(format!("{} does not name a file", path.display())))?
        .to_string_lossy();
    let tmp = format!(".{name}.cos-{}-{}.tmp", std::process::id(), N.fetch_add(1, Ordering::Relaxed));
    Ok(path.with_file_name(tmp))
}

/// Copies everything `reader` delivers (resumed after broken connections, length and CRC-64 checked by the
/// reader) into `sink`.
fn copy_to(reader: &mut ObjectReader, sink: &mut dyn Write) -> Result<()> {
    let mut buf = vec![0u8; chunk_for(reader)];
    loop {
        let n = reader.read(&mut buf)?;
        if n == 0 {
            return sink.flush().map_err(sink_error);
        }
        sink.write_all(&buf[..n]).map_err(sink_error)?;
    }
}

/// The buffer a body needs: the announced length plus one byte (the read that sees the end), at most a chunk,
/// so that a small object does not pay for zeroing (or mapping) a whole chunk per request.
fn chunk_for(reader: &ObjectReader) -> usize {
    let announced = reader.info().content_length().unwrap_or(READ_CHUNK as u64);
    announced.saturating_add(1).min(READ_CHUNK as u64) as usize
}

fn sink_error(e: io::Error) -> Error {
    Error::from_io("writing the downloaded object", e)
}
