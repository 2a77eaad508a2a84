//! Restoring archived objects against the emulator: a GET refused until the restore completes, the restore
//! state in HEAD's x-cos-restore, a version restored on its own, bad input refused before sending, and
//! restores asked for by the official Python SDK seen here and the reverse.

#[path = "python/peer.rs"]
mod peer;
mod support;

use cos::{ErrorKind, RequestOptions, RestoreTier};
use std::time::Duration;
use support::{check_error, opts, wait_for, Emulator, Fixture};

fn py(f: &Fixture, code: &str) -> String {
    peer::run(&support::python(), f.emu.port(), support::SECRET_ID, support::SECRET_KEY, code)
}

fn archived(f: &Fixture, key: &str, class: &str) -> cos::ObjectInfo {
    let mut o = RequestOptions::new();
    o.storage_class(class).unwrap();
    f.client.put_object(&f.bucket, key, b"cold data", &o).unwrap()
}

/// Waits until HEAD (with `o`) says the restore of `key` is done, and returns that HEAD.
fn restored(f: &Fixture, key: &str, o: &RequestOptions) -> cos::ObjectInfo {
    let mut last = None;
    wait_for("the restore to complete", Duration::from_secs(60), || {
        let info = f.client.head_object(&f.bucket, key, o).unwrap();
        let done = info.restore().is_some_and(|r| !r.ongoing);
        last = Some(info);
        done
    });
    last.unwrap()
}

#[test]
fn an_archived_object_is_readable_once_restored() {
    for class in ["ARCHIVE", "DEEP_ARCHIVE"] {
        let f = Fixture::new("restore");
        archived(&f, "cold", class);
        let head = f.client.head_object(&f.bucket, "cold", &opts()).unwrap();
        assert_eq!((head.storage_class(), head.restore()), (class, None), "{class}: no restore asked for yet");
        let e = f.client.get_object(&f.bucket, "cold", &opts()).unwrap_err();
        check_error(&e, ErrorKind::Service);
        assert_eq!((e.http_status(), e.code()), (403, Some("InvalidObjectState")), "{class}: {e:?}");

        let tier = if class == "ARCHIVE" { RestoreTier::Expedited } else { RestoreTier::Standard };
        f.client.restore_object(&f.bucket, "cold", 2, tier, &opts()).unwrap();
        let head = f.client.head_object(&f.bucket, "cold", &opts()).unwrap();
        assert!(head.checked_restore().unwrap().is_some(), "{class}: HEAD shows the restore: {head:?}");
        let head = restored(&f, "cold", &opts());
        let state = head.restore().unwrap();
        assert!(!state.ongoing && state.expiry_date.as_deref().is_some_and(|d| d.ends_with("GMT")), "{state:?}");
        assert_eq!(f.client.get_object(&f.bucket, "cold", &opts()).unwrap().0, b"cold data", "{class}");
        assert_eq!(head.storage_class(), class, "a restore leaves the object archived");
    }
}

#[test]
fn a_restore_in_progress_is_seen_and_not_asked_for_twice() {
    let f = Fixture::with_emulator(Emulator::start_with(&["--restore-delay-ms", "1500"]), "restoreslow");
    archived(&f, "cold", "ARCHIVE");
    f.client.restore_object(&f.bucket, "cold", 1, RestoreTier::Standard, &opts()).unwrap();
    let state = f.client.head_object(&f.bucket, "cold", &opts()).unwrap().restore();
    assert_eq!(state, Some(cos::RestoreState { ongoing: true, expiry_date: None }));
    let e = f.client.restore_object(&f.bucket, "cold", 1, RestoreTier::Standard, &opts()).unwrap_err();
    check_error(&e, ErrorKind::Service);
    assert_eq!((e.http_status(), e.code()), (409, Some("RestoreAlreadyInProgress")), "{e:?}");
    let e = f.client.get_object(&f.bucket, "cold", &opts()).unwrap_err();
    assert_eq!(e.code(), Some("InvalidObjectState"), "still refused while restoring: {e:?}");
    restored(&f, "cold", &opts());
    assert_eq!(f.client.get_object(&f.bucket, "cold", &opts()).unwrap().0, b"cold data");
}

#[test]
fn bad_restores_are_refused() {
    let f = Fixture::new("restorebad");
    archived(&f, "cold", "ARCHIVE");
    let before = f.emu.stats().requests;
    let e = f.client.restore_object(&f.bucket, "cold", 0, RestoreTier::Bulk, &opts()).unwrap_err();
    check_error(&e, ErrorKind::InvalidArgument);
    assert!(e.message().contains("days must be at least 1"), "{e:?}");
    assert_eq!(f.emu.stats().requests, before, "nothing was sent");
    assert!(RestoreTier::parse("Fast").is_err());

    // COS's own refusals: an object that is not archived, a missing one.
    f.client.put_object(&f.bucket, "warm", b"x", &opts()).unwrap();
    let e = f.client.restore_object(&f.bucket, "warm", 1, RestoreTier::Standard, &opts()).unwrap_err();
    check_error(&e, ErrorKind::Service);
    assert!(matches!(e.http_status(), 403 | 405 | 409), "{e:?}");
    let e = f.client.restore_object(&f.bucket, "missing", 1, RestoreTier::Standard, &opts()).unwrap_err();
    assert_eq!((e.http_status(), e.code()), (404, Some("NoSuchKey")), "{e:?}");
}

#[test]
fn a_version_is_restored_on_its_own() {
    let f = Fixture::new("restorever");
    let enable = b"<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>";
    f.client.bucket_subresource("PUT", &f.bucket, "versioning", enable, &opts()).unwrap();
    let v1 = archived(&f, "cold", "ARCHIVE").version_id().expect("a version id").to_string();
    archived(&f, "cold", "ARCHIVE");
    let mut at_v1 = RequestOptions::new();
    at_v1.version_id(&v1).unwrap();
    f.client.restore_object(&f.bucket, "cold", 1, RestoreTier::Standard, &at_v1).unwrap();
    restored(&f, "cold", &at_v1);
    assert_eq!(f.client.get_object(&f.bucket, "cold", &at_v1).unwrap().0, b"cold data");
    assert_eq!(f.client.head_object(&f.bucket, "cold", &opts()).unwrap().restore(), None, "the latest is not restored");
    assert!(f.client.get_object(&f.bucket, "cold", &opts()).is_err());
}

#[test]
fn python_sdk_and_this_library_see_each_others_restores() {
    let f = Fixture::new("restorepeer");
    let b = &f.bucket;
    archived(&f, "by-python", "ARCHIVE");
    archived(&f, "by-rust", "DEEP_ARCHIVE");
    py(
        &f,
        &format!(
            r#"client.restore_object(Bucket="{b}", Key="by-python", RestoreRequest={{"Days": 1, "CASJobParameters": {{"Tier": "Bulk"}}}})"#
        ),
    );
    restored(&f, "by-python", &opts());
    f.client.restore_object(b, "by-rust", 3, RestoreTier::Bulk, &opts()).unwrap();
    restored(&f, "by-rust", &opts());
    let out = py(
        &f,
        &format!(
            r#"
print(client.head_object(Bucket="{b}", Key="by-rust").get("x-cos-restore"))
print(client.get_object(Bucket="{b}", Key="by-rust")["Body"].get_raw_stream().read().decode())
"#
        ),
    );
    let mut lines = out.lines();
    let restore = lines.next().unwrap_or_default();
    assert!(restore.starts_with("ongoing-request=\"false\", expiry-date=\""), "{out}");
    assert_eq!(lines.next(), Some("cold data"), "{out}");
}
