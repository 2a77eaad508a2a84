//! Object and bucket ACLs against the emulator: canned ACLs and grant headers in, owner and grants out, a
//! whole AccessControlPolicy sent back, bad input refused before sending, and ACLs written by the official
//! Python SDK read here and the reverse.

#[path = "python/peer.rs"]
mod peer;
mod support;

use cos::xml::ALL_USERS;
use cos::{Acl, ErrorKind, Grant, Grantee, Permission, RequestOptions};
use support::{check_error, opts, Fixture};

const OWNER: &str = "qcs::cam::uin/100000000001:uin/100000000001";
const OTHER: &str = "qcs::cam::uin/100000000001:uin/100000000011";

fn py(f: &Fixture, code: &str) -> String {
    peer::run(&support::python(), f.emu.port(), support::SECRET_ID, support::SECRET_KEY, code)
}

/// Whether `acl` grants `permission` to the user id or group URI `who` (display names aside).
fn granted(acl: &Acl, who: &str, permission: Permission) -> bool {
    acl.grants.iter().any(|g| {
        let id = match &g.grantee {
            Grantee::User { id, .. } => id,
            Grantee::Group { uri } => uri,
        };
        id == who && g.permission == permission.as_str()
    })
}

/// The grants without display names, to compare what was sent with what came back.
fn plain(acl: &Acl) -> Vec<(String, String, String)> {
    acl.grants
        .iter()
        .map(|g| {
            let who = match &g.grantee {
                Grantee::User { id, .. } => id.clone(),
                Grantee::Group { uri } => uri.clone(),
            };
            (g.grantee_type().to_string(), who, g.permission.clone())
        })
        .collect()
}

#[test]
fn object_acl_from_canned_acls_and_grants() {
    let f = Fixture::new("aclobj");
    let c = &f.client;
    c.put_object(&f.bucket, "o", b"x", &opts()).unwrap();
    let acl = c.get_object_acl(&f.bucket, "o", &opts()).unwrap();
    assert_eq!(acl.owner_id, OWNER);
    assert_eq!(acl.canned(), "default", "a new object inherits its bucket's ACL");

    c.put_object_acl(&f.bucket, "o", Some("public-read"), &opts()).unwrap();
    let acl = c.get_object_acl(&f.bucket, "o", &opts()).unwrap();
    assert_eq!(acl.canned(), "public-read");
    assert!(granted(&acl, ALL_USERS, Permission::Read), "{acl:?}");

    let mut g = RequestOptions::new();
    g.grant(Permission::Read, &format!("id=\"{OTHER}\"")).unwrap();
    g.grant(Permission::FullControl, &format!("id=\"{OWNER}\"")).unwrap();
    c.put_object_acl(&f.bucket, "o", None, &g).unwrap();
    let acl = c.get_object_acl(&f.bucket, "o", &opts()).unwrap();
    assert!(granted(&acl, OTHER, Permission::Read), "{acl:?}");
    assert!(granted(&acl, OWNER, Permission::FullControl), "{acl:?}");
    assert_eq!(acl.canned(), "private");

    // Back to the bucket's.
    c.put_object_acl(&f.bucket, "o", Some("default"), &opts()).unwrap();
    assert_eq!(c.get_object_acl(&f.bucket, "o", &opts()).unwrap().canned(), "default");
}

#[test]
fn a_whole_policy_goes_back_as_it_came() {
    let f = Fixture::new("aclpolicy");
    let c = &f.client;
    c.put_object(&f.bucket, "o", b"x", &opts()).unwrap();
    let mut acl = c.get_object_acl(&f.bucket, "o", &opts()).unwrap();
    acl.acl_header = None;
    acl.grants = vec![
        Grant::user(OWNER, Permission::FullControl),
        Grant::user(OTHER, Permission::ReadAcp),
        Grant::group(ALL_USERS, Permission::Read),
    ];
    c.put_object_acl_policy(&f.bucket, "o", &acl, &opts()).unwrap();
    let back = c.get_object_acl(&f.bucket, "o", &opts()).unwrap();
    assert_eq!(plain(&back), plain(&acl));
    assert_eq!(back.canned(), "public-read");

    // The bucket's, the same way.
    let mut bacl = c.get_bucket_acl(&f.bucket).unwrap();
    assert_eq!((bacl.owner_id.as_str(), bacl.canned()), (OWNER, "private"));
    bacl.grants.push(Grant::user(OTHER, Permission::Write));
    c.put_bucket_acl_policy(&f.bucket, &bacl).unwrap();
    assert_eq!(plain(&c.get_bucket_acl(&f.bucket).unwrap()), plain(&bacl));
}

#[test]
fn bucket_acl_from_canned_acls_and_grants() {
    let f = Fixture::new("aclbucket");
    let c = &f.client;
    assert_eq!(c.get_bucket_acl(&f.bucket).unwrap().canned(), "private");
    c.put_bucket_acl(&f.bucket, Some("public-read-write"), &opts()).unwrap();
    let acl = c.get_bucket_acl(&f.bucket).unwrap();
    assert_eq!(acl.canned(), "public-read-write");
    assert!(granted(&acl, ALL_USERS, Permission::Write));
    let mut g = RequestOptions::new();
    g.grant(Permission::WriteAcp, &format!("id=\"{OTHER}\"")).unwrap();
    c.put_bucket_acl(&f.bucket, Some("private"), &g).unwrap();
    let acl = c.get_bucket_acl(&f.bucket).unwrap();
    assert!(granted(&acl, OTHER, Permission::WriteAcp), "{acl:?}");
    assert!(!granted(&acl, ALL_USERS, Permission::Write));
}

#[test]
fn bad_acls_are_refused_before_sending() {
    let f = Fixture::new("aclbad");
    let c = &f.client;
    c.put_object(&f.bucket, "o", b"x", &opts()).unwrap();
    let before = f.emu.stats().requests;
    let invalid = |r: cos::Result<()>, needle: &str| {
        let e = r.unwrap_err();
        check_error(&e, ErrorKind::InvalidArgument);
        assert!(e.message().contains(needle), "{needle:?}: {e:?}");
    };
    invalid(c.put_object_acl(&f.bucket, "o", Some("public-read-write"), &opts()), "for an object");
    invalid(c.put_bucket_acl(&f.bucket, Some("default"), &opts()), "for a bucket");
    invalid(c.put_object_acl(&f.bucket, "o", Some("Private"), &opts()), "\"Private\"");
    invalid(c.put_object_acl(&f.bucket, "o", None, &opts()), "or at least one grant");
    invalid(c.put_bucket_acl(&f.bucket, None, &opts()), "or at least one grant");
    invalid(c.put_object_acl_policy(&f.bucket, "o", &Acl::default(), &opts()), "no owner id");
    let odd = Acl {
        owner_id: OWNER.into(),
        grants: vec![Grant {
            grantee: Grantee::User { id: OTHER.into(), display_name: None },
            permission: "ALL".into(),
        }],
        ..Acl::default()
    };
    invalid(c.put_bucket_acl_policy(&f.bucket, &odd), "grant 0: permission must be");
    invalid(RequestOptions::new().grant(Permission::Read, " ").map(drop), "x-cos-grant-read");
    assert_eq!(f.emu.stats().requests, before, "nothing was sent");
    assert!(Permission::parse("read").is_err());
}

#[test]
fn python_sdk_and_this_library_read_each_others_acls() {
    let f = Fixture::new("aclpeer");
    let b = &f.bucket;
    py(
        &f,
        &format!(
            r#"
client.put_object(Bucket="{b}", Key="py", Body=b"x")
client.put_object_acl(Bucket="{b}", Key="py", ACL="public-read", GrantRead='id="{OTHER}"')
client.put_bucket_acl(Bucket="{b}", ACL="public-read")
"#
        ),
    );
    let c = &f.client;
    let acl = c.get_object_acl(b, "py", &opts()).unwrap();
    assert!(granted(&acl, ALL_USERS, Permission::Read), "{acl:?}");
    assert!(granted(&acl, OTHER, Permission::Read), "{acl:?}");
    assert_eq!(c.get_bucket_acl(b).unwrap().canned(), "public-read");

    c.put_object(b, "rs", b"x", &opts()).unwrap();
    let mut g = RequestOptions::new();
    g.grant(Permission::FullControl, &format!("id=\"{OTHER}\"")).unwrap();
    c.put_object_acl(b, "rs", Some("private"), &g).unwrap();
    c.put_bucket_acl(b, Some("public-read-write"), &opts()).unwrap();
    let out = py(
        &f,
        &format!(
            r#"
o = client.get_object_acl(Bucket="{b}", Key="rs")
print("object canned", o["CannedACL"])
print("object owner", o["Owner"]["ID"])
for g in o["AccessControlList"]["Grant"]:
    print("object grant", g["Grantee"].get("ID") or g["Grantee"].get("URI"), g["Permission"])
print("bucket canned", client.get_bucket_acl(Bucket="{b}")["CannedACL"])
print("py canned", client.get_object_acl(Bucket="{b}", Key="py")["CannedACL"])
"#
        ),
    );
    let lines: Vec<&str> = out.lines().collect();
    for want in [
        "object canned private".to_string(),
        format!("object owner {OWNER}"),
        format!("object grant {OTHER} FULL_CONTROL"),
        "bucket canned public-read-write".into(),
        "py canned public-read".into(),
    ] {
        assert!(lines.contains(&want.as_str()), "{want:?} not in:\n{out}");
    }
    assert!(!out.contains(ALL_USERS), "a private object grants nothing to all users:\n{out}");
}
