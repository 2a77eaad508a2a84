//! On-disk persistence for `--data-dir DIR`:
//!
//! ```text
//! DIR/tmp/                              staging area, emptied at start-up
//! DIR/buckets/<bucket>/bucket.meta      region and creation time
//! DIR/buckets/<bucket>/objects/<hex>.data   object bytes
//! DIR/buckets/<bucket>/objects/<hex>.meta   object metadata (small text file)
//! ```
//! `<hex>` is the hex of the key's UTF-8 bytes, cut into 200-character directory levels so that
//! 850-byte keys stay under the 255-byte file name limit. Files are written under `tmp/` and
//! renamed into place, so a reader never sees a half-written object.

use crate::store::{Blob, Bucket, Object, ObjectMeta};
use crate::util::{hex, unhex};
use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, CONTROLS};
use std::collections::BTreeMap;
use std::fs;
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

impl Disk {
    /// Create the layout if needed and load every bucket and object.
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
            let fields: BTreeMap<&str, &str> = text.lines().filter_map(|l| l.split_once(' ')).collect();
            let mut bucket = Bucket {
                name: name.clone(),
                region: fields.get("region").unwrap_or(&"ap-guangzhou").to_string(),
                created: fields.get("created").and_then(|v| v.parse().ok()).unwrap_or(0),
                objects: BTreeMap::new(),
            };
            load_objects(&dir.join("objects"), &mut bucket.objects)?;
            buckets.insert(name, bucket);
        }
        Ok((disk, buckets))
    }

    fn bucket_dir(&self, bucket: &str) -> PathBuf {
        self.root.join("buckets").join(bucket)
    }

    /// Path of an object's files without the `.data`/`.meta` extension.
    fn object_base(&self, bucket: &str, key: &str) -> PathBuf {
        let mut path = self.bucket_dir(bucket).join("objects");
        let h = hex(key.as_bytes());
        let mut rest = h.as_str();
        while rest.len() > SEGMENT {
            path.push(&rest[..SEGMENT]);
            rest = &rest[SEGMENT..];
        }
        path.push(rest);
        path
    }

    fn tmp_path(&self) -> PathBuf {
        let n = self.seq.fetch_add(1, Ordering::Relaxed);
        self.root.join("tmp").join(format!("{}-{n}", std::process::id()))
    }

    pub fn create_bucket(&self, b: &Bucket) -> io::Result<()> {
        let dir = self.bucket_dir(&b.name);
        fs::create_dir_all(dir.join("objects"))?;
        let text = format!("region {}\ncreated {}\n", b.region, b.created);
        self.write_atomic(&dir.join("bucket.meta"), text.as_bytes())
    }

    pub fn delete_bucket(&self, name: &str) -> io::Result<()> {
        fs::remove_dir_all(self.bucket_dir(name))
    }

    fn write_atomic(&self, dest: &Path, data: &[u8]) -> io::Result<()> {
        let tmp = self.tmp_path();
        let mut f = fs::File::create(&tmp)?;
        f.write_all(data)?;
        drop(f);
        fs::rename(&tmp, dest)
    }

    /// Write object bytes to a staging file (done outside the index lock).
    pub fn stage(&self, data: &[u8]) -> io::Result<PathBuf> {
        let tmp = self.tmp_path();
        fs::write(&tmp, data)?;
        Ok(tmp)
    }

    /// Stage a copy of an existing data file: a hard link (free), or a real copy if linking fails.
    pub fn stage_link(&self, src: &Path) -> io::Result<PathBuf> {
        let tmp = self.tmp_path();
        if fs::hard_link(src, &tmp).is_err() {
            fs::copy(src, &tmp)?;
        }
        Ok(tmp)
    }

    pub fn discard(&self, staged: &Path) {
        let _ = fs::remove_file(staged);
    }

    /// Move staged bytes into place and write the metadata file; returns the data file path.
    pub fn commit(&self, bucket: &str, key: &str, meta: &ObjectMeta, staged: PathBuf) -> io::Result<PathBuf> {
        let base = self.object_base(bucket, key);
        if let Some(parent) = base.parent() {
            fs::create_dir_all(parent)?;
        }
        let data = base.with_extension("data");
        fs::rename(&staged, &data)?;
        self.write_atomic(&base.with_extension("meta"), encode_meta(key, meta).as_bytes())?;
        Ok(data)
    }

    pub fn remove_object(&self, bucket: &str, key: &str) -> io::Result<()> {
        let base = self.object_base(bucket, key);
        for ext in ["meta", "data"] {
            match fs::remove_file(base.with_extension(ext)) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
                _ => {}
            }
        }
        Ok(())
    }
}

/// Walk an objects directory (recursively, for long keys) and load every `.meta` with its data.
fn load_objects(dir: &Path, objects: &mut BTreeMap<String, Arc<Object>>) -> io::Result<()> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Ok(());
    };
    for entry in entries {
        let path = entry?.path();
        if path.is_dir() {
            load_objects(&path, objects)?;
        } else if path.extension().is_some_and(|e| e == "meta") {
            let data = path.with_extension("data");
            if !data.exists() {
                continue;
            }
            let (key, meta) = decode_meta(&fs::read_to_string(&path)?)?;
            objects.insert(key, Arc::new(Object { meta, blob: Blob::File(data) }));
        }
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
    s
}

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
            _ => {}
        }
    }
    Ok((key.ok_or_else(|| corrupt("metadata without key"))?, m))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::tests::{exercise, meta};
    use crate::store::Store;

    fn temp_dir(tag: &str) -> PathBuf {
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
            store.put_object("b-1", &long_key, meta(2), b"hi".to_vec()).unwrap();
        }
        let store = Store::open(&dir).unwrap();
        assert_eq!(store.head_object("b-1", "k").unwrap().meta, meta(3));
        assert_eq!(store.head_object("b-1", "k2").unwrap().meta.size, 3);
        assert_eq!(store.head_object("b-1", &long_key).unwrap().meta.size, 2);
        for k in ["k", "k2", long_key.as_str()] {
            store.delete_object("b-1", k).unwrap();
        }
        store.delete_bucket("b-1").unwrap();
        drop(store);
        let store = Store::open(&dir).unwrap();
        assert!(store.list_buckets().is_empty());
        fs::remove_dir_all(&dir).unwrap();
    }
}
