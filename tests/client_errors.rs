//! How operations fail: refused credentials, expired signatures, temporary credentials, unreachable and
//! silent servers, and error texts that never reveal a secret.

mod support;

use cos::{Client, ConfigBuilder, ErrorKind, RequestOptions};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::Emulator;

fn opts() -> RequestOptions {
    RequestOptions::new()
}

fn client_with(emu: &Emulator, adjust: impl FnOnce(&mut ConfigBuilder)) -> Client {
    let mut b = emu.config();
    adjust(&mut b);
    Client::new(b.build().unwrap()).unwrap()
}

/// A bucket with one object `k`, made with the default (good) credentials.
fn bucket_with_object(emu: &Emulator, tag: &str) -> String {
    let bucket = support::bucket(tag);
    let good = emu.client();
    good.create_bucket(&bucket, &opts()).unwrap();
    good.put_object(&bucket, "k", b"secret data", &opts()).unwrap();
    bucket
}

fn assert_refused(e: &cos::Error, status: u16, code: &str) {
    assert_eq!(e.kind(), ErrorKind::Service, "{e:?}");
    assert_eq!(e.http_status(), status, "{e:?}");
    assert_eq!(e.code(), Some(code), "{e:?}");
    assert!(e.request_id().is_some(), "{e:?}");
    assert_eq!(e.attempts(), 1, "{e:?}");
}

/// Display, Debug and the digest of an error never contain these strings.
fn assert_hides(e: &cos::Error, secrets: &[&str]) {
    let texts = [e.to_string(), format!("{e:?}"), format!("{e:#?}"), e.digest(), e.message().to_string()];
    for text in &texts {
        for secret in secrets {
            assert!(!text.contains(secret), "{secret:?} leaked in {text:?}");
        }
    }
}

#[test]
fn a_wrong_secret_key_is_signature_does_not_match() {
    let emu = Emulator::start();
    let bucket = bucket_with_object(&emu, "wrongkey");
    let wrong_key = "wrongSecretKeyValue12345";
    let client = client_with(&emu, |b| {
        b.credentials(support::SECRET_ID, wrong_key);
    });
    let e = client.get_object(&bucket, "k", &opts()).unwrap_err();
    assert_refused(&e, 403, "SignatureDoesNotMatch");
    assert!(e.raw_body().is_some_and(|b| b.contains("SignatureDoesNotMatch")));
    assert_hides(&e, &[wrong_key]);
    let e = client.put_object(&bucket, "k", b"overwrite", &opts()).unwrap_err();
    assert_refused(&e, 403, "SignatureDoesNotMatch");
    // A HEAD has no body: the status and request id still come through.
    let e = client.head_object(&bucket, "k", &opts()).unwrap_err();
    assert_eq!((e.kind(), e.http_status()), (ErrorKind::Service, 403), "{e:?}");
    assert!(e.request_id().is_some());
    let e = client.object_exists(&bucket, "k").unwrap_err();
    assert_eq!(e.http_status(), 403, "object_exists reports refusals: {e:?}");
    let e = client.list_buckets().unwrap_err();
    assert_refused(&e, 403, "SignatureDoesNotMatch");
    // Nothing changed.
    let (data, _) = emu.client().get_object(&bucket, "k", &opts()).unwrap();
    assert_eq!(data, b"secret data");
}

#[test]
fn an_unknown_secret_id_is_invalid_access_key_id() {
    let emu = Emulator::start();
    let bucket = bucket_with_object(&emu, "unknownid");
    let client = client_with(&emu, |b| {
        b.credentials("AKIDnobodyKnowsThisOne", support::SECRET_KEY);
    });
    let e = client.get_object(&bucket, "k", &opts()).unwrap_err();
    assert_refused(&e, 403, "InvalidAccessKeyId");
    assert_hides(&e, &[support::SECRET_KEY]);
    let e = client.create_bucket(&support::bucket("nope"), &opts()).unwrap_err();
    assert_refused(&e, 403, "InvalidAccessKeyId");
}

#[test]
fn a_skewed_clock_is_corrected_from_the_server_date() {
    let emu = Emulator::start();
    let bucket = bucket_with_object(&emu, "expired");
    // Two hours behind, then two hours ahead: COS answers "Request has expired"; the client learns the
    // offset from the answer's Date header and retries once with a corrected clock.
    for offset in [-7200, 7200] {
        let client = client_with(&emu, |b| {
            b.clock_offset(offset).sign_validity(60);
        });
        assert_eq!(client.get_object(&bucket, "k", &opts()).unwrap().0, b"secret data", "offset {offset}");
        // HEAD answers carry no body; the Date header alone shows the clock is off.
        let client = client_with(&emu, |b| {
            b.clock_offset(offset).sign_validity(60);
        });
        assert!(client.head_object(&bucket, "k", &opts()).is_ok(), "offset {offset}");
    }
    // A body from a stream cannot be sent twice: the expired signature is reported, not retried.
    let client = client_with(&emu, |b| {
        b.clock_offset(-7200).sign_validity(60);
    });
    let mut reader: &[u8] = b"streamed";
    let e = client.put_object_from_reader(&bucket, "s", &mut reader, 8, &opts()).unwrap_err();
    assert_refused(&e, 403, "AccessDenied");
    assert!(e.message().starts_with("Request has expired"), "{e}");
    assert_eq!(e.attempts(), 1);
    // A small skew within the window needs no correction.
    let client = client_with(&emu, |b| {
        b.clock_offset(-30).sign_validity(60);
    });
    assert_eq!(client.get_object(&bucket, "k", &opts()).unwrap().0, b"secret data");
}

#[test]
fn temporary_credentials_need_their_session_token() {
    let emu = Emulator::start();
    let bucket = bucket_with_object(&emu, "temp");
    let temp = client_with(&emu, |b| {
        b.credentials(support::TEMP_SECRET_ID, support::TEMP_SECRET_KEY).session_token(Some(support::SESSION_TOKEN));
    });
    let own = support::bucket("tempown");
    temp.create_bucket(&own, &opts()).unwrap();
    temp.put_object(&own, "t", b"temporary", &opts()).unwrap();
    assert_eq!(temp.get_object(&own, "t", &opts()).unwrap().0, b"temporary");
    assert!(temp.head_object(&bucket, "k", &opts()).is_ok());
    assert!(temp.list_buckets().unwrap().buckets.iter().any(|b| b.name == own));
    temp.delete_object(&own, "t", &opts()).unwrap();
    temp.delete_bucket(&own).unwrap();

    let wrong_token = "notTheRightSessionToken";
    let wrong = client_with(&emu, |b| {
        b.credentials(support::TEMP_SECRET_ID, support::TEMP_SECRET_KEY).session_token(Some(wrong_token));
    });
    let e = wrong.get_object(&bucket, "k", &opts()).unwrap_err();
    assert_refused(&e, 403, "InvalidAccessKeyId");
    assert_hides(&e, &[wrong_token, support::TEMP_SECRET_KEY]);
    let e = wrong.put_object(&bucket, "k", b"x", &opts()).unwrap_err();
    assert_eq!(e.http_status(), 403);

    let missing = client_with(&emu, |b| {
        b.credentials(support::TEMP_SECRET_ID, support::TEMP_SECRET_KEY);
    });
    let e = missing.get_object(&bucket, "k", &opts()).unwrap_err();
    assert_refused(&e, 403, "InvalidAccessKeyId");

    // The permanent key with a token attached still works (the token is ignored for it).
    let permanent = client_with(&emu, |b| {
        b.session_token(Some(support::SESSION_TOKEN));
    });
    assert!(permanent.get_object(&bucket, "k", &opts()).is_ok());
}

/// A port on which nothing listens.
fn closed_port() -> String {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap().to_string();
    drop(l);
    addr
}

fn client_for(address: &str, retries: u32, read_timeout: Duration) -> Client {
    let mut b = cos::Config::builder();
    b.region(support::REGION)
        .credentials(support::SECRET_ID, support::SECRET_KEY)
        .session_token(Some(support::SESSION_TOKEN))
        .address(address)
        .max_retries(retries)
        .connect_timeout(Duration::from_secs(2))
        .read_timeout(read_timeout);
    b.scheme("http").unwrap();
    Client::new(b.build().unwrap()).unwrap()
}

#[test]
fn a_closed_port_is_a_network_error_after_every_retry() {
    let address = closed_port();
    for retries in [0, 2] {
        let client = client_for(&address, retries, Duration::from_secs(2));
        let started = Instant::now();
        let e = client.get_object("b-1250000000", "k", &opts()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Network, "{e:?}");
        assert_eq!(e.attempts(), retries + 1, "{e:?}");
        assert_eq!(e.http_status(), 0);
        assert_eq!(e.code(), None);
        assert_eq!(e.request_id(), None);
        assert!(!e.is_service());
        assert!(started.elapsed() < Duration::from_secs(10));
        assert_hides(&e, &[support::SECRET_KEY, support::SESSION_TOKEN]);
        let e = client.put_object("b-1250000000", "k", b"x", &opts()).unwrap_err();
        assert_eq!((e.kind(), e.attempts()), (ErrorKind::Network, retries + 1));
        // A reader cannot be replayed: one attempt only.
        let e = client.put_object_from_reader("b-1250000000", "k", &mut &b"xy"[..], 2, &opts()).unwrap_err();
        assert_eq!((e.kind(), e.attempts()), (ErrorKind::Network, 1), "{e:?}");
    }
}

/// Accepts connections and never answers; counts them. The streams are kept open until the test ends.
fn silent_server() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    std::thread::spawn(move || {
        let mut open: Vec<TcpStream> = Vec::new();
        for stream in listener.incoming() {
            match stream {
                Ok(s) => {
                    count.fetch_add(1, Ordering::SeqCst);
                    open.push(s);
                }
                Err(_) => break,
            }
        }
    });
    (address, accepted)
}

#[test]
fn a_server_that_never_answers_is_a_timeout() {
    let (address, accepted) = silent_server();
    let client = client_for(&address, 0, Duration::from_millis(300));
    let started = Instant::now();
    let e = client.get_object("b-1250000000", "k", &opts()).unwrap_err();
    let took = started.elapsed();
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e:?}");
    assert_eq!(e.attempts(), 1);
    assert_eq!(e.http_status(), 0);
    assert!(took >= Duration::from_millis(250), "{took:?}");
    assert!(took < Duration::from_secs(3), "the read timeout was not applied: {took:?}");
    assert_eq!(accepted.load(Ordering::SeqCst), 1);
    assert_hides(&e, &[support::SECRET_KEY, support::SESSION_TOKEN]);

    // Timeouts are retried like other network failures.
    let client = client_for(&address, 1, Duration::from_millis(300));
    let e = client.head_object("b-1250000000", "k", &opts()).unwrap_err();
    assert_eq!((e.kind(), e.attempts()), (ErrorKind::Timeout, 2), "{e:?}");
    assert_eq!(accepted.load(Ordering::SeqCst), 3);

    // An upload waiting for its answer times out too.
    let client = client_for(&address, 0, Duration::from_millis(300));
    let started = Instant::now();
    let e = client.put_object("b-1250000000", "k", b"body", &opts()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e:?}");
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[test]
fn error_texts_never_contain_secrets() {
    let emu = Emulator::start();
    let bucket = bucket_with_object(&emu, "secrets");
    let mut errors = Vec::new();
    let temp = client_with(&emu, |b| {
        b.credentials(support::TEMP_SECRET_ID, "temporaryKeyThatIsWrong").session_token(Some(support::SESSION_TOKEN));
    });
    errors.push(temp.get_object(&bucket, "k", &opts()).unwrap_err());
    errors.push(temp.head_object(&bucket, "k", &opts()).unwrap_err());
    errors.push(temp.put_object(&bucket, "k", b"x", &opts()).unwrap_err());
    let good = client_with(&emu, |b| {
        b.session_token(Some(support::SESSION_TOKEN));
    });
    errors.push(good.get_object(&bucket, "missing", &opts()).unwrap_err());
    errors.push(good.head_object(&bucket, "missing", &opts()).unwrap_err());
    errors.push(good.create_bucket(&bucket, &opts()).unwrap_err());
    let dead = client_for(&closed_port(), 0, Duration::from_secs(1));
    errors.push(dead.list_buckets().unwrap_err());
    assert_eq!(errors[0].code(), Some("SignatureDoesNotMatch"), "{:?}", errors[0]);
    for e in &errors {
        assert_hides(
            e,
            &[
                "temporaryKeyThatIsWrong",
                support::SESSION_TOKEN,
                support::SECRET_KEY,
                support::TEMP_SECRET_KEY,
                "q-signature",
                "Authorization",
            ],
        );
        if let Some(body) = e.raw_body() {
            assert!(!body.contains(support::SESSION_TOKEN), "{body}");
        }
    }
    let config_text = format!("{:?}", temp.config());
    assert!(!config_text.contains("temporaryKeyThatIsWrong"), "{config_text}");
    assert!(!config_text.contains(support::SESSION_TOKEN), "{config_text}");
}
