//! Authentication of COS requests: which credentials sign (the permanent pair, or the temporary
//! pair with its session token), the signature's time window, the `Date` header's skew, and the
//! signature itself (`signature.rs`, `q-sign-algorithm=sha1`, cos-protocol.md §1.1).
//!
//! The server side recomputes the signature from what it received: the decoded path, the query
//! parameters named in `q-url-param-list` and the headers named in `q-header-list`, each taken
//! from the request itself. Anything listed but absent makes the signature mismatch.

pub mod issued;
pub mod signature;

use crate::cli::Config;
use crate::error::CosError;
use crate::http::request::Request;
use crate::util::{cos_encode, parse_http_date};
use issued::Issued;
use signature::{canonical_pairs, compute_signature, AuthFields};

/// A `Date` header further than this from the server's clock is RequestTimeTooSkewed (15 min).
const MAX_DATE_SKEW: u64 = 15 * 60;

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn parse_window(s: &str) -> Option<(u64, u64)> {
    let (a, b) = s.split_once(';')?;
    Some((a.trim().parse().ok()?, b.trim().parse().ok()?))
}

/// Check the request's credentials and signature at time `now` (Unix seconds).
pub fn verify(cfg: &Config, issued: &Issued, req: &Request, now: u64) -> Result<(), CosError> {
    let presigned = req.query_param("q-sign-algorithm").is_some() || req.query_param("q-ak").is_some();
    let fields = match req.header("authorization") {
        Some(h) if !h.trim().is_empty() => AuthFields::from_header(h),
        _ if presigned => AuthFields::from_query(&req.query),
        _ => {
            return Err(CosError::access_denied(
                "Access Denied. The request carries no Authorization header or q-signature parameters.",
            ))
        }
    };
    if fields.algorithm != "sha1" || fields.ak.is_empty() || fields.signature.is_empty() {
        return Err(CosError::access_denied(
            "Authorization is malformed: q-sign-algorithm=sha1, q-ak and q-signature are required.",
        ));
    }

    let token = req.header("x-cos-security-token").or_else(|| req.query_param("x-cos-security-token"));
    let minted = issued.find(&fields.ak);
    let secret_key = if fields.ak == cfg.secret_id {
        &cfg.secret_key
    } else if let Some(k) = &minted {
        if token.map(|t| t.as_bytes()) != Some(k.token.as_bytes()) {
            return Err(CosError::new(
                403,
                "InvalidAccessKeyId",
                "The session token does not belong to this SecretId.",
            ));
        }
        if now > k.expires {
            return Err(CosError::new(400, "ExpiredToken", "The provided token has expired."));
        }
        &k.secret_key
    } else if fields.ak == cfg.temp_secret_id {
        if token.map(|t| t.as_bytes()) != Some(cfg.session_token.as_bytes()) {
            return Err(CosError::new(
                403,
                "InvalidAccessKeyId",
                "The x-cos-security-token required with temporary credentials is missing or invalid.",
            ));
        }
        &cfg.temp_secret_key
    } else {
        return Err(CosError::new(
            403,
            "InvalidAccessKeyId",
            "The Access Key Id you provided does not exist in our records.",
        ));
    };

    let (start, end) =
        parse_window(&fields.sign_time).ok_or_else(|| CosError::access_denied("q-sign-time is malformed."))?;
    let key_time = if fields.key_time.is_empty() { fields.sign_time.as_str() } else { fields.key_time.as_str() };
    if now < start || now > end {
        return Err(CosError::access_denied("Request has expired"));
    }
    // Like COS, a header-signed request whose window is fine but whose Date is far from the
    // server's clock is refused as such (presigned URLs are judged by their window alone).
    if req.header("authorization").is_some_and(|h| !h.trim().is_empty()) {
        if let Some(date) = req.header("date").and_then(parse_http_date) {
            if date.abs_diff(now) > MAX_DATE_SKEW {
                return Err(CosError::new(
                    403,
                    "RequestTimeTooSkewed",
                    "The difference between the request time and the server's time is too large.",
                ));
            }
        }
    }

    let mismatch = || CosError::new(403, "SignatureDoesNotMatch", "The Signature you specified is invalid.");
    let path = req.path.as_deref().ok_or_else(mismatch)?;
    let params = canonical_pairs(&fields.param_list, |name| {
        req.query.iter().find(|(k, _)| cos_encode(k).to_ascii_lowercase() == name).map(|(_, v)| v.as_str())
    })
    .ok_or_else(mismatch)?;
    let headers = canonical_pairs(&fields.header_list, |name| {
        req.headers.iter().find(|(k, _)| cos_encode(k).to_ascii_lowercase() == name).map(|(_, v)| v.as_str())
    })
    .ok_or_else(mismatch)?;
    let matches = |headers: &[(String, String)]| {
        let expected = compute_signature(secret_key, key_time, &fields.sign_time, &req.method, path, &params, headers);
        constant_time_eq(expected.as_bytes(), fields.signature.as_bytes())
    };
    if matches(&headers) || matches(&host_without_port(headers)) {
        Ok(())
    } else {
        Err(mismatch())
    }
}

/// The same pairs with any `:port` removed from `host`. Real COS is reached on default ports, so
/// signers (the Python SDK among them) sign the host name without a port, while the Host header
/// sent to the emulator's ephemeral port carries one. Only the port may differ.
fn host_without_port(mut headers: Vec<(String, String)>) -> Vec<(String, String)> {
    for (name, value) in headers.iter_mut() {
        if name == "host" {
            if let Some((h, port)) = value.rsplit_once("%3A") {
                if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) {
                    *value = h.to_string();
                }
            }
        }
    }
    headers
}

#[cfg(test)]
mod tests {
    use super::signature::tests::{pairs, HOST, SK};
    use super::*;

    const AK: &str = "AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q";

    fn config() -> Config {
        Config { secret_id: AK.into(), secret_key: SK.into(), ..Config::default() }
    }

    fn request(method: &str, raw_path: &str, query: &[(&str, &str)], headers: &[(&str, &str)]) -> Request {
        Request {
            method: method.into(),
            raw_path: raw_path.into(),
            path: crate::util::decode_path(raw_path),
            raw_query: String::new(),
            query: query.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            headers: headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            framing: crate::http::request::Framing::Length(0),
            keep_alive: true,
            expects_continue: false,
        }
    }

    const PUT_HEADERS: &[(&str, &str)] = &[
        ("Date", "Thu, 16 May 2019 06:45:51 GMT"),
        ("Host", HOST),
        ("Content-Type", "text/plain"),
        ("Content-Length", "13"),
        ("Content-MD5", "mQ/fVh815F3k6TAUm8m0eg=="),
        ("x-cos-acl", "private"),
        ("x-cos-grant-read", "uin=\"100000000011\""),
    ];

    /// The full verifier accepts the official upload request exactly as printed.
    #[test]
    fn verify_official_put_request() {
        let mut headers = PUT_HEADERS.to_vec();
        let auth = "q-sign-algorithm=sha1&q-ak=AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q&q-sign-time=1557989151;1557996351&q-key-time=1557989151;1557996351&q-header-list=content-length;content-md5;content-type;date;host;x-cos-acl;x-cos-grant-read&q-url-param-list=&q-signature=3b8851a11a569213c17ba8fa7dcf2abec6935172";
        headers.push(("Authorization", auth));
        // The Python SDK sends ( and ) escaped; both forms decode to the same signed path.
        for path in ["/exampleobject(%E8%85%BE%E8%AE%AF%E4%BA%91)", "/exampleobject%28%E8%85%BE%E8%AE%AF%E4%BA%91%29"] {
            let req = request("PUT", path, &[], &headers);
            assert!(verify(&config(), &Default::default(), &req, 1_557_989_200).is_ok());
        }
        // Outside the window.
        let req = request("PUT", "/exampleobject(%E8%85%BE%E8%AE%AF%E4%BA%91)", &[], &headers);
        let e = verify(&config(), &Default::default(), &req, 1_557_996_352).unwrap_err();
        assert_eq!((e.code, e.message.as_str()), ("AccessDenied", "Request has expired"));
        // Inside the window, but the Date header is more than 15 minutes from the server's clock.
        let req = request("PUT", "/exampleobject(%E8%85%BE%E8%AE%AF%E4%BA%91)", &[], &headers);
        assert!(verify(&config(), &Default::default(), &req, 1_557_989_151 + 900).is_ok());
        let e = verify(&config(), &Default::default(), &req, 1_557_989_151 + 901).unwrap_err();
        assert_eq!((e.status, e.code), (403, "RequestTimeTooSkewed"));
        // A changed signed header.
        let mut tampered = headers.clone();
        tampered[0].1 = "Thu, 16 May 2019 06:45:52 GMT";
        let req = request("PUT", "/exampleobject(%E8%85%BE%E8%AE%AF%E4%BA%91)", &[], &tampered);
        assert_eq!(
            verify(&config(), &Default::default(), &req, 1_557_989_200).unwrap_err().code,
            "SignatureDoesNotMatch"
        );
        // A listed header missing from the request.
        let missing: Vec<_> = headers.iter().filter(|(k, _)| *k != "x-cos-acl").cloned().collect();
        let req = request("PUT", "/exampleobject(%E8%85%BE%E8%AE%AF%E4%BA%91)", &[], &missing);
        assert_eq!(
            verify(&config(), &Default::default(), &req, 1_557_989_200).unwrap_err().code,
            "SignatureDoesNotMatch"
        );
        // Unknown key id.
        let mut other = config();
        other.secret_id = "AKIDsomeoneElse".into();
        let req = request("PUT", "/exampleobject(%E8%85%BE%E8%AE%AF%E4%BA%91)", &[], &headers);
        assert_eq!(verify(&other, &Default::default(), &req, 1_557_989_200).unwrap_err().code, "InvalidAccessKeyId");
    }

    /// The official download request, and the same credentials delivered as a presigned URL.
    #[test]
    fn verify_official_get_request_header_and_query() {
        let query = [("response-content-type", "application/octet-stream"), ("response-cache-control", "max-age=600")];
        let auth = "q-sign-algorithm=sha1&q-ak=AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q&q-sign-time=1557989753;1557996953&q-key-time=1557989753;1557996953&q-header-list=date;host&q-url-param-list=response-cache-control;response-content-type&q-signature=01681b8c9d798a678e43b685a9f1bba0f6c0e012";
        let headers = [("Date", "Thu, 16 May 2019 06:55:53 GMT"), ("Host", HOST), ("Authorization", auth)];
        let path = "/exampleobject(%E8%85%BE%E8%AE%AF%E4%BA%91)";
        let req = request("GET", path, &query, &headers);
        assert!(verify(&config(), &Default::default(), &req, 1_557_989_800).is_ok());

        let mut presigned: Vec<(&str, &str)> = auth.split('&').map(|p| p.split_once('=').unwrap()).collect();
        presigned.extend_from_slice(&query);
        let req = request("GET", path, &presigned, &headers[..2]);
        assert!(verify(&config(), &Default::default(), &req, 1_557_989_800).is_ok());
        // A signed parameter altered in the URL.
        presigned.last_mut().unwrap().1 = "max-age=601";
        let req = request("GET", path, &presigned, &headers[..2]);
        assert_eq!(
            verify(&config(), &Default::default(), &req, 1_557_989_800).unwrap_err().code,
            "SignatureDoesNotMatch"
        );
    }

    /// A host signed without the port still verifies when the Host header carries one.
    #[test]
    fn host_signed_without_port() {
        let cfg = Config::default();
        let headers = pairs(&[("host", HOST)]);
        let sig = compute_signature(&cfg.secret_key, "100;200", "100;200", "get", "/k", &[], &headers);
        let auth = format!(
            "q-sign-algorithm=sha1&q-ak={}&q-sign-time=100;200&q-key-time=100;200&q-header-list=host&q-url-param-list=&q-signature={sig}",
            cfg.secret_id
        );
        let with_port = format!("{HOST}:8080");
        let req = request("GET", "/k", &[], &[("Host", &with_port), ("Authorization", &auth)]);
        assert!(verify(&cfg, &Default::default(), &req, 150).is_ok());
        let other = format!("other{HOST}:8080");
        let req = request("GET", "/k", &[], &[("Host", &other), ("Authorization", &auth)]);
        assert_eq!(verify(&cfg, &Default::default(), &req, 150).unwrap_err().code, "SignatureDoesNotMatch");
    }

    #[test]
    fn missing_authorization_and_temporary_credentials() {
        let cfg = Config::default();
        let req = request("GET", "/k", &[], &[("Host", HOST)]);
        assert_eq!(verify(&cfg, &Default::default(), &req, 0).unwrap_err().code, "AccessDenied");
        // Sign with the temporary key, then check the token rule.
        let headers = pairs(&[("host", HOST), ("x-cos-security-token", &cfg.session_token)]);
        let sig = compute_signature(&cfg.temp_secret_key, "100;200", "100;200", "get", "/k", &[], &headers);
        let auth = format!(
            "q-sign-algorithm=sha1&q-ak={}&q-sign-time=100;200&q-key-time=100;200&q-header-list=host;x-cos-security-token&q-url-param-list=&q-signature={sig}",
            cfg.temp_secret_id
        );
        let ok = request(
            "GET",
            "/k",
            &[],
            &[("Host", HOST), ("x-cos-security-token", &cfg.session_token), ("Authorization", &auth)],
        );
        assert!(verify(&cfg, &Default::default(), &ok, 150).is_ok());
        let no_token = request("GET", "/k", &[], &[("Host", HOST), ("Authorization", &auth)]);
        let e = verify(&cfg, &Default::default(), &no_token, 150).unwrap_err();
        assert_eq!(e.code, "InvalidAccessKeyId");
        assert!(e.message.contains("x-cos-security-token"));
    }
}
