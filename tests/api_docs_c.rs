//! `tests/c/api_docs.c`: every export of the tagging, ACL, restore and bucket policy/location/exists
//! sections used from C with asserts, bad input included, against a fresh emulator — built as C11 and as
//! C++17 with `-Werror`, run again under AddressSanitizer/UBSan and under valgrind. What the program wrote
//! is checked from Rust too.

#[path = "c/cbuild.rs"]
mod cbuild;
mod support;

use cbuild::{Build, Lang, Link};
use cos::RequestOptions;
use std::time::Duration;
use support::Emulator;

const TIMEOUT: Duration = Duration::from_secs(300);
const BUCKET: &str = "capidocs-1250000000";

fn run_once(exe: &std::path::Path, wrapper: &[&str], extra_env: Vec<(String, String)>, what: &str) {
    let emu = Emulator::start();
    let mut env = cbuild::cos_env(&emu.address, support::SECRET_ID, support::SECRET_KEY);
    env.extend(extra_env);
    let run = cbuild::run(wrapper, exe, &[], &env, TIMEOUT);
    run.assert_success(what).assert_line(what, "api_docs: ok (");
    // What the program left, seen from Rust: the tagged upload, the ACL policy, the restored object.
    let client = emu.client();
    let tags = client.get_object_tagging(BUCKET, "u", &RequestOptions::new()).unwrap();
    assert_eq!(tags.get("team"), Some("storage"), "{what}");
    assert_eq!(client.get_object_acl(BUCKET, "a", &RequestOptions::new()).unwrap().canned(), "public-read", "{what}");
    assert_eq!(client.get_object(BUCKET, "cold", &RequestOptions::new()).unwrap().0, b"cold", "{what}");
    assert_eq!(client.get_bucket_acl(BUCKET).unwrap().canned(), "private", "{what}");
}

#[test]
fn api_docs_c_program() {
    let out = cbuild::out_dir("api-docs");
    let src = cbuild::root().join("tests/c/api_docs.c");
    for build in [Build::C_DYNAMIC, Build { lang: Lang::Cxx, link: Link::Static, sanitize: false }, Build::C_ASAN] {
        let exe = build.compile(&src, &out);
        let env = if build.sanitize { cbuild::sanitizer_env() } else { Vec::new() };
        run_once(&exe, &[], env, &format!("api_docs ({})", build.tag()));
    }
}

#[test]
fn api_docs_c_program_under_valgrind() {
    let out = cbuild::out_dir("api-docs-valgrind");
    let exe = Build::C_DYNAMIC.compile(&cbuild::root().join("tests/c/api_docs.c"), &out);
    let valgrind = cbuild::valgrind();
    let wrapper: Vec<&str> = valgrind.iter().map(String::as_str).collect();
    run_once(&exe, &wrapper, Vec::new(), "api_docs (valgrind)");
}
