//! CRC-64/XZ, which COS reports as `x-cos-hash-crc64ecma` (decimal). SIMD-accelerated by `crc64fast`.

/// A running CRC-64/XZ.
#[derive(Clone)]
pub struct Crc64(crc64fast::Digest);

impl Default for Crc64 {
    fn default() -> Self {
        Crc64(crc64fast::Digest::new())
    }
}

impl Crc64 {
    pub fn new() -> Crc64 {
        Crc64::default()
    }
    pub fn update(&mut self, bytes: &[u8]) {
        self.0.write(bytes);
    }
    pub fn value(&self) -> u64 {
        self.0.sum64()
    }
}

/// The CRC-64/XZ of `bytes`.
pub fn checksum(bytes: &[u8]) -> u64 {
    let mut c = Crc64::new();
    c.update(bytes);
    c.value()
}

/// The CRC-64/XZ of `A ‖ B` from `crc_a = crc(A)`, `crc_b = crc(B)` and `len_b = |B|`, without the data
/// (zlib's `crc32_combine` method for this polynomial): combines the CRCs of parts uploaded in parallel.
pub fn combine(crc_a: u64, crc_b: u64, mut len_b: u64) -> u64 {
    const POLY: u64 = 0xC96C5795D7870F42; // reflected ECMA-182
    if len_b == 0 {
        return crc_a;
    }
    // `odd` is the operator for one zero bit, `even` for two; squaring doubles the number of zero bits.
    let mut odd = [0u64; 64];
    odd[0] = POLY;
    for (i, row) in odd.iter_mut().enumerate().skip(1) {
        *row = 1 << (i - 1);
    }
    let mut even = [0u64; 64];
    gf2_square(&mut even, &odd); // 2 zero bits
    gf2_square(&mut odd, &even); // 4 zero bits
    let mut crc = crc_a;
    loop {
        gf2_square(&mut even, &odd); // first pass: 8 zero bits = one zero byte
        if len_b & 1 != 0 {
            crc = gf2_times(&even, crc);
        }
        len_b >>= 1;
        if len_b == 0 {
            break;
        }
        gf2_square(&mut odd, &even);
        if len_b & 1 != 0 {
            crc = gf2_times(&odd, crc);
        }
        len_b >>= 1;
        if len_b == 0 {
            break;
        }
    }
    crc ^ crc_b
}

fn gf2_times(mat: &[u64; 64], mut vec: u64) -> u64 {
    let mut sum = 0;
    let mut i = 0;
    while vec != 0 {
        if vec & 1 != 0 {
            sum ^= mat[i];
        }
        vec >>= 1;
        i += 1;
    }
    sum
}

fn gf2_square(square: &mut [u64; 64], mat: &[u64; 64]) {
    for (n, row) in square.iter_mut().enumerate() {
        *row = gf2_times(mat, mat[n]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn combine_equals_crc_of_concatenation() {
        let data: Vec<u8> = (0..300_000u32).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8).collect();
        for split in [0, 1, 7, 8, 4096, 100_001, 299_999, 300_000] {
            let (a, b) = data.split_at(split);
            assert_eq!(combine(checksum(a), checksum(b), b.len() as u64), checksum(&data), "split at {split}");
        }
        let parts: Vec<&[u8]> = data.chunks(65_536).collect();
        let total = parts.iter().fold(0, |crc, p| combine(crc, checksum(p), p.len() as u64));
        assert_eq!(total, checksum(&data));
    }

    /// Vectors from cos-protocol.md §4.5.
    #[test]
    fn vectors() {
        assert_eq!(checksum(b"123456789"), 0x995DC9BBDF1939FA);
        assert_eq!(checksum(b""), 0);
        assert_eq!(checksum(b"hello world"), 5981764153023615706);
        assert_eq!(checksum(b"ObjectContent"), 2900061071848923409);
        assert_eq!(checksum(&vec![b'a'; 1 << 20]), 6701094182323390671);
    }

    #[test]
    fn streaming_equals_one_shot() {
        let data: Vec<u8> = (0..100_000u32).map(|i| (i * 31 % 251) as u8).collect();
        let mut c = Crc64::new();
        for chunk in data.chunks(777) {
            c.update(chunk);
        }
        assert_eq!(c.value(), checksum(&data));
    }
}
