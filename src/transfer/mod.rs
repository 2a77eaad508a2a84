//! High-level transfers: parallel multipart upload, parallel ranged download and server-side copy of large
//! objects, each resumable from a local checkpoint, with progress reports, cancellation and CRC-64 checks.
//!
//! Work is spread over `concurrency` worker threads sharing the client's connection pool; the calling
//! thread coordinates: it records finished parts in the checkpoint, reports progress and watches for
//! cancellation, so callbacks run on the thread that called (as the C ABI promises).

mod checkpoint;
mod copy;
mod dir;
mod download;
pub mod pattern;
mod pool;
mod stream;
mod tree;
mod upload;

pub(crate) use crate::ops::Call;
pub use crate::ops::ObjectReader;
pub use dir::local_path;
pub use stream::ObjectWriter;
pub use tree::{Outcome, TreeEntry, TreeOptions, TreeReport};

use crate::error::{Error, ErrorKind, Result};
use crate::ops::{MAX_PARTS, MAX_PART_SIZE, MIN_PART_SIZE};
use crate::options::RequestOptions;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Trips a running transfer from any thread: it stops promptly, leaves its checkpoint for a later resume,
/// and fails with [`ErrorKind::Cancelled`].
#[derive(Clone, Debug, Default)]
pub struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    pub fn new() -> CancelToken {
        CancelToken::default()
    }
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
    pub(crate) fn flag(&self) -> &AtomicBool {
        &self.0
    }
}

/// Where a transfer keeps its resume state: what [`TransferOptions::checkpoint`] makes of the options'
/// `resumable` and `checkpoint_path`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Checkpoint {
    /// Beside the local file: `<file>.cos-checkpoint` for downloads, `<file>.<tag>.cos-checkpoint` for uploads
    /// (the tag tells uploads of one file to different objects apart).
    #[default]
    Default,
    /// At this path.
    At(PathBuf),
    /// No checkpoint: an interrupted transfer starts over.
    Off,
}

/// Called with (bytes done, bytes total) on the calling thread; return `false` to cancel the transfer.
pub type Progress<'a> = &'a mut dyn FnMut(u64, u64) -> bool;

/// How to run a transfer.
#[derive(Clone, Debug)]
pub struct TransferOptions {
    /// Part size in bytes; 0 chooses one (8 MiB, raised so that no object needs more than 10000 parts).
    pub part_size: u64,
    /// Parts in flight at once, each on its own thread: 1..=[`MAX_CONCURRENCY`] (default 4); a transfer
    /// started with another value fails with `InvalidArgument`.
    pub concurrency: usize,
    /// Headers for the object (content type, metadata, storage class, ...) and CRC/MD5 switches.
    pub request: RequestOptions,
    /// Keep a checkpoint so that a rerun resumes (default true). Independent of `checkpoint_path`: turning
    /// resuming off and on again keeps the path, so the order in which the two are set does not matter.
    pub resumable: bool,
    /// Where the checkpoint goes when resumable; `None`: beside the local file (see [`Checkpoint::Default`]).
    pub checkpoint_path: Option<PathBuf>,
    /// Copies of objects smaller than this are one CopyObject request (default 5 GiB, COS's limit for it).
    pub copy_threshold: u64,
    pub cancel: Option<CancelToken>,
    /// Bounds each part of a transfer, all its attempts, waits and resumes included, counted from the
    /// part's start (`None`: no bound of its own). The client's operation timeout (`COS_OPERATION_TIMEOUT_MS`)
    /// is the other bound: it covers the whole call, from its first request (the HEAD of a download, the
    /// initiation of an upload) to its last (the completion), and applies to every part as well; whichever
    /// comes first ends the part with `Timeout`.
    pub part_timeout: Option<Duration>,
    /// Sums the figures of every request of the transfer (attempts, request ids, bytes); `None`: not kept.
    pub metrics: Option<Arc<crate::observe::TransferMetrics>>,
}

impl Default for TransferOptions {
    fn default() -> Self {
        TransferOptions {
            part_size: 0,
            concurrency: 4,
            request: RequestOptions::default(),
            resumable: true,
            checkpoint_path: None,
            copy_threshold: MAX_PART_SIZE,
            cancel: None,
            part_timeout: None,
            metrics: None,
        }
    }
}

/// The most parts a transfer keeps in flight.
pub const MAX_CONCURRENCY: usize = 64;

fn check_concurrency(n: usize) -> Result<()> {
    if (1..=MAX_CONCURRENCY).contains(&n) {
        Ok(())
    } else {
        Err(Error::invalid(format!("concurrency must be 1..={MAX_CONCURRENCY}, got {n}")))
    }
}

fn check_part_size(n: u64) -> Result<()> {
    if n != 0 {
        choose_part_size(0, n)?;
    }
    Ok(())
}

impl TransferOptions {
    /// Refuses settings no transfer can run with; every transfer checks its options first.
    pub fn check(&self) -> Result<()> {
        check_concurrency(self.concurrency)?;
        check_part_size(self.part_size)
    }

    /// Sets `concurrency`, refusing what [`TransferOptions::check`] would.
    pub fn set_concurrency(&mut self, concurrency: usize) -> Result<&mut Self> {
        check_concurrency(concurrency)?;
        self.concurrency = concurrency;
        Ok(self)
    }

    /// Sets `part_size` (0: automatic), refusing what [`TransferOptions::check`] would.
    pub fn set_part_size(&mut self, part_size: u64) -> Result<&mut Self> {
        check_part_size(part_size)?;
        self.part_size = part_size;
        Ok(self)
    }

    /// Where this transfer keeps its checkpoint, from `resumable` and `checkpoint_path`.
    pub fn checkpoint(&self) -> Checkpoint {
        match (&self.checkpoint_path, self.resumable) {
            (_, false) => Checkpoint::Off,
            (Some(path), true) => Checkpoint::At(path.clone()),
            (None, true) => Checkpoint::Default,
        }
    }
}

/// The default part size when the caller gives none.
pub const DEFAULT_PART_SIZE: u64 = 8 << 20;

/// The part size for an object of `size` bytes: the requested one (or the default), raised in whole MiB
/// until at most 10000 parts are needed.
pub fn choose_part_size(size: u64, requested: u64) -> Result<u64> {
    let mut part = if requested == 0 { DEFAULT_PART_SIZE } else { requested };
    if part < MIN_PART_SIZE {
        return Err(Error::invalid(format!("part size must be at least {MIN_PART_SIZE} bytes, got {part}")));
    }
    let needed = size.div_ceil(u64::from(MAX_PARTS));
    if part < needed {
        part = needed.div_ceil(MIN_PART_SIZE) * MIN_PART_SIZE;
    }
    if part > MAX_PART_SIZE {
        return Err(Error::invalid(format!(
            "{size} bytes need parts larger than COS's {MAX_PART_SIZE}-byte maximum (at most {MAX_PARTS} parts)"
        )));
    }
    Ok(part)
}

/// The byte ranges `(offset, len)` of the parts of an object, numbered from 1.
pub(crate) fn part_ranges(size: u64, part_size: u64) -> Vec<(u32, u64, u64)> {
    let count = size.div_ceil(part_size).max(1);
    (0..count).map(|i| (i as u32 + 1, i * part_size, part_size.min(size - i * part_size))).collect()
}

pub(crate) fn cancelled_error() -> Error {
    Error::new(ErrorKind::Cancelled, "the transfer was cancelled; its checkpoint allows resuming it")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn part_size_choice() {
        assert_eq!(choose_part_size(0, 0).unwrap(), DEFAULT_PART_SIZE);
        assert_eq!(choose_part_size(100 << 30, 0).unwrap(), 11 << 20); // 100 GiB / 10000 = 10.24 MiB
        assert_eq!(choose_part_size(1 << 30, 1 << 20).unwrap(), 1 << 20);
        assert!(choose_part_size(1 << 30, 1000).is_err());
        assert!(choose_part_size(60_000u64 << 30, 0).is_err());
        let size = 48_828u64 << 30; // just under 10000 × 5 GiB
        let p = choose_part_size(size, 0).unwrap();
        assert!(p <= MAX_PART_SIZE && size.div_ceil(p) <= u64::from(MAX_PARTS));
    }

    #[test]
    fn ranges_cover_the_object() {
        assert_eq!(part_ranges(0, 8), vec![(1, 0, 0)]);
        assert_eq!(part_ranges(20, 8), vec![(1, 0, 8), (2, 8, 8), (3, 16, 4)]);
        assert_eq!(part_ranges(16, 8), vec![(1, 0, 8), (2, 8, 8)]);
    }
}
