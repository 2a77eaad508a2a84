//! CRC-64/XZ, which COS calls crc64ecma (cos-protocol.md §4.5). The digest itself comes from
//! crc64fast (SIMD); this module adds zlib-style combination, so a completed multipart object's
//! CRC follows from its parts' CRCs without reading gigabytes again.

use once_cell::sync::Lazy;

/// The ECMA-182 polynomial, bit-reversed (CRC-64/XZ is a reflected CRC).
const POLY: u64 = 0xC96C_5795_D787_0F42;

#[cfg(test)]
pub fn crc64(data: &[u8]) -> u64 {
    let mut d = crc64fast::Digest::new();
    d.write(data);
    d.sum64()
}

/// a * b modulo POLY, polynomials in reflected order (bit 63 is x^0), as zlib's multmodp.
fn multmodp(a: u64, mut b: u64) -> u64 {
    let mut m = 1u64 << 63;
    let mut p = 0u64;
    loop {
        if a & m != 0 {
            p ^= b;
            if a & (m - 1) == 0 {
                break;
            }
        }
        m >>= 1;
        b = if b & 1 != 0 { (b >> 1) ^ POLY } else { b >> 1 };
    }
    p
}

/// X2N[k] = x^(2^k) modulo POLY.
static X2N: Lazy<[u64; 64]> = Lazy::new(|| {
    let mut table = [0u64; 64];
    let mut p = 1u64 << 62; // x^1
    for slot in table.iter_mut() {
        *slot = p;
        p = multmodp(p, p);
    }
    table
});

/// x^(n * 2^k) modulo POLY.
fn x2nmodp(mut n: u64, mut k: usize) -> u64 {
    let mut p = 1u64 << 63; // x^0
    while n != 0 {
        if n & 1 != 0 {
            p = multmodp(X2N[k & 63], p);
        }
        n >>= 1;
        k += 1;
    }
    p
}

/// CRC of A followed by B, from crc(A), crc(B) and len(B) (zlib's crc32_combine, for 64 bits).
/// The pre- and post-inversion of CRC-64/XZ cancel out, exactly as for zlib's CRC-32.
pub fn crc64_combine(crc_a: u64, crc_b: u64, len_b: u64) -> u64 {
    // Shifting A by len_b bytes multiplies it by x^(8 * len_b) = x^(len_b * 2^3).
    multmodp(x2nmodp(len_b, 3), crc_a) ^ crc_b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vectors() {
        assert_eq!(crc64(b""), 0);
        assert_eq!(crc64(b"123456789"), 0x995D_C9BB_DF19_39FA);
        assert_eq!(crc64(b"hello world"), 5_981_764_153_023_615_706);
    }

    #[test]
    fn combine_matches_direct_computation() {
        let data: Vec<u8> = (0..300_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
        for split in [0, 1, 7, 8, 4096, 65_537, 299_999, 300_000] {
            let (a, b) = data.split_at(split);
            assert_eq!(crc64_combine(crc64(a), crc64(b), b.len() as u64), crc64(&data), "split at {split}");
        }
        // Many parts folded left, as a multipart complete does.
        let mut folded = 0;
        for chunk in data.chunks(12_345) {
            folded = crc64_combine(folded, crc64(chunk), chunk.len() as u64);
        }
        assert_eq!(folded, crc64(&data));
    }

    #[test]
    fn combine_with_large_lengths() {
        // 1 MiB of 'a' (cos-protocol.md §4.5), as 1 MiB = 512 KiB + 512 KiB.
        let half = vec![b'a'; 512 * 1024];
        let c = crc64(&half);
        assert_eq!(crc64_combine(c, c, half.len() as u64), 6_701_094_182_323_390_671);
        // Zero-length B leaves A unchanged.
        assert_eq!(crc64_combine(c, 0, 0), c);
    }
}
