//! `tests/c/api_copy.c`, which drives the copy-source exports of the C API through the real header and
//! checks every result, compiled as C11 and as C++17 with `-Werror`, dynamically and statically linked and
//! once with AddressSanitizer/UBSan (leaks are errors), each run against a fresh emulator. What it left
//! behind is checked from Rust: both buckets it deleted recursively are gone.

#[path = "c/cbuild.rs"]
mod cbuild;
mod support;

use cbuild::{Build, Lang, Link};
use std::time::Duration;
use support::Emulator;

const TIMEOUT: Duration = Duration::from_secs(120);

#[test]
fn api_copy_c_program() {
    let out = cbuild::out_dir("api-copy");
    let source = cbuild::root().join("tests/c/api_copy.c");
    let builds = [
        Build { lang: Lang::C, link: Link::Dynamic, sanitize: false },
        Build { lang: Lang::Cxx, link: Link::Static, sanitize: false },
        Build::C_ASAN,
    ];
    for build in builds {
        let tag = build.tag();
        let exe = build.compile(&source, &out);
        let emu = Emulator::start();
        let mut env = cbuild::cos_env(&emu.address, support::SECRET_ID, support::SECRET_KEY);
        if build.sanitize {
            env.extend(cbuild::sanitizer_env());
        }
        let what = format!("api_copy ({tag})");
        cbuild::run(&[], &exe, &[], &env, TIMEOUT)
            .assert_success(&what)
            .assert_line(&what, "api_copy: ")
            .assert_line(&what, ", 0 failed");
        for bucket in ["ccopy-1250000000", "ccopyfar-1250000000"] {
            let e = emu.client().head_bucket(bucket).unwrap_err();
            assert_eq!(e.http_status(), 404, "{what}: {bucket} was deleted recursively: {e:?}");
        }
    }
}
