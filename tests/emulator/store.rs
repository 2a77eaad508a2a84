//! Buckets and objects. One RwLock around the whole index; object bytes live outside it
//! (`Arc<Vec<u8>>` in memory, or a file with `--data-dir`) so a GET copies nothing and holds no
//! lock while it writes to the socket.

use crate::disk::Disk;
use crate::error::CosError;
use std::collections::BTreeMap;
use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

/// What is kept about an object besides its bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectMeta {
    pub size: u64,
    /// Quoted, as sent in the ETag header: `"<md5 hex>"`.
    pub etag: String,
    pub last_modified: u64,
    pub crc64: u64,
    pub storage_class: String,
    pub content_type: String,
    /// Headers returned verbatim on GET/HEAD: Content-Disposition, Content-Encoding,
    /// Cache-Control, Expires, Content-Language, x-cos-meta-*, x-cos-server-side-encryption*.
    pub headers: Vec<(String, String)>,
    /// `x-cos-acl` given at upload (not returned on GET; kept for the ACL sub-resource later).
    pub acl: Option<String>,
    /// `x-cos-tagging` given at upload, `k1=v1&k2=v2` (GET returns only the tag count).
    pub tagging: Option<String>,
}

/// Where an object's bytes are.
pub enum Blob {
    Mem(Arc<Vec<u8>>),
    File(PathBuf),
}

impl std::fmt::Debug for Blob {
    // Never dump object bytes into a test failure message.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Blob::Mem(d) => write!(f, "Mem({} bytes)", d.len()),
            Blob::File(p) => write!(f, "File({})", p.display()),
        }
    }
}

#[derive(Debug)]
pub struct Object {
    pub meta: ObjectMeta,
    pub blob: Blob,
}

/// An open handle on an object's bytes, taken under the lock so it always matches the metadata
/// it was returned with (a later overwrite renames a new file into place; this handle keeps the
/// old inode).
pub enum Content {
    Mem(Arc<Vec<u8>>),
    File(File),
}

pub struct Bucket {
    pub name: String,
    pub region: String,
    pub created: u64,
    /// BTreeMap<String> iterates in byte order, which is COS's listing order.
    pub objects: BTreeMap<String, Arc<Object>>,
}

pub struct BucketInfo {
    pub name: String,
    pub region: String,
    pub created: u64,
}

pub struct Store {
    buckets: RwLock<BTreeMap<String, Bucket>>,
    disk: Option<Disk>,
}

fn disk_error(e: io::Error) -> CosError {
    CosError::internal(format!("storage error: {e}"))
}

impl Store {
    pub fn memory() -> Store {
        Store { buckets: RwLock::new(BTreeMap::new()), disk: None }
    }

    /// Open (or create) a data directory and load its index.
    pub fn open(dir: &Path) -> io::Result<Store> {
        let (disk, buckets) = Disk::open(dir)?;
        Ok(Store { buckets: RwLock::new(buckets), disk: Some(disk) })
    }

    // A panic while holding the lock cannot leave the maps half-updated in a way that matters
    // for a test server, so a poisoned lock is simply taken over.
    fn read(&self) -> RwLockReadGuard<'_, BTreeMap<String, Bucket>> {
        self.buckets.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, BTreeMap<String, Bucket>> {
        self.buckets.write().unwrap_or_else(|e| e.into_inner())
    }

    pub fn create_bucket(&self, name: &str, region: &str, now: u64) -> Result<(), CosError> {
        let mut buckets = self.write();
        if buckets.contains_key(name) {
            return Err(CosError::new(
                409,
                "BucketAlreadyOwnedByYou",
                "Your previous request to create the named bucket succeeded and you already own it.",
            ));
        }
        let bucket =
            Bucket { name: name.to_string(), region: region.to_string(), created: now, objects: BTreeMap::new() };
        if let Some(disk) = &self.disk {
            disk.create_bucket(&bucket).map_err(disk_error)?;
        }
        buckets.insert(name.to_string(), bucket);
        Ok(())
    }

    pub fn delete_bucket(&self, name: &str) -> Result<(), CosError> {
        let mut buckets = self.write();
        let bucket = buckets.get(name).ok_or_else(CosError::no_such_bucket)?;
        if !bucket.objects.is_empty() {
            return Err(CosError::new(409, "BucketNotEmpty", "The bucket you tried to delete is not empty."));
        }
        if let Some(disk) = &self.disk {
            disk.delete_bucket(name).map_err(disk_error)?;
        }
        buckets.remove(name);
        Ok(())
    }

    pub fn list_buckets(&self) -> Vec<BucketInfo> {
        self.read()
            .values()
            .map(|b| BucketInfo { name: b.name.clone(), region: b.region.clone(), created: b.created })
            .collect()
    }

    /// Run `f` on a bucket under the read lock (listing).
    pub fn with_bucket<R>(&self, name: &str, f: impl FnOnce(&Bucket) -> R) -> Result<R, CosError> {
        let buckets = self.read();
        let bucket = buckets.get(name).ok_or_else(CosError::no_such_bucket)?;
        Ok(f(bucket))
    }

    pub fn head_object(&self, bucket: &str, key: &str) -> Result<Arc<Object>, CosError> {
        self.with_bucket(bucket, |b| b.objects.get(key).cloned())?.ok_or_else(CosError::no_such_key)
    }

    /// The object and an open handle on its bytes.
    pub fn open_object(&self, bucket: &str, key: &str) -> Result<(Arc<Object>, Content), CosError> {
        let buckets = self.read();
        let b = buckets.get(bucket).ok_or_else(CosError::no_such_bucket)?;
        let obj = b.objects.get(key).ok_or_else(CosError::no_such_key)?.clone();
        let content = match &obj.blob {
            Blob::Mem(data) => Content::Mem(data.clone()),
            Blob::File(path) => Content::File(File::open(path).map_err(disk_error)?),
        };
        Ok((obj, content))
    }

    /// Store a new object (replacing any previous one under that key).
    pub fn put_object(&self, bucket: &str, key: &str, meta: ObjectMeta, data: Vec<u8>) -> Result<(), CosError> {
        // Fail fast before staging a file for a bucket that does not exist.
        self.with_bucket(bucket, |_| ())?;
        let blob = match &self.disk {
            // The slow part (writing the bytes) happens before taking the write lock.
            Some(disk) => Staged::File(disk.stage(&data).map_err(disk_error)?),
            None => Staged::Mem(Arc::new(data)),
        };
        self.insert(bucket, key, meta, blob)
    }

    /// Copy `src` to `dst` under one lock. `make_meta` sees the source metadata and returns the
    /// destination's (or an error such as a failed copy-source precondition).
    pub fn copy_object(
        &self,
        src: (&str, &str),
        dst: (&str, &str),
        make_meta: impl FnOnce(&ObjectMeta) -> Result<ObjectMeta, CosError>,
    ) -> Result<ObjectMeta, CosError> {
        let mut buckets = self.write();
        let source = buckets
            .get(src.0)
            .ok_or_else(CosError::no_such_bucket)?
            .objects
            .get(src.1)
            .ok_or_else(CosError::no_such_key)?
            .clone();
        if !buckets.contains_key(dst.0) {
            return Err(CosError::no_such_bucket());
        }
        let meta = make_meta(&source.meta)?;
        let blob = match (&source.blob, &self.disk) {
            (Blob::Mem(data), _) => Blob::Mem(data.clone()),
            (Blob::File(path), Some(disk)) => {
                let staged = disk.stage_link(path).map_err(disk_error)?;
                Blob::File(disk.commit(dst.0, dst.1, &meta, staged).map_err(disk_error)?)
            }
            (Blob::File(_), None) => return Err(CosError::internal("file object without a data dir")),
        };
        let bucket = buckets.get_mut(dst.0).ok_or_else(CosError::no_such_bucket)?;
        bucket.objects.insert(dst.1.to_string(), Arc::new(Object { meta: meta.clone(), blob }));
        Ok(meta)
    }

    fn insert(&self, bucket: &str, key: &str, meta: ObjectMeta, staged: Staged) -> Result<(), CosError> {
        let mut buckets = self.write();
        let Some(b) = buckets.get_mut(bucket) else {
            if let (Staged::File(path), Some(disk)) = (&staged, &self.disk) {
                disk.discard(path);
            }
            return Err(CosError::no_such_bucket());
        };
        let blob = match (staged, &self.disk) {
            (Staged::Mem(data), _) => Blob::Mem(data),
            (Staged::File(path), Some(disk)) => Blob::File(disk.commit(bucket, key, &meta, path).map_err(disk_error)?),
            (Staged::File(_), None) => return Err(CosError::internal("staged file without a data dir")),
        };
        b.objects.insert(key.to_string(), Arc::new(Object { meta, blob }));
        Ok(())
    }

    /// Remove an object; removing a missing key is not an error (COS answers 204 either way).
    pub fn delete_object(&self, bucket: &str, key: &str) -> Result<(), CosError> {
        let mut buckets = self.write();
        let b = buckets.get_mut(bucket).ok_or_else(CosError::no_such_bucket)?;
        if b.objects.remove(key).is_some() {
            if let Some(disk) = &self.disk {
                disk.remove_object(bucket, key).map_err(disk_error)?;
            }
        }
        Ok(())
    }
}

enum Staged {
    Mem(Arc<Vec<u8>>),
    File(PathBuf),
}

#[cfg(test)]
pub mod tests {
    use super::*;

    pub fn meta(size: u64) -> ObjectMeta {
        ObjectMeta {
            size,
            etag: "\"e\"".into(),
            last_modified: 1_700_000_000,
            crc64: 7,
            storage_class: "STANDARD".into(),
            content_type: "text/plain".into(),
            headers: vec![("x-cos-meta-a".into(), "b c".into())],
            acl: Some("private".into()),
            tagging: Some("k=v".into()),
        }
    }

    pub fn exercise(store: &Store) {
        store.create_bucket("b-1", "ap-guangzhou", 5).unwrap();
        assert_eq!(store.create_bucket("b-1", "r", 5).unwrap_err().code, "BucketAlreadyOwnedByYou");
        store.put_object("b-1", "k", meta(3), b"abc".to_vec()).unwrap();
        assert_eq!(store.put_object("nope-1", "k", meta(3), b"abc".to_vec()).unwrap_err().code, "NoSuchBucket");
        let (obj, content) = store.open_object("b-1", "k").unwrap();
        assert_eq!(obj.meta, meta(3));
        match content {
            Content::Mem(d) => assert_eq!(&d[..], b"abc"),
            Content::File(mut f) => {
                let mut s = Vec::new();
                io::Read::read_to_end(&mut f, &mut s).unwrap();
                assert_eq!(s, b"abc");
            }
        }
        store.copy_object(("b-1", "k"), ("b-1", "k2"), |m| Ok(m.clone())).unwrap();
        assert_eq!(store.head_object("b-1", "k2").unwrap().meta.size, 3);
        assert_eq!(store.delete_bucket("b-1").unwrap_err().code, "BucketNotEmpty");
        store.delete_object("b-1", "missing").unwrap();
        assert_eq!(store.head_object("b-1", "missing").unwrap_err().code, "NoSuchKey");
    }

    #[test]
    fn memory_store_basics() {
        let store = Store::memory();
        exercise(&store);
        store.delete_object("b-1", "k").unwrap();
        store.delete_object("b-1", "k2").unwrap();
        store.delete_bucket("b-1").unwrap();
        assert_eq!(store.head_object("b-1", "k").unwrap_err().code, "NoSuchBucket");
    }
}
