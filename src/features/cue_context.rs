//! Where a stance cue stands: negated (لم ينفِ، دون أن ينكر), inside reported content (after
//! أن / إن), inside quotes, in a coordinated or trailing participle clause, among the first
//! words, inside a relative clause. The guideline labels the main act (rules 1, 7, 9), so a cue
//! only decides when it stands where a main act stands; these contexts let the model learn that
//! from data instead of "a cue anywhere decides".
//!
//! In: the sentence's tokens and its kept words. Out: per cue, the tags of its binary features.
//!
//! Hand-written: this is a shallow reading of a few function words and punctuation marks, for
//! which no parser crate exists in Rust at this speed.

use crate::features::clauses::ClauseKind;
use crate::text::classes::at_least_chars;
use crate::text::lexicon::{fold, CueForm, LexiconCue};
use crate::text::wordlists::{COMPLEMENTISERS, NEGATIONS};
use std::borrow::Cow;

/// The contexts a cue is tagged with, one tag family per form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CueContext {
    /// A negation stands among the two words before it (لم ينفِ، لا أحد ينكر، دون أن ينكر).
    pub negated: bool,
    /// A complementiser (أن، إن، بأن ...) stands among the three words before it.
    pub subordinate: bool,
    /// It stands inside quotation marks.
    pub quoted: bool,
    /// It stands inside a relative clause.
    pub relative: bool,
    /// It stands among the sentence's first words.
    pub lead: bool,
}

/// Feature tags of each form: the form alone, then each context.
pub const FORM_TAGS: [[&str; 10]; 5] = [
    [
        "verb",
        "verb.neg",
        "verb.sub",
        "verb.quote",
        "verb.coord",
        "verb.part",
        "verb.lead",
        "verb.main",
        "verb.first-main",
        "verb.rel",
    ],
    [
        "noun",
        "noun.neg",
        "noun.sub",
        "noun.quote",
        "noun.coord",
        "noun.part",
        "noun.lead",
        "noun.main",
        "noun.first-main",
        "noun.rel",
    ],
    [
        "part",
        "part.neg",
        "part.sub",
        "part.quote",
        "part.coord",
        "part.part",
        "part.lead",
        "part.main",
        "part.first-main",
        "part.rel",
    ],
    [
        "mod",
        "mod.neg",
        "mod.sub",
        "mod.quote",
        "mod.coord",
        "mod.part",
        "mod.lead",
        "mod.main",
        "mod.first-main",
        "mod.rel",
    ],
    [
        "phrase",
        "phrase.neg",
        "phrase.sub",
        "phrase.quote",
        "phrase.coord",
        "phrase.part",
        "phrase.lead",
        "phrase.main",
        "phrase.first-main",
        "phrase.rel",
    ],
];

/// Positions in a row of [`FORM_TAGS`].
mod slot {
    pub const FORM: usize = 0;
    pub const NEG: usize = 1;
    pub const SUB: usize = 2;
    pub const QUOTE: usize = 3;
    pub const COORD: usize = 4;
    pub const PART: usize = 5;
    pub const LEAD: usize = 6;
    pub const MAIN: usize = 7;
    pub const FIRST_MAIN: usize = 8;
    pub const REL: usize = 9;
}

/// Whether each token stands inside quotation marks (« », “ ”, or a pair of straight quotes),
/// into `quoted` (cleared first); `tokens` are the tokens' texts.
pub fn quoted_tokens<'a>(tokens: impl Iterator<Item = &'a str>, quoted: &mut Vec<bool>) {
    quoted.clear();
    let mut depth = 0usize;
    let mut straight = false;
    quoted.extend(tokens.map(|t| match t {
        "«" | "“" | "„" => {
            depth += 1;
            false
        }
        "»" | "”" => {
            depth = depth.saturating_sub(1);
            false
        }
        "\"" => {
            straight = !straight;
            false
        }
        _ => depth > 0 || straight,
    }));
}

/// The word without a conjunction, folded, for matching function words; borrowed when
/// folding changes nothing.
fn bare(word: &str) -> Cow<'_, str> {
    let strip = |folded: &str| -> Option<usize> {
        folded
            .strip_prefix(['و', 'ف'])
            .filter(|rest| at_least_chars(rest, 2))
            .map(|rest| folded.len() - rest.len())
    };
    match fold(word) {
        Cow::Borrowed(folded) => Cow::Borrowed(&folded[strip(folded).unwrap_or(0)..]),
        Cow::Owned(mut folded) => {
            folded.drain(..strip(&folded).unwrap_or(0));
            Cow::Owned(folded)
        }
    }
}

/// The context of a cue starting at word `at`; `words` are the kept words, `quoted` and
/// `relative` per kept word.
pub fn context_of(
    words: &[&str],
    at: usize,
    quoted: &[bool],
    relative: &[bool],
    lead_words: usize,
) -> CueContext {
    let before = |k: usize| at.checked_sub(k).map(|i| bare(words[i]));
    // لم ينف، لا أحد ينكر، دون أن ينكر، لم يتم نفي: a negation among the two words before
    let negated = (1..=2)
        .filter_map(before)
        .any(|w| NEGATIONS.contains(&w.as_ref()));
    let subordinate = (1..=3)
        .filter_map(before)
        .any(|w| COMPLEMENTISERS.contains(&w.as_ref()));
    CueContext {
        negated,
        subordinate,
        quoted: quoted[at],
        relative: relative[at],
        lead: at < lead_words,
    }
}

/// The feature tags of one cue, passed to `tag` in order: its form, each context that holds,
/// `main` when it stands where a main act stands (main clause, not negated, not reported, not
/// quoted), and `first-main` for the first such cue of the sentence (`first_main` tracks that
/// across calls). A callback rather than a `Vec`: this runs for every cue of every predicted
/// sentence, and the allocation cost more than the tags.
pub fn for_each_tag(
    cue: &LexiconCue,
    context: CueContext,
    clause: ClauseKind,
    first_main: &mut bool,
    mut tag: impl FnMut(&'static str),
) {
    let row = &FORM_TAGS[match cue.form {
        CueForm::Verb => 0,
        CueForm::Noun => 1,
        CueForm::Participle => 2,
        CueForm::Modifier => 3,
        CueForm::Phrase => 4,
    }];
    if context.relative {
        tag(row[slot::REL]);
        return;
    }
    tag(row[slot::FORM]);
    if context.negated {
        tag(row[slot::NEG]);
    }
    if context.subordinate {
        tag(row[slot::SUB]);
    }
    if context.quoted {
        tag(row[slot::QUOTE]);
    }
    match clause {
        ClauseKind::Main => {}
        ClauseKind::Coordinated => tag(row[slot::COORD]),
        ClauseKind::Participle => tag(row[slot::PART]),
    }
    if context.lead && !context.negated {
        tag(row[slot::LEAD]);
    }
    let main =
        !context.negated && !context.subordinate && !context.quoted && clause == ClauseKind::Main;
    if main {
        tag(row[slot::MAIN]);
        if *first_main {
            tag(row[slot::FIRST_MAIN]);
            *first_main = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::label::Stance;
    use crate::text::lexicon::Lexicon;

    fn context(sentence: &str, cue_word: usize) -> CueContext {
        let words: Vec<&str> = sentence.split_whitespace().collect();
        let none = vec![false; words.len()];
        context_of(&words, cue_word, &none, &none, 5)
    }

    #[test]
    fn negation_and_reported_content_are_seen() {
        assert!(context("لا أستطيع أن أنكر ذلك", 3).subordinate);
        assert!(context("قال دون أن ينكر التهمة", 3).negated);
        assert!(context("الوزير لم ينف الخبر", 2).negated);
        assert!(context("لا أحد ينكر حق الشباب", 2).negated);
        assert!(context("وقال إن الاتهامات باطلة", 2).subordinate);
        let plain = context("نفت الوزارة الخبر", 0);
        assert!(!plain.negated && !plain.subordinate && plain.lead);
    }

    #[test]
    fn quotes_of_every_style_are_tracked() {
        let tokens = ["قال", "«", "لا", "صحة", "»", "ثم", "\"", "نفى", "\"", "ذلك"];
        let mut q = Vec::new();
        quoted_tokens(tokens.into_iter(), &mut q);
        assert_eq!(
            q,
            [false, false, true, true, false, false, false, true, false, false]
        );
    }

    #[test]
    fn only_the_first_main_cue_is_first_main() {
        let words = ["نفت", "الوزارة", "الخبر", "واتهمت", "المعارضة"];
        let mut cues = Vec::new();
        Lexicon::of_version(2).find(&words, &mut cues);
        assert_eq!(cues[1].label, Stance::Allegation);
        let mut first = true;
        let none = [false; 5];
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for_each_tag(
            &cues[0],
            context_of(&words, 0, &none, &none, 5),
            ClauseKind::Main,
            &mut first,
            |tag| a.push(tag),
        );
        for_each_tag(
            &cues[1],
            context_of(&words, 3, &none, &none, 5),
            ClauseKind::Main,
            &mut first,
            |tag| b.push(tag),
        );
        assert_eq!(a, ["verb", "verb.lead", "verb.main", "verb.first-main"]);
        assert_eq!(b, ["verb", "verb.lead", "verb.main"]);
    }
}
