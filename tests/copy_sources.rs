//! Every kind of copy source (another region, another bucket, an old version, an SSE-C key,
//! `x-cos-copy-source-if-*` conditions) through each of the three copy calls — `copy_object_from`,
//! `upload_part_copy_from` and the managed `copy_from` above its multipart threshold — against the
//! emulator, plus the rule that a copy's source is described once.

mod support;

use cos::{Client, CopySource, ErrorKind, RequestOptions, TransferOptions, MIN_PART_SIZE};
use support::*;

/// Source size: over two minimum parts, so the managed copy takes three part-copies.
const SIZE: usize = (MIN_PART_SIZE * 2 + 12345) as usize;

/// The three ways to copy `source` to `dest-<call>` in `f.bucket`; each answers the copy's bytes (read
/// back with `read`) or the error.
fn copy_three_ways(f: &Fixture, source: &CopySource, dest: &str, o: &RequestOptions) -> Vec<cos::Result<Vec<u8>>> {
    let c = &f.client;
    let read = |key: &str| c.get_object(&f.bucket, key, &opts()).map(|(d, _)| d);
    let single = format!("{dest}-object");
    let one = c.copy_object_from(source, &f.bucket, &single, o).and_then(|_| read(&single));

    let parted = format!("{dest}-parts");
    let two = (|| {
        let id = c.create_multipart_upload(&f.bucket, &parted, &opts())?;
        let mut first = o.clone();
        first.copy_source_range(0, MIN_PART_SIZE - 1)?;
        let p1 = c.upload_part_copy_from(&f.bucket, &parted, &id, 1, source, &first);
        let p1 = p1.inspect_err(|_| {
            let _ = c.abort_multipart_upload(&f.bucket, &parted, &id);
        })?;
        let mut rest = o.clone();
        rest.copy_source_range(MIN_PART_SIZE, SIZE as u64 - 1)?;
        let p2 = c.upload_part_copy_from(&f.bucket, &parted, &id, 2, source, &rest)?;
        assert!(p1.crc64.is_some() && p2.crc64.is_some(), "ranged part copies keep their CRC-64");
        c.complete_multipart_upload(&f.bucket, &parted, &id, &[p1, p2], &opts())?;
        read(&parted)
    })();

    let managed = format!("{dest}-managed");
    let t = TransferOptions {
        request: o.clone(),
        copy_threshold: MIN_PART_SIZE,
        part_size: MIN_PART_SIZE,
        ..TransferOptions::default()
    };
    let three = c.copy_from(source, &f.bucket, &managed, &t, None).and_then(|info| {
        assert!(info.etag().is_some_and(|e| e.contains('-')), "a multipart copy: {:?}", info.headers);
        read(&managed)
    });
    vec![one, two, three]
}

fn assert_all_copied(results: Vec<cos::Result<Vec<u8>>>, want: &[u8], what: &str) {
    for (call, r) in ["copy_object", "upload_part_copy", "copy"].iter().zip(results) {
        match r {
            Ok(got) => assert_same(&got, want, &format!("{what} via {call}")),
            Err(e) => panic!("{what} via {call}: {e:?}"),
        }
    }
}

fn assert_all_refused(results: Vec<cos::Result<Vec<u8>>>, status: u16, code: &str, what: &str) {
    for (call, r) in ["copy_object", "upload_part_copy", "copy"].iter().zip(results) {
        let e = r.err().unwrap_or_else(|| panic!("{what} via {call} succeeded"));
        // The managed copy is refused by its HEAD of the source, before it writes anything; a HEAD
        // answer has no body, so no code, only the status.
        let want = if *call == "copy" { e.code().filter(|c| *c == code) } else { Some(code) };
        assert_eq!((e.http_status(), e.code()), (status, want), "{what} via {call}: {e:?}");
    }
}

#[test]
fn from_another_region_and_bucket() {
    let f = Fixture::new("xregion");
    let beijing = {
        let mut b = f.emu.config();
        b.region("ap-beijing");
        Client::new(b.build().unwrap()).unwrap()
    };
    let far = bucket("far");
    beijing.create_bucket(&far, &opts()).unwrap();
    let body = data(SIZE, 1);
    beijing.put_object(&far, "dir/a b+c.bin", &body, &opts()).unwrap();

    let mut source = CopySource::new(&far, "dir/a b+c.bin").unwrap();
    // Named in the client's own region, the source is not found (it is another region's bucket).
    assert_all_refused(copy_three_ways(&f, &source, "wrong", &opts()), 404, "NoSuchBucket", "wrong region");
    source.region("ap-beijing").unwrap();
    assert_all_copied(copy_three_ways(&f, &source, "far", &opts()), &body, "another region");

    // Another bucket of the same region, through the plain calls too.
    let near = bucket("near");
    f.client.create_bucket(&near, &opts()).unwrap();
    f.client.put_object(&near, "k", &body, &opts()).unwrap();
    assert_all_copied(copy_three_ways(&f, &CopySource::new(&near, "k").unwrap(), "near", &opts()), &body, "bucket");
    assert!(f.uploads("").is_empty(), "every failed multipart copy was aborted: {:?}", f.uploads(""));
}

#[test]
fn of_an_old_version() {
    let f = Fixture::new("ver");
    f.client.put_bucket_versioning(&f.bucket, true).unwrap();
    let old = data(SIZE, 2);
    let v_old = f.client.put_object(&f.bucket, "src", &old, &opts()).unwrap().version_id().unwrap().to_string();
    f.client.put_object(&f.bucket, "src", &data(SIZE, 3), &opts()).unwrap();
    let mut source = CopySource::new(&f.bucket, "src").unwrap();
    source.version_id(&v_old).unwrap();
    assert_all_copied(copy_three_ways(&f, &source, "old", &opts()), &old, "an old version");
    source.version_id("no-such-version").unwrap();
    let results = copy_three_ways(&f, &source, "none", &opts());
    assert!(results.iter().all(|r| r.as_ref().is_err_and(|e| e.http_status() == 404)), "{results:?}");
}

#[test]
fn encrypted_with_a_customer_key() {
    let f = Fixture::new("ssec");
    let key = [7u8; 32];
    let body = data(SIZE, 4);
    let mut enc = opts();
    enc.sse_customer_key(&key).unwrap();
    f.client.put_object(&f.bucket, "secret", &body, &enc).unwrap();
    // The emulator keeps the key's MD5: a read without the key is refused, as COS refuses it.
    let e = f.client.get_object(&f.bucket, "secret", &opts()).unwrap_err();
    assert_eq!((e.http_status(), e.code()), (400, Some("InvalidRequest")), "{e:?}");

    let mut source = CopySource::new(&f.bucket, "secret").unwrap();
    assert_all_refused(copy_three_ways(&f, &source, "nokey", &opts()), 400, "InvalidRequest", "no source key");
    source.sse_customer_key(&[8u8; 32]).unwrap();
    assert_all_refused(copy_three_ways(&f, &source, "badkey", &opts()), 403, "AccessDenied", "another key");
    source.sse_customer_key(&key).unwrap();
    // The copies are not encrypted (the destination gave no key), so the plain GETs read them.
    assert_all_copied(copy_three_ways(&f, &source, "plain", &opts()), &body, "an SSE-C source");

    // The legacy way, the source key as headers in the options, is the same source.
    let b64 = |b: &[u8]| {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(b)
    };
    let mut legacy = opts();
    legacy.header("x-cos-copy-source-server-side-encryption-customer-algorithm", "AES256").unwrap();
    legacy.header("x-cos-copy-source-server-side-encryption-customer-key", &b64(&key)).unwrap();
    let md5 = {
        use md5::Digest;
        md5::Md5::digest(key)
    };
    legacy.header("x-cos-copy-source-server-side-encryption-customer-key-MD5", &b64(&md5)).unwrap();
    let plain = CopySource::new(&f.bucket, "secret").unwrap();
    assert_all_copied(copy_three_ways(&f, &plain, "legacy", &legacy), &body, "source key in the options");
    // Given twice, it is refused before anything is sent.
    for r in copy_three_ways(&f, &source, "twice", &legacy) {
        assert_eq!(r.unwrap_err().kind(), ErrorKind::InvalidArgument);
    }
}

#[test]
fn with_source_conditions() {
    let f = Fixture::new("cond");
    let body = data(SIZE, 5);
    let etag = f.client.put_object(&f.bucket, "src", &body, &opts()).unwrap().etag().unwrap().to_string();
    let mut source = CopySource::new(&f.bucket, "src").unwrap();
    source.if_match(&etag).unwrap().if_unmodified_since("Fri, 01 Jan 2100 00:00:00 GMT").unwrap();
    assert_all_copied(copy_three_ways(&f, &source, "match", &opts()), &body, "matching conditions");

    let mut failing = CopySource::new(&f.bucket, "src").unwrap();
    failing.if_match("\"0123456789abcdef0123456789abcdef\"").unwrap();
    assert_all_refused(copy_three_ways(&f, &failing, "nomatch", &opts()), 412, "PreconditionFailed", "if-match");
    let mut stale = CopySource::new(&f.bucket, "src").unwrap();
    stale.if_unmodified_since("Mon, 01 Jan 2001 00:00:00 GMT").unwrap();
    assert_all_refused(copy_three_ways(&f, &stale, "stale", &opts()), 412, "PreconditionFailed", "unmodified");
    assert!(f.uploads("").is_empty(), "{:?}", f.uploads(""));
}

/// The regression: a caller's `x-cos-copy-source` header used to be sent a second time by
/// upload_part_copy. Now a copy's source is its argument alone and the header is refused by all three.
#[test]
fn a_copy_source_header_in_the_options_is_refused_not_sent_twice() {
    let f = Fixture::new("twice");
    f.client.put_object(&f.bucket, "src", &data(SIZE, 6), &opts()).unwrap();
    let mut o = opts();
    o.header("x-cos-copy-source", &format!("{}.cos.ap-guangzhou.myqcloud.com/src", f.bucket)).unwrap();
    f.emu.reset_stats();
    let source = CopySource::new(&f.bucket, "src").unwrap();
    for r in copy_three_ways(&f, &source, "dst", &o) {
        let e = r.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e:?}");
        assert!(e.message().contains("x-cos-copy-source"), "{e:?}");
    }
    let id = f.client.create_multipart_upload(&f.bucket, "legacy", &opts()).unwrap();
    let e = f.client.upload_part_copy(&f.bucket, "legacy", &id, 1, &f.bucket, "src", &o).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    assert_eq!(f.emu.stats().method("PUT"), 0, "nothing refused reached the server");
    // A range on copy_object, which copies whole objects, is an error too, not ignored.
    let mut ranged = opts();
    ranged.copy_source_range(0, 9).unwrap();
    assert_eq!(
        f.client.copy_object(&f.bucket, "src", &f.bucket, "r", &ranged).unwrap_err().kind(),
        ErrorKind::InvalidArgument
    );
}

/// The managed copy checks the copy's CRC-64 against the source's HEAD: a source HEAD reporting another CRC
/// (the emulator's bad-crc fault) is `ChecksumMismatch`, on the single-request and the multipart path.
#[test]
fn the_managed_copy_checks_the_copy_crc_against_the_source() {
    let f = Fixture::new("crc");
    f.client.put_object(&f.bucket, "src", &data(SIZE, 7), &opts()).unwrap();
    let source = CopySource::new(&f.bucket, "src").unwrap();
    for threshold in [u64::MAX, MIN_PART_SIZE] {
        let t = TransferOptions { copy_threshold: threshold, part_size: MIN_PART_SIZE, ..TransferOptions::default() };
        f.emu.fault("kind=bad-crc&method=HEAD&key=src&count=1");
        let e = f.client.copy_from(&source, &f.bucket, "dst", &t, None).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ChecksumMismatch, "threshold {threshold}: {e:?}");
        assert!(e.message().contains("source"), "{e:?}");
        // Without the fault the same copy succeeds: the check compares real CRCs.
        f.client.copy_from(&source, &f.bucket, "dst", &t, None).unwrap();
    }
    // With CRC checks off the source's CRC is not asked for.
    f.emu.fault("kind=bad-crc&method=HEAD&key=src&count=1");
    let mut off = opts();
    off.verify_crc(false);
    let t = TransferOptions { request: off, ..TransferOptions::default() };
    f.client.copy_from(&source, &f.bucket, "dst", &t, None).unwrap();
}
