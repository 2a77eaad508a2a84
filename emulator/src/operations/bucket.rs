//! Service and bucket operations: ListBuckets, PUT/HEAD/DELETE bucket, ListObjects (v1).

use crate::error::CosError;
use crate::http::body::BodyReader;
use crate::http::request::Request;
use crate::http::wire::Response;
use crate::operations::listing::{self, ListParams};
use crate::operations::router::{valid_bucket_name, Ctx};
use crate::util::{iso8601, listing_encode};
use crate::xml::XmlWriter;

/// The account owner shown by ListBuckets (COS formats it as a CAM principal).
pub const OWNER_UIN: &str = "100000000001";
const MAX_LIST_KEYS: usize = 1000;

/// The account as COS shows it in Owner and Initiator elements (a CAM principal).
pub fn owner_id() -> String {
    format!("qcs::cam::uin/{OWNER_UIN}:uin/{OWNER_UIN}")
}

/// The appid part of `name-appid`, which COS shows as the object owner in listings.
pub fn bucket_appid(bucket: &str) -> &str {
    bucket.rsplit_once('-').map_or(bucket, |(_, appid)| appid)
}

/// A non-negative integer parameter; empty or absent means `default`.
pub fn int_param(req: &Request, name: &str, default: usize) -> Result<usize, CosError> {
    match req.query_param(name).map(str::trim) {
        None | Some("") => Ok(default),
        Some(v) => {
            v.parse::<usize>().map_err(|_| CosError::invalid_argument(format!("Argument {name} is invalid: {v:?}")))
        }
    }
}

pub fn list_buckets(ctx: &Ctx, req: &Request, _body: &mut BodyReader) -> Result<Response, CosError> {
    let marker = req.query_param("marker").unwrap_or("");
    let region = req.query_param("region").unwrap_or("");
    // COS documents 2000 as both the default and the maximum page size for ListBuckets.
    let max_keys = int_param(req, "max-keys", 2000)?.min(2000);
    let mut buckets = ctx.store.list_buckets();
    buckets.retain(|b| b.name.as_str() > marker && (region.is_empty() || b.region == region));
    let truncated = buckets.len() > max_keys;
    buckets.truncate(max_keys);

    let owner = owner_id();
    let mut w = XmlWriter::new();
    w.open("ListAllMyBucketsResult");
    w.open("Owner").elem("ID", &owner).elem("DisplayName", OWNER_UIN).close("Owner");
    w.open("Buckets");
    for b in &buckets {
        w.open("Bucket")
            .elem("Name", &b.name)
            .elem("Location", &b.region)
            .elem("CreationDate", &iso8601(b.created))
            .elem("BucketType", "cos")
            .close("Bucket");
    }
    w.close("Buckets");
    w.elem("Marker", marker);
    if truncated {
        if let Some(last) = buckets.last() {
            w.elem("NextMarker", &last.name);
        }
    }
    w.elem("IsTruncated", if truncated { "true" } else { "false" });
    w.close("ListAllMyBucketsResult");
    Ok(Response::xml(200, w.finish()))
}

pub fn create_bucket(ctx: &Ctx, req: &Request, _body: &mut BodyReader) -> Result<Response, CosError> {
    if !valid_bucket_name(&ctx.bucket) {
        return Err(CosError::new(
            400,
            "InvalidBucketName",
            "The specified bucket is not valid: use <name>-<appid> with lower-case letters, digits and '-'.",
        ));
    }
    // A CreateBucketConfiguration body (MAZ/OFS) is accepted and ignored.
    // The ACL and tags a bucket is created with (x-cos-acl, x-cos-grant-*, x-cos-tagging) are its
    // first `?acl` and `?tagging` documents; checked before the bucket exists.
    let acl = crate::operations::acl::requested_acl(req, b"", false)?;
    let tags = crate::operations::tagging::creation_tags(req)?;
    let region = ctx.host_region.as_deref().unwrap_or(&ctx.cfg.region);
    ctx.store.create_bucket(&ctx.bucket, region, ctx.now)?;
    if let Some(acl) = acl {
        ctx.store.put_config(&ctx.bucket, "acl", acl.into_bytes())?;
    }
    if let Some(doc) = tags {
        ctx.store.put_config(&ctx.bucket, "tagging", doc)?;
    }
    Ok(Response::new(200))
}

pub fn head_bucket(ctx: &Ctx, _req: &Request, _body: &mut BodyReader) -> Result<Response, CosError> {
    let region = ctx.store.with_bucket(&ctx.bucket, |b| b.region.clone())?;
    Ok(Response::new(200).header("x-cos-bucket-region", region))
}

pub fn delete_bucket(ctx: &Ctx, _req: &Request, _body: &mut BodyReader) -> Result<Response, CosError> {
    ctx.store.delete_bucket(&ctx.bucket)?;
    Ok(Response::new(204))
}

pub fn list_objects(ctx: &Ctx, req: &Request, _body: &mut BodyReader) -> Result<Response, CosError> {
    let prefix = req.query_param("prefix").unwrap_or("");
    let delimiter = req.query_param("delimiter").unwrap_or("");
    let marker = req.query_param("marker").unwrap_or("");
    let max_keys = int_param(req, "max-keys", MAX_LIST_KEYS)?.min(MAX_LIST_KEYS);
    let url_encoded = match req.query_param("encoding-type") {
        None | Some("") => false,
        Some("url") => true,
        Some(other) => {
            return Err(CosError::invalid_argument(format!("Invalid Encoding Method specified in Request: {other:?}")))
        }
    };
    let enc = |s: &str| {
        if url_encoded {
            listing_encode(s)
        } else {
            s.to_string()
        }
    };
    let appid = bucket_appid(&ctx.bucket);
    let params = ListParams { prefix, delimiter, marker, max_keys };

    // Build the whole document under the read lock: it only touches metadata.
    let body = ctx.store.with_bucket(&ctx.bucket, |bucket| {
        let page = listing::list(&bucket.objects, &params);
        let mut w = XmlWriter::new();
        w.open("ListBucketResult");
        w.elem("Name", &ctx.bucket);
        if url_encoded {
            w.elem("EncodingType", "url");
        }
        w.elem("Prefix", &enc(prefix)).elem("Marker", &enc(marker)).elem("MaxKeys", &max_keys.to_string());
        if !delimiter.is_empty() {
            w.elem("Delimiter", &enc(delimiter));
        }
        w.elem("IsTruncated", if page.truncated { "true" } else { "false" });
        if let Some(next) = &page.next_marker {
            w.elem("NextMarker", &enc(next));
        }
        for (key, obj) in &page.contents {
            let m = &obj.meta;
            w.open("Contents")
                .elem("Key", &enc(key))
                .elem("LastModified", &iso8601(m.last_modified))
                .elem("ETag", &m.etag)
                .elem("Size", &m.size.to_string());
            w.open("Owner").elem("ID", appid).elem("DisplayName", appid).close("Owner");
            w.elem("StorageClass", &m.storage_class).close("Contents");
        }
        for cp in &page.common_prefixes {
            w.open("CommonPrefixes").elem("Prefix", &enc(cp)).close("CommonPrefixes");
        }
        w.close("ListBucketResult");
        w.finish()
    })?;
    Ok(Response::xml(200, body))
}
