//! The frozen feature hash: 64-bit FNV-1a over a namespace byte and the n-gram's bytes,
//! folded to a power-of-two bucket count.
//!
//! Hand-written on purpose: saved models depend on the exact bucket of every n-gram, so the
//! function must never change with a dependency upgrade (std's `DefaultHasher` is explicitly
//! unstable across releases). fastText freezes its FNV-1a for the same reason. If this file
//! changes, the model format version must change too (the frozen test below guards it).

use serde::{Deserialize, Serialize};

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// Incremental FNV-1a state.
#[derive(Debug, Clone, Copy)]
pub struct Fnv1a(u64);

impl Fnv1a {
    /// A fresh hash seeded with a namespace byte, so different feature kinds never share
    /// buckets by construction.
    pub fn new(namespace: u8) -> Fnv1a {
        let mut hash = Fnv1a(FNV_OFFSET);
        hash.write(&[namespace]);
        hash
    }

    /// Feeds bytes.
    pub fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 ^= u64::from(byte);
            self.0 = self.0.wrapping_mul(FNV_PRIME);
        }
    }

    /// The 64-bit hash value.
    pub fn finish(self) -> u64 {
        self.0
    }
}

/// Maps hashes to `2^bits` buckets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeatureHasher {
    bits: u8,
}

impl FeatureHasher {
    /// Smallest accepted bucket exponent.
    pub const MIN_BITS: u8 = 10;
    /// Largest accepted bucket exponent.
    pub const MAX_BITS: u8 = 26;

    /// A hasher with `2^bits` buckets; `bits` must lie in `MIN_BITS..=MAX_BITS`
    /// (checked by the feature configuration).
    pub fn new(bits: u8) -> FeatureHasher {
        FeatureHasher { bits }
    }

    /// The number of buckets.
    pub fn n_buckets(&self) -> usize {
        1usize << self.bits
    }

    /// The bucket of a finished hash: the high half xor-folded into the low half, masked.
    pub fn bucket(&self, hash: Fnv1a) -> u32 {
        let h = hash.finish();
        let folded = h ^ (h >> 32);
        (folded & ((1u64 << self.bits) - 1)) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bucket_of(bits: u8, namespace: u8, text: &str) -> u32 {
        let mut h = Fnv1a::new(namespace);
        h.write(text.as_bytes());
        FeatureHasher::new(bits).bucket(h)
    }

    #[test]
    fn fnv1a_matches_the_reference_vectors() {
        // FNV-1a 64 of "a" and "foobar" (reference values from the FNV specification),
        // computed without the namespace byte.
        let raw = |s: &str| {
            let mut h = Fnv1a(FNV_OFFSET);
            h.write(s.as_bytes());
            h.finish()
        };
        assert_eq!(raw(""), 0xcbf29ce484222325);
        assert_eq!(raw("a"), 0xaf63dc4c8601ec8c);
        assert_eq!(raw("foobar"), 0x85944171f73967e8);
    }

    #[test]
    fn frozen_buckets() {
        // If these change, saved models break: bump the model format version.
        assert_eq!(bucket_of(18, b'w', "نفت"), 232_594);
        assert_eq!(bucket_of(18, b'w', "زعم"), 131_820);
        assert_eq!(bucket_of(18, b'c', "<نف"), 133_485);
        assert_eq!(bucket_of(20, b'b', "لا صحه"), 636_600);
    }

    #[test]
    fn namespaces_separate_kinds() {
        assert_ne!(bucket_of(18, b'w', "نفت"), bucket_of(18, b'c', "نفت"));
    }
}
