//! SELECT object content (`POST /<key>?select&select-type=2`): the request, and its event-stream answer
//! read message by message (see `eventstream`). Records go to the caller as they arrive, through a
//! callback / `Write` ([`Client::select_object_content`]) or a pull-style [`SelectReader`]; `Progress` and
//! `Stats` events are parsed. A stream that ends before its `End` event is a `Network` error ("truncated"),
//! an `error` message a service error with COS's code and message. A broken stream is sent again (a new
//! POST, within the retry count and the operation timeout) only while no record has been delivered: after
//! that, the caller holds bytes a second answer would repeat.

use super::object::md5_base64;
use super::select_request::SelectRequest;
use super::Call;
use crate::client::Client;
use crate::error::{Error, ErrorKind, Result, ServiceFields};
use crate::eventstream::{Decoder, Message};
use crate::options::RequestOptions;
use crate::transport::{Body, Request, Response};
use std::io::{self, Read, Write};
use std::time::{Duration, Instant};

/// Bytes read from the connection per loop.
const READ_CHUNK: usize = 64 * 1024;

/// The byte counts of a `Stats` (at the end) or `Progress` (while scanning) event.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SelectStats {
    /// Bytes of the object read (as stored: compressed when the object is).
    pub bytes_scanned: u64,
    /// Bytes processed after decompression.
    pub bytes_processed: u64,
    /// Bytes of records returned.
    pub bytes_returned: u64,
}

/// What the stream yields to its readers.
enum Event {
    Records(Vec<u8>),
    Progress(SelectStats),
    Stats(SelectStats),
}

/// The answer of one select, with what it takes to send the request again.
struct Stream {
    client: Client,
    bucket: String,
    key: String,
    body: String,
    opts: RequestOptions,
    response: Option<Response>,
    decoder: Decoder,
    /// Whether a Records event was handed out: from then on the request is never sent again.
    delivered: bool,
    resends: u32,
    attempts: u32,
    deadline: Option<Instant>,
    timeout: Option<Duration>,
    ended: bool,
    failed: Option<Error>,
}

impl Stream {
    fn open(client: &Client, bucket: &str, key: &str, req: &SelectRequest, opts: &RequestOptions) -> Result<Stream> {
        client.object_name(bucket, key)?;
        req.validate()?;
        let call = Call::new(client.config());
        let mut s = Stream {
            client: client.clone(),
            bucket: bucket.to_string(),
            key: key.to_string(),
            body: req.to_xml(),
            opts: opts.clone(),
            response: None,
            decoder: Decoder::new(),
            delivered: false,
            resends: 0,
            attempts: 0,
            deadline: call.deadline(),
            timeout: call.operation_timeout(),
            ended: false,
            failed: None,
        };
        s.send()?;
        Ok(s)
    }

    /// Sends the POST (again), within the deadline of the call that opened the stream.
    fn send(&mut self) -> Result<()> {
        let call = Call::at(self.deadline, self.timeout);
        call.count(self.attempts);
        let mut req = Request::new("POST", self.client.object(&self.bucket, &self.key)?);
        req.query.push(("select".into(), String::new()));
        req.query.push(("select-type".into(), "2".into()));
        req.query.extend(self.opts.query.iter().cloned());
        req.headers = self.opts.headers.clone();
        if self.opts.get_header("Content-MD5").is_none() {
            req.headers.push(("Content-MD5".into(), md5_base64(self.body.as_bytes())));
        }
        if self.opts.get_header("Content-Type").is_none() {
            req.headers.push(("Content-Type".into(), "application/xml".into()));
        }
        req.body = Body::Bytes(self.body.as_bytes());
        let result = call.send(&self.client.transport, req);
        self.attempts = call.sent();
        self.response = Some(result.map_err(|e| e.with_attempts(self.attempts))?);
        self.decoder = Decoder::new();
        Ok(())
    }

    /// The next event, None after `End`. An error is final: every later call returns it again.
    fn next(&mut self) -> Result<Option<Event>> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        let result = self.next_event();
        if let Err(e) = &result {
            self.failed = Some(e.clone());
            self.response = None;
        }
        result
    }

    fn next_event(&mut self) -> Result<Option<Event>> {
        let mut buf = vec![0u8; READ_CHUNK];
        loop {
            if self.ended {
                return Ok(None);
            }
            let resp = self.response.as_mut().expect("a response is open until the stream ends or fails");
            match self.decoder.next_message() {
                Ok(Some(msg)) => {
                    let event = classify(resp, &msg).map_err(|e| resp.stamp(e))?;
                    match event {
                        Some(Some(e)) => {
                            self.delivered |= matches!(e, Event::Records(_));
                            return Ok(Some(e));
                        }
                        Some(None) => {}
                        None => {
                            self.ended = true;
                            self.response = None;
                        }
                    }
                    continue;
                }
                Ok(None) => {}
                Err(e) => return Err(resp.stamp(e)),
            }
            let broken = match resp.reader().read(&mut buf) {
                Ok(0) => {
                    let why = match self.decoder.buffered() {
                        0 => "the select answer ended without its End event (truncated)".to_string(),
                        n => format!("the select answer ended inside a message, {n} bytes into it (truncated)"),
                    };
                    resp.stamp(Error::new(ErrorKind::Network, why))
                }
                Ok(n) => {
                    self.decoder.feed(&buf[..n]);
                    continue;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => resp.body_error(&e),
            };
            let transient = matches!(broken.kind(), ErrorKind::Network | ErrorKind::Timeout);
            if self.delivered || !transient || self.resends >= self.client.config().max_retries {
                return Err(broken);
            }
            self.resends += 1;
            self.response = None;
            self.send()?;
        }
    }
}

/// What a message means: `Some(Some(event))` for the caller, `Some(None)` for one to skip (`Cont`, an
/// event type this library does not know), `None` for `End`; an `error` message is the service error.
fn classify(resp: &Response, msg: &Message) -> Result<Option<Option<Event>>> {
    match msg.header(":message-type") {
        Some("event") => Ok(match msg.header(":event-type") {
            Some("Records") if msg.payload.is_empty() => Some(None),
            Some("Records") => Some(Some(Event::Records(msg.payload.clone()))),
            Some("Stats") => Some(Some(Event::Stats(parse_stats(&msg.payload, "Stats")?))),
            Some("Progress") => Some(Some(Event::Progress(parse_stats(&msg.payload, "Progress")?))),
            Some("End") => None,
            _ => Some(None),
        }),
        Some("error") => {
            let code = msg.header(":error-code").unwrap_or("").to_string();
            let message = msg.header(":error-message").map(str::to_string);
            Err(Error::service(ServiceFields {
                http_status: resp.status,
                code: Some(code).filter(|c| !c.is_empty()),
                message: message.filter(|m| !m.is_empty()),
                request_id: resp.headers.request_id().map(str::to_string),
                trace_id: resp.headers.get("x-cos-trace-id").map(str::to_string),
                ..Default::default()
            }))
        }
        other => Err(Error::parse(format!("a select answer's message has :message-type {other:?}"))),
    }
}

/// The `<Stats>` / `<Progress>` document of an event. An absent count is 0; one that is not a number is
/// a parse error.
fn parse_stats(payload: &[u8], root: &str) -> Result<SelectStats> {
    let bad = |why: String| Error::parse(format!("the select answer's {root} event: {why}"));
    let text = std::str::from_utf8(payload).map_err(|_| bad("not UTF-8".into()))?;
    let doc = roxmltree::Document::parse(text).map_err(|e| bad(e.to_string()))?;
    if doc.root_element().tag_name().name() != root {
        return Err(bad(format!("the document is <{}>", doc.root_element().tag_name().name())));
    }
    let count = |name: &str| -> Result<u64> {
        match doc.root_element().children().find(|n| n.tag_name().name() == name) {
            None => Ok(0),
            Some(n) => {
                let t = n.text().unwrap_or("").trim();
                t.parse().map_err(|_| bad(format!("{name} is {t:?}, not a count")))
            }
        }
    };
    Ok(SelectStats {
        bytes_scanned: count("BytesScanned")?,
        bytes_processed: count("BytesProcessed")?,
        bytes_returned: count("BytesReturned")?,
    })
}

impl Client {
    /// Runs `req` on the object and writes the result records to `sink` as they arrive; returns the `Stats`
    /// event's counts (zeros if COS sent none). `opts` adds headers and query parameters (`versionId`).
    pub fn select_object_content(
        &self,
        bucket: &str,
        key: &str,
        req: &SelectRequest,
        opts: &RequestOptions,
        sink: &mut dyn Write,
    ) -> Result<SelectStats> {
        let mut records = |b: &[u8]| sink.write_all(b).map_err(|e| Error::from_io("writing select records", e));
        self.select_object_content_with(bucket, key, req, opts, &mut records, &mut |_| Ok(()))
    }

    /// [`Client::select_object_content`] with callbacks: `records` gets each Records payload (a record
    /// may span two), `progress` each Progress event. A callback's error stops the select and is returned.
    pub fn select_object_content_with(
        &self,
        bucket: &str,
        key: &str,
        req: &SelectRequest,
        opts: &RequestOptions,
        records: &mut dyn FnMut(&[u8]) -> Result<()>,
        progress: &mut dyn FnMut(&SelectStats) -> Result<()>,
    ) -> Result<SelectStats> {
        let mut stream = Stream::open(self, bucket, key, req, opts)?;
        let mut stats = SelectStats::default();
        let stamp = |s: &Stream, e: Error| if e.attempts() == 0 { e.with_attempts(s.attempts) } else { e };
        while let Some(event) = stream.next()? {
            let done = match event {
                Event::Records(b) => records(&b),
                Event::Progress(p) => progress(&p),
                Event::Stats(s) => {
                    stats = s;
                    Ok(())
                }
            };
            done.map_err(|e| stamp(&stream, e))?;
        }
        Ok(stats)
    }
}

/// A pull-style select: `read` gives the result records' bytes, 0 once the `End` event came. After an
/// error every later `read` returns it again. One thread at a time.
pub struct SelectReader {
    stream: Stream,
    pending: Vec<u8>,
    pos: usize,
    stats: Option<SelectStats>,
    progress: Option<SelectStats>,
}

impl SelectReader {
    /// Sends the select; its answer is read by `read`.
    pub fn open(
        client: &Client,
        bucket: &str,
        key: &str,
        req: &SelectRequest,
        opts: &RequestOptions,
    ) -> Result<SelectReader> {
        let stream = Stream::open(client, bucket, key, req, opts)?;
        Ok(SelectReader { stream, pending: Vec::new(), pos: 0, stats: None, progress: None })
    }

    /// Reads up to `buf.len()` bytes of records; 0 means the stream ended with its End event.
    pub fn read(&mut self, buf: &mut [u8]) -> Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        while self.pos == self.pending.len() {
            match self.stream.next()? {
                None => return Ok(0),
                Some(Event::Records(b)) => (self.pending, self.pos) = (b, 0),
                Some(Event::Progress(p)) => self.progress = Some(p),
                Some(Event::Stats(s)) => self.stats = Some(s),
            }
        }
        let n = buf.len().min(self.pending.len() - self.pos);
        buf[..n].copy_from_slice(&self.pending[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }

    /// The `Stats` event's counts, once read (normally with the `read` that returns 0).
    pub fn stats(&self) -> Option<SelectStats> {
        self.stats
    }

    /// The last `Progress` event read, if progress was requested.
    pub fn progress(&self) -> Option<SelectStats> {
        self.progress
    }
}

impl Read for SelectReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        SelectReader::read(self, buf).map_err(Error::into_io)
    }
}
