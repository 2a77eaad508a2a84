//! Requests through a real HTTP proxy (squid, tests/support/squid.rs) to the emulator: http in absolute
//! form, https through CONNECT to the emulator serving TLS with a private CA, Basic credentials right,
//! wrong and missing (407 is a proxy error, not a COS error, and the password is in no message), NO_PROXY
//! bypassing a proxy that is not there, and a dead proxy. The proxy's access log proves each request went
//! through it. From C too (`tests/c/proxy.c`).

#[path = "c/cbuild.rs"]
mod cbuild;
mod support;

use cos::{Client, ConfigBuilder, ErrorKind, ListParams, RequestOptions};
use std::time::Duration;
use support::{Emulator, Pki, Squid, REGION, SECRET_ID, SECRET_KEY};

const BUCKET: &str = "proxied-1250000000";

fn bucket_host() -> String {
    format!("{BUCKET}.cos.{REGION}.myqcloud.com")
}

fn config(address: &str, https: bool) -> ConfigBuilder {
    let mut b = cos::Config::builder();
    b.region(REGION).credentials(SECRET_ID, SECRET_KEY).address(address).max_retries(1);
    b.connect_timeout(Duration::from_secs(5)).read_timeout(Duration::from_secs(10));
    b.scheme(if https { "https" } else { "http" }).unwrap();
    b
}

fn round_trip(client: &Client, what: &str) {
    let o = RequestOptions::new();
    if let Err(e) = client.create_bucket(BUCKET, &o) {
        assert_eq!(e.code(), Some("BucketAlreadyOwnedByYou"), "{what}: {e:?}");
    }
    client.put_object(BUCKET, "k", b"via the proxy", &o).unwrap();
    assert_eq!(client.get_object(BUCKET, "k", &o).unwrap().0, b"via the proxy", "{what}");
    assert_eq!(client.list_objects(BUCKET, &ListParams::default()).unwrap().objects.len(), 1, "{what}");
}

#[test]
fn http_goes_through_the_proxy_in_absolute_form() {
    let emu = Emulator::start();
    let squid = Squid::start(&[&bucket_host()], None);
    let mut b = config(&emu.address, false);
    b.proxy(Some(&squid.url(None)));
    round_trip(&Client::new(b.build().unwrap()).unwrap(), "http via squid");
    let port = emu.port();
    let log = squid.wait_logged(&format!("GET http://{}:{port}/k", bucket_host()));
    assert!(log.contains(&format!("PUT http://{}:{port}/k", bucket_host())), "{log}");
    assert!(log.contains(&format!("GET http://{}:{port}/k", bucket_host())), "{log}");
    assert_eq!(emu.stats().method("PUT"), 2, "the bucket and the object reached the emulator");
}

#[test]
fn https_goes_through_a_connect_tunnel() {
    let pki = Pki::new();
    let emu = pki.emulator(&pki.good);
    let squid = Squid::start(&[&bucket_host()], None);
    let mut b = config(&emu.address, true);
    b.proxy(Some(&squid.url(None))).ca_file(&pki.ca);
    round_trip(&Client::new(b.build().unwrap()).unwrap(), "https via squid");
    let log = squid.wait_logged("CONNECT");
    assert!(log.contains(&format!("CONNECT {}:{}", bucket_host(), emu.port())), "{log}");
    // One tunnel carries every request: the client pools it like a direct connection.
    assert_eq!(log.matches("CONNECT").count(), 1, "{log}");
}

#[test]
fn basic_credentials_right_wrong_and_missing() {
    let emu = Emulator::start();
    let squid = Squid::start(&[&bucket_host()], Some(("alice", "s3cr%t")));
    let client_with = |url: String| {
        let mut b = config(&emu.address, false);
        b.proxy(Some(&url));
        Client::new(b.build().unwrap()).unwrap()
    };
    // The password in the URL is percent-encoded, as curl takes it.
    round_trip(&client_with(format!("http://alice:s3cr%25t@127.0.0.1:{}", squid.port)), "right password");
    for (url, what) in [
        (format!("http://alice:wrong-pass@127.0.0.1:{}", squid.port), "wrong password"),
        (squid.url(None), "no credentials"),
    ] {
        let e = client_with(url).head_bucket(BUCKET).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Proxy, "{what}: {e:?}");
        assert_eq!(e.http_status(), 407, "{what}");
        assert_eq!(e.code(), None, "{what}: not a COS error");
        assert!(e.message().contains("proxy authentication required"), "{what}: {e}");
        assert!(!format!("{e:?}").contains("wrong-pass"), "{what}: the password leaked: {e:?}");
        assert_eq!(e.attempts(), 1, "{what}: a 407 is not retried");
    }
    // And through CONNECT: squid answers the CONNECT itself with 407.
    let mut b = config(&emu.address, true);
    b.proxy(Some(&format!("http://alice:nope@127.0.0.1:{}", squid.port)));
    let e = Client::new(b.build().unwrap()).unwrap().head_bucket(BUCKET).unwrap_err();
    assert_eq!((e.kind(), e.http_status()), (ErrorKind::Proxy, 407), "{e:?}");
    assert!(e.message().contains("CONNECT"), "{e}");
}

#[test]
fn no_proxy_goes_direct_and_a_dead_proxy_is_named() {
    let emu = Emulator::start();
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut b = config(&emu.address, false);
    b.proxy(Some(&format!("http://127.0.0.1:{dead}"))).no_proxy(&format!(".cos.{REGION}.myqcloud.com"));
    round_trip(&Client::new(b.build().unwrap()).unwrap(), "bypassed");
    b.no_proxy("example.com");
    let e = Client::new(b.build().unwrap()).unwrap().head_bucket(BUCKET).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Network, "{e:?}");
    assert!(e.message().contains(&format!("proxy 127.0.0.1:{dead}")), "{e}");
    b.no_proxy("*");
    round_trip(&Client::new(b.build().unwrap()).unwrap(), "NO_PROXY=*");
}

#[test]
fn the_proxy_s_own_error_pages_are_proxy_errors() {
    // Nothing listens at the target: squid answers 503 itself, to the absolute-form GET with its HTML error
    // page and to the CONNECT. Neither is a COS error, and both name the proxy.
    let squid = Squid::start(&[&bucket_host()], None);
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    for https in [false, true] {
        let mut b = config(&format!("127.0.0.1:{dead}"), https);
        b.proxy(Some(&squid.url(None)));
        let e = Client::new(b.build().unwrap()).unwrap().head_bucket(BUCKET).unwrap_err();
        assert_eq!((e.kind(), e.http_status(), e.code()), (ErrorKind::Proxy, 503, None), "https {https}: {e:?}");
        assert!(e.message().contains(&format!("proxy 127.0.0.1:{}", squid.port)), "{e}");
        assert!(e.message().contains("HTTP 503"), "{e}");
        assert_eq!(e.attempts(), 1, "a proxy error is not retried");
    }
    let log = squid.wait_logged("CONNECT");
    assert!(log.contains(&format!("HEAD http://{}:{dead}/", bucket_host())), "{log}");
    assert!(log.contains(&format!("CONNECT {}:{dead}", bucket_host())), "{log}");
}

/// `tests/c/proxy.c`: the proxy setters through the header, a GET through squid and a 407.
#[test]
fn proxy_from_c() {
    let emu = Emulator::start();
    let squid = Squid::start(&[&bucket_host()], Some(("bob", "pw")));
    let out = cbuild::out_dir("proxy");
    let exe = cbuild::Build::C_ASAN.compile(&cbuild::root().join("tests/c/proxy.c"), &out);
    let mut env = cbuild::cos_env(&emu.address, SECRET_ID, SECRET_KEY);
    env.extend(cbuild::sanitizer_env());
    let args = [squid.url(Some(("bob", "pw"))), squid.url(Some(("bob", "bad")))];
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = cbuild::run(&[], &exe, &args, &env, Duration::from_secs(120));
    run.assert_success("proxy.c").assert_line("proxy.c", "proxy: ");
    assert!(squid.wait_logged("GET http://").contains(&format!("GET http://{}:{}/c", bucket_host(), emu.port())));
}
