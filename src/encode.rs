//! Percent-encoding as COS uses it.

use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// The COS `UrlEncode`: everything but the RFC 3986 unreserved characters `A-Z a-z 0-9 - _ . ~` is escaped,
/// with upper-case hex; space is `%20`, `/` is `%2F`.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

/// Like `COMPONENT`, but `/` stays literal: object keys in URL paths.
const PATH: &AsciiSet = &COMPONENT.remove(b'/');

/// Encodes a query parameter name or value, or a signed header value.
pub fn component(s: &str) -> String {
    utf8_percent_encode(s, COMPONENT).to_string()
}

/// The path of an object URL: `/` followed by the encoded key.
///
/// A key segment that is `.` or `..` would be removed by URL normalisation (in this client's HTTP stack and in
/// proxies), sending the request to a different key. Such a segment is glued to its neighbour with `%2F`
/// instead of `/`, so no segment of the path is a dot segment; the server decodes `%2F` back to `/`.
pub fn object_path(key: &str) -> String {
    let segments: Vec<&str> = key.split('/').collect();
    let is_dot = |s: &str| s == "." || s == "..";
    let mut out = String::with_capacity(key.len() + 8);
    out.push('/');
    for (i, seg) in segments.iter().enumerate() {
        if i > 0 {
            let glue = is_dot(segments[i - 1]) || (is_dot(seg) && i + 1 == segments.len());
            out.push_str(if glue { "%2F" } else { "/" });
        }
        out.push_str(&utf8_percent_encode(seg, PATH).to_string());
    }
    out
}

/// Decodes a percent-encoded string (as COS sends keys with `encoding-type=url`). Invalid UTF-8 after
/// decoding is an error rather than silently replaced, because a key is an identity.
pub fn decode(s: &str) -> Option<String> {
    percent_decode_str(s).decode_utf8().ok().map(|c| c.into_owned())
}

/// Decodes a name from a listing requested with `encoding-type=url`. COS encodes a space as `%20`, S3-style
/// servers (SeaweedFS, ...) as `+`; both encode a real `+` as `%2B`. So `+` is read as a space, which is right
/// for either server: keys `a b` and `a+b` stay two names, and each comes back as the name it was stored under.
pub fn decode_listed(s: &str) -> Option<String> {
    if s.contains('+') {
        decode(&s.replace('+', " "))
    } else {
        decode(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn component_escapes_all_but_unreserved() {
        assert_eq!(component("a b+c/d%e~f_g.h-i"), "a%20b%2Bc%2Fd%25e~f_g.h-i");
        assert_eq!(component("uin=\"1\""), "uin%3D%221%22");
        assert_eq!(component("中"), "%E4%B8%AD");
    }

    #[test]
    fn object_path_keeps_slashes_and_protects_dot_segments() {
        assert_eq!(object_path("a b/中.txt"), "/a%20b/%E4%B8%AD.txt");
        assert_eq!(object_path("exampleobject(x)"), "/exampleobject%28x%29");
        assert_eq!(object_path("../x"), "/..%2Fx");
        assert_eq!(object_path("a/./b"), "/a/.%2Fb");
        assert_eq!(object_path("a/b/.."), "/a/b%2F..");
        assert_eq!(object_path("dir/"), "/dir/");
    }

    #[test]
    fn decode_roundtrips() {
        assert_eq!(decode("a%20b%2Fc").as_deref(), Some("a b/c"));
        assert_eq!(decode("%FF"), None);
    }

    #[test]
    fn listed_names_decode_the_same_from_cos_and_s3_style_servers() {
        // COS: space `%20`, plus `%2B`.
        assert_eq!(decode_listed("a%20b").as_deref(), Some("a b"));
        assert_eq!(decode_listed("a%2Bb").as_deref(), Some("a+b"));
        assert_eq!(decode_listed("d%2F%E4%B8%AD%20%2B%25").as_deref(), Some("d/中 +%"));
        // S3 style (SeaweedFS): space `+`, plus `%2B`.
        assert_eq!(decode_listed("a+b").as_deref(), Some("a b"));
        assert_eq!(decode_listed("a%2Bb+c++").as_deref(), Some("a+b c  "));
        assert_eq!(decode_listed("d/%E4%B8%AD+%2B%25").as_deref(), Some("d/中 +%"));
        // Both spellings of the two keys give two different names.
        assert_ne!(decode_listed("a+b"), decode_listed("a%2Bb"));
        assert_eq!(decode_listed("+%FF"), None);
        // The plain decoder (checkpoints, paths) keeps `+` as it is.
        assert_eq!(decode("a+b").as_deref(), Some("a+b"));
    }
}
