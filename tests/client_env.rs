//! `Config::from_env` / `Client::from_env`. The process environment is shared by every thread of a test
//! binary, so this binary holds exactly one test function and runs its cases in sequence.

mod support;

use cos::{Client, Config, ErrorKind, RequestOptions};
use std::time::Duration;

const VARS: [&str; 11] = [
    "COS_SECRET_ID",
    "COS_SECRET_KEY",
    "COS_SESSION_TOKEN",
    "COS_REGION",
    "COS_SCHEME",
    "COS_ENDPOINT",
    "COS_DOMAIN",
    "COS_ADDRESS",
    "COS_CONNECT_TIMEOUT_MS",
    "COS_READ_TIMEOUT_MS",
    "COS_MAX_RETRIES",
];

fn set_env(pairs: &[(&str, &str)]) {
    for v in VARS {
        std::env::remove_var(v);
    }
    for (k, v) in pairs {
        assert!(VARS.contains(k), "{k} is not a COS_* variable of from_env");
        std::env::set_var(k, v);
    }
}

fn env_error(pairs: &[(&str, &str)], expect_in_message: &str) {
    set_env(pairs);
    let e = Config::from_env().expect_err(expect_in_message);
    assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e:?}");
    assert!(e.message().contains(expect_in_message), "{expect_in_message:?} not in {:?}", e.message());
}

#[test]
fn from_env_reads_every_cos_variable() {
    let emu = support::Emulator::start();

    // Every variable is read.
    set_env(&[
        ("COS_SECRET_ID", support::TEMP_SECRET_ID),
        ("COS_SECRET_KEY", support::TEMP_SECRET_KEY),
        ("COS_SESSION_TOKEN", support::SESSION_TOKEN),
        ("COS_REGION", "ap-guangzhou"),
        ("COS_SCHEME", "HTTP"),
        ("COS_ENDPOINT", "cos.ap-guangzhou.myqcloud.com"),
        ("COS_ADDRESS", &emu.address),
        ("COS_CONNECT_TIMEOUT_MS", "1500"),
        ("COS_READ_TIMEOUT_MS", "2500"),
        ("COS_MAX_RETRIES", "1"),
    ]);
    let c = Config::from_env().unwrap();
    assert_eq!(c.credentials.secret_id, support::TEMP_SECRET_ID);
    assert_eq!(c.credentials.secret_key, support::TEMP_SECRET_KEY);
    assert_eq!(c.credentials.session_token.as_deref(), Some(support::SESSION_TOKEN));
    assert_eq!(c.region, "ap-guangzhou");
    assert_eq!(c.scheme, cos::Scheme::Http);
    assert_eq!(c.endpoint, "cos.ap-guangzhou.myqcloud.com");
    assert_eq!(c.address.as_deref(), Some(emu.address.as_str()));
    assert_eq!(c.connect_timeout, Duration::from_millis(1500));
    assert_eq!(c.read_timeout, Duration::from_millis(2500));
    assert_eq!(c.max_retries, 1);
    assert!(c.domain.is_none());

    // ... and a client built from them works against the emulator (temporary credentials and token).
    let client = Client::from_env().unwrap();
    let bucket = support::bucket("env");
    let opts = RequestOptions::new();
    client.create_bucket(&bucket, &opts).unwrap();
    client.put_object(&bucket, "from-env", b"env data", &opts).unwrap();
    let (data, _) = client.get_object(&bucket, "from-env", &opts).unwrap();
    assert_eq!(data, b"env data");

    // Empty variables count as unset; defaults apply.
    set_env(&[
        ("COS_SECRET_ID", support::SECRET_ID),
        ("COS_SECRET_KEY", support::SECRET_KEY),
        ("COS_REGION", "ap-beijing"),
        ("COS_SESSION_TOKEN", ""),
        ("COS_SCHEME", ""),
        ("COS_MAX_RETRIES", ""),
    ]);
    let c = Config::from_env().unwrap();
    assert_eq!(c.credentials.session_token, None);
    assert_eq!(c.scheme, cos::Scheme::Https);
    assert_eq!(c.endpoint, "cos.ap-beijing.myqcloud.com");
    assert_eq!(c.max_retries, 3);
    assert!(c.address.is_none());

    // A domain from the environment is the whole host.
    set_env(&[("COS_SECRET_ID", "id"), ("COS_SECRET_KEY", "key"), ("COS_DOMAIN", "static.example.com")]);
    let c = Config::from_env().unwrap();
    assert_eq!(c.bucket_host("x-1250000000"), "static.example.com");

    // Errors name the variable or setting at fault.
    let creds = [("COS_SECRET_ID", "id"), ("COS_SECRET_KEY", "key")];
    let with = |extra: (&'static str, &'static str)| {
        let mut v = creds.to_vec();
        v.push(("COS_REGION", "ap-guangzhou"));
        v.retain(|(k, _)| *k != extra.0);
        v.push(extra);
        v
    };
    env_error(&with(("COS_MAX_RETRIES", "three")), "COS_MAX_RETRIES");
    env_error(&with(("COS_MAX_RETRIES", "-1")), "COS_MAX_RETRIES");
    env_error(&with(("COS_READ_TIMEOUT_MS", "1.5")), "COS_READ_TIMEOUT_MS");
    env_error(&with(("COS_CONNECT_TIMEOUT_MS", "soon")), "COS_CONNECT_TIMEOUT_MS");
    env_error(&with(("COS_SCHEME", "ftp")), "scheme");
    env_error(&with(("COS_REGION", "Guangzhou")), "region");
    env_error(&with(("COS_ADDRESS", "localhost")), "address");
    env_error(&creds, "region");
    env_error(&[("COS_REGION", "ap-guangzhou")], "secret");
    env_error(&[("COS_REGION", "ap-guangzhou"), ("COS_SECRET_ID", "id")], "secret");
    set_env(&[]);
    assert_eq!(Client::from_env().err().map(|e| e.kind()), Some(ErrorKind::InvalidArgument));
}
