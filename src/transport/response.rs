//! Responses: the successful ones handed to operations, and the mapping of failures (transport errors,
//! body-less answers, CRC mismatches) onto [`Error`]s.

use super::{Target, MAX_XML_BODY};
use crate::error::{Error, ErrorKind, Result};
use crate::headers::Headers;
use crate::http::{socket_error, HttpResponse};
use std::io::{self, Read};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

/// A successful (2xx) response whose body has not been read yet.
pub(crate) struct Response {
    pub status: u16,
    pub headers: Headers,
    /// The CRC-64 of the request body sent, when the request asked for it (`verify_crc`).
    pub body_crc: Option<u64>,
    /// How many attempts it took to get this response.
    pub attempts: u32,
    /// How long opening its connection took; `None` when a pooled one carried it.
    pub connect: Option<std::time::Duration>,
    pub(super) body: Box<dyn Read + Send + Sync + 'static>,
    /// What errors about this response must not repeat: the client's secrets and this request's signature.
    pub(super) secrets: Arc<Vec<String>>,
    pub(super) signature: String,
}

impl Response {
    /// Reads the whole body of a document answer (XML or JSON, which are small: at most `MAX_XML_BODY` bytes).
    pub fn bytes(mut self) -> Result<(Headers, Vec<u8>)> {
        let mut buf = Vec::new();
        if let Err(e) = (&mut self.body).take(MAX_XML_BODY as u64 + 1).read_to_end(&mut buf) {
            return Err(self.body_error(&e));
        }
        if buf.len() > MAX_XML_BODY {
            let msg = format!("the answer is larger than {MAX_XML_BODY} bytes, which no COS document is");
            return Err(self.stamp(Error::parse(msg)));
        }
        Ok((self.headers, buf))
    }

    /// [`Response::bytes`] as UTF-8 text.
    pub fn text(self) -> Result<(Headers, String)> {
        let (status, attempts, request_id) =
            (self.status, self.attempts, self.headers.request_id().map(str::to_string));
        let (headers, buf) = self.bytes()?;
        match String::from_utf8(buf) {
            Ok(text) => Ok((headers, text)),
            Err(_) => Err(Error::parse("response body is not UTF-8")
                .with_response(status, request_id)
                .with_attempts(attempts)),
        }
    }

    /// Reads the body as text and hands it to `parse`; any error is stamped with this response's status,
    /// request id and attempts.
    pub fn parse<T>(self, parse: impl FnOnce(&Headers, &str) -> Result<T>) -> Result<(Headers, T)> {
        let (status, attempts) = (self.status, self.attempts);
        let request_id = self.headers.request_id().map(str::to_string);
        let (headers, text) = self.text()?;
        match parse(&headers, &text) {
            Ok(v) => Ok((headers, v)),
            Err(e) => Err(e.with_response(status, request_id).with_attempts(attempts)),
        }
    }

    /// The body as a reader; turn its `io::Error`s into errors with [`Response::body_error`].
    pub fn reader(&mut self) -> &mut (dyn Read + Send + Sync) {
        &mut *self.body
    }

    /// An error found while handling this response, stamped with its status, request id and attempts, and
    /// with anything secret the server echoed removed.
    pub fn stamp(&self, err: Error) -> Error {
        self.redact(err.with_response(self.status, self.headers.request_id().map(str::to_string)))
            .with_attempts(self.attempts)
    }

    /// `err` without the secrets a server could have echoed into it.
    pub(super) fn redact(&self, err: Error) -> Error {
        let mut secrets: Vec<&str> = self.secrets.iter().map(String::as_str).collect();
        secrets.push(&self.signature);
        err.redact(&secrets)
    }

    /// Maps an error while reading the body.
    pub fn body_error(&self, e: &io::Error) -> Error {
        self.stamp(socket_error(e, "reading the response body failed"))
    }
}

pub(super) fn local_now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// The server's clock from a `Date` header, in Unix seconds.
pub(super) fn server_time(headers: &Headers) -> Option<i64> {
    let date = httpdate::parse_http_date(headers.get("date")?).ok()?;
    date.duration_since(UNIX_EPOCH).ok().map(|d| d.as_secs() as i64)
}

/// The code and message for an error response without a body (HEAD answers).
pub(super) fn bodyless_error(method: &str, target: Target<'_>, status: u16) -> (Option<&'static str>, String) {
    match (status, target) {
        (404, Target::Bucket(_)) => (Some("NoSuchBucket"), "the bucket does not exist".into()),
        // A HEAD of an object cannot tell a missing key from a missing bucket; the Python SDK's name for it.
        (404, _) if method == "HEAD" => (Some("NoSuchResource"), "the resource you head does not exist".into()),
        (404, _) => (Some("NoSuchResource"), "the resource does not exist".into()),
        _ => (None, format!("HTTP {status} with no error body")),
    }
}

pub(super) fn into_response(resp: HttpResponse, secrets: Arc<Vec<String>>, signature: String) -> Response {
    let HttpResponse { head, body, connect } = resp;
    Response {
        status: head.status,
        headers: Headers::new(head.headers),
        body_crc: None,
        attempts: 1,
        connect,
        body: Box::new(body),
        secrets,
        signature,
    }
}

/// Compares the CRC-64 of what was sent or received with COS's `x-cos-hash-crc64ecma`. No header means the
/// server cannot vouch for the bytes, which is not a failure.
pub(crate) fn verify_crc(local: u64, headers: &Headers) -> Result<()> {
    let Some(remote) = headers.get("x-cos-hash-crc64ecma") else {
        return Ok(());
    };
    match remote.trim().parse::<u64>() {
        Ok(r) if r == local => Ok(()),
        Ok(r) => Err(Error::new(
            ErrorKind::ChecksumMismatch,
            format!("CRC-64 mismatch: computed {local} locally, COS reports {r}"),
        )
        .with_response(200, headers.request_id().map(str::to_string))),
        Err(_) => Err(Error::parse(format!("x-cos-hash-crc64ecma is not a number: {remote:?}"))),
    }
}
