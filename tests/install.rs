//! `make install` as a C user meets it: the library installed into a temporary prefix (from the build cargo
//! made for this run, `PROFILE=debug NO_BUILD=1`), the files and links checked, then the C quickstart built
//! three ways — `pkg-config --cflags --libs cos`, `pkg-config --static` and a CMake project with
//! `find_package(cos)` (both `cos::cos` and `cos::cos_static`) — and each run against the emulator, as is a
//! C++ program using the installed `cos.hpp` (`tests/install/hello.cpp`, pkg-config's flags); the
//! static archive linked beside another Rust static library; and `make uninstall` leaving nothing behind.
//! Needs make, pkg-config and cmake (tests/run.sh installs them).

#[path = "c/cbuild.rs"]
mod cbuild;
mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;
use support::{Emulator, TempDir};

const VERSION: &str = env!("CARGO_PKG_VERSION");
const MAJOR: &str = env!("CARGO_PKG_VERSION_MAJOR");

/// Runs `cmd`, panicking with its output unless it succeeds; returns stdout.
fn sh(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed ({})\n--- stdout\n{}\n--- stderr\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn make(target: &str, prefix: &Path) -> String {
    cbuild::lib_dir(); // the libraries cargo built for this run must exist
    sh(Command::new("make")
        .arg("-s")
        .arg("-C")
        .arg(cbuild::root())
        .arg(target)
        .arg(format!("PREFIX={}", prefix.display()))
        // Each test stages in its own directory: they run side by side.
        .arg(format!("STAGE={}", prefix.with_extension("stage").display()))
        .args(["PROFILE=debug", "NO_BUILD=1"]))
}

fn readelf(args: &[&str], file: &Path) -> String {
    sh(Command::new("readelf").args(args).arg(file))
}

/// The dynamic section's entries of one kind (NEEDED, SONAME), by value.
fn dynamic(file: &Path, kind: &str) -> Vec<String> {
    readelf(&["-dW"], file)
        .lines()
        .filter(|l| l.contains(&format!("({kind})")))
        .filter_map(|l| Some(l.split('[').nth(1)?.trim_end_matches(']').to_string()))
        .collect()
}

/// Every file (not directory) under `dir`, relative to it.
fn files(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap().map(Result::unwrap) {
            let path = entry.path();
            if entry.file_type().unwrap().is_dir() {
                stack.push(path);
            } else {
                out.push(path.strip_prefix(dir).unwrap().display().to_string());
            }
        }
    }
    out.sort();
    out
}

fn pkg_config(prefix: &Path, args: &[&str]) -> Vec<String> {
    let out = sh(Command::new("pkg-config").args(args).arg("cos").env("PKG_CONFIG_PATH", prefix.join("lib/pkgconfig")));
    out.split_whitespace().map(str::to_string).collect()
}

fn cc(args: &[String], out: &Path) {
    let quickstart = cbuild::root().join("examples-c/quickstart.c");
    sh(Command::new("cc").args(["-std=c11", "-Wall", "-Werror"]).arg(quickstart).args(args).arg("-o").arg(out));
}

/// Runs the quickstart against a fresh emulator and checks it went through to the end.
fn run_quickstart(exe: &Path, lib_path: Option<&Path>, what: &str) {
    let emu = Emulator::start();
    let mut env = cbuild::cos_env(&emu.address, support::SECRET_ID, support::SECRET_KEY);
    if let Some(dir) = lib_path {
        env.push(("LD_LIBRARY_PATH".into(), dir.display().to_string()));
    }
    cbuild::run(&[], exe, &[], &env, Duration::from_secs(120))
        .assert_success(what)
        .assert_line(what, "got quickstart/hello.txt back: 26 bytes, identical")
        .assert_line(what, "quickstart: all done");
}

/// The non-local symbols `file` defines (`readelf -s` rows; `dynamic_only` reads .dynsym alone).
fn defined_globals(file: &Path, dynamic_only: bool) -> Vec<String> {
    let args: &[&str] = if dynamic_only { &["--dyn-syms", "-W"] } else { &["-sW"] };
    readelf(args, file)
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let row = f.len() >= 8 && f[0].ends_with(':') && f[0].trim_end_matches(':').parse::<u64>().is_ok();
            (row && f[4] != "LOCAL" && f[6] != "UND" && f[3] != "FILE" && f[3] != "SECTION")
                .then(|| f[7].split('@').next().unwrap_or(f[7]).to_string())
        })
        .collect()
}

#[test]
fn make_install_gives_a_library_that_pkg_config_and_cmake_find() {
    let tmp = TempDir::new("install");
    let prefix = tmp.path("prefix");
    make("install", &prefix);
    let lib = prefix.join("lib");
    let real = format!("libcos.so.{VERSION}");
    let soname = format!("libcos.so.{MAJOR}");

    let expected = [
        "include/cos.h".into(),
        "include/cos.hpp".into(),
        format!("lib/.debug/{real}.debug"),
        "lib/cmake/cos/cosConfig.cmake".into(),
        "lib/cmake/cos/cosConfigVersion.cmake".into(),
        "lib/libcos.a".into(),
        "lib/libcos.so".into(),
        format!("lib/{real}"),
        format!("lib/{soname}"),
        "lib/pkgconfig/cos.pc".into(),
    ];
    let mut installed = files(&prefix);
    installed.retain(|f| f != "bin/cos"); // installed once it exists
    let mut expected = expected.to_vec();
    expected.sort();
    assert_eq!(installed, expected);

    // The links, the soname, the header as the repository has it.
    assert_eq!(std::fs::read_link(lib.join("libcos.so")).unwrap(), PathBuf::from(&soname));
    assert_eq!(std::fs::read_link(lib.join(&soname)).unwrap(), PathBuf::from(&real));
    assert_eq!(dynamic(&lib.join(&real), "SONAME"), std::slice::from_ref(&soname));
    for header in ["include/cos.h", "include/cos.hpp"] {
        assert_eq!(std::fs::read(prefix.join(header)).unwrap(), std::fs::read(cbuild::root().join(header)).unwrap());
    }

    // The shipped .so: no debug info, a link to the separate debug file, only cos_* exported.
    let sections = readelf(&["-SW"], &lib.join(&real));
    assert!(!sections.contains(".debug_info"), "the installed library still carries debug info");
    assert!(sections.contains(".gnu_debuglink"));
    assert!(readelf(&["-SW"], &lib.join(format!(".debug/{real}.debug"))).contains(".debug_info"));
    let dynsym = defined_globals(&lib.join(&real), true);
    assert!(dynsym.len() > 400, "too few exports: {}", dynsym.len());
    assert!(
        dynsym.iter().all(|s| s.starts_with("cos_")),
        "{:?}",
        dynsym.iter().filter(|s| !s.starts_with("cos_")).collect::<Vec<_>>()
    );

    // The static archive: one object whose globals are the C API (and the personality reference the
    // unwinder shares across objects), so no Rust-internal symbol can meet another library's.
    let scratch = tmp.path("ar");
    std::fs::create_dir_all(&scratch).unwrap();
    sh(Command::new("ar").arg("x").arg(lib.join("libcos.a")).current_dir(&scratch));
    let members = files(&scratch);
    assert_eq!(members, ["cos.o"], "libcos.a holds one relocatable object");
    let globals = defined_globals(&scratch.join("cos.o"), false);
    let foreign: Vec<&String> =
        globals.iter().filter(|s| !s.starts_with("cos_") && !s.starts_with("DW.ref.")).collect();
    assert!(foreign.is_empty(), "libcos.a defines non-cos globals: {foreign:?}");
    assert_eq!(globals.iter().filter(|s| s.starts_with("cos_")).count(), dynsym.len());

    // pkg-config, dynamic: the program needs libcos.so.<major>, found through LD_LIBRARY_PATH.
    let flags = pkg_config(&prefix, &["--cflags", "--libs"]);
    assert!(flags.contains(&format!("-I{}", prefix.join("include").display())), "{flags:?}");
    let dynamic_exe = tmp.path("quickstart-pkg-config");
    cc(&flags, &dynamic_exe);
    assert!(dynamic(&dynamic_exe, "NEEDED").contains(&soname));
    run_quickstart(&dynamic_exe, Some(&lib), "quickstart (pkg-config)");

    // The C++ wrapper from the prefix: the same flags, `#include <cos.hpp>`.
    let cpp_exe = tmp.path("hello-cpp");
    let hello = cbuild::root().join("tests/install/hello.cpp");
    sh(Command::new("c++").args(["-std=c++17", "-Wall", "-Werror"]).arg(hello).args(&flags).arg("-o").arg(&cpp_exe));
    let emu = Emulator::start();
    let mut env = cbuild::cos_env(&emu.address, support::SECRET_ID, support::SECRET_KEY);
    env.push(("LD_LIBRARY_PATH".into(), lib.display().to_string()));
    cbuild::run(&[], &cpp_exe, &[], &env, Duration::from_secs(60))
        .assert_success("hello.cpp (pkg-config)")
        .assert_line("hello.cpp (pkg-config)", "hello.cpp: got 14 bytes back, then NoSuchKey (HTTP 404)");

    // pkg-config --static: Libs.private brings what the Rust standard library needs; a fully static program.
    let mut flags = pkg_config(&prefix, &["--static", "--cflags", "--libs"]);
    assert!(flags.contains(&"-lpthread".to_string()), "{flags:?}");
    flags.push("-static".into());
    let static_exe = tmp.path("quickstart-pkg-config-static");
    cc(&flags, &static_exe);
    assert!(dynamic(&static_exe, "NEEDED").is_empty(), "the static build needs shared libraries");
    run_quickstart(&static_exe, None, "quickstart (pkg-config --static)");

    // CMake: find_package(cos 0.1) gives cos::cos and cos::cos_static.
    let build = tmp.path("cmake-build");
    sh(Command::new("cmake")
        .arg("-S")
        .arg(cbuild::root().join("tests/install/cmake"))
        .arg("-B")
        .arg(&build)
        .arg(format!("-DCMAKE_PREFIX_PATH={}", prefix.display()))
        .arg(format!("-DQUICKSTART={}", cbuild::root().join("examples-c/quickstart.c").display())));
    sh(Command::new("cmake").arg("--build").arg(&build));
    let cmake_shared = build.join("quickstart_shared");
    assert!(dynamic(&cmake_shared, "NEEDED").contains(&soname));
    run_quickstart(&cmake_shared, None, "quickstart (CMake, cos::cos)"); // CMake sets the run path
    let cmake_static = build.join("quickstart_static");
    assert!(!dynamic(&cmake_static, "NEEDED").iter().any(|n| n.starts_with("libcos")));
    run_quickstart(&cmake_static, None, "quickstart (CMake, cos::cos_static)");

    // A version CMake must refuse: another major version.
    let refused = Command::new("cmake")
        .arg(format!("-DCMAKE_PREFIX_PATH={}", prefix.display()))
        .arg("-P")
        .arg(tmp.file("find.cmake", b"find_package(cos 99 REQUIRED)\n"))
        .output()
        .unwrap();
    assert!(!refused.status.success(), "find_package(cos 99) must fail against {VERSION}");

    make("uninstall", &prefix);
    assert_eq!(files(&prefix), Vec::<String>::new(), "make uninstall left files behind");
}

/// libcos.a and a second Rust static library (its own copy of std) in one C program: both link and run.
#[test]
fn the_installed_archive_links_beside_another_rust_static_library() {
    let tmp = TempDir::new("install-two-rust");
    let prefix = tmp.path("prefix");
    make("install", &prefix);
    let other = tmp.file(
        "other.rs",
        b"#[no_mangle]\npub extern \"C\" fn other_answer() -> usize {\n    \
          std::panic::catch_unwind(|| format!(\"{}\", 6 * 7).parse::<usize>().unwrap()).unwrap_or(0)\n}\n",
    );
    sh(Command::new(std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into()))
        .args(["--edition=2021", "--crate-type=staticlib", "-o"])
        .arg(tmp.path("libother.a"))
        .arg(&other));
    let main = tmp.file(
        "main.c",
        b"#include <stdio.h>\n#include <string.h>\n#include <cos.h>\nsize_t other_answer(void);\n\
          int main(void) {\n  cos_client_config *c = cos_client_config_new();\n  cos_client_config_free(c);\n  \
          printf(\"cos %s, other %zu\\n\", cos_version(), other_answer());\n  \
          return other_answer() == 42 && strlen(cos_version()) > 0 ? 0 : 1;\n}\n",
    );
    let exe = tmp.path("two-rust");
    sh(Command::new("cc")
        .arg(format!("-I{}", prefix.join("include").display()))
        .arg(&main)
        .arg(prefix.join("lib/libcos.a"))
        .arg(tmp.path("libother.a"))
        .args(["-lpthread", "-ldl", "-lm", "-lrt", "-lutil", "-o"])
        .arg(&exe));
    let run = cbuild::run(&[], &exe, &[], &[], Duration::from_secs(30));
    run.assert_success("two Rust static libraries").assert_line("two Rust static libraries", "other 42");
    make("uninstall", &prefix);
}
