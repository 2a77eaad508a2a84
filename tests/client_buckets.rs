//! Bucket operations against the emulator: create, head, list, delete, and how each one fails.

mod support;

use cos::{Client, ErrorKind, RequestOptions};
use support::Emulator;

fn setup(tag: &str) -> (Emulator, Client, String) {
    let emu = Emulator::start();
    let client = emu.client();
    let bucket = support::bucket(tag);
    (emu, client, bucket)
}

fn no_opts() -> RequestOptions {
    RequestOptions::new()
}

/// A service error with this status and code, carrying the ids COS attaches to every failure.
fn assert_service(e: &cos::Error, status: u16, code: &str) {
    assert_eq!(e.kind(), ErrorKind::Service, "{e:?}");
    assert!(e.is_service());
    assert_eq!(e.http_status(), status, "{e:?}");
    assert_eq!(e.code(), Some(code), "{e:?}");
    assert!(e.request_id().is_some_and(|id| !id.is_empty()), "request id: {e:?}");
    assert!(!e.message().is_empty());
    assert_eq!(e.attempts(), 1, "4xx answers are not retried: {e:?}");
}

#[test]
fn create_then_create_again_is_bucket_already_owned_by_you() {
    let (_emu, client, bucket) = setup("twice");
    client.create_bucket(&bucket, &no_opts()).unwrap();
    let e = client.create_bucket(&bucket, &no_opts()).unwrap_err();
    assert_service(&e, 409, "BucketAlreadyOwnedByYou");
    assert!(e.trace_id().is_some_and(|id| !id.is_empty()), "trace id: {e:?}");
    let body = e.raw_body().expect("the XML error body is kept");
    assert!(body.contains("<Code>BucketAlreadyOwnedByYou</Code>"), "{body}");
    let text = e.to_string();
    assert!(text.contains("BucketAlreadyOwnedByYou") && text.contains("409"), "{text}");
    assert!(text.contains(e.request_id().unwrap()), "Display shows the request id: {text}");
}

#[test]
fn create_with_acl_options() {
    let (_emu, client, bucket) = setup("acl");
    let mut opts = RequestOptions::new();
    opts.acl("private").unwrap();
    client.create_bucket(&bucket, &opts).unwrap();
    assert!(client.head_bucket(&bucket).is_ok());
}

#[test]
fn head_bucket_reports_its_region() {
    let (_emu, client, bucket) = setup("head");
    client.create_bucket(&bucket, &no_opts()).unwrap();
    let headers = client.head_bucket(&bucket).unwrap();
    assert_eq!(headers.get("x-cos-bucket-region"), Some("ap-guangzhou"));
    assert_eq!(headers.get("X-COS-BUCKET-REGION"), Some("ap-guangzhou"));
    assert!(headers.request_id().is_some_and(|id| !id.is_empty()));
    assert!(!headers.is_empty());
}

#[test]
fn head_of_a_missing_bucket_is_no_such_bucket_from_headers() {
    let (_emu, client, bucket) = setup("missing");
    let e = client.head_bucket(&bucket).unwrap_err();
    assert_service(&e, 404, "NoSuchBucket");
    assert_eq!(e.raw_body(), None, "a HEAD answer has no body: {e:?}");
    assert!(e.trace_id().is_some(), "x-cos-trace-id of a failed HEAD: {e:?}");
    assert!(e.resource().is_some_and(|r| r.contains(&bucket)), "resource names the bucket: {e:?}");
}

#[test]
fn list_buckets_contains_the_created_buckets() {
    let (_emu, client, first) = setup("lista");
    let second = support::bucket("listb");
    client.create_bucket(&first, &no_opts()).unwrap();
    client.create_bucket(&second, &no_opts()).unwrap();
    let list = client.list_buckets().unwrap();
    assert!(!list.is_truncated);
    for name in [&first, &second] {
        let b = list.buckets.iter().find(|b| &b.name == name).unwrap_or_else(|| panic!("{name} missing from {list:?}"));
        assert_eq!(b.region, "ap-guangzhou");
        assert!(!b.creation_date.is_empty(), "{b:?}");
    }
    assert_eq!(list.buckets.len(), 2, "{list:?}");
    client.delete_bucket(&first).unwrap();
    let list = client.list_buckets().unwrap();
    let names: Vec<&str> = list.buckets.iter().map(|b| b.name.as_str()).collect();
    assert_eq!(names, vec![second.as_str()]);
}

#[test]
fn delete_of_a_non_empty_bucket_is_bucket_not_empty() {
    let (_emu, client, bucket) = setup("notempty");
    client.create_bucket(&bucket, &no_opts()).unwrap();
    client.put_object(&bucket, "dir/obj", b"x", &no_opts()).unwrap();
    let e = client.delete_bucket(&bucket).unwrap_err();
    assert_service(&e, 409, "BucketNotEmpty");
    assert!(client.head_bucket(&bucket).is_ok(), "still there");

    client.delete_object(&bucket, "dir/obj", &no_opts()).unwrap();
    client.delete_bucket(&bucket).unwrap();
    let e = client.head_bucket(&bucket).unwrap_err();
    assert_eq!(e.http_status(), 404);
    assert_eq!(e.code(), Some("NoSuchBucket"));
}

#[test]
fn delete_of_a_missing_bucket_is_no_such_bucket_with_body() {
    let (_emu, client, bucket) = setup("delmissing");
    let e = client.delete_bucket(&bucket).unwrap_err();
    assert_service(&e, 404, "NoSuchBucket");
    assert!(e.trace_id().is_some(), "{e:?}");
    let body = e.raw_body().expect("DELETE errors have an XML body");
    assert!(body.contains("<Code>NoSuchBucket</Code>"), "{body}");
    assert!(body.contains(e.request_id().unwrap()), "request id from the body: {body}");
}

#[test]
fn operations_on_a_missing_bucket_fail_with_no_such_bucket() {
    let (_emu, client, bucket) = setup("gone");
    let o = no_opts();
    let put = client.put_object(&bucket, "k", b"x", &o).unwrap_err();
    assert_service(&put, 404, "NoSuchBucket");
    let get = client.get_object(&bucket, "k", &o).unwrap_err();
    assert_service(&get, 404, "NoSuchBucket");
    let list = client.list_objects(&bucket, &cos::ListParams::default()).unwrap_err();
    assert_service(&list, 404, "NoSuchBucket");
    assert!(!client.object_exists(&bucket, "k").unwrap());
}
