//! A filter on a word's last two letters, asked before looking a word up in the cue lexicon:
//! most words of a sentence end in a pair of letters that no lexicon entry ends in, and are
//! ruled out without hashing the several readings of the word.
//!
//! In: the entries (lexicon keys) once, then words. Out: `false` only when no entry can equal
//! the word or any suffix of it (the readings of a word without its clitics are suffixes).
//!
//! Hand-written: a 65,536-bit table over pairs of Arabic-block letters; no crate offers a
//! suffix pre-filter for a hash map.

/// First character of the Arabic block.
const BLOCK_START: u32 = 0x0600;
/// Size of the Arabic block.
const BLOCK_LEN: u32 = 0x100;

/// Which pairs of final letters the entries end in.
#[derive(Debug, Clone)]
pub struct EndingFilter {
    /// One bit per pair of Arabic-block letters.
    pairs: Vec<u64>,
    /// Whether some entry is not two or more Arabic-block letters: then nothing is ruled out.
    accept_all: bool,
}

/// The index of a word's last two letters when both lie in the Arabic block.
#[inline]
fn last_pair(word: &str) -> Option<usize> {
    let mut chars = word.chars().rev();
    let last = (chars.next()? as u32).wrapping_sub(BLOCK_START);
    let before = (chars.next()? as u32).wrapping_sub(BLOCK_START);
    (last < BLOCK_LEN && before < BLOCK_LEN).then_some((before * BLOCK_LEN + last) as usize)
}

impl EndingFilter {
    /// The filter for a set of entries.
    pub fn new<'a>(entries: impl IntoIterator<Item = &'a str>) -> EndingFilter {
        let mut filter = EndingFilter {
            pairs: vec![0; (BLOCK_LEN * BLOCK_LEN / 64) as usize],
            accept_all: false,
        };
        for entry in entries {
            let in_block = entry
                .chars()
                .all(|c| (c as u32).wrapping_sub(BLOCK_START) < BLOCK_LEN);
            match last_pair(entry) {
                Some(pair) if in_block => filter.pairs[pair / 64] |= 1 << (pair % 64),
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
                .0
                .is_some_and(|pair| self.pairs[pair / 64] & (1 << (pair % 64)) != 0)
    }
}

/// A word's last two letters, when both lie in the Arabic block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ending(Option<usize>);

impl Ending {
    /// The ending of `word`.
    #[inline]
    pub fn of(word: &str) -> Ending {
        Ending(last_pair(word))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_out_only_words_no_entry_ends_like() {
        let filter = EndingFilter::new(["نفت", "اتهم"]);
        for word in ["نفت", "فنفت", "اتهم", "واتهم", "كفت"] {
            assert!(filter.may_match(word), "{word}");
        }
        for word in ["الوزاره", "بنت", "ت", "", "abc", "نفتx"] {
            assert!(!filter.may_match(word), "{word}");
        }
        assert!(EndingFilter::new(["نفت", "ab"]).may_match("xyz"));
        assert!(EndingFilter::new(["ن"]).may_match("xyz"));
    }
}
