//! Raw signed requests (`Client::send_request`, the Python SDK's `send_request`) against the emulator:
//! objects, a bucket sub-resource and the service endpoint through it, a body from a file, another host,
//! errors as rich service errors, retries of 503s, and bad input refused before anything is sent.

mod support;

use cos::{ErrorKind, RawRequest, RawTarget};
use support::{opts, Emulator};

fn raw(method: &str, target: RawTarget, path: &str) -> RawRequest {
    let mut r = RawRequest::new();
    r.method(method).unwrap().target(target).unwrap().path(path).unwrap();
    r
}

#[test]
fn objects_sub_resources_and_the_service() {
    let emu = Emulator::start();
    let client = emu.client();
    let bucket = support::bucket("raw");
    client.create_bucket(&bucket, &opts()).unwrap();
    let b = || RawTarget::Bucket(bucket.clone());

    let mut put = raw("PUT", b(), "/raw/中 文.txt");
    put.header("Content-Type", "text/plain").unwrap().header("x-cos-meta-via", "raw").unwrap();
    put.body(b"raw body");
    let answer = client.send_request(&put).unwrap();
    assert_eq!(answer.status, 200);
    assert_eq!(answer.info.crc64(), Some(cos::crc64::checksum(b"raw body")));
    let (data, info) = client.get_object(&bucket, "raw/中 文.txt", &opts()).unwrap();
    assert_eq!((data.as_slice(), info.meta("via")), (&b"raw body"[..], Some("raw")));

    let got = client.send_request(&raw("GET", b(), "/raw/中 文.txt")).unwrap();
    assert_eq!((got.status, got.body.as_slice()), (200, &b"raw body"[..]));
    assert_eq!(got.info.headers.get("content-type"), Some("text/plain"));
    let mut ranged = raw("GET", b(), "/raw/中 文.txt");
    ranged.header("Range", "bytes=4-").unwrap();
    let part = client.send_request(&ranged).unwrap();
    assert_eq!((part.status, part.body.as_slice()), (206, &b"body"[..]));
    let head = client.send_request(&raw("HEAD", b(), "/raw/中 文.txt")).unwrap();
    assert_eq!((head.status, head.info.content_length(), head.body.len()), (200, Some(8), 0));

    // A bucket sub-resource: the ACL document, exactly as COS writes it.
    let mut acl = raw("GET", b(), "/");
    acl.query("acl", "").unwrap();
    let doc = client.send_request(&acl).unwrap();
    assert!(String::from_utf8_lossy(&doc.body).contains("<AccessControlPolicy>"), "{:?}", doc);
    // A listing with query parameters.
    let mut list = raw("GET", b(), "/");
    list.query("prefix", "raw/").unwrap();
    let listing = String::from_utf8(client.send_request(&list).unwrap().body).unwrap();
    assert!(listing.contains("<Key>raw/中 文.txt</Key>"), "{listing}");
    // The service endpoint: list buckets.
    let service = client.send_request(&raw("GET", RawTarget::Service, "/")).unwrap();
    assert!(String::from_utf8_lossy(&service.body).contains(&format!("<Name>{bucket}</Name>")));

    // A body from a file, then DELETE.
    let dir = support::TempDir::new("raw");
    let path = dir.file("body.bin", &support::data(300_000, 7));
    let mut from_file = raw("PUT", b(), "/from-file");
    from_file.body_file(&path);
    client.send_request(&from_file).unwrap();
    assert_eq!(client.get_object(&bucket, "from-file", &opts()).unwrap().0, support::data(300_000, 7));
    let deleted = client.send_request(&raw("DELETE", b(), "/from-file")).unwrap();
    assert_eq!(deleted.status, 204);
    assert_eq!(client.head_object(&bucket, "from-file", &opts()).unwrap_err().http_status(), 404);
    let mut missing_file = raw("PUT", b(), "/x");
    missing_file.body_file(&dir.path("absent"));
    assert_eq!(client.send_request(&missing_file).unwrap_err().kind(), ErrorKind::Io);

    // Another host, signed and sent as given (through the configured connect address): the bucket's own
    // host spelled out works; a CI-style host reaches the server signed (no SignatureDoesNotMatch).
    let own = RawTarget::Host(format!("{bucket}.cos.ap-guangzhou.myqcloud.com"));
    assert_eq!(client.send_request(&raw("GET", own, "/raw/中 文.txt")).unwrap().body, b"raw body");
    let ci = RawTarget::Host("1250000000.ci.ap-guangzhou.myqcloud.com".into());
    let e = client.send_request(&raw("GET", ci, "/some/job")).unwrap_err();
    assert_eq!((e.kind(), e.code()), (ErrorKind::Service, Some("NoSuchBucket")), "{e}");
}

#[test]
fn errors_retries_and_temporary_credentials() {
    let emu = Emulator::start();
    let client = emu.client_with(3, |_| {});
    let bucket = support::bucket("rawerr");
    client.create_bucket(&bucket, &opts()).unwrap();
    let b = || RawTarget::Bucket(bucket.clone());

    let e = client.send_request(&raw("GET", b(), "/missing")).unwrap_err();
    assert_eq!((e.kind(), e.http_status(), e.code()), (ErrorKind::Service, 404, Some("NoSuchKey")));
    assert!(e.request_id().is_some() && e.raw_body().is_some_and(|x| x.contains("<Code>NoSuchKey</Code>")), "{e:?}");
    let e = client.send_request(&raw("HEAD", b(), "/missing")).unwrap_err();
    assert_eq!((e.http_status(), e.code()), (404, Some("NoSuchResource")));

    client.put_object(&bucket, "k", b"v", &opts()).unwrap();
    emu.reset_stats();
    emu.fault("kind=status&status=503&code=ServiceUnavailable&count=2&method=GET");
    let answer = client.send_request(&raw("GET", b(), "/k")).unwrap();
    assert_eq!(answer.body, b"v");
    assert_eq!(emu.stats().retries, 2, "two 503s retried");
    emu.fault("kind=status&status=503&code=ServiceUnavailable&count=9&method=GET");
    let e = client.send_request(&raw("GET", b(), "/k")).unwrap_err();
    assert_eq!((e.http_status(), e.attempts()), (503, 4), "{e}");
    emu.clear_faults();

    let mut temp = emu.config();
    temp.credentials(support::TEMP_SECRET_ID, support::TEMP_SECRET_KEY).session_token(Some(support::SESSION_TOKEN));
    let temp = cos::Client::new(temp.build().unwrap()).unwrap();
    assert_eq!(temp.send_request(&raw("GET", b(), "/k")).unwrap().body, b"v");
    let mut wrong = emu.config();
    wrong.credentials(support::SECRET_ID, "notTheKey");
    let e = cos::Client::new(wrong.build().unwrap()).unwrap().send_request(&raw("GET", b(), "/k")).unwrap_err();
    assert_eq!(e.code(), Some("SignatureDoesNotMatch"));
}

/// The operation timeout bounds a raw request, its retries included: 0.7 s against a 10 s stall (the bound of
/// 5 s leaves room for a loaded machine and still fails if the stall were waited out).
#[test]
fn the_deadline_applies() {
    let emu = Emulator::start();
    let client = emu.client_with(5, |b| {
        b.operation_timeout(Some(std::time::Duration::from_millis(700)));
    });
    let bucket = support::bucket("rawdeadline");
    client.create_bucket(&bucket, &opts()).unwrap();
    emu.fault("kind=stall&ms=10000&method=GET");
    let started = std::time::Instant::now();
    let e = client.send_request(&raw("GET", RawTarget::Bucket(bucket.clone()), "/")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    assert!(e.message().contains("operation timeout"), "{e}");
    assert!(started.elapsed() < std::time::Duration::from_secs(5), "{:?}", started.elapsed());
}

#[test]
fn bad_input_is_refused_naming_it() {
    let mut r = RawRequest::new();
    for (e, what) in [
        (r.method("get").unwrap_err(), "method"),
        (r.path("x").unwrap_err(), "path"),
        (r.target(RawTarget::Host("h:8080".into())).unwrap_err(), "host"),
        (r.target(RawTarget::Bucket("NoSuch_Bucket".into())).unwrap_err(), "bucket"),
        (r.header("Host", "x").unwrap_err(), "Host"),
        (r.query("", "x").unwrap_err(), "query"),
    ] {
        assert_eq!(e.kind(), ErrorKind::InvalidArgument);
        assert!(e.message().to_lowercase().contains(&what.to_lowercase()), "{what}: {e}");
    }
}
