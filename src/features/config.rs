//! Feature settings: which features the featurizer extracts and how text is normalised first;
//! stored in the model, checked before a featurizer is built.

use crate::error::{Error, Result};
use crate::features::hashing::FeatureHasher;
use crate::text::lexicon::Lexicon;
use crate::text::NormalizerConfig;
use serde::{Deserialize, Serialize};

/// Feature settings, stored in the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FeatureConfig {
    /// Buckets are `2^hash_bits` (default 18).
    pub hash_bits: u8,
    /// Longest word n-gram: 1 = unigrams, 2 = unigrams and bigrams (default 2).
    pub word_ngrams: usize,
    /// Shortest character n-gram; 0 turns character n-grams off (default 0: off, since on
    /// real news they fit the topics of the training sentences more than their stance).
    pub char_min: usize,
    /// Longest character n-gram (default 5, used when `char_min` is above 0).
    pub char_max: usize,
    /// Add proclitic-stripped forms of words (و ف ب ل ك ال) as extra unigrams, and build
    /// bigrams from them (default true).
    pub proclitics: bool,
    /// Use 1 + ln(count) instead of the raw count (default true).
    pub sublinear_tf: bool,
    /// Scale each row to unit L2 norm (default true). Without it a cue weighs the same in a
    /// long sentence as in a short one.
    pub unit_norm: bool,
    /// Add binary cue features from the guideline's lexicon: which labels' cues occur, where
    /// (among the lead words or later) and which comes first. They keep the value 1 after
    /// TF-IDF and normalisation, so a denial cue weighs as much in a 50-word sentence as in a
    /// 10-word one (rule 9: a denial or allegation anywhere outranks an assertion) (default true).
    pub cues: bool,
    /// Which cue features: 1 = the guideline's cue words after proclitic stripping, tagged
    /// by position (any, lead, later, first, relative); 2 = also every inflected and derived
    /// form (اتهمه، ويتهمونها، الاتهامات، متهماً) with its grammatical form and where it stands
    /// (negated, after أن, quoted, coordinated or participle clause, main act); 3 = version 2
    /// with the forms and phrases `text::lexicon` lists for it (default 3).
    pub cue_version: u8,
    /// Ignore features seen in fewer than `min_df` training rows (default 2: a feature seen
    /// once says more about its sentence than about stance).
    pub min_df: u32,
    /// Drop unigram and clause-tagged features of function words (prepositions, relatives,
    /// demonstratives, auxiliaries; never negations, which carry stance), which otherwise pile
    /// up weight in long sentences; they still take part in bigrams (default true).
    pub stopwords: bool,
    /// Give punctuation tokens (quotes, commas, ...) features of their own (default false:
    /// quote style and punctuation habits differ between outlets and say nothing of stance).
    pub punctuation: bool,
    /// Add each word tagged with its clause kind (main, coordinated, participle), so the
    /// model can tell a cue in the main clause from one in a trailing participle clause
    /// (rules 7 and 9) (default true).
    pub clauses: bool,
    /// Mark the (proclitic-stripped) words among the first `lead_words` word tokens with a
    /// feature of their own, since the main act of a news sentence is usually stated first
    /// (rules 7 and 9); 0 turns this off (default 5).
    pub lead_words: usize,
    /// The text normaliser's rules.
    pub normalizer: NormalizerConfig,
}

impl Default for FeatureConfig {
    fn default() -> Self {
        FeatureConfig {
            hash_bits: 18,
            word_ngrams: 2,
            char_min: 0,
            char_max: 5,
            proclitics: true,
            sublinear_tf: true,
            unit_norm: true,
            cues: true,
            cue_version: 3,
            min_df: 2,
            stopwords: true,
            punctuation: false,
            clauses: true,
            lead_words: 5,
            normalizer: NormalizerConfig::default(),
        }
    }
}

impl FeatureConfig {
    /// Checks that every setting is in range.
    ///
    /// # Errors
    /// [`Error::InvalidParam`] naming the setting.
    pub fn check(&self) -> Result<()> {
        if !(FeatureHasher::MIN_BITS..=FeatureHasher::MAX_BITS).contains(&self.hash_bits) {
            return Err(Error::InvalidParam {
                name: "hash-bits",
                value: self.hash_bits.to_string(),
                reason: format!(
                    "must lie in {}..={}",
                    FeatureHasher::MIN_BITS,
                    FeatureHasher::MAX_BITS
                ),
            });
        }
        if !(1..=Lexicon::LATEST).contains(&self.cue_version) {
            return Err(Error::InvalidParam {
                name: "cue-version",
                value: self.cue_version.to_string(),
                reason: format!("must be 1, 2 or {}", Lexicon::LATEST),
            });
        }
        if self.lead_words > 64 {
            return Err(Error::InvalidParam {
                name: "lead-words",
                value: self.lead_words.to_string(),
                reason: "must lie in 0..=64".into(),
            });
        }
        if !(1..=3).contains(&self.word_ngrams) {
            return Err(Error::InvalidParam {
                name: "word-ngrams",
                value: self.word_ngrams.to_string(),
                reason: "must be 1, 2 or 3".into(),
            });
        }
        if self.char_min > 0 && (self.char_min > self.char_max || self.char_max > 8) {
            return Err(Error::InvalidParam {
                name: "char-ngrams",
                value: format!("{}-{}", self.char_min, self.char_max),
                reason: "need 1 <= min <= max <= 8, or min 0 to turn them off".into(),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_out_of_range_are_rejected() {
        let bad = FeatureConfig {
            hash_bits: 40,
            ..FeatureConfig::default()
        };
        assert!(matches!(
            bad.check(),
            Err(Error::InvalidParam {
                name: "hash-bits",
                ..
            })
        ));
        let bad = FeatureConfig {
            char_min: 4,
            char_max: 2,
            ..FeatureConfig::default()
        };
        assert!(matches!(
            bad.check(),
            Err(Error::InvalidParam {
                name: "char-ngrams",
                ..
            })
        ));
    }
}
