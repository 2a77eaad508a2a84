//! `download_prefix`: every object under a prefix into a local directory, never outside it.

use super::{TransferOptions, TreeOptions};
use crate::client::Client;
use crate::error::Result;
use std::path::{Component, Path, PathBuf};

/// Where the object `key` goes under `dir`, given the listed `prefix`: `dir` joined with the rest of the key.
/// Keys whose rest could leave `dir` (`..` components, an absolute path) or that name a directory (end in
/// `/`) have no local path.
pub fn local_path(dir: &Path, prefix: &str, key: &str) -> Option<PathBuf> {
    let rest = key.strip_prefix(prefix)?.trim_start_matches('/');
    if rest.is_empty() || rest.ends_with('/') || rest.contains('\0') {
        return None;
    }
    let mut path = dir.to_path_buf();
    for part in Path::new(rest).components() {
        match part {
            Component::Normal(name) => path.push(name),
            Component::CurDir => {}
            Component::ParentDir | Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(path)
}

impl Client {
    /// Downloads every object whose key starts with `prefix` into `dir`, at `dir/<key without prefix>`,
    /// creating subdirectories, each file with [`Client::download_file`] (verified, renamed into place when
    /// complete), 8 files in flight. Keys that would land outside `dir` (such as `a/../../etc/passwd`) are
    /// refused before anything is written: the call fails naming the key. Every file is tried; if any
    /// failed, the call fails with the first failure. Returns the number of files written.
    /// [`Client::download_tree`] is the full form (patterns, sync, a report of every file).
    pub fn download_prefix(&self, bucket: &str, prefix: &str, dir: &Path, opts: &TransferOptions) -> Result<usize> {
        let tree = TreeOptions { transfer: opts.clone(), ..TreeOptions::default() };
        Ok(self.download_tree(bucket, prefix, dir, &tree, None)?.into_result()?.entries.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_stay_inside_the_directory() {
        let dir = Path::new("/data/out");
        assert_eq!(local_path(dir, "logs/", "logs/2024/a.txt"), Some(PathBuf::from("/data/out/2024/a.txt")));
        assert_eq!(local_path(dir, "", "a/./b"), Some(PathBuf::from("/data/out/a/b")));
        assert_eq!(local_path(dir, "", "/abs/x"), Some(PathBuf::from("/data/out/abs/x")));
        for bad in ["../x", "a/../../x", "a/..", "logs/", "", "a/b/"] {
            assert_eq!(local_path(dir, "", bad), None, "{bad}");
        }
        assert_eq!(local_path(dir, "logs/", "other/x"), None);
    }
}
