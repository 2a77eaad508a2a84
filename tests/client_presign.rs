//! Presigned URLs, fetched with a raw HTTP/1.1 request over a `TcpStream` (no client library involved), so
//! the URL alone must carry everything the server needs.

mod support;

use cos::{Client, ConfigBuilder, RequestOptions};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use support::Emulator;

const HOST_SUFFIX: &str = ".cos.ap-guangzhou.myqcloud.com";

fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64
}

fn opts() -> RequestOptions {
    RequestOptions::new()
}

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Splits `http://host/path?query` into (host, path-and-query).
fn split_url(url: &str) -> (&str, &str) {
    let rest = url.strip_prefix("http://").expect("an http URL");
    let slash = rest.find('/').expect("a path");
    (&rest[..slash], &rest[slash..])
}

/// Sends `method url` with `body` to the emulator over a fresh connection, with the URL's host as `Host`.
fn fetch(emu: &Emulator, method: &str, url: &str, body: &[u8]) -> Reply {
    let (host, target) = split_url(url);
    let mut stream = TcpStream::connect(&emu.address).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut head = format!("{method} {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
    if method == "PUT" || method == "POST" {
        head += &format!("Content-Length: {}\r\n", body.len());
    }
    head += "\r\n";
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    parse_reply(&raw, method == "HEAD")
}

fn parse_reply(raw: &[u8], head: bool) -> Reply {
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("end of headers");
    let text = std::str::from_utf8(&raw[..end]).unwrap();
    let mut lines = text.split("\r\n");
    let status_line = lines.next().unwrap();
    let status: u16 = status_line.split(' ').nth(1).unwrap().parse().unwrap();
    let headers: Vec<(String, String)> = lines
        .map(|l| {
            let (k, v) = l.split_once(':').unwrap();
            (k.trim().to_string(), v.trim().to_string())
        })
        .collect();
    let mut body = raw[end + 4..].to_vec();
    if !head {
        if let Some(len) = headers.iter().find(|(k, _)| k.eq_ignore_ascii_case("content-length")) {
            let len: usize = len.1.parse().unwrap();
            assert_eq!(body.len(), len, "the whole body arrived");
            body.truncate(len);
        }
    }
    Reply { status, headers, body }
}

fn setup(tag: &str, adjust: impl FnOnce(&mut ConfigBuilder)) -> (Emulator, Client, String) {
    let emu = Emulator::start();
    let mut b = emu.config();
    adjust(&mut b);
    let client = Client::new(b.build().unwrap()).unwrap();
    let bucket = support::bucket(tag);
    client.create_bucket(&bucket, &opts()).unwrap();
    (emu, client, bucket)
}

fn assert_refused(reply: &Reply, code: &str) {
    assert_eq!(reply.status, 403, "{}", reply.text());
    assert!(reply.text().contains(&format!("<Code>{code}</Code>")), "{}", reply.text());
}

#[test]
fn presigned_get_works() {
    let (emu, client, bucket) = setup("get", |_| {});
    let key = "dir/with space/中文+%.txt";
    client.put_object(&bucket, key, b"presigned body", &opts()).unwrap();
    let url = client.presign_url("GET", &bucket, key, now(), 600, &[]).unwrap();
    let (host, target) = split_url(&url);
    assert_eq!(host, format!("{bucket}{HOST_SUFFIX}"));
    assert!(target.starts_with("/dir/with%20space/"), "{target}");
    assert!(url.contains("q-sign-algorithm=sha1") && url.contains("q-signature="), "{url}");
    assert!(!url.contains("x-cos-security-token"), "{url}");
    let reply = fetch(&emu, "GET", &url, b"");
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.body, b"presigned body");
    assert_eq!(
        reply.header("x-cos-hash-crc64ecma"),
        Some(cos::crc64::checksum(b"presigned body").to_string().as_str())
    );

    // The same URL for another key, or another method, is refused.
    let other = url.replacen("/dir/with%20space/", "/dir/other/", 1);
    assert_refused(&fetch(&emu, "GET", &other, b""), "SignatureDoesNotMatch");
    let reply = fetch(&emu, "PUT", &url, b"overwrite");
    assert_refused(&reply, "SignatureDoesNotMatch");
    assert_eq!(client.get_object(&bucket, key, &opts()).unwrap().0, b"presigned body");
    // HEAD needs its own URL.
    let head_url = client.presign_url("HEAD", &bucket, key, now(), 600, &[]).unwrap();
    let reply = fetch(&emu, "HEAD", &head_url, b"");
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-length"), Some("14"));
}

#[test]
fn presigned_put_works() {
    let (emu, client, bucket) = setup("put", |_| {});
    let url = client.presign_url("PUT", &bucket, "uploaded/../x y", now(), 600, &[]).unwrap();
    let reply = fetch(&emu, "PUT", &url, b"sent without the client");
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(
        reply.header("x-cos-hash-crc64ecma"),
        Some(cos::crc64::checksum(b"sent without the client").to_string().as_str())
    );
    let (data, _) = client.get_object(&bucket, "uploaded/../x y", &opts()).unwrap();
    assert_eq!(data, b"sent without the client");
}

#[test]
fn presigned_parameters_are_signed() {
    let (emu, client, bucket) = setup("params", |_| {});
    client.put_object(&bucket, "p", b"params", &opts()).unwrap();
    let params = vec![("response-content-type".to_string(), "application/x-presigned".to_string())];
    let url = client.presign_url("GET", &bucket, "p", now(), 600, &params).unwrap();
    assert!(url.contains("response-content-type=application%2Fx-presigned"), "{url}");
    let reply = fetch(&emu, "GET", &url, b"");
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.header("content-type"), Some("application/x-presigned"));
    assert_eq!(reply.body, b"params");

    let tampered = url.replace("x-presigned", "x-tampered");
    assert_refused(&fetch(&emu, "GET", &tampered, b""), "SignatureDoesNotMatch");
}

#[test]
fn presigned_urls_carry_the_session_token() {
    let (emu, client, bucket) = setup("token", |b| {
        b.credentials(support::TEMP_SECRET_ID, support::TEMP_SECRET_KEY).session_token(Some(support::SESSION_TOKEN));
    });
    client.put_object(&bucket, "t", b"token body", &opts()).unwrap();
    let url = client.presign_url("GET", &bucket, "t", now(), 600, &[]).unwrap();
    assert!(url.contains(&format!("x-cos-security-token={}", support::SESSION_TOKEN)), "{url}");
    assert!(url.contains(&format!("q-ak={}", support::TEMP_SECRET_ID)), "{url}");
    assert!(!url.contains(support::TEMP_SECRET_KEY), "{url}");
    let reply = fetch(&emu, "GET", &url, b"");
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.body, b"token body");

    // The token is signed: swapping it breaks the URL.
    let swapped = url.replace(support::SESSION_TOKEN, "someOtherToken");
    assert_eq!(fetch(&emu, "GET", &swapped, b"").status, 403);
    let put = client.presign_url("PUT", &bucket, "t2", now(), 600, &[]).unwrap();
    assert_eq!(fetch(&emu, "PUT", &put, b"via token").status, 200);
    assert_eq!(client.get_object(&bucket, "t2", &opts()).unwrap().0, b"via token");
}

#[test]
fn presigned_urls_expire() {
    let (emu, client, bucket) = setup("expire", |_| {});
    client.put_object(&bucket, "e", b"expiring", &opts()).unwrap();
    let expired = client.presign_url("GET", &bucket, "e", now() - 3600, 60, &[]).unwrap();
    let reply = fetch(&emu, "GET", &expired, b"");
    assert_refused(&reply, "AccessDenied");
    assert!(reply.text().contains("Request has expired"), "{}", reply.text());
    assert_ne!(reply.body, b"expiring");

    let future = client.presign_url("GET", &bucket, "e", now() + 3600, 60, &[]).unwrap();
    assert_refused(&fetch(&emu, "GET", &future, b""), "AccessDenied");

    let put = client.presign_url("PUT", &bucket, "e", now() - 3600, 60, &[]).unwrap();
    assert_eq!(fetch(&emu, "PUT", &put, b"late").status, 403);
    assert_eq!(client.get_object(&bucket, "e", &opts()).unwrap().0, b"expiring");

    // A URL signed by someone else's key.
    let mut b = emu.config();
    b.credentials(support::SECRET_ID, "notTheKey");
    let forger = Client::new(b.build().unwrap()).unwrap();
    let forged = forger.presign_url("GET", &bucket, "e", now(), 600, &[]).unwrap();
    assert_refused(&fetch(&emu, "GET", &forged, b""), "SignatureDoesNotMatch");
}
