//! Transfers: their progress calls, the checkpoint files they leave, the uploads they leave in a bucket.

use super::{TempDir, KIB};
use cos::{Client, ListUploadsParams, UploadSummary};
use std::path::Path;
use std::time::{Duration, Instant};

/// Every progress call: (done, total, when).
#[derive(Default)]
pub struct ProgressLog {
    pub calls: Vec<(u64, u64, Instant)>,
}

impl ProgressLog {
    pub fn record(&mut self, done: u64, total: u64) {
        self.calls.push((done, total, Instant::now()));
    }

    pub fn first(&self) -> Option<u64> {
        self.calls.first().map(|c| c.0)
    }

    /// Checks the contract: `done` never decreases, never exceeds `total`, `total` is constant, the last
    /// call is (total, total), and calls come at most about every 64 KiB or 100 ms (the last excepted).
    #[track_caller]
    pub fn check(&self, total: u64, what: &str) {
        assert!(!self.calls.is_empty(), "{what}: no progress call");
        for (i, w) in self.calls.windows(2).enumerate() {
            assert!(w[1].0 >= w[0].0, "{what}: progress went back at call {i}: {:?}", self.values());
        }
        for &(done, t, _) in &self.calls {
            assert_eq!(t, total, "{what}: total changed: {:?}", self.values());
            assert!(done <= total, "{what}: done {done} > total {total}");
        }
        let last = self.calls.last().unwrap();
        assert_eq!((last.0, last.1), (total, total), "{what}: the last call is not (total, total)");
        // Throttling: between two calls (the final one excepted) 64 KiB or about 100 ms passed.
        let n = self.calls.len();
        for i in 1..n.saturating_sub(1) {
            let (d0, _, t0) = self.calls[i - 1];
            let (d1, _, t1) = self.calls[i];
            let gap = t1.duration_since(t0);
            assert!(
                d1 - d0 >= 64 * KIB || gap >= Duration::from_millis(90),
                "{what}: call {i} came {gap:?} and {} bytes after the previous one",
                d1 - d0
            );
        }
    }

    pub fn values(&self) -> Vec<(u64, u64)> {
        self.calls.iter().map(|c| (c.0, c.1)).collect()
    }
}

/// The names of a directory's files that look like a checkpoint's temporary file (`*.tmp-*`).
pub fn temp_leftovers(dir: &TempDir) -> Vec<String> {
    dir.names().into_iter().filter(|n| n.contains(".tmp-") || n.ends_with(".tmp")).collect()
}

/// The files of `dir` ending with `.cos-checkpoint`.
pub fn checkpoints(dir: &TempDir) -> Vec<String> {
    dir.names().into_iter().filter(|n| n.ends_with(".cos-checkpoint")).collect()
}

/// The parts a checkpoint file records (its `part <n> ...` lines) and its upload id field, if any.
pub fn checkpoint_parts(path: &Path) -> (Vec<u32>, Option<String>) {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let parts = text
        .lines()
        .filter_map(|l| l.strip_prefix("part "))
        .filter_map(|rest| rest.split(' ').next()?.parse().ok())
        .collect();
    let id = text.lines().find_map(|l| l.strip_prefix("field upload_id ")).map(str::to_string);
    (parts, id)
}

/// Every multipart upload in progress under `prefix`, following the pages.
pub fn list_all_uploads(client: &Client, bucket: &str, prefix: &str) -> Vec<UploadSummary> {
    let mut params = ListUploadsParams { prefix: prefix.into(), ..ListUploadsParams::default() };
    let mut all = Vec::new();
    for _ in 0..1000 {
        let page = client.list_multipart_uploads(bucket, &params).expect("list multipart uploads");
        all.extend(page.uploads);
        if !page.is_truncated {
            return all;
        }
        params.key_marker = page.next_key_marker.unwrap_or_default();
        params.upload_id_marker = page.next_upload_id_marker.unwrap_or_default();
    }
    panic!("list_multipart_uploads never ends");
}
