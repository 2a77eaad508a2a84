//! Compiling and running C programs against the library cargo built for this test run. Shared by
//! `tests/c_examples.rs`, `tests/c_abi_checks.rs` and `tests/seaweedfs_interop.rs` (`#[path]` module).
#![allow(dead_code)]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The directory holding `libcos.so` and `libcos.a` of this build: the profile directory the test binary runs
/// from (`target/debug/deps/<test>` gives `target/debug`, or `target/<triple>/debug`).
pub fn lib_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    let dir = exe.parent().and_then(Path::parent).expect("the test binary runs from <profile>/deps").to_path_buf();
    for lib in ["libcos.so", "libcos.a"] {
        assert!(
            dir.join(lib).exists(),
            "{} is missing: run `cargo build` first (cargo test does not build the C libraries)",
            dir.join(lib).display()
        );
    }
    dir
}

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fresh build directory `target/c-tests/<name>.<pid>` (next to the profile directory; the pid keeps
/// concurrent runs apart). Removed when dropped, unless the test failed: then it stays for inspection.
pub struct OutDir(PathBuf);

impl std::ops::Deref for OutDir {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl Drop for OutDir {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("build outputs kept in {}", self.0.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

pub fn out_dir(name: &str) -> OutDir {
    let dir = lib_dir()
        .parent()
        .expect("profile dir has a parent")
        .join("c-tests")
        .join(format!("{name}.{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create the C build dir");
    OutDir(dir)
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Lang {
    /// `gcc -std=c11 -pedantic`
    C,
    /// `g++ -x c++ -std=c++17`
    Cxx,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Link {
    /// `libcos.so`, found through an rpath to the library directory.
    Dynamic,
    /// `libcos.a` plus the system libraries the Rust standard library needs.
    Static,
}

/// One way to build a C program.
#[derive(Clone, Copy, Debug)]
pub struct Build {
    pub lang: Lang,
    pub link: Link,
    /// `-fsanitize=address,undefined`
    pub sanitize: bool,
}

impl Build {
    pub const C_DYNAMIC: Build = Build { lang: Lang::C, link: Link::Dynamic, sanitize: false };
    pub const C_ASAN: Build = Build { lang: Lang::C, link: Link::Dynamic, sanitize: true };

    /// A short name for file names and messages.
    pub fn tag(&self) -> String {
        let lang = match self.lang {
            Lang::C => "c",
            Lang::Cxx => "cxx",
        };
        let link = match self.link {
            Link::Dynamic => "dyn",
            Link::Static => "static",
        };
        format!("{lang}-{link}{}", if self.sanitize { "-asan" } else { "" })
    }

    /// Compiles and links `src` into `out_dir/<stem>-<tag>`, panicking with the compiler's output on failure.
    pub fn compile(&self, src: &Path, out_dir: &Path) -> PathBuf {
        self.compile_with_flags(src, out_dir, &[])
    }

    /// `compile` with `extra` compiler flags after the standard ones (e.g. `-pedantic` for C++).
    pub fn compile_with_flags(&self, src: &Path, out_dir: &Path, extra: &[&str]) -> PathBuf {
        let stem = src.file_stem().unwrap().to_string_lossy();
        let exe = out_dir.join(format!("{stem}-{}", self.tag()));
        let lib = lib_dir();
        let mut cmd = match self.lang {
            Lang::C => {
                let mut c = Command::new("gcc");
                c.args(["-std=c11", "-Wall", "-Wextra", "-Werror", "-pedantic"]);
                c
            }
            Lang::Cxx => {
                let mut c = Command::new("g++");
                c.args(["-x", "c++", "-std=c++17", "-Wall", "-Wextra", "-Werror"]);
                c
            }
        };
        cmd.args(extra).arg("-g").arg("-I").arg(root().join("include"));
        if self.sanitize {
            cmd.args(["-fsanitize=address,undefined", "-fno-omit-frame-pointer", "-fno-sanitize-recover=undefined"]);
        }
        cmd.arg(src);
        // Back to "the linker's language" for the libraries after `-x c++`.
        if self.lang == Lang::Cxx {
            cmd.args(["-x", "none"]);
        }
        match self.link {
            Link::Dynamic => {
                cmd.arg(format!("-L{}", lib.display())).arg(format!("-Wl,-rpath,{}", lib.display())).arg("-lcos");
            }
            Link::Static => {
                cmd.arg(lib.join("libcos.a")).args(["-lpthread", "-ldl", "-lm"]);
            }
        }
        cmd.arg("-o").arg(&exe);
        let out = cmd.output().unwrap_or_else(|e| panic!("cannot run the compiler {cmd:?}: {e}"));
        assert!(
            out.status.success(),
            "compiling {} ({}) failed: {cmd:?}\n{}{}",
            src.display(),
            self.tag(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        exe
    }
}

/// What a finished program did.
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

impl Run {
    /// Panics with the whole output unless the program exited with 0.
    pub fn assert_success(&self, what: &str) -> &Run {
        assert_eq!(
            self.code,
            Some(0),
            "{what} failed (exit {:?})\n--- stdout\n{}\n--- stderr\n{}",
            self.code,
            self.stdout,
            self.stderr
        );
        self
    }

    /// Panics unless stdout has a line containing `needle` (or one of its `|`-separated alternatives).
    pub fn assert_line(&self, what: &str, needle: &str) -> &Run {
        assert!(
            self.stdout.lines().any(|l| needle.split('|').any(|n| l.contains(n))),
            "{what}: no output line contains {needle:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout,
            self.stderr
        );
        self
    }
}

/// The environment that points `cos_client_new_from_env` at a server on `address` (`127.0.0.1:PORT`).
pub fn cos_env(address: &str, secret_id: &str, secret_key: &str) -> Vec<(String, String)> {
    [
        ("COS_SECRET_ID", secret_id),
        ("COS_SECRET_KEY", secret_key),
        ("COS_REGION", "ap-guangzhou"),
        ("COS_SCHEME", "http"),
        ("COS_ADDRESS", address),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

/// Runs `program args` (with `wrapper` in front, e.g. valgrind) with `env` added to a clean `COS_*`
/// environment, killing it after `timeout`.
pub fn run(wrapper: &[&str], program: &Path, args: &[&str], env: &[(String, String)], timeout: Duration) -> Run {
    let mut cmd = match wrapper.split_first() {
        Some((first, rest)) => {
            let mut c = Command::new(first);
            c.args(rest).arg(program);
            c
        }
        None => Command::new(program),
    };
    cmd.args(args).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    for (k, _) in std::env::vars() {
        if k.starts_with("COS_") {
            cmd.env_remove(k);
        }
    }
    cmd.envs(env.iter().map(|(k, v)| (k, v)));
    finish(&mut cmd, timeout)
}

/// Spawns `cmd` (whose stdout and stderr are piped), collects both, and kills it after `timeout`.
pub fn finish(cmd: &mut Command, timeout: Duration) -> Run {
    let start = Instant::now();
    let mut child = cmd.spawn().unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}"));
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = pipe.read_to_end(&mut buf);
            String::from_utf8_lossy(&buf).into_owned()
        })
    };
    let out = drain(Box::new(child.stdout.take().unwrap()));
    let err = drain(Box::new(child.stderr.take().unwrap()));
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for the program") {
            break status;
        }
        if start.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "{cmd:?} did not finish within {timeout:?}\n--- stdout\n{}\n--- stderr\n{}",
                out.join().unwrap(),
                err.join().unwrap()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Run { code: status.code(), stdout: out.join().unwrap(), stderr: err.join().unwrap(), elapsed: start.elapsed() }
}

/// The Valgrind command line every C test uses: definite and indirect leaks and memory errors fail the run
/// with exit status 99. "Possibly lost" blocks are not errors: the Rust standard library and rustls keep a
/// few process-lifetime allocations (a TLS session cache inside a lazily built global configuration) that
/// Valgrind can only see through interior pointers. No suppression file is needed.
pub fn valgrind() -> Vec<String> {
    vec![
        "valgrind".into(),
        "--quiet".into(),
        "--leak-check=full".into(),
        "--errors-for-leak-kinds=definite,indirect".into(),
        "--show-possibly-lost=no".into(),
        "--error-exitcode=99".into(),
    ]
}

/// Environment for AddressSanitizer/UBSan runs: leaks are errors, UB aborts with a stack trace.
pub fn sanitizer_env() -> Vec<(String, String)> {
    vec![
        ("ASAN_OPTIONS".into(), "detect_leaks=1:abort_on_error=0:exitcode=98".into()),
        ("UBSAN_OPTIONS".into(), "print_stacktrace=1:halt_on_error=1".into()),
    ]
}

/// Proves LeakSanitizer works here (it needs ptrace-like facilities some sandboxes lack): a program that
/// leaks must be reported. Panics with an explanation otherwise, so a silent LSan cannot pass as "no leaks".
pub fn assert_leak_sanitizer_works(out_dir: &Path) {
    let src = out_dir.join("lsan_probe.c");
    std::fs::write(
        &src,
        "#include <stdlib.h>\nvoid *volatile p;\nint main(void) { p = malloc(33); p = 0; return 0; }\n",
    )
    .unwrap();
    let exe = out_dir.join("lsan_probe");
    let status =
        Command::new("gcc").args(["-fsanitize=address", "-g"]).arg(&src).arg("-o").arg(&exe).status().expect("run gcc");
    assert!(status.success(), "cannot compile the LeakSanitizer probe");
    let run = run(&[], &exe, &[], &sanitizer_env(), Duration::from_secs(60));
    assert!(
        run.code == Some(98) && run.stderr.contains("LeakSanitizer"),
        "LeakSanitizer is unavailable in this environment (a leaking probe exited {:?} without a report), so \
         the ASan runs could not detect leaks:\n{}",
        run.code,
        run.stderr
    );
}
