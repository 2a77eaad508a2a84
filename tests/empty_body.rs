//! A server that answers `200 OK` with an empty body where an XML document is expected (SeaweedFS does this
//! for some copies): every operation that reads an XML answer names the empty body and the document it
//! expected, as a parse error (`COS_PARSE_ERROR`) carrying the HTTP status, not the XML parser's
//! "the document does not have a root node".

mod support;

use cos::{ErrorKind, ListParams, ListUploadsParams, Part, RequestOptions};
use std::time::Duration;
use support::hostile::{within, Hostile};

/// Answers every request with `200` and `body`.
fn server(body: &'static [u8]) -> Hostile {
    Hostile::each_request(move |_, conn| {
        let _ = conn.respond("200 OK", &[("x-cos-request-id", "empty-1".to_string())], body);
    })
}

fn check(what: &str, expected: &str, result: cos::Result<()>) {
    let e = result.expect_err(what);
    assert_eq!(e.kind(), ErrorKind::Parse, "{what}: {e:?}");
    assert_eq!(cos::ffi::cos_status::from(e.kind()), cos::ffi::cos_status::COS_PARSE_ERROR, "{what}");
    assert_eq!(e.http_status(), 200, "{what}: {e:?}");
    assert_eq!(e.request_id(), Some("empty-1"), "{what}: {e:?}");
    assert!(e.attempts() >= 1, "{what}: {e:?}");
    let message = e.message();
    assert!(message.contains("empty body"), "{what}: {message}");
    assert!(message.contains(&format!("where {expected} XML was expected")), "{what}: {message}");
    assert!(!message.contains("root node"), "{what}: {message}");
    let display = e.to_string();
    assert!(display.starts_with("HTTP 200: COS answered with an empty body"), "{what}: {display}");
}

fn every_xml_operation(body: &'static [u8]) {
    let server = server(body);
    let c = server.client();
    let o = RequestOptions::new();
    let part = Part { part_number: 1, etag: "\"e\"".into(), ..Part::default() };
    check("copy_object", "CopyObjectResult", c.copy_object("src-1250000000", "a", "b-1250000000", "b", &o).map(drop));
    check(
        "upload_part_copy",
        "CopyPartResult",
        c.upload_part_copy(
            "b-1250000000",
            "k",
            "u",
            1,
            "src-1250000000",
            "a",
            o.clone().copy_source_range(0, 9).unwrap(),
        )
        .map(drop),
    );
    check("list_objects", "ListBucketResult", c.list_objects("b-1250000000", &ListParams::default()).map(drop));
    check(
        "list_objects_pages",
        "ListBucketResult",
        c.list_objects_pages("b-1250000000", ListParams::default()).next().unwrap().map(drop),
    );
    check("list_buckets", "ListAllMyBucketsResult", c.list_buckets().map(drop));
    check("delete_objects", "DeleteResult", c.delete_objects("b-1250000000", &["a"], false).map(drop));
    check(
        "create_multipart_upload",
        "InitiateMultipartUploadResult",
        c.create_multipart_upload("b-1250000000", "k", &o).map(drop),
    );
    check(
        "complete_multipart_upload",
        "CompleteMultipartUploadResult",
        c.complete_multipart_upload("b-1250000000", "k", "u", &[part], &o).map(drop),
    );
    check("list_parts", "ListPartsResult", c.list_parts("b-1250000000", "k", "u", 0, 0).map(drop));
    check("list_all_parts", "ListPartsResult", c.list_all_parts("b-1250000000", "k", "u").map(drop));
    check(
        "list_multipart_uploads",
        "ListMultipartUploadsResult",
        c.list_multipart_uploads("b-1250000000", &ListUploadsParams::default()).map(drop),
    );
}

#[test]
fn an_empty_200_is_named_as_an_empty_body_by_every_xml_operation() {
    within(Duration::from_secs(60), "empty bodies", || every_xml_operation(b""));
}

#[test]
fn a_200_of_only_whitespace_is_an_empty_body_too() {
    within(Duration::from_secs(60), "whitespace bodies", || every_xml_operation(b"\r\n  \n"));
}

/// Not retried: an empty 200 is an answer, so exactly one request is sent.
#[test]
fn an_empty_copy_answer_is_not_retried() {
    within(Duration::from_secs(30), "one copy", || {
        let server = server(b"");
        let e = server
            .client()
            .copy_object("src-1250000000", "a", "b-1250000000", "b", &RequestOptions::new())
            .unwrap_err();
        assert_eq!(e.attempts(), 1, "{e:?}");
        assert_eq!(server.requests().len(), 1);
    });
}
