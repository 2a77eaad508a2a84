//! `copy`: server-side copy of an object of any size.

use super::pool::{run_parts, Job, Run};
use super::{choose_part_size, part_ranges, Progress, TransferOptions};
use crate::client::Client;
use crate::error::{Error, Result};
use crate::headers::ObjectInfo;
use crate::ops::Call;
use crate::xml::Part;

impl Client {
    /// Copies `src_bucket/src_key` (same region) to `bucket/key` inside COS. Objects below
    /// `opts.copy_threshold` (default 5 GiB, the most one CopyObject can do) take one request; larger ones
    /// are copied as a multipart upload of ranged part-copies, `concurrency` at a time. Unless the options
    /// say `Replaced`, the source's content type, metadata and storage class carry over, as with CopyObject.
    /// A failed multipart copy is aborted (there is no local state to resume from). The operation timeout
    /// bounds the whole call; `opts.part_timeout` bounds each part-copy.
    pub fn copy(
        &self,
        src_bucket: &str,
        src_key: &str,
        bucket: &str,
        key: &str,
        opts: &TransferOptions,
        progress: Option<Progress<'_>>,
    ) -> Result<ObjectInfo> {
        opts.check()?;
        let call = Call::new(self.config());
        self.copy_in(&call, src_bucket, src_key, bucket, key, opts, progress).map_err(|e| call.stamp(e))
    }

    #[allow(clippy::too_many_arguments)]
    fn copy_in(
        &self,
        call: &Call<'_>,
        src_bucket: &str,
        src_key: &str,
        bucket: &str,
        key: &str,
        opts: &TransferOptions,
        mut progress: Option<Progress<'_>>,
    ) -> Result<ObjectInfo> {
        self.object(bucket, key)?;
        // The source's size and metadata are those of the version being copied.
        let mut head = crate::RequestOptions::default();
        if let Some(version) = &opts.request.copy_source_version_id {
            head.version_id(version)?;
        }
        let source = self.head_object_in(call, src_bucket, src_key, &head)?;
        let size = source
            .checked_content_length()?
            .ok_or_else(|| Error::parse("the copy source's HEAD answer has no Content-Length"))?;
        if size < opts.copy_threshold {
            if progress.as_mut().is_some_and(|report| !report(0, size)) {
                return Err(super::cancelled_error());
            }
            let (_, info) = self.copy_object_in(call, src_bucket, src_key, bucket, key, &opts.request)?;
            if let Some(report) = progress.as_mut() {
                report(size, size);
            }
            return Ok(info);
        }
        let part_size = choose_part_size(size, opts.part_size)?;
        let mut initiate = opts.request.clone();
        if opts.request.get_header("x-cos-metadata-directive") != Some("Replaced") {
            for (name, value) in source.headers.iter() {
                let lower = name.to_ascii_lowercase();
                let carried =
                    lower == "content-type" || lower == "x-cos-storage-class" || lower.starts_with("x-cos-meta-");
                // Carried as COS sent them, as CopyObject itself would (a value another client stored as raw
                // UTF-8 is not ours to refuse); line breaks cannot be in a parsed header value.
                if carried && opts.request.get_header(name).is_none() {
                    initiate.headers.push((name.to_string(), value.to_string()));
                }
            }
        }
        initiate.headers.retain(|(k, _)| !k.eq_ignore_ascii_case("x-cos-metadata-directive"));
        let upload_id = self.create_multipart_upload_in(call, bucket, key, &initiate)?;

        let jobs: Vec<Job> =
            part_ranges(size, part_size).into_iter().map(|(number, offset, len)| Job { number, offset, len }).collect();
        let run = Run::new(size, 0, opts.cancel.as_ref().map(|c| c.flag()));
        let part_opts = opts.request.part_subset();
        let work = |job: &Job| {
            let mut part_opts = part_opts.clone();
            part_opts.copy_source_range(job.offset, job.offset + job.len - 1)?;
            let part_call = call.part(opts.part_timeout, None);
            let (n, id) = (job.number, &upload_id);
            let part = self.upload_part_copy_in(&part_call, bucket, key, id, n, src_bucket, src_key, &part_opts)?;
            run.add(job.len);
            Ok(part)
        };
        let mut parts: Vec<Part> = Vec::new();
        let mut collect = |_: &Job, part: Part| {
            parts.push(part);
            Ok(())
        };
        let result = run_parts(jobs, opts.concurrency, &run, &work, &mut collect, progress)
            .and_then(|()| self.complete_multipart_upload_in(call, bucket, key, &upload_id, &parts, &opts.request));
        match result {
            Ok((_, info)) => Ok(info),
            Err(e) => {
                let _ = self.abort_multipart_upload_in(&Call::cleanup(self.config()), bucket, key, &upload_id);
                Err(e)
            }
        }
    }
}
