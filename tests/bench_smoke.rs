//! The speed benchmark still runs end to end: `benches/cos_bench.c` compiled against this build's header and
//! library, and `benches/driver.py` through all seven sections with tiny sizes and one repetition, against the
//! debug emulator, curl and the Python SDK. Speed is not judged here (a debug build on a shared machine; the
//! figures live in docs/speed.md); what must hold is that every measurement of every client produced a result
//! and every target could be computed, so the benchmark cannot rot between the runs that are published.

#[path = "c/cbuild.rs"]
mod cbuild;
mod support;

use cbuild::Build;
use std::time::Duration;

/// Every section, with the least work that still takes each path (parts, capped connections, trees).
const SIZES: &str = "--quick --reps 1 --size-mib 8 --part-mib 1 --concurrency 2 --small-count 30 --capped-mib 4 \
                     --capped-part-mib 1 --capped-concurrency 1,2 --rate-limit 20000000 --rss-mib 8 \
                     --many-count 60 --many-jobs 4";

#[test]
fn every_section_of_the_benchmark_runs() {
    let out = cbuild::out_dir("bench_smoke");
    let bench = Build::C_DYNAMIC.compile_with_flags(&cbuild::root().join("benches/cos_bench.c"), &out, &["-O1"]);
    let json = out.join("smoke.json");
    let driver = cbuild::root().join("benches/driver.py");
    let (driver, json_arg) = (driver.to_string_lossy(), json.to_string_lossy());
    let mut args = vec![&*driver];
    args.extend(SIZES.split_whitespace());
    args.extend(["--output", &*json_arg]);
    let env = [
        ("COS_BENCH_BIN".to_string(), bench.to_string_lossy().into_owned()),
        ("COS_EMULATOR_BIN".to_string(), support::emulator_bin().to_string_lossy().into_owned()),
    ];
    let run = cbuild::run(&[], &support::python(), &args, &env, Duration::from_secs(600));
    run.assert_success("benches/driver.py");
    let table = &run.stdout;
    let context = format!("--- stdout\n{table}\n--- stderr\n{}", run.stderr);
    for section in [
        "[1 single-stream]",
        "[2 transfers]",
        "[3 small requests]",
        "[4 capped",
        "[5 peak RSS",
        "[6 many small objects",
        "[7 small requests, client and server on one CPU]",
    ] {
        assert!(table.contains(section), "the table has no section {section}\n{context}");
    }
    // A measurement that failed shows "(N failed)" in its row; a target that could not be computed, ERROR.
    assert!(!table.contains(" failed)"), "a measurement failed\n{context}");
    assert!(!table.contains("ERROR"), "a target could not be computed\n{context}");
    let targets = table.lines().filter(|l| l.starts_with("  PASS ") || l.starts_with("  MISS ")).count();
    assert!(targets >= 20, "only {targets} targets were judged\n{context}");
    let written = std::fs::read_to_string(&json).expect("the driver writes its JSON");
    assert!(written.contains("\"series\"") && written.contains("\"targets\""), "the JSON lacks series or targets");
}
