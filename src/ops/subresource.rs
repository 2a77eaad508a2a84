//! The generic sub-resource request: METHOD on `/?<subresource>` or `/<key>?<subresource>` with an optional
//! document body. Every typed configuration call (tagging, ACL, lifecycle, ...) is built on it, and it
//! reaches the sub-resources that have no typed call (website, inventory, replication, ...).

use super::object::md5_base64;
use super::Call;
use crate::client::Client;
use crate::error::{Error, Result};
use crate::headers::ObjectInfo;
use crate::options::RequestOptions;
use crate::transport::{Body, Request, Target};

/// The methods a sub-resource request may use.
const METHODS: [&str; 6] = ["GET", "PUT", "POST", "DELETE", "HEAD", "OPTIONS"];

/// The answer of a sub-resource request: its body exactly as received, and its headers.
#[derive(Clone, Debug, Default)]
pub struct Document {
    pub body: Vec<u8>,
    pub info: ObjectInfo,
}

impl Document {
    /// The body as UTF-8 text (XML and JSON documents are).
    pub fn text(&self) -> Result<&str> {
        std::str::from_utf8(&self.body).map_err(|_| Error::parse("the document COS returned is not UTF-8"))
    }
}

fn method(name: &str) -> Result<&'static str> {
    METHODS.iter().find(|m| **m == name).copied().ok_or_else(|| {
        Error::invalid(format!("method must be one of {} (upper case), got {name:?}", METHODS.join(", ")))
    })
}

/// A sub-resource is a query parameter name such as `lifecycle` or `intelligent-tiering`; its arguments
/// (`id`, `versionId`, ...) go in the options, so that they are encoded and signed like any parameter.
fn check_subresource(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(format!(
            "subresource must be a name such as \"lifecycle\" (letters, digits, '-', '_', '.'), got {name:?}; \
             pass its arguments (id, versionId, ...) as query options"
        )))
    }
}

impl Client {
    /// METHOD on the bucket's `?<subresource>`: `body` is sent with its Content-MD5 (COS requires it for
    /// most configuration documents), `opts` adds query parameters and headers. The answer's body is
    /// returned exactly as received.
    pub fn bucket_subresource(
        &self,
        method: &str,
        bucket: &str,
        subresource: &str,
        body: &[u8],
        opts: &RequestOptions,
    ) -> Result<Document> {
        let target = self.bucket(bucket)?;
        self.subresource_in(&Call::new(self.config()), method, target, subresource, body, opts)
    }

    /// METHOD on the object's `/<key>?<subresource>` (acl, tagging, restore, symlink, ...), as
    /// [`Client::bucket_subresource`].
    pub fn object_subresource(
        &self,
        method: &str,
        bucket: &str,
        key: &str,
        subresource: &str,
        body: &[u8],
        opts: &RequestOptions,
    ) -> Result<Document> {
        let target = self.object(bucket, key)?;
        self.subresource_in(&Call::new(self.config()), method, target, subresource, body, opts)
    }

    pub(crate) fn subresource_in(
        &self,
        call: &Call<'_>,
        method_name: &str,
        target: Target<'_>,
        subresource: &str,
        body: &[u8],
        opts: &RequestOptions,
    ) -> Result<Document> {
        let method = method(method_name)?;
        check_subresource(subresource)?;
        let mut req = Request::new(method, target);
        req.query.push((subresource.to_string(), String::new()));
        req.query.extend(opts.query.iter().cloned());
        req.headers = opts.headers.clone();
        if !body.is_empty() {
            if opts.get_header("Content-MD5").is_none() {
                req.headers.push(("Content-MD5".into(), md5_base64(body)));
            }
            if opts.get_header("Content-Type").is_none() {
                let json = body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
                let kind = if json { "application/json" } else { "application/xml" };
                req.headers.push(("Content-Type".into(), kind.into()));
            }
            req.body = Body::Bytes(body);
        }
        let (headers, body) = call.send(&self.transport, req)?.bytes()?;
        Ok(Document { body, info: ObjectInfo { headers } })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_and_names() {
        assert_eq!(method("PUT").unwrap(), "PUT");
        assert!(method("put").is_err() && method("").is_err() && method("PATCH").is_err());
        for ok in ["lifecycle", "intelligent-tiering", "response-control", "object-lock", "domaincertificate"] {
            check_subresource(ok).unwrap();
        }
        for bad in ["", "acl&x=1", "a=b", "?acl", "a b", "é", &"a".repeat(65)] {
            assert!(check_subresource(bad).is_err(), "{bad:?}");
        }
    }
}
