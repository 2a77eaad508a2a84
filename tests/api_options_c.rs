//! `tests/c/api_options.c`: the typed option setters, the symlink exports and the bucket creation and
//! listing options used from C with asserts, bad
//! input included, against a fresh emulator — built as C11 and as C++17 with `-Werror`, run again under
//! AddressSanitizer/UBSan and under valgrind. What the program wrote is checked from Rust too.

#[path = "c/cbuild.rs"]
mod cbuild;
mod support;

use cbuild::{Build, Lang, Link};
use cos::RequestOptions;
use std::time::Duration;
use support::Emulator;

const TIMEOUT: Duration = Duration::from_secs(300);
const BUCKET: &str = "capioptions-1250000000";

fn run_once(exe: &std::path::Path, wrapper: &[&str], extra_env: Vec<(String, String)>, what: &str) {
    let emu = Emulator::start();
    let mut env = cbuild::cos_env(&emu.address, support::SECRET_ID, support::SECRET_KEY);
    env.extend(extra_env);
    let run = cbuild::run(wrapper, exe, &[], &env, TIMEOUT);
    run.assert_success(what).assert_line(what, "api_options: ok (");
    let client = emu.client();
    let head = client.head_object(BUCKET, "typed", &RequestOptions::new()).unwrap();
    assert_eq!(head.headers.get("cache-control"), Some("max-age=3600"), "{what}");
    assert_eq!(client.get_symlink(BUCKET, "links/one", &RequestOptions::new()).unwrap(), "typed", "{what}");
    assert_eq!(client.head_object(BUCKET, "links/one", &RequestOptions::new()).unwrap().meta("origin"), Some("c"));
    let ofs = client.head_bucket("cofs-1250000000").unwrap();
    assert_eq!(ofs.get("x-cos-bucket-arch"), Some("OFS"), "{what}");
    assert_eq!(client.get_bucket_tagging("cofs-1250000000").unwrap().get("team"), Some("c"), "{what}");
    assert!(client.head_object(BUCKET, "r", &RequestOptions::new()).is_err(), "{what}: the refused put sent nothing");
}

#[test]
fn api_options_c_program() {
    let out = cbuild::out_dir("api-options");
    let src = cbuild::root().join("tests/c/api_options.c");
    for build in [Build::C_DYNAMIC, Build { lang: Lang::Cxx, link: Link::Static, sanitize: false }, Build::C_ASAN] {
        let exe = build.compile(&src, &out);
        let env = if build.sanitize { cbuild::sanitizer_env() } else { Vec::new() };
        run_once(&exe, &[], env, &format!("api_options ({})", build.tag()));
    }
}

#[test]
fn api_options_c_program_under_valgrind() {
    let out = cbuild::out_dir("api-options-valgrind");
    let exe = Build::C_DYNAMIC.compile(&cbuild::root().join("tests/c/api_options.c"), &out);
    let valgrind = cbuild::valgrind();
    let wrapper: Vec<&str> = valgrind.iter().map(String::as_str).collect();
    run_once(&exe, &wrapper, Vec::new(), "api_options (valgrind)");
}
