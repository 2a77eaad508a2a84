//! Request bodies, read on demand: Content-Length or chunked framing, an optional per-connection
//! rate limit, and a record of whether the stream is still usable for the next request.

use crate::error::CosError;
use crate::faults::ratelimit::{self, RateLimiter};
use crate::http::request::{read_line, Framing, ReadError, MAX_BODY};
use std::io::{self, BufRead, Read};

/// Longest chunk-size or trailer line accepted in a chunked body.
const MAX_CHUNK_LINE: u64 = 4096;

enum State {
    /// Bytes left in a Content-Length body.
    Length(u64),
    /// Bytes left in the current chunk; 0 means the next read starts with a chunk-size line.
    Chunk(u64),
    Done,
}

pub struct BodyReader<'a> {
    src: &'a mut dyn BufRead,
    state: State,
    limiter: Option<&'a mut RateLimiter>,
    declared: Option<u64>,
    received: u64,
    /// A framing or I/O error happened: the connection cannot carry another request.
    broken: bool,
}

fn invalid(message: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message.to_string())
}

impl<'a> BodyReader<'a> {
    pub fn new(src: &'a mut dyn BufRead, framing: Framing, limiter: Option<&'a mut RateLimiter>) -> Self {
        let (state, declared) = match framing {
            Framing::Absent | Framing::Length(0) => (State::Done, Some(0)),
            Framing::Length(n) => (State::Length(n), Some(n)),
            Framing::Chunked => (State::Chunk(0), None),
        };
        BodyReader { src, state, limiter, declared, received: 0, broken: false }
    }

    /// Content-Length, when the body declared one.
    pub fn declared_len(&self) -> Option<u64> {
        self.declared
    }

    #[cfg(test)]
    pub fn received(&self) -> u64 {
        self.received
    }

    pub fn is_done(&self) -> bool {
        matches!(self.state, State::Done)
    }

    pub fn is_broken(&self) -> bool {
        self.broken
    }

    /// Read and discard the rest of the body, so the connection can carry the next request.
    pub fn drain(&mut self) -> io::Result<()> {
        let mut scratch = vec![0u8; 64 * 1024];
        while self.read(&mut scratch)? > 0 {}
        Ok(())
    }

    /// The whole body in memory, for small XML documents; larger than `max` is an error.
    pub fn read_small(&mut self, max: usize) -> Result<Vec<u8>, CosError> {
        let too_large = || CosError::new(400, "XMLSizeLimit", format!("The request body exceeds {max} bytes."));
        if self.declared.is_some_and(|n| n > max as u64) {
            return Err(too_large());
        }
        let mut out = Vec::new();
        self.take(max as u64 + 1).read_to_end(&mut out).map_err(body_error)?;
        if out.len() > max {
            return Err(too_large());
        }
        Ok(out)
    }

    /// Start of the next chunk: CRLF after the previous chunk's data (if any), then its size line.
    fn next_chunk(&mut self) -> io::Result<()> {
        let mut line = Vec::new();
        let read = chunk_line;
        if self.received > 0 {
            read(self.src, &mut line)?;
            if !line.is_empty() {
                return Err(invalid("chunk data not followed by CRLF"));
            }
        }
        read(self.src, &mut line)?;
        let text = String::from_utf8_lossy(&line);
        let size_text = text.split(';').next().unwrap_or("").trim();
        let size = u64::from_str_radix(size_text, 16).map_err(|_| invalid("malformed chunk size"))?;
        if size == 0 {
            // Trailer section: header lines up to an empty line.
            loop {
                read(self.src, &mut line)?;
                if line.is_empty() {
                    break;
                }
            }
            self.state = State::Done;
        } else if self.received + size > MAX_BODY {
            return Err(invalid("EntityTooLarge"));
        } else {
            self.state = State::Chunk(size);
        }
        Ok(())
    }

    fn read_inner(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let State::Chunk(0) = self.state {
            self.next_chunk()?;
        }
        let left = match self.state {
            State::Done => return Ok(0),
            State::Length(n) | State::Chunk(n) => n,
        };
        let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        let n = self.src.read(&mut buf[..want])?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        self.received += n as u64;
        self.state = match self.state {
            State::Length(l) if l == n as u64 => State::Done,
            State::Length(l) => State::Length(l - n as u64),
            State::Chunk(l) => State::Chunk(l - n as u64),
            State::Done => State::Done,
        };
        Ok(n)
    }
}

impl Read for BodyReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() || self.is_done() {
            return Ok(0);
        }
        if self.broken {
            return Err(io::Error::other("request body stream already failed"));
        }
        let step = ratelimit::pace(&mut self.limiter).unwrap_or(buf.len());
        let want = buf.len().min(step);
        match self.read_inner(&mut buf[..want]) {
            Ok(n) => {
                ratelimit::consume(&mut self.limiter, n);
                Ok(n)
            }
            Err(e) => {
                self.broken = true;
                Err(e)
            }
        }
    }
}

/// One line of chunked framing (size line, CRLF after data, trailer).
fn chunk_line(src: &mut dyn BufRead, line: &mut Vec<u8>) -> io::Result<()> {
    match read_line(src, line, MAX_CHUNK_LINE) {
        Ok(0) => Err(io::ErrorKind::UnexpectedEof.into()),
        Ok(_) => Ok(()),
        Err(ReadError::Io(e)) => Err(e),
        Err(_) => Err(invalid("chunk line too long")),
    }
}

/// The COS error for a body that could not be read (the connection is closed afterwards).
pub fn body_error(e: io::Error) -> CosError {
    match e.kind() {
        io::ErrorKind::InvalidData if e.to_string() == "EntityTooLarge" => {
            CosError::new(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed object size.")
        }
        io::ErrorKind::InvalidData => CosError::new(400, "InvalidRequest", format!("Malformed chunked body: {e}")),
        _ => CosError::new(400, "IncompleteBody", format!("The request body ended early: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn read_all(raw: &[u8], framing: Framing) -> (io::Result<Vec<u8>>, bool) {
        let mut src = Cursor::new(raw.to_vec());
        let mut body = BodyReader::new(&mut src, framing, None);
        let mut out = Vec::new();
        let r = body.read_to_end(&mut out).map(|_| out);
        (r, body.is_broken())
    }

    #[test]
    fn content_length_body_leaves_the_next_request_alone() {
        let mut src = Cursor::new(b"ObjectContentGET / HTTP/1.1\r\n".to_vec());
        let mut body = BodyReader::new(&mut src, Framing::Length(13), None);
        let mut out = Vec::new();
        body.read_to_end(&mut out).unwrap();
        assert_eq!(out, b"ObjectContent");
        assert!(body.is_done() && !body.is_broken());
        assert_eq!(body.received(), 13);
        let mut rest = String::new();
        src.read_to_string(&mut rest).unwrap();
        assert_eq!(rest, "GET / HTTP/1.1\r\n");
    }

    #[test]
    fn chunked_body() {
        let raw = b"5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nTrailer: x\r\n\r\nNEXT";
        let (r, broken) = read_all(raw, Framing::Chunked);
        assert_eq!(r.unwrap(), b"hello world");
        assert!(!broken);
        let (r, broken) = read_all(b"5\r\nhelloXX3\r\nabc\r\n0\r\n\r\n", Framing::Chunked);
        assert_eq!(r.unwrap_err().kind(), io::ErrorKind::InvalidData);
        assert!(broken);
        let (r, _) = read_all(b"zz\r\n", Framing::Chunked);
        assert_eq!(body_error(r.unwrap_err()).code, "InvalidRequest");
    }

    #[test]
    fn short_body_breaks_the_stream() {
        let (r, broken) = read_all(b"short", Framing::Length(10));
        assert_eq!(body_error(r.unwrap_err()).code, "IncompleteBody");
        assert!(broken);
    }

    #[test]
    fn small_documents_are_bounded() {
        let mut src = Cursor::new(b"<a/>".to_vec());
        assert_eq!(BodyReader::new(&mut src, Framing::Length(4), None).read_small(10).unwrap(), b"<a/>");
        let mut src = Cursor::new(vec![b'x'; 20]);
        assert_eq!(
            BodyReader::new(&mut src, Framing::Length(20), None).read_small(10).unwrap_err().code,
            "XMLSizeLimit"
        );
        let mut src = Cursor::new(b"14\r\nxxxxxxxxxxxxxxxxxxxx\r\n0\r\n\r\n".to_vec());
        assert_eq!(BodyReader::new(&mut src, Framing::Chunked, None).read_small(10).unwrap_err().code, "XMLSizeLimit");
    }
}
