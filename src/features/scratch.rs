//! Working storage of the featuriser, kept per thread and reused from sentence to sentence so
//! that featurising allocates nothing once the buffers have grown to the longest sentence.

use crate::features::clauses::ClauseKind;
use crate::text::lexicon::LexiconCue;
use crate::text::TokenBuffer;

/// Everything [`crate::features::Featurizer::counts_into`] needs besides its output.
#[derive(Debug, Default)]
pub struct Scratch {
    /// The sentence's tokens.
    pub(super) tokens: TokenBuffer,
    /// The walker's per-word working lists.
    pub(super) walk: WalkBuffers,
    /// Buckets of every feature occurrence, before counting.
    pub(super) buckets: Vec<u32>,
}

impl Scratch {
    /// The buckets of the last sentence's feature occurrences, in walk order (after
    /// [`crate::features::Featurizer::buckets_into`]).
    pub fn buckets(&self) -> &[u32] {
        &self.buckets
    }
}

/// Per-word working lists of [`crate::features::Featurizer::walk_with`].
#[derive(Debug, Default)]
pub struct WalkBuffers {
    /// Indices of the tokens that take part in features.
    pub(super) kept: Vec<usize>,
    /// Kept words; empty between sentences (see [`recycle`]).
    pub(super) words: Vec<&'static str>,
    /// Kept words without proclitics; empty between sentences.
    pub(super) bases: Vec<&'static str>,
    /// Function words left out of unigram and clause features.
    pub(super) skip: Vec<bool>,
    /// Whether a comma stands right before each kept word.
    pub(super) comma_before: Vec<bool>,
    /// Clause kind of each kept word.
    pub(super) kinds: Vec<ClauseKind>,
    /// Whether each kept word stands in a relative clause.
    pub(super) relative: Vec<bool>,
    /// Whether each token stands inside quotes.
    pub(super) quoted_token: Vec<bool>,
    /// Whether each kept word stands inside quotes.
    pub(super) quoted: Vec<bool>,
    /// The lexicon cues among the kept words.
    pub(super) cues: Vec<LexiconCue>,
    /// A word padded with `<` `>` for character n-grams.
    pub(super) padded: String,
}

/// An empty list of words of any lifetime, in the storage of `words`.
///
/// The walker borrows each sentence's words; keeping their list between sentences needs a
/// list of another lifetime. Emptied first, no word outlives its sentence; collecting a
/// mapped `vec::IntoIter` into a `Vec` of an element of the same size reuses the allocation
/// (std's in-place collection), so this costs no allocation.
pub(super) fn recycle<'b>(mut words: Vec<&str>) -> Vec<&'b str> {
    words.clear();
    words
        .into_iter()
        .map(|_| -> &'b str { unreachable!("the list was emptied") })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recycling_keeps_the_storage() {
        let text = String::from("نفت الوزارة");
        let mut words: Vec<&str> = Vec::with_capacity(64);
        words.extend(text.split(' '));
        let at = words.as_ptr() as usize;
        let kept: Vec<&'static str> = recycle(words);
        assert!(kept.is_empty());
        assert_eq!(kept.capacity(), 64);
        assert_eq!(kept.as_ptr() as usize, at);
    }
}
