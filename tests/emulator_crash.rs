//! Crash consistency of the emulator's disk store (`--data-dir`). The emulator is killed with SIGKILL at every
//! step of a CompleteMultipartUpload of many parts (and of an UploadPart that replaces a part), restarted on the
//! same data directory, and checked over HTTP: the upload is still there with all its parts and the previous
//! object untouched, or the new object is there whole, with its metadata, and the upload is gone. Never a mix.
//!
//! The steps are found with the emulator's test hook `COS_EMULATOR_PAUSE_AT=<op>:<n>`: the n-th crash point of
//! that operation announces itself on stderr and pauses, and the test kills the process right then. Counting n up
//! until the operation passes every point and answers covers each step without knowing how many there are.

mod support;

use cos::{Body, Client, ListUploadsParams, Part, RequestOptions};
use md5::{Digest as _, Md5};
use std::path::Path;
use std::time::{Duration, Instant};
use support::{Emulator, Launch, TempDir, PAUSE_ENV};

const MIB: usize = 1 << 20;
/// Parts listed in the Complete request; one more part is uploaded and left out of it.
const LISTED: u32 = 24;
const BUCKET: &str = "crash-1250000000";
const KEY: &str = "dir/crash object";

/// An emulator on `data_dir` whose stderr the test reads (and echoes); with `pause_at`, stopped by the crash-point
/// hook. Dropping it kills it with SIGKILL.
fn start(data_dir: &Path, pause_at: Option<&str>) -> Emulator {
    let mut how = Launch::new().args(&["--data-dir", data_dir.to_str().unwrap()]).capture_stderr().echo_stderr();
    if let Some(spec) = pause_at {
        how = how.env(PAUSE_ENV, spec);
    }
    Emulator::launch(&how)
}

/// A client that does not retry, so a killed request fails at once.
fn client(emu: &Emulator) -> Client {
    let mut b = emu.config();
    b.max_retries(0);
    Client::new(b.build().unwrap()).unwrap()
}

/// Waits until the emulator announces the pause `spec` (true), or `done` says the request finished (false).
fn wait_for_pause(emu: &Emulator, spec: &str, done: impl Fn() -> bool, deadline: Instant) -> bool {
    let wanted = format!("paused at crash point {spec} ");
    let mut seen = 0;
    loop {
        assert!(Instant::now() < deadline, "no pause at {spec} and no answer before the deadline");
        // Whether stderr is closed is read before its lines, so that a last line is never missed.
        let closed = emu.stderr_closed();
        let lines = emu.stderr();
        if lines[seen..].iter().any(|line| line.contains(&wanted)) {
            return true;
        }
        seen = lines.len();
        assert!(!closed, "the emulator exited before {spec}");
        if done() {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn opts() -> RequestOptions {
    RequestOptions::new()
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = match std::fs::read_dir(dir) {
        Ok(entries) => entries.map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect(),
        Err(_) => Vec::new(),
    };
    v.sort();
    v
}

/// Distinct bytes for each (upload, part), so a part out of place or from another upload shows.
fn part_bytes(seed: u32, n: u32, len: usize) -> Vec<u8> {
    let mut x = (u64::from(seed) << 32 | u64::from(n)).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

/// What the key holds when no completion has taken effect.
struct Current {
    bytes: Vec<u8>,
    etag: String,
    /// Its blob files in the data directory.
    blobs: usize,
}

/// An upload in progress and the object its completion must make.
struct Pending {
    id: String,
    uploaded: Vec<Part>,
    listed: Vec<Part>,
    bytes: Vec<u8>,
    etag: String,
    seed: u32,
}

fn start_upload(c: &Client, seed: u32) -> Pending {
    let mut o = opts();
    o.metadata("x-cos-meta-seed", &seed.to_string()).unwrap().content_type("application/x-crash").unwrap();
    let id = c.create_multipart_upload(BUCKET, KEY, &o).unwrap();
    let (mut uploaded, mut listed, mut bytes, mut md5s) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    // Parts 1..=LISTED+1; part 2 is left out of the completion; the last listed part is small.
    for n in 1..=LISTED + 1 {
        let len = if n == LISTED + 1 { 1000 + seed as usize } else { MIB + 7 * n as usize };
        let data = part_bytes(seed, n, len);
        let part = c.upload_part(BUCKET, KEY, &id, n, Body::Bytes(&data), &opts()).unwrap();
        if n != 2 {
            bytes.extend_from_slice(&data);
            md5s.extend_from_slice(&Md5::digest(&data));
            listed.push(part.clone());
        }
        uploaded.push(part);
    }
    assert_eq!(listed.len(), LISTED as usize);
    let etag = format!("\"{:x}-{LISTED}\"", Md5::digest(&md5s));
    Pending { id, uploaded, listed, bytes, etag, seed }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum State {
    /// The upload is there with every part; the key holds what it held before.
    Upload,
    /// The object is there whole with its metadata; the upload is gone.
    Object,
}

/// Checks the invariant on a freshly restarted emulator; panics on any half state.
fn observe(emu: &Emulator, data_dir: &Path, current: &Current, up: &Pending, what: &str) -> State {
    let c = client(emu);
    let bucket_dir = data_dir.join("buckets").join(BUCKET);
    assert!(names(&data_dir.join("tmp")).is_empty(), "{what}: stale files in tmp/ after a restart");
    let in_list = c
        .list_multipart_uploads(BUCKET, &ListUploadsParams::default())
        .unwrap()
        .uploads
        .iter()
        .any(|u| u.upload_id == up.id);
    let head = c.head_object(BUCKET, KEY, &opts()).unwrap();
    let (got, _) = c.get_object(BUCKET, KEY, &opts()).unwrap();
    match c.list_all_parts(BUCKET, KEY, &up.id) {
        Ok(parts) => {
            assert!(in_list, "{what}: ListParts finds the upload but ListMultipartUploads does not");
            let brief = |p: &[Part]| p.iter().map(|p| (p.part_number, p.etag.clone(), p.size)).collect::<Vec<_>>();
            assert_eq!(brief(&parts), brief(&up.uploaded), "{what}: the upload lost or changed parts");
            assert_eq!(head.etag(), Some(current.etag.as_str()), "{what}: upload still there, object changed");
            assert!(got == current.bytes, "{what}: upload still there, object bytes changed");
            assert_eq!(names(&bucket_dir.join("blobs")).len(), current.blobs, "{what}: leftover blobs");
            State::Upload
        }
        Err(e) => {
            assert_eq!(e.code(), Some("NoSuchUpload"), "{what}: {e}");
            assert!(!in_list, "{what}: ListMultipartUploads still lists the completed upload");
            assert_eq!(head.etag(), Some(up.etag.as_str()), "{what}: upload gone but the object is not its own");
            assert_eq!(head.content_length(), Some(up.bytes.len() as u64), "{what}");
            assert_eq!(head.meta("x-cos-meta-seed"), Some(up.seed.to_string().as_str()), "{what}: metadata");
            assert_eq!(head.content_type(), Some("application/x-crash"), "{what}");
            assert!(got == up.bytes, "{what}: the completed object's bytes differ");
            assert_eq!(names(&bucket_dir.join("blobs")).len(), LISTED as usize, "{what}: blobs");
            assert!(names(&bucket_dir.join("uploads")).is_empty(), "{what}: the upload's files remain");
            State::Object
        }
    }
}

#[test]
fn a_kill_at_any_step_of_complete_leaves_the_upload_or_the_whole_object() {
    let deadline = Instant::now() + Duration::from_secs(300);
    let dir = TempDir::new("complete");
    let emu = start(&dir.0, None);
    let c = client(&emu);
    c.create_bucket(BUCKET, &opts()).unwrap();
    let before = b"the object the upload replaces".to_vec();
    let info = c.put_object(BUCKET, KEY, &before, &opts()).unwrap();
    let mut current = Current { bytes: before, etag: info.etag().unwrap().to_string(), blobs: 1 };
    let mut up = start_upload(&c, 0);
    drop(emu);

    let mut outcomes = Vec::new();
    for n in 1.. {
        // Each listed part is a step; a few more are the commit and the cleanup.
        assert!(n <= LISTED + 20, "Complete still pauses at point {n}");
        let spec = format!("complete:{n}");
        let emu = start(&dir.0, Some(&spec));
        let (c, id, listed) = (client(&emu), up.id.clone(), up.listed.clone());
        let call = std::thread::spawn(move || c.complete_multipart_upload(BUCKET, KEY, &id, &listed, &opts()));
        let paused = wait_for_pause(&emu, &spec, || call.is_finished(), deadline);
        if paused {
            drop(emu); // kill -9 while Complete is between two steps
            assert!(call.join().unwrap().is_err(), "{spec}: Complete answered although the emulator was killed");
        } else {
            let (result, _) = call.join().unwrap().unwrap_or_else(|e| panic!("{spec}: Complete failed: {e}"));
            assert_eq!(result.etag, up.etag);
            drop(emu); // killed after answering: the answer must hold after the restart
        }

        let emu = start(&dir.0, None);
        let state = observe(&emu, &dir.0, &current, &up, &spec);
        outcomes.push(state);
        if !paused {
            assert_eq!(state, State::Object, "{spec}: Complete answered 200 but the object did not survive");
            break;
        }
        if state == State::Object {
            // Completed before the kill: the next kill points need a new upload.
            current = Current { bytes: std::mem::take(&mut up.bytes), etag: up.etag.clone(), blobs: LISTED as usize };
            up = start_upload(&client(&emu), n);
        }
    }
    let completed_from = outcomes.iter().position(|s| *s == State::Object).unwrap();
    assert!(outcomes[completed_from..].iter().all(|s| *s == State::Object), "{outcomes:?}");
    // A kill while any part was being moved into the object left the whole upload.
    assert!(completed_from >= LISTED as usize, "{outcomes:?}");
    assert!(outcomes.len() > completed_from + 1, "some kill point falls after the commit: {outcomes:?}");
}

/// UploadPart over an existing part number: after a kill at any step, ListParts shows the old part or the new
/// one, and completing with what it shows gives exactly that part's bytes (ETag and data never mismatch).
#[test]
fn a_kill_while_a_part_is_replaced_leaves_the_old_or_the_new_part() {
    let deadline = Instant::now() + Duration::from_secs(120);
    let dir = TempDir::new("part");
    {
        let emu = start(&dir.0, None);
        client(&emu).create_bucket(BUCKET, &opts()).unwrap();
    }
    let (old, new) = (part_bytes(1, 1, 3000), part_bytes(2, 1, 5000));
    let mut outcomes = Vec::new();
    for n in 1.. {
        assert!(n <= 20, "UploadPart still pauses at point {n}");
        let id = {
            let emu = start(&dir.0, None);
            let c = client(&emu);
            let id = c.create_multipart_upload(BUCKET, KEY, &opts()).unwrap();
            c.upload_part(BUCKET, KEY, &id, 1, Body::Bytes(&old), &opts()).unwrap();
            id
        };
        let spec = format!("part:{n}");
        let emu = start(&dir.0, Some(&spec));
        let (c, call_id, body) = (client(&emu), id.clone(), new.clone());
        let call =
            std::thread::spawn(move || c.upload_part(BUCKET, KEY, &call_id, 1, Body::Bytes(&body), &opts()).is_ok());
        let paused = wait_for_pause(&emu, &spec, || call.is_finished(), deadline);
        drop(emu);
        assert_eq!(call.join().unwrap(), !paused, "{spec}");

        let emu = start(&dir.0, None);
        let c = client(&emu);
        let parts = c.list_all_parts(BUCKET, KEY, &id).unwrap();
        assert_eq!(parts.len(), 1, "{spec}: {parts:?}");
        let upload_dir = dir.0.join("buckets").join(BUCKET).join("uploads").join(&id);
        let files = names(&upload_dir);
        assert_eq!(files.iter().filter(|f| f.ends_with(".part")).count(), 1, "{spec}: {files:?}");
        c.complete_multipart_upload(BUCKET, KEY, &id, &parts, &opts()).unwrap();
        let got = c.get_object(BUCKET, KEY, &opts()).unwrap().0;
        let is_new = got == new;
        assert!(is_new || got == old, "{spec}: the part's bytes are neither the old nor the new ones");
        assert_eq!(parts[0].size, got.len() as u64, "{spec}");
        outcomes.push(is_new);
        if !paused {
            assert!(is_new, "{spec}: UploadPart answered 200 but the new part did not survive");
            break;
        }
    }
    let new_from = outcomes.iter().position(|s| *s).unwrap();
    assert!(outcomes[new_from..].iter().all(|s| *s), "{outcomes:?}");
    assert!(new_from >= 2, "kills before the part's metadata is committed keep the old part: {outcomes:?}");
}
