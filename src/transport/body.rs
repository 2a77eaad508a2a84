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

fn cancelled() -> io::Error {
    Error::new(ErrorKind::Cancelled, "cancelled: a body callback or the cancel token asked to stop").into_io()
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
        let n = self.inner.read(buf)?;
        if n == 0 && self.left > 0 && !buf.is_empty() {
            let msg = format!("the request body ended {} bytes before its declared length", self.left);
            return Err(Error::new(ErrorKind::Io, msg).into_io());
        }
        if self.enabled {
            self.crc.update(&buf[..n]);
        }
        self.left -= n as u64;
        Ok(n)
    }
}
