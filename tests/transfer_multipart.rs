//! Multipart primitives against the emulator: create, upload_part with every body kind, upload_part_copy,
//! list_parts and list_multipart_uploads paging, complete (ordering, service errors, CRC-64 check) and abort.

mod support;

use cos::{crc64, Body, ErrorKind, ListUploadsParams, Part, RequestOptions};
use std::io::Cursor;
use support::{assert_same, data, Fixture, TempDir, KIB, MIB};

fn opts() -> RequestOptions {
    RequestOptions::new()
}

#[track_caller]
fn assert_service(e: &cos::Error, status: u16, code: &str) {
    assert_eq!(e.kind(), ErrorKind::Service, "{e:?}");
    assert_eq!(e.http_status(), status, "{e:?}");
    assert_eq!(e.code(), Some(code), "{e:?}");
}

#[test]
fn parts_from_bytes_file_and_reader_complete_in_any_order() {
    let f = Fixture::new("mp-bodies");
    let dir = TempDir::new("mp-bodies");
    let whole = data((3 * MIB + 12_345) as usize, 1);
    let path = dir.file("src.bin", &whole);
    let file = std::fs::File::open(&path).unwrap();
    let (a, b, c) = (&whole[..MIB as usize], &whole[MIB as usize..2 * MIB as usize], &whole[2 * MIB as usize..]);

    let mut o = opts();
    o.content_type("application/x-test").unwrap().metadata("origin", "multipart").unwrap();
    let id = f.client.create_multipart_upload(&f.bucket, "obj", &o).unwrap();
    assert!(!id.is_empty());

    let p1 = f.client.upload_part(&f.bucket, "obj", &id, 1, Body::Bytes(a), &opts()).unwrap();
    let body = Body::File { file: &file, offset: MIB, len: MIB };
    let p2 = f.client.upload_part(&f.bucket, "obj", &id, 2, body, &opts()).unwrap();
    let mut reader = Cursor::new(c.to_vec());
    let body = Body::Reader { reader: &mut reader, len: c.len() as u64 };
    let p3 = f.client.upload_part(&f.bucket, "obj", &id, 3, body, &opts()).unwrap();
    for (p, n, bytes) in [(&p1, 1, a), (&p2, 2, b), (&p3, 3, c)] {
        assert_eq!(p.part_number, n);
        assert_eq!(p.size, bytes.len() as u64, "part {n}");
        assert!(p.etag.starts_with('"') && p.etag.len() > 2, "part {n}: {:?}", p.etag);
        assert_eq!(p.crc64, Some(crc64::checksum(bytes)), "part {n}");
    }

    // ListParts sees the three parts with the same ETags and sizes.
    let listed = f.client.list_parts(&f.bucket, "obj", &id, 0, 0).unwrap();
    assert!(!listed.is_truncated);
    let summary: Vec<(u32, String, u64)> =
        listed.parts.iter().map(|p| (p.part_number, p.etag.clone(), p.size)).collect();
    assert_eq!(
        summary,
        vec![(1, p1.etag.clone(), p1.size), (2, p2.etag.clone(), p2.size), (3, p3.etag.clone(), p3.size)]
    );

    // Given out of order, the parts are sent sorted, and the whole object's CRC-64 is checked.
    let parts = vec![p3.clone(), p1.clone(), p2.clone()];
    let (result, info) = f.client.complete_multipart_upload(&f.bucket, "obj", &id, &parts, &opts()).unwrap();
    assert!(!result.etag.is_empty());
    assert_eq!(info.etag(), Some(result.etag.as_str()));
    assert_eq!(info.crc64(), Some(crc64::checksum(&whole)), "Complete reports the object's CRC-64");

    assert_same(&f.get("obj"), &whole, "completed object");
    let head = f.client.head_object(&f.bucket, "obj", &opts()).unwrap();
    assert_eq!(head.crc64(), Some(crc64::checksum(&whole)));
    assert_eq!(head.content_length(), Some(whole.len() as u64));
    assert_eq!(head.content_type(), Some("application/x-test"), "initiation headers carry over");
    assert_eq!(head.meta("origin"), Some("multipart"));
    assert!(f.uploads("").is_empty(), "the completed upload is gone: {:?}", f.uploads(""));
}

#[test]
fn a_part_uploaded_again_replaces_the_earlier_one() {
    let f = Fixture::new("mp-replace");
    let id = f.client.create_multipart_upload(&f.bucket, "k", &opts()).unwrap();
    let (first, second, last) = (data(MIB as usize, 2), data(MIB as usize, 3), data(1000, 4));
    f.client.upload_part(&f.bucket, "k", &id, 1, Body::Bytes(&first), &opts()).unwrap();
    let p1 = f.client.upload_part(&f.bucket, "k", &id, 1, Body::Bytes(&second), &opts()).unwrap();
    let p2 = f.client.upload_part(&f.bucket, "k", &id, 2, Body::Bytes(&last), &opts()).unwrap();
    let listed = f.client.list_all_parts(&f.bucket, "k", &id).unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0].etag, p1.etag);
    f.client.complete_multipart_upload(&f.bucket, "k", &id, &[p1, p2], &opts()).unwrap();
    assert_same(&f.get("k"), &[second, last].concat(), "object from the replaced part");
}

#[test]
fn upload_part_copy_with_and_without_a_range() {
    let f = Fixture::new("mp-copy");
    let big = data((2 * MIB + 500) as usize, 5);
    let small = data(300_001, 6);
    f.client.put_object(&f.bucket, "src/big", &big, &opts()).unwrap();
    f.client.put_object(&f.bucket, "src/small", &small, &opts()).unwrap();

    let id = f.client.create_multipart_upload(&f.bucket, "dst", &opts()).unwrap();
    let range = (100, 100 + 3 * MIB / 2 - 1);
    let p1 = f
        .client
        .upload_part_copy(
            &f.bucket,
            "dst",
            &id,
            1,
            &f.bucket,
            "src/big",
            opts().copy_source_range(range.0, range.1).unwrap(),
        )
        .unwrap();
    let expected1 = &big[100..(100 + 3 * MIB / 2) as usize];
    assert_eq!(p1.size, expected1.len() as u64);
    assert!(p1.etag.starts_with('"'), "{:?}", p1.etag);
    if let Some(crc) = p1.crc64 {
        assert_eq!(crc, crc64::checksum(expected1), "CRC-64 of the copied range");
    }
    let p2 = f.client.upload_part_copy(&f.bucket, "dst", &id, 2, &f.bucket, "src/small", &opts()).unwrap();
    assert!(p2.etag.starts_with('"'), "{:?}", p2.etag);
    if let Some(crc) = p2.crc64 {
        assert_eq!(crc, crc64::checksum(&small), "CRC-64 of the whole copied source");
    }

    let listed = f.client.list_all_parts(&f.bucket, "dst", &id).unwrap();
    let sizes: Vec<u64> = listed.iter().map(|p| p.size).collect();
    assert_eq!(sizes, vec![expected1.len() as u64, small.len() as u64], "ListParts sizes of the copied parts");

    // Completing checks the whole CRC-64, which needs the right size for every part, including the copy of
    // a whole source (no range given).
    let (_, info) = f
        .client
        .complete_multipart_upload(&f.bucket, "dst", &id, &[p1, p2], &opts())
        .expect("complete an upload whose last part is an unranged part-copy");
    let expected = [expected1, &small[..]].concat();
    assert_eq!(info.crc64(), Some(crc64::checksum(&expected)));
    assert_same(&f.get("dst"), &expected, "object made of part-copies");
    assert_eq!(f.head_crc("dst"), Some(crc64::checksum(&expected)));
}

#[test]
fn upload_part_copy_of_a_missing_source_or_a_bad_range_fails() {
    let f = Fixture::new("mp-copy-err");
    f.client.put_object(&f.bucket, "src", &data(1000, 7), &opts()).unwrap();
    let id = f.client.create_multipart_upload(&f.bucket, "dst", &opts()).unwrap();
    let e = f.client.upload_part_copy(&f.bucket, "dst", &id, 1, &f.bucket, "nope", &opts()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Service, "{e:?}");
    assert_eq!(e.http_status(), 404, "{e:?}");
    let e = opts().copy_source_range(10, 5).map(drop).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument, "a range ending before its start: {e:?}");
    let e = f
        .client
        .upload_part_copy(&f.bucket, "dst", &id, 1, &f.bucket, "src", opts().copy_source_range(0, 5000).unwrap())
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Service, "a range beyond the source: {e:?}");
    f.client.abort_multipart_upload(&f.bucket, "dst", &id).unwrap();
}

#[test]
fn list_parts_pages() {
    let f = Fixture::new("mp-list-parts");
    let id = f.client.create_multipart_upload(&f.bucket, "k", &opts()).unwrap();
    // No part yet: an empty, complete listing.
    let empty = f.client.list_parts(&f.bucket, "k", &id, 0, 0).expect("list the parts of a fresh upload");
    assert!(empty.parts.is_empty() && !empty.is_truncated, "{empty:?}");
    assert!(f.client.list_all_parts(&f.bucket, "k", &id).unwrap().is_empty());
    let numbers = [1u32, 2, 3, 5, 8, 13, 21];
    let mut uploaded = Vec::new();
    for &n in &numbers {
        let bytes = data(10 + n as usize, u64::from(n));
        uploaded.push(f.client.upload_part(&f.bucket, "k", &id, n, Body::Bytes(&bytes), &opts()).unwrap());
    }
    let mut seen = Vec::new();
    let mut marker = 0;
    let mut pages = 0;
    loop {
        let page = f.client.list_parts(&f.bucket, "k", &id, marker, 3).unwrap();
        pages += 1;
        assert!(page.parts.len() <= 3, "max_parts 3 gave {}", page.parts.len());
        assert!(page.parts.iter().all(|p| p.part_number > marker), "page after {marker}: {:?}", page.parts);
        seen.extend(page.parts.iter().map(|p| (p.part_number, p.etag.clone(), p.size)));
        if !page.is_truncated {
            break;
        }
        assert_eq!(page.next_part_number_marker, page.parts.last().unwrap().part_number);
        marker = page.next_part_number_marker;
        assert!(pages < 10, "paging does not end");
    }
    assert_eq!(pages, 3, "7 parts by 3");
    let expected: Vec<(u32, String, u64)> = uploaded.iter().map(|p| (p.part_number, p.etag.clone(), p.size)).collect();
    assert_eq!(seen, expected);
    // From a marker in the middle, and the helper that follows the pages.
    let page = f.client.list_parts(&f.bucket, "k", &id, 5, 2).unwrap();
    assert_eq!(page.parts.iter().map(|p| p.part_number).collect::<Vec<_>>(), vec![8, 13]);
    assert!(page.is_truncated);
    let all = f.client.list_all_parts(&f.bucket, "k", &id).unwrap();
    assert_eq!(all.iter().map(|p| p.part_number).collect::<Vec<_>>(), numbers.to_vec());
    f.client.abort_multipart_upload(&f.bucket, "k", &id).unwrap();
}

#[test]
fn list_multipart_uploads_pages_with_prefix_and_delimiter() {
    let f = Fixture::new("mp-list-uploads");
    let keys = ["a/1", "a/2", "a/2", "a/sub/x", "a/sub/y", "a/ä b+c&d", "b/1", "top"];
    let mut ids = Vec::new();
    for k in keys {
        ids.push((k.to_string(), f.client.create_multipart_upload(&f.bucket, k, &opts()).unwrap()));
    }

    // Everything, two at a time, following both markers.
    let mut params = ListUploadsParams { max_uploads: 2, ..ListUploadsParams::default() };
    let mut seen = Vec::new();
    for round in 0.. {
        assert!(round < 20, "paging does not end");
        let page = f.client.list_multipart_uploads(&f.bucket, &params).unwrap();
        assert!(page.uploads.len() <= 2, "{page:?}");
        seen.extend(page.uploads.iter().map(|u| (u.key.clone(), u.upload_id.clone())));
        if !page.is_truncated {
            break;
        }
        params.key_marker = page.next_key_marker.clone().expect("a truncated page has NextKeyMarker");
        params.upload_id_marker = page.next_upload_id_marker.clone().unwrap_or_default();
    }
    let mut expected = ids.clone();
    expected.sort_by(|a, b| a.0.cmp(&b.0));
    let mut sorted_seen = seen.clone();
    sorted_seen.sort();
    let mut sorted_expected = expected.clone();
    sorted_expected.sort();
    assert_eq!(sorted_seen, sorted_expected, "every upload exactly once");
    let seen_keys: Vec<&str> = seen.iter().map(|(k, _)| k.as_str()).collect();
    let expected_keys: Vec<&str> = expected.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(seen_keys, expected_keys, "uploads come in key order");

    // Prefix and delimiter: the uploads directly under a/, and a/sub/ rolled up.
    let params = ListUploadsParams { prefix: "a/".into(), delimiter: "/".into(), ..ListUploadsParams::default() };
    let page = f.client.list_multipart_uploads(&f.bucket, &params).unwrap();
    let mut got: Vec<&str> = page.uploads.iter().map(|u| u.key.as_str()).collect();
    got.sort();
    assert_eq!(got, vec!["a/1", "a/2", "a/2", "a/ä b+c&d"]);
    assert_eq!(page.common_prefixes, vec!["a/sub/".to_string()]);
    assert!(!page.is_truncated);

    // Only the prefix.
    let params = ListUploadsParams { prefix: "a/sub/".into(), ..ListUploadsParams::default() };
    let page = f.client.list_multipart_uploads(&f.bucket, &params).unwrap();
    assert_eq!(page.uploads.iter().map(|u| u.key.as_str()).collect::<Vec<_>>(), vec!["a/sub/x", "a/sub/y"]);
    assert!(page.common_prefixes.is_empty());

    // The delimiter at the top level, paged one at a time: common prefixes count towards max-uploads.
    let mut params = ListUploadsParams { delimiter: "/".into(), max_uploads: 1, ..ListUploadsParams::default() };
    let (mut keys_top, mut prefixes_top) = (Vec::new(), Vec::new());
    for round in 0.. {
        assert!(round < 20, "paging does not end");
        let page = f.client.list_multipart_uploads(&f.bucket, &params).unwrap();
        keys_top.extend(page.uploads.iter().map(|u| u.key.clone()));
        prefixes_top.extend(page.common_prefixes.iter().cloned());
        if !page.is_truncated {
            break;
        }
        params.key_marker = page.next_key_marker.clone().expect("NextKeyMarker");
        params.upload_id_marker = page.next_upload_id_marker.clone().unwrap_or_default();
    }
    assert_eq!(keys_top, vec!["top".to_string()]);
    assert_eq!(prefixes_top, vec!["a/".to_string(), "b/".to_string()]);

    for (k, id) in &ids {
        f.client.abort_multipart_upload(&f.bucket, k, id).unwrap();
    }
    assert!(f.uploads("").is_empty());
}

#[test]
fn complete_fails_with_the_right_service_error() {
    let f = Fixture::new("mp-complete-err");
    let id = f.client.create_multipart_upload(&f.bucket, "k", &opts()).unwrap();
    let small = data(100 * KIB as usize, 8);
    let full = data(MIB as usize, 9);
    let tail = data(10, 10);
    let p_small = f.client.upload_part(&f.bucket, "k", &id, 1, Body::Bytes(&small), &opts()).unwrap();
    let p2 = f.client.upload_part(&f.bucket, "k", &id, 2, Body::Bytes(&tail), &opts()).unwrap();

    // A part other than the last below 1 MiB.
    let e = f.client.complete_multipart_upload(&f.bucket, "k", &id, &[p_small, p2.clone()], &opts()).unwrap_err();
    assert_service(&e, 400, "EntityTooSmall");

    let p1 = f.client.upload_part(&f.bucket, "k", &id, 1, Body::Bytes(&full), &opts()).unwrap();
    // A part that was never uploaded.
    let ghost = Part { part_number: 3, etag: p2.etag.clone(), size: 10, ..Part::default() };
    let e = f.client.complete_multipart_upload(&f.bucket, "k", &id, &[p1.clone(), p2.clone(), ghost], &opts());
    assert_service(&e.unwrap_err(), 400, "InvalidPart");
    // A wrong ETag.
    let wrong = Part { etag: "\"00000000000000000000000000000000\"".into(), ..p1.clone() };
    let e = f.client.complete_multipart_upload(&f.bucket, "k", &id, &[wrong, p2.clone()], &opts()).unwrap_err();
    assert_service(&e, 400, "InvalidPart");

    // Client-side checks, before anything is sent.
    let e = f.client.complete_multipart_upload(&f.bucket, "k", &id, &[], &opts()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e:?}");
    let e = f.client.complete_multipart_upload(&f.bucket, "k", &id, &[p1.clone(), p1.clone()], &opts()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument, "duplicate part: {e:?}");
    let e = f.client.complete_multipart_upload(&f.bucket, "k", "", std::slice::from_ref(&p1), &opts()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument, "empty upload id: {e:?}");
    for n in [0, 10_001] {
        let e = f.client.upload_part(&f.bucket, "k", &id, n, Body::Bytes(b"x"), &opts()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument, "part number {n}: {e:?}");
    }

    // The failed attempts left the upload usable.
    f.client.complete_multipart_upload(&f.bucket, "k", &id, &[p2, p1], &opts()).unwrap();
    assert_same(&f.get("k"), &[full, tail].concat(), "object after failed completes");
}

#[test]
fn complete_checks_the_crc64_of_the_parts_against_the_object() {
    let f = Fixture::new("mp-complete-crc");
    let (a, b) = (data(MIB as usize, 11), data(4321, 12));
    let whole = [a.clone(), b.clone()].concat();
    for verify in [true, false] {
        let id = f.client.create_multipart_upload(&f.bucket, "k", &opts()).unwrap();
        let p1 = f.client.upload_part(&f.bucket, "k", &id, 1, Body::Bytes(&a), &opts()).unwrap();
        let mut p2 = f.client.upload_part(&f.bucket, "k", &id, 2, Body::Bytes(&b), &opts()).unwrap();
        // Pretend part 2 was something else: its CRC no longer adds up to the object's.
        p2.crc64 = p2.crc64.map(|c| c ^ 1);
        let mut o = opts();
        o.verify_crc(verify);
        let r = f.client.complete_multipart_upload(&f.bucket, "k", &id, &[p1, p2], &o);
        if verify {
            assert_eq!(r.unwrap_err().kind(), ErrorKind::ChecksumMismatch, "a wrong combined CRC is caught");
        } else {
            assert_eq!(r.unwrap().1.crc64(), Some(crc64::checksum(&whole)), "unchecked, COS's CRC is reported");
        }
    }
    // Without a CRC for some part there is nothing to compare: it completes.
    let id = f.client.create_multipart_upload(&f.bucket, "k2", &opts()).unwrap();
    let p1 = f.client.upload_part(&f.bucket, "k2", &id, 1, Body::Bytes(&a), &opts()).unwrap();
    let p2 = Part { crc64: None, ..f.client.upload_part(&f.bucket, "k2", &id, 2, Body::Bytes(&b), &opts()).unwrap() };
    f.client.complete_multipart_upload(&f.bucket, "k2", &id, &[p1, p2], &opts()).unwrap();
    assert_eq!(f.head_crc("k2"), Some(crc64::checksum(&whole)));
}

#[test]
fn abort_frees_the_upload() {
    let f = Fixture::new("mp-abort");
    let id = f.client.create_multipart_upload(&f.bucket, "k", &opts()).unwrap();
    let p = f.client.upload_part(&f.bucket, "k", &id, 1, Body::Bytes(&data(1000, 13)), &opts()).unwrap();
    assert_eq!(f.uploads("k").len(), 1);
    f.client.abort_multipart_upload(&f.bucket, "k", &id).unwrap();
    assert!(f.uploads("").is_empty());

    assert_service(&f.client.list_parts(&f.bucket, "k", &id, 0, 0).unwrap_err(), 404, "NoSuchUpload");
    let e = f.client.upload_part(&f.bucket, "k", &id, 2, Body::Bytes(b"x"), &opts()).unwrap_err();
    assert_service(&e, 404, "NoSuchUpload");
    let e = f.client.complete_multipart_upload(&f.bucket, "k", &id, &[p], &opts()).unwrap_err();
    assert_service(&e, 404, "NoSuchUpload");
    assert_service(&f.client.abort_multipart_upload(&f.bucket, "k", &id).unwrap_err(), 404, "NoSuchUpload");
    // An upload id that never existed, and one used under another key.
    let other = f.client.create_multipart_upload(&f.bucket, "other", &opts()).unwrap();
    assert_service(&f.client.list_parts(&f.bucket, "k", "no-such-id", 0, 0).unwrap_err(), 404, "NoSuchUpload");
    assert_service(&f.client.list_parts(&f.bucket, "k", &other, 0, 0).unwrap_err(), 404, "NoSuchUpload");
    assert!(!f.client.object_exists(&f.bucket, "k").unwrap(), "an aborted upload makes no object");
}
