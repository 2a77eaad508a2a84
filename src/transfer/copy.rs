//! `copy`: server-side copy of an object of any size.

use super::pool::{run_parts, Job, Run};
use super::{choose_part_size, part_ranges, Progress, TransferOptions};
use crate::client::Client;
use crate::error::{Error, Result};
use crate::headers::ObjectInfo;
use crate::ops::{Call, CopySource};
use crate::xml::Part;

impl Client {
    /// Copies `src_bucket/src_key` (this client's region; the version in the request options'
    /// `copy_source_version_id`) to `bucket/key` inside COS. See [`Client::copy_from`].
    pub fn copy(
        &self,
        src_bucket: &str,
        src_key: &str,
        bucket: &str,
        key: &str,
        opts: &TransferOptions,
        progress: Option<Progress<'_>>,
    ) -> Result<ObjectInfo> {
        self.copy_from(&CopySource::new(src_bucket, src_key)?, bucket, key, opts, progress)
    }

    /// Copies `source` (any bucket, region, version, SSE-C key, conditions) to `bucket/key` inside COS.
    /// The source is read (HEAD) as it will be copied: its version, key, region and conditions, so a
    /// failing condition stops the copy before anything is written. Objects below `opts.copy_threshold`
    /// (default 5 GiB, the most one CopyObject can do) take one request; larger ones are copied as a
    /// multipart upload of ranged part-copies, `concurrency` at a time, each carrying the same source.
    /// Unless the options say `Replaced`, the source's content type, metadata and storage class carry
    /// over, as with CopyObject. With CRC checks on, the copy's CRC-64 must equal the source's
    /// (`ChecksumMismatch`; the copy has been written by then, so the caller decides whether to delete it). A failed multipart copy is aborted (there is no local state to resume from).
    /// The operation timeout bounds the whole call; `opts.part_timeout` bounds each part-copy.
    pub fn copy_from(
        &self,
        source: &CopySource,
        bucket: &str,
        key: &str,
        opts: &TransferOptions,
        progress: Option<Progress<'_>>,
    ) -> Result<ObjectInfo> {
        opts.check()?;
        let mut call = Call::new(self.config());
        call.metrics = opts.metrics.clone();
        self.copy_in(&call, source, bucket, key, opts, progress).map_err(|e| call.stamp(e))
    }

    /// HEAD of the source as it will be copied, in its own region (a client for that region's host when
    /// it is not this one's).
    fn head_source(&self, call: &Call<'_>, source: &CopySource) -> Result<ObjectInfo> {
        let head = source.head_options()?;
        let config = self.config();
        match source.region_name().filter(|r| *r != config.region) {
            None => self.head_object_in(call, source.bucket(), source.key(), &head),
            Some(region) => {
                let mut there = config.clone();
                there.endpoint = source.endpoint(config);
                there.region = region.to_string();
                there.domain = None;
                Client::new(there)?.head_object_in(call, source.bucket(), source.key(), &head)
            }
        }
    }

    fn copy_in(
        &self,
        call: &Call<'_>,
        source: &CopySource,
        bucket: &str,
        key: &str,
        opts: &TransferOptions,
        mut progress: Option<Progress<'_>>,
    ) -> Result<ObjectInfo> {
        self.object(bucket, key)?;
        // One source for the HEAD, the copy and every part: the legacy options are taken into it.
        let (source, request) = source.merge(&opts.request)?;
        if request.copy_source_range.is_some() {
            return Err(Error::invalid("copy_source_range does not apply to copy, which copies the whole source"));
        }
        let head = self.head_source(call, &source)?;
        let size = head
            .checked_content_length()?
            .ok_or_else(|| Error::parse("the copy source's HEAD answer has no Content-Length"))?;
        let source_crc = head.checked_crc64()?.filter(|_| request.verify_crc);
        let info = if size < opts.copy_threshold {
            if progress.as_mut().is_some_and(|report| !report(0, size)) {
                return Err(super::cancelled_error());
            }
            let (_, info) = self.copy_object_in(call, &source, bucket, key, &request)?;
            if let Some(report) = progress.as_mut() {
                report(size, size);
            }
            info
        } else {
            self.copy_parts(call, &source, &head, size, bucket, key, opts, &request, progress)?
        };
        if let Some(expected) = source_crc {
            check_copy_crc(expected, &info)?;
        }
        Ok(info)
    }

    #[allow(clippy::too_many_arguments)]
    fn copy_parts(
        &self,
        call: &Call<'_>,
        src: &CopySource,
        source: &ObjectInfo,
        size: u64,
        bucket: &str,
        key: &str,
        opts: &TransferOptions,
        request: &crate::RequestOptions,
        progress: Option<Progress<'_>>,
    ) -> Result<ObjectInfo> {
        let part_size = choose_part_size(size, opts.part_size)?;
        let mut initiate = request.clone();
        if request.get_header("x-cos-metadata-directive") != Some("Replaced") {
            for (name, value) in source.headers.iter() {
                let lower = name.to_ascii_lowercase();
                let carried =
                    lower == "content-type" || lower == "x-cos-storage-class" || lower.starts_with("x-cos-meta-");
                // Carried as COS sent them, as CopyObject itself would (a value another client stored as raw
                // UTF-8 is not ours to refuse); line breaks cannot be in a parsed header value.
                if carried && request.get_header(name).is_none() {
                    initiate.headers.push((name.to_string(), value.to_string()));
                }
            }
        }
        initiate.headers.retain(|(k, _)| !k.eq_ignore_ascii_case("x-cos-metadata-directive"));
        let upload_id = self.create_multipart_upload_in(call, bucket, key, &initiate)?;

        let jobs: Vec<Job> =
            part_ranges(size, part_size).into_iter().map(|(number, offset, len)| Job { number, offset, len }).collect();
        let run = Run::new(size, 0, opts.cancel.as_ref().map(|c| c.flag()));
        let part_opts = request.part_subset();
        let work = |job: &Job| {
            let mut part_opts = part_opts.clone();
            part_opts.copy_source_range(job.offset, job.offset + job.len - 1)?;
            let part_call = call.part(opts.part_timeout, None);
            let (n, id) = (job.number, &upload_id);
            let part = self.upload_part_copy_in(&part_call, bucket, key, id, n, src, &part_opts)?;
            run.add(job.len);
            Ok(part)
        };
        let mut parts: Vec<Part> = Vec::new();
        let mut collect = |_: &Job, part: Part| {
            parts.push(part);
            Ok(())
        };
        let result = run_parts(jobs, opts.concurrency, &run, &work, &mut collect, progress)
            .and_then(|()| self.complete_multipart_upload_in(call, bucket, key, &upload_id, &parts, request));
        match result {
            Ok((_, info)) => Ok(info),
            Err(e) => {
                let _ = self.abort_multipart_upload_in(&Call::cleanup(self.config()), bucket, key, &upload_id);
                Err(e)
            }
        }
    }
}

/// The copy's CRC-64 (from its answer) must be the source's (from its HEAD): COS computed both, so a
/// difference means the copy is not the source.
fn check_copy_crc(expected: u64, copy: &ObjectInfo) -> Result<()> {
    match copy.checked_crc64()? {
        Some(got) if got != expected => Err(Error::new(
            crate::ErrorKind::ChecksumMismatch,
            format!("the copy's CRC-64 is {got} but the source's is {expected}"),
        )),
        _ => Ok(()),
    }
}
