//! Receiving an upload body into storage. The body is read once, straight into where it will
//! stay (8 MiB memory segments, or 1 MiB at a time into a staging file), so no body is ever held
//! twice. CRC-64 runs on each 1 MiB slice while it is hot in cache; MD5 (the slow part, about
//! 0.5 GB/s) runs on a helper thread for large bodies, and not at all with `--no-md5` unless the
//! client sent a Content-MD5 to check.

use crate::error::CosError;
use crate::http::body::{body_error, BodyReader};
use crate::http::request::Request;
use crate::operations::router::Ctx;
use crate::storage::chunk::Chunk;
use crate::storage::store::{disk_error, Piece, Segment, Staged};
use crate::util::hex;
use base64::Engine as _;
use md5::{Digest as _, Md5};
use std::fs::File;
use std::io::{Read, Write};
use std::os::unix::fs::FileExt;
use std::sync::mpsc::{channel, sync_channel, Receiver, SyncSender};
use std::sync::Arc;
use std::thread::JoinHandle;

const MEM_SEGMENT: usize = 8 << 20;
const FILE_BUF: usize = 1 << 20;
const CRC_SLICE: usize = 1 << 20;
/// From this size on (or for chunked bodies), MD5 runs on a helper thread.
const HELPER_MIN: u64 = 4 << 20;
/// Buffers the MD5 helper may lag behind the socket.
const IN_FLIGHT: usize = 4;

pub struct Digests {
    pub size: u64,
    pub crc64: u64,
    pub md5: Option<[u8; 16]>,
}

impl Digests {
    /// The quoted ETag: the MD5, or with `--no-md5` a stand-in of the same shape (32 hex digits:
    /// the CRC-64 then the size), so clients that check the ETag's form still accept it.
    pub fn etag(&self) -> String {
        match &self.md5 {
            Some(md5) => format!("\"{}\"", hex(md5)),
            None => format!("\"{:016x}{:016x}\"", self.crc64, self.size),
        }
    }
}

/// MD5 of the buffers as they complete: off, inline, or on a helper thread. Buffers that come
/// back unshared are offered again through `spare`, so a staging loop reuses a few buffers.
enum Md5Job {
    Off(Option<Chunk>),
    Inline(Md5, Option<Chunk>),
    Helper { tx: SyncSender<Arc<Chunk>>, back: Receiver<Arc<Chunk>>, out: usize, join: JoinHandle<[u8; 16]> },
}

impl Md5Job {
    fn new(want: bool, declared: Option<u64>, recycle: bool) -> Md5Job {
        if !want {
            return Md5Job::Off(None);
        }
        if declared.is_some_and(|n| n < HELPER_MIN) {
            return Md5Job::Inline(Md5::new(), None);
        }
        let (tx, rx) = sync_channel::<Arc<Chunk>>(IN_FLIGHT);
        let (back_tx, back) = channel();
        let join = std::thread::spawn(move || {
            let mut md5 = Md5::new();
            for buf in rx {
                md5.update(&buf[..]);
                if recycle {
                    let _ = back_tx.send(buf);
                }
            }
            md5.finalize().into()
        });
        Md5Job::Helper { tx, back, out: 0, join }
    }

    fn update(&mut self, buf: Arc<Chunk>) {
        match self {
            Md5Job::Off(spare) => *spare = Arc::try_unwrap(buf).ok(),
            Md5Job::Inline(md5, spare) => {
                md5.update(&buf[..]);
                *spare = Arc::try_unwrap(buf).ok();
            }
            Md5Job::Helper { tx, out, .. } => {
                *out += 1;
                // The helper only goes away with this job, so the send cannot fail.
                let _ = tx.send(buf);
            }
        }
    }

    /// A buffer to fill next, if one came back; waits for one when the helper is too far behind.
    fn spare(&mut self) -> Option<Chunk> {
        match self {
            Md5Job::Off(spare) | Md5Job::Inline(_, spare) => spare.take(),
            Md5Job::Helper { back, out, .. } => {
                let buf = if *out >= IN_FLIGHT { back.recv().ok() } else { back.try_recv().ok() };
                buf.and_then(|b| {
                    *out -= 1;
                    Arc::try_unwrap(b).ok()
                })
            }
        }
    }

    fn finish(self) -> Option<[u8; 16]> {
        match self {
            Md5Job::Off(_) => None,
            Md5Job::Inline(md5, _) => Some(md5.finalize().into()),
            Md5Job::Helper { tx, join, .. } => {
                drop(tx);
                join.join().ok()
            }
        }
    }
}

/// Fill `buf` from the body (short only at its end), CRC-ing each slice as it completes.
fn fill(body: &mut BodyReader, buf: &mut [u8], crc: &mut crc64fast::Digest) -> Result<usize, CosError> {
    let mut filled = 0;
    while filled < buf.len() {
        let (start, end) = (filled, (filled + CRC_SLICE).min(buf.len()));
        while filled < end {
            let n = body.read(&mut buf[filled..end]).map_err(body_error)?;
            if n == 0 {
                crc.write(&buf[start..filled]);
                return Ok(filled);
            }
            filled += n;
        }
        crc.write(&buf[start..end]);
    }
    Ok(filled)
}

/// The body as memory segments.
pub fn to_memory(body: &mut BodyReader, want_md5: bool) -> Result<(Vec<Segment>, Digests), CosError> {
    let declared = body.declared_len();
    let mut md5 = Md5Job::new(want_md5, declared, false);
    let mut crc = crc64fast::Digest::new();
    let (mut segments, mut size) = (Vec::new(), 0u64);
    loop {
        let cap = declared.map_or(MEM_SEGMENT, |n| (n - size).min(MEM_SEGMENT as u64) as usize);
        if cap == 0 {
            break;
        }
        // No pass over the memory before the socket fills it (see chunk.rs for where it comes from).
        let mut buf = Chunk::for_filling(cap);
        let n = fill(body, buf.full_mut(), &mut crc)?;
        let buf = buf.truncate(n);
        if n > 0 {
            size += n as u64;
            let data = Arc::new(buf);
            md5.update(data.clone());
            segments.push(Segment::Mem { data, start: 0, end: n });
        }
        if n < cap {
            break;
        }
    }
    Ok((segments, Digests { size, crc64: crc.sum64(), md5: md5.finish() }))
}

/// The body written to `file`, and synced.
pub fn to_file(body: &mut BodyReader, want_md5: bool, file: &mut File) -> Result<Digests, CosError> {
    let mut md5 = Md5Job::new(want_md5, body.declared_len(), true);
    let mut crc = crc64fast::Digest::new();
    let mut size = 0u64;
    loop {
        let mut buf = md5.spare().unwrap_or_else(|| Chunk::for_filling(FILE_BUF));
        let n = fill(body, buf.full_mut(), &mut crc)?;
        let buf = buf.truncate(n);
        file.write_all(&buf).map_err(disk_error)?;
        size += n as u64;
        md5.update(Arc::new(buf));
        if n < FILE_BUF {
            break;
        }
    }
    // On disk before it can be committed (see disk.rs on crash consistency).
    file.sync_data().map_err(disk_error)?;
    Ok(Digests { size, crc64: crc.sum64(), md5: md5.finish() })
}

/// `Content-MD5` of the request, decoded: None when absent, InvalidDigest when malformed.
pub fn expected_md5(req: &Request) -> Result<Option<[u8; 16]>, CosError> {
    let Some(value) = req.header("content-md5") else {
        return Ok(None);
    };
    let invalid = || CosError::new(400, "InvalidDigest", "The Content-MD5 you specified is not valid.");
    let digest = base64::engine::general_purpose::STANDARD.decode(value.trim()).map_err(|_| invalid())?;
    digest.try_into().map(Some).map_err(|_| invalid())
}

pub fn bad_digest() -> CosError {
    CosError::new(400, "BadDigest", "The Content-MD5 you specified did not match what we received.")
}

/// Receive the request body where the store keeps bytes, checking Content-MD5. Nothing is left
/// behind on failure.
pub fn receive(ctx: &Ctx, req: &Request, body: &mut BodyReader) -> Result<(Staged, Digests), CosError> {
    let expected = expected_md5(req)?;
    let want_md5 = !ctx.cfg.no_md5 || expected.is_some();
    let (staged, digests) = match ctx.store.staging_file()? {
        None => {
            let (segments, d) = to_memory(body, want_md5)?;
            (Staged::Mem(segments), d)
        }
        Some((path, mut file)) => match to_file(body, want_md5, &mut file) {
            Ok(d) => (Staged::File(path), d),
            Err(e) => {
                ctx.store.discard(Staged::File(path));
                return Err(e);
            }
        },
    };
    if expected.is_some() && expected != digests.md5 {
        ctx.store.discard(staged);
        return Err(bad_digest());
    }
    Ok((staged, digests))
}

/// Digests computed in one pass on this thread (UploadPartCopy).
struct Hashes {
    crc: crc64fast::Digest,
    md5: Option<Md5>,
    size: u64,
}

impl Hashes {
    fn update(&mut self, bytes: &[u8]) {
        self.crc.write(bytes);
        if let Some(md5) = &mut self.md5 {
            md5.update(bytes);
        }
        self.size += bytes.len() as u64;
    }

    fn finish(self) -> Digests {
        Digests { size: self.size, crc64: self.crc.sum64(), md5: self.md5.map(|m| m.finalize().into()) }
    }
}

/// Stage a copy of stored bytes (UploadPartCopy): memory segments are shared, not copied; file
/// bytes are copied into a staging file. Either way they are hashed once.
pub fn from_pieces(ctx: &Ctx, pieces: Vec<Piece>) -> Result<(Staged, Digests), CosError> {
    let mut h = Hashes { crc: crc64fast::Digest::new(), md5: (!ctx.cfg.no_md5).then(Md5::new), size: 0 };
    let Some((path, mut out)) = ctx.store.staging_file()? else {
        let mut segments = Vec::with_capacity(pieces.len());
        for piece in pieces {
            match piece {
                Piece::Mem { data, start, end } => {
                    h.update(&data[start..end]);
                    segments.push(Segment::Mem { data, start, end });
                }
                Piece::File { .. } => return Err(CosError::internal("file bytes in a memory store")),
            }
        }
        return Ok((Staged::Mem(segments), h.finish()));
    };
    let mut copy = || -> std::io::Result<()> {
        let mut buf = vec![0u8; FILE_BUF];
        for piece in &pieces {
            match piece {
                Piece::Mem { data, start, end } => {
                    h.update(&data[*start..*end]);
                    out.write_all(&data[*start..*end])?;
                }
                Piece::File { file, offset, len } => {
                    let mut done = 0u64;
                    while done < *len {
                        let n = (*len - done).min(FILE_BUF as u64) as usize;
                        file.read_exact_at(&mut buf[..n], offset + done)?;
                        h.update(&buf[..n]);
                        out.write_all(&buf[..n])?;
                        done += n as u64;
                    }
                }
            }
        }
        out.sync_data()
    };
    match copy() {
        Ok(()) => Ok((Staged::File(path), h.finish())),
        Err(e) => {
            ctx.store.discard(Staged::File(path));
            Err(disk_error(e))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::request::Framing;
    use crate::storage::crc::crc64;
    use std::io::Cursor;

    fn data(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i % 251) as u8).collect()
    }

    fn chunked(data: &[u8]) -> Vec<u8> {
        let mut raw = Vec::new();
        for c in data.chunks(300_001) {
            raw.extend_from_slice(format!("{:x}\r\n", c.len()).as_bytes());
            raw.extend_from_slice(c);
            raw.extend_from_slice(b"\r\n");
        }
        raw.extend_from_slice(b"0\r\n\r\n");
        raw
    }

    fn check(d: &Digests, data: &[u8], md5: bool) {
        assert_eq!(d.size, data.len() as u64);
        assert_eq!(d.crc64, crc64(data));
        assert_eq!(d.md5, md5.then(|| <[u8; 16]>::from(Md5::digest(data))));
    }

    #[test]
    fn memory_segments_and_digests() {
        for (len, md5) in [(0, true), (13, true), (MEM_SEGMENT + 5, true), (2 * MEM_SEGMENT, false), (9 << 20, true)] {
            let d = data(len);
            for framing in [Framing::Length(len as u64), Framing::Chunked] {
                let raw = if framing == Framing::Chunked { chunked(&d) } else { d.clone() };
                let mut src = Cursor::new(raw);
                let mut body = BodyReader::new(&mut src, framing, None);
                let (segments, digests) = to_memory(&mut body, md5).ok().unwrap();
                check(&digests, &d, md5);
                assert!(body.is_done());
                let mut back = Vec::new();
                for s in &segments {
                    match s {
                        Segment::Mem { data, start, end } => back.extend_from_slice(&data[*start..*end]),
                        Segment::File { .. } => unreachable!(),
                    }
                }
                assert_eq!(back, d, "len {len} {framing:?}");
                assert!(segments.iter().all(|s| s.len() <= MEM_SEGMENT as u64 && s.len() > 0));
            }
        }
    }

    #[test]
    fn staging_file_and_digests() {
        let path = std::env::temp_dir().join(format!("cos-emulator-ingest-{}", crate::util::random_u64()));
        for (len, md5) in [(0, true), (FILE_BUF, true), (7 * FILE_BUF + 3, true), (3 * FILE_BUF, false)] {
            let d = data(len);
            let mut file = File::create(&path).unwrap();
            let mut src = Cursor::new(chunked(&d));
            let mut body = BodyReader::new(&mut src, Framing::Chunked, None);
            check(&to_file(&mut body, md5, &mut file).ok().unwrap(), &d, md5);
            assert_eq!(std::fs::read(&path).unwrap(), d, "len {len}");
        }
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn no_md5_etag_has_the_md5_shape() {
        let d = Digests { size: 13, crc64: 2_900_061_071_848_923_409, md5: None };
        assert_eq!(d.etag(), "\"283f162dfe7e6111000000000000000d\"");
        let d = Digests { md5: Some(Md5::digest(b"ObjectContent").into()), ..d };
        assert_eq!(d.etag(), "\"990fdf561f35e45de4e930149bc9b47a\"");
    }
}
