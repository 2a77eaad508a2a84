//! Resuming after `kill -9`. A child process (this test binary, re-run in child mode through an
//! environment variable) uploads or downloads a file through a proxy that holds the transfer at a random
//! byte; the child is killed with SIGKILL there, and the transfer is then rerun in this process. The object
//! (or file) must come out byte-identical, the checkpoint the child left must never be torn, and the rerun
//! must reuse what the child finished.
//!
//! The seed of the random points is printed; set `COS_CRASH_SEED` to replay one.

mod support;

use cos::{crc64, Client, TransferOptions};
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::{assert_same, checkpoint_parts, data, temp_leftovers, Fixture, ProgressLog, Proxy, TempDir, MIB};

const CHILD_ENV: &str = "COS_TRANSFER_CRASH_CHILD";
const PART: u64 = MIB;
const CONCURRENCY: usize = 3;
const WAIT: Duration = Duration::from_secs(30);

fn topts() -> TransferOptions {
    TransferOptions { part_size: PART, concurrency: CONCURRENCY, ..TransferOptions::default() }
}

fn client_for(address: &str) -> Client {
    Client::new(support::config_for(address).build().unwrap()).unwrap()
}

/// The child: `upload|download <address> <bucket> <key> <path>` in the environment. Without it, this
/// test does nothing.
#[test]
fn crash_child() {
    let Ok(spec) = std::env::var(CHILD_ENV) else { return };
    let args: Vec<&str> = spec.split('\t').collect();
    let [mode, address, bucket, key, path] = args[..] else { panic!("bad child spec {spec:?}") };
    let client = client_for(address);
    let result = match mode {
        "upload" => client.upload_file(bucket, key, Path::new(path), &topts(), None),
        "download" => client.download_file(bucket, key, Path::new(path), &topts(), None),
        _ => panic!("bad mode {mode}"),
    };
    // Reaching here means the gate never held the transfer: the parent treats that as a failure.
    eprintln!("child finished: {:?}", result.map(|_| ()));
    std::process::exit(3);
}

/// A small xorshift generator for the kill points.
struct Rng(u64);

impl Rng {
    fn seeded() -> Rng {
        let seed = std::env::var("COS_CRASH_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64 | 1
        });
        eprintln!("kill points from COS_CRASH_SEED={seed}");
        Rng(seed)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// Starts the child through `proxy`, waits until the proxy holds it at `hold` bytes (in the direction
/// `wait` watches), then kills it with SIGKILL.
/// How many random kill points each crash test tries (`COS_CRASH_POINTS`, default 8); a failure prints the
/// seed to replay with `COS_CRASH_SEED`.
fn kill_points() -> usize {
    std::env::var("COS_CRASH_POINTS").ok().and_then(|v| v.parse().ok()).unwrap_or(8)
}

/// The bytes in parts `numbers` of an object of `size` bytes: the last part is short, and it may be among
/// the recorded ones.
fn part_bytes(numbers: &[u32], size: u64) -> u64 {
    numbers.iter().map(|&n| PART.min(size - (u64::from(n) - 1) * PART)).sum()
}

fn run_and_kill(spec: &str, hold: u64, wait: impl Fn(u64, Duration)) {
    let exe = std::env::current_exe().unwrap();
    let mut child = Command::new(exe)
        .args(["crash_child", "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, spec)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the child");
    let started = Instant::now();
    let held = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| wait(hold, WAIT)));
    let exited = child.try_wait().unwrap();
    child.kill().unwrap(); // SIGKILL
    let status = child.wait().unwrap();
    let mut err = String::new();
    let _ = child.stderr.take().unwrap().read_to_string(&mut err);
    assert!(
        held.is_ok() && exited.is_none(),
        "the child did not stay held at byte {hold} (exited: {exited:?}) after {:?}:\n{err}",
        started.elapsed()
    );
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(status.signal(), Some(9), "killed by SIGKILL: {status:?}\n{err}");
}

/// A checkpoint a killed process left must be whole: written atomically or not at all.
#[track_caller]
fn assert_not_torn(path: &Path) {
    if let Ok(text) = std::fs::read_to_string(path) {
        let last = text.trim_end().lines().last().unwrap_or_default();
        assert!(
            text.starts_with("cos-checkpoint v1\n") && last.starts_with("crc64 ") && text.ends_with('\n'),
            "torn checkpoint {}: {text:?}",
            path.display()
        );
    }
}

#[test]
fn upload_resumes_after_kill_9_at_random_points() {
    let f = Fixture::new("crash-up");
    let dir = TempDir::new("crash-up");
    let size = 12 * MIB + 321;
    let bytes = data(size as usize, 300);
    let path = dir.file("in.bin", &bytes);
    let mut rng = Rng::seeded();
    // Random points over the whole body, plus one late point that surely finds finished parts.
    let mut points: Vec<u64> = (0..kill_points()).map(|_| 100_000 + rng.below(size - 200_000)).collect();
    points.push(size * 3 / 4);
    let mut resumed = 0;
    for (i, &point) in points.iter().enumerate() {
        let key = format!("obj-{i}");
        let proxy = Proxy::start(&f.emu.address);
        let hold = proxy.gate_up_after(point);
        let spec = format!("upload\t{}\t{}\t{key}\t{}", proxy.address, f.bucket, path.display());
        run_and_kill(&spec, hold, |n, limit| proxy.wait_up(n, limit));
        drop(proxy);

        let cps = support::checkpoints(&dir);
        let recorded = match cps.first() {
            Some(name) => {
                assert_not_torn(&dir.path(name));
                checkpoint_parts(&dir.path(name)).0
            }
            None => Vec::new(),
        };
        // Rerun here, counting what is sent.
        let counter = Proxy::start(&f.emu.address);
        let mut log = ProgressLog::default();
        f.client_via(&counter)
            .upload_file(
                &f.bucket,
                &key,
                &path,
                &topts(),
                Some(&mut |d, t| {
                    log.record(d, t);
                    true
                }),
            )
            .unwrap_or_else(|e| panic!("rerun after a kill at byte {point}: {e:?}"));
        assert_same(&f.get(&key), &bytes, &format!("object after a kill at byte {point}"));
        assert_eq!(f.head_crc(&key), Some(crc64::checksum(&bytes)));
        log.check(size, "rerun progress");
        let recorded_bytes = part_bytes(&recorded, size);
        eprintln!(
            "upload killed at byte {point}: {} parts recorded, rerun sent {} bytes",
            recorded.len(),
            counter.up()
        );
        assert!(counter.up() >= size - recorded_bytes, "kill at {point}: the unrecorded parts were sent");
        if !recorded.is_empty() {
            assert!(counter.up() < size - recorded_bytes + 64 * 1024, "kill at {point}: recorded parts reused");
            resumed += 1;
        }
        assert!(f.uploads(&key).is_empty(), "kill at {point}: no upload left open: {:?}", f.uploads(&key));
        assert!(support::checkpoints(&dir).is_empty(), "{:?}", dir.names());
        let leftovers = temp_leftovers(&dir);
        assert!(leftovers.is_empty(), "kill at {point}: temporary checkpoint files left behind: {leftovers:?}");
    }
    assert!(resumed >= 1, "at least the late kill point resumes from finished parts");
}

#[test]
fn download_resumes_after_kill_9_at_random_points() {
    let f = Fixture::new("crash-down");
    let dir = TempDir::new("crash-down");
    let size = 12 * MIB + 321;
    let bytes = data(size as usize, 301);
    f.client.put_object(&f.bucket, "obj", &bytes, &cos::RequestOptions::new()).unwrap();
    let mut rng = Rng::seeded();
    let mut points: Vec<u64> = (0..kill_points()).map(|_| 100_000 + rng.below(size - 200_000)).collect();
    points.push(size * 3 / 4);
    let mut resumed = 0;
    for (i, &point) in points.iter().enumerate() {
        let path = dir.path(&format!("out-{i}.bin"));
        let proxy = Proxy::start(&f.emu.address);
        let hold = proxy.gate_down_after(point);
        let spec = format!("download\t{}\t{}\tobj\t{}", proxy.address, f.bucket, path.display());
        run_and_kill(&spec, hold, |n, limit| proxy.wait_down(n, limit));
        drop(proxy);
        assert!(!path.exists(), "kill at {point}: no destination file after the kill");

        let cp = dir.path(&format!("out-{i}.bin.cos-checkpoint"));
        assert_not_torn(&cp);
        let recorded = checkpoint_parts(&cp).0;
        let counter = Proxy::start(&f.emu.address);
        let mut log = ProgressLog::default();
        f.client_via(&counter)
            .download_file(
                &f.bucket,
                "obj",
                &path,
                &topts(),
                Some(&mut |d, t| {
                    log.record(d, t);
                    true
                }),
            )
            .unwrap_or_else(|e| panic!("rerun after a kill at byte {point}: {e:?}"));
        assert_same(&std::fs::read(&path).unwrap(), &bytes, &format!("file after a kill at byte {point}"));
        log.check(size, "rerun progress");
        let recorded_bytes = part_bytes(&recorded, size);
        eprintln!(
            "download killed at byte {point}: {} parts recorded, rerun got {} bytes",
            recorded.len(),
            counter.down()
        );
        if !recorded.is_empty() {
            assert!(counter.down() < size - recorded_bytes + 64 * 1024, "kill at {point}: recorded parts reused");
            resumed += 1;
        }
        let names = dir.names();
        assert!(names.iter().all(|n| !n.contains(".cos-")), "kill at {point}: {names:?}");
        assert!(temp_leftovers(&dir).is_empty(), "kill at {point}: {names:?}");
    }
    assert!(resumed >= 1, "at least the late kill point resumes from finished parts");
}

/// With `--data-dir` the emulator keeps uploads in progress across a restart (a kill -9 of the server):
/// the checkpoint, which does not depend on the address, resumes the same upload afterwards.
#[test]
fn an_upload_resumes_across_a_server_restart() {
    let data_dir = TempDir::new("crash-restart-data");
    let dir = TempDir::new("crash-restart");
    let args = ["--data-dir", data_dir.0.to_str().unwrap()];
    let size = 6 * MIB + 1;
    let bytes = data(size as usize, 302);
    let path = dir.file("in.bin", &bytes);
    let f = Fixture::with_emulator(support::Emulator::start_with(&args), "restart");
    let bucket = f.bucket.clone();
    let r = f.client.upload_file(&bucket, "obj", &path, &topts(), Some(&mut |d, _| d < 3 * MIB));
    assert_eq!(r.unwrap_err().kind(), cos::ErrorKind::Cancelled);
    let recorded = checkpoint_parts(&dir.path(&support::checkpoints(&dir)[0])).0;
    assert!(recorded.len() >= 3, "{recorded:?}");
    drop(f); // SIGKILL

    let emu = support::Emulator::start_with(&args);
    let proxy = Proxy::start(&emu.address);
    let mut b = emu.config();
    b.address(&proxy.address);
    let client = Client::new(b.build().unwrap()).unwrap();
    client.upload_file(&bucket, "obj", &path, &topts(), None).unwrap();
    let sent = proxy.up();
    let missing = size - part_bytes(&recorded, size);
    assert!(sent < missing + 64 * 1024, "resumed after the restart: {sent} bytes sent for {missing} missing");
    let got = emu.client().get_object(&bucket, "obj", &cos::RequestOptions::new()).unwrap().0;
    assert_same(&got, &bytes, "object after the restart");
    assert!(support::list_all_uploads(&emu.client(), &bucket, "").is_empty());
    assert_eq!(dir.names(), vec!["in.bin"]);
}
