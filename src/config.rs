//! Client configuration: credentials, where COS is, and how to talk to it.

use crate::error::{Error, Result};
pub use crate::http::StallProtection;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// `http` or `https`. https is the default, with certificate verification always on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheme {
    Http,
    Https,
}

impl Scheme {
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
        }
    }
}

/// Secret id and key, and the session token of temporary credentials. `Debug` never shows the secrets.
#[derive(Clone, Default)]
pub struct Credentials {
    pub secret_id: String,
    pub secret_key: String,
    pub session_token: Option<String>,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("secret_id", &self.secret_id)
            .field("secret_key", &"<redacted>")
            .field("session_token", &self.session_token.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// Which certificate authorities https connections trust. Certificates given here (files, directories,
/// buffers) replace the compiled-in Mozilla roots, as curl's `--cacert` replaces its bundle; `native_roots`
/// adds the operating system's store; with neither, the Mozilla roots (webpki-roots) are used.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TlsTrust {
    /// PEM files of one or more certificates (`SSL_CERT_FILE`, curl's `--cacert`).
    pub ca_files: Vec<PathBuf>,
    /// Directories whose PEM files are certificates (`SSL_CERT_DIR`, curl's `--capath`); files that hold no
    /// certificate are skipped.
    pub ca_dirs: Vec<PathBuf>,
    /// PEM text of one or more certificates.
    pub ca_pem: Vec<Vec<u8>>,
    /// The operating system's trust store (rustls-native-certs: the system bundle on Linux, itself following
    /// `SSL_CERT_FILE` / `SSL_CERT_DIR`).
    pub native_roots: bool,
}

impl TlsTrust {
    /// Whether any certificate authority was given (the compiled-in roots are then not used).
    pub fn is_custom(&self) -> bool {
        !self.ca_files.is_empty() || !self.ca_dirs.is_empty() || !self.ca_pem.is_empty()
    }
}

/// HTTP proxies: one for http requests, one for https requests (through CONNECT), and the hosts that go
/// direct. Proxy URLs are `http://[user[:password]@]host[:port]` (port 1080 by default, as curl's).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ProxySettings {
    pub http: Option<String>,
    pub https: Option<String>,
    /// `NO_PROXY` entries: `*`, host names (with their subdomains), IP addresses, each optionally `:port`.
    pub no_proxy: Vec<String>,
}

impl ProxySettings {
    /// The proxies the variables `lookup` gives describe, read as curl reads them: `http_proxy` in lower
    /// case only (an upper-case HTTP_PROXY may come from a CGI request header), the others in either case,
    /// the lower-case spelling first; `ALL_PROXY` for a scheme without its own.
    pub fn from_lookup(lookup: &dyn Fn(&str) -> Option<String>) -> ProxySettings {
        let either = |name: &str| lookup(&name.to_ascii_lowercase()).or_else(|| lookup(name));
        let all = either("ALL_PROXY");
        ProxySettings {
            http: lookup("http_proxy").or_else(|| all.clone()),
            https: either("HTTPS_PROXY").or(all),
            no_proxy: either("NO_PROXY").map(|l| split_list(&l)).unwrap_or_default(),
        }
    }
}

impl fmt::Debug for ProxySettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redact = |u: &Option<String>| u.as_deref().map(crate::http::proxy::redact);
        f.debug_struct("ProxySettings")
            .field("http", &redact(&self.http))
            .field("https", &redact(&self.https))
            .field("no_proxy", &self.no_proxy)
            .finish()
    }
}

/// A validated configuration. Build it with [`Config::builder`] or [`Config::from_env`].
#[derive(Clone, Debug)]
pub struct Config {
    pub region: String,
    pub credentials: Credentials,
    pub scheme: Scheme,
    /// Host suffix after `<bucket>.`; default `cos.<region>.myqcloud.com`.
    pub endpoint: String,
    /// A custom (e.g. CDN) domain used as the whole host, with no bucket prefix.
    pub domain: Option<String>,
    /// Host of the service API (list buckets); default `service.cos.myqcloud.com`.
    pub service_host: String,
    /// `host:port` to connect to instead of resolving the host; the Host header is unchanged. Several,
    /// comma-separated, are tried in turn (as are several DNS answers) until one accepts the connection.
    pub address: Option<String>,
    pub connect_timeout: Duration,
    pub read_timeout: Duration,
    /// Retries after the first attempt, for network errors, timeouts, 5xx, 429 and 400 RequestTimeout.
    pub max_retries: u32,
    /// A limit on one operation's attempts and waits together; `None` = only the per-attempt timeouts.
    pub operation_timeout: Option<Duration>,
    /// Fail over from `*.myqcloud.com` to `*.tencentcos.cn` when an answer did not come from COS.
    pub switch_domain: bool,
    pub user_agent: String,
    /// Fail an attempt whose head or body moves too slowly (retried as a timeout); `None` turns it off.
    /// Default: 1 byte/s over 20 s.
    pub stall_protection: Option<StallProtection>,
    /// Seconds added to the local clock when signing (server time minus local time).
    pub clock_offset: i64,
    /// How long a request signature stays valid, in seconds.
    pub sign_validity: u32,
    /// The certificate authorities https trusts.
    pub tls: TlsTrust,
    pub proxy: ProxySettings,
    /// Where this client's log lines go; `None`: nowhere.
    pub logger: Option<crate::observe::Logger>,
    /// Where credentials come from when not fixed (`credentials` is then unused).
    pub credential_provider: Option<crate::credentials::ProviderHandle>,
    /// Receives every request's metrics; `None`: nothing is measured.
    pub observer: Option<crate::observe::Observer>,
    /// Idle keep-alive connections kept per host (default 64); 0 closes each connection after its request.
    pub max_idle_per_host: usize,
    /// An idle connection older than this is closed rather than reused (default 30 s): servers drop idle
    /// ones after about a minute, and a request sent just as they do fails.
    pub idle_timeout: Duration,
    /// TCP keep-alive probes after this long without traffic (SO_KEEPALIVE, TCP_KEEPIDLE; default 60 s as
    /// curl's), so a peer or NAT that vanished is noticed on a long-idle or long-waiting connection; `None` = off.
    pub tcp_keepalive: Option<Duration>,
    /// Worker threads of the client's background pool (non-blocking calls), started on first use.
    pub background_workers: usize,
}

impl Config {
    pub fn builder() -> ConfigBuilder {
        ConfigBuilder::default()
    }

    /// Reads `COS_SECRET_ID`, `COS_SECRET_KEY`, `COS_SESSION_TOKEN`, `COS_REGION`, `COS_SCHEME`, `COS_ENDPOINT`,
    /// `COS_DOMAIN`, `COS_ADDRESS`, `COS_CONNECT_TIMEOUT_MS`, `COS_READ_TIMEOUT_MS`, `COS_MAX_RETRIES`,
    /// `COS_OPERATION_TIMEOUT_MS`, `COS_SWITCH_DOMAIN` (1 or true).
    pub fn from_env() -> Result<Config> {
        ConfigBuilder::from_env()?.build()
    }

    /// The host serving `bucket`.
    /// When an operation started now must end, from the operation timeout; `None` without one.
    pub fn deadline(&self) -> Option<std::time::Instant> {
        self.operation_timeout.map(|t| std::time::Instant::now() + t)
    }

    pub fn bucket_host(&self, bucket: &str) -> String {
        match &self.domain {
            Some(domain) => domain.clone(),
            None => format!("{bucket}.{}", self.endpoint),
        }
    }
}

/// Collects settings; [`ConfigBuilder::build`] validates them.
#[derive(Clone, Debug, Default)]
pub struct ConfigBuilder {
    region: Option<String>,
    credentials: Credentials,
    scheme: Option<Scheme>,
    endpoint: Option<String>,
    domain: Option<String>,
    service_host: Option<String>,
    address: Option<String>,
    connect_timeout: Option<Duration>,
    read_timeout: Option<Duration>,
    max_retries: Option<u32>,
    operation_timeout: Option<Duration>,
    /// `Some(None)`: turned off; `None`: the default.
    stall_protection: Option<Option<StallProtection>>,
    switch_domain: bool,
    user_agent: Option<String>,
    clock_offset: i64,
    sign_validity: Option<u32>,
    tls: TlsTrust,
    proxy: ProxySettings,
    /// The proxies came from the environment: a fixed address (`COS_ADDRESS`, a direct connection by
    /// definition) then overrides them, so a CI machine's proxy never captures a test's loopback server.
    proxy_from_env: bool,
    logger: Option<crate::observe::Logger>,
    credential_provider: Option<crate::credentials::ProviderHandle>,
    observer: Option<crate::observe::Observer>,
    max_idle_per_host: Option<usize>,
    idle_timeout: Option<Duration>,
    /// `Some(None)`: turned off; `None`: the default.
    tcp_keepalive: Option<Option<Duration>>,
    background_workers: Option<usize>,
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn env_number<T: std::str::FromStr>(name: &str) -> Result<Option<T>> {
    match env(name) {
        None => Ok(None),
        Some(v) => v
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| Error::invalid(format!("{name} must be a non-negative integer, got {v:?}"))),
    }
}

impl ConfigBuilder {
    /// A builder preset from the `COS_*` environment variables (see [`Config::from_env`]).
    pub fn from_env() -> Result<ConfigBuilder> {
        let mut b = ConfigBuilder {
            region: env("COS_REGION"),
            credentials: Credentials {
                secret_id: env("COS_SECRET_ID").unwrap_or_default(),
                secret_key: env("COS_SECRET_KEY").unwrap_or_default(),
                session_token: env("COS_SESSION_TOKEN"),
            },
            endpoint: env("COS_ENDPOINT"),
            domain: env("COS_DOMAIN"),
            address: env("COS_ADDRESS"),
            connect_timeout: env_number::<u64>("COS_CONNECT_TIMEOUT_MS")?.map(Duration::from_millis),
            read_timeout: env_number::<u64>("COS_READ_TIMEOUT_MS")?.map(Duration::from_millis),
            max_retries: env_number("COS_MAX_RETRIES")?,
            operation_timeout: env_number::<u64>("COS_OPERATION_TIMEOUT_MS")?.map(Duration::from_millis),
            switch_domain: env("COS_SWITCH_DOMAIN").is_some_and(|v| v == "1" || v.eq_ignore_ascii_case("true")),
            ..ConfigBuilder::default()
        };
        let grace = env_number::<u64>("COS_STALL_GRACE_MS")?;
        let rate = env_number::<u64>("COS_STALL_MIN_BYTES_PER_SEC")?;
        if grace.is_some() || rate.is_some() {
            let default = StallProtection::default();
            b.stall_protection = Some(Some(StallProtection {
                min_bytes_per_sec: rate.unwrap_or(default.min_bytes_per_sec),
                grace: grace.map_or(default.grace, Duration::from_millis),
            }));
        }
        if let Some(s) = env("COS_SCHEME") {
            b.scheme(&s)?;
        }
        b.proxy = ProxySettings::from_lookup(&env);
        b.proxy_from_env = true;
        // As OpenSSL (and so curl) reads them: one bundle file, and a list of directories.
        if let Some(file) = env("SSL_CERT_FILE") {
            b.ca_file(Path::new(&file));
        }
        for dir in env("SSL_CERT_DIR").iter().flat_map(|d| d.split(':')).filter(|d| !d.is_empty()) {
            b.ca_dir(Path::new(dir));
        }
        Ok(b)
    }

    pub fn region(&mut self, region: &str) -> &mut Self {
        self.region = Some(region.to_string());
        self
    }
    pub fn credentials(&mut self, secret_id: &str, secret_key: &str) -> &mut Self {
        self.credentials.secret_id = secret_id.to_string();
        self.credentials.secret_key = secret_key.to_string();
        self
    }
    /// Temporary credentials: the token is sent as `x-cos-security-token`. `None` removes it.
    pub fn session_token(&mut self, token: Option<&str>) -> &mut Self {
        self.credentials.session_token = token.map(str::to_string);
        self
    }
    /// `"http"` or `"https"` (any case).
    pub fn scheme(&mut self, scheme: &str) -> Result<&mut Self> {
        self.scheme = Some(match scheme.to_ascii_lowercase().as_str() {
            "http" => Scheme::Http,
            "https" => Scheme::Https,
            _ => return Err(Error::invalid(format!("scheme must be \"http\" or \"https\", got {scheme:?}"))),
        });
        Ok(self)
    }
    pub fn endpoint(&mut self, endpoint: &str) -> &mut Self {
        self.endpoint = Some(endpoint.to_string());
        self
    }
    pub fn domain(&mut self, domain: &str) -> &mut Self {
        self.domain = Some(domain.to_string());
        self
    }
    pub fn service_host(&mut self, host: &str) -> &mut Self {
        self.service_host = Some(host.to_string());
        self
    }
    pub fn address(&mut self, address: &str) -> &mut Self {
        self.address = Some(address.to_string());
        self
    }
    pub fn connect_timeout(&mut self, t: Duration) -> &mut Self {
        self.connect_timeout = Some(t);
        self
    }
    pub fn read_timeout(&mut self, t: Duration) -> &mut Self {
        self.read_timeout = Some(t);
        self
    }
    pub fn max_retries(&mut self, n: u32) -> &mut Self {
        self.max_retries = Some(n);
        self
    }
    /// A limit on the whole operation, attempts and waits between them included.
    pub fn operation_timeout(&mut self, t: Option<Duration>) -> &mut Self {
        self.operation_timeout = t;
        self
    }
    /// Stalled-stream protection: `Some` sets the minimum throughput and grace window (a minimum of 0 turns
    /// it off, a zero window keeps the default), `None` turns it off.
    pub fn stall_protection(&mut self, stall: Option<StallProtection>) -> &mut Self {
        self.stall_protection = Some(stall);
        self
    }
    /// Fail over to the `tencentcos.cn` domain (see [`Config::switch_domain`]); off by default.
    pub fn switch_domain(&mut self, on: bool) -> &mut Self {
        self.switch_domain = on;
        self
    }
    pub fn user_agent(&mut self, ua: &str) -> &mut Self {
        self.user_agent = Some(ua.to_string());
        self
    }
    /// Trusts the certificate authorities in a PEM file (replacing the compiled-in roots; see [`TlsTrust`]).
    /// Read when the client is made.
    pub fn ca_file(&mut self, path: &Path) -> &mut Self {
        self.tls.ca_files.push(path.to_path_buf());
        self
    }
    /// Trusts the PEM certificates in a directory (see [`TlsTrust`]). Read when the client is made.
    pub fn ca_dir(&mut self, path: &Path) -> &mut Self {
        self.tls.ca_dirs.push(path.to_path_buf());
        self
    }
    /// Trusts the certificates in PEM text; refuses text that holds none.
    pub fn ca_pem(&mut self, pem: &[u8]) -> Result<&mut Self> {
        crate::http::tls::parse_pem("the PEM buffer", pem)?;
        self.tls.ca_pem.push(pem.to_vec());
        Ok(self)
    }
    /// Also trusts the operating system's store.
    pub fn native_roots(&mut self, on: bool) -> &mut Self {
        self.tls.native_roots = on;
        self
    }
    /// Sends http and https requests through the proxy at `url` (`None`: no proxy, whatever the environment
    /// said). Checked by [`ConfigBuilder::build`].
    pub fn proxy(&mut self, url: Option<&str>) -> &mut Self {
        self.proxy.http = url.map(str::to_string);
        self.proxy.https = url.map(str::to_string);
        self.proxy_from_env = false;
        self
    }
    /// The hosts that go direct, a comma-separated `NO_PROXY` list (replacing the environment's).
    pub fn no_proxy(&mut self, list: &str) -> &mut Self {
        self.proxy.no_proxy = split_list(list);
        self.proxy_from_env = false;
        self
    }
    /// Takes credentials from `provider` (refreshed before they expire) instead of fixed ones.
    pub fn credential_provider(
        &mut self,
        provider: Option<std::sync::Arc<dyn crate::credentials::CredentialProvider>>,
    ) -> &mut Self {
        self.credential_provider = provider.map(crate::credentials::ProviderHandle);
        self
    }
    /// Gives every request's metrics to `observer` (`None`: none measured, the default).
    pub fn observer(&mut self, observer: Option<crate::observe::Observer>) -> &mut Self {
        self.observer = observer;
        self
    }
    /// Sends this client's log lines to `logger` (`None`: nowhere, the default).
    pub fn logger(&mut self, logger: Option<crate::observe::Logger>) -> &mut Self {
        self.logger = logger;
        self
    }
    /// Forgets every certificate authority given so far (the environment's included).
    /// Worker threads of the background pool that runs non-blocking calls (0: the default, 4).
    pub fn background_workers(&mut self, n: usize) -> &mut Self {
        self.background_workers = Some(n);
        self
    }
    pub fn clear_trust(&mut self) -> &mut Self {
        self.tls = TlsTrust::default();
        self
    }
    pub fn clock_offset(&mut self, seconds: i64) -> &mut Self {
        self.clock_offset = seconds;
        self
    }
    pub fn sign_validity(&mut self, seconds: u32) -> &mut Self {
        self.sign_validity = Some(seconds);
        self
    }
    /// Idle connections kept per host (see [`Config::max_idle_per_host`]); 0 keeps none.
    pub fn max_idle_per_host(&mut self, n: usize) -> &mut Self {
        self.max_idle_per_host = Some(n);
        self
    }
    /// How long an idle connection may be reused (see [`Config::idle_timeout`]); zero keeps the default.
    pub fn idle_timeout(&mut self, t: Duration) -> &mut Self {
        self.idle_timeout = Some(t);
        self
    }
    /// TCP keep-alive idle time (see [`Config::tcp_keepalive`]); `None` or zero turns it off.
    pub fn tcp_keepalive(&mut self, idle: Option<Duration>) -> &mut Self {
        self.tcp_keepalive = Some(idle.filter(|t| !t.is_zero()));
        self
    }

    pub fn build(&self) -> Result<Config> {
        let region = self.region.clone().unwrap_or_default();
        if region.is_empty() && self.endpoint.is_none() && self.domain.is_none() {
            return Err(Error::invalid("region is required (or an endpoint or domain)"));
        }
        if !region.is_empty() {
            validate_region(&region)?;
        }
        let creds = &self.credentials;
        if self.credential_provider.is_none() && (creds.secret_id.is_empty() || creds.secret_key.is_empty()) {
            return Err(Error::invalid("secret id and secret key are required"));
        }
        for (name, value) in [("secret id", &creds.secret_id), ("secret key", &creds.secret_key)] {
            if value.trim() != value || value.chars().any(|c| c.is_control()) {
                return Err(Error::invalid(format!("{name} has surrounding spaces or control characters")));
            }
        }
        if let Some(t) = &creds.session_token {
            if t.chars().any(|c| c.is_control()) {
                return Err(Error::invalid("session token has control characters"));
            }
        }
        let endpoint = self.endpoint.clone().unwrap_or_else(|| format!("cos.{region}.myqcloud.com"));
        for (name, host) in [("endpoint", Some(&endpoint)), ("domain", self.domain.as_ref())] {
            if let Some(h) = host {
                validate_host(name, h)?;
            }
        }
        // Zero means "not set" for every duration and limit here: the default applies, and a minimum
        // throughput of 0 bytes/s is no protection at all.
        let stall = match self.stall_protection {
            None => Some(StallProtection::default()),
            Some(None) => None,
            Some(Some(s)) if s.min_bytes_per_sec == 0 => None,
            Some(Some(s)) if s.grace.is_zero() => {
                Some(StallProtection { grace: StallProtection::default().grace, ..s })
            }
            Some(Some(s)) if s.grace < Duration::from_secs(1) => {
                return Err(Error::invalid("the stall protection's grace period must be at least 1 s"));
            }
            Some(Some(s)) => Some(s),
        };
        for url in [&self.proxy.http, &self.proxy.https].into_iter().flatten() {
            crate::http::proxy::Proxy::parse(url)?;
        }
        if let Some(a) = &self.address {
            if a.split(',').any(|a| !a.contains(':')) || a.chars().any(|c| c.is_whitespace() || c == '/') {
                return Err(Error::invalid(format!("address must be host:port[,host:port...], got {a:?}")));
            }
        }
        let keepalive = self.tcp_keepalive.unwrap_or(Some(Duration::from_secs(60)));
        if keepalive.is_some_and(|t| t.as_secs() < 1 || t.as_secs() > i32::MAX as u64) {
            return Err(Error::invalid("the TCP keep-alive idle time must be between 1 s and 2^31 s"));
        }
        Ok(Config {
            region,
            credentials: creds.clone(),
            scheme: self.scheme.unwrap_or(Scheme::Https),
            endpoint,
            domain: self.domain.clone(),
            service_host: self.service_host.clone().unwrap_or_else(|| "service.cos.myqcloud.com".into()),
            address: self.address.clone(),
            connect_timeout: self.connect_timeout.filter(|t| !t.is_zero()).unwrap_or(Duration::from_secs(10)),
            read_timeout: self.read_timeout.filter(|t| !t.is_zero()).unwrap_or(Duration::from_secs(30)),
            max_retries: self.max_retries.unwrap_or(3),
            operation_timeout: self.operation_timeout.filter(|t| !t.is_zero()),
            stall_protection: stall,
            switch_domain: self.switch_domain,
            user_agent: self.user_agent.clone().unwrap_or_else(|| format!("cos-rust-c/{}", env!("CARGO_PKG_VERSION"))),
            clock_offset: self.clock_offset,
            sign_validity: self.sign_validity.unwrap_or(3600),
            tls: self.tls.clone(),
            logger: self.logger.clone(),
            credential_provider: self.credential_provider.clone(),
            observer: self.observer.clone(),
            proxy: if self.proxy_from_env && self.address.is_some() {
                ProxySettings::default()
            } else {
                self.proxy.clone()
            },
            max_idle_per_host: self.max_idle_per_host.unwrap_or(64),
            idle_timeout: self.idle_timeout.filter(|t| !t.is_zero()).unwrap_or(Duration::from_secs(30)),
            tcp_keepalive: keepalive,
            background_workers: match self.background_workers {
                None | Some(0) => crate::background::DEFAULT_WORKERS,
                Some(n) if n > crate::background::MAX_WORKERS => {
                    return Err(Error::invalid(format!(
                        "background workers must be at most {}, got {n}",
                        crate::background::MAX_WORKERS
                    )))
                }
                Some(n) => n,
            },
        })
    }
}

/// The entries of a comma-separated list, trimmed, empty ones dropped.
fn split_list(list: &str) -> Vec<String> {
    list.split(',').map(str::trim).filter(|e| !e.is_empty()).map(str::to_string).collect()
}

fn validate_region(region: &str) -> Result<()> {
    let ok = region.len() <= 64
        && region.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !region.starts_with('-')
        && !region.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(format!(
            "invalid region {region:?}: expected lower-case letters, digits and '-', like \"ap-guangzhou\""
        )))
    }
}

fn validate_host(what: &str, host: &str) -> Result<()> {
    let ok = !host.is_empty()
        && host.len() <= 253
        && host.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
        && !host.starts_with('.')
        && !host.ends_with('.');
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(format!(
            "invalid {what} {host:?}: expected a host name such as cos.ap-guangzhou.myqcloud.com"
        )))
    }
}

/// Checks a bucket name: `<name>-<appid>` in lower-case letters, digits and `-`, at most 63 characters.
pub fn validate_bucket(bucket: &str) -> Result<()> {
    let ok = !bucket.is_empty()
        && bucket.len() <= 63
        && bucket.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !bucket.starts_with('-')
        && !bucket.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(format!(
            "invalid bucket name {bucket:?}: expected <name>-<appid> in lower-case letters, digits and '-' (at most 63 characters), like \"examplebucket-1250000000\""
        )))
    }
}

/// Checks an object key and returns it as sent: a leading `/` is dropped (as the official SDKs do). Empty keys
/// and keys that normalise to `/` (such as `.`, `a/..`, `//`) are refused: the request would address the bucket
/// instead of an object, turning a GET of an object into a listing.
pub fn normalize_key(key: &str) -> Result<&str> {
    if key.is_empty() {
        return Err(Error::invalid("object key must not be empty"));
    }
    let mut depth: Vec<&str> = Vec::new();
    for seg in key.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                depth.pop();
            }
            s => depth.push(s),
        }
    }
    if depth.is_empty() {
        return Err(Error::invalid(format!("object key {key:?} normalises to \"/\", which addresses the bucket")));
    }
    Ok(key.strip_prefix('/').unwrap_or(key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxies_from_the_environment_as_curl_reads_them() {
        let from = |vars: &[(&str, &str)]| {
            let vars: Vec<(String, String)> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
            ProxySettings::from_lookup(&move |name: &str| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
        };
        let p = from(&[("HTTP_PROXY", "http://cgi"), ("HTTPS_PROXY", "http://up:1"), ("NO_PROXY", "a, .b ,")]);
        assert_eq!(p.http, None, "upper-case HTTP_PROXY is ignored, as curl ignores it");
        assert_eq!(p.https.as_deref(), Some("http://up:1"));
        assert_eq!(p.no_proxy, ["a", ".b"]);
        let p = from(&[("https_proxy", "http://low:1"), ("HTTPS_PROXY", "http://up:1"), ("ALL_PROXY", "http://all:2")]);
        assert_eq!(p.https.as_deref(), Some("http://low:1"), "lower case first");
        assert_eq!(p.http.as_deref(), Some("http://all:2"), "ALL_PROXY for a scheme without its own");
        let p = from(&[("http_proxy", "http://h:3"), ("all_proxy", "http://a:4"), ("no_proxy", "*")]);
        assert_eq!((p.http.as_deref(), p.https.as_deref()), (Some("http://h:3"), Some("http://a:4")));
        assert_eq!(p.no_proxy, ["*"]);
        assert_eq!(from(&[]), ProxySettings::default());
    }

    #[test]
    fn a_fixed_address_overrides_the_environment_s_proxy_but_not_the_configured_one() {
        let mut b = base();
        b.proxy = ProxySettings { https: Some("http://p:1".into()), ..ProxySettings::default() };
        b.proxy_from_env = true;
        assert_eq!(b.build().unwrap().proxy.https.as_deref(), Some("http://p:1"), "no address yet: kept");
        b.address("127.0.0.1:9");
        assert_eq!(b.build().unwrap().proxy, ProxySettings::default());
        b.proxy(Some("http://u:secret@p:2"));
        let config = b.build().unwrap();
        assert_eq!(config.proxy.https.as_deref(), Some("http://u:secret@p:2"));
        assert!(!format!("{config:?}").contains(":secret@"), "{config:?}");
        assert!(base().proxy(Some("socks5://p:1")).build().is_err());
    }

    fn base() -> ConfigBuilder {
        let mut b = Config::builder();
        b.region("ap-guangzhou").credentials("id", "key");
        b
    }

    #[test]
    fn zero_means_not_set() {
        let mut b = base();
        b.connect_timeout(Duration::ZERO).read_timeout(Duration::ZERO).operation_timeout(Some(Duration::ZERO));
        b.stall_protection(Some(StallProtection { min_bytes_per_sec: 5, grace: Duration::ZERO }));
        let c = b.build().unwrap();
        assert_eq!((c.connect_timeout, c.read_timeout), (Duration::from_secs(10), Duration::from_secs(30)));
        assert_eq!(c.operation_timeout, None);
        assert_eq!(c.stall_protection, Some(StallProtection { min_bytes_per_sec: 5, grace: Duration::from_secs(20) }));
        b.stall_protection(Some(StallProtection { min_bytes_per_sec: 0, grace: Duration::from_secs(5) }));
        assert_eq!(b.build().unwrap().stall_protection, None, "no minimum is no protection");
        b.stall_protection(Some(StallProtection { min_bytes_per_sec: 1, grace: Duration::from_millis(500) }));
        assert_eq!(b.build().unwrap_err().kind(), crate::ErrorKind::InvalidArgument);
    }

    #[test]
    fn defaults() {
        let c = base().build().unwrap();
        assert_eq!(c.scheme, Scheme::Https);
        assert_eq!(c.endpoint, "cos.ap-guangzhou.myqcloud.com");
        assert_eq!(c.bucket_host("b-1250000000"), "b-1250000000.cos.ap-guangzhou.myqcloud.com");
        assert_eq!(c.max_retries, 3);
        assert!(!format!("{c:?}").contains("\"key\""), "Debug must not show the secret key");
    }

    #[test]
    fn rejects_bad_settings() {
        assert!(Config::builder().credentials("id", "key").build().is_err());
        assert!(base().region("AP_GZ").build().is_err());
        assert!(base().credentials("id", " key").build().is_err());
        assert!(base().credentials("", "key").build().is_err());
        assert!(base().endpoint("bad/host").build().is_err());
        assert!(base().address("127.0.0.1").build().is_err());
        assert!(base().scheme("ftp").is_err());
    }

    #[test]
    fn bucket_names() {
        assert!(validate_bucket("examplebucket-1250000000").is_ok());
        for bad in ["", "Upper-125", "-a-1", "a-", "a_b-1", &"a".repeat(64)] {
            assert!(validate_bucket(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn keys() {
        assert_eq!(normalize_key("/a/b").unwrap(), "a/b");
        assert_eq!(normalize_key("a/../b").unwrap(), "a/../b");
        for bad in ["", "/", "//", ".", "..", "a/..", "./", "a/b/../.."] {
            assert!(normalize_key(bad).is_err(), "{bad}");
        }
    }
}
