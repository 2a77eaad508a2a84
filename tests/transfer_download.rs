//! `download_file` against the emulator: sizes, byte-identical results, progress, the destination appearing
//! only at the end, resuming (and not resuming a replaced object), CRC-64 mismatch, If-Match against an
//! object replaced mid-download, broken connections, and where the checkpoint goes.

mod support;

use cos::{crc64, Client, ErrorKind, RequestOptions, TransferOptions};
use std::path::{Path, PathBuf};
use std::time::Duration;
use support::{assert_same, checkpoint_parts, data, Fixture, ProgressLog, Proxy, TempDir, KIB, MIB};

const WAIT: Duration = Duration::from_secs(20);

fn topts(part_size: u64, concurrency: usize) -> TransferOptions {
    TransferOptions { part_size, concurrency, ..TransferOptions::default() }
}

fn put(f: &Fixture, key: &str, bytes: &[u8]) {
    f.client.put_object(&f.bucket, key, bytes, &RequestOptions::new()).unwrap();
}

fn partial(path: &Path) -> PathBuf {
    PathBuf::from(format!("{}.cos-partial", path.display()))
}

fn checkpoint_of(path: &Path) -> PathBuf {
    PathBuf::from(format!("{}.cos-checkpoint", path.display()))
}

/// Downloads with a progress log; returns the result and the log.
fn download(
    client: &Client,
    f: &Fixture,
    key: &str,
    path: &Path,
    o: &TransferOptions,
) -> (cos::Result<cos::ObjectInfo>, ProgressLog) {
    let mut log = ProgressLog::default();
    let r = client.download_file(
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

/// Downloads through a fresh proxy; returns the bytes that came down as well.
fn download_counting(f: &Fixture, key: &str, path: &Path, o: &TransferOptions) -> (ProgressLog, u64) {
    let proxy = Proxy::start(&f.emu.address);
    let (r, log) = download(&f.client_via(&proxy), f, key, path, o);
    r.unwrap_or_else(|e| panic!("download of {key}: {e:?}"));
    (log, proxy.down())
}

/// Downloads until `stop_at` bytes are reported, then cancels from the progress callback.
fn interrupted_download(client: &Client, f: &Fixture, key: &str, path: &Path, o: &TransferOptions, stop_at: u64) {
    let r = client.download_file(&f.bucket, key, path, o, Some(&mut |d, _| d < stop_at));
    assert_eq!(r.unwrap_err().kind(), ErrorKind::Cancelled);
    assert!(!path.exists(), "no destination after an interrupted download");
}

#[test]
fn every_size_downloads_byte_identical() {
    let f = Fixture::new("dl-sizes");
    let dir = TempDir::new("dl-sizes");
    for (i, size) in [0, 1, MIB - 1, MIB, MIB + 1, 7 * MIB + 4321].into_iter().enumerate() {
        let bytes = data(size as usize, i as u64);
        let key = format!("obj-{size}");
        put(&f, &key, &bytes);
        for concurrency in [1, 8] {
            let path = dir.path(&format!("out-{size}-{concurrency}"));
            let (r, log) = download(&f.client, &f, &key, &path, &topts(MIB, concurrency));
            let info = r.unwrap_or_else(|e| panic!("size {size}, concurrency {concurrency}: {e:?}"));
            assert_eq!(info.content_length(), Some(size));
            assert_eq!(info.crc64(), Some(crc64::checksum(&bytes)));
            assert_same(&std::fs::read(&path).unwrap(), &bytes, &format!("download of {size} bytes"));
            log.check(size, &format!("progress of {size} bytes, concurrency {concurrency}"));
        }
    }
    // Nothing but the destinations is left behind.
    assert!(dir.names().iter().all(|n| n.starts_with("out-") && !n.contains(".cos-")), "{:?}", dir.names());
}

#[test]
fn a_missing_object_fails_without_creating_anything() {
    let f = Fixture::new("dl-missing");
    let dir = TempDir::new("dl-missing");
    let e = f.client.download_file(&f.bucket, "nope", &dir.path("x"), &topts(MIB, 2), None).unwrap_err();
    assert_eq!((e.kind(), e.http_status()), (ErrorKind::Service, 404), "{e:?}");
    assert!(dir.names().is_empty(), "{:?}", dir.names());
}

#[test]
fn the_destination_appears_only_at_the_end() {
    let f = Fixture::new("dl-atomic");
    let dir = TempDir::new("dl-atomic");
    let bytes = data((4 * MIB + 10) as usize, 20);
    put(&f, "obj", &bytes);
    let path = dir.file("dest.bin", b"the previous content");
    let proxy = Proxy::start(&f.emu.address);
    let client = f.client_via(&proxy);
    let hold = proxy.gate_down_after(2 * MIB);
    std::thread::scope(|s| {
        let _opener = proxy.opener();
        let run = s.spawn(|| client.download_file(&f.bucket, "obj", &path, &topts(MIB, 2), None));
        proxy.wait_down(hold, WAIT);
        // Held mid-way: the bytes go to <path>.cos-partial; <path> is untouched.
        assert_eq!(std::fs::read(&path).unwrap(), b"the previous content");
        assert!(partial(&path).exists(), "{:?}", dir.names());
        assert!(checkpoint_of(&path).exists(), "{:?}", dir.names());
        proxy.open();
        run.join().unwrap().unwrap();
    });
    assert_same(&std::fs::read(&path).unwrap(), &bytes, "download");
    assert_eq!(dir.names(), vec!["dest.bin"]);

    // Into a fresh name: the destination does not exist at all until the end.
    let path = dir.path("fresh.bin");
    let hold = proxy.gate_down_after(MIB + MIB / 2);
    std::thread::scope(|s| {
        let _opener = proxy.opener();
        let run = s.spawn(|| client.download_file(&f.bucket, "obj", &path, &topts(MIB, 1), None));
        proxy.wait_down(hold, WAIT);
        assert!(!path.exists(), "{:?}", dir.names());
        assert!(partial(&path).exists(), "{:?}", dir.names());
        proxy.open();
        run.join().unwrap().unwrap();
    });
    assert_same(&std::fs::read(&path).unwrap(), &bytes, "download");
}

#[test]
fn an_interrupted_download_resumes_with_the_missing_parts_only() {
    let f = Fixture::new("dl-resume");
    let dir = TempDir::new("dl-resume");
    let size = 8 * MIB + 777;
    let bytes = data(size as usize, 21);
    put(&f, "obj", &bytes);
    let path = dir.path("dest");
    interrupted_download(&f.client, &f, "obj", &path, &topts(MIB, 2), 4 * MIB);
    assert!(partial(&path).exists() && checkpoint_of(&path).exists(), "{:?}", dir.names());
    let (recorded, _) = checkpoint_parts(&checkpoint_of(&path));
    assert!(recorded.len() >= 3, "at least 3 whole parts were recorded: {recorded:?}");
    let recorded_bytes: u64 = recorded.iter().map(|&n| if n == 9 { 777 } else { MIB }).sum();

    // The rerun fetches only what is missing: count the bytes that come through a proxy.
    let proxy = Proxy::start(&f.emu.address);
    let (r, log) = download(&f.client_via(&proxy), &f, "obj", &path, &topts(MIB, 2));
    r.unwrap();
    assert_same(&std::fs::read(&path).unwrap(), &bytes, "resumed download");
    log.check(size, "resumed progress");
    assert!(log.first().unwrap() >= recorded_bytes, "progress starts at the recorded bytes: {:?}", log.values());
    let missing = size - recorded_bytes;
    let down = proxy.down();
    assert!(down >= missing && down < missing + 64 * KIB, "fetched {down} bytes for {missing} missing bytes");
    assert_eq!(dir.names(), vec!["dest"], "checkpoint and partial file removed");
}

#[test]
fn an_object_replaced_between_runs_is_downloaded_afresh() {
    let f = Fixture::new("dl-replaced");
    let dir = TempDir::new("dl-replaced");
    let old = data((5 * MIB) as usize, 22);
    for (case, new) in [("same size", data(old.len(), 23)), ("other size", data((3 * MIB + 5) as usize, 24))] {
        put(&f, "obj", &old);
        let path = dir.path("dest");
        interrupted_download(&f.client, &f, "obj", &path, &topts(MIB, 1), 2 * MIB);
        assert!(checkpoint_of(&path).exists(), "{case}");
        put(&f, "obj", &new);
        let proxy = Proxy::start(&f.emu.address);
        let (r, _) = download(&f.client_via(&proxy), &f, "obj", &path, &topts(MIB, 1));
        r.unwrap_or_else(|e| panic!("{case}: {e:?}"));
        assert_same(&std::fs::read(&path).unwrap(), &new, case);
        assert!(proxy.down() >= new.len() as u64, "{case}: the whole new object was fetched");
        assert_eq!(dir.names(), vec!["dest"], "{case}");
        std::fs::remove_file(&path).unwrap();
    }
}

#[test]
fn a_damaged_or_deleted_partial_file_or_checkpoint_is_not_trusted() {
    let f = Fixture::new("dl-damaged");
    let dir = TempDir::new("dl-damaged");
    let bytes = data((4 * MIB + 3) as usize, 25);
    put(&f, "obj", &bytes);
    let path = dir.path("dest");

    // A checkpoint that does not parse.
    interrupted_download(&f.client, &f, "obj", &path, &topts(MIB, 1), 2 * MIB);
    std::fs::write(checkpoint_of(&path), b"cos-checkpoint v1\ngarbage\ncrc64 12\n").unwrap();
    let (_, down) = download_counting(&f, "obj", &path, &topts(MIB, 1));
    assert_same(&std::fs::read(&path).unwrap(), &bytes, "after a corrupt checkpoint");
    assert!(down >= bytes.len() as u64, "started over: {down} bytes fetched");
    std::fs::remove_file(&path).unwrap();

    // An intact checkpoint but the partial file gone.
    interrupted_download(&f.client, &f, "obj", &path, &topts(MIB, 1), 2 * MIB);
    std::fs::remove_file(partial(&path)).unwrap();
    let (_, down) = download_counting(&f, "obj", &path, &topts(MIB, 1));
    assert_same(&std::fs::read(&path).unwrap(), &bytes, "after losing the partial file");
    assert!(down >= bytes.len() as u64, "started over: {down} bytes fetched");
    assert_eq!(dir.names(), vec!["dest"]);
}

/// The bytes of the parts a checkpoint records live in `<path>.cos-partial`, which is not fsynced before
/// the checkpoint vouches for them: after a power cut, or any damage between runs, the recorded region may
/// hold other bytes. The final CRC-64 check combines the *recorded* part CRCs, so it cannot notice; a
/// resumed download must not then claim success with a file that differs from the object.
#[test]
fn damage_to_the_recorded_part_of_the_partial_file_is_not_passed_off_as_the_object() {
    let f = Fixture::new("dl-partial-damage");
    let dir = TempDir::new("dl-partial-damage");
    let bytes = data((4 * MIB) as usize, 32);
    put(&f, "obj", &bytes);
    let path = dir.path("dest");
    interrupted_download(&f.client, &f, "obj", &path, &topts(MIB, 1), 2 * MIB);
    let (recorded, _) = checkpoint_parts(&checkpoint_of(&path));
    assert!(recorded.contains(&1), "part 1 is recorded: {recorded:?}");
    // Zeros where part 1's bytes were, as after a crash that lost unsynced pages.
    {
        use std::os::unix::fs::FileExt;
        let file = std::fs::OpenOptions::new().write(true).open(partial(&path)).unwrap();
        file.write_all_at(&vec![0u8; 4096], 1000).unwrap();
    }
    match f.client.download_file(&f.bucket, "obj", &path, &topts(MIB, 1), None) {
        Ok(_) => assert_same(&std::fs::read(&path).unwrap(), &bytes, "a download reported as successful"),
        Err(e) => assert!(!path.exists(), "failed ({e:?}) but left a destination"),
    }
}

#[test]
fn a_bad_crc64_from_the_emulator_fails_the_download() {
    let f = Fixture::new("dl-fault-crc");
    let dir = TempDir::new("dl-fault-crc");
    let bytes = data((2 * MIB + 1) as usize, 33);
    put(&f, "obj", &bytes);
    let path = dir.path("dest");
    f.emu.fault("kind=bad-crc&method=HEAD&key=obj&count=1");
    let e = f.client.download_file(&f.bucket, "obj", &path, &topts(MIB, 2), None).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ChecksumMismatch, "{e:?}");
    assert!(dir.names().is_empty(), "nothing left: {:?}", dir.names());
    f.client.download_file(&f.bucket, "obj", &path, &topts(MIB, 2), None).unwrap();
    assert_same(&std::fs::read(&path).unwrap(), &bytes, "without the fault");
}

#[test]
fn checkpoint_at_a_path_and_checkpoint_off() {
    let f = Fixture::new("dl-cp");
    let dir = TempDir::new("dl-cp");
    let bytes = data((4 * MIB) as usize, 26);
    put(&f, "obj", &bytes);
    let path = dir.path("dest");

    let cp = dir.path("state").join("my.checkpoint");
    std::fs::create_dir_all(cp.parent().unwrap()).unwrap();
    let at = TransferOptions { checkpoint_path: Some(cp.clone()), ..topts(MIB, 1) };
    interrupted_download(&f.client, &f, "obj", &path, &at, 2 * MIB);
    assert!(cp.exists(), "the checkpoint is where it was asked to be");
    assert!(!checkpoint_of(&path).exists(), "and not at the default place: {:?}", dir.names());
    let (log, down) = download_counting(&f, "obj", &path, &at);
    assert!(log.first().unwrap() >= 2 * MIB, "resumed from the given checkpoint: {:?}", log.values());
    assert!(down <= 2 * MIB + 64 * KIB, "only the missing half was fetched: {down} bytes");
    assert!(!cp.exists(), "removed on success");
    assert_same(&std::fs::read(&path).unwrap(), &bytes, "download");
    std::fs::remove_file(&path).unwrap();

    let off = TransferOptions { resumable: false, ..topts(MIB, 1) };
    interrupted_download(&f.client, &f, "obj", &path, &off, 2 * MIB);
    assert!(!dir.names().iter().any(|n| n.contains("checkpoint")), "{:?}", dir.names());
    let (_, down) = download_counting(&f, "obj", &path, &off);
    assert!(down >= bytes.len() as u64, "without a checkpoint a rerun starts over: {down} bytes fetched");
    assert_same(&std::fs::read(&path).unwrap(), &bytes, "download");
    assert_eq!(dir.names(), vec!["dest", "state"]);
}

#[test]
fn a_wrong_crc64_fails_and_leaves_no_file() {
    let f = Fixture::new("dl-badcrc");
    let dir = TempDir::new("dl-badcrc");
    let bytes = data((3 * MIB + 1) as usize, 27);
    put(&f, "obj", &bytes);
    let crc = crc64::checksum(&bytes).to_string();
    // The same number of digits, another value: the proxy puts it in every answer's CRC-64 header.
    let mut wrong = crc.clone().into_bytes();
    let last = wrong.len() - 1;
    wrong[last] = if wrong[last] == b'9' { b'0' } else { wrong[last] + 1 };
    let proxy = Proxy::start(&f.emu.address);
    proxy.rewrite_down(
        format!("x-cos-hash-crc64ecma: {crc}").as_bytes(),
        &[b"x-cos-hash-crc64ecma: ", &wrong[..]].concat(),
    );
    let client = f.client_via(&proxy);
    let path = dir.path("dest");
    for concurrency in [1, 4] {
        let e = client.download_file(&f.bucket, "obj", &path, &topts(MIB, concurrency), None).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ChecksumMismatch, "{e:?}");
        assert!(dir.names().is_empty(), "no destination, partial file or checkpoint: {:?}", dir.names());
    }
    // A small object takes the same path.
    put(&f, "small", b"tiny");
    let tiny_crc = crc64::checksum(b"tiny").to_string();
    let mut tiny_wrong = tiny_crc.clone().into_bytes();
    let last = tiny_wrong.len() - 1;
    tiny_wrong[last] = if tiny_wrong[last] == b'9' { b'0' } else { tiny_wrong[last] + 1 };
    proxy.rewrite_down(
        format!("x-cos-hash-crc64ecma: {tiny_crc}").as_bytes(),
        &[b"x-cos-hash-crc64ecma: ", &tiny_wrong[..]].concat(),
    );
    let e = client.download_file(&f.bucket, "small", &path, &topts(MIB, 1), None).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ChecksumMismatch, "{e:?}");
    assert!(dir.names().is_empty(), "{:?}", dir.names());

    // With CRC checks off the same answers are accepted; without the fault the download succeeds.
    let mut unchecked = topts(MIB, 2);
    unchecked.request.verify_crc(false);
    client.download_file(&f.bucket, "small", &path, &unchecked, None).unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), b"tiny");
    f.client.download_file(&f.bucket, "obj", &path, &topts(MIB, 2), None).unwrap();
    assert_same(&std::fs::read(&path).unwrap(), &bytes, "download without the fault");
}

#[test]
fn if_match_stops_a_download_whose_object_changes_mid_way() {
    let f = Fixture::new("dl-ifmatch");
    let dir = TempDir::new("dl-ifmatch");
    let old = data((4 * MIB) as usize, 28);
    let new = data((4 * MIB) as usize, 29);
    put(&f, "obj", &old);
    let proxy = Proxy::start(&f.emu.address);
    let client = f.client_via(&proxy);
    let path = dir.path("dest");
    let hold = proxy.gate_down_after(MIB + MIB / 2);
    let result = std::thread::scope(|s| {
        let _opener = proxy.opener();
        let run = s.spawn(|| client.download_file(&f.bucket, "obj", &path, &topts(MIB, 1), None));
        proxy.wait_down(hold, WAIT);
        put(&f, "obj", &new);
        proxy.open();
        run.join().unwrap()
    });
    let e = result.expect_err("the object changed during the download");
    assert_eq!((e.kind(), e.http_status()), (ErrorKind::Service, 412), "{e:?}");
    assert_eq!(e.code(), Some("PreconditionFailed"), "{e:?}");
    assert!(!path.exists(), "no destination file: {:?}", dir.names());
    // A rerun sees another ETag and downloads the new object afresh.
    let (_, down) = download_counting(&f, "obj", &path, &topts(MIB, 2));
    assert!(down >= new.len() as u64, "the new object is fetched whole: {down} bytes");
    assert_same(&std::fs::read(&path).unwrap(), &new, "rerun after the change");
}

#[test]
fn a_connection_broken_mid_part_is_resumed_from_its_last_byte() {
    let f = Fixture::new("dl-cut");
    let dir = TempDir::new("dl-cut");
    let size = 3 * MIB + 99;
    let bytes = data(size as usize, 30);
    put(&f, "obj", &bytes);
    let proxy = Proxy::start(&f.emu.address);
    // The first two connections break after 300 KiB towards the client.
    proxy.cut_next(2, 300 * KIB);
    let client = f.client_via(&proxy);
    let path = dir.path("dest");
    let (r, log) = download(&client, &f, "obj", &path, &topts(MIB, 1));
    r.unwrap();
    assert_same(&std::fs::read(&path).unwrap(), &bytes, "download over broken connections");
    log.check(size, "progress over broken connections");
    assert!(proxy.connections() >= 3, "the connections were broken: {}", proxy.connections());
    // Resuming at the last byte: only the two cut-off stretches are fetched again, at most.
    assert!(proxy.down() < size + 64 * KIB + 2 * 300 * KIB, "fetched {} bytes for {size}", proxy.down());
}

#[test]
fn progress_is_throttled_while_bytes_trickle_in() {
    let f = Fixture::new("dl-progress");
    let dir = TempDir::new("dl-progress");
    let size = 2 * MIB;
    let bytes = data(size as usize, 31);
    put(&f, "obj", &bytes);
    let proxy = Proxy::start(&f.emu.address);
    proxy.rate(4 * MIB);
    let (r, log) = download(&f.client_via(&proxy), &f, "obj", &dir.path("dest"), &topts(MIB, 2));
    r.unwrap();
    log.check(size, "slow download");
    // About half a second at 4 MiB/s: some calls, but not one per 16 KiB chunk.
    assert!(log.calls.len() >= 3, "{:?}", log.values());
    assert!(log.calls.len() as u64 <= size / (64 * KIB) + 2, "{} calls: {:?}", log.calls.len(), log.values());
}
