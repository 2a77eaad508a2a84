//! `bindings/go`, the Go package over the C API: `gofmt -l` must list nothing, `go vet ./...` must be clean,
//! and `go test -race -count=1 ./...` must pass against two fresh emulators (a plain one, and one with a
//! per-connection rate limit so that a context can cancel a transfer in the middle). Go links the
//! `libcos.so` of this build through a temporary `cos.pc` (as an installed library is found), and
//! everything Go writes (build cache, module cache, temporary files) stays under `target/go/`, with no
//! network: GOPROXY=off.
//! Then this test checks from Rust what the Go tests left on the emulators: the objects they uploaded hold
//! exactly the expected bytes, and the cancelled or aborted uploads left no object.
//!
//! Needs the Go toolchain (Debian: `apt-get install golang-go`; Go 1.19 or later) and pkg-config.

#[path = "c/cbuild.rs"]
mod cbuild;
mod support;

use cos::RequestOptions;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::{Emulator, Launch};

/// The bucket the Go tests leave their checked objects in (`checkBucket` in helpers_test.go).
const CHECK_BUCKET: &str = "go-checks-1250000000";
/// Bytes per second and direction on each connection of the slow emulator: a 3 MiB download or an 8 MiB
/// upload with 2 parts in flight takes seconds there, so a cancel lands while parts move.
const RATE_LIMIT: &str = "2000000";
/// `go test` compiles the race-instrumented standard library once (about 30 s on two cores with an empty
/// cache under target/go), then runs in under 10 s.
const GO_TIMEOUT: Duration = Duration::from_secs(600);
const MIB: usize = 1 << 20;

/// The bytes `pattern(n, seed)` of helpers_test.go makes.
fn pattern(len: usize, seed: usize) -> Vec<u8> {
    (0..len).map(|i| ((i * 31 + seed * 7 + i / 251) & 0xff) as u8).collect()
}

/// What a finished `go` command did.
struct GoRun {
    ok: bool,
    output: String,
}

/// The directory `target/go`: the .pc file, GOCACHE and GOPATH (kept between runs, so that only the first
/// run compiles the standard library with -race).
fn go_dir() -> PathBuf {
    cbuild::lib_dir().parent().expect("the profile directory has a parent").join("go")
}

fn package_dir() -> PathBuf {
    cbuild::root().join("bindings/go")
}

/// Runs `program args` in bindings/go with the Go environment of this test, killing it after GO_TIMEOUT.
fn run(program: &Path, args: &[&str], env: &[(&str, String)]) -> GoRun {
    let dir = go_dir();
    let mut cmd = Command::new(program);
    cmd.args(args).current_dir(package_dir()).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    for (k, _) in std::env::vars() {
        if k.starts_with("COS_") || k.starts_with("GO") || k.starts_with("CGO_") {
            cmd.env_remove(k);
        }
    }
    // Go's work directories and the tests' t.TempDir() go under target/go/tmp too, not /tmp.
    let tmp = dir.join("tmp");
    std::fs::create_dir_all(&tmp).expect("create target/go/tmp");
    cmd.env("PKG_CONFIG_PATH", dir.join("pkgconfig"))
        .env("GOTMPDIR", &tmp)
        .env("TMPDIR", &tmp)
        .env("GOCACHE", dir.join("cache"))
        .env("GOPATH", dir.join("path"))
        .env("GOFLAGS", "-mod=mod")
        .env("GOPROXY", "off")
        .env("GOSUMDB", "off")
        .env("GO111MODULE", "on")
        .env("GOTOOLCHAIN", "local")
        .env("GOTELEMETRY", "off")
        .env("GOENV", "off")
        .env("CGO_ENABLED", "1");
    cmd.envs(env.iter().map(|(k, v)| (k, v)));
    let run = cbuild::finish(&mut cmd, GO_TIMEOUT);
    GoRun { ok: run.code == Some(0), output: run.stdout + &run.stderr }
}

/// `go`, or a failure that says how to install it.
fn go_toolchain() -> PathBuf {
    let go = PathBuf::from("go");
    match Command::new(&go).arg("version").output() {
        Ok(out) if out.status.success() => {
            eprintln!("{}", String::from_utf8_lossy(&out.stdout).trim());
            go
        }
        Ok(out) => panic!("`go version` failed: {}", String::from_utf8_lossy(&out.stderr)),
        Err(e) => panic!(
            "`go` is not on PATH ({e}): the Go binding's tests need the Go toolchain; install it with \
             `apt-get install golang-go` (Debian's Go 1.19 is enough; tests/run.sh installs it)"
        ),
    }
}

/// gofmt of the toolchain that runs the tests (`$(go env GOROOT)/bin/gofmt`), else the one on PATH.
fn gofmt(go: &Path) -> PathBuf {
    let out = Command::new(go).args(["env", "GOROOT"]).output().expect("go env GOROOT");
    let root = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    let bin = root.join("bin/gofmt");
    if bin.is_file() {
        bin
    } else {
        PathBuf::from("gofmt")
    }
}

/// A cos.pc for the library of this build, as `make install` writes one for an installed library, plus an
/// rpath so that the test binary finds libcos.so where cargo left it.
fn write_pc() {
    let lib = cbuild::lib_dir();
    let include = cbuild::root().join("include");
    let dir = go_dir().join("pkgconfig");
    std::fs::create_dir_all(&dir).expect("create target/go/pkgconfig");
    let pc = format!(
        "libdir={lib}\nincludedir={include}\n\nName: cos\nDescription: libcos of this cargo build (tests/go_binding.rs)\n\
         Version: {version}\nCflags: -I${{includedir}}\nLibs: -L${{libdir}} -Wl,-rpath,${{libdir}} -lcos\n",
        lib = lib.display(),
        include = include.display(),
        version = env!("CARGO_PKG_VERSION"),
    );
    std::fs::write(dir.join("cos.pc"), pc).expect("write cos.pc");
}

#[test]
fn go_package_vets_and_passes_its_tests_under_the_race_detector() {
    let start = Instant::now();
    let go = go_toolchain();
    write_pc();

    let fmt = run(&gofmt(&go), &["-l", "."], &[]);
    assert!(fmt.ok && fmt.output.trim().is_empty(), "gofmt -l lists files to format (run gofmt -w):\n{}", fmt.output);

    let vet = run(&go, &["vet", "./..."], &[]);
    assert!(vet.ok, "go vet ./... failed:\n{}", vet.output);

    let emu = Emulator::start();
    let slow = Emulator::launch(&Launch::new().args(&["--rate-limit", RATE_LIMIT]));
    let env = [("COS_GO_EMULATOR", emu.address.clone()), ("COS_GO_SLOW_EMULATOR", slow.address.clone())];
    let test = run(&go, &["test", "-race", "-count=1", "-v", "-timeout", "300s", "./..."], &env);
    assert!(test.ok, "go test -race failed:\n{}", test.output);
    let passed = test.output.lines().filter(|l| l.trim_start().starts_with("--- PASS: Test")).count();
    let not_passed: Vec<&str> =
        test.output.lines().filter(|l| l.contains("--- SKIP") || l.contains("--- FAIL")).collect();
    assert!(not_passed.is_empty(), "Go tests skipped or failed:\n{}", test.output);
    for name in [
        "TestServiceErrorFromAMissingKey",
        "TestClientErrors",
        "TestSixteenGoroutinesOnOneClient",
        "TestContextCancelsUploadFileMidTransfer",
        "TestContextCancelsDownloadFileMidTransfer",
        "TestUploadAndDownloadFileWithProgress",
        "TestPanicInACallbackIsAnError",
        "TestCloseTwiceAndUseAfterClose",
    ] {
        assert!(test.output.contains(&format!("--- PASS: {name} ")), "{name} did not pass:\n{}", test.output);
    }
    assert!(passed >= 20, "only {passed} Go tests passed:\n{}", test.output);

    // What the Go tests left behind, seen from Rust.
    let client = emu.client();
    let get = |key: &str| client.get_object(CHECK_BUCKET, key, &RequestOptions::new()).map(|(bytes, _)| bytes);
    assert!(get("go/pattern.bin").unwrap() == pattern(3 * MIB + 12345, 7), "UploadFile's object");
    let head = client.head_object(CHECK_BUCKET, "go/pattern.bin", &RequestOptions::new()).unwrap();
    assert_eq!(head.meta("from"), Some("go"), "UploadFile's metadata");
    assert!(get("stream/writer.bin").unwrap() == pattern(3 * MIB + 5, 5), "the ObjectWriter's object");
    for key in ["stream/aborted.bin", "stream/cancelled-put.bin", "stream/cancelled-close.bin"] {
        assert!(get(key).is_err(), "{key} must not exist");
    }
    // Aborted writers and cancelled Puts abort their multipart uploads: COS keeps no parts of them.
    let uploads = support::list_all_uploads(&client, CHECK_BUCKET, "stream/");
    assert!(uploads.is_empty(), "multipart uploads left behind by the streams: {uploads:?}");
    let slow_client = slow.client();
    let slow_get = |key: &str| slow_client.get_object(CHECK_BUCKET, key, &RequestOptions::new()).map(|(b, _)| b);
    assert!(slow_get("cancel/download-source.bin").unwrap() == pattern(3 * MIB, 8), "the download's source");
    for key in ["cancel/upload.bin", "cancel/closed.bin"] {
        assert!(slow_get(key).is_err(), "{key}: a cancelled upload must leave no object");
    }
    eprintln!("go binding: gofmt, go vet, {passed} Go tests under -race and the checks took {:?}", start.elapsed());
}
