//! The one check every ranged read goes through: the answer to `Range: bytes=FIRST-[LAST]` must be a `206`
//! whose `Content-Range` starts at FIRST, ends at LAST (or at the object's end when LAST is past it or not
//! given), names the object's known size, and agrees with `Content-Length`. Anything else carries other bytes
//! than the ones asked for, and writing them at the asked offset would corrupt the result; CRC checking may
//! be off, so this check never relies on it.

use crate::error::{Error, Result};
use crate::headers::Headers;
use crate::transport::Response;

/// What a ranged answer that passed the check carries: bytes `first..=last` of an object of `total` bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Span {
    pub first: u64,
    pub last: u64,
    pub total: u64,
}

impl Span {
    pub fn len(&self) -> u64 {
        self.last - self.first + 1
    }
}

/// `bytes FIRST-LAST/TOTAL` with FIRST <= LAST < TOTAL, every number plain decimal that fits 64 bits.
pub(crate) fn parse_content_range(value: &str) -> Option<Span> {
    let (range, total) = value.trim().strip_prefix("bytes ")?.split_once('/')?;
    let (first, last) = range.split_once('-')?;
    let span = Span { first: number(first)?, last: number(last)?, total: number(total)? };
    (span.first <= span.last && span.last < span.total).then_some(span)
}

/// A decimal number of ASCII digits only (no sign, no spaces), or None (also on overflow).
pub(crate) fn number(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// The `Content-Length` of an answer: `Ok(None)` when absent, a Parse error when it is not a number.
pub(crate) fn content_length(headers: &Headers) -> Result<Option<u64>> {
    match headers.get("content-length") {
        None => Ok(None),
        Some(v) => number(v.trim())
            .map(Some)
            .ok_or_else(|| Error::parse(format!("Content-Length {v:?} is not a byte count that fits 64 bits"))),
    }
}

fn asked(first: u64, last: Option<u64>) -> String {
    match last {
        Some(l) => format!("bytes {first}-{l}"),
        None => format!("bytes {first}-"),
    }
}

/// Checks the answer to a GET for bytes `first..=last` (`last` None: to the end) of an object of `total`
/// bytes (None: not known yet, then the answer's own total is taken). Returns what the body must carry; a
/// wrong answer is a Parse error, stamped with the response, saying what came instead.
pub(crate) fn check_ranged(resp: &Response, first: u64, last: Option<u64>, total: Option<u64>) -> Result<Span> {
    check(resp.status, &resp.headers, first, last, total).map_err(|msg| resp.stamp(Error::parse(msg)))
}

fn check(
    status: u16,
    headers: &Headers,
    first: u64,
    last: Option<u64>,
    total: Option<u64>,
) -> std::result::Result<Span, String> {
    let want = asked(first, last);
    let length = content_length(headers).map_err(|e| format!("the answer for {want}: {}", e.message()))?;
    if status != 206 {
        let carried = length.map_or(String::new(), |n| format!(" carrying {n} bytes"));
        return Err(format!(
            "asked for {want} and got HTTP {status}{carried} instead of 206 Partial Content: not the bytes asked for"
        ));
    }
    let Some(value) = headers.get("content-range") else {
        return Err(format!("asked for {want} and got a 206 without Content-Range"));
    };
    let Some(span) = parse_content_range(value) else {
        return Err(format!("asked for {want} and got a 206 with an unreadable Content-Range {value:?}"));
    };
    if let Some(t) = total.filter(|&t| t != span.total) {
        return Err(format!(
            "asked for {want} and got Content-Range {value:?}, which names an object of {} bytes instead of {t}",
            span.total
        ));
    }
    if span.first != first {
        return Err(format!("asked for {want} and got Content-Range {value:?}, which starts at byte {}", span.first));
    }
    // Where the answer must end: the asked last byte, or the object's last one when that comes first.
    let end = last.map_or(span.total - 1, |l| l.min(span.total - 1));
    if span.last != end {
        return Err(format!(
            "asked for {want} and got Content-Range {value:?}, which ends at byte {} instead of {end}",
            span.last
        ));
    }
    if let Some(n) = length.filter(|&n| n != span.len()) {
        return Err(format!(
            "asked for {want} and got Content-Range {value:?} ({} bytes) with Content-Length {n}",
            span.len()
        ));
    }
    Ok(span)
}

/// The range a caller's own `Range` header asks for, when it is one this library can check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Asked {
    /// `bytes=FIRST-` or `bytes=FIRST-LAST`.
    Span(u64, Option<u64>),
    /// `bytes=-N`: the last N bytes.
    Suffix(u64),
}

/// Parses a `Range` request header; None for forms not checked (several ranges, other units).
pub(crate) fn parse_asked(value: &str) -> Option<Asked> {
    let spec = value.trim().strip_prefix("bytes=")?;
    let (a, b) = spec.split_once('-')?;
    match (a.trim(), b.trim()) {
        ("", n) => Some(Asked::Suffix(number(n)?)),
        (a, "") => Some(Asked::Span(number(a)?, None)),
        (a, b) => Some(Asked::Span(number(a)?, Some(number(b)?))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> Headers {
        Headers::new(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
    }

    #[test]
    fn content_ranges() {
        assert_eq!(parse_content_range("bytes 0-9/10"), Some(Span { first: 0, last: 9, total: 10 }));
        for bad in [
            "bytes 0-9/*",
            "bytes 5-4/10",
            "bytes 0-10/10",
            "bytes -1-9/10",
            "bytes +0-9/10",
            "bytes 0-9/18446744073709551616",
            "0-9/10",
            "bytes 0-9",
        ] {
            assert_eq!(parse_content_range(bad), None, "{bad}");
        }
    }

    #[test]
    fn only_the_asked_bytes_pass() {
        let ok = |cr: &str, len: &str| headers(&[("Content-Range", cr), ("Content-Length", len)]);
        let span = check(206, &ok("bytes 100-199/1000", "100"), 100, Some(199), Some(1000)).unwrap();
        assert_eq!(span.len(), 100);
        // To the end, and a last byte past the end.
        assert!(check(206, &ok("bytes 100-999/1000", "900"), 100, None, Some(1000)).is_ok());
        assert!(check(206, &ok("bytes 100-999/1000", "900"), 100, Some(5000), None).is_ok());
        // Unknown total: the answer's is taken.
        assert_eq!(check(206, &ok("bytes 0-9/10", "10"), 0, None, None).unwrap().total, 10);

        let fails = |status, h: &Headers, last, total, needle: &str| {
            let msg = check(status, h, 100, last, total).unwrap_err();
            assert!(msg.contains(needle), "{msg:?} lacks {needle:?}");
        };
        fails(200, &headers(&[("Content-Length", "1000")]), Some(199), Some(1000), "got HTTP 200 carrying 1000 bytes");
        fails(206, &headers(&[("Content-Length", "100")]), Some(199), Some(1000), "without Content-Range");
        fails(206, &ok("bytes 0-99/1000", "100"), Some(199), Some(1000), "starts at byte 0");
        fails(206, &ok("bytes 100-299/1000", "200"), Some(199), Some(1000), "ends at byte 299 instead of 199");
        fails(206, &ok("bytes 100-199/1000", "200"), Some(199), Some(1000), "with Content-Length 200");
        fails(206, &ok("bytes 100-199/2000", "100"), Some(199), Some(1000), "object of 2000 bytes instead of 1000");
        fails(206, &ok("bytes 100-199/*", "100"), Some(199), Some(1000), "unreadable Content-Range");
        fails(206, &ok("bytes 100-199/1000", "lots"), Some(199), Some(1000), "is not a byte count");
        fails(206, &ok("bytes 100-998/1000", "899"), None, Some(1000), "instead of 999");
    }

    #[test]
    fn asked_ranges() {
        assert_eq!(parse_asked("bytes=5-"), Some(Asked::Span(5, None)));
        assert_eq!(parse_asked("bytes=5-9"), Some(Asked::Span(5, Some(9))));
        assert_eq!(parse_asked("bytes=-9"), Some(Asked::Suffix(9)));
        assert_eq!(parse_asked("bytes=0-1,5-9"), None);
        assert_eq!(parse_asked("items=0-1"), None);
    }
}
