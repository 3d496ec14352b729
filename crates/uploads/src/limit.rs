//! The size limit, applied while the upload streams in.

use crate::rejection::Rejection;

/// Gathers an upload chunk by chunk, holding at most `limit` bytes in memory.
///
/// The first chunk that takes the upload past the limit is refused, so the caller answers at
/// once instead of reading the rest of a file it will not keep: a 20 MB photo sent for a 2 MB
/// document costs us 2 MB of reading, and the citizen on a slow line hears back before their
/// phone has sent the rest.
#[derive(Debug)]
pub struct Collector {
    limit: u64,
    kept: Vec<u8>,
    seen: u64,
}

impl Collector {
    /// A collector for a rule allowing `limit` bytes.
    pub fn new(limit: u64) -> Self {
        Self { limit, kept: Vec::new(), seen: 0 }
    }

    /// Adds the next chunk. An error means: stop reading and reject. The size in the error is
    /// unknown, because the rest was never read.
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), Rejection> {
        self.seen = self.seen.saturating_add(chunk.len() as u64);
        if self.seen > self.limit {
            self.kept = Vec::new();
            return Err(Rejection::TooLarge { size: None, limit: self.limit });
        }
        self.reserve_within_limit(chunk.len());
        self.kept.extend_from_slice(chunk);
        Ok(())
    }

    /// Grows the buffer by doubling as `Vec` would, but never past `limit`, so a 3 MB limit
    /// does not end up holding a 4 MB allocation.
    fn reserve_within_limit(&mut self, additional: usize) {
        let needed = self.kept.len() + additional;
        if needed > self.kept.capacity() {
            let limit = usize::try_from(self.limit).unwrap_or(usize::MAX);
            let target = self.kept.capacity().saturating_mul(2).max(needed).min(limit.max(needed));
            self.kept.reserve_exact(target - self.kept.len());
        }
    }

    /// How many bytes have arrived so far.
    pub fn seen(&self) -> u64 {
        self.seen
    }

    /// The whole upload, once the body has ended.
    pub fn finish(self) -> Result<Vec<u8>, Rejection> {
        if self.seen > self.limit {
            Err(Rejection::TooLarge { size: None, limit: self.limit })
        } else if self.seen == 0 {
            Err(Rejection::Empty)
        } else {
            Ok(self.kept)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MB: u64 = 1024 * 1024;

    #[test]
    fn keeps_a_file_within_the_limit() {
        let mut collector = Collector::new(10);
        collector.push(b"hello ").unwrap();
        collector.push(b"you").unwrap();
        assert_eq!(collector.finish().unwrap(), b"hello you");
    }

    #[test]
    fn exactly_the_limit_is_fine() {
        let mut collector = Collector::new(4);
        collector.push(b"abcd").unwrap();
        assert_eq!(collector.finish().unwrap(), b"abcd");
    }

    #[test]
    fn refuses_the_chunk_that_passes_the_limit() {
        let mut collector = Collector::new(2 * MB);
        let chunk = vec![0u8; 64 * 1024];
        for _ in 0..32 {
            collector.push(&chunk).unwrap();
        }
        // One byte over: refused there, not after the rest of a 6 MB file.
        assert_eq!(collector.push(&[0]), Err(Rejection::TooLarge { size: None, limit: 2 * MB }));
        assert_eq!(collector.seen(), 2 * MB + 1);
        assert_eq!(collector.kept.capacity(), 0, "the refused upload is freed at once");
        assert_eq!(collector.finish(), Err(Rejection::TooLarge { size: None, limit: 2 * MB }));
    }

    #[test]
    fn never_allocates_past_the_limit() {
        let limit = 3 * MB;
        let mut collector = Collector::new(limit);
        let chunk = vec![7u8; 10_000];
        while collector.seen() + 10_000 <= limit {
            collector.push(&chunk).unwrap();
            assert!(collector.kept.capacity() as u64 <= limit, "capacity {} over the limit", collector.kept.capacity());
        }
        assert_eq!(collector.finish().unwrap().len() % 10_000, 0);
    }

    #[test]
    fn an_empty_body_is_empty() {
        let mut collector = Collector::new(10);
        collector.push(b"").unwrap();
        assert!(matches!(collector.finish(), Err(Rejection::Empty)));
    }
}
