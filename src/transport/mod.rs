//! Sends signed requests over a shared keep-alive pool, retries what is safe to retry, and turns failed
//! responses into [`Error`]s.

use crate::config::Config;
use crate::crc64::Crc64;
use crate::encode;
use crate::error::{Error, ErrorKind, Result, ServiceFields, MAX_ERROR_BODY};
use crate::retry::{self, Verdict};
use crate::sign;
use crate::xml;
use std::io::Read;
use std::net::SocketAddr;
use std::net::ToSocketAddrs;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};
use ureq::http;
use ureq::unversioned::resolver::{ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{DefaultConnector, NextTimeout};
use ureq::{Agent, AsSendBody, SendBody};

mod body;
mod response;

pub use body::Body;
use body::{CrcReader, FileRange};
pub(crate) use body::{CANCELLED_MARKER, SHORT_BODY_MARKER};
use response::{bodyless_error, into_response, local_now, server_time, transport_error};
pub(crate) use response::{verify_crc, Response};

/// Socket read and write size.
const IO_BUFFER: usize = 256 * 1024;

/// No COS XML answer comes near this (a ListObjects page of 1000 longest keys is about 3 MB).
pub(crate) const MAX_XML_BODY: usize = 16 << 20;

/// Which resource a request addresses; decides the host, the path and how a body-less 404 is named.
#[derive(Clone, Copy)]
pub(crate) enum Target<'a> {
    Service,
    Bucket(&'a str),
    Object(&'a str, &'a str),
}

pub(crate) struct Request<'a> {
    pub method: &'static str,
    pub target: Target<'a>,
    /// Query parameters, unencoded; a sub-resource (`delete`, `uploads`, ...) goes first, as COS routes on it.
    pub query: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    pub body: Body<'a>,
    /// Check the CRC-64 of the body against the `x-cos-hash-crc64ecma` COS returns.
    pub verify_crc: bool,
    /// Asked while the body is being sent and before a retry: true stops the request (`Cancelled`), so a
    /// cancelled transfer does not wait for the parts in flight.
    pub stop: Option<&'a (dyn Fn() -> bool + Sync)>,
    /// The deadline of the public call this request belongs to; `None`: the configured operation timeout,
    /// counted from now. A transfer passes one deadline to every request it makes.
    pub deadline: Option<Instant>,
}

impl<'a> Request<'a> {
    pub fn new(method: &'static str, target: Target<'a>) -> Request<'a> {
        let (query, headers) = (Vec::new(), Vec::new());
        Request { method, target, query, headers, body: Body::Empty, verify_crc: false, stop: None, deadline: None }
    }
}

/// The HTTP side of a client: configuration plus a connection pool shared by all threads.
pub(crate) struct Transport {
    pub config: Config,
    agent: Agent,
    /// Server time minus local time, learned from a `Date` header when COS said the clock was off. Shared by
    /// all threads; the only state of a client that changes after creation.
    learned_offset: AtomicI64,
}

impl Transport {
    pub fn new(config: Config) -> Result<Transport> {
        let agent_config = ureq::Agent::config_builder()
            .timeout_connect(Some(config.connect_timeout))
            .timeout_per_read(Some(config.read_timeout))
            .timeout_per_write(Some(config.read_timeout))
            .max_redirects(0)
            .http_status_as_error(false)
            .user_agent(config.user_agent.as_str())
            .max_idle_connections(256)
            .max_idle_connections_per_host(64)
            // Large socket reads and writes: 8 KiB ones cost a syscall per 8 KiB and cap throughput.
            .input_buffer_size(IO_BUFFER)
            .output_buffer_size(IO_BUFFER)
            // Generous for odd proxies, yet bounded: a hostile server cannot grow memory with headers. It must
            // stay below the input buffer, which is all ureq ever holds of a response head.
            .max_response_header_size(IO_BUFFER / 2)
            .build();
        let agent = match &config.address {
            // Every host resolves to the configured address; the URL (and so Host and TLS SNI) is unchanged.
            Some(address) => {
                let addrs: Vec<SocketAddr> = address
                    .to_socket_addrs()
                    .map_err(|e| Error::invalid(format!("address {address:?} does not resolve: {e}")))?
                    .collect();
                Agent::with_parts(agent_config, DefaultConnector::new(), FixedResolver(addrs))
            }
            None => Agent::new_with_config(agent_config),
        };
        Ok(Transport { config, agent, learned_offset: AtomicI64::new(0) })
    }

    fn host(&self, target: Target<'_>) -> String {
        match target {
            Target::Service => self.config.service_host.clone(),
            Target::Bucket(b) | Target::Object(b, _) => self.config.bucket_host(b),
        }
    }

    /// The host for an attempt: the backup domain once the client decided to fail over to it.
    fn attempt_host(&self, target: Target<'_>, backup: bool) -> String {
        let host = self.host(target);
        if backup {
            retry::backup_host(&host).unwrap_or(host)
        } else {
            host
        }
    }

    /// `host` plus the URL path: how COS names a resource in errors.
    pub fn resource(&self, target: Target<'_>) -> String {
        match target {
            Target::Object(_, key) => format!("{}{}", self.host(target), encode::object_path(key)),
            _ => format!("{}/", self.host(target)),
        }
    }

    fn now(&self) -> i64 {
        local_now() + self.config.clock_offset + self.learned_offset.load(Ordering::Relaxed)
    }

    /// Sends `req`, retrying network errors and 5xx answers when the body can be sent again. Returns the
    /// 2xx response, or the error of the last attempt with the number of attempts made.
    pub fn send(&self, req: Request<'_>) -> Result<Response> {
        let verify = req.verify_crc;
        self.send_with(req, verify)
    }

    /// `send`, computing the body's CRC-64 when `req.verify_crc` is set but comparing it with COS's only when
    /// `compare_crc` is (so a caller can collect CRCs with verification turned off).
    pub fn send_with(&self, mut req: Request<'_>, compare_crc: bool) -> Result<Response> {
        let deadline = req.deadline.or_else(|| self.config.deadline());
        let max_attempts = self.config.max_retries + 1;
        let mut attempt = 0;
        let mut backup_host = false;
        let mut clock_fixed = false;
        loop {
            attempt += 1;
            let err = match self.send_once(&mut req, attempt > 1, compare_crc, backup_host, deadline) {
                Ok(mut resp) => {
                    resp.attempts = attempt;
                    return Ok(resp);
                }
                Err(e) => e.with_attempts(attempt),
            };
            let mut verdict = retry::verdict(&err);
            if verdict == Verdict::Fail && err.http_status() == 403 && self.outside_window(err.server_time()) {
                // A HEAD answer has no body to say "Request has expired", but the server's Date tells.
                verdict = Verdict::ClockSkew;
            }
            let wait = match verdict {
                Verdict::Fail => return Err(err),
                // A wrong clock fails every attempt alike: fix it from the server's Date once, retry at once
                // (a stream body cannot be sent again, but later requests still get the corrected clock).
                Verdict::ClockSkew if !clock_fixed => match err.server_time() {
                    Some(server) => {
                        self.learned_offset.store(server - local_now() - self.config.clock_offset, Ordering::Relaxed);
                        if !req.body.replayable() {
                            return Err(err.note("the clock was corrected from the server's Date; retry the call"));
                        }
                        clock_fixed = true;
                        attempt -= 1;
                        continue;
                    }
                    None => return Err(err),
                },
                Verdict::ClockSkew => return Err(err),
                Verdict::Redirect => {
                    // Followed only as the official SDKs do: to the backup domain, when COS did not answer.
                    if !self.may_switch_domain(&req, &err, backup_host) || attempt >= max_attempts {
                        return Err(err);
                    }
                    backup_host = true;
                    Duration::ZERO
                }
                Verdict::Retry | Verdict::SlowDown => {
                    if req.stop.is_some_and(|stop| stop()) {
                        return Err(err);
                    }
                    if !req.body.replayable() {
                        return Err(
                            err.note("not retried: the request body came from a stream that cannot be sent again")
                        );
                    }
                    if attempt >= max_attempts {
                        return Err(err);
                    }
                    if attempt + 1 == max_attempts && self.may_switch_domain(&req, &err, backup_host) {
                        backup_host = true;
                    }
                    retry::backoff(attempt, verdict == Verdict::SlowDown)
                }
            };
            if deadline.is_some_and(|d| Instant::now() + wait >= d) {
                return Err(err.note("the operation deadline left no time for another attempt"));
            }
            std::thread::sleep(wait);
        }
    }

    /// Whether a server time falls outside the window this client signs: `[now - 60, now + validity]`.
    fn outside_window(&self, server: Option<i64>) -> bool {
        let now = self.now();
        server.is_some_and(|t| t < now - 60 || t > now + i64::from(self.config.sign_validity))
    }

    /// Domain failover (off unless configured): only for default `*.myqcloud.com` hosts, and only when the
    /// failure did not come from COS (no `x-cos-request-id`), e.g. a DNS hijack or an unreachable domain.
    fn may_switch_domain(&self, req: &Request<'_>, err: &Error, already: bool) -> bool {
        self.config.switch_domain
            && !already
            && err.request_id().is_none()
            && retry::backup_host(&self.host(req.target)).is_some()
    }

    fn send_once(
        &self,
        req: &mut Request<'_>,
        is_retry: bool,
        compare_crc: bool,
        backup: bool,
        deadline: Option<Instant>,
    ) -> Result<Response> {
        let host = self.attempt_host(req.target, backup);
        let path = match req.target {
            Target::Object(_, key) => encode::object_path(key),
            _ => "/".to_string(),
        };
        let mut url = format!("{}://{host}{path}", self.config.scheme.as_str());
        for (i, (k, v)) in req.query.iter().enumerate() {
            url.push(if i == 0 { '?' } else { '&' });
            url.push_str(&encode::component(k));
            if !v.is_empty() {
                url.push('=');
                url.push_str(&encode::component(v));
            }
        }

        let mut headers = req.headers.clone();
        headers.push(("Host".into(), host));
        if let Some(len) = req.body.size() {
            headers.push(("Content-Length".into(), len.to_string()));
        }
        if let Some(token) = &self.config.credentials.session_token {
            headers.push(("x-cos-security-token".into(), token.clone()));
        }
        if is_retry {
            headers.push(("x-cos-sdk-retry".into(), "true".into()));
        }
        let signed: Vec<(String, String)> =
            headers.iter().filter(|(k, _)| sign::is_signed_header(k)).cloned().collect();
        let decoded_path = match req.target {
            Target::Object(_, key) => format!("/{key}"),
            _ => "/".to_string(),
        };
        let now = self.now();
        let signature = sign::sign(
            &self.config.credentials.secret_key,
            &sign::SignRequest {
                method: req.method,
                path: &decoded_path,
                params: &req.query,
                headers: &signed,
                start: now - 60,
                end: now + i64::from(self.config.sign_validity),
            },
        );

        let mut call = http::Request::builder().method(req.method).uri(&url);
        for (k, v) in &headers {
            // ureq writes Host from the URL itself; a second Host header would be a protocol error.
            if !k.eq_ignore_ascii_case("host") {
                call = call.header(k.as_str(), v.as_str());
            }
        }
        call = call.header("Authorization", signature.authorization(&self.config.credentials.secret_id));

        let mut crc = Crc64::new();
        let enabled = req.verify_crc;
        let result = match &mut req.body {
            Body::Empty => self.run(call.body(()), deadline),
            Body::Bytes(b) => {
                if enabled {
                    crc.update(b);
                }
                self.run(call.body(*b), deadline)
            }
            Body::File { file, offset, len } => {
                let mut reader = CrcReader {
                    inner: FileRange { file, pos: *offset, end: *offset + *len },
                    crc: &mut crc,
                    enabled,
                    left: *len,
                    stop: req.stop,
                };
                self.run(call.body(SendBody::from_reader(&mut reader)), deadline)
            }
            Body::Reader { reader, len } => {
                let inner = reader.take(*len);
                let mut reader = CrcReader { inner, crc: &mut crc, enabled, left: *len, stop: req.stop };
                self.run(call.body(SendBody::from_reader(&mut reader)), deadline)
            }
        };
        let resp = result.map_err(|err| match (&self.config.address, err.kind()) {
            (Some(a), ErrorKind::Network | ErrorKind::Timeout) => err.note(&format!("connecting to {a}")),
            _ => err,
        })?;
        if resp.status().as_u16() >= 400 {
            return Err(self.service_error(req, resp));
        }
        let mut response = into_response(resp);
        if response.status >= 300 {
            // Redirects are not followed (as in the official SDKs) and 304 Not Modified carries no object.
            return Err(self.redirect_error(req, response));
        }
        if req.verify_crc && req.body.size().is_some() {
            response.body_crc = Some(crc.value());
            if compare_crc {
                verify_crc(crc.value(), &response.headers)?;
            }
        }
        Ok(response)
    }

    /// Runs one HTTP exchange, bounded by the operation deadline if there is one.
    fn run<B: AsSendBody>(
        &self,
        request: std::result::Result<http::Request<B>, http::Error>,
        deadline: Option<Instant>,
    ) -> Result<http::Response<ureq::Body>> {
        let request = request.map_err(|e| Error::invalid(format!("the request cannot be built: {e}")))?;
        let result = match deadline {
            None => self.agent.run(request),
            Some(d) => {
                // The operation deadline bounds this attempt too, and the reading of its body.
                let left = d.saturating_duration_since(Instant::now()).max(Duration::from_millis(1));
                self.agent.run(self.agent.configure_request(request).timeout_global(Some(left)).build())
            }
        };
        result.map_err(|e| transport_error(&e))
    }

    /// Builds the service error for a failed response: fields from the XML body when there is one, else from
    /// the `x-cos-request-id` / `x-cos-trace-id` headers (HEAD answers have no body).
    fn service_error(&self, req: &Request<'_>, resp: http::Response<ureq::Body>) -> Error {
        let response = into_response(resp);
        let status = response.status;
        let headers = response.headers.clone();
        let mut raw = Vec::new();
        let read = response.body.take(MAX_ERROR_BODY as u64 + 1).read_to_end(&mut raw);
        let truncated = raw.len() > MAX_ERROR_BODY;
        raw.truncate(MAX_ERROR_BODY);
        let mut fields = if raw.is_empty() {
            ServiceFields::default()
        } else {
            let text = String::from_utf8_lossy(&raw).into_owned();
            let mut f = xml::parse_error(&text).unwrap_or_default();
            if f.code.is_none() && f.message.is_none() {
                f.message = Some(format!("HTTP {status}: the error body is not COS error XML"));
            }
            f.raw_body = Some(text);
            f
        };
        fields.http_status = status;
        fields.server_time = server_time(&headers);
        fields.code = fields.code.or_else(|| headers.get("x-cos-error-code").map(str::to_string));
        fields.request_id = fields.request_id.or_else(|| headers.request_id().map(str::to_string));
        fields.trace_id = fields.trace_id.or_else(|| headers.get("x-cos-trace-id").map(str::to_string));
        if raw.is_empty() {
            let (code, message) = bodyless_error(req.method, req.target, status);
            fields.code = fields.code.or(code.map(str::to_string));
            fields.message = Some(message);
            fields.resource = Some(self.resource(req.target));
        }
        if truncated {
            let note = format!(" (error body truncated to {MAX_ERROR_BODY} bytes)");
            fields.message = Some(fields.message.unwrap_or_default() + &note);
        } else if let Err(e) = read {
            let note = format!(" (error body incomplete: {e})");
            fields.message = Some(fields.message.unwrap_or_default() + &note);
        }
        Error::service(fields)
    }

    fn redirect_error(&self, req: &Request<'_>, response: Response) -> Error {
        let status = response.status;
        let (code, message) = match status {
            304 => ("NotModified", "not modified: the object matches the conditional headers".to_string()),
            _ => (
                "Redirect",
                format!(
                    "COS answered with redirect HTTP {status} to {:?}, which is not followed",
                    response.headers.get("location").unwrap_or("")
                ),
            ),
        };
        Error::service(ServiceFields {
            http_status: status,
            code: Some(code.to_string()),
            message: Some(message),
            request_id: response.headers.request_id().map(str::to_string),
            trace_id: response.headers.get("x-cos-trace-id").map(str::to_string),
            resource: Some(self.resource(req.target)),
            raw_body: None,
            server_time: server_time(&response.headers),
        })
    }
}

/// Resolves every host to the configured connect address (`COS_ADDRESS`).
#[derive(Debug)]
struct FixedResolver(Vec<SocketAddr>);

impl Resolver for FixedResolver {
    fn resolve(
        &self,
        _uri: &http::Uri,
        _config: &ureq::config::Config,
        _timeout: NextTimeout,
    ) -> std::result::Result<ResolvedSocketAddrs, ureq::Error> {
        let mut out = self.empty();
        for a in self.0.iter().take(16) {
            out.push(*a);
        }
        if self.0.is_empty() {
            return Err(ureq::Error::HostNotFound);
        }
        Ok(out)
    }
}
