//! XML bodies: parsing COS answers with roxmltree (which refuses DOCTYPE, so no entity expansion), one
//! element at a time so that memory stays bounded (see `split`), and writing the few request bodies the
//! client sends.

mod acl;
mod cors;
mod lifecycle;
#[cfg(test)]
mod reference;
mod split;
mod tagging;
mod versions;

pub use acl::*;
pub use cors::*;
pub use lifecycle::*;
pub use tagging::*;

use crate::encode;
use crate::error::{Error, Result, ServiceFields};
use roxmltree::Node;
use split::{Child, Split, Unread};
pub(crate) use versions::{
    delete_versions_body, parse_version_delete_result, parse_version_list, parse_versioning, versioning_body,
};
pub use versions::{
    DeletedVersion, ObjectVersion, VersionDeleteError, VersionDeleteResult, VersionList, VersioningStatus,
};

/// The most entries (objects and common prefixes, parts, uploads, deleted keys, buckets) one answer may list.
/// COS lists at most 1000 a page; SeaweedFS at most 65535 (its max-keys is 16 bits). An entry costs about
/// 160 bytes of result whatever its size, so the cap also bounds what a page of empty entries costs.
pub(crate) const MAX_ENTRIES: usize = 100_000;

/// The error for a body with nothing in it (or only whitespace) where `expected` XML was expected. An empty
/// body is named as such (a server that answers 200 with nothing, as SeaweedFS does for some copies), not
/// as the XML parser's "no root node"; the caller's error then carries the HTTP status.
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

/// The answer `expected` (its root element's name, or one of `also`), split at its root's children.
fn root<'t>(text: &'t str, expected: &str, also: &[&str]) -> Result<Split<'t>> {
    let split = Split::document(text, expected)?;
    if split.name() != expected && !also.contains(&split.name()) {
        return Err(Error::parse(format!("expected <{expected}> from COS, got <{}>", split.name())));
    }
    Ok(split)
}

/// The texts of the root's children with these names, the first of each (what `child_text(root, name)`
/// gives on a whole document).
struct Scalars {
    names: &'static [&'static str],
    values: Vec<Option<String>>,
    /// Read without the size limit of an element (the message of an `<Error>` may be long).
    large: bool,
}

impl Scalars {
    fn new(names: &'static [&'static str]) -> Scalars {
        Scalars { names, values: vec![None; names.len()], large: false }
    }

    /// Reads `child` when it is the first of one of the names; false when it is not one of them.
    fn read<'t>(&mut self, split: &Split<'t>, child: &Child<'t>) -> Result<bool> {
        let Some(i) = self.names.iter().position(|n| *n == child.name) else { return Ok(false) };
        if self.values[i].is_some() {
            return Ok(false);
        }
        let text = |n: Node<'_, '_>| Ok(n.text().unwrap_or("").to_string());
        self.values[i] = Some(if self.large { split.parse_large(child, text)? } else { split.parse(child, text)? });
        Ok(true)
    }

    fn get(&self, name: &str) -> Option<&str> {
        let i = self.names.iter().position(|n| *n == name)?;
        self.values[i].as_deref()
    }
}

/// The first pass over the root's children: reads the scalars, counts the children named in `entries`
/// (left for a second pass; at most `MAX_ENTRIES` in all) and validates every other child. Returns the
/// count of each entry name.
fn read_root<'t>(split: &Split<'t>, scalars: &mut Scalars, entries: &[&str]) -> Result<Vec<usize>> {
    let mut counts = vec![0usize; entries.len()];
    let mut total = 0;
    let mut unread = Unread::default();
    for child in split.children() {
        let child = child?;
        if let Some(i) = entries.iter().position(|n| *n == child.name) {
            counts[i] += 1;
            total += 1;
            if total > MAX_ENTRIES {
                return Err(too_many(split.name()));
            }
        } else if !scalars.read(split, &child)? {
            unread.add(split, &child)?;
        }
    }
    unread.flush(split)?;
    Ok(counts)
}

fn too_many(root: &str) -> Error {
    Error::parse(format!("<{root}> lists more than {MAX_ENTRIES} entries, which no COS answer does"))
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

fn is_true(text: Option<&str>) -> bool {
    text.is_some_and(|t| t.trim().eq_ignore_ascii_case("true"))
}

/// The unsigned number in element `name` whose text is `text` (0 when the element is absent). Anything else
/// (negative, a `+`, too large for `T`, not digits) is a parse error: a server's absurd number is never taken
/// for a caller's mistake later on.
fn number<T: std::str::FromStr>(name: &str, text: Option<&str>) -> Result<T> {
    let text = text.unwrap_or("0").trim();
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::parse(format!("<{name}> is not an unsigned number: {text:?}")));
    }
    text.parse().map_err(|_| {
        Error::parse(format!("<{name}> {text:?} is too large (at most {} bits)", 8 * std::mem::size_of::<T>()))
    })
}

/// An optional number: `None` when the element is absent or empty, otherwise as [`number`].
fn optional_number<T: std::str::FromStr>(name: &str, text: Option<&str>) -> Result<Option<T>> {
    match text.map(str::trim) {
        None | Some("") => Ok(None),
        Some(_) => number(name, text).map(Some),
    }
}

/// `number`, which must also lie in `range` (part numbers, part sizes).
fn number_in<T>(name: &str, text: Option<&str>, range: std::ops::RangeInclusive<T>) -> Result<T>
where
    T: std::str::FromStr + PartialOrd + std::fmt::Display,
{
    let n = number(name, text)?;
    if !range.contains(&n) {
        let (lo, hi) = (range.start(), range.end());
        return Err(Error::parse(format!("<{name}> {n} is outside {lo}..={hi}, which no COS answer is")));
    }
    Ok(n)
}

/// The fields of a COS `<Error>` body; `None` when the body is not one.
pub(crate) fn parse_error(text: &str) -> Option<ServiceFields> {
    let split = Split::document(text, "Error").ok()?;
    if split.name() != "Error" {
        return None;
    }
    let mut scalars = Scalars::new(&["Code", "Message", "Resource", "RequestId", "TraceId"]);
    scalars.large = true;
    read_root(&split, &mut scalars, &[]).ok()?;
    let field = |name| scalars.get(name).filter(|s| !s.is_empty()).map(str::to_string);
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
    parse_error(text).is_some()
}

/// One bucket of a ListBuckets answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BucketSummary {
    pub name: String,
    pub region: String,
    pub creation_date: String,
    /// `cos`, or `ofs` for a bucket created with the OFS configuration (absent when COS does not say).
    pub bucket_type: Option<String>,
}

/// A ListBuckets answer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BucketList {
    /// The account: its CAM principal (`qcs::cam::uin/...`) and its display name.
    pub owner_id: Option<String>,
    pub owner_display_name: Option<String>,
    pub buckets: Vec<BucketSummary>,
    pub is_truncated: bool,
    pub next_marker: Option<String>,
}

pub(crate) fn parse_bucket_list(text: &str) -> Result<BucketList> {
    let split = root(text, "ListAllMyBucketsResult", &[])?;
    let mut scalars = Scalars::new(&["IsTruncated", "NextMarker"]);
    read_root(&split, &mut scalars, &["Buckets", "Owner"])?;
    let (mut buckets, mut owner, mut owner_seen) = (Vec::new(), (None, None), false);
    let mut unread = Unread::default();
    for child in split.children() {
        let child = child?;
        match child.name {
            // `<Buckets>` holds every bucket of the page: split further, a `<Bucket>` at a time.
            "Buckets" => {
                let list = split.nested(&child)?;
                let mut unread_in_list = Unread::default();
                for b in list.children() {
                    let b = b?;
                    if b.name != "Bucket" {
                        unread_in_list.add(&list, &b)?;
                        continue;
                    }
                    if buckets.len() == MAX_ENTRIES {
                        return Err(too_many("Buckets"));
                    }
                    buckets.push(list.parse(&b, |b| {
                        Ok(BucketSummary {
                            name: child_string(b, "Name").unwrap_or_default(),
                            region: child_string(b, "Location").unwrap_or_default(),
                            creation_date: child_string(b, "CreationDate").unwrap_or_default(),
                            bucket_type: child_string(b, "BucketType").filter(|s| !s.is_empty()),
                        })
                    })?);
                }
                unread_in_list.flush(&list)?;
            }
            "Owner" if !owner_seen => {
                owner_seen = true;
                owner = split.parse(&child, |o| Ok((child_string(o, "ID"), child_string(o, "DisplayName"))))?;
            }
            "Owner" => unread.add(&split, &child)?,
            _ => {}
        }
    }
    unread.flush(&split)?;
    Ok(BucketList {
        owner_id: owner.0,
        owner_display_name: owner.1,
        buckets,
        is_truncated: is_true(scalars.get("IsTruncated")),
        next_marker: scalars.get("NextMarker").filter(|s| !s.is_empty()).map(str::to_string),
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
    let split = root(text, "ListBucketResult", &[])?;
    let mut scalars = Scalars::new(&[
        "Name",
        "EncodingType",
        "Prefix",
        "Marker",
        "Delimiter",
        "MaxKeys",
        "IsTruncated",
        "NextMarker",
    ]);
    // The entries are read once the encoding is known.
    let counts = read_root(&split, &mut scalars, &["Contents", "CommonPrefixes"])?;
    let url_encoded = scalars.get("EncodingType").is_some_and(|t| t.eq_ignore_ascii_case("url"));
    let decode = |s: &str| listed_name(s, url_encoded);
    let field = |name| decode(scalars.get(name).unwrap_or(""));
    let mut objects = Vec::with_capacity(counts[0]);
    let mut common_prefixes = Vec::with_capacity(counts[1]);
    for child in split.children() {
        let child = child?;
        match child.name {
            "Contents" => objects.push(split.parse(&child, |c| {
                Ok(ObjectSummary {
                    key: decode(child_text(c, "Key").unwrap_or(""))?,
                    size: number("Size", child_text(c, "Size"))?,
                    etag: child_string(c, "ETag").unwrap_or_default(),
                    last_modified: child_string(c, "LastModified").unwrap_or_default(),
                    storage_class: child_string(c, "StorageClass").unwrap_or_else(|| "STANDARD".into()),
                    owner_id: first_child(c, "Owner").and_then(|o| child_string(o, "ID")),
                })
            })?),
            "CommonPrefixes" => {
                common_prefixes.push(split.parse(&child, |p| decode(child_text(p, "Prefix").unwrap_or("")))?)
            }
            _ => {}
        }
    }
    Ok(ObjectList {
        bucket: scalars.get("Name").unwrap_or_default().to_string(),
        prefix: field("Prefix")?,
        marker: field("Marker")?,
        delimiter: Some(field("Delimiter")?).filter(|d| !d.is_empty()),
        max_keys: number("MaxKeys", scalars.get("MaxKeys"))?,
        is_truncated: is_true(scalars.get("IsTruncated")),
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

/// The keys-only view of the DeleteObjects answer (the versioned parser reads the same elements).
pub(crate) fn parse_delete_result(text: &str) -> Result<DeleteResult> {
    let full = parse_version_delete_result(text)?;
    Ok(DeleteResult {
        deleted: full.deleted.into_iter().map(|d| d.key).collect(),
        errors: full.errors.into_iter().map(|e| DeleteError { key: e.key, code: e.code, message: e.message }).collect(),
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
    let split = Split::document(text, expected)?;
    if !matches!(split.name(), "CopyObjectResult" | "CopyPartResult") {
        return Err(Error::parse(format!("expected <CopyObjectResult> from COS, got <{}>", split.name())));
    }
    let mut scalars = Scalars::new(&["ETag", "LastModified", "CRC64"]);
    read_root(&split, &mut scalars, &[])?;
    let etag = scalars.get("ETag").unwrap_or_default().to_string();
    if etag.is_empty() {
        return Err(Error::parse("CopyObjectResult has no ETag"));
    }
    Ok(CopyResult {
        etag,
        last_modified: scalars.get("LastModified").unwrap_or_default().to_string(),
        crc64: optional_number("CRC64", scalars.get("CRC64"))?,
    })
}

pub(crate) fn parse_initiate(text: &str) -> Result<String> {
    let split = root(text, "InitiateMultipartUploadResult", &[])?;
    let mut scalars = Scalars::new(&["UploadId"]);
    read_root(&split, &mut scalars, &[])?;
    match scalars.get("UploadId").map(str::trim) {
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
    let split = root(text, "CompleteMultipartUploadResult", &[])?;
    let mut scalars = Scalars::new(&["Location", "ETag"]);
    read_root(&split, &mut scalars, &[])?;
    let etag = scalars.get("ETag").unwrap_or_default().to_string();
    if etag.is_empty() {
        return Err(Error::parse("CompleteMultipartUploadResult has no ETag"));
    }
    Ok(CompleteResult { location: scalars.get("Location").unwrap_or_default().to_string(), etag })
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
    let split = root(text, "ListPartsResult", &[])?;
    let mut scalars = Scalars::new(&["IsTruncated", "NextPartNumberMarker", "StorageClass"]);
    let counts = read_root(&split, &mut scalars, &["Part"])?;
    let mut parts = Vec::with_capacity(counts[0]);
    for child in split.children() {
        let child = child?;
        if child.name == "Part" {
            parts.push(split.parse(&child, |p| {
                Ok(Part {
                    part_number: number_in("PartNumber", child_text(p, "PartNumber"), 1..=crate::MAX_PARTS)?,
                    etag: child_string(p, "ETag").unwrap_or_default(),
                    size: number_in("Size", child_text(p, "Size"), 0..=crate::MAX_PART_SIZE)?,
                    crc64: None,
                    last_modified: child_string(p, "LastModified").unwrap_or_default(),
                })
            })?);
        }
    }
    Ok(PartList {
        parts,
        is_truncated: is_true(scalars.get("IsTruncated")),
        next_part_number_marker: number_in(
            "NextPartNumberMarker",
            scalars.get("NextPartNumberMarker"),
            0..=crate::MAX_PARTS,
        )?,
        storage_class: scalars.get("StorageClass").unwrap_or_default().to_string(),
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
    let split = root(text, "ListMultipartUploadsResult", &[])?;
    let mut scalars =
        Scalars::new(&["EncodingType", "Encoding-Type", "IsTruncated", "NextKeyMarker", "NextUploadIdMarker"]);
    let counts = read_root(&split, &mut scalars, &["Upload", "CommonPrefixes"])?;
    let url_encoded =
        ["EncodingType", "Encoding-Type"].iter().any(|n| scalars.get(n).is_some_and(|t| t.eq_ignore_ascii_case("url")));
    let decode = |s: &str| listed_name(s, url_encoded);
    let mut uploads = Vec::with_capacity(counts[0]);
    let mut common_prefixes = Vec::with_capacity(counts[1]);
    for child in split.children() {
        let child = child?;
        match child.name {
            "Upload" => uploads.push(split.parse(&child, |u| {
                Ok(UploadSummary {
                    key: decode(child_text(u, "Key").unwrap_or(""))?,
                    upload_id: child_string(u, "UploadId").unwrap_or_default(),
                    initiated: child_string(u, "Initiated").unwrap_or_default(),
                    storage_class: child_string(u, "StorageClass").unwrap_or_default(),
                })
            })?),
            "CommonPrefixes" => {
                common_prefixes.push(split.parse(&child, |p| decode(child_text(p, "Prefix").unwrap_or("")))?)
            }
            _ => {}
        }
    }
    let marker = |name| -> Result<Option<String>> {
        Ok(Some(decode(scalars.get(name).unwrap_or(""))?).filter(|m| !m.is_empty()))
    };
    Ok(UploadList {
        uploads,
        common_prefixes,
        is_truncated: is_true(scalars.get("IsTruncated")),
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

    /// Every parser gives what the whole-document parsers gave (`reference`), value for value, on the fuzz
    /// seeds and thousands of deterministic mutations of them; only error messages may differ.
    #[test]
    fn split_parsers_agree_with_the_whole_document_parsers() {
        let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
        let mut inputs = Vec::new();
        for dir in std::fs::read_dir(&corpus).unwrap() {
            let dir = dir.unwrap().path();
            if dir.file_name().unwrap().to_string_lossy().starts_with("xml_") {
                for f in std::fs::read_dir(dir).unwrap() {
                    inputs.push(String::from_utf8_lossy(&std::fs::read(f.unwrap().path()).unwrap()).into_owned());
                }
            }
        }
        let pieces =
            ["<", ">", "</", "/>", "&amp;", "<!---->", "<![CDATA[x]]>", " ", "%2B", "+", "1", "-", "url", "true"];
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut next = |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n.max(1) as u64) as usize
        };
        let fields = |f: Option<ServiceFields>| f.map(|f| (f.code, f.message, f.resource, f.request_id, f.trace_id));
        let mut checked = 0;
        for input in &inputs {
            for round in 0..200 {
                let mut t = input.clone();
                if round > 0 {
                    for _ in 0..=next(2) {
                        let cuts: Vec<usize> = (0..=t.len()).filter(|&i| t.is_char_boundary(i)).collect();
                        let at = cuts[next(cuts.len())];
                        if next(2) == 0 {
                            t.insert_str(at, pieces[next(pieces.len())]);
                        } else {
                            let to = cuts.iter().copied().find(|&c| c >= at + 1 + next(6)).unwrap_or(t.len());
                            t.replace_range(at..to, "");
                        }
                    }
                }
                assert_eq!(fields(parse_error(&t)), fields(reference::parse_error(&t)), "{t:?}");
                assert_eq!(is_error_body(&t), reference::is_error_body(&t), "{t:?}");
                assert_eq!(parse_bucket_list(&t).ok(), reference::parse_bucket_list(&t).ok(), "{t:?}");
                assert_eq!(parse_object_list(&t).ok(), reference::parse_object_list(&t).ok(), "{t:?}");
                assert_eq!(parse_delete_result(&t).ok(), reference::parse_delete_result(&t).ok(), "{t:?}");
                assert_eq!(parse_copy_result(&t).ok(), reference::parse_copy_result(&t).ok(), "{t:?}");
                assert_eq!(parse_initiate(&t).ok(), reference::parse_initiate(&t).ok(), "{t:?}");
                assert_eq!(parse_complete(&t).ok(), reference::parse_complete(&t).ok(), "{t:?}");
                assert_eq!(parse_part_list(&t).ok(), reference::parse_part_list(&t).ok(), "{t:?}");
                assert_eq!(parse_upload_list(&t).ok(), reference::parse_upload_list(&t).ok(), "{t:?}");
                checked += 1;
            }
        }
        assert!(checked > 5_000, "{checked}");
    }

    #[test]
    fn split_parsing_limits_are_parse_errors() {
        let list = |inner: &str| parse_object_list(&format!("<ListBucketResult>{inner}</ListBucketResult>"));
        let err = |inner: &str| {
            let e = list(inner).unwrap_err();
            assert_eq!(e.kind(), crate::ErrorKind::Parse, "{e:?}");
            e.message().to_string()
        };
        // One element larger than 64 KiB.
        let big = format!("<Contents><Key>{}</Key></Contents>", "k".repeat(64 << 10));
        assert!(err(&big).contains("<Contents> in <ListBucketResult> is"), "{}", err(&big));
        assert_eq!(
            list(&format!("<Contents><Key>{}</Key></Contents>", "k".repeat(60 << 10))).unwrap().objects.len(),
            1
        );
        // One element of more than 10 000 nodes, though small.
        let dense = format!("<Contents><Key>k</Key>{}</Contents>", "<a/>".repeat(10_001));
        assert!(err(&dense).contains("more than 10000 XML nodes"), "{}", err(&dense));
        // More entries than any answer lists.
        let many = "<CommonPrefixes/>".repeat(MAX_ENTRIES + 1);
        assert!(err(&many).contains("more than 100000 entries"), "{}", err(&many));
        assert_eq!(list(&"<CommonPrefixes/>".repeat(1000)).unwrap().common_prefixes.len(), 1000);
        // More than 64 KiB outside the entries; whitespace between them does not count.
        let text = format!("{}<Contents/>", "t".repeat(64 << 10));
        assert!(err(&text).contains("outside the elements"), "{}", err(&text));
        let spaced =
            format!("<Contents><Key>a</Key></Contents>{}<Contents><Key>b</Key></Contents>", " \n".repeat(64 << 10));
        assert_eq!(list(&spaced).unwrap().objects.len(), 2);
        // An unread element is checked too.
        assert!(err("<Unknown><a></b></Unknown>").contains("malformed XML"));
        assert!(
            err(&format!("<Unknown>{}</Unknown>", "u".repeat(64 << 10))).contains("<Unknown> in <ListBucketResult>")
        );
    }

    #[test]
    fn markup_cannot_hide_or_invent_entries() {
        let body = "<?xml version='1.0' encoding='utf-8' ?><!-- <ListBucketResult> -->\
            <ListBucketResult xmlns:s3='urn:x'><!-- <Contents><Key>fake</Key></Contents> -->\
            <s3:Contents a='>' b=\"/>\"><Key><![CDATA[a</Key><Key>b]]></Key></s3:Contents>\
            <?pi <Contents>?>text &amp; more<Contents><Key>c&lt;</Key></Contents></ListBucketResult><!-- end -->";
        let l = parse_object_list(body).unwrap();
        assert_eq!(l.objects.iter().map(|o| o.key.as_str()).collect::<Vec<_>>(), vec!["a</Key><Key>b", "c<"]);
        assert_eq!(Some(l), reference::parse_object_list(body).ok());
        // A DTD is refused, with or without entities.
        for dtd in ["<!DOCTYPE ListBucketResult [<!ENTITY e 'x'>]>", "<!DOCTYPE ListBucketResult>"] {
            let e = parse_object_list(&format!("{dtd}<ListBucketResult/>")).unwrap_err();
            assert!(e.message().contains("DTD"), "{e:?}");
        }
    }

    #[test]
    fn delete_body_escapes_keys() {
        assert_eq!(
            delete_versions_body(&[("a&b", None), ("<c>", None)], true),
            "<Delete><Quiet>true</Quiet><Object><Key>a&amp;b</Key></Object><Object><Key>&lt;c&gt;</Key></Object></Delete>"
        );
    }
}
