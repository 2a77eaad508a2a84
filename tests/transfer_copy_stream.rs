//! `copy` (one CopyObject, or part-copies above the threshold), `upload_from_reader`, `ObjectReader` and
//! `ObjectWriter` against the emulator.

mod support;

use cos::{crc64, Client, ErrorKind, ObjectReader, ObjectWriter, RequestOptions, TransferOptions};
use std::io::{self, Read};
use support::{assert_same, data, Fixture, ProgressLog, Proxy, MIB};

fn topts(part_size: u64, concurrency: usize) -> TransferOptions {
    TransferOptions { part_size, concurrency, ..TransferOptions::default() }
}

fn put_with_meta(f: &Fixture, key: &str, bytes: &[u8]) {
    let mut o = RequestOptions::new();
    o.content_type("image/x-source").unwrap().metadata("color", "blue").unwrap().metadata("n", "1").unwrap();
    f.client.put_object(&f.bucket, key, bytes, &o).unwrap();
}

fn head(f: &Fixture, bucket: &str, key: &str) -> cos::ObjectInfo {
    f.client.head_object(bucket, key, &RequestOptions::new()).unwrap()
}

fn copy_with_log(f: &Fixture, src: &str, dst_bucket: &str, dst: &str, o: &TransferOptions) -> ProgressLog {
    let mut log = ProgressLog::default();
    f.client
        .copy(
            &f.bucket,
            src,
            dst_bucket,
            dst,
            o,
            Some(&mut |d, t| {
                log.record(d, t);
                true
            }),
        )
        .unwrap_or_else(|e| panic!("copy {src} -> {dst}: {e:?}"));
    log
}

// ---------------------------------------------------------------------------------------------------------
// copy

#[test]
fn a_copy_below_the_threshold_is_one_copy_object() {
    let f = Fixture::new("copy-small");
    let bytes = data((2 * MIB + 3) as usize, 200);
    put_with_meta(&f, "src", &bytes);
    let other = support::bucket("copy-small-dst");
    f.client.create_bucket(&other, &RequestOptions::new()).unwrap();

    f.emu.reset_stats();
    let log = copy_with_log(&f, "src", &other, "dst", &topts(MIB, 4));
    let s = f.emu.stats();
    assert_eq!((s.get("HEAD"), s.get("PUT"), s.get("POST")), (Some(&1), Some(&1), None), "one HEAD, one PUT: {s:?}");
    log.check(bytes.len() as u64, "copy progress");
    assert_same(&f.client.get_object(&other, "dst", &RequestOptions::new()).unwrap().0, &bytes, "copy");
    let h = head(&f, &other, "dst");
    assert_eq!(h.crc64(), Some(crc64::checksum(&bytes)));
    assert_eq!(h.content_type(), Some("image/x-source"), "carried over");
    assert_eq!((h.meta("color"), h.meta("n")), (Some("blue"), Some("1")));

    // Replaced: the request's metadata instead of the source's.
    let mut o = topts(MIB, 4);
    o.request.metadata_directive("Replaced").unwrap().content_type("text/x-new").unwrap().metadata("n", "2").unwrap();
    copy_with_log(&f, "src", &f.bucket, "dst2", &o);
    let h = head(&f, &f.bucket, "dst2");
    assert_eq!(h.content_type(), Some("text/x-new"));
    assert_eq!((h.meta("color"), h.meta("n")), (None, Some("2")));
    assert_eq!(h.crc64(), Some(crc64::checksum(&bytes)));

    let e = f.client.copy(&f.bucket, "missing", &f.bucket, "x", &topts(MIB, 1), None).unwrap_err();
    assert_eq!((e.kind(), e.http_status()), (ErrorKind::Service, 404), "{e:?}");
}

#[test]
fn a_copy_above_the_threshold_copies_parts_and_keeps_metadata() {
    let f = Fixture::new("copy-big");
    let size = 5 * MIB + 3;
    let bytes = data(size as usize, 201);
    put_with_meta(&f, "src", &bytes);
    let o = TransferOptions { copy_threshold: 3 * MIB, ..topts(MIB, 3) };

    f.emu.reset_stats();
    let log = copy_with_log(&f, "src", &f.bucket, "dst", &o);
    let s = f.emu.stats();
    assert_eq!(s.get("PUT"), Some(&6), "six part-copies: {s:?}");
    assert_eq!(s.get("POST"), Some(&2), "initiate and complete: {s:?}");
    log.check(size, "multipart copy progress");
    assert_same(&f.get("dst"), &bytes, "multipart copy");
    let h = head(&f, &f.bucket, "dst");
    assert_eq!(h.crc64(), Some(crc64::checksum(&bytes)), "CRC-64 of the copy");
    assert!(h.etag().unwrap_or_default().ends_with("-6\""), "a multipart ETag: {:?}", h.etag());
    assert_eq!(h.content_type(), Some("image/x-source"), "content type carried over");
    assert_eq!((h.meta("color"), h.meta("n")), (Some("blue"), Some("1")), "metadata carried over");
    assert!(f.uploads("").is_empty());

    // Exactly at the threshold is multipart too; just below it is one CopyObject.
    for (threshold, multipart) in [(size, true), (size + 1, false)] {
        f.emu.reset_stats();
        let o = TransferOptions { copy_threshold: threshold, ..topts(MIB, 2) };
        copy_with_log(&f, "src", &f.bucket, "dst-t", &o);
        let posts = f.emu.stats().get("POST").copied().unwrap_or(0);
        assert_eq!(posts > 0, multipart, "threshold {threshold}");
        assert_same(&f.get("dst-t"), &bytes, "copy at the threshold");
    }
}

#[test]
fn a_multipart_copy_with_replaced_metadata() {
    let f = Fixture::new("copy-big-replaced");
    let bytes = data((4 * MIB + 1) as usize, 202);
    put_with_meta(&f, "src", &bytes);
    let mut o = TransferOptions { copy_threshold: 3 * MIB, ..topts(MIB, 2) };
    o.request.metadata_directive("Replaced").unwrap().content_type("text/x-new").unwrap().metadata("n", "2").unwrap();
    copy_with_log(&f, "src", &f.bucket, "dst", &o);
    let h = head(&f, &f.bucket, "dst");
    assert_eq!(h.content_type(), Some("text/x-new"));
    assert_eq!((h.meta("color"), h.meta("n")), (None, Some("2")));
    assert_eq!(h.crc64(), Some(crc64::checksum(&bytes)));
    assert_same(&f.get("dst"), &bytes, "copy with replaced metadata");
}

#[test]
fn a_failed_multipart_copy_is_aborted() {
    let f = Fixture::new("copy-fail");
    let bytes = data((4 * MIB) as usize, 203);
    f.client.put_object(&f.bucket, "src", &bytes, &RequestOptions::new()).unwrap();
    // The third part-copy is refused (403 is not retried).
    f.emu.fault("kind=status&status=403&method=PUT&key=dst&sub=partNumber&count=1");
    let o = TransferOptions { copy_threshold: MIB, ..topts(MIB, 1) };
    let e = f.client.copy(&f.bucket, "src", &f.bucket, "dst", &o, None).unwrap_err();
    assert_eq!((e.kind(), e.http_status()), (ErrorKind::Service, 403), "{e:?}");
    assert!(f.uploads("").is_empty(), "the upload was aborted: {:?}", f.uploads(""));
    assert!(!f.client.object_exists(&f.bucket, "dst").unwrap());
}

// ---------------------------------------------------------------------------------------------------------
// upload_from_reader

/// Yields `data` in reads of at most `chunk` bytes, then fails with an I/O error at `fail_at`, if given.
struct Trickle<'a> {
    data: &'a [u8],
    pos: usize,
    chunk: usize,
    fail_at: Option<usize>,
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.fail_at.is_some_and(|at| self.pos >= at) {
            return Err(io::Error::other("the source broke"));
        }
        let n = buf.len().min(self.chunk).min(self.data.len() - self.pos);
        buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

fn trickle(data: &[u8], chunk: usize) -> Trickle<'_> {
    Trickle { data, pos: 0, chunk, fail_at: None }
}

#[test]
fn upload_from_reader_short_and_long_streams() {
    let f = Fixture::new("reader-up");
    for (i, size) in [0, 1000, MIB - 1, MIB, 5 * MIB + 77].into_iter().enumerate() {
        let bytes = data(size as usize, 210 + i as u64);
        let key = format!("s-{size}");
        f.emu.reset_stats();
        let mut log = ProgressLog::default();
        let info = f
            .client
            .upload_from_reader(
                &f.bucket,
                &key,
                &mut trickle(&bytes, 7777),
                &topts(MIB, 3),
                Some(&mut |d, t| {
                    log.record(d, t);
                    true
                }),
            )
            .unwrap_or_else(|e| panic!("stream of {size}: {e:?}"));
        assert_eq!(info.crc64(), Some(crc64::checksum(&bytes)), "size {size}");
        assert_same(&f.get(&key), &bytes, &format!("stream of {size} bytes"));
        let posts = f.emu.stats().get("POST").copied().unwrap_or(0);
        assert_eq!(posts > 0, size >= MIB, "size {size}: multipart only from one part up");
        let values = log.values();
        assert_eq!(values.last(), Some(&(size, size)), "size {size}: ends with (total, total)");
        assert!(values.windows(2).all(|w| w[1].0 >= w[0].0), "size {size}: {values:?}");
        assert!(values.iter().all(|&(d, t)| t == 0 || (t == size && d <= t)), "size {size}: {values:?}");
    }
    // Content type and metadata reach a multipart object too.
    let bytes = data((2 * MIB + 5) as usize, 219);
    let mut o = topts(MIB, 2);
    o.request.content_type("text/x-stream").unwrap().metadata("via", "reader").unwrap();
    f.client.upload_from_reader(&f.bucket, "typed", &mut trickle(&bytes, 65536), &o, None).unwrap();
    let h = head(&f, &f.bucket, "typed");
    assert_eq!((h.content_type(), h.meta("via")), (Some("text/x-stream"), Some("reader")));
    assert!(f.uploads("").is_empty());
}

#[test]
fn a_failing_reader_or_a_cancel_aborts_the_stream_upload() {
    let f = Fixture::new("reader-fail");
    let bytes = data((5 * MIB) as usize, 220);
    for fail_at in [100_000, 2 * MIB as usize + 12_345] {
        let mut r = Trickle { data: &bytes, pos: 0, chunk: 100_000, fail_at: Some(fail_at) };
        let e = f.client.upload_from_reader(&f.bucket, "k", &mut r, &topts(MIB, 2), None).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Io, "failing at {fail_at}: {e:?}");
        assert!(e.message().contains("the source broke"), "{e:?}");
        assert!(f.uploads("").is_empty(), "failing at {fail_at}: the upload was aborted: {:?}", f.uploads(""));
        assert!(!f.client.object_exists(&f.bucket, "k").unwrap());
    }
    let e = f
        .client
        .upload_from_reader(&f.bucket, "k", &mut trickle(&bytes, 65536), &topts(MIB, 2), Some(&mut |d, _| d < 2 * MIB))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Cancelled, "{e:?}");
    assert!(f.uploads("").is_empty(), "the cancelled upload was aborted");
    assert!(!f.client.object_exists(&f.bucket, "k").unwrap());
    // A part refused by COS fails the stream and aborts it as well.
    f.emu.fault("kind=status&status=403&method=PUT&key=k&sub=partNumber&count=1");
    let e = f.client.upload_from_reader(&f.bucket, "k", &mut trickle(&bytes, 65536), &topts(MIB, 2), None);
    assert_eq!(e.unwrap_err().http_status(), 403);
    assert!(f.uploads("").is_empty());
}

// ---------------------------------------------------------------------------------------------------------
// ObjectReader

fn read_all(reader: &mut ObjectReader, buf_size: usize) -> cos::Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut buf = vec![0u8; buf_size];
    loop {
        let n = reader.read(&mut buf)?;
        if n == 0 {
            return Ok(out);
        }
        out.extend_from_slice(&buf[..n]);
    }
}

#[test]
fn object_reader_reads_the_object_and_checks_its_crc() {
    let f = Fixture::new("obj-reader");
    let bytes = data((3 * MIB + 17) as usize, 230);
    f.client.put_object(&f.bucket, "obj", &bytes, &RequestOptions::new()).unwrap();
    for buf_size in [1000, 4097, 1 << 20] {
        let mut r = ObjectReader::open(&f.client, &f.bucket, "obj", &RequestOptions::new()).unwrap();
        assert_eq!(r.info().content_length(), Some(bytes.len() as u64));
        assert_same(&read_all(&mut r, buf_size).unwrap(), &bytes, &format!("reads of {buf_size}"));
        let mut one = [0u8; 1];
        assert_eq!(r.read(&mut one).unwrap(), 0, "stays at the end");
    }
    // Through std::io::Read as well.
    let mut r = ObjectReader::open(&f.client, &f.bucket, "obj", &RequestOptions::new()).unwrap();
    let mut all = Vec::new();
    io::Read::read_to_end(&mut r, &mut all).unwrap();
    assert_same(&all, &bytes, "read_to_end");

    // A CRC-64 header that does not match: every byte is delivered, the final read fails.
    f.emu.fault("kind=bad-crc&method=GET&key=obj&count=1");
    let mut r = ObjectReader::open(&f.client, &f.bucket, "obj", &RequestOptions::new()).unwrap();
    let mut got = 0;
    let mut buf = vec![0u8; 64 * 1024];
    let e = loop {
        match r.read(&mut buf) {
            Ok(0) => panic!("the final read succeeded despite the wrong CRC-64"),
            Ok(n) => got += n,
            Err(e) => break e,
        }
    };
    assert_eq!(e.kind(), ErrorKind::ChecksumMismatch, "{e:?}");
    assert_eq!(got, bytes.len(), "the mismatch is found after the last byte");

    let e = ObjectReader::open(&f.client, &f.bucket, "missing", &RequestOptions::new()).err().unwrap();
    assert_eq!(e.http_status(), 404);
}

#[test]
fn object_reader_resumes_a_broken_connection() {
    let f = Fixture::new("obj-reader-cut");
    let bytes = data((2 * MIB) as usize, 231);
    f.client.put_object(&f.bucket, "obj", &bytes, &RequestOptions::new()).unwrap();
    let proxy = Proxy::start(&f.emu.address);
    let client: Client = f.client_via(&proxy);
    proxy.cut_next(2, 300 * 1024);
    let mut r = ObjectReader::open(&client, &f.bucket, "obj", &RequestOptions::new()).unwrap();
    assert_same(&read_all(&mut r, 10_000).unwrap(), &bytes, "read over two broken connections");
    assert!(proxy.connections() >= 3);
}

#[test]
fn object_reader_of_a_range_resumes_inside_the_range() {
    let f = Fixture::new("obj-reader-range");
    let bytes = data((2 * MIB) as usize, 232);
    f.client.put_object(&f.bucket, "obj", &bytes, &RequestOptions::new()).unwrap();
    let (first, last) = (1000u64, 1_500_000u64);
    let expected = &bytes[first as usize..=last as usize];
    let mut o = RequestOptions::new();
    o.range(first, Some(last)).unwrap();
    // Unbroken.
    let mut r = ObjectReader::open(&f.client, &f.bucket, "obj", &o).unwrap();
    assert_same(&read_all(&mut r, 10_000).unwrap(), expected, "range");
    // Broken after about 300 KiB: the rest must still come from inside the range.
    let proxy = Proxy::start(&f.emu.address);
    let client = f.client_via(&proxy);
    proxy.cut_next(1, 300 * 1024);
    let mut r = ObjectReader::open(&client, &f.bucket, "obj", &o).unwrap();
    assert_same(&read_all(&mut r, 10_000).unwrap(), expected, "range read over a broken connection");
}

// ---------------------------------------------------------------------------------------------------------
// ObjectWriter

#[test]
fn object_writer_writes_odd_chunks_across_parts() {
    let f = Fixture::new("obj-writer");
    for (key, size) in [("empty", 0), ("small", 5000), ("exact", 2 * MIB), ("odd", 3 * MIB + MIB / 2 + 1)] {
        let bytes = data(size as usize, 240 + size);
        f.emu.reset_stats();
        let mut w = ObjectWriter::new(&f.client, &f.bucket, key, &topts(MIB, 1)).unwrap();
        for chunk in bytes.chunks(333_333) {
            w.write(chunk).unwrap();
        }
        w.write(&[]).unwrap();
        let info = w.finish().unwrap_or_else(|e| panic!("{key}: {e:?}"));
        assert_eq!(info.crc64(), Some(crc64::checksum(&bytes)), "{key}");
        assert_same(&f.get(key), &bytes, key);
        let posts = f.emu.stats().get("POST").copied().unwrap_or(0);
        assert_eq!(posts > 0, size >= MIB, "{key}: multipart only from one part up");
        assert!(w.write(b"more").is_err(), "{key}: a finished writer refuses writes");
        assert!(w.finish().is_err(), "{key}: and a second finish");
    }
    // With a content type, on a multipart object.
    let mut o = topts(MIB, 1);
    o.request.content_type("text/x-writer").unwrap();
    let mut w = ObjectWriter::new(&f.client, &f.bucket, "typed", &o).unwrap();
    w.write(&data((MIB + 10) as usize, 249)).unwrap();
    w.finish().unwrap();
    assert_eq!(head(&f, &f.bucket, "typed").content_type(), Some("text/x-writer"));
    assert!(f.uploads("").is_empty());
}

#[test]
fn an_object_writer_dropped_or_aborted_unfinished_leaves_nothing() {
    let f = Fixture::new("obj-writer-drop");
    let bytes = data((2 * MIB + 100) as usize, 250);
    {
        let mut w = ObjectWriter::new(&f.client, &f.bucket, "dropped", &topts(MIB, 1)).unwrap();
        w.write(&bytes).unwrap();
        assert_eq!(f.uploads("dropped").len(), 1, "two parts went up already");
    }
    assert!(f.uploads("").is_empty(), "dropping aborts: {:?}", f.uploads(""));
    assert!(!f.client.object_exists(&f.bucket, "dropped").unwrap());

    let mut w = ObjectWriter::new(&f.client, &f.bucket, "aborted", &topts(MIB, 1)).unwrap();
    w.write(&bytes).unwrap();
    w.abort();
    assert!(f.uploads("").is_empty());
    assert!(w.write(b"x").is_err() && w.finish().is_err(), "an aborted writer is done");
    drop(w);
    assert!(!f.client.object_exists(&f.bucket, "aborted").unwrap());

    // Small and dropped: nothing was ever sent.
    let mut w = ObjectWriter::new(&f.client, &f.bucket, "small", &topts(MIB, 1)).unwrap();
    w.write(b"abc").unwrap();
    drop(w);
    assert!(!f.client.object_exists(&f.bucket, "small").unwrap());
}
