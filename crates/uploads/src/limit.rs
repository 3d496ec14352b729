//! The size limit, applied while the upload streams in.

use crate::rejection::Rejection;

/// Gathers an upload chunk by chunk, holding at most `limit` bytes in memory.
///
/// Past the limit it keeps counting (and discarding) so the citizen can be told the file's
/// real size; past `hard_cap` it gives up at once so nobody can make us read forever.
#[derive(Debug)]
pub struct Collector {
    limit: u64,
    hard_cap: u64,
    kept: Vec<u8>,
    seen: u64,
}

impl Collector {
    /// A collector for a rule allowing `limit` bytes, reading at most `hard_cap` bytes in all.
    /// A `hard_cap` below `limit` is raised to `limit`.
    pub fn new(limit: u64, hard_cap: u64) -> Self {
        Self { limit, hard_cap: hard_cap.max(limit), kept: Vec::new(), seen: 0 }
    }

    /// Adds the next chunk. An error means: stop reading and reject.
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), Rejection> {
        self.seen = self.seen.saturating_add(chunk.len() as u64);
        if self.seen > self.hard_cap {
            self.kept = Vec::new();
            return Err(Rejection::TooLarge { size: None, limit: self.limit });
        }
        if self.seen > self.limit {
            // The upload will be refused, so free what we held instead of growing further.
            self.kept = Vec::new();
        } else {
            self.reserve_within_limit(chunk.len());
            self.kept.extend_from_slice(chunk);
        }
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
        if self.seen > self.hard_cap {
            Err(Rejection::TooLarge { size: None, limit: self.limit })
        } else if self.seen > self.limit {
            Err(Rejection::TooLarge { size: Some(self.seen), limit: self.limit })
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
        let mut collector = Collector::new(10, 100);
        collector.push(b"hello ").unwrap();
        collector.push(b"you").unwrap();
        assert_eq!(collector.finish().unwrap(), b"hello you");
    }

    #[test]
    fn exactly_the_limit_is_fine() {
        let mut collector = Collector::new(4, 8);
        collector.push(b"abcd").unwrap();
        assert_eq!(collector.finish().unwrap(), b"abcd");
    }

    #[test]
    fn counts_past_the_limit_without_keeping_the_bytes() {
        let mut collector = Collector::new(2 * MB, 20 * MB);
        let chunk = vec![0u8; 64 * 1024];
        // 6.2 MB in 64 KiB chunks: every push succeeds so the body is read to the end.
        for _ in 0..99 {
            collector.push(&chunk).unwrap();
        }
        assert_eq!(collector.seen(), 99 * 64 * 1024);
        assert!(collector.kept.capacity() as u64 <= 2 * MB, "kept {} bytes in memory", collector.kept.capacity());
        match collector.finish() {
            Err(Rejection::TooLarge { size: Some(size), limit }) => {
                assert_eq!(size, 99 * 64 * 1024);
                assert_eq!(limit, 2 * MB);
            }
            other => panic!("expected TooLarge with a size, got {other:?}"),
        }
    }

    #[test]
    fn never_allocates_past_the_limit() {
        let limit = 3 * MB;
        let mut collector = Collector::new(limit, 4 * MB);
        let chunk = vec![7u8; 10_000];
        while collector.seen() + 10_000 <= limit {
            collector.push(&chunk).unwrap();
            assert!(collector.kept.capacity() as u64 <= limit, "capacity {} over the limit", collector.kept.capacity());
        }
        assert_eq!(collector.finish().unwrap().len() % 10_000, 0);
    }

    #[test]
    fn stops_at_the_hard_cap() {
        let mut collector = Collector::new(10, 20);
        collector.push(&[0; 15]).unwrap();
        assert!(matches!(collector.push(&[0; 6]), Err(Rejection::TooLarge { size: None, limit: 10 })));
        assert!(matches!(collector.finish(), Err(Rejection::TooLarge { size: None, limit: 10 })));
    }

    #[test]
    fn an_empty_body_is_empty() {
        let mut collector = Collector::new(10, 20);
        collector.push(b"").unwrap();
        assert!(matches!(collector.finish(), Err(Rejection::Empty)));
    }

    #[test]
    fn a_hard_cap_below_the_limit_is_raised() {
        let mut collector = Collector::new(10, 1);
        collector.push(&[1; 10]).unwrap();
        assert_eq!(collector.finish().unwrap().len(), 10);
    }
}
