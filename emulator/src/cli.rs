//! Command line: the fixed contract is
//! `cos-emulator --listen 127.0.0.1:0 [--data-dir DIR] [--secret-id ID --secret-key KEY]`,
//! printing `listening on 127.0.0.1:PORT` first on stdout. Every other flag has a default (`help()`
//! lists them); a bad argument is an error message and exit status 2.

use std::path::PathBuf;

pub const DEFAULT_SECRET_ID: &str = "AKIDcosEmulatorDefault";
pub const DEFAULT_SECRET_KEY: &str = "cosEmulatorDefaultSecretKey";
pub const DEFAULT_TEMP_SECRET_ID: &str = "AKIDcosEmulatorTemp";
pub const DEFAULT_TEMP_SECRET_KEY: &str = "cosEmulatorTempSecretKey";
pub const DEFAULT_SESSION_TOKEN: &str = "cosEmulatorSessionToken";
pub const DEFAULT_REGION: &str = "ap-guangzhou";
pub const DEFAULT_LISTEN: &str = "127.0.0.1:0";

/// The `--help` text: every flag with its default, the default credentials and region, the environment,
/// the exit statuses. Built from the constants above, so the defaults it shows are the ones in force.
pub fn help() -> String {
    format!(
        "\
cos-emulator {version}: a local Tencent Cloud COS (XML API) server for tests

usage: cos-emulator [--listen ADDR] [--data-dir DIR] [options]

Serves until killed. The first line on stdout is `listening on IP:PORT`, with the port the system
chose when ADDR ends in :0; nothing else goes to stdout.

options (each --flag VALUE may also be written --flag=VALUE):
  --listen ADDR           IP:PORT (or HOST:PORT) to listen on; default {listen}
  --data-dir DIR          keep buckets, objects and multipart uploads in DIR: they survive restarts
                          and a kill -9 at any moment; default: in memory only
  --secret-id ID          permanent SecretId; default {secret_id}
  --secret-key KEY        permanent SecretKey; default {secret_key}
  --temp-secret-id ID     temporary SecretId; default {temp_secret_id}
  --temp-secret-key KEY   temporary SecretKey; default {temp_secret_key}
  --session-token TOKEN   x-cos-security-token that requests signed with the temporary SecretId must
                          send; default {session_token}
  --region REGION         region of every bucket; default {region}
  --no-md5                benchmark mode: bodies are not MD5-hashed and ETags become
                          \"<CRC-64 as 16 hex digits><size as 16 hex digits>\"; a Content-MD5 sent by
                          the client is still checked; default off
  --rate-limit BYTES/S    cap each connection's request and response bodies at this many bytes per
                          second (each direction separately); default none
  --clock-skew SECONDS    run the emulator's clock this far from the real one (may be negative):
                          signature windows, the Date header and recorded times use it; default 0
  --restore-delay-ms MS   how long a restore of an ARCHIVE / DEEP_ARCHIVE object (POST ?restore) is
                          in progress before the object can be read; default 0 (at once)
  --tls-cert PEM          with --tls-key: serve https on --listen (TLS 1.2/1.3); the second stdout
                          line is then `plain http on IP:PORT`, the same server without TLS
  --tls-key PEM           the certificate's private key (PKCS#8, PKCS#1 or SEC1 PEM)
  --verbose, -v           one line per request on stderr (host, path, status, length, time, fault)
  --version               print the version and exit
  --help, -h              print this text and exit

environment:
  {pause_env}=OP:N   (with --data-dir) a test hook: stop at the N-th crash point of
                          operation OP (complete, part, put, abort, delete-bucket, open, marker, bucket,
                          rewrite) and wait there to be killed; a malformed value stops the start

Clients address buckets by Host: <name>-<appid>.cos.<region>.myqcloud.com (or .tencentcos.cn);
an IP address, localhost or service.cos.myqcloud.com is the service (ListBuckets). Requests must be
signed (q-sign-algorithm=sha1). Paths under /__emulator/ are the control API (fault injection and
request counters, unsigned): see emulator/README.md. Point the cos library at the emulator with
COS_SCHEME=http COS_ADDRESS=IP:PORT and the credentials above.

exit status: 0 after --help or --version; 2 for a bad argument; 1 when the address or the data
directory cannot be used.
",
        version = env!("CARGO_PKG_VERSION"),
        listen = DEFAULT_LISTEN,
        secret_id = DEFAULT_SECRET_ID,
        secret_key = DEFAULT_SECRET_KEY,
        temp_secret_id = DEFAULT_TEMP_SECRET_ID,
        temp_secret_key = DEFAULT_TEMP_SECRET_KEY,
        session_token = DEFAULT_SESSION_TOKEN,
        region = DEFAULT_REGION,
        pause_env = crate::storage::disk::PAUSE_ENV,
    )
}

/// What a bad argument prints after its message.
pub const TRY_HELP: &str =
    "usage: cos-emulator [--listen ADDR] [--data-dir DIR] [options]; `cos-emulator --help` lists them";

#[derive(Debug, Clone)]
pub struct Config {
    pub listen: String,
    pub data_dir: Option<PathBuf>,
    pub secret_id: String,
    pub secret_key: String,
    pub temp_secret_id: String,
    pub temp_secret_key: String,
    pub session_token: String,
    pub region: String,
    pub verbose: bool,
    /// Skip MD5 of bodies unless the client sent Content-MD5 (benchmarks: MD5 caps PUT speed).
    pub no_md5: bool,
    /// Bytes per second per connection and direction (request and response bodies).
    pub rate_limit: Option<u64>,
    /// Seconds added to the real clock.
    pub clock_skew: i64,
    /// How long a RestoreObject takes to complete, in milliseconds (0: at once).
    pub restore_delay_ms: u64,
    /// PEM certificate chain and private key: serve https on `listen` (see tls.rs).
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: DEFAULT_LISTEN.to_string(),
            data_dir: None,
            secret_id: DEFAULT_SECRET_ID.to_string(),
            secret_key: DEFAULT_SECRET_KEY.to_string(),
            temp_secret_id: DEFAULT_TEMP_SECRET_ID.to_string(),
            temp_secret_key: DEFAULT_TEMP_SECRET_KEY.to_string(),
            session_token: DEFAULT_SESSION_TOKEN.to_string(),
            region: DEFAULT_REGION.to_string(),
            verbose: false,
            no_md5: false,
            rate_limit: None,
            clock_skew: 0,
            restore_delay_ms: 0,
            tls_cert: None,
            tls_key: None,
        }
    }
}

pub enum Parsed {
    Run(Box<Config>),
    Help,
    Version,
}

/// Parse arguments (without the program name). Accepts `--flag value` and `--flag=value`.
pub fn parse<I: IntoIterator<Item = String>>(args: I) -> Result<Parsed, String> {
    let mut cfg = Config::default();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        if !flag.starts_with('-') {
            return Err(format!("unexpected argument {arg:?}: every argument is a --flag"));
        }
        let switch = match flag.as_str() {
            "--help" | "-h" => Some(Parsed::Help),
            "--version" => Some(Parsed::Version),
            "--verbose" | "-v" => {
                cfg.verbose = true;
                None
            }
            "--no-md5" => {
                cfg.no_md5 = true;
                None
            }
            "--listen" | "--data-dir" | "--secret-id" | "--secret-key" | "--temp-secret-id" | "--temp-secret-key"
            | "--session-token" | "--region" | "--rate-limit" | "--clock-skew" | "--restore-delay-ms"
            | "--tls-cert" | "--tls-key" => {
                let value = match inline {
                    Some(v) => v,
                    // A flag where the value should be means the value was forgotten.
                    None => match args.next() {
                        Some(v) if !v.starts_with("--") => v,
                        _ => return Err(format!("{flag} needs a value")),
                    },
                };
                set(&mut cfg, &flag, value)?;
                continue;
            }
            _ => return Err(format!("unknown flag {flag}")),
        };
        if inline.is_some() {
            return Err(format!("{flag} takes no value, got {arg:?}"));
        }
        if let Some(done) = switch {
            return Ok(done);
        }
    }
    if cfg.tls_cert.is_some() != cfg.tls_key.is_some() {
        return Err("--tls-cert and --tls-key go together".to_string());
    }
    Ok(Parsed::Run(Box::new(cfg)))
}

/// Sets the option `flag` (one that takes a value) from `value`, checking it.
fn set(cfg: &mut Config, flag: &str, value: String) -> Result<(), String> {
    if value.is_empty() {
        return Err(format!("{flag} needs a non-empty value"));
    }
    match flag {
        "--listen" => {
            if !valid_listen(&value) {
                return Err(format!("--listen needs IP:PORT or HOST:PORT (e.g. 127.0.0.1:0), got {value:?}"));
            }
            cfg.listen = value;
        }
        "--data-dir" => cfg.data_dir = Some(PathBuf::from(value)),
        "--tls-cert" => cfg.tls_cert = Some(PathBuf::from(value)),
        "--tls-key" => cfg.tls_key = Some(PathBuf::from(value)),
        "--secret-id" => cfg.secret_id = value,
        "--secret-key" => cfg.secret_key = value,
        "--temp-secret-id" => cfg.temp_secret_id = value,
        "--temp-secret-key" => cfg.temp_secret_key = value,
        "--session-token" => cfg.session_token = value,
        "--region" => cfg.region = value,
        "--rate-limit" => match value.parse::<u64>() {
            Ok(n) if n > 0 => cfg.rate_limit = Some(n),
            _ => return Err(format!("--rate-limit needs a positive number of bytes per second, got {value:?}")),
        },
        "--restore-delay-ms" => {
            cfg.restore_delay_ms = value
                .parse()
                .map_err(|_| format!("--restore-delay-ms needs a number of milliseconds, got {value:?}"))?;
        }
        "--clock-skew" => {
            cfg.clock_skew =
                value.parse().map_err(|_| format!("--clock-skew needs a number of seconds, got {value:?}"))?;
        }
        _ => unreachable!("{flag} is not an option with a value"),
    }
    Ok(())
}

/// `IP:PORT`, `[IPv6]:PORT` or `HOST:PORT` with a numeric port (a host name is resolved when binding).
fn valid_listen(value: &str) -> bool {
    if value.parse::<std::net::SocketAddr>().is_ok() {
        return true;
    }
    match value.rsplit_once(':') {
        Some((host, port)) => {
            !host.is_empty()
                && host.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
                && port.parse::<u16>().is_ok()
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str]) -> Result<Config, String> {
        match parse(args.iter().map(|s| s.to_string()))? {
            Parsed::Run(c) => Ok(*c),
            Parsed::Help => Err("help".into()),
            Parsed::Version => Err("version".into()),
        }
    }

    #[test]
    fn defaults_and_flags() {
        let c = run(&["--listen", "127.0.0.1:0"]).unwrap();
        assert_eq!(c.secret_id, DEFAULT_SECRET_ID);
        assert_eq!(c.region, "ap-guangzhou");
        assert!(c.data_dir.is_none());
        let c = run(&[
            "--listen=127.0.0.1:9",
            "--secret-id",
            "A",
            "--secret-key",
            "B",
            "--data-dir",
            "/tmp/x",
            "--region",
            "ap-beijing",
            "--verbose",
        ])
        .unwrap();
        assert_eq!(c.listen, "127.0.0.1:9");
        assert_eq!((c.secret_id.as_str(), c.secret_key.as_str()), ("A", "B"));
        assert_eq!(c.data_dir.unwrap().to_str(), Some("/tmp/x"));
        assert!(c.verbose);
        assert!(!c.no_md5 && c.rate_limit.is_none() && c.clock_skew == 0);
        let c = run(&["--no-md5", "--rate-limit", "50000000", "--clock-skew=-3600"]).unwrap();
        assert!(c.no_md5);
        assert_eq!((c.rate_limit, c.clock_skew), (Some(50_000_000), -3600));
        assert!(run(&["--rate-limit", "0"]).is_err());
        assert!(run(&["--clock-skew", "soon"]).is_err());
        assert_eq!(run(&["--restore-delay-ms", "1500"]).unwrap().restore_delay_ms, 1500);
        assert_eq!(run(&[]).unwrap().restore_delay_ms, 0);
        assert!(run(&["--restore-delay-ms", "-1"]).is_err());
        assert!(run(&["--bogus"]).is_err());
        assert!(run(&["--listen"]).is_err());
        assert_eq!(run(&["--help"]).unwrap_err(), "help");
    }

    #[test]
    fn bad_arguments_say_what_is_wrong() {
        let err = |args: &[&str]| run(args).unwrap_err();
        assert_eq!(err(&["--bogus"]), "unknown flag --bogus");
        assert_eq!(err(&["--bogus=1"]), "unknown flag --bogus");
        assert_eq!(err(&["-x"]), "unknown flag -x");
        assert!(err(&["127.0.0.1:0"]).starts_with("unexpected argument \"127.0.0.1:0\""));
        assert_eq!(err(&["--region"]), "--region needs a value");
        assert_eq!(err(&["--region", "--verbose"]), "--region needs a value");
        assert_eq!(err(&["--region="]), "--region needs a non-empty value");
        assert_eq!(err(&["--data-dir="]), "--data-dir needs a non-empty value");
        assert!(err(&["--verbose=yes"]).contains("takes no value"));
        assert!(err(&["--listen", "nowhere"]).starts_with("--listen needs IP:PORT"));
        assert!(err(&["--listen", "127.0.0.1:http"]).starts_with("--listen needs IP:PORT"));
        assert!(err(&["--rate-limit", "fast"]).starts_with("--rate-limit needs a positive number"));
        assert_eq!(run(&["--listen", "localhost:0"]).unwrap().listen, "localhost:0");
        assert_eq!(run(&["--listen", "[::1]:9000"]).unwrap().listen, "[::1]:9000");
        assert_eq!(run(&["--verbose", "--version"]).unwrap_err(), "version");
        assert_eq!(run(&["-h"]).unwrap_err(), "help");
    }

    #[test]
    fn help_lists_every_flag_and_the_defaults() {
        let text = help();
        for flag in [
            "--listen",
            "--data-dir",
            "--secret-id",
            "--secret-key",
            "--temp-secret-id",
            "--temp-secret-key",
            "--session-token",
            "--region",
            "--no-md5",
            "--rate-limit",
            "--clock-skew",
            "--restore-delay-ms",
            "--verbose",
            "--version",
            "--help",
            "COS_EMULATOR_PAUSE_AT",
        ] {
            assert!(text.contains(flag), "--help does not mention {flag}");
        }
        for default in [
            DEFAULT_LISTEN,
            DEFAULT_SECRET_ID,
            DEFAULT_SECRET_KEY,
            DEFAULT_TEMP_SECRET_ID,
            DEFAULT_TEMP_SECRET_KEY,
            DEFAULT_SESSION_TOKEN,
            DEFAULT_REGION,
        ] {
            assert!(text.contains(&format!("default {default}")), "--help does not show the default {default}");
        }
    }
}
