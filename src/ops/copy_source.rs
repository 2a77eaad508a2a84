//! [`CopySource`]: the object a server-side copy reads, described once for `copy_object`,
//! `upload_part_copy` and the managed `copy`.
//!
//! One rule for every copy call: the source is this value (or the `src_bucket`/`src_key` arguments plus
//! the legacy options, which become one). Every `x-cos-copy-source*` header a copy sends is built from it,
//! so none is ever sent twice: a caller header `x-cos-copy-source` or `x-cos-copy-source-range` in the
//! request options is refused (the source is the call's argument, the range
//! [`RequestOptions::copy_source_range`]); a caller's `x-cos-copy-source-if-*` or
//! `x-cos-copy-source-server-side-encryption-customer-*` header is taken into the source, and refused when
//! the source sets the same one.

use crate::config::{normalize_key, validate_bucket, Config};
use crate::encode;
use crate::error::{Error, Result};
use crate::options::RequestOptions;
use base64::Engine;
use md5::{Digest, Md5};

const SOURCE: &str = "x-cos-copy-source";
const RANGE: &str = "x-cos-copy-source-range";
const SSE_C: [&str; 3] = [
    "x-cos-copy-source-server-side-encryption-customer-algorithm",
    "x-cos-copy-source-server-side-encryption-customer-key",
    "x-cos-copy-source-server-side-encryption-customer-key-MD5",
];
/// `x-cos-copy-source-if-*` and the `If-*` header the managed copy's HEAD of the source uses instead.
const CONDITIONS: [(&str, &str); 4] = [
    ("x-cos-copy-source-if-match", "If-Match"),
    ("x-cos-copy-source-if-none-match", "If-None-Match"),
    ("x-cos-copy-source-if-modified-since", "If-Modified-Since"),
    ("x-cos-copy-source-if-unmodified-since", "If-Unmodified-Since"),
];

/// The source of a server-side copy: bucket and key, and optionally its region (default: the client's),
/// a version, the SSE-C key it was written with, and `x-cos-copy-source-if-*` conditions (a failing one
/// is COS's 412 PreconditionFailed, or 304 for if-none-match / if-modified-since).
#[derive(Clone, Default)]
pub struct CopySource {
    bucket: String,
    key: String,
    region: Option<String>,
    version_id: Option<String>,
    /// Base64 of the 32-byte key and of its MD5 (never shown by `Debug`).
    sse_c: Option<(String, String)>,
    /// Values of [`CONDITIONS`], in that order.
    conditions: [Option<String>; 4],
}

impl std::fmt::Debug for CopySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CopySource")
            .field("bucket", &self.bucket)
            .field("key", &self.key)
            .field("region", &self.region)
            .field("version_id", &self.version_id)
            .field("sse_c", &self.sse_c.as_ref().map(|_| "<key>"))
            .field("conditions", &self.conditions)
            .finish()
    }
}

/// A header value set on a source: no control characters (they would split the request).
fn check_value(what: &str, value: &str) -> Result<String> {
    if value.trim().is_empty() {
        return Err(Error::invalid(format!("the copy source's {what} must not be empty")));
    }
    if value.bytes().any(|b| (b < 0x20 && b != b'\t') || b == 0x7f) {
        return Err(Error::invalid(format!("the copy source's {what} {value:?} contains a control character")));
    }
    Ok(value.to_string())
}

impl CopySource {
    /// `bucket`/`key` (validated like any object name; a leading `/` of the key is dropped).
    pub fn new(bucket: &str, key: &str) -> Result<CopySource> {
        validate_bucket(bucket)?;
        let key = normalize_key(key)?;
        Ok(CopySource { bucket: bucket.to_string(), key: key.to_string(), ..CopySource::default() })
    }

    /// The source is in `region` (such as `ap-beijing`), not the client's.
    pub fn region(&mut self, region: &str) -> Result<&mut Self> {
        let ok = !region.is_empty()
            && region.len() <= 64
            && region.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !region.starts_with('-')
            && !region.ends_with('-');
        if !ok {
            return Err(Error::invalid(format!(
                "copy source region {region:?} is not a region name such as \"ap-beijing\""
            )));
        }
        self.region = Some(region.to_string());
        Ok(self)
    }

    /// Copies this version of the source (`?versionId=` on `x-cos-copy-source`).
    pub fn version_id(&mut self, id: &str) -> Result<&mut Self> {
        self.version_id = Some(check_value("version id", id)?);
        Ok(self)
    }

    /// The source was written with SSE-C under this 32-byte key; its MD5 is computed here.
    pub fn sse_customer_key(&mut self, key: &[u8]) -> Result<&mut Self> {
        if key.len() != 32 {
            return Err(Error::invalid(format!("copy source SSE-C key must be 32 bytes, got {}", key.len())));
        }
        let b64 = base64::engine::general_purpose::STANDARD;
        self.sse_c = Some((b64.encode(key), b64.encode(Md5::digest(key))));
        Ok(self)
    }

    fn condition(&mut self, i: usize, value: &str) -> Result<&mut Self> {
        self.conditions[i] = Some(check_value(CONDITIONS[i].0, value)?);
        Ok(self)
    }
    /// Copy only if the source's ETag is `etag` (else 412).
    pub fn if_match(&mut self, etag: &str) -> Result<&mut Self> {
        self.condition(0, etag)
    }
    /// Copy only if the source's ETag is not `etag` (else 304).
    pub fn if_none_match(&mut self, etag: &str) -> Result<&mut Self> {
        self.condition(1, etag)
    }
    /// Copy only if the source changed after the HTTP date (else 304).
    pub fn if_modified_since(&mut self, http_date: &str) -> Result<&mut Self> {
        self.condition(2, http_date)
    }
    /// Copy only if the source did not change after the HTTP date (else 412).
    pub fn if_unmodified_since(&mut self, http_date: &str) -> Result<&mut Self> {
        self.condition(3, http_date)
    }

    pub fn bucket(&self) -> &str {
        &self.bucket
    }
    pub fn key(&self) -> &str {
        &self.key
    }
    pub fn region_name(&self) -> Option<&str> {
        self.region.as_deref()
    }
    pub fn version(&self) -> Option<&str> {
        self.version_id.as_deref()
    }

    /// The host suffix of the source's region under `config`: the configured endpoint for the client's own
    /// region; for another, the endpoint with its region label replaced (`cos.<r>.myqcloud.com`,
    /// `cos.<r>.tencentcos.cn`, `cos-internal.<r>...`), or `cos.<r>.myqcloud.com` for an endpoint that
    /// names no region.
    pub(crate) fn endpoint(&self, config: &Config) -> String {
        let Some(region) = self.region.as_deref().filter(|r| *r != config.region) else {
            return config.endpoint.clone();
        };
        let labels: Vec<&str> = config.endpoint.split('.').collect();
        if !config.region.is_empty() && labels.contains(&config.region.as_str()) {
            labels.iter().map(|l| if *l == config.region { region } else { l }).collect::<Vec<_>>().join(".")
        } else {
            format!("cos.{region}.myqcloud.com")
        }
    }

    /// The `x-cos-copy-source` value: `<bucket>.<endpoint>/<encoded key>[?versionId=<encoded id>]`, the
    /// form the Python SDK sends.
    pub(crate) fn header_value(&self, config: &Config) -> String {
        let mut value = format!("{}.{}{}", self.bucket, self.endpoint(config), encode::object_path(&self.key));
        if let Some(version) = &self.version_id {
            value += &format!("?versionId={}", encode::component(version));
        }
        value
    }

    /// Every `x-cos-copy-source*` header of a copy from this source (the range is the caller's).
    pub(crate) fn headers(&self, config: &Config) -> Vec<(String, String)> {
        let mut out = vec![(SOURCE.to_string(), self.header_value(config))];
        if let Some((key, md5)) = &self.sse_c {
            for (name, value) in SSE_C.iter().zip(["AES256", key, md5]) {
                out.push((name.to_string(), value.to_string()));
            }
        }
        for ((name, _), value) in CONDITIONS.iter().zip(&self.conditions) {
            if let Some(v) = value {
                out.push((name.to_string(), v.clone()));
            }
        }
        out
    }

    /// Options for a HEAD of the source as it will be copied: its version, its SSE-C key, its conditions
    /// as `If-*` (so a managed copy fails on a condition before it starts a multipart upload).
    pub(crate) fn head_options(&self) -> Result<RequestOptions> {
        let mut head = RequestOptions::default();
        if let Some(v) = &self.version_id {
            head.version_id(v)?;
        }
        if let Some((key, md5)) = &self.sse_c {
            head.header("x-cos-server-side-encryption-customer-algorithm", "AES256")?;
            head.header("x-cos-server-side-encryption-customer-key", key)?;
            head.header("x-cos-server-side-encryption-customer-key-MD5", md5)?;
        }
        for ((_, plain), value) in CONDITIONS.iter().zip(&self.conditions) {
            if let Some(v) = value {
                head.header(plain, v)?;
            }
        }
        Ok(head)
    }

    /// The one source of a copy call and the options without any `x-cos-copy-source*` header: the
    /// caller's legacy ways of describing the source (`copy_source_version_id`, `x-cos-copy-source-if-*` and
    /// SSE-C source headers in the options) are taken in; a second description of the same thing is refused.
    pub(crate) fn merge(&self, opts: &RequestOptions) -> Result<(CopySource, RequestOptions)> {
        let mut source = self.clone();
        let mut rest = opts.clone();
        if let Some(v) = &opts.copy_source_version_id {
            match &source.version_id {
                Some(mine) if mine != v => {
                    return Err(Error::invalid(format!(
                        "the copy source names version {mine:?} and the options version {v:?}; give it once"
                    )))
                }
                _ => source.version_id = Some(v.clone()),
            }
        }
        let taken = |name: &str| opts.get_header(name).map(str::to_string);
        for (name, _) in &opts.headers {
            let lower = name.to_ascii_lowercase();
            if lower == SOURCE {
                return Err(Error::invalid(
                    "header x-cos-copy-source is not an option of a copy: the source is the call's argument \
                     (a CopySource or src_bucket/src_key), so it is never sent twice",
                ));
            }
            if lower == RANGE {
                return Err(Error::invalid(
                    "header x-cos-copy-source-range is not an option of a copy: use copy_source_range",
                ));
            }
        }
        for (i, (name, _)) in CONDITIONS.iter().enumerate() {
            if let Some(v) = taken(name) {
                if source.conditions[i].is_some() {
                    return Err(Error::invalid(format!("{name} is set both on the copy source and in the options")));
                }
                source.conditions[i] = Some(v);
            }
        }
        let sse: Vec<Option<String>> = SSE_C.iter().map(|n| taken(n)).collect();
        if sse.iter().any(Option::is_some) {
            if source.sse_c.is_some() {
                return Err(Error::invalid(
                    "the copy source's SSE-C key is set both on the copy source and in the options",
                ));
            }
            match (&sse[0], &sse[1], &sse[2]) {
                (Some(_), Some(key), Some(md5)) => source.sse_c = Some((key.clone(), md5.clone())),
                _ => {
                    return Err(Error::invalid(
                        "x-cos-copy-source-server-side-encryption-customer-algorithm, -key and -key-MD5 go \
                         together; set the source's key with CopySource::sse_customer_key",
                    ))
                }
            }
        }
        // Only what was taken in leaves the options; any other x-cos-copy-source-* header is sent as given.
        let taken_in = |k: &str| {
            CONDITIONS.iter().any(|(n, _)| n.eq_ignore_ascii_case(k)) || SSE_C.iter().any(|n| n.eq_ignore_ascii_case(k))
        };
        rest.headers.retain(|(k, _)| !taken_in(k));
        rest.copy_source_version_id = None;
        Ok((source, rest))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(region: &str, endpoint: Option<&str>) -> Config {
        let mut b = Config::builder();
        b.region(region).credentials("id", "key");
        if let Some(e) = endpoint {
            b.endpoint(e);
        }
        b.build().unwrap()
    }

    #[test]
    fn header_value_encodes_the_key_and_version_and_names_the_region() {
        let mut s = CopySource::new("src-1250000000", "/dir/a b+c/中.txt").unwrap();
        let gz = config("ap-guangzhou", None);
        assert_eq!(s.header_value(&gz), "src-1250000000.cos.ap-guangzhou.myqcloud.com/dir/a%20b%2Bc/%E4%B8%AD.txt");
        s.version_id("v=1&x").unwrap().region("ap-beijing").unwrap();
        assert_eq!(
            s.header_value(&gz),
            "src-1250000000.cos.ap-beijing.myqcloud.com/dir/a%20b%2Bc/%E4%B8%AD.txt?versionId=v%3D1%26x"
        );
        let cn = config("ap-guangzhou", Some("cos-internal.ap-guangzhou.tencentcos.cn"));
        assert_eq!(s.endpoint(&cn), "cos-internal.ap-beijing.tencentcos.cn");
        let custom = config("ap-guangzhou", Some("storage.example.com"));
        assert_eq!(s.endpoint(&custom), "cos.ap-beijing.myqcloud.com");
        s.region("ap-guangzhou").unwrap();
        assert_eq!(s.endpoint(&custom), "storage.example.com", "the client's own region keeps its endpoint");
    }

    #[test]
    fn bad_values_are_refused_naming_what() {
        assert!(CopySource::new("Bad_Bucket", "k").is_err());
        assert!(CopySource::new("b-1", "").is_err());
        let mut s = CopySource::new("b-1", "k").unwrap();
        assert!(s.region("AP_GZ").unwrap_err().message().contains("region"));
        assert!(s.version_id("").is_err());
        assert!(s.if_match("a\r\nX: 1").unwrap_err().message().contains("x-cos-copy-source-if-match"));
        assert!(s.sse_customer_key(&[1; 31]).is_err());
        s.sse_customer_key(&[1; 32]).unwrap();
        assert!(!format!("{s:?}").contains(&base64::engine::general_purpose::STANDARD.encode([1u8; 32])));
    }

    #[test]
    fn merge_takes_legacy_options_in_once_and_refuses_a_second_source() {
        let s = CopySource::new("b-1", "k").unwrap();
        let mut o = RequestOptions::new();
        o.copy_source_version_id("v1").unwrap();
        o.header("x-cos-copy-source-If-Match", "\"e\"").unwrap();
        o.header("x-cos-meta-a", "1").unwrap();
        o.header("x-cos-copy-source-other", "2").unwrap();
        let (m, rest) = s.merge(&o).unwrap();
        assert_eq!(m.version(), Some("v1"));
        let kept =
            [("x-cos-meta-a", "1"), ("x-cos-copy-source-other", "2")].map(|(k, v)| (k.to_string(), v.to_string()));
        assert_eq!(rest.headers, kept);
        let names: Vec<String> = m.headers(&config("ap-guangzhou", None)).into_iter().map(|(n, _)| n).collect();
        assert_eq!(names, ["x-cos-copy-source", "x-cos-copy-source-if-match"]);
        assert_eq!(m.head_options().unwrap().get_header("if-match"), Some("\"e\""));

        let mut twice = RequestOptions::new();
        twice.header("X-Cos-Copy-Source", "b-1.cos.r.myqcloud.com/k").unwrap();
        assert!(s.merge(&twice).unwrap_err().message().contains("never sent twice"));
        let mut range = RequestOptions::new();
        range.header("x-cos-copy-source-range", "bytes=0-1").unwrap();
        assert!(s.merge(&range).is_err());
        let mut both = s.clone();
        both.if_match("\"x\"").unwrap();
        assert!(both.merge(&o).is_err());
        let mut v2 = s.clone();
        v2.version_id("v2").unwrap();
        assert!(v2.merge(&o).is_err());
    }
}
