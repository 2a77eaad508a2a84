//! Per-request options: headers COS understands (content type, metadata, storage class, ACL, encryption,
//! traffic limit, conditions, range) and any extra header or query parameter.

use crate::error::{Error, Result};
use crate::headers::{strip_meta_prefix, META_PREFIX};
use base64::Engine;
use md5::{Digest, Md5};

/// Options for one request. Every setter validates its input; the same options can be reused.
#[derive(Clone, Debug)]
pub struct RequestOptions {
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) content_md5: bool,
    pub(crate) verify_crc: bool,
    /// Bytes `first..=last` of the source of a part-copy (`x-cos-copy-source-range`).
    pub(crate) copy_source_range: Option<(u64, u64)>,
    /// The version of a copy's source (`?versionId=` on `x-cos-copy-source`, and the managed copy's HEAD).
    pub(crate) copy_source_version_id: Option<String>,
}

impl Default for RequestOptions {
    fn default() -> Self {
        RequestOptions {
            headers: Vec::new(),
            query: Vec::new(),
            content_md5: false,
            verify_crc: true,
            copy_source_range: None,
            copy_source_version_id: None,
        }
    }
}

/// A header value may hold any character but the controls (HTAB excepted): CR and LF would end the header
/// and start another one of the caller's making (header injection), and the others are not allowed in HTTP.
fn check_value(name: &str, value: &str) -> Result<()> {
    if let Some(b) = value.bytes().find(|&b| (b < 0x20 && b != b'\t') || b == 0x7f) {
        return Err(Error::invalid(format!(
            "the value of header {name:?} contains the control character {:?}; header values must not contain \
             CR, LF, NUL or other control characters",
            char::from(b)
        )));
    }
    // COS documents no encoding for non-ASCII user metadata (cos-protocol.md lists only the name's
    // characters); sent raw, the UTF-8 bytes come back to other clients as Latin-1 garbage, and an encoding
    // chosen here would come back to them as its literal text. So it is refused, and the caller picks an
    // encoding it can also undo on the way back.
    if is_metadata(name) && !value.is_ascii() {
        return Err(Error::invalid(format!(
            "the value of metadata header {name:?} is not ASCII; COS defines no encoding for non-ASCII \
             metadata and other clients would read the raw UTF-8 as Latin-1, so encode the value (for \
             example percent-encode it) before setting it"
        )));
    }
    Ok(())
}

fn is_metadata(name: &str) -> bool {
    name.get(..META_PREFIX.len()).is_some_and(|p| p.eq_ignore_ascii_case(META_PREFIX))
}

fn check_token(what: &str, name: &str) -> Result<()> {
    let ok = !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(format!("{what} {name:?} is not a valid HTTP header name")))
    }
}

impl RequestOptions {
    pub fn new() -> RequestOptions {
        RequestOptions::default()
    }

    /// Sets header `name` to `value`, replacing an earlier value of the same name (any case).
    pub fn header(&mut self, name: &str, value: &str) -> Result<&mut Self> {
        check_token("header name", name)?;
        check_value(name, value)?;
        let reserved = ["host", "authorization", "content-length", "x-cos-security-token", "transfer-encoding"];
        if reserved.iter().any(|r| r.eq_ignore_ascii_case(name)) {
            return Err(Error::invalid(format!("header {name:?} is set by the client itself")));
        }
        self.headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
        self.headers.push((name.to_string(), value.to_string()));
        Ok(self)
    }

    /// Adds query parameter `name=value` (the value may be empty), replacing an earlier one of that name.
    pub fn query(&mut self, name: &str, value: &str) -> Result<&mut Self> {
        if name.is_empty() {
            return Err(Error::invalid("query parameter name must not be empty"));
        }
        self.query.retain(|(k, _)| k != name);
        self.query.push((name.to_string(), value.to_string()));
        Ok(self)
    }

    pub fn content_type(&mut self, value: &str) -> Result<&mut Self> {
        self.header("Content-Type", value)
    }
    pub fn content_disposition(&mut self, value: &str) -> Result<&mut Self> {
        self.header("Content-Disposition", value)
    }
    pub fn content_encoding(&mut self, value: &str) -> Result<&mut Self> {
        self.header("Content-Encoding", value)
    }
    pub fn cache_control(&mut self, value: &str) -> Result<&mut Self> {
        self.header("Cache-Control", value)
    }
    pub fn expires(&mut self, value: &str) -> Result<&mut Self> {
        self.header("Expires", value)
    }
    /// `Expires` as the HTTP date of `unix_seconds` (UTC), for callers that hold a time, not a date string.
    pub fn expires_unix(&mut self, unix_seconds: i64) -> Result<&mut Self> {
        let secs = u64::try_from(unix_seconds)
            .map_err(|_| Error::invalid(format!("expires: {unix_seconds} is before 1970; give a Unix time >= 0")))?;
        let at = std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs);
        self.header("Expires", &httpdate::fmt_http_date(at))
    }

    /// User metadata `x-cos-meta-<name>`; `name` may be given with or without the prefix. The value must be
    /// ASCII: COS defines no encoding for other text, so encode it yourself (e.g. [`crate::encode::component`])
    /// and decode it after reading it back; a non-ASCII value is refused (`InvalidArgument`).
    pub fn metadata(&mut self, name: &str, value: &str) -> Result<&mut Self> {
        let bare = strip_meta_prefix(name);
        if bare.is_empty() {
            return Err(Error::invalid("metadata name must not be empty"));
        }
        self.header(&format!("x-cos-meta-{bare}"), value)
    }

    /// `STANDARD`, `STANDARD_IA`, `ARCHIVE`, `DEEP_ARCHIVE`, `INTELLIGENT_TIERING`, `MAZ_STANDARD`, ...
    pub fn storage_class(&mut self, class: &str) -> Result<&mut Self> {
        self.header("x-cos-storage-class", class)
    }
    /// Canned ACL: `private`, `public-read`, `public-read-write`, `default`.
    pub fn acl(&mut self, acl: &str) -> Result<&mut Self> {
        self.header("x-cos-acl", acl)
    }
    pub fn grant_read(&mut self, grantees: &str) -> Result<&mut Self> {
        self.header("x-cos-grant-read", grantees)
    }
    pub fn grant_write(&mut self, grantees: &str) -> Result<&mut Self> {
        self.header("x-cos-grant-write", grantees)
    }
    pub fn grant_full_control(&mut self, grantees: &str) -> Result<&mut Self> {
        self.header("x-cos-grant-full-control", grantees)
    }
    /// Object tags, `k1=v1&k2=v2`.
    pub fn tagging(&mut self, tags: &str) -> Result<&mut Self> {
        self.header("x-cos-tagging", tags)
    }

    /// Tags of the object an upload creates (`x-cos-tagging`, each key and value URL-encoded), checked
    /// against COS's limit of 10 per object.
    pub fn tags(&mut self, tags: &crate::TagSet) -> Result<&mut Self> {
        tags.check_for(crate::xml::TagTarget::Object)?;
        self.header("x-cos-tagging", &tags.header_value())
    }

    /// Grants `permission` to `grantees` (`x-cos-grant-read`, ...): a comma-separated list such as
    /// `id="100000000001",id="qcs::cam::uin/100000000001:uin/100000000011",uri="http://cam.qcloud.com/groups/global/AllUsers"`.
    /// For ACL puts, object and bucket creation and uploads.
    pub fn grant(&mut self, permission: crate::Permission, grantees: &str) -> Result<&mut Self> {
        if grantees.trim().is_empty() {
            return Err(Error::invalid(format!("the grantees of {} are empty", permission.header())));
        }
        self.header(permission.header(), grantees)
    }

    /// Server-side encryption with COS-managed keys: `AES256` or `cos/kms` (then optionally a KMS key id).
    pub fn server_side_encryption(&mut self, algorithm: &str, kms_key_id: Option<&str>) -> Result<&mut Self> {
        self.header("x-cos-server-side-encryption", algorithm)?;
        if let Some(id) = kms_key_id {
            self.header("x-cos-server-side-encryption-cos-kms-key-id", id)?;
        }
        Ok(self)
    }

    /// Server-side encryption with a customer key (SSE-C): the 32-byte AES-256 key; its MD5 is computed here.
    pub fn sse_customer_key(&mut self, key: &[u8]) -> Result<&mut Self> {
        if key.len() != 32 {
            return Err(Error::invalid(format!("SSE-C key must be 32 bytes, got {}", key.len())));
        }
        let b64 = base64::engine::general_purpose::STANDARD;
        self.header("x-cos-server-side-encryption-customer-algorithm", "AES256")?;
        self.header("x-cos-server-side-encryption-customer-key", &b64.encode(key))?;
        self.header("x-cos-server-side-encryption-customer-key-MD5", &b64.encode(Md5::digest(key)))
    }

    /// Bandwidth limit in bit/s (COS accepts 819200 to 838860800).
    pub fn traffic_limit(&mut self, bits_per_second: u64) -> Result<&mut Self> {
        if !(819_200..=838_860_800).contains(&bits_per_second) {
            return Err(Error::invalid(format!(
                "traffic limit must be 819200..=838860800 bit/s, got {bits_per_second}"
            )));
        }
        self.header("x-cos-traffic-limit", &bits_per_second.to_string())
    }

    /// Reads bytes `first..=last` (`last` = `None`: to the end).
    pub fn range(&mut self, first: u64, last: Option<u64>) -> Result<&mut Self> {
        let value = match last {
            Some(l) if l < first => return Err(Error::invalid(format!("range end {l} is before its start {first}"))),
            Some(l) => format!("bytes={first}-{l}"),
            None => format!("bytes={first}-"),
        };
        self.header("Range", &value)
    }

    pub fn if_match(&mut self, etag: &str) -> Result<&mut Self> {
        self.header("If-Match", etag)
    }
    pub fn if_none_match(&mut self, etag: &str) -> Result<&mut Self> {
        self.header("If-None-Match", etag)
    }
    /// An HTTP date such as `Wed, 21 Oct 2015 07:28:00 GMT`.
    pub fn if_modified_since(&mut self, http_date: &str) -> Result<&mut Self> {
        self.header("If-Modified-Since", http_date)
    }
    pub fn if_unmodified_since(&mut self, http_date: &str) -> Result<&mut Self> {
        self.header("If-Unmodified-Since", http_date)
    }

    /// Addresses one version of an object (versioned buckets).
    pub fn version_id(&mut self, id: &str) -> Result<&mut Self> {
        self.query("versionId", id)
    }

    /// Overrides a response header of a GET: `content-type`, `content-language`, `expires`, `cache-control`,
    /// `content-disposition` or `content-encoding`.
    pub fn response_header(&mut self, name: &str, value: &str) -> Result<&mut Self> {
        const ALLOWED: [&str; 6] =
            ["content-type", "content-language", "expires", "cache-control", "content-disposition", "content-encoding"];
        let lower = name.to_ascii_lowercase();
        if !ALLOWED.contains(&lower.as_str()) {
            return Err(Error::invalid(format!("{name:?} cannot be overridden in a response")));
        }
        self.query(&format!("response-{lower}"), value)
    }

    /// For copies: `Copy` (keep the source's metadata, the default) or `Replaced` (use this request's).
    pub fn metadata_directive(&mut self, directive: &str) -> Result<&mut Self> {
        if directive != "Copy" && directive != "Replaced" {
            return Err(Error::invalid(format!("metadata directive must be Copy or Replaced, got {directive:?}")));
        }
        self.header("x-cos-metadata-directive", directive)
    }

    /// Sends `Content-MD5` with uploads, so COS rejects a body damaged on the way (`BadDigest`).
    pub fn content_md5(&mut self, on: bool) -> &mut Self {
        self.content_md5 = on;
        self
    }

    /// For a part-copy (`upload_part_copy`): copy bytes `first..=last` of the source instead of all of it.
    pub fn copy_source_range(&mut self, first: u64, last: u64) -> Result<&mut Self> {
        if last < first {
            return Err(Error::invalid(format!("copy range end {last} is before its start {first}")));
        }
        self.copy_source_range = Some((first, last));
        Ok(self)
    }

    /// For copies (`copy_object`, `upload_part_copy`, the managed `copy`): copy this version of the source
    /// instead of its current one. Unlike [`RequestOptions::version_id`], which addresses the object a
    /// request acts on, this names the source, so a copy can restore an old version over the current one.
    pub fn copy_source_version_id(&mut self, id: &str) -> Result<&mut Self> {
        if id.trim().is_empty() {
            return Err(Error::invalid("copy source version id must not be empty"));
        }
        check_value("x-cos-copy-source", id)?;
        self.copy_source_version_id = Some(id.to_string());
        Ok(self)
    }

    /// Checks the CRC-64 of uploaded and downloaded bodies against COS's (on by default).
    pub fn verify_crc(&mut self, on: bool) -> &mut Self {
        self.verify_crc = on;
        self
    }

    /// The subset that applies to each part of a multipart transfer: the traffic limit, SSE-C key headers,
    /// the version id, and the integrity switches (object metadata belongs to the upload's initiation only).
    pub(crate) fn part_subset(&self) -> RequestOptions {
        let applies = |k: &str| {
            let k = k.to_ascii_lowercase();
            k == "x-cos-traffic-limit" || k.starts_with("x-cos-server-side-encryption-customer-")
        };
        RequestOptions {
            headers: self.headers.iter().filter(|(k, _)| applies(k)).cloned().collect(),
            query: self.query.iter().filter(|(k, _)| k == "versionId").cloned().collect(),
            ..self.clone()
        }
    }

    pub(crate) fn get_header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_replace_and_validate() {
        let mut o = RequestOptions::new();
        o.content_type("text/plain").unwrap().content_type("text/html").unwrap();
        assert_eq!(o.headers, vec![("Content-Type".to_string(), "text/html".to_string())]);
        assert!(o.header("X-Evil", "a\r\nInjected: 1").is_err());
        o.header("X-Tab", "a\tb").unwrap();
        assert!(o.header("bad name", "v").is_err());
        assert!(o.header("Authorization", "v").is_err());
        o.metadata("x-cos-meta-Color", "blue").unwrap();
        assert_eq!(o.get_header("x-cos-meta-color"), Some("blue"));
        assert!(o.range(10, Some(5)).is_err());
        o.range(0, None).unwrap();
        assert_eq!(o.get_header("range"), Some("bytes=0-"));
        assert!(o.traffic_limit(1).is_err());
        assert!(o.sse_customer_key(&[0; 31]).is_err());
        o.sse_customer_key(&[0; 32]).unwrap();
        assert!(o.response_header("x-evil", "1").is_err());
        assert!(o.metadata_directive("copy").is_err());
    }

    #[test]
    fn control_characters_are_refused_in_every_header_value() {
        let mut o = RequestOptions::new();
        for bad in ["a\rb", "a\nb", "a\r\nX-Injected: 1", "nul\0", "bell\x07", "del\x7f", "esc\x1b[0m"] {
            let e = o.header("X-Custom", bad).unwrap_err();
            assert_eq!(e.kind(), crate::ErrorKind::InvalidArgument);
            assert!(e.message().contains("\"X-Custom\"") && e.message().contains("control character"), "{e:?}");
            assert!(o.content_type(bad).is_err());
            assert!(o.content_disposition(bad).is_err());
            assert!(o.metadata("m", bad).is_err());
            assert!(o.tagging(bad).is_err());
            assert!(o.if_match(bad).is_err());
        }
        assert!(o.headers.is_empty(), "nothing refused was kept: {:?}", o.headers);
    }

    #[test]
    fn non_ascii_metadata_is_refused_naming_the_header() {
        let mut o = RequestOptions::new();
        for (name, header) in [("color", "x-cos-meta-color"), ("X-Cos-Meta-Color", "x-cos-meta-Color")] {
            for value in ["中文", "caf\u{e9}", "a\u{a0}b", "😀"] {
                let e = o.metadata(name, value).unwrap_err();
                assert_eq!(e.kind(), crate::ErrorKind::InvalidArgument);
                assert!(e.message().contains(&format!("{header:?}")) && e.message().contains("not ASCII"), "{e:?}");
            }
        }
        // The same through the generic setter, in any case.
        assert!(o.header("X-COS-META-note", "é").unwrap_err().message().contains("\"X-COS-META-note\""));
        assert!(o.headers.is_empty());
        // ASCII (printable, space, tab) and encoded forms are fine; other headers keep accepting UTF-8.
        o.metadata("color", "light blue\t~!%E4%B8%AD").unwrap();
        assert_eq!(o.get_header("x-cos-meta-color"), Some("light blue\t~!%E4%B8%AD"));
        o.content_disposition("attachment; filename=\"中文.txt\"").unwrap();
    }
}
