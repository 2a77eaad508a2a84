//! Multipart upload operations on one object (cos-protocol.md §5.2): initiate, upload a part
//! (or copy one from an existing object), list parts, complete, abort. ListMultipartUploads,
//! a bucket operation, is in `multipart_list.rs`; the rules of complete in `storage/uploads.rs`.

use crate::error::CosError;
use crate::http::body::BodyReader;
use crate::http::request::{Request, MAX_BODY};
use crate::http::wire::Response;
use crate::operations::bucket::{int_param, owner_id, OWNER_UIN};
use crate::operations::conditional::Conditions;
use crate::operations::copy::parse_copy_source;
use crate::operations::object::{new_object_meta, push_sse_echo, push_version_header};
use crate::operations::restore::{check_readable, now_ms};
use crate::operations::router::Ctx;
use crate::storage::ingest;
use crate::storage::store::{slice_pieces, ObjectMeta};
use crate::storage::uploads::{
    combined_crc, multipart_etag, no_such_upload, validate_complete, Part, Upload, MAX_PART_NUMBER,
};
use crate::util::{iso8601, listing_encode, random_u64};
use crate::xml::XmlWriter;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// 10000 parts of about 100 bytes each fit well within this.
const MAX_COMPLETE_DOCUMENT: usize = 8 * 1024 * 1024;
const MAX_LIST_PARTS: usize = 1000;

/// Upload ids start with the creation time in microseconds (fixed-width hex) and a counter, so
/// sorting ids sorts uploads of a key by initiation, as ListMultipartUploads must.
fn new_upload_id() -> String {
    static SEQ: AtomicU64 = AtomicU64::new(0);
    let micros = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_micros() as u64).unwrap_or(0);
    let seq = SEQ.fetch_add(1, Ordering::Relaxed) & 0xffff;
    format!("{micros:016x}{seq:04x}{:012x}", random_u64() & 0xffff_ffff_ffff)
}

fn upload_id(req: &Request) -> Result<String, CosError> {
    match req.query_param("uploadId") {
        Some(id) if !id.is_empty() => Ok(id.to_string()),
        _ => Err(no_such_upload()),
    }
}

fn part_number(req: &Request) -> Result<u32, CosError> {
    let value = req.query_param("partNumber").unwrap_or("");
    match value.parse::<u32>() {
        Ok(n) if (1..=MAX_PART_NUMBER).contains(&n) => Ok(n),
        _ => Err(CosError::invalid_argument(format!(
            "Part number must be an integer between 1 and {MAX_PART_NUMBER}, inclusive (got {value:?})."
        ))),
    }
}

pub fn initiate(ctx: &Ctx, req: &Request, _body: &mut BodyReader) -> Result<Response, CosError> {
    let meta = new_object_meta(ctx, req)?;
    let id = new_upload_id();
    let upload = Upload { id: id.clone(), key: ctx.key.clone(), initiated: ctx.now, meta, parts: BTreeMap::new() };
    let echo = upload.meta.clone();
    ctx.store.create_upload(&ctx.bucket, upload)?;
    let mut w = XmlWriter::new();
    w.open("InitiateMultipartUploadResult")
        .elem("Bucket", &ctx.bucket)
        .elem("Key", &ctx.key)
        .elem("UploadId", &id)
        .close("InitiateMultipartUploadResult");
    let mut resp = Response::xml(200, w.finish());
    push_sse_echo(&mut resp, &echo);
    Ok(resp)
}

pub fn upload_part(ctx: &Ctx, req: &Request, body: &mut BodyReader) -> Result<Response, CosError> {
    let n = part_number(req)?;
    let id = upload_id(req)?;
    if req.header("x-cos-copy-source").is_some() {
        return upload_part_copy(ctx, req, n, &id);
    }
    if !req.has_length() {
        return Err(CosError::new(411, "MissingContentLength", "You must provide the Content-Length HTTP header."));
    }
    // Refuse an unknown upload before reading the body.
    ctx.store.with_upload(&ctx.bucket, &ctx.key, &id, |_| ())?;
    let (staged, digests) = ingest::receive(ctx, req, body)?;
    let part =
        Part { size: digests.size, etag: digests.etag(), crc64: digests.crc64, last_modified: ctx.now, data: vec![] };
    let (etag, crc) = (part.etag.clone(), part.crc64);
    ctx.store.put_part(&ctx.bucket, &ctx.key, &id, n, part, staged)?;
    Ok(Response::new(200).header("ETag", etag).header("x-cos-hash-crc64ecma", crc.to_string()))
}

/// `x-cos-copy-source-range: bytes=first-last` against a source of `size` bytes; absent or empty
/// (the Python SDK always sends the header) means the whole object.
pub fn copy_range(header: Option<&str>, size: u64) -> Result<(u64, u64), CosError> {
    let spec = header.map(str::trim).unwrap_or("");
    if spec.is_empty() {
        return Ok((0, size));
    }
    let invalid =
        || CosError::invalid_argument(format!("x-cos-copy-source-range must be bytes=first-last, got {spec:?}"));
    let (a, b) = spec.strip_prefix("bytes=").and_then(|r| r.split_once('-')).ok_or_else(invalid)?;
    let digits =
        |s: &str| (!s.is_empty() && s.bytes().all(|c| c.is_ascii_digit())).then(|| s.parse::<u64>().ok()).flatten();
    let (first, last) = (digits(a).ok_or_else(invalid)?, digits(b).ok_or_else(invalid)?);
    if first > last {
        return Err(invalid());
    }
    if last >= size {
        return Err(CosError::new(
            400,
            "InvalidRange",
            format!("The range {spec} is not satisfiable for a source object of {size} bytes."),
        ));
    }
    Ok((first, last + 1))
}

fn upload_part_copy(ctx: &Ctx, req: &Request, n: u32, id: &str) -> Result<Response, CosError> {
    let src = parse_copy_source(req.header("x-cos-copy-source").unwrap_or(""))?;
    ctx.store.with_upload(&ctx.bucket, &ctx.key, id, |_| ())?;
    src.check_region(ctx)?;
    let (source, pieces) = ctx.store.open_version(&src.bucket, &src.key, src.version_id.as_deref())?;
    check_readable(&source.meta, now_ms(ctx))?;
    crate::operations::sse_c::check_read(&source.meta, req, crate::operations::sse_c::COPY_SOURCE)?;
    let conditions = Conditions {
        if_match: req.header("x-cos-copy-source-if-match"),
        if_none_match: req.header("x-cos-copy-source-if-none-match"),
        if_modified_since: req.header("x-cos-copy-source-if-modified-since"),
        if_unmodified_since: req.header("x-cos-copy-source-if-unmodified-since"),
    };
    conditions.evaluate_copy_source(&source.meta.etag, source.meta.last_modified)?;
    let (start, end) = copy_range(req.header("x-cos-copy-source-range"), source.meta.size)?;
    if end - start > MAX_BODY {
        return Err(CosError::new(400, "EntityTooLarge", "A part may not exceed 5 GiB."));
    }
    let (staged, digests) = ingest::from_pieces(ctx, slice_pieces(pieces, start, end))?;
    let part =
        Part { size: digests.size, etag: digests.etag(), crc64: digests.crc64, last_modified: ctx.now, data: vec![] };
    let (etag, crc) = (part.etag.clone(), part.crc64);
    ctx.store.put_part(&ctx.bucket, &ctx.key, id, n, part, staged)?;
    let mut w = XmlWriter::new();
    w.open("CopyPartResult")
        .elem("ETag", &etag)
        .elem("LastModified", &iso8601(ctx.now))
        .elem("CRC64", &crc.to_string())
        .close("CopyPartResult");
    Ok(Response::xml(200, w.finish()).header("x-cos-hash-crc64ecma", crc.to_string()))
}

/// The (part number, ETag) list of a CompleteMultipartUpload document, in document order.
pub fn parse_complete(body: &[u8]) -> Result<Vec<(u32, String)>, CosError> {
    let text = std::str::from_utf8(body).map_err(|_| CosError::malformed_xml("body is not UTF-8"))?;
    let doc = roxmltree::Document::parse(text).map_err(CosError::malformed_xml)?;
    let root = doc.root_element();
    if root.tag_name().name() != "CompleteMultipartUpload" {
        return Err(CosError::malformed_xml("root element must be <CompleteMultipartUpload>"));
    }
    let text_of = |part: roxmltree::Node, name: &str| {
        part.children()
            .find(|c| c.is_element() && c.tag_name().name() == name)
            .map(|c| c.descendants().filter(|d| d.is_text()).filter_map(|d| d.text()).collect::<String>())
            .ok_or_else(|| CosError::malformed_xml(format!("<Part> without <{name}>")))
    };
    let mut parts = Vec::new();
    for part in root.children().filter(|c| c.is_element() && c.tag_name().name() == "Part") {
        let number = text_of(part, "PartNumber")?;
        let number =
            number.trim().parse::<u32>().map_err(|_| CosError::malformed_xml(format!("bad PartNumber {number:?}")))?;
        parts.push((number, text_of(part, "ETag")?.trim().to_string()));
    }
    if parts.is_empty() {
        return Err(CosError::malformed_xml("no <Part> listed"));
    }
    Ok(parts)
}

pub fn complete(ctx: &Ctx, req: &Request, body: &mut BodyReader) -> Result<Response, CosError> {
    let id = upload_id(req)?;
    ctx.store.with_upload(&ctx.bucket, &ctx.key, &id, |_| ())?;
    let listed = parse_complete(&body.read_small(MAX_COMPLETE_DOCUMENT)?)?;
    let now = ctx.now;
    let meta = ctx.store.complete_upload(&ctx.bucket, &ctx.key, &id, |upload| {
        let parts = validate_complete(upload, &listed)?;
        let meta = ObjectMeta {
            size: parts.iter().map(|p| p.size).sum(),
            etag: multipart_etag(&parts),
            crc64: combined_crc(&parts),
            last_modified: now,
            ..upload.meta.clone()
        };
        Ok((meta, listed.iter().map(|(n, _)| *n).collect()))
    })?;
    let region = ctx.host_region.as_deref().unwrap_or(&ctx.cfg.region);
    let mut w = XmlWriter::new();
    w.open("CompleteMultipartUploadResult")
        .elem("Location", &format!("{}.cos.{region}.myqcloud.com/{}", ctx.bucket, listing_encode(&ctx.key)))
        .elem("Bucket", &ctx.bucket)
        .elem("Key", &ctx.key)
        .elem("ETag", &meta.etag)
        .close("CompleteMultipartUploadResult");
    let mut resp = Response::xml(200, w.finish()).header("x-cos-hash-crc64ecma", meta.crc64.to_string());
    push_version_header(&mut resp, &meta);
    push_sse_echo(&mut resp, &meta);
    Ok(resp)
}

pub fn abort(ctx: &Ctx, req: &Request, _body: &mut BodyReader) -> Result<Response, CosError> {
    ctx.store.abort_upload(&ctx.bucket, &ctx.key, &upload_id(req)?)?;
    Ok(Response::new(204))
}

/// `encoding-type`: absent/empty or `url`.
pub fn url_encoding(req: &Request) -> Result<bool, CosError> {
    match req.query_param("encoding-type") {
        None | Some("") => Ok(false),
        Some("url") => Ok(true),
        Some(other) => {
            Err(CosError::invalid_argument(format!("Invalid Encoding Method specified in Request: {other:?}")))
        }
    }
}

pub fn list_parts(ctx: &Ctx, req: &Request, _body: &mut BodyReader) -> Result<Response, CosError> {
    let id = upload_id(req)?;
    let marker = int_param(req, "part-number-marker", 0)?.min(u32::MAX as usize) as u32;
    let max_parts = int_param(req, "max-parts", MAX_LIST_PARTS)?.min(MAX_LIST_PARTS);
    let url = url_encoding(req)?;
    let body = ctx.store.with_upload(&ctx.bucket, &ctx.key, &id, |u| {
        let after: Vec<(&u32, &Part)> = u.parts.range(marker.saturating_add(1)..).take(max_parts + 1).collect();
        let truncated = after.len() > max_parts;
        let shown = &after[..after.len().min(max_parts)];
        let next = shown.last().map_or(marker, |(n, _)| **n);
        let mut w = XmlWriter::new();
        w.open("ListPartsResult").elem("Bucket", &ctx.bucket);
        if url {
            w.elem("Encoding-type", "url");
        }
        w.elem("Key", &if url { listing_encode(&u.key) } else { u.key.clone() }).elem("UploadId", &u.id);
        for who in ["Initiator", "Owner"] {
            w.open(who).elem("ID", &owner_id()).elem("DisplayName", OWNER_UIN).close(who);
        }
        w.elem("StorageClass", &u.meta.storage_class)
            .elem("PartNumberMarker", &marker.to_string())
            .elem("NextPartNumberMarker", &next.to_string())
            .elem("MaxParts", &max_parts.to_string())
            .elem("IsTruncated", if truncated { "true" } else { "false" });
        for (n, p) in shown {
            w.open("Part")
                .elem("PartNumber", &n.to_string())
                .elem("LastModified", &iso8601(p.last_modified))
                .elem("ETag", &p.etag)
                .elem("Size", &p.size.to_string())
                .close("Part");
        }
        w.close("ListPartsResult");
        w.finish()
    })?;
    Ok(Response::xml(200, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn complete_documents() {
        let doc = br#"<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"a"</ETag></Part>
            <Part><ETag>b</ETag><PartNumber> 3 </PartNumber></Part></CompleteMultipartUpload>"#;
        assert_eq!(parse_complete(doc).ok().unwrap(), vec![(1, "\"a\"".to_string()), (3, "b".to_string())]);
        let code = |b: &[u8]| parse_complete(b).err().map(|e| e.code);
        assert_eq!(code(b"<CompleteMultipartUpload><Part><PartNumber>1</PartNumber>"), Some("MalformedXML"));
        assert_eq!(code(b"<Other/>"), Some("MalformedXML"));
        assert_eq!(code(b"<CompleteMultipartUpload/>"), Some("MalformedXML"));
        assert_eq!(
            code(b"<CompleteMultipartUpload><Part><PartNumber>x</PartNumber><ETag>e</ETag></Part></CompleteMultipartUpload>"),
            Some("MalformedXML")
        );
        assert_eq!(
            code(b"<CompleteMultipartUpload><Part><ETag>e</ETag></Part></CompleteMultipartUpload>"),
            Some("MalformedXML")
        );
    }

    #[test]
    fn copy_ranges() {
        assert_eq!(copy_range(None, 10).ok(), Some((0, 10)));
        assert_eq!(copy_range(Some(""), 10).ok(), Some((0, 10)));
        assert_eq!(copy_range(Some("bytes=2-5"), 10).ok(), Some((2, 6)));
        assert_eq!(copy_range(Some("bytes=0-9"), 10).ok(), Some((0, 10)));
        let code = |h: &str| copy_range(Some(h), 10).err().map(|e| (e.status, e.code));
        assert_eq!(code("bytes=0-10"), Some((400, "InvalidRange")));
        assert_eq!(code("bytes=10-12"), Some((400, "InvalidRange")));
        for bad in ["bytes=5-2", "bytes=-3", "bytes=3-", "2-5", "bytes=a-b", "bytes=1-2,4-5"] {
            assert_eq!(code(bad), Some((400, "InvalidArgument")), "{bad}");
        }
    }

    #[test]
    fn upload_ids_sort_by_creation() {
        let ids: Vec<String> = (0..50).map(|_| new_upload_id()).collect();
        let mut sorted = ids.clone();
        sorted.sort();
        assert_eq!(ids, sorted);
        assert_eq!(ids[0].len(), 32);
    }
}
