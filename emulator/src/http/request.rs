//! HTTP/1.1 request heads: request line, headers, keep-alive and how the body is framed.
//!
//! The body is not read here: handlers stream it through `body::BodyReader`, so a 5 GiB upload
//! never sits in memory twice and fault injection can cut a connection in the middle of it.

use crate::error::CosError;
use crate::util;
use std::io::{self, BufRead, Read};

/// Whole request head (request line plus header lines): anything larger is refused with 400, so
/// a request cannot make the emulator hold more than this before its body. This is the only limit:
/// there is none on the number of header lines (a PUT may carry hundreds of `x-cos-meta-*`).
pub const MAX_HEAD: u64 = 64 * 1024;
/// COS refuses single PUTs (and parts) over 5 GiB.
pub const MAX_BODY: u64 = 5 * 1024 * 1024 * 1024;

/// How the request body is delimited.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Framing {
    /// No Content-Length and no chunked encoding: no body.
    Absent,
    Length(u64),
    Chunked,
}

pub struct Request {
    pub method: String,
    /// Path as sent (still percent-encoded), without the query.
    pub raw_path: String,
    /// Percent-decoded path; None when the escapes do not decode to UTF-8.
    pub path: Option<String>,
    /// Query string as sent (for redirects).
    pub raw_query: String,
    /// Query parameters in order, percent-decoded; `?acl` gives ("acl", "").
    pub query: Vec<(String, String)>,
    /// Header names as sent, values trimmed.
    pub headers: Vec<(String, String)>,
    pub framing: Framing,
    pub keep_alive: bool,
    /// `Expect: 100-continue` on an HTTP/1.1 request with a body.
    pub expects_continue: bool,
}

impl Request {
    /// First header with this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// First query parameter with exactly this name (COS parameter names are case-sensitive).
    pub fn query_param(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    pub fn is_head(&self) -> bool {
        self.method == "HEAD"
    }

    /// The request declared its body size (Content-Length) or used chunked encoding.
    pub fn has_length(&self) -> bool {
        self.framing != Framing::Absent
    }
}

pub enum ReadError {
    /// The peer closed the connection between requests.
    Closed,
    Io(io::Error),
    /// A malformed request: answer with this error, then close the connection.
    Bad(CosError),
}

impl From<io::Error> for ReadError {
    fn from(e: io::Error) -> Self {
        ReadError::Io(e)
    }
}

fn bad_request(message: impl Into<String>) -> ReadError {
    ReadError::Bad(CosError::new(400, "InvalidRequest", message))
}

fn head_too_large() -> ReadError {
    ReadError::Bad(CosError::new(
        400,
        "RequestHeaderSectionTooLarge",
        format!("Your request header section exceeds the maximum allowed size ({MAX_HEAD} bytes)."),
    ))
}

/// Read one line ending in LF (CRLF or bare LF) of at most `limit` bytes, without the terminator.
/// Returns the bytes consumed (0 at end of stream); a line reaching `limit` is `Bad`.
pub fn read_line<R: BufRead + ?Sized>(r: &mut R, buf: &mut Vec<u8>, limit: u64) -> Result<u64, ReadError> {
    buf.clear();
    // `&mut R` is Sized even when R is `dyn BufRead`, so it can be wrapped in Take.
    let n = Read::take(&mut *r, limit).read_until(b'\n', buf)? as u64;
    if n > 0 && buf.last() != Some(&b'\n') {
        if n >= limit {
            return Err(head_too_large());
        }
        return Err(ReadError::Io(io::ErrorKind::UnexpectedEof.into()));
    }
    while matches!(buf.last(), Some(b'\n' | b'\r')) {
        buf.pop();
    }
    Ok(n)
}

/// Parse the next request head from the connection.
pub fn read_head<R: BufRead>(r: &mut R) -> Result<Request, ReadError> {
    let mut line = Vec::with_capacity(256);
    let mut budget = MAX_HEAD;
    // RFC 7230 §3.5: ignore empty lines before the request line.
    loop {
        let n = read_line(r, &mut line, budget)?;
        if n == 0 {
            return Err(ReadError::Closed);
        }
        budget = budget.saturating_sub(n);
        if !line.is_empty() {
            break;
        }
    }
    let request_line = String::from_utf8(line.clone()).map_err(|_| bad_request("request line is not UTF-8"))?;
    let mut parts = request_line.split(' ');
    let (method, target, version) = match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(m), Some(t), Some(v), None) if !m.is_empty() && !t.is_empty() => (m, t, v),
        _ => return Err(bad_request("malformed request line")),
    };
    let http11 = match version {
        "HTTP/1.1" => true,
        "HTTP/1.0" => false,
        _ => return Err(ReadError::Bad(CosError::new(505, "InvalidRequest", "HTTP version not supported"))),
    };

    let mut headers = Vec::new();
    loop {
        if budget == 0 {
            return Err(head_too_large());
        }
        let n = read_line(r, &mut line, budget)?;
        if n == 0 {
            return Err(ReadError::Io(io::ErrorKind::UnexpectedEof.into()));
        }
        budget = budget.saturating_sub(n);
        if line.is_empty() {
            break;
        }
        if line[0] == b' ' || line[0] == b'\t' {
            return Err(bad_request("obsolete header line folding is not supported"));
        }
        let text = String::from_utf8_lossy(&line);
        let (name, value) = text.split_once(':').ok_or_else(|| bad_request("header line without a colon"))?;
        if name.is_empty() || name.contains([' ', '\t']) {
            return Err(bad_request("malformed header name"));
        }
        headers.push((name.to_string(), value.trim().to_string()));
    }

    let find = |name: &str| {
        headers.iter().find(|(n, _): &&(String, String)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    };
    let connection = find("connection").unwrap_or("").to_ascii_lowercase();
    let keep_alive = if http11 { !connection.contains("close") } else { connection.contains("keep-alive") };
    let chunked =
        find("transfer-encoding").map(|te| te.to_ascii_lowercase().trim_end().ends_with("chunked")).unwrap_or(false);
    let framing = match find("content-length") {
        _ if chunked => Framing::Chunked,
        Some(v) => Framing::Length(v.parse::<u64>().map_err(|_| bad_request("invalid Content-Length"))?),
        None => Framing::Absent,
    };
    if matches!(framing, Framing::Length(n) if n > MAX_BODY) {
        return Err(ReadError::Bad(CosError::new(
            400,
            "EntityTooLarge",
            "Your proposed upload exceeds the maximum allowed object size.",
        )));
    }
    let has_body = matches!(framing, Framing::Chunked) || matches!(framing, Framing::Length(n) if n > 0);
    let expects_continue = http11 && has_body && find("expect").is_some_and(|v| v.eq_ignore_ascii_case("100-continue"));

    // Absolute-form targets (`http://host/path`) come from proxies; keep only the path.
    let target = match target.find("://") {
        Some(i) => target[i + 3..].find('/').map_or("/", |j| &target[i + 3 + j..]),
        None => target,
    };
    let (raw_path, raw_query) = target.split_once('?').unwrap_or((target, ""));
    let query = raw_query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (util::decode_query_component(k), util::decode_query_component(v))
        })
        .collect();

    Ok(Request {
        method: method.to_string(),
        raw_path: raw_path.to_string(),
        path: util::decode_path(raw_path),
        raw_query: raw_query.to_string(),
        query,
        headers,
        framing,
        keep_alive,
        expects_continue,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn parse(raw: &[u8]) -> Result<Request, ReadError> {
        read_head(&mut Cursor::new(raw.to_vec()))
    }

    #[test]
    fn parses_request_line_headers_and_query() {
        let req = parse(
            b"GET /a%20b+c/%E4%B8%AD?prefix=x+y%2Bz&acl&max-keys=10 HTTP/1.1\r\nHost: b-1.cos.r.myqcloud.com\r\nX-A:  v  \r\n\r\n",
        )
        .ok()
        .unwrap();
        assert_eq!(req.method, "GET");
        assert_eq!(req.path.as_deref(), Some("/a b+c/中"));
        assert_eq!(req.raw_path, "/a%20b+c/%E4%B8%AD");
        assert_eq!(
            req.query,
            vec![
                ("prefix".to_string(), "x y+z".to_string()),
                ("acl".to_string(), String::new()),
                ("max-keys".to_string(), "10".to_string())
            ]
        );
        assert_eq!(req.header("x-a"), Some("v"));
        assert!(req.keep_alive);
        assert!(!req.has_length());
    }

    #[test]
    fn framing_and_continue() {
        let req =
            parse(b"PUT /k HTTP/1.1\r\nContent-Length: 13\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n").ok();
        let req = req.unwrap();
        assert_eq!(req.framing, Framing::Length(13));
        assert!(req.expects_continue && !req.keep_alive);
        let req = parse(b"PUT /k HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n").ok().unwrap();
        assert_eq!(req.framing, Framing::Chunked);
        // No body: no 100 Continue even if asked.
        let req = parse(b"PUT /k HTTP/1.1\r\nContent-Length: 0\r\nExpect: 100-continue\r\n\r\n").ok().unwrap();
        assert!(!req.expects_continue && req.has_length());
    }

    #[test]
    fn malformed_requests() {
        assert!(matches!(parse(b""), Err(ReadError::Closed)));
        assert!(matches!(parse(b"GARBAGE\r\n\r\n"), Err(ReadError::Bad(_))));
        assert!(matches!(parse(b"PUT /k HTTP/1.1\r\nContent-Length: x\r\n\r\n"), Err(ReadError::Bad(_))));
        assert!(matches!(parse(b"PUT /k HTTP/1.1\r\nContent-Length: 6000000000\r\n\r\n"), Err(ReadError::Bad(_))));
        assert!(matches!(parse(b"GET /k HTTP/1.1\r\nHost: x"), Err(ReadError::Io(_))));
    }

    #[test]
    fn head_over_64_kib_is_refused() {
        let mut raw = b"GET /k HTTP/1.1\r\n".to_vec();
        for i in 0..40 {
            raw.extend_from_slice(format!("x-junk-{i}: {}\r\n", "a".repeat(2000)).as_bytes());
        }
        raw.extend_from_slice(b"\r\n");
        match parse(&raw) {
            Err(ReadError::Bad(e)) => assert_eq!((e.status, e.code), (400, "RequestHeaderSectionTooLarge")),
            _ => panic!("expected 400"),
        }
        // Just under the cap is fine.
        let mut raw = b"GET /k HTTP/1.1\r\n".to_vec();
        raw.extend_from_slice(format!("x-big: {}\r\n\r\n", "a".repeat(60_000)).as_bytes());
        assert!(parse(&raw).is_ok());
    }

    #[test]
    fn header_lines_are_limited_by_size_not_count() {
        let head = |n: usize| {
            let mut raw = b"PUT /k HTTP/1.1\r\n".to_vec();
            for i in 0..n {
                raw.extend_from_slice(format!("x-cos-meta-m{i:05}: v\r\n").as_bytes());
            }
            raw.extend_from_slice(b"\r\n");
            raw
        };
        // 2900 lines of 22 bytes: about 62 KiB.
        let req = parse(&head(2900)).ok().unwrap();
        assert_eq!(req.headers.len(), 2900);
        assert_eq!(req.header("x-cos-meta-m02899"), Some("v"));
        match parse(&head(3000)) {
            Err(ReadError::Bad(e)) => assert_eq!(e.code, "RequestHeaderSectionTooLarge"),
            _ => panic!("expected 400"),
        }
    }
}
