//! `include/cos.hpp`, the header-only C++17 wrapper: `tests/cpp/wrapper.cpp` exercises every class of it
//! (owners, exceptions with every accessor, options, objects, listings, streams, tagging, versioning,
//! presigning, operations, transfers with std::function progress, callbacks that throw, 16 threads on one
//! client), built with `g++ -std=c++17 -Wall -Wextra -Werror -pedantic` and run against a fresh emulator
//! each time: plainly, under AddressSanitizer/UBSan (leaks are errors) and under valgrind. The header also
//! has to compile alone, with g++ and clang++ (tests/run.sh installs clang), in pedantic mode.

#[path = "c/cbuild.rs"]
mod cbuild;
mod support;

use cbuild::{Build, Lang, Link};
use cos::RequestOptions;
use std::path::Path;
use std::process::Command;
use std::time::Duration;
use support::{Emulator, TempDir};

const TIMEOUT: Duration = Duration::from_secs(600);
const BUCKET: &str = "cppwrap-1250000000";
const PEDANTIC: &[&str] = &["-pedantic"];

/// The bytes `pattern(len, seed)` of wrapper.cpp makes.
fn pattern(len: usize, seed: usize) -> Vec<u8> {
    (0..len).map(|i| ((i * 31 + seed * 7 + i / 251) & 0xff) as u8).collect()
}

fn run_once(exe: &Path, wrapper: &[&str], extra_env: Vec<(String, String)>, what: &str) {
    let emu = Emulator::start();
    let scratch = TempDir::new("cpp-wrapper");
    let mut env = cbuild::cos_env(&emu.address, support::SECRET_ID, support::SECRET_KEY);
    env.extend(extra_env);
    let run = cbuild::run(wrapper, exe, &[scratch.0.to_str().unwrap()], &env, TIMEOUT);
    run.assert_success(what).assert_line(what, " checks, 0 failed");
    let checks: usize = run
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("wrapper: ")?.split(' ').next()?.parse().ok())
        .unwrap_or_else(|| panic!("{what}: no summary line:\n{}", run.stdout));
    assert!(checks >= 150, "{what}: only {checks} checks ran:\n{}", run.stdout);
    eprintln!("{what}: {checks} checks in {:?}", run.elapsed);

    // What the program left behind, seen from Rust.
    let client = emu.client();
    let get = |key: &str| client.get_object(BUCKET, key, &RequestOptions::new()).map(|(bytes, _)| bytes);
    assert_eq!(get("big/file.bin").unwrap(), pattern(2 * 1024 * 1024 + 4321, 7), "{what}: the uploaded file");
    assert_eq!(get("stream/w.bin").unwrap(), pattern(200_000, 5), "{what}: the writer's object");
    for key in ["obj/never.bin", "obj/throwing.bin", "stream/aborted.bin", "stream/dropped.bin", "big/cancelled.bin"] {
        assert!(get(key).is_err(), "{what}: {key} must not exist");
    }
}

fn source() -> std::path::PathBuf {
    cbuild::root().join("tests/cpp/wrapper.cpp")
}

#[test]
fn wrapper_program_runs_plain_and_under_sanitizers() {
    let out = cbuild::out_dir("cpp-wrapper");
    cbuild::assert_leak_sanitizer_works(&out);
    for build in [
        Build { lang: Lang::Cxx, link: Link::Dynamic, sanitize: false },
        Build { lang: Lang::Cxx, link: Link::Static, sanitize: false },
        Build { lang: Lang::Cxx, link: Link::Dynamic, sanitize: true },
    ] {
        let exe = build.compile_with_flags(&source(), &out, PEDANTIC);
        let env = if build.sanitize { cbuild::sanitizer_env() } else { Vec::new() };
        run_once(&exe, &[], env, &format!("wrapper ({})", build.tag()));
    }
}

#[test]
fn wrapper_program_under_valgrind() {
    let out = cbuild::out_dir("cpp-wrapper-valgrind");
    let exe =
        Build { lang: Lang::Cxx, link: Link::Dynamic, sanitize: false }.compile_with_flags(&source(), &out, PEDANTIC);
    let valgrind = cbuild::valgrind();
    let wrapper: Vec<&str> = valgrind.iter().map(String::as_str).collect();
    run_once(&exe, &wrapper, Vec::new(), "wrapper (valgrind)");
}

/// The header on its own (nothing included before it) and after <cmath>, with both compilers, warnings as
/// errors: g++ and clang++ each check what the other lets through.
#[test]
fn header_compiles_alone_with_gcc_and_clang() {
    let out = cbuild::out_dir("cpp-header");
    let alone = out.join("alone.cpp");
    std::fs::write(&alone, "#include <cos.hpp>\nint main() { return cospp::Owned<cos_bytes>() ? 1 : 0; }\n").unwrap();
    let with_math = out.join("with_math.cpp");
    std::fs::write(
        &with_math,
        "#include <cmath>\n#include <cos.hpp>\nint main() { return cospp::version().empty() ? 1 : int(std::cos(0.0)) - 1; }\n",
    )
    .unwrap();
    for compiler in ["g++", "clang++"] {
        for src in [&alone, &with_math] {
            let mut cmd = Command::new(compiler);
            cmd.args(["-std=c++17", "-Wall", "-Wextra", "-Werror", "-pedantic", "-fsyntax-only", "-I"])
                .arg(cbuild::root().join("include"))
                .arg(src);
            if compiler == "clang++" {
                cmd.args(["-Wshadow", "-Wconversion", "-Wold-style-cast"]);
            }
            let result = cmd.output().unwrap_or_else(|e| {
                panic!("cannot run {compiler} ({e}): tests/run.sh installs it (Debian package g++ / clang)")
            });
            assert!(
                result.status.success(),
                "{compiler} rejects cos.hpp ({}):\n{}",
                src.display(),
                String::from_utf8_lossy(&result.stderr)
            );
        }
    }
}

/// The C++ example of the README's Install section, extracted from it: it compiles pedantically, reports a
/// missing bucket through cospp::Error (HTTP 404, NoSuchBucket, a request id) and, once the bucket exists,
/// prints what it put.
#[test]
fn the_readme_cpp_example_builds_and_runs() {
    let readme = std::fs::read_to_string(cbuild::root().join("README.md")).unwrap();
    let start = readme.find("```cpp\n").expect("the README has a C++ example") + 7;
    let program = &readme[start..start + readme[start..].find("```").unwrap()];
    let out = cbuild::out_dir("readme-cpp");
    let src = out.join("readme_example.cpp");
    std::fs::write(&src, program).unwrap();
    let exe = Build { lang: Lang::Cxx, link: Link::Dynamic, sanitize: true }.compile_with_flags(&src, &out, PEDANTIC);
    let emu = Emulator::start();
    let env =
        [cbuild::cos_env(&emu.address, support::SECRET_ID, support::SECRET_KEY), cbuild::sanitizer_env()].concat();
    let run = cbuild::run(&[], &exe, &[], &env, TIMEOUT);
    assert_eq!(run.code, Some(1), "{}\n{}", run.stdout, run.stderr);
    assert!(run.stderr.starts_with("404 NoSuchBucket ") && run.stderr.trim_end().len() > 20, "{}", run.stderr);
    emu.client().create_bucket("examplebucket-1250000000", &RequestOptions::new()).unwrap();
    let run = cbuild::run(&[], &exe, &[], &env, TIMEOUT);
    run.assert_success("README C++ example");
    assert_eq!(run.stdout, "hello\n");
}
