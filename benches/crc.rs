//! CRC-64/XZ throughput (the check on every byte the library moves), against memcpy on the same buffer.
//!
//! `cargo bench --bench crc` prints a table and writes `benches/results/crc.json`. Under `cargo test`
//! (no `--bench` argument) it only checks the CRC once, so the test suite stays fast.

use std::time::Instant;

const BUF: usize = 64 << 20;
const ROUNDS: usize = 16; // 1 GiB per measurement
const REPS: usize = 5;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// GB/s of `f` over ROUNDS passes of the buffer, median of REPS.
fn measure(mut f: impl FnMut()) -> (f64, Vec<f64>) {
    let runs: Vec<f64> = (0..REPS)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..ROUNDS {
                f();
            }
            (BUF * ROUNDS) as f64 / t.elapsed().as_secs_f64() / 1e9
        })
        .collect();
    (median(runs.clone()), runs)
}

fn main() {
    let data: Vec<u8> = (0..BUF).map(|i| (i as u32).wrapping_mul(2654435761).to_le_bytes()[1]).collect();
    assert_eq!(cos::crc64::checksum(b"123456789"), 0x995DC9BBDF1939FA);
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let mut sink = 0u64;
    let (crc, crc_runs) = measure(|| sink ^= cos::crc64::checksum(&data));
    let mut copy = vec![0u8; BUF];
    let (memcpy, memcpy_runs) = measure(|| {
        copy.copy_from_slice(&data);
        std::hint::black_box(&copy);
    });
    let mut parts = 0u64;
    let t = Instant::now();
    for _ in 0..10_000 {
        parts ^= cos::crc64::combine_all((0..64u64).map(|i| (i, 16 << 20)));
    }
    let combine_us = t.elapsed().as_secs_f64() * 1e6 / 10_000.0;
    std::hint::black_box((sink, parts));

    println!("{:<44} {:>10}", "measurement", "median");
    println!("{:<44} {:>7.2} GB/s  {:?}", "CRC-64/XZ (crc-fast, SIMD)", crc, crc_runs);
    println!("{:<44} {:>7.2} GB/s  {:?}", "memcpy (reference)", memcpy, memcpy_runs);
    println!("{:<44} {:>7.1} us", "combine_all, 64 parts of 16 MiB", combine_us);
    println!("target: CRC >= 20 GB/s: {}", if crc >= 20.0 { "PASS" } else { "MISS" });
    let json = format!(
        "{{\"date_unix\":{},\"crc_gbps\":{crc:.3},\"crc_runs\":{crc_runs:?},\"memcpy_gbps\":{memcpy:.3},\"memcpy_runs\":{memcpy_runs:?},\"combine_all_64_parts_us\":{combine_us:.1},\"nproc\":{}}}\n",
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0),
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
    );
    let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/results/crc.json");
    if std::fs::create_dir_all(out.parent().unwrap()).and_then(|()| std::fs::write(&out, json)).is_ok() {
        println!("wrote {}", out.display());
    }
}
