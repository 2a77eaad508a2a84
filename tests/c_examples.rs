//! The C examples (`examples-c/`) and the C test program `tests/c/transfer_callbacks.c`, compiled with gcc
//! and g++ against `include/cos.h`, linked dynamically and statically with the library cargo built for this
//! run, and run against a fresh cos-emulator each; also under AddressSanitizer/UBSan and Valgrind.

#[path = "c/cbuild.rs"]
mod cbuild;
mod support;

use cbuild::{Build, Lang, Link, Run};
use std::path::{Path, PathBuf};
use std::time::Duration;
use support::Emulator;

const TIMEOUT: Duration = Duration::from_secs(120);
/// Valgrind runs a debug build of the library about 20 to 50 times slower.
const VALGRIND_TIMEOUT: Duration = Duration::from_secs(600);

fn example(name: &str) -> PathBuf {
    cbuild::root().join("examples-c").join(format!("{name}.c"))
}

fn transfer_callbacks() -> PathBuf {
    cbuild::root().join("tests/c/transfer_callbacks.c")
}

/// Runs `exe` (under `wrapper`) against a fresh emulator with the `COS_*` environment of the examples.
fn run_against_emulator(wrapper: &[&str], exe: &Path, args: &[&str], extra_env: &[(String, String)]) -> Run {
    let emu = Emulator::start();
    let mut env = cbuild::cos_env(&emu.address, support::SECRET_ID, support::SECRET_KEY);
    env.extend_from_slice(extra_env);
    let timeout = if wrapper.is_empty() { TIMEOUT } else { VALGRIND_TIMEOUT };
    cbuild::run(wrapper, exe, args, &env, timeout)
}

fn check_quickstart(run: &Run, what: &str) {
    run.assert_success(what)
        .assert_line(what, "created bucket quickstart-1250000000")
        .assert_line(what, "put quickstart/hello.txt (26 bytes)")
        .assert_line(what, "got quickstart/hello.txt back: 26 bytes, identical")
        .assert_line(what, "CRC-64 ")
        .assert_line(what, "list with prefix quickstart/: 1 object(s)")
        .assert_line(what, "deleted bucket quickstart-1250000000")
        .assert_line(what, "quickstart: all done");
    // The emulator sends the CRC-64 and the ETag: both must be printed as values.
    let head = run.stdout.lines().find(|l| l.starts_with("head ")).unwrap_or_default();
    assert!(head.contains("ETag \"") && !head.contains("not sent"), "{what}: head line {head:?}");
}

fn check_error_handling(run: &Run, what: &str) {
    run.assert_success(what)
        .assert_line(what, "status:      COS_SERVICE_ERROR")
        .assert_line(what, "http status: 404")
        .assert_line(what, "code:        NoSuchKey")
        .assert_line(what, "kind:        service error")
        .assert_line(what, "status:      COS_INVALID_ARGUMENT")
        .assert_line(what, "status:      COS_NETWORK_ERROR|status:      COS_TIMEOUT")
        .assert_line(what, "http status: 0")
        .assert_line(what, "kind:        client error")
        .assert_line(what, "resource:    errors-1250000000.cos.ap-guangzhou.myqcloud.com/no-such-key")
        .assert_line(what, "raw xml:     <?xml")
        .assert_line(what, "error_handling: every error looked as expected");
    // The 404 carries a request id and a trace id; the client errors carry neither.
    let values = |field: &str| -> Vec<String> {
        run.stdout
            .lines()
            .filter_map(|l| l.trim().strip_prefix(field))
            .map(|v| v.trim().to_string())
            .collect::<Vec<_>>()
    };
    for field in ["request id:", "trace id:"] {
        let v = values(field);
        assert_eq!(v.len(), 3, "{what}: three errors print {field}");
        assert!(v[0] != "(none)" && !v[0].is_empty(), "{what}: the 404 has a {field} {v:?}");
        assert_eq!(&v[1..], ["(none)", "(none)"], "{what}: client errors have no {field}");
    }
    assert_eq!(values("code:")[1..], ["(none)", "(none)"], "{what}: client errors have no code");
}

/// Every example as C11 and C++17, dynamic and static.
fn build_matrix() -> [Build; 4] {
    [
        Build { lang: Lang::C, link: Link::Dynamic, sanitize: false },
        Build { lang: Lang::C, link: Link::Static, sanitize: false },
        Build { lang: Lang::Cxx, link: Link::Dynamic, sanitize: false },
        Build { lang: Lang::Cxx, link: Link::Static, sanitize: false },
    ]
}

#[test]
fn quickstart_c_and_cxx_dynamic_and_static() {
    let out = cbuild::out_dir("quickstart");
    for build in build_matrix() {
        let exe = build.compile(&example("quickstart"), &out);
        let run = run_against_emulator(&[], &exe, &[], &[]);
        check_quickstart(&run, &format!("quickstart ({})", build.tag()));
    }
}

#[test]
fn quickstart_honours_cos_bucket_and_an_existing_bucket() {
    let out = cbuild::out_dir("quickstart-bucket");
    let exe = Build::C_DYNAMIC.compile(&example("quickstart"), &out);
    let emu = Emulator::start();
    let mut env = cbuild::cos_env(&emu.address, support::SECRET_ID, support::SECRET_KEY);
    env.push(("COS_BUCKET".into(), "mine-1250000000".into()));
    emu.client().create_bucket("mine-1250000000", &cos::RequestOptions::new()).unwrap();
    let run = cbuild::run(&[], &exe, &[], &env, TIMEOUT);
    run.assert_success("quickstart, bucket exists")
        .assert_line("quickstart", "bucket mine-1250000000")
        .assert_line("quickstart", "bucket exists already (BucketAlreadyOwnedByYou)")
        .assert_line("quickstart", "deleted bucket mine-1250000000");

    // A failure prints the status and every accessor, and exits 1.
    let env = cbuild::cos_env(&emu.address, support::SECRET_ID, "wrong-secret-key");
    let run = cbuild::run(&[], &exe, &[], &env, TIMEOUT);
    assert_eq!(run.code, Some(1), "quickstart with a wrong key\n{}\n{}", run.stdout, run.stderr);
    for line in [
        "create bucket failed: COS_SERVICE_ERROR",
        "http status: 403",
        "code:        SignatureDoesNotMatch",
        "message:",
        "request id:",
        "trace id:",
        "resource:",
        "raw xml:",
        "digest:",
    ] {
        assert!(run.stderr.contains(line), "quickstart failure output lacks {line:?}:\n{}", run.stderr);
    }
    assert!(!run.stderr.contains("wrong-secret-key"), "the secret key leaked into an error:\n{}", run.stderr);
}

#[test]
fn error_handling_c_and_cxx_dynamic_and_static() {
    let out = cbuild::out_dir("error_handling");
    for build in build_matrix() {
        let exe = build.compile(&example("error_handling"), &out);
        let run = run_against_emulator(&[], &exe, &[], &[]);
        check_error_handling(&run, &format!("error_handling ({})", build.tag()));
    }
}

#[test]
fn transfer_callbacks_c_dynamic_and_static() {
    let out = cbuild::out_dir("transfer_callbacks");
    for build in [Build::C_DYNAMIC, Build { lang: Lang::C, link: Link::Static, sanitize: false }] {
        let exe = build.compile(&transfer_callbacks(), &out);
        let scratch = out.join(format!("scratch-{}", build.tag()));
        std::fs::create_dir_all(&scratch).unwrap();
        let run = run_against_emulator(&[], &exe, &[scratch.to_str().unwrap()], &[]);
        run.assert_success("transfer_callbacks").assert_line("transfer_callbacks", ", 0 failed");
    }
}

/// The first program of the README, extracted from it: it must compile as C and C++ and do what it says,
/// also when it fails (a missing bucket: a service error whose every field it prints).
#[test]
fn the_readme_program_builds_and_runs_under_sanitizers() {
    let readme = std::fs::read_to_string(cbuild::root().join("README.md")).unwrap();
    let start = readme.find("```c\n").expect("the README has a C program") + 5;
    let program = &readme[start..start + readme[start..].find("```").unwrap()];
    let out = cbuild::out_dir("readme");
    let src = out.join("readme_first.c");
    std::fs::write(&src, program).unwrap();
    for build in [Build::C_ASAN, Build { lang: Lang::Cxx, link: Link::Dynamic, sanitize: true }] {
        let exe = build.compile(&src, &out);
        let emu = Emulator::start();
        let env =
            [cbuild::cos_env(&emu.address, support::SECRET_ID, support::SECRET_KEY), cbuild::sanitizer_env()].concat();
        // No bucket yet: the put fails with NoSuchBucket, printed field by field.
        let run = cbuild::run(&[], &exe, &[], &env, TIMEOUT);
        assert_eq!(run.code, Some(1), "{}\n{}", run.stdout, run.stderr);
        assert!(run.stderr.contains("COS_SERVICE_ERROR") && run.stderr.contains("code NoSuchBucket"), "{}", run.stderr);
        emu.client().create_bucket("examplebucket-1250000000", &cos::RequestOptions::new()).unwrap();
        cbuild::run(&[], &exe, &[], &env, TIMEOUT).assert_success("README program").assert_line("README", "hello, COS");
    }
}

#[test]
fn everything_under_address_and_undefined_sanitizers() {
    let out = cbuild::out_dir("asan");
    cbuild::assert_leak_sanitizer_works(&out);
    let env = cbuild::sanitizer_env();
    let exe = Build::C_ASAN.compile(&example("quickstart"), &out);
    check_quickstart(&run_against_emulator(&[], &exe, &[], &env), "quickstart under ASan/UBSan");
    let exe = Build::C_ASAN.compile(&example("error_handling"), &out);
    check_error_handling(&run_against_emulator(&[], &exe, &[], &env), "error_handling under ASan/UBSan");
    let exe = Build::C_ASAN.compile(&transfer_callbacks(), &out);
    let scratch = out.join("scratch");
    std::fs::create_dir_all(&scratch).unwrap();
    run_against_emulator(&[], &exe, &[scratch.to_str().unwrap()], &env)
        .assert_success("transfer_callbacks under ASan/UBSan")
        .assert_line("transfer_callbacks", ", 0 failed");
}

#[test]
fn everything_under_valgrind() {
    let out = cbuild::out_dir("valgrind");
    let valgrind = cbuild::valgrind();
    let wrapper: Vec<&str> = valgrind.iter().map(String::as_str).collect();
    let exe = Build::C_DYNAMIC.compile(&example("quickstart"), &out);
    check_quickstart(&run_against_emulator(&wrapper, &exe, &[], &[]), "quickstart under valgrind");
    let exe = Build::C_DYNAMIC.compile(&example("error_handling"), &out);
    check_error_handling(&run_against_emulator(&wrapper, &exe, &[], &[]), "error_handling under valgrind");
    let exe = Build::C_DYNAMIC.compile(&transfer_callbacks(), &out);
    let scratch = out.join("scratch");
    std::fs::create_dir_all(&scratch).unwrap();
    run_against_emulator(&wrapper, &exe, &[scratch.to_str().unwrap()], &[])
        .assert_success("transfer_callbacks under valgrind")
        .assert_line("transfer_callbacks", ", 0 failed");
}
