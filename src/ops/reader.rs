//! `ObjectReader`: a pull-style GET that resumes broken bodies and checks every ranged answer and the
//! CRC-64. The `get_object*` calls read through it; transfers and the C reader handle use it too.

use super::range::{check_ranged, content_length, parse_asked, parse_content_range, Asked};
use super::Call;
use crate::client::Client;
use crate::crc64::Crc64;
use crate::error::{Error, ErrorKind, Result};
use crate::headers::ObjectInfo;
use crate::options::RequestOptions;
use crate::transport::{verify_crc, Response};
use std::io::{self, Read};

/// A pull-style download: read the object a buffer at a time. A broken connection is resumed from the
/// current offset (with `If-Match` on the ETag), up to the client's retry count; every resumed answer must be
/// a `206` continuing exactly where the last one stopped (see `range.rs`), and no read ever delivers a byte
/// past the announced length. The CRC-64 of a whole object is checked at the end, so the final `read` fails
/// (`ChecksumMismatch`) rather than returning 0 when the bytes were wrong. After an error, every later `read`
/// returns the same error. The `get_object*` calls read through it.
pub struct ObjectReader {
    client: Client,
    bucket: String,
    key: String,
    opts: RequestOptions,
    info: ObjectInfo,
    response: Option<Response>,
    /// The first and last byte of the object being read (`end` None: to the end of the object).
    start: u64,
    end: Option<u64>,
    /// The object's size, once an answer told it (a Content-Range, or the length of a whole-object answer).
    total: Option<u64>,
    /// How many bytes the read delivers in all, when known.
    expected: Option<u64>,
    /// Bytes delivered so far.
    pos: u64,
    crc: Crc64,
    resumes: u32,
    /// HTTP attempts made so far, for errors.
    attempts: u32,
    finished: bool,
    /// The error that ended the read, returned again by every later `read`.
    failed: Option<Error>,
    /// The deadline of the call that opened the reader, which its resumes share, and the operation timeout
    /// behind it.
    deadline: Option<std::time::Instant>,
    timeout: Option<std::time::Duration>,
}

/// Where the bytes of a first answer sit in the object: (start, end, total, expected length).
type Placement = (u64, Option<u64>, Option<u64>, Option<u64>);

impl ObjectReader {
    /// Starts the download (sends the GET). The operation timeout, counted from here, bounds the whole read:
    /// the GET, its body and every resume.
    pub fn open(client: &Client, bucket: &str, key: &str, opts: &RequestOptions) -> Result<ObjectReader> {
        ObjectReader::open_in(&Call::new(client.config()), client, bucket, key, opts)
    }

    /// Opens within `call`, whose deadline the resumes share.
    pub(crate) fn open_in(
        call: &Call<'_>,
        client: &Client,
        bucket: &str,
        key: &str,
        opts: &RequestOptions,
    ) -> Result<ObjectReader> {
        super::honour::check("get_object", opts, super::honour::Accepts::READ)?;
        let response = client.get_response_in(call, bucket, key, opts)?;
        let placement = first_answer(&response, opts.get_header("range")).map_err(|e| response.stamp(e))?;
        let (start, end, total, expected) = placement;
        let info = ObjectInfo { headers: response.headers.clone() };
        Ok(ObjectReader {
            client: client.clone(),
            bucket: bucket.to_string(),
            key: key.to_string(),
            opts: opts.clone(),
            info,
            attempts: response.attempts,
            response: Some(response),
            start,
            end,
            total,
            expected,
            pos: 0,
            crc: Crc64::new(),
            resumes: 0,
            finished: false,
            failed: None,
            deadline: call.deadline(),
            timeout: call.operation_timeout(),
        })
    }

    /// The object's headers (from the GET).
    /// `e` (a failure after this reader's requests, such as writing what it delivered) with the attempts
    /// the read made, unless it carries its own.
    pub(crate) fn stamp(&self, e: Error) -> Error {
        if e.attempts() == 0 {
            e.with_attempts(self.attempts)
        } else {
            e
        }
    }

    pub fn info(&self) -> &ObjectInfo {
        &self.info
    }

    /// Reads up to `buf.len()` bytes; 0 means the whole object was read and verified.
    pub fn read(&mut self, buf: &mut [u8]) -> Result<usize> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        if self.finished || buf.is_empty() {
            return Ok(0);
        }
        let result = self.read_some(buf);
        if let Err(e) = &result {
            self.failed = Some(e.clone());
            self.response = None;
        }
        result
    }

    fn read_some(&mut self, buf: &mut [u8]) -> Result<usize> {
        loop {
            if self.response.is_none() {
                self.reopen()?;
                continue;
            }
            let remaining = self.expected.map(|e| e - self.pos);
            let resp = self.response.as_mut().expect("a response is open");
            if remaining == Some(0) {
                // Every announced byte is in: the body must end here. What a lying server adds is never delivered.
                let mut probe = [0u8; 1];
                return match resp.reader().read(&mut probe) {
                    Ok(0) => self.finish(),
                    Ok(_) => {
                        let msg = format!(
                            "the answer carries more than the {} bytes it announced; nothing past them was delivered",
                            self.pos
                        );
                        Err(resp.stamp(Error::parse(msg)).with_attempts(self.attempts))
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    // The bytes are all here; the CRC below still vouches for them.
                    Err(_) => self.finish(),
                };
            }
            let cap = remaining.map_or(buf.len(), |r| r.min(buf.len() as u64) as usize);
            match resp.reader().read(&mut buf[..cap]) {
                Ok(0) if remaining.is_none() => return self.finish(),
                Ok(0) => {
                    let (pos, all) = (self.pos, self.expected.unwrap_or_default());
                    let err = resp
                        .stamp(Error::new(ErrorKind::Network, format!("the body ended after {pos} of {all} bytes")));
                    self.broken(err)?
                }
                Ok(n) => {
                    self.crc.update(&buf[..n]);
                    self.pos += n as u64;
                    return Ok(n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    let err = resp.body_error(&e);
                    self.broken(err)?
                }
            }
        }
    }

    /// After a broken body: arranges to resume, or gives up when out of retries or when the object has no
    /// ETag to pin the resumed read to the same version.
    fn broken(&mut self, e: Error) -> Result<()> {
        self.response = None;
        self.resumes += 1;
        if self.resumes > self.client.config().max_retries || self.info.etag().is_none() {
            return Err(e.with_attempts(self.attempts));
        }
        Ok(())
    }

    fn reopen(&mut self) -> Result<()> {
        let first = self.start + self.pos;
        let mut o = self.opts.clone();
        o.range(first, self.end)?;
        if let Some(etag) = self.info.etag() {
            o.if_match(etag)?;
        }
        // The call that opened the reader goes on: its deadline, and the requests it sent so far.
        let call = Call::at(self.deadline, self.timeout);
        call.count(self.attempts);
        let response = self.client.get_response_in(&call, &self.bucket, &self.key, &o);
        self.attempts = call.sent();
        let response = response.map_err(|e| e.with_attempts(self.attempts))?;
        match check_ranged(&response, first, self.end, self.total) {
            Ok(span) => {
                self.total = Some(span.total);
                self.expected.get_or_insert(self.end.map_or(span.total, |e| e + 1) - self.start);
            }
            // Nothing was delivered yet and the answer is the whole object again: a clean restart.
            Err(_) if self.restartable(&response) => {}
            Err(e) => return Err(e.with_attempts(self.attempts)),
        }
        self.response = Some(response);
        Ok(())
    }

    /// Whether `resp`, a plain 200, can stand in for the whole read: nothing delivered yet, the whole object
    /// asked for, and the same length as before.
    fn restartable(&self, resp: &Response) -> bool {
        let length = ObjectInfo { headers: resp.headers.clone() }.content_length();
        self.pos == 0 && self.start == 0 && self.end.is_none() && resp.status == 200 && length == self.expected
    }

    fn finish(&mut self) -> Result<usize> {
        self.finished = true;
        self.response = None;
        let whole = self.opts.get_header("range").is_none();
        if whole && self.opts.verify_crc {
            verify_crc(self.crc.value(), &self.info.headers).map_err(|e| {
                let e = e.with_attempts(self.attempts);
                if self.resumes == 0 {
                    return e;
                }
                // Each resumed answer was checked to continue at the right byte: the server's bytes disagree
                // with its own CRC, which reading again does not change.
                e.note(&format!(
                    "the {} bytes came in {} answers, each continuing at the right byte",
                    self.pos,
                    self.resumes + 1
                ))
            })?;
        }
        Ok(0)
    }
}

/// Checks the first answer of a read against the caller's `Range` (if any) and places its bytes in the
/// object. A `200` stands for a ranged request only when the whole object is exactly what was asked.
fn first_answer(resp: &Response, range: Option<&str>) -> Result<Placement> {
    let length = content_length(&resp.headers)?;
    let whole = |ok: bool, asked: &str| -> Result<Placement> {
        if ok {
            Ok((0, None, length, length))
        } else {
            let carried = length.map_or(String::new(), |n| format!(" carrying {n} bytes"));
            Err(Error::parse(format!(
                "asked for {asked} and got HTTP {}{carried} instead of 206 Partial Content: not the bytes asked for",
                resp.status
            )))
        }
    };
    let Some(value) = range else {
        if resp.status != 206 {
            return whole(true, "");
        }
        // A 206 nobody asked for is acceptable only when it is the whole object.
        return match resp.headers.get("content-range").and_then(parse_content_range) {
            Some(span) if span.first == 0 && span.last + 1 == span.total => {
                Ok((0, None, Some(span.total), Some(span.len())))
            }
            _ => Err(Error::parse(format!(
                "a GET of the whole object was answered with 206 Partial Content (Content-Range {:?})",
                resp.headers.get("content-range").unwrap_or("")
            ))),
        };
    };
    match parse_asked(value) {
        Some(Asked::Span(first, last)) if resp.status != 206 => {
            whole(first == 0 && length.is_some_and(|n| last.is_none_or(|l| n <= l + 1)), value)
        }
        Some(Asked::Span(first, last)) => {
            let span = check_ranged(resp, first, last, None)?;
            Ok((span.first, Some(span.last), Some(span.total), Some(span.len())))
        }
        Some(Asked::Suffix(n)) if resp.status != 206 => whole(length.is_some_and(|len| len <= n), value),
        Some(Asked::Suffix(n)) => {
            let total = resp.headers.get("content-range").and_then(parse_content_range).map(|s| s.total);
            let first = total.map_or(0, |t| t - n.min(t));
            let span = check_ranged(resp, first, None, total)?;
            Ok((span.first, Some(span.last), Some(span.total), Some(span.len())))
        }
        // A form not checked here (several ranges): as before, a 206 must at least say where it is.
        None => match (resp.status, resp.headers.get("content-range").and_then(parse_content_range)) {
            (206, Some(span)) => Ok((span.first, Some(span.last), Some(span.total), length)),
            (206, None) => Err(Error::parse("a ranged answer without a valid Content-Range")),
            _ => Ok((0, None, None, length)),
        },
    }
}

impl Read for ObjectReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        ObjectReader::read(self, buf).map_err(io::Error::other)
    }
}
