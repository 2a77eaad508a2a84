//! Scriptable fault injection. A test adds faults through the control API
//! (`POST /__emulator/faults?kind=K&count=N&...`, see `control.rs` and the README); each fires on
//! the next N COS requests it matches (method, key prefix, sub-resource), the first added first,
//! at most one fault per request.

use crate::http::request::Request;
use crate::http::wire::{reason, Body, Cut, Response};
use crate::xml;
use std::sync::Mutex;
use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Kind {
    Status,
    EmptyStatus,
    NonXml,
    TruncatedXml,
    Reset,
    ResetBody,
    ShortBody,
    Stall,
    BadCrc,
    CorruptBody,
    Error200,
    Redirect,
    HugeHeaders,
    HugeError,
    NoRequestId,
}

const KINDS: &[(&str, Kind)] = &[
    ("status", Kind::Status),
    ("empty-status", Kind::EmptyStatus),
    ("non-xml", Kind::NonXml),
    ("truncated-xml", Kind::TruncatedXml),
    ("reset", Kind::Reset),
    ("reset-body", Kind::ResetBody),
    ("short-body", Kind::ShortBody),
    ("stall", Kind::Stall),
    ("bad-crc", Kind::BadCrc),
    ("corrupt-body", Kind::CorruptBody),
    ("error-200", Kind::Error200),
    ("redirect", Kind::Redirect),
    ("huge-headers", Kind::HugeHeaders),
    ("huge-error", Kind::HugeError),
    ("no-request-id", Kind::NoRequestId),
];

fn kind_name(kind: Kind) -> &'static str {
    KINDS.iter().find(|(_, k)| *k == kind).map_or("?", |(n, _)| n)
}

#[derive(Clone, Debug, PartialEq)]
pub struct Fault {
    pub id: u64,
    pub kind: Kind,
    pub remaining: u64,
    /// Match: HTTP method (any case), object key prefix, sub-resource ("" = none). None = any.
    pub method: Option<String>,
    pub key: Option<String>,
    pub sub: Option<String>,
    pub status: Option<u16>,
    pub code: Option<String>,
    pub message: Option<String>,
    pub after_bytes: u64,
    pub ms: u64,
    pub at_body: bool,
    pub bytes: u64,
}

impl Fault {
    /// Parse the query of `POST /__emulator/faults`; unknown parameters are refused so a typo
    /// cannot silently widen a fault.
    pub fn parse(id: u64, query: &[(String, String)]) -> Result<Fault, String> {
        let mut f = Fault {
            id,
            kind: Kind::Status,
            remaining: 1,
            method: None,
            key: None,
            sub: None,
            status: None,
            code: None,
            message: None,
            after_bytes: 0,
            ms: 1000,
            at_body: false,
            bytes: 0,
        };
        let mut kind = None;
        let num = |name: &str, v: &str| v.parse::<u64>().map_err(|_| format!("{name} must be a number, got {v:?}"));
        for (name, value) in query {
            match name.as_str() {
                "kind" => {
                    let k = KINDS.iter().find(|(n, _)| n == value).ok_or_else(|| format!("unknown kind {value:?}"))?;
                    kind = Some(k.1);
                }
                "count" => f.remaining = num(name, value)?,
                "method" => f.method = Some(value.to_ascii_uppercase()),
                "key" => f.key = Some(value.clone()),
                "sub" => f.sub = Some(value.clone()),
                "status" => match value.parse::<u16>() {
                    Ok(s) if (100..600).contains(&s) => f.status = Some(s),
                    _ => return Err(format!("status must be an HTTP status code, got {value:?}")),
                },
                "code" => f.code = Some(value.clone()),
                "message" => f.message = Some(value.clone()),
                "after_bytes" => f.after_bytes = num(name, value)?,
                "ms" => f.ms = num(name, value)?,
                "bytes" => f.bytes = num(name, value)?,
                "at" if value == "body" => f.at_body = true,
                "at" => return Err(format!("at must be body, got {value:?}")),
                _ => return Err(format!("unknown parameter {name:?}")),
            }
        }
        f.kind = kind.ok_or("kind is required")?;
        if f.remaining == 0 {
            return Err("count must be at least 1".into());
        }
        if f.bytes == 0 {
            f.bytes = if f.kind == Kind::HugeHeaders { 64 * 1024 } else { 1024 * 1024 };
        }
        Ok(f)
    }

    pub fn matches(&self, method: &str, key: &str, sub: &str) -> bool {
        self.method.as_deref().is_none_or(|m| m.eq_ignore_ascii_case(method))
            && self.key.as_deref().is_none_or(|p| key.starts_with(p))
            && self.sub.as_deref().is_none_or(|s| s == sub)
    }

    fn status_or(&self, default: u16) -> u16 {
        self.status.unwrap_or(default)
    }

    /// One line of `GET /__emulator/faults`.
    pub fn describe(&self) -> String {
        let mut s = format!("{} kind={} remaining={}", self.id, kind_name(self.kind), self.remaining);
        let opt = |s: &mut String, name: &str, v: &Option<String>| {
            if let Some(v) = v {
                s.push_str(&format!(" {name}={v:?}"));
            }
        };
        opt(&mut s, "method", &self.method);
        opt(&mut s, "key", &self.key);
        opt(&mut s, "sub", &self.sub);
        if let Some(st) = self.status {
            s.push_str(&format!(" status={st}"));
        }
        opt(&mut s, "code", &self.code);
        opt(&mut s, "message", &self.message);
        match self.kind {
            Kind::Reset | Kind::ResetBody | Kind::ShortBody | Kind::CorruptBody => {
                s.push_str(&format!(" after_bytes={}", self.after_bytes))
            }
            Kind::Stall if self.at_body => {
                s.push_str(&format!(" ms={} at=body after_bytes={}", self.ms, self.after_bytes))
            }
            Kind::Stall => s.push_str(&format!(" ms={}", self.ms)),
            Kind::HugeHeaders | Kind::HugeError => s.push_str(&format!(" bytes={}", self.bytes)),
            _ => {}
        }
        s
    }
}

/// The pending faults.
#[derive(Default)]
pub struct Faults {
    state: Mutex<(u64, Vec<Fault>)>,
}

impl Faults {
    pub fn add(&self, query: &[(String, String)]) -> Result<u64, String> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let id = state.0 + 1;
        let fault = Fault::parse(id, query)?;
        state.0 = id;
        state.1.push(fault);
        Ok(id)
    }

    pub fn clear(&self) -> usize {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        std::mem::take(&mut state.1).len()
    }

    pub fn remove(&self, id: u64) -> bool {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let before = state.1.len();
        state.1.retain(|f| f.id != id);
        state.1.len() != before
    }

    pub fn list(&self) -> String {
        let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.1.iter().map(|f| f.describe() + "\n").collect()
    }

    /// The first fault matching this request, counted down (and forgotten at zero).
    pub fn take(&self, method: &str, key: &str, sub: &str) -> Option<Fault> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let i = state.1.iter().position(|f| f.matches(method, key, sub))?;
        let fault = state.1[i].clone();
        state.1[i].remaining -= 1;
        if state.1[i].remaining == 0 {
            state.1.remove(i);
        }
        Some(fault)
    }
}

/// What a fired fault does to one request.
#[derive(Default)]
pub struct Effect {
    /// Answer this instead of executing the request (its body is read and dropped first).
    pub replace: Option<Response>,
    /// Reset the connection after reading this many request body bytes; nothing is executed.
    pub reset_after: Option<u64>,
    pub drop_request_id: bool,
    /// Wait before sending the response.
    pub stall: Option<Duration>,
    pub cut: Option<Cut>,
    pub bad_crc: bool,
    /// Flip the bits of the body byte at this offset (the last byte when the body is shorter).
    pub corrupt_at: Option<u64>,
    pub junk_header_bytes: u64,
}

/// Request context a replacement answer needs.
pub struct Context<'a> {
    pub req: &'a Request,
    /// `host/path` for the error body's Resource.
    pub resource: String,
    pub request_id: &'a str,
    /// Bucket and region for a redirect's Location.
    pub bucket: Option<String>,
    pub region: String,
}

fn default_code(status: u16) -> &'static str {
    match status {
        400 => "InvalidRequest",
        403 => "AccessDenied",
        404 => "NoSuchKey",
        409 => "Conflict",
        429 => "TooManyRequests",
        501 => "NotImplemented",
        502 => "BadGateway",
        503 => "SlowDown",
        504 => "GatewayTimeout",
        s if s < 500 => "InvalidRequest",
        _ => "InternalError",
    }
}

fn default_message(code: &str) -> String {
    match code {
        "InternalError" => "We encountered an internal error. Please try again.".into(),
        "SlowDown" => "Please reduce your request rate.".into(),
        "RequestTimeout" => {
            "Your socket connection to the server was not read from or written to within the timeout period.".into()
        }
        "ServiceUnavailable" => "Service is unable to handle request.".into(),
        other => format!("{other} (injected by cos-emulator)"),
    }
}

fn error_xml(f: &Fault, status: u16, ctx: &Context, trace_id: &str) -> Vec<u8> {
    let code = f.code.clone().unwrap_or_else(|| default_code(status).to_string());
    let message = f.message.clone().unwrap_or_else(|| default_message(&code));
    xml::error_body(&code, &message, &ctx.resource, ctx.request_id, trace_id)
}

/// An error answer with a COS XML body (and trace id), as COS itself would send it.
fn xml_error(f: &Fault, status: u16, ctx: &Context) -> Response {
    let trace_id = crate::util::new_trace_id();
    let mut r = Response::xml(status, error_xml(f, status, ctx, &trace_id));
    r.push_header("x-cos-trace-id", trace_id);
    r
}

/// The filler of huge-error: its Message repeats this.
const HUGE_UNIT: &[u8] = b"The emulator streams an enormous error message. ";

pub fn effect(f: &Fault, ctx: &Context) -> Effect {
    let mut e = Effect::default();
    match f.kind {
        Kind::Status => e.replace = Some(xml_error(f, f.status_or(500), ctx)),
        Kind::NoRequestId => {
            e.drop_request_id = true;
            e.replace = f.status.map(|s| xml_error(f, s, ctx));
        }
        Kind::Error200 => e.replace = Some(xml_error(f, 200, ctx)),
        Kind::EmptyStatus => e.replace = Some(Response::new(f.status_or(500))),
        Kind::NonXml => {
            let status = f.status_or(502);
            // What a proxy or gateway in front of COS answers: no XML at all.
            let title = format!("{status} {}", reason(status));
            let page = format!(
                "<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
            );
            let mut r = Response::new(status).header("Content-Type", "text/html");
            r.body = Body::Bytes(page.into_bytes());
            e.replace = Some(r);
        }
        Kind::TruncatedXml => {
            let status = f.status_or(500);
            let mut r = xml_error(f, status, ctx);
            if let Body::Bytes(b) = &mut r.body {
                b.truncate(b.len() / 2);
            }
            e.replace = Some(r);
        }
        Kind::HugeError => {
            let status = f.status_or(500);
            let trace_id = crate::util::new_trace_id();
            let full = String::from_utf8(error_xml(f, status, ctx, &trace_id)).unwrap_or_default();
            // Split around the message text: head up to <Message>, the filler, then the rest.
            let at = full.find("<Message>").map_or(0, |i| i + "<Message>".len());
            let end = full.find("</Message>").unwrap_or(full.len());
            let (head, tail) = (full.as_bytes()[..at].to_vec(), full.as_bytes()[end..].to_vec());
            let fill = f.bytes.saturating_sub((head.len() + tail.len()) as u64);
            let mut r = Response::new(status).header("Content-Type", "application/xml");
            r.push_header("x-cos-trace-id", trace_id);
            r.body = Body::Repeat { head, unit: HUGE_UNIT, fill, tail };
            e.replace = Some(r);
        }
        Kind::Redirect => {
            let host = ctx.req.header("host").unwrap_or("");
            let port = host.rsplit_once(':').map(|(_, p)| p).filter(|p| p.bytes().all(|b| b.is_ascii_digit()));
            let name = match &ctx.bucket {
                Some(b) => format!("{b}.cos.{}.tencentcos.cn", ctx.region),
                None => format!("cos.{}.tencentcos.cn", ctx.region),
            };
            let authority = port.map_or(name.clone(), |p| format!("{name}:{p}"));
            let query = if ctx.req.raw_query.is_empty() { String::new() } else { format!("?{}", ctx.req.raw_query) };
            let location = format!("http://{authority}{}{query}", ctx.req.raw_path);
            e.drop_request_id = true;
            e.replace = Some(Response::new(f.status_or(301)).header("Location", location));
        }
        Kind::Reset => e.reset_after = Some(f.after_bytes),
        Kind::ResetBody => e.cut = Some(Cut::Reset(f.after_bytes)),
        Kind::ShortBody => e.cut = Some(Cut::Close(f.after_bytes)),
        Kind::Stall if f.at_body => e.cut = Some(Cut::Stall(f.after_bytes, Duration::from_millis(f.ms))),
        Kind::Stall => e.stall = Some(Duration::from_millis(f.ms)),
        Kind::BadCrc => e.bad_crc = true,
        Kind::CorruptBody => e.corrupt_at = Some(f.after_bytes),
        Kind::HugeHeaders => e.junk_header_bytes = f.bytes,
    }
    e
}

/// The changes a fault makes to a response produced normally.
pub fn alter(e: &Effect, resp: &mut Response) {
    if let Some(at) = e.corrupt_at {
        corrupt(resp, at);
    }
    if e.bad_crc {
        let wrong = resp
            .headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("x-cos-hash-crc64ecma"))
            .and_then(|(_, v)| v.parse::<u64>().ok())
            .map_or(1_234_567_890_123_456_789, |crc| crc ^ 0x5a5a);
        resp.set_header("x-cos-hash-crc64ecma", wrong.to_string());
    }
    let mut left = e.junk_header_bytes;
    let mut i = 0;
    while left > 0 {
        // Each line: `x-cos-emulator-junk-<i>: <value>\r\n`; values of up to 4000 bytes.
        let name = format!("x-cos-emulator-junk-{i}");
        let overhead = name.len() as u64 + 4;
        let value_len = left.saturating_sub(overhead).clamp(1, 4000);
        resp.push_header(&name, "j".repeat(value_len as usize));
        left = left.saturating_sub(overhead + value_len);
        i += 1;
    }
}

/// corrupt-body: the body keeps its length and every byte but one, whose bits are all flipped, so
/// only a checksum (the event stream's CRC-32, a CRC-64 or an MD5 the client computes) can tell.
/// Object bodies are read into memory first; a HEAD or generated body is left alone; in a chunked
/// body the offset counts data bytes, so the chunk framing stays intact.
fn corrupt(resp: &mut Response, at: u64) {
    if let Body::Pieces(pieces) = &resp.body {
        match crate::storage::store::read_pieces(pieces) {
            Ok(bytes) => resp.body = Body::Bytes(bytes),
            Err(_) => return,
        }
    }
    match &mut resp.body {
        Body::Bytes(b) => {
            if let Some(last) = b.len().checked_sub(1) {
                b[(at as usize).min(last)] ^= 0xff;
            }
        }
        // The offset counts payload bytes, not the chunked framing (which would then break
        // instead of the data).
        Body::Chunked(chunks) => {
            let total: usize = chunks.iter().map(Vec::len).sum();
            let Some(last) = total.checked_sub(1) else {
                return;
            };
            let mut i = (at as usize).min(last);
            for c in chunks.iter_mut() {
                if i < c.len() {
                    c[i] ^= 0xff;
                    return;
                }
                i -= c.len();
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(s: &str) -> Vec<(String, String)> {
        s.split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (k.to_string(), v.to_string())
            })
            .collect()
    }

    #[test]
    fn parsing_and_defaults() {
        let f = Fault::parse(1, &q("kind=status&status=503&code=SlowDown&count=2&method=put&key=a/&sub=partNumber"))
            .unwrap();
        assert_eq!((f.kind, f.remaining, f.status, f.method.as_deref()), (Kind::Status, 2, Some(503), Some("PUT")));
        assert_eq!(
            f.describe(),
            "1 kind=status remaining=2 method=\"PUT\" key=\"a/\" sub=\"partNumber\" status=503 code=\"SlowDown\""
        );
        let f = Fault::parse(2, &q("kind=stall&ms=50&at=body&after_bytes=10")).unwrap();
        assert!(f.at_body && f.ms == 50 && f.after_bytes == 10);
        assert_eq!(Fault::parse(3, &q("kind=huge-headers")).unwrap().bytes, 64 * 1024);
        for bad in [
            "",
            "kind=nope",
            "kind=status&count=0",
            "kind=status&status=99",
            "kind=reset&afterbytes=1",
            "kind=stall&at=head",
        ] {
            assert!(Fault::parse(9, &q(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn matching_and_counting() {
        let faults = Faults::default();
        let a = faults.add(&q("kind=status&count=2&method=PUT&sub=partNumber")).unwrap();
        let b = faults.add(&q("kind=reset&key=logs/")).unwrap();
        let c = faults.add(&q("kind=bad-crc&sub=")).unwrap();
        assert_eq!((a, b, c), (1, 2, 3));
        assert_eq!(faults.list().lines().count(), 3);
        // Sub-resource must match exactly; "" means none.
        assert_eq!(faults.take("GET", "x", "uploadId"), None);
        assert_eq!(faults.take("put", "x", "partNumber").map(|f| f.id), Some(a));
        // Key prefix; the first matching fault wins.
        assert_eq!(faults.take("GET", "logs/1", "").map(|f| f.id), Some(b));
        assert_eq!(faults.take("GET", "logs/1", "").map(|f| f.id), Some(c));
        assert_eq!(faults.take("GET", "logs/1", ""), None);
        // The second firing of `a` is its last.
        assert_eq!(faults.take("PUT", "y", "partNumber").map(|f| f.remaining), Some(1));
        assert_eq!(faults.take("PUT", "y", "partNumber"), None);
        assert_eq!(faults.list(), "");
        faults.add(&q("kind=stall")).unwrap();
        assert!(faults.remove(4) && !faults.remove(4));
        faults.add(&q("kind=stall")).unwrap();
        assert_eq!(faults.clear(), 1);
    }

    #[test]
    fn junk_headers_add_up() {
        for bytes in [1u64, 100, 4000, 65_536, 300_000] {
            let mut r = Response::new(200);
            alter(&Effect { junk_header_bytes: bytes, ..Effect::default() }, &mut r);
            let total: u64 = r.headers.iter().map(|(n, v)| (n.len() + v.len() + 4) as u64).sum();
            assert!(total >= bytes && total <= bytes + 40, "{bytes} -> {total}");
        }
        let corrupted = |body: &[u8], at: u64| {
            let mut r = Response::new(200);
            r.body = Body::Bytes(body.to_vec());
            alter(&Effect { corrupt_at: Some(at), ..Effect::default() }, &mut r);
            match r.body {
                Body::Bytes(b) => b,
                _ => panic!("not bytes"),
            }
        };
        assert_eq!(corrupted(b"abc", 1), [b'a', b'b' ^ 0xff, b'c']);
        assert_eq!(corrupted(b"abc", 99), [b'a', b'b', b'c' ^ 0xff], "past the end: the last byte");
        assert_eq!(corrupted(b"", 0), b"");
        // An object body (shared memory pieces) is copied, then edited: the stored bytes stay intact.
        let chunk = std::sync::Arc::new(crate::storage::chunk::Chunk::from_vec(b"xxhello".to_vec()));
        let mut r = Response::new(200);
        r.body = Body::Pieces(vec![crate::storage::store::Piece::Mem { data: chunk.clone(), start: 2, end: 7 }]);
        alter(&Effect { corrupt_at: Some(0), ..Effect::default() }, &mut r);
        assert!(matches!(&r.body, Body::Bytes(b) if b == &[b'h' ^ 0xff, b'e', b'l', b'l', b'o']));
        assert_eq!(&chunk[..], b"xxhello");
        let mut r = Response::new(200);
        r.body = Body::Chunked(vec![b"ab".to_vec(), Vec::new(), b"cd".to_vec()]);
        alter(&Effect { corrupt_at: Some(2), ..Effect::default() }, &mut r);
        assert!(matches!(&r.body, Body::Chunked(c) if c.concat() == [b'a', b'b', b'c' ^ 0xff, b'd']));
        let f = Fault::parse(1, &q("kind=corrupt-body&after_bytes=12")).unwrap();
        assert_eq!((f.kind, f.after_bytes), (Kind::CorruptBody, 12));
        assert_eq!(f.describe(), "1 kind=corrupt-body remaining=1 after_bytes=12");
        let mut r = Response::new(200).header("x-cos-hash-crc64ecma", "7");
        alter(&Effect { bad_crc: true, ..Effect::default() }, &mut r);
        assert_eq!(r.headers, vec![("x-cos-hash-crc64ecma".to_string(), (7u64 ^ 0x5a5a).to_string())]);
    }
}
