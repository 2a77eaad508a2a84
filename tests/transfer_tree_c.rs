//! `tests/c/tree.c`: the directory-tree exports from C — patterns, files in flight, progress, a failing
//! file read from the report as a `cos_error`, a sync with deletes, cancel, and the download back — built as
//! C11 and C++17 and run against a fresh emulator, also under AddressSanitizer/UBSan and valgrind. The
//! downloaded tree is compared with the source from Rust.

#[path = "c/cbuild.rs"]
mod cbuild;
mod support;

use cbuild::{Build, Lang, Link};
use std::time::Duration;
use support::{data, Emulator, TempDir, MIB};

const TIMEOUT: Duration = Duration::from_secs(300);

fn run_once(exe: &std::path::Path, wrapper: &[&str], extra_env: Vec<(String, String)>, what: &str) {
    let src = TempDir::new("ctree-src");
    std::fs::create_dir_all(src.path("b/d")).unwrap();
    let files: [(&str, Vec<u8>); 5] = [
        ("a.txt", b"hello".to_vec()),
        ("b/c.txt", b"c file".to_vec()),
        ("b/d/e.bin", data(70_000, 1)),
        ("big.bin", data(3 * MIB as usize, 2)),
        ("skip.tmp", b"excluded".to_vec()),
    ];
    for (rel, bytes) in &files {
        std::fs::write(src.path(rel), bytes).unwrap();
    }
    let out = TempDir::new("ctree-out");
    let emu = Emulator::start();
    emu.fault("kind=status&status=403&code=AccessDenied&method=PUT&key=t/b/c.txt&count=1");
    let mut env = cbuild::cos_env(&emu.address, support::SECRET_ID, support::SECRET_KEY);
    env.extend(extra_env);
    let args = [src.0.to_str().unwrap(), out.0.to_str().unwrap()];
    let run = cbuild::run(wrapper, exe, &args, &env, TIMEOUT);
    run.assert_success(what).assert_line(what, "tree: ");
    assert_eq!(std::fs::read(out.path("a.txt")).unwrap(), b"changed", "{what}");
    for (rel, bytes) in &files[1..4] {
        assert_eq!(&std::fs::read(out.path(rel)).unwrap(), bytes, "{what}: {rel}");
    }
    assert!(!out.path("skip.tmp").exists() && !out.path("extra.txt").exists(), "{what}");
}

#[test]
fn tree_c_program() {
    let out = cbuild::out_dir("tree");
    let src = cbuild::root().join("tests/c/tree.c");
    for build in [Build::C_DYNAMIC, Build { lang: Lang::Cxx, link: Link::Static, sanitize: false }, Build::C_ASAN] {
        let exe = build.compile(&src, &out);
        let env = if build.sanitize { cbuild::sanitizer_env() } else { Vec::new() };
        run_once(&exe, &[], env, &format!("tree ({})", build.tag()));
    }
}

#[test]
fn tree_c_program_under_valgrind() {
    let out = cbuild::out_dir("tree-valgrind");
    let exe = Build::C_DYNAMIC.compile(&cbuild::root().join("tests/c/tree.c"), &out);
    let valgrind = cbuild::valgrind();
    let wrapper: Vec<&str> = valgrind.iter().map(String::as_str).collect();
    run_once(&exe, &wrapper, Vec::new(), "tree (valgrind)");
}
