//! Listing (prefix, delimiter, marker, paging, URL-encoded names) and batch deletion against the emulator.

mod support;

use cos::{ErrorKind, ListParams, ObjectList, RequestOptions};
use std::collections::BTreeSet;
use support::Fixture;

fn setup(tag: &str, keys: &[&str]) -> Fixture {
    let f = Fixture::new(tag);
    put_all(&f, keys.iter().map(|k| k.to_string()).collect());
    f
}

/// Uploads each key with its own name as content, on a few threads.
fn put_all(f: &Fixture, keys: Vec<String>) {
    let chunk = keys.len().div_ceil(8).max(1);
    std::thread::scope(|s| {
        for part in keys.chunks(chunk) {
            s.spawn(move || {
                for k in part {
                    f.client
                        .put_object(&f.bucket, k, k.as_bytes(), &RequestOptions::new())
                        .unwrap_or_else(|e| panic!("put {k:?}: {e:?}"));
                }
            });
        }
    });
}

fn params(prefix: &str, delimiter: &str, marker: &str, max_keys: u32) -> ListParams {
    ListParams { prefix: prefix.into(), delimiter: delimiter.into(), marker: marker.into(), max_keys }
}

fn keys(list: &ObjectList) -> Vec<&str> {
    list.objects.iter().map(|o| o.key.as_str()).collect()
}

/// Every page of a listing: (all keys, all common prefixes, number of pages).
fn all_pages(f: &Fixture, p: ListParams) -> (Vec<String>, Vec<String>, usize) {
    let (mut keys, mut prefixes, mut pages) = (Vec::new(), Vec::new(), 0);
    for page in f.client.list_objects_pages(&f.bucket, p) {
        let page = page.unwrap();
        pages += 1;
        keys.extend(page.objects.into_iter().map(|o| o.key));
        prefixes.extend(page.common_prefixes);
    }
    (keys, prefixes, pages)
}

fn remaining(f: &Fixture) -> Vec<String> {
    all_pages(f, ListParams::default()).0
}

const TREE: [&str; 9] = ["a/1", "a/2", "a/b/3", "a/b/4", "a0", "b/5", "c", "d e/f", "z"];

#[test]
fn prefix() {
    let f = setup("prefix", &TREE);
    let list = f.client.list_objects(&f.bucket, &params("a/", "", "", 0)).unwrap();
    assert_eq!(keys(&list), vec!["a/1", "a/2", "a/b/3", "a/b/4"]);
    assert_eq!(list.prefix, "a/");
    assert_eq!(list.bucket, f.bucket);
    assert!(!list.is_truncated);
    assert!(list.common_prefixes.is_empty());
    assert_eq!(list.max_keys, 1000);
    let list = f.client.list_objects(&f.bucket, &params("a", "", "", 0)).unwrap();
    assert_eq!(keys(&list), vec!["a/1", "a/2", "a/b/3", "a/b/4", "a0"]);
    let list = f.client.list_objects(&f.bucket, &params("nothing", "", "", 0)).unwrap();
    assert!(list.objects.is_empty() && !list.is_truncated);
    let list = f.client.list_objects(&f.bucket, &params("d e/", "", "", 0)).unwrap();
    assert_eq!(keys(&list), vec!["d e/f"]);
}

#[test]
fn object_summaries_describe_the_objects() {
    let f = setup("summary", &["one"]);
    let body = vec![42u8; 4321];
    let info = f.client.put_object(&f.bucket, "sized", &body, &RequestOptions::new()).unwrap();
    let list = f.client.list_objects(&f.bucket, &ListParams::default()).unwrap();
    let o = list.objects.iter().find(|o| o.key == "sized").unwrap();
    assert_eq!(o.size, 4321);
    assert_eq!(Some(o.etag.as_str()), info.etag());
    assert_eq!(o.storage_class, "STANDARD");
    assert!(o.last_modified.contains('T'), "ISO 8601: {:?}", o.last_modified);
    let one = list.objects.iter().find(|o| o.key == "one").unwrap();
    assert_eq!(one.size, 3);
}

#[test]
fn delimiter_and_common_prefixes() {
    let f = setup("delim", &TREE);
    let list = f.client.list_objects(&f.bucket, &params("", "/", "", 0)).unwrap();
    assert_eq!(keys(&list), vec!["a0", "c", "z"]);
    assert_eq!(list.common_prefixes, vec!["a/", "b/", "d e/"]);
    assert_eq!(list.delimiter.as_deref(), Some("/"));

    let list = f.client.list_objects(&f.bucket, &params("a/", "/", "", 0)).unwrap();
    assert_eq!(keys(&list), vec!["a/1", "a/2"]);
    assert_eq!(list.common_prefixes, vec!["a/b/"]);

    // Paging with a delimiter yields every key and every prefix exactly once.
    let (k, p, pages) = all_pages(&f, params("", "/", "", 2));
    assert_eq!(k, vec!["a0", "c", "z"]);
    assert_eq!(p, vec!["a/", "b/", "d e/"]);
    assert_eq!(pages, 3);
}

#[test]
fn marker_and_max_keys() {
    let f = setup("marker", &TREE);
    let list = f.client.list_objects(&f.bucket, &params("", "", "a/b/4", 0)).unwrap();
    assert_eq!(keys(&list), vec!["a0", "b/5", "c", "d e/f", "z"]);
    assert_eq!(list.marker, "a/b/4");
    // A marker that is not a key starts after it in byte order.
    let list = f.client.list_objects(&f.bucket, &params("", "", "b", 0)).unwrap();
    assert_eq!(keys(&list), vec!["b/5", "c", "d e/f", "z"]);

    let list = f.client.list_objects(&f.bucket, &params("", "", "", 3)).unwrap();
    assert_eq!(keys(&list), vec!["a/1", "a/2", "a/b/3"]);
    assert!(list.is_truncated);
    assert_eq!(list.max_keys, 3);
    assert_eq!(list.next_marker.as_deref(), Some("a/b/3"));

    // Following next_marker by hand.
    let mut marker = String::new();
    let mut seen = Vec::new();
    loop {
        let page = f.client.list_objects(&f.bucket, &params("", "", &marker, 4)).unwrap();
        assert!(page.objects.len() <= 4);
        seen.extend(keys(&page).iter().map(|k| k.to_string()));
        if !page.is_truncated {
            break;
        }
        marker = page.next_marker.clone().expect("a truncated page has a next marker");
    }
    assert_eq!(seen, TREE);

    let last = f.client.list_objects(&f.bucket, &params("", "", "z", 0)).unwrap();
    assert!(last.objects.is_empty() && !last.is_truncated);
}

#[test]
fn pages_over_more_than_a_thousand_keys() {
    let names: Vec<String> = (0..2_500).map(|i| format!("many/{i:05}")).collect();
    let f = setup("pages", &[]);
    put_all(&f, names.clone());
    put_all(&f, vec!["before".into(), "zz-after".into()]);

    let (keys, prefixes, pages) = all_pages(&f, params("many/", "", "", 0));
    assert_eq!(pages, 3, "1000 + 1000 + 500");
    assert!(prefixes.is_empty());
    assert_eq!(keys, names, "every key exactly once, in order");

    let (all, _, pages) = all_pages(&f, ListParams::default());
    assert_eq!(all.len(), 2_502);
    assert_eq!(pages, 3);
    assert_eq!(all.first().map(String::as_str), Some("before"));
    assert_eq!(all.last().map(String::as_str), Some("zz-after"));

    let (keys, _, pages) = all_pages(&f, params("many/", "", "", 999));
    assert_eq!(pages, 3);
    assert_eq!(keys, names);

    // COS returns at most 1000 keys per page, whatever max-keys asks for.
    let capped = f.client.list_objects(&f.bucket, &params("many/", "", "", 5000)).unwrap();
    assert_eq!(capped.objects.len(), 1000);
    assert!(capped.is_truncated);
    let (keys, _, _) = all_pages(&f, params("many/", "", "", 5000));
    assert_eq!(keys, names);

    let first = f.client.list_objects(&f.bucket, &params("many/", "", "", 0)).unwrap();
    assert_eq!(first.objects.len(), 1000);
    assert!(first.is_truncated);
    assert_eq!(first.next_marker.as_deref(), Some("many/00999"));
}

#[test]
fn names_needing_url_encoding_come_back_decoded() {
    let odd = [
        "sp ace/a b",
        "sp ace/中文 ü",
        "sp ace/plus+plus",
        "sp ace/pct%41%",
        "sp ace/amp&lt;<tag>\"'",
        "sp ace/nested dir/x",
        "sp ace/tab\there",
        "sp ace/emoji😀",
    ];
    let f = setup("encoded", &odd);
    let list = f.client.list_objects(&f.bucket, &params("sp ace/", "", "", 0)).unwrap();
    let mut expected: Vec<&str> = odd.to_vec();
    expected.sort();
    assert_eq!(keys(&list), expected);
    assert_eq!(list.prefix, "sp ace/");

    let list = f.client.list_objects(&f.bucket, &params("sp ace/", "/", "", 0)).unwrap();
    assert_eq!(list.common_prefixes, vec!["sp ace/nested dir/"]);
    assert_eq!(list.objects.len(), odd.len() - 1);

    let list = f.client.list_objects(&f.bucket, &params("sp ace/", "", "sp ace/pct%41%", 0)).unwrap();
    assert_eq!(list.marker, "sp ace/pct%41%");
    let after: Vec<&str> = expected.iter().copied().filter(|k| *k > "sp ace/pct%41%").collect();
    assert_eq!(keys(&list), after);
    assert_eq!(after.len(), 3, "{after:?}");
    // Prefixes with characters that need encoding in the query.
    for (prefix, expect) in
        [("sp ace/pl", "sp ace/plus+plus"), ("sp ace/pct%", "sp ace/pct%41%"), ("sp ace/中", "sp ace/中文 ü")]
    {
        let list = f.client.list_objects(&f.bucket, &params(prefix, "", "", 0)).unwrap();
        assert_eq!(keys(&list), vec![expect], "{prefix:?}");
        assert_eq!(list.prefix, prefix);
    }
    let (paged, _, _) = all_pages(&f, params("sp ace/", "", "", 2));
    assert_eq!(paged, expected);
}

#[test]
fn listing_a_missing_bucket_fails() {
    let f = setup("listmissing", &[]);
    let e = f.client.list_objects("no-such-bucket-1250000000", &ListParams::default()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Service);
    assert_eq!((e.http_status(), e.code()), (404, Some("NoSuchBucket")));
    let mut pages = f.client.list_objects_pages("no-such-bucket-1250000000", ListParams::default());
    assert!(pages.next().unwrap().is_err());
    assert!(pages.next().is_none(), "the iterator stops after an error");
}

// ---------------------------------------------------------------------------------------------------------
// delete_objects

#[test]
fn delete_objects_not_quiet_reports_each_key() {
    let names = ["x/1", "x/2", "x/amp&", "x/<lt>", "x/中 文", "keep"];
    let f = setup("delverbose", &names);
    let batch = ["x/1", "x/2", "x/amp&", "x/<lt>", "x/中 文", "x/never-existed"];
    let result = f.client.delete_objects(&f.bucket, &batch, false).unwrap();
    assert!(result.errors.is_empty(), "{result:?}");
    let deleted: BTreeSet<&str> = result.deleted.iter().map(String::as_str).collect();
    assert_eq!(deleted, batch.iter().copied().collect::<BTreeSet<_>>());
    assert_eq!(result.deleted.len(), batch.len());
    assert_eq!(remaining(&f), vec!["keep"]);
}

#[test]
fn delete_objects_quiet_reports_nothing_on_success() {
    let names = ["q/1", "q/2", "q/3", "other"];
    let f = setup("delquiet", &names);
    let result = f.client.delete_objects(&f.bucket, &["q/1", "q/2", "q/3", "q/missing"], true).unwrap();
    assert!(result.deleted.is_empty(), "{result:?}");
    assert!(result.errors.is_empty(), "{result:?}");
    assert_eq!(remaining(&f), vec!["other"]);

    let empty = f.client.delete_objects(&f.bucket, &[], true).unwrap();
    assert!(empty.deleted.is_empty() && empty.errors.is_empty());
    assert_eq!(remaining(&f), vec!["other"]);
}

#[test]
fn delete_objects_splits_batches_over_a_thousand_keys() {
    let names: Vec<String> = (0..2_345).map(|i| format!("bulk/{i}")).collect();
    let f = setup("delbulk", &["survivor"]);
    put_all(&f, names.clone());
    assert_eq!(remaining(&f).len(), 2_346);
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let result = f.client.delete_objects(&f.bucket, &refs, false).unwrap();
    assert!(result.errors.is_empty());
    assert_eq!(result.deleted.len(), 2_345);
    let deleted: BTreeSet<&str> = result.deleted.iter().map(String::as_str).collect();
    assert_eq!(deleted, refs.iter().copied().collect::<BTreeSet<_>>());
    assert_eq!(remaining(&f), vec!["survivor"]);

    // Quiet, over the limit too.
    let more: Vec<String> = (0..1_001).map(|i| format!("more/{i}")).collect();
    put_all(&f, more.clone());
    let refs: Vec<&str> = more.iter().map(String::as_str).collect();
    let result = f.client.delete_objects(&f.bucket, &refs, true).unwrap();
    assert!(result.deleted.is_empty() && result.errors.is_empty());
    assert_eq!(remaining(&f), vec!["survivor"]);
}

#[test]
fn delete_objects_on_a_missing_bucket_fails() {
    let f = setup("delmissing", &[]);
    let e = f.client.delete_objects("gone-1250000000", &["a", "b"], false).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Service);
    assert_eq!((e.http_status(), e.code()), (404, Some("NoSuchBucket")));
}

/// Object operations drop a leading `/` from keys; a batch delete must address the same objects.
#[test]
fn delete_objects_treats_keys_like_the_object_operations() {
    let f = setup("delslash", &[]);
    f.client.put_object(&f.bucket, "/lead/x", b"x", &RequestOptions::new()).unwrap();
    assert_eq!(remaining(&f), vec!["lead/x"]);
    let result = f.client.delete_objects(&f.bucket, &["/lead/x"], false).unwrap();
    assert!(result.errors.is_empty(), "{result:?}");
    assert!(remaining(&f).is_empty(), "delete_objects([\"/lead/x\"]) left {:?}", remaining(&f));
}

/// Keys `a b` and `a+b` list as two names, and deleting each by the name the listing gave removes exactly
/// that object (a `+` decoded as `+` would make both list as `a+b` and delete the wrong one).
#[test]
fn space_and_plus_keys_list_apart_and_delete_by_their_listed_names() {
    let f = setup("plus", &["pl/a b", "pl/a+b", "pl/a+b c"]);
    let list = f.client.list_objects(&f.bucket, &params("pl/", "", "", 0)).unwrap();
    assert_eq!(keys(&list), vec!["pl/a b", "pl/a+b", "pl/a+b c"]);
    for o in &list.objects {
        let (body, _) = f.client.get_object(&f.bucket, &o.key, &RequestOptions::new()).unwrap();
        assert_eq!(body, o.key.as_bytes(), "the listed name {:?} reads its own object", o.key);
    }
    // One deleted by its listed name, the others in a batch by theirs.
    f.client.delete_object(&f.bucket, &list.objects[1].key, &RequestOptions::new()).unwrap();
    assert_eq!(remaining(&f), vec!["pl/a b", "pl/a+b c"]);
    let rest = f.client.list_objects(&f.bucket, &params("pl/", "", "", 0)).unwrap();
    let rest: Vec<&str> = keys(&rest);
    assert_eq!(rest, vec!["pl/a b", "pl/a+b c"]);
    let result = f.client.delete_objects(&f.bucket, &rest, false).unwrap();
    assert!(result.errors.is_empty(), "{:?}", result.errors);
    assert_eq!(result.deleted.len(), 2);
    assert!(remaining(&f).is_empty(), "{:?}", remaining(&f));
}
