//! Bucket policy, location and existence against the emulator, bad policies refused before sending, and
//! policies written by the official Python SDK read back here and the reverse.

#[path = "python/peer.rs"]
mod peer;
mod support;

use cos::{Client, ErrorKind};
use support::{check_error, Emulator, Fixture};

const POLICY: &str = r#"{"Statement":[{"Principal":{"qcs":["qcs::cam::uin/100000000001:uin/100000000011"]},"Effect":"allow","Action":["name/cos:GetObject"],"Resource":["qcs::cos:ap-guangzhou:uid/1250000000:policypeer-1250000000/*"]}],"version":"2.0"}"#;

fn py(f: &Fixture, code: &str) -> String {
    peer::run(&support::python(), f.emu.port(), support::SECRET_ID, support::SECRET_KEY, code)
}

/// The text without whitespace, so that a policy re-serialized by a server compares with the one sent.
fn squeeze(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

#[test]
fn bucket_exists_is_true_false_or_an_error() {
    let f = Fixture::new("exists");
    assert!(f.client.bucket_exists(&f.bucket).unwrap());
    assert!(!f.client.bucket_exists("nosuchbucket-1250000000").unwrap());
    // A refusal is not "absent": a wrong key gets a 403, which is an error, as in the Python SDK.
    let mut b = f.emu.config();
    b.credentials(support::SECRET_ID, "wrong-secret-key");
    let stranger = Client::new(b.build().unwrap()).unwrap();
    let e = stranger.bucket_exists(&f.bucket).unwrap_err();
    check_error(&e, ErrorKind::Service);
    assert_eq!(e.http_status(), 403, "{e:?}");
    let e = f.client.bucket_exists("Bad_Name").unwrap_err();
    check_error(&e, ErrorKind::InvalidArgument);
}

#[test]
fn location_is_the_region() {
    let f = Fixture::new("location");
    assert_eq!(f.client.get_bucket_location(&f.bucket).unwrap(), support::REGION);
    let e = f.client.get_bucket_location("nosuchbucket-1250000000").unwrap_err();
    assert_eq!((e.http_status(), e.code()), (404, Some("NoSuchBucket")), "{e:?}");
}

#[test]
fn policy_round_trip() {
    let f = Fixture::new("policy");
    let c = &f.client;
    let e = c.get_bucket_policy(&f.bucket).unwrap_err();
    check_error(&e, ErrorKind::Service);
    assert_eq!((e.http_status(), e.code()), (404, Some("NoSuchBucketPolicy")), "{e:?}");
    let policy = POLICY.replace("policypeer", &f.bucket.replace("-1250000000", ""));
    c.put_bucket_policy(&f.bucket, &policy).unwrap();
    assert_eq!(squeeze(&c.get_bucket_policy(&f.bucket).unwrap()), squeeze(&policy));
    c.delete_bucket_policy(&f.bucket).unwrap();
    assert_eq!(c.get_bucket_policy(&f.bucket).unwrap_err().code(), Some("NoSuchBucketPolicy"));
}

#[test]
fn bad_policies_are_refused_before_sending() {
    let emu = Emulator::start();
    let f = Fixture::with_emulator(emu, "policybad");
    let before = f.emu.stats().requests;
    for bad in ["", "   ", "[]", "not json", "{\"Statement\": []"] {
        let e = f.client.put_bucket_policy(&f.bucket, bad).unwrap_err();
        check_error(&e, ErrorKind::InvalidArgument);
        assert!(e.message().starts_with("bucket policy is"), "{bad:?}: {e:?}");
    }
    assert_eq!(f.emu.stats().requests, before, "nothing was sent");
}

#[test]
fn python_sdk_and_this_library_read_each_others_policies() {
    let f = Fixture::new("policypeer");
    let b = &f.bucket;
    let policy = POLICY.replace("policypeer-1250000000", b);
    py(&f, &format!("client.put_bucket_policy(Bucket=\"{b}\", Policy=json.loads('{policy}'))"));
    assert_eq!(squeeze(&f.client.get_bucket_policy(b).unwrap()), squeeze(&policy));

    let mine = policy.replace("name/cos:GetObject", "name/cos:HeadObject");
    f.client.put_bucket_policy(b, &mine).unwrap();
    let out = py(
        &f,
        &format!(
            r#"
p = json.loads(client.get_bucket_policy(Bucket="{b}")["Policy"])
print(p["Statement"][0]["Action"][0])
print(client.get_bucket_location(Bucket="{b}")["LocationConstraint"])
print(client.bucket_exists(Bucket="{b}"), client.bucket_exists(Bucket="nosuchbucket-1250000000"))
"#
        ),
    );
    assert_eq!(out.lines().collect::<Vec<_>>(), vec!["name/cos:HeadObject", support::REGION, "True False"]);
}
