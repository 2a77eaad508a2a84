//! Request options reach the wire on every call that takes them: Content-MD5 on every upload path (single
//! PUTs from a reader, parts from a file or a reader, the parts of `upload_file` and `upload_from_reader`),
//! and the emulator rejecting a body that does not match it. What the client sends is read from a relay
//! that records each connection's request heads, so a header "silently dropped" cannot pass.

mod support;

use base64::Engine;
use cos::{Body, ErrorKind, RequestOptions, TransferOptions};
use md5::{Digest, Md5};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use support::{data, Fixture, TempDir};

/// The bytes one connection sent upstream.
type Sent = Arc<Mutex<Vec<u8>>>;

/// A TCP relay to the emulator that keeps every byte each connection sent upstream.
struct Recorder {
    address: String,
    connections: Arc<Mutex<Vec<Sent>>>,
}

impl Recorder {
    fn start(target: &str) -> Recorder {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap().to_string();
        let connections: Arc<Mutex<Vec<Sent>>> = Arc::default();
        let (all, target) = (connections.clone(), target.to_string());
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(mut client) = client else { return };
                let Ok(mut server) = TcpStream::connect(&target) else { return };
                let seen = Arc::new(Mutex::new(Vec::new()));
                all.lock().unwrap().push(seen.clone());
                let (mut c2, mut s2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut s2, &mut c2);
                    let _ = c2.shutdown(std::net::Shutdown::Write);
                });
                std::thread::spawn(move || {
                    let mut buf = [0u8; 64 * 1024];
                    while let Ok(n) = client.read(&mut buf) {
                        if n == 0 || server.write_all(&buf[..n]).is_err() {
                            break;
                        }
                        seen.lock().unwrap().extend_from_slice(&buf[..n]);
                    }
                    let _ = server.shutdown(std::net::Shutdown::Write);
                });
            }
        });
        Recorder { address, connections }
    }

    /// Every request head sent so far (request line and headers, lower-cased), one string per request.
    fn heads(&self) -> Vec<String> {
        let mut heads = Vec::new();
        for conn in self.connections.lock().unwrap().iter() {
            let bytes = conn.lock().unwrap().clone();
            // Requests follow each other on a connection: a head, then Content-Length bytes of body.
            let mut at = 0;
            while let Some(end) = bytes[at..].windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&bytes[at..at + end]).to_ascii_lowercase();
                let len: usize = header(&head, "content-length").map_or(0, |v| v.trim().parse().unwrap());
                heads.push(head);
                at += end + 4 + len;
                if at >= bytes.len() {
                    break;
                }
            }
        }
        heads
    }

    /// The heads whose request line starts with `prefix` (e.g. "put /key?partnumber").
    fn matching(&self, prefix: &str) -> Vec<String> {
        self.heads().into_iter().filter(|h| h.starts_with(prefix)).collect()
    }
}

fn md5_of(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(Md5::digest(bytes))
}

fn header<'h>(head: &'h str, name: &str) -> Option<&'h str> {
    head.lines().find_map(|l| l.strip_prefix(&format!("{name}: ")))
}

fn md5_on() -> RequestOptions {
    let mut o = RequestOptions::new();
    o.content_md5(true);
    o
}

fn recorded(tag: &str) -> (Fixture, Recorder, cos::Client) {
    let f = Fixture::new(tag);
    let rec = Recorder::start(&f.emu.address);
    let mut b = f.emu.config();
    b.address(&rec.address);
    let client = cos::Client::new(b.build().unwrap()).unwrap();
    (f, rec, client)
}

#[test]
fn put_object_from_reader_sends_the_content_md5_of_its_body() {
    let (f, rec, client) = recorded("md5-reader");
    let body = data(300_000, 1);
    client.put_object_from_reader(&f.bucket, "with", &mut &body[..], body.len() as u64, &md5_on()).unwrap();
    client
        .put_object_from_reader(&f.bucket, "without", &mut &body[..], body.len() as u64, &RequestOptions::new())
        .unwrap();
    let with = rec.matching("put /with ");
    assert_eq!(with.len(), 1, "{with:?}");
    assert_eq!(header(&with[0], "content-md5"), Some(md5_of(&body).to_ascii_lowercase().as_str()));
    let without = rec.matching("put /without ");
    assert_eq!(header(&without[0], "content-md5"), None, "off by default");
    assert_eq!(f.get("with"), body);
}

#[test]
fn a_reader_body_too_large_to_buffer_for_its_md5_is_refused_before_anything_is_read() {
    let f = Fixture::new("md5-huge");
    let mut reader = std::io::repeat(b'x').take(1);
    let len = 300 << 20;
    let e = f.client.put_object_from_reader(&f.bucket, "huge", &mut reader, len, &md5_on()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e:?}");
    assert!(e.message().contains("put_object_from_reader") && e.message().contains("Content-MD5"), "{e:?}");
    assert_eq!(reader.limit(), 1, "nothing was read");
}

#[test]
fn parts_from_files_and_readers_carry_their_content_md5() {
    let (f, rec, client) = recorded("md5-parts");
    let dir = TempDir::new("md5-parts");
    let whole = data(3 << 20, 2);
    let path = dir.file("src", &whole);
    let id = client.create_multipart_upload(&f.bucket, "obj", &RequestOptions::new()).unwrap();
    let p1 = client.upload_part_from_file(&f.bucket, "obj", &id, 1, &path, 0, 1 << 20, &md5_on()).unwrap();
    let mut rest = &whole[1 << 20..];
    let body = Body::Reader { reader: &mut rest, len: (2 << 20) as u64 };
    let p2 = client.upload_part(&f.bucket, "obj", &id, 2, body, &md5_on()).unwrap();
    client.complete_multipart_upload(&f.bucket, "obj", &id, &[p1, p2], &RequestOptions::new()).unwrap();
    assert_eq!(f.get("obj"), whole);
    let parts = rec.matching("put /obj?partnumber=");
    assert_eq!(parts.len(), 2, "{parts:?}");
    for (head, bytes) in parts.iter().zip([&whole[..1 << 20], &whole[1 << 20..]]) {
        assert_eq!(header(head, "content-md5"), Some(md5_of(bytes).to_ascii_lowercase().as_str()), "{head}");
    }
}

#[test]
fn every_part_of_the_managed_uploads_carries_its_content_md5() {
    let (f, rec, client) = recorded("md5-transfer");
    let dir = TempDir::new("md5-transfer");
    let whole = data((5 << 20) / 2, 3);
    let path = dir.file("src", &whole);
    let mut opts = TransferOptions { part_size: 1 << 20, resumable: false, ..TransferOptions::default() };
    opts.request.content_md5(true);
    client.upload_file(&f.bucket, "file", &path, &opts, None).unwrap();
    client.upload_from_reader(&f.bucket, "stream", &mut &whole[..], &opts, None).unwrap();
    for key in ["file", "stream"] {
        assert_eq!(f.get(key), whole, "{key}");
        let parts = rec.matching(&format!("put /{key}?partnumber="));
        assert_eq!(parts.len(), 3, "{key}: {parts:?}");
        for head in &parts {
            let n: usize = head["put /?partnumber=".len() + key.len()..].split('&').next().unwrap().parse().unwrap();
            let chunk = &whole[(n - 1) << 20..(n << 20).min(whole.len())];
            assert_eq!(header(head, "content-md5"), Some(md5_of(chunk).to_ascii_lowercase().as_str()), "{head}");
        }
    }
}

#[test]
fn the_emulator_refuses_a_body_that_does_not_match_its_content_md5() {
    let f = Fixture::new("md5-bad");
    let mut o = RequestOptions::new();
    o.header("Content-MD5", &md5_of(b"something else")).unwrap();
    let e = f.client.put_object(&f.bucket, "k", b"the body", &o).unwrap_err();
    assert_eq!((e.http_status(), e.code()), (400, Some("BadDigest")), "{e:?}");
    let mut body: &[u8] = b"the body";
    let e = f.client.put_object_from_reader(&f.bucket, "k", &mut body, 8, &o).unwrap_err();
    assert_eq!((e.http_status(), e.code()), (400, Some("BadDigest")), "{e:?}");
}

fn download_opts(adjust: impl FnOnce(&mut RequestOptions)) -> TransferOptions {
    let mut opts = TransferOptions { part_size: 1 << 20, resumable: false, ..TransferOptions::default() };
    adjust(&mut opts.request);
    opts
}

#[test]
fn download_file_sends_response_overrides_and_conditions_with_the_head_and_every_range() {
    let (f, rec, client) = recorded("dl-opts");
    let dir = TempDir::new("dl-opts");
    let whole = data((5 << 20) / 2, 4);
    let etag =
        f.client.put_object(&f.bucket, "obj", &whole, &RequestOptions::new()).unwrap().etag().unwrap().to_string();
    let opts = download_opts(|o| {
        o.response_header("content-type", "text/x-forwarded").unwrap();
        o.if_match(&etag).unwrap();
        o.if_unmodified_since("Thu, 01 Jan 2037 00:00:00 GMT").unwrap();
    });
    let info = client.download_file(&f.bucket, "obj", &dir.path("out"), &opts, None).unwrap();
    assert_eq!(std::fs::read(dir.path("out")).unwrap(), whole);
    assert_eq!(info.content_type(), Some("text/x-forwarded"), "the HEAD carried the override");
    let heads = rec.matching("head /obj");
    let gets = rec.matching("get /obj");
    assert_eq!((heads.len(), gets.len()), (1, 3), "{heads:?} {gets:?}");
    for head in heads.iter().chain(&gets) {
        let line = head.lines().next().unwrap();
        assert!(line.contains("response-content-type=text%2fx-forwarded"), "{line}");
        assert_eq!(header(head, "if-match"), Some(etag.to_ascii_lowercase().as_str()), "{head}");
        assert_eq!(header(head, "if-unmodified-since"), Some("thu, 01 jan 2037 00:00:00 gmt"), "{head}");
    }
}

#[test]
fn download_file_fails_on_the_conditions_the_object_does_not_meet() {
    let f = Fixture::new("dl-cond");
    let dir = TempDir::new("dl-cond");
    let etag =
        f.client.put_object(&f.bucket, "obj", b"current", &RequestOptions::new()).unwrap().etag().unwrap().to_string();
    type Set = Box<dyn Fn(&mut RequestOptions)>;
    let cases: [(&str, Set, u16); 4] = [
        (
            "If-Match",
            Box::new(|o| {
                o.if_match("\"other\"").unwrap();
            }),
            412,
        ),
        (
            "If-None-Match",
            Box::new(move |o| {
                o.if_none_match(&etag).unwrap();
            }),
            304,
        ),
        (
            "If-Modified-Since",
            Box::new(|o| {
                o.if_modified_since("Thu, 01 Jan 2037 00:00:00 GMT").unwrap();
            }),
            304,
        ),
        (
            "If-Unmodified-Since",
            Box::new(|o| {
                o.if_unmodified_since("Mon, 01 Jan 2001 00:00:00 GMT").unwrap();
            }),
            412,
        ),
    ];
    for (what, set, status) in cases {
        let out = dir.path(what);
        let e = f.client.download_file(&f.bucket, "obj", &out, &download_opts(|o| set(o)), None).unwrap_err();
        assert_eq!(e.http_status(), status, "{what}: {e:?}");
        assert!(!out.exists(), "{what}: nothing was written");
    }
}

#[test]
fn options_a_call_cannot_honour_are_refused_naming_the_option_and_the_call() {
    let emu = support::Emulator::start_logged();
    let client = emu.client();
    let dir = TempDir::new("refused");
    let src = dir.file("src", b"data");
    let ranged = {
        let mut o = RequestOptions::new();
        o.range(0, Some(1)).unwrap();
        o
    };
    let overridden = {
        let mut o = RequestOptions::new();
        o.response_header("content-type", "a/b").unwrap();
        o
    };
    let copy_range = {
        let mut o = RequestOptions::new();
        o.copy_source_range(0, 1).unwrap();
        o
    };
    let b = "refused-1250000000";
    let results: Vec<(&str, &str, cos::Result<()>)> = vec![
        ("put_object", "Range", client.put_object(b, "k", b"x", &ranged).map(drop)),
        (
            "put_object_from_file",
            "response-content-type",
            client.put_object_from_file(b, "k", &src, &overridden).map(drop),
        ),
        (
            "put_object_from_reader",
            "copy_source_range",
            client.put_object_from_reader(b, "k", &mut &b"x"[..], 1, &copy_range).map(drop),
        ),
        ("create_multipart_upload", "Range", client.create_multipart_upload(b, "k", &ranged).map(drop)),
        (
            "upload_part",
            "copy_source_range",
            client.upload_part_from_file(b, "k", "id", 1, &src, 0, 1, &copy_range).map(drop),
        ),
        ("create_bucket", "response-content-type", client.create_bucket(b, &overridden)),
        ("get_object", "copy_source_range", client.get_object(b, "k", &copy_range).map(drop)),
        ("head_object", "Range", client.head_object(b, "k", &ranged).map(drop)),
        ("delete_object", "response-content-type", client.delete_object(b, "k", &overridden).map(drop)),
        ("append_object", "Range", client.append_object(b, "k", 0, b"x", &ranged).map(drop)),
        (
            "upload_file",
            "Range",
            client
                .upload_file(b, "k", &src, &TransferOptions { request: ranged.clone(), ..Default::default() }, None)
                .map(drop),
        ),
        (
            "download_file",
            "Range",
            client
                .download_file(
                    b,
                    "k",
                    &dir.path("o"),
                    &TransferOptions { request: ranged.clone(), ..Default::default() },
                    None,
                )
                .map(drop),
        ),
        (
            "download_prefix",
            "copy_source_range",
            client
                .download_prefix(
                    b,
                    "",
                    &dir.path("d"),
                    &TransferOptions { request: copy_range.clone(), ..Default::default() },
                )
                .map(drop),
        ),
        (
            "upload_from_reader",
            "response-content-type",
            client
                .upload_from_reader(
                    b,
                    "k",
                    &mut &b"x"[..],
                    &TransferOptions { request: overridden.clone(), ..Default::default() },
                    None,
                )
                .map(drop),
        ),
    ];
    for (call, option, result) in results {
        let e = result.expect_err(call);
        assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{call}: {e:?}");
        assert!(e.message().contains(call) && e.message().contains(option), "{call}: {e:?}");
    }
    assert!(emu.log().is_empty(), "nothing was sent: {:?}", emu.log());
}
