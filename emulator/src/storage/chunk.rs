//! Memory for bodies kept in memory. Filling fresh pages is expensive: a body arriving at GB/s
//! spent about half of the emulator's CPU in page faults, memory accounting and page zeroing
//! (perf, 1 GiB PUTs), which capped PUT near 1 GB/s. So large buffers are anonymous mappings
//! that go back to a bounded pool when their object is dropped, and the next large body is
//! received into memory that is already faulted in. (Huge pages were tried and were slower
//! here: zeroing fresh 2 MiB pages in this VM cost more than the faults they save.)
//! Small buffers are plain vectors.

use std::ops::Deref;
use std::sync::Mutex;

/// Buffers of at least this size are mappings, and are recycled.
const MAPPED_MIN: usize = 4 << 20;
/// Most memory the pool keeps for reuse.
const POOL_MAX: usize = 1 << 30;

/// A private anonymous mapping of `len` bytes, owned by whoever holds it.
struct Mapping {
    base: *mut u8,
    len: usize,
}

// SAFETY: plain memory with a single owner; see Chunk.
unsafe impl Send for Mapping {}

impl Mapping {
    fn new(len: usize) -> Option<Mapping> {
        // SAFETY: an anonymous private mapping with no address hint; checked for failure below.
        let base = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        (base != libc::MAP_FAILED).then_some(Mapping { base: base.cast(), len })
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: created by `Mapping::new` with this base and length; unmapped once.
        unsafe { libc::munmap(self.base.cast(), self.len) };
    }
}

/// Freed mappings, and their total size.
static POOL: Mutex<(Vec<Mapping>, usize)> = Mutex::new((Vec::new(), 0));

fn take_pooled(len: usize) -> Option<Mapping> {
    let mut pool = POOL.lock().unwrap_or_else(|e| e.into_inner());
    let i = pool.0.iter().position(|m| m.len == len)?;
    pool.1 -= len;
    Some(pool.0.swap_remove(i))
}

fn give_back(m: Mapping) {
    let mut pool = POOL.lock().unwrap_or_else(|e| e.into_inner());
    if pool.1 + m.len <= POOL_MAX {
        pool.1 += m.len;
        pool.0.push(m);
    }
}

pub struct Chunk {
    mem: Mem,
    len: usize,
}

enum Mem {
    Heap(Vec<u8>),
    Mapped(Option<Mapping>),
}

// SAFETY: a chunk is plain memory with a single owner; shared access is read-only (`Deref`) and
// writes need `&mut Chunk`, exactly as for a Vec.
unsafe impl Send for Chunk {}
unsafe impl Sync for Chunk {}

impl Chunk {
    /// A buffer of `cap` bytes to be filled. Its initial contents are unspecified (zeroes, or
    /// bytes of a recycled buffer); only what is filled is ever exposed, after `truncate`.
    pub fn for_filling(cap: usize) -> Chunk {
        if cap >= MAPPED_MIN {
            if let Some(m) = take_pooled(cap).or_else(|| Mapping::new(cap)) {
                return Chunk { mem: Mem::Mapped(Some(m)), len: cap };
            }
        }
        Chunk { mem: Mem::Heap(vec![0; cap]), len: cap }
    }

    pub fn from_vec(v: Vec<u8>) -> Chunk {
        Chunk { len: v.len(), mem: Mem::Heap(v) }
    }

    pub fn capacity(&self) -> usize {
        match &self.mem {
            Mem::Heap(v) => v.len(),
            Mem::Mapped(m) => m.as_ref().map_or(0, |m| m.len),
        }
    }

    /// The whole capacity, to be filled.
    pub fn full_mut(&mut self) -> &mut [u8] {
        match &mut self.mem {
            Mem::Heap(v) => v,
            // SAFETY: the mapping is valid for `len` bytes, initialised (zero-filled by the kernel
            // or written before), and borrowed mutably through `&mut self`.
            Mem::Mapped(Some(m)) => unsafe { std::slice::from_raw_parts_mut(m.base, m.len) },
            Mem::Mapped(None) => &mut [],
        }
    }

    /// Keep the first `len` bytes (at most the capacity); a small remainder of a large mapping is
    /// moved to the heap so a short chunked body does not pin megabytes.
    pub fn truncate(mut self, len: usize) -> Chunk {
        let len = len.min(self.capacity());
        if matches!(self.mem, Mem::Mapped(_)) && len < MAPPED_MIN / 2 {
            return Chunk::from_vec(self.full_mut()[..len].to_vec());
        }
        self.len = len;
        self
    }
}

impl Deref for Chunk {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match &self.mem {
            Mem::Heap(v) => &v[..self.len],
            // SAFETY: the mapping is valid for its `len` >= `self.len` initialised bytes while
            // self lives, and only read through `&self`.
            Mem::Mapped(Some(m)) => unsafe { std::slice::from_raw_parts(m.base, self.len) },
            Mem::Mapped(None) => &[],
        }
    }
}

impl Drop for Chunk {
    fn drop(&mut self) {
        if let Mem::Mapped(m) = &mut self.mem {
            if let Some(m) = m.take() {
                give_back(m);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapped_and_heap_chunks() {
        // An odd size, so no other test's pooled buffer is picked up.
        let size = (9 << 20) + 4096;
        let mut big = Chunk::for_filling(size);
        assert!(matches!(big.mem, Mem::Mapped(Some(_))));
        big.full_mut()[size - 1] = 7;
        big.full_mut()[0] = 1;
        let big = big.truncate(usize::MAX);
        assert_eq!((big.len(), big[0], big[size - 1]), (size, 1, 7));
        // A short remainder moves to the heap (and the mapping to the pool).
        let small = big.truncate(5);
        assert!(matches!(small.mem, Mem::Heap(_)));
        assert_eq!(small[0], 1);
        // The recycled mapping comes back, contents and all.
        let again = Chunk::for_filling(size);
        assert_eq!(again[size - 1], 7);
        let mut c = Chunk::for_filling(10);
        c.full_mut().copy_from_slice(b"0123456789");
        assert_eq!(&c.truncate(4)[..], b"0123");
    }
}
