//! The bucket's versioning status: enable, suspend, read.

use super::Call;
use crate::client::Client;
use crate::error::Result;
use crate::options::RequestOptions;
use crate::xml::{self, VersioningStatus};

impl Client {
    /// Enables versioning (`true`) or suspends it (`false`). Suspending keeps every existing version; new
    /// writes then replace the `null` version. There is no way back to [`VersioningStatus::Unversioned`].
    pub fn put_bucket_versioning(&self, bucket: &str, enabled: bool) -> Result<()> {
        let target = self.bucket(bucket)?;
        let body = xml::versioning_body(enabled);
        let call = Call::new(self.config());
        self.subresource_in(&call, "PUT", target, "versioning", body.as_bytes(), &RequestOptions::default())?;
        Ok(())
    }

    /// The bucket's versioning status.
    pub fn get_bucket_versioning(&self, bucket: &str) -> Result<VersioningStatus> {
        let target = self.bucket(bucket)?;
        let call = Call::new(self.config());
        let doc = self.subresource_in(&call, "GET", target, "versioning", &[], &RequestOptions::default())?;
        xml::parse_versioning(doc.text()?)
    }
}
