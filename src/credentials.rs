//! Credential providers: where a client's SecretId, SecretKey and session token come from when they are not
//! fixed — a callback, the environment, or a CVM instance role (the instance metadata service) — and the
//! cache that refreshes them ahead of their expiry, one refresh at a time, while the current ones keep
//! signing. Every request is signed with the credentials current when it is signed.

use crate::config::Credentials;
use crate::error::{Error, ErrorKind, Result};
use std::fmt;
use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A provider in a configuration (which is `Clone` and `Debug`).
#[derive(Clone)]
pub struct ProviderHandle(pub Arc<dyn CredentialProvider>);

impl fmt::Debug for ProviderHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CredentialProvider")
    }
}

/// Credentials and when they stop working.
#[derive(Clone, Debug)]
pub struct Expiring {
    pub credentials: Credentials,
    /// Unix seconds; `None`: never.
    pub expires_unix: Option<i64>,
}

/// Gives credentials on request. Called by the client before the cached ones expire, from whichever thread
/// needs them, never by two threads at once.
pub trait CredentialProvider: Send + Sync {
    fn fetch(&self) -> Result<Expiring>;
}

fn now_secs() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs_f64()).unwrap_or(0.0)
}

/// Refreshed this long before expiry, at most (and at most half the credentials' lifetime, so that
/// short-lived ones are not refreshed on every request).
const REFRESH_AHEAD: f64 = 300.0;

pub(crate) struct Cached {
    credentials: Arc<Credentials>,
    expires: Option<f64>,
    /// When to start refreshing.
    refresh_at: Option<f64>,
}

/// The credentials of one client: fixed, or a provider's behind a cache.
pub(crate) enum CredentialSource {
    Fixed(Arc<Credentials>),
    Provider { provider: Arc<dyn CredentialProvider>, cached: Mutex<Option<Cached>>, refresh: Mutex<()> },
}

impl fmt::Debug for CredentialSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CredentialSource::Fixed(_) => "CredentialSource::Fixed",
            CredentialSource::Provider { .. } => "CredentialSource::Provider",
        })
    }
}

impl CredentialSource {
    pub fn new(fixed: &Credentials, provider: Option<Arc<dyn CredentialProvider>>) -> CredentialSource {
        match provider {
            None => CredentialSource::Fixed(Arc::new(fixed.clone())),
            Some(provider) => {
                CredentialSource::Provider { provider, cached: Mutex::new(None), refresh: Mutex::new(()) }
            }
        }
    }

    /// The credentials to sign with now. With a provider: the cached ones while fresh; when they are due for
    /// refresh, one thread fetches while the others go on with the cached ones (still valid); only when they
    /// have expired (or on first use) do callers wait for the fetch, and its failure is theirs.
    pub fn current(&self) -> Result<Arc<Credentials>> {
        let (provider, cached, refresh) = match self {
            CredentialSource::Fixed(c) => return Ok(c.clone()),
            CredentialSource::Provider { provider, cached, refresh } => (provider, cached, refresh),
        };
        let now = now_secs();
        let usable = |c: &Option<Cached>| {
            c.as_ref().filter(|c| c.expires.is_none_or(|e| now < e)).map(|c| c.credentials.clone())
        };
        {
            let state = cached.lock().unwrap_or_else(|p| p.into_inner());
            let fresh = state.as_ref().is_some_and(|c| c.refresh_at.is_none_or(|r| now < r));
            if fresh {
                return Ok(state.as_ref().expect("fresh means cached").credentials.clone());
            }
            if let Some(valid) = usable(&state) {
                drop(state);
                // Due for refresh but still valid: refresh if nobody else is, else sign with these.
                return match refresh.try_lock() {
                    Ok(_guard) => Ok(fetch_into(provider.as_ref(), cached).unwrap_or(valid)),
                    Err(_) => Ok(valid),
                };
            }
        }
        let _guard = refresh.lock().unwrap_or_else(|p| p.into_inner());
        // Another thread may have refreshed while this one waited.
        if let Some(c) = usable(&cached.lock().unwrap_or_else(|p| p.into_inner())) {
            return Ok(c);
        }
        fetch_into(provider.as_ref(), cached)
    }
}

/// Fetches, checks and caches; the caller holds the refresh lock.
fn fetch_into(provider: &dyn CredentialProvider, cached: &Mutex<Option<Cached>>) -> Result<Arc<Credentials>> {
    let fetched = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| provider.fetch()))
        .unwrap_or_else(|_| Err(Error::new(ErrorKind::Internal, "the credential provider panicked")))
        .map_err(|e| Error::new(e.kind(), format!("the credential provider failed: {}", e.message())))?;
    let c = &fetched.credentials;
    if c.secret_id.is_empty() || c.secret_key.is_empty() {
        return Err(Error::invalid("the credential provider gave no secret id or secret key"));
    }
    let now = now_secs();
    let expires = fetched.expires_unix.map(|e| e as f64);
    if expires.is_some_and(|e| e <= now) {
        return Err(Error::invalid("the credential provider gave credentials that have already expired"));
    }
    let refresh_at = expires.map(|e| e - REFRESH_AHEAD.min((e - now) / 2.0));
    let credentials = Arc::new(fetched.credentials);
    *cached.lock().unwrap_or_else(|p| p.into_inner()) =
        Some(Cached { credentials: credentials.clone(), expires, refresh_at });
    Ok(credentials)
}

/// The `COS_SECRET_ID`, `COS_SECRET_KEY` and `COS_SESSION_TOKEN` variables, read again every `reread`.
pub struct EnvProvider {
    pub reread: Duration,
}

impl CredentialProvider for EnvProvider {
    fn fetch(&self) -> Result<Expiring> {
        let var = |n: &str| std::env::var(n).ok().filter(|v| !v.is_empty());
        let (Some(secret_id), Some(secret_key)) = (var("COS_SECRET_ID"), var("COS_SECRET_KEY")) else {
            return Err(Error::invalid("COS_SECRET_ID and COS_SECRET_KEY are not set"));
        };
        let credentials = Credentials { secret_id, secret_key, session_token: var("COS_SESSION_TOKEN") };
        Ok(Expiring { credentials, expires_unix: Some(now_secs() as i64 + self.reread.as_secs().max(1) as i64) })
    }
}

/// The metadata service of a CVM instance, as Tencent Cloud serves it.
pub const INSTANCE_METADATA_URL: &str = "http://metadata.tencentyun.com/latest/meta-data/cam/security-credentials/";

/// The credentials of the CAM role bound to this CVM instance: `GET <base>` names the role (unless given),
/// `GET <base><role>` gives `TmpSecretId`, `TmpSecretKey`, `Token` and `ExpiredTime` (Unix seconds) as JSON.
pub struct InstanceRoleProvider {
    /// `http://host[:port]/path/` (default [`INSTANCE_METADATA_URL`]); plain http, as the service is.
    pub base_url: String,
    pub role: Option<String>,
    pub timeout: Duration,
}

impl InstanceRoleProvider {
    pub fn new(base_url: Option<&str>, role: Option<&str>) -> Result<InstanceRoleProvider> {
        let base = base_url.unwrap_or(INSTANCE_METADATA_URL);
        let base = if base.ends_with('/') { base.to_string() } else { format!("{base}/") };
        split_http_url(&base)?;
        Ok(InstanceRoleProvider { base_url: base, role: role.map(str::to_string), timeout: Duration::from_secs(5) })
    }
}

impl CredentialProvider for InstanceRoleProvider {
    fn fetch(&self) -> Result<Expiring> {
        let role = match &self.role {
            Some(r) => r.clone(),
            None => {
                let listing = http_get(&self.base_url, self.timeout)?;
                let first = listing.lines().map(str::trim).find(|l| !l.is_empty());
                first
                    .ok_or_else(|| Error::new(ErrorKind::Parse, "the instance metadata service names no role"))?
                    .to_string()
            }
        };
        let body = http_get(&format!("{}{role}", self.base_url), self.timeout)?;
        let fields = flat_json(&body).ok_or_else(|| {
            Error::new(ErrorKind::Parse, "the instance metadata service's answer is not a JSON object")
        })?;
        let text = |k: &str| {
            fields.iter().find(|(name, _)| name == k).map(|(_, v)| v.clone()).filter(|v| !v.is_empty()).ok_or_else(
                || Error::new(ErrorKind::Parse, format!("the instance metadata service's answer has no {k}")),
            )
        };
        let expires = text("ExpiredTime")?
            .parse::<i64>()
            .map_err(|_| Error::new(ErrorKind::Parse, "the instance metadata service's ExpiredTime is not a number"))?;
        Ok(Expiring {
            credentials: Credentials {
                secret_id: text("TmpSecretId")?,
                secret_key: text("TmpSecretKey")?,
                session_token: Some(text("Token")?),
            },
            expires_unix: Some(expires),
        })
    }
}

/// (host:port, path) of an `http://` URL.
fn split_http_url(url: &str) -> Result<(String, String)> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| Error::invalid(format!("metadata URL {url:?} must be http://host[:port]/path")))?;
    let (host, path) = rest.split_once('/').map_or((rest, "/".to_string()), |(h, p)| (h, format!("/{p}")));
    if host.is_empty() {
        return Err(Error::invalid(format!("metadata URL {url:?} has no host")));
    }
    let host = if host.contains(':') { host.to_string() } else { format!("{host}:80") };
    Ok((host, path))
}

/// A plain HTTP/1.1 GET of a small document (at most 64 KiB), for the metadata service.
fn http_get(url: &str, timeout: Duration) -> Result<String> {
    let (host, path) = split_http_url(url)?;
    let net = |e: std::io::Error| Error::new(ErrorKind::Network, format!("instance metadata service {host}: {e}"));
    let addr = std::net::ToSocketAddrs::to_socket_addrs(&host).map_err(net)?.next();
    let addr = addr.ok_or_else(|| Error::new(ErrorKind::Network, format!("{host} resolves to nothing")))?;
    let mut s = std::net::TcpStream::connect_timeout(&addr, timeout).map_err(net)?;
    s.set_read_timeout(Some(timeout)).and_then(|_| s.set_write_timeout(Some(timeout))).map_err(net)?;
    write!(s, "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").map_err(net)?;
    let mut raw = Vec::new();
    s.take(64 * 1024 + 1).read_to_end(&mut raw).map_err(net)?;
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut resp = httparse::Response::new(&mut headers);
    let Ok(httparse::Status::Complete(head)) = resp.parse(&raw) else {
        return Err(Error::new(ErrorKind::Parse, format!("{url}: not an HTTP answer")));
    };
    let status = resp.code.unwrap_or(0);
    if status != 200 {
        return Err(Error::new(ErrorKind::Network, format!("{url}: HTTP {status}")).with_response(status, None));
    }
    String::from_utf8(raw[head..].to_vec()).map_err(|_| Error::new(ErrorKind::Parse, format!("{url}: not UTF-8")))
}

/// The members of a flat JSON object whose values are strings, numbers, booleans or null (as text); `None`
/// for anything else. The metadata service's answer is such an object.
fn flat_json(text: &str) -> Option<Vec<(String, String)>> {
    let mut chars = text.trim().chars().peekable();
    let mut out = Vec::new();
    let skip_ws = |c: &mut std::iter::Peekable<std::str::Chars<'_>>| {
        while c.peek().is_some_and(|ch| ch.is_whitespace()) {
            c.next();
        }
    };
    let string = |c: &mut std::iter::Peekable<std::str::Chars<'_>>| -> Option<String> {
        if c.next()? != '"' {
            return None;
        }
        let mut s = String::new();
        loop {
            match c.next()? {
                '"' => return Some(s),
                '\\' => match c.next()? {
                    'n' => s.push('\n'),
                    't' => s.push('\t'),
                    'r' => s.push('\r'),
                    'b' => s.push('\u{8}'),
                    'f' => s.push('\u{c}'),
                    'u' => {
                        let hex: String = (0..4).filter_map(|_| c.next()).collect();
                        s.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
                    }
                    other => s.push(other),
                },
                ch => s.push(ch),
            }
        }
    };
    if chars.next()? != '{' {
        return None;
    }
    skip_ws(&mut chars);
    if chars.peek() == Some(&'}') {
        chars.next();
        return chars.next().is_none().then_some(out);
    }
    loop {
        skip_ws(&mut chars);
        let name = string(&mut chars)?;
        skip_ws(&mut chars);
        if chars.next()? != ':' {
            return None;
        }
        skip_ws(&mut chars);
        let value = if chars.peek() == Some(&'"') {
            string(&mut chars)?
        } else {
            let mut v = String::new();
            while chars.peek().is_some_and(|c| c.is_ascii_alphanumeric() || "+-.".contains(*c)) {
                v.push(chars.next()?);
            }
            if v.is_empty() {
                return None;
            }
            v
        };
        out.push((name, value));
        skip_ws(&mut chars);
        match chars.next()? {
            ',' => continue,
            '}' => return chars.next().is_none().then_some(out),
            _ => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_metadata_answer_parses() {
        let f = flat_json(r#" {"TmpSecretId":"AKID\u0041x","ExpiredTime": 1700000000 , "Code":"Success","n":null} "#)
            .unwrap();
        assert_eq!(f[0], ("TmpSecretId".into(), "AKIDAx".into()));
        assert_eq!(f[1], ("ExpiredTime".into(), "1700000000".into()));
        assert_eq!(f.len(), 4);
        for bad in ["", "[]", "{", r#"{"a":}"#, r#"{"a":"b""#, r#"{"a":{"b":1}}"#, r#"{"a":1} x"#] {
            assert!(flat_json(bad).is_none(), "{bad}");
        }
        assert_eq!(flat_json("{}"), Some(vec![]));
        assert!(split_http_url("https://x/").is_err());
        assert_eq!(split_http_url("http://h/a/").unwrap(), ("h:80".into(), "/a/".into()));
    }
}
