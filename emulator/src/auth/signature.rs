//! The COS request signature (`q-sign-algorithm=sha1`, cos-protocol.md §1.1): the fields of an
//! Authorization string and the computation itself, checked against the official vectors. Which
//! credentials, time windows and clocks are acceptable is `auth::verify`'s business.

use crate::util::{cos_encode, hex};
use hmac::{Hmac, Mac};
use sha1::{Digest as _, Sha1};

type HmacSha1 = Hmac<Sha1>;

/// The fields of an Authorization string (header, or query parameters of a presigned URL).
#[derive(Debug, Default)]
pub struct AuthFields {
    pub algorithm: String,
    pub ak: String,
    pub sign_time: String,
    pub key_time: String,
    pub header_list: String,
    pub param_list: String,
    pub signature: String,
}

impl AuthFields {
    fn set(&mut self, key: &str, value: &str) {
        let slot = match key {
            "q-sign-algorithm" => &mut self.algorithm,
            "q-ak" => &mut self.ak,
            "q-sign-time" => &mut self.sign_time,
            "q-key-time" => &mut self.key_time,
            "q-header-list" => &mut self.header_list,
            "q-url-param-list" => &mut self.param_list,
            "q-signature" => &mut self.signature,
            _ => return,
        };
        *slot = value.to_string();
    }

    /// Parse `q-sign-algorithm=sha1&q-ak=...&...` (the Authorization header form).
    pub fn from_header(value: &str) -> Self {
        let mut f = AuthFields::default();
        for pair in value.split('&') {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            f.set(k.trim(), v.trim());
        }
        f
    }

    /// Take the fields from already-decoded query parameters (presigned URLs).
    pub fn from_query(query: &[(String, String)]) -> Self {
        let mut f = AuthFields::default();
        for (k, v) in query {
            f.set(k, v);
        }
        f
    }
}

fn hmac_sha1_hex(key: &[u8], msg: &[u8]) -> String {
    // HMAC accepts keys of any length, so new_from_slice cannot fail.
    let mut mac = HmacSha1::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(msg);
    hex(&mac.finalize().into_bytes())
}

/// `k1=v1&k2=v2` from (name, value) pairs already in canonical (encoded, lower-cased) form.
fn join_pairs(pairs: &[(String, String)]) -> String {
    pairs.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&")
}

/// The core of the algorithm (§1.1 steps 2, 5, 6, 7). `params` and `headers` are the canonical
/// pairs in the order of their lists.
pub fn compute_signature(
    secret_key: &str,
    key_time: &str,
    sign_time: &str,
    method: &str,
    decoded_path: &str,
    params: &[(String, String)],
    headers: &[(String, String)],
) -> String {
    let sign_key = hmac_sha1_hex(secret_key.as_bytes(), key_time.as_bytes());
    let http_string =
        format!("{}\n{}\n{}\n{}\n", method.to_ascii_lowercase(), decoded_path, join_pairs(params), join_pairs(headers));
    let string_to_sign = format!("sha1\n{}\n{}\n", sign_time, hex(&Sha1::digest(http_string.as_bytes())));
    // The key of the second HMAC is the *hex text* of SignKey, not its raw bytes.
    hmac_sha1_hex(sign_key.as_bytes(), string_to_sign.as_bytes())
}

/// Canonical pairs for the names in a `;`-separated list. `lookup` maps a listed (lower-case,
/// encoded) name to the request's raw value. None when a listed item is missing.
pub fn canonical_pairs<'a>(
    list: &str,
    mut lookup: impl FnMut(&str) -> Option<&'a str>,
) -> Option<Vec<(String, String)>> {
    list.split(';')
        .filter(|n| !n.is_empty())
        .map(|name| {
            let name = name.to_ascii_lowercase();
            let value = cos_encode(lookup(&name)?);
            Some((name, value))
        })
        .collect()
}

#[cfg(test)]
pub mod tests {
    use super::*;

    pub const SK: &str = "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz";
    pub const HOST: &str = "examplebucket-1250000000.cos.ap-beijing.myqcloud.com";

    pub fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items.iter().map(|(k, v)| (k.to_string(), cos_encode(v))).collect()
    }

    /// Official vector, upload (cos-protocol.md §1.2).
    #[test]
    fn official_put_vector() {
        assert_eq!(hmac_sha1_hex(SK.as_bytes(), b"1557989151;1557996351"), "eb2519b498b02ac213cb1f3d1a3d27a3b3c9bc5f");
        let headers = pairs(&[
            ("content-length", "13"),
            ("content-md5", "mQ/fVh815F3k6TAUm8m0eg=="),
            ("content-type", "text/plain"),
            ("date", "Thu, 16 May 2019 06:45:51 GMT"),
            ("host", HOST),
            ("x-cos-acl", "private"),
            ("x-cos-grant-read", "uin=\"100000000011\""),
        ]);
        assert_eq!(
            join_pairs(&headers),
            "content-length=13&content-md5=mQ%2FfVh815F3k6TAUm8m0eg%3D%3D&content-type=text%2Fplain&date=Thu%2C%2016%20May%202019%2006%3A45%3A51%20GMT&host=examplebucket-1250000000.cos.ap-beijing.myqcloud.com&x-cos-acl=private&x-cos-grant-read=uin%3D%22100000000011%22"
        );
        let sig = compute_signature(
            SK,
            "1557989151;1557996351",
            "1557989151;1557996351",
            "PUT",
            "/exampleobject(腾讯云)",
            &[],
            &headers,
        );
        assert_eq!(sig, "3b8851a11a569213c17ba8fa7dcf2abec6935172");
    }

    /// Official vector, download (cos-protocol.md §1.2).
    #[test]
    fn official_get_vector() {
        let params =
            pairs(&[("response-cache-control", "max-age=600"), ("response-content-type", "application/octet-stream")]);
        let headers = pairs(&[("date", "Thu, 16 May 2019 06:55:53 GMT"), ("host", HOST)]);
        let sig = compute_signature(
            SK,
            "1557989753;1557996953",
            "1557989753;1557996953",
            "get",
            "/exampleobject(腾讯云)",
            &params,
            &headers,
        );
        assert_eq!(sig, "01681b8c9d798a678e43b685a9f1bba0f6c0e012");
    }

    /// cos-go-sdk-v5 auth_test.go vector (§1.3).
    #[test]
    fn go_sdk_vector() {
        let headers = pairs(&[
            ("host", "testbucket-125000000.cos.ap-guangzhou.myqcloud.com"),
            ("x-cos-content-sha1", "db8ac1c259eb89d4a131b253bacfca5f319d54f2"),
            ("x-cos-stroage-class", "nearline"),
        ]);
        let sig = compute_signature(
            "AKIDZfbOA78asKUYBcXFrJD0a1ICvR98JM",
            "1480932292;1481012292",
            "1480932292;1481012292",
            "PUT",
            "/testfile2",
            &[],
            &headers,
        );
        assert_eq!(sig, "ce4ac0ecbcdb30538b3fee0a97cc6389694ce53a");
    }
}
