//! Faults in response bodies and in what a response says: connections reset or closed mid-body, stalls,
//! wrong CRC-64s, error bodies that are not COS XML (HTML, truncated, empty), a 200 answer carrying an
//! `<Error>`. Downloads either succeed with the right bytes or fail with the right kind, and never leave a
//! partial or corrupt file at the destination.

mod support;

use cos::{ErrorKind, TransferOptions};
use std::time::{Duration, Instant};
use support::*;

/// An emulator with a bucket holding `key` = `body`.
fn setup(tag: &str, key: &str, body: &[u8]) -> (Emulator, String) {
    let emu = Emulator::start_logged();
    let b = bucket(tag);
    let c = emu.short_client();
    c.create_bucket(&b, &opts()).unwrap();
    c.put_object(&b, key, body, &opts()).unwrap();
    emu.reset_stats();
    emu.clear_log();
    (emu, b)
}

fn parts(part_size: u64) -> TransferOptions {
    TransferOptions { part_size, concurrency: 2, ..TransferOptions::default() }
}

/// (status, body length) of the logged GETs (`-> 206 (N bytes`): the length the emulator meant to send, which
/// a cut body does not reach.
fn get_lengths(emu: &Emulator) -> Vec<(u16, u64)> {
    emu.log()
        .iter()
        .filter(|l| l.starts_with("GET "))
        .filter_map(|l| {
            let (_, rest) = l.split_once(" -> ")?;
            let status = rest.get(..3)?.parse().ok()?;
            let n = rest.split_once('(')?.1.split_once(' ')?.0.parse().ok()?;
            Some((status, n))
        })
        .collect()
}

#[test]
fn a_reset_mid_body_fails_get_object_cleanly() {
    let body = data(MIB as usize, 10);
    let (emu, b) = setup("rstbody", "k", &body);
    emu.fault("kind=reset-body&after_bytes=300000&count=1&method=GET");
    let c = emu.client_with(3, |_| {});
    let r = within(Duration::from_secs(3), "get_object", || c.get_object(&b, "k", &opts()));
    match r {
        // A client may resume or retry the body; then the bytes must be exact.
        Ok((got, _)) => assert_same(&got, &body, "get_object after a mid-body reset"),
        Err(e) => {
            check_error(&e, ErrorKind::Network);
            assert_eq!(e.http_status(), 200, "the exchange that broke: {e:?}");
            assert!(e.request_id().is_some(), "{e:?}");
            assert!(e.attempts() >= 1);
        }
    }

    // To a file: the destination never holds a partial object, and no temporary file is left.
    let dir = TempDir::new("rstbody");
    emu.fault("kind=reset-body&after_bytes=300000&count=1&method=GET");
    let dest = dir.path("dest");
    match c.get_object_to_file(&b, "k", &dest, &opts()) {
        Ok(_) => assert_same(&read(&dest), &body, "file"),
        Err(e) => {
            assert_eq!(e.kind(), ErrorKind::Network, "{e:?}");
            assert!(dir.names().is_empty(), "left behind: {:?}", dir.names());
        }
    }

    // A body closed early (FIN, not RST) is a network error too, never short data.
    emu.fault("kind=short-body&after_bytes=1000&count=1&method=GET");
    match c.get_object(&b, "k", &opts()) {
        Ok((got, _)) => assert_same(&got, &body, "after a short body"),
        Err(e) => {
            check_error(&e, ErrorKind::Network);
            assert_eq!(e.http_status(), 200);
            assert!(e.message().contains("response body"), "{e}");
        }
    }
    // Zero bytes of the body.
    emu.fault("kind=short-body&after_bytes=0&count=1&method=GET");
    assert!(c.get_object(&b, "k", &opts()).map(|(g, _)| g == body).unwrap_or(true));
}

#[test]
fn download_file_resumes_a_broken_part_from_its_offset() {
    let size = (3 * MIB) as usize + 54_321;
    let body = data(size, 11);
    let (emu, b) = setup("dlresume", "big", &body);
    let dir = TempDir::new("dlresume");
    let dest = dir.path("out");
    // Two parts break: one after 200000 bytes (RST), one after 500000 (FIN).
    emu.fault("kind=reset-body&after_bytes=200000&count=1&method=GET");
    emu.fault("kind=short-body&after_bytes=500000&count=1&method=GET");
    let c = emu.client_with(3, |_| {});
    let info =
        within(Duration::from_secs(10), "download_file", || c.download_file(&b, "big", &dest, &parts(MIB), None))
            .unwrap();
    assert_eq!(info.content_length(), Some(size as u64));
    assert_same(&read(&dest), &body, "download_file after two broken parts");
    assert_eq!(dir.names(), vec!["out"], "no partial file or checkpoint left");

    // Four parts, two broken: six ranged GETs. A broken part is resumed from the bytes it already has, so some
    // GET asks for less than a part: after the close at 500000 bytes, at most the part's last 548576 bytes.
    // (A reset may discard data the client had not read yet, so how far that part got is not fixed; and which
    // request each fault hits depends on timing.)
    let lengths = get_lengths(&emu);
    assert_eq!(lengths.len(), 6, "{:?}", emu.log());
    assert!(lengths.iter().all(|(s, _)| *s == 206), "{lengths:?}");
    assert!(lengths.iter().any(|(_, n)| *n <= MIB - 500_000 && *n != 54_321), "{lengths:?}");
    let s = emu.stats();
    assert_eq!((s.method("HEAD"), s.method("GET")), (1, 6), "{s:?}");
}

#[test]
fn download_file_that_keeps_breaking_fails_then_resumes_from_its_checkpoint() {
    let size = (4 * MIB) as usize;
    let body = data(size, 12);
    let (emu, b) = setup("dlfail", "big", &body);
    let dir = TempDir::new("dlfail");
    let dest = dir.path("out");
    // The first two ranged GETs go through (a 1 ms stall is the harmless fault that uses them up); every
    // later one breaks after 1000 bytes, so part 3 gives up after its retries.
    emu.fault("kind=stall&ms=1&count=2&method=GET");
    emu.fault("kind=reset-body&after_bytes=1000&count=1000&method=GET");
    let c = emu.client_with(2, |_| {});
    let opts1 = TransferOptions { concurrency: 1, ..parts(MIB) };
    let e = within(Duration::from_secs(10), "failing download", || c.download_file(&b, "big", &dest, &opts1, None))
        .unwrap_err();
    check_error(&e, ErrorKind::Network);
    assert!(e.message().starts_with("part 3 (bytes 2097152..=3145727)"), "names the part: {e}");
    assert_eq!(e.attempts(), 3, "{e:?}");
    assert!(!dest.exists(), "the destination is untouched");
    assert_eq!(dir.names(), vec!["out.cos-checkpoint", "out.cos-partial"]);
    emu.clear_faults();
    emu.reset_stats();

    // The rerun continues from the checkpoint and produces the exact object.
    c.download_file(&b, "big", &dest, &opts1, None).unwrap();
    assert_same(&read(&dest), &body, "resumed download");
    assert_eq!(dir.names(), vec!["out"]);
    let s = emu.stats();
    assert_eq!((s.method("HEAD"), s.method("GET")), (1, 2), "only parts 3 and 4 are fetched again: {s:?}");
}

#[test]
fn a_stall_longer_than_the_read_timeout_is_a_timeout() {
    let body = data(200_000, 13);
    let (emu, b) = setup("stall", "k", &body);
    let quick = |retries| {
        emu.client_with(retries, |cfg| {
            cfg.read_timeout(Duration::from_millis(300));
        })
    };
    // Before the response head: retried, then reported as a timeout.
    emu.fault("kind=stall&ms=3000&count=5&method=GET");
    let e = within(Duration::from_millis(1800), "2 attempts of 300 ms", || quick(1).get_object(&b, "k", &opts()))
        .unwrap_err();
    check_error(&e, ErrorKind::Timeout);
    assert_eq!((e.attempts(), e.http_status()), (2, 0), "{e:?}");
    emu.clear_faults();

    // One stall, then an answer: the retry succeeds.
    emu.fault("kind=stall&ms=3000&count=1&method=GET");
    let (got, _) =
        within(Duration::from_secs(2), "stall then success", || quick(1).get_object(&b, "k", &opts())).unwrap();
    assert_same(&got, &body, "after a stall");

    // Mid-body with a retry left: the read resumes from where it stopped (If-Match on the ETag).
    emu.fault("kind=stall&ms=3000&at=body&after_bytes=10000&count=1&method=GET");
    let (got, _) =
        within(Duration::from_millis(1500), "stall mid-body, resumed", || quick(1).get_object(&b, "k", &opts()))
            .unwrap();
    assert_same(&got, &body, "resumed after a mid-body stall");

    // Mid-body without retries: the response came, so the error names it.
    emu.fault("kind=stall&ms=3000&at=body&after_bytes=10000&count=1&method=GET");
    let e =
        within(Duration::from_millis(1500), "stall mid-body", || quick(0).get_object(&b, "k", &opts())).unwrap_err();
    check_error(&e, ErrorKind::Timeout);
    assert_eq!(e.http_status(), 200, "{e:?}");
    assert!(e.request_id().is_some(), "{e:?}");

    // A stall shorter than the timeout is just slow.
    emu.fault("kind=stall&ms=150&count=1&method=GET");
    emu.fault("kind=stall&ms=150&at=body&after_bytes=5000&count=1&method=GET");
    let c = quick(0);
    assert_same(&c.get_object(&b, "k", &opts()).unwrap().0, &body, "short stall");
    assert_same(&c.get_object(&b, "k", &opts()).unwrap().0, &body, "short body stall");

    // A PUT whose answer stalls.
    emu.fault("kind=stall&ms=3000&count=5&method=PUT");
    let e =
        within(Duration::from_millis(1800), "PUT stall", || quick(1).put_object(&b, "p", &body, &opts())).unwrap_err();
    assert_eq!((e.kind(), e.attempts()), (ErrorKind::Timeout, 2), "{e:?}");
}

#[test]
fn a_wrong_crc_is_a_checksum_mismatch_and_leaves_no_file() {
    let body = data(500_000, 14);
    let (emu, b) = setup("badcrc", "k", &body);
    let c = emu.client_with(3, |_| {});
    let dir = TempDir::new("badcrc");

    emu.fault("kind=bad-crc&count=1&method=GET");
    let e = c.get_object(&b, "k", &opts()).unwrap_err();
    check_error(&e, ErrorKind::ChecksumMismatch);
    assert_eq!((e.http_status(), e.attempts()), (200, 1), "not retried: {e:?}");
    assert!(e.request_id().is_some(), "{e:?}");
    assert!(e.message().contains(&cos::crc64::checksum(&body).to_string()), "names the local CRC: {e}");

    emu.fault("kind=bad-crc&count=1&method=GET");
    let e = c.get_object_to_file(&b, "k", &dir.path("dest"), &opts()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ChecksumMismatch, "{e:?}");
    assert!(dir.names().is_empty(), "no file and no temporary: {:?}", dir.names());

    // An existing destination is left as it was.
    let dest = dir.file("dest", b"previous content");
    emu.fault("kind=bad-crc&count=1&method=GET");
    assert!(c.get_object_to_file(&b, "k", &dest, &opts()).is_err());
    assert_eq!(read(&dest), b"previous content");
    assert_eq!(dir.names(), vec!["dest"]);

    // download_file checks the whole object against the HEAD's CRC.
    std::fs::remove_file(&dest).unwrap();
    emu.fault("kind=bad-crc&count=1&method=HEAD");
    let e = c.download_file(&b, "k", &dest, &parts(MIB), None).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ChecksumMismatch, "{e:?}");
    assert!(dir.names().is_empty(), "{:?}", dir.names());

    // An upload whose answer reports another CRC: the object is not what was sent.
    emu.reset_stats();
    emu.fault("kind=bad-crc&count=1&method=PUT");
    let e = c.put_object(&b, "up", &body, &opts()).unwrap_err();
    check_error(&e, ErrorKind::ChecksumMismatch);
    assert!(e.request_id().is_some(), "{e:?}");
    assert_eq!(emu.stats().method("PUT"), 1, "a checksum mismatch is not retried");

    // With verification off, the bytes come as they are.
    emu.fault("kind=bad-crc&count=1&method=GET");
    let mut o = opts();
    o.verify_crc(false);
    assert_same(&c.get_object(&b, "k", &o).unwrap().0, &body, "unverified");
}

#[test]
fn error_bodies_that_are_not_cos_xml_are_kept_raw() {
    let (emu, b) = setup("nonxml", "k", b"x");
    let c = emu.client_with(1, |_| {});

    // An HTML page from a proxy, on a 502: retried, then reported with the page.
    emu.fault("kind=non-xml&status=502&count=5&method=GET");
    let e = c.get_object(&b, "k", &opts()).unwrap_err();
    check_error(&e, ErrorKind::Service);
    assert_eq!((e.http_status(), e.code(), e.attempts()), (502, None, 2), "{e:?}");
    assert!(e.raw_body().is_some_and(|r| r.contains("<html>") && r.contains("502 Bad Gateway")), "{e:?}");
    assert!(e.message().contains("502") && e.message().contains("not COS error XML"), "{e}");
    assert!(e.request_id().is_some(), "the request id comes from the header: {e:?}");
    emu.clear_faults();

    // On a 4xx: not retried.
    emu.fault("kind=non-xml&status=400&count=5&method=GET");
    let e = c.get_object(&b, "k", &opts()).unwrap_err();
    assert_eq!((e.http_status(), e.attempts()), (400, 1), "{e:?}");
    emu.clear_faults();

    // Half an XML error: the raw half is kept; ids from the headers.
    emu.fault("kind=truncated-xml&status=500&count=5&method=GET");
    let e = c.get_object(&b, "k", &opts()).unwrap_err();
    check_error(&e, ErrorKind::Service);
    assert_eq!((e.http_status(), e.attempts()), (500, 2), "{e:?}");
    let raw = e.raw_body().expect("the raw body");
    assert!(raw.starts_with("<?xml") && !raw.contains("</Error>"), "{raw}");
    assert!(e.request_id().is_some(), "{e:?}");
    emu.clear_faults();

    // No body at all.
    for (status, code) in [(500, None), (404, Some("NoSuchResource")), (403, None)] {
        emu.fault(&format!("kind=empty-status&status={status}&count=5&method=GET"));
        let e = c.get_object(&b, "k", &opts()).unwrap_err();
        check_error(&e, ErrorKind::Service);
        assert_eq!((e.http_status(), e.code(), e.raw_body()), (status, code, None), "{e:?}");
        assert!(e.request_id().is_some(), "{e:?}");
        assert!(e.resource().is_some_and(|r| r.ends_with("/k")), "{e:?}");
        if code.is_none() {
            assert!(e.message().contains(&format!("HTTP {status} with no error body")), "{e}");
        }
        emu.clear_faults();
    }
}

#[test]
fn a_200_copy_answer_carrying_an_error_is_a_service_error() {
    let (emu, b) = setup("err200", "src", b"copy me");
    let c = emu.client_with(3, |_| {});
    emu.fault("kind=error-200&code=InternalError&count=1&method=PUT&key=dst");
    let e = c.copy_object(&b, "src", &b, "dst", &opts()).unwrap_err();
    check_error(&e, ErrorKind::Service);
    assert_eq!((e.http_status(), e.code()), (200, Some("InternalError")), "{e:?}");
    assert_eq!(e.message(), "We encountered an internal error. Please try again.");
    assert!(e.request_id().is_some(), "{e:?}");
    assert!(e.raw_body().is_some_and(|r| r.contains("<Error>")), "{e:?}");
    assert_eq!(emu.stats().method("PUT"), 1, "not retried");
    assert_eq!(e.attempts(), 1, "the one request made counts as an attempt: {e:?}");
    let e = c.head_object(&b, "dst", &opts()).unwrap_err();
    assert_eq!(e.http_status(), 404, "nothing was copied: {e:?}");

    // Completing a multipart upload likewise.
    let id = c.create_multipart_upload(&b, "mp", &opts()).unwrap();
    let part = c.upload_part(&b, "mp", &id, 1, cos::Body::Bytes(b"only part"), &opts()).unwrap();
    emu.fault("kind=error-200&code=InternalError&count=1&method=POST&key=mp");
    let e = c.complete_multipart_upload(&b, "mp", &id, std::slice::from_ref(&part), &opts()).unwrap_err();
    assert_eq!((e.http_status(), e.code()), (200, Some("InternalError")), "{e:?}");
    // The upload is still there and completes once the fault is gone.
    c.complete_multipart_upload(&b, "mp", &id, &[part], &opts()).unwrap();
    assert_eq!(c.get_object(&b, "mp", &opts()).unwrap().0, b"only part");
}

#[test]
fn a_malformed_success_answer_is_a_parse_error_naming_the_response() {
    let (emu, b) = setup("badxml", "k", b"x");
    let c = emu.client_with(3, |_| {});
    for (fault, what) in [
        ("kind=truncated-xml&status=200&count=1&method=GET", "list"),
        ("kind=non-xml&status=200&count=1&method=GET", "list"),
        ("kind=truncated-xml&status=200&count=1&method=PUT", "copy"),
        ("kind=truncated-xml&status=200&count=1&method=POST", "initiate"),
    ] {
        emu.fault(fault);
        let e = match what {
            "list" => c.list_objects(&b, &Default::default()).unwrap_err(),
            "copy" => c.copy_object(&b, "k", &b, "k2", &opts()).unwrap_err(),
            _ => c.create_multipart_upload(&b, "m", &opts()).unwrap_err(),
        };
        check_error(&e, ErrorKind::Parse);
        assert_eq!(e.attempts(), 1, "{fault}: a Parse error is not retried: {e:?}");
        assert_eq!(e.http_status(), 200, "{fault}: the status of the answer that did not parse: {e:?}");
        assert!(e.request_id().is_some(), "{fault}: the request id of that answer: {e:?}");
    }
}

#[test]
fn a_success_without_request_id_is_still_a_success() {
    let body = data(10_000, 15);
    let (emu, b) = setup("noid", "k", &body);
    emu.fault("kind=no-request-id&count=3");
    let c = emu.client_with(0, |_| {});
    let (got, info) = c.get_object(&b, "k", &opts()).unwrap();
    assert_same(&got, &body, "no request id");
    assert_eq!(info.headers.request_id(), None);
    c.head_object(&b, "k", &opts()).unwrap();
    c.put_object(&b, "k2", &body, &opts()).unwrap();
    // Without a request id a failure still reports everything else.
    emu.fault("kind=no-request-id&status=404&code=NoSuchKey&count=1");
    let e = c.get_object(&b, "k", &opts()).unwrap_err();
    assert_eq!((e.http_status(), e.code()), (404, Some("NoSuchKey")), "{e:?}");
}

#[test]
fn every_fault_ends_in_bounded_time() {
    // Many faults at once against every operation: each call ends (success or the right kind of error)
    // well within its timeouts, and nothing panics.
    let body = data(300_000, 16);
    let (emu, b) = setup("mixed", "k", &body);
    let c = emu.client_with(2, |cfg| {
        cfg.read_timeout(Duration::from_millis(250));
    });
    let faults = [
        "kind=status&status=500",
        "kind=empty-status&status=503",
        "kind=non-xml",
        "kind=truncated-xml",
        "kind=reset",
        "kind=reset-body&after_bytes=100",
        "kind=short-body&after_bytes=100",
        "kind=stall&ms=600",
        "kind=stall&ms=600&at=body&after_bytes=10",
        "kind=bad-crc",
        "kind=error-200",
        "kind=redirect",
        "kind=huge-headers",
        "kind=huge-error&bytes=3000000",
        "kind=no-request-id",
    ];
    let started = Instant::now();
    for f in faults {
        for op in 0..5 {
            emu.clear_faults();
            emu.fault(&format!("{f}&count=2"));
            let t = Instant::now();
            let result: Result<(), cos::Error> = match op {
                // A GET answered 200 with an <Error> body is indistinguishable from an object holding that XML.
                0 if f == "kind=error-200" => c.get_object(&b, "k", &opts()).map(drop),
                0 => c.get_object(&b, "k", &opts()).map(|(g, _)| assert_same(&g, &body, f)),
                1 => c.put_object(&b, "p", &body, &opts()).map(drop),
                2 => c.head_object(&b, "k", &opts()).map(drop),
                3 => c.list_objects(&b, &cos::ListParams::default()).map(drop),
                _ => c.delete_object(&b, "p", &opts()).map(drop),
            };
            if let Err(e) = &result {
                assert_ne!(e.kind(), ErrorKind::Internal, "{f} op {op}: {e:?}");
                assert_ne!(e.kind(), ErrorKind::InvalidArgument, "{f} op {op}: {e:?}");
                assert!(!e.message().is_empty());
            }
            assert!(t.elapsed() < Duration::from_secs(3), "{f} op {op} took {:?}: {result:?}", t.elapsed());
        }
    }
    assert!(started.elapsed() < Duration::from_secs(40), "{:?}", started.elapsed());
}
