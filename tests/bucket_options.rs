//! Bucket creation and listing options against the emulator: a MAZ / OFS creation configuration that HEAD
//! Bucket and GET Service report back, and GET Service's filters (region, one tag, creation time) and
//! paging (max-keys, marker, NextMarker), with the owner of the listing.

mod support;

use cos::{BucketCreateConfig, CreatedRange, ErrorKind, ListBucketsParams, RequestOptions, TagSet};
use std::time::{SystemTime, UNIX_EPOCH};
use support::Emulator;

fn names(list: &cos::xml::BucketList) -> Vec<&str> {
    list.buckets.iter().map(|b| b.name.as_str()).collect()
}

#[test]
fn the_creation_configuration_is_reported_by_head_and_listing() {
    let emu = Emulator::start();
    let client = emu.client();
    let none = RequestOptions::new();
    client.create_bucket_with("maz-1250000000", &BucketCreateConfig { multi_az: true, ofs: false }, &none).unwrap();
    client.create_bucket_with("ofs-1250000000", &BucketCreateConfig { multi_az: true, ofs: true }, &none).unwrap();
    client.create_bucket("plain-1250000000", &none).unwrap();
    let az_arch = |b: &str| {
        let h = client.head_bucket(b).unwrap();
        (h.get("x-cos-bucket-az-type").map(str::to_string), h.get("x-cos-bucket-arch").map(str::to_string))
    };
    assert_eq!(az_arch("maz-1250000000"), (Some("MAZ".into()), Some("COS".into())));
    assert_eq!(az_arch("ofs-1250000000"), (Some("MAZ".into()), Some("OFS".into())));
    assert_eq!(az_arch("plain-1250000000"), (Some("SAZ".into()), Some("COS".into())));
    let list = client.list_buckets().unwrap();
    let kind = |n: &str| list.buckets.iter().find(|b| b.name == n).and_then(|b| b.bucket_type.clone());
    assert_eq!(kind("ofs-1250000000").as_deref(), Some("ofs"));
    assert_eq!(kind("maz-1250000000").as_deref(), Some("cos"));
    assert_eq!(list.owner_id.as_deref(), Some("qcs::cam::uin/100000000001:uin/100000000001"));
    assert_eq!(list.owner_display_name.as_deref(), Some("100000000001"));
}

#[test]
fn listing_filters_by_region_tag_and_creation_time() {
    let emu = Emulator::start();
    let client = emu.client();
    let mut b = emu.config();
    b.region("ap-beijing");
    let beijing = cos::Client::new(b.build().unwrap()).unwrap();
    let before = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
    let mut tagged = RequestOptions::new();
    let mut tags = TagSet::new();
    tags.add("team", "storage").unwrap();
    tags.add("env", "prod").unwrap();
    tagged.tags(&tags).unwrap();
    client.create_bucket("gz-a-1250000000", &tagged).unwrap();
    client.create_bucket("gz-b-1250000000", &RequestOptions::new()).unwrap();
    beijing.create_bucket("bj-a-1250000000", &tagged).unwrap();

    let by = |params: ListBucketsParams| client.list_all_buckets(&params).unwrap();
    let region = by(ListBucketsParams { region: "ap-beijing".into(), ..Default::default() });
    assert_eq!(names(&region), ["bj-a-1250000000"]);
    assert_eq!(region.buckets[0].region, "ap-beijing");
    let tag = by(ListBucketsParams { tag: Some(("env".into(), "prod".into())), ..Default::default() });
    assert_eq!(names(&tag), ["bj-a-1250000000", "gz-a-1250000000"], "any one of a bucket's tags matches");
    let wrong_value = by(ListBucketsParams { tag: Some(("env".into(), "dev".into())), ..Default::default() });
    assert!(wrong_value.buckets.is_empty());
    let both = by(ListBucketsParams {
        region: "ap-guangzhou".into(),
        tag: Some(("team".into(), "storage".into())),
        ..Default::default()
    });
    assert_eq!(names(&both), ["gz-a-1250000000"]);
    let since = by(ListBucketsParams { created: Some((before, CreatedRange::AtOrAfter)), ..Default::default() });
    assert_eq!(since.buckets.len(), 3);
    let earlier = by(ListBucketsParams { created: Some((before, CreatedRange::Before)), ..Default::default() });
    assert!(earlier.buckets.is_empty(), "{earlier:?}");
    let later =
        by(ListBucketsParams { created: Some((before + 3600, CreatedRange::AtOrBefore)), ..Default::default() });
    assert_eq!(later.buckets.len(), 3);
    assert!(by(ListBucketsParams { created: Some((before + 3600, CreatedRange::After)), ..Default::default() })
        .buckets
        .is_empty());
}

#[test]
fn listing_pages_with_max_keys_and_marker() {
    let emu = Emulator::start();
    let client = emu.client();
    let all: Vec<String> = (0..5).map(|i| format!("page-{i}-1250000000")).collect();
    for name in &all {
        client.create_bucket(name, &RequestOptions::new()).unwrap();
    }
    let first = client.list_buckets_page(&ListBucketsParams { max_keys: 2, ..Default::default() }).unwrap();
    assert_eq!(names(&first), [all[0].as_str(), all[1].as_str()]);
    assert!(first.is_truncated);
    assert_eq!(first.next_marker.as_deref(), Some(all[1].as_str()));
    let second = client
        .list_buckets_page(&ListBucketsParams { max_keys: 2, marker: all[1].clone(), ..Default::default() })
        .unwrap();
    assert_eq!(names(&second), [all[2].as_str(), all[3].as_str()]);
    let whole = client.list_all_buckets(&ListBucketsParams { max_keys: 2, ..Default::default() }).unwrap();
    assert_eq!(names(&whole), all.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(whole.owner_display_name.is_some());
    let rest =
        client.list_all_buckets(&ListBucketsParams { max_keys: 2, marker: all[2].clone(), ..Default::default() });
    assert_eq!(names(&rest.unwrap()), [all[3].as_str(), all[4].as_str()]);
}

#[test]
fn impossible_listing_parameters_are_refused_before_sending() {
    let emu = Emulator::start_logged();
    let client = emu.client();
    for (params, needle) in [
        (ListBucketsParams { max_keys: 2001, ..Default::default() }, "max_keys"),
        (ListBucketsParams { tag: Some((String::new(), "v".into())), ..Default::default() }, "tag key"),
    ] {
        let e = client.list_buckets_page(&params).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e:?}");
        assert!(e.message().contains(needle), "{e:?}");
    }
    assert!(CreatedRange::parse("le").is_err());
    assert_eq!(CreatedRange::parse("gte").unwrap(), CreatedRange::AtOrAfter);
    assert!(emu.log().is_empty(), "nothing was sent: {:?}", emu.log());
}
