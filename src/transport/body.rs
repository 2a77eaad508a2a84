//! Request bodies: what can be sent, and the readers that send files and streams while computing their
//! CRC-64 and watching for cancellation.

use crate::crc64::Crc64;
use crate::error::{Error, ErrorKind};
use std::io::{self, Read};

/// A request body. Buffers and files can be sent again on a retry; a reader cannot.
pub enum Body<'a> {
    Empty,
    Bytes(&'a [u8]),
    /// `len` bytes of an open file starting at `offset`, read with positional reads (so a retry rereads them).
    File {
        file: &'a std::fs::File,
        offset: u64,
        len: u64,
    },
    /// Exactly `len` bytes from a reader.
    Reader {
        reader: &'a mut dyn Read,
        len: u64,
    },
}

impl Body<'_> {
    /// The number of bytes to send (`None` for no body).
    pub fn size(&self) -> Option<u64> {
        match self {
            Body::Empty => None,
            Body::Bytes(b) => Some(b.len() as u64),
            Body::File { len, .. } | Body::Reader { len, .. } => Some(*len),
        }
    }
    pub(super) fn replayable(&self) -> bool {
        !matches!(self, Body::Reader { .. })
    }
}

/// The message of the `io::Error` a body reader returns when its callback asks to stop.
pub(crate) const CANCELLED_MARKER: &str = "cancelled by a callback or cancel token";
/// How the message of the `io::Error` for a request body that ended early starts.
pub(crate) const SHORT_BODY_MARKER: &str = "the request body ended";

fn cancelled() -> io::Error {
    io::Error::other(Error::new(ErrorKind::Cancelled, "cancelled: a body callback or the cancel token asked to stop"))
}

/// Reads `[pos, end)` of a file with positional reads, leaving the file offset alone.
pub(super) struct FileRange<'a> {
    pub(super) file: &'a std::fs::File,
    pub(super) pos: u64,
    pub(super) end: u64,
}

impl Read for FileRange<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        use std::os::unix::fs::FileExt;
        let want = buf.len().min((self.end - self.pos) as usize);
        if want == 0 {
            return Ok(0);
        }
        let n = self.file.read_at(&mut buf[..want], self.pos)?;
        if n == 0 {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "the file shrank while it was being sent"));
        }
        self.pos += n as u64;
        Ok(n)
    }
}

/// Computes the CRC-64 of everything read through it, and fails if the body ends before the `left` bytes
/// announced in Content-Length (the server would otherwise wait for the rest until it times out).
pub(super) struct CrcReader<'c, R> {
    pub(super) inner: R,
    pub(super) crc: &'c mut Crc64,
    pub(super) enabled: bool,
    pub(super) left: u64,
    pub(super) stop: Option<&'c (dyn Fn() -> bool + Sync)>,
}

impl<R: Read> Read for CrcReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.stop.is_some_and(|stop| stop()) {
            return Err(cancelled());
        }
        let n = match self.inner.read(buf) {
            Ok(n) => n,
            // A read callback that asked to stop (see `ffi`), as the typed error the HTTP layer passes on.
            Err(e) if e.to_string() == CANCELLED_MARKER => return Err(cancelled()),
            Err(e) => return Err(e),
        };
        if n == 0 && self.left > 0 && !buf.is_empty() {
            let msg = format!("{SHORT_BODY_MARKER} {} bytes before its declared length", self.left);
            return Err(io::Error::other(Error::new(ErrorKind::Io, msg)));
        }
        if self.enabled {
            self.crc.update(&buf[..n]);
        }
        self.left -= n as u64;
        Ok(n)
    }
}
