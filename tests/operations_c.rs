//! `tests/c/operations.c`: the non-blocking calls from C — 1,000 puts on a pool of 4 completed through
//! callbacks and an epoll loop on their descriptors, results equal to the blocking calls', queued and
//! running operations cancelled (against stalls armed here through the emulator's fault API), and a client
//! freed with operations in flight — built as C11 and run against a fresh emulator, plain, under
//! AddressSanitizer/UBSan and under valgrind.

#[path = "c/cbuild.rs"]
mod cbuild;
mod support;

use cbuild::Build;
use cos::RequestOptions;
use std::time::Duration;
use support::{data, Emulator, TempDir, MIB};

const TIMEOUT: Duration = Duration::from_secs(600);
const BUCKET: &str = "cops-1250000000";

fn run_once(exe: &std::path::Path, wrapper: &[&str], env: Vec<(String, String)>, ops: usize, what: &str) {
    let emu = Emulator::start();
    let client = emu.client();
    client.create_bucket(BUCKET, &RequestOptions::new()).unwrap();
    for (key, body) in [("slow", b"s".to_vec()), ("slow2", b"t".to_vec()), ("big", data(3 * MIB as usize, 5))] {
        client.put_object(BUCKET, key, &body, &RequestOptions::new()).unwrap();
    }
    // The one GET that keeps the only worker busy while operations queue behind it.
    emu.fault("kind=stall&ms=3000&count=1&method=GET&key=slow");
    // The two GETs running when the client is freed.
    emu.fault("kind=stall&ms=2000&count=2&method=GET&key=slow2");
    // Every ranged GET of the download that is cancelled while running.
    emu.fault("kind=stall&ms=4000&at=body&after_bytes=1000&count=100&method=GET&key=big");
    let dir = TempDir::new("cops");
    let mut full_env = cbuild::cos_env(&emu.address, support::SECRET_ID, support::SECRET_KEY);
    full_env.extend(env);
    let count = ops.to_string();
    let run = cbuild::run(wrapper, exe, &[&count, dir.0.to_str().unwrap()], &full_env, TIMEOUT);
    run.assert_success(what).assert_line(what, "operations: ");
    // What the C side started landed: every put, none of the cancelled ones.
    let listed = client.list_objects(BUCKET, &cos::ListParams { prefix: "k/".into(), ..Default::default() });
    assert_eq!(listed.unwrap().objects.len(), ops.min(1000), "{what}");
    assert!(client.head_object(BUCKET, "never/0", &RequestOptions::new()).is_err(), "{what}");
}

#[test]
fn operations_c_program() {
    let out = cbuild::out_dir("operations");
    let src = cbuild::root().join("tests/c/operations.c");
    for build in [Build::C_DYNAMIC, Build::C_ASAN] {
        let exe = build.compile(&src, &out);
        let env = if build.sanitize { cbuild::sanitizer_env() } else { Vec::new() };
        run_once(&exe, &[], env, 1000, &format!("operations ({})", build.tag()));
    }
}

#[test]
fn operations_c_program_under_valgrind() {
    let out = cbuild::out_dir("operations-valgrind");
    let exe = Build::C_DYNAMIC.compile(&cbuild::root().join("tests/c/operations.c"), &out);
    let valgrind = cbuild::valgrind();
    let wrapper: Vec<&str> = valgrind.iter().map(String::as_str).collect();
    // Fewer puts: valgrind runs one thread at a time, and the point here is the frees, not the count.
    run_once(&exe, &wrapper, Vec::new(), 200, "operations (valgrind)");
}
