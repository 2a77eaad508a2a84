//! COS request signing (`q-sign-algorithm=sha1`), as specified on the official "Request Signature" page.
//!
//! The signer is generic: it signs whatever headers and query parameters it is given. The client decides which
//! headers to sign with [`is_signed_header`] (the same set as the official Python SDK), so its signatures can
//! be compared with the SDK's byte for byte.

use crate::encode;
use hmac::{Hmac, Mac};
use sha1::{Digest, Sha1};

/// Everything a signature covers.
pub struct SignRequest<'a> {
    /// HTTP method, any case.
    pub method: &'a str,
    /// The *decoded* path, starting with `/` (`/` for bucket and service requests).
    pub path: &'a str,
    /// Query parameters as (name, value), unencoded; a parameter without value has value `""`.
    pub params: &'a [(String, String)],
    /// Headers to sign as (name, value), unencoded. Every one must be sent with exactly this value.
    pub headers: &'a [(String, String)],
    /// Validity window, Unix seconds.
    pub start: i64,
    pub end: i64,
}

/// The parts of a signature, which become the `Authorization` header or presigned-URL query parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    pub key_time: String,
    pub header_list: String,
    pub param_list: String,
    pub signature: String,
}

impl Signature {
    /// The `Authorization` header value.
    pub fn authorization(&self, secret_id: &str) -> String {
        format!(
            "q-sign-algorithm=sha1&q-ak={secret_id}&q-sign-time={kt}&q-key-time={kt}&q-header-list={}&q-url-param-list={}&q-signature={}",
            self.header_list,
            self.param_list,
            self.signature,
            kt = self.key_time
        )
    }

    /// The same fields as URL query parameters, in the official order (for presigned URLs).
    pub fn query_params(&self, secret_id: &str) -> Vec<(&'static str, String)> {
        vec![
            ("q-sign-algorithm", "sha1".to_string()),
            ("q-ak", secret_id.to_string()),
            ("q-sign-time", self.key_time.clone()),
            ("q-key-time", self.key_time.clone()),
            ("q-header-list", self.header_list.clone()),
            ("q-url-param-list", self.param_list.clone()),
            ("q-signature", self.signature.clone()),
        ]
    }
}

/// Headers the client signs: the official Python SDK's list plus every `x-cos-*` and `x-ci-*` header.
/// Headers outside it (User-Agent, Accept, Date, Connection, ...) may be changed by proxies and stay unsigned.
pub fn is_signed_header(name: &str) -> bool {
    const SIGNED: [&str; 17] = [
        "cache-control",
        "content-disposition",
        "content-encoding",
        "content-length",
        "content-md5",
        "content-type",
        "expect",
        "expires",
        "host",
        "if-match",
        "if-modified-since",
        "if-none-match",
        "if-unmodified-since",
        "origin",
        "range",
        "transfer-encoding",
        "pic-operations",
    ];
    let lower = name.to_ascii_lowercase();
    SIGNED.contains(&lower.as_str()) || lower.starts_with("x-cos-") || lower.starts_with("x-ci-")
}

fn hmac_sha1_hex(key: &[u8], msg: &[u8]) -> String {
    let mut mac = Hmac::<Sha1>::new_from_slice(key).expect("HMAC accepts keys of any length");
    mac.update(msg);
    hex(&mac.finalize().into_bytes())
}

fn hex(bytes: &[u8]) -> String {
    // By table rather than `write!("{:02x}")`: three of these per request went through the formatter.
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 0xf)] as char);
    }
    s
}

/// Encodes and sorts (name, value) pairs: returns (`k1;k2`, `k1=v1&k2=v2`).
fn canonical(pairs: &[(String, String)]) -> (String, String) {
    let mut encoded: Vec<(String, String)> =
        pairs.iter().map(|(k, v)| (encode::component(k).to_ascii_lowercase(), encode::component(v))).collect();
    encoded.sort();
    let list = encoded.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>().join(";");
    let joined = encoded.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&");
    (list, joined)
}

/// Signs a request with `secret_key`.
pub fn sign(secret_key: &str, req: &SignRequest<'_>) -> Signature {
    let key_time = format!("{};{}", req.start, req.end);
    let sign_key = hmac_sha1_hex(secret_key.as_bytes(), key_time.as_bytes());
    let (param_list, params) = canonical(req.params);
    let (header_list, headers) = canonical(req.headers);
    let http_string = format!("{}\n{}\n{params}\n{headers}\n", req.method.to_ascii_lowercase(), req.path);
    let string_to_sign = format!("sha1\n{key_time}\n{}\n", hex(&Sha1::digest(http_string.as_bytes())));
    let signature = hmac_sha1_hex(sign_key.as_bytes(), string_to_sign.as_bytes());
    Signature { key_time, header_list, param_list, signature }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET_ID: &str = "AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q";
    const SECRET_KEY: &str = "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz";

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    /// The official PUT example (cos-protocol.md §1.2), with the decoded UTF-8 path.
    #[test]
    fn official_put_vector() {
        let headers = pairs(&[
            ("Date", "Thu, 16 May 2019 06:45:51 GMT"),
            ("Host", "examplebucket-1250000000.cos.ap-beijing.myqcloud.com"),
            ("Content-Type", "text/plain"),
            ("Content-Length", "13"),
            ("Content-MD5", "mQ/fVh815F3k6TAUm8m0eg=="),
            ("x-cos-acl", "private"),
            ("x-cos-grant-read", "uin=\"100000000011\""),
        ]);
        let sig = sign(
            SECRET_KEY,
            &SignRequest {
                method: "PUT",
                path: "/exampleobject(腾讯云)",
                params: &[],
                headers: &headers,
                start: 1557989151,
                end: 1557996351,
            },
        );
        assert_eq!(sig.header_list, "content-length;content-md5;content-type;date;host;x-cos-acl;x-cos-grant-read");
        assert_eq!(sig.param_list, "");
        assert_eq!(sig.signature, "3b8851a11a569213c17ba8fa7dcf2abec6935172");
        assert_eq!(
            sig.authorization(SECRET_ID),
            "q-sign-algorithm=sha1&q-ak=AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q&q-sign-time=1557989151;1557996351&q-key-time=1557989151;1557996351&q-header-list=content-length;content-md5;content-type;date;host;x-cos-acl;x-cos-grant-read&q-url-param-list=&q-signature=3b8851a11a569213c17ba8fa7dcf2abec6935172"
        );
    }

    /// The official GET example (cos-protocol.md §1.2).
    #[test]
    fn official_get_vector() {
        let headers = pairs(&[
            ("Date", "Thu, 16 May 2019 06:55:53 GMT"),
            ("Host", "examplebucket-1250000000.cos.ap-beijing.myqcloud.com"),
        ]);
        let params =
            pairs(&[("response-content-type", "application/octet-stream"), ("response-cache-control", "max-age=600")]);
        let sig = sign(
            SECRET_KEY,
            &SignRequest {
                method: "GET",
                path: "/exampleobject(腾讯云)",
                params: &params,
                headers: &headers,
                start: 1557989753,
                end: 1557996953,
            },
        );
        assert_eq!(sig.param_list, "response-cache-control;response-content-type");
        assert_eq!(sig.header_list, "date;host");
        assert_eq!(sig.signature, "01681b8c9d798a678e43b685a9f1bba0f6c0e012");
    }

    /// The Go SDK's vector (cos-protocol.md §1.3).
    #[test]
    fn go_sdk_vector() {
        let headers = pairs(&[
            ("Host", "testbucket-125000000.cos.ap-guangzhou.myqcloud.com"),
            ("x-cos-content-sha1", "db8ac1c259eb89d4a131b253bacfca5f319d54f2"),
            ("x-cos-stroage-class", "nearline"),
        ]);
        let sig = sign(
            "AKIDZfbOA78asKUYBcXFrJD0a1ICvR98JM",
            &SignRequest {
                method: "PUT",
                path: "/testfile2",
                params: &[],
                headers: &headers,
                start: 1480932292,
                end: 1481012292,
            },
        );
        assert_eq!(sig.signature, "ce4ac0ecbcdb30538b3fee0a97cc6389694ce53a");
    }

    #[test]
    fn signed_header_choice_matches_the_python_sdk() {
        for h in ["Host", "content-length", "Content-MD5", "x-cos-meta-a", "X-COS-ACL", "Range", "If-Match"] {
            assert!(is_signed_header(h), "{h}");
        }
        for h in ["Date", "User-Agent", "Accept", "Connection", "Content-Language", "Referer"] {
            assert!(!is_signed_header(h), "{h}");
        }
    }
}
