//! Request heads out, response heads in. Response heads are limited by size, never by the number of
//! fields: an object with COS's maximum of user metadata has over a hundred headers.

use super::conn::{eof, Conn};
use crate::error::{Error, Result};
use std::io;

/// The largest response head accepted. COS's own heads stay under 8 KiB (its user metadata is limited to
/// 2 KiB); this leaves room for proxies, CDNs and custom domains that add headers (the limit ureq applied
/// before), and bounds what a hostile server can make us hold.
pub(crate) const MAX_HEAD: usize = 128 * 1024;
// The error message spells the limit out.
const _: () = assert!(MAX_HEAD == 131072);

/// Writes `METHOD target HTTP/1.1` and the headers into `out`. Refuses CR and LF in names and values: a
/// header that smuggles a line break would inject headers or a second request.
pub(super) fn write_request_head(
    out: &mut Vec<u8>,
    method: &str,
    target: &str,
    headers: &[(String, String)],
) -> Result<()> {
    let bad = |s: &str| s.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0);
    if bad(method) || bad(target) || target.contains(' ') {
        return Err(Error::invalid(format!("the request line {method} {target:?} is not valid HTTP")));
    }
    out.extend_from_slice(method.as_bytes());
    out.push(b' ');
    out.extend_from_slice(target.as_bytes());
    out.extend_from_slice(b" HTTP/1.1\r\n");
    for (k, v) in headers {
        if k.is_empty() || bad(k) || k.contains(':') || bad(v) {
            return Err(Error::invalid(format!("header {k:?} has a name or value that is not valid HTTP")));
        }
        out.extend_from_slice(k.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(v.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
    Ok(())
}

/// A parsed response head.
pub(crate) struct ResponseHead {
    pub status: u16,
    /// HTTP/1.1 (`true`) or HTTP/1.0.
    pub http11: bool,
    /// Names in lower case, in the order received.
    pub headers: Vec<(String, String)>,
}

impl ResponseHead {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// Whether a header's comma-separated list holds `token` (case-insensitive), e.g. `Connection: close`.
    pub fn has_token(&self, name: &str, token: &str) -> bool {
        self.headers
            .iter()
            .filter(|(k, _)| k == name)
            .any(|(_, v)| v.split(',').any(|t| t.trim().eq_ignore_ascii_case(token)))
    }
}

/// Reads one response head from `conn` (at most `MAX_HEAD` bytes) and consumes it from the buffer.
pub(super) fn read_response_head(conn: &mut Conn) -> io::Result<ResponseHead> {
    // The first line, then every header line, until the empty line.
    let mut from = 0;
    loop {
        let i = conn.find_crlf(from, MAX_HEAD, "the response head (status line and headers, 131072 bytes at most)")?;
        if i == from && from > 0 {
            break;
        }
        if i == from {
            // Blank lines before the status line are tolerated (RFC 9112 section 2.2).
            conn.consume(2);
            continue;
        }
        from = i + 2;
    }
    let len = from + 2;
    let bytes = &conn.buffered()[..len];
    let lines = bytes.iter().filter(|&&b| b == b'\n').count();
    let mut fields = vec![httparse::EMPTY_HEADER; lines];
    let mut parsed = httparse::Response::new(&mut fields);
    let status = parsed.parse(bytes).map_err(|e| bad_head(&format!("the response head is not HTTP: {e}")))?;
    if status.is_partial() {
        return Err(eof("the response headers", false));
    }
    let code = parsed.code.unwrap_or(0);
    let http11 = parsed.version == Some(1);
    let headers = parsed
        .headers
        .iter()
        .map(|h| (h.name.to_ascii_lowercase(), String::from_utf8_lossy(h.value).trim().to_string()))
        .collect();
    conn.consume(len);
    Ok(ResponseHead { status: code, http11, headers })
}

pub(super) fn bad_head(message: &str) -> io::Error {
    io::Error::other(Error::parse(message.to_string()))
}

/// How the body of a response ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Framing {
    /// No body (HEAD, 204, 304).
    Empty,
    Length(u64),
    Chunked,
    /// Until the server closes the connection (HTTP/1.0 style).
    UntilClose,
}

/// The framing of a response to `method` (RFC 9112 section 6.3).
pub(super) fn framing(method: &str, head: &ResponseHead) -> io::Result<Framing> {
    if method == "HEAD" || head.status == 204 || head.status == 304 {
        return Ok(Framing::Empty);
    }
    if let Some(te) = head.get("transfer-encoding") {
        let last = te.rsplit(',').next().unwrap_or("").trim();
        return if last.eq_ignore_ascii_case("chunked") { Ok(Framing::Chunked) } else { Ok(Framing::UntilClose) };
    }
    let mut lengths = head.headers.iter().filter(|(k, _)| k == "content-length").map(|(_, v)| v.as_str());
    let Some(first) = lengths.next() else {
        return Ok(Framing::UntilClose);
    };
    let n: u64 = first
        .parse()
        .map_err(|_| bad_head(&format!("the response's Content-Length {first:?} is not a number of bytes")))?;
    if lengths.any(|other| other != first) {
        return Err(bad_head("the response has conflicting Content-Length headers"));
    }
    Ok(Framing::Length(n))
}
