//! Feature extraction: tokens -> hashed word unigrams (plus their proclitic-stripped forms),
//! word bigrams and character n-grams of each word padded with `<` `>` (fastText style).
//!
//! One walker ([`Featurizer::walk`]) produces every feature with its kind, bucket, token span
//! and readable n-gram, so counting (training, prediction) and explaining (inspect, explanations)
//! can never disagree about what the features are.

mod emit;

use crate::error::Result;
use crate::features::bucket_set::BucketSet;
use crate::features::clauses::{clause_kinds, relative_clauses};
use crate::features::config::FeatureConfig;
use crate::features::cue_context::{quoted_tokens, FORM_TAGS};
use crate::features::gram::{FeatureKind, Gram, Occurrence};
use crate::features::hashing::FeatureHasher;
use crate::features::names::ReverseMap;
use crate::features::scratch::{recycle, Scratch, WalkBuffers};
use crate::label::Stance;
use crate::text::classes::has_alphanumeric;
use crate::text::clitics::strip_proclitics;
use crate::text::lexicon::{self, Lexicon};
use crate::text::{TextPipeline, TokenBuffer};
use emit::{ContextMarks, SentenceWords};

/// Turns sentences into hashed feature counts, using a [`TextPipeline`].
#[derive(Debug, Clone)]
pub struct Featurizer {
    pipeline: TextPipeline,
    config: FeatureConfig,
    hasher: FeatureHasher,
    /// Buckets of the binary cue features (empty when cues are off).
    cue_buckets: BucketSet,
    /// Whether the normaliser already writes every word as the word lists (function words,
    /// clause markers, relatives, the first cue lexicon) and the cue lexicon spell them:
    /// diacritics and tatweel stripped, alef, yeh and teh marbuta folded, as by default. Then
    /// lookups take the words as they are (`Lexicon::find_folded`); when a setting leaves
    /// something unfolded (`--no-fold-yeh`, ...), lookups fold each word themselves, so no
    /// setting switches a list off.
    words_folded: bool,
}

/// Positions a cue feature is tagged with.
const CUE_TAGS: [&str; 5] = ["any", "lead", "later", "first", "relative"];

impl Featurizer {
    /// Builds a featurizer and its text pipeline from a configuration.
    ///
    /// # Errors
    /// [`crate::Error::InvalidParam`] for settings out of range; [`crate::Error::Tokenizer`] if the text
    /// pipeline cannot be built.
    pub fn new(config: FeatureConfig) -> Result<Featurizer> {
        Featurizer::with_pipeline(config, TextPipeline::new(&config.normalizer)?)
    }

    /// A featurizer over an existing pipeline (loaded from a model file).
    ///
    /// # Errors
    /// [`crate::Error::InvalidParam`] for settings out of range.
    pub fn with_pipeline(config: FeatureConfig, pipeline: TextPipeline) -> Result<Featurizer> {
        config.check()?;
        let hasher = FeatureHasher::new(config.hash_bits);
        let form_tags = FORM_TAGS
            .iter()
            .flatten()
            .filter(|_| config.cue_version >= 2);
        let cue_buckets: Vec<u32> = if config.cues {
            CUE_TAGS
                .iter()
                .chain(form_tags)
                .flat_map(|tag| {
                    Stance::ALL.map(|label| {
                        hasher.bucket(Gram::Tagged(tag, label.as_str()).hash(FeatureKind::Cue))
                    })
                })
                .collect()
        } else {
            Vec::new()
        };
        let n = &config.normalizer;
        let words_folded = n.strip_diacritics
            && n.strip_tatweel
            && n.fold_alef
            && n.fold_yeh
            && n.fold_teh_marbuta;
        Ok(Featurizer {
            pipeline,
            config,
            hasher,
            cue_buckets: BucketSet::new(hasher.n_buckets(), &cue_buckets),
            words_folded,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &FeatureConfig {
        &self.config
    }

    /// A word without its proclitics when the configuration strips them, else the word.
    fn base_of<'w>(&self, word: &'w str) -> &'w str {
        if self.config.proclitics {
            strip_proclitics(word).unwrap_or(word)
        } else {
            word
        }
    }

    /// The text pipeline.
    pub fn pipeline(&self) -> &TextPipeline {
        &self.pipeline
    }

    /// Buckets whose features are binary and kept out of TF-IDF weighting and normalisation
    /// (the cue features).
    pub fn fixed_buckets(&self) -> &BucketSet {
        &self.cue_buckets
    }

    /// The number of feature buckets.
    pub fn n_features(&self) -> usize {
        self.hasher.n_buckets()
    }

    /// Hashed counts of a sentence's features: sorted by bucket, colliding features summed.
    ///
    /// # Errors
    /// [`crate::Error::Tokenizer`] if the text pipeline fails.
    pub fn counts(&self, text: &str) -> Result<Vec<(u32, f32)>> {
        let mut counts = Vec::new();
        self.counts_into(text, &mut Scratch::default(), &mut counts)?;
        Ok(counts)
    }

    /// [`Featurizer::counts`] into `counts` (cleared first), with reusable working storage.
    ///
    /// # Errors
    /// [`crate::Error::Tokenizer`] if the text pipeline fails.
    pub fn counts_into(
        &self,
        text: &str,
        scratch: &mut Scratch,
        counts: &mut Vec<(u32, f32)>,
    ) -> Result<()> {
        self.buckets_into(text, scratch)?;
        merge_counts(&mut scratch.buckets, counts);
        Ok(())
    }

    /// The first half of [`Featurizer::counts_into`]: the bucket of every feature occurrence,
    /// in walk order, into `scratch` (see [`Scratch::buckets`]); [`Featurizer::count_buckets`]
    /// is the second half.
    ///
    /// # Errors
    /// [`crate::Error::Tokenizer`] if the text pipeline fails.
    pub fn buckets_into(&self, text: &str, scratch: &mut Scratch) -> Result<()> {
        self.walk_text(text, scratch, |_| {})
    }

    /// Tokenises `text` and walks its features with `scratch`'s storage, keeping every
    /// occurrence's bucket in `scratch.buckets` (cleared first) and showing each to `visit`.
    fn walk_text(
        &self,
        text: &str,
        scratch: &mut Scratch,
        mut visit: impl FnMut(&Occurrence<'_>),
    ) -> Result<()> {
        let Scratch {
            tokens,
            walk,
            buckets,
        } = scratch;
        self.pipeline.tokenize_into(text, tokens)?;
        buckets.clear();
        self.walk_with(tokens, walk, |occurrence| {
            buckets.push(occurrence.bucket);
            visit(&occurrence);
        });
        Ok(())
    }

    /// The second half of [`Featurizer::counts_into`]: the buckets in `scratch` counted
    /// into `counts` (cleared first), sorted by bucket.
    pub fn count_buckets(scratch: &mut Scratch, counts: &mut Vec<(u32, f32)>) {
        merge_counts(&mut scratch.buckets, counts);
    }

    /// Like [`Featurizer::counts_into`], and also the names of the features whose buckets
    /// `known` has no name for yet (each bucket once, in order of appearance). `scratch` is
    /// working storage reused from sentence to sentence, so training allocates per sentence
    /// only the counts it keeps.
    ///
    /// # Errors
    /// [`crate::Error::Tokenizer`] if the text pipeline fails.
    pub fn counts_and_new_names(
        &self,
        text: &str,
        known: &ReverseMap,
        scratch: &mut Scratch,
    ) -> Result<(Vec<(u32, f32)>, NewNames)> {
        let mut names: NewNames = Vec::new();
        self.walk_text(text, scratch, |o| {
            if known.is_missing(o.bucket) && !names.iter().any(|(b, _)| *b == o.bucket) {
                names.push((o.bucket, o.name()));
            }
        })?;
        let mut counts = Vec::new();
        merge_counts(&mut scratch.buckets, &mut counts);
        Ok((counts, names))
    }

    /// Calls `visit` for every feature occurrence of a tokenised sentence, in token order.
    pub fn walk(&self, tokens: &TokenBuffer, visit: impl FnMut(Occurrence<'_>)) {
        self.walk_with(tokens, &mut WalkBuffers::default(), visit);
    }

    /// [`Featurizer::walk`] with reusable working storage, which allocates nothing once the
    /// buffers have grown to the longest sentence seen.
    pub fn walk_with(
        &self,
        tokens: &TokenBuffer,
        buffers: &mut WalkBuffers,
        mut visit: impl FnMut(Occurrence<'_>),
    ) {
        let WalkBuffers {
            kept,
            words,
            bases,
            skip,
            comma_before,
            kinds,
            relative,
            quoted_token,
            quoted,
            cues,
            padded,
        } = buffers;
        let mut words = recycle(std::mem::take(words));
        let mut bases = recycle(std::mem::take(bases));
        // Indices of the tokens that take part in features.
        kept.clear();
        kept.extend(
            (0..tokens.len())
                .filter(|&i| self.config.punctuation || has_alphanumeric(tokens.text(i))),
        );
        words.extend(kept.iter().map(|&i| tokens.text(i)));
        bases.extend(words.iter().map(|w| self.base_of(w)));
        let kept: &[usize] = kept;
        let mut emit = |kind: FeatureKind, span: (usize, usize), gram: Gram<'_>| {
            let bucket = self.hasher.bucket(gram.hash(kind));
            visit(Occurrence {
                kind,
                bucket,
                tokens: (kept[span.0], kept[span.1 - 1] + 1),
                gram,
            });
        };
        // The words as the word lists spell them (see `words_folded`): folded first, then
        // stripped of proclitics, as the default normaliser's words are (a tatweel or a
        // diacritic counts as a letter when stripping decides what is left long enough).
        let folded: Option<Vec<String>> = (!self.words_folded).then(|| {
            words
                .iter()
                .map(|w| lexicon::fold(w).into_owned())
                .collect()
        });
        let folded_views: Option<[Vec<&str>; 2]> = folded.as_ref().map(|folded| {
            let words: Vec<&str> = folded.iter().map(String::as_str).collect();
            let bases = words.iter().map(|w| self.base_of(w)).collect();
            [bases, words]
        });
        let (list_bases, list_words): (&[&str], &[&str]) = match &folded_views {
            Some([b, w]) => (b, w),
            None => (&bases, &words),
        };
        let sentence = SentenceWords {
            words: &words,
            bases: &bases,
            list_bases,
        };
        self.emit_words(&sentence, skip, padded, &mut emit);
        // whether a comma stood right before each kept word (clause boundaries)
        comma_before.clear();
        if self.config.clauses || self.config.cues {
            comma_before.extend(
                kept.iter()
                    .map(|&t| t > 0 && matches!(tokens.text(t - 1), "،" | ",")),
            );
        }
        kinds.clear();
        if self.config.clauses || (self.config.cues && self.config.cue_version >= 2) {
            clause_kinds(list_bases, comma_before, kinds);
        }
        if self.config.clauses {
            self.emit_clauses(&sentence, kinds, skip, &mut emit);
        }
        if self.config.cues && self.config.cue_version >= 2 {
            relative_clauses(list_words, comma_before, relative);
            quoted_tokens(tokens.texts(), quoted_token);
            quoted.clear();
            quoted.extend(kept.iter().map(|&t| quoted_token[t]));
            let lexicon = Lexicon::of_version(self.config.cue_version);
            if self.words_folded {
                lexicon.find_folded(&words, cues);
            } else {
                lexicon.find(&words, cues);
            }
            let marks = ContextMarks {
                kinds,
                relative,
                quoted,
            };
            self.emit_cues(&sentence, cues, &marks, &mut emit);
        } else if self.config.cues {
            relative_clauses(list_words, comma_before, relative);
            self.emit_first_lexicon_cues(&sentence, relative, &mut emit);
        }
        self.emit_lead_words(&sentence, &mut emit);
        self.emit_word_ngrams(&sentence, &mut emit);
        buffers.words = recycle(words);
        buffers.bases = recycle(bases);
    }
}

/// Buckets first met in a sentence, with the n-gram that filled them.
pub type NewNames = Vec<(u32, String)>;

/// Sorts `buckets` and counts each one into `counts` (cleared first).
fn merge_counts(buckets: &mut [u32], counts: &mut Vec<(u32, f32)>) {
    buckets.sort_unstable();
    counts.clear();
    counts.reserve(buckets.len());
    for &bucket in buckets.iter() {
        match counts.last_mut() {
            Some((last, count)) if *last == bucket => *count += 1.0,
            _ => counts.push((bucket, 1.0)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::normalize::NormalizerConfig;

    fn names(featurizer: &Featurizer, text: &str, kind: FeatureKind) -> Vec<String> {
        let mut tokens = TokenBuffer::default();
        featurizer
            .pipeline()
            .tokenize_into(text, &mut tokens)
            .unwrap();
        let mut out = Vec::new();
        featurizer.walk(&tokens, |o| {
            if o.kind == kind {
                out.push(o.gram.to_string());
            }
        });
        out
    }

    #[test]
    fn cliticised_cue_shares_a_feature_with_the_bare_cue() {
        let featurizer = Featurizer::new(FeatureConfig {
            char_min: 2,
            ..FeatureConfig::default()
        })
        .unwrap();
        let with_clitic: Vec<u32> = featurizer
            .counts("فنفت الوزارة")
            .unwrap()
            .iter()
            .map(|c| c.0)
            .collect();
        let bare: Vec<u32> = featurizer
            .counts("نفت")
            .unwrap()
            .iter()
            .map(|c| c.0)
            .collect();
        let shared = bare.iter().filter(|b| with_clitic.contains(b)).count();
        // the unigram نفت and the char n-grams [نف] [فت] [فت>] [نفت] [نفت>] at least
        assert!(shared >= 6, "shared {shared}");
        assert!(names(&featurizer, "فنفت الوزارة", FeatureKind::Word).contains(&"نفت".to_string()));
    }

    #[test]
    fn words_bigrams_and_padded_char_ngrams() {
        let config = FeatureConfig {
            char_min: 2,
            char_max: 3,
            proclitics: false,
            ..FeatureConfig::default()
        };
        let featurizer = Featurizer::new(config).unwrap();
        assert_eq!(names(&featurizer, "لا صحة", FeatureKind::Word), ["لا", "صحه"]);
        assert_eq!(
            names(&featurizer, "لا صحة", FeatureKind::WordNgram),
            ["لا صحه"]
        );
        assert_eq!(
            names(&featurizer, "لا", FeatureKind::Chars),
            ["[<ل]", "[لا]", "[ا>]", "[<لا]", "[لا>]"]
        );
    }

    #[test]
    fn normaliser_switches_leave_the_word_lists_working() {
        // يُتّهم / نفى / إلى / على / الذي / إلا أن: words whose list forms are folded (two of
        // them drawn out with tatweel)
        let sentence = "وقالت الوزارة إلـى الصحفيين إن الرجل الـذي نفى التهمة على الفور، إلا أن المحكمة تزعم أنه متهم";
        let tags = |config: FeatureConfig, kind: FeatureKind| -> Vec<String> {
            let featurizer = Featurizer::new(config).unwrap();
            let mut names = names(&featurizer, sentence, kind);
            // a clause feature names the word it was found on, which keeps its own spelling:
            // compare the tags only
            if kind == FeatureKind::Clause {
                for name in &mut names {
                    name.truncate(name.find(':').unwrap_or(name.len()));
                }
            }
            names
        };
        let words = |config: FeatureConfig| {
            names(
                &Featurizer::new(config).unwrap(),
                sentence,
                FeatureKind::Word,
            )
            .len()
        };
        for unfolded in [
            NormalizerConfig {
                fold_yeh: false,
                ..NormalizerConfig::default()
            },
            NormalizerConfig {
                fold_alef: false,
                ..NormalizerConfig::default()
            },
            NormalizerConfig {
                fold_teh_marbuta: false,
                strip_diacritics: false,
                ..NormalizerConfig::default()
            },
            NormalizerConfig {
                strip_tatweel: false,
                ..NormalizerConfig::default()
            },
        ] {
            for cue_version in [1, 2] {
                let default = FeatureConfig {
                    cue_version,
                    ..FeatureConfig::default()
                };
                let other = FeatureConfig {
                    normalizer: unfolded,
                    ..default
                };
                for kind in [FeatureKind::Cue, FeatureKind::Clause] {
                    assert_eq!(
                        tags(other, kind),
                        tags(default, kind),
                        "{kind:?} {unfolded:?}"
                    );
                }
                // the function words إلى / على / الذي are still left out of the unigrams
                assert_eq!(words(other), words(default), "{unfolded:?}");
            }
        }
    }

    #[test]
    fn counts_are_sorted_and_merged() {
        let featurizer = Featurizer::new(FeatureConfig::default()).unwrap();
        let counts = featurizer.counts("نفى نفى نفى").unwrap();
        assert!(counts.windows(2).all(|w| w[0].0 < w[1].0));
        let word = {
            let mut tokens = TokenBuffer::default();
            featurizer
                .pipeline()
                .tokenize_into("نفى", &mut tokens)
                .unwrap();
            let mut bucket = 0;
            featurizer.walk(&tokens, |o| {
                if o.kind == FeatureKind::Word {
                    bucket = o.bucket;
                }
            });
            bucket
        };
        assert_eq!(counts.iter().find(|c| c.0 == word).map(|c| c.1), Some(3.0));
    }

    proptest::proptest! {
        /// The lexicon skips its folding when `words_folded` says the normaliser already did
        /// it: then no token the normaliser writes is changed by folding.
        #[test]
        fn words_folded_means_folding_changes_no_token(
            chars in proptest::collection::vec(
                proptest::prop_oneof![
                    8 => proptest::char::range('\u{0600}', '\u{06FF}'),
                    1 => proptest::char::range('\u{FB50}', '\u{FDFF}'),
                    1 => proptest::char::range('\u{FE70}', '\u{FEFF}'),
                    1 => proptest::char::range(' ', '~'),
                ],
                0..40,
            )
        ) {
            let featurizer = Featurizer::new(FeatureConfig::default()).unwrap();
            proptest::prop_assert!(featurizer.words_folded);
            let text: String = chars.into_iter().collect();
            for token in featurizer.pipeline().tokenize(&text).unwrap() {
                proptest::prop_assert_eq!(lexicon::fold(&token.text), token.text.as_str());
            }
        }
    }
}
