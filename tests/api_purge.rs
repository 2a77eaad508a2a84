//! Emptying a bucket (`empty_bucket`, `delete_bucket_recursive`) against the emulator: every version, every
//! delete marker and every in-progress upload goes, across more than one DeleteObjects batch, after which
//! the bucket can be deleted; a prefix limits it; progress is reported and can cancel; and a hostile server
//! shows that the first refused key stops the purge with an error naming it.

mod support;

use cos::{Client, ErrorKind, PurgeOptions, PurgeReport, RequestOptions, VersionsParams};
use std::sync::atomic::{AtomicU32, Ordering};
use support::hostile::{within, Hostile};
use support::{opts, Fixture};

fn count_versions(client: &Client, bucket: &str, prefix: &str) -> usize {
    let params = VersionsParams { prefix: prefix.into(), ..Default::default() };
    client.list_object_versions_pages(bucket, params).map(|p| p.unwrap().versions.len()).sum()
}

/// PUTs `n` small objects `<prefix><i>` from 8 threads.
fn put_many(f: &Fixture, prefix: &str, n: usize) {
    std::thread::scope(|s| {
        for t in 0..8 {
            let (client, bucket) = (&f.client, &f.bucket);
            s.spawn(move || {
                for i in (t..n).step_by(8) {
                    client.put_object(bucket, &format!("{prefix}{i:05}"), b"x", &RequestOptions::new()).unwrap();
                }
            });
        }
    });
}

#[test]
fn a_versioned_bucket_with_uploads_is_emptied_and_deleted() {
    let f = Fixture::new("purge");
    f.client.put_bucket_versioning(&f.bucket, true).unwrap();
    // 1003 current versions: more than one batch of 1000.
    put_many(&f, "many/", 1003);
    for i in 0..3 {
        f.client.put_object(&f.bucket, "old", format!("v{i}").as_bytes(), &opts()).unwrap();
    }
    f.client.delete_object(&f.bucket, "old", &opts()).unwrap();
    f.client.delete_object(&f.bucket, "never-existed", &opts()).unwrap();
    for key in ["up/1", "up/2", "old"] {
        f.client.create_multipart_upload(&f.bucket, key, &opts()).unwrap();
    }
    // Versioning suspended afterwards: the versions stay and must go too.
    f.client.put_bucket_versioning(&f.bucket, false).unwrap();
    f.client.put_object(&f.bucket, "null-version", b"n", &opts()).unwrap();

    let e = f.client.delete_bucket(&f.bucket).unwrap_err();
    assert_eq!(e.code(), Some("BucketNotEmpty"), "{e:?}");

    let mut reports: Vec<PurgeReport> = Vec::new();
    let mut progress = |r: &PurgeReport| {
        reports.push(*r);
        true
    };
    let report = f.client.delete_bucket_recursive(&f.bucket, Some(&mut progress)).unwrap();
    assert_eq!(
        report,
        PurgeReport { versions: 1003 + 3 + 1, delete_markers: 2, uploads: 3, bucket_deleted: true },
        "{report:?}"
    );
    assert_eq!(report.deleted(), 1009);
    // One report after the uploads, one per DeleteObjects batch (1000, then the rest); never decreasing.
    assert!(reports.len() >= 3, "{reports:?}");
    assert!(reports.windows(2).all(|w| w[0].deleted() <= w[1].deleted()), "{reports:?}");
    assert_eq!(reports[0].uploads, 3);
    assert_eq!(reports.iter().find(|r| r.deleted() > 0).unwrap().deleted(), 1000, "{reports:?}");
    let e = f.client.head_bucket(&f.bucket).unwrap_err();
    assert_eq!(e.http_status(), 404, "the bucket is gone: {e:?}");
}

/// The same on the emulator's on-disk store, where versions, markers and uploads are files of their own.
#[test]
fn a_bucket_on_disk_is_emptied_and_deleted() {
    let dir = support::TempDir::new("purge-disk");
    let emu = support::Emulator::start_with(&["--data-dir", dir.0.to_str().expect("UTF-8 temp path")]);
    let f = Fixture::with_emulator(emu, "purged");
    f.client.put_bucket_versioning(&f.bucket, true).unwrap();
    put_many(&f, "d/", 20);
    put_many(&f, "d/", 20);
    f.client.delete_object(&f.bucket, "d/00003", &opts()).unwrap();
    f.client.create_multipart_upload(&f.bucket, "d/up", &opts()).unwrap();
    let report = f.client.delete_bucket_recursive(&f.bucket, None).unwrap();
    assert_eq!(report, PurgeReport { versions: 40, delete_markers: 1, uploads: 1, bucket_deleted: true });
    assert_eq!(f.client.head_bucket(&f.bucket).unwrap_err().http_status(), 404);
}

#[test]
fn a_prefix_limits_the_purge_and_an_unversioned_bucket_works_too() {
    let f = Fixture::new("purgep");
    put_many(&f, "gone/", 5);
    put_many(&f, "kept/", 2);
    f.client.create_multipart_upload(&f.bucket, "gone/up", &opts()).unwrap();
    f.client.create_multipart_upload(&f.bucket, "kept/up", &opts()).unwrap();
    let o = PurgeOptions { prefix: "gone/".into(), delete_bucket: false };
    let report = f.client.empty_bucket(&f.bucket, &o, None).unwrap();
    assert_eq!(report, PurgeReport { versions: 5, delete_markers: 0, uploads: 1, bucket_deleted: false });
    assert_eq!(count_versions(&f.client, &f.bucket, ""), 2);
    assert_eq!(f.uploads("").len(), 1);
    // Nothing left under the prefix: nothing to do.
    assert_eq!(f.client.empty_bucket(&f.bucket, &o, None).unwrap(), PurgeReport::default());
    // A prefix and deleting the bucket do not go together.
    let bad = PurgeOptions { prefix: "kept/".into(), delete_bucket: true };
    let e = f.client.empty_bucket(&f.bucket, &bad, None).unwrap_err();
    assert!(e.kind() == ErrorKind::InvalidArgument && e.message().contains("prefix"), "{e:?}");
    assert_eq!(e.attempts(), 0);
    let e = f.client.delete_bucket_recursive("Not_A_Bucket", None).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e:?}");
}

#[test]
fn progress_can_cancel_the_purge() {
    let f = Fixture::new("purgec");
    f.client.put_bucket_versioning(&f.bucket, true).unwrap();
    put_many(&f, "k", 1001);
    let calls = AtomicU32::new(0);
    let mut stop_after_first_batch = |r: &PurgeReport| {
        calls.fetch_add(1, Ordering::SeqCst);
        r.deleted() == 0
    };
    let e = f.client.delete_bucket_recursive(&f.bucket, Some(&mut stop_after_first_batch)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Cancelled, "{e:?}");
    assert!(e.message().contains("1000 versions"), "the message says what was removed: {e:?}");
    assert!(e.attempts() >= 3, "the list, the delete and the uploads listing: {e:?}");
    assert_eq!(count_versions(&f.client, &f.bucket, ""), 1, "one batch went, the bucket stays");
    f.client.head_bucket(&f.bucket).unwrap();
}

#[test]
fn the_first_refused_key_stops_the_purge_and_is_named() {
    within(std::time::Duration::from_secs(60), "refused", || {
        let server = Hostile::each_request(|req, conn| {
            let body = if req.target.contains("uploads") {
                "<ListMultipartUploadsResult><IsTruncated>false</IsTruncated></ListMultipartUploadsResult>"
            } else if req.target.contains("versions") {
                "<ListVersionsResult><IsTruncated>false</IsTruncated>\
                 <Version><Key>a</Key><VersionId>v1</VersionId><Size>1</Size></Version>\
                 <DeleteMarker><Key>b</Key><VersionId>v2</VersionId></DeleteMarker></ListVersionsResult>"
            } else {
                "<DeleteResult><Error><Key>b</Key><VersionId>v2</VersionId><Code>AccessDenied</Code>\
                 <Message>Access Denied.</Message></Error></DeleteResult>"
            };
            let _ = conn.respond("200 OK", &[("x-cos-request-id", "purge".to_string())], body.as_bytes());
        });
        let e = server.client().delete_bucket_recursive("refused-1250000000", None).unwrap_err();
        assert_eq!((e.kind(), e.code()), (ErrorKind::Service, Some("AccessDenied")), "{e:?}");
        assert!(e.message().contains("\"v2\" of \"b\"") && e.message().contains("Access Denied."), "{e:?}");
        assert_eq!(e.attempts(), 3, "{e:?}");
        let requests = server.requests();
        assert_eq!(requests.len(), 3, "no DELETE of the bucket after a refusal");
        // The batch named each entry's version.
        let body = String::from_utf8_lossy(&requests[2].body).into_owned();
        assert!(
            body.contains("<Key>a</Key><VersionId>v1</VersionId>") && body.contains("<Quiet>true</Quiet>"),
            "{body}"
        );

        // A server that keeps listing what it reported deleted cannot make the purge loop.
        let server = Hostile::each_request(|req, conn| {
            let body = if req.target.contains("uploads") {
                "<ListMultipartUploadsResult/>"
            } else if req.target.contains("versions") {
                "<ListVersionsResult><Version><Key>a</Key><VersionId>v1</VersionId><Size>1</Size></Version></ListVersionsResult>"
            } else {
                "<DeleteResult/>"
            };
            let _ = conn.respond("200 OK", &[], body.as_bytes());
        });
        let e = server.client().delete_bucket_recursive("stuck-1250000000", None).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Parse, "{e:?}");
        assert!(e.message().contains("still listed"), "{e:?}");
        assert_eq!(server.requests().len(), 4);
    });
}
