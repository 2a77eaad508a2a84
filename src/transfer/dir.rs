//! `download_prefix`: every object under a prefix into a local directory, never outside it.

use super::{Call, TransferOptions};
use crate::client::Client;
use crate::error::{Error, Result};
use crate::ops::{ListCursor, ListParams};
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
    /// complete). Keys that would land outside `dir` (such as `a/../../etc/passwd`) are refused before
    /// anything is written: the call fails naming the key. Returns the number of files written.
    pub fn download_prefix(&self, bucket: &str, prefix: &str, dir: &Path, opts: &TransferOptions) -> Result<usize> {
        opts.check()?;
        crate::ops::honour::check("download_prefix", &opts.request, crate::ops::honour::Accepts::DOWNLOAD)?;
        if dir.as_os_str().is_empty() {
            // "" would mean the current directory, which the caller hardly meant to fill.
            return Err(Error::invalid("dir is empty"));
        }
        // One deadline for the whole call: the listing pages and every file's HEAD and parts share it.
        let call = Call::new(self.config());
        let mut cursor = ListCursor::new(bucket, ListParams { prefix: prefix.to_string(), ..ListParams::default() });
        let mut targets = Vec::new();
        while let Some(page) = cursor.next_page_in(self, &call) {
            for object in page?.objects {
                if object.key.ends_with('/') {
                    continue; // a "directory" marker object
                }
                match local_path(dir, prefix, &object.key) {
                    Some(path) => targets.push((object.key, path)),
                    None => {
                        return Err(Error::invalid(format!(
                            "key {:?} would be written outside {}; nothing was downloaded",
                            object.key,
                            dir.display()
                        )))
                    }
                }
            }
        }
        let mut opts = opts.clone();
        opts.checkpoint_path = None; // one checkpoint per file, beside it
        for (key, path) in &targets {
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)
                    .map_err(|e| Error::io(&format!("creating {}", parent.display()), &e))?;
            }
            self.download_file_in(&call, bucket, key, path, &opts, None)
                .map_err(|e| call.stamp(e).context(&format!("key {key:?}")))?;
        }
        Ok(targets.len())
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
