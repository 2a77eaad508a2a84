//! `upload_file`: a local file to one object, in parallel parts, resumable.

use super::checkpoint::{default_path, identity, mtime_nanos, CheckpointFile, PartRecord, State};
use super::pool::{run_parts, Job, Run};
use super::{cancelled_error, choose_part_size, part_ranges, Progress, TransferOptions};
use crate::client::Client;
use crate::error::{Error, Result};
use crate::headers::ObjectInfo;
use crate::ops::Call;
use crate::transport::Body;
use crate::xml::Part;
use std::collections::BTreeMap;
use std::fs::File;
use std::path::Path;

/// What COS says about a saved upload.
enum Confirmed {
    /// It exists: continue with these parts.
    Continue(State),
    /// It no longer exists (completed, aborted or expired); the saved state as it was.
    Gone(State),
}

impl Client {
    /// Uploads a local file. Files up to one part go as one PUT; larger ones as a multipart upload with
    /// `concurrency` parts in flight, each streamed from the file, so memory stays small (well under
    /// `concurrency × part size`) whatever the file size. Every part's CRC-64 is checked, and the whole
    /// object's after completion. With a checkpoint (the default), rerunning after a crash or failure
    /// continues with the parts still missing, provided the file (size, mtime) and the upload are unchanged.
    /// The operation timeout bounds the whole call; `opts.part_timeout` bounds each part.
    pub fn upload_file(
        &self,
        bucket: &str,
        key: &str,
        path: &Path,
        opts: &TransferOptions,
        progress: Option<Progress<'_>>,
    ) -> Result<ObjectInfo> {
        opts.check()?;
        crate::ops::honour::check("upload_file", &opts.request, crate::ops::honour::Accepts::UPLOAD)?;
        let mut call = Call::new(self.config());
        call.metrics = opts.metrics.clone();
        self.upload_file_in(&call, bucket, key, path, opts, progress).map_err(|e| call.stamp(e))
    }

    pub(crate) fn upload_file_in(
        &self,
        call: &Call<'_>,
        bucket: &str,
        key: &str,
        path: &Path,
        opts: &TransferOptions,
        progress: Option<Progress<'_>>,
    ) -> Result<ObjectInfo> {
        self.object(bucket, key)?;
        let io = |e: std::io::Error| Error::io(&format!("reading {}", path.display()), &e);
        let file = File::open(path).map_err(io)?;
        let meta = file.metadata().map_err(io)?;
        if !meta.is_file() {
            return Err(Error::invalid(format!("{} is not a regular file", path.display())));
        }
        let size = meta.len();
        let part_size = choose_part_size(size, opts.part_size)?;
        let cancel = opts.cancel.as_ref().map(|c| c.flag());
        if size <= part_size {
            return self.upload_single(call, bucket, key, path, size, opts, progress);
        }

        let tag = format!("{:016x}", crate::crc64::checksum(format!("{bucket}/{key}").as_bytes()));
        let cp = CheckpointFile::chosen(&opts.checkpoint(), || default_path(path, Some(&tag)));
        let identity = identity([
            ("kind", "upload".to_string()),
            ("bucket", bucket.to_string()),
            ("key", key.to_string()),
            ("file", path.to_string_lossy().into_owned()),
            ("size", size.to_string()),
            ("mtime", mtime_nanos(&meta).to_string()),
            ("part_size", part_size.to_string()),
        ]);
        let saved = cp.load();
        let matching = saved.clone().filter(|s| identity.iter().all(|(k, v)| s.fields.get(k) == Some(v)));
        let part_opts = opts.request.part_subset();
        let resumed = match matching {
            Some(saved) => match self.confirm_upload(call, bucket, key, saved)? {
                Confirmed::Continue(state) => Some(state),
                Confirmed::Gone(state) => {
                    // Its upload is gone. If the checkpoint holds every part, the upload may have been completed
                    // by a run that died (or lost the answer) before removing the checkpoint.
                    let all = state.parts.len() == part_ranges(size, part_size).len();
                    if let Some(info) = all.then(|| self.completed_already(call, bucket, key, size, &state, &part_opts))
                    {
                        if let Some(info) = info? {
                            cp.remove();
                            if let Some(report) = progress {
                                report(size, size);
                            }
                            return Ok(info);
                        }
                    }
                    None
                }
            },
            None => {
                // The file changed since: the recorded upload of this object can never be completed.
                if let Some(stale) = saved.filter(|s| s.field("bucket") == Some(bucket) && s.field("key") == Some(key))
                {
                    if let Some(id) = stale.field("upload_id") {
                        let _ = self.abort_multipart_upload_in(call, bucket, key, id);
                    }
                }
                None
            }
        };
        let mut state = resumed.unwrap_or_else(|| State { fields: identity, parts: BTreeMap::new() });
        let upload_id = match state.field("upload_id") {
            Some(id) => id.to_string(),
            None => {
                let id = self.create_multipart_upload_in(call, bucket, key, &opts.request)?;
                state.fields.insert("upload_id".into(), id.clone());
                cp.save(&state)?;
                id
            }
        };

        let jobs: Vec<Job> = part_ranges(size, part_size)
            .into_iter()
            .filter(|(n, _, _)| !state.parts.contains_key(n))
            .map(|(number, offset, len)| Job { number, offset, len })
            .collect();
        let already: u64 = state.parts.values().map(|p| p.size).sum();
        let run = Run::new(size, already, cancel);
        let work = |job: &Job| -> Result<Part> {
            if run.stopping() {
                return Err(cancelled_error());
            }
            // Streamed from the file (positional reads, so a retry rereads the range): no part-sized buffer.
            let body = Body::File { file: &file, offset: job.offset, len: job.len };
            let stop = || run.stopping();
            let part_call = call.part(opts.part_timeout, Some(&stop));
            let part = self
                .upload_part_in(&part_call, bucket, key, &upload_id, job.number, body, &part_opts)
                .map_err(|e| part_call.stamp(e))?;
            run.add(job.len);
            Ok(part)
        };
        let mut record = |_: &Job, part: Part| {
            let record = PartRecord { etag: part.etag, crc64: part.crc64, size: part.size };
            state.parts.insert(part.part_number, record);
            cp.save(&state)
        };
        if let Err(e) = run_parts(jobs, opts.concurrency, &run, &work, &mut record, progress) {
            if !opts.resumable {
                // Nothing can resume this upload: do not leave its parts behind in the bucket.
                let _ = self.abort_multipart_upload_in(&Call::cleanup(self.config()), bucket, key, &upload_id);
            }
            return Err(e);
        }

        let parts: Vec<Part> = state
            .parts
            .iter()
            .map(|(&n, p)| Part {
                part_number: n,
                etag: p.etag.clone(),
                size: p.size,
                crc64: p.crc64,
                ..Part::default()
            })
            .collect();
        let info = match self.complete_multipart_upload_in(call, bucket, key, &upload_id, &parts, &opts.request) {
            Ok((_, info)) => info,
            // A retried Complete that finds no upload: an earlier attempt may have completed it and lost its
            // answer. The object is ours if it has the size and CRC-64 of the parts.
            Err(e) if e.code() == Some("NoSuchUpload") && e.attempts() > 1 => {
                match self.completed_already(call, bucket, key, size, &state, &part_opts)? {
                    Some(info) => info,
                    None => {
                        let attempts = e.attempts();
                        let e = e.note("a retried Complete found no upload, and the object is not the uploaded parts");
                        return Err(e.with_attempts(attempts));
                    }
                }
            }
            Err(e) => return Err(e),
        };
        cp.remove();
        Ok(info)
    }

    /// Whether `key` already is the object `state`'s parts make: a HEAD showing their total size and their
    /// combined CRC-64. `None` when it is not, or cannot be told (a part or the object without a CRC).
    fn completed_already(
        &self,
        call: &Call<'_>,
        bucket: &str,
        key: &str,
        size: u64,
        state: &State,
        part_opts: &crate::options::RequestOptions,
    ) -> Result<Option<ObjectInfo>> {
        let crcs: Option<Vec<(u64, u64)>> = state.parts.values().map(|p| Some((p.crc64?, p.size))).collect();
        let Some(expected) = crcs.map(crate::crc64::combine_all) else { return Ok(None) };
        let head = match self.head_object_in(call, bucket, key, part_opts) {
            Ok(head) => head,
            Err(e) if e.http_status() == 404 => return Ok(None),
            Err(e) => return Err(e),
        };
        let same = head.content_length() == Some(size) && head.crc64() == Some(expected);
        Ok(same.then_some(head))
    }

    /// Checks a saved upload against COS: it must still exist and hold every recorded part unchanged.
    /// Returns the state to continue from (recorded parts COS no longer has are dropped), or says that the
    /// upload is gone.
    fn confirm_upload(&self, call: &Call<'_>, bucket: &str, key: &str, mut saved: State) -> Result<Confirmed> {
        let Some(upload_id) = saved.field("upload_id").map(str::to_string) else { return Ok(Confirmed::Gone(saved)) };
        let remote = match self.list_all_parts_in(call, bucket, key, &upload_id) {
            Ok(parts) => parts,
            Err(e) if e.http_status() == 404 => return Ok(Confirmed::Gone(saved)),
            Err(e) => return Err(e),
        };
        let remote: BTreeMap<u32, Part> = remote.into_iter().map(|p| (p.part_number, p)).collect();
        saved.parts.retain(|n, p| remote.get(n).is_some_and(|r| r.etag == p.etag && r.size == p.size));
        Ok(Confirmed::Continue(saved))
    }

    #[allow(clippy::too_many_arguments)]
    fn upload_single(
        &self,
        call: &Call<'_>,
        bucket: &str,
        key: &str,
        path: &Path,
        size: u64,
        opts: &TransferOptions,
        mut progress: Option<Progress<'_>>,
    ) -> Result<ObjectInfo> {
        if opts.cancel.as_ref().is_some_and(|c| c.is_cancelled()) {
            return Err(cancelled_error());
        }
        let report = |p: &mut Option<Progress<'_>>, done| p.as_mut().is_none_or(|f| f(done, size));
        if !report(&mut progress, 0) {
            return Err(cancelled_error());
        }
        let info = self.put_object_from_file_in(call, bucket, key, path, &opts.request)?;
        if !report(&mut progress, size) {
            return Err(cancelled_error());
        }
        Ok(info)
    }
}
