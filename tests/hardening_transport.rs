//! Hardening of the transport against misbehaving servers on loopback: heads limited by size (not by the
//! number of fields), bounded trailers, stalled-stream protection, the operation deadline over every
//! attempt, attempts counted, early answers, pooled connections the server closed. Every case is bounded in
//! time and checks the status, the message, the attempts and that no wrong byte reached the caller.

mod support;

use cos::{ErrorKind, RequestOptions, StallProtection};
use std::time::{Duration, Instant};
use support::hostile::{within, Hostile};

const BUCKET: &str = "examplebucket-1250000000";

fn opts() -> RequestOptions {
    RequestOptions::default()
}

/// A client for `server` with stalled-stream protection set to `min` bytes/s over `grace`.
fn stall_client(server: &Hostile, min: u64, grace: Duration, retries: u32) -> cos::Client {
    let mut cfg = server.config();
    cfg.max_retries(retries).stall_protection(Some(StallProtection { min_bytes_per_sec: min, grace }));
    cos::Client::new(cfg.build().unwrap()).unwrap()
}

fn ok_head(len: usize) -> String {
    format!("HTTP/1.1 200 OK\r\nx-cos-request-id: hostile-1\r\nContent-Length: {len}\r\n\r\n")
}

#[test]
fn a_plain_answer_from_the_hostile_server_is_understood() {
    let server = Hostile::each_request(|_, conn| {
        let _ = conn.respond("200 OK", &[("x-cos-request-id", "req-1".into())], b"hello");
    });
    let client = server.client();
    let body = within(Duration::from_secs(20), "get", move || client.get_object(BUCKET, "a.txt", &opts()));
    assert_eq!(body.unwrap().0, b"hello");
    assert_eq!(server.requests()[0].method, "GET");
}

#[test]
fn an_object_with_cos_maximum_user_metadata_reads_back() {
    // 150 fields of user metadata within COS's 2 KB limit, through the emulator: written, then read back.
    let emu = support::Emulator::start();
    let client = emu.client();
    let bucket = support::bucket("meta150");
    client.create_bucket(&bucket, &opts()).unwrap();
    let mut o = opts();
    for i in 0..150 {
        o.metadata(&format!("m{i}"), "v").unwrap();
    }
    client.put_object(&bucket, "many-meta", b"payload", &o).unwrap();
    let info = client.head_object(&bucket, "many-meta", &opts()).unwrap();
    assert_eq!(info.metadata().count(), 150, "every field came back");
    assert_eq!(info.meta("m149"), Some("v"));
    let (body, info) = client.get_object(&bucket, "many-meta", &opts()).unwrap();
    assert_eq!((body.as_slice(), info.metadata().count()), (&b"payload"[..], 150));
}

#[test]
fn a_head_of_a_thousand_small_fields_is_read_and_a_head_over_128_kib_is_refused() {
    let server = Hostile::each_request(|req, conn| {
        let fields = if req.target.contains("big") { 8000 } else { 1000 };
        let mut head = String::from("HTTP/1.1 200 OK\r\nx-cos-request-id: many\r\n");
        for i in 0..fields {
            head.push_str(&format!("x-cos-meta-f{i}: {i}\r\n"));
        }
        head.push_str("Content-Length: 2\r\n\r\nok");
        let _ = conn.write(head.as_bytes());
    });
    let client = server.client();
    let info = client.head_object(BUCKET, "small", &opts()).unwrap();
    assert_eq!(info.meta("f999"), Some("999"));
    let client = server.client();
    let e = within(Duration::from_secs(20), "big head", move || client.head_object(BUCKET, "big", &opts()).err())
        .expect("a 180 KB head is refused");
    assert_eq!(e.kind(), ErrorKind::Parse, "{e:?}");
    assert!(e.message().contains("131072 bytes"), "{e}");
    assert_eq!(e.attempts(), 1, "a head that is too large is not asked for again: {e:?}");
}

#[test]
fn endless_trailers_end_with_an_error() {
    let server = Hostile::each_request(|_, conn| {
        let head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nx-cos-request-id: trailers\r\n\r\n";
        let _ = conn.write(format!("{head}5\r\nhello\r\n0\r\n").as_bytes());
        let line = b"x-trailer: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n";
        for _ in 0..100_000 {
            if conn.write(line).is_err() {
                break;
            }
        }
    });
    let client = server.client();
    let e = within(Duration::from_secs(20), "trailers", move || client.get_object(BUCKET, "t", &opts())).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Parse, "{e:?}");
    assert!(e.message().contains("trailers") && e.message().contains("16384"), "{e}");
}

#[test]
fn a_chunked_body_with_a_few_trailers_is_read() {
    let server = Hostile::each_request(|_, conn| {
        let head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
        let _ =
            conn.write(format!("{head}5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nx-a: 1\r\nx-b: 2\r\n\r\n").as_bytes());
    });
    let client = server.client();
    assert_eq!(client.get_object(BUCKET, "c", &opts()).unwrap().0, b"hello world");
    // The connection went back to the pool and carries the next request.
    assert_eq!(client.get_object(BUCKET, "c", &opts()).unwrap().0, b"hello world");
    assert_eq!(server.connections(), 1);
}

#[test]
fn a_dripped_head_trips_stall_protection_and_is_retried() {
    let server = Hostile::each_request(|_, conn| {
        let _ = conn.drip(ok_head(2).as_bytes(), Duration::from_millis(300));
    });
    let client = stall_client(&server, 100, Duration::from_secs(1), 1);
    let started = Instant::now();
    let e =
        within(Duration::from_secs(30), "dripped head", move || client.get_object(BUCKET, "d", &opts())).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e:?}");
    assert!(e.message().contains("stalled") && e.message().contains("100 bytes/s"), "{e}");
    assert_eq!(e.attempts(), 2, "a stall is retried like a timeout: {e:?}");
    assert_eq!(server.requests().len(), 2);
    assert!(started.elapsed() < Duration::from_secs(8), "{:?}", started.elapsed());
}

#[test]
fn a_dripped_body_trips_stall_protection_and_no_wrong_byte_is_returned() {
    let server = Hostile::each_request(|_, conn| {
        let _ = conn.write(ok_head(1000).as_bytes());
        let _ = conn.write(&[b'x'; 10]);
        let _ = conn.drip(&[b'y'; 990], Duration::from_millis(400));
    });
    let client = stall_client(&server, 100, Duration::from_secs(1), 0);
    let e =
        within(Duration::from_secs(30), "dripped body", move || client.get_object(BUCKET, "d", &opts())).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e:?}");
    assert!(e.message().contains("stalled"), "{e}");
    assert!(e.attempts() >= 1, "{e:?}");
}

#[test]
fn the_default_protection_ends_a_drip_that_the_read_timeout_never_would() {
    // One byte every 2.5 s: each byte restarts a read timeout of 5 s, so only stall protection (on by
    // default: 1 byte/s over 20 s) can end it.
    let server = Hostile::each_request(|_, conn| {
        let _ = conn.drip(ok_head(2).as_bytes(), Duration::from_millis(2500));
    });
    let mut cfg = server.config();
    cfg.max_retries(0);
    let config = cfg.build().unwrap();
    assert_eq!(config.stall_protection, Some(StallProtection::default()), "on by default");
    let client = cos::Client::new(config).unwrap();
    let started = Instant::now();
    let e =
        within(Duration::from_secs(40), "default drip", move || client.head_object(BUCKET, "d", &opts())).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e:?}");
    assert!(e.message().contains("stalled"), "{e}");
    let took = started.elapsed();
    assert!(took >= Duration::from_secs(19) && took < Duration::from_secs(30), "{took:?}");
}

#[test]
fn a_steady_slow_stream_never_trips_stall_protection() {
    // 300 KB at 100 KB/s against a strict setting (10 KB/s over 1 s): three seconds of slow, steady body.
    let body: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    let sent = body.clone();
    let server = Hostile::each_request(move |_, conn| {
        let _ = conn.write(ok_head(sent.len()).as_bytes());
        let _ = conn.trickle(&sent, 100_000);
    });
    let client = stall_client(&server, 10_000, Duration::from_secs(1), 0);
    let got = within(Duration::from_secs(30), "slow stream", move || client.get_object(BUCKET, "s", &opts()));
    assert!(got.as_ref().is_ok_and(|(b, _)| *b == body), "{:?}", got.err());
}

#[test]
fn an_upload_to_a_server_that_stops_reading_trips_stall_protection() {
    // The server reads the head and then nothing: the client's socket buffer fills and writes stall.
    let server = Hostile::start(|conn| {
        let _ = conn.request_head_only();
        std::thread::sleep(Duration::from_secs(10));
    });
    let client = stall_client(&server, 1000, Duration::from_secs(1), 0);
    let data = vec![7u8; 64 << 20];
    let started = Instant::now();
    let e = within(Duration::from_secs(30), "stalled upload", move || client.put_object(BUCKET, "u", &data, &opts()))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e:?}");
    assert!(e.message().contains("stalled"), "{e}");
    assert!(started.elapsed() < Duration::from_secs(8), "{:?}", started.elapsed());
}

#[test]
fn the_operation_timeout_bounds_every_attempt_together() {
    // A server that accepts and never answers; 3 retries of a 5 s read timeout would take 20 s.
    let server = Hostile::start(|conn| {
        let _ = conn.request();
        std::thread::sleep(Duration::from_secs(20));
    });
    let mut cfg = server.config();
    cfg.max_retries(3).operation_timeout(Some(Duration::from_millis(1500)));
    let client = cos::Client::new(cfg.build().unwrap()).unwrap();
    let started = Instant::now();
    let e = within(Duration::from_secs(30), "deadline", move || client.head_object(BUCKET, "t", &opts())).unwrap_err();
    let took = started.elapsed();
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e:?}");
    assert!(took >= Duration::from_millis(1400) && took < Duration::from_millis(2000), "{took:?}");
    assert!(e.message().contains("deadline"), "{e}");
    assert_eq!(e.attempts() as usize, server.requests().len(), "every request sent is counted: {e:?}");
}

#[test]
fn every_request_sent_is_counted_in_attempts() {
    // Every connection is closed right after the request arrives: a network error, retried.
    let server = Hostile::start(|conn| {
        let _ = conn.request();
    });
    let client = server.client();
    let e = within(Duration::from_secs(20), "closing", move || client.head_object(BUCKET, "c", &opts())).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Network, "{e:?}");
    assert_eq!(e.attempts(), 3, "{e:?}");
    assert_eq!(server.requests().len(), 3, "no request was sent without being counted");
}

#[test]
fn an_early_refusal_of_an_upload_is_reported_as_the_servers_answer() {
    // Like COS refusing a large PUT before reading it: answer 403 at once, close, never read the body.
    let server = Hostile::start(|conn| {
        let _ = conn.request_head_only();
        let body =
            "<Error><Code>AccessDenied</Code><Message>refused early</Message><RequestId>early-1</RequestId></Error>";
        let _ = conn.write(
            format!("HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}", body.len())
                .as_bytes(),
        );
    });
    let client = server.client();
    let data = vec![1u8; 32 << 20];
    let e =
        within(Duration::from_secs(20), "early", move || client.put_object(BUCKET, "e", &data, &opts())).unwrap_err();
    assert_eq!(
        (e.kind(), e.code(), e.request_id()),
        (ErrorKind::Service, Some("AccessDenied"), Some("early-1")),
        "{e:?}"
    );
}

#[test]
fn a_pooled_connection_the_server_closed_is_not_used() {
    // Answers one request per connection, keep-alive announced, then closes: the client must notice before
    // sending the next request there (no failed attempt, no retry).
    let server = Hostile::start(|conn| {
        if conn.request().is_some() {
            let _ = conn.respond("200 OK", &[], b"one");
        }
    });
    let client = server.client();
    for _ in 0..3 {
        let (body, _) = client.get_object(BUCKET, "p", &opts()).unwrap();
        assert_eq!(body, b"one");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(server.requests().len(), 3, "no request was lost on a dead connection");
    assert!(server.requests().iter().all(|r| r.header("x-cos-sdk-retry").is_none()), "nothing was retried");
}

#[test]
fn interim_answers_are_skipped_and_bad_framing_is_a_parse_error() {
    let server = Hostile::each_request(|req, conn| {
        if req.target.contains("interim") {
            let _ = conn.write(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n");
            let _ = conn.respond("200 OK", &[], b"final");
        } else {
            let _ = conn.write(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\nhello");
        }
    });
    let client = server.client();
    assert_eq!(client.get_object(BUCKET, "interim", &opts()).unwrap().0, b"final");
    let e = client.get_object(BUCKET, "conflict", &opts()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Parse, "{e:?}");
    assert!(e.message().contains("Content-Length"), "{e}");
}
