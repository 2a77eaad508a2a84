//! XML bodies: parsing COS answers with roxmltree (which refuses DOCTYPE, so no entity expansion), and
//! writing the few request bodies the client sends.

use crate::encode;
use crate::error::{Error, Result, ServiceFields};
use roxmltree::{Document, Node};

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
pub(crate) fn parse_error(text: &str) -> Option<ServiceFields> {
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
pub(crate) fn is_error_body(text: &str) -> bool {
    Document::parse(text).is_ok_and(|d| d.root_element().tag_name().name() == "Error")
}

/// One bucket of a ListBuckets answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BucketSummary {
    pub name: String,
    pub region: String,
    pub creation_date: String,
}

/// A ListBuckets answer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BucketList {
    pub owner_id: Option<String>,
    pub buckets: Vec<BucketSummary>,
    pub is_truncated: bool,
    pub next_marker: Option<String>,
}

pub(crate) fn parse_bucket_list(text: &str) -> Result<BucketList> {
    let doc = parse(text, "ListAllMyBucketsResult")?;
    let root = expect_root(&doc, "ListAllMyBucketsResult")?;
    let mut buckets = Vec::new();
    for list in children(root, "Buckets") {
        for b in children(list, "Bucket") {
            buckets.push(BucketSummary {
                name: child_string(b, "Name").unwrap_or_default(),
                region: child_string(b, "Location").unwrap_or_default(),
                creation_date: child_string(b, "CreationDate").unwrap_or_default(),
            });
        }
    }
    Ok(BucketList {
        owner_id: first_child(root, "Owner").and_then(|o| child_string(o, "ID")),
        buckets,
        is_truncated: bool_text(root, "IsTruncated"),
        next_marker: child_string(root, "NextMarker").filter(|s| !s.is_empty()),
    })
}

/// One object of a listing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectSummary {
    pub key: String,
    pub size: u64,
    pub etag: String,
    pub last_modified: String,
    pub storage_class: String,
    pub owner_id: Option<String>,
}

/// One page of a ListObjects answer, with keys and prefixes decoded.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ObjectList {
    pub bucket: String,
    pub prefix: String,
    pub marker: String,
    pub delimiter: Option<String>,
    pub max_keys: u32,
    pub is_truncated: bool,
    /// Where the next page starts; the client fills it in from the last entry when COS leaves it out.
    pub next_marker: Option<String>,
    pub objects: Vec<ObjectSummary>,
    pub common_prefixes: Vec<String>,
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

pub(crate) fn parse_object_list(text: &str) -> Result<ObjectList> {
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

/// The result of a DeleteObjects call: what was deleted and what failed, key by key.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeleteResult {
    pub deleted: Vec<String>,
    pub errors: Vec<DeleteError>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeleteError {
    pub key: String,
    pub code: String,
    pub message: String,
}

pub(crate) fn parse_delete_result(text: &str) -> Result<DeleteResult> {
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

/// What a CopyObject answer says about the new object.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CopyResult {
    pub etag: String,
    pub last_modified: String,
    pub crc64: Option<u64>,
}

pub(crate) fn parse_copy_result(text: &str) -> Result<CopyResult> {
    parse_copy_answer(text, "CopyObjectResult")
}

/// A `<CopyObjectResult>` or `<CopyPartResult>`; `expected` names the one the caller asked for.
pub(crate) fn parse_copy_answer(text: &str, expected: &str) -> Result<CopyResult> {
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

pub(crate) fn parse_initiate(text: &str) -> Result<String> {
    let doc = parse(text, "InitiateMultipartUploadResult")?;
    let root = expect_root(&doc, "InitiateMultipartUploadResult")?;
    match child_text(root, "UploadId").map(str::trim) {
        Some(id) if !id.is_empty() => Ok(id.to_string()),
        _ => Err(Error::parse("InitiateMultipartUploadResult has no UploadId")),
    }
}

/// What COS says about a completed multipart upload (its CRC-64 comes in a header).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CompleteResult {
    pub location: String,
    pub etag: String,
}

pub(crate) fn parse_complete(text: &str) -> Result<CompleteResult> {
    let doc = parse(text, "CompleteMultipartUploadResult")?;
    let root = expect_root(&doc, "CompleteMultipartUploadResult")?;
    let etag = child_string(root, "ETag").unwrap_or_default();
    if etag.is_empty() {
        return Err(Error::parse("CompleteMultipartUploadResult has no ETag"));
    }
    Ok(CompleteResult { location: child_string(root, "Location").unwrap_or_default(), etag })
}

/// A part of a multipart upload, as uploaded or as listed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Part {
    pub part_number: u32,
    pub etag: String,
    pub size: u64,
    /// COS's CRC-64 of the part, when it reported one.
    pub crc64: Option<u64>,
    pub last_modified: String,
}

/// One page of ListParts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PartList {
    pub parts: Vec<Part>,
    pub is_truncated: bool,
    pub next_part_number_marker: u32,
    pub storage_class: String,
}

pub(crate) fn parse_part_list(text: &str) -> Result<PartList> {
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

/// One in-progress multipart upload.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UploadSummary {
    pub key: String,
    pub upload_id: String,
    pub initiated: String,
    pub storage_class: String,
}

/// One page of ListMultipartUploads, with keys decoded.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UploadList {
    pub uploads: Vec<UploadSummary>,
    pub common_prefixes: Vec<String>,
    pub is_truncated: bool,
    pub next_key_marker: Option<String>,
    pub next_upload_id_marker: Option<String>,
}

pub(crate) fn parse_upload_list(text: &str) -> Result<UploadList> {
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

/// The body of CompleteMultipartUpload: parts in ascending order.
pub(crate) fn complete_body(parts: &[(u32, &str)]) -> String {
    let mut s = String::from("<CompleteMultipartUpload>");
    for (n, etag) in parts {
        s += &format!("<Part><PartNumber>{n}</PartNumber><ETag>{}</ETag></Part>", escape(etag));
    }
    s + "</CompleteMultipartUpload>"
}

/// Escapes text for an XML element.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// The body of a DeleteObjects request.
pub(crate) fn delete_body(keys: &[&str], quiet: bool) -> String {
    let mut s = format!("<Delete><Quiet>{quiet}</Quiet>");
    for k in keys {
        s += &format!("<Object><Key>{}</Key></Object>", escape(k));
    }
    s + "</Delete>"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_body() {
        let body = "<?xml version='1.0' encoding='utf-8' ?>\n<Error>\n\t<Code>NoSuchKey</Code>\n\t<Message>The specified key does not exist.</Message>\n\t<Resource>b-1.cos.ap-guangzhou.myqcloud.com/k</Resource>\n\t<RequestId>NjQ=</RequestId>\n\t<TraceId>OGVm</TraceId>\n</Error>";
        let f = parse_error(body).unwrap();
        assert_eq!(f.code.as_deref(), Some("NoSuchKey"));
        assert_eq!(f.message.as_deref(), Some("The specified key does not exist."));
        assert_eq!(f.resource.as_deref(), Some("b-1.cos.ap-guangzhou.myqcloud.com/k"));
        assert_eq!(f.request_id.as_deref(), Some("NjQ="));
        assert_eq!(f.trace_id.as_deref(), Some("OGVm"));
        assert!(parse_error("not xml").is_none());
        assert!(parse_error("<Other/>").is_none());
        assert!(is_error_body(body));
    }

    #[test]
    fn doctype_is_refused() {
        let evil = "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"aaaa\">]><Error><Code>&a;</Code></Error>";
        assert!(parse_error(evil).is_none());
        assert!(parse_object_list(evil).is_err());
    }

    #[test]
    fn object_list_decodes_url_encoding() {
        let body = "<ListBucketResult><Name>b-1</Name><EncodingType>url</EncodingType><Prefix>a%20b%2F</Prefix><Marker></Marker><MaxKeys>2</MaxKeys><Delimiter>%2F</Delimiter><IsTruncated>true</IsTruncated><NextMarker>a%20b%2Fz</NextMarker><Contents><Key>a%20b%2F%E4%B8%AD%2B</Key><LastModified>2024-01-01T00:00:00.000Z</LastModified><ETag>\"x\"</ETag><Size>5</Size><Owner><ID>1</ID></Owner><StorageClass>STANDARD</StorageClass></Contents><CommonPrefixes><Prefix>a%20b%2Fd%2F</Prefix></CommonPrefixes></ListBucketResult>";
        let l = parse_object_list(body).unwrap();
        assert_eq!(l.prefix, "a b/");
        assert_eq!(l.delimiter.as_deref(), Some("/"));
        assert_eq!(l.objects[0].key, "a b/中+");
        assert_eq!(l.objects[0].size, 5);
        assert_eq!(l.common_prefixes, vec!["a b/d/"]);
        assert_eq!(l.next_marker.as_deref(), Some("a b/z"));
        assert!(l.is_truncated);
    }

    #[test]
    fn listed_plus_is_a_space_and_percent_2b_a_plus() {
        let page = |keys: &[&str]| {
            let contents: String =
                keys.iter().map(|k| format!("<Contents><Key>{k}</Key><Size>1</Size></Contents>")).collect();
            format!("<ListBucketResult><EncodingType>url</EncodingType><Prefix>p+q%20</Prefix>{contents}<CommonPrefixes><Prefix>d+e%2B%2F</Prefix></CommonPrefixes></ListBucketResult>")
        };
        let names =
            |body: &str| parse_object_list(body).unwrap().objects.into_iter().map(|o| o.key).collect::<Vec<_>>();
        // COS spelling and S3 (SeaweedFS) spelling of the keys `a b` and `a+b`.
        assert_eq!(names(&page(&["a%20b", "a%2Bb"])), vec!["a b", "a+b"]);
        assert_eq!(names(&page(&["a+b", "a%2Bb"])), vec!["a b", "a+b"]);
        let l = parse_object_list(&page(&[])).unwrap();
        assert_eq!((l.prefix.as_str(), l.common_prefixes[0].as_str()), ("p q ", "d e+/"));
        // Without encoding-type=url nothing is decoded.
        let raw = "<ListBucketResult><Contents><Key>a+b%20</Key></Contents></ListBucketResult>";
        assert_eq!(names(raw), vec!["a+b%20"]);
        // Uploads are decoded the same way.
        let uploads = "<ListMultipartUploadsResult><Encoding-Type>url</Encoding-Type><Upload><Key>a+b%2Bc</Key><UploadId>u</UploadId></Upload></ListMultipartUploadsResult>";
        assert_eq!(parse_upload_list(uploads).unwrap().uploads[0].key, "a b+c");
    }

    #[test]
    fn empty_bodies_are_named_as_such() {
        type Parser = fn(&str) -> Result<()>;
        let parsers: [(&str, Parser); 8] = [
            ("ListAllMyBucketsResult", |t| parse_bucket_list(t).map(drop)),
            ("ListBucketResult", |t| parse_object_list(t).map(drop)),
            ("DeleteResult", |t| parse_delete_result(t).map(drop)),
            ("CopyObjectResult", |t| parse_copy_result(t).map(drop)),
            ("InitiateMultipartUploadResult", |t| parse_initiate(t).map(drop)),
            ("CompleteMultipartUploadResult", |t| parse_complete(t).map(drop)),
            ("ListPartsResult", |t| parse_part_list(t).map(drop)),
            ("ListMultipartUploadsResult", |t| parse_upload_list(t).map(drop)),
        ];
        for (name, parser) in parsers {
            for body in ["", " \r\n\t"] {
                let e = parser(body).unwrap_err();
                assert_eq!(e.kind(), crate::ErrorKind::Parse, "{e:?}");
                let want = format!("where {name} XML was expected");
                assert!(e.message().starts_with("COS answered with an empty body"), "{name} {body:?}: {e:?}");
                assert!(e.message().contains(&want) && !e.message().contains("root node"), "{e:?}");
            }
        }
        assert!(parse_copy_answer("", "CopyPartResult").unwrap_err().message().contains("CopyPartResult XML"));
        // A body with something in it is still parsed (and its faults named as before).
        assert!(parse_copy_result("<x").unwrap_err().message().contains("malformed XML"));
        assert!(!is_error_body("") && parse_error("").is_none());
    }

    #[test]
    fn absurd_numbers_are_parse_errors() {
        let list = |size: &str| {
            parse_object_list(&format!(
                "<ListBucketResult><Contents><Key>k</Key><Size>{size}</Size></Contents></ListBucketResult>"
            ))
        };
        let parts = |n: &str, size: &str, next: &str| {
            parse_part_list(&format!("<ListPartsResult><NextPartNumberMarker>{next}</NextPartNumberMarker><Part><PartNumber>{n}</PartNumber><Size>{size}</Size></Part></ListPartsResult>"))
        };
        let copy = |crc: &str| {
            parse_copy_result(&format!("<CopyObjectResult><ETag>\"e\"</ETag><CRC64>{crc}</CRC64></CopyObjectResult>"))
        };
        let bad = ["18446744073709551616", "-1", "+1", "1.5", "1e9", "0x10", "ten", "1 2", ""];
        let mut errors = Vec::new();
        for b in bad {
            errors.push(list(b).unwrap_err());
            errors.push(parts("1", b, "1").unwrap_err());
            errors.push(parts(b, "1", "1").unwrap_err());
            errors.push(parts("1", "1", b).unwrap_err());
            errors.push(
                parse_object_list(&format!("<ListBucketResult><MaxKeys>{b}</MaxKeys></ListBucketResult>")).unwrap_err(),
            );
            if !b.is_empty() {
                errors.push(copy(b).unwrap_err());
            }
        }
        // In range for the type, absurd for COS: part numbers are 1..=10000, parts at most 5 GiB.
        for (n, size, next) in [
            ("0", "1", "1"),
            ("10001", "1", "1"),
            ("4294967295", "1", "1"),
            ("1", "5368709121", "1"),
            ("1", "1", "10001"),
        ] {
            errors.push(parts(n, size, next).unwrap_err());
        }
        errors
            .push(parse_object_list("<ListBucketResult><MaxKeys>4294967296</MaxKeys></ListBucketResult>").unwrap_err());
        for e in &errors {
            assert_eq!(e.kind(), crate::ErrorKind::Parse, "{e:?}");
            assert!(e.message().starts_with('<'), "the message names the element: {e:?}");
        }
        // The largest legal values, surrounding whitespace, and an absent or empty CRC64 are fine.
        assert_eq!(list(" 18446744073709551615\n").unwrap().objects[0].size, u64::MAX);
        let p = parts("10000", "5368709120", "10000").unwrap();
        assert_eq!((p.parts[0].part_number, p.parts[0].size, p.next_part_number_marker), (10000, 5 << 30, 10000));
        assert_eq!(copy("18446744073709551615").unwrap().crc64, Some(u64::MAX));
        assert_eq!(copy(" ").unwrap().crc64, None);
        assert_eq!(parse_copy_result("<CopyObjectResult><ETag>e</ETag></CopyObjectResult>").unwrap().crc64, None);
    }

    #[test]
    fn delete_body_escapes_keys() {
        assert_eq!(
            delete_body(&["a&b", "<c>"], true),
            "<Delete><Quiet>true</Quiet><Object><Key>a&amp;b</Key></Object><Object><Key>&lt;c&gt;</Key></Object></Delete>"
        );
    }
}
