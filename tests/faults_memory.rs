//! Hostile sizes: a 100 MB error body, a 100 MB "successful" XML answer, megabytes of response headers, a
//! single endless header line. The client must stay within bounded memory (peak RSS of this test process,
//! measured around each call) and bounded time, and say what it cut.
//!
//! The tests of this file run one at a time (a lock), so the peak RSS measured is theirs alone.

mod support;

use cos::ErrorKind;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::Mutex;
use std::time::Duration;
use support::*;

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

const HUNDRED_MB: u64 = 100_000_000;

fn status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with(field)).unwrap_or_else(|| panic!("{field} in /proc/self/status"));
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// Runs `f` and returns its result with the growth of this process's peak RSS while it ran, in bytes.
fn peak_growth<T>(f: impl FnOnce() -> T) -> (T, u64) {
    // Writing 5 to clear_refs resets the peak (VmHWM) to the current RSS.
    std::fs::write("/proc/self/clear_refs", "5").expect("reset the peak RSS");
    let before = status_kib("VmRSS:");
    let out = f();
    let peak = status_kib("VmHWM:");
    (out, peak.saturating_sub(before) * 1024)
}

fn setup(tag: &str) -> (Emulator, String) {
    let emu = Emulator::start_logged();
    let b = bucket(tag);
    let c = emu.short_client();
    c.create_bucket(&b, &opts()).unwrap();
    c.put_object(&b, "k", b"small object", &opts()).unwrap();
    (emu, b)
}

#[test]
fn a_100_mb_error_body_is_cut_at_1_mib() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let (emu, b) = setup("hugeerr");
    let c = emu.client_with(2, |_| {});
    c.get_object(&b, "k", &opts()).unwrap(); // warm up the pool and allocator
    emu.reset_stats();
    emu.fault(&format!("kind=huge-error&status=500&bytes={HUNDRED_MB}&count=3&method=GET"));
    let (r, grew) = peak_growth(|| within(Duration::from_secs(10), "3 huge errors", || c.get_object(&b, "k", &opts())));
    let e = r.unwrap_err();
    check_error(&e, ErrorKind::Service);
    assert_eq!((e.http_status(), e.attempts()), (500, 3), "{e:?}");
    assert!(e.message().contains("error body truncated to 1048576 bytes"), "{e}");
    assert_eq!(e.raw_body().map(str::len), Some(cos::error::MAX_ERROR_BODY), "the raw body is kept up to the cap");
    assert!(e.request_id().is_some(), "from the header: {e:?}");
    assert!(grew < 24 << 20, "peak RSS grew by {} MiB for three 100 MB bodies", grew >> 20);
    assert_eq!(emu.stats().requests, 3);

    // Not retried (404): one attempt, same cut.
    emu.fault(&format!("kind=huge-error&status=404&code=NoSuchKey&bytes={HUNDRED_MB}&count=1&method=GET"));
    let (r, grew) = peak_growth(|| c.get_object(&b, "k", &opts()));
    let e = r.unwrap_err();
    assert_eq!((e.http_status(), e.attempts()), (404, 1), "{e:?}");
    assert!(e.message().contains("truncated"), "{e}");
    assert!(grew < 24 << 20, "peak RSS grew by {} MiB", grew >> 20);
    // The client is still usable.
    assert_eq!(c.get_object(&b, "k", &opts()).unwrap().0, b"small object");
}

/// An XML answer the client reads whole (listings, copy, multipart) has no business being 100 MB: a hostile
/// or broken server must not make the client buffer it all.
#[test]
fn a_100_mb_xml_answer_is_refused_not_buffered() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let (emu, b) = setup("hugexml");
    let c = emu.client_with(0, |_| {});
    c.list_objects(&b, &cos::ListParams::default()).unwrap();
    emu.fault(&format!("kind=huge-error&status=200&bytes={HUNDRED_MB}&count=1&method=GET"));
    let (r, grew) =
        peak_growth(|| within(Duration::from_secs(20), "a 100 MB listing", || c.list_objects(&b, &Default::default())));
    let e = r.unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Parse | ErrorKind::Service), "{e:?}");
    assert!(grew < 48 << 20, "peak RSS grew by {} MiB for a 100 MB XML answer", grew >> 20);
}

#[test]
fn megabytes_of_headers_are_refused_with_bounded_memory() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let (emu, b) = setup("hugehdr");
    let c = emu.client_with(2, |_| {});
    c.get_object(&b, "k", &opts()).unwrap();

    // 64 KiB of extra headers: an odd answer, but a valid one.
    emu.fault("kind=huge-headers&bytes=65536&count=1&method=GET");
    let (got, info) = c.get_object(&b, "k", &opts()).unwrap();
    assert_eq!(got, b"small object");
    assert!(info.headers.len() > 10);

    // 5 MB: refused (too many header fields), not retried, memory bounded.
    emu.reset_stats();
    emu.fault("kind=huge-headers&bytes=5000000&count=5&method=GET");
    let (r, grew) = peak_growth(|| within(Duration::from_secs(5), "huge headers", || c.get_object(&b, "k", &opts())));
    let e = r.unwrap_err();
    check_error(&e, ErrorKind::Parse);
    assert!(e.message().contains("header"), "{e}");
    assert!(grew < 16 << 20, "peak RSS grew by {} MiB", grew >> 20);
    emu.clear_faults();

    // One header line that never ends (a fake server): cut at the 64 KiB head limit.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(3) {
            let Ok(mut stream) = stream else { break };
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut line = String::new();
                while reader.read_line(&mut line).unwrap_or(0) > 2 {
                    line.clear();
                }
                let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nx-endless: ");
                let chunk = vec![b'a'; 1 << 20];
                for _ in 0..50 {
                    if stream.write_all(&chunk).is_err() {
                        break;
                    }
                }
            });
        }
    });
    let mut cfg = emu.short_config();
    cfg.address(&address).max_retries(2);
    let c = cos::Client::new(cfg.build().unwrap()).unwrap();
    let (r, grew) = peak_growth(|| within(Duration::from_secs(5), "endless header", || c.get_object(&b, "k", &opts())));
    let e = r.unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Network | ErrorKind::Parse), "{e:?}");
    assert!(e.message().contains("header"), "{e}");
    assert!(grew < 16 << 20, "peak RSS grew by {} MiB", grew >> 20);
}
