//! Object and bucket tagging (`?tagging`): put, get and delete with one [`TagSet`], COS's limits checked
//! before anything is sent.

use super::Call;
use crate::client::Client;
use crate::error::Result;
use crate::headers::ObjectInfo;
use crate::options::RequestOptions;
use crate::xml::{parse_tagging, TagSet, TagTarget};

impl Client {
    /// Replaces the object's tags (at most 10). `opts` may address a version (`version_id`).
    pub fn put_object_tagging(
        &self,
        bucket: &str,
        key: &str,
        tags: &TagSet,
        opts: &RequestOptions,
    ) -> Result<ObjectInfo> {
        tags.check_for(TagTarget::Object)?;
        let target = self.object(bucket, key)?;
        let doc =
            self.subresource_in(&Call::new(self.config()), "PUT", target, "tagging", tags.to_xml().as_bytes(), opts)?;
        Ok(doc.info)
    }

    /// The object's tags (an empty set when it has none). `opts` may address a version.
    pub fn get_object_tagging(&self, bucket: &str, key: &str, opts: &RequestOptions) -> Result<TagSet> {
        let target = self.object(bucket, key)?;
        let doc = self.subresource_in(&Call::new(self.config()), "GET", target, "tagging", &[], opts)?;
        parse_tagging(doc.text()?)
    }

    /// Removes every tag of the object. `opts` may address a version.
    pub fn delete_object_tagging(&self, bucket: &str, key: &str, opts: &RequestOptions) -> Result<ObjectInfo> {
        let target = self.object(bucket, key)?;
        Ok(self.subresource_in(&Call::new(self.config()), "DELETE", target, "tagging", &[], opts)?.info)
    }

    /// Replaces the bucket's tags (at most 50).
    pub fn put_bucket_tagging(&self, bucket: &str, tags: &TagSet) -> Result<()> {
        tags.check_for(TagTarget::Bucket)?;
        let target = self.bucket(bucket)?;
        let body = tags.to_xml();
        self.subresource_in(
            &Call::new(self.config()),
            "PUT",
            target,
            "tagging",
            body.as_bytes(),
            &RequestOptions::new(),
        )?;
        Ok(())
    }

    /// The bucket's tags. A bucket without tags has an empty set: COS answers it with 404 `NoSuchTagSet`,
    /// which is "no tags", not a failure (a missing bucket is still `NoSuchBucket`).
    pub fn get_bucket_tagging(&self, bucket: &str) -> Result<TagSet> {
        let target = self.bucket(bucket)?;
        match self.subresource_in(&Call::new(self.config()), "GET", target, "tagging", &[], &RequestOptions::new()) {
            Ok(doc) => parse_tagging(doc.text()?),
            Err(e) if e.code() == Some("NoSuchTagSet") => Ok(TagSet::new()),
            Err(e) => Err(e),
        }
    }

    /// Removes every tag of the bucket.
    pub fn delete_bucket_tagging(&self, bucket: &str) -> Result<()> {
        let target = self.bucket(bucket)?;
        self.subresource_in(&Call::new(self.config()), "DELETE", target, "tagging", &[], &RequestOptions::new())?;
        Ok(())
    }
}
