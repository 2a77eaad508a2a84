//! The per-client log against the emulator: one line per attempt with method, host, path, status, the
//! request id the emulator issued, attempt number, bytes and latency; a retried attempt and the reason on
//! the next line; levels; two clients apart; and no secret in any line (secret key, session token,
//! signature, SSE-C key, presigned signature). From C too (`tests/c/log.c`).

#[path = "c/cbuild.rs"]
mod cbuild;
mod support;

use cos::observe::{LogLevel, Logger};
use cos::{Client, RequestOptions};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use support::{Emulator, SECRET_KEY, SESSION_TOKEN, TEMP_SECRET_ID, TEMP_SECRET_KEY};

type Lines = Arc<Mutex<Vec<(LogLevel, String)>>>;

fn logging_client(
    emu: &Emulator,
    max_level: LogLevel,
    adjust: impl FnOnce(&mut cos::ConfigBuilder),
) -> (Client, Lines) {
    let lines: Lines = Arc::default();
    let sink = lines.clone();
    let mut b = emu.config();
    b.logger(Some(Logger {
        max_level,
        sink: Arc::new(move |level, line| sink.lock().unwrap().push((level, line.into()))),
    }));
    adjust(&mut b);
    (Client::new(b.build().unwrap()).unwrap(), lines)
}

fn taken(lines: &Lines) -> Vec<(LogLevel, String)> {
    std::mem::take(&mut *lines.lock().unwrap())
}

const BUCKET: &str = "logged-1250000000";
const HOST: &str = "logged-1250000000.cos.ap-guangzhou.myqcloud.com";

#[test]
fn one_line_per_attempt_with_what_happened() {
    let emu = Emulator::start();
    let (client, lines) = logging_client(&emu, LogLevel::Info, |_| {});
    let o = RequestOptions::new();
    client.create_bucket(BUCKET, &o).unwrap();
    let info = client.put_object(BUCKET, "dir/a.txt", b"hello log", &o).unwrap();
    let got = taken(&lines);
    assert_eq!(got.len(), 2, "{got:?}");
    let (level, line) = &got[1];
    assert_eq!(*level, LogLevel::Info);
    assert!(line.starts_with(&format!("PUT {HOST}/dir/a.txt attempt 1 -> 200 in ")), "{line}");
    assert!(line.contains(&format!("request id {}", info.headers.request_id().unwrap())), "{line}");
    assert!(line.contains("sent 9 B"), "{line}");

    // A 503 then a success: two lines, the second saying why it was made.
    emu.fault("kind=status&status=503&code=SlowDown&count=1&method=GET");
    let (body, info) = client.get_object(BUCKET, "dir/a.txt", &o).unwrap();
    assert_eq!(body, b"hello log");
    let got = taken(&lines);
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(got[0].0, LogLevel::Warn);
    assert!(got[0].1.contains("GET") && got[0].1.contains("attempt 1 -> 503"), "{}", got[0].1);
    assert!(got[0].1.contains("failed: HTTP 503 SlowDown"), "{}", got[0].1);
    assert!(got[1].1.contains("attempt 2 -> 200"), "{}", got[1].1);
    assert!(got[1].1.contains("retry after: HTTP 503 SlowDown (waited "), "{}", got[1].1);
    assert!(got[1].1.contains(&format!("request id {}", info.headers.request_id().unwrap())), "{}", got[1].1);
    assert!(got[1].1.contains("received 9 B"), "{}", got[1].1);

    // A connection that cannot be made: no answer, the reason named.
    let (dead, lines) = logging_client(&emu, LogLevel::Info, |b| {
        b.address("127.0.0.1:1").max_retries(1).connect_timeout(Duration::from_secs(2));
    });
    dead.head_bucket(BUCKET).unwrap_err();
    let got = taken(&lines);
    assert_eq!(got.len(), 2, "{got:?}");
    assert!(got[0].1.contains("-> no answer") && got[0].1.contains("failed: Network"), "{}", got[0].1);
    assert!(got[1].1.contains("attempt 2") && got[1].1.contains("retry after: Network"), "{}", got[1].1);
}

#[test]
fn levels_filter_and_clients_keep_their_own_lines() {
    let emu = Emulator::start();
    let (quiet, quiet_lines) = logging_client(&emu, LogLevel::Warn, |_| {});
    let (chatty, chatty_lines) = logging_client(&emu, LogLevel::Trace, |_| {});
    let o = RequestOptions::new();
    quiet.create_bucket(BUCKET, &o).unwrap();
    assert!(taken(&quiet_lines).is_empty(), "a success is Info, below Warn");
    assert!(taken(&chatty_lines).is_empty(), "another client's request is not in this one's log");
    chatty.head_object(BUCKET, "missing", &o).unwrap_err();
    let got = taken(&chatty_lines);
    assert_eq!(got.len(), 1);
    assert!(got[0].1.contains("HEAD") && got[0].1.contains("-> 404"), "{}", got[0].1);
    assert!(taken(&quiet_lines).is_empty());

    // At Debug, each answered attempt also says which connection carried it: the first a new one.
    let (debug, debug_lines) = logging_client(&emu, LogLevel::Debug, |_| {});
    debug.put_object(BUCKET, "a", b"1", &o).unwrap();
    debug.put_object(BUCKET, "b", b"2", &o).unwrap();
    let got = taken(&debug_lines);
    let levels: Vec<LogLevel> = got.iter().map(|(l, _)| *l).collect();
    assert_eq!(levels, [LogLevel::Debug, LogLevel::Info, LogLevel::Debug, LogLevel::Info], "{got:?}");
    assert!(
        got[0].1.starts_with(&format!("PUT {HOST}/a attempt 1 went over a new connection, made in ")),
        "{}",
        got[0].1
    );
    assert_eq!(got[2].1, format!("PUT {HOST}/b attempt 1 went over a pooled connection"));
}

#[test]
fn no_secret_reaches_a_line() {
    let emu = Emulator::start();
    let (client, lines) = logging_client(&emu, LogLevel::Trace, |b| {
        b.credentials(TEMP_SECRET_ID, TEMP_SECRET_KEY).session_token(Some(SESSION_TOKEN));
    });
    let o = RequestOptions::new();
    client.create_bucket(BUCKET, &o).unwrap();
    let key = [7u8; 32];
    let mut sse = RequestOptions::new();
    sse.sse_customer_key(&key).unwrap();
    client.put_object(BUCKET, "secret-object", b"x", &sse).unwrap();
    client.get_object(BUCKET, "secret-object", &sse).unwrap();
    emu.fault("kind=status&status=403&code=AccessDenied&count=1&method=GET");
    client.get_object(BUCKET, "secret-object", &sse).unwrap_err();
    let url = client.presign_url("GET", BUCKET, "secret-object", 1_700_000_000, 60, &[]).unwrap();
    let signature = url.split("q-signature=").nth(1).unwrap().split('&').next().unwrap().to_string();
    let got = taken(&lines);
    assert!(got.len() >= 4, "{got:?}");
    use base64::Engine as _;
    let key_b64 = base64::engine::general_purpose::STANDARD.encode(key);
    for (_, line) in &got {
        for secret in [TEMP_SECRET_KEY, SECRET_KEY, SESSION_TOKEN, &key_b64, &signature, "q-signature", "Authorization"]
        {
            assert!(!line.contains(secret), "{secret:?} in {line}");
        }
    }
}

/// `tests/c/log.c`: the callback through the header, under ASan.
#[test]
fn logging_from_c() {
    let emu = Emulator::start();
    let out = cbuild::out_dir("log");
    let exe = cbuild::Build::C_ASAN.compile(&cbuild::root().join("tests/c/log.c"), &out);
    let mut env = cbuild::cos_env(&emu.address, support::SECRET_ID, SECRET_KEY);
    env.extend(cbuild::sanitizer_env());
    let run = cbuild::run(&[], &exe, &[], &env, Duration::from_secs(60));
    run.assert_success("log.c").assert_line("log.c", "log: ");
}
