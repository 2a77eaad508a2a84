//! Sends signed requests over a shared keep-alive pool, retries what is safe to retry, and turns failed
//! responses into [`Error`]s.

use crate::config::{Config, Credentials};
use crate::crc64::Crc64;
use crate::credentials::CredentialSource;
use crate::encode;
use crate::error::{Error, ErrorKind, Result, ServiceFields, MAX_ERROR_BODY};
use crate::http::{Exchange, HttpClient, Limits, Payload};
use crate::observe::{attempt_line, Attempt, LogLevel, Logger, RequestMetrics};
use crate::retry::{self, Verdict};
use crate::sign;
use crate::xml;
use std::io::Read;
use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

mod body;
mod response;

pub use body::Body;
use body::{CrcReader, FileRange};
use response::{bodyless_error, into_response, local_now, server_time};
pub(crate) use response::{verify_crc, Response};

/// No COS XML answer comes near this (a ListObjects page of 1000 longest keys is about 3 MB).
pub(crate) const MAX_XML_BODY: usize = 16 << 20;

/// Which resource a request addresses; decides the host, the path and how a body-less 404 is named.
#[derive(Clone, Copy)]
pub(crate) enum Target<'a> {
    Service,
    Bucket(&'a str),
    Object(&'a str, &'a str),
    /// A raw request (`Client::send_request`): any host, and the decoded path after its leading `/`
    /// (`""` for `/`).
    Endpoint(&'a str, &'a str),
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
    /// Sent without a signature or session token, as a browser sends it (a CORS preflight).
    pub anonymous: bool,
    /// Where the transfer this request belongs to sums its figures.
    pub metrics: Option<Arc<crate::observe::TransferMetrics>>,
}

impl<'a> Request<'a> {
    pub fn new(method: &'static str, target: Target<'a>) -> Request<'a> {
        let (query, headers) = (Vec::new(), Vec::new());
        Request {
            method,
            target,
            query,
            headers,
            body: Body::Empty,
            verify_crc: false,
            stop: None,
            deadline: None,
            anonymous: false,
            metrics: None,
        }
    }
}

/// The HTTP side of a client: configuration plus a connection pool shared by all threads.
pub(crate) struct Transport {
    pub config: Config,
    http: HttpClient,
    /// The secret key and session token, plain and URL-encoded: redacted from every error.
    secrets: Arc<Vec<String>>,
    /// Fixed credentials, or a provider's behind a cache.
    credentials: CredentialSource,
    /// Server time minus local time, learned from a `Date` header when COS said the clock was off. Shared by
    /// all threads; the only state of a client that changes after creation.
    learned_offset: AtomicI64,
}

impl Transport {
    pub fn new(config: Config) -> Result<Transport> {
        let limits = Limits {
            connect_timeout: config.connect_timeout,
            io_timeout: config.read_timeout,
            stall: config.stall_protection,
            keepalive: config.tcp_keepalive,
        };
        // With a connect address every host connects there; the URL (and so Host and TLS SNI) is unchanged.
        let fixed = match &config.address {
            Some(list) => {
                let mut addrs: Vec<SocketAddr> = Vec::new();
                for address in list.split(',') {
                    let resolved = address
                        .to_socket_addrs()
                        .map_err(|e| Error::invalid(format!("address {address:?} does not resolve: {e}")))?;
                    addrs.extend(resolved.take(16));
                }
                let address = list;
                if addrs.is_empty() {
                    return Err(Error::invalid(format!("address {address:?} resolves to nothing")));
                }
                Some(addrs)
            }
            None => None,
        };
        let secrets = [Some(&config.credentials.secret_key), config.credentials.session_token.as_ref()]
            .into_iter()
            .flatten()
            .flat_map(|s| [s.clone(), encode::component(s)])
            .collect::<Vec<_>>();
        let secrets = Arc::new(secrets);
        Ok(Transport {
            http: HttpClient::new(
                limits,
                fixed,
                &config.tls,
                &config.proxy,
                (config.max_idle_per_host, config.idle_timeout),
            )?,
            credentials: CredentialSource::new(&config.credentials, config.credential_provider.clone().map(|p| p.0)),
            config,
            secrets,
            learned_offset: AtomicI64::new(0),
        })
    }

    /// The credentials to sign with now (a provider's are fetched or refreshed here).
    pub(crate) fn credentials(&self) -> Result<Arc<Credentials>> {
        self.credentials.current()
    }

    fn host(&self, target: Target<'_>) -> String {
        match target {
            Target::Service => self.config.service_host.clone(),
            Target::Bucket(b) | Target::Object(b, _) => self.config.bucket_host(b),
            Target::Endpoint(host, _) => host.to_string(),
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
            Target::Endpoint(_, path) if !path.is_empty() => {
                format!("{}{}", self.host(target), encode::object_path(path))
            }
            _ => format!("{}/", self.host(target)),
        }
    }

    /// The client's clock: local time with the configured and the learned offsets (presigning uses it too).
    pub(crate) fn now(&self) -> i64 {
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
    pub fn send_with(&self, req: Request<'_>, compare_crc: bool) -> Result<Response> {
        let Some(observer) = self.config.observer.clone() else {
            return self.send_attempts(req, compare_crc, None);
        };
        let (host, path) = self.where_to(&req, false);
        let mut m = RequestMetrics { method: req.method.to_string(), host, path, ..RequestMetrics::default() };
        let started = Instant::now();
        let result = self.send_attempts(req, compare_crc, Some(&mut m));
        m.total = started.elapsed();
        match &result {
            Ok(resp) => {
                m.status = Some(resp.status);
                m.bytes_received = body_length(m.method.as_str(), resp);
            }
            Err(e) => m.status = (e.http_status() > 0).then_some(e.http_status()),
        }
        (observer.0)(&m);
        result
    }

    /// The host and URL path a request goes to (on the backup domain once failed over to it).
    fn where_to(&self, req: &Request<'_>, backup: bool) -> (String, String) {
        let path = match req.target {
            Target::Object(_, key) => encode::object_path(key),
            Target::Endpoint(_, path) if !path.is_empty() => encode::object_path(path),
            _ => "/".to_string(),
        };
        (self.attempt_host(req.target, backup), path)
    }

    /// The attempts of `send_with`, recording each in `metrics` when there is an observer.
    fn send_attempts(
        &self,
        mut req: Request<'_>,
        compare_crc: bool,
        mut metrics: Option<&mut RequestMetrics>,
    ) -> Result<Response> {
        let deadline = req.deadline.or_else(|| self.config.deadline());
        let max_attempts = self.config.max_retries + 1;
        let mut attempt = 0;
        let mut backup_host = false;
        let mut clock_fixed = false;
        // Why the attempt about to be made follows the previous one (for the log).
        let mut retry_of: Option<String> = None;
        loop {
            attempt += 1;
            let started = Instant::now();
            let result = self.send_once(&mut req, attempt > 1, compare_crc, backup_host, deadline);
            if let Some(logger) = &self.config.logger {
                self.log_attempt(logger, &req, attempt, backup_host, retry_of.as_deref(), started, &result);
            }
            if let Some(t) = &req.metrics {
                let (received, id) = match &result {
                    Ok(resp) => (body_length(req.method, resp), resp.headers.get("x-cos-request-id")),
                    Err(e) => (0, e.request_id()),
                };
                t.record(req.body.size().unwrap_or(0), received, id);
            }
            if let Some(m) = metrics.as_deref_mut() {
                m.attempts += 1;
                m.first_byte = started.elapsed();
                m.bytes_sent += req.body.size().unwrap_or(0);
                let id = match &result {
                    Ok(resp) => resp.headers.get("x-cos-request-id").map(str::to_string),
                    Err(e) => e.request_id().map(str::to_string),
                };
                m.request_ids.extend(id);
                m.connect = result.as_ref().ok().and_then(|r| r.connect);
            }
            let err = match result {
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
                        retry_of = Some("the clock was corrected from the server's Date".into());
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
            retry_of = Some(format!("{} (waited {} ms)", failure_summary(&err), wait.as_millis()));
            std::thread::sleep(wait);
        }
    }

    /// One line for one attempt: where it went and what came back, never a header value or query string.
    #[allow(clippy::too_many_arguments)]
    fn log_attempt(
        &self,
        logger: &Logger,
        req: &Request<'_>,
        attempt: u32,
        backup: bool,
        retry_of: Option<&str>,
        started: Instant,
        result: &Result<Response>,
    ) {
        let (host, path) = self.where_to(req, backup);
        let a = Attempt {
            method: req.method,
            host: &host,
            path: &path,
            attempt,
            retry_of,
            bytes_sent: req.body.size(),
            elapsed: started.elapsed(),
        };
        if let (Ok(resp), true) = (result, logger.enabled(LogLevel::Debug)) {
            let how = match resp.connect {
                Some(t) => format!("a new connection, made in {} us", t.as_micros()),
                None => "a pooled connection".to_string(),
            };
            logger.log(LogLevel::Debug, &format!("{} {host}{path} attempt {attempt} went over {how}", req.method));
        }
        let (level, line) = match result {
            Ok(resp) => {
                let received = resp.headers.get("content-length").and_then(|v| v.parse().ok());
                let line = attempt_line(&a, Some(resp.status), resp.headers.get("x-cos-request-id"), received, None);
                (LogLevel::Info, line)
            }
            Err(e) => {
                let status = (e.http_status() > 0).then_some(e.http_status());
                (LogLevel::Warn, attempt_line(&a, status, e.request_id(), None, Some(&failure_summary(e))))
            }
        };
        logger.log(level, &line);
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
        let creds = self.credentials()?;
        // A provider's credentials change: what errors must not echo changes with them.
        let secrets = match &self.credentials {
            CredentialSource::Fixed(_) => self.secrets.clone(),
            CredentialSource::Provider { .. } => Arc::new(
                [Some(&creds.secret_key), creds.session_token.as_ref()]
                    .into_iter()
                    .flatten()
                    .flat_map(|s| [s.clone(), encode::component(s)])
                    .collect(),
            ),
        };
        let mut host = self.attempt_host(req.target, backup);
        let https = self.config.scheme == crate::config::Scheme::Https;
        // A proxy connects to the host it is given, so with a fixed address (COS_ADDRESS) the port goes
        // into the host the proxy sees, which is also the Host header and so what is signed.
        if let Some(port) = self.config.address.as_deref().and_then(|a| a.rsplit_once(':')).map(|(_, p)| p) {
            if !host.contains(':') && self.http.proxied(https, &host) {
                host = format!("{host}:{port}");
            }
        }
        let path = match req.target {
            Target::Object(_, key) => encode::object_path(key),
            Target::Endpoint(_, path) if !path.is_empty() => encode::object_path(path),
            _ => "/".to_string(),
        };
        let mut target = path;
        for (i, (k, v)) in req.query.iter().enumerate() {
            target.push(if i == 0 { '?' } else { '&' });
            target.push_str(&encode::component(k));
            if !v.is_empty() {
                target.push('=');
                target.push_str(&encode::component(v));
            }
        }

        let mut headers = Vec::with_capacity(req.headers.len() + 6);
        headers.push(("Host".to_string(), host.clone()));
        headers.extend(req.headers.iter().cloned());
        headers.push(("User-Agent".into(), self.config.user_agent.clone()));
        if let Some(len) = req.body.size() {
            headers.push(("Content-Length".into(), len.to_string()));
        }
        if let Some(token) = creds.session_token.as_ref().filter(|_| !req.anonymous) {
            headers.push(("x-cos-security-token".into(), token.clone()));
        }
        if is_retry {
            headers.push(("x-cos-sdk-retry".into(), "true".into()));
        }
        let signed: Vec<(String, String)> =
            headers.iter().filter(|(k, _)| sign::is_signed_header(k)).cloned().collect();
        let decoded_path = match req.target {
            Target::Object(_, key) | Target::Endpoint(_, key) => format!("/{key}"),
            _ => "/".to_string(),
        };
        let now = self.now();
        let signature = sign::sign(
            &creds.secret_key,
            &sign::SignRequest {
                method: req.method,
                path: &decoded_path,
                params: &req.query,
                headers: &signed,
                start: now - 60,
                end: now + i64::from(self.config.sign_validity),
            },
        );
        if !req.anonymous {
            headers.push(("Authorization".into(), signature.authorization(&creds.secret_id)));
        }

        let mut crc = Crc64::new();
        let enabled = req.verify_crc;
        let exchange = |body| Exchange {
            method: req.method,
            https: self.config.scheme == crate::config::Scheme::Https,
            authority: &host,
            target: &target,
            headers: &headers,
            body,
            deadline,
        };
        let result = match &mut req.body {
            Body::Empty => self.http.send(exchange(Payload::None)),
            Body::Bytes(b) => {
                if enabled {
                    crc.update(b);
                }
                self.http.send(exchange(Payload::Bytes(b)))
            }
            Body::File { file, offset, len } => {
                let mut reader = CrcReader {
                    inner: FileRange { file, pos: *offset, end: *offset + *len },
                    crc: &mut crc,
                    enabled,
                    left: *len,
                    stop: req.stop,
                };
                self.http.send(exchange(Payload::Reader { reader: &mut reader, len: *len }))
            }
            Body::Reader { reader, len } => {
                let inner = reader.take(*len);
                let mut reader = CrcReader { inner, crc: &mut crc, enabled, left: *len, stop: req.stop };
                self.http.send(exchange(Payload::Reader { reader: &mut reader, len: *len }))
            }
        };
        let resp = result.map_err(|err| {
            let mut secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
            secrets.push(&signature.signature);
            match (&self.config.address, err.kind()) {
                (Some(a), ErrorKind::Network | ErrorKind::Timeout) => err.note(&format!("connecting to {a}")),
                _ => err,
            }
            .redact(&secrets)
        })?;
        let mut response = into_response(resp, secrets.clone(), signature.signature.clone());
        if response.status >= 400 {
            return Err(self.service_error(req, response));
        }
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

    /// Builds the service error for a failed response: fields from the XML body when there is one, else from
    /// the `x-cos-request-id` / `x-cos-trace-id` headers (HEAD answers have no body).
    fn service_error(&self, req: &Request<'_>, mut response: Response) -> Error {
        let status = response.status;
        let headers = response.headers.clone();
        let mut raw = Vec::new();
        let read = (&mut response.body).take(MAX_ERROR_BODY as u64 + 1).read_to_end(&mut raw);
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
        response.redact(Error::service(fields))
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
        response.redact(Error::service(ServiceFields {
            http_status: status,
            code: Some(code.to_string()),
            message: Some(message),
            request_id: response.headers.request_id().map(str::to_string),
            trace_id: response.headers.get("x-cos-trace-id").map(str::to_string),
            resource: Some(self.resource(req.target)),
            raw_body: None,
            server_time: server_time(&response.headers),
        }))
    }
}

/// The body length a response declares (a HEAD answer declares the object's, but has no body).
fn body_length(method: &str, resp: &Response) -> u64 {
    if method == "HEAD" {
        return 0;
    }
    resp.headers.get("content-length").and_then(|v| v.parse().ok()).unwrap_or(0)
}

/// What went wrong, for a log line: a COS error by status and code (its message may echo the request), any
/// other by kind and message.
fn failure_summary(err: &Error) -> String {
    match err.kind() {
        ErrorKind::Service => {
            format!("HTTP {} {}", err.http_status(), err.code().unwrap_or("(no code)"))
        }
        kind => format!("{kind:?}: {}", err.message()),
    }
}
