//! Directory trees against the emulator: `upload_prefix` (nested files, a multipart one, patterns, files in
//! flight, progress over the whole tree, cancel), sync in both directions (skip what is unchanged by size and
//! CRC-64, delete extras), a failing file that stops nothing else, and `download_prefix` on top.

mod support;

use cos::{Client, ErrorKind, Outcome, TransferOptions, TreeOptions, TreeReport};
use std::path::Path;
use support::{data, Fixture, ProgressLog, Proxy, TempDir, KIB, MIB};

/// A tree of 20 small files in three levels and one 3 MiB file (multipart with 1 MiB parts).
fn make_tree(dir: &TempDir) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    for i in 0..20 {
        let rel = match i % 3 {
            0 => format!("top-{i}.txt"),
            1 => format!("a/mid-{i}.log"),
            _ => format!("a/b/deep-{i}.jpg"),
        };
        files.push((rel, data(KIB as usize * (i + 1), i as u64)));
    }
    files.push(("big/huge.bin".to_string(), data(3 * MIB as usize, 99)));
    for (rel, bytes) in &files {
        let path = dir.path(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, bytes).unwrap();
    }
    files
}

fn opts() -> TreeOptions {
    TreeOptions {
        transfer: TransferOptions { part_size: MIB, concurrency: 2, ..TransferOptions::default() },
        files_in_flight: 4,
        ..TreeOptions::default()
    }
}

fn outcomes(report: &TreeReport, want: fn(&Outcome) -> bool) -> Vec<String> {
    report.entries.iter().filter(|e| want(&e.outcome)).map(|e| e.key.clone()).collect()
}

fn transferred(report: &TreeReport) -> Vec<String> {
    outcomes(report, |o| matches!(o, Outcome::Transferred))
}

fn skipped(report: &TreeReport) -> Vec<String> {
    outcomes(report, |o| matches!(o, Outcome::Skipped))
}

fn deleted(report: &TreeReport) -> Vec<String> {
    outcomes(report, |o| matches!(o, Outcome::Deleted))
}

fn keys(client: &Client, bucket: &str, prefix: &str) -> Vec<String> {
    let params = cos::ListParams { prefix: prefix.into(), ..Default::default() };
    client.list_objects(bucket, &params).unwrap().objects.into_iter().map(|o| o.key).collect()
}

fn upload(f: &Fixture, dir: &Path, o: &TreeOptions) -> (TreeReport, ProgressLog) {
    let mut log = ProgressLog::default();
    let report = f
        .client
        .upload_prefix(
            &f.bucket,
            "backup",
            dir,
            o,
            Some(&mut |d, t| {
                log.record(d, t);
                true
            }),
        )
        .unwrap();
    (report, log)
}

#[test]
fn a_tree_goes_up_whole_and_comes_back_identical() {
    let f = Fixture::new("tree-up");
    let src = TempDir::new("tree-src");
    let files = make_tree(&src);
    let (report, log) = upload(&f, &src.0, &opts());
    let total: u64 = files.iter().map(|(_, b)| b.len() as u64).sum();
    log.check(total, "upload_prefix");
    assert_eq!(transferred(&report).len(), files.len(), "{report:?}");
    assert_eq!(report.bytes_transferred(), total);
    for (rel, bytes) in &files {
        assert_eq!(&f.get(&format!("backup/{rel}")), bytes, "{rel}");
    }
    // The 3 MiB file went as a multipart upload: COS's ETag of a multipart object has a part count.
    let head = f.client.head_object(&f.bucket, "backup/big/huge.bin", &Default::default()).unwrap();
    assert!(head.etag().unwrap().contains("-3"), "{:?}", head.etag());

    let out = TempDir::new("tree-out");
    let back = f.client.download_tree(&f.bucket, "backup/", &out.0, &opts(), None).unwrap();
    assert_eq!(transferred(&back).len(), files.len());
    for (rel, bytes) in &files {
        assert_eq!(&std::fs::read(out.path(rel)).unwrap(), bytes, "{rel}");
    }
    // download_prefix, built on the same engine, gives the same tree.
    let again = TempDir::new("tree-out-2");
    let n = f.client.download_prefix(&f.bucket, "backup/", &again.0, &TransferOptions::default()).unwrap();
    assert_eq!(n, files.len());
    assert_eq!(std::fs::read(again.path("a/b/deep-2.jpg")).unwrap(), files[2].1);
}

#[test]
fn patterns_choose_the_files() {
    let f = Fixture::new("tree-patterns");
    let src = TempDir::new("tree-src");
    make_tree(&src);
    let o =
        TreeOptions { include: vec!["*.jpg".into(), "*.txt".into()], exclude: vec!["a/b/deep-5.jpg".into()], ..opts() };
    let (report, _) = upload(&f, &src.0, &o);
    let up = transferred(&report);
    assert!(up.iter().all(|k| k.ends_with(".jpg") || k.ends_with(".txt")), "{up:?}");
    assert!(!up.contains(&"backup/a/b/deep-5.jpg".to_string()));
    assert!(up.contains(&"backup/a/b/deep-2.jpg".to_string()) && up.contains(&"backup/top-0.txt".to_string()));
    assert_eq!(keys(&f.client, &f.bucket, "backup/").len(), up.len());
}

#[test]
fn a_sync_up_sends_only_what_changed_and_deletes_extras() {
    let f = Fixture::new("tree-sync-up");
    let src = TempDir::new("tree-src");
    let files = make_tree(&src);
    upload(&f, &src.0, &opts());
    f.client.put_object(&f.bucket, "backup/gone.txt", b"extra", &Default::default()).unwrap();
    f.client.put_object(&f.bucket, "backup/keep.tmp", b"excluded", &Default::default()).unwrap();

    // One file changes content but not size; one is new.
    let changed = &files[4];
    let mut bytes = changed.1.clone();
    bytes[0] ^= 0xff;
    std::fs::write(src.path(&changed.0), &bytes).unwrap();
    std::fs::write(src.path("new.txt"), b"new").unwrap();

    f.emu.reset_stats();
    let sync = TreeOptions { skip_unchanged: true, delete_extras: true, exclude: vec!["*.tmp".into()], ..opts() };
    let (report, _) = upload(&f, &src.0, &sync);
    let mut sent = transferred(&report);
    sent.sort();
    assert_eq!(sent, [format!("backup/{}", changed.0), "backup/new.txt".to_string()]);
    assert_eq!(skipped(&report).len(), files.len() - 1);
    assert_eq!(deleted(&report), ["backup/gone.txt"]);
    assert_eq!(f.get(&format!("backup/{}", changed.0)), bytes);
    let remote = keys(&f.client, &f.bucket, "backup/");
    assert!(!remote.contains(&"backup/gone.txt".to_string()));
    assert!(remote.contains(&"backup/keep.tmp".to_string()), "an excluded object is left alone");
    // Unchanged files cost a HEAD each, no upload: two PUTs (one per sent file, both small).
    assert_eq!(f.emu.stats().method("PUT"), 2, "{:?}", f.emu.stats());
}

#[test]
fn a_sync_down_fetches_only_what_changed_and_deletes_local_extras() {
    let f = Fixture::new("tree-sync-down");
    let src = TempDir::new("tree-src");
    let files = make_tree(&src);
    upload(&f, &src.0, &opts());
    let out = TempDir::new("tree-out");
    f.client.download_tree(&f.bucket, "backup/", &out.0, &opts(), None).unwrap();

    std::fs::write(out.path("stray.txt"), b"not in COS").unwrap();
    let changed = &files[7];
    let mut bytes = changed.1.clone();
    bytes[10] ^= 1;
    std::fs::write(out.path(&changed.0), &bytes).unwrap(); // same size, other content
    f.emu.reset_stats();
    let sync = TreeOptions { skip_unchanged: true, delete_extras: true, ..opts() };
    let report = f.client.download_tree(&f.bucket, "backup/", &out.0, &sync, None).unwrap();
    assert_eq!(transferred(&report), [format!("backup/{}", changed.0)]);
    assert_eq!(skipped(&report).len(), files.len() - 1);
    assert_eq!(deleted(&report), ["backup/stray.txt"]);
    assert_eq!(std::fs::read(out.path(&changed.0)).unwrap(), changed.1);
    assert!(!out.path("stray.txt").exists());
    assert_eq!(f.emu.stats().method("GET"), 2, "one listing and one download: {:?}", f.emu.stats());
}

#[test]
fn one_failing_file_stops_nothing_else() {
    let f = Fixture::new("tree-partial");
    let src = TempDir::new("tree-src");
    let files = make_tree(&src);
    f.emu.fault("kind=status&status=403&code=AccessDenied&method=PUT&key=backup/a/mid-4.log&count=100");
    let (report, _) = upload(&f, &src.0, &opts());
    let failed: Vec<_> = report.failed().collect();
    assert_eq!(failed.len(), 1, "{report:?}");
    assert_eq!(failed[0].key, "backup/a/mid-4.log");
    match &failed[0].outcome {
        Outcome::Failed(e) => {
            assert_eq!(e.code(), Some("AccessDenied"));
            assert!(e.message().contains("mid-4.log"), "{e}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(transferred(&report).len(), files.len() - 1);
    let e = report.into_result().unwrap_err();
    assert!(e.message().contains("1 of 21 files failed"), "{e}");
}

#[test]
fn files_in_flight_bound_the_connections() {
    for in_flight in [1usize, 4] {
        let f = Fixture::new("tree-in-flight");
        let src = TempDir::new("tree-src");
        for i in 0..8 {
            std::fs::write(src.path(&format!("f{i}")), data(1000, i)).unwrap();
        }
        // Every PUT waits 300 ms before its answer, so the files overlap as far as they are allowed to.
        f.emu.fault("kind=stall&ms=300&method=PUT&count=8");
        let proxy = Proxy::start(&f.emu.address);
        let client = f.client_via(&proxy);
        let o = TreeOptions { files_in_flight: in_flight, ..opts() };
        let report = client.upload_prefix(&f.bucket, "", &src.0, &o, None).unwrap();
        assert_eq!(transferred(&report).len(), 8);
        assert_eq!(proxy.connections(), in_flight as u32, "{in_flight} files in flight");
    }
}

#[test]
fn the_progress_callback_cancels_the_tree() {
    let f = Fixture::new("tree-cancel");
    let src = TempDir::new("tree-src");
    make_tree(&src);
    f.emu.fault("kind=stall&ms=200&method=PUT&count=100");
    let mut calls = 0;
    let e = f
        .client
        .upload_prefix(
            &f.bucket,
            "backup",
            &src.0,
            &opts(),
            Some(&mut |_, _| {
                calls += 1;
                calls < 2
            }),
        )
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Cancelled, "{e}");
    assert!(keys(&f.client, &f.bucket, "backup/").len() < 21, "the tree stopped early");
}

#[test]
fn bad_arguments_are_refused_before_anything_moves() {
    let f = Fixture::new("tree-bad");
    let src = TempDir::new("tree-src");
    let file = src.file("plain.txt", b"x");
    let e = f.client.upload_prefix(&f.bucket, "p", &file, &opts(), None).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e}");
    let e = f.client.upload_prefix(&f.bucket, "p", &src.path("missing"), &opts(), None).unwrap_err();
    assert!(e.message().contains("missing"), "{e}");
    let e = f.client.upload_prefix(&f.bucket, "p", &src.0, &TreeOptions { files_in_flight: 0, ..opts() }, None);
    assert_eq!(e.unwrap_err().kind(), ErrorKind::InvalidArgument);
    let e = f.client.download_tree(&f.bucket, "p", Path::new(""), &opts(), None).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    assert!(keys(&f.client, &f.bucket, "").is_empty());
}
