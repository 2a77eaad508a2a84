//! The resume state of a transfer, kept in a small text file that is replaced atomically (write a temporary
//! file, fsync, rename), so a crash or `kill -9` at any moment leaves either the old or the new state.
//!
//! Format: a header line, `field <name> <value>` lines identifying the transfer, `part <n> <etag> <crc|-> <size>`
//! lines for finished parts, and a last line `crc64 <n>` over everything before it. Values are
//! percent-encoded. A file that does not parse, fails its CRC, or identifies another transfer is ignored.

use super::Checkpoint;
use crate::crc64;
use crate::encode;
use crate::error::{Error, Result};
use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

const HEADER: &str = "cos-checkpoint v1";

/// A finished part.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct PartRecord {
    pub etag: String,
    pub crc64: Option<u64>,
    pub size: u64,
}

/// What a transfer has done: its identity and its finished parts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct State {
    /// Identifies the transfer (kind, bucket, key, local file size and mtime, remote ETag, upload id, ...).
    pub fields: BTreeMap<String, String>,
    pub parts: BTreeMap<u32, PartRecord>,
}

impl State {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }

    fn render(&self) -> String {
        let mut s = format!("{HEADER}\n");
        for (k, v) in &self.fields {
            s += &format!("field {} {}\n", encode::component(k), encode::component(v));
        }
        for (n, p) in &self.parts {
            let crc = p.crc64.map_or("-".to_string(), |c| c.to_string());
            s += &format!("part {n} {} {crc} {}\n", encode::component(&p.etag), p.size);
        }
        let sum = crc64::checksum(s.as_bytes());
        s + &format!("crc64 {sum}\n")
    }

    fn parse(text: &str) -> Option<State> {
        let body_end = text.trim_end_matches('\n').rfind('\n')? + 1;
        let (body, last) = text.split_at(body_end);
        let sum: u64 = last.trim().strip_prefix("crc64 ")?.parse().ok()?;
        if sum != crc64::checksum(body.as_bytes()) {
            return None;
        }
        let mut lines = body.lines();
        if lines.next()? != HEADER {
            return None;
        }
        let mut state = State::default();
        for line in lines {
            let words: Vec<&str> = line.split(' ').collect();
            match words.as_slice() {
                ["field", k, v] => {
                    state.fields.insert(encode::decode(k)?, encode::decode(v)?);
                }
                ["part", n, etag, crc, size] => {
                    let crc64 = if *crc == "-" { None } else { Some(crc.parse().ok()?) };
                    let record = PartRecord { etag: encode::decode(etag)?, crc64, size: size.parse().ok()? };
                    state.parts.insert(n.parse().ok()?, record);
                }
                _ => return None,
            }
        }
        Some(state)
    }
}

/// A checkpoint file, or none (resuming turned off).
pub(crate) struct CheckpointFile {
    path: Option<PathBuf>,
}

impl CheckpointFile {
    pub fn new(path: Option<PathBuf>) -> CheckpointFile {
        CheckpointFile { path }
    }

    /// The checkpoint a transfer's options ask for; `default` is where [`Checkpoint::Default`] puts it.
    pub fn chosen(choice: &Checkpoint, default: impl FnOnce() -> PathBuf) -> CheckpointFile {
        CheckpointFile::new(match choice {
            Checkpoint::Default => Some(default()),
            Checkpoint::At(p) => Some(p.clone()),
            Checkpoint::Off => None,
        })
    }

    /// Where the checkpoint is kept (None: resuming is off).
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The saved state, if it exists and is intact.
    pub fn load(&self) -> Option<State> {
        State::parse(&fs::read_to_string(self.path.as_ref()?).ok()?)
    }

    /// The saved state if it exists, is intact and describes the transfer identified by `fields`.
    pub fn load_matching(&self, fields: &BTreeMap<String, String>) -> Option<State> {
        self.load().filter(|state| fields.iter().all(|(k, v)| state.fields.get(k) == Some(v)))
    }

    /// `<checkpoint>.tmp`: one fixed name, so a save interrupted by a crash is replaced by the next one.
    fn temp(path: &Path) -> PathBuf {
        let mut name = path.as_os_str().to_os_string();
        name.push(".tmp");
        PathBuf::from(name)
    }

    /// Replaces the saved state atomically.
    pub fn save(&self, state: &State) -> Result<()> {
        let Some(path) = &self.path else { return Ok(()) };
        let tmp = CheckpointFile::temp(path);
        let io = |e: std::io::Error| Error::io(&format!("saving the checkpoint {}", path.display()), &e);
        let mut file = fs::File::create(&tmp).map_err(io)?;
        file.write_all(state.render().as_bytes()).map_err(io)?;
        file.sync_all().map_err(io)?;
        fs::rename(&tmp, path).map_err(io)?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            // Make the rename itself durable; not every file system lets a directory be opened for this.
            let _ = fs::File::open(dir).and_then(|d| d.sync_all());
        }
        Ok(())
    }

    pub fn remove(&self) {
        if let Some(path) = &self.path {
            let _ = fs::remove_file(path);
            let _ = fs::remove_file(CheckpointFile::temp(path));
        }
    }
}

/// The fields that identify a transfer, as a checkpoint records them.
pub(crate) fn identity<const N: usize>(fields: [(&str, String); N]) -> BTreeMap<String, String> {
    fields.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

/// The modification time of a file in nanoseconds since the epoch (part of a local file's identity).
pub(crate) fn mtime_nanos(meta: &fs::Metadata) -> u128 {
    meta.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok()).map_or(0, |d| d.as_nanos())
}

/// `<file>.cos-checkpoint`, or `<file>.<tag>.cos-checkpoint` when one file may feed several transfers.
pub(crate) fn default_path(file: &Path, tag: Option<&str>) -> PathBuf {
    let mut name = file.file_name().unwrap_or_default().to_os_string();
    if let Some(tag) = tag {
        name.push(format!(".{tag}"));
    }
    name.push(".cos-checkpoint");
    file.with_file_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> State {
        let mut s = State::default();
        s.fields.insert("bucket".into(), "b-1".into());
        s.fields.insert("key".into(), "dir/a b\n%.txt".into());
        s.parts.insert(2, PartRecord { etag: "\"e 2\"".into(), crc64: Some(u64::MAX), size: 5 });
        s.parts.insert(1, PartRecord { etag: "\"e1\"".into(), crc64: None, size: 8 });
        s
    }

    #[test]
    fn round_trips() {
        let s = sample();
        assert_eq!(State::parse(&s.render()), Some(s));
    }

    #[test]
    fn rejects_damage() {
        let text = sample().render();
        assert!(State::parse(&text[..text.len() - 3]).is_none(), "truncated");
        assert!(State::parse(&text.replace("part 2", "part 3")).is_none(), "edited");
        assert!(State::parse("").is_none());
        assert!(State::parse("garbage\ncrc64 1\n").is_none());
    }

    #[test]
    fn matches_only_the_same_transfer() {
        let dir = std::env::temp_dir().join(format!("cos-cp-test-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let cp = CheckpointFile::new(Some(dir.join("x.cos-checkpoint")));
        let s = sample();
        cp.save(&s).unwrap();
        assert_eq!(cp.load_matching(&s.fields), Some(s.clone()));
        let mut other = s.fields.clone();
        other.insert("key".into(), "another".into());
        assert_eq!(cp.load_matching(&other), None);
        cp.remove();
        assert_eq!(cp.load_matching(&s.fields), None);
        fs::remove_dir_all(dir).unwrap();
    }
}
