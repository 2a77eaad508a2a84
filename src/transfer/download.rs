//! `download_file`: one object to a local file, in parallel ranged parts, resumable, verified before the
//! destination is touched.

use super::checkpoint::{default_path, identity, CheckpointFile, PartRecord, State};
use super::pool::{run_parts, Job, Run};
use super::{cancelled_error, choose_part_size, part_ranges, Progress, TransferOptions};
use crate::client::Client;
use crate::crc64::{self, Crc64};
use crate::error::{Error, ErrorKind, Result};
use crate::headers::ObjectInfo;
use crate::ops::range::{check_ranged, content_length, number};
use crate::ops::Call;
use crate::ops::{MAX_PARTS, MAX_PART_SIZE};
use crate::options::RequestOptions;
use crate::transport::Response;
use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

const CHUNK: usize = 256 * 1024;

/// The file every part of a download writes into at once. Its writes take a lock of ours first: Linux
/// file systems (tmpfs, ext4, xfs) hold the inode lock exclusively through a buffered write, and a second
/// writer spins on it while the first copies (`rwsem_spin_on_owner` was 37 % of download_file's CPU with 8
/// parts on 2 cores). Waiting on this lock sleeps instead, and the sockets keep the bytes meanwhile.
struct PartsFile {
    file: File,
    write: Mutex<()>,
}

impl PartsFile {
    fn write_all_at(&self, buf: &[u8], offset: u64) -> std::io::Result<()> {
        let _turn = self.write.lock().unwrap_or_else(PoisonError::into_inner);
        self.file.write_all_at(buf, offset)
    }
}

impl Client {
    /// Downloads an object to `path`: a HEAD, then ranged GETs of `concurrency` parts in flight, each
    /// written at its offset into `<path>.cos-partial`. Only when every part is in and the CRC-64 of the
    /// whole matches COS's is the file renamed onto `path`: the destination never holds a partial or
    /// unverified object. Every range is requested with `If-Match` on the ETag, so an object replaced
    /// mid-way fails the download instead of mixing two versions. A part whose connection breaks is resumed
    /// from its last byte. With a checkpoint (the default), a rerun continues with the missing parts if the
    /// object (ETag, size, Last-Modified) is unchanged. The operation timeout bounds the whole call, HEAD
    /// included; `opts.part_timeout` bounds each part.
    pub fn download_file(
        &self,
        bucket: &str,
        key: &str,
        path: &Path,
        opts: &TransferOptions,
        progress: Option<Progress<'_>>,
    ) -> Result<ObjectInfo> {
        opts.check()?;
        crate::ops::honour::check("download_file", &opts.request, crate::ops::honour::Accepts::DOWNLOAD)?;
        let mut call = Call::new(self.config());
        call.metrics = opts.metrics.clone();
        self.download_file_in(&call, bucket, key, path, opts, progress).map_err(|e| call.stamp(e))
    }

    /// `download_file` within `call` (whose deadline may cover more than this one file).
    pub(crate) fn download_file_in(
        &self,
        call: &Call<'_>,
        bucket: &str,
        key: &str,
        path: &Path,
        opts: &TransferOptions,
        progress: Option<Progress<'_>>,
    ) -> Result<ObjectInfo> {
        self.object(bucket, key)?;
        // Every option goes to the HEAD and to every ranged GET, as the Python SDK passes its kwargs to each
        // GET: conditions (If-Match, If-None-Match, If-(Un)Modified-Since: the HEAD answers them for the whole
        // download, and each range's If-Match on the HEAD's ETag then holds the object to what was checked),
        // response-* overrides, version id, traffic limit, SSE-C key. A Range was refused above.
        let part_opts = opts.request.clone();
        let head = self.head_object_in(call, bucket, key, &part_opts)?;
        let size = object_size(&head)?;
        let etag = head.etag().unwrap_or_default().to_string();
        let part_size = choose_part_size(size, opts.part_size)?;
        let temp = partial_path(path)?;
        let cp = CheckpointFile::chosen(&opts.checkpoint(), || default_path(path, None));
        let identity = identity([
            ("kind", "download".to_string()),
            ("bucket", bucket.to_string()),
            ("key", key.to_string()),
            ("file", path.to_string_lossy().into_owned()),
            ("size", size.to_string()),
            ("etag", etag.clone()),
            ("last_modified", head.last_modified().unwrap_or_default().to_string()),
            ("version", part_opts.query.iter().filter(|(k, _)| k == "versionId").map(|(_, v)| v.as_str()).collect()),
            ("part_size", part_size.to_string()),
        ]);
        let io = |what: &str, e: std::io::Error| Error::io(&format!("{what} {}", temp.display()), &e);
        // A one-part download has nothing a checkpoint could resume (its part restarts either way), so it
        // writes none: that saves two fsyncs and two renames per file, which is most of what a small file
        // costs (a tree of them especially).
        let checkpointed = size > part_size && cp.path().is_some();
        let temp_ok = checkpointed && std::fs::metadata(&temp).is_ok_and(|m| m.len() == size);
        let mut state = match cp.load_matching(&identity).filter(|_| temp_ok) {
            Some(mut saved) => {
                // Trust no byte on disk unchecked: a power cut or another program may have damaged them.
                let file = File::open(&temp).map_err(|e| io("reopening", e))?;
                saved.parts.retain(|&n, p| part_intact(&file, (u64::from(n) - 1) * part_size, p.size, p.crc64));
                let kept: u64 = saved.parts.values().map(|p| p.size).sum();
                check_space(&temp, size - kept.min(size))
                    .map_err(|e| e.note(&kept_note(&temp, cp.path(), "free some space and rerun")))?;
                saved
            }
            _ => {
                // The partial file is sparse: nothing would stop a HEAD that claims terabytes from filling the
                // disk. Refuse before anything is created.
                check_space(&temp, size)?;
                File::create(&temp).and_then(|f| f.set_len(size)).map_err(|e| io("creating", e))?;
                let state = State { fields: identity, parts: BTreeMap::new() };
                if checkpointed {
                    cp.save(&state)?;
                }
                state
            }
        };
        let file = OpenOptions::new().write(true).open(&temp).map_err(|e| io("opening", e))?;
        let file = PartsFile { file, write: Mutex::new(()) };

        let jobs: Vec<Job> = part_ranges(size, part_size)
            .into_iter()
            .filter(|(n, _, _)| !state.parts.contains_key(n))
            .map(|(number, offset, len)| Job { number, offset, len })
            .collect();
        let already: u64 = state.parts.values().map(|p| p.size).sum();
        let run = Run::new(size, already, opts.cancel.as_ref().map(|c| c.flag()));
        let work = |job: &Job| {
            let part = call.part(opts.part_timeout, None);
            // A part's error counts every request the part sent, resumes included.
            let result = self.download_part(&part, bucket, key, &etag, size, job, &file, &part_opts, &run);
            result.map_err(|e| if part.sent() > 0 { e.with_attempts(part.sent()) } else { e })
        };
        let mut record = |job: &Job, crc: u64| {
            state.parts.insert(job.number, PartRecord { etag: String::new(), crc64: Some(crc), size: job.len });
            if !checkpointed {
                return Ok(());
            }
            // The part's bytes must be on disk before the checkpoint says they are.
            file.file.sync_data().map_err(|e| io("writing", e))?;
            cp.save(&state)
        };
        if let Err(e) = run_parts(jobs, opts.concurrency, &run, &work, &mut record, progress) {
            if !opts.resumable {
                // Nothing can resume this download: do not leave its partial file behind.
                drop(file);
                let _ = std::fs::remove_file(&temp);
                return Err(e);
            }
            return Err(e.note(&kept_note(&temp, cp.path(), "rerun the same download to continue")));
        }

        // Every byte of the object is in exactly one recorded part, and the file holds nothing more.
        let recorded: u64 = state.parts.values().map(|p| p.size).sum();
        let on_disk = file.file.metadata().map_err(|e| io("checking", e))?.len();
        if recorded != size || on_disk != size {
            drop(file);
            let _ = std::fs::remove_file(&temp);
            cp.remove();
            let msg = format!(
                "the download of a {size}-byte object ended with {recorded} bytes recorded and a {on_disk}-byte \
                 partial file; nothing was renamed onto {}",
                path.display()
            );
            return Err(Error::new(ErrorKind::Io, msg));
        }
        let combined = crc64::combine_all(state.parts.values().map(|p| (p.crc64.unwrap_or(0), p.size)));
        if let (true, Some(remote)) = (opts.request.verify_crc, head.crc64()) {
            if remote != combined {
                // The bytes on disk are wrong: start from scratch next time.
                drop(file);
                let _ = std::fs::remove_file(&temp);
                cp.remove();
                // Each answer was a 206 for exactly the bytes asked: either they were damaged on the way or the
                // server sends bytes that disagree with the CRC it reports, which no rerun changes.
                let msg = format!(
                    "CRC-64 mismatch: the {size} bytes received give {combined}, the HEAD's x-cos-hash-crc64ecma \
                     says {remote}; every answer was a 206 for exactly the bytes asked, so the server's bytes \
                     disagree with its CRC (a rerun starts over and only helps if they were damaged on the way); \
                     the partial file and checkpoint were removed"
                );
                return Err(Error::new(ErrorKind::ChecksumMismatch, msg));
            }
        }
        file.file.sync_all().map_err(|e| io("writing", e))?;
        drop(file);
        std::fs::rename(&temp, path).map_err(|e| {
            let e = Error::io(&format!("renaming onto {}", path.display()), &e);
            e.note(&kept_note(&temp, cp.path(), "the verified object is in the partial file"))
        })?;
        cp.remove();
        Ok(head)
    }

    /// Fetches one part into `file` at its offset and returns its CRC-64. A broken connection mid-body is
    /// resumed from the last byte received, up to the client's retry count. Every answer must carry exactly
    /// the bytes asked for (`range::check_ranged`); nothing is ever written outside the part.
    #[allow(clippy::too_many_arguments)]
    fn download_part(
        &self,
        call: &Call<'_>,
        bucket: &str,
        key: &str,
        etag: &str,
        size: u64,
        job: &Job,
        file: &PartsFile,
        part_opts: &RequestOptions,
        run: &Run<'_>,
    ) -> Result<u64> {
        let mut crc = Crc64::new();
        let mut got = 0u64;
        let mut broken = 0;
        while got < job.len {
            let (first, last) = (job.offset + got, job.offset + job.len - 1);
            let mut o = part_opts.clone();
            o.range(first, Some(last))?;
            if !etag.is_empty() {
                o.if_match(etag)?;
            }
            let mut resp = self.get_response_in(call, bucket, key, &o)?;
            let want = match check_ranged(&resp, first, Some(last), Some(size)) {
                Ok(span) => span.len(),
                // The whole object in one plain answer is exactly the bytes of a part that is the whole object.
                Err(_) if whole_object(&resp, first, job.len, size) => job.len,
                Err(e) => return Err(e),
            };
            match read_range(&mut resp, file, first, want, &mut crc, &mut got, run) {
                Ok(()) => {}
                Err(e) if matches!(e.kind(), ErrorKind::Network | ErrorKind::Timeout) => {
                    broken += 1;
                    if broken > self.config().max_retries {
                        return Err(call.explain(e));
                    }
                    // A resume starts only while the deadline allows.
                    call.check().map_err(|t| t.note(&format!("the last request: {}", e.message())))?;
                }
                Err(e) => return Err(e),
            }
        }
        Ok(crc.value())
    }
}

/// Whether a plain `200` answer to the first request of a part carries that part: the part is the whole
/// object and the answer's length is the object's.
fn whole_object(resp: &Response, first: u64, len: u64, size: u64) -> bool {
    let length = content_length(&resp.headers).ok().flatten();
    resp.status == 200 && first == 0 && len == size && length == Some(size)
}

/// Copies the `want` bytes a checked ranged answer carries into `file` from `offset`, feeding `crc`, `got`
/// and the transfer's progress. Never writes more than `want` bytes: a body that carries more is a Parse
/// error, and its extra bytes are dropped.
fn read_range(
    resp: &mut Response,
    file: &PartsFile,
    offset: u64,
    want: u64,
    crc: &mut Crc64,
    got: &mut u64,
    run: &Run<'_>,
) -> Result<()> {
    // No bigger than the range: zeroing a whole chunk would cost a small file more than its bytes.
    let mut buf = vec![0u8; want.clamp(1, CHUNK as u64) as usize];
    let mut done = 0u64;
    loop {
        if run.stopping() {
            return Err(cancelled_error());
        }
        let room = (want - done).min(CHUNK as u64) as usize;
        // With all `want` bytes in, one more byte is asked for only to see that the body ends there.
        let n = match resp.reader().read(&mut buf[..room.max(1)]) {
            Ok(0) => break,
            Ok(_) if room == 0 => {
                let msg =
                    format!("the answer for bytes {offset}-{} carries more than those {want} bytes", offset + want - 1);
                return Err(resp.stamp(Error::parse(msg)));
            }
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            // Every byte asked for is in; how the body ends does not change them.
            Err(_) if room == 0 => break,
            Err(e) => return Err(resp.body_error(&e)),
        };
        file.write_all_at(&buf[..n], offset + done).map_err(|e| Error::io("writing the download", &e))?;
        crc.update(&buf[..n]);
        done += n as u64;
        *got += n as u64;
        run.add(n as u64);
    }
    if done < want {
        let msg = format!("a ranged body ended after {done} of {want} bytes");
        return Err(resp.stamp(Error::new(ErrorKind::Network, msg)));
    }
    Ok(())
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

/// The most bytes a COS object can hold: 10000 parts of 5 GiB.
const MAX_OBJECT: u64 = MAX_PARTS as u64 * MAX_PART_SIZE;

/// The object's size from a HEAD: a Content-Length that is a plain decimal number no larger than a COS object
/// can be. Anything else is a Parse error: such a size must not decide how large a local file grows.
fn object_size(head: &ObjectInfo) -> Result<u64> {
    let value =
        head.headers.get("content-length").ok_or_else(|| Error::parse("HEAD Object answer has no Content-Length"))?;
    let size = number(value.trim()).ok_or_else(|| {
        Error::parse(format!("the HEAD's Content-Length {value:?} is not a byte count that fits 64 bits"))
    })?;
    if size > MAX_OBJECT {
        return Err(Error::parse(format!(
            "the HEAD claims an object of {size} bytes, more than COS can store ({MAX_OBJECT} bytes: {MAX_PARTS} parts of \
             {MAX_PART_SIZE})"
        )));
    }
    Ok(size)
}

/// Fails with `Io` unless the file system holding `file` has `needed` bytes free (for an unprivileged user).
/// A file system that cannot tell is not checked.
fn check_space(file: &Path, needed: u64) -> Result<()> {
    let dir = match file.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let Some(free) = free_bytes(dir) else { return Ok(()) };
    if needed <= free {
        return Ok(());
    }
    Err(Error::new(
        ErrorKind::Io,
        format!(
            "the download needs {needed} bytes in {} but only {free} bytes are free there; nothing was written",
            dir.display()
        ),
    ))
}

/// The bytes an unprivileged user may still write on the file system holding `dir` (`statvfs`).
fn free_bytes(dir: &Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let c_path = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
    // SAFETY: an all-zero statvfs is a valid value of this plain C struct; it is only written by the call.
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: a NUL-terminated path and a pointer to a live, writable statvfs.
    if unsafe { libc::statvfs(c_path.as_ptr(), &mut st) } != 0 {
        return None;
    }
    #[allow(clippy::unnecessary_cast)] // the field types differ between targets
    Some((st.f_bavail as u64).saturating_mul(st.f_frsize as u64))
}

/// Names what a failed resumable download left to resume from.
fn kept_note(partial: &Path, checkpoint: Option<&Path>, what: &str) -> String {
    let cp = checkpoint.map_or(String::new(), |c| format!(" and its checkpoint {}", c.display()));
    format!("the partial file {}{cp} were kept: {what}", partial.display())
}

/// `<path>.cos-partial`, where a download collects its bytes.
fn partial_path(path: &Path) -> Result<PathBuf> {
    let name = path.file_name().ok_or_else(|| Error::invalid(format!("{} does not name a file", path.display())))?;
    let mut name = name.to_os_string();
    name.push(".cos-partial");
    Ok(path.with_file_name(name))
}
