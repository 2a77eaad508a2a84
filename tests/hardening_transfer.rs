//! Hardening of the transfers against servers that lie and calls that run long: ranged answers that are not
//! the bytes asked for (resumed reads and download parts, CRC on and off), one deadline per public call and
//! the per-part timeout, disk space, a CompleteMultipartUpload whose answer was lost, the order of the
//! transfer-option setters, and the attempts every transfer error carries. Every test asserts the status, the
//! message, the attempts, and that no wrong byte reached the caller or the destination.

mod support;

use cos::{crc64, Client, ErrorKind, ObjectReader, RequestOptions, TransferOptions};
use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;
use support::hostile::{within, Conn, Hostile, Request};
use support::{data, TempDir, MIB};

const BUCKET: &str = "hardening-1250000000";
const LIMIT: Duration = Duration::from_secs(30);
const ETAG: &str = "\"0123456789abcdef0123456789abcdef\"";

// ---------------------------------------------------------------------------------------------------------
// A hostile object server: HEAD and GET of one object, the GETs answered by a script.

/// What the script decides for one GET: `n` counts the GETs from 0.
type Script = dyn Fn(usize, &Request, &mut Conn, &[u8]) -> bool + Send + Sync;

/// Serves `object` (ETag, Last-Modified, its CRC-64 unless `crc` is false). HEADs are answered truthfully;
/// each GET goes to `script`, which returns false to close the connection.
fn object_server(object: Vec<u8>, crc: bool, script: Box<Script>) -> (Hostile, Arc<AtomicU32>) {
    let object = Arc::new(object);
    let gets = Arc::new(AtomicU32::new(0));
    let counter = gets.clone();
    let server = Hostile::start(move |conn| {
        while let Some(req) = conn.request() {
            if req.method == "HEAD" {
                let mut h = base_headers(&object, crc);
                h.push(("Content-Length", object.len().to_string()));
                let mut head = "HTTP/1.1 200 OK\r\n".to_string();
                for (k, v) in &h {
                    head.push_str(&format!("{k}: {v}\r\n"));
                }
                head.push_str("\r\n");
                if conn.write(head.as_bytes()).is_err() {
                    return;
                }
                continue;
            }
            let n = counter.fetch_add(1, Ordering::SeqCst) as usize;
            if !script(n, &req, conn, &object) {
                return;
            }
        }
    });
    (server, gets)
}

fn base_headers(object: &[u8], crc: bool) -> Vec<(&'static str, String)> {
    let mut h = vec![
        ("ETag", ETAG.to_string()),
        ("Last-Modified", "Mon, 01 Jan 2024 00:00:00 GMT".to_string()),
        ("x-cos-request-id", "hostile-req".to_string()),
    ];
    if crc {
        h.push(("x-cos-hash-crc64ecma", crc64::checksum(object).to_string()));
    }
    h
}

/// The whole object as a 200, `cut` bytes of it before closing (all of it for `None`).
fn full(conn: &mut Conn, object: &[u8], crc: bool, cut: Option<usize>) -> bool {
    let mut head = "HTTP/1.1 200 OK\r\n".to_string();
    for (k, v) in base_headers(object, crc) {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", object.len()));
    let body = &object[..cut.unwrap_or(object.len())];
    conn.write(head.as_bytes()).is_ok() && conn.write(body).is_ok() && cut.is_none()
}

/// A 206 saying `Content-Range: bytes a-b/total` and carrying `body`.
fn partial(conn: &mut Conn, object: &[u8], range: (u64, u64), body: &[u8]) -> bool {
    let mut h = base_headers(object, true);
    h.push(("Content-Range", format!("bytes {}-{}/{}", range.0, range.1, object.len())));
    conn.respond("206 Partial Content", &h, body).is_ok()
}

/// The honest answer to a ranged GET.
fn honest(req: &Request, conn: &mut Conn, object: &[u8]) -> bool {
    let (a, b) = req.range().expect("a ranged GET");
    let b = b.unwrap_or(object.len() as u64 - 1).min(object.len() as u64 - 1);
    partial(conn, object, (a, b), &object[a as usize..=b as usize])
}

fn client_for(server: &Hostile, retries: u32) -> Client {
    let mut b = server.config();
    b.max_retries(retries);
    Client::new(b.build().unwrap()).unwrap()
}

fn no_crc() -> RequestOptions {
    let mut o = RequestOptions::new();
    o.verify_crc(false);
    o
}

/// Reads everything an ObjectReader gives; returns the bytes delivered and how it ended.
fn drain(reader: &mut ObjectReader) -> (Vec<u8>, cos::Result<()>) {
    let mut out = Vec::new();
    let mut buf = vec![0u8; 7000];
    loop {
        match reader.read(&mut buf) {
            Ok(0) => return (out, Ok(())),
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) => return (out, Err(e)),
        }
    }
}

#[track_caller]
fn assert_prefix(got: &[u8], object: &[u8], what: &str) {
    assert!(got.len() <= object.len(), "{what}: {} bytes delivered for a {}-byte object", got.len(), object.len());
    assert!(got == &object[..got.len()], "{what}: a delivered byte is wrong");
}

#[track_caller]
fn assert_parse(e: &cos::Error, needle: &str, what: &str) {
    assert_eq!(e.kind(), ErrorKind::Parse, "{what}: {e:?}");
    assert!(e.message().contains(needle), "{what}: the message lacks {needle:?}: {e}");
}

// ---------------------------------------------------------------------------------------------------------
// 1. Ranged answers are verified, CRC on or off

/// A resumed read of 100000 bytes broken after 50000, answered by `resume`: fails with a Parse error (CRC
/// on and off), having delivered only right bytes, never more than the object.
fn broken_then(resume: fn(&Request, &mut Conn, &[u8]) -> bool, needle: &str) {
    let object = data(100_000, 1);
    for crc_on in [true, false] {
        let script = Box::new(move |n: usize, req: &Request, conn: &mut Conn, object: &[u8]| {
            if n == 0 {
                return full(conn, object, true, Some(50_000));
            }
            assert_eq!(req.header("if-match"), Some(ETAG), "a resume keeps If-Match");
            assert_eq!(req.range(), Some((50_000, None)), "the resume asks for the rest");
            resume(req, conn, object)
        });
        let (server, gets) = object_server(object.clone(), true, script);
        let client = client_for(&server, 3);
        let opts = if crc_on { RequestOptions::new() } else { no_crc() };
        let (got, end) = within(LIMIT, "resumed read", move || {
            let mut r = ObjectReader::open(&client, BUCKET, "obj", &opts).unwrap();
            let out = drain(&mut r);
            // The error sticks: a later read neither succeeds nor sends anything.
            let again = r.read(&mut [0u8; 10]).unwrap_err();
            assert_eq!(again.kind(), ErrorKind::Parse);
            out
        });
        let what = format!("crc {crc_on}");
        let e = end.unwrap_err();
        assert_parse(&e, needle, &what);
        assert_eq!(e.attempts(), 2, "{what}: the GET and its resume: {e:?}");
        assert!(matches!(e.http_status(), 200 | 206), "{what}: names the answer: {e:?}");
        assert_prefix(&got, &object, &what);
        assert_eq!(got.len(), 50_000, "{what}: nothing of the wrong answer was delivered");
        assert_eq!(gets.load(Ordering::SeqCst), 2, "{what}: no further request");
    }
}

#[test]
fn a_resume_answered_with_the_whole_object_is_a_parse_error() {
    broken_then(|_, conn, object| full(conn, object, true, None), "got HTTP 200 carrying 100000 bytes");
}

#[test]
fn a_resume_answered_from_another_offset_is_a_parse_error() {
    broken_then(|_, conn, object| partial(conn, object, (0, 99_999), object), "which starts at byte 0");
    broken_then(
        |_, conn, object| partial(conn, object, (50_000, 89_999), &object[50_000..90_000]),
        "ends at byte 89999",
    );
    broken_then(
        |_, conn, object| {
            let mut h = base_headers(object, true);
            h.push(("Content-Range", format!("bytes 50000-99999/{}", 150_000)));
            conn.respond("206 Partial Content", &h, &object[50_000..]).is_ok()
        },
        "names an object of 150000 bytes instead of 100000",
    );
}

#[test]
fn a_resume_with_nothing_delivered_may_restart_cleanly() {
    let object = data(100_000, 2);
    // The first answer breaks before its first byte; the resume gets the whole object again.
    let script = Box::new(|n: usize, _: &Request, conn: &mut Conn, object: &[u8]| {
        full(conn, object, true, (n == 0).then_some(0))
    });
    let (server, gets) = object_server(object.clone(), true, script);
    let client = client_for(&server, 3);
    let got = within(LIMIT, "restart", move || client.get_object(BUCKET, "obj", &RequestOptions::new())).unwrap().0;
    assert!(got == object, "the restarted read gives the object");
    assert_eq!(gets.load(Ordering::SeqCst), 2);
}

#[test]
fn a_body_longer_than_announced_is_never_delivered() {
    // Chunked framing lets a server send more than its Content-Range says.
    let object = data(100_000, 3);
    let script = Box::new(|n: usize, req: &Request, conn: &mut Conn, object: &[u8]| {
        if n == 0 {
            return full(conn, object, true, Some(50_000));
        }
        let (a, _) = req.range().unwrap();
        let mut head = "HTTP/1.1 206 Partial Content\r\nTransfer-Encoding: chunked\r\n".to_string();
        for (k, v) in base_headers(object, true) {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str(&format!("Content-Range: bytes {a}-99999/100000\r\n\r\n"));
        let mut body = object[a as usize..].to_vec();
        body.extend_from_slice(b"EXTRA BYTES FROM A LYING SERVER");
        let chunk = format!("{:x}\r\n", body.len());
        let _ = conn.write(head.as_bytes());
        let _ = conn.write(chunk.as_bytes());
        let _ = conn.write(&body);
        let _ = conn.write(b"\r\n0\r\n\r\n");
        true
    });
    let (server, _) = object_server(object.clone(), true, script);
    let client = client_for(&server, 3);
    let (got, end) = within(LIMIT, "long body", move || {
        let mut r = ObjectReader::open(&client, BUCKET, "obj", &no_crc()).unwrap();
        drain(&mut r)
    });
    let e = end.unwrap_err();
    assert_parse(&e, "carries more than the 100000 bytes it announced", "chunked extra bytes");
    assert_eq!(e.attempts(), 2, "{e:?}");
    assert!(got == object, "exactly the object's bytes were delivered, none of the extra ones");
}

fn download_opts(resumable: bool, verify_crc: bool) -> TransferOptions {
    let mut o = TransferOptions { part_size: MIB, concurrency: 1, ..TransferOptions::default() };
    if !resumable {
        o.resumable = false;
    }
    o.request.verify_crc(verify_crc);
    o
}

/// A download of 2.5 MiB in 1 MiB parts whose second part gets `answer`: a Parse error naming the part,
/// with nothing at the destination and (not resumable) nothing left beside it; CRC on and off.
fn download_part_answered(answer: fn(&Request, &mut Conn, &[u8]) -> bool, needle: &str) {
    let object = data((5 * MIB / 2) as usize, 4);
    for crc_on in [true, false] {
        let script = Box::new(
            move |n: usize, req: &Request, conn: &mut Conn, object: &[u8]| {
                if n == 1 {
                    answer(req, conn, object)
                } else {
                    honest(req, conn, object)
                }
            },
        );
        let (server, _) = object_server(object.clone(), true, script);
        let client = client_for(&server, 2);
        let dir = TempDir::new("dl-lie");
        let dest = dir.path("out");
        let dest2 = dest.clone();
        let e = within(LIMIT, "download", move || {
            client.download_file(BUCKET, "obj", &dest2, &download_opts(false, crc_on), None)
        })
        .unwrap_err();
        let what = format!("crc {crc_on}");
        assert_parse(&e, needle, &what);
        assert!(e.message().starts_with("part 2 (bytes 1048576..=2097151)"), "{what}: names the part: {e}");
        assert_eq!(e.attempts(), 1, "{what}: {e:?}");
        assert!(!dest.exists(), "{what}: no destination");
        assert!(dir.names().is_empty(), "{what}: nothing left: {:?}", dir.names());
    }
}

#[test]
fn a_download_part_answered_with_more_than_asked_is_a_parse_error() {
    download_part_answered(
        |req, conn, object| {
            let (a, _) = req.range().unwrap();
            let b = object.len() as u64 - 1;
            partial(conn, object, (a, b), &object[a as usize..])
        },
        "ends at byte 2621439 instead of 2097151",
    );
    download_part_answered(|_, conn, object| full(conn, object, true, None), "got HTTP 200 carrying 2621440 bytes");
}

#[test]
fn a_download_part_answered_with_another_range_is_a_parse_error() {
    download_part_answered(
        |_, conn, object| partial(conn, object, (0, MIB - 1), &object[..MIB as usize]),
        "starts at byte 0",
    );
    // Right Content-Range, longer Content-Length.
    download_part_answered(
        |req, conn, object| {
            let (a, b) = req.range().unwrap();
            let b = b.unwrap();
            let mut h = base_headers(object, true);
            h.push(("Content-Range", format!("bytes {a}-{b}/{}", object.len())));
            conn.respond("206 Partial Content", &h, &object[a as usize..]).is_ok()
        },
        "with Content-Length 1572864",
    );
}

#[test]
fn a_resumed_download_part_must_continue_where_it_broke() {
    // Part 2 breaks after 100000 bytes; its resume is answered from the part's start.
    let object = data((5 * MIB / 2) as usize, 5);
    let script = Box::new(|n: usize, req: &Request, conn: &mut Conn, object: &[u8]| {
        let (a, b) = req.range().unwrap();
        let b = b.unwrap();
        match n {
            1 => {
                let mut h = base_headers(object, true);
                h.push(("Content-Range", format!("bytes {a}-{b}/{}", object.len())));
                h.push(("Content-Length", (b - a + 1).to_string()));
                let mut head = "HTTP/1.1 206 Partial Content\r\n".to_string();
                for (k, v) in h {
                    head.push_str(&format!("{k}: {v}\r\n"));
                }
                head.push_str("\r\n");
                let _ = conn.write(head.as_bytes());
                let _ = conn.write(&object[a as usize..a as usize + 100_000]);
                false
            }
            2 => {
                assert_eq!((a, req.header("if-match")), (MIB + 100_000, Some(ETAG)), "resumed with If-Match");
                partial(conn, object, (MIB, b), &object[MIB as usize..=b as usize])
            }
            _ => honest(req, conn, object),
        }
    });
    let (server, _) = object_server(object.clone(), true, script);
    let client = client_for(&server, 2);
    let dir = TempDir::new("dl-resume-lie");
    let dest = dir.path("out");
    let d = dest.clone();
    let e =
        within(LIMIT, "download", move || client.download_file(BUCKET, "obj", &d, &download_opts(false, false), None))
            .unwrap_err();
    assert_parse(&e, "which starts at byte 1048576", "resumed part");
    assert_eq!(e.attempts(), 2, "the part's GET and its resume: {e:?}");
    assert!(dir.names().is_empty(), "nothing left: {:?}", dir.names());
}

/// `path` holds nothing or exactly `object`.
#[track_caller]
fn assert_nothing_or(path: &Path, object: &[u8]) {
    if let Ok(bytes) = std::fs::read(path) {
        assert!(bytes == object, "{} holds other bytes", path.display());
    }
}

#[test]
fn an_honest_server_still_downloads_byte_identical() {
    let object = data((5 * MIB / 2) as usize, 6);
    let script = Box::new(|_: usize, req: &Request, conn: &mut Conn, object: &[u8]| honest(req, conn, object));
    let (server, gets) = object_server(object.clone(), true, script);
    let client = client_for(&server, 2);
    let dir = TempDir::new("dl-honest");
    let dest = dir.path("out");
    let d = dest.clone();
    within(LIMIT, "download", move || client.download_file(BUCKET, "obj", &d, &download_opts(true, true), None))
        .unwrap();
    assert_nothing_or(&dest, &object);
    assert!(dest.exists());
    assert_eq!(gets.load(Ordering::SeqCst), 3);
    assert_eq!(dir.names(), vec!["out"]);
}

// ---------------------------------------------------------------------------------------------------------
// 2. One deadline per public call, and the per-part timeout

use support::Fixture;

const OP_TIMEOUT: Duration = Duration::from_millis(1500);
/// What a loaded 2-core machine may add to a deadline: thread wake-ups, the last attempt's teardown.
const MARGIN: Duration = Duration::from_millis(700);

/// A client for the emulator: 3 retries, a 1 s read timeout per attempt, and `op` for the whole call.
fn timed_client(f: &Fixture, op: Option<Duration>) -> Client {
    let mut b = f.emu.config();
    b.max_retries(3).read_timeout(Duration::from_secs(1)).operation_timeout(op);
    Client::new(b.build().unwrap()).unwrap()
}

#[track_caller]
fn assert_timed_out(e: &cos::Error, elapsed: Duration, bound: Duration, needle: &str, what: &str) {
    eprintln!("{what}: failed after {elapsed:?} (bound {bound:?}): {e}");
    assert_eq!(e.kind(), ErrorKind::Timeout, "{what}: {e:?}");
    assert!(e.message().contains(needle), "{what}: the message lacks {needle:?}: {e}");
    assert!(e.attempts() >= 1, "{what}: requests were sent: {e:?}");
    assert!(elapsed >= bound - Duration::from_millis(100), "{what}: gave up early, after {elapsed:?}");
    assert!(elapsed <= bound + MARGIN, "{what}: took {elapsed:?}, the bound is {bound:?}");
}

fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let start = std::time::Instant::now();
    let r = f();
    (r, start.elapsed())
}

#[test]
fn a_stalled_body_fails_get_object_within_the_operation_timeout() {
    let f = Fixture::new("deadline-get");
    let object = data(300_000, 20);
    f.client.put_object(&f.bucket, "obj", &object, &RequestOptions::new()).unwrap();
    // Every GET stalls 4 s after 10000 bytes: each attempt alone would wait out the 1 s read timeout, and
    // 1 + 3 resumes of it took 4 s before.
    f.emu.fault("kind=stall&ms=4000&at=body&after_bytes=10000&count=20&method=GET");
    let client = timed_client(&f, Some(OP_TIMEOUT));
    let dir = TempDir::new("deadline-get");
    let dest = dir.path("out");
    let (bucket, d) = (f.bucket.clone(), dest.clone());
    let (r, elapsed) = within(LIMIT, "get_object_to_file", move || {
        timed(|| client.get_object_to_file(&bucket, "obj", &d, &RequestOptions::new()))
    });
    let e = r.unwrap_err();
    assert_timed_out(&e, elapsed, OP_TIMEOUT, "the operation timeout of 1500 ms ran out", "get_object_to_file");
    assert_eq!(e.attempts(), 2, "the GET and one resume fit in 1.5 s: {e:?}");
    assert!(dir.names().is_empty(), "nothing at the destination: {:?}", dir.names());
}

#[test]
fn download_file_has_one_deadline_for_its_head_and_every_part() {
    let f = Fixture::new("deadline-dl");
    let object = data((2 * MIB + 5000) as usize, 21);
    f.client.put_object(&f.bucket, "obj", &object, &RequestOptions::new()).unwrap();
    // The HEAD takes 0.7 s, every GET stalls after 10000 bytes.
    f.emu.fault("kind=stall&ms=700&method=HEAD");
    f.emu.fault("kind=stall&ms=4000&at=body&after_bytes=10000&count=50&method=GET");
    let client = timed_client(&f, Some(OP_TIMEOUT));
    let dir = TempDir::new("deadline-dl");
    let dest = dir.path("out");
    let (bucket, d) = (f.bucket.clone(), dest.clone());
    let (r, elapsed) = within(LIMIT, "download_file", move || {
        timed(|| client.download_file(&bucket, "obj", &d, &download_opts(false, true), None))
    });
    let e = r.unwrap_err();
    assert_timed_out(&e, elapsed, OP_TIMEOUT, "the operation timeout of 1500 ms ran out", "download_file");
    assert!(e.message().starts_with("part 1 (bytes 0..=1048575)"), "names the part: {e}");
    assert!(dir.names().is_empty(), "not resumable: nothing left: {:?}", dir.names());
}

#[test]
fn upload_file_has_one_deadline_for_all_its_parts() {
    let f = Fixture::new("deadline-up");
    let dir = TempDir::new("deadline-up");
    let file = dir.file("src", &data((4 * MIB) as usize, 22));
    // Each part's answer takes 0.6 s: every request fits its own 1.5 s, the four parts do not.
    f.emu.fault("kind=stall&ms=600&count=50&method=PUT");
    let client = timed_client(&f, Some(OP_TIMEOUT));
    let o = TransferOptions { part_size: MIB, concurrency: 1, resumable: false, ..Default::default() };
    let (bucket, p) = (f.bucket.clone(), file.clone());
    let (r, elapsed) = within(LIMIT, "upload_file", move || timed(|| client.upload_file(&bucket, "obj", &p, &o, None)));
    let e = r.unwrap_err();
    assert_timed_out(&e, elapsed, OP_TIMEOUT, "the operation timeout of 1500 ms ran out", "upload_file");
    assert!(e.message().starts_with("part 3 (bytes 2097152..=3145727)"), "names the part: {e}");
    // Not resumable: the upload was aborted, no object was made.
    assert!(f.uploads("obj").is_empty(), "aborted: {:?}", f.uploads("obj"));
    assert!(f.client.head_object(&f.bucket, "obj", &RequestOptions::new()).is_err());
}

#[test]
fn the_part_timeout_bounds_each_part_with_its_resumes() {
    let f = Fixture::new("part-timeout");
    let object = data((2 * MIB) as usize, 23);
    f.client.put_object(&f.bucket, "obj", &object, &RequestOptions::new()).unwrap();
    // Part 1 is fine; every later GET stalls mid-body (the first matching GET is used up by a 1 ms stall).
    f.emu.fault("kind=stall&ms=1&method=GET");
    f.emu.fault("kind=stall&ms=4000&at=body&after_bytes=10000&count=50&method=GET");
    let client = timed_client(&f, None);
    let part = Duration::from_millis(800);
    let o = TransferOptions { part_timeout: Some(part), ..download_opts(true, true) };
    let dir = TempDir::new("part-timeout");
    let dest = dir.path("out");
    let (bucket, d) = (f.bucket.clone(), dest.clone());
    let (r, elapsed) =
        within(LIMIT, "download_file", move || timed(|| client.download_file(&bucket, "obj", &d, &o, None)));
    let e = r.unwrap_err();
    assert_timed_out(&e, elapsed, part, "the part timeout of 800 ms ran out", "part timeout");
    assert!(e.message().starts_with("part 2 (bytes 1048576..=2097151)"), "names the part: {e}");
    assert!(!dest.exists());
}

// ---------------------------------------------------------------------------------------------------------
// 6. Every transfer error carries the requests it sent

#[test]
fn transfer_errors_carry_the_requests_they_sent() {
    let f = Fixture::new("attempts");
    let object = data((5 * MIB / 2) as usize, 60);
    f.client.put_object(&f.bucket, "obj", &object, &RequestOptions::new()).unwrap();
    let dir = TempDir::new("attempts");
    let dest = dir.path("out");

    // A whole-object CRC mismatch found after every part is in: the HEAD and three GETs.
    f.emu.fault("kind=bad-crc&method=HEAD");
    let e = f.client.download_file(&f.bucket, "obj", &dest, &download_opts(true, true), None).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ChecksumMismatch, "{e:?}");
    assert!(e.message().contains("every answer was a 206 for exactly the bytes asked"), "{e}");
    assert!(!e.message().contains("retry"), "a retry does not help: {e}");
    assert_eq!(e.attempts(), 4, "HEAD + 3 parts: {e:?}");
    assert!(dir.names().is_empty(), "the wrong bytes are gone: {:?}", dir.names());

    // Cancelled after the first part: the HEAD and the parts sent so far.
    let e = f
        .client
        .download_file(&f.bucket, "obj", &dest, &download_opts(false, true), Some(&mut |done, _| done < MIB))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Cancelled, "{e:?}");
    assert!(e.attempts() >= 2, "the HEAD and at least one GET: {e:?}");
    assert!(dir.names().is_empty(), "{:?}", dir.names());

    // A part that breaks twice and then gets a wrong answer: its three GETs.
    let (server, _) = object_server(
        object.clone(),
        true,
        Box::new(|n: usize, req: &Request, conn: &mut Conn, object: &[u8]| match n {
            0 => honest(req, conn, object),
            1 | 2 => {
                let (a, b) = req.range().unwrap();
                let mut head = format!(
                    "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes {a}-{}/{}\r\nContent-Length: {}\r\nETag: {ETAG}\r\n\r\n",
                    b.unwrap(),
                    object.len(),
                    b.unwrap() - a + 1
                );
                head.push_str("short");
                let _ = conn.write(head.as_bytes());
                false
            }
            _ => full(conn, object, true, None),
        }),
    );
    let client = client_for(&server, 3);
    let d = dest.clone();
    let e =
        within(LIMIT, "download", move || client.download_file(BUCKET, "obj", &d, &download_opts(false, true), None))
            .unwrap_err();
    assert_parse(&e, "got HTTP 200", "third answer");
    assert_eq!(e.attempts(), 3, "the part's three GETs: {e:?}");

    // An upload cancelled after its first part: the initiation and that part at least.
    let file = dir.file("src", &object);
    let o = TransferOptions { part_size: MIB, concurrency: 1, resumable: false, ..Default::default() };
    let e = f.client.upload_file(&f.bucket, "up", &file, &o, Some(&mut |done, _| done < MIB)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Cancelled, "{e:?}");
    assert!(e.attempts() >= 2, "{e:?}");
}

// ---------------------------------------------------------------------------------------------------------
// 3. Disk space, and sizes a HEAD may not claim

/// A server whose HEAD says `Content-Length: length` (and that answers no GET).
fn head_only(length: &'static str) -> Hostile {
    Hostile::each_request(move |_, conn| {
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Length: {length}\r\nETag: {ETAG}\r\nx-cos-request-id: hostile-head\r\n\r\n"
        );
        let _ = conn.write(head.as_bytes());
    })
}

#[test]
fn a_head_claiming_terabytes_is_refused_before_anything_is_written() {
    let server = head_only("40000000000000");
    let client = client_for(&server, 2);
    let dir = TempDir::new("dl-40tb");
    let dest = dir.path("out");
    let d = dest.clone();
    // Resumable (the default): still nothing may be created.
    let o = TransferOptions { part_size: 0, ..TransferOptions::default() };
    let e = within(LIMIT, "download", move || client.download_file(BUCKET, "obj", &d, &o, None)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Io, "{e:?}");
    assert!(e.message().contains("needs 40000000000000 bytes in "), "names the needed bytes: {e}");
    assert!(e.message().contains("bytes are free there; nothing was written"), "names the free bytes: {e}");
    assert_eq!(e.attempts(), 1, "the HEAD: {e:?}");
    assert!(dir.names().is_empty(), "no partial file, no checkpoint: {:?}", dir.names());
    assert_eq!(server.requests().iter().filter(|r| r.method == "GET").count(), 0, "no GET");
}

#[test]
fn sizes_that_are_not_numbers_or_too_large_are_parse_errors() {
    for (length, needle) in [
        ("60000000000000", "more than cos can store"),
        // The transport itself refuses a Content-Length that is not a number, as a Parse error too.
        ("99999999999999999999999", "content-length"),
        ("12abc", "content-length"),
        ("-5", "content-length"),
    ] {
        let server = head_only(length);
        let client = client_for(&server, 0);
        let dir = TempDir::new("dl-badsize");
        let d = dir.path("out");
        let e = within(LIMIT, "download", move || {
            client.download_file(BUCKET, "obj", &d, &TransferOptions::default(), None)
        })
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Parse, "{length}: {e:?}");
        assert!(e.message().to_ascii_lowercase().contains(needle), "{length}: {e}");
        assert_eq!(e.attempts(), 1, "{length}: {e:?}");
        assert!(dir.names().is_empty(), "{length}: nothing created: {:?}", dir.names());
    }
}

/// A 2.5 MiB object whose part 2 never arrives whole: every GET of it breaks after 1000 bytes.
fn part_two_breaks() -> (Hostile, Vec<u8>) {
    let object = data((5 * MIB / 2) as usize, 30);
    let script = Box::new(|_: usize, req: &Request, conn: &mut Conn, object: &[u8]| {
        let (a, b) = req.range().unwrap();
        if !(MIB..2 * MIB).contains(&a) {
            return honest(req, conn, object);
        }
        let b = b.unwrap();
        let head = format!(
            "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes {a}-{b}/{}\r\nContent-Length: {}\r\nETag: {ETAG}\r\n\r\n",
            object.len(),
            b - a + 1
        );
        let _ = conn.write(head.as_bytes());
        let _ = conn.write(&object[a as usize..a as usize + 1000]);
        false
    });
    let (server, _) = object_server(object.clone(), true, script);
    (server, object)
}

#[test]
fn a_failed_resumable_download_names_the_partial_file_and_checkpoint_it_kept() {
    let (server, _) = part_two_breaks();
    let client = client_for(&server, 2);
    let dir = TempDir::new("dl-kept");
    let dest = dir.path("out");
    let d = dest.clone();
    let e =
        within(LIMIT, "download", move || client.download_file(BUCKET, "obj", &d, &download_opts(true, true), None))
            .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Network, "{e:?}");
    assert!(e.message().starts_with("part 2 (bytes 1048576..=2097151)"), "{e}");
    let partial = format!("{}.cos-partial", dest.display());
    let checkpoint = format!("{}.cos-checkpoint", dest.display());
    assert!(
        e.message().contains(&format!("the partial file {partial} and its checkpoint {checkpoint} were kept")),
        "{e}"
    );
    assert_eq!(e.attempts(), 3, "part 2's GETs: {e:?}");
    assert!(!dest.exists(), "no destination");
    assert_eq!(dir.names(), vec!["out.cos-checkpoint", "out.cos-partial"]);
}

/// A tmpfs of `size` bytes mounted on a fresh directory, unmounted on drop; None where mounting is not
/// allowed (then the tests that need it say so and check what they can without it).
struct Tmpfs(TempDir);

impl Tmpfs {
    fn mount(size: u64) -> Option<Tmpfs> {
        let dir = TempDir::new("tmpfs");
        let ok = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&dir.0)
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        ok.then_some(Tmpfs(dir))
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.0 .0).status();
    }
}

#[test]
fn a_disk_that_fills_up_mid_download_keeps_and_names_the_partial_file() {
    let Some(fs) = Tmpfs::mount(3 * MIB) else {
        eprintln!("SKIPPED: mounting a tmpfs is not allowed here; the kept-files message is checked by a_failed_resumable_download_names_the_partial_file_and_checkpoint_it_kept");
        return;
    };
    let root = fs.0 .0.clone();
    let filler = root.join("filler");
    let object = data((2 * MIB) as usize, 31);
    // The space check passes (3 MiB free for a 2 MiB object); then, at the first GET, another program fills the
    // disk so that only about 0.5 MiB is left.
    let script = Box::new(move |n: usize, req: &Request, conn: &mut Conn, object: &[u8]| {
        if n == 0 {
            std::fs::write(&filler, vec![7u8; (5 * MIB / 2) as usize - 64 * 1024]).expect("fill the tmpfs");
        }
        honest(req, conn, object)
    });
    let (server, _) = object_server(object.clone(), true, script);
    let client = client_for(&server, 2);
    let dest = root.join("out");
    let d = dest.clone();
    let e =
        within(LIMIT, "download", move || client.download_file(BUCKET, "obj", &d, &download_opts(true, true), None))
            .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Io, "{e:?}");
    assert!(e.message().contains("No space left on device"), "{e}");
    let partial = format!("{}.cos-partial", dest.display());
    assert!(e.message().contains(&format!("the partial file {partial} and its checkpoint")), "{e}");
    assert!(e.attempts() >= 1, "{e:?}");
    assert!(!dest.exists(), "no destination");
    assert!(Path::new(&partial).exists(), "the partial file is kept for a resume");
}

// ---------------------------------------------------------------------------------------------------------
// 4. A CompleteMultipartUpload whose answer was lost

use support::checkpoint_parts;

fn upload_opts(cp: &Path) -> TransferOptions {
    TransferOptions {
        part_size: MIB,
        concurrency: 2,
        checkpoint_path: Some(cp.to_path_buf()),
        ..TransferOptions::default()
    }
}

fn client_with(f: &Fixture, retries: u32, read_timeout: Duration) -> Client {
    let mut b = f.emu.config();
    b.max_retries(retries).read_timeout(read_timeout);
    Client::new(b.build().unwrap()).unwrap()
}

#[test]
fn a_retried_complete_that_finds_no_upload_accepts_the_completed_object() {
    let f = Fixture::new("complete-lost");
    let dir = TempDir::new("complete-lost");
    let bytes = data((3 * MIB + 777) as usize, 40);
    let file = dir.file("src", &bytes);
    let cp = dir.path("up.checkpoint");
    // COS completes the upload, but its answer does not come within the read timeout: the retry finds no
    // upload (NoSuchUpload).
    f.emu.fault("kind=stall&ms=3000&method=POST&sub=uploadId&count=1");
    let client = client_with(&f, 2, Duration::from_millis(500));
    let (bucket, p, o) = (f.bucket.clone(), file.clone(), upload_opts(&cp));
    let info = within(LIMIT, "upload_file", move || client.upload_file(&bucket, "obj", &p, &o, None)).unwrap();
    assert_eq!(info.content_length(), Some(bytes.len() as u64));
    assert_eq!(info.crc64(), Some(crc64::checksum(&bytes)));
    assert!(f.get("obj") == bytes, "the object is the file");
    assert!(!cp.exists(), "the checkpoint is removed");
    assert!(f.uploads("obj").is_empty());
}

#[test]
fn a_rerun_after_a_lost_complete_answer_uploads_nothing_again() {
    let f = Fixture::new("complete-rerun");
    let dir = TempDir::new("complete-rerun");
    let bytes = data((3 * MIB + 777) as usize, 41);
    let file = dir.file("src", &bytes);
    let cp = dir.path("up.checkpoint");
    // No retry: the first run fails with the Complete executed, its checkpoint holding every part, as when the
    // process dies between the Complete and removing the checkpoint.
    f.emu.fault("kind=stall&ms=3000&method=POST&sub=uploadId&count=1");
    let client = client_with(&f, 0, Duration::from_millis(500));
    let (bucket, p, o) = (f.bucket.clone(), file.clone(), upload_opts(&cp));
    let e = within(LIMIT, "first run", move || client.upload_file(&bucket, "obj", &p, &o, None)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e:?}");
    assert_eq!(e.attempts(), 1, "{e:?}");
    assert_eq!(checkpoint_parts(&cp).0, vec![1, 2, 3, 4], "every part is recorded");

    f.emu.reset_stats();
    let mut log = support::ProgressLog::default();
    let info = f
        .client
        .upload_file(
            &f.bucket,
            "obj",
            &file,
            &upload_opts(&cp),
            Some(&mut |d, t| {
                log.record(d, t);
                true
            }),
        )
        .unwrap();
    assert_eq!(info.crc64(), Some(crc64::checksum(&bytes)));
    assert!(f.get("obj") == bytes);
    assert!(!cp.exists(), "the checkpoint is removed");
    let s = f.emu.stats();
    assert_eq!(s.get("PUT").copied().unwrap_or(0), 0, "no part uploaded again: {s:?}");
    assert_eq!(s.get("POST").copied().unwrap_or(0), 0, "no new upload: {s:?}");
    assert_eq!(log.values().last(), Some(&(bytes.len() as u64, bytes.len() as u64)), "progress ends at 100%");
}

#[test]
fn a_rerun_whose_upload_was_aborted_behind_its_back_uploads_again() {
    let f = Fixture::new("complete-aborted");
    let dir = TempDir::new("complete-aborted");
    let bytes = data((3 * MIB + 777) as usize, 42);
    let file = dir.file("src", &bytes);
    for other_object in [false, true] {
        let cp = dir.path("up.checkpoint");
        // The Complete fails (not executed); the checkpoint holds every part.
        f.emu.fault("kind=status&status=500&count=10&method=POST&sub=uploadId");
        let client = client_with(&f, 1, Duration::from_secs(5));
        let e = client.upload_file(&f.bucket, "obj", &file, &upload_opts(&cp), None).unwrap_err();
        assert_eq!((e.kind(), e.http_status(), e.attempts()), (ErrorKind::Service, 500, 2), "{e:?}");
        let (parts, id) = checkpoint_parts(&cp);
        assert_eq!(parts, vec![1, 2, 3, 4]);
        let _ = f.emu.control("DELETE", "/__emulator/faults");
        // Behind its back: the upload is aborted, and maybe another object of the same size is put there.
        f.client.abort_multipart_upload(&f.bucket, "obj", &id.unwrap()).unwrap();
        if other_object {
            f.client.put_object(&f.bucket, "obj", &data(bytes.len(), 43), &RequestOptions::new()).unwrap();
        }
        f.emu.reset_stats();
        let info = f.client.upload_file(&f.bucket, "obj", &file, &upload_opts(&cp), None).unwrap();
        assert_eq!(info.crc64(), Some(crc64::checksum(&bytes)), "other object {other_object}");
        assert!(f.get("obj") == bytes, "other object {other_object}: the object is the file");
        let s = f.emu.stats();
        assert_eq!(s.get("PUT").copied().unwrap_or(0), 4, "other object {other_object}: all parts again: {s:?}");
        assert!(!cp.exists());
        f.client.delete_object(&f.bucket, "obj", &RequestOptions::new()).unwrap();
    }
}

// ---------------------------------------------------------------------------------------------------------
// 5. The order of the transfer-option setters does not matter

#[path = "c/cbuild.rs"]
mod cbuild;

#[test]
fn resumable_and_checkpoint_path_are_independent_in_either_order() {
    let f = Fixture::new("opts-order");
    let object = data((5 * MIB / 2) as usize, 50);
    f.client.put_object(&f.bucket, "obj", &object, &RequestOptions::new()).unwrap();
    let dir = TempDir::new("opts-order");
    for path_first in [true, false] {
        let cp = dir.path(&format!("cp-{path_first}"));
        let mut o = TransferOptions { part_size: MIB, concurrency: 1, ..TransferOptions::default() };
        // The two settings as the C setters make them, in both orders: off, then on again.
        if path_first {
            o.checkpoint_path = Some(cp.clone());
            o.resumable = false;
            o.resumable = true;
        } else {
            o.resumable = false;
            o.resumable = true;
            o.checkpoint_path = Some(cp.clone());
        }
        assert_eq!(o.checkpoint(), cos::Checkpoint::At(cp.clone()), "path first {path_first}");
        let dest = dir.path(&format!("out-{path_first}"));
        let e = f.client.download_file(&f.bucket, "obj", &dest, &o, Some(&mut |d, _| d < MIB)).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Cancelled, "{e:?}");
        assert!(cp.exists(), "path first {path_first}: the checkpoint is at the path");
        assert!(!Path::new(&format!("{}.cos-checkpoint", dest.display())).exists(), "not beside the file");
        f.client.download_file(&f.bucket, "obj", &dest, &o, None).unwrap();
        assert!(std::fs::read(&dest).unwrap() == object);
        assert!(!cp.exists());
    }
    let off = TransferOptions { resumable: false, checkpoint_path: Some(dir.path("x")), ..Default::default() };
    assert_eq!(off.checkpoint(), cos::Checkpoint::Off);
}

#[test]
fn c_setters_of_resumable_and_checkpoint_path_work_in_either_order() {
    let f = Fixture::new("c-opts-order");
    let object = data((5 * MIB / 2) as usize, 51);
    f.client.put_object(&f.bucket, "obj", &object, &RequestOptions::new()).unwrap();
    let out = cbuild::out_dir("transfer_options_order");
    let exe = cbuild::Build::C_DYNAMIC.compile(&cbuild::root().join("tests/c/transfer_options_order.c"), &out);
    let dir = TempDir::new("c-opts-order");
    let env = cbuild::cos_env(&f.emu.address, support::SECRET_ID, support::SECRET_KEY);
    let run = cbuild::run(&[], &exe, &[dir.0.to_str().unwrap(), &f.bucket, "obj"], &env, LIMIT);
    run.assert_success("transfer_options_order").assert_line("transfer_options_order", ", 0 failed");
    assert!(dir.names().is_empty(), "everything cleaned up: {:?}", dir.names());
}
