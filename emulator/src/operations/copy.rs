//! CopyObject: `PUT /<key>` with `x-cos-copy-source: <bucket>.cos.<region>.myqcloud.com/<key>`.

use crate::error::CosError;
use crate::http::body::BodyReader;
use crate::http::request::Request;
use crate::http::wire::Response;
use crate::operations::conditional::Conditions;
use crate::operations::object::{
    content_type, descriptive_headers, object_acl, push_sse_echo, push_version_header, sse_headers, storage_class,
};
use crate::operations::restore::{check_readable, now_ms};
use crate::operations::router::Ctx;
use crate::operations::sse_c;
use crate::storage::store::ObjectMeta;
use crate::util::{decode_path, decode_query_component, iso8601};
use crate::xml::XmlWriter;

/// The object an `x-cos-copy-source` names: bucket, key, the region its host names (if any) and,
/// with `?versionId=ID`, the version.
pub struct CopySource {
    pub bucket: String,
    pub key: String,
    pub region: Option<String>,
    pub version_id: Option<String>,
}

impl CopySource {
    /// A source host naming a region other than the bucket's reaches a COS cluster where the
    /// bucket does not exist: 404 NoSuchBucket, so a copy from another region must name it.
    pub fn check_region(&self, ctx: &Ctx) -> Result<(), CosError> {
        let actual = ctx.store.with_bucket(&self.bucket, |b| b.region.clone())?;
        match &self.region {
            Some(named) if *named != actual => Err(CosError::new(
                404,
                "NoSuchBucket",
                format!("The copy source bucket {} is in region {actual}, not {named}.", self.bucket),
            )),
            _ => Ok(()),
        }
    }
}

/// An `x-cos-copy-source` value. Lenient about the form: an optional scheme, an optional leading
/// `/`, any host whose first label is the bucket; `?versionId=ID` selects a version.
pub fn parse_copy_source(value: &str) -> Result<CopySource, CosError> {
    let invalid = || {
        CosError::invalid_argument(format!(
            "x-cos-copy-source must be <bucket>.cos.<region>.myqcloud.com/<key>, got {value:?}"
        ))
    };
    let mut v = value.trim();
    if let Some(i) = v.find("://") {
        v = &v[i + 3..];
    }
    let v = v.trim_start_matches('/');
    let (host, rest) = v.split_once('/').ok_or_else(invalid)?;
    let bucket = host.split('.').next().unwrap_or("").to_ascii_lowercase();
    // The key is URL-encoded, so a literal `?` can only start the versionId part.
    let (encoded_key, query) = rest.split_once('?').unwrap_or((rest, ""));
    let key = decode_path(encoded_key).ok_or_else(invalid)?;
    if bucket.is_empty() || key.is_empty() {
        return Err(invalid());
    }
    let version_id = query
        .split('&')
        .filter_map(|p| p.split_once('='))
        .find(|(k, _)| *k == "versionId")
        .map(|(_, v)| decode_query_component(v))
        .filter(|v| !v.is_empty());
    let (_, region) = crate::operations::router::parse_host(host);
    Ok(CopySource { bucket, key, region, version_id })
}

#[derive(PartialEq)]
enum Directive {
    Copy,
    Replaced,
}

pub fn copy_object(ctx: &Ctx, req: &Request, _body: &mut BodyReader) -> Result<Response, CosError> {
    let source = req.header("x-cos-copy-source").unwrap_or("");
    let parsed = parse_copy_source(source)?;
    parsed.check_region(ctx)?;
    let CopySource { bucket: src_bucket, key: src_key, version_id: src_version, .. } = parsed;
    let directive = match req.header("x-cos-metadata-directive") {
        None => Directive::Copy,
        Some(d) if d.eq_ignore_ascii_case("copy") => Directive::Copy,
        Some(d) if d.eq_ignore_ascii_case("replaced") => Directive::Replaced,
        Some(d) => {
            return Err(CosError::invalid_argument(format!(
                "x-cos-metadata-directive must be Copy or Replaced, got {d:?}"
            )))
        }
    };
    let class = storage_class(req)?;
    // Request metadata counts only when it replaces the source's.
    let replaced_headers = if directive == Directive::Replaced { descriptive_headers(req)? } else { Vec::new() };
    let sse = sse_headers(req)?;
    let dest_key = sse_c::request_key(req, sse_c::OBJECT)?;
    let acl = object_acl(req)?;
    let same_object = src_bucket == ctx.bucket && src_key == ctx.key && src_version.is_none();
    if same_object && directive == Directive::Copy && class.is_none() && sse.is_empty() && dest_key.is_none() {
        return Err(CosError::new(
            400,
            "InvalidRequest",
            "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
        ));
    }
    let conditions = Conditions {
        if_match: req.header("x-cos-copy-source-if-match"),
        if_none_match: req.header("x-cos-copy-source-if-none-match"),
        if_modified_since: req.header("x-cos-copy-source-if-modified-since"),
        if_unmodified_since: req.header("x-cos-copy-source-if-unmodified-since"),
    };

    let now = ctx.now;
    let now_ms = now_ms(ctx);
    let src = (src_bucket.as_str(), src_key.as_str(), src_version.as_deref());
    let meta = ctx.store.copy_object(src, (&ctx.bucket, &ctx.key), |src: &ObjectMeta| {
        check_readable(src, now_ms)?;
        sse_c::check_read(src, req, sse_c::COPY_SOURCE)?;
        conditions.evaluate_copy_source(&src.etag, src.last_modified)?;
        let mut m = match directive {
            Directive::Copy => src.clone(),
            Directive::Replaced => ObjectMeta {
                content_type: content_type(req),
                headers: replaced_headers.clone(),
                tagging: crate::operations::tagging::upload_tagging(req)?,
                ..src.clone()
            },
        };
        if !sse.is_empty() || directive == Directive::Replaced {
            m.headers.retain(|(n, _)| !n.starts_with(crate::operations::object::SSE_HEADER));
            m.headers.extend(sse.iter().cloned());
        }
        // Encrypted with the key the request gives for the copy, or not with a customer key at all.
        m.headers.retain(|(n, _)| !sse_c::is_marker(n));
        m.headers.extend(sse_c::meta_headers(dest_key.clone()));
        m.last_modified = now;
        // A copy is a new object written at once, not by appends.
        m.appendable = false;
        m.storage_class = class.clone().unwrap_or_else(|| "STANDARD".to_string());
        m.acl = acl.clone();
        // The copy is a new object: a restore of the source does not carry over.
        m.restore = None;
        Ok(m)
    })?;

    let mut w = XmlWriter::new();
    w.open("CopyObjectResult")
        .elem("ETag", &meta.etag)
        .elem("LastModified", &iso8601(meta.last_modified))
        .elem("CRC64", &meta.crc64.to_string());
    if meta.version_id != crate::storage::versions::NULL_VERSION {
        w.elem("VersionId", &meta.version_id);
    }
    w.close("CopyObjectResult");
    let mut resp = Response::xml(200, w.finish());
    resp.push_header("x-cos-hash-crc64ecma", meta.crc64.to_string());
    push_version_header(&mut resp, &meta);
    if let Some(v) = &src_version {
        resp.push_header("x-cos-copy-source-version-id", v.clone());
    }
    push_sse_echo(&mut resp, &meta);
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_source_forms() {
        let p = |v: &str| parse_copy_source(v).ok().map(|s| (s.bucket, s.key));
        let want = |b: &str, k: &str| Some((b.to_string(), k.to_string()));
        assert_eq!(p("src-125.cos.ap-guangzhou.myqcloud.com/a%20b/%E4%B8%AD.txt"), want("src-125", "a b/中.txt"));
        assert_eq!(p("/src-125.cos.ap-guangzhou.myqcloud.com/k+1?versionId=xyz"), want("src-125", "k+1"));
        assert_eq!(p("http://src-125.cos.ap-guangzhou.tencentcos.cn/dir/k"), want("src-125", "dir/k"));
        assert_eq!(p("src-125/k"), want("src-125", "k"));
        assert_eq!(p("src-125.cos.ap-guangzhou.myqcloud.com/"), None);
        assert_eq!(p("src-125.cos.ap-guangzhou.myqcloud.com"), None);
        assert_eq!(p("src-125.cos.x.myqcloud.com/%FF"), None);
        let version = |v: &str| parse_copy_source(v).ok().and_then(|s| s.version_id);
        assert_eq!(version("b-1.cos.r.myqcloud.com/k?versionId=MTg0NDY3"), Some("MTg0NDY3".into()));
        assert_eq!(version("b-1.cos.r.myqcloud.com/k?versionId="), None);
        assert_eq!(version("b-1.cos.r.myqcloud.com/k"), None);
        let region = |v: &str| parse_copy_source(v).ok().and_then(|s| s.region);
        assert_eq!(region("b-1.cos.ap-beijing.myqcloud.com/k"), Some("ap-beijing".into()));
        assert_eq!(region("http://b-1.cos.ap-beijing.tencentcos.cn/k"), Some("ap-beijing".into()));
        assert_eq!(region("b-1/k"), None);
    }
}
