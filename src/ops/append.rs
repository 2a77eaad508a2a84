//! AppendObject, and [`Appender`], which carries an appendable object's length and CRC-64 from one append
//! to the next.

use super::Call;
use crate::client::Client;
use crate::crc64;
use crate::error::{Error, Result};
use crate::headers::ObjectInfo;
use crate::options::RequestOptions;
use crate::transport::{verify_crc, Body, Request, Response};

impl Client {
    /// Appends `data` to the appendable object `bucket/key` at `position` (AppendObject); with `position` 0
    /// and no object there, creates it with the metadata in `opts`. Returns the next position (the object's
    /// new length) and the response headers, whose CRC-64 is that of the **whole** object.
    ///
    /// A `position` other than the object's length is COS's 409 `AppendPositionErr`; an object written any
    /// other way is 409 `ObjectNotAppendable`. The position also makes a retry safe: if an attempt appended
    /// but its answer was lost, the retry fails with `AppendPositionErr` instead of appending twice.
    ///
    /// Since COS reports the whole object's CRC-64, only an append at position 0 can be checked against the
    /// bytes sent here; [`Appender`] checks every append.
    pub fn append_object(
        &self,
        bucket: &str,
        key: &str,
        position: u64,
        data: &[u8],
        opts: &RequestOptions,
    ) -> Result<(u64, ObjectInfo)> {
        super::honour::check("append_object", opts, super::honour::Accepts::UPLOAD)?;
        let resp = self.append_request(bucket, key, position, data, opts, opts.verify_crc && position == 0)?;
        let next = next_position(&resp, position, data.len())?;
        Ok((next, ObjectInfo { headers: resp.headers }))
    }

    /// Sends one AppendObject; the answer carries the CRC-64 of `data` (`body_crc`), compared with COS's
    /// only when `compare_crc` is set.
    fn append_request(
        &self,
        bucket: &str,
        key: &str,
        position: u64,
        data: &[u8],
        opts: &RequestOptions,
        compare_crc: bool,
    ) -> Result<Response> {
        let mut req = Request::new("POST", self.object(bucket, key)?);
        // COS routes on the first query parameter: `append` must come before `position`.
        req.query.push(("append".into(), String::new()));
        req.query.push(("position".into(), position.to_string()));
        req.query.extend(opts.query.iter().cloned());
        req.headers = opts.headers.clone();
        if opts.content_md5 {
            req.headers.push(("Content-MD5".into(), super::object::md5_base64(data)));
        }
        // Always computed: an Appender follows the object's CRC-64 with it.
        req.verify_crc = true;
        req.body = Body::Bytes(data);
        self.transport.send_with(req, compare_crc)
    }
}

/// `x-cos-next-append-position` of a successful append of `len` bytes at `position`: it must be a number,
/// and the end of what was appended (anything else is an answer this client cannot continue from).
fn next_position(resp: &Response, position: u64, len: usize) -> Result<u64> {
    let name = "x-cos-next-append-position";
    let next = resp.headers.number(name).map_err(|e| resp.stamp(e))?;
    let next = next.ok_or_else(|| resp.stamp(Error::parse(format!("AppendObject answered without {name}"))))?;
    let end = position.checked_add(len as u64);
    if end != Some(next) {
        return Err(resp.stamp(Error::parse(format!(
            "AppendObject of {len} bytes at position {position} answered {name} {next}, not the end of the append"
        ))));
    }
    Ok(next)
}

/// Appends to one appendable object, keeping its length and CRC-64 between calls, so that every append is
/// checked: COS answers with the CRC-64 of the whole object, which must be the CRC so far combined with that
/// of the new bytes. Owns a clone of the client (sharing its connection pool).
pub struct Appender {
    client: Client,
    bucket: String,
    key: String,
    opts: RequestOptions,
    position: u64,
    /// The object's CRC-64 so far; None when it is not known (resumed without one, verification off).
    crc: Option<u64>,
}

impl Appender {
    /// An appender for a new object: the first append goes to position 0 and creates it with the metadata in
    /// `opts`. Nothing is sent here.
    pub fn new(client: &Client, bucket: &str, key: &str, opts: &RequestOptions) -> Result<Appender> {
        client.object(bucket, key)?;
        super::honour::check("appender", opts, super::honour::Accepts::UPLOAD)?;
        Ok(Appender::at(client, bucket, key, opts, 0, Some(0)))
    }

    /// An appender that continues an existing appendable object at its length, from the length and CRC-64 a
    /// HEAD reports. Fails if the object is not appendable, or (with CRC verification on) if COS reports no
    /// CRC-64 to continue from.
    pub fn resume(client: &Client, bucket: &str, key: &str, opts: &RequestOptions) -> Result<Appender> {
        super::honour::check("appender", opts, super::honour::Accepts::UPLOAD)?;
        // Only what a HEAD needs (SSE-C key, version); the upload metadata belongs to the first append.
        let call = Call::new(client.config());
        let info = client.head_object_in(&call, bucket, key, &opts.part_subset())?;
        // Every error below follows the HEAD, and says so in its attempt count.
        let fail = |e: Error| call.total(e);
        let object_type = info.headers.get("x-cos-object-type").unwrap_or("normal");
        if !object_type.eq_ignore_ascii_case("appendable") {
            return Err(fail(Error::invalid(format!(
                "{bucket}/{key} is not appendable (x-cos-object-type {object_type:?}); only objects created by \
                 AppendObject can be appended to"
            ))));
        }
        let position = info
            .checked_content_length()
            .and_then(|n| n.ok_or_else(|| Error::parse("the HEAD answer has no Content-Length")))
            .map_err(fail)?;
        let crc = info.checked_crc64().map_err(fail)?;
        if crc.is_none() && opts.verify_crc {
            return Err(fail(Error::invalid(format!(
                "COS reports no CRC-64 for {bucket}/{key}, so appends cannot be verified; turn CRC verification \
                 off to append anyway"
            ))));
        }
        Ok(Appender::at(client, bucket, key, opts, position, crc))
    }

    fn at(client: &Client, bucket: &str, key: &str, opts: &RequestOptions, position: u64, crc: Option<u64>) -> Self {
        Appender {
            client: client.clone(),
            bucket: bucket.to_string(),
            key: key.to_string(),
            opts: opts.clone(),
            position,
            crc,
        }
    }

    /// Appends `data` at the current position and returns the response headers. With CRC verification on, a
    /// CRC-64 from COS other than the expected one is [`crate::ErrorKind::ChecksumMismatch`]; the position
    /// then stays where it was, so further appends fail until the object is checked and resumed.
    pub fn append(&mut self, data: &[u8]) -> Result<ObjectInfo> {
        let resp = self.client.append_request(&self.bucket, &self.key, self.position, data, &self.opts, false)?;
        let attempts = resp.attempts;
        let next = next_position(&resp, self.position, data.len())?;
        let expected = self.crc.zip(resp.body_crc).map(|(crc, added)| crc64::combine(crc, added, data.len() as u64));
        let info = ObjectInfo { headers: resp.headers };
        if let (true, Some(expected)) = (self.opts.verify_crc, expected) {
            verify_crc(expected, &info.headers).map_err(|e| e.with_attempts(attempts))?;
        }
        self.position = next;
        // COS's value when it sends one (equal to ours when verified), so an unknown CRC becomes known.
        self.crc = info.crc64().or(expected);
        Ok(info)
    }

    /// Where the next append goes: the object's length as far as this appender knows.
    pub fn position(&self) -> u64 {
        self.position
    }

    /// The object's CRC-64 as far as this appender knows (None after resuming an object without one, until
    /// COS reports one).
    pub fn crc64(&self) -> Option<u64> {
        self.crc
    }
}
