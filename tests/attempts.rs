//! `Error::attempts` / `cos_error_attempts` counts every HTTP request the failed call sent: the pages and
//! batches before the failing one, retries, and the request whose answer was then refused (a garbage page, a
//! marker that does not advance, a CRC-64 mismatch, a missing ETag). A hostile server on loopback answers
//! by request number and logs every request it read, so the count is checked against the wire.

mod support;

use cos::ffi::{
    cos_client, cos_client_config_free, cos_client_config_new, cos_client_config_set_address,
    cos_client_config_set_credentials, cos_client_config_set_max_retries, cos_client_config_set_region,
    cos_client_config_set_scheme, cos_client_free, cos_client_new, cos_error, cos_error_attempts, cos_error_free,
    cos_error_status, cos_object_iter, cos_object_iter_free, cos_object_iter_new, cos_object_iter_next,
    cos_object_list, cos_object_list_count, cos_object_list_free, cos_status,
};
use cos::{Appender, ErrorKind, ListParams, Part, RequestOptions};
use std::ffi::CString;
use std::ptr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;
use support::hostile::{within, Conn, Hostile, Request};

const BUCKET: &str = "attempts-1250000000";

/// A server whose answer depends on the request's number (1, 2, ...) over all connections.
fn numbered(answer: impl Fn(u32, &Request, &mut Conn) + Send + Sync + 'static) -> Hostile {
    let n = AtomicU32::new(0);
    Hostile::each_request(move |req, conn| answer(n.fetch_add(1, Ordering::SeqCst) + 1, req, conn))
}

fn ok(conn: &mut Conn, headers: &[(&str, String)], body: &str) {
    let mut all = vec![("x-cos-request-id", "attempts".to_string())];
    all.extend(headers.iter().cloned());
    let _ = conn.respond("200 OK", &all, body.as_bytes());
}

fn internal_error(conn: &mut Conn) {
    let body = "<Error><Code>InternalError</Code><Message>try again</Message></Error>";
    let _ = conn.respond("500 Internal Server Error", &[], body.as_bytes());
}

/// A truncated listing page whose next marker is `next`.
fn page(key: &str, next: &str) -> String {
    format!(
        "<ListBucketResult><IsTruncated>true</IsTruncated><NextMarker>{next}</NextMarker>\
         <Contents><Key>{key}</Key><Size>1</Size></Contents></ListBucketResult>"
    )
}

/// The error's attempts equal the requests the server read, and are `expected`.
fn check(what: &str, server: &Hostile, e: &cos::Error, kind: ErrorKind, expected: u32) {
    assert_eq!(e.kind(), kind, "{what}: {e:?}");
    let sent = server.requests().len() as u32;
    assert_eq!(sent, expected, "{what}: requests on the wire");
    assert_eq!(e.attempts(), expected, "{what}: {e:?}");
}

#[test]
fn object_pages_count_the_requests_of_the_failing_page() {
    within(Duration::from_secs(60), "pages", || {
        // Page 2 is garbage: that call sent one request.
        let server = numbered(|n, _, conn| ok(conn, &[], &if n == 1 { page("a", "a") } else { "<<<".into() }));
        let c = server.client();
        let mut pages = c.list_objects_pages(BUCKET, ListParams::default());
        assert_eq!(pages.next().unwrap().unwrap().objects.len(), 1);
        let e = pages.next().unwrap().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Parse, "{e:?}");
        assert_eq!(server.requests().len(), 2);
        assert_eq!(e.attempts(), 1, "the call that failed sent one request: {e:?}");

        // Page 2 does not advance the marker: an error found after a successful request.
        let server = numbered(|_, _, conn| ok(conn, &[], &page("a", "a")));
        let c = server.client();
        let mut pages = c.list_objects_pages(BUCKET, ListParams::default());
        pages.next().unwrap().unwrap();
        let e = pages.next().unwrap().unwrap_err();
        assert!(e.message().contains("does not advance"), "{e:?}");
        assert_eq!(e.attempts(), 1, "{e:?}");

        // Page 2 fails twice (retried), then is garbage: three requests for that call.
        let server = numbered(|n, _, conn| match n {
            1 => ok(conn, &[], &page("a", "a")),
            2 | 3 => internal_error(conn),
            _ => ok(conn, &[], "not xml"),
        });
        let mut cursor = cos::ListCursor::new(BUCKET, ListParams::default());
        let c = server.client();
        cursor.next_page(&c).unwrap().unwrap();
        let e = cursor.next_page(&c).unwrap().unwrap_err();
        assert_eq!((e.kind(), e.attempts(), server.requests().len()), (ErrorKind::Parse, 3, 4), "{e:?}");
    });
}

fn c_str(s: &str) -> CString {
    CString::new(s).unwrap()
}

/// A C client for `server`, configured through the C ABI.
fn c_client(server: &Hostile) -> *mut cos_client {
    let config = cos_client_config_new();
    let mut err: *mut cos_error = ptr::null_mut();
    let (region, id, key) = (c_str("ap-guangzhou"), c_str("AKIDhostileTest"), c_str("hostileTestSecretKey"));
    let (http, address) = (c_str("http"), c_str(&server.address));
    assert_eq!(cos_client_config_set_region(config, region.as_ptr(), &mut err), cos_status::COS_OK);
    assert_eq!(cos_client_config_set_credentials(config, id.as_ptr(), key.as_ptr(), &mut err), cos_status::COS_OK);
    assert_eq!(cos_client_config_set_scheme(config, http.as_ptr(), &mut err), cos_status::COS_OK);
    assert_eq!(cos_client_config_set_address(config, address.as_ptr(), &mut err), cos_status::COS_OK);
    assert_eq!(cos_client_config_set_max_retries(config, 2, &mut err), cos_status::COS_OK);
    let mut client: *mut cos_client = ptr::null_mut();
    assert_eq!(cos_client_new(config, &mut client, &mut err), cos_status::COS_OK);
    cos_client_config_free(config);
    client
}

#[test]
fn the_c_iterator_reports_the_attempts_of_a_failing_page() {
    within(Duration::from_secs(60), "C iterator", || {
        let server = numbered(|n, _, conn| match n {
            1 => ok(conn, &[], &page("a", "a")),
            2 => internal_error(conn),
            _ => ok(conn, &[], &page("a", "a")),
        });
        let client = c_client(&server);
        let bucket = c_str(BUCKET);
        let mut iter: *mut cos_object_iter = ptr::null_mut();
        let mut err: *mut cos_error = ptr::null_mut();
        let status = cos_object_iter_new(client, bucket.as_ptr(), ptr::null(), ptr::null(), 0, &mut iter, &mut err);
        assert_eq!(status, cos_status::COS_OK);
        let mut list: *mut cos_object_list = ptr::null_mut();
        assert_eq!(cos_object_iter_next(iter, &mut list, &mut err), cos_status::COS_OK);
        assert_eq!(cos_object_list_count(list), 1);
        cos_object_list_free(list);
        // Page 2: a 500, retried, then a page that does not advance.
        assert_eq!(cos_object_iter_next(iter, &mut list, &mut err), cos_status::COS_PARSE_ERROR);
        assert_eq!(cos_error_status(err), cos_status::COS_PARSE_ERROR);
        assert_eq!(cos_error_attempts(err), 2);
        assert_eq!(server.requests().len(), 3);
        cos_error_free(err);
        cos_object_iter_free(iter);
        cos_client_free(client);
    });
}

#[test]
fn list_buckets_counts_every_page() {
    within(Duration::from_secs(60), "buckets", || {
        let body = "<ListAllMyBucketsResult><Buckets><Bucket><Name>b-1</Name></Bucket></Buckets>\
                    <IsTruncated>true</IsTruncated><NextMarker>m</NextMarker></ListAllMyBucketsResult>";
        // Page 2 repeats the marker of page 1.
        let server = numbered(move |_, _, conn| ok(conn, &[], body));
        let e = server.client().list_buckets().unwrap_err();
        check("bucket marker", &server, &e, ErrorKind::Parse, 2);
        // Page 2 fails three times (a 500, retried twice).
        let server = numbered(move |n, _, conn| if n == 1 { ok(conn, &[], body) } else { internal_error(conn) });
        let e = server.client().list_buckets().unwrap_err();
        check("bucket page 2 fails", &server, &e, ErrorKind::Service, 4);
    });
}

#[test]
fn delete_objects_counts_every_batch() {
    within(Duration::from_secs(60), "batches", || {
        let keys: Vec<String> = (0..2500).map(|i| format!("k{i:04}")).collect();
        let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
        // Batches 1 and 2 succeed, batch 3 fails on every attempt.
        let server =
            numbered(|n, _, conn| if n <= 2 { ok(conn, &[], "<DeleteResult/>") } else { internal_error(conn) });
        let e = server.client().delete_objects(BUCKET, &keys, true).unwrap_err();
        check("batch 3 fails", &server, &e, ErrorKind::Service, 5);
        // Batch 2 is garbage.
        let server = numbered(|n, _, conn| ok(conn, &[], if n == 1 { "<DeleteResult/>" } else { "<Delete" }));
        let e = server.client().delete_objects(BUCKET, &keys, true).unwrap_err();
        check("batch 2 garbage", &server, &e, ErrorKind::Parse, 2);
    });
}

#[test]
fn list_all_parts_counts_every_page() {
    within(Duration::from_secs(60), "parts", || {
        let page1 = "<ListPartsResult><IsTruncated>true</IsTruncated><NextPartNumberMarker>1</NextPartNumberMarker>\
                     <Part><PartNumber>1</PartNumber><Size>1</Size></Part></ListPartsResult>";
        let server = numbered(move |_, _, conn| ok(conn, &[], page1));
        let e = server.client().list_all_parts(BUCKET, "k", "u").unwrap_err();
        check("part marker", &server, &e, ErrorKind::Parse, 2);
        let server = numbered(move |n, _, conn| match n {
            1 => ok(conn, &[], page1),
            2 => internal_error(conn),
            _ => ok(conn, &[], "<ListPartsResult><Part><PartNumber>0</PartNumber></Part></ListPartsResult>"),
        });
        let e = server.client().list_all_parts(BUCKET, "k", "u").unwrap_err();
        check("part page 2", &server, &e, ErrorKind::Parse, 3);
    });
}

#[test]
fn errors_found_after_a_successful_request_count_it() {
    within(Duration::from_secs(60), "single requests", || {
        let o = RequestOptions::new();
        // CopyObject whose CRC-64 in the body differs from the header's.
        let server = numbered(|_, _, conn| {
            let body = "<CopyObjectResult><ETag>\"e\"</ETag><CRC64>1</CRC64></CopyObjectResult>";
            ok(conn, &[("x-cos-hash-crc64ecma", "2".into())], body);
        });
        let e = server.client().copy_object(BUCKET, "a", BUCKET, "b", &o).map(drop).unwrap_err();
        check("copy CRC", &server, &e, ErrorKind::ChecksumMismatch, 1);

        // Complete whose CRC-64 is not the parts' combined.
        let server = numbered(|_, _, conn| {
            let body = "<CompleteMultipartUploadResult><ETag>\"e-1\"</ETag></CompleteMultipartUploadResult>";
            ok(conn, &[("x-cos-hash-crc64ecma", "2".into())], body);
        });
        let part = Part { part_number: 1, etag: "\"e\"".into(), size: 1, crc64: Some(1), ..Part::default() };
        let e = server.client().complete_multipart_upload(BUCKET, "k", "u", &[part], &o).map(drop).unwrap_err();
        check("complete CRC", &server, &e, ErrorKind::ChecksumMismatch, 1);

        // UploadPart answered without an ETag (after a retried 500).
        let server = numbered(|n, _, conn| if n == 1 { internal_error(conn) } else { ok(conn, &[], "") });
        let mut no_crc = RequestOptions::new();
        no_crc.verify_crc(false);
        let e = server.client().upload_part(BUCKET, "k", "u", 1, cos::Body::Bytes(b"x"), &no_crc).unwrap_err();
        check("part ETag", &server, &e, ErrorKind::Parse, 2);
        assert_eq!(e.http_status(), 200);

        // An Appender's append whose CRC-64 is not that of the bytes appended.
        let server = numbered(|_, _, conn| {
            ok(conn, &[("x-cos-next-append-position", "5".into()), ("x-cos-hash-crc64ecma", "7".into())], "");
        });
        let c = server.client();
        let mut a = Appender::new(&c, BUCKET, "k", &o).unwrap();
        let e = a.append(b"hello").map(drop).unwrap_err();
        check("append CRC", &server, &e, ErrorKind::ChecksumMismatch, 1);

        // Resuming an object that is not appendable, or whose HEAD has no Content-Length.
        let server = numbered(|_, _, conn| ok(conn, &[], ""));
        let e = Appender::resume(&server.client(), BUCKET, "k", &no_crc).map(drop).unwrap_err();
        check("resume normal object", &server, &e, ErrorKind::InvalidArgument, 1);
    });
}

#[test]
fn a_download_whose_destination_fails_counts_its_requests() {
    within(Duration::from_secs(60), "sink", || {
        // One 500, then the object: two requests, then the writer refuses the bytes.
        let server = numbered(|n, _, conn| if n == 1 { internal_error(conn) } else { ok(conn, &[], "body") });
        struct Full;
        impl std::io::Write for Full {
            fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
                Err(std::io::Error::other("disk full"))
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let c = server.client();
        let e = c.get_object_to_writer(BUCKET, "k", &mut Full, &RequestOptions::new()).unwrap_err();
        check("writer", &server, &e, ErrorKind::Io, 2);

        // Into a file in a directory that does not exist: the GET was made, and counted.
        let server = numbered(|_, _, conn| ok(conn, &[], "body"));
        let path = std::path::Path::new("/nonexistent-cos-test-dir/file");
        let e = server.client().get_object_to_file(BUCKET, "k", path, &RequestOptions::new()).unwrap_err();
        check("file", &server, &e, ErrorKind::Io, 1);
    });
}
