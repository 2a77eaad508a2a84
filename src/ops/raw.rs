//! A raw signed request for what the library does not model (the Python SDK's `send_request`): any method,
//! host, path, query, headers and body, sent with the client's signing, session token, endpoint and
//! connect-address settings, retries, deadline and error parsing. Only the typed calls know what a body
//! means, so a raw answer is handed back as received (no CRC-64 check of its body).

use super::Call;
use crate::client::Client;
use crate::config::validate_bucket;
use crate::error::{Error, Result};
use crate::headers::ObjectInfo;
use crate::options::RequestOptions;
use crate::transport::{Body, Request, Target};
use std::path::PathBuf;

/// The methods a raw request may use (upper case).
const METHODS: [&str; 7] = ["GET", "PUT", "POST", "DELETE", "HEAD", "OPTIONS", "PATCH"];

/// Which host a raw request goes to; the scheme and any connect address come from the configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RawTarget {
    /// The bucket's virtual host (`<bucket>.<endpoint>`, or the custom domain).
    Bucket(String),
    /// The service host (`service.cos.myqcloud.com` unless configured otherwise): list buckets.
    Service,
    /// Any other host name, such as a CI host `<appid>.ci.<region>.myqcloud.com`.
    Host(String),
}

/// The body of a raw request.
#[derive(Clone, Debug, Default)]
enum RawBody {
    #[default]
    None,
    Bytes(Vec<u8>),
    /// A whole local file, read with positional reads so a retry sends it again.
    File(PathBuf),
}

/// One raw request, built with checked setters.
#[derive(Clone, Debug)]
pub struct RawRequest {
    method: &'static str,
    target: RawTarget,
    path: String,
    options: RequestOptions,
    body: RawBody,
}

/// The answer of a raw request (2xx): status, headers and the body as received.
#[derive(Clone, Debug, Default)]
pub struct RawResponse {
    pub status: u16,
    pub body: Vec<u8>,
    pub info: ObjectInfo,
}

impl RawRequest {
    /// `GET /` on the service host: set what differs.
    pub fn new() -> RawRequest {
        RawRequest {
            method: "GET",
            target: RawTarget::Service,
            path: "/".into(),
            options: RequestOptions::new(),
            body: RawBody::None,
        }
    }

    pub fn method(&mut self, method: &str) -> Result<&mut Self> {
        self.method = METHODS.iter().find(|m| **m == method).copied().ok_or_else(|| {
            Error::invalid(format!("method must be one of {} (upper case), got {method:?}", METHODS.join(", ")))
        })?;
        Ok(self)
    }

    /// The host: a bucket's name and host names are checked here, so a typo fails before anything is sent.
    pub fn target(&mut self, target: RawTarget) -> Result<&mut Self> {
        match &target {
            RawTarget::Bucket(b) => validate_bucket(b)?,
            RawTarget::Host(h) => check_host(h)?,
            RawTarget::Service => {}
        }
        self.target = target;
        Ok(self)
    }

    /// The decoded path, starting with `/` (`/` for the bucket or service root, `/<key>` for an object); it
    /// is percent-encoded and signed as every call's path is.
    pub fn path(&mut self, path: &str) -> Result<&mut Self> {
        if !path.starts_with('/') {
            return Err(Error::invalid(format!("path must start with '/', got {path:?}")));
        }
        self.path = path.to_string();
        Ok(self)
    }

    /// A query parameter (value may be empty: a sub-resource such as `acl`), encoded and signed.
    pub fn query(&mut self, name: &str, value: &str) -> Result<&mut Self> {
        self.options.query(name, value)?;
        Ok(self)
    }

    /// A header, checked like [`RequestOptions::header`] (Host, Authorization, Content-Length and the
    /// session token are the client's).
    pub fn header(&mut self, name: &str, value: &str) -> Result<&mut Self> {
        self.options.header(name, value)?;
        Ok(self)
    }

    /// The body, sent with its Content-Length.
    pub fn body(&mut self, body: &[u8]) -> &mut Self {
        self.body = RawBody::Bytes(body.to_vec());
        self
    }

    /// A local file as the body, opened when the request is sent.
    pub fn body_file(&mut self, path: &std::path::Path) -> &mut Self {
        self.body = RawBody::File(path.to_path_buf());
        self
    }
}

impl Default for RawRequest {
    fn default() -> Self {
        RawRequest::new()
    }
}

/// A host name: letters, digits, `-` and `.`, at most 253 characters (no port: it comes from the
/// configured scheme or connect address).
fn check_host(host: &str) -> Result<()> {
    let ok = !host.is_empty()
        && host.len() <= 253
        && host.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
        && !host.starts_with(['.', '-'])
        && !host.ends_with('.');
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(format!(
            "host must be a host name such as 1250000000.ci.ap-guangzhou.myqcloud.com (no scheme, port or path), got {host:?}"
        )))
    }
}

impl Client {
    /// Sends `raw` and returns its answer. A 4xx/5xx answer is a service error with COS's code, message and
    /// request id; network errors and 5xx are retried as for every call (a file or byte body is sent
    /// again). The body is read into memory, up to 16 MiB (the bound of every document answer).
    pub fn send_request(&self, raw: &RawRequest) -> Result<RawResponse> {
        let key = &raw.path[1..];
        let target = match &raw.target {
            RawTarget::Bucket(b) if key.is_empty() => Target::Bucket(b),
            RawTarget::Bucket(b) => Target::Object(b, key),
            RawTarget::Service if key.is_empty() => Target::Service,
            RawTarget::Service => Target::Endpoint(&self.config().service_host, key),
            RawTarget::Host(h) => Target::Endpoint(h, key),
        };
        let mut req = Request::new(raw.method, target);
        req.query = raw.options.query.clone();
        req.headers = raw.options.headers.clone();
        let file;
        match &raw.body {
            RawBody::None => {}
            RawBody::Bytes(b) => req.body = Body::Bytes(b),
            RawBody::File(path) => {
                file = std::fs::File::open(path).map_err(|e| Error::io(&format!("opening {}", path.display()), &e))?;
                let len = file.metadata().map_err(|e| Error::io(&format!("reading {}", path.display()), &e))?.len();
                req.body = Body::File { file: &file, offset: 0, len };
            }
        }
        let response = Call::new(self.config()).send(&self.transport, req)?;
        let status = response.status;
        let (headers, body) = response.bytes()?;
        Ok(RawResponse { status, body, info: ObjectInfo { headers } })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn setters_check_their_input() {
        let mut r = RawRequest::new();
        assert!(r.method("get").is_err() && r.method("TRACE").is_err());
        r.method("PATCH").unwrap();
        assert!(r.path("no-slash").is_err());
        assert!(r.target(RawTarget::Bucket("Bad_Bucket".into())).is_err());
        for bad in ["", "h:80", "http://h", "h/p", ".h", "h."] {
            assert!(r.target(RawTarget::Host(bad.into())).is_err(), "{bad:?}");
        }
        r.target(RawTarget::Host("1250000000.ci.ap-guangzhou.myqcloud.com".into())).unwrap();
        assert!(r.header("Authorization", "x").is_err() && r.header("X", "a\nb").is_err());
        assert!(r.query("", "v").is_err());
    }
}
