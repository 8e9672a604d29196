//! Feature extraction: tokens -> hashed word unigrams (plus their proclitic-stripped forms),
//! word bigrams and character n-grams of each word padded with `<` `>` (fastText style).
//!
//! One walker ([`Featurizer::walk`]) produces every feature with its kind, bucket, token span
//! and readable n-gram, so counting (training, prediction) and explaining (inspect, explanations)
//! can never disagree about what the features are.

use crate::error::{Error, Result};
use crate::features::bucket_set::BucketSet;
use crate::features::clauses::{clause_kinds, relative_clauses};
use crate::features::cue_context::{context_of, quoted_tokens, tags, FORM_TAGS};
use crate::features::hashing::{FeatureHasher, Fnv1a};
use crate::features::names::ReverseMap;
use crate::features::scratch::{recycle, Scratch, WalkBuffers};
use crate::label::Stance;
use crate::text::classes::has_alphanumeric;
use crate::text::clitics::strip_proclitics;
use crate::text::cues::find_cues;
use crate::text::lexicon;
use crate::text::{NormalizerConfig, TextPipeline, TokenBuffer};
use serde::{Deserialize, Serialize};
use std::fmt;

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
    /// (negated, after أن, quoted, coordinated or participle clause, main act) (default 2).
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
            cue_version: 2,
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
        if !(1..=2).contains(&self.cue_version) {
            return Err(Error::InvalidParam {
                name: "cue-version",
                value: self.cue_version.to_string(),
                reason: "must be 1 or 2".into(),
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

/// The kind of a feature; also its hash namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum FeatureKind {
    /// A word (or its proclitic-stripped form).
    Word,
    /// A sequence of two or three words.
    WordNgram,
    /// A character n-gram of a word padded with `<` and `>`.
    Chars,
    /// A word among the first words of the sentence.
    Lead,
    /// A word tagged with the kind of clause it stands in.
    Clause,
    /// A lexicon cue: its label and position.
    Cue,
}

impl FeatureKind {
    fn namespace(self) -> u8 {
        match self {
            FeatureKind::Word => b'w',
            FeatureKind::WordNgram => b'b',
            FeatureKind::Chars => b'c',
            FeatureKind::Lead => b'l',
            FeatureKind::Clause => b'k',
            FeatureKind::Cue => b'q',
        }
    }
}

/// A feature's n-gram, borrowed from the tokens; displayed as people read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gram<'a> {
    /// One word.
    Word(&'a str),
    /// Several words.
    Words(&'a [&'a str]),
    /// A word tagged with its clause kind.
    Tagged(&'static str, &'a str),
    /// Characters of a padded word.
    Chars(&'a str),
}

impl Gram<'_> {
    fn hash(&self, kind: FeatureKind) -> Fnv1a {
        let mut h = Fnv1a::new(kind.namespace());
        match self {
            Gram::Word(w) | Gram::Chars(w) => h.write(w.as_bytes()),
            Gram::Tagged(tag, w) => {
                h.write(tag.as_bytes());
                h.write(b":");
                h.write(w.as_bytes());
            }
            Gram::Words(words) => {
                for (i, w) in words.iter().enumerate() {
                    if i > 0 {
                        h.write(b" ");
                    }
                    h.write(w.as_bytes());
                }
            }
        }
        h
    }
}

impl fmt::Display for Gram<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Gram::Word(w) => f.write_str(w),
            Gram::Words(words) => f.write_str(&words.join(" ")),
            Gram::Chars(c) => write!(f, "[{c}]"),
            Gram::Tagged(tag, w) => write!(f, "{tag}:{w}"),
        }
    }
}

/// One feature occurrence, as the walker reports it.
#[derive(Debug, Clone, Copy)]
pub struct Occurrence<'a> {
    /// What kind of n-gram.
    pub kind: FeatureKind,
    /// Its bucket.
    pub bucket: u32,
    /// The first and one-past-last token index it covers.
    pub tokens: (usize, usize),
    /// The n-gram itself.
    pub gram: Gram<'a>,
}

impl Occurrence<'_> {
    /// The feature as people read it: the n-gram, `[..]` around character n-grams and a
    /// leading `^` on lead words.
    pub fn name(&self) -> String {
        match self.kind {
            FeatureKind::Lead => format!("^{}", self.gram),
            _ => self.gram.to_string(),
        }
    }
}

/// Turns sentences into hashed feature counts, using a [`TextPipeline`].
#[derive(Debug, Clone)]
pub struct Featurizer {
    pipeline: TextPipeline,
    config: FeatureConfig,
    hasher: FeatureHasher,
    /// Buckets of the binary cue features (empty when cues are off).
    cue_buckets: BucketSet,
    /// Whether words are folded before they are looked up in the word lists (function words,
    /// clause markers, relatives, the first cue lexicon). The lists are written in the default
    /// normaliser's folded form; when the model's normaliser leaves a letter unfolded
    /// (`--no-fold-yeh`, ...), lookups fold the word themselves, so no setting switches a list
    /// off. With the default normaliser words are already folded and nothing is done.
    fold_for_lists: bool,
}

/// Positions a cue feature is tagged with.
const CUE_TAGS: [&str; 5] = ["any", "lead", "later", "first", "relative"];

impl Featurizer {
    /// Builds a featurizer and its text pipeline from a configuration.
    ///
    /// # Errors
    /// [`Error::InvalidParam`] for settings out of range; [`Error::Tokenizer`] if the text
    /// pipeline cannot be built.
    pub fn new(config: FeatureConfig) -> Result<Featurizer> {
        Featurizer::with_pipeline(config, TextPipeline::new(&config.normalizer)?)
    }

    /// A featurizer over an existing pipeline (loaded from a model file).
    ///
    /// # Errors
    /// [`Error::InvalidParam`] for settings out of range.
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
        let fold_for_lists =
            !(n.strip_diacritics && n.fold_alef && n.fold_yeh && n.fold_teh_marbuta);
        Ok(Featurizer {
            pipeline,
            config,
            hasher,
            cue_buckets: BucketSet::new(hasher.n_buckets(), &cue_buckets),
            fold_for_lists,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &FeatureConfig {
        &self.config
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
    /// [`Error::Tokenizer`] if the text pipeline fails.
    pub fn counts(&self, text: &str) -> Result<Vec<(u32, f32)>> {
        let mut counts = Vec::new();
        self.counts_into(text, &mut Scratch::default(), &mut counts)?;
        Ok(counts)
    }

    /// [`Featurizer::counts`] into `counts` (cleared first), with reusable working storage.
    ///
    /// # Errors
    /// [`Error::Tokenizer`] if the text pipeline fails.
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
    /// [`Error::Tokenizer`] if the text pipeline fails.
    pub fn buckets_into(&self, text: &str, scratch: &mut Scratch) -> Result<()> {
        let Scratch {
            tokens,
            walk,
            buckets,
        } = scratch;
        self.pipeline.tokenize_into(text, tokens)?;
        buckets.clear();
        self.walk_with(tokens, walk, |occurrence| buckets.push(occurrence.bucket));
        Ok(())
    }

    /// The second half of [`Featurizer::counts_into`]: the buckets in `scratch` counted
    /// into `counts` (cleared first), sorted by bucket.
    pub fn count_buckets(scratch: &mut Scratch, counts: &mut Vec<(u32, f32)>) {
        merge_counts(&mut scratch.buckets, counts);
    }

    /// Like [`Featurizer::counts`], and also the names of the features whose buckets `known`
    /// has no name for yet (each bucket once, in order of appearance).
    ///
    /// # Errors
    /// [`Error::Tokenizer`] if the text pipeline fails.
    pub fn counts_and_new_names(
        &self,
        text: &str,
        known: &ReverseMap,
    ) -> Result<(Vec<(u32, f32)>, NewNames)> {
        let mut tokens = TokenBuffer::default();
        self.pipeline.tokenize_into(text, &mut tokens)?;
        let mut buckets = Vec::with_capacity(tokens.len() * 8);
        let mut names: Vec<(u32, String)> = Vec::new();
        self.walk(&tokens, |o| {
            buckets.push(o.bucket);
            if known.is_missing(o.bucket) && !names.iter().any(|(b, _)| *b == o.bucket) {
                names.push((o.bucket, o.name()));
            }
        });
        let mut counts = Vec::new();
        merge_counts(&mut buckets, &mut counts);
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
        if self.config.proclitics {
            bases.extend(words.iter().map(|w| strip_proclitics(w).unwrap_or(w)));
        } else {
            bases.extend_from_slice(&words);
        }
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
        // The words as the word lists spell them (see `fold_for_lists`).
        let folded: Option<[Vec<String>; 2]> = self.fold_for_lists.then(|| {
            [&bases, &words]
                .map(|list| list.iter().map(|w| lexicon::fold(w).into_owned()).collect())
        });
        let folded_views: Option<[Vec<&str>; 2]> = folded
            .as_ref()
            .map(|lists| [0, 1].map(|k| lists[k].iter().map(String::as_str).collect()));
        let (list_bases, list_words): (&[&str], &[&str]) = match &folded_views {
            Some([b, w]) => (b, w),
            None => (&bases, &words),
        };
        let function_words = function_words();
        skip.clear();
        skip.extend(
            list_bases
                .iter()
                .map(|b| self.config.stopwords && function_words.contains(b)),
        );
        for (i, word) in words.iter().enumerate() {
            if skip[i] {
                continue;
            }
            emit(FeatureKind::Word, (i, i + 1), Gram::Word(word));
            if bases[i] != *word {
                emit(FeatureKind::Word, (i, i + 1), Gram::Word(bases[i]));
            }
            if self.config.char_min > 0 {
                padded.clear();
                padded.push('<');
                padded.push_str(word);
                padded.push('>');
                let bounds: Vec<usize> = padded
                    .char_indices()
                    .map(|(at, _)| at)
                    .chain(std::iter::once(padded.len()))
                    .collect();
                let n_chars = bounds.len() - 1;
                for n in self.config.char_min..=self.config.char_max.min(n_chars) {
                    for start in 0..=(n_chars - n) {
                        let gram = &padded[bounds[start]..bounds[start + n]];
                        emit(FeatureKind::Chars, (i, i + 1), Gram::Chars(gram));
                    }
                }
            }
        }
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
            for (i, &kind) in kinds.iter().enumerate() {
                if skip[i] {
                    continue;
                }
                emit(
                    FeatureKind::Clause,
                    (i, i + 1),
                    Gram::Tagged(kind.tag(), bases[i]),
                );
            }
        }
        if self.config.cues && self.config.cue_version >= 2 {
            relative_clauses(list_words, comma_before, relative);
            quoted_tokens(tokens.texts(), quoted_token);
            quoted.clear();
            quoted.extend(kept.iter().map(|&t| quoted_token[t]));
            let (mut first, mut first_main) = (true, true);
            lexicon::find(&words, cues);
            for cue in cues.iter() {
                let span = (cue.word, cue.word + cue.len);
                let label = cue.label.as_str();
                let context =
                    context_of(&words, cue.word, quoted, relative, self.config.lead_words);
                for tag in tags(cue, context, kinds[cue.word], &mut first_main) {
                    emit(FeatureKind::Cue, span, Gram::Tagged(tag, label));
                }
                if context.relative {
                    emit(FeatureKind::Cue, span, Gram::Tagged("relative", label));
                    continue;
                }
                if context.negated {
                    // لم ينفِ، لا أحد ينكر: a negated cue is not the act it names
                    continue;
                }
                let place = if context.lead { "lead" } else { "later" };
                emit(FeatureKind::Cue, span, Gram::Tagged("any", label));
                emit(FeatureKind::Cue, span, Gram::Tagged(place, label));
                if first {
                    emit(FeatureKind::Cue, span, Gram::Tagged("first", label));
                    first = false;
                }
            }
        } else if self.config.cues {
            relative_clauses(list_words, comma_before, relative);
            let mut first = true;
            for cue in find_cues(list_bases) {
                let span = (cue.word, cue.word + cue.len);
                let label = cue.label.as_str();
                if relative[cue.word] {
                    // a cue qualifying a noun is not the sentence's act (rule 1)
                    emit(FeatureKind::Cue, span, Gram::Tagged("relative", label));
                    continue;
                }
                let place = if cue.word < self.config.lead_words {
                    "lead"
                } else {
                    "later"
                };
                emit(FeatureKind::Cue, span, Gram::Tagged("any", label));
                emit(FeatureKind::Cue, span, Gram::Tagged(place, label));
                if first {
                    emit(FeatureKind::Cue, span, Gram::Tagged("first", label));
                    first = false;
                }
            }
        }
        for (i, base) in bases.iter().enumerate().take(self.config.lead_words) {
            emit(FeatureKind::Lead, (i, i + 1), Gram::Word(base));
        }
        for n in 2..=self.config.word_ngrams {
            for start in 0..bases.len().saturating_sub(n - 1) {
                emit(
                    FeatureKind::WordNgram,
                    (start, start + n),
                    Gram::Words(&bases[start..start + n]),
                );
            }
        }
        buffers.words = recycle(words);
        buffers.bases = recycle(bases);
    }
}

/// Function words (after normalisation and proclitic stripping) whose unigrams carry no stance.
const FUNCTION_WORDS: &[&str] = &[
    "في",
    "من",
    "الي",
    "علي",
    "عن",
    "مع",
    "الذي",
    "التي",
    "الذين",
    "اللذين",
    "هذا",
    "هذه",
    "ذلك",
    "تلك",
    "هولاء",
    "كان",
    "كانت",
    "قد",
    "ثم",
    "او",
    "هو",
    "هي",
    "هم",
    "بين",
    "حول",
    "خلال",
    "بعد",
    "قبل",
    "عند",
    "منذ",
    "حتي",
    "كما",
    "لدي",
    "نحو",
    "ضد",
    "عبر",
    "امام",
    "وراء",
    "فوق",
    "تحت",
    "الا",
    "ان",
    "انه",
    "انها",
    "اذا",
    "حيث",
    "فيه",
    "فيها",
    "منه",
    "منها",
    "له",
    "لها",
    "لهم",
    "به",
    "بها",
    "عليه",
    "عليها",
    "كل",
    "بعض",
    "ايضا",
    "اليوم",
    "امس",
    "وقت",
];

/// A set of words with a fast hasher.
type WordSet = std::collections::HashSet<&'static str, foldhash::fast::FixedState>;

/// [`FUNCTION_WORDS`] as a set, built once: it is asked about every word of every sentence.
fn function_words() -> &'static WordSet {
    static SET: std::sync::OnceLock<WordSet> = std::sync::OnceLock::new();
    SET.get_or_init(|| FUNCTION_WORDS.iter().copied().collect())
}

/// Buckets first met in a sentence, with the n-gram that filled them.
pub type NewNames = Vec<(u32, String)>;

/// Sorts `buckets` and counts each one into `counts` (cleared first).
fn merge_counts(buckets: &mut [u32], counts: &mut Vec<(u32, f32)>) {
    buckets.sort_unstable();
    counts.clear();
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
        // يُتّهم / نفى / إلى / على / الذي / إلا أن: words whose list forms are folded
        let sentence = "وقالت الوزارة إلى الصحفيين إن الرجل الذي نفى التهمة على الفور، إلا أن المحكمة تزعم أنه متهم";
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
