//! Versioning documents: the bucket's versioning status (`?versioning`), the ListVersionsResult of
//! `?versions` (versions and delete markers in the order COS lists them), and DeleteObjects with a version
//! id per key, whose answer says which version went and whether a delete marker was made or removed.

use super::{child_string, child_text, escape, first_child, is_true, listed_name, number, read_root, root, Scalars};
use crate::error::{Error, Result};
use std::fmt;

/// A bucket's versioning state. A bucket starts `Unversioned` and can never return to it: once enabled,
/// versioning can only be suspended (new writes then replace the `null` version, old versions stay).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum VersioningStatus {
    /// Versioning was never enabled: COS answers `<VersioningConfiguration/>` with no `<Status>`.
    Unversioned,
    Enabled,
    Suspended,
}

impl VersioningStatus {
    /// COS's spelling (`Enabled`, `Suspended`); `None` for `Unversioned`, which has none.
    pub fn as_cos_str(self) -> Option<&'static str> {
        match self {
            VersioningStatus::Unversioned => None,
            VersioningStatus::Enabled => Some("Enabled"),
            VersioningStatus::Suspended => Some("Suspended"),
        }
    }
}

impl fmt::Display for VersioningStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_cos_str().unwrap_or("Unversioned"))
    }
}

/// The body of PUT Bucket versioning.
pub(crate) fn versioning_body(enabled: bool) -> String {
    let status = if enabled { "Enabled" } else { "Suspended" };
    format!("<VersioningConfiguration><Status>{status}</Status></VersioningConfiguration>")
}

/// A GET Bucket versioning answer. An absent or empty `<Status>` is a bucket that never had versioning; any
/// other word is a parse error rather than a guess, since callers decide whether versions exist from it.
pub(crate) fn parse_versioning(text: &str) -> Result<VersioningStatus> {
    let split = root(text, "VersioningConfiguration", &[])?;
    let mut scalars = Scalars::new(&["Status"]);
    read_root(&split, &mut scalars, &[])?;
    match scalars.get("Status").map(str::trim) {
        None | Some("") => Ok(VersioningStatus::Unversioned),
        Some("Enabled") => Ok(VersioningStatus::Enabled),
        Some("Suspended") => Ok(VersioningStatus::Suspended),
        Some(other) => Err(Error::parse(format!(
            "<Status> of the versioning configuration is {other:?}, neither Enabled nor Suspended"
        ))),
    }
}

/// One version of an object, or a delete marker, as listed by ListObjectVersions.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ObjectVersion {
    pub key: String,
    /// COS's id of this version; `null` for the version written while versioning was off or suspended.
    pub version_id: String,
    /// True for the current version of its key (a delete marker can be current: the key then reads as 404).
    pub is_latest: bool,
    /// True for a delete marker, which has no data: its `etag` and `storage_class` are empty, its `size` 0.
    pub is_delete_marker: bool,
    pub last_modified: String,
    pub etag: String,
    pub size: u64,
    pub storage_class: String,
    pub owner_id: Option<String>,
}

/// One page of ListObjectVersions, keys and markers decoded. `versions` holds versions and delete markers
/// in COS's order: keys ascending, each key's versions newest first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VersionList {
    pub bucket: String,
    pub prefix: String,
    pub key_marker: String,
    pub version_id_marker: String,
    pub delimiter: Option<String>,
    pub max_keys: u32,
    pub is_truncated: bool,
    /// Where the next page starts (with `next_version_id_marker`); filled in from the last entry when COS
    /// leaves them out of a truncated page.
    pub next_key_marker: Option<String>,
    pub next_version_id_marker: Option<String>,
    pub versions: Vec<ObjectVersion>,
    pub common_prefixes: Vec<String>,
}

impl VersionList {
    /// How many of the entries are delete markers.
    pub fn delete_marker_count(&self) -> usize {
        self.versions.iter().filter(|v| v.is_delete_marker).count()
    }
}

pub(crate) fn parse_version_list(text: &str) -> Result<VersionList> {
    let split = root(text, "ListVersionsResult", &[])?;
    let mut scalars = Scalars::new(&[
        "Name",
        "EncodingType",
        "Prefix",
        "KeyMarker",
        "VersionIdMarker",
        "MaxKeys",
        "Delimiter",
        "IsTruncated",
        "NextKeyMarker",
        "NextVersionIdMarker",
    ]);
    let counts = read_root(&split, &mut scalars, &["Version", "DeleteMarker", "CommonPrefixes"])?;
    let url_encoded = scalars.get("EncodingType").is_some_and(|t| t.eq_ignore_ascii_case("url"));
    let decode = |s: &str| listed_name(s, url_encoded);
    // Version ids are not names: COS never encodes them (they are base64-like and URL-safe).
    let plain = |name| scalars.get(name).unwrap_or("").trim().to_string();
    let mut versions = Vec::with_capacity(counts[0] + counts[1]);
    let mut common_prefixes = Vec::with_capacity(counts[2]);
    for child in split.children() {
        let child = child?;
        let marker = child.name == "DeleteMarker";
        match child.name {
            "Version" | "DeleteMarker" => versions.push(split.parse(&child, |v| {
                let version_id = child_text(v, "VersionId").unwrap_or("").trim();
                if version_id.is_empty() {
                    return Err(Error::parse(format!("a <{}> of ListVersionsResult has no <VersionId>", child.name)));
                }
                Ok(ObjectVersion {
                    key: decode(child_text(v, "Key").unwrap_or(""))?,
                    version_id: version_id.to_string(),
                    is_latest: is_true(child_text(v, "IsLatest")),
                    is_delete_marker: marker,
                    last_modified: child_string(v, "LastModified").unwrap_or_default(),
                    etag: if marker { String::new() } else { child_string(v, "ETag").unwrap_or_default() },
                    size: if marker { 0 } else { number("Size", child_text(v, "Size"))? },
                    storage_class: match marker {
                        true => String::new(),
                        false => child_string(v, "StorageClass").unwrap_or_else(|| "STANDARD".into()),
                    },
                    owner_id: first_child(v, "Owner").and_then(|o| child_string(o, "ID")),
                })
            })?),
            "CommonPrefixes" => {
                common_prefixes.push(split.parse(&child, |p| decode(child_text(p, "Prefix").unwrap_or("")))?)
            }
            _ => {}
        }
    }
    let name =
        |n| -> Result<Option<String>> { Ok(Some(decode(scalars.get(n).unwrap_or(""))?).filter(|s| !s.is_empty())) };
    Ok(VersionList {
        bucket: scalars.get("Name").unwrap_or_default().to_string(),
        prefix: name("Prefix")?.unwrap_or_default(),
        key_marker: name("KeyMarker")?.unwrap_or_default(),
        version_id_marker: plain("VersionIdMarker"),
        delimiter: name("Delimiter")?,
        max_keys: number("MaxKeys", scalars.get("MaxKeys"))?,
        is_truncated: is_true(scalars.get("IsTruncated")),
        next_key_marker: name("NextKeyMarker")?,
        next_version_id_marker: Some(plain("NextVersionIdMarker")).filter(|s| !s.is_empty()),
        versions,
        common_prefixes,
    })
}

/// One object version DeleteObjects removed (or, without a version id on a versioned bucket, the delete
/// marker it made).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeletedVersion {
    pub key: String,
    /// The version asked for, as COS echoes it; `None` when the request named none.
    pub version_id: Option<String>,
    /// True when the deletion made a delete marker, or removed one (a version id that named a marker).
    pub delete_marker: bool,
    /// The id of that delete marker.
    pub delete_marker_version_id: Option<String>,
}

/// A key (and version) COS could not delete.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VersionDeleteError {
    pub key: String,
    pub version_id: Option<String>,
    pub code: String,
    pub message: String,
}

/// The answer of DeleteObjects with version ids, key by key.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VersionDeleteResult {
    pub deleted: Vec<DeletedVersion>,
    pub errors: Vec<VersionDeleteError>,
}

/// The body of DeleteObjects: each key with its version id when it has one.
pub(crate) fn delete_versions_body(objects: &[(&str, Option<&str>)], quiet: bool) -> String {
    let mut s = format!("<Delete><Quiet>{quiet}</Quiet>");
    for (key, version) in objects {
        s += &format!("<Object><Key>{}</Key>", escape(key));
        if let Some(v) = version {
            s += &format!("<VersionId>{}</VersionId>", escape(v));
        }
        s += "</Object>";
    }
    s + "</Delete>"
}

pub(crate) fn parse_version_delete_result(text: &str) -> Result<VersionDeleteResult> {
    let split = root(text, "DeleteResult", &[])?;
    let counts = read_root(&split, &mut Scalars::new(&[]), &["Deleted", "Error"])?;
    let mut result =
        VersionDeleteResult { deleted: Vec::with_capacity(counts[0]), errors: Vec::with_capacity(counts[1]) };
    let optional = |s: Option<String>| s.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    for child in split.children() {
        let child = child?;
        match child.name {
            "Deleted" => result.deleted.push(split.parse(&child, |d| {
                Ok(DeletedVersion {
                    key: child_string(d, "Key").unwrap_or_default(),
                    version_id: optional(child_string(d, "VersionId")),
                    delete_marker: is_true(child_text(d, "DeleteMarker")),
                    delete_marker_version_id: optional(child_string(d, "DeleteMarkerVersionId")),
                })
            })?),
            "Error" => result.errors.push(split.parse(&child, |e| {
                Ok(VersionDeleteError {
                    key: child_string(e, "Key").unwrap_or_default(),
                    version_id: optional(child_string(e, "VersionId")),
                    code: child_string(e, "Code").unwrap_or_default(),
                    message: child_string(e, "Message").unwrap_or_default(),
                })
            })?),
            _ => {}
        }
    }
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::MAX_ENTRIES;

    #[test]
    fn versioning_status_round_trip() {
        assert_eq!(
            versioning_body(true),
            "<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>"
        );
        assert!(versioning_body(false).contains("<Status>Suspended</Status>"));
        let cos = "<?xml version='1.0' encoding='utf-8' ?>\n<VersioningConfiguration>\n\t<Status>Suspended</Status>\n</VersioningConfiguration>";
        assert_eq!(parse_versioning(cos).unwrap(), VersioningStatus::Suspended);
        assert_eq!(parse_versioning(&versioning_body(true)).unwrap(), VersioningStatus::Enabled);
        for never in ["<VersioningConfiguration/>", "<VersioningConfiguration><Status/></VersioningConfiguration>"] {
            assert_eq!(parse_versioning(never).unwrap(), VersioningStatus::Unversioned);
        }
        for bad in ["<VersioningConfiguration><Status>On</Status></VersioningConfiguration>", "<Other/>", ""] {
            assert_eq!(parse_versioning(bad).unwrap_err().kind(), crate::ErrorKind::Parse, "{bad}");
        }
        assert_eq!(VersioningStatus::Unversioned.to_string(), "Unversioned");
        assert_eq!(VersioningStatus::Enabled.as_cos_str(), Some("Enabled"));
    }

    /// The shape COS documents for GET Bucket Object versions, with url-encoded names.
    const PAGE: &str = "<?xml version='1.0' encoding='utf-8' ?>
<ListVersionsResult>
    <EncodingType>url</EncodingType>
    <Name>examplebucket-1250000000</Name>
    <Prefix>a%20b%2F</Prefix>
    <KeyMarker></KeyMarker>
    <VersionIdMarker></VersionIdMarker>
    <MaxKeys>3</MaxKeys>
    <Delimiter>%2F</Delimiter>
    <IsTruncated>true</IsTruncated>
    <NextKeyMarker>a%20b%2F%E4%B8%AD%2B</NextKeyMarker>
    <NextVersionIdMarker>MTg0NDUxNzc4MjM0NjQzMDA3MDY</NextVersionIdMarker>
    <CommonPrefixes><Prefix>a%20b%2Fdir%2F</Prefix></CommonPrefixes>
    <DeleteMarker>
        <Key>a%20b%2F%E4%B8%AD%2B</Key>
        <VersionId>MTg0NDUxNzc4MjM0NjQzMDA3MDg</VersionId>
        <IsLatest>true</IsLatest>
        <LastModified>2020-02-13T06:41:19.000Z</LastModified>
        <Owner><ID>1250000000</ID><DisplayName>1250000000</DisplayName></Owner>
    </DeleteMarker>
    <Version>
        <Key>a%20b%2F%E4%B8%AD%2B</Key>
        <VersionId>MTg0NDUxNzc4MjM0NjQzMDA3MDY</VersionId>
        <IsLatest>false</IsLatest>
        <LastModified>2020-02-13T06:41:18.000Z</LastModified>
        <ETag>&quot;ee8de918d05640145b18f70f4c3aa602&quot;</ETag>
        <Size>4</Size>
        <StorageClass>STANDARD_IA</StorageClass>
        <Owner><ID>1250000000</ID></Owner>
    </Version>
</ListVersionsResult>";

    #[test]
    fn version_list_keeps_order_and_decodes_names() {
        let l = parse_version_list(PAGE).unwrap();
        assert_eq!(l.bucket, "examplebucket-1250000000");
        assert_eq!((l.prefix.as_str(), l.delimiter.as_deref(), l.max_keys), ("a b/", Some("/"), 3));
        assert!(l.is_truncated);
        assert_eq!(l.next_key_marker.as_deref(), Some("a b/中+"));
        assert_eq!(l.next_version_id_marker.as_deref(), Some("MTg0NDUxNzc4MjM0NjQzMDA3MDY"));
        assert_eq!(l.common_prefixes, vec!["a b/dir/"]);
        assert_eq!(l.versions.len(), 2);
        let (m, v) = (&l.versions[0], &l.versions[1]);
        assert!(m.is_delete_marker && m.is_latest && m.etag.is_empty() && m.size == 0 && m.storage_class.is_empty());
        assert_eq!((m.key.as_str(), m.owner_id.as_deref()), ("a b/中+", Some("1250000000")));
        assert!(!v.is_delete_marker && !v.is_latest);
        assert_eq!(
            (v.etag.as_str(), v.size, v.storage_class.as_str()),
            ("\"ee8de918d05640145b18f70f4c3aa602\"", 4, "STANDARD_IA")
        );
        assert_eq!(v.version_id, "MTg0NDUxNzc4MjM0NjQzMDA3MDY");
        assert_eq!(l.delete_marker_count(), 1);
        // An empty listing of an unversioned bucket, without encoding.
        let empty = parse_version_list("<ListVersionsResult><Name>b-1</Name><Prefix/><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated></ListVersionsResult>").unwrap();
        assert!(empty.versions.is_empty() && empty.next_key_marker.is_none() && empty.delimiter.is_none());
    }

    #[test]
    fn version_list_refuses_what_no_cos_answer_holds() {
        let page = |inner: &str| parse_version_list(&format!("<ListVersionsResult>{inner}</ListVersionsResult>"));
        for bad in [
            "<Version><Key>k</Key><Size>1</Size></Version>",
            "<Version><Key>k</Key><VersionId>v</VersionId><Size>-1</Size></Version>",
            "<MaxKeys>x</MaxKeys>",
            "<EncodingType>url</EncodingType><Version><Key>%FF</Key><VersionId>v</VersionId></Version>",
        ] {
            assert_eq!(page(bad).unwrap_err().kind(), crate::ErrorKind::Parse, "{bad}");
        }
        assert!(parse_version_list("<ListBucketResult/>").unwrap_err().message().contains("ListVersionsResult"));
        let many = "<CommonPrefixes/>".repeat(MAX_ENTRIES + 1);
        assert!(page(&many).unwrap_err().message().contains("more than 100000 entries"));
    }

    /// Mutations of real shapes (cut, duplicated, garbled) never panic: each is a value or a parse error.
    #[test]
    fn mutated_answers_are_values_or_parse_errors() {
        let delete = "<DeleteResult><Deleted><Key>a</Key><VersionId>v</VersionId><DeleteMarker>true</DeleteMarker>\
                      </Deleted><Error><Key>b</Key><Code>c</Code></Error></DeleteResult>";
        let status = "<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>";
        let pieces = ["<", ">", "</Version>", "<Version>", "&amp;", "%", "%F", "-1", "true", "<VersionId/>", " "];
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        let mut parsed = 0;
        for input in [PAGE, delete, status] {
            for _ in 0..400 {
                let mut t = input.to_string();
                let cuts: Vec<usize> = (0..=t.len()).filter(|&i| t.is_char_boundary(i)).collect();
                let at = cuts[next(cuts.len())];
                if next(2) == 0 {
                    t.insert_str(at, pieces[next(pieces.len())]);
                } else {
                    let to = cuts.iter().copied().find(|&c| c > at + next(8)).unwrap_or(t.len());
                    t.replace_range(at..to, "");
                }
                for result in [
                    parse_version_list(&t).map(drop),
                    parse_version_delete_result(&t).map(drop),
                    parse_versioning(&t).map(drop),
                ] {
                    match result {
                        Ok(()) => parsed += 1,
                        Err(e) => assert_eq!(e.kind(), crate::ErrorKind::Parse, "{t:?}: {e:?}"),
                    }
                }
            }
        }
        assert!(parsed > 100, "most small mutations still parse: {parsed}");
    }

    #[test]
    fn delete_with_versions() {
        assert_eq!(
            delete_versions_body(&[("a&b", Some("v<1")), ("c", None)], false),
            "<Delete><Quiet>false</Quiet><Object><Key>a&amp;b</Key><VersionId>v&lt;1</VersionId></Object><Object><Key>c</Key></Object></Delete>"
        );
        let answer = "<DeleteResult>
            <Deleted><Key>a</Key><VersionId>MTg0</VersionId></Deleted>
            <Deleted><Key>b</Key><DeleteMarker>true</DeleteMarker><DeleteMarkerVersionId>MTg1</DeleteMarkerVersionId></Deleted>
            <Deleted><Key>c</Key><VersionId>MTg2</VersionId><DeleteMarker>true</DeleteMarker><DeleteMarkerVersionId>MTg2</DeleteMarkerVersionId></Deleted>
            <Error><Key>d</Key><VersionId>MTg3</VersionId><Code>AccessDenied</Code><Message>Access Denied</Message></Error>
        </DeleteResult>";
        let r = parse_version_delete_result(answer).unwrap();
        assert_eq!(r.deleted.len(), 3);
        assert_eq!(
            r.deleted[0],
            DeletedVersion { key: "a".into(), version_id: Some("MTg0".into()), ..Default::default() }
        );
        assert!(r.deleted[1].delete_marker && r.deleted[1].version_id.is_none());
        assert_eq!(r.deleted[1].delete_marker_version_id.as_deref(), Some("MTg1"));
        assert!(r.deleted[2].delete_marker);
        assert_eq!(
            r.errors,
            vec![VersionDeleteError {
                key: "d".into(),
                version_id: Some("MTg3".into()),
                code: "AccessDenied".into(),
                message: "Access Denied".into()
            }]
        );
        assert!(parse_version_delete_result("<Delete/>").is_err());
        assert!(parse_version_delete_result("").unwrap_err().message().contains("empty body"));
    }
}
