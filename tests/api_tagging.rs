//! Object and bucket tagging against the emulator: put/get/delete with one `TagSet`, tags at upload time,
//! HEAD's tag count, a version's own tags, COS's limits refused before anything is sent, and tags written
//! by the official Python SDK read back here and the reverse.

#[path = "python/peer.rs"]
mod peer;
mod support;

use cos::{ErrorKind, RequestOptions, TagSet};
use support::{check_error, opts, Fixture};

fn tags(pairs: &[(&str, &str)]) -> TagSet {
    let mut s = TagSet::new();
    for (k, v) in pairs {
        s.add(k, v).unwrap();
    }
    s
}

fn pairs(set: &TagSet) -> Vec<(String, String)> {
    set.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn py(f: &Fixture, code: &str) -> String {
    peer::run(&support::python(), f.emu.port(), support::SECRET_ID, support::SECRET_KEY, code)
}

#[test]
fn object_tags_round_trip_and_show_in_head() {
    let f = Fixture::new("tagobj");
    let c = &f.client;
    c.put_object(&f.bucket, "t.txt", b"data", &opts()).unwrap();
    assert!(c.get_object_tagging(&f.bucket, "t.txt", &opts()).unwrap().is_empty(), "no tags yet");
    assert_eq!(c.head_object(&f.bucket, "t.txt", &opts()).unwrap().tag_count(), None);

    let set = tags(&[("team", "storage"), ("项目 a", "x+y=z/@:._-"), ("empty", "")]);
    c.put_object_tagging(&f.bucket, "t.txt", &set, &opts()).unwrap();
    assert_eq!(pairs(&c.get_object_tagging(&f.bucket, "t.txt", &opts()).unwrap()), pairs(&set));
    assert_eq!(c.head_object(&f.bucket, "t.txt", &opts()).unwrap().tag_count(), Some(3));

    // A put replaces the whole set.
    c.put_object_tagging(&f.bucket, "t.txt", &tags(&[("only", "1")]), &opts()).unwrap();
    assert_eq!(pairs(&c.get_object_tagging(&f.bucket, "t.txt", &opts()).unwrap()), vec![("only".into(), "1".into())]);

    c.delete_object_tagging(&f.bucket, "t.txt", &opts()).unwrap();
    assert!(c.get_object_tagging(&f.bucket, "t.txt", &opts()).unwrap().is_empty());
    assert_eq!(c.head_object(&f.bucket, "t.txt", &opts()).unwrap().tag_count(), None);

    // A missing object is COS's NoSuchKey, for each call.
    let e = c.get_object_tagging(&f.bucket, "missing", &opts()).unwrap_err();
    check_error(&e, ErrorKind::Service);
    assert_eq!((e.http_status(), e.code()), (404, Some("NoSuchKey")), "{e:?}");
    let e = c.put_object_tagging(&f.bucket, "missing", &set, &opts()).unwrap_err();
    assert_eq!(e.http_status(), 404, "{e:?}");
}

#[test]
fn tags_at_upload_time() {
    let f = Fixture::new("tagupload");
    let set = tags(&[("a b", "1/2"), ("k", "v+w=x"), ("中", "文")]);
    let mut o = RequestOptions::new();
    o.tags(&set).unwrap();
    f.client.put_object(&f.bucket, "u", b"x", &o).unwrap();
    assert_eq!(pairs(&f.client.get_object_tagging(&f.bucket, "u", &opts()).unwrap()), pairs(&set));
    assert_eq!(f.client.head_object(&f.bucket, "u", &opts()).unwrap().tag_count(), Some(3));

    // More than an object takes is refused by the setter.
    let mut many = TagSet::new();
    for i in 0..11 {
        many.add(&format!("k{i}"), "v").unwrap();
    }
    let e = RequestOptions::new().tags(&many).map(drop).unwrap_err();
    check_error(&e, ErrorKind::InvalidArgument);
    assert!(e.message().contains("at most 10"), "{e:?}");
}

#[test]
fn tags_reach_objects_made_by_multipart_uploads_and_appends() {
    let f = Fixture::new("tagtransfer");
    let dir = support::TempDir::new("tagtransfer");
    let path = dir.file("in", &support::data((2 * support::MIB + 1) as usize, 7));
    let set = tags(&[("via", "upload_file"), ("n", "3")]);
    let mut request = RequestOptions::new();
    request.tags(&set).unwrap();
    let o = cos::TransferOptions { part_size: support::MIB, request, ..cos::TransferOptions::default() };
    f.client.upload_file(&f.bucket, "multi", &path, &o, None).unwrap();
    assert_eq!(pairs(&f.client.get_object_tagging(&f.bucket, "multi", &opts()).unwrap()), pairs(&set));
    let mut a = RequestOptions::new();
    a.tags(&set).unwrap();
    f.client.append_object(&f.bucket, "appended", 0, b"first", &a).unwrap();
    assert_eq!(f.client.head_object(&f.bucket, "appended", &opts()).unwrap().tag_count(), Some(2));
}

#[test]
fn bucket_tags_round_trip() {
    let f = Fixture::new("tagbucket");
    let c = &f.client;
    assert!(c.get_bucket_tagging(&f.bucket).unwrap().is_empty(), "NoSuchTagSet reads as no tags");
    let mut set = TagSet::new();
    for i in 0..50 {
        set.add(&format!("key-{i:02}"), &format!("value {i}")).unwrap();
    }
    c.put_bucket_tagging(&f.bucket, &set).unwrap();
    assert_eq!(pairs(&c.get_bucket_tagging(&f.bucket).unwrap()), pairs(&set));
    c.delete_bucket_tagging(&f.bucket).unwrap();
    assert!(c.get_bucket_tagging(&f.bucket).unwrap().is_empty());
    // A missing bucket is still an error.
    let e = c.get_bucket_tagging("missing-1250000000").unwrap_err();
    assert_eq!((e.http_status(), e.code()), (404, Some("NoSuchBucket")), "{e:?}");
}

#[test]
fn limits_are_refused_before_sending() {
    let f = Fixture::new("taglimits");
    f.client.put_object(&f.bucket, "o", b"x", &opts()).unwrap();
    let mut eleven = TagSet::new();
    for i in 0..11 {
        eleven.add(&format!("k{i}"), "v").unwrap();
    }
    let before = f.emu.stats().requests;
    let e = f.client.put_object_tagging(&f.bucket, "o", &eleven, &opts()).unwrap_err();
    check_error(&e, ErrorKind::InvalidArgument);
    assert!(e.message().contains("11 tags; COS keeps at most 10 on an object") && e.message().contains("\"k10\""));
    assert_eq!(e.attempts(), 0);
    assert_eq!(f.emu.stats().requests, before, "nothing was sent");
    // The same set is fine for a bucket.
    f.client.put_bucket_tagging(&f.bucket, &eleven).unwrap();
    assert_eq!(f.client.get_bucket_tagging(&f.bucket).unwrap().len(), 11);

    let mut s = TagSet::new();
    for (k, v, needle) in [
        ("", "v", "has 0 characters"),
        ("a*b", "v", "contains '*'"),
        ("ok", "<x>", "contains '<'"),
        (&"k".repeat(129) as &str, "v", "COS allows 1 to 128"),
        ("ok", &"v".repeat(257) as &str, "COS allows 0 to 256"),
    ] {
        let e = s.add(k, v).map(drop).unwrap_err();
        check_error(&e, ErrorKind::InvalidArgument);
        assert!(e.message().contains(needle), "{needle:?}: {e:?}");
    }
    s.add("dup", "1").unwrap();
    assert!(s.add("dup", "2").map(drop).unwrap_err().message().contains("\"dup\" is already"));
}

#[test]
fn a_version_has_its_own_tags() {
    let f = Fixture::new("tagversion");
    let c = &f.client;
    let enable = b"<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>";
    c.bucket_subresource("PUT", &f.bucket, "versioning", enable, &opts()).unwrap();
    let v1 = c.put_object(&f.bucket, "v", b"one", &opts()).unwrap();
    let v1 = v1.version_id().expect("a versioned PUT gives a version id").to_string();
    c.put_object(&f.bucket, "v", b"two", &opts()).unwrap();
    let mut at_v1 = RequestOptions::new();
    at_v1.version_id(&v1).unwrap();
    c.put_object_tagging(&f.bucket, "v", &tags(&[("version", "one")]), &at_v1).unwrap();
    assert_eq!(pairs(&c.get_object_tagging(&f.bucket, "v", &at_v1).unwrap()), vec![("version".into(), "one".into())]);
    assert!(c.get_object_tagging(&f.bucket, "v", &opts()).unwrap().is_empty(), "the latest version is untagged");
    c.delete_object_tagging(&f.bucket, "v", &at_v1).unwrap();
    assert!(c.get_object_tagging(&f.bucket, "v", &at_v1).unwrap().is_empty());
}

#[test]
fn python_sdk_and_this_library_read_each_others_tags() {
    let f = Fixture::new("tagpeer");
    let b = &f.bucket;
    // Python writes, this library reads.
    py(
        &f,
        &format!(
            r#"
client.put_object(Bucket="{b}", Key="py", Body=b"x")
client.put_object_tagging(Bucket="{b}", Key="py", Tagging={{"TagSet": {{"Tag": [
    {{"Key": "from", "Value": "python"}}, {{"Key": "中 文", "Value": "a+b"}}]}}}})
client.put_object(Bucket="{b}", Key="py-upload", Body=b"x", Tagging="k1=v1&k%202=v%202")
client.put_bucket_tagging(Bucket="{b}", Tagging={{"TagSet": {{"Tag": [{{"Key": "env", "Value": "test"}}]}}}})
"#
        ),
    );
    let c = &f.client;
    assert_eq!(
        pairs(&c.get_object_tagging(b, "py", &opts()).unwrap()),
        vec![("from".into(), "python".into()), ("中 文".into(), "a+b".into())]
    );
    assert_eq!(
        pairs(&c.get_object_tagging(b, "py-upload", &opts()).unwrap()),
        vec![("k1".into(), "v1".into()), ("k 2".into(), "v 2".into())]
    );
    assert_eq!(pairs(&c.get_bucket_tagging(b).unwrap()), vec![("env".into(), "test".into())]);

    // This library writes (a document and an upload header), Python reads.
    c.put_object_tagging(b, "py", &tags(&[("from", "rust"), ("x y", "1+1=2")]), &opts()).unwrap();
    let mut o = RequestOptions::new();
    o.tags(&tags(&[("up", "load/ed"), ("é", "ü")])).unwrap();
    c.put_object(b, "rs-upload", b"x", &o).unwrap();
    c.put_bucket_tagging(b, &tags(&[("owner", "rust")])).unwrap();
    let out = py(
        &f,
        &format!(
            r#"
def tags(d):
    t = d.get("TagSet", {{}}).get("Tag", [])
    return [[x["Key"], x.get("Value") or ""] for x in t]
print(json.dumps([tags(client.get_object_tagging(Bucket="{b}", Key="py")),
                  tags(client.get_object_tagging(Bucket="{b}", Key="rs-upload")),
                  tags(client.get_bucket_tagging(Bucket="{b}")),
                  client.head_object(Bucket="{b}", Key="rs-upload").get("x-cos-tagging-count")]))
"#
        ),
    );
    assert_eq!(
        out.trim(),
        r#"[[["from", "rust"], ["x y", "1+1=2"]], [["up", "load/ed"], ["\u00e9", "\u00fc"]], [["owner", "rust"]], "2"]"#
    );
}
