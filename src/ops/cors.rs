//! Bucket CORS as typed calls, and the CORS preflight (`OPTIONS`) a browser sends before a cross-origin
//! request: sent unsigned, as a browser sends it, so that it shows what a page would be allowed.

use super::Call;
use crate::client::Client;
use crate::error::{Error, Result};
use crate::options::RequestOptions;
use crate::transport::Request;
use crate::xml::{self, CorsPreflight, CorsRule};

impl Client {
    /// Replaces the bucket's CORS configuration with `rules` (1 to 100, each with an origin and a method).
    pub fn put_bucket_cors(&self, bucket: &str, rules: &[CorsRule]) -> Result<()> {
        let target = self.bucket(bucket)?;
        xml::check_cors(rules)?;
        let body = xml::cors_body(rules);
        let call = Call::new(self.config());
        self.subresource_in(&call, "PUT", target, "cors", body.as_bytes(), &RequestOptions::new()).map(drop)
    }

    /// The bucket's CORS rules; a bucket without any is the service error `NoSuchCORSConfiguration`.
    pub fn get_bucket_cors(&self, bucket: &str) -> Result<Vec<CorsRule>> {
        let target = self.bucket(bucket)?;
        let call = Call::new(self.config());
        let doc = self.subresource_in(&call, "GET", target, "cors", &[], &RequestOptions::new())?;
        xml::parse_cors(doc.text()?)
    }

    pub fn delete_bucket_cors(&self, bucket: &str) -> Result<()> {
        let target = self.bucket(bucket)?;
        let call = Call::new(self.config());
        self.subresource_in(&call, "DELETE", target, "cors", &[], &RequestOptions::new()).map(drop)
    }

    /// Asks, as a browser would before a cross-origin request, whether a page from `origin` may send
    /// `method` with `request_headers` to `key` (`None`: the bucket itself). The answer comes from the
    /// bucket's CORS rules; a refused preflight (no rule matches, or no CORS configuration) is the service
    /// error COS answers, HTTP 403.
    pub fn cors_preflight(
        &self,
        bucket: &str,
        key: Option<&str>,
        origin: &str,
        method: &str,
        request_headers: &[&str],
    ) -> Result<CorsPreflight> {
        let target = match key {
            Some(key) => self.object(bucket, key)?,
            None => self.bucket(bucket)?,
        };
        if origin.is_empty() {
            return Err(Error::invalid("origin must not be empty (a browser sends its page's origin)"));
        }
        let method = xml::check_method(method)?;
        let mut opts = RequestOptions::new();
        opts.header("Origin", origin)?;
        opts.header("Access-Control-Request-Method", method)?;
        if !request_headers.is_empty() {
            for h in request_headers {
                if h.is_empty() || h.contains(',') {
                    return Err(Error::invalid(format!(
                        "request_headers must be header names without commas, got {h:?}"
                    )));
                }
            }
            opts.header("Access-Control-Request-Headers", &request_headers.join(","))?;
        }
        let mut req = Request::new("OPTIONS", target);
        req.headers = opts.headers;
        req.anonymous = true;
        let (headers, _) = Call::new(self.config()).send(&self.transport, req)?.bytes()?;
        xml::parse_preflight(crate::ObjectInfo { headers })
    }
}
