//! A bucket's configuration documents (`Bucket::configs`) and in-place changes to one object's
//! ACL and tags. Documents are opaque bytes here: `operations/config.rs` validates them before
//! they are stored. Names are the sub-resource (`cors`, `lifecycle`, `acl`, `tagging`, ...), or
//! `<sub>/<id>` for the documents a bucket may have several of (`inventory/<id>`,
//! `intelligent-tiering/<id>`, `domaincertificate/<domain>`). With `--data-dir` every change is
//! written through before it becomes visible (`Disk::write_config`).

use crate::error::CosError;
use crate::storage::store::{disk_error, Object, ObjectMeta, Store};
use std::sync::Arc;

impl Store {
    /// The stored document, None when the bucket has none of that name.
    pub fn get_config(&self, bucket: &str, name: &str) -> Result<Option<Vec<u8>>, CosError> {
        self.with_bucket(bucket, |b| b.configs.get(name).cloned())
    }

    /// Every document whose name starts with `prefix`, in name order (listings by id).
    pub fn list_configs(&self, bucket: &str, prefix: &str) -> Result<Vec<(String, Vec<u8>)>, CosError> {
        self.with_bucket(bucket, |b| {
            b.configs
                .range(prefix.to_string()..)
                .take_while(|(n, _)| n.starts_with(prefix))
                .map(|(n, d)| (n.clone(), d.clone()))
                .collect()
        })
    }

    pub fn put_config(&self, bucket: &str, name: &str, doc: Vec<u8>) -> Result<(), CosError> {
        let mut buckets = self.write();
        let b = buckets.get_mut(bucket).ok_or_else(CosError::no_such_bucket)?;
        if let Some(disk) = &self.disk {
            disk.write_config(bucket, name, &doc).map_err(disk_error)?;
        }
        b.configs.insert(name.to_string(), doc);
        Ok(())
    }

    /// Remove a document; true if there was one.
    pub fn delete_config(&self, bucket: &str, name: &str) -> Result<bool, CosError> {
        let mut buckets = self.write();
        let b = buckets.get_mut(bucket).ok_or_else(CosError::no_such_bucket)?;
        if let Some(disk) = &self.disk {
            disk.remove_config(bucket, name).map_err(disk_error)?;
        }
        Ok(b.configs.remove(name).is_some())
    }

    /// Change one object's metadata in place (its ACL or tags: the bytes stay as they are). `f`
    /// may refuse. `version_id` None is the current object; any version can be changed.
    pub fn update_object_meta<R>(
        &self,
        bucket: &str,
        key: &str,
        version_id: Option<&str>,
        f: impl FnOnce(&mut ObjectMeta) -> Result<R, CosError>,
    ) -> Result<R, CosError> {
        self.update_version(bucket, key, version_id, f)
    }

    /// The object an object sub-resource request (`?acl`, `?tagging`, `?symlink`) addresses: the
    /// one lookup of `Bucket::find_version` (NoSuchKey, NoSuchVersion, a delete marker is 404).
    pub fn object_for_subresource(
        &self,
        bucket: &str,
        key: &str,
        version_id: Option<&str>,
    ) -> Result<Arc<Object>, CosError> {
        self.head_version(bucket, key, version_id)
    }
}

#[cfg(test)]
mod tests {
    use crate::storage::disk::tests::temp_dir;
    use crate::storage::store::tests::{meta, stage};
    use crate::storage::store::Store;

    #[test]
    fn documents_and_object_metadata_survive_a_restart() {
        let dir = temp_dir("configs");
        {
            let store = Store::open(&dir).unwrap();
            store.create_bucket("b-1", "ap-guangzhou", 0).unwrap();
            store.put_config("b-1", "cors", b"<CORSConfiguration/>".to_vec()).unwrap();
            store.put_config("b-1", "inventory/a b", b"<InventoryConfiguration/>".to_vec()).unwrap();
            store.put_config("b-1", "lifecycle", b"<LifecycleConfiguration/>".to_vec()).unwrap();
            assert!(store.delete_config("b-1", "lifecycle").unwrap());
            assert!(!store.delete_config("b-1", "lifecycle").unwrap());
            store.put_object("b-1", "k", meta(3), stage(&store, b"abc")).unwrap();
            store
                .update_object_meta("b-1", "k", None, |m| {
                    m.tagging = Some("a=1&b=2".into());
                    m.acl = Some("public-read".into());
                    Ok(())
                })
                .unwrap();
            let e = store.update_object_meta("b-1", "k", Some("v1"), |_| Ok(())).unwrap_err();
            assert_eq!((e.status, e.code), (404, "NoSuchVersion"));
        }
        let store = Store::open(&dir).unwrap();
        assert_eq!(store.get_config("b-1", "cors").unwrap().as_deref(), Some(&b"<CORSConfiguration/>"[..]));
        assert_eq!(store.get_config("b-1", "lifecycle").unwrap(), None);
        let inv = store.list_configs("b-1", "inventory/").unwrap();
        assert_eq!(inv.len(), 1);
        assert_eq!(inv[0].0, "inventory/a b");
        let obj = store.object_for_subresource("b-1", "k", Some("null")).unwrap();
        assert_eq!(obj.meta.tagging.as_deref(), Some("a=1&b=2"));
        assert_eq!(obj.meta.acl.as_deref(), Some("public-read"));
        assert_eq!(obj.meta.size, 3, "the rest of the metadata is kept");
        let (_, pieces) = store.open_object("b-1", "k").unwrap();
        assert_eq!(crate::storage::store::tests::read_pieces(pieces), b"abc", "the blobs are still named");
        // Deleting the bucket drops its documents with it.
        store.delete_object("b-1", "k").unwrap();
        store.delete_bucket("b-1").unwrap();
        store.create_bucket("b-1", "ap-guangzhou", 0).unwrap();
        assert_eq!(store.get_config("b-1", "cors").unwrap(), None);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
