//! Response headers with case-insensitive lookup, and what they say about an object.

use crate::error::{Error, Result};

/// Headers of a response, in the order received. Lookups ignore case.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Headers(Vec<(String, String)>);

impl Headers {
    pub fn new(pairs: Vec<(String, String)>) -> Headers {
        Headers(pairs)
    }
    /// The first value of header `name`, ignoring case.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.index(name).map(|i| self.0[i].1.as_str())
    }
    /// The position of the first header `name`, ignoring case (for callers that keep the headers in
    /// another form, such as the C ABI's strings).
    pub fn index(&self, name: &str) -> Option<usize> {
        self.0.iter().position(|(k, _)| k.eq_ignore_ascii_case(name))
    }
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub(crate) fn push(&mut self, name: &str, value: &str) {
        self.0.push((name.to_string(), value.to_string()));
    }
    pub fn request_id(&self) -> Option<&str> {
        self.get("x-cos-request-id")
    }
    /// Header `name` as an unsigned 64-bit decimal number (surrounding whitespace allowed): `Ok(None)` when
    /// absent, a parse error naming the header and its value otherwise.
    pub(crate) fn number(&self, name: &str) -> Result<Option<u64>> {
        let Some(value) = self.get(name) else { return Ok(None) };
        let digits = value.trim();
        // `u64::from_str` takes a leading `+`; no server sends one, so it is refused with the rest.
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::parse(format!("{name} is not an unsigned number: {value:?}")));
        }
        digits.parse().map(Some).map_err(|_| Error::parse(format!("{name} {value:?} does not fit in 64 bits")))
    }
}

/// What a response says about an object: HEAD, GET, PUT and copy return it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ObjectInfo {
    pub headers: Headers,
}

pub(crate) const META_PREFIX: &str = "x-cos-meta-";

impl ObjectInfo {
    /// The `Content-Length`; `None` when absent or not a number (see [`ObjectInfo::checked_content_length`]).
    pub fn content_length(&self) -> Option<u64> {
        self.checked_content_length().ok().flatten()
    }
    /// The `Content-Length`: `Ok(None)` when absent, a parse error when it is not an unsigned 64-bit number
    /// (negative, overflowing, not digits): a server that sends that must not pass for one that sent nothing.
    pub fn checked_content_length(&self) -> Result<Option<u64>> {
        self.headers.number("content-length")
    }
    pub fn etag(&self) -> Option<&str> {
        self.headers.get("etag")
    }
    pub fn last_modified(&self) -> Option<&str> {
        self.headers.get("last-modified")
    }
    pub fn content_type(&self) -> Option<&str> {
        self.headers.get("content-type")
    }
    /// The object's CRC-64/XZ as COS reported it (absent for objects stored before COS computed it).
    pub fn crc64(&self) -> Option<u64> {
        self.checked_crc64().ok().flatten()
    }
    /// The CRC-64: `Ok(None)` when COS sent none, a parse error when the header is not an unsigned 64-bit
    /// number (a value that cannot be checked must not read as "no CRC to check").
    pub fn checked_crc64(&self) -> Result<Option<u64>> {
        self.headers.number("x-cos-hash-crc64ecma")
    }
    pub fn version_id(&self) -> Option<&str> {
        self.headers.get("x-cos-version-id")
    }
    /// `STANDARD` when COS sends no `x-cos-storage-class`.
    pub fn storage_class(&self) -> &str {
        self.headers.get("x-cos-storage-class").unwrap_or("STANDARD")
    }
    /// User metadata: `x-cos-meta-<name>` headers, as (name without the prefix, value).
    pub fn metadata(&self) -> impl Iterator<Item = (&str, &str)> {
        self.headers.iter().filter_map(|(k, v)| {
            let lower_prefix = k.get(..META_PREFIX.len())?;
            lower_prefix.eq_ignore_ascii_case(META_PREFIX).then(|| (&k[META_PREFIX.len()..], v))
        })
    }
    /// One user metadata value, by name with or without the `x-cos-meta-` prefix, ignoring case. The name as
    /// given wins, so metadata whose own name starts with `x-cos-meta-` is still found.
    pub fn meta(&self, name: &str) -> Option<&str> {
        self.meta_index(name).map(|i| self.headers.0[i].1.as_str())
    }

    /// The position among the headers of user metadata `name` (as [`ObjectInfo::meta`] finds it), for
    /// callers that keep the headers in another form (the C ABI's strings).
    pub fn meta_index(&self, name: &str) -> Option<usize> {
        let find = |n: &str| self.headers.index(&format!("{META_PREFIX}{n}"));
        find(name).or_else(|| find(strip_meta_prefix(name)))
    }
}

/// The state of an archived object's restore, from HEAD's `x-cos-restore`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RestoreState {
    /// True while COS is restoring it; false once the restored copy is readable.
    pub ongoing: bool,
    /// When the restored copy goes away (an HTTP date), once the restore is done.
    pub expiry_date: Option<String>,
}

/// Parses `ongoing-request="true"` or `ongoing-request="false", expiry-date="Fri, 21 Dec 2012 00:00:00 GMT"`
/// (the date has a comma of its own, so the value is read as quoted pairs, not split at commas).
fn parse_restore(value: &str) -> Result<RestoreState> {
    let bad = |why: &str| Error::parse(format!("x-cos-restore {value:?} is not a restore state: {why}"));
    let (mut ongoing, mut expiry_date) = (None, None);
    let mut rest = value.trim();
    while !rest.is_empty() {
        let (name, after) = rest.split_once('=').ok_or_else(|| bad("a field has no '='"))?;
        let after = after.trim_start().strip_prefix('"').ok_or_else(|| bad("a value is not quoted"))?;
        let (field, tail) = after.split_once('"').ok_or_else(|| bad("a quote is not closed"))?;
        match name.trim().to_ascii_lowercase().as_str() {
            "ongoing-request" => match field {
                "true" => ongoing = Some(true),
                "false" => ongoing = Some(false),
                _ => return Err(bad("ongoing-request is neither \"true\" nor \"false\"")),
            },
            "expiry-date" => expiry_date = Some(field.to_string()),
            _ => {}
        }
        let tail = tail.trim_start();
        rest = match tail.strip_prefix(',') {
            Some(t) => t.trim_start(),
            None if tail.is_empty() => tail,
            None => return Err(bad("fields are not separated by commas")),
        };
    }
    let ongoing = ongoing.ok_or_else(|| bad("it has no ongoing-request"))?;
    Ok(RestoreState { ongoing, expiry_date })
}

impl ObjectInfo {
    /// The restore of an archived object: `None` when HEAD says nothing about one (the object is not
    /// archived, or no restore was asked for), or when the header is not a restore state (see
    /// [`ObjectInfo::checked_restore`]).
    pub fn restore(&self) -> Option<RestoreState> {
        self.checked_restore().ok().flatten()
    }
    /// The restore state: `Ok(None)` when COS sent no `x-cos-restore`, a parse error when it is malformed.
    pub fn checked_restore(&self) -> Result<Option<RestoreState>> {
        self.headers.get("x-cos-restore").map(parse_restore).transpose()
    }
    /// How many tags the object has (`x-cos-tagging-count`, sent by HEAD and GET of a tagged object).
    pub fn tag_count(&self) -> Option<u64> {
        self.headers.number("x-cos-tagging-count").ok().flatten()
    }
}

/// `x-cos-meta-foo` → `foo`; `foo` → `foo`.
pub(crate) fn strip_meta_prefix(name: &str) -> &str {
    match name.get(..META_PREFIX.len()) {
        Some(p) if p.eq_ignore_ascii_case(META_PREFIX) => &name[META_PREFIX.len()..],
        _ => name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups_ignore_case_and_parse() {
        let info = ObjectInfo {
            headers: Headers::new(vec![
                ("ETag".into(), "\"abc\"".into()),
                ("Content-Length".into(), "42".into()),
                ("x-cos-hash-crc64ecma".into(), "18446744073709551615".into()),
                ("X-Cos-Meta-Color".into(), "blue".into()),
            ]),
        };
        assert_eq!(info.etag(), Some("\"abc\""));
        assert_eq!(info.content_length(), Some(42));
        assert_eq!(info.crc64(), Some(u64::MAX));
        assert_eq!(info.storage_class(), "STANDARD");
        assert_eq!(info.meta("color"), Some("blue"));
        assert_eq!(info.meta("x-cos-meta-COLOR"), Some("blue"));
        assert_eq!(info.metadata().collect::<Vec<_>>(), vec![("Color", "blue")]);
        // Metadata whose own name starts with the prefix (found by fuzzing) is found by that name too.
        let nested = ObjectInfo { headers: Headers::new(vec![("x-cos-meta-x-cos-meta-".into(), "v".into())]) };
        assert_eq!(nested.meta("x-cos-meta-"), Some("v"));
        assert_eq!(nested.meta("X-Cos-Meta-x-cos-meta-"), Some("v"));
    }

    #[test]
    fn restore_state_and_tag_count() {
        let info = |restore: &str| ObjectInfo {
            headers: Headers::new(vec![
                ("x-cos-restore".into(), restore.into()),
                ("x-cos-tagging-count".into(), "3".into()),
            ]),
        };
        let done = info("ongoing-request=\"false\", expiry-date=\"Fri, 21 Dec 2012 00:00:00 GMT\"");
        assert_eq!(
            done.restore(),
            Some(RestoreState { ongoing: false, expiry_date: Some("Fri, 21 Dec 2012 00:00:00 GMT".into()) })
        );
        assert_eq!(done.tag_count(), Some(3));
        assert_eq!(
            info(" ongoing-request=\"true\" ").restore(),
            Some(RestoreState { ongoing: true, expiry_date: None })
        );
        assert_eq!(info("Ongoing-Request = \"true\",").restore().map(|r| r.ongoing), Some(true));
        for bad in [
            "",
            "ongoing-request=true",
            "ongoing-request=\"maybe\"",
            "expiry-date=\"x\"",
            "ongoing-request=\"true",
            "ongoing-request=\"true\" x=\"1\"",
        ] {
            assert_eq!(info(bad).checked_restore().unwrap_err().kind(), crate::ErrorKind::Parse, "{bad:?}");
            assert_eq!(info(bad).restore(), None);
        }
        assert_eq!(ObjectInfo::default().checked_restore().unwrap(), None);
        assert_eq!(ObjectInfo::default().tag_count(), None);
    }

    #[test]
    fn absurd_numbers_are_parse_errors_not_absent_values() {
        let info = |v: &str| ObjectInfo {
            headers: Headers::new(vec![("Content-Length".into(), v.into()), ("x-cos-hash-crc64ecma".into(), v.into())]),
        };
        for bad in ["18446744073709551616", "99999999999999999999999", "-1", "+5", "1e3", "0x10", "12 34", "", " "] {
            let i = info(bad);
            let e = i.checked_content_length().unwrap_err();
            assert_eq!(e.kind(), crate::ErrorKind::Parse, "{bad:?}: {e:?}");
            assert!(e.message().contains("content-length") && e.message().contains(&format!("{bad:?}")), "{e:?}");
            assert_eq!(i.checked_crc64().unwrap_err().kind(), crate::ErrorKind::Parse, "{bad:?}");
            // The plain accessors still say "not known".
            assert_eq!((i.content_length(), i.crc64()), (None, None));
        }
        assert_eq!(info(" 18446744073709551615 ").checked_content_length().unwrap(), Some(u64::MAX));
        assert_eq!(info("0").checked_crc64().unwrap(), Some(0));
        let none = ObjectInfo::default();
        assert_eq!((none.checked_content_length().unwrap(), none.checked_crc64().unwrap()), (None, None));
    }
}
