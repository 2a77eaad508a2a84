//! Bucket lifecycle through the typed calls, against the emulator: every common field round-trips, bad
//! rules are refused before anything is sent, a missing configuration is COS's own error, elements the
//! parser does not know stay reachable through the generic call, and the official Python SDK reads what
//! this library writes and the reverse.

mod python_peer;
mod support;

use cos::{ErrorKind, LifecycleRule, LifecycleTime, LifecycleTransition, NoncurrentTransition};
use support::Fixture;

/// Every common field, in several rules.
fn rules() -> Vec<LifecycleRule> {
    let mut logs = LifecycleRule::new(Some("logs"), Some("logs/"), true).unwrap();
    logs.add_tag("team", "a&b").unwrap().add_tag("env", "<prod>").unwrap();
    logs.transition_days(30, "STANDARD_IA").unwrap().transition_days(90, "ARCHIVE").unwrap();
    logs.expiration_days(365).unwrap();
    let mut dated = LifecycleRule::new(Some("dated"), Some("tmp/"), false).unwrap();
    dated.transition_date("2030-01-01T00:00:00+08:00", "DEEP_ARCHIVE").unwrap();
    dated.expiration_date("2031-01-01T00:00:00+08:00").unwrap();
    let mut versions = LifecycleRule::new(Some("versions"), Some(""), true).unwrap();
    versions.expired_object_delete_marker(true);
    versions.noncurrent_transition(10, "STANDARD_IA").unwrap().noncurrent_expiration_days(60).unwrap();
    versions.abort_incomplete_multipart_days(7).unwrap();
    let mut tag_only = LifecycleRule::new(None, None, true).unwrap();
    tag_only.add_tag("expire", "yes").unwrap().expiration_days(1).unwrap();
    vec![logs, dated, versions, tag_only]
}

#[test]
fn rules_round_trip_and_delete() {
    let f = Fixture::new("lifecycle");
    let missing = f.client.get_bucket_lifecycle(&f.bucket).unwrap_err();
    assert_eq!((missing.http_status(), missing.code()), (404, Some("NoSuchLifecycleConfiguration")), "{missing:?}");

    f.client.put_bucket_lifecycle(&f.bucket, &rules()).unwrap();
    assert_eq!(f.client.get_bucket_lifecycle(&f.bucket).unwrap(), rules());
    // The document on the wire is the one the generic call reads back.
    let raw = f.client.bucket_subresource("GET", &f.bucket, "lifecycle", &[], &support::opts()).unwrap();
    let text = raw.text().unwrap();
    assert!(
        text.contains("<Filter><And><Prefix>logs/</Prefix><Tag><Key>team</Key><Value>a&amp;b</Value></Tag>"),
        "{text}"
    );
    assert!(text.contains("<Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration>"));

    // A put replaces the whole configuration.
    let one = vec![rules().remove(3)];
    f.client.put_bucket_lifecycle(&f.bucket, &one).unwrap();
    assert_eq!(f.client.get_bucket_lifecycle(&f.bucket).unwrap(), one);

    f.client.delete_bucket_lifecycle(&f.bucket).unwrap();
    let gone = f.client.get_bucket_lifecycle(&f.bucket).unwrap_err();
    assert_eq!(gone.code(), Some("NoSuchLifecycleConfiguration"), "{gone:?}");
    // On a bucket that does not exist, COS's code for that.
    let e = f.client.get_bucket_lifecycle("nosuch-1250000000").unwrap_err();
    assert_eq!(e.code(), Some("NoSuchBucket"), "{e:?}");
}

#[test]
fn the_most_rules_cos_takes_round_trip() {
    let f = Fixture::new("lifecycle-max");
    let many: Vec<LifecycleRule> = (0..cos::MAX_LIFECYCLE_RULES)
        .map(|i| {
            let mut r = LifecycleRule::new(Some(&format!("rule-{i:04}")), Some(&format!("p{i}/")), i % 2 == 0).unwrap();
            r.expiration_days(1 + i as u32).unwrap();
            r
        })
        .collect();
    f.client.put_bucket_lifecycle(&f.bucket, &many).unwrap();
    assert_eq!(f.client.get_bucket_lifecycle(&f.bucket).unwrap(), many);
}

#[test]
fn bad_rules_are_refused_before_sending() {
    let f = Fixture::new("lifecycle-bad");
    let mut no_action = vec![LifecycleRule::new(Some("x"), None, true).unwrap()];
    let mut zero_days = rules();
    zero_days[0].expiration = Some(LifecycleTime::Days(0));
    let mut bad_class = rules();
    bad_class[1].transitions.push(LifecycleTransition { when: LifecycleTime::Days(3), storage_class: "cold".into() });
    let mut duplicate = rules();
    duplicate[3].id = Some("logs".into());
    let mut both = rules();
    both[2].expiration = Some(LifecycleTime::Days(3));
    let mut noncurrent_zero = rules();
    noncurrent_zero[2].noncurrent_transitions.push(NoncurrentTransition { days: 0, storage_class: "ARCHIVE".into() });
    let mut long_id = rules();
    long_id[0].id = Some("i".repeat(256));
    let too_many: Vec<LifecycleRule> = (0..=cos::MAX_LIFECYCLE_RULES)
        .map(|i| {
            let mut r = LifecycleRule::new(Some(&i.to_string()), None, true).unwrap();
            r.abort_incomplete_multipart_days(1).unwrap();
            r
        })
        .collect();
    let cases: Vec<(&str, Vec<LifecycleRule>, &str)> = vec![
        ("empty", Vec::new(), "at least one rule"),
        ("no action", std::mem::take(&mut no_action), "no action"),
        ("zero days", zero_days, "rule 0 (\"logs\"): expiration days must be at least 1"),
        ("storage class", bad_class, "storage_class"),
        ("duplicate id", duplicate, "unique"),
        ("marker with days", both, "expired_object_delete_marker"),
        ("noncurrent zero", noncurrent_zero, "noncurrent transition days"),
        ("id over 255", long_id, "255"),
        ("1001 rules", too_many, "at most 1000"),
    ];
    f.emu.reset_stats();
    for (what, rules, needle) in cases {
        let e = f.client.put_bucket_lifecycle(&f.bucket, &rules).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{what}: {e:?}");
        assert!(e.message().contains(needle), "{what}: {}", e.message());
        assert_eq!(e.attempts(), 0, "{what}");
    }
    assert_eq!(f.emu.stats().requests, 0, "nothing was sent");
    // The bucket name is checked too.
    let e = f.client.put_bucket_lifecycle("Bad_Bucket", &rules()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
}

/// What COS may hold beyond the common fields (an access-frequency transition, a size filter) stays out of
/// the typed rules and in the raw document.
#[test]
fn unknown_elements_stay_in_the_raw_document() {
    let f = Fixture::new("lifecycle-raw");
    let doc = "<LifecycleConfiguration><Rule><ID>atime</ID><Filter><And><Prefix>a/</Prefix>\
        <ObjectSizeGreaterThan>1024</ObjectSizeGreaterThan></And></Filter><Status>Enabled</Status>\
        <Transition><AccessFrequency><AccessCountLessThan>1</AccessCountLessThan><RecentDays>30</RecentDays>\
        </AccessFrequency><StorageClass>STANDARD_IA</StorageClass></Transition>\
        <Transition><Days>5</Days><StorageClass>ARCHIVE</StorageClass></Transition></Rule></LifecycleConfiguration>";
    f.client.bucket_subresource("PUT", &f.bucket, "lifecycle", doc.as_bytes(), &support::opts()).unwrap();
    let rules = f.client.get_bucket_lifecycle(&f.bucket).unwrap();
    let mut want = LifecycleRule::new(Some("atime"), Some("a/"), true).unwrap();
    want.transition_days(5, "ARCHIVE").unwrap();
    assert_eq!(rules, vec![want]);
    let raw = f.client.bucket_subresource("GET", &f.bucket, "lifecycle", &[], &support::opts()).unwrap();
    assert_eq!(raw.body, doc.as_bytes(), "the raw document comes back byte for byte");
}

#[test]
fn python_sdk_reads_what_this_library_writes() {
    let f = Fixture::new("lifecycle-py-read");
    f.client.put_bucket_lifecycle(&f.bucket, &rules()).unwrap();
    let got = python_peer::run(f.emu.port(), &f.bucket, "show(client.get_bucket_lifecycle(Bucket=bucket))");
    let want = [
        ("Rule.0.ID", "logs"),
        ("Rule.0.Status", "Enabled"),
        ("Rule.0.Filter.And.Prefix", "logs/"),
        ("Rule.0.Filter.And.Tag.0.Key", "team"),
        ("Rule.0.Filter.And.Tag.0.Value", "a&b"),
        ("Rule.0.Filter.And.Tag.1.Value", "<prod>"),
        ("Rule.0.Transition.0.Days", "30"),
        ("Rule.0.Transition.1.StorageClass", "ARCHIVE"),
        ("Rule.0.Expiration.Days", "365"),
        ("Rule.1.Status", "Disabled"),
        ("Rule.1.Filter.Prefix", "tmp/"),
        ("Rule.1.Transition.0.Date", "2030-01-01T00:00:00+08:00"),
        ("Rule.1.Transition.0.StorageClass", "DEEP_ARCHIVE"),
        ("Rule.1.Expiration.Date", "2031-01-01T00:00:00+08:00"),
        ("Rule.2.Expiration.ExpiredObjectDeleteMarker", "true"),
        ("Rule.2.NoncurrentVersionTransition.0.NoncurrentDays", "10"),
        ("Rule.2.NoncurrentVersionExpiration.NoncurrentDays", "60"),
        ("Rule.2.AbortIncompleteMultipartUpload.DaysAfterInitiation", "7"),
        ("Rule.3.Filter.Tag.0.Key", "expire"),
        ("Rule.3.Expiration.Days", "1"),
    ];
    for (path, value) in want {
        assert_eq!(got.get(path).map(String::as_str), Some(value), "{path} in {got:#?}");
    }
    assert!(!got.keys().any(|k| k.starts_with("Rule.4")), "four rules: {got:#?}");
}

#[test]
fn this_library_reads_what_the_python_sdk_writes() {
    let f = Fixture::new("lifecycle-py-write");
    python_peer::run(
        f.emu.port(),
        &f.bucket,
        r#"
client.put_bucket_lifecycle(Bucket=bucket, LifecycleConfiguration={'Rule': [
    {'ID': 'py1', 'Filter': {'Prefix': 'docs/'}, 'Status': 'Enabled',
     'Transition': [{'Days': 30, 'StorageClass': 'STANDARD_IA'}, {'Days': 60, 'StorageClass': 'ARCHIVE'}],
     'Expiration': {'Days': 400}},
    {'ID': 'py2', 'Filter': {'And': {'Prefix': 'x/', 'Tag': [{'Key': 'k', 'Value': 'v'}]}}, 'Status': 'Disabled',
     'NoncurrentVersionExpiration': {'NoncurrentDays': 5},
     'NoncurrentVersionTransition': [{'NoncurrentDays': 2, 'StorageClass': 'ARCHIVE'}],
     'AbortIncompleteMultipartUpload': {'DaysAfterInitiation': 3}},
    {'ID': 'py3', 'Filter': {'Prefix': ''}, 'Status': 'Enabled', 'Expiration': {'Date': '2030-01-01T00:00:00+08:00'}},
]})
"#,
    );
    let got = f.client.get_bucket_lifecycle(&f.bucket).unwrap();
    let mut py1 = LifecycleRule::new(Some("py1"), Some("docs/"), true).unwrap();
    py1.transition_days(30, "STANDARD_IA").unwrap().transition_days(60, "ARCHIVE").unwrap();
    py1.expiration_days(400).unwrap();
    let mut py2 = LifecycleRule::new(Some("py2"), Some("x/"), false).unwrap();
    py2.add_tag("k", "v").unwrap().noncurrent_expiration_days(5).unwrap();
    py2.noncurrent_transition(2, "ARCHIVE").unwrap().abort_incomplete_multipart_days(3).unwrap();
    let mut py3 = LifecycleRule::new(Some("py3"), Some(""), true).unwrap();
    py3.expiration_date("2030-01-01T00:00:00+08:00").unwrap();
    assert_eq!(got, vec![py1, py2, py3]);
    // Python's delete is seen here too.
    python_peer::run(f.emu.port(), &f.bucket, "client.delete_bucket_lifecycle(Bucket=bucket)");
    assert_eq!(f.client.get_bucket_lifecycle(&f.bucket).unwrap_err().code(), Some("NoSuchLifecycleConfiguration"));
}
