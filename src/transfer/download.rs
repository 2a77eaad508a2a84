//! `download_file`: one object to a local file, in parallel ranged parts, resumable, verified before the
//! destination is touched.

use super::checkpoint::{default_path, identity, CheckpointFile, PartRecord, State};
use super::pool::{run_parts, Job, Run};
use super::{cancelled_error, choose_part_size, part_ranges, Checkpoint, Progress, TransferOptions};
use crate::client::Client;
use crate::crc64::{self, Crc64};
use crate::error::{Error, ErrorKind, Result};
use crate::headers::ObjectInfo;
use crate::options::RequestOptions;
use crate::transport::Response;
use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

const CHUNK: usize = 256 * 1024;

impl Client {
    /// Downloads an object to `path`: a HEAD, then ranged GETs of `concurrency` parts in flight, each
    /// written at its offset into `<path>.cos-partial`. Only when every part is in and the CRC-64 of the
    /// whole matches COS's is the file renamed onto `path`: the destination never holds a partial or
    /// unverified object. Every range is requested with `If-Match` on the ETag, so an object replaced
    /// mid-way fails the download instead of mixing two versions. A part whose connection breaks is resumed
    /// from its last byte. With a checkpoint (the default), a rerun continues with the missing parts if the
    /// object (ETag, size, Last-Modified) is unchanged.
    pub fn download_file(
        &self,
        bucket: &str,
        key: &str,
        path: &Path,
        opts: &TransferOptions,
        progress: Option<Progress<'_>>,
    ) -> Result<ObjectInfo> {
        self.object(bucket, key)?;
        let part_opts = opts.request.part_subset();
        let head = self.head_object(bucket, key, &part_opts)?;
        let size = head.content_length().ok_or_else(|| Error::parse("HEAD Object answer has no Content-Length"))?;
        let etag = head.etag().unwrap_or_default().to_string();
        let part_size = choose_part_size(size, opts.part_size)?;
        let temp = partial_path(path)?;
        let cp = CheckpointFile::chosen(&opts.checkpoint, || default_path(path, None));
        let identity = identity([
            ("kind", "download".to_string()),
            ("bucket", bucket.to_string()),
            ("key", key.to_string()),
            ("file", path.to_string_lossy().into_owned()),
            ("size", size.to_string()),
            ("etag", etag.clone()),
            ("last_modified", head.last_modified().unwrap_or_default().to_string()),
            ("version", part_opts.query.iter().map(|(_, v)| v.as_str()).collect::<String>()),
            ("part_size", part_size.to_string()),
        ]);
        let io = |what: &str, e: std::io::Error| Error::io(&format!("{what} {}", temp.display()), &e);
        let temp_ok = std::fs::metadata(&temp).is_ok_and(|m| m.len() == size);
        let mut state = match cp.load_matching(&identity) {
            Some(mut saved) if temp_ok => {
                // Trust no byte on disk unchecked: a power cut or another program may have damaged them.
                let file = File::open(&temp).map_err(|e| io("reopening", e))?;
                saved.parts.retain(|&n, p| part_intact(&file, (u64::from(n) - 1) * part_size, p.size, p.crc64));
                saved
            }
            _ => {
                File::create(&temp).and_then(|f| f.set_len(size)).map_err(|e| io("creating", e))?;
                let state = State { fields: identity, parts: BTreeMap::new() };
                cp.save(&state)?;
                state
            }
        };
        let file = OpenOptions::new().write(true).open(&temp).map_err(|e| io("opening", e))?;

        let jobs: Vec<Job> = part_ranges(size, part_size)
            .into_iter()
            .filter(|(n, _, _)| !state.parts.contains_key(n))
            .map(|(number, offset, len)| Job { number, offset, len })
            .collect();
        let already: u64 = state.parts.values().map(|p| p.size).sum();
        let run = Run::new(size, already, opts.cancel.as_ref().map(|c| c.flag()));
        let work = |job: &Job| self.download_part(bucket, key, &etag, job, &file, &part_opts, &run);
        let mut record = |job: &Job, crc: u64| {
            // The part's bytes must be on disk before the checkpoint says they are.
            file.sync_data().map_err(|e| io("writing", e))?;
            state.parts.insert(job.number, PartRecord { etag: String::new(), crc64: Some(crc), size: job.len });
            cp.save(&state)
        };
        if let Err(e) = run_parts(jobs, opts.concurrency, &run, &work, &mut record, progress) {
            if opts.checkpoint == Checkpoint::Off {
                // Nothing can resume this download: do not leave its partial file behind.
                drop(file);
                let _ = std::fs::remove_file(&temp);
            }
            return Err(e);
        }

        let combined = crc64::combine_all(state.parts.values().map(|p| (p.crc64.unwrap_or(0), p.size)));
        if let (true, Some(remote)) = (opts.request.verify_crc, head.crc64()) {
            if remote != combined {
                // The bytes on disk are wrong: start from scratch next time.
                drop(file);
                let _ = std::fs::remove_file(&temp);
                cp.remove();
                let msg = format!("CRC-64 mismatch: the downloaded bytes give {combined}, COS reports {remote}");
                return Err(Error::new(ErrorKind::ChecksumMismatch, msg));
            }
        }
        file.sync_all().map_err(|e| io("writing", e))?;
        drop(file);
        std::fs::rename(&temp, path).map_err(|e| Error::io(&format!("renaming onto {}", path.display()), &e))?;
        cp.remove();
        Ok(head)
    }

    /// Fetches one part into `file` at its offset and returns its CRC-64. A broken connection mid-body is
    /// resumed from the last byte received, up to the client's retry count.
    #[allow(clippy::too_many_arguments)]
    fn download_part(
        &self,
        bucket: &str,
        key: &str,
        etag: &str,
        job: &Job,
        file: &File,
        part_opts: &RequestOptions,
        run: &Run<'_>,
    ) -> Result<u64> {
        let mut crc = Crc64::new();
        let mut got = 0u64;
        let mut broken = 0;
        while got < job.len {
            let mut o = part_opts.clone();
            o.range(job.offset + got, Some(job.offset + job.len - 1))?;
            if !etag.is_empty() {
                o.if_match(etag)?;
            }
            let mut resp = self.get_response(bucket, key, &o)?;
            match read_range(&mut resp, file, job.offset + got, &mut crc, &mut got, run) {
                Ok(()) => {}
                Err(e) if matches!(e.kind(), ErrorKind::Network | ErrorKind::Timeout) => {
                    broken += 1;
                    if broken > self.config().max_retries {
                        return Err(e.with_attempts(broken));
                    }
                }
                Err(e) => return Err(e),
            }
        }
        Ok(crc.value())
    }
}

/// Copies a ranged response into `file` from `offset`, feeding `crc`, `got` and the transfer's progress.
fn read_range(
    resp: &mut Response,
    file: &File,
    offset: u64,
    crc: &mut Crc64,
    got: &mut u64,
    run: &Run<'_>,
) -> Result<()> {
    if resp.status != 206 && offset != 0 {
        return Err(Error::parse(format!("a ranged GET was answered with HTTP {} instead of 206", resp.status)));
    }
    let expected = ObjectInfo { headers: resp.headers.clone() }.content_length();
    let mut buf = vec![0u8; CHUNK];
    let mut pos = offset;
    loop {
        if run.stopping() {
            return Err(cancelled_error());
        }
        let n = match resp.reader().read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(resp.body_error(&e)),
        };
        file.write_all_at(&buf[..n], pos).map_err(|e| Error::io("writing the download", &e))?;
        crc.update(&buf[..n]);
        pos += n as u64;
        *got += n as u64;
        run.add(n as u64);
    }
    match expected {
        Some(len) if len != pos - offset => {
            Err(Error::new(ErrorKind::Network, format!("a ranged body ended after {} of {len} bytes", pos - offset)))
        }
        _ => Ok(()),
    }
}

/// Whether `len` bytes of `file` at `offset` still have the CRC-64 recorded for them.
fn part_intact(file: &File, offset: u64, len: u64, crc: Option<u64>) -> bool {
    let mut sum = Crc64::new();
    let mut buf = vec![0u8; CHUNK];
    let mut done = 0;
    while done < len {
        let want = (len - done).min(CHUNK as u64) as usize;
        if file.read_exact_at(&mut buf[..want], offset + done).is_err() {
            return false;
        }
        sum.update(&buf[..want]);
        done += want as u64;
    }
    crc == Some(sum.value())
}

/// `<path>.cos-partial`, where a download collects its bytes.
fn partial_path(path: &Path) -> Result<PathBuf> {
    let name = path.file_name().ok_or_else(|| Error::invalid(format!("{} does not name a file", path.display())))?;
    let mut name = name.to_os_string();
    name.push(".cos-partial");
    Ok(path.with_file_name(name))
}
