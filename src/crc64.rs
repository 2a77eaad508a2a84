//! CRC-64/XZ, which COS reports as `x-cos-hash-crc64ecma` (decimal). SIMD-accelerated by `crc-fast`
//! (VPCLMULQDQ/AVX-512, PCLMULQDQ or NEON folding, chosen at run time; a table fallback elsewhere). The combine
//! below is our own: it needs no data, only CRCs and lengths.

/// A running CRC-64/XZ.
#[derive(Clone)]
pub struct Crc64(crc_fast::Digest);

impl Default for Crc64 {
    fn default() -> Self {
        Crc64(crc_fast::Digest::new(crc_fast::CrcAlgorithm::Crc64Xz))
    }
}

impl Crc64 {
    pub fn new() -> Crc64 {
        Crc64::default()
    }
    pub fn update(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
    pub fn value(&self) -> u64 {
        self.0.finalize()
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
pub fn combine(crc_a: u64, crc_b: u64, len_b: u64) -> u64 {
    Shift::new(len_b).apply(crc_a) ^ crc_b
}

/// The CRC of consecutive parts given as (crc, len), in order. Building the operator for a length is the
/// expensive step, so it is built once per distinct length (all parts but the last usually share one), and
/// not at all for the first part (which nothing precedes): a one-part object costs nothing.
pub fn combine_all(parts: impl IntoIterator<Item = (u64, u64)>) -> u64 {
    let mut parts = parts.into_iter();
    let Some((first, _)) = parts.next() else { return 0 };
    let mut shift: Option<(u64, Shift)> = None;
    parts.fold(first, |crc, (part_crc, len)| {
        let op = match &shift {
            Some((l, op)) if *l == len => op,
            _ => &shift.insert((len, Shift::new(len))).1,
        };
        op.apply(crc) ^ part_crc
    })
}

/// The linear operator that appends `len` zero bytes to a CRC register (with the XZ pre/post inversion
/// cancelled out): `crc(A ‖ B) = Shift(|B|).apply(crc(A)) ^ crc(B)`.
pub struct Shift([u64; 64]);

impl Shift {
    pub fn new(len: u64) -> Shift {
        Shift(shift_matrix(len))
    }

    pub fn apply(&self, crc: u64) -> u64 {
        gf2_times(&self.0, crc)
    }
}

/// The matrix of `len` zero bytes, by repeated squaring (zlib's method, kept as a matrix).
fn shift_matrix(mut len: u64) -> [u64; 64] {
    const POLY: u64 = 0xC96C5795D7870F42; // reflected ECMA-182
    let mut odd = [0u64; 64];
    odd[0] = POLY;
    for (i, row) in odd.iter_mut().enumerate().skip(1) {
        *row = 1 << (i - 1);
    }
    let mut even = [0u64; 64];
    gf2_square(&mut even, &odd); // 2 zero bits
    gf2_square(&mut odd, &even); // 4 zero bits
                                 // `result` accumulates the product of the operators for the set bits of `len` (identity for 0).
    let mut result = [0u64; 64];
    for (i, row) in result.iter_mut().enumerate() {
        *row = 1 << i;
    }
    while len != 0 {
        gf2_square(&mut even, &odd); // first pass: 8 zero bits = one zero byte
        if len & 1 != 0 {
            result = gf2_compose(&even, &result);
        }
        len >>= 1;
        if len == 0 {
            break;
        }
        gf2_square(&mut odd, &even);
        if len & 1 != 0 {
            result = gf2_compose(&odd, &result);
        }
        len >>= 1;
    }
    result
}

/// The matrix of `outer ∘ inner` (apply `inner`, then `outer`).
fn gf2_compose(outer: &[u64; 64], inner: &[u64; 64]) -> [u64; 64] {
    let mut out = [0u64; 64];
    for (n, row) in out.iter_mut().enumerate() {
        *row = gf2_times(outer, inner[n]);
    }
    out
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
        assert_eq!(combine_all(parts.iter().map(|p| (checksum(p), p.len() as u64))), checksum(&data));
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
