//! Signatures handed to others: presigned URLs (the Python SDK's `get_presigned_url`), the `Authorization`
//! value for callers who run their own HTTP stack (`get_auth`), and the unsigned object URL
//! (`get_object_url`). Each signs exactly what the Python SDK signs, so the two agree byte for byte
//! (tests/presign_differential.rs).

use crate::client::Client;
use crate::config::normalize_key;
use crate::encode;
use crate::error::{Error, Result};
use crate::options::RequestOptions;
use crate::sign;

/// Signature fields a presigned URL carries itself; a parameter of that name would make the URL ambiguous.
const SIGNATURE_PARAMS: [&str; 7] =
    ["q-sign-algorithm", "q-ak", "q-sign-time", "q-key-time", "q-header-list", "q-url-param-list", "q-signature"];

/// What a presigned URL or an `Authorization` value covers besides the method and the resource.
#[derive(Clone, Debug)]
pub struct PresignOptions {
    start: Option<i64>,
    expires: u32,
    params: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    sign_host: bool,
}

impl Default for PresignOptions {
    /// Valid for 300 s from now (the Python SDK's default), the host signed, no parameters or headers.
    fn default() -> Self {
        PresignOptions { start: None, expires: 300, params: Vec::new(), headers: Vec::new(), sign_host: true }
    }
}

impl PresignOptions {
    pub fn new() -> PresignOptions {
        PresignOptions::default()
    }

    /// The window: `[start, start + expires]` with a start (Unix seconds); without one `[now - 60,
    /// now + expires]` on the client's clock, as the Python SDK and this client's own requests sign, so
    /// that a server whose clock is a little behind still accepts it.
    pub fn start(&mut self, start_unix: i64) -> &mut Self {
        self.start = Some(start_unix);
        self
    }

    /// Seconds of validity; 0 is refused (the URL would be dead on arrival).
    pub fn expires(&mut self, seconds: u32) -> Result<&mut Self> {
        if seconds == 0 {
            return Err(Error::invalid("expires must be at least 1 second"));
        }
        self.expires = seconds;
        Ok(self)
    }

    /// A query parameter that is part of the URL and signed, so it cannot be altered
    /// (`response-content-disposition`, `versionId`, `x-cos-traffic-limit`, ...). An earlier parameter of the
    /// same name is replaced. COS compares names case-insensitively, so names differing only in case are
    /// one name here too; the signature's own fields (`q-*`) and the session token (added by the client
    /// from its credentials) are refused.
    pub fn param(&mut self, name: &str, value: &str) -> Result<&mut Self> {
        if name.is_empty() {
            return Err(Error::invalid("presign parameter name must not be empty"));
        }
        let lower = name.to_ascii_lowercase();
        if SIGNATURE_PARAMS.contains(&lower.as_str()) {
            return Err(Error::invalid(format!("presign parameter {name:?} is a field of the signature itself")));
        }
        if lower == "x-cos-security-token" {
            return Err(Error::invalid(
                "presign parameter \"x-cos-security-token\" is added by the client from its session token",
            ));
        }
        self.params.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
        self.params.push((name.to_string(), value.to_string()));
        Ok(self)
    }

    /// A header the user of the URL must send with exactly this value (a browser PUT's Content-Type, an
    /// `x-cos-meta-*`, ...). Names and values are checked like [`RequestOptions::header`]; a value with
    /// surrounding white space is refused (HTTP strips it, so the signature could never match). An earlier
    /// header of the same name (any case) is replaced.
    pub fn header(&mut self, name: &str, value: &str) -> Result<&mut Self> {
        check_header(name, value)?;
        self.headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
        self.headers.push((name.to_string(), value.to_string()));
        Ok(self)
    }

    /// Whether the host is signed (on by default; the Python SDK's `SignHost`). Off, the URL also works
    /// through another host name for the bucket (a CDN, an accelerated domain).
    pub fn sign_host(&mut self, on: bool) -> &mut Self {
        self.sign_host = on;
        self
    }
}

/// Header checks shared with [`RequestOptions::header`] (name a token, no control characters, metadata
/// ASCII); `Host`, `Content-Length` and `x-cos-security-token`, which a request option may not set (the
/// client sets them), are fine to sign for a request someone else sends.
fn check_header(name: &str, value: &str) -> Result<()> {
    let probe = if ["host", "content-length", "x-cos-security-token"].iter().any(|h| h.eq_ignore_ascii_case(name)) {
        "X-Probe"
    } else {
        name
    };
    RequestOptions::new().header(probe, value)?;
    if value.trim() != value {
        return Err(Error::invalid(format!(
            "the value of header {name:?} has surrounding white space, which HTTP strips before the server checks it"
        )));
    }
    Ok(())
}

fn check_method(method: &str) -> Result<()> {
    if method.is_empty() || method.len() > 16 || !method.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(Error::invalid(format!("method must be an HTTP method such as \"GET\", got {method:?}")));
    }
    Ok(())
}

/// A resource of a bucket: `""` is the bucket itself (`/`), any other key an object (normalised as every
/// call normalises it). Returns (decoded path for the signature, encoded path for the URL).
fn resource_path(key: &str) -> Result<(String, String)> {
    if key.is_empty() {
        return Ok(("/".into(), "/".into()));
    }
    let key = normalize_key(key)?;
    Ok((format!("/{key}"), encode::object_path(key)))
}

impl Client {
    /// A presigned URL for `method` on `bucket`/`key`, valid from `start_unix` for `expires_s` seconds, with
    /// the host signed and `params` signed into the URL. Kept for the first C contract; see
    /// [`Client::presign`] for headers, host choice and the default window.
    pub fn presign_url(
        &self,
        method: &str,
        bucket: &str,
        key: &str,
        start_unix: i64,
        expires_s: u32,
        params: &[(String, String)],
    ) -> Result<String> {
        // An object URL only: "" (the bucket) is for [`Client::presign`].
        self.object_name(bucket, key)?;
        let mut opts = PresignOptions::new();
        opts.start(start_unix);
        opts.expires = expires_s;
        for (k, v) in params {
            opts.param(k, v)?;
        }
        self.presign(method, bucket, key, &opts)
    }

    /// A presigned URL for `method` on `bucket`/`key` (`""`: the bucket itself, e.g. a listing): the
    /// signature and `opts`' parameters in the query, the session token too when the client has one
    /// (signed, so it cannot be swapped). The URL's user must send `opts`' headers with the same values.
    pub fn presign(&self, method: &str, bucket: &str, key: &str, opts: &PresignOptions) -> Result<String> {
        let config = self.config();
        let creds = self.transport.credentials()?;
        let mut params = opts.params.clone();
        if let Some(token) = &creds.session_token {
            params.push(("x-cos-security-token".to_string(), token.clone()));
        }
        for (name, _) in &opts.headers {
            if !sign::is_signed_header(name) {
                return Err(Error::invalid(format!(
                    "header {name:?} is not one COS signs (Content-*, Cache-Control, Expires, If-*, Range, Origin, \
                     x-cos-*, x-ci-*), so a presigned URL cannot require it"
                )));
            }
        }
        let (signature, encoded_path) = self.signature(&creds, method, bucket, key, &params, &opts.headers, opts)?;
        let mut url = format!("{}://{}{encoded_path}", config.scheme.as_str(), config.bucket_host(bucket));
        let auth = signature.query_params(&creds.secret_id);
        let all =
            auth.iter().map(|(k, v)| (*k, v.as_str())).chain(params.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        for (i, (k, v)) in all.enumerate() {
            url.push(if i == 0 { '?' } else { '&' });
            url.push_str(&encode::component(k));
            url.push('=');
            url.push_str(&encode::component(v));
        }
        Ok(url)
    }

    /// The `Authorization` header value for a request the caller sends with its own HTTP stack (the Python
    /// SDK's `get_auth`): `method` on `bucket`/`key` (`""`: the bucket) with `opts`' parameters and
    /// headers. Pass every header the request will carry: those COS signs ([`sign::is_signed_header`], as
    /// for this client's own requests) are signed, the others (User-Agent, Date, ...) left out so proxies
    /// may change them. With temporary credentials, send `x-cos-security-token` yourself (and list it
    /// among the headers to sign it).
    pub fn authorization(&self, method: &str, bucket: &str, key: &str, opts: &PresignOptions) -> Result<String> {
        let signed: Vec<(String, String)> =
            opts.headers.iter().filter(|(k, _)| sign::is_signed_header(k)).cloned().collect();
        let creds = self.transport.credentials()?;
        let (signature, _) = self.signature(&creds, method, bucket, key, &opts.params, &signed, opts)?;
        Ok(signature.authorization(&creds.secret_id))
    }

    /// The unsigned URL of an object (the Python SDK's `get_object_url`): scheme, the bucket's host (or the
    /// custom domain) and the encoded key. It works for public-read objects and as a base for other tools.
    pub fn object_url(&self, bucket: &str, key: &str) -> Result<String> {
        let (bucket, key) = self.object_name(bucket, key)?;
        let config = self.config();
        Ok(format!("{}://{}{}", config.scheme.as_str(), config.bucket_host(bucket), encode::object_path(key)))
    }

    /// Signs `method` on the resource with `params` and `headers` (plus the host, when `opts` says so and
    /// no Host header is given) for `opts`' window. Returns the signature and the URL path.
    #[allow(clippy::too_many_arguments)]
    fn signature(
        &self,
        creds: &crate::Credentials,
        method: &str,
        bucket: &str,
        key: &str,
        params: &[(String, String)],
        headers: &[(String, String)],
        opts: &PresignOptions,
    ) -> Result<(sign::Signature, String)> {
        check_method(method)?;
        crate::config::validate_bucket(bucket)?;
        let (path, encoded_path) = resource_path(key)?;
        let config = self.config();
        let (start, end) = match opts.start {
            Some(start) => (start, start.checked_add(i64::from(opts.expires))),
            None => {
                let now = self.transport.now();
                (now - 60, now.checked_add(i64::from(opts.expires)))
            }
        };
        let end =
            end.ok_or_else(|| Error::invalid(format!("start_unix {start} + expires_s {} overflows", opts.expires)))?;
        let mut headers = headers.to_vec();
        if opts.sign_host && !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
            headers.push(("host".to_string(), config.bucket_host(bucket)));
        }
        let signature = sign::sign(
            &creds.secret_key,
            &sign::SignRequest { method, path: &path, params, headers: &headers, start, end },
        );
        Ok((signature, encoded_path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_are_checked() {
        let mut o = PresignOptions::new();
        assert!(o.expires(0).is_err());
        assert!(o.param("", "v").is_err());
        assert!(o.param("Q-Signature", "x").is_err());
        assert!(o.param("x-cos-security-token", "t").is_err());
        o.param("versionId", "a").unwrap().param("VERSIONID", "b").unwrap();
        assert_eq!(o.params, vec![("VERSIONID".to_string(), "b".to_string())]);
        assert!(o.header("Content-Type", "a\r\nX: 1").is_err());
        assert!(o.header("bad name", "v").is_err());
        assert!(o.header("Content-Type", " text/plain").is_err());
        o.header("Host", "h.example").unwrap().header("Content-Length", "5").unwrap();
        assert!(check_method("G T").is_err() && check_method("").is_err());
        assert_eq!(resource_path("").unwrap().0, "/");
        assert!(resource_path(".").is_err());
    }
}
