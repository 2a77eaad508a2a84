//! https end to end on loopback: the emulator serves TLS with a certificate from a private CA made for the
//! test (tests/support/tls.rs). Given the CA (file, directory, PEM buffer) the client works; with the
//! compiled-in roots it refuses the server, as it refuses a certificate for another host — TLS errors,
//! never retried. `SSL_CERT_FILE` / `SSL_CERT_DIR` and the system store are covered from C
//! (`tests/c/tls.c`, run by `tls_from_c` below) where each run has an environment of its own.

#[path = "c/cbuild.rs"]
mod cbuild;
mod support;

use cos::{Client, ConfigBuilder, ErrorKind, ListParams, RequestOptions};
use std::time::Duration;
use support::{Pki, REGION, SECRET_ID, SECRET_KEY};

const BUCKET: &str = "tls-1250000000";

/// An https configuration for the emulator at `address` with no trust settings.
fn https_config(address: &str) -> ConfigBuilder {
    let mut b = cos::Config::builder();
    b.region(REGION).credentials(SECRET_ID, SECRET_KEY).address(address).max_retries(2);
    b.scheme("https").unwrap();
    b
}

fn round_trip(client: &Client, what: &str) {
    let o = RequestOptions::new();
    let _ = client.create_bucket(BUCKET, &o);
    client.put_object(BUCKET, "k", b"over tls", &o).unwrap_or_else(|e| panic!("{what}: {e:?}"));
    assert_eq!(client.get_object(BUCKET, "k", &o).unwrap().0, b"over tls", "{what}");
    let listed = client.list_objects(BUCKET, &ListParams::default()).unwrap();
    assert_eq!(listed.objects.len(), 1, "{what}");
    assert!(client.list_buckets().unwrap().buckets.iter().any(|b| b.name == BUCKET), "{what}: the service host");
}

#[test]
fn a_private_ca_works_when_given() {
    let pki = Pki::new();
    let emu = pki.emulator(&pki.good);
    let mut b = https_config(&emu.address);
    b.ca_file(&pki.ca);
    round_trip(&Client::new(b.build().unwrap()).unwrap(), "CA file");

    let mut b = https_config(&emu.address);
    b.ca_pem(&std::fs::read(&pki.ca).unwrap()).unwrap();
    round_trip(&Client::new(b.build().unwrap()).unwrap(), "PEM buffer");

    let dir = pki.dir.path("cadir");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(&pki.ca, dir.join("ca.pem")).unwrap();
    std::fs::write(dir.join("README"), "not a certificate").unwrap();
    let mut b = https_config(&emu.address);
    b.ca_dir(&dir);
    round_trip(&Client::new(b.build().unwrap()).unwrap(), "CA directory");
    // The emulator saw every one of those requests: they went through the TLS front.
    assert!(emu.stats().requests >= 12, "{:?}", emu.stats());
}

#[test]
fn without_the_ca_the_server_is_refused_and_not_retried() {
    let pki = Pki::new();
    let emu = pki.emulator(&pki.good);
    let client = Client::new(https_config(&emu.address).build().unwrap()).unwrap();
    let e = client.put_object(BUCKET, "k", b"x", &RequestOptions::new()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Tls, "{e:?}");
    assert!(e.message().contains("certificate"), "{e}");
    assert_eq!(e.attempts(), 1, "a TLS failure is not retried: {e:?}");
    assert_eq!(emu.stats().requests, 0, "nothing reached the server");
}

#[test]
fn a_certificate_for_another_host_is_refused() {
    let pki = Pki::new();
    let emu = pki.emulator(&pki.wrong_host);
    let mut b = https_config(&emu.address);
    b.ca_file(&pki.ca);
    let client = Client::new(b.build().unwrap()).unwrap();
    let e = client.head_bucket(BUCKET).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Tls, "{e:?}");
    assert!(e.message().contains("certificate"), "{e}");
}

#[test]
fn bad_trust_settings_are_named() {
    let pki = Pki::new();
    let e = https_config("127.0.0.1:1").ca_pem(b"-----BEGIN NOTHING-----\n").map(drop).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e}");
    let missing = pki.dir.path("missing.pem");
    let mut b = https_config("127.0.0.1:1");
    b.ca_file(&missing);
    let e = Client::new(b.build().unwrap()).map(drop).unwrap_err();
    assert!(e.message().contains("missing.pem"), "{e}");
    let mut b = https_config("127.0.0.1:1");
    b.ca_file(&pki.good.1); // a key, not a certificate
    let e = Client::new(b.build().unwrap()).map(drop).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e}");
    assert!(e.message().contains("no PEM certificate"), "{e}");
    let empty = pki.dir.path("empty-dir");
    std::fs::create_dir_all(&empty).unwrap();
    let mut b = https_config("127.0.0.1:1");
    b.ca_dir(&empty);
    let e = Client::new(b.build().unwrap()).map(drop).unwrap_err();
    assert!(e.message().contains("holds no PEM certificate"), "{e}");
}

/// `tests/c/tls.c` through the header: `SSL_CERT_FILE` (run "file") and `SSL_CERT_DIR` (run "dir") read by
/// `cos_client_new_from_env`, the system store following `SSL_CERT_FILE`, the PEM buffer and CA file
/// setters, clearing trust, and the errors. Also under ASan/UBSan.
#[test]
fn tls_from_c() {
    let pki = Pki::new();
    let emu = pki.emulator(&pki.good);
    let dir = pki.dir.path("cadir");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(&pki.ca, dir.join("ca.pem")).unwrap();
    let out = cbuild::out_dir("tls");
    let src = cbuild::root().join("tests/c/tls.c");
    for build in [cbuild::Build::C_DYNAMIC, cbuild::Build::C_ASAN] {
        let exe = build.compile(&src, &out);
        for (mode, var, value) in [("file", "SSL_CERT_FILE", &pki.ca), ("dir", "SSL_CERT_DIR", &dir)] {
            let mut env = cbuild::cos_env(&emu.address, SECRET_ID, SECRET_KEY);
            env.retain(|(k, _)| k != "COS_SCHEME");
            env.push(("COS_SCHEME".into(), "https".into()));
            env.push((var.into(), value.display().to_string()));
            if build.sanitize {
                env.extend(cbuild::sanitizer_env());
            }
            let what = format!("tls.c {mode} ({})", build.tag());
            let args = [mode, pki.ca.to_str().unwrap()];
            // The program unsets the other variable, which it may have inherited from this machine.
            let run = cbuild::run(&[], &exe, &args, &env, Duration::from_secs(120));
            run.assert_success(&what).assert_line(&what, "tls: ");
        }
    }
}
