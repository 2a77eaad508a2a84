//! Buckets, objects and (in `uploads.rs`) multipart uploads. One RwLock around the whole index;
//! object bytes live outside it (shared memory segments, or files with `--data-dir`) so a GET
//! copies nothing and holds no lock while it writes to the socket.

use crate::error::CosError;
use crate::storage::chunk::Chunk;
use crate::storage::disk::Disk;
use crate::storage::uploads::Upload;
use crate::storage::versions::{next_seq, Found, Version, Versioning, NULL_VERSION};
use std::collections::BTreeMap;
use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

/// What is kept about an object besides its bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectMeta {
    pub size: u64,
    /// Quoted, as sent in the ETag header: `"<md5 hex>"`, or `"<hex>-<parts>"` for multipart.
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
    /// Made by AppendObject (`x-cos-object-type: appendable`); any other write makes a normal object.
    pub appendable: bool,
    /// `null` unless written while versioning was enabled (set by the store when it is written).
    pub version_id: String,
    /// Order among the key's versions (`storage/versions.rs`); 0 for a never-versioned write.
    pub seq: u64,
    /// The restore requested for an ARCHIVE / DEEP_ARCHIVE object (`operations/restore.rs`).
    pub restore: Option<Restore>,
}

/// A restore of an archived object: readable from `ready_ms` (Unix milliseconds on the
/// emulator's clock) until `expiry` (Unix seconds).
#[derive(Debug, Clone, PartialEq)]
pub struct Restore {
    pub ready_ms: u64,
    pub expiry: u64,
    pub days: u32,
    pub tier: String,
}

/// A run of stored bytes. An object is a list of them: one per 8 MiB of a body received in
/// memory, one file per simple PUT on disk, and the parts' own runs for a completed multipart
/// upload, so completing an upload moves no data.
#[derive(Clone)]
pub enum Segment {
    Mem { data: Arc<Chunk>, start: usize, end: usize },
    File { path: PathBuf, len: u64 },
}

#[cfg(test)]
impl Segment {
    pub fn mem(data: Vec<u8>) -> Segment {
        let end = data.len();
        Segment::Mem { data: Arc::new(Chunk::from_vec(data)), start: 0, end }
    }

    pub fn len(&self) -> u64 {
        match self {
            Segment::Mem { start, end, .. } => (end - start) as u64,
            Segment::File { len, .. } => *len,
        }
    }
}

impl std::fmt::Debug for Segment {
    // Never dump object bytes into a test failure message.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Segment::Mem { start, end, .. } => write!(f, "Mem({start}..{end})"),
            Segment::File { path, len } => write!(f, "File({}, {len})", path.display()),
        }
    }
}

#[derive(Debug)]
pub struct Object {
    pub meta: ObjectMeta,
    pub data: Vec<Segment>,
}

/// An open handle on a run of an object's bytes, taken under the lock so it always matches the
/// metadata it was returned with (an overwrite unlinks old files; an open handle keeps the inode).
pub enum Piece {
    Mem { data: Arc<Chunk>, start: usize, end: usize },
    File { file: File, offset: u64, len: u64 },
}

impl Piece {
    pub fn len(&self) -> u64 {
        match self {
            Piece::Mem { start, end, .. } => (end - start) as u64,
            Piece::File { len, .. } => *len,
        }
    }
}

/// Bytes `[start, end)` of the concatenation of `pieces`.
pub fn slice_pieces(pieces: Vec<Piece>, start: u64, end: u64) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut pos = 0u64;
    for piece in pieces {
        let len = piece.len();
        let (lo, hi) = (start.max(pos), end.min(pos + len));
        if lo < hi {
            let (a, b) = (lo - pos, hi - pos);
            out.push(match piece {
                Piece::Mem { data, start, .. } => {
                    Piece::Mem { data, start: start + a as usize, end: start + b as usize }
                }
                Piece::File { file, offset, .. } => Piece::File { file, offset: offset + a, len: b - a },
            });
        }
        pos += len;
    }
    out
}

/// The bytes of `pieces` in one buffer, for the few answers that need the content itself
/// (Select reads the object; the corrupt-body fault edits a body).
pub fn read_pieces(pieces: &[Piece]) -> io::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(pieces.iter().map(Piece::len).sum::<u64>() as usize);
    for p in pieces {
        match p {
            Piece::Mem { data, start, end } => out.extend_from_slice(&data[*start..*end]),
            Piece::File { file, offset, len } => {
                let at = out.len();
                out.resize(at + *len as usize, 0);
                std::os::unix::fs::FileExt::read_exact_at(file, &mut out[at..], *offset)?;
            }
        }
    }
    Ok(out)
}

pub fn open_pieces(segments: &[Segment]) -> io::Result<Vec<Piece>> {
    segments
        .iter()
        .map(|s| match s {
            Segment::Mem { data, start, end } => Ok(Piece::Mem { data: data.clone(), start: *start, end: *end }),
            Segment::File { path, len } => Ok(Piece::File { file: File::open(path)?, offset: 0, len: *len }),
        })
        .collect()
}

/// Bytes received but not yet in the index.
pub enum Staged {
    Mem(Vec<Segment>),
    /// A staging file under the data dir's `tmp/`.
    File(PathBuf),
}

pub struct Bucket {
    pub name: String,
    pub region: String,
    pub created: u64,
    /// BTreeMap<String> iterates in byte order, which is COS's listing order.
    pub objects: BTreeMap<String, Arc<Object>>,
    /// Multipart uploads in progress, by upload id.
    pub uploads: BTreeMap<String, Upload>,
    /// Configuration documents (`?cors`, `?lifecycle`, `?acl`, `inventory/<id>`, ...) as stored;
    /// see `storage/configs.rs`.
    pub configs: BTreeMap<String, Vec<u8>>,
    pub versioning: Versioning,
    /// Per key, noncurrent objects and delete markers, newest first (`storage/versions.rs`).
    pub versions: BTreeMap<String, Vec<Version>>,
}

pub struct BucketInfo {
    pub name: String,
    pub region: String,
    pub created: u64,
}

pub struct Store {
    buckets: RwLock<BTreeMap<String, Bucket>>,
    pub(crate) disk: Option<Disk>,
}

pub fn disk_error(e: io::Error) -> CosError {
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
    pub(crate) fn read(&self) -> RwLockReadGuard<'_, BTreeMap<String, Bucket>> {
        self.buckets.read().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn write(&self) -> RwLockWriteGuard<'_, BTreeMap<String, Bucket>> {
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
        let bucket = Bucket {
            name: name.to_string(),
            region: region.to_string(),
            created: now,
            objects: BTreeMap::new(),
            uploads: BTreeMap::new(),
            configs: BTreeMap::new(),
            versioning: Versioning::Unversioned,
            versions: BTreeMap::new(),
        };
        if let Some(disk) = &self.disk {
            disk.create_bucket(&bucket).map_err(disk_error)?;
        }
        buckets.insert(name.to_string(), bucket);
        Ok(())
    }

    /// Refused while objects, versions or delete markers remain; uploads in progress are dropped with the bucket (a test
    /// that left one behind should still be able to clean up).
    pub fn delete_bucket(&self, name: &str) -> Result<(), CosError> {
        let mut buckets = self.write();
        let bucket = buckets.get(name).ok_or_else(CosError::no_such_bucket)?;
        if !bucket.is_empty() {
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
        self.head_version(bucket, key, None)
    }

    /// The object `version_id` (None: the current one) of `key`. A delete marker is 404 NoSuchKey
    /// as the latest entry and 405 MethodNotAllowed by id, both with `x-cos-delete-marker: true`.
    pub fn head_version(&self, bucket: &str, key: &str, version_id: Option<&str>) -> Result<Arc<Object>, CosError> {
        let buckets = self.read();
        let b = buckets.get(bucket).ok_or_else(CosError::no_such_bucket)?;
        object_of(b.find_version(key, version_id)?, version_id)
    }

    /// The object and open handles on its bytes.
    #[cfg(test)]
    pub fn open_object(&self, bucket: &str, key: &str) -> Result<(Arc<Object>, Vec<Piece>), CosError> {
        self.open_version(bucket, key, None)
    }

    pub fn open_version(
        &self,
        bucket: &str,
        key: &str,
        version_id: Option<&str>,
    ) -> Result<(Arc<Object>, Vec<Piece>), CosError> {
        let buckets = self.read();
        let b = buckets.get(bucket).ok_or_else(CosError::no_such_bucket)?;
        let obj = object_of(b.find_version(key, version_id)?, version_id)?;
        let pieces = open_pieces(&obj.data).map_err(disk_error)?;
        Ok((obj, pieces))
    }

    /// With `--data-dir`, a fresh staging file for bytes about to arrive; None in memory mode.
    pub fn staging_file(&self) -> Result<Option<(PathBuf, File)>, CosError> {
        self.disk.as_ref().map(|d| d.stage()).transpose().map_err(disk_error)
    }

    /// Forget received bytes that will not be stored (bad digest, vanished bucket or upload).
    pub fn discard(&self, staged: Staged) {
        if let (Staged::File(path), Some(disk)) = (staged, &self.disk) {
            disk.discard(&path);
        }
    }

    /// Staged bytes as the object's segments, moved into place for `key` (disk: renamed into the
    /// bucket's blobs and described by the object's metadata file).
    pub(crate) fn commit(
        &self,
        bucket: &str,
        key: &str,
        meta: &ObjectMeta,
        staged: Vec<Staged>,
    ) -> Result<Vec<Segment>, CosError> {
        let mut files = Vec::new();
        let mut segments = Vec::new();
        for s in staged {
            match s {
                Staged::Mem(mut segs) => segments.append(&mut segs),
                Staged::File(path) => files.push(path),
            }
        }
        match &self.disk {
            None if files.is_empty() => Ok(segments),
            Some(disk) if segments.is_empty() => disk.commit_object(bucket, key, meta, files).map_err(disk_error),
            _ => Err(CosError::internal("staged bytes do not match the storage mode")),
        }
    }

    /// Make `obj` the current object of `key`: in an unversioned bucket it replaces the old one
    /// (whose files are unlinked), in a versioned one the old one becomes noncurrent (Suspended:
    /// except an old `null` version, which is replaced). `obj.meta` already carries the version id
    /// `Bucket::new_version` gave it before it was committed.
    pub(crate) fn replace(&self, b: &mut Bucket, key: &str, obj: Object) {
        let obj = Arc::new(obj);
        if b.versioning == Versioning::Unversioned {
            if let Some(old) = b.objects.insert(key.to_string(), obj) {
                if let Some(disk) = &self.disk {
                    disk.remove_blobs(&old.data);
                }
            }
            return;
        }
        for gone in b.push_version(key, Version::Object(obj)) {
            self.drop_blobs(&gone);
        }
    }

    /// Store a new object (replacing any previous one under that key, or adding a version);
    /// returns its version id.
    pub fn put_object(&self, bucket: &str, key: &str, meta: ObjectMeta, staged: Staged) -> Result<String, CosError> {
        let mut buckets = self.write();
        let Some(b) = buckets.get_mut(bucket) else {
            self.discard(staged);
            return Err(CosError::no_such_bucket());
        };
        let mut meta = meta;
        (meta.version_id, meta.seq) = b.new_version();
        let data = self.commit(bucket, key, &meta, vec![staged])?;
        let version_id = meta.version_id.clone();
        self.replace(b, key, Object { meta, data });
        Ok(version_id)
    }

    /// Copy `src` (bucket, key, version id or None for the current one) to `dst` under one lock.
    /// `make_meta` sees the source metadata and returns the destination's (or an error such as a
    /// failed copy-source precondition); the store gives it its version id.
    pub fn copy_object(
        &self,
        src: (&str, &str, Option<&str>),
        dst: (&str, &str),
        make_meta: impl FnOnce(&ObjectMeta) -> Result<ObjectMeta, CosError>,
    ) -> Result<ObjectMeta, CosError> {
        let mut buckets = self.write();
        let source_bucket = buckets.get(src.0).ok_or_else(CosError::no_such_bucket)?;
        let source = object_of(source_bucket.find_version(src.1, src.2)?, src.2)?.clone();
        let Some(dst_bucket) = buckets.get(dst.0) else {
            return Err(CosError::no_such_bucket());
        };
        let mut meta = make_meta(&source.meta)?;
        (meta.version_id, meta.seq) = dst_bucket.new_version();
        let staged = self.restage(&source.data)?;
        let data = self.commit(dst.0, dst.1, &meta, staged)?;
        let bucket = buckets.get_mut(dst.0).ok_or_else(CosError::no_such_bucket)?;
        self.replace(bucket, dst.1, Object { meta: meta.clone(), data });
        Ok(meta)
    }

    /// Stored segments staged again, to become (part of) another object. Hard links on disk: this
    /// costs no bytes, and each object still owns its files (`replace` unlinks the old object's).
    fn restage(&self, data: &[Segment]) -> Result<Vec<Staged>, CosError> {
        match &self.disk {
            None => Ok(vec![Staged::Mem(data.to_vec())]),
            Some(disk) => data
                .iter()
                .map(|s| match s {
                    Segment::File { path, .. } => disk.stage_link(path).map(Staged::File).map_err(disk_error),
                    Segment::Mem { .. } => Err(CosError::internal("memory segment in a data dir")),
                })
                .collect(),
        }
    }

    /// AppendObject under one lock: `make_meta` sees the current object (None when there is none),
    /// refuses the append or returns the metadata after it; the object becomes its old bytes (not
    /// copied) followed by `staged`.
    pub fn append_object(
        &self,
        bucket: &str,
        key: &str,
        staged: Staged,
        make_meta: impl FnOnce(Option<&ObjectMeta>) -> Result<ObjectMeta, CosError>,
    ) -> Result<ObjectMeta, CosError> {
        let mut buckets = self.write();
        let Some(b) = buckets.get_mut(bucket) else {
            self.discard(staged);
            return Err(CosError::no_such_bucket());
        };
        let old = b.objects.get(key).cloned();
        let meta = match make_meta(old.as_ref().map(|o| &o.meta)) {
            // Appendable objects do not take part in versioning (COS's APPEND Object notes): always
            // the `null` version, changed in place; in a versioned bucket it is still the newest.
            Ok(m) => {
                let seq = if b.versioning == Versioning::Unversioned { 0 } else { next_seq() };
                ObjectMeta { version_id: NULL_VERSION.to_string(), seq, ..m }
            }
            Err(e) => {
                self.discard(staged);
                return Err(e);
            }
        };
        let mut parts = match &old {
            Some(o) => self.restage(&o.data)?,
            None => Vec::new(),
        };
        parts.push(staged);
        let data = self.commit(bucket, key, &meta, parts)?;
        self.replace(b, key, Object { meta: meta.clone(), data });
        Ok(meta)
    }

    /// DELETE without a version id (see `delete_version`).
    #[cfg(test)]
    pub fn delete_object(&self, bucket: &str, key: &str) -> Result<crate::storage::versions::Deleted, CosError> {
        self.delete_version(bucket, key, None, crate::util::now_unix())
    }
}

/// The object a lookup found; a delete marker is refused as COS refuses it.
pub(crate) fn object_of(found: Found<'_>, version_id: Option<&str>) -> Result<Arc<Object>, CosError> {
    match found {
        Found::Object(o) => Ok(o.clone()),
        Found::Marker(m) if version_id.is_some() => {
            Err(CosError::new(405, "MethodNotAllowed", "The specified method is not allowed against this resource.")
                .with_header("x-cos-delete-marker", "true".into())
                .with_header("x-cos-version-id", m.version_id.clone()))
        }
        Found::Marker(m) => Err(CosError::no_such_key()
            .with_header("x-cos-delete-marker", "true".into())
            .with_header("x-cos-version-id", m.version_id.clone())),
    }
}

#[cfg(test)]
pub mod tests {
    use super::*;
    use std::io::Read;

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
            appendable: false,
            version_id: "null".into(),
            seq: 0,
            restore: None,
        }
    }

    /// Stage `data` the way a handler would in this store's mode.
    pub fn stage(store: &Store, data: &[u8]) -> Staged {
        match store.staging_file().unwrap() {
            None => Staged::Mem(vec![Segment::mem(data.to_vec())]),
            Some((path, mut file)) => {
                io::Write::write_all(&mut file, data).unwrap();
                Staged::File(path)
            }
        }
    }

    pub fn read_pieces(pieces: Vec<Piece>) -> Vec<u8> {
        let mut out = Vec::new();
        for p in pieces {
            match p {
                Piece::Mem { data, start, end } => out.extend_from_slice(&data[start..end]),
                Piece::File { file, offset, len } => {
                    let mut buf = vec![0u8; len as usize];
                    std::os::unix::fs::FileExt::read_exact_at(&file, &mut buf, offset).unwrap();
                    out.extend_from_slice(&buf);
                }
            }
        }
        out
    }

    pub fn read_object(store: &Store, bucket: &str, key: &str) -> Vec<u8> {
        read_pieces(store.open_object(bucket, key).unwrap().1)
    }

    pub fn exercise(store: &Store) {
        store.create_bucket("b-1", "ap-guangzhou", 5).unwrap();
        assert_eq!(store.create_bucket("b-1", "r", 5).unwrap_err().code, "BucketAlreadyOwnedByYou");
        store.put_object("b-1", "k", meta(3), stage(store, b"abc")).unwrap();
        assert_eq!(store.put_object("nope-1", "k", meta(3), stage(store, b"abc")).unwrap_err().code, "NoSuchBucket");
        let (obj, pieces) = store.open_object("b-1", "k").unwrap();
        assert_eq!(obj.meta, meta(3));
        assert_eq!(read_pieces(pieces), b"abc");
        store.copy_object(("b-1", "k", None), ("b-1", "k2"), |m| Ok(m.clone())).unwrap();
        assert_eq!(store.head_object("b-1", "k2").unwrap().meta.size, 3);
        // Overwriting the source leaves the copy intact.
        store.put_object("b-1", "k", meta(4), stage(store, b"abcd")).unwrap();
        store.put_object("b-1", "k", meta(3), stage(store, b"abc")).unwrap();
        assert_eq!(read_object(store, "b-1", "k2"), b"abc");
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

    #[test]
    fn slicing_pieces_across_segments() {
        let seg = |s: &str| {
            let v = s.as_bytes().to_vec();
            Piece::Mem { end: v.len(), data: Arc::new(Chunk::from_vec(v)), start: 0 }
        };
        let all = || vec![seg("abc"), seg(""), seg("defg"), seg("h")];
        assert_eq!(read_pieces(slice_pieces(all(), 0, 8)), b"abcdefgh");
        assert_eq!(read_pieces(slice_pieces(all(), 2, 5)), b"cde");
        assert_eq!(read_pieces(slice_pieces(all(), 3, 7)), b"defg");
        assert_eq!(read_pieces(slice_pieces(all(), 7, 8)), b"h");
        assert!(slice_pieces(all(), 4, 4).is_empty());
        let mut f = tempfile_with(b"0123456789");
        let mut s = String::new();
        f.read_to_string(&mut s).unwrap();
        let p = vec![Piece::File { file: f, offset: 2, len: 6 }, seg("xy")];
        assert_eq!(read_pieces(slice_pieces(p, 4, 7)), b"67x");
    }

    fn tempfile_with(data: &[u8]) -> File {
        let path = std::env::temp_dir().join(format!("cos-emulator-piece-{}", crate::util::random_u64()));
        std::fs::write(&path, data).unwrap();
        let f = File::open(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        f
    }
}
