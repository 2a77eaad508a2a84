//! Service and bucket operations.

use super::Call;
use crate::client::Client;
use crate::error::{Error, Result};
use crate::headers::Headers;
use crate::options::RequestOptions;
use crate::transport::{Request, Target};
use crate::xml::{self, BucketList};

impl Client {
    /// Lists every bucket of the account (GET Service), following the pages.
    pub fn list_buckets(&self) -> Result<BucketList> {
        let mut all = BucketList::default();
        let mut marker = String::new();
        let call = Call::new(self.config());
        loop {
            let mut req = Request::new("GET", Target::Service);
            if !marker.is_empty() {
                req.query.push(("marker".into(), marker.clone()));
            }
            let page = call.xml(&self.transport, req, xml::parse_bucket_list).map_err(|e| call.total(e))?;
            all.owner_id = all.owner_id.or(page.owner_id);
            all.buckets.extend(page.buckets);
            match page.next_marker {
                Some(next) if page.is_truncated && next > marker => marker = next,
                _ if page.is_truncated => {
                    let e = Error::parse("the bucket listing is truncated but its next marker does not advance");
                    return Err(call.total(e));
                }
                _ => return Ok(all),
            }
        }
    }

    /// Creates a bucket. Options may carry `x-cos-acl`, `x-cos-grant-*` and `x-cos-tagging`.
    pub fn create_bucket(&self, bucket: &str, opts: &RequestOptions) -> Result<()> {
        let mut req = Request::new("PUT", self.bucket(bucket)?);
        req.headers = opts.headers.clone();
        self.transport.send(req)?.text()?;
        Ok(())
    }

    /// HEAD Bucket: succeeds with the response headers (`x-cos-bucket-region`, ...) when the bucket exists and
    /// is accessible; a missing bucket is a service error with code `NoSuchBucket`.
    pub fn head_bucket(&self, bucket: &str) -> Result<Headers> {
        let resp = self.transport.send(Request::new("HEAD", self.bucket(bucket)?))?;
        Ok(resp.headers)
    }

    /// Deletes an empty bucket.
    pub fn delete_bucket(&self, bucket: &str) -> Result<()> {
        self.transport.send(Request::new("DELETE", self.bucket(bucket)?))?.text()?;
        Ok(())
    }
}
