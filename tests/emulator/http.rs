//! Minimal HTTP/1.1 server side: parse one request (headers, Content-Length or chunked body,
//! `Expect: 100-continue`) and write one response, with keep-alive.
//!
//! Bodies are read whole into memory; their MD5 and CRC-64 are computed while they arrive so the
//! bytes are hashed while still in cache (large bodies hash MD5 on a helper thread, see
//! `read_fixed_body`).

use crate::error::CosError;
use crate::util;
use md5::{Digest as _, Md5};
use std::fs::File;
use std::io::{self, BufRead, BufWriter, Read, Write};
use std::net::TcpStream;
use std::os::fd::AsRawFd;
use std::sync::{mpsc, Arc};

/// Largest request line or header line accepted.
const MAX_LINE: u64 = 64 * 1024;
const MAX_HEADERS: usize = 256;
/// COS refuses single PUTs over 5 GiB.
pub const MAX_BODY: u64 = 5 * 1024 * 1024 * 1024;
/// Bodies are read (and hashed) in slices of this size.
const READ_SLICE: usize = 1024 * 1024;
/// From this size on, MD5 runs on a helper thread in parallel with the socket reads.
const PARALLEL_MD5_MIN: usize = 4 * 1024 * 1024;

pub struct Request {
    pub method: String,
    /// Path as sent (still percent-encoded), without the query.
    pub raw_path: String,
    /// Percent-decoded path; None when the escapes do not decode to UTF-8.
    pub path: Option<String>,
    /// Query parameters in order, percent-decoded; `?acl` gives ("acl", "").
    pub query: Vec<(String, String)>,
    /// Header names as sent, values trimmed.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub body_md5: [u8; 16],
    pub body_crc64: u64,
    /// The request declared its body size (Content-Length) or used chunked encoding.
    pub has_length: bool,
    pub keep_alive: bool,
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

/// Read one line ending in LF (CRLF or bare LF), without the terminator.
fn read_line<R: BufRead>(r: &mut R, buf: &mut Vec<u8>) -> Result<usize, ReadError> {
    buf.clear();
    let n = r.by_ref().take(MAX_LINE).read_until(b'\n', buf)?;
    if n > 0 && buf.last() != Some(&b'\n') {
        if n as u64 >= MAX_LINE {
            return Err(ReadError::Bad(CosError::new(400, "InvalidRequest", "request line or header line too long")));
        }
        return Err(ReadError::Io(io::ErrorKind::UnexpectedEof.into()));
    }
    while matches!(buf.last(), Some(b'\n' | b'\r')) {
        buf.pop();
    }
    Ok(n)
}

/// Parse the next request from the connection. `w` receives the interim `100 Continue`.
pub fn read_request<R: BufRead, W: Write>(r: &mut R, w: &mut W) -> Result<Request, ReadError> {
    let mut line = Vec::with_capacity(256);
    // RFC 7230 §3.5: ignore empty lines before the request line.
    loop {
        if read_line(r, &mut line)? == 0 {
            return Err(ReadError::Closed);
        }
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
        read_line(r, &mut line)?;
        if line.is_empty() {
            break;
        }
        if headers.len() >= MAX_HEADERS {
            return Err(bad_request("too many header lines"));
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
    let content_length = match find("content-length") {
        Some(v) if !chunked => Some(v.parse::<u64>().map_err(|_| bad_request("invalid Content-Length"))?),
        _ => None,
    };
    if content_length.is_some_and(|n| n > MAX_BODY) {
        return Err(ReadError::Bad(CosError::new(
            400,
            "EntityTooLarge",
            "Your proposed upload exceeds the maximum allowed object size.",
        )));
    }
    let expects_body = chunked || content_length.unwrap_or(0) > 0;
    let wants_continue = find("expect").is_some_and(|v| v.eq_ignore_ascii_case("100-continue"));
    if wants_continue && expects_body && http11 {
        w.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
        w.flush()?;
    }

    let (body, body_md5, body_crc64) =
        if chunked { read_chunked_body(r)? } else { read_fixed_body(r, content_length.unwrap_or(0) as usize)? };

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
        query,
        headers,
        body,
        body_md5,
        body_crc64,
        has_length: chunked || content_length.is_some(),
        keep_alive,
    })
}

type BodyAndDigests = (Vec<u8>, [u8; 16], u64);

/// Read exactly `len` bytes, computing MD5 and CRC-64 slice by slice.
fn read_fixed_body<R: Read>(r: &mut R, len: usize) -> io::Result<BodyAndDigests> {
    // vec! of zeroes is calloc: large buffers arrive as untouched zero pages, so this costs no
    // extra pass over memory before the socket reads fill it.
    let mut body = vec![0u8; len];
    let mut crc = crc64fast::Digest::new();
    if len < PARALLEL_MD5_MIN {
        let mut md5 = Md5::new();
        for slice in body.chunks_mut(READ_SLICE) {
            r.read_exact(slice)?;
            md5.update(&*slice);
            crc.write(slice);
        }
        return Ok((body, md5.finalize().into(), crc.sum64()));
    }
    // MD5 is the slowest step (~0.5 GB/s); hashing it on a second thread overlaps it with the
    // socket reads. Each slice is handed over once it is fully read and never written again.
    let md5 = std::thread::scope(|scope| -> io::Result<[u8; 16]> {
        let (tx, rx) = mpsc::sync_channel::<&[u8]>(16);
        let hasher = scope.spawn(move || {
            let mut md5 = Md5::new();
            for slice in rx {
                md5.update(slice);
            }
            <[u8; 16]>::from(md5.finalize())
        });
        for slice in body.chunks_mut(READ_SLICE) {
            r.read_exact(slice)?;
            let done: &[u8] = slice;
            crc.write(done);
            if tx.send(done).is_err() {
                break;
            }
        }
        drop(tx);
        hasher.join().map_err(|_| io::Error::other("md5 thread panicked"))
    })?;
    Ok((body, md5, crc.sum64()))
}

/// Read a `Transfer-Encoding: chunked` body (chunk extensions and trailers are ignored).
fn read_chunked_body<R: BufRead>(r: &mut R) -> Result<BodyAndDigests, ReadError> {
    let mut body = Vec::new();
    let mut md5 = Md5::new();
    let mut crc = crc64fast::Digest::new();
    let mut line = Vec::new();
    loop {
        read_line(r, &mut line)?;
        let text = String::from_utf8_lossy(&line);
        let size_text = text.split(';').next().unwrap_or("").trim();
        let size = u64::from_str_radix(size_text, 16).map_err(|_| bad_request("malformed chunk size"))?;
        if size == 0 {
            break;
        }
        if body.len() as u64 + size > MAX_BODY {
            return Err(ReadError::Bad(CosError::new(
                400,
                "EntityTooLarge",
                "Your proposed upload exceeds the maximum allowed object size.",
            )));
        }
        let start = body.len();
        body.resize(start + size as usize, 0);
        r.read_exact(&mut body[start..])?;
        md5.update(&body[start..]);
        crc.write(&body[start..]);
        read_line(r, &mut line)?;
        if !line.is_empty() {
            return Err(bad_request("chunk data not followed by CRLF"));
        }
    }
    // Trailer section: header lines up to an empty line.
    loop {
        read_line(r, &mut line)?;
        if line.is_empty() {
            break;
        }
    }
    Ok((body, md5.finalize().into(), crc.sum64()))
}

/// A response body. Shared and File bodies are written straight from their source, without
/// copying them into an intermediate buffer.
pub enum Body {
    Empty,
    /// HEAD responses: the length a GET would send, with no bytes behind it.
    LengthOnly(u64),
    Bytes(Vec<u8>),
    Shared {
        data: Arc<Vec<u8>>,
        start: usize,
        end: usize,
    },
    File {
        file: File,
        offset: u64,
        len: u64,
    },
}

impl Body {
    pub fn len(&self) -> u64 {
        match self {
            Body::Empty => 0,
            Body::LengthOnly(n) => *n,
            Body::Bytes(b) => b.len() as u64,
            Body::Shared { start, end, .. } => (end - start) as u64,
            Body::File { len, .. } => *len,
        }
    }
}

pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Body,
}

impl Response {
    pub fn new(status: u16) -> Self {
        Response { status, headers: Vec::with_capacity(16), body: Body::Empty }
    }

    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_string(), value.into()));
        self
    }

    pub fn push_header(&mut self, name: &str, value: impl Into<String>) {
        self.headers.push((name.to_string(), value.into()));
    }

    /// An XML document body with its Content-Type.
    pub fn xml(status: u16, body: Vec<u8>) -> Self {
        let mut r = Response::new(status).header("Content-Type", "application/xml");
        r.body = Body::Bytes(body);
        r
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        204 => "No Content",
        206 => "Partial Content",
        304 => "Not Modified",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        411 => "Length Required",
        412 => "Precondition Failed",
        416 => "Requested Range Not Satisfiable",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "Unknown",
    }
}

/// Write a response. For HEAD (`head`), Content-Length describes the body that GET would send,
/// but no body bytes follow. 204 and 304 carry neither.
pub fn write_response(w: &mut BufWriter<TcpStream>, resp: Response, head: bool, keep_alive: bool) -> io::Result<()> {
    let bodiless_status = resp.status == 204 || resp.status == 304;
    let mut out = String::with_capacity(512);
    out.push_str("HTTP/1.1 ");
    out.push_str(&resp.status.to_string());
    out.push(' ');
    out.push_str(reason(resp.status));
    out.push_str("\r\n");
    for (name, value) in &resp.headers {
        out.push_str(name);
        out.push_str(": ");
        out.push_str(value);
        out.push_str("\r\n");
    }
    if !bodiless_status {
        out.push_str("Content-Length: ");
        out.push_str(&resp.body.len().to_string());
        out.push_str("\r\n");
    }
    out.push_str(if keep_alive { "Connection: keep-alive\r\n\r\n" } else { "Connection: close\r\n\r\n" });
    w.write_all(out.as_bytes())?;
    if head || bodiless_status {
        return w.flush();
    }
    match resp.body {
        Body::Empty | Body::LengthOnly(_) => {}
        // BufWriter passes slices larger than its buffer straight to the socket.
        Body::Bytes(b) => w.write_all(&b)?,
        Body::Shared { data, start, end } => w.write_all(&data[start..end])?,
        Body::File { file, offset, len } => {
            w.flush()?;
            send_file(w.get_mut(), &file, offset, len)?;
        }
    }
    w.flush()
}

/// Copy a file range to the socket with sendfile(2) (no user-space copy); falls back to
/// read/write where sendfile is refused.
fn send_file(sock: &mut TcpStream, file: &File, mut offset: u64, len: u64) -> io::Result<()> {
    let end = offset + len;
    while offset < end {
        let want = (end - offset).min(1 << 30) as usize;
        let mut off = offset as libc::off_t;
        // SAFETY: both descriptors are open for the duration of the call; `off` is a valid
        // pointer to a local.
        let n = unsafe { libc::sendfile(sock.as_raw_fd(), file.as_raw_fd(), &mut off, want) };
        if n < 0 {
            let err = io::Error::last_os_error();
            match err.raw_os_error() {
                Some(libc::EINTR) => continue,
                Some(libc::EINVAL) | Some(libc::ENOSYS) => {
                    return copy_file_range_slow(sock, file, offset, end - offset)
                }
                _ => return Err(err),
            }
        }
        if n == 0 {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "object file shorter than its metadata"));
        }
        offset += n as u64;
    }
    Ok(())
}

fn copy_file_range_slow(sock: &mut TcpStream, file: &File, offset: u64, len: u64) -> io::Result<()> {
    use std::os::unix::fs::FileExt;
    let mut buf = vec![0u8; READ_SLICE];
    let mut done = 0u64;
    while done < len {
        let want = ((len - done) as usize).min(buf.len());
        let n = file.read_at(&mut buf[..want], offset + done)?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        sock.write_all(&buf[..n])?;
        done += n as u64;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn parse(raw: &[u8]) -> (Result<Request, ReadError>, Vec<u8>) {
        let mut r = Cursor::new(raw.to_vec());
        let mut w = Vec::new();
        let req = read_request(&mut r, &mut w);
        (req, w)
    }

    #[test]
    fn parses_request_line_headers_and_query() {
        let (req, interim) = parse(
            b"GET /a%20b+c/%E4%B8%AD?prefix=x+y%2Bz&acl&max-keys=10 HTTP/1.1\r\nHost: b-1.cos.r.myqcloud.com\r\nX-A:  v  \r\n\r\n",
        );
        let req = req.ok().unwrap();
        assert!(interim.is_empty());
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
        assert!(!req.has_length);
    }

    #[test]
    fn content_length_body_with_continue() {
        let (req, interim) = parse(
            b"PUT /k HTTP/1.1\r\nContent-Length: 13\r\nExpect: 100-continue\r\nConnection: close\r\n\r\nObjectContent",
        );
        let req = req.ok().unwrap();
        assert_eq!(interim, b"HTTP/1.1 100 Continue\r\n\r\n");
        assert_eq!(req.body, b"ObjectContent");
        assert!(req.has_length);
        assert!(!req.keep_alive);
        // MD5("ObjectContent") = base64 mQ/fVh815F3k6TAUm8m0eg== (cos-protocol.md §1.3).
        assert_eq!(util::hex(&req.body_md5), "990fdf561f35e45de4e930149bc9b47a");
        assert_eq!(req.body_crc64, 2_900_061_071_848_923_409);
    }

    #[test]
    fn chunked_body() {
        let (req, _) = parse(
            b"PUT /k HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nTrailer: x\r\n\r\n",
        );
        let req = req.ok().unwrap();
        assert_eq!(req.body, b"hello world");
        assert!(req.has_length);
        assert_eq!(req.body_crc64, 5_981_764_153_023_615_706);
    }

    #[test]
    fn large_body_hashes_in_parallel() {
        let data: Vec<u8> = (0..(9 * 1024 * 1024 + 7)).map(|i| (i % 251) as u8).collect();
        let mut raw = format!("PUT /k HTTP/1.1\r\nContent-Length: {}\r\n\r\n", data.len()).into_bytes();
        raw.extend_from_slice(&data);
        let (req, _) = parse(&raw);
        let req = req.ok().unwrap();
        assert_eq!(req.body_md5, <[u8; 16]>::from(Md5::digest(&data)));
        let mut crc = crc64fast::Digest::new();
        crc.write(&data);
        assert_eq!(req.body_crc64, crc.sum64());
    }

    #[test]
    fn malformed_requests() {
        assert!(matches!(parse(b"").0, Err(ReadError::Closed)));
        assert!(matches!(parse(b"GARBAGE\r\n\r\n").0, Err(ReadError::Bad(_))));
        assert!(matches!(parse(b"PUT /k HTTP/1.1\r\nContent-Length: x\r\n\r\n").0, Err(ReadError::Bad(_))));
        assert!(matches!(parse(b"PUT /k HTTP/1.1\r\nContent-Length: 10\r\n\r\nshort").0, Err(ReadError::Io(_))));
    }

    #[test]
    fn crc64_is_crc64_xz() {
        let mut c = crc64fast::Digest::new();
        c.write(b"123456789");
        assert_eq!(c.sum64(), 0x995D_C9BB_DF19_39FA);
    }
}
