//! Multipart upload primitives: initiate, upload part (body or server-side copy), complete, abort, list.

use super::Call;
use super::CopySource;
use crate::client::Client;
use crate::crc64;
use crate::error::{Error, Result};
use crate::headers::ObjectInfo;
use crate::options::RequestOptions;
use crate::transport::{verify_crc, Body, Request};
use crate::xml::{self, CompleteResult, Part, PartList, UploadList};

/// Part numbers run from 1 to this.
pub const MAX_PARTS: u32 = 10_000;
/// Every part but the last must be at least this large.
pub const MIN_PART_SIZE: u64 = 1 << 20;
/// No part (and no single PUT) may be larger.
pub const MAX_PART_SIZE: u64 = 5 << 30;

/// What to list with [`Client::list_multipart_uploads`]. Empty strings mean "not set"; 0 = server default.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListUploadsParams {
    pub prefix: String,
    pub delimiter: String,
    pub key_marker: String,
    pub upload_id_marker: String,
    pub max_uploads: u32,
}

fn check_part_number(n: u32) -> Result<()> {
    if (1..=MAX_PARTS).contains(&n) {
        Ok(())
    } else {
        Err(Error::invalid(format!("part number must be 1..={MAX_PARTS}, got {n}")))
    }
}

fn check_upload_id(id: &str) -> Result<()> {
    if id.is_empty() {
        return Err(Error::invalid("upload id must not be empty"));
    }
    Ok(())
}

impl Client {
    /// Starts a multipart upload and returns its upload id. Options carry the object's metadata, content
    /// type, storage class, ACL and encryption, as for a PUT.
    pub fn create_multipart_upload(&self, bucket: &str, key: &str, opts: &RequestOptions) -> Result<String> {
        // Checked here, not in the `_in` form: the managed copy initiates with its copy options.
        super::honour::check("create_multipart_upload", opts, super::honour::Accepts::UPLOAD)?;
        self.create_multipart_upload_in(&Call::new(self.config()), bucket, key, opts)
    }

    pub(crate) fn create_multipart_upload_in(
        &self,
        call: &Call<'_>,
        bucket: &str,
        key: &str,
        opts: &RequestOptions,
    ) -> Result<String> {
        let mut req = Request::new("POST", self.object(bucket, key)?);
        req.query.push(("uploads".into(), String::new()));
        req.query.extend(opts.query.iter().cloned());
        req.headers = opts.headers.clone();
        Ok(call.send(&self.transport, req)?.parse(|_, text| xml::parse_initiate(text))?.1)
    }

    /// Uploads part `part_number` (1..=10000) of `upload_id`. The returned part carries the ETag to complete
    /// with and the CRC-64 of the bytes sent (checked against COS's unless `opts` turned that off).
    pub fn upload_part<'a>(
        &self,
        bucket: &'a str,
        key: &'a str,
        upload_id: &str,
        part_number: u32,
        body: Body<'a>,
        opts: &RequestOptions,
    ) -> Result<Part> {
        super::honour::check("upload_part", opts, super::honour::Accepts::UPLOAD)?;
        self.upload_part_in(&Call::new(self.config()), bucket, key, upload_id, part_number, body, opts)
    }

    /// Uploads part `part_number` from `len` bytes of the file at `path` starting at `offset` (read with
    /// positional reads, so a retry rereads them). A range past the file's end is `InvalidArgument`.
    #[allow(clippy::too_many_arguments)]
    pub fn upload_part_from_file(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        part_number: u32,
        path: &std::path::Path,
        offset: u64,
        len: u64,
        opts: &RequestOptions,
    ) -> Result<Part> {
        super::honour::check("upload_part", opts, super::honour::Accepts::UPLOAD)?;
        let shown = path.display();
        let file = std::fs::File::open(path).map_err(|e| Error::io(&format!("opening {shown}"), &e))?;
        let size = file.metadata().map_err(|e| Error::io(&format!("reading {shown}"), &e))?.len();
        if offset.checked_add(len).is_none_or(|end| end > size) {
            return Err(Error::invalid(format!(
                "offset {offset} + len {len} is past the end of {shown} ({size} bytes)"
            )));
        }
        self.upload_part(bucket, key, upload_id, part_number, Body::File { file: &file, offset, len }, opts)
    }

    /// `upload_part` within `call`: its deadline, its tally, and abandoned (`Cancelled`) as soon as the
    /// call's `stop` says so, even mid-body.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn upload_part_in<'a>(
        &self,
        call: &Call<'a>,
        bucket: &'a str,
        key: &'a str,
        upload_id: &str,
        part_number: u32,
        body: Body<'a>,
        opts: &RequestOptions,
    ) -> Result<Part> {
        check_part_number(part_number)?;
        check_upload_id(upload_id)?;
        let size = body.size().unwrap_or(0);
        if size > MAX_PART_SIZE {
            return Err(Error::invalid(format!("a part may hold at most {MAX_PART_SIZE} bytes, got {size}")));
        }
        let target = self.object(bucket, key)?;
        let mut buffered = Vec::new();
        let (body, md5) = super::digest::prepare(opts.content_md5, "upload_part", body, &mut buffered)?;
        let mut req = Request::new("PUT", target);
        req.query.push(("partNumber".into(), part_number.to_string()));
        req.query.push(("uploadId".into(), upload_id.to_string()));
        req.headers = opts.headers.clone();
        req.headers.extend(md5.map(|m| ("Content-MD5".to_string(), m)));
        // The part's CRC is always computed: completing needs it to verify the whole object.
        req.verify_crc = true;
        req.body = body;
        req.stop = call.stop;
        let resp = call.send_with(&self.transport, req, opts.verify_crc)?;
        let etag = resp.headers.get("etag").unwrap_or_default().to_string();
        if etag.is_empty() {
            return Err(resp.stamp(Error::parse("UploadPart answer has no ETag")));
        }
        Ok(Part { part_number, etag, size, crc64: resp.body_crc, last_modified: String::new() })
    }

    /// Uploads part `part_number` as a server-side copy of `src_bucket/src_key` (this client's region; the
    /// version in [`RequestOptions::copy_source_version_id`]): the bytes of `opts.copy_source_range` (see
    /// [`RequestOptions::copy_source_range`]), or the whole source. See [`Client::upload_part_copy_from`].
    #[allow(clippy::too_many_arguments)]
    pub fn upload_part_copy(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        part_number: u32,
        src_bucket: &str,
        src_key: &str,
        opts: &RequestOptions,
    ) -> Result<Part> {
        let source = CopySource::new(src_bucket, src_key)?;
        self.upload_part_copy_from(bucket, key, upload_id, part_number, &source, opts)
    }

    /// Uploads part `part_number` as a server-side copy of `source` (any bucket, region, version, SSE-C
    /// key, conditions): the bytes of `opts.copy_source_range`, or the whole source. The part's CRC-64 (from
    /// the answer) is kept for completion when the range, and so the part's size, is known.
    pub fn upload_part_copy_from(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        part_number: u32,
        source: &CopySource,
        opts: &RequestOptions,
    ) -> Result<Part> {
        let call = Call::new(self.config());
        self.upload_part_copy_in(&call, bucket, key, upload_id, part_number, source, opts)
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn upload_part_copy_in(
        &self,
        call: &Call<'_>,
        bucket: &str,
        key: &str,
        upload_id: &str,
        part_number: u32,
        source: &CopySource,
        opts: &RequestOptions,
    ) -> Result<Part> {
        let range = opts.copy_source_range;
        check_part_number(part_number)?;
        check_upload_id(upload_id)?;
        // One description of the source: a caller's x-cos-copy-source header is refused, not sent twice.
        let (source, opts) = source.merge(opts)?;
        let target = self.object(bucket, key)?;
        let mut req = Request::new("PUT", target);
        req.query.push(("partNumber".into(), part_number.to_string()));
        req.query.push(("uploadId".into(), upload_id.to_string()));
        req.headers = opts.headers.clone();
        req.headers.extend(source.headers(self.config()));
        let mut size = 0;
        if let Some((first, last)) = range {
            size = last - first + 1;
            req.headers.push(("x-cos-copy-source-range".into(), format!("bytes={first}-{last}")));
        }
        let (headers, copied) = call.send(&self.transport, req)?.parse(|headers, text| {
            self.fail_on_error_body(target, headers, text)?;
            xml::parse_copy_answer(text, "CopyPartResult")
        })?;
        let header_crc = ObjectInfo { headers }.checked_crc64().map_err(|e| call.total(e))?;
        if let (true, Some(body), Some(header)) = (opts.verify_crc, copied.crc64, header_crc) {
            if body != header {
                return Err(call.total(Error::new(
                    crate::ErrorKind::ChecksumMismatch,
                    format!("the part copy's CRC-64 is {body} in the answer's body but {header} in its header"),
                )));
            }
        }
        // A CRC is only usable for completion together with the part's size, unknown for a whole-source copy.
        let crc64 = copied.crc64.or(header_crc).filter(|_| range.is_some());
        Ok(Part { part_number, etag: copied.etag, size, crc64, last_modified: copied.last_modified })
    }

    /// Completes an upload from its parts (any order; sent ascending). When every part's CRC-64 is known and
    /// COS reports the object's, they are checked against each other (`ChecksumMismatch`). COS may answer
    /// 200 with an `<Error>` body; that is a service error.
    pub fn complete_multipart_upload(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        parts: &[Part],
        opts: &RequestOptions,
    ) -> Result<(CompleteResult, ObjectInfo)> {
        self.complete_multipart_upload_in(&Call::new(self.config()), bucket, key, upload_id, parts, opts)
    }

    pub(crate) fn complete_multipart_upload_in(
        &self,
        call: &Call<'_>,
        bucket: &str,
        key: &str,
        upload_id: &str,
        parts: &[Part],
        opts: &RequestOptions,
    ) -> Result<(CompleteResult, ObjectInfo)> {
        check_upload_id(upload_id)?;
        if parts.is_empty() {
            return Err(Error::invalid("an upload needs at least one part to complete"));
        }
        let mut sorted: Vec<&Part> = parts.iter().collect();
        sorted.sort_by_key(|p| p.part_number);
        if let Some(w) = sorted.windows(2).find(|w| w[0].part_number == w[1].part_number) {
            return Err(Error::invalid(format!("part {} is listed twice", w[0].part_number)));
        }
        let target = self.object(bucket, key)?;
        let body = xml::complete_body(&sorted.iter().map(|p| (p.part_number, p.etag.as_str())).collect::<Vec<_>>());
        let mut req = Request::new("POST", target);
        req.query.push(("uploadId".into(), upload_id.to_string()));
        // The object's metadata went with the initiation; completion takes only its own headers.
        req.headers = opts
            .headers
            .iter()
            .filter(|(k, _)| {
                let k = k.to_ascii_lowercase();
                k.starts_with("x-cos-callback") || k == "x-cos-forbid-overwrite"
            })
            .cloned()
            .collect();
        req.headers.push(("Content-Type".into(), "application/xml".into()));
        req.body = Body::Bytes(body.as_bytes());
        let (mut headers, result) = call.send(&self.transport, req)?.parse(|headers, text| {
            self.fail_on_error_body(target, headers, text)?;
            xml::parse_complete(text)
        })?;
        if opts.verify_crc {
            let known: Option<Vec<(u64, u64)>> = sorted.iter().map(|p| Some((p.crc64?, p.size))).collect();
            if let Some(crc) = known.map(crc64::combine_all) {
                verify_crc(crc, &headers).map_err(|e| call.total(e))?;
            }
        }
        if headers.get("etag").is_none() {
            headers.push("ETag", &result.etag);
        }
        Ok((result, ObjectInfo { headers }))
    }

    /// Abandons an upload; COS frees its parts.
    pub fn abort_multipart_upload(&self, bucket: &str, key: &str, upload_id: &str) -> Result<()> {
        self.abort_multipart_upload_in(&Call::new(self.config()), bucket, key, upload_id)
    }

    pub(crate) fn abort_multipart_upload_in(
        &self,
        call: &Call<'_>,
        bucket: &str,
        key: &str,
        upload_id: &str,
    ) -> Result<()> {
        check_upload_id(upload_id)?;
        let mut req = Request::new("DELETE", self.object(bucket, key)?);
        req.query.push(("uploadId".into(), upload_id.to_string()));
        call.send(&self.transport, req)?.text()?;
        Ok(())
    }

    /// One page of the parts uploaded so far, after part number `marker` (0 = from the start); `max_parts`
    /// 0 = server default (1000).
    pub fn list_parts(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        marker: u32,
        max_parts: u32,
    ) -> Result<PartList> {
        self.list_parts_in(&Call::new(self.config()), bucket, key, upload_id, marker, max_parts)
    }

    pub(crate) fn list_parts_in(
        &self,
        call: &Call<'_>,
        bucket: &str,
        key: &str,
        upload_id: &str,
        marker: u32,
        max_parts: u32,
    ) -> Result<PartList> {
        check_upload_id(upload_id)?;
        let mut req = Request::new("GET", self.object(bucket, key)?);
        req.query.push(("uploadId".into(), upload_id.to_string()));
        if marker > 0 {
            req.query.push(("part-number-marker".into(), marker.to_string()));
        }
        if max_parts > 0 {
            req.query.push(("max-parts".into(), max_parts.to_string()));
        }
        Ok(call.send(&self.transport, req)?.parse(|_, text| xml::parse_part_list(text))?.1)
    }

    /// Every part uploaded so far, following the pages.
    pub fn list_all_parts(&self, bucket: &str, key: &str, upload_id: &str) -> Result<Vec<Part>> {
        self.list_all_parts_in(&Call::new(self.config()), bucket, key, upload_id)
    }

    pub(crate) fn list_all_parts_in(
        &self,
        call: &Call<'_>,
        bucket: &str,
        key: &str,
        upload_id: &str,
    ) -> Result<Vec<Part>> {
        let mut parts = Vec::new();
        let mut marker = 0;
        loop {
            let page = self.list_parts_in(call, bucket, key, upload_id, marker, 0).map_err(|e| call.total(e))?;
            parts.extend(page.parts);
            if !page.is_truncated {
                return Ok(parts);
            }
            if page.next_part_number_marker <= marker {
                let e = Error::parse("the part listing is truncated but its next marker does not advance");
                return Err(call.total(e));
            }
            marker = page.next_part_number_marker;
        }
    }

    /// One page of the multipart uploads in progress in a bucket (keys decoded).
    pub fn list_multipart_uploads(&self, bucket: &str, params: &ListUploadsParams) -> Result<UploadList> {
        self.list_multipart_uploads_in(&Call::new(self.config()), bucket, params)
    }

    /// `list_multipart_uploads` within `call` (a purge lists uploads as part of its work).
    pub(crate) fn list_multipart_uploads_in(
        &self,
        call: &Call<'_>,
        bucket: &str,
        params: &ListUploadsParams,
    ) -> Result<UploadList> {
        let mut req = Request::new("GET", self.bucket(bucket)?);
        req.query.push(("uploads".into(), String::new()));
        for (name, value) in [
            ("prefix", &params.prefix),
            ("delimiter", &params.delimiter),
            ("key-marker", &params.key_marker),
            ("upload-id-marker", &params.upload_id_marker),
        ] {
            if !value.is_empty() {
                req.query.push((name.into(), value.clone()));
            }
        }
        if params.max_uploads > 0 {
            req.query.push(("max-uploads".into(), params.max_uploads.to_string()));
        }
        req.query.push(("encoding-type".into(), "url".into()));
        call.xml(&self.transport, req, xml::parse_upload_list)
    }
}
