//! `Content-MD5` for every kind of upload body. The header goes before the body, so the digest must be
//! known before the first byte is sent:
//! - bytes in memory are hashed where they are;
//! - a file range is read once for the digest and again (positional reads) while it is sent: twice the
//!   disk reads, but memory stays at one read buffer however large the part is, and a retry still rereads
//!   the file;
//! - a reader cannot be read twice, so its `len` bytes are buffered and sent from memory (which also makes
//!   the request retryable). That is bounded by [`MAX_BUFFERED`]; above it the call is refused rather than
//!   sent without the digest the caller asked for. The transfers (`upload_from_reader`, the object writer)
//!   already buffer each part, so this limit only concerns the single-request calls.

use crate::error::{Error, ErrorKind, Result};
use crate::transport::Body;
use base64::Engine;
use md5::{Digest, Md5};
use std::io::Read;

/// The most a reader body is buffered to compute its Content-MD5.
pub(crate) const MAX_BUFFERED: u64 = 256 << 20;

/// The body to send and, when `on`, its base64 Content-MD5. A reader body is drained into `keep` and sent
/// from there; `call` names the operation in errors.
pub(crate) fn prepare<'a: 'b, 'b>(
    on: bool,
    call: &str,
    body: Body<'a>,
    keep: &'b mut Vec<u8>,
) -> Result<(Body<'b>, Option<String>)> {
    let b64 = base64::engine::general_purpose::STANDARD;
    let body = match body {
        Body::Empty => Body::Empty,
        Body::Bytes(b) => Body::Bytes(b),
        Body::File { file, offset, len } => Body::File { file, offset, len },
        Body::Reader { reader, len } if !on => Body::Reader { reader, len },
        Body::Reader { reader, len } => {
            if len > MAX_BUFFERED {
                return Err(Error::invalid(format!(
                    "{call}: Content-MD5 of a {len}-byte reader body needs the whole body in memory before it is \
                     sent, and at most {MAX_BUFFERED} bytes are buffered; upload a file or use the transfer \
                     (upload_from_reader), which hashes each part"
                )));
            }
            keep.clear();
            keep.try_reserve_exact(len as usize)
                .map_err(|_| Error::invalid(format!("{call}: cannot buffer {len} bytes")))?;
            reader.take(len).read_to_end(keep).map_err(|e| Error::from_io(&format!("{call}: reading the body"), e))?;
            if (keep.len() as u64) < len {
                let msg = format!("{call}: the reader ended after {} of the {len} bytes announced", keep.len());
                return Err(Error::new(ErrorKind::Io, msg));
            }
            Body::Bytes(keep.as_slice())
        }
    };
    if !on {
        return Ok((body, None));
    }
    let digest = match &body {
        Body::Empty => Md5::digest(b""),
        Body::Bytes(b) => Md5::digest(b),
        Body::File { file, offset, len } => file_md5(file, *offset, *len)?,
        Body::Reader { .. } => unreachable!("a reader body with Content-MD5 was buffered above"),
    };
    Ok((body, Some(b64.encode(digest))))
}

/// MD5 of `len` bytes of `file` from `offset`, with positional reads (the file offset is left alone).
fn file_md5(file: &std::fs::File, offset: u64, len: u64) -> Result<md5::digest::Output<Md5>> {
    use std::os::unix::fs::FileExt;
    let mut md5 = Md5::new();
    let mut buf = vec![0u8; 256 * 1024];
    let (mut pos, end) = (offset, offset + len);
    while pos < end {
        let want = buf.len().min((end - pos) as usize);
        let n =
            file.read_at(&mut buf[..want], pos).map_err(|e| Error::io("reading the file for its Content-MD5", &e))?;
        if n == 0 {
            return Err(Error::new(ErrorKind::Io, "the file shrank while its Content-MD5 was computed"));
        }
        md5.update(&buf[..n]);
        pos += n as u64;
    }
    Ok(md5.finalize())
}
