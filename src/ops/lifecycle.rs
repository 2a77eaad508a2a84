//! Bucket lifecycle as typed calls: the rules are checked before sending (`check_lifecycle`), so a mistake
//! costs no request; the raw document stays reachable with `bucket_subresource(.., "lifecycle", ..)`.

use super::Call;
use crate::client::Client;
use crate::error::Result;
use crate::options::RequestOptions;
use crate::xml::{self, LifecycleRule};

impl Client {
    /// Replaces the bucket's lifecycle configuration with `rules` (1 to 1000, each with an action).
    pub fn put_bucket_lifecycle(&self, bucket: &str, rules: &[LifecycleRule]) -> Result<()> {
        let target = self.bucket(bucket)?;
        xml::check_lifecycle(rules)?;
        let body = xml::lifecycle_body(rules);
        let call = Call::new(self.config());
        self.subresource_in(&call, "PUT", target, "lifecycle", body.as_bytes(), &RequestOptions::new()).map(drop)
    }

    /// The bucket's lifecycle rules; a bucket without any is the service error `NoSuchLifecycleConfiguration`.
    pub fn get_bucket_lifecycle(&self, bucket: &str) -> Result<Vec<LifecycleRule>> {
        let target = self.bucket(bucket)?;
        let call = Call::new(self.config());
        let doc = self.subresource_in(&call, "GET", target, "lifecycle", &[], &RequestOptions::new())?;
        xml::parse_lifecycle(doc.text()?)
    }

    pub fn delete_bucket_lifecycle(&self, bucket: &str) -> Result<()> {
        let target = self.bucket(bucket)?;
        let call = Call::new(self.config());
        self.subresource_in(&call, "DELETE", target, "lifecycle", &[], &RequestOptions::new()).map(drop)
    }
}
