//! AppendObject against the emulator: `Client::append_object` and `Appender` (new, resume, CRC-64 checks
//! across appends), and the 409 answers for a wrong position and for a normal object.

mod support;

use cos::crc64::checksum;
use cos::{Appender, ErrorKind, RequestOptions};
use support::Fixture;

fn assert_service(e: &cos::Error, status: u16, code: &str) {
    assert_eq!(e.kind(), ErrorKind::Service, "{e:?}");
    assert_eq!(e.http_status(), status, "{e:?}");
    assert_eq!(e.code(), Some(code), "{e:?}");
    assert!(e.request_id().is_some_and(|id| !id.is_empty()), "{e:?}");
}

const CHUNKS: [&[u8]; 4] = [b"first line\n", b"second, longer line\n", b"", b"last"];

#[test]
fn appends_build_the_object() {
    let f = Fixture::new("append-seq");
    let mut opts = RequestOptions::new();
    opts.content_type("text/plain").unwrap().metadata("color", "blue").unwrap();
    let mut whole = Vec::new();
    for chunk in CHUNKS {
        let (next, info) = f.client.append_object(&f.bucket, "log", whole.len() as u64, chunk, &opts).unwrap();
        whole.extend_from_slice(chunk);
        assert_eq!(next, whole.len() as u64);
        assert_eq!(info.crc64(), Some(checksum(&whole)), "the CRC-64 is the whole object's");
    }
    let (data, info) = f.client.get_object(&f.bucket, "log", &RequestOptions::new()).unwrap();
    assert_eq!(data, whole);
    assert_eq!(info.crc64(), Some(checksum(&whole)));
    assert_eq!(info.headers.get("x-cos-object-type"), Some("appendable"));
    assert_eq!(info.content_type(), Some("text/plain"));
    assert_eq!(info.meta("color"), Some("blue"));
}

#[test]
fn a_wrong_position_is_a_409_with_a_request_id() {
    let f = Fixture::new("append-pos");
    let opts = RequestOptions::new();
    f.client.append_object(&f.bucket, "k", 0, b"abc", &opts).unwrap();
    for position in [0, 2, 4] {
        let e = f.client.append_object(&f.bucket, "k", position, b"d", &opts).unwrap_err();
        assert_service(&e, 409, "AppendPositionErr");
        assert!(e.message().contains('3'), "the message gives the current length: {e:?}");
    }
    // An appender whose position went stale gets the same error and keeps its position.
    let mut appender = Appender::new(&f.client, &f.bucket, "k", &opts).unwrap();
    assert_service(&appender.append(b"d").unwrap_err(), 409, "AppendPositionErr");
    assert_eq!(appender.position(), 0);
    assert_eq!(f.get("k"), b"abc");
}

#[test]
fn a_normal_object_is_not_appendable() {
    let f = Fixture::new("append-normal");
    let opts = RequestOptions::new();
    f.client.put_object(&f.bucket, "plain", b"abc", &opts).unwrap();
    let e = f.client.append_object(&f.bucket, "plain", 3, b"d", &opts).unwrap_err();
    assert_service(&e, 409, "ObjectNotAppendable");
    let e = Appender::resume(&f.client, &f.bucket, "plain", &opts).err().expect("resumed a normal object");
    assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e:?}");
    assert!(e.message().contains("not appendable"), "{e:?}");
    // A PUT over an appendable object makes it normal again.
    f.client.append_object(&f.bucket, "was-appendable", 0, b"a", &opts).unwrap();
    f.client.put_object(&f.bucket, "was-appendable", b"b", &opts).unwrap();
    let e = f.client.append_object(&f.bucket, "was-appendable", 1, b"c", &opts).unwrap_err();
    assert_service(&e, 409, "ObjectNotAppendable");
}

#[test]
fn an_appender_resumes_after_a_head() {
    let f = Fixture::new("append-resume");
    let opts = RequestOptions::new();
    let mut appender = Appender::new(&f.client, &f.bucket, "k", &opts).unwrap();
    assert_eq!((appender.position(), appender.crc64()), (0, Some(0)));
    let mut whole = Vec::new();
    for chunk in &CHUNKS[..2] {
        let info = appender.append(chunk).unwrap();
        whole.extend_from_slice(chunk);
        assert_eq!(info.crc64(), Some(checksum(&whole)));
        assert_eq!((appender.position(), appender.crc64()), (whole.len() as u64, Some(checksum(&whole))));
    }
    drop(appender);

    let mut appender = Appender::resume(&f.client, &f.bucket, "k", &opts).unwrap();
    assert_eq!((appender.position(), appender.crc64()), (whole.len() as u64, Some(checksum(&whole))));
    for chunk in &CHUNKS[2..] {
        appender.append(chunk).unwrap();
        whole.extend_from_slice(chunk);
    }
    assert_eq!(appender.position(), whole.len() as u64);
    assert_eq!(f.get("k"), whole);
    let e = Appender::resume(&f.client, &f.bucket, "missing", &opts).err().expect("resumed a missing object");
    assert_eq!((e.kind(), e.http_status()), (ErrorKind::Service, 404), "{e:?}");
}

#[test]
fn a_wrong_crc_is_a_checksum_mismatch() {
    let f = Fixture::new("append-crc");
    let opts = RequestOptions::new();
    let mut appender = Appender::new(&f.client, &f.bucket, "k", &opts).unwrap();
    appender.append(b"first").unwrap();
    f.emu.fault("kind=bad-crc&sub=append");
    let e = appender.append(b"second").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ChecksumMismatch, "{e:?}");
    assert_eq!(appender.position(), 5, "a failed append leaves the position alone");

    // The first append of append_object is checked against the bytes sent; later ones cannot be.
    f.emu.fault("kind=bad-crc&sub=append");
    let e = f.client.append_object(&f.bucket, "first", 0, b"abc", &opts).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ChecksumMismatch, "{e:?}");
    let mut unchecked = RequestOptions::new();
    unchecked.verify_crc(false);
    f.emu.fault("kind=bad-crc&sub=append");
    f.client.append_object(&f.bucket, "unchecked", 0, b"abc", &unchecked).unwrap();
}
