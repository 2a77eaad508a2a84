//! Service and bucket operations: GET Service (filters and paging), PUT bucket (with its creation
//! configuration), HEAD and DELETE bucket.

use super::Call;
use crate::client::Client;
use crate::error::{Error, Result};
use crate::headers::Headers;
use crate::options::RequestOptions;
use crate::transport::{Body, Request, Target};
use crate::xml::{self, BucketList};

/// How a bucket's creation time compares with [`ListBucketsParams::created`]'s time (GET Service `range`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CreatedRange {
    /// Created before the time.
    Before,
    /// Created after it.
    After,
    /// Created at or before it.
    AtOrBefore,
    /// Created at or after it.
    AtOrAfter,
}

impl CreatedRange {
    fn wire(self) -> &'static str {
        match self {
            CreatedRange::Before => "lt",
            CreatedRange::After => "gt",
            CreatedRange::AtOrBefore => "lte",
            CreatedRange::AtOrAfter => "gte",
        }
    }

    /// `lt`, `gt`, `lte` or `gte` (the wire names, as the Python SDK takes them).
    pub fn parse(name: &str) -> Result<CreatedRange> {
        match name {
            "lt" => Ok(CreatedRange::Before),
            "gt" => Ok(CreatedRange::After),
            "lte" => Ok(CreatedRange::AtOrBefore),
            "gte" => Ok(CreatedRange::AtOrAfter),
            _ => Err(Error::invalid(format!("created range must be lt, gt, lte or gte, got {name:?}"))),
        }
    }
}

/// What GET Service lists. Empty strings and `None` mean "not set"; `max_keys` 0 = COS's default (2000).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListBucketsParams {
    /// Only the buckets of this region (`ap-guangzhou`, ...).
    pub region: String,
    /// Only the buckets that have this one tag (key and value; COS takes a single tag).
    pub tag: Option<(String, String)>,
    /// Only the buckets created in this range of a Unix time (seconds).
    pub created: Option<(u64, CreatedRange)>,
    /// Start after this bucket name.
    pub marker: String,
    /// At most this many buckets per page (1..=2000; 0 = default).
    pub max_keys: u32,
}

impl ListBucketsParams {
    fn query(&self) -> Result<Vec<(String, String)>> {
        if self.max_keys > 2000 {
            return Err(Error::invalid(format!("max_keys must be at most 2000, got {}", self.max_keys)));
        }
        let mut q = Vec::new();
        let mut push = |k: &str, v: String| q.push((k.to_string(), v));
        if !self.marker.is_empty() {
            push("marker", self.marker.clone());
        }
        if self.max_keys > 0 {
            push("max-keys", self.max_keys.to_string());
        }
        if let Some((key, value)) = &self.tag {
            if key.is_empty() {
                return Err(Error::invalid("the tag key of a bucket listing filter must not be empty"));
            }
            push("tagkey", key.clone());
            push("tagvalue", value.clone());
        }
        if !self.region.is_empty() {
            push("region", self.region.clone());
        }
        if let Some((time, range)) = self.created {
            push("create-time", time.to_string());
            push("range", range.wire().to_string());
        }
        Ok(q)
    }
}

/// The `CreateBucketConfiguration` body of PUT Bucket: a multi-AZ bucket (`BucketAZConfig` MAZ) and/or an
/// OFS bucket (`BucketArchConfig` OFS, the hierarchical namespace). Neither set: no body is sent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BucketCreateConfig {
    pub multi_az: bool,
    pub ofs: bool,
}

impl BucketCreateConfig {
    fn body(&self) -> Option<String> {
        if !self.multi_az && !self.ofs {
            return None;
        }
        let mut body = String::from("<CreateBucketConfiguration>");
        if self.multi_az {
            body += "<BucketAZConfig>MAZ</BucketAZConfig>";
        }
        if self.ofs {
            body += "<BucketArchConfig>OFS</BucketArchConfig>";
        }
        Some(body + "</CreateBucketConfiguration>")
    }
}

impl Client {
    /// Lists every bucket of the account (GET Service), following the pages.
    pub fn list_buckets(&self) -> Result<BucketList> {
        self.list_all_buckets(&ListBucketsParams::default())
    }

    /// One page of GET Service with `params`' filters; `next_marker` continues it.
    pub fn list_buckets_page(&self, params: &ListBucketsParams) -> Result<BucketList> {
        let mut req = Request::new("GET", Target::Service);
        req.query = params.query()?;
        Call::new(self.config()).xml(&self.transport, req, xml::parse_bucket_list)
    }

    /// Every bucket matching `params`' filters, following the pages from `params.marker` (pages of
    /// `params.max_keys`); the owner is the first page's.
    pub fn list_all_buckets(&self, params: &ListBucketsParams) -> Result<BucketList> {
        let mut all = BucketList::default();
        let mut params = params.clone();
        let call = Call::new(self.config());
        loop {
            let mut req = Request::new("GET", Target::Service);
            req.query = params.query()?;
            let page = call.xml(&self.transport, req, xml::parse_bucket_list).map_err(|e| call.total(e))?;
            all.owner_id = all.owner_id.or(page.owner_id);
            all.owner_display_name = all.owner_display_name.or(page.owner_display_name);
            all.buckets.extend(page.buckets);
            match page.next_marker {
                Some(next) if page.is_truncated && next > params.marker => params.marker = next,
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
        self.create_bucket_with(bucket, &BucketCreateConfig::default(), opts)
    }

    /// Creates a bucket with a creation configuration (multi-AZ, OFS), sent as COS's
    /// `CreateBucketConfiguration` document with its Content-MD5; HEAD Bucket reports it back
    /// (`x-cos-bucket-az-type`, `x-cos-bucket-arch`).
    pub fn create_bucket_with(&self, bucket: &str, config: &BucketCreateConfig, opts: &RequestOptions) -> Result<()> {
        super::honour::check("create_bucket", opts, super::honour::Accepts::UPLOAD)?;
        let mut req = Request::new("PUT", self.bucket(bucket)?);
        req.headers = opts.headers.clone();
        req.query = opts.query.clone();
        let body = config.body();
        if let Some(body) = &body {
            req.headers.push(("Content-MD5".into(), super::object::md5_base64(body.as_bytes())));
            req.headers.push(("Content-Type".into(), "application/xml".into()));
            req.body = Body::Bytes(body.as_bytes());
        }
        Call::new(self.config()).send(&self.transport, req)?.text()?;
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
