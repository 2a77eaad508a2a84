//! Directory trees: `upload_prefix` (a local directory to a prefix) and `download_tree` (a prefix to a local
//! directory), with several files in flight, include/exclude patterns, skip-if-unchanged (size and CRC-64)
//! and, for a sync, deletion of what the other side no longer has. One file's failure never stops the
//! others: the report lists every file with what happened to it.

use super::dir::local_path;
use super::pattern::passes;
use super::{cancelled_error, Call, CancelToken, Progress, TransferOptions};
use crate::client::Client;
use crate::crc64::Crc64;
use crate::error::{Error, Result};
use crate::ops::object::is_temp_name;
use crate::ops::{ListCursor, ListParams};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::{Path, PathBuf};

/// Files up to this size download in one GET (see `download_tree`).
const SMALL_FILE: u64 = 1024 * 1024;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Mutex};
use std::time::{Duration, Instant};

const REPORT_INTERVAL: Duration = Duration::from_millis(100);

/// How to move a tree. Each file moves as `upload_file` / `download_file` do, with `transfer` (its
/// `concurrency` parts per large file; its checkpoint setting, each file's checkpoint beside it).
#[derive(Clone, Debug)]
pub struct TreeOptions {
    pub transfer: TransferOptions,
    /// Files in flight at once: 1..=[`super::MAX_CONCURRENCY`] (default 8).
    pub files_in_flight: usize,
    /// Patterns (see [`super::pattern`]) on the path relative to the tree; empty: every file.
    pub include: Vec<String>,
    /// Patterns of files to leave alone, applied after `include`.
    pub exclude: Vec<String>,
    /// Skip files whose size and CRC-64 already match on the other side (a sync); default false.
    pub skip_unchanged: bool,
    /// Delete, on the destination side, files under the tree that the source does not have and that the
    /// patterns select (a mirror); default false.
    pub delete_extras: bool,
}

impl Default for TreeOptions {
    fn default() -> Self {
        TreeOptions {
            transfer: TransferOptions::default(),
            files_in_flight: 8,
            include: Vec::new(),
            exclude: Vec::new(),
            skip_unchanged: false,
            delete_extras: false,
        }
    }
}

impl TreeOptions {
    /// Refuses settings no tree transfer can run with.
    pub fn check(&self) -> Result<()> {
        self.transfer.check()?;
        if !(1..=super::MAX_CONCURRENCY).contains(&self.files_in_flight) {
            return Err(Error::invalid(format!(
                "files in flight must be 1..={}, got {}",
                super::MAX_CONCURRENCY,
                self.files_in_flight
            )));
        }
        Ok(())
    }
}

/// What happened to one file.
#[derive(Debug)]
pub enum Outcome {
    Transferred,
    /// Already the same on the other side (size and CRC-64).
    Skipped,
    /// Deleted on the destination side: the source no longer has it.
    Deleted,
    Failed(Error),
}

/// One file of a tree transfer.
#[derive(Debug)]
pub struct TreeEntry {
    pub key: String,
    pub path: PathBuf,
    pub size: u64,
    pub outcome: Outcome,
}

/// Every file a tree transfer considered, in key order.
#[derive(Debug, Default)]
pub struct TreeReport {
    pub entries: Vec<TreeEntry>,
}

impl TreeReport {
    pub fn failed(&self) -> impl Iterator<Item = &TreeEntry> {
        self.entries.iter().filter(|e| matches!(e.outcome, Outcome::Failed(_)))
    }

    /// Bytes of the files transferred.
    pub fn bytes_transferred(&self) -> u64 {
        self.entries.iter().filter(|e| matches!(e.outcome, Outcome::Transferred)).map(|e| e.size).sum()
    }

    /// The report, or the first failure (naming the file and how many failed) when any file failed.
    pub fn into_result(self) -> Result<TreeReport> {
        let failed = self.failed().count();
        match self.entries.iter().find_map(|e| match &e.outcome {
            Outcome::Failed(err) => Some((e, err)),
            _ => None,
        }) {
            None => Ok(self),
            Some((entry, err)) => Err(err.clone().context(&format!(
                "{failed} of {} files failed; the first, {:?}",
                self.entries.len(),
                entry.key
            ))),
        }
    }
}

/// What every tree call refuses before it starts: bad options, options `call` cannot honour, a bad bucket.
fn check_call(call: &str, bucket: &str, opts: &TreeOptions, accepts: crate::ops::honour::Accepts) -> Result<()> {
    opts.check()?;
    crate::ops::honour::check(call, &opts.transfer.request, accepts)?;
    crate::config::validate_bucket(bucket)
}

/// A file to move: its key, local path and size (the source side's).
struct Job {
    key: String,
    path: PathBuf,
    size: u64,
}

impl Client {
    /// Uploads the regular files under `dir` (recursively; symbolic links to files are followed, to
    /// directories not) to `prefix` + their path relative to `dir` (`/`-separated; a `/` is added after a
    /// non-empty prefix that lacks one). Files ending `.cos-checkpoint` or `.cos-partial`, and the temporary
    /// files of downloads in progress (the library's own) are never uploaded. See [`TreeOptions`] for patterns, sync and mirror deletes. Returns the report;
    /// fails as a whole only when the tree cannot be read or listed, or when cancelled.
    pub fn upload_prefix(
        &self,
        bucket: &str,
        prefix: &str,
        dir: &Path,
        opts: &TreeOptions,
        progress: Option<Progress<'_>>,
    ) -> Result<TreeReport> {
        check_call("upload_prefix", bucket, opts, crate::ops::honour::Accepts::UPLOAD)?;
        let base = key_under(prefix, "");
        let mut entries = Vec::new();
        let mut jobs = Vec::new();
        for (relative, path, size) in walk(dir)? {
            let Some(relative) = relative else {
                let err =
                    Error::invalid(format!("{} has a name that is not UTF-8, as COS keys must be", path.display()));
                entries.push(TreeEntry { key: String::new(), path, size, outcome: Outcome::Failed(err) });
                continue;
            };
            if passes(&opts.include, &opts.exclude, &relative) {
                jobs.push(Job { key: key_under(prefix, &relative), path, size });
            }
        }
        let remote = if opts.skip_unchanged || opts.delete_extras {
            self.remote_sizes(bucket, &base, opts)?
        } else {
            BTreeMap::new()
        };
        let extras: Vec<String> = if opts.delete_extras {
            let local: BTreeSet<&str> = jobs.iter().map(|j| j.key.as_str()).collect();
            remote.keys().filter(|k| !local.contains(k.as_str())).cloned().collect()
        } else {
            Vec::new()
        };
        let skip = opts.skip_unchanged;
        entries.extend(run_files(jobs, opts, progress, &|job, o, p| {
            let mut call = Call::new(self.config());
            call.metrics = o.metrics.clone();
            let result = (|| {
                if skip && remote.get(&job.key) == Some(&job.size) && self.same_crc(&call, bucket, job, &o.request)? {
                    return Ok(Outcome::Skipped);
                }
                self.upload_file_in(&call, bucket, &job.key, &job.path, o, Some(p))?;
                Ok(Outcome::Transferred)
            })();
            result.map_err(|e| call.stamp(e).context(&format!("file {}", job.path.display())))
        })?);
        entries.extend(self.delete_remote(bucket, extras, &remote));
        entries.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(TreeReport { entries })
    }
}

impl Client {
    /// Downloads the objects under `prefix` that the patterns select into `dir`, at `dir/<key without
    /// prefix>` (see [`local_path`]: a key that would land outside `dir` fails the call before anything is
    /// written), creating subdirectories, each file as `download_file` does it (verified, renamed into place
    /// when complete). With `skip_unchanged`, a local file of the object's size and CRC-64 stays; with
    /// `delete_extras`, local files under `dir` that no listed object maps to (and the patterns select) are
    /// removed. Returns the report; fails as a whole only when listing fails, a key would escape `dir`, or
    /// when cancelled.
    pub fn download_tree(
        &self,
        bucket: &str,
        prefix: &str,
        dir: &Path,
        opts: &TreeOptions,
        progress: Option<Progress<'_>>,
    ) -> Result<TreeReport> {
        check_call("download_prefix", bucket, opts, crate::ops::honour::Accepts::DOWNLOAD)?;
        if dir.as_os_str().is_empty() {
            // "" would mean the current directory, which the caller hardly meant to fill.
            return Err(Error::invalid("dir is empty"));
        }
        let mut jobs = Vec::new();
        for (key, size) in self.remote_sizes(bucket, prefix, opts)? {
            match local_path(dir, prefix, &key) {
                Some(path) => jobs.push(Job { key, path, size }),
                None => {
                    return Err(Error::invalid(format!(
                        "key {key:?} would be written outside {}; nothing was downloaded",
                        dir.display()
                    )))
                }
            }
        }
        let extras: Vec<(String, PathBuf, u64)> = if opts.delete_extras && dir.exists() {
            let wanted: BTreeSet<&Path> = jobs.iter().map(|j| j.path.as_path()).collect();
            walk(dir)?
                .into_iter()
                .filter(|(relative, path, _)| {
                    !wanted.contains(path.as_path())
                        && relative.as_deref().is_some_and(|r| passes(&opts.include, &opts.exclude, r))
                })
                .map(|(relative, path, size)| (relative.unwrap_or_default(), path, size))
                .collect()
        } else {
            Vec::new()
        };
        let skip = opts.skip_unchanged;
        let mut entries = run_files(jobs, opts, progress, &|job, o, p| {
            let mut call = Call::new(self.config());
            call.metrics = o.metrics.clone();
            let result = (|| {
                let local_size = std::fs::metadata(&job.path).ok().filter(|m| m.is_file()).map(|m| m.len());
                if skip && local_size == Some(job.size) && self.same_crc(&call, bucket, job, &o.request)? {
                    return Ok(Outcome::Skipped);
                }
                if let Some(parent) = job.path.parent() {
                    std::fs::create_dir_all(parent)
                        .map_err(|e| Error::io(&format!("creating {}", parent.display()), &e))?;
                }
                if job.size <= SMALL_FILE {
                    // One GET into a temporary file, its length and CRC-64 checked, renamed into place: a
                    // small file needs no HEAD, checkpoint or parts (they cost more than its bytes).
                    self.get_object_to_file_in(&call, bucket, &job.key, &job.path, &o.request)?;
                } else {
                    self.download_file_in(&call, bucket, &job.key, &job.path, o, Some(p))?;
                }
                Ok(Outcome::Transferred)
            })();
            result.map_err(|e| call.stamp(e).context(&format!("key {:?}", job.key)))
        })?;
        for (relative, path, size) in extras {
            let outcome = match std::fs::remove_file(&path) {
                Ok(()) => Outcome::Deleted,
                Err(e) => Outcome::Failed(Error::io(&format!("deleting {}", path.display()), &e)),
            };
            entries.push(TreeEntry { key: key_under(prefix, &relative), path, size, outcome });
        }
        entries.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(TreeReport { entries })
    }
}

/// Runs `work` for every job on `opts.files_in_flight` threads; the calling thread reports progress over
/// the whole tree (bytes of every job) and watches for cancellation (the callback returning false, or
/// `opts.transfer.cancel`): then no new file starts, the running ones stop as a cancelled transfer does, and
/// the call fails with `Cancelled`.
fn run_files(
    jobs: Vec<Job>,
    opts: &TreeOptions,
    mut progress: Option<Progress<'_>>,
    work: &(dyn Fn(&Job, &TransferOptions, Progress<'_>) -> Result<Outcome> + Sync),
) -> Result<Vec<TreeEntry>> {
    let total: u64 = jobs.iter().map(|j| j.size).sum();
    let done = AtomicU64::new(0);
    // The files' transfers watch a token of their own, tripped by the caller's or by the callback.
    let stop = CancelToken::new();
    let mut file_opts = opts.transfer.clone();
    file_opts.cancel = Some(stop.clone());
    file_opts.checkpoint_path = None; // one checkpoint per file, beside it
    let caller_cancel = opts.transfer.cancel.clone();
    let count = jobs.len();
    let queue = Mutex::new(jobs.into_iter().enumerate().rev().collect::<Vec<_>>());
    let (tx, rx) = mpsc::channel::<(usize, Job, Outcome)>();
    let mut finished: Vec<Option<TreeEntry>> = (0..count).map(|_| None).collect();
    std::thread::scope(|scope| {
        for _ in 0..opts.files_in_flight.min(count) {
            let tx = tx.clone();
            let (queue, done, stop, file_opts) = (&queue, &done, &stop, &file_opts);
            scope.spawn(move || loop {
                let next = queue.lock().unwrap_or_else(|p| p.into_inner()).pop();
                let Some((index, job)) = next else { break };
                if stop.is_cancelled() {
                    break;
                }
                let mut counted = 0u64;
                let mut report = |file_done: u64, _total: u64| {
                    done.fetch_add(file_done.saturating_sub(counted), Ordering::Relaxed);
                    counted = counted.max(file_done);
                    !stop.is_cancelled()
                };
                let outcome = match work(&job, file_opts, &mut report) {
                    Ok(outcome) => outcome,
                    Err(e) => Outcome::Failed(e),
                };
                // A skipped file counts as done; so does the rest of a failed one, so progress ends at total.
                done.fetch_add(job.size.saturating_sub(counted), Ordering::Relaxed);
                if tx.send((index, job, outcome)).is_err() {
                    break;
                }
            });
        }
        drop(tx);
        // Progress as a single transfer reports it: at most every 100 ms or 64 KiB, and once at the end.
        let mut last: Option<(u64, Instant)> = None;
        let mut report_now = |done: u64, last_call: bool| {
            let Some(report) = progress.as_mut() else { return };
            let due = match last {
                None => true,
                Some((d, t)) => done != d && (last_call || done - d >= 64 * 1024 || t.elapsed() >= REPORT_INTERVAL),
            };
            if due && !stop.is_cancelled() {
                last = Some((done, Instant::now()));
                if !report(done, total) {
                    stop.cancel();
                }
            }
        };
        loop {
            let message = rx.recv_timeout(REPORT_INTERVAL);
            if caller_cancel.as_ref().is_some_and(CancelToken::is_cancelled) {
                stop.cancel();
            }
            match message {
                Ok((index, job, outcome)) => {
                    finished[index] = Some(TreeEntry { key: job.key, path: job.path, size: job.size, outcome })
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            }
            report_now(done.load(Ordering::Relaxed).min(total), false);
        }
        report_now(done.load(Ordering::Relaxed).min(total), true);
    });
    if stop.is_cancelled() {
        return Err(cancelled_error());
    }
    Ok(finished.into_iter().flatten().collect())
}

/// The key of the file at `relative` under `prefix`: a `/` between them unless the prefix is empty or ends
/// with one.
fn key_under(prefix: &str, relative: &str) -> String {
    if prefix.is_empty() || prefix.ends_with('/') {
        format!("{prefix}{relative}")
    } else {
        format!("{prefix}/{relative}")
    }
}

/// The regular files under `dir`, sorted, with their path relative to `dir` (`None` when not UTF-8).
fn walk(dir: &Path) -> Result<Vec<(Option<String>, PathBuf, u64)>> {
    if dir.as_os_str().is_empty() {
        return Err(Error::invalid("dir is empty"));
    }
    let io = |what: &Path, e: std::io::Error| Error::io(&format!("reading {}", what.display()), &e);
    if !std::fs::metadata(dir).map_err(|e| io(dir, e))?.is_dir() {
        return Err(Error::invalid(format!("{} is not a directory", dir.display())));
    }
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        for entry in std::fs::read_dir(&current).map_err(|e| io(&current, e))? {
            let entry = entry.map_err(|e| io(&current, e))?;
            let path = entry.path();
            let kind = entry.file_type().map_err(|e| io(&path, e))?;
            if kind.is_dir() {
                stack.push(path);
                continue;
            }
            // A symbolic link counts as what it points to if that is a file; links to directories could loop.
            let meta = match std::fs::metadata(&path) {
                Ok(m) if m.is_file() => m,
                _ => continue,
            };
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.ends_with(".cos-checkpoint") || name.ends_with(".cos-partial") || is_temp_name(&name) {
                continue;
            }
            let relative = path.strip_prefix(dir).ok().and_then(|r| {
                let parts: Option<Vec<&str>> = r.components().map(|c| c.as_os_str().to_str()).collect();
                parts.map(|p| p.join("/"))
            });
            out.push((relative, path, meta.len()));
        }
    }
    out.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(out)
}

/// The CRC-64/XZ of a local file.
fn file_crc(path: &Path) -> Result<u64> {
    let io = |e: std::io::Error| Error::io(&format!("reading {}", path.display()), &e);
    let mut file = std::fs::File::open(path).map_err(io)?;
    let mut crc = Crc64::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        match file.read(&mut buf).map_err(io)? {
            0 => return Ok(crc.value()),
            n => crc.update(&buf[..n]),
        }
    }
}

impl Client {
    /// Objects under `base` that the patterns select, by key, with their sizes (directory markers left out).
    fn remote_sizes(&self, bucket: &str, base: &str, opts: &TreeOptions) -> Result<BTreeMap<String, u64>> {
        let call = Call::new(self.config());
        let mut cursor = ListCursor::new(bucket, ListParams { prefix: base.to_string(), ..ListParams::default() });
        let mut out = BTreeMap::new();
        while let Some(page) = cursor.next_page_in(self, &call) {
            for object in page.map_err(|e| call.stamp(e))?.objects {
                let relative = object.key.strip_prefix(base).unwrap_or(&object.key).trim_start_matches('/');
                if !object.key.ends_with('/') && passes(&opts.include, &opts.exclude, relative) {
                    out.insert(object.key, object.size);
                }
            }
        }
        Ok(out)
    }

    /// Whether the object `job.key` has COS's CRC-64 of the local file `job.path` (sizes already match). An
    /// object without a CRC-64 (uploaded by a client that did not send it) is never taken as unchanged.
    fn same_crc(&self, call: &Call<'_>, bucket: &str, job: &Job, opts: &crate::RequestOptions) -> Result<bool> {
        let head = self.head_object_in(call, bucket, &job.key, opts)?;
        Ok(head.content_length() == Some(job.size) && head.crc64().is_some_and(|c| file_crc(&job.path).ok() == Some(c)))
    }

    /// Deletes `keys` (1000 per request), one entry per key.
    fn delete_remote(&self, bucket: &str, keys: Vec<String>, sizes: &BTreeMap<String, u64>) -> Vec<TreeEntry> {
        let mut out = Vec::new();
        for chunk in keys.chunks(1000) {
            let refs: Vec<&str> = chunk.iter().map(String::as_str).collect();
            let result = self.delete_objects(bucket, &refs, false);
            for key in chunk {
                let outcome = match &result {
                    Err(e) => Outcome::Failed(e.clone().context(&format!("deleting {key:?}"))),
                    Ok(r) => match r.errors.iter().find(|e| &e.key == key) {
                        Some(e) => Outcome::Failed(Error::invalid(format!(
                            "deleting {key:?}: COS answered {}: {}",
                            e.code, e.message
                        ))),
                        None => Outcome::Deleted,
                    },
                };
                let size = sizes.get(key).copied().unwrap_or(0);
                out.push(TreeEntry { key: key.clone(), path: PathBuf::new(), size, outcome });
            }
        }
        out
    }
}

/// For tests of the walk and the local paths of a download.
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_walk_finds_regular_files_and_skips_the_library_s_own() {
        let dir = std::env::temp_dir().join(format!("cos-tree-walk-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("a/b")).unwrap();
        std::fs::write(dir.join("top.txt"), b"1").unwrap();
        std::fs::write(dir.join("a/b/deep.bin"), b"22").unwrap();
        std::fs::write(dir.join("a/x.cos-partial"), b"").unwrap();
        std::fs::write(dir.join("a/y.cos-checkpoint"), b"").unwrap();
        std::fs::write(dir.join("a/.z.bin.cos-41-0.tmp"), b"").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(&dir, dir.join("a/loop")).unwrap();
        let found: Vec<(Option<String>, u64)> = walk(&dir).unwrap().into_iter().map(|(r, _, s)| (r, s)).collect();
        assert_eq!(found, [(Some("a/b/deep.bin".to_string()), 2), (Some("top.txt".to_string()), 1)]);
        assert!(walk(&dir.join("top.txt")).is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
