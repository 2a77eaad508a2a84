//! A small blocking HTTP/1.1 client, written for this library: what a COS client needs and no more, with
//! every limit a hostile or broken server could abuse made explicit.
//!
//! Why not a general HTTP crate (the library used ureq 3 before): response heads there are limited to 128
//! fields (an object with COS's maximum user metadata has more), chunked trailers are read without bound, a
//! read timeout restarts with every byte (a server dripping a byte every few seconds holds a call forever),
//! pooled connections survive fork(), and the caller cannot tell which attempt a byte belongs to. Here:
//! - heads are bounded by size ([`head::MAX_HEAD`]), trailers too ([`body::MAX_TRAILERS`]);
//! - every socket operation is bounded by the read timeout, the call's deadline, and stalled-stream
//!   protection ([`StallProtection`]);
//! - a request is sent exactly once per call of [`HttpClient::send`]: retries are the caller's, counted;
//! - bodies of 64 KiB and more are read straight into the caller's buffer.
//!
//! TLS is rustls with Mozilla's roots (webpki-roots); head parsing is httparse, both widely used.

mod body;
mod conn;
mod head;
mod pool;
pub(crate) mod proxy;
pub(crate) mod tls;

pub(crate) use body::BodyReader;
pub(crate) use conn::Limits;
pub use conn::StallProtection;
pub(crate) use head::ResponseHead;

use crate::config::{ProxySettings, TlsTrust};
use crate::error::{Error, ErrorKind, Result};
use conn::{Clock, Conn, IO_BUFFER};
use pool::{Key, Pool};
use proxy::Proxy;
use std::io::{self, Read};
use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A request body: nothing, a buffer, or exactly `len` bytes from a reader.
pub(crate) enum Payload<'a> {
    None,
    Bytes(&'a [u8]),
    Reader { reader: &'a mut dyn Read, len: u64 },
}

/// One HTTP exchange to send.
pub(crate) struct Exchange<'a> {
    pub method: &'a str,
    pub https: bool,
    /// `host` or `host:port`; the connection, the TLS name and the pool slot come from it.
    pub authority: &'a str,
    /// Path and query, encoded.
    pub target: &'a str,
    /// Every header to send, Host and Content-Length included.
    pub headers: &'a [(String, String)],
    pub body: Payload<'a>,
    pub deadline: Option<Instant>,
}

pub(crate) struct HttpResponse {
    pub head: ResponseHead,
    pub body: BodyReader,
    /// How long opening a new connection took (TCP, proxy tunnel, TLS); `None` for a pooled one.
    pub connect: Option<Duration>,
}

/// Connections, TLS configuration and limits shared by every thread of one client.
pub(crate) struct HttpClient {
    pool: Arc<Pool>,
    tls: Arc<rustls::ClientConfig>,
    limits: Limits,
    /// Every host connects to these instead of resolving its name (`COS_ADDRESS`).
    fixed_addrs: Option<Vec<SocketAddr>>,
    proxies: Proxies,
}

/// The proxies of a client, parsed from its [`ProxySettings`].
struct Proxies {
    http: Option<Proxy>,
    https: Option<Proxy>,
    no_proxy: Vec<String>,
}

/// Request bodies up to this size go out in the same write as the head.
const COALESCE: usize = 64 * 1024;
/// How long to wait for an answer the server sent before it stopped reading our body.
const EARLY_ANSWER_WAIT: Duration = Duration::from_secs(2);

impl HttpClient {
    /// `pool` is the idle connections kept per host and how long they may be reused.
    pub fn new(
        limits: Limits,
        fixed_addrs: Option<Vec<SocketAddr>>,
        trust: &TlsTrust,
        proxy: &ProxySettings,
        pool: (usize, Duration),
    ) -> Result<HttpClient> {
        let parse = |url: &Option<String>| url.as_deref().map(Proxy::parse).transpose();
        let proxies =
            Proxies { http: parse(&proxy.http)?, https: parse(&proxy.https)?, no_proxy: proxy.no_proxy.clone() };
        let pool = Arc::new(Pool::new(pool.0, pool.1));
        Ok(HttpClient { pool, tls: tls::client_config(trust)?, limits, fixed_addrs, proxies })
    }

    /// The proxy a request to `authority` goes through, if any.
    fn proxy_for(&self, https: bool, key: &Key) -> Option<&Proxy> {
        let proxy = if https { self.proxies.https.as_ref() } else { self.proxies.http.as_ref() }?;
        (!proxy::bypassed(&self.proxies.no_proxy, &key.host, key.port)).then_some(proxy)
    }

    /// Whether a request to `authority` goes through a proxy.
    pub fn proxied(&self, https: bool, authority: &str) -> bool {
        split_authority(authority, https).is_ok_and(|key| self.proxy_for(https, &key).is_some())
    }

    /// Sends one request, once, and returns the response head with its unread body.
    pub fn send(&self, ex: Exchange<'_>) -> Result<HttpResponse> {
        let target_key = split_authority(ex.authority, ex.https)?;
        let proxy = self.proxy_for(ex.https, &target_key);
        let mut head = Vec::with_capacity(1024);
        // Through a proxy, http goes in absolute form to the proxy (with its credentials); https through a
        // CONNECT tunnel, inside which the request is as it would be direct.
        let (key, absolute) = match proxy {
            Some(p) if !ex.https => {
                let key = Key { https: false, host: p.host.clone(), port: p.port, proxy: true };
                let mut headers = ex.headers.to_vec();
                if let Some(auth) = &p.authorization {
                    headers.push(("Proxy-Authorization".into(), auth.clone()));
                }
                let target = format!("http://{}{}", ex.authority, ex.target);
                head::write_request_head(&mut head, ex.method, &target, &headers)?;
                (key, true)
            }
            Some(_) => {
                head::write_request_head(&mut head, ex.method, ex.target, ex.headers)?;
                (Key { proxy: true, ..target_key }, false)
            }
            None => {
                head::write_request_head(&mut head, ex.method, ex.target, ex.headers)?;
                (target_key, false)
            }
        };
        let (mut conn, connect) = match self.pool.take(&key) {
            Some(conn) => (conn, None),
            None => {
                let started = Instant::now();
                (Box::new(self.connect(key, ex.deadline, proxy)?), Some(started.elapsed()))
            }
        };
        conn.clock = Clock::new(self.limits, ex.deadline);
        conn.clock.watch();
        match write_request(&mut conn, head, ex.body) {
            Ok(()) => {}
            Err(Failure::Body(e)) => return Err(e),
            Err(Failure::Socket(e)) => {
                // A server that refuses a request early (403, 413, ...) answers and stops reading the body;
                // that answer says more than "broken pipe".
                conn.clock = Clock::new(Limits { io_timeout: EARLY_ANSWER_WAIT, ..self.limits }, ex.deadline);
                return match self.read_response(conn, ex.method, false) {
                    Ok(resp) => Ok(resp),
                    Err(_) => Err(socket_error(&e, "sending the request")),
                };
            }
        }
        conn.clock.pause();
        let mut response = self.read_response(conn, ex.method, true)?;
        response.connect = connect;
        if absolute && proxy::from_the_proxy(&response.head) {
            let p = proxy.expect("absolute form means a proxy");
            let what = format!("{} http://{}{}", ex.method, ex.authority, ex.target);
            let status = response.head.status;
            return Err(proxy::refusal(&format!("proxy {}:{}", p.host, p.port), status, "", &what));
        }
        Ok(response)
    }

    /// A new connection for `key`: to the host (or the fixed addresses), or to `proxy` (which resolves the
    /// target itself), through a CONNECT tunnel for https.
    fn connect(&self, key: Key, deadline: Option<Instant>, proxy: Option<&Proxy>) -> Result<Conn> {
        let resolve = |host: &str, port: u16| -> Result<Vec<SocketAddr>> {
            Ok((host.trim_start_matches('[').trim_end_matches(']'), port)
                .to_socket_addrs()
                .map_err(|e| Error::new(ErrorKind::Network, format!("cannot resolve {host}: {e}")))?
                .collect())
        };
        let (addrs, via) = match (proxy, &self.fixed_addrs) {
            (Some(p), _) => (resolve(&p.host, p.port)?, format!("proxy {}:{}", p.host, p.port)),
            (None, Some(addrs)) => (addrs.clone(), key.host.clone()),
            (None, None) => (resolve(&key.host, key.port)?, key.host.clone()),
        };
        let host = key.host.clone();
        let tls = key.https.then_some((&self.tls, host.as_str()));
        let authority = format!("{}:{}", key.host, key.port);
        let tunnel = proxy.filter(|_| key.https).map(|p| (p, authority.as_str()));
        Conn::open(key, &addrs, tls, tunnel, self.limits, deadline)
            .map_err(|e| e.context(&format!("connecting to {via}")))
    }

    fn read_response(&self, mut conn: Box<Conn>, method: &str, reuse: bool) -> Result<HttpResponse> {
        loop {
            let head = head::read_response_head(&mut conn).map_err(|e| socket_error(&e, "reading the response"))?;
            // Interim answers (100 Continue, 103 Early Hints) precede the real one.
            if (100..200).contains(&head.status) && head.status != 101 {
                continue;
            }
            let framing = head::framing(method, &head).map_err(|e| socket_error(&e, "reading the response"))?;
            let keep_alive = if head.http11 {
                !head.has_token("connection", "close")
            } else {
                head.has_token("connection", "keep-alive")
            };
            let pool = (reuse && keep_alive).then(|| self.pool.clone());
            return Ok(HttpResponse { body: BodyReader::new(conn, framing, pool), head, connect: None });
        }
    }
}

enum Failure {
    /// The request body's source failed (a file, a callback, a cancel token): not the network's doing.
    Body(Error),
    Socket(io::Error),
}

fn write_request(conn: &mut Conn, mut head: Vec<u8>, body: Payload<'_>) -> std::result::Result<(), Failure> {
    match body {
        Payload::None => conn.write_all(&head).map_err(Failure::Socket),
        Payload::Bytes(b) if b.len() <= COALESCE => {
            head.extend_from_slice(b);
            conn.write_all(&head).map_err(Failure::Socket)
        }
        Payload::Bytes(b) => {
            conn.write_all(&head).map_err(Failure::Socket)?;
            conn.write_all(b).map_err(Failure::Socket)
        }
        Payload::Reader { reader, len } => {
            // The head and the first piece of the body go out in one write.
            let (mut left, mut filled) = (len, head.len());
            let mut buf = head;
            buf.resize(filled + IO_BUFFER, 0);
            loop {
                while filled < buf.len() && left > 0 {
                    let want = (buf.len() - filled).min(usize::try_from(left).unwrap_or(usize::MAX));
                    match reader.read(&mut buf[filled..filled + want]) {
                        Ok(0) => {
                            let msg = format!("the request body ended {left} bytes before its declared length");
                            return Err(Failure::Body(Error::new(ErrorKind::Io, msg)));
                        }
                        Ok(n) => {
                            filled += n;
                            left -= n as u64;
                        }
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(e) => return Err(Failure::Body(Error::from_io("reading the request body failed", e))),
                    }
                }
                if filled > 0 {
                    conn.write_all(&buf[..filled]).map_err(Failure::Socket)?;
                    filled = 0;
                }
                if left == 0 {
                    return Ok(());
                }
            }
        }
    }
}

/// Maps a socket error: ours (a timeout, a parse error) as it is, TLS failures as `Tls`, the rest as
/// network errors.
pub(crate) fn socket_error(e: &io::Error, context: &str) -> Error {
    if let Some(ours) = e.get_ref().and_then(|inner| inner.downcast_ref::<Error>()) {
        return ours.clone().context(context);
    }
    if let Some(tls) = e.get_ref().and_then(|inner| inner.downcast_ref::<rustls::Error>()) {
        return Error::new(ErrorKind::Tls, format!("{context}: TLS failure: {tls}"));
    }
    let kind = match e.kind() {
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => ErrorKind::Timeout,
        _ => ErrorKind::Network,
    };
    Error::new(kind, format!("{context}: {e}"))
}

/// `host[:port]` (or `[v6]:port`) as a pool key, with the scheme's default port.
fn split_authority(authority: &str, https: bool) -> Result<Key> {
    let default = if https { 443 } else { 80 };
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) if !p.contains(']') && (h.starts_with('[') || !h.contains(':')) => {
            let port = p.parse().map_err(|_| Error::invalid(format!("bad port in host {authority:?}")))?;
            (h, port)
        }
        _ => (authority, default),
    };
    if host.is_empty() {
        return Err(Error::invalid(format!("no host in {authority:?}")));
    }
    Ok(Key { https, host: host.to_string(), port, proxy: false })
}
