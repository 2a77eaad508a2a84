//! Symbolic links against the emulator: `Client::put_symlink` / `get_symlink`, the link's own metadata, a
//! version of a link, and the targets refused before anything is sent.

mod support;

use cos::{ErrorKind, RequestOptions};
use support::Fixture;

#[test]
fn a_link_names_its_target_and_keeps_its_own_metadata() {
    let f = Fixture::new("symlink");
    f.client.put_object(&f.bucket, "dir/target file+1.txt", b"the target", &RequestOptions::new()).unwrap();
    let mut o = RequestOptions::new();
    o.metadata("origin", "rust").unwrap();
    f.client.put_symlink(&f.bucket, "links/a", "dir/target file+1.txt", &o).unwrap();
    assert_eq!(f.client.get_symlink(&f.bucket, "links/a", &RequestOptions::new()).unwrap(), "dir/target file+1.txt");
    let head = f.client.head_object(&f.bucket, "links/a", &RequestOptions::new()).unwrap();
    assert_eq!(head.meta("origin"), Some("rust"));
    assert_eq!(head.headers.get("x-cos-symlink-target"), Some("dir/target file+1.txt"));
    // A link may name a key that does not exist (COS does not check), and may be replaced.
    f.client.put_symlink(&f.bucket, "links/a", "nowhere", &RequestOptions::new()).unwrap();
    assert_eq!(f.client.get_symlink(&f.bucket, "links/a", &RequestOptions::new()).unwrap(), "nowhere");
}

#[test]
fn a_plain_object_is_not_a_link_and_a_missing_key_is_404() {
    let f = Fixture::new("symlink-not");
    f.client.put_object(&f.bucket, "plain", b"x", &RequestOptions::new()).unwrap();
    let e = f.client.get_symlink(&f.bucket, "plain", &RequestOptions::new()).unwrap_err();
    assert_eq!((e.kind(), e.http_status()), (ErrorKind::Service, 400), "{e:?}");
    let e = f.client.get_symlink(&f.bucket, "missing", &RequestOptions::new()).unwrap_err();
    assert_eq!((e.http_status(), e.code()), (404, Some("NoSuchKey")), "{e:?}");
}

#[test]
fn targets_a_header_cannot_carry_are_refused_naming_the_call() {
    let f = Fixture::new("symlink-bad");
    for bad in ["", "中文.txt", "a\r\nx-cos-acl: public-read"] {
        let e = f.client.put_symlink(&f.bucket, "l", bad, &RequestOptions::new()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{bad:?}: {e:?}");
        assert!(e.message().contains("put_symlink"), "{e:?}");
    }
    let e = f.client.get_symlink(&f.bucket, "l", &RequestOptions::new()).unwrap_err();
    assert_eq!(e.http_status(), 404, "nothing was created: {e:?}");
}

#[test]
fn a_version_of_a_link_is_read_by_its_id() {
    let f = Fixture::new("symlink-ver");
    f.client.put_bucket_versioning(&f.bucket, true).unwrap();
    let first = f.client.put_symlink(&f.bucket, "l", "one", &RequestOptions::new()).unwrap();
    f.client.put_symlink(&f.bucket, "l", "two", &RequestOptions::new()).unwrap();
    let id = first.headers.get("x-cos-version-id").expect("a version id").to_string();
    let mut o = RequestOptions::new();
    o.version_id(&id).unwrap();
    assert_eq!(f.client.get_symlink(&f.bucket, "l", &o).unwrap(), "one");
    assert_eq!(f.client.get_symlink(&f.bucket, "l", &RequestOptions::new()).unwrap(), "two");
}
