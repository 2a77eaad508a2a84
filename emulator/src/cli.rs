//! Command line: the fixed contract is
//! `cos-emulator --listen 127.0.0.1:0 [--data-dir DIR] [--secret-id ID --secret-key KEY]`,
//! printing `listening on 127.0.0.1:PORT` first on stdout.

use std::path::PathBuf;

pub const DEFAULT_SECRET_ID: &str = "AKIDcosEmulatorDefault";
pub const DEFAULT_SECRET_KEY: &str = "cosEmulatorDefaultSecretKey";
pub const DEFAULT_TEMP_SECRET_ID: &str = "AKIDcosEmulatorTemp";
pub const DEFAULT_TEMP_SECRET_KEY: &str = "cosEmulatorTempSecretKey";
pub const DEFAULT_SESSION_TOKEN: &str = "cosEmulatorSessionToken";
pub const DEFAULT_REGION: &str = "ap-guangzhou";

pub const USAGE: &str = "\
cos-emulator: a local Tencent Cloud COS (XML API) server for tests

usage: cos-emulator --listen 127.0.0.1:0 [options]

  --listen ADDR           address to listen on (default 127.0.0.1:0); the first stdout line is
                          `listening on IP:PORT`
  --data-dir DIR          keep buckets and objects in DIR (survives restarts); default: memory
  --secret-id ID          permanent SecretId (default AKIDcosEmulatorDefault)
  --secret-key KEY        permanent SecretKey (default cosEmulatorDefaultSecretKey)
  --temp-secret-id ID     temporary SecretId (default AKIDcosEmulatorTemp)
  --temp-secret-key KEY   temporary SecretKey (default cosEmulatorTempSecretKey)
  --session-token TOKEN   x-cos-security-token required with the temporary SecretId
                          (default cosEmulatorSessionToken)
  --region REGION         region reported for buckets (default ap-guangzhou)
  --no-md5                benchmark mode: do not MD5 bodies (ETags become \"<crc64 hex><size hex>\");
                          a Content-MD5 sent by the client is still checked
  --rate-limit BYTES/S    cap each connection's request and response bodies at this rate
  --clock-skew SECONDS    run the emulator's clock this far from the real one (may be negative)
  --verbose               log one line per request to stderr
  --help                  show this text

Address buckets by Host: <bucket>-<appid>.cos.<region>.myqcloud.com (or .tencentcos.cn);
ListBuckets on service.cos.myqcloud.com. Requests must be signed (q-sign-algorithm=sha1).
Paths under /__emulator/ are the control API (faults, stats): see emulator/README.md.
";

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
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: "127.0.0.1:0".to_string(),
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
        }
    }
}

pub enum Parsed {
    Run(Box<Config>),
    Help,
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
        match flag.as_str() {
            "--help" | "-h" => return Ok(Parsed::Help),
            "--verbose" | "-v" => cfg.verbose = true,
            "--no-md5" => cfg.no_md5 = true,
            _ => {
                let value = match inline {
                    Some(v) => v,
                    None => args.next().ok_or_else(|| format!("{flag} needs a value"))?,
                };
                let slot = match flag.as_str() {
                    "--listen" => &mut cfg.listen,
                    "--secret-id" => &mut cfg.secret_id,
                    "--secret-key" => &mut cfg.secret_key,
                    "--temp-secret-id" => &mut cfg.temp_secret_id,
                    "--temp-secret-key" => &mut cfg.temp_secret_key,
                    "--session-token" => &mut cfg.session_token,
                    "--region" => &mut cfg.region,
                    "--data-dir" => {
                        cfg.data_dir = Some(PathBuf::from(value));
                        continue;
                    }
                    "--rate-limit" => {
                        match value.parse::<u64>() {
                            Ok(n) if n > 0 => cfg.rate_limit = Some(n),
                            _ => {
                                return Err(format!(
                                    "--rate-limit needs a positive number of bytes per second, got {value:?}"
                                ))
                            }
                        }
                        continue;
                    }
                    "--clock-skew" => {
                        cfg.clock_skew = value
                            .parse()
                            .map_err(|_| format!("--clock-skew needs a number of seconds, got {value:?}"))?;
                        continue;
                    }
                    _ => return Err(format!("unknown argument: {arg}")),
                };
                if value.is_empty() {
                    return Err(format!("{flag} needs a non-empty value"));
                }
                *slot = value;
            }
        }
    }
    Ok(Parsed::Run(Box::new(cfg)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str]) -> Result<Config, String> {
        match parse(args.iter().map(|s| s.to_string()))? {
            Parsed::Run(c) => Ok(*c),
            Parsed::Help => Err("help".into()),
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
        assert!(run(&["--bogus"]).is_err());
        assert!(run(&["--listen"]).is_err());
        assert_eq!(run(&["--help"]).unwrap_err(), "help");
    }
}
