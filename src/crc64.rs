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

#[cfg(test)]
mod tests {
    use super::*;

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
