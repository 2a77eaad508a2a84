//! Object versions in the store (COS/S3 versioning). `Bucket.objects` keeps meaning "the current
//! object of each key" (so listing and every plain operation work unchanged); everything else a
//! versioned bucket remembers lives in `Bucket.versions`: per key, the noncurrent objects and every
//! delete marker, newest first. The invariant: when `objects` has no entry for a key, its newest
//! version (if any) is a delete marker.
//!
//! Version ids look like COS's (base64 of a decimal number); their order is a separate `seq`
//! (microseconds, strictly increasing, persisted), because a Suspended bucket's `null` version sits
//! between real ones. Objects written while the bucket was never versioned are the `null` version
//! with seq 0: older than any version written later.

use crate::error::CosError;
use crate::storage::store::{disk_error, object_of, Bucket, Object, ObjectMeta, Store};
use base64::Engine as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

/// The id of the version an unversioned or Suspended bucket writes.
pub const NULL_VERSION: &str = "null";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Versioning {
    /// Never enabled: `GET ?versioning` shows no Status.
    #[default]
    Unversioned,
    Enabled,
    Suspended,
}

impl Versioning {
    pub fn status(self) -> Option<&'static str> {
        match self {
            Versioning::Unversioned => None,
            Versioning::Enabled => Some("Enabled"),
            Versioning::Suspended => Some("Suspended"),
        }
    }

    pub fn from_status(s: &str) -> Option<Versioning> {
        match s {
            "Enabled" => Some(Versioning::Enabled),
            "Suspended" => Some(Versioning::Suspended),
            _ => None,
        }
    }
}

/// A delete marker: a version with no data that hides the key.
#[derive(Clone, Debug, PartialEq)]
pub struct Marker {
    pub version_id: String,
    pub seq: u64,
    pub last_modified: u64,
}

/// A noncurrent entry of a key's history.
#[derive(Clone, Debug)]
pub enum Version {
    Object(Arc<Object>),
    Marker(Marker),
}

impl Version {
    pub fn version_id(&self) -> &str {
        match self {
            Version::Object(o) => &o.meta.version_id,
            Version::Marker(m) => &m.version_id,
        }
    }

    pub fn seq(&self) -> u64 {
        match self {
            Version::Object(o) => o.meta.seq,
            Version::Marker(m) => m.seq,
        }
    }
}

static SEQ: AtomicU64 = AtomicU64::new(0);

/// A strictly increasing stamp (microseconds since the epoch, bumped on collisions).
pub fn next_seq() -> u64 {
    let micros = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_micros() as u64).unwrap_or(0);
    let mut prev = SEQ.load(Ordering::Relaxed);
    loop {
        let next = micros.max(prev + 1);
        match SEQ.compare_exchange_weak(prev, next, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => return next,
            Err(p) => prev = p,
        }
    }
}

/// Stamps loaded from disk must stay older than new ones, even if the clock went back.
pub fn seen_seq(seq: u64) {
    SEQ.fetch_max(seq, Ordering::Relaxed);
}

/// A COS-like opaque version id for `seq`: base64 (no padding, so also a safe file name) of a
/// decimal number that shrinks as time goes on, like COS's `MTg0NDY3...` ids.
pub fn version_id_for(seq: u64) -> String {
    base64::engine::general_purpose::STANDARD_NO_PAD.encode((u64::MAX - seq).to_string())
}

/// What a version id addresses.
pub enum Found<'a> {
    Object(&'a Arc<Object>),
    Marker(&'a Marker),
}

pub fn no_such_version() -> CosError {
    CosError::new(404, "NoSuchVersion", "The specified version does not exist.")
}

impl Bucket {
    /// The one lookup every operation on an object (or its sub-resources) uses: the latest entry
    /// of `key` (None), or the version `version_id`. Unknown keys are NoSuchKey, unknown versions
    /// NoSuchVersion; a never-versioned object is the version `null`.
    pub fn find_version(&self, key: &str, version_id: Option<&str>) -> Result<Found<'_>, CosError> {
        let current = self.objects.get(key);
        let history = self.versions.get(key).map(Vec::as_slice).unwrap_or(&[]);
        let Some(id) = version_id else {
            return match (current, history.first()) {
                (Some(o), _) => Ok(Found::Object(o)),
                (None, Some(Version::Marker(m))) => Ok(Found::Marker(m)),
                _ => Err(CosError::no_such_key()),
            };
        };
        if let Some(o) = current.filter(|o| o.meta.version_id == id) {
            return Ok(Found::Object(o));
        }
        match history.iter().find(|v| v.version_id() == id) {
            Some(Version::Object(o)) => Ok(Found::Object(o)),
            Some(Version::Marker(m)) => Ok(Found::Marker(m)),
            None => Err(no_such_version()),
        }
    }

    /// Whether the key's latest entry is `(version id, is a delete marker)`.
    #[cfg(test)]
    pub fn latest(&self, key: &str) -> Option<(&str, bool)> {
        match self.find_version(key, None) {
            Ok(Found::Object(o)) => Some((&o.meta.version_id, false)),
            Ok(Found::Marker(m)) => Some((&m.version_id, true)),
            Err(_) => None,
        }
    }

    /// The version id and seq a write made now gets.
    pub fn new_version(&self) -> (String, u64) {
        match self.versioning {
            Versioning::Unversioned => (NULL_VERSION.to_string(), 0),
            Versioning::Enabled => {
                let seq = next_seq();
                (version_id_for(seq), seq)
            }
            Versioning::Suspended => (NULL_VERSION.to_string(), next_seq()),
        }
    }

    /// Make `entry` the newest version of `key`; returns the versions it replaces for good (the
    /// old `null` version when `entry` is one), whose blobs the caller unlinks.
    pub fn push_version(&mut self, key: &str, entry: Version) -> Vec<Version> {
        let mut gone = Vec::new();
        let history = self.versions.entry(key.to_string()).or_default();
        if let Some(old) = self.objects.remove(key) {
            history.insert(0, Version::Object(old));
        }
        if entry.version_id() == NULL_VERSION {
            if let Some(i) = history.iter().position(|v| v.version_id() == NULL_VERSION) {
                gone.push(history.remove(i));
            }
        }
        match entry {
            Version::Object(o) => {
                self.objects.insert(key.to_string(), o);
            }
            marker => history.insert(0, marker),
        }
        if history.is_empty() {
            self.versions.remove(key);
        }
        gone
    }

    /// Remove one version for good; the next one becomes current if it is an object.
    pub fn remove_version(&mut self, key: &str, version_id: &str) -> Option<Version> {
        let removed = if self.objects.get(key).is_some_and(|o| o.meta.version_id == version_id) {
            self.objects.remove(key).map(Version::Object)
        } else {
            let history = self.versions.get_mut(key)?;
            let i = history.iter().position(|v| v.version_id() == version_id)?;
            Some(history.remove(i))
        };
        if !self.objects.contains_key(key) {
            if let Some(history) = self.versions.get_mut(key) {
                if matches!(history.first(), Some(Version::Object(_))) {
                    if let Version::Object(o) = history.remove(0) {
                        self.objects.insert(key.to_string(), o);
                    }
                }
            }
        }
        if self.versions.get(key).is_some_and(Vec::is_empty) {
            self.versions.remove(key);
        }
        removed
    }

    /// Every entry of `key`, newest first (the current object, then the history).
    pub fn all_versions<'a>(&'a self, key: &str) -> impl Iterator<Item = Found<'a>> + 'a {
        let current = self.objects.get(key).map(Found::Object);
        let history = self.versions.get(key).into_iter().flatten().map(|v| match v {
            Version::Object(o) => Found::Object(o),
            Version::Marker(m) => Found::Marker(m),
        });
        current.into_iter().chain(history)
    }

    /// A bucket is empty only when no key has any version or marker left.
    pub fn is_empty(&self) -> bool {
        self.objects.is_empty() && self.versions.is_empty()
    }
}

/// What a DELETE did, for its `x-cos-version-id` / `x-cos-delete-marker` headers and the
/// DeleteObjects result.
#[derive(Debug, Default, PartialEq)]
pub struct Deleted {
    /// The version removed (by id), or the marker created.
    pub version_id: Option<String>,
    /// A marker was created, or the version removed was a marker.
    pub delete_marker: bool,
}

impl Store {
    pub fn versioning(&self, bucket: &str) -> Result<Versioning, CosError> {
        self.with_bucket(bucket, |b| b.versioning)
    }

    /// PUT ?versioning. Once enabled a bucket never goes back to unversioned (Suspended at most).
    pub fn set_versioning(&self, bucket: &str, v: Versioning) -> Result<(), CosError> {
        let mut buckets = self.write();
        let b = buckets.get_mut(bucket).ok_or_else(CosError::no_such_bucket)?;
        let old = b.versioning;
        b.versioning = v;
        if let Some(disk) = &self.disk {
            if let Err(e) = disk.write_bucket_meta(b) {
                b.versioning = old;
                return Err(disk_error(e));
            }
        }
        Ok(())
    }

    /// DELETE of an object: without a version id, unversioned buckets remove the object and
    /// versioned ones add a delete marker (`null` when Suspended, replacing the null version);
    /// with one, that version goes for good (a missing version is not an error, as COS answers
    /// 204 either way).
    pub fn delete_version(
        &self,
        bucket: &str,
        key: &str,
        version_id: Option<&str>,
        now: u64,
    ) -> Result<Deleted, CosError> {
        let mut buckets = self.write();
        let b = buckets.get_mut(bucket).ok_or_else(CosError::no_such_bucket)?;
        if version_id.is_none() && b.versioning != Versioning::Unversioned {
            let (id, seq) = b.new_version();
            let marker = Marker { version_id: id.clone(), seq, last_modified: now };
            if let Some(disk) = &self.disk {
                disk.write_marker(bucket, key, &marker).map_err(disk_error)?;
            }
            for gone in b.push_version(key, Version::Marker(marker)) {
                self.drop_blobs(&gone);
            }
            return Ok(Deleted { version_id: Some(id), delete_marker: true });
        }
        // Unversioned without an id: the object is the `null` version, removed like one by id but
        // answered without version headers.
        let id = version_id.unwrap_or(NULL_VERSION);
        let is_marker = match b.find_version(key, Some(id)) {
            Ok(Found::Marker(_)) => true,
            Ok(Found::Object(_)) => false,
            Err(_) => return Ok(Deleted { version_id: version_id.map(str::to_string), delete_marker: false }),
        };
        // The metadata file goes first: a crash after it leaves only blobs, collected at start.
        if let Some(disk) = &self.disk {
            disk.remove_version(bucket, key, id).map_err(disk_error)?;
        }
        if let Some(v) = b.remove_version(key, id) {
            self.drop_blobs(&v);
        }
        Ok(Deleted { version_id: version_id.map(str::to_string), delete_marker: is_marker })
    }

    /// Change the metadata of one version of an object (None: the current one) under the lock,
    /// persisted by rewriting that version's file; the bytes are untouched. `f` may refuse.
    /// (Restore uses it; so can any sub-resource that edits an object, e.g. tagging or ACL.)
    pub fn update_version<R>(
        &self,
        bucket: &str,
        key: &str,
        version_id: Option<&str>,
        f: impl FnOnce(&mut ObjectMeta) -> Result<R, CosError>,
    ) -> Result<R, CosError> {
        let mut buckets = self.write();
        let b = buckets.get_mut(bucket).ok_or_else(CosError::no_such_bucket)?;
        let old = object_of(b.find_version(key, version_id)?, version_id)?;
        let mut meta = old.meta.clone();
        let result = f(&mut meta)?;
        let new = Arc::new(Object { meta, data: old.data.clone() });
        if let Some(disk) = &self.disk {
            disk.rewrite_object(bucket, key, &new).map_err(disk_error)?;
        }
        let id = &old.meta.version_id;
        if let Some(cur) = b.objects.get_mut(key).filter(|o| &o.meta.version_id == id) {
            *cur = new;
        } else if let Some(slot) = b.versions.get_mut(key).and_then(|h| h.iter_mut().find(|v| v.version_id() == id)) {
            *slot = Version::Object(new);
        }
        Ok(result)
    }

    pub(crate) fn drop_blobs(&self, v: &Version) {
        if let (Some(disk), Version::Object(o)) = (&self.disk, v) {
            disk.remove_blobs(&o.data);
        }
    }
}

#[cfg(test)]
pub mod tests {
    use super::*;
    use crate::storage::store::open_pieces;
    use crate::storage::store::tests::{meta, read_pieces, stage};

    /// Every version of every key: (key, version id, is a marker, seq, last modified).
    pub fn snapshot(store: &Store) -> Vec<(String, String, bool, u64, u64)> {
        store
            .with_bucket("b-1", |b| {
                let mut keys: Vec<&String> = b.objects.keys().chain(b.versions.keys()).collect();
                keys.sort();
                keys.dedup();
                keys.iter()
                    .flat_map(|k| {
                        b.all_versions(k).map(move |f| match f {
                            Found::Object(o) => {
                                (k.to_string(), o.meta.version_id.clone(), false, o.meta.seq, o.meta.last_modified)
                            }
                            Found::Marker(m) => (k.to_string(), m.version_id.clone(), true, m.seq, m.last_modified),
                        })
                    })
                    .collect()
            })
            .unwrap()
    }

    fn ids(store: &Store, key: &str) -> Vec<(String, bool)> {
        store
            .with_bucket("b-1", |b| {
                b.all_versions(key)
                    .map(|f| match f {
                        Found::Object(o) => (o.meta.version_id.clone(), false),
                        Found::Marker(m) => (m.version_id.clone(), true),
                    })
                    .collect()
            })
            .unwrap()
    }

    fn read_version(store: &Store, key: &str, id: &str) -> Vec<u8> {
        let (_, pieces) = store.open_version("b-1", key, Some(id)).unwrap();
        read_pieces(pieces)
    }

    pub fn versions_life(store: &Store) {
        store.create_bucket("b-1", "ap-guangzhou", 1).unwrap();
        store.put_object("b-1", "k", meta(4), stage(store, b"null")).unwrap();
        store.set_versioning("b-1", Versioning::Enabled).unwrap();
        store.put_object("b-1", "k", meta(2), stage(store, b"v1")).unwrap();
        store.put_object("b-1", "k", meta(2), stage(store, b"v2")).unwrap();
        let all = ids(store, "k");
        assert_eq!(all.len(), 3);
        assert_eq!(all[2], ("null".to_string(), false), "the pre-versioning object is the oldest");
        let (v1, v2) = (all[1].0.clone(), all[0].0.clone());
        assert_ne!(v1, v2);
        assert_eq!(read_version(store, "k", &v1), b"v1");
        assert_eq!(read_version(store, "k", "null"), b"null");
        assert_eq!(crate::storage::store::tests::read_object(store, "b-1", "k"), b"v2");
        // A DELETE adds a marker: the key is gone for plain reads, its versions stay.
        let d = store.delete_version("b-1", "k", None, 9).unwrap();
        assert!(d.delete_marker);
        let marker = d.version_id.unwrap();
        assert_eq!(store.head_object("b-1", "k").unwrap_err().code, "NoSuchKey");
        assert_eq!(
            store.with_bucket("b-1", |b| b.latest("k").map(|(i, m)| (i.to_string(), m))).unwrap(),
            Some((marker.clone(), true))
        );
        assert_eq!(store.delete_bucket("b-1").unwrap_err().code, "BucketNotEmpty");
        assert_eq!(store.open_version("b-1", "k", Some("nope")).err().unwrap().code, "NoSuchVersion");
        // Removing the marker undeletes; removing the current version promotes the previous one.
        let d = store.delete_version("b-1", "k", Some(&marker), 9).unwrap();
        assert!(d.delete_marker);
        assert_eq!(crate::storage::store::tests::read_object(store, "b-1", "k"), b"v2");
        store.delete_version("b-1", "k", Some(&v2), 9).unwrap();
        assert_eq!(crate::storage::store::tests::read_object(store, "b-1", "k"), b"v1");
        // Suspended: writes replace the null version; a DELETE is a null marker.
        store.set_versioning("b-1", Versioning::Suspended).unwrap();
        store.put_object("b-1", "k", meta(5), stage(store, b"null2")).unwrap();
        assert_eq!(ids(store, "k"), vec![("null".into(), false), (v1.clone(), false)]);
        assert_eq!(read_version(store, "k", "null"), b"null2");
        let d = store.delete_version("b-1", "k", None, 9).unwrap();
        assert_eq!(d, Deleted { version_id: Some("null".into()), delete_marker: true });
        assert_eq!(ids(store, "k"), vec![("null".into(), true), (v1.clone(), false)]);
    }

    #[test]
    fn versions_in_memory() {
        let store = Store::memory();
        versions_life(&store);
        store.delete_version("b-1", "k", Some("null"), 9).unwrap();
        assert_eq!(crate::storage::store::tests::read_object(&store, "b-1", "k"), b"v1");
        let v1 = ids(&store, "k")[0].0.clone();
        store.delete_version("b-1", "k", Some(&v1), 9).unwrap();
        store.delete_bucket("b-1").unwrap();
    }

    #[test]
    fn ids_look_like_cos_and_sort_by_seq() {
        let (a, b) = (next_seq(), next_seq());
        assert!(b > a);
        let id = version_id_for(a);
        assert!(id.bytes().all(|c| c.is_ascii_alphanumeric()), "{id}");
        assert!(id.starts_with("MTg0"), "{id}");
        let _ = open_pieces(&[]);
    }
}
