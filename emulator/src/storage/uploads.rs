//! Multipart uploads in the store: the state of an upload in progress, the rules of
//! CompleteMultipartUpload (kept pure so they can be unit-tested), and the Store methods that
//! change uploads under the index lock.

use crate::error::CosError;
use crate::storage::crc::crc64_combine;
use crate::storage::store::{disk_error, Object, ObjectMeta, Segment, Staged, Store};
use crate::util::{hex, unhex};
use md5::{Digest as _, Md5};
use std::collections::BTreeMap;

pub const MAX_PART_NUMBER: u32 = 10_000;
/// Every part but the last must be at least this large (cos-protocol.md §5.4).
pub const MIN_PART_SIZE: u64 = 1024 * 1024;

pub struct Upload {
    pub id: String,
    pub key: String,
    pub initiated: u64,
    /// The metadata the object will get (from the initiate request); size, ETag and CRC unset.
    pub meta: ObjectMeta,
    pub parts: BTreeMap<u32, Part>,
}

#[derive(Clone, Debug)]
pub struct Part {
    pub size: u64,
    /// Quoted: `"<md5 hex>"` (or the `--no-md5` stand-in, also 32 hex digits).
    pub etag: String,
    pub crc64: u64,
    pub last_modified: u64,
    pub data: Vec<Segment>,
}

pub fn no_such_upload() -> CosError {
    CosError::new(
        404,
        "NoSuchUpload",
        "The specified multipart upload does not exist. The upload ID might be invalid, or the multipart upload might have been aborted or completed.",
    )
}

fn bare_etag(etag: &str) -> &str {
    etag.trim().trim_matches('"')
}

/// Check a CompleteMultipartUpload part list against the upload, in COS's order of checks:
/// ascending part numbers, then each part uploaded with that ETag, then sizes.
pub fn validate_complete<'u>(upload: &'u Upload, listed: &[(u32, String)]) -> Result<Vec<&'u Part>, CosError> {
    if listed.windows(2).any(|w| w[0].0 >= w[1].0) {
        return Err(CosError::new(
            400,
            "InvalidPartOrder",
            "The list of parts was not in ascending order. The parts list must be specified in order by part number.",
        ));
    }
    let mut parts = Vec::with_capacity(listed.len());
    for (n, etag) in listed {
        match upload.parts.get(n) {
            Some(p) if bare_etag(&p.etag).eq_ignore_ascii_case(bare_etag(etag)) => parts.push(p),
            _ => {
                return Err(CosError::new(
                    400,
                    "InvalidPart",
                    format!(
                        "One or more of the specified parts could not be found, or its ETag did not match (part {n})."
                    ),
                ))
            }
        }
    }
    if let Some(i) = parts.iter().take(parts.len().saturating_sub(1)).position(|p| p.size < MIN_PART_SIZE) {
        return Err(CosError::new(
            400,
            "EntityTooSmall",
            format!(
                "Your proposed upload is smaller than the minimum allowed size (part {} is not the last).",
                listed[i].0
            ),
        ));
    }
    Ok(parts)
}

/// `"<md5 of the concatenated binary part MD5s>-<count>"`, as COS and S3 compute it.
pub fn multipart_etag(parts: &[&Part]) -> String {
    let mut md5 = Md5::new();
    for p in parts {
        md5.update(unhex(bare_etag(&p.etag)).unwrap_or_default());
    }
    format!("\"{}-{}\"", hex(&md5.finalize()), parts.len())
}

/// The whole object's CRC-64 from its parts', without reading the data.
pub fn combined_crc(parts: &[&Part]) -> u64 {
    parts.iter().fold(0, |acc, p| crc64_combine(acc, p.crc64, p.size))
}

impl Store {
    pub fn create_upload(&self, bucket: &str, upload: Upload) -> Result<(), CosError> {
        let mut buckets = self.write();
        let b = buckets.get_mut(bucket).ok_or_else(CosError::no_such_bucket)?;
        if let Some(disk) = &self.disk {
            disk.create_upload(bucket, &upload).map_err(disk_error)?;
        }
        b.uploads.insert(upload.id.clone(), upload);
        Ok(())
    }

    /// Run `f` on an upload of `key` under the read lock.
    pub fn with_upload<R>(
        &self,
        bucket: &str,
        key: &str,
        id: &str,
        f: impl FnOnce(&Upload) -> R,
    ) -> Result<R, CosError> {
        let buckets = self.read();
        let b = buckets.get(bucket).ok_or_else(CosError::no_such_bucket)?;
        let upload = b.uploads.get(id).filter(|u| u.key == key).ok_or_else(no_such_upload)?;
        Ok(f(upload))
    }

    /// Record part `n` (replacing an earlier upload of the same number).
    pub fn put_part(
        &self,
        bucket: &str,
        key: &str,
        id: &str,
        n: u32,
        mut part: Part,
        staged: Staged,
    ) -> Result<(), CosError> {
        let mut buckets = self.write();
        let upload = buckets.get_mut(bucket).and_then(|b| b.uploads.get_mut(id)).filter(|u| u.key == key);
        let Some(upload) = upload else {
            let missing_bucket = !buckets.contains_key(bucket);
            self.discard(staged);
            return Err(if missing_bucket { CosError::no_such_bucket() } else { no_such_upload() });
        };
        part.data = match (staged, &self.disk) {
            (Staged::Mem(segments), None) => segments,
            (Staged::File(path), Some(disk)) => {
                let old = upload.parts.get(&n).map(|p| p.data.as_slice());
                let path = disk.commit_part(bucket, id, n, &part, &path, old).map_err(disk_error)?;
                vec![Segment::File { path, len: part.size }]
            }
            _ => return Err(CosError::internal("staged part does not match the storage mode")),
        };
        upload.parts.insert(n, part);
        Ok(())
    }

    pub fn abort_upload(&self, bucket: &str, key: &str, id: &str) -> Result<(), CosError> {
        let mut buckets = self.write();
        let b = buckets.get_mut(bucket).ok_or_else(CosError::no_such_bucket)?;
        if b.uploads.get(id).is_none_or(|u| u.key != key) {
            return Err(no_such_upload());
        }
        if let Some(disk) = &self.disk {
            disk.remove_upload(bucket, id).map_err(disk_error)?;
        }
        b.uploads.remove(id);
        Ok(())
    }

    /// Turn an upload into its object. `decide` validates the request against the upload and
    /// returns the object's metadata and the part numbers it is made of; parts not listed are
    /// dropped with the upload. On disk this is crash-consistent (see `Disk::complete_upload`).
    pub fn complete_upload(
        &self,
        bucket: &str,
        key: &str,
        id: &str,
        decide: impl FnOnce(&Upload) -> Result<(ObjectMeta, Vec<u32>), CosError>,
    ) -> Result<ObjectMeta, CosError> {
        let mut buckets = self.write();
        let b = buckets.get_mut(bucket).ok_or_else(CosError::no_such_bucket)?;
        let upload = b.uploads.get(id).filter(|u| u.key == key).ok_or_else(no_such_upload)?;
        let (mut meta, numbers) = decide(upload)?;
        (meta.version_id, meta.seq) = b.new_version();
        let segments = numbers.iter().filter_map(|n| upload.parts.get(n)).flat_map(|p| p.data.iter());
        // The upload is forgotten only once the object is committed, so a failure leaves it to be
        // completed again.
        let data = match &self.disk {
            None => segments.cloned().collect(),
            Some(disk) => {
                let files = segments
                    .map(|s| match s {
                        Segment::File { path, .. } => Ok(path.clone()),
                        Segment::Mem { .. } => Err(CosError::internal("memory segment in a data dir")),
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                disk.complete_upload(bucket, key, id, &meta, &files).map_err(disk_error)?
            }
        };
        b.uploads.remove(id);
        self.replace(b, key, Object { meta: meta.clone(), data });
        Ok(meta)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::crc::crc64;
    use crate::storage::store::tests::{meta, read_object};

    fn part(data: &[u8]) -> Part {
        Part {
            size: data.len() as u64,
            etag: format!("\"{}\"", hex(&Md5::digest(data))),
            crc64: crc64(data),
            last_modified: 1,
            data: vec![Segment::mem(data.to_vec())],
        }
    }

    fn upload(parts: &[(u32, &[u8])]) -> Upload {
        Upload {
            id: "u1".into(),
            key: "k".into(),
            initiated: 1,
            meta: meta(0),
            parts: parts.iter().map(|(n, d)| (*n, part(d))).collect(),
        }
    }

    fn code(r: Result<Vec<&Part>, CosError>) -> &'static str {
        r.err().map_or("ok", |e| e.code)
    }

    #[test]
    fn complete_validation() {
        let (big, other) = (vec![7u8; MIN_PART_SIZE as usize], vec![8u8; MIN_PART_SIZE as usize]);
        let u = upload(&[(1, &big), (2, b"small"), (3, &other), (5, b"tail")]);
        let etag = |n: u32| u.parts[&n].etag.clone();
        let list = |ns: &[u32]| ns.iter().map(|&n| (n, etag(n))).collect::<Vec<_>>();
        assert_eq!(code(validate_complete(&u, &list(&[1, 3, 5]))), "ok");
        // ETags without quotes or in upper case still match.
        let bare: Vec<_> = list(&[1, 5]).into_iter().map(|(n, e)| (n, e.trim_matches('"').to_uppercase())).collect();
        assert_eq!(code(validate_complete(&u, &bare)), "ok");
        assert_eq!(code(validate_complete(&u, &list(&[3, 1]))), "InvalidPartOrder");
        assert_eq!(code(validate_complete(&u, &list(&[1, 1]))), "InvalidPartOrder");
        assert_eq!(code(validate_complete(&u, &[(1, etag(1)), (4, etag(3))])), "InvalidPart");
        assert_eq!(code(validate_complete(&u, &[(1, etag(3))])), "InvalidPart");
        // A small part is fine only at the end.
        assert_eq!(code(validate_complete(&u, &list(&[1, 2]))), "ok");
        assert_eq!(code(validate_complete(&u, &list(&[1, 2, 3]))), "EntityTooSmall");
        // Order is checked before existence, existence before size.
        assert_eq!(code(validate_complete(&u, &[(2, etag(2)), (9, etag(1)), (1, etag(1))])), "InvalidPartOrder");
        assert_eq!(code(validate_complete(&u, &[(2, etag(2)), (9, etag(1))])), "InvalidPart");
    }

    #[test]
    fn etag_and_crc_of_the_whole() {
        let (a, b) = (vec![1u8; 1_500_000], b"last part".to_vec());
        let (pa, pb) = (part(&a), part(&b));
        let mut binary = Md5::digest(&a).to_vec();
        binary.extend_from_slice(&Md5::digest(&b));
        assert_eq!(multipart_etag(&[&pa, &pb]), format!("\"{}-2\"", hex(&Md5::digest(&binary))));
        let whole = [a.as_slice(), b.as_slice()].concat();
        assert_eq!(combined_crc(&[&pa, &pb]), crc64(&whole));
        assert_eq!(combined_crc(&[]), 0);
    }

    fn run_upload(store: &Store) {
        store.create_bucket("b-1", "ap-guangzhou", 1).unwrap();
        store.create_upload("b-1", upload(&[])).unwrap();
        let big = vec![3u8; MIN_PART_SIZE as usize];
        let put = |n: u32, data: &[u8]| {
            let staged = crate::storage::store::tests::stage(store, data);
            store.put_part("b-1", "k", "u1", n, part(data), staged)
        };
        put(1, b"replaced below").unwrap();
        put(1, &big).unwrap();
        put(2, b"end").unwrap();
        put(3, b"never listed").unwrap();
        assert_eq!(
            store.put_part("b-1", "other", "u1", 1, part(b"x"), Staged::Mem(vec![])).unwrap_err().code,
            "NoSuchUpload"
        );
        assert_eq!(store.with_upload("b-1", "k", "u1", |u| u.parts.len()).unwrap(), 3);
        let meta = store
            .complete_upload("b-1", "k", "u1", |u| {
                let parts = validate_complete(u, &[(1, u.parts[&1].etag.clone()), (2, u.parts[&2].etag.clone())])?;
                Ok((
                    ObjectMeta {
                        size: parts.iter().map(|p| p.size).sum(),
                        etag: multipart_etag(&parts),
                        ..u.meta.clone()
                    },
                    vec![1, 2],
                ))
            })
            .unwrap();
        assert!(meta.etag.ends_with("-2\""));
        assert_eq!(read_object(store, "b-1", "k"), [big.as_slice(), b"end"].concat());
        assert_eq!(store.abort_upload("b-1", "k", "u1").unwrap_err().code, "NoSuchUpload");
    }

    #[test]
    fn upload_life_in_memory() {
        run_upload(&Store::memory());
    }

    #[test]
    fn upload_life_on_disk_and_restart() {
        let dir = std::env::temp_dir().join(format!("cos-emulator-uploads-{}", crate::util::random_u64()));
        {
            let store = Store::open(&dir).unwrap();
            run_upload(&store);
            store.create_upload("b-1", Upload { id: "u2".into(), ..upload(&[]) }).unwrap();
            let staged = crate::storage::store::tests::stage(&store, b"persisted part");
            store.put_part("b-1", "k", "u2", 7, part(b"persisted part"), staged).unwrap();
            assert!(!dir.join("buckets/b-1/uploads/u1").exists(), "completed upload removed");
        }
        let store = Store::open(&dir).unwrap();
        assert_eq!(read_object(&store, "b-1", "k").len(), MIN_PART_SIZE as usize + 3);
        let p = store.with_upload("b-1", "k", "u2", |u| u.parts[&7].clone()).unwrap();
        assert_eq!((p.size, p.crc64), (14, crc64(b"persisted part")));
        assert_eq!(
            crate::storage::store::tests::read_pieces(crate::storage::store::open_pieces(&p.data).unwrap()),
            b"persisted part"
        );
        store.abort_upload("b-1", "k", "u2").unwrap();
        drop(store);
        assert!(Store::open(&dir).unwrap().with_upload("b-1", "k", "u2", |_| ()).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
