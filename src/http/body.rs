//! Response bodies: by Content-Length, chunked (trailers bounded), or until the server closes. A body
//! read to its end hands its connection back to the pool; one dropped early closes it.

use super::conn::{eof, Conn};
use super::head::{bad_head, Framing};
use super::pool::Pool;
use std::io::{self, Read};
use std::sync::Arc;

/// The most a chunk-size line (with extensions) may take.
const MAX_CHUNK_LINE: usize = 4096;
/// The most all trailer fields of a chunked body may take together.
pub(crate) const MAX_TRAILERS: usize = 16 * 1024;
// The error messages spell the limits out.
const _: () = assert!(MAX_CHUNK_LINE == 4096 && MAX_TRAILERS == 16384);

#[derive(Clone, Copy, Debug)]
enum State {
    /// `left` bytes of a Content-Length body, or of the current chunk.
    Fixed {
        left: u64,
        chunked: bool,
    },
    /// Expecting a chunk-size line.
    ChunkSize,
    /// Until end of stream.
    UntilClose,
    Done,
}

pub(crate) struct BodyReader {
    conn: Option<Box<Conn>>,
    state: State,
    /// Where a fully read connection goes back; `None` when it must not be reused.
    pool: Option<Arc<Pool>>,
}

impl BodyReader {
    pub(super) fn new(conn: Box<Conn>, framing: Framing, reuse: Option<Arc<Pool>>) -> BodyReader {
        let state = match framing {
            Framing::Empty | Framing::Length(0) => State::Done,
            Framing::Length(n) => State::Fixed { left: n, chunked: false },
            Framing::Chunked => State::ChunkSize,
            Framing::UntilClose => State::UntilClose,
        };
        let pool = if framing == Framing::UntilClose { None } else { reuse };
        let mut body = BodyReader { conn: Some(conn), state, pool };
        body.finish_if_done();
        body
    }

    fn finish_if_done(&mut self) {
        if matches!(self.state, State::Done) {
            if let (Some(conn), Some(pool)) = (self.conn.take(), self.pool.take()) {
                pool.put(conn);
            }
        }
    }

    /// Reads the next chunk-size line; at the last chunk, reads and bounds the trailers too.
    fn next_chunk(conn: &mut Conn) -> io::Result<State> {
        let i = conn.find_crlf(0, MAX_CHUNK_LINE, "a chunk-size line (4096 bytes at most)")?;
        let line = &conn.buffered()[..i];
        let hex = line.split(|&b| b == b';').next().unwrap_or(b"");
        let size = std::str::from_utf8(hex)
            .ok()
            .and_then(|s| u64::from_str_radix(s.trim(), 16).ok())
            .ok_or_else(|| bad_head(&format!("bad chunk size line {:?}", String::from_utf8_lossy(line))))?;
        conn.consume(i + 2);
        if size > 0 {
            return Ok(State::Fixed { left: size, chunked: true });
        }
        // Trailer fields until an empty line, all of them together within MAX_TRAILERS.
        let mut total = 0;
        loop {
            let i = conn.find_crlf(0, MAX_TRAILERS - total, "the trailers of a chunked body (16384 bytes at most)")?;
            conn.consume(i + 2);
            if i == 0 {
                return Ok(State::Done);
            }
            total += i + 2;
            if total > MAX_TRAILERS {
                return Err(bad_head(&format!("the trailers of a chunked body exceed {MAX_TRAILERS} bytes")));
            }
        }
    }
}

impl Read for BodyReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if out.is_empty() {
            return Ok(0);
        }
        loop {
            let Some(conn) = self.conn.as_deref_mut() else { return Ok(0) };
            match self.state {
                State::Done => return Ok(0),
                State::ChunkSize => {
                    self.state = Self::next_chunk(conn)?;
                    self.finish_if_done();
                }
                State::UntilClose => {
                    let n = conn.read_body(out)?;
                    if n == 0 {
                        self.state = State::Done;
                        self.conn = None;
                    }
                    return Ok(n);
                }
                State::Fixed { left, chunked } => {
                    let want = out.len().min(usize::try_from(left).unwrap_or(usize::MAX));
                    let n = conn.read_body(&mut out[..want])?;
                    if n == 0 {
                        self.conn = None;
                        return Err(eof("the response body", false));
                    }
                    let left = left - n as u64;
                    if left > 0 {
                        self.state = State::Fixed { left, chunked };
                    } else if chunked {
                        // The CRLF after the chunk's data.
                        let i = conn.find_crlf(0, 2, "a chunk's end")?;
                        if i != 0 {
                            return Err(bad_head("a chunk is longer than its size line said"));
                        }
                        conn.consume(2);
                        self.state = State::ChunkSize;
                    } else {
                        self.state = State::Done;
                        self.finish_if_done();
                    }
                    return Ok(n);
                }
            }
        }
    }
}
