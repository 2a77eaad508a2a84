//! The DOM parsers as they were before answers were split (whole-document roxmltree), kept as the
//! reference that the split parsers must agree with.
#![allow(dead_code)]

use super::*;
use roxmltree::Document;

/// Parses an answer that should be the XML document `expected` (its root element's name). An empty body is
/// named as such (a server that answers 200 with nothing, as SeaweedFS does for some copies), not as the XML
/// parser's "no root node"; the caller's error then carries the HTTP status.
fn parse<'t>(text: &'t str, expected: &str) -> Result<Document<'t>> {
    if let Some(e) = empty_body(text, expected) {
        return Err(e);
    }
    Document::parse(text).map_err(|e| Error::parse(format!("COS answered with malformed XML: {e}")))
}

/// The error for a body with nothing in it (or only whitespace) where `expected` XML was expected.
fn empty_body(text: &str, expected: &str) -> Option<Error> {
    if !text.trim().is_empty() {
        return None;
    }
    let what = match text.len() {
        0 => "an empty body".to_string(),
        n => format!("an empty body ({n} bytes of whitespace)"),
    };
    Some(Error::parse(format!("COS answered with {what} where {expected} XML was expected")))
}

/// The text of the first child element named `name` (namespaces ignored).
fn child_text<'a>(node: Node<'a, '_>, name: &str) -> Option<&'a str> {
    first_child(node, name).map(|n| n.text().unwrap_or(""))
}

fn child_string(node: Node<'_, '_>, name: &str) -> Option<String> {
    child_text(node, name).map(str::to_string)
}

fn first_child<'a, 'i>(node: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    node.children().find(|n| n.is_element() && n.tag_name().name() == name)
}

fn children<'a, 'i>(node: Node<'a, 'i>, name: &'a str) -> impl Iterator<Item = Node<'a, 'i>> + 'a {
    node.children().filter(move |n| n.is_element() && n.tag_name().name() == name)
}

fn expect_root<'a, 'i>(doc: &'a Document<'i>, name: &str) -> Result<Node<'a, 'i>> {
    let root = doc.root_element();
    if root.tag_name().name() == name {
        Ok(root)
    } else {
        Err(Error::parse(format!("expected <{name}> from COS, got <{}>", root.tag_name().name())))
    }
}

fn bool_text(node: Node<'_, '_>, name: &str) -> bool {
    child_text(node, name).is_some_and(|t| t.trim().eq_ignore_ascii_case("true"))
}

/// The unsigned number in child `name` (0 when the element is absent). Anything else (negative, a `+`,
/// too large for `T`, not digits) is a parse error: a server's absurd number is never taken for a caller's
/// mistake later on.
fn number<T: std::str::FromStr>(node: Node<'_, '_>, name: &str) -> Result<T> {
    let text = child_text(node, name).unwrap_or("0").trim();
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::parse(format!("<{name}> is not an unsigned number: {text:?}")));
    }
    text.parse().map_err(|_| {
        Error::parse(format!("<{name}> {text:?} is too large (at most {} bits)", 8 * std::mem::size_of::<T>()))
    })
}

/// An optional number: `None` when the element is absent or empty, otherwise as [`number`].
fn optional_number<T: std::str::FromStr>(node: Node<'_, '_>, name: &str) -> Result<Option<T>> {
    match child_text(node, name).map(str::trim) {
        None | Some("") => Ok(None),
        Some(_) => number(node, name).map(Some),
    }
}

/// `number`, which must also lie in `range` (part numbers, part sizes).
fn number_in<T>(node: Node<'_, '_>, name: &str, range: std::ops::RangeInclusive<T>) -> Result<T>
where
    T: std::str::FromStr + PartialOrd + std::fmt::Display,
{
    let n = number(node, name)?;
    if !range.contains(&n) {
        let (lo, hi) = (range.start(), range.end());
        return Err(Error::parse(format!("<{name}> {n} is outside {lo}..={hi}, which no COS answer is")));
    }
    Ok(n)
}

/// The fields of a COS `<Error>` body; `None` when the body is not one.
pub(super) fn parse_error(text: &str) -> Option<ServiceFields> {
    let doc = Document::parse(text).ok()?;
    let root = doc.root_element();
    if root.tag_name().name() != "Error" {
        return None;
    }
    let field = |name| child_string(root, name).filter(|s: &String| !s.is_empty());
    Some(ServiceFields {
        code: field("Code"),
        message: field("Message"),
        resource: field("Resource"),
        request_id: field("RequestId"),
        trace_id: field("TraceId"),
        ..ServiceFields::default()
    })
}

/// True when a 200 answer actually carries an `<Error>` (copy and complete-multipart do this).
pub(super) fn is_error_body(text: &str) -> bool {
    Document::parse(text).is_ok_and(|d| d.root_element().tag_name().name() == "Error")
}

pub(super) fn parse_bucket_list(text: &str) -> Result<BucketList> {
    let doc = parse(text, "ListAllMyBucketsResult")?;
    let root = expect_root(&doc, "ListAllMyBucketsResult")?;
    let mut buckets = Vec::new();
    for list in children(root, "Buckets") {
        for b in children(list, "Bucket") {
            buckets.push(BucketSummary {
                name: child_string(b, "Name").unwrap_or_default(),
                region: child_string(b, "Location").unwrap_or_default(),
                creation_date: child_string(b, "CreationDate").unwrap_or_default(),
                bucket_type: child_string(b, "BucketType").filter(|s| !s.is_empty()),
            });
        }
    }
    Ok(BucketList {
        owner_id: first_child(root, "Owner").and_then(|o| child_string(o, "ID")),
        owner_display_name: first_child(root, "Owner").and_then(|o| child_string(o, "DisplayName")),
        buckets,
        is_truncated: bool_text(root, "IsTruncated"),
        next_marker: child_string(root, "NextMarker").filter(|s| !s.is_empty()),
    })
}

/// A name from a listing, decoded when the listing was requested with `encoding-type=url`: the one place
/// listed names are decoded (`+` is a space, see [`encode::decode_listed`]).
fn listed_name(s: &str, url_encoded: bool) -> Result<String> {
    if !url_encoded {
        return Ok(s.to_string());
    }
    encode::decode_listed(s)
        .ok_or_else(|| Error::parse(format!("listed name {s:?} is not valid percent-encoded UTF-8")))
}

pub(super) fn parse_object_list(text: &str) -> Result<ObjectList> {
    let doc = parse(text, "ListBucketResult")?;
    let root = expect_root(&doc, "ListBucketResult")?;
    let url_encoded = child_text(root, "EncodingType").is_some_and(|t| t.eq_ignore_ascii_case("url"));
    let decode = |s: &str| listed_name(s, url_encoded);
    let field = |name| decode(child_text(root, name).unwrap_or(""));
    let mut objects = Vec::new();
    for c in children(root, "Contents") {
        objects.push(ObjectSummary {
            key: decode(child_text(c, "Key").unwrap_or(""))?,
            size: number(c, "Size")?,
            etag: child_string(c, "ETag").unwrap_or_default(),
            last_modified: child_string(c, "LastModified").unwrap_or_default(),
            storage_class: child_string(c, "StorageClass").unwrap_or_else(|| "STANDARD".into()),
            owner_id: first_child(c, "Owner").and_then(|o| child_string(o, "ID")),
        });
    }
    let mut common_prefixes = Vec::new();
    for p in children(root, "CommonPrefixes") {
        common_prefixes.push(decode(child_text(p, "Prefix").unwrap_or(""))?);
    }
    Ok(ObjectList {
        bucket: child_string(root, "Name").unwrap_or_default(),
        prefix: field("Prefix")?,
        marker: field("Marker")?,
        delimiter: Some(field("Delimiter")?).filter(|d| !d.is_empty()),
        max_keys: number(root, "MaxKeys")?,
        is_truncated: bool_text(root, "IsTruncated"),
        next_marker: Some(field("NextMarker")?).filter(|m| !m.is_empty()),
        objects,
        common_prefixes,
    })
}

pub(super) fn parse_delete_result(text: &str) -> Result<DeleteResult> {
    let doc = parse(text, "DeleteResult")?;
    let root = expect_root(&doc, "DeleteResult")?;
    Ok(DeleteResult {
        deleted: children(root, "Deleted").map(|d| child_string(d, "Key").unwrap_or_default()).collect(),
        errors: children(root, "Error")
            .map(|e| DeleteError {
                key: child_string(e, "Key").unwrap_or_default(),
                code: child_string(e, "Code").unwrap_or_default(),
                message: child_string(e, "Message").unwrap_or_default(),
            })
            .collect(),
    })
}

pub(super) fn parse_copy_result(text: &str) -> Result<CopyResult> {
    parse_copy_answer(text, "CopyObjectResult")
}

/// A `<CopyObjectResult>` or `<CopyPartResult>`; `expected` names the one the caller asked for.
pub(super) fn parse_copy_answer(text: &str, expected: &str) -> Result<CopyResult> {
    let doc = parse(text, expected)?;
    let root = doc.root_element();
    if !matches!(root.tag_name().name(), "CopyObjectResult" | "CopyPartResult") {
        return Err(Error::parse(format!("expected <CopyObjectResult> from COS, got <{}>", root.tag_name().name())));
    }
    let etag = child_string(root, "ETag").unwrap_or_default();
    if etag.is_empty() {
        return Err(Error::parse("CopyObjectResult has no ETag"));
    }
    Ok(CopyResult {
        etag,
        last_modified: child_string(root, "LastModified").unwrap_or_default(),
        crc64: optional_number(root, "CRC64")?,
    })
}

pub(super) fn parse_initiate(text: &str) -> Result<String> {
    let doc = parse(text, "InitiateMultipartUploadResult")?;
    let root = expect_root(&doc, "InitiateMultipartUploadResult")?;
    match child_text(root, "UploadId").map(str::trim) {
        Some(id) if !id.is_empty() => Ok(id.to_string()),
        _ => Err(Error::parse("InitiateMultipartUploadResult has no UploadId")),
    }
}

pub(super) fn parse_complete(text: &str) -> Result<CompleteResult> {
    let doc = parse(text, "CompleteMultipartUploadResult")?;
    let root = expect_root(&doc, "CompleteMultipartUploadResult")?;
    let etag = child_string(root, "ETag").unwrap_or_default();
    if etag.is_empty() {
        return Err(Error::parse("CompleteMultipartUploadResult has no ETag"));
    }
    Ok(CompleteResult { location: child_string(root, "Location").unwrap_or_default(), etag })
}

pub(super) fn parse_part_list(text: &str) -> Result<PartList> {
    let doc = parse(text, "ListPartsResult")?;
    let root = expect_root(&doc, "ListPartsResult")?;
    let mut parts = Vec::new();
    for p in children(root, "Part") {
        parts.push(Part {
            part_number: number_in(p, "PartNumber", 1..=crate::MAX_PARTS)?,
            etag: child_string(p, "ETag").unwrap_or_default(),
            size: number_in(p, "Size", 0..=crate::MAX_PART_SIZE)?,
            crc64: None,
            last_modified: child_string(p, "LastModified").unwrap_or_default(),
        });
    }
    Ok(PartList {
        parts,
        is_truncated: bool_text(root, "IsTruncated"),
        next_part_number_marker: number_in(root, "NextPartNumberMarker", 0..=crate::MAX_PARTS)?,
        storage_class: child_string(root, "StorageClass").unwrap_or_default(),
    })
}

pub(super) fn parse_upload_list(text: &str) -> Result<UploadList> {
    let doc = parse(text, "ListMultipartUploadsResult")?;
    let root = expect_root(&doc, "ListMultipartUploadsResult")?;
    let url_encoded = ["EncodingType", "Encoding-Type"]
        .iter()
        .any(|n| child_text(root, n).is_some_and(|t| t.eq_ignore_ascii_case("url")));
    let decode = |s: &str| listed_name(s, url_encoded);
    let mut uploads = Vec::new();
    for u in children(root, "Upload") {
        uploads.push(UploadSummary {
            key: decode(child_text(u, "Key").unwrap_or(""))?,
            upload_id: child_string(u, "UploadId").unwrap_or_default(),
            initiated: child_string(u, "Initiated").unwrap_or_default(),
            storage_class: child_string(u, "StorageClass").unwrap_or_default(),
        });
    }
    let mut common_prefixes = Vec::new();
    for p in children(root, "CommonPrefixes") {
        common_prefixes.push(decode(child_text(p, "Prefix").unwrap_or(""))?);
    }
    let marker = |name| -> Result<Option<String>> {
        Ok(Some(decode(child_text(root, name).unwrap_or(""))?).filter(|m| !m.is_empty()))
    };
    Ok(UploadList {
        uploads,
        common_prefixes,
        is_truncated: bool_text(root, "IsTruncated"),
        next_key_marker: marker("NextKeyMarker")?,
        next_upload_id_marker: marker("NextUploadIdMarker")?,
    })
}
