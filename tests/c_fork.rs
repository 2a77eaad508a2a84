//! fork() from C (tests/c/fork.c): a client used, the process forked, the child using the same client
//! succeeds on a connection of its own and the parent keeps its pooled one, as the emulator's connection
//! counter shows. Each build runs against a fresh emulator, so the counts start from zero.

#[path = "c/cbuild.rs"]
mod cbuild;
mod support;

use std::time::Duration;
use support::{Emulator, SECRET_ID, SECRET_KEY};

#[test]
fn a_forked_child_uses_the_client_on_its_own_connection() {
    let out = cbuild::out_dir("fork");
    let src = cbuild::root().join("tests/c/fork.c");
    for build in [cbuild::Build::C_DYNAMIC, cbuild::Build::C_ASAN] {
        let emu = Emulator::start();
        let exe = build.compile(&src, &out);
        let mut env = cbuild::cos_env(&emu.address, SECRET_ID, SECRET_KEY);
        if build.sanitize {
            env.extend(cbuild::sanitizer_env());
        }
        let what = format!("fork.c ({})", build.tag());
        cbuild::run(&[], &exe, &[], &env, Duration::from_secs(120)).assert_success(&what).assert_line(&what, "fork: ");
    }
}
