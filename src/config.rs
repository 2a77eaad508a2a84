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
    /// `host:port` to connect to instead of resolving the host; the Host header is unchanged.
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

    pub fn build(&self) -> Result<Config> {
        let region = self.region.clone().unwrap_or_default();
        if region.is_empty() && self.endpoint.is_none() && self.domain.is_none() {
            return Err(Error::invalid("region is required (or an endpoint or domain)"));
        }
        if !region.is_empty() {
            validate_region(&region)?;
        }
        let creds = &self.credentials;
        if creds.secret_id.is_empty() || creds.secret_key.is_empty() {
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
        if let Some(a) = &self.address {
            if !a.contains(':') || a.chars().any(|c| c.is_whitespace() || c == '/') {
                return Err(Error::invalid(format!("address must be host:port, got {a:?}")));
            }
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
