//! Runs the parts of a transfer on worker threads, while the calling thread records results, reports
//! progress and watches for cancellation.

use super::{cancelled_error, Progress};
use crate::error::{Error, Result};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Mutex};
use std::time::{Duration, Instant};

/// One part to transfer: its number and byte range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Job {
    pub number: u32,
    pub offset: u64,
    pub len: u64,
}

/// Progress is reported at most this often, unless this many bytes were done since the last report.
const REPORT_INTERVAL: Duration = Duration::from_millis(100);
const REPORT_BYTES: u64 = 64 * 1024;

/// A transfer of one part this small runs it on the calling thread: a thread costs more than such a part
/// (a tree of small files starts thousands), and its progress would come in one step anyway.
const INLINE_BYTES: u64 = 1024 * 1024;

/// Shared state of a running transfer: how many bytes are done and whether to stop.
pub(crate) struct Run<'a> {
    pub done: AtomicU64,
    pub total: u64,
    /// Set when the transfer must stop: an error, the progress callback, or the caller's cancel token.
    pub stop: AtomicBool,
    pub cancel: Option<&'a AtomicBool>,
}

impl Run<'_> {
    pub fn new(total: u64, already_done: u64, cancel: Option<&AtomicBool>) -> Run<'_> {
        Run { done: AtomicU64::new(already_done), total, stop: AtomicBool::new(false), cancel }
    }

    /// True once the transfer should stop.
    pub fn stopping(&self) -> bool {
        self.stop.load(Ordering::Relaxed) || self.cancel.is_some_and(|c| c.load(Ordering::Relaxed))
    }

    pub fn add(&self, bytes: u64) {
        self.done.fetch_add(bytes, Ordering::Relaxed);
    }
}

/// Runs `work` for every job on up to `concurrency` threads. `on_done` runs on the calling thread for each
/// finished job. The first failure stops the rest and is returned, prefixed with the part it happened in.
pub(crate) fn run_parts<T: Send>(
    jobs: Vec<Job>,
    concurrency: usize,
    run: &Run<'_>,
    work: &(dyn Fn(&Job) -> Result<T> + Sync),
    on_done: &mut dyn FnMut(&Job, T) -> Result<()>,
    mut progress: Option<Progress<'_>>,
) -> Result<()> {
    if let [job] = jobs[..] {
        if job.len <= INLINE_BYTES {
            return run_inline(job, run, work, on_done, progress);
        }
    }
    let workers = concurrency.max(1).min(jobs.len().max(1));
    let queue = Mutex::new(jobs.into_iter().rev().collect::<Vec<Job>>());
    let (tx, rx) = mpsc::channel::<(Job, Result<T>)>();
    let mut failure: Option<Error> = None;
    let mut reported = (u64::MAX, Instant::now());
    std::thread::scope(|scope| {
        for _ in 0..workers {
            let tx = tx.clone();
            let queue = &queue;
            scope.spawn(move || loop {
                if run.stopping() {
                    return;
                }
                let Some(job) = queue.lock().unwrap_or_else(|e| e.into_inner()).pop() else { return };
                let result = work(&job);
                if tx.send((job, result)).is_err() {
                    return;
                }
            });
        }
        drop(tx);
        loop {
            match rx.recv_timeout(REPORT_INTERVAL) {
                Ok((job, result)) => {
                    if let Err(e) = result.and_then(|value| on_done(&job, value)) {
                        if failure.is_none() {
                            failure = Some(part_error(&job, e));
                        }
                        run.stop.store(true, Ordering::SeqCst);
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            }
            if let Some(report) = progress.as_mut() {
                let done = run.done.load(Ordering::Relaxed).min(run.total);
                let due = reported.0 == u64::MAX
                    || done >= reported.0 + REPORT_BYTES
                    || (done > reported.0 && reported.1.elapsed() >= REPORT_INTERVAL);
                if due {
                    reported = (done, Instant::now());
                    if !report(done, run.total) {
                        run.stop.store(true, Ordering::SeqCst);
                    }
                }
            }
        }
    });
    if let Some(e) = failure {
        return Err(e);
    }
    if run.stopping() {
        return Err(cancelled_error());
    }
    if let Some(report) = progress.as_mut() {
        if reported.0 != run.total && !report(run.total, run.total) {
            return Err(cancelled_error());
        }
    }
    Ok(())
}

/// `run_parts` of one small job, on the calling thread.
fn run_inline<T>(
    job: Job,
    run: &Run<'_>,
    work: &(dyn Fn(&Job) -> Result<T> + Sync),
    on_done: &mut dyn FnMut(&Job, T) -> Result<()>,
    progress: Option<Progress<'_>>,
) -> Result<()> {
    if run.stopping() {
        return Err(cancelled_error());
    }
    work(&job).and_then(|value| on_done(&job, value)).map_err(|e| part_error(&job, e))?;
    if run.stopping() || progress.is_some_and(|report| !report(run.total, run.total)) {
        return Err(cancelled_error());
    }
    Ok(())
}

fn part_error(job: &Job, e: Error) -> Error {
    if e.kind() == crate::ErrorKind::Cancelled {
        return e;
    }
    let last = (job.offset + job.len).saturating_sub(1);
    e.context(&format!("part {} (bytes {}..={last})", job.number, job.offset))
}
