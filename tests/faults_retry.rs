//! The retry policy against the emulator's injected faults: what is retried (5xx, 503 SlowDown, 429, 400
//! RequestTimeout, resets, timeouts), what is not (other 4xx, bodies that cannot be replayed), how many
//! attempts reach the wire (emulator counters vs `Error::attempts`), clock-skew correction, redirects and
//! domain failover, and the operation deadline.
//!
//! Every test runs its own emulator (faults and counters are global to one), and makes the faulted call with
//! a new client, so its attempts start on fresh connections.

mod support;

use cos::{ErrorKind, TransferOptions};
use std::time::{Duration, Instant};
use support::*;

/// An emulator with a bucket holding `k` = `body`.
fn setup(tag: &str, body: &[u8]) -> (Emulator, String) {
    let emu = Emulator::start_logged();
    let b = bucket(tag);
    let c = emu.short_client();
    c.create_bucket(&b, &opts()).unwrap();
    c.put_object(&b, "k", body, &opts()).unwrap();
    emu.reset_stats();
    (emu, b)
}

#[test]
fn server_errors_are_retried_until_success() {
    let body = data(100_000, 1);
    let (emu, b) = setup("r500", &body);
    emu.fault("kind=status&status=500&count=3&method=GET&key=k");
    let c = emu.client_with(3, |_| {});
    let (got, info) = within(Duration::from_secs(3), "3 retries", || c.get_object(&b, "k", &opts())).unwrap();
    assert_same(&got, &body, "after three 500s");
    assert_eq!(info.crc64(), Some(cos::crc64::checksum(&body)));
    let s = emu.stats();
    assert_eq!((s.requests, s.retries, s.faults), (4, 3, 3), "{s:?}");
    assert!(emu.pending_faults().is_empty());

    // 502, 503 (not SlowDown) and 504 alike.
    for status in [502, 503, 504] {
        emu.reset_stats();
        emu.fault(&format!("kind=status&status={status}&code=ServiceUnavailable&count=1&method=GET"));
        let (got, _) = emu.client_with(1, |_| {}).get_object(&b, "k", &opts()).unwrap();
        assert_same(&got, &body, &format!("after a {status}"));
        assert_eq!(emu.stats().requests, 2, "{status}");
    }
}

#[test]
fn server_errors_past_the_retry_limit_report_the_last_attempt() {
    let (emu, b) = setup("r500x", b"x");
    emu.fault("kind=status&status=500&count=10&method=GET");
    let c = emu.client_with(2, |_| {});
    let e = within(Duration::from_secs(3), "2 retries", || c.get_object(&b, "k", &opts())).unwrap_err();
    check_error(&e, ErrorKind::Service);
    assert_eq!((e.http_status(), e.code(), e.attempts()), (500, Some("InternalError"), 3), "{e:?}");
    assert_eq!(e.message(), "We encountered an internal error. Please try again.");
    let id = e.request_id().expect("the emulator's request id");
    assert!(!id.is_empty());
    assert!(e.trace_id().is_some());
    assert_eq!(e.resource().map(|r| r.ends_with("/k")), Some(true), "{e:?}");
    assert!(e.raw_body().is_some_and(|b| b.contains("<Code>InternalError</Code>") && b.contains(id)));
    assert!(e.digest().contains("attempts=3"), "{}", e.digest());
    let s = emu.stats();
    assert_eq!((s.requests, s.retries), (3, 2), "{s:?}");
    assert_eq!(emu.pending_faults().len(), 1, "7 of the 10 firings are left");
}

#[test]
fn slow_down_and_429_are_retried_after_a_longer_wait() {
    let (emu, b) = setup("slow", b"slow body");
    for (fault, code) in [
        ("kind=status&status=503&code=SlowDown&count=1", "SlowDown"),
        ("kind=status&status=429&code=TooManyRequests&count=1", "TooManyRequests"),
    ] {
        emu.reset_stats();
        emu.fault(fault);
        let c = emu.client_with(2, |_| {});
        let (got, _) = within(Duration::from_secs(3), code, || c.get_object(&b, "k", &opts())).unwrap();
        assert_eq!(got, b"slow body");
        let s = emu.stats();
        assert_eq!((s.requests, s.retries), (2, 1), "{code}: {s:?}");

        // Past the limit: the error is the service's, with every attempt counted.
        emu.fault(&fault.replace("count=1", "count=10"));
        let c = emu.client_with(1, |_| {});
        let e = within(Duration::from_secs(3), code, || c.get_object(&b, "k", &opts())).unwrap_err();
        check_error(&e, ErrorKind::Service);
        assert_eq!((e.code(), e.attempts()), (Some(code), 2), "{e:?}");
        emu.clear_faults();
    }
}

#[test]
fn request_timeout_400_is_retried_other_4xx_are_not() {
    let (emu, b) = setup("r400", b"body");
    emu.fault("kind=status&status=400&code=RequestTimeout&count=2");
    let (got, _) = emu.client_with(3, |_| {}).get_object(&b, "k", &opts()).unwrap();
    assert_eq!(got, b"body");
    let s = emu.stats();
    assert_eq!((s.requests, s.retries), (3, 2), "{s:?}");

    for (status, code) in [(400, "InvalidArgument"), (403, "AccessDenied"), (404, "NoSuchKey"), (409, "Conflict")] {
        emu.reset_stats();
        emu.fault(&format!("kind=status&status={status}&code={code}&count=5"));
        let c = emu.client_with(3, |_| {});
        let e = c.get_object(&b, "k", &opts()).unwrap_err();
        check_error(&e, ErrorKind::Service);
        assert_eq!((e.http_status(), e.code(), e.attempts()), (status, Some(code), 1), "{e:?}");
        assert!(e.request_id().is_some());
        // A PUT is refused the same way, once.
        let e = c.put_object(&b, "k2", b"new", &opts()).unwrap_err();
        assert_eq!((e.http_status(), e.attempts()), (status, 1), "{e:?}");
        // A HEAD's error has no body: status and ids come from the headers.
        let e = c.head_object(&b, "k", &opts()).unwrap_err();
        check_error(&e, ErrorKind::Service);
        assert_eq!((e.http_status(), e.attempts(), e.raw_body()), (status, 1, None), "{e:?}");
        assert!(e.request_id().is_some() && e.trace_id().is_some(), "{e:?}");
        let s = emu.stats();
        assert_eq!((s.requests, s.retries), (3, 0), "{status}: {s:?}");
        emu.clear_faults();
    }
}

#[test]
fn a_reset_before_the_response_is_retried() {
    let body = data(300_000, 2);
    let (emu, b) = setup("reset", &body);
    emu.fault("kind=reset&count=2&method=GET");
    let c = emu.client_with(3, |_| {});
    let (got, _) = c.get_object(&b, "k", &opts()).unwrap();
    assert_same(&got, &body, "GET after two resets");
    let s = emu.stats();
    assert_eq!((s.requests, s.retries, s.faults), (3, 2, 2), "{s:?}");

    // More resets than retries: a network error, with no response to name.
    emu.fault("kind=reset&count=10&method=GET");
    let e = within(Duration::from_secs(3), "resets", || emu.client_with(1, |_| {}).get_object(&b, "k", &opts()))
        .unwrap_err();
    check_error(&e, ErrorKind::Network);
    assert_eq!((e.http_status(), e.attempts(), e.request_id(), e.code()), (0, 2, None, None), "{e:?}");
    emu.clear_faults();

    // HEAD and DELETE too.
    emu.fault("kind=reset&count=1&method=HEAD");
    emu.client_with(1, |_| {}).head_object(&b, "k", &opts()).unwrap();
    emu.fault("kind=reset&count=1&method=DELETE");
    emu.client_with(1, |_| {}).delete_object(&b, "gone", &opts()).unwrap();
}

#[test]
fn upload_bodies_from_buffers_and_files_are_resent_whole() {
    let body = data(700_000, 3);
    let (emu, b) = setup("putreset", b"");
    let dir = TempDir::new("putreset");
    let file = dir.file("src", &body);
    let check = |key: &str| {
        let (got, info) = emu.short_client().get_object(&b, key, &opts()).unwrap();
        assert_same(&got, &body, key);
        assert_eq!(info.crc64(), Some(cos::crc64::checksum(&body)));
    };

    // Reset after part of the body was read, then before any of it.
    emu.fault("kind=reset&after_bytes=200000&count=1&method=PUT&key=buf");
    emu.fault("kind=reset&after_bytes=0&count=1&method=PUT&key=buf");
    let info = emu.client_with(2, |_| {}).put_object(&b, "buf", &body, &opts()).unwrap();
    assert_eq!(info.crc64(), Some(cos::crc64::checksum(&body)), "the stored object is whole");
    check("buf");
    let s = emu.stats();
    assert_eq!((s.method("PUT"), s.retries), (3, 2), "{s:?}");

    emu.reset_stats();
    emu.fault("kind=reset&after_bytes=500000&count=2&method=PUT&key=file");
    emu.client_with(2, |_| {}).put_object_from_file(&b, "file", &file, &opts()).unwrap();
    check("file");
    assert_eq!(emu.stats().method("PUT"), 3);

    // A 5xx after the whole body was received: resent as well.
    emu.fault("kind=status&status=503&code=ServiceUnavailable&count=1&method=PUT&key=file5");
    emu.client_with(1, |_| {}).put_object_from_file(&b, "file5", &file, &opts()).unwrap();
    check("file5");
}

#[test]
fn a_reader_body_is_not_retried() {
    let body = data(400_000, 4);
    let (emu, b) = setup("reader", b"");
    emu.fault("kind=reset&after_bytes=100000&count=1&method=PUT&key=stream");
    let c = emu.client_with(3, |_| {});
    let mut reader: &[u8] = &body;
    let e = c.put_object_from_reader(&b, "stream", &mut reader, body.len() as u64, &opts()).unwrap_err();
    check_error(&e, ErrorKind::Network);
    assert_eq!(e.attempts(), 1, "{e:?}");
    assert!(e.message().contains("not retried: the request body came from a stream that cannot be sent again"), "{e}");
    assert_eq!(emu.stats().method("PUT"), 1);
    let e = c.head_object(&b, "stream", &opts()).unwrap_err();
    assert_eq!(e.http_status(), 404, "nothing was stored: {e:?}");

    // A 503 likewise.
    emu.fault("kind=status&status=503&code=ServiceUnavailable&count=1&method=PUT&key=stream");
    let mut reader: &[u8] = &body;
    let e = c.put_object_from_reader(&b, "stream", &mut reader, body.len() as u64, &opts()).unwrap_err();
    assert_eq!((e.kind(), e.http_status(), e.attempts()), (ErrorKind::Service, 503, 1), "{e:?}");
    assert!(e.message().contains("not retried"), "{e}");
    // Without a fault the same call works.
    let mut reader: &[u8] = &body;
    c.put_object_from_reader(&b, "stream", &mut reader, body.len() as u64, &opts()).unwrap();
    assert_same(&c.get_object(&b, "stream", &opts()).unwrap().0, &body, "stream");
}

#[test]
fn multipart_parts_are_retried_and_the_object_is_intact() {
    let body = data((3 * MIB) as usize + 12_345, 5);
    let (emu, b) = setup("mpu", b"");
    let dir = TempDir::new("mpu");
    let file = dir.file("src", &body);
    emu.fault("kind=status&status=500&count=2&method=PUT&sub=partNumber");
    emu.fault("kind=reset&after_bytes=300000&count=1&method=PUT&sub=partNumber");
    emu.fault("kind=status&status=503&code=ServiceUnavailable&count=1&method=POST&sub=uploadId");
    let opts = TransferOptions { part_size: MIB, concurrency: 2, ..TransferOptions::default() };
    let c = emu.client_with(3, |_| {});
    let info = within(Duration::from_secs(20), "upload_file", || c.upload_file(&b, "big", &file, &opts, None)).unwrap();
    assert_eq!(info.crc64(), Some(cos::crc64::checksum(&body)));
    assert_same(&emu.short_client().get_object(&b, "big", &support::opts()).unwrap().0, &body, "multipart");
    assert!(emu.pending_faults().is_empty());
    assert_eq!(dir.names(), vec!["src"], "the checkpoint is gone after success");
}

#[test]
fn the_operation_deadline_bounds_many_503s() {
    let (emu, b) = setup("deadline", b"x");
    emu.fault("kind=status&status=503&code=ServiceUnavailable&count=1000");
    let limit = Duration::from_millis(1500);
    let c = emu.client_with(100, |cfg| {
        cfg.operation_timeout(Some(limit));
    });
    let started = Instant::now();
    let e = c.get_object(&b, "k", &opts()).unwrap_err();
    let took = started.elapsed();
    assert!(took <= limit + Duration::from_millis(300), "took {took:?}");
    check_error(&e, ErrorKind::Service);
    assert_eq!(e.http_status(), 503);
    assert!(e.message().contains("deadline"), "{e}");
    assert!(e.attempts() >= 3, "{e:?}");
    assert_eq!(emu.stats().requests, u64::from(e.attempts()), "every attempt reached the emulator once");

    // SlowDown waits longer, still inside the deadline.
    emu.clear_faults();
    emu.fault("kind=status&status=503&code=SlowDown&count=1000");
    let started = Instant::now();
    let e = c.get_object(&b, "k", &opts()).unwrap_err();
    assert!(started.elapsed() <= limit + Duration::from_millis(300), "took {:?}", started.elapsed());
    assert_eq!(e.code(), Some("SlowDown"));
}

/// The deadline bounds the whole operation, including an attempt in progress (a server that stalls longer
/// than the deadline but within the read timeout).
#[test]
fn the_operation_deadline_bounds_a_stalled_attempt() {
    let (emu, b) = setup("deadline2", b"x");
    emu.fault("kind=stall&ms=4000&count=1");
    let c = emu.client_with(3, |cfg| {
        cfg.read_timeout(Duration::from_secs(10)).operation_timeout(Some(Duration::from_millis(1000)));
    });
    let started = Instant::now();
    let r = c.get_object(&b, "k", &opts());
    let took = started.elapsed();
    assert!(took < Duration::from_millis(2000), "operation_timeout 1 s, took {took:?}: {r:?}");
    let e = r.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e:?}");
}

#[test]
fn clock_skew_is_corrected_from_the_server_date() {
    // An hour ahead: within a second of the signature's end, so a request may pass before any correction.
    let emu = Emulator::start_logged_with(&["--clock-skew", "3600"]);
    let b = bucket("skew");
    let c = emu.short_client();
    c.create_bucket(&b, &opts()).unwrap();
    let body = data(50_000, 6);
    c.put_object(&b, "k", &body, &opts()).unwrap();
    assert_same(&c.get_object(&b, "k", &opts()).unwrap().0, &body, "skew 3600");

    // Clearly outside the window, either way: the first operation takes one extra attempt, later ones none.
    for skew in ["7200", "-3600"] {
        let emu = Emulator::start_logged_with(&["--clock-skew", skew]);
        let c = emu.client_with(0, |_| {});
        c.create_bucket(&b, &opts()).unwrap();
        assert_eq!(emu.stats().requests, 2, "{skew}: one refusal, then the corrected attempt");
        c.put_object(&b, "k", &body, &opts()).unwrap();
        assert_same(&c.get_object(&b, "k", &opts()).unwrap().0, &body, skew);
        assert_eq!(emu.stats().requests, 4, "{skew}: later requests are signed right the first time");

        // A HEAD (no body to say "Request has expired") is corrected from the Date header alone.
        let c = emu.client_with(0, |_| {});
        c.head_object(&b, "k", &opts()).unwrap();
        assert_eq!(emu.stats().requests, 6, "{skew}");

        // A signature time set explicitly wrong is corrected the same way.
        let c = emu.client_with(0, |cfg| {
            cfg.clock_offset(-86_400);
        });
        c.get_object(&b, "k", &opts()).unwrap();
    }
}

#[test]
fn clock_skew_with_a_reader_body_fails_clearly() {
    let emu = Emulator::start_logged_with(&["--clock-skew", "-3600"]);
    let b = bucket("skewr");
    let setup = emu.short_client();
    setup.create_bucket(&b, &opts()).unwrap();
    let c = emu.client_with(3, |_| {});
    let mut reader: &[u8] = b"streamed";
    let e = c.put_object_from_reader(&b, "s", &mut reader, 8, &opts()).unwrap_err();
    check_error(&e, ErrorKind::Service);
    assert_eq!((e.http_status(), e.code(), e.attempts()), (403, Some("AccessDenied"), 1), "{e:?}");
    assert!(e.message().contains("Request has expired"), "{e}");
    // A replayable request corrects the clock; stream uploads then work too.
    c.put_object(&b, "bytes", b"fixed", &opts()).unwrap();
    let mut reader: &[u8] = b"streamed";
    c.put_object_from_reader(&b, "s", &mut reader, 8, &opts()).unwrap();
    assert_eq!(c.get_object(&b, "s", &opts()).unwrap().0, b"streamed");
}

#[test]
fn redirects_are_not_followed() {
    let (emu, b) = setup("redir", b"x");
    emu.fault("kind=redirect&count=1&method=GET");
    let e = emu.client_with(3, |_| {}).get_object(&b, "k", &opts()).unwrap_err();
    check_error(&e, ErrorKind::Service);
    assert_eq!((e.http_status(), e.code(), e.attempts()), (301, Some("Redirect"), 1), "{e:?}");
    assert!(e.message().contains("redirect HTTP 301"), "{e}");
    assert!(e.message().contains("tencentcos.cn"), "the Location is named: {e}");
    assert!(e.message().contains("not followed"), "{e}");
    assert_eq!(emu.stats().requests, 1);

    for status in [302, 307, 308] {
        emu.fault(&format!("kind=redirect&status={status}&count=1"));
        let e = emu.client_with(3, |_| {}).head_object(&b, "k", &opts()).unwrap_err();
        assert_eq!((e.http_status(), e.code(), e.attempts()), (status, Some("Redirect"), 1), "{e:?}");
    }
}

/// The Host of each logged request whose line contains `needle`.
fn hosts(emu: &Emulator, needle: &str) -> Vec<String> {
    emu.log()
        .iter()
        .filter(|l| l.contains(needle))
        .map(|l| l.split(' ').nth(1).unwrap_or("").split('/').next().unwrap_or("").to_string())
        .collect()
}

#[test]
fn with_switch_domain_a_redirect_is_retried_on_the_backup_domain() {
    let (emu, b) = setup("swdom", b"switched");
    emu.clear_log();
    emu.fault("kind=redirect&count=1&method=GET");
    let c = emu.client_with(3, |cfg| {
        cfg.switch_domain(true);
    });
    let (got, _) = c.get_object(&b, "k", &opts()).unwrap();
    assert_eq!(got, b"switched");
    let primary = format!("{b}.cos.{REGION}.myqcloud.com");
    let backup = format!("{b}.cos.{REGION}.tencentcos.cn");
    assert_eq!(hosts(&emu, "GET "), vec![primary.clone(), backup.clone()], "{:?}", emu.log());

    // Resets (no answer at all): the last attempt goes to the backup domain.
    emu.clear_log();
    emu.fault("kind=reset&count=2&method=GET");
    let switching = emu.client_with(2, |cfg| {
        cfg.switch_domain(true);
    });
    assert_eq!(switching.get_object(&b, "k", &opts()).unwrap().0, b"switched");
    assert_eq!(hosts(&emu, "GET "), vec![primary.clone(), primary.clone(), backup.clone()]);

    // A 5xx without the x-cos-request-id header: the client treats it as not from COS only when the body
    // names no request id either (the emulator's `no-request-id` fault may keep <RequestId> in the body).
    emu.fault("kind=no-request-id&status=503&code=ServiceUnavailable&count=1&method=GET");
    let e = emu.client_with(0, |_| {}).get_object(&b, "k", &opts()).unwrap_err();
    assert_eq!(e.http_status(), 503);
    emu.clear_log();
    emu.fault("kind=no-request-id&status=503&code=ServiceUnavailable&count=2&method=GET");
    assert_eq!(switching.get_object(&b, "k", &opts()).unwrap().0, b"switched");
    let last = if e.request_id().is_none() { backup.clone() } else { primary.clone() };
    assert_eq!(hosts(&emu, "GET "), vec![primary.clone(), primary.clone(), last], "{e:?}");

    // An answer from COS (with a request id) never switches; neither does a client without switch_domain.
    emu.clear_log();
    emu.fault("kind=status&status=503&code=ServiceUnavailable&count=2&method=GET");
    emu.client_with(2, |cfg| {
        cfg.switch_domain(true);
    })
    .get_object(&b, "k", &opts())
    .unwrap();
    assert_eq!(hosts(&emu, "GET "), vec![primary.clone(); 3]);
    emu.clear_log();
    emu.fault("kind=no-request-id&status=503&count=2&method=GET");
    emu.client_with(2, |_| {}).get_object(&b, "k", &opts()).unwrap();
    assert_eq!(hosts(&emu, "GET "), vec![primary.clone(); 3]);

    // A custom endpoint has no backup domain: the redirect is the error.
    emu.fault("kind=redirect&count=1&method=GET");
    let c = emu.client_with(3, |cfg| {
        cfg.switch_domain(true).endpoint("cos.example.com");
    });
    let e = c.get_object(&b, "k", &opts()).unwrap_err();
    assert_eq!((e.http_status(), e.attempts()), (301, 1), "{e:?}");
}
