//! HTTP proxies: which requests go through one (the configuration, or the environment as curl reads it,
//! and `NO_PROXY`), the absolute-form request line for http targets, and the CONNECT tunnel for https
//! targets. The proxy's own refusals (407, a failed CONNECT) are `ErrorKind::Proxy`, never COS errors, and
//! the proxy's password appears in no message.

use crate::error::{Error, ErrorKind, Result};
use base64::Engine;
use percent_encoding::percent_decode_str;
use std::io::{Read, Write};
use std::net::TcpStream;

/// One proxy: where it listens and the Basic credentials to send it.
#[derive(Clone, PartialEq, Eq)]
pub struct Proxy {
    pub host: String,
    pub port: u16,
    /// `Basic <base64(user:password)>`, when the URL had a user.
    pub authorization: Option<String>,
}

impl std::fmt::Debug for Proxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let auth = self.authorization.as_ref().map(|_| "<redacted>");
        f.debug_struct("Proxy").field("host", &self.host).field("port", &self.port).field("auth", &auth).finish()
    }
}

impl Proxy {
    /// Parses `http://[user[:password]@]host[:port][/]` (the scheme may be left out, as curl allows; the
    /// port defaults to 1080, curl's). Only plain-http proxies are supported: an https:// or socks proxy is
    /// refused rather than silently bypassed.
    pub fn parse(url: &str) -> Result<Proxy> {
        let bad = |why: &str| Error::invalid(format!("proxy {}: {why}", redact(url)));
        let rest = match url.split_once("://") {
            None => url,
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("http") => rest,
            Some((scheme, _)) => return Err(bad(&format!("{scheme}:// proxies are not supported, only http://"))),
        };
        let rest = rest.trim_end_matches('/');
        if rest.contains('/') || rest.contains('?') {
            return Err(bad("a proxy URL has no path"));
        }
        let (userinfo, hostport) = match rest.rsplit_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, rest),
        };
        let (host, port) = match hostport.rsplit_once(':') {
            Some((h, p)) if !p.contains(']') => (h, p.parse::<u16>().map_err(|_| bad("bad port"))?),
            _ => (hostport, 1080),
        };
        if host.is_empty() || port == 0 || host.chars().any(|c| c.is_whitespace()) {
            return Err(bad("no host"));
        }
        let authorization = userinfo.map(|u| {
            let (user, password) = u.split_once(':').unwrap_or((u, ""));
            let decode = |s: &str| percent_decode_str(s).decode_utf8_lossy().into_owned();
            let pair = format!("{}:{}", decode(user), decode(password));
            format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(pair))
        });
        Ok(Proxy { host: host.to_string(), port, authorization })
    }
}

/// `url` with any password replaced, for messages.
pub fn redact(url: &str) -> String {
    match url.rsplit_once('@') {
        Some((before, after)) => {
            let (scheme, user) = before.rsplit_once("://").map_or(("", before), |(s, u)| (s, u));
            let user = user.split(':').next().unwrap_or("");
            let scheme = if scheme.is_empty() { String::new() } else { format!("{scheme}://") };
            format!("{scheme}{user}:<redacted>@{after}")
        }
        None => url.to_string(),
    }
}

/// Whether `NO_PROXY`-style `list` exempts `host` (`port` the target's): `*` exempts every host; each entry
/// is a host name (exempting it and its subdomains; a leading `.` or `*.` means the same), an IP address,
/// optionally with `:port`. Case-insensitive, as curl compares.
pub fn bypassed(list: &[String], host: &str, port: u16) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']').to_ascii_lowercase();
    list.iter().any(|entry| {
        let entry = entry.trim().to_ascii_lowercase();
        if entry == "*" {
            return true;
        }
        let (name, entry_port) = match entry.rsplit_once(':') {
            Some((n, p)) if !n.contains(':') || n.ends_with(']') => (n.to_string(), p.parse::<u16>().ok()),
            _ => (entry.clone(), None),
        };
        if entry_port.is_some_and(|p| p != port) {
            return false;
        }
        let name = name.trim_start_matches("*.").trim_start_matches('.').trim_start_matches('[').trim_end_matches(']');
        !name.is_empty() && (host == name || host.ends_with(&format!(".{name}")))
    })
}

/// Opens a tunnel through the proxy on `tcp` to `authority` (`host:port`) with CONNECT. Reads the proxy's
/// answer a byte at a time, so that nothing of the tunnel that follows is consumed.
pub fn connect_tunnel(tcp: &mut TcpStream, proxy: &Proxy, authority: &str) -> Result<()> {
    let mut request = format!("CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n");
    if let Some(auth) = &proxy.authorization {
        request.push_str(&format!("Proxy-Authorization: {auth}\r\n"));
    }
    request.push_str("\r\n");
    let where_ = format!("proxy {}:{}", proxy.host, proxy.port);
    let net = |e: std::io::Error| {
        let kind = match e.kind() {
            std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => ErrorKind::Timeout,
            _ => ErrorKind::Network,
        };
        Error::new(kind, format!("{where_}: CONNECT {authority}: {e}"))
    };
    tcp.write_all(request.as_bytes()).map_err(net)?;
    let mut head = Vec::with_capacity(256);
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if head.len() > 16 * 1024 {
            return Err(Error::new(ErrorKind::Proxy, format!("{where_}: its answer to CONNECT has no end")));
        }
        if tcp.read(&mut byte).map_err(net)? == 0 {
            return Err(Error::new(
                ErrorKind::Proxy,
                format!("{where_} closed the connection during CONNECT {authority}"),
            ));
        }
        head.push(byte[0]);
    }
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut parsed = httparse::Response::new(&mut headers);
    match parsed.parse(&head) {
        Ok(httparse::Status::Complete(_)) => {}
        _ => return Err(Error::new(ErrorKind::Proxy, format!("{where_}: an answer to CONNECT that is not HTTP"))),
    }
    let status = parsed.code.unwrap_or(0);
    if (200..300).contains(&status) {
        return Ok(());
    }
    Err(refusal(&where_, status, parsed.reason.unwrap_or(""), &format!("CONNECT {authority}")))
}

/// Whether an answer to an absolute-form request is the proxy's own rather than the target's: a 407, or
/// any other error status without `x-cos-request-id`, which COS puts on every answer and a proxy on none
/// (squid's 503 for a target it cannot reach, its 403 for a host it does not allow). Such an answer's body
/// is the proxy's HTML page, not COS XML, so it must not be parsed as a service error.
pub fn from_the_proxy(head: &super::head::ResponseHead) -> bool {
    head.status == 407 || (head.status >= 400 && head.get("x-cos-request-id").is_none())
}

/// The error for a proxy's refusal with `status`.
pub fn refusal(proxy: &str, status: u16, reason: &str, what: &str) -> Error {
    let why = if status == 407 {
        "proxy authentication required: the proxy refused the credentials (or none were given)"
    } else {
        "the proxy refused"
    };
    Error::new(ErrorKind::Proxy, format!("{proxy}: {why}: {what}: HTTP {status} {reason}")).with_response(status, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_parse_as_curl_reads_them() {
        let p = Proxy::parse("http://user:p%40ss@proxy.example:3128/").unwrap();
        assert_eq!((p.host.as_str(), p.port), ("proxy.example", 3128));
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(p.authorization.as_ref().unwrap().strip_prefix("Basic ").unwrap())
            .unwrap();
        assert_eq!(decoded, b"user:p@ss");
        assert!(!format!("{p:?}").contains("p%40ss") && !format!("{p:?}").contains("Basic"));
        let p = Proxy::parse("10.0.0.1").unwrap();
        assert_eq!((p.host.as_str(), p.port, p.authorization), ("10.0.0.1", 1080, None));
        assert_eq!(Proxy::parse("HTTP://[::1]:8080").unwrap().host, "[::1]");
        for bad in ["https://p:1", "socks5://p:1", "http://:8080", "http://p:x", "http://p:1/path", "http://p:0"] {
            assert!(Proxy::parse(bad).is_err(), "{bad}");
        }
        let e = Proxy::parse("socks5://u:secret@p:1").unwrap_err();
        assert!(!e.message().contains("secret"), "{e}");
        assert_eq!(redact("http://u:secret@p:1"), "http://u:<redacted>@p:1");
    }

    #[test]
    fn the_proxy_s_own_answers_are_told_from_the_target_s() {
        let head = |status: u16, headers: &[(&str, &str)]| super::super::head::ResponseHead {
            status,
            http11: true,
            headers: headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        };
        let cos = [("x-cos-request-id", "NjQ")];
        assert!(from_the_proxy(&head(407, &cos)), "a 407 is always the proxy's");
        assert!(from_the_proxy(&head(503, &[("x-squid-error", "ERR_CONNECT_FAIL 111")])));
        assert!(from_the_proxy(&head(403, &[])));
        assert!(!from_the_proxy(&head(503, &cos)), "COS's own 503 (SlowDown) stays a service error");
        assert!(!from_the_proxy(&head(404, &cos)));
        assert!(!from_the_proxy(&head(200, &[])), "a success is the target's, whatever its headers");
    }

    #[test]
    fn no_proxy_entries() {
        let list = |s: &str| s.split(',').map(str::to_string).collect::<Vec<_>>();
        assert!(bypassed(&list("*"), "anything.example", 443));
        let l = list("example.com, .internal,*.corp.net,10.1.2.3,localhost:8080,[::1]");
        assert!(bypassed(&l, "example.com", 80));
        assert!(bypassed(&l, "b.cos.EXAMPLE.com", 80));
        assert!(!bypassed(&l, "notexample.com", 80));
        assert!(bypassed(&l, "svc.internal", 80));
        assert!(bypassed(&l, "x.corp.net", 80));
        assert!(bypassed(&l, "10.1.2.3", 443));
        assert!(bypassed(&l, "localhost", 8080));
        assert!(!bypassed(&l, "localhost", 80));
        assert!(bypassed(&l, "[::1]", 443));
        assert!(!bypassed(&[], "example.com", 80));
        assert!(!bypassed(&list(""), "example.com", 80));
    }
}
