//! The event-stream framing of a SELECT answer (`POST /<key>?select&select-type=2`), decoded incrementally.
//!
//! A message is, big-endian: total length u32 | headers length u32 | CRC-32 of those 8 bytes | headers |
//! payload | CRC-32 of every byte before it. A header is name length u8 | name | value type u8 | value;
//! COS sends only type 7 (a string with a u16 length), but the other types of the AWS-style format are
//! decoded too (their sizes are fixed or length-prefixed), so that a stream carrying one is not misread.
//! Both CRCs are checked before anything of a message is trusted: a damaged frame is `ChecksumMismatch`.
//! Memory is bounded: a message announcing more than [`MAX_MESSAGE`] bytes is refused before it is buffered.

use crate::error::{Error, ErrorKind, Result};

/// The largest message accepted. COS cuts Records into much smaller messages; anything this large is a
/// broken or hostile stream, and buffering it would let a server grow memory at will.
pub const MAX_MESSAGE: usize = 16 << 20;

/// Prelude (12 bytes) plus the message CRC (4): the smallest possible message.
const OVERHEAD: usize = 16;

/// One header value. COS uses only strings; the rest are kept so that a caller can tell what came.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HeaderValue {
    String(String),
    Bool(bool),
    Byte(i8),
    Short(i16),
    Int(i32),
    Long(i64),
    Bytes(Vec<u8>),
    /// Milliseconds since the Unix epoch.
    Timestamp(i64),
    Uuid([u8; 16]),
}

/// One decoded, CRC-checked message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    pub headers: Vec<(String, HeaderValue)>,
    pub payload: Vec<u8>,
}

impl Message {
    /// The string header `name` (`:message-type`, `:event-type`, ...); a header of another type is None.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).and_then(|(_, v)| match v {
            HeaderValue::String(s) => Some(s.as_str()),
            _ => None,
        })
    }
}

/// Encodes a message with string headers (for tests, the fuzz corpus and the seed frames).
pub fn encode(headers: &[(&str, &str)], payload: &[u8]) -> Vec<u8> {
    let mut h = Vec::new();
    for (name, value) in headers {
        h.push(name.len() as u8);
        h.extend_from_slice(name.as_bytes());
        h.push(7);
        h.extend_from_slice(&(value.len() as u16).to_be_bytes());
        h.extend_from_slice(value.as_bytes());
    }
    frame(&h, payload)
}

/// Frames already-encoded header bytes and a payload, with both CRCs.
pub fn frame(headers: &[u8], payload: &[u8]) -> Vec<u8> {
    let total = (OVERHEAD + headers.len() + payload.len()) as u32;
    let mut m = Vec::with_capacity(total as usize);
    m.extend_from_slice(&total.to_be_bytes());
    m.extend_from_slice(&(headers.len() as u32).to_be_bytes());
    let prelude_crc = crc32fast::hash(&m);
    m.extend_from_slice(&prelude_crc.to_be_bytes());
    m.extend_from_slice(headers);
    m.extend_from_slice(payload);
    let crc = crc32fast::hash(&m);
    m.extend_from_slice(&crc.to_be_bytes());
    m
}

/// Feeds bytes in any chunks with [`Decoder::feed`], takes messages out with [`Decoder::next_message`].
#[derive(Default)]
pub struct Decoder {
    buf: Vec<u8>,
    /// Bytes consumed by the messages decoded so far, for error messages.
    offset: u64,
}

fn be32(b: &[u8]) -> u32 {
    u32::from_be_bytes([b[0], b[1], b[2], b[3]])
}

impl Decoder {
    pub fn new() -> Decoder {
        Decoder::default()
    }

    /// Appends bytes of the stream. Call [`Decoder::next_message`] until it returns None before feeding more, so
    /// that at most one message (plus one chunk) is ever buffered.
    pub fn feed(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// Bytes fed but not yet part of a decoded message.
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// The next whole message, None when more bytes are needed. An error is final: the stream is broken.
    pub fn next_message(&mut self) -> Result<Option<Message>> {
        if self.buf.len() < 12 {
            return Ok(None);
        }
        let (total, headers_len) = (be32(&self.buf[0..4]) as usize, be32(&self.buf[4..8]) as usize);
        let at = self.offset;
        if crc32fast::hash(&self.buf[..8]) != be32(&self.buf[8..12]) {
            return Err(Error::new(
                ErrorKind::ChecksumMismatch,
                format!("the select answer's message at byte {at} has a bad prelude CRC-32"),
            ));
        }
        if total > MAX_MESSAGE {
            return Err(Error::parse(format!(
                "the select answer's message at byte {at} announces {total} bytes, over the {MAX_MESSAGE}-byte limit"
            )));
        }
        if total < OVERHEAD || headers_len > total - OVERHEAD {
            return Err(Error::parse(format!(
                "the select answer's message at byte {at} has impossible lengths (total {total}, headers {headers_len})"
            )));
        }
        if self.buf.len() < total {
            return Ok(None);
        }
        if crc32fast::hash(&self.buf[..total - 4]) != be32(&self.buf[total - 4..total]) {
            return Err(Error::new(
                ErrorKind::ChecksumMismatch,
                format!("the select answer's message at byte {at} has a bad message CRC-32"),
            ));
        }
        let headers = parse_headers(&self.buf[12..12 + headers_len])
            .map_err(|why| Error::parse(format!("the select answer's message at byte {at}: {why}")))?;
        let payload = self.buf[12 + headers_len..total - 4].to_vec();
        self.buf.drain(..total);
        self.offset += total as u64;
        Ok(Some(Message { headers, payload }))
    }
}

fn take<'a>(b: &mut &'a [u8], n: usize, what: &str) -> std::result::Result<&'a [u8], String> {
    if b.len() < n {
        return Err(format!("a header's {what} runs past the headers"));
    }
    let (head, rest) = b.split_at(n);
    *b = rest;
    Ok(head)
}

fn parse_headers(mut b: &[u8]) -> std::result::Result<Vec<(String, HeaderValue)>, String> {
    let mut out = Vec::new();
    while !b.is_empty() {
        let len = take(&mut b, 1, "name length")?[0] as usize;
        if len == 0 {
            return Err("a header has an empty name".into());
        }
        let name = std::str::from_utf8(take(&mut b, len, "name")?).map_err(|_| "a header name is not UTF-8")?;
        let kind = take(&mut b, 1, "value type")?[0];
        let fixed = |b: &mut &[u8], n: usize| take(b, n, "value").map(|v| v.to_vec());
        let int = |v: Vec<u8>| v.iter().fold(0i64, |acc, x| (acc << 8) | i64::from(*x));
        let value = match kind {
            0 => HeaderValue::Bool(true),
            1 => HeaderValue::Bool(false),
            2 => HeaderValue::Byte(fixed(&mut b, 1)?[0] as i8),
            3 => HeaderValue::Short(int(fixed(&mut b, 2)?) as i16),
            4 => HeaderValue::Int(int(fixed(&mut b, 4)?) as i32),
            5 => HeaderValue::Long(int(fixed(&mut b, 8)?)),
            8 => HeaderValue::Timestamp(int(fixed(&mut b, 8)?)),
            9 => HeaderValue::Uuid(fixed(&mut b, 16)?.try_into().expect("16 bytes")),
            6 | 7 => {
                let n = u16::from_be_bytes(fixed(&mut b, 2)?.try_into().expect("2 bytes")) as usize;
                let v = take(&mut b, n, "value")?.to_vec();
                if kind == 6 {
                    HeaderValue::Bytes(v)
                } else {
                    let s = String::from_utf8(v).map_err(|_| format!("header {name:?} is not UTF-8"))?;
                    HeaderValue::String(s)
                }
            }
            other => return Err(format!("header {name:?} has value type {other}, which no event stream defines")),
        };
        out.push((name.to_string(), value));
    }
    Ok(out)
}
