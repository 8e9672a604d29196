//! A filter on a word's last letters, asked before looking a word up in the cue lexicon: most
//! words of a sentence end in letters that no lexicon entry ends in, and are ruled out without
//! hashing the several readings of the word.
//!
//! In: the entries (lexicon keys) and how many final letters to compare, once; then words.
//! Out: `false` only when no entry can equal the word or any suffix of it (the readings of a
//! word without its clitics are suffixes).
//!
//! Hand-written: a 2^18-bit table over hashed final Arabic-block letters; no crate offers a
//! suffix pre-filter for a hash map. Two endings sharing a bit only let more words through.

/// First character of the Arabic block.
const BLOCK_START: u32 = 0x0600;
/// Size of the Arabic block.
const BLOCK_LEN: u32 = 0x100;
/// Bits of the table index.
const INDEX_BITS: u32 = 18;
/// The most final letters compared.
const MAX_LETTERS: usize = 3;

/// Which final letters the entries end in.
#[derive(Debug, Clone)]
pub struct EndingFilter {
    /// One bit per hashed ending.
    bits: Vec<u64>,
    /// How many final letters are compared (1 to [`MAX_LETTERS`]).
    letters: usize,
    /// Whether some entry is not at least `letters` Arabic-block letters: then nothing is
    /// ruled out.
    accept_all: bool,
}

/// A word's last letters (up to three), those that lie in the Arabic block, last first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ending {
    /// Offsets from U+0600 of the final letters, last first.
    offsets: [u32; MAX_LETTERS],
    /// How many final letters lie in the block (at most [`MAX_LETTERS`]).
    len: usize,
}

impl Ending {
    /// The ending of `word`.
    #[inline]
    pub fn of(word: &str) -> Ending {
        let mut ending = Ending {
            offsets: [0; MAX_LETTERS],
            len: 0,
        };
        for c in word.chars().rev().take(MAX_LETTERS) {
            let offset = (c as u32).wrapping_sub(BLOCK_START);
            if offset >= BLOCK_LEN {
                break;
            }
            ending.offsets[ending.len] = offset;
            ending.len += 1;
        }
        ending
    }

    /// The table index of the last `letters` letters, if the word has that many.
    #[inline]
    fn index(&self, letters: usize) -> Option<usize> {
        if self.len < letters {
            return None;
        }
        let key = self.offsets[..letters]
            .iter()
            .fold(0u32, |key, &offset| key * BLOCK_LEN + offset);
        // Multiplicative hashing into INDEX_BITS bits.
        Some((key.wrapping_mul(0x9E37_79B1) >> (32 - INDEX_BITS)) as usize)
    }
}

impl EndingFilter {
    /// The filter for a set of entries, comparing their last `letters` letters (1 to 3).
    pub fn new<'a>(entries: impl IntoIterator<Item = &'a str>, letters: usize) -> EndingFilter {
        assert!((1..=MAX_LETTERS).contains(&letters), "1 to 3 letters");
        let mut filter = EndingFilter {
            bits: vec![0; 1 << (INDEX_BITS - 6)],
            letters,
            accept_all: false,
        };
        for entry in entries {
            let in_block = entry
                .chars()
                .all(|c| (c as u32).wrapping_sub(BLOCK_START) < BLOCK_LEN);
            match Ending::of(entry).index(letters) {
                Some(i) if in_block => filter.bits[i / 64] |= 1 << (i % 64),
                _ => filter.accept_all = true,
            }
        }
        filter
    }

    /// Whether `word`, or a suffix of it, may be an entry (false means surely not).
    #[inline]
    pub fn may_match(&self, word: &str) -> bool {
        self.admits(Ending::of(word))
    }

    /// [`EndingFilter::may_match`] of a word by its [`Ending`], to test one word against
    /// several filters while finding its last letters once.
    #[inline]
    pub fn admits(&self, ending: Ending) -> bool {
        self.accept_all
            || ending
                .index(self.letters)
                .is_some_and(|i| self.bits[i / 64] & (1 << (i % 64)) != 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_out_only_words_no_entry_ends_like() {
        for letters in 1..=2 {
            let filter = EndingFilter::new(["نفت", "اتهم"], letters);
            for word in ["نفت", "فنفت", "اتهم", "واتهم", "كفت"] {
                assert!(filter.may_match(word), "{word}");
            }
            for word in ["الوزاره", "", "abc", "نفتx"] {
                assert!(!filter.may_match(word), "{word}");
            }
        }
        let three = EndingFilter::new(["نفت", "اتهم"], 3);
        assert!(three.may_match("فنفت") && three.may_match("واتهم"));
        assert!(!three.may_match("كفت") && !three.may_match("فت"));
        assert!(EndingFilter::new(["نفت", "ab"], 2).may_match("xyz"));
        assert!(EndingFilter::new(["نف"], 3).may_match("xyz"));
    }
}
