//! On-disk persistence for `--data-dir DIR`:
//!
//! ```text
//! DIR/tmp/                                        staging area, emptied at start-up
//! DIR/buckets/<bucket>/bucket.meta                region and creation time
//! DIR/buckets/<bucket>/objects/<hex>.meta         object metadata and the list of its blobs
//! DIR/buckets/<bucket>/blobs/<id>                 object bytes (one file per part for multipart)
//! DIR/buckets/<bucket>/uploads/<uploadId>/upload.meta   key, initiation time, object metadata
//! DIR/buckets/<bucket>/uploads/<uploadId>/<n>.part      bytes of part n
//! DIR/buckets/<bucket>/uploads/<uploadId>/<n>.meta      its ETag, size, CRC-64 and time
//! ```
//! `<hex>` is the hex of the key's UTF-8 bytes, cut into 200-character directory levels so that
//! 850-byte keys stay under the 255-byte file name limit. Files are written under `tmp/` and
//! renamed into place, so a reader never sees a half-written object; completing an upload renames
//! its part files into `blobs/`, so no bytes are copied. Uploads in progress survive a restart.

use crate::store::{Bucket, Object, ObjectMeta, Segment};
use crate::uploads::{Part, Upload};
use crate::util::{hex, random_u64, unhex};
use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, CONTROLS};
use std::collections::{BTreeMap, HashSet};
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

const SEGMENT: usize = 200;
/// Escapes for values in metadata files: controls (so a value stays on one line) and `%`.
const META_VALUE: &AsciiSet = &CONTROLS.add(b'%');

pub struct Disk {
    root: PathBuf,
    seq: AtomicU64,
}

fn corrupt(what: impl std::fmt::Display) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.to_string())
}

fn fields(text: &str) -> BTreeMap<&str, &str> {
    text.lines().filter_map(|l| l.split_once(' ')).collect()
}

impl Disk {
    /// Create the layout if needed and load every bucket, object and upload.
    pub fn open(root: &Path) -> io::Result<(Disk, BTreeMap<String, Bucket>)> {
        let tmp = root.join("tmp");
        if tmp.exists() {
            fs::remove_dir_all(&tmp)?;
        }
        fs::create_dir_all(&tmp)?;
        fs::create_dir_all(root.join("buckets"))?;
        let disk = Disk { root: root.to_path_buf(), seq: AtomicU64::new(0) };
        let mut buckets = BTreeMap::new();
        for entry in fs::read_dir(root.join("buckets"))? {
            let dir = entry?.path();
            let Some(name) = dir.file_name().and_then(|n| n.to_str()).map(str::to_string) else {
                continue;
            };
            let Ok(text) = fs::read_to_string(dir.join("bucket.meta")) else {
                continue;
            };
            let f = fields(&text);
            let mut bucket = Bucket {
                name: name.clone(),
                region: f.get("region").unwrap_or(&"ap-guangzhou").to_string(),
                created: f.get("created").and_then(|v| v.parse().ok()).unwrap_or(0),
                objects: BTreeMap::new(),
                uploads: BTreeMap::new(),
            };
            let mut referenced = HashSet::new();
            load_objects(&dir.join("objects"), &dir.join("blobs"), &mut bucket.objects, &mut referenced)?;
            collect_garbage(&dir.join("blobs"), &referenced);
            load_uploads(&dir.join("uploads"), &mut bucket.uploads)?;
            buckets.insert(name, bucket);
        }
        Ok((disk, buckets))
    }

    fn bucket_dir(&self, bucket: &str) -> PathBuf {
        self.root.join("buckets").join(bucket)
    }

    fn upload_dir(&self, bucket: &str, id: &str) -> PathBuf {
        self.bucket_dir(bucket).join("uploads").join(id)
    }

    /// Path of an object's metadata file.
    fn object_meta(&self, bucket: &str, key: &str) -> PathBuf {
        let mut path = self.bucket_dir(bucket).join("objects");
        let h = hex(key.as_bytes());
        let mut rest = h.as_str();
        while rest.len() > SEGMENT {
            path.push(&rest[..SEGMENT]);
            rest = &rest[SEGMENT..];
        }
        path.push(format!("{rest}.meta"));
        path
    }

    /// A name no other file of this data dir has, even across restarts.
    fn unique_name(&self) -> String {
        let n = self.seq.fetch_add(1, Ordering::Relaxed);
        format!("{:x}-{n:x}-{:016x}", std::process::id(), random_u64())
    }

    pub fn create_bucket(&self, b: &Bucket) -> io::Result<()> {
        let dir = self.bucket_dir(&b.name);
        for sub in ["objects", "blobs", "uploads"] {
            fs::create_dir_all(dir.join(sub))?;
        }
        let text = format!("region {}\ncreated {}\n", b.region, b.created);
        self.write_atomic(&dir.join("bucket.meta"), text.as_bytes())
    }

    pub fn delete_bucket(&self, name: &str) -> io::Result<()> {
        fs::remove_dir_all(self.bucket_dir(name))
    }

    fn write_atomic(&self, dest: &Path, data: &[u8]) -> io::Result<()> {
        let tmp = self.root.join("tmp").join(self.unique_name());
        let mut f = File::create(&tmp)?;
        f.write_all(data)?;
        drop(f);
        fs::rename(&tmp, dest)
    }

    /// A new, empty staging file for bytes about to arrive (written outside the index lock).
    pub fn stage(&self) -> io::Result<(PathBuf, File)> {
        let path = self.root.join("tmp").join(self.unique_name());
        let file = File::create(&path)?;
        Ok((path, file))
    }

    /// Stage a copy of an existing file: a hard link (free), or a real copy if linking fails.
    pub fn stage_link(&self, src: &Path) -> io::Result<PathBuf> {
        let tmp = self.root.join("tmp").join(self.unique_name());
        if fs::hard_link(src, &tmp).is_err() {
            fs::copy(src, &tmp)?;
        }
        Ok(tmp)
    }

    pub fn discard(&self, staged: &Path) {
        let _ = fs::remove_file(staged);
    }

    /// Move `files` (staged, or part files) into the bucket's blobs and write the object's
    /// metadata; returns the object's segments. The caller unlinks the replaced object's blobs.
    pub fn commit_object(
        &self,
        bucket: &str,
        key: &str,
        meta: &ObjectMeta,
        files: Vec<PathBuf>,
    ) -> io::Result<Vec<Segment>> {
        let blobs = self.bucket_dir(bucket).join("blobs");
        let mut text = encode_meta(key, meta);
        let mut segments = Vec::with_capacity(files.len());
        for file in files {
            let name = self.unique_name();
            let path = blobs.join(&name);
            fs::rename(&file, &path)?;
            let len = fs::metadata(&path)?.len();
            text.push_str(&format!("blob {name} {len}\n"));
            segments.push(Segment::File { path, len });
        }
        let dest = self.object_meta(bucket, key);
        if let Some(parent) = dest.parent() {
            fs::create_dir_all(parent)?;
        }
        self.write_atomic(&dest, text.as_bytes())?;
        Ok(segments)
    }

    pub fn remove_object(&self, bucket: &str, key: &str) -> io::Result<()> {
        match fs::remove_file(self.object_meta(bucket, key)) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    /// Unlink an object's files (open handles keep reading them).
    pub fn remove_blobs(&self, segments: &[Segment]) {
        for s in segments {
            if let Segment::File { path, .. } = s {
                let _ = fs::remove_file(path);
            }
        }
    }

    pub fn create_upload(&self, bucket: &str, u: &Upload) -> io::Result<()> {
        let dir = self.upload_dir(bucket, &u.id);
        fs::create_dir_all(&dir)?;
        let text = format!("upload {}\ninitiated {}\n{}", u.id, u.initiated, encode_meta(&u.key, &u.meta));
        self.write_atomic(&dir.join("upload.meta"), text.as_bytes())
    }

    /// Move a staged part into its upload (replacing an earlier part n) and record its digests.
    pub fn commit_part(&self, bucket: &str, id: &str, n: u32, part: &Part, staged: &Path) -> io::Result<PathBuf> {
        let dir = self.upload_dir(bucket, id);
        let path = dir.join(format!("{n}.part"));
        fs::rename(staged, &path)?;
        let text =
            format!("size {}\netag {}\ncrc64 {}\nmtime {}\n", part.size, part.etag, part.crc64, part.last_modified);
        self.write_atomic(&dir.join(format!("{n}.meta")), text.as_bytes())?;
        Ok(path)
    }

    pub fn remove_upload(&self, bucket: &str, id: &str) -> io::Result<()> {
        fs::remove_dir_all(self.upload_dir(bucket, id))
    }
}

/// Walk an objects directory (recursively, for long keys) and load every `.meta` whose blobs exist.
fn load_objects(
    dir: &Path,
    blobs: &Path,
    objects: &mut BTreeMap<String, Arc<Object>>,
    referenced: &mut HashSet<String>,
) -> io::Result<()> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Ok(());
    };
    for entry in entries {
        let path = entry?.path();
        if path.is_dir() {
            load_objects(&path, blobs, objects, referenced)?;
        } else if path.extension().is_some_and(|e| e == "meta") {
            let text = fs::read_to_string(&path)?;
            let (key, meta) = decode_meta(&text)?;
            let mut data = Vec::new();
            for line in text.lines().filter_map(|l| l.strip_prefix("blob ")) {
                let (name, len) = line.split_once(' ').ok_or_else(|| corrupt("bad blob line"))?;
                let len = len.parse().map_err(|_| corrupt("bad blob length"))?;
                data.push(Segment::File { path: blobs.join(name), len });
            }
            if data.iter().all(|s| matches!(s, Segment::File { path, .. } if path.exists())) {
                for s in &data {
                    if let Segment::File { path, .. } = s {
                        referenced.extend(path.file_name().and_then(|n| n.to_str()).map(str::to_string));
                    }
                }
                objects.insert(key, Arc::new(Object { meta, data }));
            }
        }
    }
    Ok(())
}

/// Blobs no object names are leftovers of a crash between renaming a blob and writing its
/// metadata (or of an overwrite): remove them.
fn collect_garbage(blobs: &Path, referenced: &HashSet<String>) {
    let Ok(entries) = fs::read_dir(blobs) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !referenced.contains(&name) {
            let _ = fs::remove_file(entry.path());
        }
    }
}

fn load_uploads(dir: &Path, uploads: &mut BTreeMap<String, Upload>) -> io::Result<()> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Ok(());
    };
    for entry in entries {
        let udir = entry?.path();
        let Ok(text) = fs::read_to_string(udir.join("upload.meta")) else {
            continue;
        };
        let (key, meta) = decode_meta(&text)?;
        let f = fields(&text);
        let id = f.get("upload").ok_or_else(|| corrupt("upload without id"))?.to_string();
        let initiated = f.get("initiated").and_then(|v| v.parse().ok()).unwrap_or(0);
        let mut upload = Upload { id: id.clone(), key, initiated, meta, parts: BTreeMap::new() };
        for part in fs::read_dir(&udir)? {
            let path = part?.path();
            let Some(n) = path.file_stem().and_then(|s| s.to_str()).and_then(|s| s.parse::<u32>().ok()) else {
                continue;
            };
            let data = path.with_extension("part");
            if path.extension().is_none_or(|e| e != "meta") || !data.exists() {
                continue;
            }
            let text = fs::read_to_string(&path)?;
            let f = fields(&text);
            let num = |name: &str| f.get(name).and_then(|v| v.parse::<u64>().ok()).ok_or_else(|| corrupt(name));
            let size = num("size")?;
            let part = Part {
                size,
                etag: f.get("etag").ok_or_else(|| corrupt("part without etag"))?.to_string(),
                crc64: num("crc64")?,
                last_modified: num("mtime")?,
                data: vec![Segment::File { path: data, len: size }],
            };
            upload.parts.insert(n, part);
        }
        uploads.insert(id, upload);
    }
    Ok(())
}

fn enc(v: &str) -> String {
    utf8_percent_encode(v, META_VALUE).to_string()
}

fn dec(v: &str) -> String {
    percent_decode_str(v).decode_utf8_lossy().into_owned()
}

/// One `name value` pair per line; repeated `header` and optional lines as needed.
pub fn encode_meta(key: &str, m: &ObjectMeta) -> String {
    let mut s = format!(
        "key {}\nsize {}\netag {}\nmtime {}\ncrc64 {}\nclass {}\ncontent-type {}\n",
        hex(key.as_bytes()),
        m.size,
        enc(&m.etag),
        m.last_modified,
        m.crc64,
        enc(&m.storage_class),
        enc(&m.content_type)
    );
    for (n, v) in &m.headers {
        s.push_str(&format!("header {} {}\n", enc(n), enc(v)));
    }
    if let Some(acl) = &m.acl {
        s.push_str(&format!("acl {}\n", enc(acl)));
    }
    if let Some(t) = &m.tagging {
        s.push_str(&format!("tagging {}\n", enc(t)));
    }
    if m.appendable {
        s.push_str("appendable 1\n");
    }
    s
}

/// Unknown lines (`blob`, `upload`, ...) are left to the caller.
pub fn decode_meta(text: &str) -> io::Result<(String, ObjectMeta)> {
    let mut key = None;
    let mut m = ObjectMeta {
        size: 0,
        etag: String::new(),
        last_modified: 0,
        crc64: 0,
        storage_class: "STANDARD".into(),
        content_type: "application/octet-stream".into(),
        headers: Vec::new(),
        acl: None,
        tagging: None,
        appendable: false,
    };
    let num = |v: &str| v.parse::<u64>().map_err(|_| corrupt(format!("bad number {v:?}")));
    for line in text.lines() {
        let (name, value) = line.split_once(' ').unwrap_or((line, ""));
        match name {
            "key" => {
                let bytes = unhex(value).ok_or_else(|| corrupt("bad key"))?;
                key = Some(String::from_utf8(bytes).map_err(|_| corrupt("key not UTF-8"))?);
            }
            "size" => m.size = num(value)?,
            "etag" => m.etag = dec(value),
            "mtime" => m.last_modified = num(value)?,
            "crc64" => m.crc64 = num(value)?,
            "class" => m.storage_class = dec(value),
            "content-type" => m.content_type = dec(value),
            "header" => {
                let (n, v) = value.split_once(' ').unwrap_or((value, ""));
                m.headers.push((dec(n), dec(v)));
            }
            "acl" => m.acl = Some(dec(value)),
            "tagging" => m.tagging = Some(dec(value)),
            "appendable" => m.appendable = value == "1",
            _ => {}
        }
    }
    Ok((key.ok_or_else(|| corrupt("metadata without key"))?, m))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::tests::{exercise, meta, read_object, stage};
    use crate::store::Store;

    pub fn temp_dir(tag: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "cos-emulator-test-{tag}-{}-{}",
            std::process::id(),
            crate::util::random_u64()
        ));
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn meta_round_trip() {
        let mut m = meta(10);
        m.appendable = true;
        m.headers.push(("Content-Disposition".into(), "attachment; filename=\"a%b\n\"".into()));
        let key = "dir/with space/中\n%";
        let (k, back) = decode_meta(&encode_meta(key, &m)).unwrap();
        assert_eq!(k, key);
        assert_eq!(back, m);
    }

    #[test]
    fn data_survives_reopen_including_long_keys() {
        let dir = temp_dir("reopen");
        let long_key = "x/".repeat(400);
        {
            let store = Store::open(&dir).unwrap();
            exercise(&store);
            store.put_object("b-1", &long_key, meta(2), stage(&store, b"hi")).unwrap();
        }
        // A blob no metadata names (a crash leftover) is collected at start-up.
        let stray = dir.join("buckets/b-1/blobs/stray");
        fs::write(&stray, b"x").unwrap();
        let store = Store::open(&dir).unwrap();
        assert!(!stray.exists());
        assert_eq!(store.head_object("b-1", "k").unwrap().meta, meta(3));
        assert_eq!(read_object(&store, "b-1", "k2"), b"abc");
        assert_eq!(read_object(&store, "b-1", &long_key), b"hi");
        for k in ["k", "k2", long_key.as_str()] {
            store.delete_object("b-1", k).unwrap();
        }
        assert_eq!(fs::read_dir(dir.join("buckets/b-1/blobs")).unwrap().count(), 0, "blobs left behind");
        store.delete_bucket("b-1").unwrap();
        drop(store);
        let store = Store::open(&dir).unwrap();
        assert!(store.list_buckets().is_empty());
        fs::remove_dir_all(&dir).unwrap();
    }
}
