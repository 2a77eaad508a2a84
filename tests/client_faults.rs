//! Faults the emulator does not produce, from a scripted HTTP server in the test: 5xx answers and retries,
//! truncated bodies, CRC-64 mismatches, a 200 copy answer carrying an `<Error>`, redirects, non-XML error
//! pages, malformed listings; plus what the client puts on the wire.

mod support;

use cos::{Client, ErrorKind, ListParams, RequestOptions};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A request as the scripted server received it.
#[derive(Clone, Debug)]
struct Seen {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// What the server does with the n-th request (0-based): raw bytes to write before closing.
type Script = dyn Fn(usize, &Seen) -> Vec<u8> + Send + Sync;

struct FakeServer {
    address: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl FakeServer {
    fn start(script: impl Fn(usize, &Seen) -> Vec<u8> + Send + Sync + 'static) -> FakeServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap().to_string();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        let script: Arc<Script> = Arc::new(script);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { break };
                let (log, script) = (log.clone(), script.clone());
                std::thread::spawn(move || serve(stream, &log, &*script));
            }
        });
        FakeServer { address, seen }
    }

    fn requests(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    fn client(&self, retries: u32) -> Client {
        let mut b = cos::Config::builder();
        b.region(support::REGION)
            .credentials(support::SECRET_ID, support::SECRET_KEY)
            .address(&self.address)
            .max_retries(retries)
            .read_timeout(Duration::from_secs(5));
        b.scheme("http").unwrap();
        Client::new(b.build().unwrap()).unwrap()
    }
}

/// One request per connection: read it, log it, write the scripted answer, close.
fn serve(stream: TcpStream, log: &Mutex<Vec<Seen>>, script: &Script) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return;
    }
    let mut parts = line.split_whitespace();
    let (method, target) = (parts.next().unwrap().to_string(), parts.next().unwrap().to_string());
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        reader.read_line(&mut h).unwrap();
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        let (k, v) = h.split_once(':').unwrap();
        headers.push((k.to_string(), v.trim().to_string()));
    }
    let seen = Seen { method, target, headers, body: Vec::new() };
    let len: usize = seen.header("content-length").map_or(0, |v| v.parse().unwrap());
    let mut body = vec![0; len];
    reader.read_exact(&mut body).unwrap();
    let seen = Seen { body, ..seen };
    let n = {
        let mut log = log.lock().unwrap();
        log.push(seen.clone());
        log.len() - 1
    };
    let answer = script(n, &seen);
    let mut stream = stream;
    let _ = stream.write_all(&answer);
    let _ = stream.flush();
}

/// A complete HTTP response with `Connection: close` and the given Content-Length (None: the body's).
fn response(status: &str, headers: &[(&str, &str)], body: &[u8], length: Option<usize>) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status}\r\nConnection: close\r\n");
    for (k, v) in headers {
        out += &format!("{k}: {v}\r\n");
    }
    out += &format!("Content-Length: {}\r\n\r\n", length.unwrap_or(body.len()));
    let mut out = out.into_bytes();
    out.extend_from_slice(body);
    out
}

fn error_xml(code: &str, request_id: &str) -> Vec<u8> {
    format!(
        "<?xml version='1.0' encoding='utf-8' ?>\n<Error><Code>{code}</Code><Message>scripted {code}</Message><Resource>b-1250000000.cos.ap-guangzhou.myqcloud.com/k</Resource><RequestId>{request_id}</RequestId><TraceId>trace-{request_id}</TraceId></Error>"
    )
    .into_bytes()
}

fn opts() -> RequestOptions {
    RequestOptions::new()
}

const BUCKET: &str = "b-1250000000";

#[test]
fn server_errors_are_retried_then_reported() {
    let server = FakeServer::start(|n, _| {
        let id = format!("req-{n}");
        response("503 Service Unavailable", &[("x-cos-request-id", &id)], &error_xml("SlowDown", &id), None)
    });
    let client = server.client(2);
    let e = client.get_object(BUCKET, "k", &opts()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Service);
    assert_eq!((e.http_status(), e.code()), (503, Some("SlowDown")));
    assert_eq!(e.attempts(), 3, "{e:?}");
    assert_eq!(e.request_id(), Some("req-2"), "the last attempt's error");
    assert_eq!(e.trace_id(), Some("trace-req-2"));
    assert_eq!(e.message(), "scripted SlowDown");
    assert_eq!(e.resource(), Some("b-1250000000.cos.ap-guangzhou.myqcloud.com/k"));
    let seen = server.requests();
    assert_eq!(seen.len(), 3);
    assert_eq!(seen[0].header("x-cos-sdk-retry"), None);
    assert_eq!(seen[1].header("x-cos-sdk-retry"), Some("true"));
    assert_eq!(seen[2].header("x-cos-sdk-retry"), Some("true"));
    assert!(format!("{e:?}").contains("attempts=3"));
}

#[test]
fn a_retry_can_succeed() {
    let server = FakeServer::start(|n, _| match n {
        0 => response("500 Internal Server Error", &[], &error_xml("InternalError", "r0"), None),
        _ => response("200 OK", &[("ETag", "\"x\"")], b"second time lucky", None),
    });
    let (data, info) = server.client(1).get_object(BUCKET, "k", &opts()).unwrap();
    assert_eq!(data, b"second time lucky");
    assert_eq!(info.etag(), Some("\"x\""));
    assert_eq!(server.requests().len(), 2);
    // The upload body is sent again in full on the retry.
    let server = FakeServer::start(|n, _| match n {
        0 => response("502 Bad Gateway", &[], b"", None),
        _ => response("200 OK", &[], b"", None),
    });
    server.client(1).put_object(BUCKET, "k", b"resent body", &opts()).unwrap();
    let seen = server.requests();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].body, b"resent body");
    assert_eq!(seen[1].body, b"resent body");
}

#[test]
fn client_errors_are_not_retried() {
    let server = FakeServer::start(|_, _| response("400 Bad Request", &[], &error_xml("InvalidArgument", "r"), None));
    let e = server.client(3).get_object(BUCKET, "k", &opts()).unwrap_err();
    assert_eq!((e.http_status(), e.code(), e.attempts()), (400, Some("InvalidArgument"), 1));
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn a_bodyless_refusal_keeps_the_status_and_request_id() {
    let server = FakeServer::start(|_, _| {
        response("403 Forbidden", &[("x-cos-request-id", "head-id"), ("x-cos-trace-id", "head-trace")], b"", None)
    });
    let e = server.client(0).head_object(BUCKET, "k", &opts()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Service);
    assert_eq!(e.http_status(), 403);
    assert_eq!(e.request_id(), Some("head-id"));
    assert_eq!(e.trace_id(), Some("head-trace"));
    assert_eq!(e.raw_body(), None);
    assert!(!e.message().is_empty());
    assert!(e.to_string().contains("403"), "{e}");
}

#[test]
fn a_non_xml_error_page_is_kept_raw() {
    let page = b"<html><body>502 Bad Gateway from a proxy</body></html>";
    let server = FakeServer::start(|_, _| response("502 Bad Gateway", &[("Content-Type", "text/html")], page, None));
    let e = server.client(0).get_object(BUCKET, "k", &opts()).unwrap_err();
    assert_eq!((e.kind(), e.http_status(), e.code()), (ErrorKind::Service, 502, None));
    assert_eq!(e.raw_body().map(str::as_bytes), Some(&page[..]));
    assert!(!e.message().is_empty());
}

#[test]
fn a_truncated_body_is_an_error_not_data() {
    let server =
        FakeServer::start(|_, _| response("200 OK", &[("x-cos-request-id", "trunc")], b"only ten b", Some(100)));
    let client = server.client(0);
    let started = Instant::now();
    let e = client.get_object(BUCKET, "k", &opts()).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Network | ErrorKind::Timeout), "{e:?}");
    assert_ne!(e.kind(), ErrorKind::Timeout, "the close is seen at once, not after the timeout");
    assert!(started.elapsed() < Duration::from_secs(4));

    let dir = std::env::temp_dir().join(format!("cos-client-faults-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let dest = dir.join("dest");
    assert!(client.get_object_to_file(BUCKET, "k", &dest, &opts()).is_err());
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0, "no partial or temporary file");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn crc64_mismatches_are_detected() {
    let good = cos::crc64::checksum(b"payload").to_string();
    let bad = (cos::crc64::checksum(b"payload") ^ 1).to_string();
    let server = FakeServer::start(move |_, _| {
        response("200 OK", &[("x-cos-hash-crc64ecma", &bad), ("x-cos-request-id", "crc")], b"payload", None)
    });
    let client = server.client(0);
    let e = client.get_object(BUCKET, "k", &opts()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ChecksumMismatch, "{e:?}");
    assert_eq!(e.request_id(), Some("crc"));
    let e = client.put_object(BUCKET, "k", b"payload", &opts()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ChecksumMismatch, "{e:?}");

    let dir = std::env::temp_dir().join(format!("cos-client-faults-crc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let e = client.get_object_to_file(BUCKET, "k", &dir.join("dest"), &opts()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ChecksumMismatch);
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0, "a corrupt download leaves no file");
    std::fs::remove_dir_all(&dir).unwrap();

    // Turned off, the bytes are returned as they came.
    let mut o = opts();
    o.verify_crc(false);
    assert_eq!(client.get_object(BUCKET, "k", &o).unwrap().0, b"payload");
    // A range is not checked against the whole object's CRC.
    let server = FakeServer::start(move |_, _| {
        response(
            "206 Partial Content",
            &[("x-cos-hash-crc64ecma", &good), ("Content-Range", "bytes 0-2/7")],
            b"pay",
            None,
        )
    });
    let mut o = opts();
    o.range(0, Some(2)).unwrap();
    assert_eq!(server.client(0).get_object(BUCKET, "k", &o).unwrap().0, b"pay");
}

#[test]
fn a_copy_answered_200_with_an_error_body_fails() {
    let server = FakeServer::start(|_, _| {
        response("200 OK", &[("x-cos-request-id", "copy-id")], &error_xml("InternalError", "copy-body-id"), None)
    });
    let e = server.client(2).copy_object(BUCKET, "src", BUCKET, "dst", &opts()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Service);
    assert_eq!((e.http_status(), e.code()), (200, Some("InternalError")));
    assert_eq!(e.request_id(), Some("copy-body-id"));
    assert!(e.raw_body().is_some_and(|b| b.contains("<Error>")));
    let seen = server.requests();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].header("x-cos-copy-source"), Some("b-1250000000.cos.ap-guangzhou.myqcloud.com/src"));
}

#[test]
fn redirects_are_not_followed() {
    let server =
        FakeServer::start(|_, _| response("302 Found", &[("Location", "http://127.0.0.1:1/elsewhere")], b"", None));
    let e = server.client(2).get_object(BUCKET, "k", &opts()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Service);
    assert_eq!((e.http_status(), e.code()), (302, Some("Redirect")));
    assert!(e.message().contains("elsewhere"), "{e}");
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn malformed_listings_are_parse_errors() {
    let server = FakeServer::start(|_, _| response("200 OK", &[], b"<ListBucketResult><Contents>", None));
    let e = server.client(0).list_objects(BUCKET, &ListParams::default()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Parse, "{e:?}");

    let server = FakeServer::start(|_, _| response("200 OK", &[], b"<Unexpected/>", None));
    let e = server.client(0).list_objects(BUCKET, &ListParams::default()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Parse, "{e:?}");

    // A server that claims more pages but never advances: the iterator stops with an error.
    let stuck = b"<ListBucketResult><Name>b</Name><MaxKeys>1</MaxKeys><IsTruncated>true</IsTruncated><NextMarker>a</NextMarker><Contents><Key>a</Key><Size>1</Size></Contents></ListBucketResult>";
    let server = FakeServer::start(move |_, _| response("200 OK", &[], stuck, None));
    let client = server.client(0);
    let pages: Vec<_> = client.list_objects_pages(BUCKET, ListParams::default()).take(10).collect();
    assert_eq!(pages.len(), 2, "one page, then the error");
    assert!(pages[0].is_ok());
    assert_eq!(pages[1].as_ref().unwrap_err().kind(), ErrorKind::Parse);
}

#[test]
fn what_goes_on_the_wire() {
    let server = FakeServer::start(|_, seen| {
        if seen.method == "POST" {
            let body = b"<DeleteResult><Deleted><Key>a</Key></Deleted></DeleteResult>";
            return response("200 OK", &[], body, None);
        }
        if seen.target.starts_with("/?") {
            let body = b"<ListBucketResult><Name>b</Name><EncodingType>url</EncodingType><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated></ListBucketResult>";
            return response("200 OK", &[], body, None);
        }
        response("200 OK", &[], b"", None)
    });
    let mut b = cos::Config::builder();
    b.region(support::REGION)
        .credentials(support::TEMP_SECRET_ID, support::TEMP_SECRET_KEY)
        .session_token(Some(support::SESSION_TOKEN))
        .address(&server.address)
        .user_agent("cos-tests/1");
    b.scheme("http").unwrap();
    let client = Client::new(b.build().unwrap()).unwrap();

    let mut o = opts();
    o.metadata("Color", "blue").unwrap().content_md5(true);
    client.put_object(BUCKET, "a/./b/../c d", b"wire", &o).unwrap();
    client
        .list_objects(BUCKET, &ListParams { prefix: "p q/".into(), delimiter: "/".into(), ..ListParams::default() })
        .unwrap();
    client.delete_objects(BUCKET, &["a", "x&y"], false).unwrap();

    let seen = server.requests();
    let put = &seen[0];
    assert_eq!(put.method, "PUT");
    // Dot segments are protected from URL normalisation.
    assert_eq!(put.target, "/a/.%2Fb/..%2Fc%20d");
    assert_eq!(put.header("host"), Some("b-1250000000.cos.ap-guangzhou.myqcloud.com"));
    assert_eq!(put.header("user-agent"), Some("cos-tests/1"));
    assert_eq!(put.header("x-cos-security-token"), Some(support::SESSION_TOKEN));
    assert_eq!(put.header("x-cos-meta-color"), Some("blue"));
    assert_eq!(put.header("content-md5"), Some("uJG2Krm+eBO5yXrslKYv/w=="));
    assert_eq!(put.header("content-length"), Some("4"));
    assert_eq!(put.body, b"wire");
    let auth = put.header("authorization").expect("signed");
    assert!(auth.starts_with("q-sign-algorithm=sha1&q-ak=AKIDcosEmulatorTemp&"), "{auth}");
    for signed in ["host", "x-cos-security-token", "content-md5", "x-cos-meta-color"] {
        assert!(auth.contains(signed), "{signed} is signed: {auth}");
    }
    assert!(!auth.contains(support::TEMP_SECRET_KEY));

    let list = &seen[1];
    assert_eq!(list.method, "GET");
    assert_eq!(list.target, "/?prefix=p%20q%2F&delimiter=%2F&encoding-type=url");

    let delete = &seen[2];
    assert_eq!(delete.method, "POST");
    assert_eq!(delete.target, "/?delete", "the sub-resource comes first");
    assert_eq!(
        String::from_utf8_lossy(&delete.body),
        "<Delete><Quiet>false</Quiet><Object><Key>a</Key></Object><Object><Key>x&amp;y</Key></Object></Delete>"
    );
    assert!(delete.header("content-md5").is_some());
}

/// A server that sends the headers and part of the body, then stalls for `stall`.
fn stalling_server(head: String, partial: &'static [u8], stall: Duration) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { break };
            let head = head.clone();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut line = String::new();
                while reader.read_line(&mut line).unwrap_or(0) > 0 && line != "\r\n" {
                    line.clear();
                }
                let _ = stream.write_all(head.as_bytes());
                let _ = stream.write_all(partial);
                let _ = stream.flush();
                std::thread::sleep(stall);
            });
        }
    });
    address
}

#[test]
fn a_body_that_stalls_is_a_timeout() {
    let head = "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 0-999/5000\r\nContent-Length: 1000\r\nx-cos-request-id: stall\r\n\r\n";
    let address = stalling_server(head.to_string(), b"0123456789", Duration::from_secs(3));
    let mut b = cos::Config::builder();
    b.region(support::REGION)
        .credentials(support::SECRET_ID, support::SECRET_KEY)
        .address(&address)
        .max_retries(0)
        .read_timeout(Duration::from_millis(300));
    b.scheme("http").unwrap();
    let client = Client::new(b.build().unwrap()).unwrap();
    let mut o = opts();
    o.range(0, Some(999)).unwrap();
    let started = Instant::now();
    let e = client.get_object(BUCKET, "k", &o).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e:?}");
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
    assert_eq!(e.request_id(), Some("stall"));
}

/// An error met while reading a body happened in an exchange: it reports that exchange's status and counts
/// the attempt (`attempts()` is 0 only when nothing was sent).
#[test]
fn errors_while_reading_a_body_describe_the_exchange() {
    let head = "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 0-999/5000\r\nContent-Length: 1000\r\n\r\n";
    let address = stalling_server(head.to_string(), b"0123456789", Duration::from_secs(3));
    let mut b = cos::Config::builder();
    b.region(support::REGION)
        .credentials(support::SECRET_ID, support::SECRET_KEY)
        .address(&address)
        .max_retries(0)
        .read_timeout(Duration::from_millis(300));
    b.scheme("http").unwrap();
    let mut o = opts();
    o.range(0, Some(999)).unwrap();
    let e = Client::new(b.build().unwrap()).unwrap().get_object(BUCKET, "k", &o).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e:?}");
    assert_eq!(e.attempts(), 1, "{e:?}");
    assert_eq!(e.http_status(), 206, "the status of the response whose body failed: {e:?}");

    let server = FakeServer::start(|_, _| response("200 OK", &[], b"only ten b", Some(100)));
    let e = server.client(0).get_object(BUCKET, "k", &opts()).unwrap_err();
    assert_eq!((e.kind(), e.http_status()), (ErrorKind::Network, 200), "{e:?}");
    assert_eq!(e.attempts(), 1, "{e:?}");

    let bad = (cos::crc64::checksum(b"payload") ^ 1).to_string();
    let server = FakeServer::start(move |_, _| response("200 OK", &[("x-cos-hash-crc64ecma", &bad)], b"payload", None));
    let e = server.client(0).get_object(BUCKET, "k", &opts()).unwrap_err();
    assert_eq!((e.kind(), e.http_status()), (ErrorKind::ChecksumMismatch, 200), "{e:?}");
    assert_eq!(e.attempts(), 1, "{e:?}");
}

#[test]
fn a_file_upload_is_resent_in_full_on_a_retry() {
    let server = FakeServer::start(|n, _| match n {
        0 => response("503 Service Unavailable", &[], &error_xml("SlowDown", "r0"), None),
        _ => response("200 OK", &[], b"", None),
    });
    let dir = std::env::temp_dir().join(format!("cos-client-faults-file-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("upload");
    let content: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(&path, &content).unwrap();
    server.client(1).put_object_from_file(BUCKET, "k", &path, &opts()).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    let seen = server.requests();
    assert_eq!(seen.len(), 2);
    assert!(seen[0].body == content && seen[1].body == content, "both attempts carry the whole file");
}
