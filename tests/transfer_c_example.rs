//! `examples-c/transfer.c`, compiled as C11 and as C++17 with `-Werror` (and once with AddressSanitizer/
//! UBSan), linked against the library cargo built, and run against a fresh emulator: upload with a progress
//! bar, download back, compare, copy. The objects it made are checked from Rust; a failing run must print
//! every error accessor and exit 1.

#[path = "c/cbuild.rs"]
mod cbuild;
mod support;

use cbuild::{Build, Lang, Link};
use cos::RequestOptions;
use std::time::Duration;
use support::Emulator;
use support::{assert_same, data, TempDir, MIB};

const TIMEOUT: Duration = Duration::from_secs(120);

fn source() -> std::path::PathBuf {
    cbuild::root().join("examples-c/transfer.c")
}

#[test]
fn transfer_example_uploads_downloads_and_copies() {
    let out = cbuild::out_dir("transfer-example");
    let builds = [
        Build { lang: Lang::C, link: Link::Dynamic, sanitize: false },
        Build { lang: Lang::Cxx, link: Link::Dynamic, sanitize: false },
        Build::C_ASAN,
    ];
    for build in builds {
        let tag = build.tag();
        let exe = build.compile(&source(), &out);
        let emu = Emulator::start();
        let dir = TempDir::new(&format!("c-transfer-{tag}"));
        // Six parts, the last of them short; the copy (above 2 MiB) is made of part-copies.
        let bytes = data((5 * MIB + 3) as usize, 400);
        let file = dir.file("payload.bin", &bytes);
        let mut env = cbuild::cos_env(&emu.address, support::SECRET_ID, support::SECRET_KEY);
        env.push(("COS_BUCKET".into(), "ctransfer-1250000000".into()));
        if build.sanitize {
            env.extend(cbuild::sanitizer_env());
        }
        let run = cbuild::run(&[], &exe, &[file.to_str().unwrap(), "dir/obj.bin"], &env, TIMEOUT);
        let what = format!("transfer ({tag})");
        run.assert_success(&what)
            .assert_line(&what, "-> ctransfer-1250000000/dir/obj.bin")
            .assert_line(&what, "uploaded: ETag \"")
            .assert_line(&what, &format!("payload.bin.download: {} bytes, identical", bytes.len()))
            .assert_line(&what, &format!("copied to ctransfer-1250000000/dir/obj.bin.copy: {} bytes", bytes.len()))
            .assert_line(&what, "transfer: all done");
        // The progress bars end at 100% of the file, one per transfer.
        let full = format!("100% {0}/{0} bytes", bytes.len());
        for label in ["upload", "download", "copy"] {
            assert!(
                run.stderr.lines().any(|l| l.starts_with(label) || l.contains(&format!("\r{label}"))),
                "{what}: no {label} bar:\n{}",
                run.stderr
            );
        }
        assert_eq!(run.stderr.matches(&full).count(), 3, "{what}: three bars reach 100%:\n{}", run.stderr);

        // What it made, seen from Rust.
        let client = emu.client();
        let get = |key: &str| client.get_object("ctransfer-1250000000", key, &RequestOptions::new()).unwrap().0;
        assert_same(&get("dir/obj.bin"), &bytes, "uploaded object");
        assert_same(&get("dir/obj.bin.copy"), &bytes, "copied object");
        assert_same(&std::fs::read(dir.path("payload.bin.download")).unwrap(), &bytes, "downloaded file");
        assert_eq!(dir.names(), vec!["payload.bin", "payload.bin.download"], "{what}: no checkpoint left");
    }
}

#[test]
fn transfer_example_reports_failures() {
    let out = cbuild::out_dir("transfer-example-fail");
    let exe = Build::C_DYNAMIC.compile(&source(), &out);
    let emu = Emulator::start();
    let dir = TempDir::new("c-transfer-fail");
    let file = dir.file("f", b"data");

    // A wrong key: a service error with every field.
    let env = cbuild::cos_env(&emu.address, support::SECRET_ID, "wrong-secret-key");
    let run = cbuild::run(&[], &exe, &[file.to_str().unwrap()], &env, TIMEOUT);
    assert_eq!(run.code, Some(1), "{}\n{}", run.stdout, run.stderr);
    for line in [
        "failed: COS_SERVICE_ERROR",
        "http status: 403",
        "code:        SignatureDoesNotMatch",
        "message:     ",
        "request id:  ",
        "trace id:    ",
        "resource:    transfer-1250000000.cos.ap-guangzhou.myqcloud.com/",
        "raw xml:     <?xml",
        "digest:      ",
        "attempts:    1",
    ] {
        assert!(run.stderr.contains(line), "missing {line:?} in:\n{}", run.stderr);
    }

    // A file that does not exist: a client error, without COS's fields.
    let env = cbuild::cos_env(&emu.address, support::SECRET_ID, support::SECRET_KEY);
    let missing = dir.path("missing");
    let run = cbuild::run(&[], &exe, &[missing.to_str().unwrap()], &env, TIMEOUT);
    assert_eq!(run.code, Some(1), "{}\n{}", run.stdout, run.stderr);
    for line in ["upload failed: COS_IO_ERROR", "http status: 0", "code:        (none)", "request id:  (none)"] {
        assert!(run.stderr.contains(line), "missing {line:?} in:\n{}", run.stderr);
    }

    // Usage.
    let run = cbuild::run(&[], &exe, &[], &env, TIMEOUT);
    assert_eq!(run.code, Some(2));
    assert!(run.stderr.contains("usage:"), "{}", run.stderr);
}
