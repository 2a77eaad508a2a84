//! Range requests and conditional headers (RFC 7232/7233 as COS applies them to GET/HEAD, and
//! the `x-cos-copy-source-If-*` variants for CopyObject).

use crate::error::CosError;
use crate::util::parse_http_date;

/// Result of parsing a `Range` header against an object of `size` bytes.
#[derive(Debug, PartialEq)]
pub enum RangeSpec {
    /// No usable Range (absent, not `bytes=`, several ranges, or syntactically invalid): 200.
    Full,
    /// Inclusive byte range: 206.
    Partial(u64, u64),
    /// Valid syntax but nothing to return: 416.
    Unsatisfiable,
}

pub fn parse_range(header: Option<&str>, size: u64) -> RangeSpec {
    let Some(spec) = header.and_then(|h| h.trim().strip_prefix("bytes=")) else {
        return RangeSpec::Full;
    };
    if spec.contains(',') {
        return RangeSpec::Full;
    }
    let Some((first, last)) = spec.trim().split_once('-') else {
        return RangeSpec::Full;
    };
    let parse = |s: &str| -> Option<u64> {
        let s = s.trim();
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            None
        } else {
            s.parse().ok()
        }
    };
    match (first.trim().is_empty(), last.trim().is_empty()) {
        // bytes=-n: the last n bytes.
        (true, false) => match parse(last) {
            Some(0) => RangeSpec::Unsatisfiable,
            Some(_) if size == 0 => RangeSpec::Unsatisfiable,
            Some(n) => RangeSpec::Partial(size.saturating_sub(n), size - 1),
            None => RangeSpec::Full,
        },
        // bytes=a-
        (false, true) => match parse(first) {
            Some(a) if a >= size => RangeSpec::Unsatisfiable,
            Some(a) => RangeSpec::Partial(a, size - 1),
            None => RangeSpec::Full,
        },
        // bytes=a-b
        (false, false) => match (parse(first), parse(last)) {
            (Some(a), Some(b)) if a > b => RangeSpec::Full,
            (Some(a), Some(_)) if a >= size => RangeSpec::Unsatisfiable,
            (Some(a), Some(b)) => RangeSpec::Partial(a, b.min(size - 1)),
            _ => RangeSpec::Full,
        },
        (true, true) => RangeSpec::Full,
    }
}

/// Does an If-Match / If-None-Match list match this (quoted) ETag? `*` matches anything; quotes
/// and weak prefixes are ignored because clients are inconsistent about them.
pub fn etag_matches(list: &str, etag: &str) -> bool {
    let bare = |s: &str| s.trim().trim_start_matches("W/").trim_matches('"').to_string();
    let target = bare(etag);
    list.split(',').any(|e| e.trim() == "*" || bare(e) == target)
}

/// What the conditional headers of a GET/HEAD decide.
#[derive(Debug, PartialEq)]
pub enum Precondition {
    Proceed,
    NotModified,
}

/// The four HTTP conditions, in RFC 7232 §6 order: If-Match, else If-Unmodified-Since; then
/// If-None-Match, else If-Modified-Since. Unparseable dates are ignored.
pub struct Conditions<'a> {
    pub if_match: Option<&'a str>,
    pub if_none_match: Option<&'a str>,
    pub if_modified_since: Option<&'a str>,
    pub if_unmodified_since: Option<&'a str>,
}

impl Conditions<'_> {
    fn failed_write_guard(&self, etag: &str, mtime: u64) -> bool {
        match (self.if_match, self.if_unmodified_since.and_then(parse_http_date)) {
            (Some(m), _) => !etag_matches(m, etag),
            (None, Some(since)) => mtime > since,
            _ => false,
        }
    }

    fn unchanged(&self, etag: &str, mtime: u64) -> bool {
        match (self.if_none_match, self.if_modified_since.and_then(parse_http_date)) {
            (Some(n), _) => etag_matches(n, etag),
            (None, Some(since)) => mtime <= since,
            _ => false,
        }
    }

    /// GET/HEAD: 412 when If-Match/If-Unmodified-Since fail, 304 when If-None-Match/
    /// If-Modified-Since say the client's copy is current.
    pub fn evaluate(&self, etag: &str, mtime: u64) -> Result<Precondition, CosError> {
        if self.failed_write_guard(etag, mtime) {
            return Err(CosError::precondition_failed());
        }
        if self.unchanged(etag, mtime) {
            return Ok(Precondition::NotModified);
        }
        Ok(Precondition::Proceed)
    }

    /// CopyObject source conditions: every failure is 412 (there is no 304 for a copy).
    pub fn evaluate_copy_source(&self, etag: &str, mtime: u64) -> Result<(), CosError> {
        match self.evaluate(etag, mtime)? {
            Precondition::Proceed => Ok(()),
            Precondition::NotModified => Err(CosError::precondition_failed()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use RangeSpec::*;

    #[test]
    fn ranges() {
        let r = |h: &str, size| parse_range(Some(h), size);
        assert_eq!(parse_range(None, 10), Full);
        assert_eq!(r("bytes=0-4", 10), Partial(0, 4));
        assert_eq!(r("bytes=5-", 10), Partial(5, 9));
        assert_eq!(r("bytes=-3", 10), Partial(7, 9));
        assert_eq!(r("bytes=-30", 10), Partial(0, 9));
        assert_eq!(r("bytes=2-100", 10), Partial(2, 9));
        assert_eq!(r("bytes=9-9", 10), Partial(9, 9));
        assert_eq!(r("bytes=10-", 10), Unsatisfiable);
        assert_eq!(r("bytes=10-20", 10), Unsatisfiable);
        assert_eq!(r("bytes=-0", 10), Unsatisfiable);
        assert_eq!(r("bytes=0-", 0), Unsatisfiable);
        assert_eq!(r("bytes=-1", 0), Unsatisfiable);
        assert_eq!(r("bytes=0-1,3-4", 10), Full);
        assert_eq!(r("bytes=5-2", 10), Full);
        assert_eq!(r("bytes=a-b", 10), Full);
        assert_eq!(r("items=0-1", 10), Full);
        assert_eq!(r("bytes=-", 10), Full);
        assert_eq!(r("bytes=+1-2", 10), Full);
    }

    #[test]
    fn etags() {
        assert!(etag_matches("\"abc\"", "\"abc\""));
        assert!(etag_matches("abc", "\"abc\""));
        assert!(etag_matches("\"x\", W/\"abc\"", "\"abc\""));
        assert!(etag_matches("*", "\"abc\""));
        assert!(!etag_matches("\"abd\"", "\"abc\""));
    }

    #[test]
    fn conditions() {
        let etag = "\"e1\"";
        let mtime = 1_557_989_151; // Thu, 16 May 2019 06:45:51 GMT
        let c = |m, n, ims, ius| Conditions {
            if_match: m,
            if_none_match: n,
            if_modified_since: ims,
            if_unmodified_since: ius,
        };
        let before = Some("Thu, 16 May 2019 06:45:50 GMT");
        let same = Some("Thu, 16 May 2019 06:45:51 GMT");
        assert_eq!(c(None, None, None, None).evaluate(etag, mtime).unwrap(), Precondition::Proceed);
        assert_eq!(c(Some("\"e2\""), None, None, None).evaluate(etag, mtime).unwrap_err().status, 412);
        assert_eq!(c(Some("\"e1\""), None, None, None).evaluate(etag, mtime).unwrap(), Precondition::Proceed);
        assert_eq!(c(None, Some("\"e1\""), None, None).evaluate(etag, mtime).unwrap(), Precondition::NotModified);
        assert_eq!(c(None, None, same, None).evaluate(etag, mtime).unwrap(), Precondition::NotModified);
        assert_eq!(c(None, None, before, None).evaluate(etag, mtime).unwrap(), Precondition::Proceed);
        assert_eq!(c(None, None, None, before).evaluate(etag, mtime).unwrap_err().status, 412);
        assert_eq!(c(None, None, None, same).evaluate(etag, mtime).unwrap(), Precondition::Proceed);
        // If-Match wins over If-Unmodified-Since; If-None-Match over If-Modified-Since.
        assert_eq!(c(Some("\"e1\""), None, None, before).evaluate(etag, mtime).unwrap(), Precondition::Proceed);
        assert_eq!(c(None, Some("\"e2\""), same, None).evaluate(etag, mtime).unwrap(), Precondition::Proceed);
        // Garbage dates are ignored.
        assert_eq!(
            c(None, None, Some("garbage"), Some("garbage")).evaluate(etag, mtime).unwrap(),
            Precondition::Proceed
        );
        // Copy source: "not modified" is a failure too.
        assert_eq!(
            c(None, Some("\"e1\""), None, None).evaluate_copy_source(etag, mtime).unwrap_err().code,
            "PreconditionFailed"
        );
    }
}
