//! A set of feature buckets as a bitmap, for the membership test asked of every feature of
//! every row (which buckets are binary cue features).
//!
//! In: the buckets and the bucket count. Out: `contains` in one load and a mask, where a
//! binary search of the sorted list took about eight compares per feature.
//!
//! Hand-written: a fixed-size bitmap over at most `2^26` buckets is a dozen lines, and the
//! bitset crates in the registry (bit-set, fixedbitset) add nothing this needs.

/// Buckets of one kind, as one bit per bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BucketSet {
    words: Vec<u64>,
}

impl BucketSet {
    /// The set of `buckets` among `n_buckets` buckets; every bucket must be below `n_buckets`.
    pub fn new(n_buckets: usize, buckets: &[u32]) -> BucketSet {
        let mut words = vec![0u64; n_buckets.div_ceil(64)];
        for &b in buckets {
            words[b as usize / 64] |= 1 << (b % 64);
        }
        BucketSet { words }
    }

    /// Whether `bucket` is in the set (false for buckets past the end).
    #[inline]
    pub fn contains(&self, bucket: u32) -> bool {
        self.words
            .get(bucket as usize / 64)
            .is_some_and(|w| w & (1 << (bucket % 64)) != 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holds_exactly_its_buckets() {
        let members = [0, 63, 64, 1000, 4095];
        let set = BucketSet::new(4096, &members);
        for b in 0..5000 {
            assert_eq!(set.contains(b), members.contains(&b), "bucket {b}");
        }
    }
}
