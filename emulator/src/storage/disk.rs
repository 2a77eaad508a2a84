//! On-disk persistence for `--data-dir DIR`:
//!
//! ```text
//! DIR/tmp/                                        staging area, emptied at start-up
//! DIR/buckets/<bucket>/bucket.meta                region, creation time, versioning status
//! DIR/buckets/<bucket>/objects/<hex>.meta         the key's `null` version: object metadata and the
//!                                                 list of its blobs, or a delete marker
//! DIR/buckets/<bucket>/versions/<hex>/<id>.meta   every other version (id from a versioned write)
//! DIR/buckets/<bucket>/blobs/<id>                 object bytes (one file per part for multipart)
//! DIR/buckets/<bucket>/uploads/<uploadId>/upload.meta    key, initiation time, object metadata
//! DIR/buckets/<bucket>/uploads/<uploadId>/<n>.meta       part n: its data file, ETag, size, CRC-64, time
//! DIR/buckets/<bucket>/uploads/<uploadId>/<n>-<id>.part  bytes of part n
//! DIR/buckets/<bucket>/config/<hex of name>       a configuration document (cors, acl, inventory/<id>...)
//! ```
//! `<hex>` is the hex of the key's UTF-8 bytes, cut into 200-character directory levels so that
//! 850-byte keys stay under the 255-byte file name limit (under `versions/` every level is a
//! directory, holding one file per version). Uploads in progress survive a restart.
//!
//! Versions: each version or delete marker is one file, carrying its version id and `seq` (its
//! order among the key's versions), so every versioned change is still one rename or one unlink:
//! a write with versioning Enabled adds a file under `versions/`; a write while Suspended (or
//! never versioned) replaces `objects/<hex>.meta`, the one `null` version; a DELETE adds a marker
//! file (or, unversioned, removes the file); deleting a version removes its file. At start the
//! files of a key, newest `seq` first, rebuild its current object and its history. A restore
//! rewrites the version's file in place (same blobs, one rename).
//!
//! Crash consistency (kill -9 or power loss at any instant): every change has one commit point,
//! an atomic rename made durable by syncing its directory. What was written before it is invisible
//! (under `tmp/`, or files nothing names), and a start removes it; what is left to do after it is
//! cleanup that a start finishes.
//! - A metadata file is written under `tmp/`, fsynced, renamed over its place, and the directory
//!   fsynced. Bytes received are fsynced before they are moved in.
//! - A bucket or upload directory is built under `tmp/` and renamed into place whole; one that goes
//!   away is first renamed into `tmp/`, so it never half-exists.
//! - An object: its bytes move into `blobs/` under fresh names, then its metadata is renamed into
//!   place (the commit). Blobs no object names are removed at start.
//! - A part: its bytes get a fresh name in the upload's directory, then `<n>.meta` naming them is
//!   renamed into place (the commit); bytes no part names are removed at start, so part n is
//!   always the old one or the new one, whole.
//! - Completing an upload hard-links the listed part files into `blobs/` (no bytes are copied, and
//!   the upload keeps its files, so until the commit it is intact and can be completed again),
//!   then renames the object's metadata into place, which names the upload it completes: that is
//!   the commit. Then the upload's directory goes; a start that finds an object naming an upload
//!   whose directory remains removes that directory.

use crate::storage::store::{Bucket, Object, ObjectMeta, Restore, Segment};
use crate::storage::uploads::{Part, Upload};
use crate::storage::versions::{seen_seq, Marker, Version, Versioning, NULL_VERSION};
use crate::util::{hex, random_u64, unhex};
use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, CONTROLS};
use std::collections::{BTreeMap, HashSet};
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

const SEGMENT: usize = 200;
/// Escapes for values in metadata files: controls (so a value stays on one line) and `%`.
const META_VALUE: &AsciiSet = &CONTROLS.add(b'%');

/// Test hook for crash tests: `COS_EMULATOR_PAUSE_AT=<op>:<n>` makes the n-th crash point of
/// operation `op` (`complete`, `part`; also `put`, `abort`, `delete-bucket`, `open`, `marker` (a
/// delete marker), `bucket` (versioning status) and `rewrite` (a restore), with fewer
/// points) announce itself on stderr
/// (`cos-emulator: paused at crash point <op>:<n> (<what>)`) and pause there (at most
/// `PAUSE_LIMIT`), so a test can kill -9 the process exactly between two steps.
pub const PAUSE_ENV: &str = "COS_EMULATOR_PAUSE_AT";
/// A paused emulator goes on after this, so a test that forgot it leaves no process stuck for good.
const PAUSE_LIMIT: Duration = Duration::from_secs(60);

struct Pause {
    op: String,
    at: u64,
    seen: AtomicU64,
}

impl Pause {
    fn from_env() -> io::Result<Option<Pause>> {
        let Some(spec) = std::env::var_os(PAUSE_ENV) else {
            return Ok(None);
        };
        let spec = spec.to_string_lossy();
        match spec.split_once(':').map(|(op, n)| (op, n.parse::<u64>())) {
            Some((op, Ok(at))) if !op.is_empty() && at > 0 => {
                Ok(Some(Pause { op: op.to_string(), at, seen: AtomicU64::new(0) }))
            }
            _ => Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{PAUSE_ENV} must be OP:N with N at least 1, got {spec:?}"),
            )),
        }
    }
}

pub struct Disk {
    root: PathBuf,
    seq: AtomicU64,
    pause: Option<Pause>,
}

fn corrupt(what: impl std::fmt::Display) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.to_string())
}

fn fields(text: &str) -> BTreeMap<&str, &str> {
    text.lines().filter_map(|l| l.split_once(' ')).collect()
}

fn parent(path: &Path) -> &Path {
    path.parent().unwrap_or(Path::new("."))
}

/// Make a directory's entries (names created, renamed or removed in it) durable.
fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// A new file with these bytes, on disk before this returns.
fn write_synced(path: &Path, data: &[u8]) -> io::Result<()> {
    let mut f = File::create(path)?;
    f.write_all(data)?;
    f.sync_all()
}

/// Create `dir` and any missing parents, each made durable in its parent.
fn ensure_dir(dir: &Path) -> io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let up = parent(dir);
    ensure_dir(up)?;
    match fs::create_dir(dir) {
        Err(e) if e.kind() != io::ErrorKind::AlreadyExists => return Err(e),
        _ => {}
    }
    sync_dir(up)
}

/// A second name for `src`'s bytes: a hard link (free), or a real copy, synced, if linking fails.
fn link_or_copy(src: &Path, dest: &Path) -> io::Result<()> {
    if fs::hard_link(src, dest).is_ok() {
        return Ok(());
    }
    let copied = fs::copy(src, dest).and_then(|_| File::open(dest)?.sync_all());
    if copied.is_err() {
        let _ = fs::remove_file(dest);
    }
    copied
}

impl Disk {
    /// Create the layout if needed, finish or undo whatever a crash interrupted, and load every
    /// bucket, object and upload.
    pub fn open(root: &Path) -> io::Result<(Disk, BTreeMap<String, Bucket>)> {
        let pause = Pause::from_env()?;
        let tmp = root.join("tmp");
        if tmp.exists() {
            fs::remove_dir_all(&tmp)?;
        }
        fs::create_dir_all(&tmp)?;
        fs::create_dir_all(root.join("buckets"))?;
        let disk = Disk { root: root.to_path_buf(), seq: AtomicU64::new(0), pause };
        let mut buckets = BTreeMap::new();
        for entry in fs::read_dir(root.join("buckets"))? {
            let dir = entry?.path();
            let Some(name) = dir.file_name().and_then(|n| n.to_str()).map(str::to_string) else {
                continue;
            };
            let text = match fs::read_to_string(dir.join("bucket.meta")) {
                Ok(text) => text,
                // Bucket directories are renamed into place with their metadata, so this is a
                // leftover of the layout before that: nothing in it was ever a bucket.
                Err(e) if e.kind() == io::ErrorKind::NotFound && dir.is_dir() => {
                    disk.discard_dir(&dir, "open")?;
                    continue;
                }
                Err(_) => continue,
            };
            let f = fields(&text);
            let mut bucket = Bucket {
                name: name.clone(),
                region: f.get("region").unwrap_or(&"ap-guangzhou").to_string(),
                created: f.get("created").and_then(|v| v.parse().ok()).unwrap_or(0),
                objects: BTreeMap::new(),
                uploads: BTreeMap::new(),
                configs: load_configs(&dir.join("config"))?,
                versioning: f.get("versioning").and_then(|v| Versioning::from_status(v)).unwrap_or_default(),
                versions: BTreeMap::new(),
            };
            let mut referenced = HashSet::new();
            let mut completed = HashSet::new();
            let mut found = Vec::new();
            for sub in ["objects", "versions"] {
                load_objects(&dir.join(sub), &dir.join("blobs"), &mut found, &mut referenced, &mut completed)?;
            }
            assemble_versions(&mut bucket, found);
            collect_garbage(&dir.join("blobs"), &referenced);
            // An upload whose object is committed is gone, even if a crash kept its directory.
            for id in completed.iter().filter_map(|id| id_component(id).ok()) {
                let udir = dir.join("uploads").join(id);
                if udir.is_dir() {
                    disk.discard_dir(&udir, "open")?;
                }
            }
            disk.load_uploads(&dir.join("uploads"), &mut bucket.uploads)?;
            buckets.insert(name, bucket);
        }
        Ok((disk, buckets))
    }

    /// The test hook (see `PAUSE_ENV`): a no-op unless this is the chosen point.
    fn crash_point(&self, op: &str, what: std::fmt::Arguments<'_>) {
        let Some(p) = &self.pause else {
            return;
        };
        if p.op != op {
            return;
        }
        let n = p.seen.fetch_add(1, Ordering::SeqCst) + 1;
        if n == p.at {
            eprintln!("cos-emulator: paused at crash point {op}:{n} ({what})");
            std::thread::sleep(PAUSE_LIMIT);
        }
    }

    fn bucket_dir(&self, bucket: &str) -> PathBuf {
        self.root.join("buckets").join(bucket)
    }

    fn upload_dir(&self, bucket: &str, id: &str) -> PathBuf {
        self.bucket_dir(bucket).join("uploads").join(id)
    }

    /// Path of the metadata file of a version of `key`: `objects/<hex>.meta` for `null`, else
    /// `versions/<hex>/<id>.meta` (the hex cut into directory levels, see the layout above).
    fn object_meta(&self, bucket: &str, key: &str, version_id: &str) -> PathBuf {
        let null = version_id == NULL_VERSION;
        let mut path = self.bucket_dir(bucket).join(if null { "objects" } else { "versions" });
        let h = hex(key.as_bytes());
        let mut rest = h.as_str();
        while rest.len() > SEGMENT {
            path.push(&rest[..SEGMENT]);
            rest = &rest[SEGMENT..];
        }
        if null {
            path.push(format!("{rest}.meta"));
        } else {
            path.push(rest);
            path.push(format!("{version_id}.meta"));
        }
        path
    }

    /// A name no other file of this data dir has, even across restarts.
    fn unique_name(&self) -> String {
        let n = self.seq.fetch_add(1, Ordering::Relaxed);
        format!("{:x}-{n:x}-{:016x}", std::process::id(), random_u64())
    }

    /// A fresh path under `tmp/`.
    fn tmp_path(&self) -> PathBuf {
        self.root.join("tmp").join(self.unique_name())
    }

    /// Remove a directory in one step: renamed into `tmp/` (atomic, and what a restart sees),
    /// then deleted from there.
    fn discard_dir(&self, dir: &Path, op: &str) -> io::Result<()> {
        let trash = self.tmp_path();
        fs::rename(dir, &trash)?;
        sync_dir(parent(dir))?;
        self.crash_point(op, format_args!("the directory is renamed into tmp/ and not yet deleted"));
        fs::remove_dir_all(&trash)
    }

    /// Move a directory built under `tmp/` into place (the commit of a new bucket or upload).
    fn install_dir(&self, staging: &Path, dest: &Path) -> io::Result<()> {
        let installed = sync_dir(staging).and_then(|_| fs::rename(staging, dest)).and_then(|_| sync_dir(parent(dest)));
        if installed.is_err() && staging.exists() {
            let _ = fs::remove_dir_all(staging);
        }
        installed
    }

    pub fn create_bucket(&self, b: &Bucket) -> io::Result<()> {
        let staging = self.tmp_path();
        fs::create_dir(&staging)?;
        let built = (|| {
            for sub in ["objects", "versions", "blobs", "uploads"] {
                fs::create_dir(staging.join(sub))?;
            }
            write_synced(&staging.join("bucket.meta"), bucket_meta(b).as_bytes())
        })();
        if let Err(e) = built {
            let _ = fs::remove_dir_all(&staging);
            return Err(e);
        }
        self.install_dir(&staging, &self.bucket_dir(&b.name))
    }

    /// Rewrite `bucket.meta` (the versioning status changed): one atomic rename.
    pub fn write_bucket_meta(&self, b: &Bucket) -> io::Result<()> {
        self.write_atomic(&self.bucket_dir(&b.name).join("bucket.meta"), bucket_meta(b).as_bytes(), "bucket")
    }

    pub fn delete_bucket(&self, name: &str) -> io::Result<()> {
        self.discard_dir(&self.bucket_dir(name), "delete-bucket")
    }

    /// Write `dest` whole or not at all: a synced file under `tmp/`, renamed over `dest`, and the
    /// rename made durable. The rename is the commit point of whatever `dest` describes.
    fn write_atomic(&self, dest: &Path, data: &[u8], op: &str) -> io::Result<()> {
        let tmp = self.tmp_path();
        let written = write_synced(&tmp, data).and_then(|_| {
            self.crash_point(op, format_args!("the new metadata is synced under tmp/ and not yet renamed into place"));
            fs::rename(&tmp, dest)
        });
        if written.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        written?;
        sync_dir(parent(dest))
    }

    /// A new, empty staging file for bytes about to arrive (written outside the index lock; the
    /// writer syncs it before it is committed).
    pub fn stage(&self) -> io::Result<(PathBuf, File)> {
        let path = self.tmp_path();
        let file = File::create(&path)?;
        Ok((path, file))
    }

    /// Stage a copy of an existing file: a hard link (free), or a real copy if linking fails.
    pub fn stage_link(&self, src: &Path) -> io::Result<PathBuf> {
        let tmp = self.tmp_path();
        link_or_copy(src, &tmp)?;
        Ok(tmp)
    }

    pub fn discard(&self, staged: &Path) {
        let _ = fs::remove_file(staged);
    }

    /// The version's metadata path, with its directories (long keys, versions) created.
    fn object_meta_created(&self, bucket: &str, key: &str, version_id: &str) -> io::Result<PathBuf> {
        let dest = self.object_meta(bucket, key, version_id);
        ensure_dir(parent(&dest))?;
        Ok(dest)
    }

    /// Move `files` (staged, already synced) into the bucket's blobs and write the object's
    /// metadata, which commits it; returns the object's segments. The caller unlinks the replaced
    /// object's blobs. On failure nothing is left behind (the staged files are gone too).
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
        let committed = (|| {
            for file in &files {
                let name = self.unique_name();
                let path = blobs.join(&name);
                fs::rename(file, &path)?;
                let len = fs::metadata(&path)?.len();
                text.push_str(&format!("blob {name} {len}\n"));
                segments.push(Segment::File { path, len });
            }
            sync_dir(&blobs)?;
            let dest = self.object_meta_created(bucket, key, &meta.version_id)?;
            self.write_atomic(&dest, text.as_bytes(), "put")
        })();
        if let Err(e) = committed {
            self.remove_blobs(&segments);
            files.iter().for_each(|f| self.discard(f));
            return Err(e);
        }
        Ok(segments)
    }

    /// A delete marker is one metadata file without blobs (the commit of a versioned DELETE).
    pub fn write_marker(&self, bucket: &str, key: &str, m: &Marker) -> io::Result<()> {
        let dest = self.object_meta_created(bucket, key, &m.version_id)?;
        let text = format!(
            "key {}\nmarker 1\nversion {}\nseq {}\nmtime {}\n",
            hex(key.as_bytes()),
            enc(&m.version_id),
            m.seq,
            m.last_modified
        );
        self.write_atomic(&dest, text.as_bytes(), "marker")
    }

    /// Rewrite an object version's metadata (a restore changed it), naming the same blobs.
    pub fn rewrite_object(&self, bucket: &str, key: &str, obj: &Object) -> io::Result<()> {
        let mut text = encode_meta(key, &obj.meta);
        for s in &obj.data {
            if let Segment::File { path, len } = s {
                let name = path.file_name().and_then(|n| n.to_str()).ok_or_else(|| corrupt("bad blob path"))?;
                text.push_str(&format!("blob {name} {len}\n"));
            }
        }
        let dest = self.object_meta_created(bucket, key, &obj.meta.version_id)?;
        self.write_atomic(&dest, text.as_bytes(), "rewrite")
    }

    /// Remove the file of one version (object or marker) of `key`.
    pub fn remove_version(&self, bucket: &str, key: &str, version_id: &str) -> io::Result<()> {
        let path = self.object_meta(bucket, key, version_id);
        match fs::remove_file(&path) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            Err(_) => Ok(()),
            Ok(()) => sync_dir(parent(&path)),
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

    /// The upload's directory is built under `tmp/` with its `upload.meta`, then renamed into place.
    pub fn create_upload(&self, bucket: &str, u: &Upload) -> io::Result<()> {
        let staging = self.tmp_path();
        fs::create_dir(&staging)?;
        let text = format!("upload {}\ninitiated {}\n{}", u.id, u.initiated, encode_meta(&u.key, &u.meta));
        if let Err(e) = write_synced(&staging.join("upload.meta"), text.as_bytes()) {
            let _ = fs::remove_dir_all(&staging);
            return Err(e);
        }
        self.install_dir(&staging, &self.upload_dir(bucket, id_component(&u.id)?))
    }

    /// Store part `n` from a staged (synced) file: its bytes under a fresh name in the upload's
    /// directory, then `<n>.meta` naming them renamed into place (the commit), then the bytes of
    /// the part it replaces (`old`) unlinked. Returns the path of the part's bytes.
    pub fn commit_part(
        &self,
        bucket: &str,
        id: &str,
        n: u32,
        part: &Part,
        staged: &Path,
        old: Option<&[Segment]>,
    ) -> io::Result<PathBuf> {
        let dir = self.upload_dir(bucket, id_component(id)?);
        let name = format!("{n}-{}.part", self.unique_name());
        let path = dir.join(&name);
        self.crash_point("part", format_args!("the part's bytes are staged and not yet in the upload"));
        if let Err(e) = fs::rename(staged, &path) {
            self.discard(staged);
            return Err(e);
        }
        let text = format!(
            "file {name}\nsize {}\netag {}\ncrc64 {}\nmtime {}\n",
            part.size, part.etag, part.crc64, part.last_modified
        );
        let committed = sync_dir(&dir).and_then(|_| {
            self.crash_point(
                "part",
                format_args!("the part's bytes are in the upload and its metadata is not written"),
            );
            self.write_atomic(&dir.join(format!("{n}.meta")), text.as_bytes(), "part")
        });
        if let Err(e) = committed {
            let _ = fs::remove_file(&path);
            return Err(e);
        }
        if let Some(old) = old {
            self.crash_point("part", format_args!("the new part is committed and the old bytes not yet removed"));
            self.remove_blobs(old);
        }
        Ok(path)
    }

    pub fn remove_upload(&self, bucket: &str, id: &str) -> io::Result<()> {
        self.discard_dir(&self.upload_dir(bucket, id_component(id)?), "abort")
    }

    /// CompleteMultipartUpload on disk, crash-consistent: the listed part files are hard-linked
    /// into `blobs/` (the upload keeps its own names, so until the commit it is intact), then the
    /// object's metadata, naming the upload it completes, is renamed into place: the commit. Then
    /// the upload's directory goes; a start that finds it still there removes it. Returns the
    /// object's segments; the caller unlinks the replaced object's blobs.
    pub fn complete_upload(
        &self,
        bucket: &str,
        key: &str,
        id: &str,
        meta: &ObjectMeta,
        parts: &[PathBuf],
    ) -> io::Result<Vec<Segment>> {
        let udir = self.upload_dir(bucket, id_component(id)?);
        let blobs = self.bucket_dir(bucket).join("blobs");
        let mut text = encode_meta(key, meta);
        text.push_str(&format!("completed-upload {id}\n"));
        let mut segments = Vec::with_capacity(parts.len());
        let committed = (|| {
            for (i, part) in parts.iter().enumerate() {
                self.crash_point(
                    "complete",
                    format_args!("part file {} of {} not yet linked into blobs/", i + 1, parts.len()),
                );
                let name = self.unique_name();
                let path = blobs.join(&name);
                link_or_copy(part, &path)?;
                let len = fs::metadata(&path)?.len();
                text.push_str(&format!("blob {name} {len}\n"));
                segments.push(Segment::File { path, len });
            }
            self.crash_point("complete", format_args!("the parts are linked and blobs/ is not yet synced"));
            sync_dir(&blobs)?;
            let dest = self.object_meta_created(bucket, key, &meta.version_id)?;
            self.crash_point("complete", format_args!("the object's metadata is not yet written"));
            self.write_atomic(&dest, text.as_bytes(), "complete")
        })();
        if let Err(e) = committed {
            self.remove_blobs(&segments);
            return Err(e);
        }
        self.crash_point("complete", format_args!("the object is committed and the upload's directory is still there"));
        if let Err(e) = self.discard_dir(&udir, "complete") {
            // The object stands; the next start removes what is left of the upload.
            eprintln!(
                "cos-emulator: upload {id} is complete but its directory remains ({e}); removed at the next start"
            );
        }
        Ok(segments)
    }

    fn load_uploads(&self, dir: &Path, uploads: &mut BTreeMap<String, Upload>) -> io::Result<()> {
        let Ok(entries) = fs::read_dir(dir) else {
            return Ok(());
        };
        for entry in entries {
            let udir = entry?.path();
            let text = match fs::read_to_string(udir.join("upload.meta")) {
                Ok(text) => text,
                // Upload directories are renamed into place with their metadata: a leftover of
                // the layout before that.
                Err(e) if e.kind() == io::ErrorKind::NotFound && udir.is_dir() => {
                    self.discard_dir(&udir, "open")?;
                    continue;
                }
                Err(_) => continue,
            };
            let (key, meta) = decode_meta(&text)?;
            let f = fields(&text);
            let id = f.get("upload").ok_or_else(|| corrupt("upload without id"))?.to_string();
            let initiated = f.get("initiated").and_then(|v| v.parse().ok()).unwrap_or(0);
            let mut upload = Upload { id: id.clone(), key, initiated, meta, parts: BTreeMap::new() };
            let mut referenced = HashSet::new();
            let mut others = Vec::new();
            for entry in fs::read_dir(&udir)? {
                let path = entry?.path();
                let Some(name) = path.file_name().and_then(|n| n.to_str()).map(str::to_string) else {
                    continue;
                };
                let Some(n) = name.strip_suffix(".meta").and_then(|s| s.parse::<u32>().ok()) else {
                    if name != "upload.meta" {
                        others.push((name, path));
                    }
                    continue;
                };
                let text = fs::read_to_string(&path)?;
                let f = fields(&text);
                // Without a `file` line: the layout before part files got unique names.
                let file = f.get("file").map_or_else(|| format!("{n}.part"), |s| s.to_string());
                if file.contains('/') {
                    return Err(corrupt(format!("bad part file name {file:?}")));
                }
                let data = udir.join(&file);
                if !data.exists() {
                    continue;
                }
                let num = |name: &str| f.get(name).and_then(|v| v.parse::<u64>().ok()).ok_or_else(|| corrupt(name));
                let size = num("size")?;
                let part = Part {
                    size,
                    etag: f.get("etag").ok_or_else(|| corrupt("part without etag"))?.to_string(),
                    crc64: num("crc64")?,
                    last_modified: num("mtime")?,
                    data: vec![Segment::File { path: data, len: size }],
                };
                referenced.insert(file);
                upload.parts.insert(n, part);
            }
            // Bytes no part names: a part that was replaced, or never committed, before a crash.
            for (name, path) in others {
                if !referenced.contains(&name) {
                    let _ = fs::remove_file(path);
                }
            }
            uploads.insert(id, upload);
        }
        Ok(())
    }
}

/// Upload ids are made by the emulator (hex digits); refuse anything else as a path component.
fn id_component(id: &str) -> io::Result<&str> {
    if !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        Ok(id)
    } else {
        Err(io::Error::new(io::ErrorKind::InvalidInput, format!("bad upload id {id:?}")))
    }
}

/// Walk an objects or versions directory (recursively, for long keys) and load every `.meta`
/// (a marker, or an object whose blobs exist), noting the blobs they use and the uploads they
/// completed.
fn load_objects(
    dir: &Path,
    blobs: &Path,
    found: &mut Vec<(String, Version)>,
    referenced: &mut HashSet<String>,
    completed: &mut HashSet<String>,
) -> io::Result<()> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Ok(());
    };
    for entry in entries {
        let path = entry?.path();
        if path.is_dir() {
            load_objects(&path, blobs, found, referenced, completed)?;
        } else if path.extension().is_some_and(|e| e == "meta") {
            let text = fs::read_to_string(&path)?;
            let (key, meta) = decode_meta(&text)?;
            seen_seq(meta.seq);
            if text.lines().any(|l| l == "marker 1") {
                let marker = Marker { version_id: meta.version_id, seq: meta.seq, last_modified: meta.last_modified };
                found.push((key, Version::Marker(marker)));
                continue;
            }
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
                completed.extend(text.lines().filter_map(|l| l.strip_prefix("completed-upload ")).map(str::to_string));
                found.push((key, Version::Object(Arc::new(Object { meta, data }))));
            }
        }
    }
    Ok(())
}

/// Rebuild each key's current object and history from its version files, newest `seq` first.
fn assemble_versions(bucket: &mut Bucket, found: Vec<(String, Version)>) {
    let mut by_key: BTreeMap<String, Vec<Version>> = BTreeMap::new();
    for (key, v) in found {
        by_key.entry(key).or_default().push(v);
    }
    for (key, mut history) in by_key {
        history.sort_by_key(|v| std::cmp::Reverse(v.seq()));
        if matches!(history.first(), Some(Version::Object(_))) {
            if let Version::Object(o) = history.remove(0) {
                bucket.objects.insert(key.clone(), o);
            }
        }
        if !history.is_empty() {
            bucket.versions.insert(key, history);
        }
    }
}

fn bucket_meta(b: &Bucket) -> String {
    let mut text = format!("region {}\ncreated {}\n", b.region, b.created);
    if let Some(status) = b.versioning.status() {
        text.push_str(&format!("versioning {status}\n"));
    }
    text
}

/// Blobs no object names are leftovers of a crash between moving a blob in and committing its
/// object (or of an overwrite): remove them.
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
    if m.version_id != NULL_VERSION || m.seq != 0 {
        s.push_str(&format!("version {}\nseq {}\n", enc(&m.version_id), m.seq));
    }
    if let Some(r) = &m.restore {
        s.push_str(&format!("restore {} {} {} {}\n", r.ready_ms, r.expiry, r.days, enc(&r.tier)));
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
        version_id: NULL_VERSION.to_string(),
        seq: 0,
        restore: None,
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
            "version" => m.version_id = dec(value),
            "seq" => m.seq = num(value)?,
            "restore" => {
                let f: Vec<&str> = value.split(' ').collect();
                let [ready, expiry, days, tier] = f[..] else {
                    return Err(corrupt(format!("bad restore line {value:?}")));
                };
                m.restore = Some(Restore {
                    ready_ms: num(ready)?,
                    expiry: num(expiry)?,
                    days: num(days)? as u32,
                    tier: dec(tier),
                });
            }
            _ => {}
        }
    }
    Ok((key.ok_or_else(|| corrupt("metadata without key"))?, m))
}

/// Configuration documents: each is one file written with `write_atomic`, so a restart sees the
/// old document or the new one.
impl Disk {
    fn config_path(&self, bucket: &str, name: &str) -> PathBuf {
        // Hex, since names carry ids chosen by the client (`inventory/<id>`).
        self.bucket_dir(bucket).join("config").join(hex(name.as_bytes()))
    }

    pub fn write_config(&self, bucket: &str, name: &str, doc: &[u8]) -> io::Result<()> {
        let dest = self.config_path(bucket, name);
        ensure_dir(parent(&dest))?;
        self.write_atomic(&dest, doc, "config")
    }

    pub fn remove_config(&self, bucket: &str, name: &str) -> io::Result<()> {
        let path = self.config_path(bucket, name);
        match fs::remove_file(&path) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e),
            Ok(()) => sync_dir(parent(&path)),
        }
    }
}

/// A bucket's configuration documents (none for a bucket made before they existed).
fn load_configs(dir: &Path) -> io::Result<BTreeMap<String, Vec<u8>>> {
    let mut out = BTreeMap::new();
    let Ok(entries) = fs::read_dir(dir) else {
        return Ok(out);
    };
    for entry in entries {
        let path = entry?.path();
        let name = path.file_name().and_then(|n| n.to_str()).and_then(unhex).and_then(|b| String::from_utf8(b).ok());
        if let Some(name) = name {
            out.insert(name, fs::read(&path)?);
        }
    }
    Ok(out)
}

#[cfg(test)]
pub mod tests {
    use super::*;
    use crate::storage::store::tests::{exercise, meta, read_object, stage};
    use crate::storage::store::Store;

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

    #[test]
    fn versions_markers_status_and_restores_survive_reopen() {
        use crate::storage::store::Restore;
        use crate::storage::versions::tests::{snapshot, versions_life};
        use crate::storage::versions::Versioning;
        let dir = temp_dir("versions");
        let restore = Restore { ready_ms: 5, expiry: 6, days: 1, tier: "Bulk".into() };
        let (before, v1) = {
            let store = Store::open(&dir).unwrap();
            versions_life(&store);
            let v1 = snapshot(&store)[1].1.clone();
            store
                .update_version("b-1", "k", Some(&v1), |m| {
                    m.restore = Some(restore.clone());
                    Ok(())
                })
                .unwrap();
            (snapshot(&store), v1)
        };
        assert_eq!(before.len(), 2);
        // A long key's versions live in as many directory levels as its metadata does.
        let long_key = "v/".repeat(425);
        let long_id = {
            let store = Store::open(&dir).unwrap();
            store.set_versioning("b-1", Versioning::Enabled).unwrap();
            let id = store.put_object("b-1", &long_key, meta(2), stage(&store, b"lk")).unwrap();
            store.put_object("b-1", &long_key, meta(3), stage(&store, b"lk2")).unwrap();
            store.set_versioning("b-1", Versioning::Suspended).unwrap();
            id
        };
        let store = Store::open(&dir).unwrap();
        let (_, pieces) = store.open_version("b-1", &long_key, Some(&long_id)).unwrap();
        assert_eq!(crate::storage::store::tests::read_pieces(pieces), b"lk");
        assert_eq!(read_object(&store, "b-1", &long_key), b"lk2");
        while let Ok(obj) = store.head_object("b-1", &long_key) {
            store.delete_version("b-1", &long_key, Some(&obj.meta.version_id), 1).unwrap();
        }
        assert_eq!(store.with_bucket("b-1", |b| b.all_versions(&long_key).count()).unwrap(), 0);
        drop(store);
        let store = Store::open(&dir).unwrap();
        assert_eq!(snapshot(&store), before);
        assert_eq!(store.versioning("b-1").unwrap(), Versioning::Suspended);
        let (obj, pieces) = store.open_version("b-1", "k", Some(&v1)).unwrap();
        assert_eq!(crate::storage::store::tests::read_pieces(pieces), b"v1");
        assert_eq!(obj.meta.restore, Some(restore));
        assert_eq!(store.head_object("b-1", "k").unwrap_err().code, "NoSuchKey", "the latest is a marker");
        // Removing every version empties the bucket, on disk too.
        for id in ["null", v1.as_str()] {
            store.delete_version("b-1", "k", Some(id), 1).unwrap();
        }
        assert!(names(&dir.join("buckets/b-1/blobs")).is_empty(), "blobs left behind");
        store.delete_bucket("b-1").unwrap();
        fs::remove_dir_all(&dir).unwrap();
    }

    fn part(data: &[u8]) -> Part {
        use md5::{Digest as _, Md5};
        Part {
            size: data.len() as u64,
            etag: format!("\"{}\"", hex(&Md5::digest(data))),
            crc64: crate::storage::crc::crc64(data),
            last_modified: 1,
            data: vec![],
        }
    }

    fn new_upload(store: &Store, id: &str) {
        let u = Upload { id: id.into(), key: "k".into(), initiated: 1, meta: meta(0), parts: BTreeMap::new() };
        store.create_upload("b-1", u).unwrap();
    }

    fn put_part(store: &Store, id: &str, n: u32, data: &[u8]) {
        store.put_part("b-1", "k", id, n, part(data), stage(store, data)).unwrap();
    }

    fn complete(store: &Store, id: &str, numbers: &[u32]) -> ObjectMeta {
        store
            .complete_upload("b-1", "k", id, |u| {
                let size = numbers.iter().map(|n| u.parts[n].size).sum();
                Ok((ObjectMeta { size, etag: "\"x-2\"".into(), ..u.meta.clone() }, numbers.to_vec()))
            })
            .unwrap()
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> =
            fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        v.sort();
        v
    }

    fn copy_flat_dir(src: &Path, dest: &Path) {
        fs::create_dir_all(dest).unwrap();
        for name in names(src) {
            fs::copy(src.join(&name), dest.join(&name)).unwrap();
        }
    }

    #[test]
    fn a_completion_cut_short_after_its_commit_is_finished_at_start() {
        let dir = temp_dir("complete-after-commit");
        let big = vec![5u8; crate::storage::uploads::MIN_PART_SIZE as usize];
        let udir = dir.join("buckets/b-1/uploads/u1");
        let aside = dir.join("aside");
        {
            let store = Store::open(&dir).unwrap();
            store.create_bucket("b-1", "ap-guangzhou", 1).unwrap();
            new_upload(&store, "u1");
            put_part(&store, "u1", 1, &big);
            put_part(&store, "u1", 2, b"tail");
            put_part(&store, "u1", 3, b"never listed");
            copy_flat_dir(&udir, &aside);
            complete(&store, "u1", &[1, 2]);
            assert!(!udir.exists());
        }
        // As if the process died right after committing the object: the upload's files are back.
        copy_flat_dir(&aside, &udir);
        let store = Store::open(&dir).unwrap();
        assert!(!udir.exists(), "the completed upload's directory is removed at start");
        assert_eq!(store.with_upload("b-1", "k", "u1", |_| ()).unwrap_err().code, "NoSuchUpload");
        assert_eq!(read_object(&store, "b-1", "k"), [big.as_slice(), b"tail"].concat());
        assert_eq!(store.head_object("b-1", "k").unwrap().meta.headers, meta(0).headers);
        assert_eq!(names(&dir.join("buckets/b-1/blobs")).len(), 2);
        assert!(names(&dir.join("tmp")).is_empty());
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn leftovers_of_unfinished_steps_are_removed_at_start() {
        let dir = temp_dir("leftovers");
        let udir = dir.join("buckets/b-1/uploads/u1");
        {
            let store = Store::open(&dir).unwrap();
            store.create_bucket("b-1", "ap-guangzhou", 1).unwrap();
            new_upload(&store, "u1");
            put_part(&store, "u1", 1, b"first try");
            put_part(&store, "u1", 1, b"second try");
            put_part(&store, "u1", 2, b"two");
            // A replaced part leaves no bytes behind.
            assert_eq!(names(&udir).iter().filter(|n| n.ends_with(".part")).count(), 2, "{:?}", names(&udir));
        }
        // What steps cut short before their commit leave: a staged file, a part's bytes without
        // their metadata, blobs linked for an object never committed, and (older layouts) an
        // upload or bucket directory without its metadata.
        fs::write(dir.join("tmp/staged"), b"x").unwrap();
        fs::write(udir.join("1-orphan.part"), b"uncommitted replacement").unwrap();
        fs::write(dir.join("buckets/b-1/blobs/linked"), b"x").unwrap();
        fs::create_dir_all(dir.join("buckets/b-1/uploads/u9")).unwrap();
        fs::create_dir_all(dir.join("buckets/b-9/objects")).unwrap();
        let store = Store::open(&dir).unwrap();
        assert!(names(&dir.join("tmp")).is_empty());
        assert!(names(&dir.join("buckets/b-1/blobs")).is_empty());
        assert_eq!(names(&dir.join("buckets/b-1/uploads")), vec!["u1"]);
        assert_eq!(names(&dir.join("buckets")), vec!["b-1"]);
        assert_eq!(names(&udir).iter().filter(|n| n.ends_with(".part")).count(), 2);
        let p = store.with_upload("b-1", "k", "u1", |u| u.parts[&1].clone()).unwrap();
        assert_eq!(p.etag, part(b"second try").etag);
        let bytes = crate::storage::store::tests::read_pieces(crate::storage::store::open_pieces(&p.data).unwrap());
        assert_eq!(bytes, b"second try");
        // The store still works on the cleaned directory.
        complete(&store, "u1", &[2]);
        assert_eq!(read_object(&store, "b-1", "k"), b"two");
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn parts_of_the_layout_without_part_file_names_still_load() {
        let dir = temp_dir("legacy-parts");
        {
            let store = Store::open(&dir).unwrap();
            store.create_bucket("b-1", "ap-guangzhou", 1).unwrap();
            new_upload(&store, "u1");
        }
        let udir = dir.join("buckets/b-1/uploads/u1");
        fs::write(udir.join("4.part"), b"old layout").unwrap();
        let p = part(b"old layout");
        fs::write(udir.join("4.meta"), format!("size 10\netag {}\ncrc64 {}\nmtime 1\n", p.etag, p.crc64)).unwrap();
        let store = Store::open(&dir).unwrap();
        assert_eq!(store.with_upload("b-1", "k", "u1", |u| u.parts[&4].etag.clone()).unwrap(), p.etag);
        complete(&store, "u1", &[4]);
        assert_eq!(read_object(&store, "b-1", "k"), b"old layout");
        fs::remove_dir_all(&dir).unwrap();
    }
}
