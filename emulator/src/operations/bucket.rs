//! Service and bucket operations: ListBuckets (with its filters and paging), PUT bucket (with a MAZ / OFS
//! creation configuration), HEAD/DELETE bucket, ListObjects (v1).

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

/// `range` of GET Service: how a bucket's creation time compares with `create-time`.
fn time_filter(req: &Request) -> Result<Option<(u64, &'static str)>, CosError> {
    let (time, range) = (req.query_param("create-time"), req.query_param("range"));
    let (time, range) = match (time.filter(|t| !t.is_empty()), range.filter(|r| !r.is_empty())) {
        (None, None) => return Ok(None),
        (Some(t), Some(r)) => (t, r),
        _ => return Err(CosError::invalid_argument("create-time and range must be given together.")),
    };
    let time = time
        .parse::<u64>()
        .map_err(|_| CosError::invalid_argument(format!("Argument create-time is invalid: {time:?}")))?;
    let range = ["lt", "gt", "lte", "gte"].into_iter().find(|r| *r == range).ok_or_else(|| {
        CosError::invalid_argument(format!("Argument range is invalid: {range:?} (lt, gt, lte or gte)"))
    })?;
    Ok(Some((time, range)))
}

fn created_matches(created: u64, (time, range): (u64, &str)) -> bool {
    match range {
        "lt" => created < time,
        "gt" => created > time,
        "lte" => created <= time,
        _ => created >= time,
    }
}

/// The bucket has the tag `key`=`value` among its tags (COS: any one of them matching is enough).
fn has_tag(ctx: &Ctx, bucket: &str, key: &str, value: &str) -> bool {
    let doc = ctx.store.get_config(bucket, "tagging").ok().flatten();
    let tags = doc.and_then(|d| crate::operations::tagging::parse_tagging(&d, usize::MAX).ok()).unwrap_or_default();
    tags.iter().any(|(k, v)| k == key && v == value)
}

/// GET Service: the account's buckets by name, filtered by `region`, by one tag (`tagkey` + `tagvalue`) and
/// by creation time (`create-time`, a Unix time, with `range` lt/gt/lte/gte), in pages of `max-keys` (at
/// most 2000) after `marker`, with NextMarker when truncated.
pub fn list_buckets(ctx: &Ctx, req: &Request, _body: &mut BodyReader) -> Result<Response, CosError> {
    let marker = req.query_param("marker").unwrap_or("");
    let region = req.query_param("region").unwrap_or("");
    // COS documents 2000 as both the default and the maximum page size for ListBuckets.
    let max_keys = int_param(req, "max-keys", 2000)?.min(2000);
    let tag = match (req.query_param("tagkey").unwrap_or(""), req.query_param("tagvalue").unwrap_or("")) {
        ("", "") => None,
        ("", _) => return Err(CosError::invalid_argument("tagvalue needs tagkey.")),
        (k, v) => Some((k, v)),
    };
    let created = time_filter(req)?;
    let mut buckets = ctx.store.list_buckets();
    buckets.sort_by(|a, b| a.name.cmp(&b.name));
    buckets.retain(|b| {
        b.name.as_str() > marker
            && (region.is_empty() || b.region == region)
            && created.is_none_or(|c| created_matches(b.created, c))
            && tag.is_none_or(|(k, v)| has_tag(ctx, &b.name, k, v))
    });
    let truncated = buckets.len() > max_keys;
    buckets.truncate(max_keys);

    let owner = owner_id();
    let mut w = XmlWriter::new();
    w.open("ListAllMyBucketsResult");
    w.open("Owner").elem("ID", &owner).elem("DisplayName", OWNER_UIN).close("Owner");
    w.open("Buckets");
    for b in &buckets {
        let kind = if creation_config(ctx, &b.name).1 { "ofs" } else { "cos" };
        w.open("Bucket")
            .elem("Name", &b.name)
            .elem("Location", &b.region)
            .elem("CreationDate", &iso8601(b.created))
            .elem("BucketType", kind)
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

/// Where the CreateBucketConfiguration a bucket was made with is kept (among its configuration documents).
const CREATION_CONFIG: &str = "emulator-creation";

/// `<CreateBucketConfiguration>` with `<BucketAZConfig>MAZ</BucketAZConfig>` (multi-AZ) and
/// `<BucketArchConfig>OFS</BucketArchConfig>` (the metadata-accelerated, hierarchical namespace): the
/// values the Python SDK sends. Anything else is refused as COS refuses an unknown configuration.
fn parse_creation(bytes: &[u8]) -> Result<(bool, bool), CosError> {
    use crate::operations::config::{child_text, parse_xml};
    let doc = parse_xml(bytes, "CreateBucketConfiguration")?;
    let root = doc.root_element();
    let maz = match child_text(root, "BucketAZConfig").as_deref() {
        None => false,
        Some("MAZ") => true,
        Some(other) => return Err(CosError::invalid_argument(format!("BucketAZConfig {other:?} is not MAZ."))),
    };
    let ofs = match child_text(root, "BucketArchConfig").as_deref() {
        None => false,
        Some("OFS") => true,
        Some(other) => return Err(CosError::invalid_argument(format!("BucketArchConfig {other:?} is not OFS."))),
    };
    Ok((maz, ofs))
}

/// (multi-AZ, OFS) of a bucket, from the configuration it was created with.
fn creation_config(ctx: &Ctx, bucket: &str) -> (bool, bool) {
    let doc = ctx.store.get_config(bucket, CREATION_CONFIG).ok().flatten().unwrap_or_default();
    let words = String::from_utf8_lossy(&doc).split(' ').map(str::to_string).collect::<Vec<_>>();
    (words.iter().any(|w| w == "MAZ"), words.iter().any(|w| w == "OFS"))
}

pub fn create_bucket(ctx: &Ctx, req: &Request, body: &mut BodyReader) -> Result<Response, CosError> {
    if !valid_bucket_name(&ctx.bucket) {
        return Err(CosError::new(
            400,
            "InvalidBucketName",
            "The specified bucket is not valid: use <name>-<appid> with lower-case letters, digits and '-'.",
        ));
    }
    let document = crate::operations::config::read_document(req, body, 64 * 1024, "XMLSizeLimit")?;
    let creation = if document.iter().all(u8::is_ascii_whitespace) { None } else { Some(parse_creation(&document)?) };
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
    if let Some((maz, ofs)) = creation {
        let flags = format!("{} {}", if maz { "MAZ" } else { "SAZ" }, if ofs { "OFS" } else { "COS" });
        ctx.store.put_config(&ctx.bucket, CREATION_CONFIG, flags.into_bytes())?;
    }
    Ok(Response::new(200))
}

pub fn head_bucket(ctx: &Ctx, _req: &Request, _body: &mut BodyReader) -> Result<Response, CosError> {
    let region = ctx.store.with_bucket(&ctx.bucket, |b| b.region.clone())?;
    let (maz, ofs) = creation_config(ctx, &ctx.bucket);
    Ok(Response::new(200)
        .header("x-cos-bucket-region", region)
        .header("x-cos-bucket-az-type", if maz { "MAZ" } else { "SAZ" })
        .header("x-cos-bucket-arch", if ofs { "OFS" } else { "COS" }))
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

#[cfg(test)]
mod tests {
    use super::{created_matches, parse_creation};

    #[test]
    fn creation_configurations() {
        let doc = |inner: &str| format!("<CreateBucketConfiguration>{inner}</CreateBucketConfiguration>");
        assert_eq!(parse_creation(doc("").as_bytes()).unwrap(), (false, false));
        assert_eq!(parse_creation(doc("<BucketAZConfig>MAZ</BucketAZConfig>").as_bytes()).unwrap(), (true, false));
        let both = doc("<BucketAZConfig>MAZ</BucketAZConfig><BucketArchConfig>OFS</BucketArchConfig>");
        assert_eq!(parse_creation(both.as_bytes()).unwrap(), (true, true));
        for bad in [doc("<BucketAZConfig>XAZ</BucketAZConfig>"), doc("<BucketArchConfig>HDFS</BucketArchConfig>")] {
            assert_eq!(parse_creation(bad.as_bytes()).unwrap_err().code, "InvalidArgument", "{bad}");
        }
        assert!(parse_creation(b"<Other/>").is_err());
    }

    #[test]
    fn creation_time_ranges() {
        for (range, want) in [("lt", [true, false, false]), ("lte", [true, true, false]), ("gt", [false, false, true])]
        {
            let got = [9, 10, 11].map(|created| created_matches(created, (10, range)));
            assert_eq!(got, want, "{range}");
        }
        assert_eq!([9, 10, 11].map(|c| created_matches(c, (10, "gte"))), [false, true, true]);
    }
}
