//! Configuration and argument validation: bad settings are refused by `ConfigBuilder::build`, and bad
//! bucket names, empty keys and keys that normalise to `/` are refused by every operation before anything is
//! sent (a listener in the test proves that no connection was made).

mod support;

use cos::{Client, Config, ConfigBuilder, ErrorKind, ListParams, RequestOptions};
use std::io::ErrorKind as IoKind;
use std::net::TcpListener;

fn base() -> ConfigBuilder {
    let mut b = Config::builder();
    b.region(support::REGION).credentials(support::SECRET_ID, support::SECRET_KEY);
    b
}

fn assert_invalid(result: cos::Result<impl std::fmt::Debug>, what: &str) -> cos::Error {
    let e = result.expect_err(what);
    assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{what}: {e:?}");
    assert_eq!(e.http_status(), 0, "{what}");
    assert_eq!(e.attempts(), 0, "{what}: nothing may be sent");
    assert!(!e.message().is_empty(), "{what}");
    e
}

/// A client whose every connection would land on a listener owned by the test.
fn watched_client() -> (Client, TcpListener) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let mut b = base();
    b.address(&listener.local_addr().unwrap().to_string())
        .max_retries(0)
        .read_timeout(std::time::Duration::from_secs(1));
    b.scheme("http").unwrap();
    (Client::new(b.build().unwrap()).unwrap(), listener)
}

fn assert_no_connection(listener: &TcpListener) {
    match listener.accept() {
        Err(e) if e.kind() == IoKind::WouldBlock => {}
        Err(e) => panic!("accept failed: {e}"),
        Ok((_, peer)) => panic!("the client connected (from {peer}) although the request was invalid"),
    }
}

#[test]
fn defaults_are_documented_values() {
    let c = base().build().unwrap();
    assert_eq!(c.region, "ap-guangzhou");
    assert_eq!(c.scheme, cos::Scheme::Https);
    assert_eq!(c.endpoint, "cos.ap-guangzhou.myqcloud.com");
    assert_eq!(c.service_host, "service.cos.myqcloud.com");
    assert_eq!(c.max_retries, 3);
    assert_eq!(c.sign_validity, 3600);
    assert_eq!(c.clock_offset, 0);
    assert!(c.address.is_none() && c.domain.is_none());
    assert_eq!(c.bucket_host("examplebucket-1250000000"), "examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com");
    let mut b = base();
    b.domain("cdn.example.com");
    assert_eq!(b.build().unwrap().bucket_host("x-1250000000"), "cdn.example.com");
}

#[test]
fn bad_regions_are_refused() {
    for region in ["AP-GUANGZHOU", "ap_guangzhou", "-ap", "ap-", "ap guangzhou", "ap/x", "ap.guangzhou"] {
        let mut b = base();
        b.region(region);
        let e = assert_invalid(b.build(), region);
        assert!(e.message().contains("region"), "{region}: {e}");
    }
    let mut b = Config::builder();
    b.credentials("id", "key");
    assert_invalid(b.build(), "no region, endpoint or domain");
    // An endpoint alone is enough.
    b.endpoint("cos.ap-beijing.myqcloud.com");
    assert_eq!(b.build().unwrap().endpoint, "cos.ap-beijing.myqcloud.com");
}

#[test]
fn bad_credentials_are_refused() {
    for (id, key) in [
        ("", "Sk3yValue"),
        ("id", ""),
        ("", ""),
        (" id", "Sk3yValue"),
        ("id", "Sk3yValue "),
        ("id", "Sk3y\nValue"),
        ("i\td", "Sk3yValue"),
    ] {
        let mut b = base();
        b.credentials(id, key);
        let e = assert_invalid(b.build(), &format!("{id:?}/{key:?}"));
        assert!(e.message().contains("secret"), "the message names the setting: {e}");
        if !key.is_empty() {
            assert!(!format!("{e} {e:?}").contains("Sk3y"), "the error must not echo the secret key");
        }
    }
    let mut b = base();
    b.session_token(Some("tok\r\nen"));
    assert_invalid(b.build(), "token with CRLF");
}

#[test]
fn bad_scheme_endpoint_domain_and_address_are_refused() {
    assert_invalid(base().scheme("ftp").map(|_| ()), "ftp");
    assert_eq!(base().scheme("HTTP").unwrap().build().unwrap().scheme, cos::Scheme::Http);
    for endpoint in ["", "bad/host", "a b", ".leading", "trailing.", "h:80"] {
        let mut b = base();
        b.endpoint(endpoint);
        assert_invalid(b.build(), endpoint);
    }
    let mut b = base();
    b.domain("evil.com/path");
    assert_invalid(b.build(), "domain with a path");
    for address in ["127.0.0.1", "127.0.0.1 :80", "host/x:1"] {
        let mut b = base();
        b.address(address);
        assert_invalid(b.build(), address);
    }
}

#[test]
fn debug_of_a_config_hides_the_secrets() {
    let mut b = base();
    b.session_token(Some(support::SESSION_TOKEN));
    let c = b.build().unwrap();
    let text = format!("{c:?} {b:?}");
    assert!(text.contains(support::SECRET_ID), "the id is not secret");
    assert!(!text.contains(support::SECRET_KEY), "{text}");
    assert!(!text.contains(support::SESSION_TOKEN), "{text}");
}

#[test]
fn bad_bucket_names_are_refused_before_any_request() {
    let (client, listener) = watched_client();
    let opts = RequestOptions::new();
    let long = format!("{}-1250000000", "a".repeat(60));
    for bucket in [
        "",
        "Upper-1250000000",
        "under_score-1250000000",
        "-lead-1250000000",
        "trail-",
        "dot.ted-1250000000",
        "sp ace-1250000000",
        long.as_str(),
    ] {
        assert_invalid(client.create_bucket(bucket, &opts), bucket);
        assert_invalid(client.head_bucket(bucket), bucket);
        assert_invalid(client.delete_bucket(bucket), bucket);
        assert_invalid(client.put_object(bucket, "k", b"x", &opts), bucket);
        assert_invalid(client.get_object(bucket, "k", &opts), bucket);
        assert_invalid(client.head_object(bucket, "k", &opts), bucket);
        assert_invalid(client.delete_object(bucket, "k", &opts), bucket);
        assert_invalid(client.object_exists(bucket, "k"), bucket);
        assert_invalid(client.list_objects(bucket, &ListParams::default()), bucket);
        assert_invalid(client.delete_objects(bucket, &["k"], true), bucket);
        assert_invalid(client.copy_object(bucket, "k", "ok-1250000000", "k", &opts), bucket);
        assert_invalid(client.copy_object("ok-1250000000", "k", bucket, "k", &opts), bucket);
        assert_invalid(client.presign_url("GET", bucket, "k", 0, 60, &[]), bucket);
    }
    assert_no_connection(&listener);
}

/// Keys that are empty or normalise to `/` would address the bucket (a GET would become a listing).
#[test]
fn keys_normalising_to_the_bucket_are_refused_before_any_request() {
    let (client, listener) = watched_client();
    let opts = RequestOptions::new();
    let bucket = "keys-1250000000";
    let dir = std::env::temp_dir().join(format!("cos-client-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let dest = dir.join("dest");
    let src = dir.join("src");
    std::fs::write(&src, b"data").unwrap();
    for key in ["", "/", "//", ".", "..", "./", "../", "a/..", "a/b/../..", "/./", "./.", "a/../"] {
        let e = assert_invalid(client.put_object(bucket, key, b"x", &opts), key);
        assert!(e.message().contains("key"), "{key:?}: {e}");
        assert_invalid(client.get_object(bucket, key, &opts), key);
        assert_invalid(client.head_object(bucket, key, &opts), key);
        assert_invalid(client.delete_object(bucket, key, &opts), key);
        assert_invalid(client.object_exists(bucket, key), key);
        assert_invalid(client.put_object_from_file(bucket, key, &src, &opts), key);
        assert_invalid(client.put_object_from_reader(bucket, key, &mut &b"x"[..], 1, &opts), key);
        assert_invalid(client.get_object_to_writer(bucket, key, &mut Vec::new(), &opts), key);
        assert_invalid(client.get_object_to_file(bucket, key, &dest, &opts), key);
        assert_invalid(client.copy_object(bucket, key, bucket, "k", &opts), key);
        assert_invalid(client.copy_object(bucket, "k", bucket, key, &opts), key);
        assert_invalid(client.presign_url("GET", bucket, key, 0, 60, &[]), key);
    }
    assert_invalid(client.delete_objects(bucket, &["a", ""], false), "empty key in a batch");
    assert!(!dest.exists(), "a refused download must not create its file");
    assert_no_connection(&listener);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_request_options_are_refused() {
    let mut o = RequestOptions::new();
    assert_invalid(o.header("X-Injected", "a\r\nEvil: 1").map(|_| ()), "CRLF");
    assert_invalid(o.header("bad name", "v").map(|_| ()), "space in name");
    for reserved in ["Host", "authorization", "Content-Length", "x-cos-security-token"] {
        assert_invalid(o.header(reserved, "v").map(|_| ()), reserved);
    }
    assert_invalid(o.range(9, Some(3)).map(|_| ()), "backwards range");
    assert_invalid(o.metadata("", "v").map(|_| ()), "empty metadata name");
    assert_invalid(o.metadata("x-cos-meta-", "v").map(|_| ()), "prefix only");
    assert_invalid(o.response_header("x-cos-meta-a", "v").map(|_| ()), "response header");
    assert_invalid(o.metadata_directive("copy").map(|_| ()), "directive case");
    assert_invalid(o.traffic_limit(100).map(|_| ()), "traffic limit");
    assert_invalid(o.sse_customer_key(&[1; 16]).map(|_| ()), "SSE-C key length");
    assert_invalid(o.query("", "v").map(|_| ()), "empty query name");
}

#[test]
fn presign_refuses_a_bad_method() {
    let client = Client::new(base().build().unwrap()).unwrap();
    for method in ["", "G ET", "GET\r\n", "P/UT"] {
        assert_invalid(client.presign_url(method, "b-1250000000", "k", 0, 60, &[]), method);
    }
    // Nothing else is needed to sign a URL: no request is made.
    let url = client.presign_url("GET", "b-1250000000", "dir/a b.txt", 1_700_000_000, 60, &[]).unwrap();
    assert!(url.starts_with("https://b-1250000000.cos.ap-guangzhou.myqcloud.com/dir/a%20b.txt?"), "{url}");
    assert!(url.contains("q-sign-time=1700000000%3B1700000060"), "{url}");
    assert!(!url.contains(support::SECRET_KEY), "{url}");
}

/// A download destination that names no file is a caller mistake, found before the object is requested.
#[test]
fn a_download_path_naming_no_file_is_refused_before_any_request() {
    let (client, listener) = watched_client();
    for path in ["/", "..", "dir/.."] {
        let e = assert_invalid(
            client.get_object_to_file("b-1250000000", "k", std::path::Path::new(path), &RequestOptions::new()),
            path,
        );
        assert!(e.message().contains(path), "{e}");
    }
    assert_no_connection(&listener);
}
