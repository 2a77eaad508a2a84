//! `tests/c/api_select.c`, which drives every select export of the C API through the real header (the
//! write callback with progress, the reader, stats, an error event, bad input), compiled as C11 and as
//! C++17 with `-Werror`, dynamically and statically linked and once with AddressSanitizer/UBSan (leaks are
//! errors), each run against a fresh emulator.

#[path = "c/cbuild.rs"]
mod cbuild;
mod support;

use cbuild::{Build, Lang, Link};
use std::time::Duration;
use support::Emulator;

const TIMEOUT: Duration = Duration::from_secs(120);

#[test]
fn api_select_c_program() {
    let out = cbuild::out_dir("api-select");
    let source = cbuild::root().join("tests/c/api_select.c");
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
        let what = format!("api_select ({tag})");
        cbuild::run(&[], &exe, &[], &env, TIMEOUT)
            .assert_success(&what)
            .assert_line(&what, "api_select: ")
            .assert_line(&what, ", 0 failed");
    }
}
