//! Object operations against the emulator: put (buffer, file, reader), get (whole, ranges, to a file, to a
//! writer, conditional), head, delete, copy, response-header overrides, Content-MD5 and object_exists.

mod support;

use cos::{ErrorKind, ListParams, ObjectInfo};
use md5::{Digest, Md5};
use std::io::{self, Read, Write};
use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;
use support::{data, opts, Fixture, TempDir};

fn etag_of(bytes: &[u8]) -> String {
    let digest = Md5::digest(bytes);
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("\"{hex}\"")
}

fn assert_describes(info: &ObjectInfo, bytes: &[u8]) {
    assert_eq!(info.etag(), Some(etag_of(bytes).as_str()), "{info:?}");
    assert_eq!(info.crc64(), Some(cos::crc64::checksum(bytes)), "{info:?}");
}

fn assert_service(e: &cos::Error, status: u16, code: &str) {
    assert_eq!(e.kind(), ErrorKind::Service, "{e:?}");
    assert_eq!(e.http_status(), status, "{e:?}");
    assert_eq!(e.code(), Some(code), "{e:?}");
    assert!(e.request_id().is_some_and(|id| !id.is_empty()), "{e:?}");
}

fn list_keys(f: &Fixture, prefix: &str) -> Vec<String> {
    let params = ListParams { prefix: prefix.into(), ..ListParams::default() };
    let mut keys = Vec::new();
    for page in f.client.list_objects_pages(&f.bucket, params) {
        keys.extend(page.unwrap().objects.into_iter().map(|o| o.key));
    }
    keys
}

// ---------------------------------------------------------------------------------------------------------
// put

#[test]
fn put_object_returns_etag_and_crc64_of_the_data() {
    let f = Fixture::new("put");
    for (key, bytes) in [("small", b"ObjectContent".to_vec()), ("empty", Vec::new()), ("binary", data(300_001, 1))] {
        let info = f.client.put_object(&f.bucket, key, &bytes, &opts()).unwrap();
        assert_describes(&info, &bytes);
        assert!(info.headers.request_id().is_some());
        let (got, got_info) = f.client.get_object(&f.bucket, key, &opts()).unwrap();
        assert_eq!(got.len(), bytes.len(), "{key}");
        assert!(got == bytes, "{key}: content differs");
        assert_describes(&got_info, &bytes);
        assert_eq!(got_info.content_length(), Some(bytes.len() as u64));
    }
    // The official vector: CRC-64 of "ObjectContent" (cos-protocol.md).
    assert_eq!(cos::crc64::checksum(b"ObjectContent"), 2_900_061_071_848_923_409);
}

#[test]
fn put_object_overwrites() {
    let f = Fixture::new("overwrite");
    f.client.put_object(&f.bucket, "k", b"first version", &opts()).unwrap();
    f.client.put_object(&f.bucket, "k", b"second", &opts()).unwrap();
    let (got, info) = f.client.get_object(&f.bucket, "k", &opts()).unwrap();
    assert_eq!(got, b"second");
    assert_describes(&info, b"second");
    assert_eq!(list_keys(&f, ""), vec!["k"]);
}

#[test]
fn unusual_keys_round_trip_exactly() {
    let f = Fixture::new("keys");
    let keys = [
        "with space.txt",
        "  leading and trailing spaces  ",
        "unicode/中文/ключ/ü/😀.bin",
        "plus+sign+",
        "percent%20not-an-escape%",
        "%E4%B8%AD",
        "./dot-slash",
        "../x",
        "a/./b",
        "a/../b",
        "a/b/..",
        "a/b/.",
        "..x/.y/z..",
        "dir/",
        "a//double",
        "query?x=1&y=2#frag",
        "semi;colon,comma=eq",
        "xml<&>'\"chars",
        "tab\tand~tilde*star(paren)[br]{cb}!$@^`|\\",
    ];
    for (i, key) in keys.iter().enumerate() {
        let body = format!("body of {key:?} #{i}").into_bytes();
        let info = f.client.put_object(&f.bucket, key, &body, &opts()).unwrap();
        assert_describes(&info, &body);
        let (got, _) = f.client.get_object(&f.bucket, key, &opts()).unwrap_or_else(|e| panic!("get {key:?}: {e:?}"));
        assert_eq!(got, body, "{key:?}");
        let head = f.client.head_object(&f.bucket, key, &opts()).unwrap();
        assert_eq!(head.content_length(), Some(body.len() as u64), "{key:?}");
    }
    let mut expected: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
    expected.sort();
    assert_eq!(list_keys(&f, ""), expected);
    for key in keys {
        f.client.delete_object(&f.bucket, key, &opts()).unwrap();
    }
    assert!(list_keys(&f, "").is_empty(), "every key deleted by its own name");
}

#[test]
fn a_leading_slash_is_dropped() {
    let f = Fixture::new("slash");
    f.client.put_object(&f.bucket, "/lead/x", b"x", &opts()).unwrap();
    assert_eq!(list_keys(&f, ""), vec!["lead/x"]);
    let (got, _) = f.client.get_object(&f.bucket, "lead/x", &opts()).unwrap();
    assert_eq!(got, b"x");
    let (got, _) = f.client.get_object(&f.bucket, "/lead/x", &opts()).unwrap();
    assert_eq!(got, b"x");
}

#[test]
fn put_object_from_file() {
    let f = Fixture::new("fromfile");
    let dir = TempDir::new("upload");
    let bytes = data(1_234_567, 2);
    let path = dir.path("source.bin");
    std::fs::write(&path, &bytes).unwrap();
    let info = f.client.put_object_from_file(&f.bucket, "from/file", &path, &opts()).unwrap();
    assert_describes(&info, &bytes);
    let (got, _) = f.client.get_object(&f.bucket, "from/file", &opts()).unwrap();
    assert!(got == bytes);

    let empty = dir.path("empty");
    std::fs::write(&empty, b"").unwrap();
    let info = f.client.put_object_from_file(&f.bucket, "from/empty", &empty, &opts()).unwrap();
    assert_describes(&info, b"");

    let e = f.client.put_object_from_file(&f.bucket, "from/missing", &dir.path("nope"), &opts()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Io, "{e:?}");
    assert_eq!(e.attempts(), 0);
    assert!(e.message().contains("nope"), "names the file: {e}");
    assert!(!f.client.object_exists(&f.bucket, "from/missing").unwrap());
}

#[test]
fn put_object_from_reader() {
    let f = Fixture::new("reader");
    let bytes = data(700_000, 3);
    let mut reader = io::Cursor::new(bytes.clone());
    let info = f.client.put_object_from_reader(&f.bucket, "r", &mut reader, bytes.len() as u64, &opts()).unwrap();
    assert_describes(&info, &bytes);
    let (got, _) = f.client.get_object(&f.bucket, "r", &opts()).unwrap();
    assert!(got == bytes);

    // A reader with more bytes than declared: exactly `len` bytes are sent.
    let mut reader = io::Cursor::new(b"0123456789".to_vec());
    let info = f.client.put_object_from_reader(&f.bucket, "first4", &mut reader, 4, &opts()).unwrap();
    assert_describes(&info, b"0123");
    let (got, _) = f.client.get_object(&f.bucket, "first4", &opts()).unwrap();
    assert_eq!(got, b"0123");
}

/// A reader that ends early must fail the upload promptly (not leave the server waiting for the rest).
#[test]
fn put_object_from_a_short_reader_fails_clearly() {
    let f = Fixture::new("short");
    let (tx, rx) = mpsc::channel();
    let client = f.client;
    let bucket = f.bucket.clone();
    let worker = std::thread::spawn(move || {
        let mut reader = io::Cursor::new(vec![7u8; 100]);
        let r = client.put_object_from_reader(&bucket, "short", &mut reader, 1000, &opts());
        tx.send(r.map(|_| ())).unwrap();
        client
    });
    let result = rx.recv_timeout(Duration::from_secs(20)).expect("put_object_from_reader hung on a short reader");
    let client = worker.join().unwrap();
    let e = result.expect_err("a short body must not be stored");
    assert!(matches!(e.kind(), ErrorKind::Network | ErrorKind::Io | ErrorKind::InvalidArgument), "{e:?}");
    assert_eq!(e.attempts(), 1, "a reader cannot be replayed: {e:?}");
    assert!(e.message().contains("900") && e.message().contains("declared"), "the message says what happened: {e}");
    assert!(!client.object_exists(&f.bucket, "short").unwrap());
}

// ---------------------------------------------------------------------------------------------------------
// get

#[test]
fn get_object_ranges() {
    let f = Fixture::new("range");
    let bytes = data(10_000, 4);
    f.client.put_object(&f.bucket, "r", &bytes, &opts()).unwrap();

    let mut o = opts();
    o.range(100, Some(199)).unwrap();
    let (got, info) = f.client.get_object(&f.bucket, "r", &o).unwrap();
    assert_eq!(got, &bytes[100..200]);
    assert_eq!(info.content_length(), Some(100));
    assert_eq!(info.headers.get("content-range"), Some("bytes 100-199/10000"));

    let mut o = opts();
    o.range(9_990, None).unwrap();
    let (got, info) = f.client.get_object(&f.bucket, "r", &o).unwrap();
    assert_eq!(got, &bytes[9_990..]);
    assert_eq!(info.headers.get("Content-Range"), Some("bytes 9990-9999/10000"));

    let mut o = opts();
    o.range(0, Some(0)).unwrap();
    assert_eq!(f.client.get_object(&f.bucket, "r", &o).unwrap().0, &bytes[..1]);

    // A range past the end is clamped to the object, as HTTP says.
    let mut o = opts();
    o.range(9_999, Some(20_000)).unwrap();
    assert_eq!(f.client.get_object(&f.bucket, "r", &o).unwrap().0, &bytes[9_999..]);

    let mut o = opts();
    o.range(10_000, None).unwrap();
    let e = f.client.get_object(&f.bucket, "r", &o).unwrap_err();
    assert_service(&e, 416, "InvalidRange");
    assert!(e.raw_body().is_some_and(|b| b.contains("InvalidRange")));
}

#[test]
fn get_object_to_file_writes_only_complete_objects() {
    let f = Fixture::new("tofile");
    let dir = TempDir::new("download");
    let bytes = data(2_000_000, 5);
    f.client.put_object(&f.bucket, "big", &bytes, &opts()).unwrap();

    let dest = dir.path("dest.bin");
    let info = f.client.get_object_to_file(&f.bucket, "big", &dest, &opts()).unwrap();
    assert_describes(&info, &bytes);
    assert!(std::fs::read(&dest).unwrap() == bytes);
    assert_eq!(dir.names(), vec!["dest.bin"], "no temporary file is left");

    // Overwrites an existing file.
    f.client.put_object(&f.bucket, "small", b"small", &opts()).unwrap();
    f.client.get_object_to_file(&f.bucket, "small", &dest, &opts()).unwrap();
    assert_eq!(std::fs::read(&dest).unwrap(), b"small");

    // A ranged download into a file.
    let mut o = opts();
    o.range(10, Some(19)).unwrap();
    let part = dir.path("part");
    f.client.get_object_to_file(&f.bucket, "big", &part, &o).unwrap();
    assert_eq!(std::fs::read(&part).unwrap(), &bytes[10..20]);
    std::fs::remove_file(&part).unwrap();

    // A missing key: the error, and neither a new file nor a temporary one.
    let missing = dir.path("missing.bin");
    let e = f.client.get_object_to_file(&f.bucket, "no-such-key", &missing, &opts()).unwrap_err();
    assert_service(&e, 404, "NoSuchKey");
    assert_eq!(dir.names(), vec!["dest.bin"]);

    // A failure over an existing file leaves it untouched.
    f.client.get_object_to_file(&f.bucket, "no-such-key", &dest, &opts()).unwrap_err();
    assert_eq!(std::fs::read(&dest).unwrap(), b"small");
    assert_eq!(dir.names(), vec!["dest.bin"]);
}

#[test]
fn get_object_to_file_cleans_up_when_the_final_rename_fails() {
    let f = Fixture::new("rename");
    let dir = TempDir::new("rename");
    f.client.put_object(&f.bucket, "k", &data(50_000, 6), &opts()).unwrap();
    // The destination is a non-empty directory: the rename onto it fails after the download.
    let blocker = dir.path("blocker");
    std::fs::create_dir(&blocker).unwrap();
    std::fs::write(blocker.join("inside"), b"keep").unwrap();
    let e = f.client.get_object_to_file(&f.bucket, "k", &blocker, &opts()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Io, "{e:?}");
    assert_eq!(dir.names(), vec!["blocker"], "temporary file removed");
    assert_eq!(std::fs::read(blocker.join("inside")).unwrap(), b"keep");

    // A destination in a directory that does not exist.
    let e = f.client.get_object_to_file(&f.bucket, "k", &dir.path("no/such/dir/file"), &opts()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Io, "{e:?}");
    assert_eq!(dir.names(), vec!["blocker"]);
    assert!(f.client.get_object_to_file(&f.bucket, "k", Path::new("/"), &opts()).is_err());
}

/// A writer that accepts `limit` bytes and then fails.
struct FailingWriter {
    written: Vec<u8>,
    limit: usize,
}

impl Write for FailingWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.written.len() >= self.limit {
            return Err(io::Error::other("disk full (test)"));
        }
        let n = buf.len().min(self.limit - self.written.len());
        self.written.extend_from_slice(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn get_object_to_writer() {
    let f = Fixture::new("towriter");
    let bytes = data(900_000, 7);
    f.client.put_object(&f.bucket, "w", &bytes, &opts()).unwrap();
    let mut out = Vec::new();
    let info = f.client.get_object_to_writer(&f.bucket, "w", &mut out, &opts()).unwrap();
    assert!(out == bytes);
    assert_describes(&info, &bytes);

    let mut o = opts();
    o.range(5, Some(9)).unwrap();
    let mut out = Vec::new();
    f.client.get_object_to_writer(&f.bucket, "w", &mut out, &o).unwrap();
    assert_eq!(out, &bytes[5..10]);

    let mut failing = FailingWriter { written: Vec::new(), limit: 1000 };
    let e = f.client.get_object_to_writer(&f.bucket, "w", &mut failing, &opts()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Io, "{e:?}");
    assert!(e.message().contains("disk full (test)"), "{e}");
    assert_eq!(failing.written, &bytes[..1000]);

    let mut out = Vec::new();
    let e = f.client.get_object_to_writer(&f.bucket, "missing", &mut out, &opts()).unwrap_err();
    assert_service(&e, 404, "NoSuchKey");
    assert!(out.is_empty(), "the error body is not written to the sink");
}

#[test]
fn conditional_gets() {
    let f = Fixture::new("cond");
    let info = f.client.put_object(&f.bucket, "c", b"conditional", &opts()).unwrap();
    let etag = info.etag().unwrap().to_string();
    let wrong = "\"00000000000000000000000000000000\"";

    let mut o = opts();
    o.if_none_match(&etag).unwrap();
    let e = f.client.get_object(&f.bucket, "c", &o).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Service, "{e:?}");
    assert_eq!(e.http_status(), 304);
    assert_eq!(e.code(), Some("NotModified"));
    let e = f.client.head_object(&f.bucket, "c", &o).unwrap_err();
    assert_eq!((e.http_status(), e.code()), (304, Some("NotModified")), "{e:?}");

    let mut o = opts();
    o.if_match(wrong).unwrap();
    let e = f.client.get_object(&f.bucket, "c", &o).unwrap_err();
    assert_service(&e, 412, "PreconditionFailed");
    let e = f.client.head_object(&f.bucket, "c", &o).unwrap_err();
    assert_eq!(e.http_status(), 412, "{e:?}");

    let mut o = opts();
    o.if_match(&etag).unwrap();
    assert_eq!(f.client.get_object(&f.bucket, "c", &o).unwrap().0, b"conditional");
    let mut o = opts();
    o.if_none_match(wrong).unwrap();
    assert_eq!(f.client.get_object(&f.bucket, "c", &o).unwrap().0, b"conditional");

    // Dates: the object was modified after 2000 and before 2100.
    let mut o = opts();
    o.if_modified_since("Fri, 01 Jan 2100 00:00:00 GMT").unwrap();
    let e = f.client.get_object(&f.bucket, "c", &o).unwrap_err();
    assert_eq!(e.http_status(), 304, "{e:?}");
    let mut o = opts();
    o.if_unmodified_since("Sat, 01 Jan 2000 00:00:00 GMT").unwrap();
    let e = f.client.get_object(&f.bucket, "c", &o).unwrap_err();
    assert_service(&e, 412, "PreconditionFailed");
    let mut o = opts();
    o.if_modified_since("Sat, 01 Jan 2000 00:00:00 GMT").unwrap();
    assert!(f.client.get_object(&f.bucket, "c", &o).is_ok());
}

// ---------------------------------------------------------------------------------------------------------
// head

#[test]
fn head_object_returns_every_header() {
    let f = Fixture::new("head");
    let mut o = opts();
    o.content_type("text/x-test; charset=utf-8")
        .unwrap()
        .metadata("Color", "blue")
        .unwrap()
        .metadata("x-cos-meta-shape", "round square")
        .unwrap()
        .storage_class("STANDARD_IA")
        .unwrap()
        .cache_control("max-age=60")
        .unwrap()
        .content_disposition("attachment; filename=\"a.txt\"")
        .unwrap()
        .expires("Wed, 21 Oct 2037 07:28:00 GMT")
        .unwrap();
    let bytes = b"head me";
    f.client.put_object(&f.bucket, "h", bytes, &o).unwrap();

    let info = f.client.head_object(&f.bucket, "h", &opts()).unwrap();
    assert_describes(&info, bytes);
    assert_eq!(info.content_length(), Some(bytes.len() as u64));
    assert_eq!(info.content_type(), Some("text/x-test; charset=utf-8"));
    assert_eq!(info.storage_class(), "STANDARD_IA");
    assert_eq!(info.meta("color"), Some("blue"));
    assert_eq!(info.meta("COLOR"), Some("blue"));
    assert_eq!(info.meta("x-cos-meta-Color"), Some("blue"));
    assert_eq!(info.meta("shape"), Some("round square"));
    assert_eq!(info.meta("missing"), None);
    let mut metas: Vec<(String, String)> =
        info.metadata().map(|(k, v)| (k.to_ascii_lowercase(), v.to_string())).collect();
    metas.sort();
    assert_eq!(
        metas,
        vec![("color".to_string(), "blue".to_string()), ("shape".to_string(), "round square".to_string())]
    );
    let h = &info.headers;
    for name in ["etag", "ETag", "ETAG", "eTaG"] {
        assert_eq!(h.get(name), info.etag(), "{name}");
    }
    assert_eq!(h.get("cache-control"), Some("max-age=60"));
    assert_eq!(h.get("Content-Disposition"), Some("attachment; filename=\"a.txt\""));
    assert_eq!(h.get("EXPIRES"), Some("Wed, 21 Oct 2037 07:28:00 GMT"));
    assert!(h.request_id().is_some());
    let modified = info.last_modified().expect("Last-Modified");
    let when = httpdate::parse_http_date(modified).expect("an HTTP date");
    let age = std::time::SystemTime::now().duration_since(when).unwrap_or_default();
    assert!(age < Duration::from_secs(600), "{modified}");
    assert!(h.iter().count() >= 8, "{h:?}");

    // GET reports the same metadata.
    let (_, got) = f.client.get_object(&f.bucket, "h", &opts()).unwrap();
    assert_eq!(got.meta("color"), Some("blue"));
    assert_eq!(got.storage_class(), "STANDARD_IA");
    assert_eq!(got.content_type(), Some("text/x-test; charset=utf-8"));

    // Without a class, STANDARD.
    f.client.put_object(&f.bucket, "plain", b"p", &opts()).unwrap();
    let info = f.client.head_object(&f.bucket, "plain", &opts()).unwrap();
    assert_eq!(info.storage_class(), "STANDARD");
    assert_eq!(info.metadata().count(), 0);
}

#[test]
fn head_of_a_missing_key_is_404_with_ids() {
    let f = Fixture::new("headmissing");
    let e = f.client.head_object(&f.bucket, "nope", &opts()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Service);
    assert_eq!(e.http_status(), 404);
    assert!(matches!(e.code(), Some("NoSuchResource" | "NoSuchKey")), "{e:?}");
    assert!(e.request_id().is_some_and(|id| !id.is_empty()), "{e:?}");
    assert!(e.trace_id().is_some_and(|id| !id.is_empty()), "{e:?}");
    assert_eq!(e.raw_body(), None);
    assert!(e.resource().is_some_and(|r| r.ends_with("/nope")), "{e:?}");
    assert!(!e.message().is_empty());
}

#[test]
fn get_of_a_missing_key_is_no_such_key_with_everything() {
    let f = Fixture::new("getmissing");
    let e = f.client.get_object(&f.bucket, "dir/no such", &opts()).unwrap_err();
    assert_service(&e, 404, "NoSuchKey");
    assert_eq!(e.message(), "The specified key does not exist.");
    assert!(e.trace_id().is_some_and(|id| !id.is_empty()), "{e:?}");
    let resource = e.resource().expect("resource");
    assert!(resource.contains("no"), "{resource}");
    let body = e.raw_body().expect("raw body");
    assert!(body.contains("<Error>") && body.contains("<Code>NoSuchKey</Code>"), "{body}");
    assert!(body.contains(e.request_id().unwrap()), "{body}");
    let shown = e.to_string();
    assert!(shown.contains("NoSuchKey") && shown.contains("404"), "{shown}");
    let digest = format!("{e:?}");
    assert!(digest.contains("code=NoSuchKey") && digest.contains("http_status=404"), "{digest}");
}

// ---------------------------------------------------------------------------------------------------------
// delete, exists

#[test]
fn delete_object_and_object_exists() {
    let f = Fixture::new("delete");
    f.client.put_object(&f.bucket, "d", b"x", &opts()).unwrap();
    assert!(f.client.object_exists(&f.bucket, "d").unwrap());
    assert!(!f.client.object_exists(&f.bucket, "D").unwrap(), "keys are case-sensitive");
    let info = f.client.delete_object(&f.bucket, "d", &opts()).unwrap();
    assert!(info.headers.request_id().is_some());
    assert!(!f.client.object_exists(&f.bucket, "d").unwrap());
    let e = f.client.get_object(&f.bucket, "d", &opts()).unwrap_err();
    assert_service(&e, 404, "NoSuchKey");
    // Deleting a missing key succeeds, as in COS.
    f.client.delete_object(&f.bucket, "d", &opts()).unwrap();
    f.client.delete_object(&f.bucket, "never/existed", &opts()).unwrap();
    // A prefix is not an object.
    f.client.put_object(&f.bucket, "p/child", b"x", &opts()).unwrap();
    assert!(!f.client.object_exists(&f.bucket, "p").unwrap());
    assert!(!f.client.object_exists(&f.bucket, "p/").unwrap());
}

// ---------------------------------------------------------------------------------------------------------
// copy

#[test]
fn copy_object_keeps_or_replaces_metadata() {
    let f = Fixture::new("copy");
    let bytes = data(123_456, 8);
    let mut o = opts();
    o.content_type("image/x-source").unwrap().metadata("origin", "source").unwrap();
    f.client.put_object(&f.bucket, "src/a b", &bytes, &o).unwrap();

    // Copy (the default): data and metadata follow the source.
    let (result, info) = f.client.copy_object(&f.bucket, "src/a b", &f.bucket, "dst/copy", &opts()).unwrap();
    assert_eq!(result.etag, etag_of(&bytes));
    assert!(!result.last_modified.is_empty());
    if let Some(crc) = result.crc64 {
        assert_eq!(crc, cos::crc64::checksum(&bytes));
    }
    assert!(info.headers.request_id().is_some());
    let (got, got_info) = f.client.get_object(&f.bucket, "dst/copy", &opts()).unwrap();
    assert!(got == bytes);
    assert_describes(&got_info, &bytes);
    assert_eq!(got_info.meta("origin"), Some("source"));
    assert_eq!(got_info.content_type(), Some("image/x-source"));

    // An explicit Copy directive ignores the request's metadata.
    let mut o = opts();
    o.metadata_directive("Copy").unwrap().metadata("origin", "ignored").unwrap();
    f.client.copy_object(&f.bucket, "src/a b", &f.bucket, "dst/copy2", &o).unwrap();
    let info = f.client.head_object(&f.bucket, "dst/copy2", &opts()).unwrap();
    assert_eq!(info.meta("origin"), Some("source"));

    // Replaced: only the request's metadata.
    let mut o = opts();
    o.metadata_directive("Replaced")
        .unwrap()
        .metadata("fresh", "yes")
        .unwrap()
        .content_type("text/x-replaced")
        .unwrap();
    f.client.copy_object(&f.bucket, "src/a b", &f.bucket, "dst/replaced", &o).unwrap();
    let info = f.client.head_object(&f.bucket, "dst/replaced", &opts()).unwrap();
    assert_eq!(info.meta("fresh"), Some("yes"));
    assert_eq!(info.meta("origin"), None, "{info:?}");
    assert_eq!(info.content_type(), Some("text/x-replaced"));
    assert_describes(&info, &bytes);

    // Replacing an object's own metadata (update in place).
    let mut o = opts();
    o.metadata_directive("Replaced").unwrap().metadata("v", "2").unwrap();
    f.client.copy_object(&f.bucket, "src/a b", &f.bucket, "src/a b", &o).unwrap();
    let info = f.client.head_object(&f.bucket, "src/a b", &opts()).unwrap();
    assert_eq!(info.meta("v"), Some("2"));
    assert_eq!(info.meta("origin"), None);
    assert_describes(&info, &bytes);

    // Across buckets, with keys that need encoding in x-cos-copy-source.
    let other = support::bucket("copydst");
    f.client.create_bucket(&other, &opts()).unwrap();
    f.client.put_object(&f.bucket, "src/中 文+%.txt", b"odd", &opts()).unwrap();
    f.client.copy_object(&f.bucket, "src/中 文+%.txt", &other, "../x", &opts()).unwrap();
    assert_eq!(f.client.get_object(&other, "../x", &opts()).unwrap().0, b"odd");
}

#[test]
fn copy_of_a_missing_source_fails() {
    let f = Fixture::new("copymissing");
    let e = f.client.copy_object(&f.bucket, "no/such/source", &f.bucket, "dst", &opts()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Service, "{e:?}");
    assert_eq!(e.http_status(), 404, "{e:?}");
    assert!(matches!(e.code(), Some("NoSuchKey" | "NoSuchCopySource")), "{e:?}");
    assert!(!f.client.object_exists(&f.bucket, "dst").unwrap());

    let e = f.client.copy_object("missing-src-1250000000", "k", &f.bucket, "dst", &opts()).unwrap_err();
    assert_eq!(e.http_status(), 404, "{e:?}");
    f.client.put_object(&f.bucket, "s", b"s", &opts()).unwrap();
    let e = f.client.copy_object(&f.bucket, "s", "missing-dst-1250000000", "k", &opts()).unwrap_err();
    assert_service(&e, 404, "NoSuchBucket");
}

// ---------------------------------------------------------------------------------------------------------
// response overrides, Content-MD5

#[test]
fn response_header_overrides() {
    let f = Fixture::new("override");
    let mut o = opts();
    o.content_type("text/plain").unwrap();
    f.client.put_object(&f.bucket, "o", b"override", &o).unwrap();
    let mut o = opts();
    o.response_header("Content-Type", "application/x-overridden")
        .unwrap()
        .response_header("content-disposition", "attachment; filename=\"x y.bin\"")
        .unwrap()
        .response_header("Cache-Control", "no-cache")
        .unwrap();
    let (got, info) = f.client.get_object(&f.bucket, "o", &o).unwrap();
    assert_eq!(got, b"override");
    assert_eq!(info.content_type(), Some("application/x-overridden"));
    assert_eq!(info.headers.get("content-disposition"), Some("attachment; filename=\"x y.bin\""));
    assert_eq!(info.headers.get("cache-control"), Some("no-cache"));
    // Without overrides the stored type comes back.
    let (_, info) = f.client.get_object(&f.bucket, "o", &opts()).unwrap();
    assert_eq!(info.content_type(), Some("text/plain"));
}

#[test]
fn content_md5_on_puts() {
    let f = Fixture::new("md5");
    let dir = TempDir::new("md5");
    let bytes = data(333_333, 9);
    let mut o = opts();
    o.content_md5(true);
    let info = f.client.put_object(&f.bucket, "buf", &bytes, &o).unwrap();
    assert_describes(&info, &bytes);
    let path = dir.path("f");
    std::fs::write(&path, &bytes).unwrap();
    let info = f.client.put_object_from_file(&f.bucket, "file", &path, &o).unwrap();
    assert_describes(&info, &bytes);
    assert!(f.client.get_object(&f.bucket, "file", &opts()).unwrap().0 == bytes);

    // A wrong Content-MD5 is refused by the server: the check is real.
    let mut bad = opts();
    bad.header("Content-MD5", "AAAAAAAAAAAAAAAAAAAAAA==").unwrap();
    let e = f.client.put_object(&f.bucket, "bad", &bytes, &bad).unwrap_err();
    assert_service(&e, 400, "BadDigest");
    assert!(!f.client.object_exists(&f.bucket, "bad").unwrap());
}

#[test]
fn reads_through_a_reader_are_complete() {
    // get_object_to_writer with a writer that takes tiny slices still gets every byte.
    struct Tiny(Vec<u8>);
    impl Write for Tiny {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            let n = buf.len().min(7);
            self.0.extend_from_slice(&buf[..n]);
            Ok(n)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    let f = Fixture::new("tiny");
    let bytes = data(40_000, 10);
    f.client.put_object(&f.bucket, "t", &bytes, &opts()).unwrap();
    let mut out = Tiny(Vec::new());
    f.client.get_object_to_writer(&f.bucket, "t", &mut out, &opts()).unwrap();
    assert!(out.0 == bytes);
    let mut reader = io::Cursor::new(bytes.clone()).chain(io::empty());
    f.client.put_object_from_reader(&f.bucket, "t2", &mut reader, bytes.len() as u64, &opts()).unwrap();
    assert!(f.client.get_object(&f.bucket, "t2", &opts()).unwrap().0 == bytes);
}

#[test]
fn copy_sources_with_keys_that_need_protection() {
    let f = Fixture::new("copykeys");
    for (i, src) in ["./dot", "a/./b", "../up", "q?x=1#y", "sp ace+plus%", "中文/ü"].into_iter().enumerate() {
        let body = format!("source {i}").into_bytes();
        f.client.put_object(&f.bucket, src, &body, &opts()).unwrap();
        let dst = format!("copies/{i}");
        f.client
            .copy_object(&f.bucket, src, &f.bucket, &dst, &opts())
            .unwrap_or_else(|e| panic!("copy from {src:?}: {e:?}"));
        assert_eq!(f.client.get_object(&f.bucket, &dst, &opts()).unwrap().0, body, "{src:?}");
    }
}

#[test]
fn a_large_object_round_trips() {
    let f = Fixture::new("large");
    let dir = TempDir::new("large");
    let bytes = data(12 * 1024 * 1024 + 3, 11);
    let info = f.client.put_object(&f.bucket, "large", &bytes, &opts()).unwrap();
    assert_describes(&info, &bytes);
    let (got, _) = f.client.get_object(&f.bucket, "large", &opts()).unwrap();
    assert!(got == bytes);
    let dest = dir.path("large");
    f.client.get_object_to_file(&f.bucket, "large", &dest, &opts()).unwrap();
    assert!(std::fs::read(&dest).unwrap() == bytes);
    let mut o = opts();
    o.range(5 * 1024 * 1024, Some(5 * 1024 * 1024 + 99)).unwrap();
    let (part, _) = f.client.get_object(&f.bucket, "large", &o).unwrap();
    assert_eq!(part, &bytes[5 * 1024 * 1024..5 * 1024 * 1024 + 100]);
}

#[test]
fn content_type_defaults_to_octet_stream() {
    let f = Fixture::new("ctype");
    f.client.put_object(&f.bucket, "untyped", b"x", &opts()).unwrap();
    let info = f.client.head_object(&f.bucket, "untyped", &opts()).unwrap();
    assert_eq!(info.content_type(), Some("application/octet-stream"));
}
