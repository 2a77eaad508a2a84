//! Responses on the wire: status line, headers, and a body sent in large writes (memory slices
//! as they are, files with sendfile), optionally paced by the rate limiter or cut short by an
//! injected fault.

use crate::faults::ratelimit::{self, RateLimiter};
use crate::storage::store::Piece;
use std::io::{self, BufWriter, Write};
use std::net::TcpStream;
use std::os::fd::AsRawFd;
use std::time::Duration;

/// Bytes of a generated body (huge-error) prepared at a time.
const GENERATED_CHUNK: usize = 64 * 1024;

/// A response body.
pub enum Body {
    Empty,
    /// HEAD responses: the length a GET would send, with no bytes behind it.
    LengthOnly(u64),
    Bytes(Vec<u8>),
    /// Object bytes: shared memory and open files, written without an intermediate copy.
    Pieces(Vec<Piece>),
    /// `head`, then `fill` bytes repeating `unit`, then `tail`; generated as it is sent.
    Repeat {
        head: Vec<u8>,
        unit: &'static [u8],
        fill: u64,
        tail: Vec<u8>,
    },
    /// Sent with `Transfer-Encoding: chunked`, one HTTP chunk per item, as COS streams an answer
    /// whose length it does not know beforehand (Select's event stream). Fault cuts count the
    /// encoded bytes.
    Chunked(Vec<Vec<u8>>),
}

impl Body {
    pub fn len(&self) -> u64 {
        match self {
            Body::Empty => 0,
            Body::LengthOnly(n) => *n,
            Body::Bytes(b) => b.len() as u64,
            Body::Pieces(p) => p.iter().map(Piece::len).sum(),
            Body::Repeat { head, fill, tail, .. } => head.len() as u64 + fill + tail.len() as u64,
            Body::Chunked(chunks) => {
                let framed = chunks.iter().filter(|c| !c.is_empty()).map(|c| chunk_overhead(c.len()) + c.len() as u64);
                framed.sum::<u64>() + LAST_CHUNK.len() as u64
            }
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

    /// Replace a header's value (or add it).
    pub fn set_header(&mut self, name: &str, value: impl Into<String>) {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self.push_header(name, value);
    }

    /// An XML document body with its Content-Type.
    pub fn xml(status: u16, body: Vec<u8>) -> Self {
        let mut r = Response::new(status).header("Content-Type", "application/xml");
        r.body = Body::Bytes(body);
        r
    }

    /// A plain-text body (control API).
    pub fn text(status: u16, body: impl Into<String>) -> Self {
        let mut r = Response::new(status).header("Content-Type", "text/plain; charset=utf-8");
        r.body = Body::Bytes(body.into().into_bytes());
        r
    }
}

/// Where an injected fault interrupts the body: after this many body bytes, then...
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cut {
    /// ...reset the connection (RST).
    Reset(u64),
    /// ...close it normally (FIN), the body short of its Content-Length.
    Close(u64),
    /// ...wait, then send the rest.
    Stall(u64, Duration),
}

/// What the connection must do after the response.
#[derive(Debug, PartialEq)]
pub enum After {
    Continue,
    Reset,
    Close,
}

pub struct Delivery<'a> {
    /// HEAD: Content-Length describes the body GET would send, but no body bytes follow.
    pub head: bool,
    pub keep_alive: bool,
    pub limiter: Option<&'a mut RateLimiter>,
    pub cut: Option<Cut>,
}

pub fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        204 => "No Content",
        206 => "Partial Content",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        411 => "Length Required",
        412 => "Precondition Failed",
        416 => "Requested Range Not Satisfiable",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        _ => "Unknown",
    }
}

/// `<size in hex>\r\n` before a chunk's data and `\r\n` after it.
fn chunk_overhead(len: usize) -> u64 {
    format!("{len:x}").len() as u64 + 4
}

/// The chunked encoding of `chunks` (empty ones skipped: a zero-size chunk ends the body), with
/// the last chunk and no trailers.
fn encode_chunked(chunks: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    for c in chunks.iter().filter(|c| !c.is_empty()) {
        out.extend_from_slice(format!("{:x}\r\n", c.len()).as_bytes());
        out.extend_from_slice(c);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(LAST_CHUNK);
    out
}

/// The zero-size chunk that ends a chunked body, without trailers.
const LAST_CHUNK: &[u8] = b"0\r\n\r\n";

/// Write a response. 204 and 304 carry no body and no Content-Length; a chunked body carries
/// `Transfer-Encoding: chunked` instead of it.
pub fn write_response(w: &mut BufWriter<TcpStream>, mut resp: Response, mut d: Delivery) -> io::Result<After> {
    let bodiless_status = resp.status == 204 || resp.status == 304;
    let chunked = matches!(resp.body, Body::Chunked(_));
    if let Body::Chunked(chunks) = &resp.body {
        resp.body = Body::Bytes(encode_chunked(chunks));
    }
    let mut out = String::with_capacity(512);
    out.push_str(&format!("HTTP/1.1 {} {}\r\n", resp.status, reason(resp.status)));
    for (name, value) in &resp.headers {
        out.push_str(name);
        out.push_str(": ");
        out.push_str(value);
        out.push_str("\r\n");
    }
    let len = resp.body.len();
    if chunked && !bodiless_status {
        out.push_str("Transfer-Encoding: chunked\r\n");
    } else if !bodiless_status {
        out.push_str(&format!("Content-Length: {len}\r\n"));
    }
    out.push_str(if d.keep_alive { "Connection: keep-alive\r\n\r\n" } else { "Connection: close\r\n\r\n" });
    w.write_all(out.as_bytes())?;
    let len = if d.head || bodiless_status { 0 } else { len };
    let stop = match d.cut {
        Some(Cut::Reset(n) | Cut::Close(n) | Cut::Stall(n, _)) => n.min(len),
        None => len,
    };
    write_range(w, &resp.body, 0, stop, &mut d.limiter)?;
    w.flush()?;
    match d.cut {
        None => Ok(After::Continue),
        Some(Cut::Reset(_)) => Ok(After::Reset),
        Some(Cut::Close(_)) => Ok(After::Close),
        Some(Cut::Stall(_, pause)) => {
            std::thread::sleep(pause);
            write_range(w, &resp.body, stop, len, &mut d.limiter)?;
            w.flush()?;
            Ok(After::Continue)
        }
    }
}

/// Write bytes `[from, to)` of `body`.
fn write_range(
    w: &mut BufWriter<TcpStream>,
    body: &Body,
    from: u64,
    to: u64,
    limiter: &mut Option<&mut RateLimiter>,
) -> io::Result<()> {
    if from >= to {
        return Ok(());
    }
    match body {
        // Chunked bodies are encoded into bytes before they are written.
        Body::Empty | Body::LengthOnly(_) | Body::Chunked(_) => Ok(()),
        Body::Bytes(b) => emit(w, &b[from as usize..to as usize], limiter),
        Body::Pieces(pieces) => {
            let mut pos = 0u64;
            for piece in pieces {
                let (lo, hi) = (from.max(pos), to.min(pos + piece.len()));
                if lo < hi {
                    let (a, b) = (lo - pos, hi - pos);
                    match piece {
                        Piece::Mem { data, start, .. } => {
                            emit(w, &data[start + a as usize..start + b as usize], limiter)?
                        }
                        Piece::File { file, offset, .. } => {
                            w.flush()?;
                            send_file(w.get_mut(), file, offset + a, b - a, limiter)?;
                        }
                    }
                }
                pos += piece.len();
            }
            Ok(())
        }
        Body::Repeat { head, unit, fill, tail } => {
            let (h, f) = (head.len() as u64, *fill);
            if from < h {
                emit(w, &head[from as usize..to.min(h) as usize], limiter)?;
            }
            // The filler is `unit` repeated: byte i of it is unit[i % unit.len()].
            let pattern: Vec<u8> = unit.iter().copied().cycle().take(GENERATED_CHUNK + unit.len()).collect();
            let mut i = from.max(h) - h;
            while i < f && h + i < to {
                let n = (f - i).min(to - h - i).min(GENERATED_CHUNK as u64) as usize;
                let at = (i % unit.len() as u64) as usize;
                emit(w, &pattern[at..at + n], limiter)?;
                i += n as u64;
            }
            if to > h + f {
                emit(w, &tail[(from.max(h + f) - h - f) as usize..(to - h - f) as usize], limiter)?;
            }
            Ok(())
        }
    }
}

/// Write bytes: all at once (BufWriter hands large slices straight to the socket), or in paced
/// steps under a rate limit.
fn emit(w: &mut BufWriter<TcpStream>, mut bytes: &[u8], limiter: &mut Option<&mut RateLimiter>) -> io::Result<()> {
    if limiter.is_none() {
        return w.write_all(bytes);
    }
    while !bytes.is_empty() {
        let step = ratelimit::pace(limiter).unwrap_or(bytes.len()).min(bytes.len());
        w.write_all(&bytes[..step])?;
        w.flush()?;
        ratelimit::consume(limiter, step);
        bytes = &bytes[step..];
    }
    Ok(())
}

/// Copy a file range to the socket with sendfile(2) (no user-space copy); falls back to
/// read/write where sendfile is refused.
fn send_file(
    sock: &mut TcpStream,
    file: &std::fs::File,
    mut offset: u64,
    len: u64,
    limiter: &mut Option<&mut RateLimiter>,
) -> io::Result<()> {
    let end = offset + len;
    while offset < end {
        let step = ratelimit::pace(limiter).unwrap_or(1 << 30) as u64;
        let want = (end - offset).min(step) as usize;
        let mut off = offset as libc::off_t;
        // SAFETY: both descriptors are open for the duration of the call; `off` is a valid
        // pointer to a local.
        let n = unsafe { libc::sendfile(sock.as_raw_fd(), file.as_raw_fd(), &mut off, want) };
        if n < 0 {
            let err = io::Error::last_os_error();
            match err.raw_os_error() {
                Some(libc::EINTR) => continue,
                Some(libc::EINVAL) | Some(libc::ENOSYS) => return copy_slow(sock, file, offset, end - offset, limiter),
                _ => return Err(err),
            }
        }
        if n == 0 {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "object file shorter than its metadata"));
        }
        ratelimit::consume(limiter, n as usize);
        offset += n as u64;
    }
    Ok(())
}

fn copy_slow(
    sock: &mut TcpStream,
    file: &std::fs::File,
    offset: u64,
    len: u64,
    limiter: &mut Option<&mut RateLimiter>,
) -> io::Result<()> {
    use std::os::unix::fs::FileExt;
    let mut buf = vec![0u8; 1 << 20];
    let mut done = 0u64;
    while done < len {
        let step = ratelimit::pace(limiter).unwrap_or(buf.len());
        let want = ((len - done) as usize).min(buf.len()).min(step);
        let n = file.read_at(&mut buf[..want], offset + done)?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        sock.write_all(&buf[..n])?;
        ratelimit::consume(limiter, n);
        done += n as u64;
    }
    Ok(())
}

/// Make the next close of this socket send RST instead of FIN (SO_LINGER with a zero timeout).
pub fn arm_reset(sock: &TcpStream) {
    let linger = libc::linger { l_onoff: 1, l_linger: 0 };
    // SAFETY: the descriptor is open and `linger` is a valid, correctly sized option value.
    unsafe {
        libc::setsockopt(
            sock.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            (&linger as *const libc::linger).cast(),
            std::mem::size_of::<libc::linger>() as libc::socklen_t,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;
    use std::net::TcpListener;
    use std::sync::Arc;

    /// Send `resp` over a real loopback connection; returns what the client read and how.
    fn roundtrip(resp: Response, cut: Option<Cut>, head: bool) -> (Vec<u8>, io::Result<()>, After) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let mut client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (server, _) = listener.accept().unwrap();
        let reader = std::thread::spawn(move || {
            let mut got = Vec::new();
            let r = client.read_to_end(&mut got).map(|_| ());
            (got, r)
        });
        let mut w = BufWriter::new(server);
        let after = write_response(&mut w, resp, Delivery { head, keep_alive: false, limiter: None, cut }).unwrap();
        if after == After::Reset {
            arm_reset(w.get_ref());
        }
        drop(w);
        let (got, r) = reader.join().unwrap();
        (got, r, after)
    }

    fn body_of(raw: &[u8]) -> &[u8] {
        let i = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
        &raw[i + 4..]
    }

    #[test]
    fn pieces_and_generated_bodies() {
        let data = Arc::new(crate::storage::chunk::Chunk::from_vec(b"0123456789".to_vec()));
        let mut resp = Response::new(200);
        resp.body = Body::Pieces(vec![
            Piece::Mem { data: data.clone(), start: 2, end: 5 },
            Piece::Mem { data, start: 7, end: 10 },
        ]);
        let (got, r, _) = roundtrip(resp, None, false);
        assert!(r.is_ok());
        assert!(String::from_utf8_lossy(&got).contains("Content-Length: 6\r\n"));
        assert_eq!(body_of(&got), b"234789");

        let mut resp = Response::new(500);
        resp.body = Body::Repeat { head: b"<a>".to_vec(), unit: b"xyz", fill: 200_000, tail: b"</a>".to_vec() };
        let (got, _, _) = roundtrip(resp, None, false);
        let body = body_of(&got);
        let fill: Vec<u8> = b"xyz".iter().copied().cycle().take(200_000).collect();
        assert_eq!(body, [b"<a>".as_slice(), &fill, b"</a>"].concat());
    }

    #[test]
    fn chunked_bodies() {
        let chunks = vec![b"hello".to_vec(), Vec::new(), vec![b'x'; 300]];
        let mut resp = Response::new(200);
        resp.body = Body::Chunked(chunks.clone());
        let len = resp.body.len();
        let (got, r, _) = roundtrip(resp, None, false);
        assert!(r.is_ok());
        let text = String::from_utf8_lossy(&got);
        assert!(text.contains("Transfer-Encoding: chunked\r\n") && !text.contains("Content-Length"), "{text}");
        let expected = [b"5\r\nhello\r\n12c\r\n".as_slice(), &[b'x'; 300], b"\r\n0\r\n\r\n"].concat();
        assert_eq!(body_of(&got), expected, "the empty chunk is skipped: it would end the body");
        assert_eq!(len, expected.len() as u64, "len() is the encoded length");
        // A cut counts encoded bytes.
        let mut resp = Response::new(200);
        resp.body = Body::Chunked(chunks);
        let (got, _, _) = roundtrip(resp, Some(Cut::Close(8)), false);
        assert_eq!(body_of(&got), b"5\r\nhello");
    }

    #[test]
    fn cuts() {
        let make = || {
            let mut r = Response::new(200);
            r.body = Body::Bytes(vec![b'a'; 100_000]);
            r
        };
        let (got, r, after) = roundtrip(make(), Some(Cut::Close(10)), false);
        assert_eq!((body_of(&got).len(), r.is_ok(), after), (10, true, After::Close));
        let (_, r, after) = roundtrip(make(), Some(Cut::Reset(10)), false);
        assert_eq!(after, After::Reset);
        assert_eq!(r.unwrap_err().kind(), io::ErrorKind::ConnectionReset);
        let started = std::time::Instant::now();
        let (got, _, _) = roundtrip(make(), Some(Cut::Stall(50, Duration::from_millis(100))), false);
        assert_eq!(body_of(&got).len(), 100_000);
        assert!(started.elapsed() >= Duration::from_millis(100));
        // HEAD: Content-Length but no body.
        let (got, _, _) = roundtrip(make(), None, true);
        assert!(String::from_utf8_lossy(&got).contains("Content-Length: 100000\r\n"));
        assert!(body_of(&got).is_empty());
    }
}
