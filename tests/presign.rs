//! Presigned URLs in full and `Authorization` values, used by a plain HTTP/1.1 client over a `TcpStream`
//! (no client library involved) against the emulator: every URL this library makes is accepted (GET, PUT with
//! a signed Content-Type, HEAD, DELETE, a bucket listing, signed response overrides and versionId, with and
//! without a session token, the host signed or not), and the emulator refuses one that expired, one whose
//! signed parameter was altered and one whose signed header is sent with another value or not at all.

mod support;

use cos::{Client, ConfigBuilder, PresignOptions};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use support::{opts, Emulator};

fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64
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

/// Sends `method url` with `headers` and `body` over a fresh connection, the URL's host as `Host`.
fn fetch(emu: &Emulator, method: &str, url: &str, headers: &[(&str, &str)], body: &[u8]) -> Reply {
    let rest = url.strip_prefix("http://").expect("an http URL");
    let slash = rest.find('/').expect("a path");
    let (host, target) = (&rest[..slash], &rest[slash..]);
    let mut stream = TcpStream::connect(&emu.address).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut head = format!("{method} {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
    for (k, v) in headers {
        head += &format!("{k}: {v}\r\n");
    }
    if method == "PUT" || method == "POST" {
        head += &format!("Content-Length: {}\r\n", body.len());
    }
    head += "\r\n";
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("end of headers");
    let text = std::str::from_utf8(&raw[..end]).unwrap();
    let mut lines = text.split("\r\n");
    let status = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
    let headers = lines
        .map(|l| {
            let (k, v) = l.split_once(':').unwrap();
            (k.trim().to_string(), v.trim().to_string())
        })
        .collect();
    Reply { status, headers, body: raw[end + 4..].to_vec() }
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

fn temporary(b: &mut ConfigBuilder) {
    b.credentials(support::TEMP_SECRET_ID, support::TEMP_SECRET_KEY).session_token(Some(support::SESSION_TOKEN));
}

fn refused(reply: &Reply, code: &str) {
    assert_eq!(reply.status, 403, "{}", reply.text());
    assert!(reply.text().contains(&format!("<Code>{code}</Code>")), "{}", reply.text());
}

/// GET, PUT with a signed Content-Type, HEAD and DELETE, with permanent and with temporary credentials.
#[test]
fn every_method_with_and_without_a_token() {
    for (tag, token) in [("perm", false), ("temp", true)] {
        let (emu, client, bucket) = setup(tag, |b| {
            if token {
                temporary(b)
            }
        });
        let key = "browser/upload 中.txt";
        let mut put = PresignOptions::new();
        put.header("Content-Type", "text/plain; charset=utf-8").unwrap().expires(600).unwrap();
        let url = client.presign("PUT", &bucket, key, &put).unwrap();
        assert_eq!(url.contains("x-cos-security-token="), token, "{url}");
        assert!(url.contains("q-header-list=content-type%3Bhost"), "{url}");

        // The signed header must be sent, with exactly the signed value.
        refused(&fetch(&emu, "PUT", &url, &[], b"no type"), "SignatureDoesNotMatch");
        refused(&fetch(&emu, "PUT", &url, &[("Content-Type", "text/html")], b"other type"), "SignatureDoesNotMatch");
        let reply = fetch(&emu, "PUT", &url, &[("Content-Type", "text/plain; charset=utf-8")], b"from a browser");
        assert_eq!(reply.status, 200, "{}", reply.text());
        let (data, info) = client.get_object(&bucket, key, &opts()).unwrap();
        assert_eq!(data, b"from a browser");
        assert_eq!(info.headers.get("content-type"), Some("text/plain; charset=utf-8"));

        let get = client.presign("GET", &bucket, key, &PresignOptions::new()).unwrap();
        let reply = fetch(&emu, "GET", &get, &[], b"");
        assert_eq!((reply.status, reply.body.as_slice()), (200, &b"from a browser"[..]), "{}", reply.text());
        let head = client.presign("HEAD", &bucket, key, &PresignOptions::new()).unwrap();
        let reply = fetch(&emu, "HEAD", &head, &[], b"");
        assert_eq!((reply.status, reply.header("content-length")), (200, Some("14")));
        // A URL is for its method only.
        refused(&fetch(&emu, "DELETE", &get, &[], b""), "SignatureDoesNotMatch");
        let delete = client.presign("DELETE", &bucket, key, &PresignOptions::new()).unwrap();
        assert_eq!(fetch(&emu, "DELETE", &delete, &[], b"").status, 204);
        assert_eq!(client.head_object(&bucket, key, &opts()).unwrap_err().http_status(), 404);
        if token {
            let swapped = get.replace(support::SESSION_TOKEN, "someOtherToken");
            assert_eq!(fetch(&emu, "GET", &swapped, &[], b"").status, 403);
        }
    }
}

/// Signed parameters reach the server and cannot be altered; the window is enforced.
#[test]
fn parameters_window_and_versions() {
    let (emu, client, bucket) = setup("params", |_| {});
    client.put_bucket_versioning(&bucket, true).unwrap();
    let first = client.put_object(&bucket, "v", b"first", &opts()).unwrap();
    client.put_object(&bucket, "v", b"second", &opts()).unwrap();
    let version = first.headers.get("x-cos-version-id").expect("a version id").to_string();

    let mut o = PresignOptions::new();
    o.param("response-content-disposition", "attachment; filename=\"a b.txt\"").unwrap();
    o.param("versionId", &version).unwrap().param("x-cos-traffic-limit", "819200").unwrap();
    let url = client.presign("GET", &bucket, "v", &o).unwrap();
    let reply = fetch(&emu, "GET", &url, &[], b"");
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.body, b"first", "the signed versionId chose the old version");
    assert_eq!(reply.header("content-disposition"), Some("attachment; filename=\"a b.txt\""));
    refused(&fetch(&emu, "GET", &url.replace("a%20b", "a%20c"), &[], b""), "SignatureDoesNotMatch");
    let without_version = url.replace(&format!("&versionId={}", cos::encode::component(&version)), "");
    assert_ne!(without_version, url);
    refused(&fetch(&emu, "GET", &without_version, &[], b""), "SignatureDoesNotMatch");

    let mut old = PresignOptions::new();
    old.start(now() - 3600).expires(60).unwrap();
    let expired = client.presign("GET", &bucket, "v", &old).unwrap();
    let reply = fetch(&emu, "GET", &expired, &[], b"");
    refused(&reply, "AccessDenied");
    assert!(reply.text().contains("Request has expired"), "{}", reply.text());
    // The default window starts a minute back, as the client's own requests, and ends `expires` from now.
    let mut short = PresignOptions::new();
    short.expires(5).unwrap();
    let url = client.presign("GET", &bucket, "v", &short).unwrap();
    let window = url.split("q-sign-time=").nth(1).unwrap().split('&').next().unwrap().replace("%3B", ";");
    let (a, b) = window.split_once(';').unwrap();
    let (a, b): (i64, i64) = (a.parse().unwrap(), b.parse().unwrap());
    assert_eq!(b - a, 65, "{window}");
    assert!((a + 60 - now()).abs() <= 2, "{window}");
    assert_eq!(fetch(&emu, "GET", &url, &[], b"").status, 200);
}

/// Host signing off, a bucket-level URL (a listing), and headers a URL cannot require.
#[test]
fn host_choice_bucket_urls_and_refusals() {
    let (emu, client, bucket) = setup("host", |_| {});
    client.put_object(&bucket, "dir/a", b"a", &opts()).unwrap();
    let mut o = PresignOptions::new();
    o.sign_host(false);
    let url = client.presign("GET", &bucket, "dir/a", &o).unwrap();
    assert!(url.contains("q-header-list=&"), "{url}");
    assert_eq!(fetch(&emu, "GET", &url, &[], b"").body, b"a");
    let signed = client.presign("GET", &bucket, "dir/a", &PresignOptions::new()).unwrap();
    assert!(signed.contains("q-header-list=host&"), "{signed}");

    let mut list = PresignOptions::new();
    list.param("prefix", "dir/").unwrap();
    let url = client.presign("GET", &bucket, "", &list).unwrap();
    assert!(url.contains(".myqcloud.com/?q-sign-algorithm"), "{url}");
    let reply = fetch(&emu, "GET", &url, &[], b"");
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert!(reply.text().contains("<Key>dir/a</Key>"), "{}", reply.text());

    let mut ua = PresignOptions::new();
    ua.header("User-Agent", "x").unwrap();
    let e = client.presign("GET", &bucket, "dir/a", &ua).unwrap_err();
    assert_eq!(e.kind(), cos::ErrorKind::InvalidArgument);
    assert!(e.message().contains("\"User-Agent\""), "{e}");
    for (method, key) in [("G-T", "k"), ("GET", ".")] {
        let e = client.presign(method, &bucket, key, &PresignOptions::new()).unwrap_err();
        assert_eq!(e.kind(), cos::ErrorKind::InvalidArgument, "{method} {key}");
    }
    assert_eq!(PresignOptions::new().expires(0).unwrap_err().kind(), cos::ErrorKind::InvalidArgument);

    // The unsigned URL names the same resource and is refused for a private object.
    let plain = client.object_url(&bucket, "dir/a").unwrap();
    assert_eq!(plain, signed.split('?').next().unwrap());
    refused(&fetch(&emu, "GET", &plain, &[], b""), "AccessDenied");
}

/// An Authorization value made for another HTTP stack: accepted with the headers it signed, refused when
/// one of them changes; unsigned headers may change freely.
#[test]
fn authorization_for_an_own_http_stack() {
    for (tag, token) in [("auth", false), ("authtemp", true)] {
        let (emu, client, bucket) = setup(tag, |b| {
            if token {
                temporary(b)
            }
        });
        let host = format!("{bucket}.cos.ap-guangzhou.myqcloud.com");
        let mut o = PresignOptions::new();
        o.header("Content-Type", "application/json").unwrap().header("x-cos-meta-origin", "own-stack").unwrap();
        o.header("User-Agent", "my-http/1.0").unwrap();
        if token {
            o.header("x-cos-security-token", support::SESSION_TOKEN).unwrap();
        }
        let auth = client.authorization("PUT", &bucket, "own.json", &o).unwrap();
        assert!(auth.contains("q-header-list=content-type;host;x-cos-meta-origin"), "{auth}");
        let url = format!("http://{host}/own.json");
        let mut headers = vec![
            ("Authorization", auth.as_str()),
            ("Content-Type", "application/json"),
            ("x-cos-meta-origin", "own-stack"),
            ("User-Agent", "another/2.0"),
        ];
        if token {
            headers.push(("x-cos-security-token", support::SESSION_TOKEN));
        }
        let reply = fetch(&emu, "PUT", &url, &headers, b"{}");
        assert_eq!(reply.status, 200, "{}", reply.text());
        assert_eq!(client.head_object(&bucket, "own.json", &opts()).unwrap().meta("origin"), Some("own-stack"));
        headers[2].1 = "tampered";
        refused(&fetch(&emu, "PUT", &url, &headers, b"{}"), "SignatureDoesNotMatch");
    }
}

/// The Python SDK's own presigned URLs (with Params, Headers and a session token passed as its users pass
/// it) are accepted by the emulator too, and refused once altered: the peer's side of the same contract.
#[test]
fn the_python_sdks_presigned_urls_are_accepted() {
    let (emu, client, bucket) = setup("pysdk", |_| {});
    client.put_object(&bucket, "py.txt", b"for python", &opts()).unwrap();
    let script = r#"
import sys
from qcloud_cos import CosConfig, CosS3Client
bucket, sid, skey, tsid, tskey, token = sys.argv[1:7]
c = CosS3Client(CosConfig(Region="ap-guangzhou", SecretId=sid, SecretKey=skey, Scheme="http"))
t = CosS3Client(CosConfig(Region="ap-guangzhou", SecretId=tsid, SecretKey=tskey, Token=token, Scheme="http"))
print(c.get_presigned_url(Bucket=bucket, Key="py.txt", Method="GET",
                          Params={"response-content-disposition": 'attachment; filename="a b.txt"'}))
print(c.get_presigned_url(Bucket=bucket, Key="py-put.txt", Method="PUT", Headers={"Content-Type": "text/plain"}))
print(t.get_presigned_url(Bucket=bucket, Key="py.txt", Method="GET", Params={"x-cos-security-token": token}))
"#;
    let out = std::process::Command::new(support::python())
        .args(["-c", script, &bucket, support::SECRET_ID, support::SECRET_KEY])
        .args([support::TEMP_SECRET_ID, support::TEMP_SECRET_KEY, support::SESSION_TOKEN])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    let urls: Vec<&str> = text.lines().collect();
    assert_eq!(urls.len(), 3, "{text}");
    let get = fetch(&emu, "GET", urls[0], &[], b"");
    assert_eq!((get.status, get.body.as_slice()), (200, &b"for python"[..]), "{}", get.text());
    assert_eq!(get.header("content-disposition"), Some("attachment; filename=\"a b.txt\""));
    refused(&fetch(&emu, "GET", &urls[0].replace("a+b", "a+c"), &[], b""), "SignatureDoesNotMatch");
    let put = fetch(&emu, "PUT", urls[1], &[("Content-Type", "text/plain")], b"put by a URL from python");
    assert_eq!(put.status, 200, "{}", put.text());
    refused(&fetch(&emu, "PUT", urls[1], &[("Content-Type", "text/html")], b"x"), "SignatureDoesNotMatch");
    assert_eq!(client.get_object(&bucket, "py-put.txt", &opts()).unwrap().0, b"put by a URL from python");
    let temp = fetch(&emu, "GET", urls[2], &[], b"");
    assert_eq!((temp.status, temp.body.as_slice()), (200, &b"for python"[..]), "{}", temp.text());
}
