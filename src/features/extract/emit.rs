//! One emitter per feature family: word unigrams with their character n-grams, clause kinds,
//! cue features (the morphological lexicon with context, or the first lexicon), lead words and
//! word n-grams. Each calls `emit(kind, word span, gram)` for every occurrence, in token order
//! within its family; [`Featurizer::walk_with`] runs them in a fixed order, which the hashed
//! counts and the explanations depend on.

use super::Featurizer;
use crate::features::clauses::ClauseKind;
use crate::features::cue_context::{context_of, for_each_tag};
use crate::features::gram::{FeatureKind, Gram};
use crate::text::cues::find_cues;
use crate::text::lexicon::LexiconCue;
use crate::text::wordlists::function_words;

/// A sentence's kept words as the emitters read them.
pub(super) struct SentenceWords<'s> {
    /// The words as tokenised (normalised).
    pub words: &'s [&'s str],
    /// Their proclitic-stripped forms (the words themselves when stripping is off).
    pub bases: &'s [&'s str],
    /// `bases` as the word lists spell them (folded when the normaliser does not fold).
    pub list_bases: &'s [&'s str],
}

/// Where each word stands, for the cue features.
pub(super) struct ContextMarks<'s> {
    /// Each word's clause kind.
    pub kinds: &'s [ClauseKind],
    /// Whether each word is inside a relative clause.
    pub relative: &'s [bool],
    /// Whether each word is inside quotation marks.
    pub quoted: &'s [bool],
}

impl Featurizer {
    /// Word unigrams (and their proclitic-stripped forms) and, when configured, the padded
    /// character n-grams of each word; words marked in `skip` (function words) give none.
    /// Also fills `skip`.
    pub(super) fn emit_words(
        &self,
        sentence: &SentenceWords<'_>,
        skip: &mut Vec<bool>,
        padded: &mut String,
        emit: &mut impl FnMut(FeatureKind, (usize, usize), Gram<'_>),
    ) {
        let function_words = function_words();
        skip.clear();
        skip.extend(
            sentence
                .list_bases
                .iter()
                .map(|b| self.config.stopwords && function_words.contains(b)),
        );
        for (i, word) in sentence.words.iter().enumerate() {
            if skip[i] {
                continue;
            }
            emit(FeatureKind::Word, (i, i + 1), Gram::Word(word));
            let base = sentence.bases[i];
            if base != *word {
                emit(FeatureKind::Word, (i, i + 1), Gram::Word(base));
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
    }

    /// Each kept word tagged with the kind of clause it stands in.
    pub(super) fn emit_clauses(
        &self,
        sentence: &SentenceWords<'_>,
        kinds: &[ClauseKind],
        skip: &[bool],
        emit: &mut impl FnMut(FeatureKind, (usize, usize), Gram<'_>),
    ) {
        for (i, &kind) in kinds.iter().enumerate() {
            if skip[i] {
                continue;
            }
            emit(
                FeatureKind::Clause,
                (i, i + 1),
                Gram::Tagged(kind.tag(), sentence.bases[i]),
            );
        }
    }

    /// Cue features of the morphological lexicon (cue version 2): each cue's form and context
    /// tags, then, unless it stands in a relative clause or is negated, `any`, `lead`/`later`
    /// and, for the first such cue, `first`.
    pub(super) fn emit_cues(
        &self,
        sentence: &SentenceWords<'_>,
        cues: &[LexiconCue],
        marks: &ContextMarks<'_>,
        emit: &mut impl FnMut(FeatureKind, (usize, usize), Gram<'_>),
    ) {
        let (mut first, mut first_main) = (true, true);
        for cue in cues {
            let span = (cue.word, cue.word + cue.len);
            let label = cue.label.as_str();
            let context = context_of(
                sentence.words,
                cue.word,
                marks.quoted,
                marks.relative,
                self.config.lead_words,
            );
            for_each_tag(
                cue,
                context,
                marks.kinds[cue.word],
                &mut first_main,
                |tag| emit(FeatureKind::Cue, span, Gram::Tagged(tag, label)),
            );
            if context.relative {
                emit(FeatureKind::Cue, span, Gram::Tagged("relative", label));
                continue;
            }
            if context.negated {
                // لم ينفِ، لا أحد ينكر: a negated cue is not the act it names
                continue;
            }
            emit_act(span, label, context.lead, &mut first, emit);
        }
    }

    /// Cue features of the first lexicon (cue version 1): `relative` for a cue inside a
    /// relative clause, else `any`, `lead`/`later` and `first`.
    pub(super) fn emit_first_lexicon_cues(
        &self,
        sentence: &SentenceWords<'_>,
        relative: &[bool],
        emit: &mut impl FnMut(FeatureKind, (usize, usize), Gram<'_>),
    ) {
        let mut first = true;
        for cue in find_cues(sentence.list_bases) {
            let span = (cue.word, cue.word + cue.len);
            let label = cue.label.as_str();
            if relative[cue.word] {
                // a cue qualifying a noun is not the sentence's act (rule 1)
                emit(FeatureKind::Cue, span, Gram::Tagged("relative", label));
                continue;
            }
            emit_act(
                span,
                label,
                cue.word < self.config.lead_words,
                &mut first,
                emit,
            );
        }
    }

    /// The first `lead_words` words, each a feature of its own.
    pub(super) fn emit_lead_words(
        &self,
        sentence: &SentenceWords<'_>,
        emit: &mut impl FnMut(FeatureKind, (usize, usize), Gram<'_>),
    ) {
        for (i, base) in sentence
            .bases
            .iter()
            .enumerate()
            .take(self.config.lead_words)
        {
            emit(FeatureKind::Lead, (i, i + 1), Gram::Word(base));
        }
    }

    /// Word n-grams of the proclitic-stripped forms, 2 up to `word_ngrams`.
    pub(super) fn emit_word_ngrams(
        &self,
        sentence: &SentenceWords<'_>,
        emit: &mut impl FnMut(FeatureKind, (usize, usize), Gram<'_>),
    ) {
        let bases = sentence.bases;
        for n in 2..=self.config.word_ngrams {
            for start in 0..bases.len().saturating_sub(n - 1) {
                emit(
                    FeatureKind::WordNgram,
                    (start, start + n),
                    Gram::Words(&bases[start..start + n]),
                );
            }
        }
    }
}

/// The features of a cue that stands as an act of the sentence (both lexicons): `any`, `lead`
/// or `later` by where it stands, and `first` for the first such cue.
fn emit_act(
    span: (usize, usize),
    label: &str,
    lead: bool,
    first: &mut bool,
    emit: &mut impl FnMut(FeatureKind, (usize, usize), Gram<'_>),
) {
    let place = if lead { "lead" } else { "later" };
    emit(FeatureKind::Cue, span, Gram::Tagged("any", label));
    emit(FeatureKind::Cue, span, Gram::Tagged(place, label));
    if *first {
        emit(FeatureKind::Cue, span, Gram::Tagged("first", label));
        *first = false;
    }
}
