//! The `cos` tool end to end against the emulator: every subcommand, `--json`, exit statuses (0, 1 client,
//! 2 usage, 3 service, 4 partial), errors printed with code and request id, and an interrupted `cp`
//! resumed from its checkpoint.

#[path = "../../tests/support/mod.rs"]
mod support;

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};
use support::{data, Emulator, TempDir, MIB, SECRET_ID, SECRET_KEY};

const B: &str = "cli-1250000000";

fn cos(emu: &Emulator) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cos"));
    for (k, _) in std::env::vars() {
        if k.starts_with("COS_") {
            cmd.env_remove(k);
        }
    }
    cmd.envs([
        ("COS_SECRET_ID", SECRET_ID),
        ("COS_SECRET_KEY", SECRET_KEY),
        ("COS_REGION", "ap-guangzhou"),
        ("COS_SCHEME", "http"),
        ("COS_ADDRESS", emu.address.as_str()),
    ]);
    cmd.stdin(Stdio::null());
    cmd
}

/// Runs `cos args...`, returning (exit status, stdout, stderr).
fn run(emu: &Emulator, args: &[&str]) -> (i32, String, String) {
    let out: Output = cos(emu).args(args).output().expect("run cos");
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (out.status.code().unwrap_or(-1), text(&out.stdout), text(&out.stderr))
}

#[track_caller]
fn ok(emu: &Emulator, args: &[&str]) -> String {
    let (code, out, err) = run(emu, args);
    assert_eq!(code, 0, "cos {args:?} failed\n--- stdout\n{out}\n--- stderr\n{err}");
    out
}

fn json(emu: &Emulator, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    serde_json::from_str(ok(emu, &all).trim()).expect("one JSON document")
}

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

#[test]
fn buckets_objects_and_listing() {
    let emu = Emulator::start();
    ok(&emu, &["mb", &format!("cos://{B}")]);
    let buckets = json(&emu, &["ls"]);
    assert_eq!(buckets["buckets"][0]["name"], B);
    let dir = TempDir::new("cli");
    let file = dir.file("hello.txt", b"hello cli");
    ok(&emu, &["cp", p(&file), &format!("cos://{B}/docs/")]);
    ok(&emu, &["cp", p(&file), &format!("cos://{B}/docs/sub/deep.txt")]);
    assert_eq!(ok(&emu, &["cat", &format!("cos://{B}/docs/hello.txt")]), "hello cli");

    let top = ok(&emu, &["ls", &format!("cos://{B}/docs/")]);
    assert!(
        top.contains(&format!("cos://{B}/docs/hello.txt")) && top.contains(&format!("cos://{B}/docs/sub/")),
        "{top}"
    );
    assert!(!top.contains("deep.txt"), "without -r only one level: {top}");
    let all = ok(&emu, &["ls", "-r", "-l", &format!("cos://{B}")]);
    assert!(all.contains("deep.txt") && all.contains("          9  "), "{all}");

    let stat = json(&emu, &["stat", &format!("cos://{B}/docs/hello.txt")]);
    assert_eq!(stat["content-length"], "9");
    let du = json(&emu, &["du", &format!("cos://{B}/docs/")]);
    assert_eq!((du["objects"].as_u64(), du["bytes"].as_u64()), (Some(2), Some(18)));
    let url = json(&emu, &["presign", &format!("cos://{B}/docs/hello.txt"), "--expires", "60"]);
    let url = url["url"].as_str().unwrap();
    assert!(url.contains("/docs/hello.txt?") && url.contains("q-signature="), "{url}");

    // COS -> COS, local <- COS, mv.
    ok(&emu, &["cp", &format!("cos://{B}/docs/hello.txt"), &format!("cos://{B}/copy.txt")]);
    let back = dir.path("back.txt");
    ok(&emu, &["cp", &format!("cos://{B}/copy.txt"), p(&back)]);
    assert_eq!(std::fs::read(&back).unwrap(), b"hello cli");
    ok(&emu, &["mv", &format!("cos://{B}/copy.txt"), &format!("cos://{B}/moved.txt")]);
    let keys = ok(&emu, &["ls", "-r", &format!("cos://{B}")]);
    assert!(keys.contains("moved.txt") && !keys.contains("copy.txt"), "{keys}");

    ok(&emu, &["rm", &format!("cos://{B}/moved.txt")]);
    ok(&emu, &["rm", "-r", &format!("cos://{B}/docs/")]);
    assert_eq!(ok(&emu, &["ls", "-r", &format!("cos://{B}")]), "");
    ok(&emu, &["rb", &format!("cos://{B}")]);
    assert!(json(&emu, &["ls"])["buckets"].as_array().unwrap().is_empty());
}

#[test]
fn trees_sync_and_partial_failure() {
    let emu = Emulator::start();
    ok(&emu, &["mb", &format!("cos://{B}")]);
    let src = TempDir::new("cli-tree");
    std::fs::create_dir_all(src.path("a/b")).unwrap();
    for (name, len) in [("one.txt", 10), ("a/two.log", 2000), ("a/b/three.bin", 70_000)] {
        std::fs::write(src.path(name), data(len, len as u64)).unwrap();
    }
    let up = json(&emu, &["cp", "-r", p(&src.0), &format!("cos://{B}/tree"), "--jobs", "2"]);
    assert_eq!(up["files"].as_array().unwrap().len(), 3, "{up}");
    let out = TempDir::new("cli-tree-out");
    ok(&emu, &["cp", "-r", &format!("cos://{B}/tree/"), p(&out.0)]);
    assert_eq!(std::fs::read(out.path("a/b/three.bin")).unwrap(), data(70_000, 70_000));

    // A sync after one change sends one file and deletes the extra.
    std::fs::write(src.path("one.txt"), b"changed!!!").unwrap();
    ok(&emu, &["cp", src.path("one.txt").to_str().unwrap(), &format!("cos://{B}/tree/extra.txt")]);
    let s = json(&emu, &["sync", "--delete", p(&src.0), &format!("cos://{B}/tree")]);
    let outcomes: Vec<&str> = s["files"].as_array().unwrap().iter().map(|f| f["outcome"].as_str().unwrap()).collect();
    assert_eq!(outcomes.iter().filter(|o| **o == "uploaded").count(), 1, "{s}");
    assert_eq!(outcomes.iter().filter(|o| **o == "unchanged").count(), 2, "{s}");
    assert_eq!(outcomes.iter().filter(|o| **o == "deleted").count(), 1, "{s}");
    let down = json(&emu, &["sync", &format!("cos://{B}/tree/"), p(&out.0)]);
    assert_eq!(down["failed"], 0);
    assert_eq!(std::fs::read(out.path("one.txt")).unwrap(), b"changed!!!");

    // One refused file: exit status 4, the others go.
    emu.fault("kind=status&status=403&code=AccessDenied&method=PUT&key=again/a/two.log&count=10");
    let (code, stdout, stderr) = run(&emu, &["cp", "-r", p(&src.0), &format!("cos://{B}/again")]);
    assert_eq!(code, 4, "{stdout}{stderr}");
    assert!(stdout.contains("FAILED: again/a/two.log") && stdout.contains("3 files"), "{stdout}");
    ok(&emu, &["rb", "--force", &format!("cos://{B}")]);
}

#[test]
fn errors_tell_client_from_service_and_carry_the_request_id() {
    let emu = Emulator::start();
    ok(&emu, &["mb", &format!("cos://{B}")]);
    let (code, _, err) = run(&emu, &["stat", &format!("cos://{B}/missing")]);
    assert_eq!(code, 3, "a COS error: {err}");
    assert!(
        err.contains("http status: 404") && err.contains("request id: ") && !err.contains("request id: -"),
        "{err}"
    );
    let (code, out, _) = run(&emu, &["--json", "cat", &format!("cos://{B}/missing")]);
    assert_eq!(code, 3);
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v["error"]["code"], "NoSuchKey");
    assert!(v["error"]["request_id"].as_str().is_some_and(|r| !r.is_empty()), "{v}");
    let (code, _, err) = run(&emu, &["cp", "/no/such/file", &format!("cos://{B}/x")]);
    assert_eq!(code, 1, "a local failure is a client error: {err}");
    let (code, _, err) = run(&emu, &["ls", "not-a-cos-path"]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(run(&emu, &["frobnicate"]).0, 2, "usage");
    // No server at all: a client error naming the failure.
    let dead = Emulator::start();
    let mut cmd = cos(&dead);
    cmd.env("COS_ADDRESS", "127.0.0.1:1").env("COS_MAX_RETRIES", "0");
    let out = cmd.args(["ls", &format!("cos://{B}")]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn tags_acl_lifecycle_versions_and_config_file() {
    let emu = Emulator::start();
    ok(&emu, &["mb", &format!("cos://{B}")]);
    let dir = TempDir::new("cli-sub");
    let file = dir.file("t.txt", b"t");
    ok(&emu, &["cp", p(&file), &format!("cos://{B}/t.txt")]);
    ok(&emu, &["tag", "put", &format!("cos://{B}/t.txt"), "team=storage", "env=test"]);
    let tags = json(&emu, &["tag", "get", &format!("cos://{B}/t.txt")]);
    assert_eq!((tags["team"].as_str(), tags["env"].as_str()), (Some("storage"), Some("test")));
    ok(&emu, &["tag", "rm", &format!("cos://{B}/t.txt")]);
    assert_eq!(json(&emu, &["tag", "get", &format!("cos://{B}/t.txt")]), serde_json::json!({}));

    ok(&emu, &["acl", "put", &format!("cos://{B}/t.txt"), "public-read"]);
    assert_eq!(json(&emu, &["acl", "get", &format!("cos://{B}/t.txt")])["canned"], "public-read");

    let rules = dir.file(
        "lc.xml",
        b"<LifecycleConfiguration><Rule><ID>r1</ID><Filter><Prefix>logs/</Prefix></Filter><Status>Enabled</Status>\
          <Expiration><Days>30</Days></Expiration></Rule></LifecycleConfiguration>",
    );
    ok(&emu, &["lifecycle", "put", &format!("cos://{B}"), p(&rules)]);
    assert!(ok(&emu, &["lifecycle", "get", &format!("cos://{B}")]).contains("<ID>r1</ID>"));
    ok(&emu, &["lifecycle", "rm", &format!("cos://{B}")]);

    // Versions: two writes of one key, listed and removed with --versions.
    emu.client().put_bucket_versioning(B, true).unwrap();
    ok(&emu, &["cp", p(&file), &format!("cos://{B}/v.txt")]);
    ok(&emu, &["cp", p(&file), &format!("cos://{B}/v.txt")]);
    let listed = json(&emu, &["ls", "--versions", &format!("cos://{B}/v")]);
    assert_eq!(listed["entries"].as_array().unwrap().len(), 2, "{listed}");
    ok(&emu, &["rm", "--versions", &format!("cos://{B}/v.txt")]);
    assert!(json(&emu, &["ls", "--versions", &format!("cos://{B}/v")])["entries"].as_array().unwrap().is_empty());

    // The config file supplies what the environment lacks.
    let conf = dir.file(
        "cos.conf",
        format!("# test\nCOS_SECRET_ID={SECRET_ID}\nCOS_SECRET_KEY={SECRET_KEY}\nCOS_REGION=ap-guangzhou\n").as_bytes(),
    );
    let mut cmd = cos(&emu);
    cmd.env_remove("COS_SECRET_ID").env_remove("COS_SECRET_KEY").env_remove("COS_REGION");
    let out = cmd.args(["--config", p(&conf), "ls"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains(B));
}

/// Kill `child` once the checkpoint in `dir` records a finished part (however loaded the machine is).
fn kill_when_checkpointed(mut child: Child, dir: &Path) {
    let start = Instant::now();
    loop {
        let has_part = std::fs::read_dir(dir).unwrap().any(|e| {
            let e = e.unwrap();
            e.file_name().to_string_lossy().ends_with(".cos-checkpoint")
                && std::fs::read_to_string(e.path()).is_ok_and(|text| text.lines().any(|l| l.starts_with("part ")))
        });
        if has_part || start.elapsed() > Duration::from_secs(30) {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn an_interrupted_cp_resumes() {
    // 2 MB/s per connection: 8 parts of 1 MiB on 2 connections take about 2 s, time enough to interrupt.
    let emu = Emulator::start_with(&["--rate-limit", "2000000"]);
    ok(&emu, &["mb", &format!("cos://{B}")]);
    let dir = TempDir::new("cli-resume");
    let body = data(8 * MIB as usize, 5);
    let file = dir.file("big.bin", &body);
    let target = format!("cos://{B}/big.bin");
    let child = cos(&emu)
        .args(["cp", p(&file), &target, "--part-size", "1048576", "--jobs", "2"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    kill_when_checkpointed(child, &dir.0);
    assert!(emu.client().head_object(B, "big.bin", &Default::default()).is_err(), "not complete yet");
    emu.reset_stats();
    ok(&emu, &["cp", p(&file), &target, "--part-size", "1048576", "--jobs", "2"]);
    let parts_sent = emu.stats().method("PUT");
    assert!(parts_sent < 8, "the second run sent {parts_sent} parts: it did not resume");
    let back = dir.path("back.bin");
    ok(&emu, &["cp", &target, p(&back)]);
    assert!(std::fs::read(&back).unwrap() == body);
}
