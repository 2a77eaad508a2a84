//! `upload_file` against the emulator: sizes around the part boundary, concurrency, progress, cancelling
//! (progress callback and CancelToken), resuming only the missing parts, when a checkpoint must not be
//! trusted (file changed, upload aborted, damaged file), where it is kept, and that it is written
//! atomically.

mod support;

use cos::{crc64, CancelToken, Client, ErrorKind, RequestOptions, TransferOptions};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};
use support::{
    assert_same, checkpoint_parts, checkpoints, data, temp_leftovers, Fixture, ProgressLog, Proxy, TempDir, KIB, MIB,
};

const WAIT: Duration = Duration::from_secs(20);

fn topts(part_size: u64, concurrency: usize) -> TransferOptions {
    TransferOptions { part_size, concurrency, ..TransferOptions::default() }
}

/// Uploads with a progress log.
fn upload(
    client: &Client,
    f: &Fixture,
    key: &str,
    path: &Path,
    o: &TransferOptions,
) -> (cos::Result<cos::ObjectInfo>, ProgressLog) {
    let mut log = ProgressLog::default();
    let r = client.upload_file(
        &f.bucket,
        key,
        path,
        o,
        Some(&mut |d, t| {
            log.record(d, t);
            true
        }),
    );
    (r, log)
}

/// Uploads through a fresh proxy and returns the progress log and the bytes sent.
fn upload_counting(f: &Fixture, key: &str, path: &Path, o: &TransferOptions) -> (ProgressLog, u64) {
    let proxy = Proxy::start(&f.emu.address);
    let (r, log) = upload(&f.client_via(&proxy), f, key, path, o);
    r.unwrap_or_else(|e| panic!("upload of {}: {e:?}", path.display()));
    (log, proxy.up())
}

/// Uploads until `stop_at` bytes are reported, then cancels from the progress callback.
fn interrupted_upload(f: &Fixture, key: &str, path: &Path, o: &TransferOptions, stop_at: u64) {
    let r = f.client.upload_file(&f.bucket, key, path, o, Some(&mut |d, _| d < stop_at));
    let e = r.expect_err("the progress callback cancels");
    assert_eq!(e.kind(), ErrorKind::Cancelled, "{e:?}");
}

#[track_caller]
fn assert_object(f: &Fixture, key: &str, bytes: &[u8], what: &str) {
    assert_same(&f.get(key), bytes, what);
    assert_eq!(f.head_crc(key), Some(crc64::checksum(bytes)), "{what}: CRC-64 of the object");
}

/// Sets a file's mtime `secs` seconds later than it is.
fn touch_later(path: &Path, secs: u64) {
    let file = std::fs::File::options().write(true).open(path).unwrap();
    let mtime = file.metadata().unwrap().modified().unwrap();
    file.set_modified(mtime + Duration::from_secs(secs)).unwrap();
}

#[test]
fn every_size_uploads_byte_identical() {
    let f = Fixture::new("up-sizes");
    let dir = TempDir::new("up-sizes");
    for (i, size) in [0, 1, MIB - 1, MIB, MIB + 1, 12 * MIB + 3].into_iter().enumerate() {
        let bytes = data(size as usize, 100 + i as u64);
        let path = dir.file(&format!("in-{size}"), &bytes);
        for concurrency in [1, 8] {
            let key = format!("obj-{size}-{concurrency}");
            let (r, log) = upload(&f.client, &f, &key, &path, &topts(MIB, concurrency));
            let info = r.unwrap_or_else(|e| panic!("size {size}, concurrency {concurrency}: {e:?}"));
            assert_eq!(info.crc64(), Some(crc64::checksum(&bytes)), "size {size}: the reported CRC-64");
            assert_object(&f, &key, &bytes, &format!("upload of {size} bytes, concurrency {concurrency}"));
            log.check(size, &format!("progress of {size} bytes, concurrency {concurrency}"));
            let etag = info.etag().unwrap_or_default().to_string();
            if size > MIB {
                // A multipart object: COS's ETag is "<hex>-<parts>".
                assert!(etag.ends_with(&format!("-{}\"", size.div_ceil(MIB))), "size {size}: ETag {etag}");
            } else {
                assert!(!etag.contains('-'), "size {size}: one PUT, ETag {etag}");
            }
        }
    }
    assert!(f.uploads("").is_empty(), "no upload left in progress: {:?}", f.uploads(""));
    assert!(dir.names().iter().all(|n| n.starts_with("in-") && !n.contains(".cos-")), "{:?}", dir.names());
}

#[test]
fn metadata_goes_to_the_object_and_bad_inputs_fail_early() {
    let f = Fixture::new("up-meta");
    let dir = TempDir::new("up-meta");
    let bytes = data((2 * MIB + 1) as usize, 110);
    let path = dir.file("in", &bytes);
    for (key, part) in [("multi", MIB), ("single", 4 * MIB)] {
        let mut o = topts(part, 2);
        o.request.content_type("text/x-transfer").unwrap().metadata("who", "upload_file").unwrap();
        f.client.upload_file(&f.bucket, key, &path, &o, None).unwrap();
        let head = f.client.head_object(&f.bucket, key, &RequestOptions::new()).unwrap();
        assert_eq!(head.content_type(), Some("text/x-transfer"), "{key}");
        assert_eq!(head.meta("who"), Some("upload_file"), "{key}");
    }
    let e = f.client.upload_file(&f.bucket, "k", &dir.path("missing"), &topts(MIB, 1), None).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Io, "{e:?}");
    let e = f.client.upload_file(&f.bucket, "k", &dir.0, &topts(MIB, 1), None).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument, "a directory: {e:?}");
    let e = f.client.upload_file(&f.bucket, "k", &path, &topts(1000, 1), None).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument, "a part below 1 MiB: {e:?}");
    assert!(!f.client.object_exists(&f.bucket, "k").unwrap());
}

#[test]
fn a_progress_callback_returning_false_cancels() {
    let f = Fixture::new("up-cancel-cb");
    let dir = TempDir::new("up-cancel-cb");
    // One PUT: cancelled before anything is sent.
    let small = dir.file("small", b"hello");
    let e = f.client.upload_file(&f.bucket, "small", &small, &topts(MIB, 1), Some(&mut |_, _| false)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Cancelled, "{e:?}");
    assert!(!f.client.object_exists(&f.bucket, "small").unwrap());

    // Multipart: stops, keeps a checkpoint naming the upload, which stays open for a resume.
    let bytes = data((6 * MIB) as usize, 111);
    let path = dir.file("big", &bytes);
    let mut calls = 0;
    let e = f
        .client
        .upload_file(
            &f.bucket,
            "big",
            &path,
            &topts(MIB, 2),
            Some(&mut |d, _| {
                calls += 1;
                d < 2 * MIB
            }),
        )
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Cancelled, "{e:?}");
    let cps = checkpoints(&dir);
    assert_eq!(cps.len(), 1, "one checkpoint: {:?}", dir.names());
    let (parts, id) = checkpoint_parts(&dir.path(&cps[0]));
    let id = id.expect("the checkpoint names the upload");
    assert!(!parts.is_empty() && parts.len() < 6, "some parts recorded: {parts:?}");
    let open: Vec<String> = f.uploads("big").into_iter().map(|u| u.upload_id).collect();
    assert_eq!(open, vec![id], "the upload is left open for the resume");
    assert!(!f.client.object_exists(&f.bucket, "big").unwrap());
    assert!(temp_leftovers(&dir).is_empty(), "{:?}", dir.names());
}

#[test]
fn a_rerun_uploads_only_the_missing_parts() {
    let f = Fixture::new("up-resume");
    let dir = TempDir::new("up-resume");
    let size = 10 * MIB + 5;
    let bytes = data(size as usize, 112);
    let path = dir.file("in", &bytes);
    interrupted_upload(&f, "obj", &path, &topts(MIB, 2), 4 * MIB);
    let cp = dir.path(&checkpoints(&dir)[0]);
    let (recorded, id) = checkpoint_parts(&cp);
    assert!(recorded.len() >= 4, "{recorded:?}");
    let listed = f.client.list_all_parts(&f.bucket, "obj", &id.clone().unwrap()).unwrap();
    assert!(listed.len() >= recorded.len(), "COS has at least the recorded parts");
    let recorded_bytes: u64 = recorded.iter().map(|&n| if n == 11 { 5 } else { MIB }).sum();

    f.emu.reset_stats();
    let (log, up) = upload_counting(&f, "obj", &path, &topts(MIB, 2));
    let puts = f.emu.stats().get("PUT").copied().unwrap_or(0);
    assert_eq!(puts, 11 - recorded.len() as u64, "one UploadPart per missing part (recorded {recorded:?})");
    assert_object(&f, "obj", &bytes, "resumed upload");
    log.check(size, "resumed progress");
    assert!(log.first().unwrap() >= recorded_bytes, "progress starts at the recorded parts: {:?}", log.values());
    let missing = size - recorded_bytes;
    assert!(up >= missing && up < missing + 64 * KIB, "sent {up} bytes for {missing} missing bytes");
    assert!(f.uploads("").is_empty(), "the resumed upload was completed, no other started");
    assert!(checkpoints(&dir).is_empty() && temp_leftovers(&dir).is_empty(), "{:?}", dir.names());
}

#[test]
fn a_rerun_with_every_part_recorded_only_completes() {
    let f = Fixture::new("up-all-recorded");
    let dir = TempDir::new("up-all-recorded");
    let size = 3 * MIB + 1;
    let bytes = data(size as usize, 125);
    let path = dir.file("in", &bytes);
    // Cancelled by the final progress call: every part is up, the upload not completed.
    interrupted_upload(&f, "obj", &path, &topts(MIB, 2), size);
    let (recorded, _) = checkpoint_parts(&dir.path(&checkpoints(&dir)[0]));
    assert_eq!(recorded, vec![1, 2, 3, 4]);
    assert!(!f.client.object_exists(&f.bucket, "obj").unwrap());
    f.emu.reset_stats();
    let (r, log) = upload(&f.client, &f, "obj", &path, &topts(MIB, 2));
    r.unwrap();
    let s = f.emu.stats();
    assert_eq!((s.get("PUT"), s.get("POST")), (None, Some(&1)), "no part sent again, one Complete: {s:?}");
    assert_eq!(log.values(), vec![(size, size)], "progress of a rerun with nothing left to send");
    assert_object(&f, "obj", &bytes, "completed from a full checkpoint");
    assert!(checkpoints(&dir).is_empty());
}

#[test]
fn one_file_to_two_keys_keeps_two_checkpoints() {
    let f = Fixture::new("up-two-keys");
    let dir = TempDir::new("up-two-keys");
    let bytes = data((4 * MIB) as usize, 124);
    let path = dir.file("in", &bytes);
    interrupted_upload(&f, "a", &path, &topts(MIB, 1), 2 * MIB);
    interrupted_upload(&f, "b", &path, &topts(MIB, 1), 3 * MIB);
    assert_eq!(checkpoints(&dir).len(), 2, "{:?}", dir.names());
    for key in ["a", "b"] {
        let (_, up) = upload_counting(&f, key, &path, &topts(MIB, 1));
        assert!(up < 3 * MIB, "{key} resumed from its own checkpoint: {up} bytes sent");
        assert_object(&f, key, &bytes, key);
    }
    assert!(checkpoints(&dir).is_empty() && f.uploads("").is_empty(), "{:?}", dir.names());
}

#[test]
fn a_changed_file_starts_a_new_upload() {
    let f = Fixture::new("up-changed");
    let dir = TempDir::new("up-changed");
    let old = data((5 * MIB) as usize, 113);
    let cases: [(&str, Vec<u8>); 3] = [
        ("same size, new content", data(old.len(), 114)),
        ("other size", data((4 * MIB + 7) as usize, 115)),
        ("same content, touched", old.clone()),
    ];
    for (case, new) in cases {
        let path = dir.file("in", &old);
        interrupted_upload(&f, "obj", &path, &topts(MIB, 1), 2 * MIB);
        let (_, old_id) = checkpoint_parts(&dir.path(&checkpoints(&dir)[0]));
        std::fs::write(&path, &new).unwrap();
        touch_later(&path, 5);
        let (_, up) = upload_counting(&f, "obj", &path, &topts(MIB, 1));
        assert_object(&f, "obj", &new, case);
        assert!(up >= new.len() as u64, "{case}: the whole file was sent again ({up} bytes)");
        // The old upload can never be completed: it was aborted rather than left to be stored and billed.
        assert!(old_id.is_some(), "{case}: the interrupted upload recorded its id");
        let open: Vec<String> = f.uploads("obj").into_iter().map(|u| u.upload_id).collect();
        assert!(open.is_empty(), "{case}: uploads left open: {open:?}");
        assert!(checkpoints(&dir).is_empty(), "{case}: {:?}", dir.names());
    }
}

#[test]
fn a_checkpoint_naming_an_aborted_upload_starts_over() {
    let f = Fixture::new("up-aborted");
    let dir = TempDir::new("up-aborted");
    let bytes = data((5 * MIB + 1) as usize, 116);
    let path = dir.file("in", &bytes);
    interrupted_upload(&f, "obj", &path, &topts(MIB, 2), 2 * MIB);
    let (_, id) = checkpoint_parts(&dir.path(&checkpoints(&dir)[0]));
    f.client.abort_multipart_upload(&f.bucket, "obj", &id.unwrap()).unwrap();
    let (log, up) = upload_counting(&f, "obj", &path, &topts(MIB, 2));
    assert_object(&f, "obj", &bytes, "after the remote abort");
    log.check(bytes.len() as u64, "progress after the remote abort");
    assert!(up >= bytes.len() as u64, "the whole file was sent again ({up} bytes)");
    assert!(f.uploads("").is_empty());
    assert!(checkpoints(&dir).is_empty(), "{:?}", dir.names());
}

#[test]
fn a_damaged_checkpoint_is_ignored() {
    let f = Fixture::new("up-damaged");
    let dir = TempDir::new("up-damaged");
    let bytes = data((4 * MIB + 2) as usize, 117);
    let path = dir.file("in", &bytes);
    type Damage = fn(&str) -> String;
    let damages: [(&str, Damage); 4] = [
        ("garbage", |_| "not a checkpoint at all\n".into()),
        ("truncated", |t| t[..t.len() / 2].to_string()),
        ("edited", |t| t.replacen("part 1 ", "part 7 ", 1)),
        ("empty", |_| String::new()),
    ];
    for (case, damage) in damages {
        interrupted_upload(&f, "obj", &path, &topts(MIB, 1), 2 * MIB);
        let cp = dir.path(&checkpoints(&dir)[0]);
        let text = std::fs::read_to_string(&cp).unwrap();
        assert!(text.contains("\npart 1 "), "{case}: {text}");
        std::fs::write(&cp, damage(&text)).unwrap();
        let (_, up) = upload_counting(&f, "obj", &path, &topts(MIB, 1));
        assert_object(&f, "obj", &bytes, case);
        assert!(up >= bytes.len() as u64, "{case}: started over ({up} bytes)");
        assert!(checkpoints(&dir).is_empty(), "{case}: {:?}", dir.names());
        for u in f.uploads("obj") {
            f.client.abort_multipart_upload(&f.bucket, "obj", &u.upload_id).unwrap();
        }
    }
}

#[test]
fn checkpoint_at_a_path_is_honoured() {
    let f = Fixture::new("up-cp-at");
    let dir = TempDir::new("up-cp-at");
    let bytes = data((4 * MIB + 9) as usize, 118);
    let path = dir.file("in", &bytes);
    std::fs::create_dir(dir.path("state")).unwrap();
    let cp = dir.path("state").join("upload.state");
    let o = TransferOptions { checkpoint_path: Some(cp.clone()), ..topts(MIB, 1) };
    interrupted_upload(&f, "obj", &path, &o, 2 * MIB);
    assert!(cp.exists(), "{:?}", dir.names());
    assert!(checkpoints(&dir).is_empty(), "nothing at the default place: {:?}", dir.names());
    let (recorded, _) = checkpoint_parts(&cp);
    let (log, up) = upload_counting(&f, "obj", &path, &o);
    assert_object(&f, "obj", &bytes, "resumed from checkpoint_path");
    assert!(log.first().unwrap() >= recorded.len() as u64 * MIB, "{:?}", log.values());
    assert!(up < bytes.len() as u64 - MIB, "resumed: {up} bytes sent");
    assert!(!cp.exists(), "removed on success");
    assert_eq!(std::fs::read_dir(dir.path("state")).unwrap().count(), 0, "no temporary file left");
}

#[test]
fn checkpoint_off_leaves_nothing_behind() {
    let f = Fixture::new("up-cp-off");
    let dir = TempDir::new("up-cp-off");
    let bytes = data((4 * MIB + 9) as usize, 119);
    let path = dir.file("in", &bytes);
    let o = TransferOptions { resumable: false, ..topts(MIB, 1) };
    interrupted_upload(&f, "obj", &path, &o, 2 * MIB);
    assert_eq!(dir.names(), vec!["in"], "no checkpoint");
    let (_, up) = upload_counting(&f, "obj", &path, &o);
    assert!(up >= bytes.len() as u64, "started over ({up} bytes)");
    assert_object(&f, "obj", &bytes, "upload without a checkpoint");
    assert_eq!(dir.names(), vec!["in"]);
}

/// Without a checkpoint nothing can ever resume an interrupted upload: its parts should not stay stored
/// (and billed) on COS.
#[test]
fn checkpoint_off_aborts_the_interrupted_upload() {
    let f = Fixture::new("up-cp-off-abort");
    let dir = TempDir::new("up-cp-off-abort");
    let path = dir.file("in", &data((4 * MIB) as usize, 120));
    let o = TransferOptions { resumable: false, ..topts(MIB, 1) };
    interrupted_upload(&f, "obj", &path, &o, 2 * MIB);
    let left: Vec<String> = f.uploads("").into_iter().map(|u| u.upload_id).collect();
    assert!(left.is_empty(), "an unresumable upload was left open on COS: {left:?}");
}

#[test]
fn the_checkpoint_is_replaced_atomically() {
    let f = Fixture::new("up-atomic");
    let dir = TempDir::new("up-atomic");
    let size = 12 * MIB;
    let bytes = data(size as usize, 121);
    let path = dir.file("in", &bytes);
    let cp = dir.path("the.checkpoint");
    let o = TransferOptions { checkpoint_path: Some(cp.clone()), ..topts(MIB, 4) };
    // Slow enough for many reads of the checkpoint while it is rewritten after every part.
    let proxy = Proxy::start(&f.emu.address);
    proxy.rate(12 * MIB);
    let client = f.client_via(&proxy);
    let done = AtomicBool::new(false);
    let (reads, states) = std::thread::scope(|s| {
        let watcher = s.spawn(|| {
            let (mut reads, mut states) = (0u32, std::collections::BTreeSet::new());
            while !done.load(Ordering::SeqCst) {
                if let Ok(text) = std::fs::read_to_string(&cp) {
                    reads += 1;
                    assert!(text.starts_with("cos-checkpoint v1\n"), "a partly written checkpoint: {text:?}");
                    let last = text.trim_end().lines().last().unwrap_or_default();
                    assert!(
                        last.starts_with("crc64 ") && text.ends_with('\n'),
                        "a partly written checkpoint: {text:?}"
                    );
                    states.insert(text.matches("\npart ").count());
                }
                let leftovers = temp_leftovers(&dir);
                assert!(leftovers.len() <= 1, "temporary files pile up: {leftovers:?}");
                std::thread::sleep(Duration::from_millis(1));
            }
            (reads, states)
        });
        let r = client.upload_file(&f.bucket, "obj", &path, &o, None);
        done.store(true, Ordering::SeqCst);
        r.unwrap();
        watcher.join().unwrap()
    });
    assert!(reads > 10 && states.len() > 3, "the watcher saw the checkpoint grow: {reads} reads, {states:?}");
    assert_object(&f, "obj", &bytes, "upload");
    assert_eq!(dir.names(), vec!["in"], "no checkpoint and no temporary file left");
}

#[test]
fn a_cancel_token_stops_an_upload_promptly_and_it_resumes() {
    let f = Fixture::new("up-token");
    let dir = TempDir::new("up-token");
    let size = 16 * MIB;
    let bytes = data(size as usize, 122);
    let path = dir.file("in", &bytes);
    let proxy = Proxy::start(&f.emu.address);
    proxy.rate(16 * MIB);
    let client = f.client_via(&proxy);
    let token = CancelToken::new();
    let o = TransferOptions { cancel: Some(token.clone()), ..topts(MIB, 2) };
    let done = AtomicU64::new(0);
    let (result, latency) = std::thread::scope(|s| {
        let canceller = s.spawn(|| {
            support::wait_for("3 MiB uploaded", WAIT, || done.load(Ordering::SeqCst) >= 3 * MIB);
            token.cancel();
            Instant::now()
        });
        let r = client.upload_file(
            &f.bucket,
            "obj",
            &path,
            &o,
            Some(&mut |d, _| {
                done.store(d, Ordering::SeqCst);
                true
            }),
        );
        let returned = Instant::now();
        (r, returned.duration_since(canceller.join().unwrap()))
    });
    assert_eq!(result.unwrap_err().kind(), ErrorKind::Cancelled);
    eprintln!("upload returned {latency:?} after the cancel");
    // Parts in flight finish (2 × 1 MiB at 16 MiB/s: ~130 ms); the bound leaves room for a loaded CI machine.
    assert!(latency < Duration::from_millis(1500), "returned {latency:?} after the cancel");
    assert!(token.is_cancelled());
    let cps = checkpoints(&dir);
    assert_eq!(cps.len(), 1, "{:?}", dir.names());
    let (recorded, _) = checkpoint_parts(&dir.path(&cps[0]));
    assert!(recorded.len() >= 3 && recorded.len() < 16, "{recorded:?}");

    // The same options with a fresh token resume it.
    let o = TransferOptions { cancel: Some(CancelToken::new()), ..topts(MIB, 4) };
    let (_, up) = upload_counting(&f, "obj", &path, &o);
    assert_object(&f, "obj", &bytes, "resumed after a cancel");
    assert!(up <= size - recorded.len() as u64 * MIB + 64 * KIB, "resumed: {up} bytes sent");
    assert!(f.uploads("").is_empty() && dir.names() == vec!["in"], "{:?}", dir.names());

    // A token cancelled beforehand stops an upload before it sends data.
    let cancelled = CancelToken::new();
    cancelled.cancel();
    let o = TransferOptions { cancel: Some(cancelled), resumable: false, ..topts(MIB, 2) };
    let proxy = Proxy::start(&f.emu.address);
    let e = f.client_via(&proxy).upload_file(&f.bucket, "obj2", &path, &o, None).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Cancelled);
    assert!(proxy.up() < 64 * KIB, "no part was sent: {} bytes", proxy.up());
    let small = dir.file("small", b"abc");
    let e = f.client.upload_file(&f.bucket, "obj3", &small, &o, None).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Cancelled);
    assert!(!f.client.object_exists(&f.bucket, "obj3").unwrap());
    for u in f.uploads("") {
        f.client.abort_multipart_upload(&f.bucket, &u.key, &u.upload_id).unwrap();
    }
}

#[test]
fn a_cancel_token_stops_a_download_promptly_and_it_resumes() {
    let f = Fixture::new("dl-token");
    let dir = TempDir::new("dl-token");
    let size = 16 * MIB;
    let bytes = data(size as usize, 123);
    f.client.put_object(&f.bucket, "obj", &bytes, &RequestOptions::new()).unwrap();
    let proxy = Proxy::start(&f.emu.address);
    proxy.rate(8 * MIB);
    let client = f.client_via(&proxy);
    let token = CancelToken::new();
    let o = TransferOptions { cancel: Some(token.clone()), ..topts(MIB, 2) };
    let path = dir.path("dest");
    let done = AtomicU64::new(0);
    let (result, latency) = std::thread::scope(|s| {
        let canceller = s.spawn(|| {
            support::wait_for("3 MiB downloaded", WAIT, || done.load(Ordering::SeqCst) >= 3 * MIB);
            token.cancel();
            Instant::now()
        });
        let r = client.download_file(
            &f.bucket,
            "obj",
            &path,
            &o,
            Some(&mut |d, _| {
                done.store(d, Ordering::SeqCst);
                true
            }),
        );
        let returned = Instant::now();
        (r, returned.duration_since(canceller.join().unwrap()))
    });
    assert_eq!(result.unwrap_err().kind(), ErrorKind::Cancelled);
    eprintln!("download returned {latency:?} after the cancel");
    assert!(latency < Duration::from_millis(1000), "returned {latency:?} after the cancel");
    assert!(!path.exists());
    let (recorded, _) = checkpoint_parts(&dir.path("dest.cos-checkpoint"));
    assert!(recorded.len() >= 2 && recorded.len() < 16, "{recorded:?}");
    let proxy2 = Proxy::start(&f.emu.address);
    let o = topts(MIB, 4);
    f.client_via(&proxy2).download_file(&f.bucket, "obj", &path, &o, None).unwrap();
    assert_same(&std::fs::read(&path).unwrap(), &bytes, "resumed download");
    let missing = size - recorded.len() as u64 * MIB;
    assert!(proxy2.down() < missing + 64 * KIB, "resumed: {} bytes fetched for {missing}", proxy2.down());
    assert_eq!(dir.names(), vec!["dest"]);
}

#[test]
fn upload_then_download_many_parts_concurrently_in_both_directions() {
    // Several transfers share one client at once.
    let f = Fixture::new("up-shared");
    let dir = TempDir::new("up-shared");
    let files: Vec<(String, Vec<u8>)> =
        (0..3).map(|i| (format!("f{i}"), data((3 * MIB + i * 1000) as usize, 130 + i))).collect();
    std::thread::scope(|s| {
        for (name, bytes) in &files {
            let (f, dir) = (&f, &dir);
            s.spawn(move || {
                let path = dir.file(name, bytes);
                f.client.upload_file(&f.bucket, name, &path, &topts(MIB, 3), None).unwrap();
                let back = dir.path(&format!("{name}.back"));
                f.client.download_file(&f.bucket, name, &back, &topts(MIB, 3), None).unwrap();
                assert_same(&std::fs::read(&back).unwrap(), bytes, name);
            });
        }
    });
    assert!(f.uploads("").is_empty());
}
