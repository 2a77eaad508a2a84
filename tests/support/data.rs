//! Deterministic test data, comparing bytes without printing megabytes, and waiting with a bound.

use std::time::{Duration, Instant};

pub const KIB: u64 = 1 << 10;
pub const MIB: u64 = 1 << 20;

/// `len` deterministic pseudo-random bytes (xorshift64*); different seeds give different bytes.
pub fn data(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        out.extend_from_slice(&x.wrapping_mul(0x2545_F491_4F6C_DD1D).to_le_bytes());
    }
    out.truncate(len);
    out
}

/// Panics with a readable message unless `got == want` (lengths, the first differing offset, and their
/// CRC-64s), without dumping megabytes.
#[track_caller]
pub fn assert_same(got: &[u8], want: &[u8], what: &str) {
    if got != want {
        let first = got.iter().zip(want).position(|(x, y)| x != y).unwrap_or(got.len().min(want.len()));
        panic!("{what}: {} bytes vs {} bytes, first difference at offset {first}", got.len(), want.len());
    }
    assert_eq!(cos::crc64::checksum(got), cos::crc64::checksum(want), "{what}: CRC-64");
}

/// Runs `f` on this thread and checks that it took less than `limit`. For a closure that may hang (and owns
/// what it uses), `hostile::within` runs it on a thread and gives up after `limit` instead.
#[track_caller]
pub fn within<T>(limit: Duration, what: &str, f: impl FnOnce() -> T) -> T {
    let started = Instant::now();
    let out = f();
    let took = started.elapsed();
    assert!(took < limit, "{what} took {took:?}, more than {limit:?}");
    out
}

/// Polls `cond` every few milliseconds until it holds, panicking after `limit`.
#[track_caller]
pub fn wait_for(what: &str, limit: Duration, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !cond() {
        assert!(Instant::now() < deadline, "timed out after {limit:?} waiting for {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}
