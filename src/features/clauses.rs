//! A shallow clause marker for news sentences: which words stand in the main clause, in a
//! coordinated clause (after فيما، بينما، لكن، في حين، ...), or in a trailing participle clause
//! (after a comma and a participle such as مشيرا، مؤكدة، متهما). The guideline decides labels by
//! clause (rules 7 and 9), so words carry their clause kind as an extra feature.
//!
//! Hand-written: no Rust crate parses Arabic clauses, and a full parser would be far slower
//! than the rest of the pipeline; these cue lists cover the connectives the guideline names.

use crate::text::classes::at_least_chars;
use serde::{Deserialize, Serialize};

/// Where a word stands in the sentence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ClauseKind {
    /// Before any connective or participle clause.
    Main,
    /// After a coordinating or contrastive connective (rule 9).
    Coordinated,
    /// After a comma-introduced participle (rule 7).
    Participle,
}

impl ClauseKind {
    /// A one-letter tag used in feature names.
    pub fn tag(self) -> &'static str {
        match self {
            ClauseKind::Main => "M",
            ClauseKind::Coordinated => "C",
            ClauseKind::Participle => "P",
        }
    }
}

/// Whether `word` is a connective that opens a coordinated clause (normalised: alef, yeh, teh
/// marbuta folded). A `matches!` of literals rather than a search of a slice: the compiler
/// compares with constants of known length inline, with no call per candidate.
fn is_connective(word: &str) -> bool {
    matches!(
        word,
        "فيما"
            | "بينما"
            | "لكن"
            | "لكنه"
            | "لكنها"
            | "لكنهم"
            | "ولكن"
            | "وبينما"
            | "وفيما"
    )
}
/// Whether `word` followed by `next` is a two-word connective.
fn is_connective_pair(word: &str, next: &str) -> bool {
    matches!(
        (word, next),
        ("في", "حين") | ("الا", "ان") | ("غير", "ان") | ("في", "المقابل")
    )
}

/// True for a word shaped like an active participle of a reporting or accusing verb
/// (مشيرا، مؤكدة، متهمين، نافيا ...): starts with م, at least five letters, ends in ا، ه or ين.
fn is_participle(word: &str) -> bool {
    word.starts_with('م')
        && at_least_chars(word, 5)
        && (word.ends_with('ا') || word.ends_with('ه') || word.ends_with("ين"))
        || matches!(
            word,
            "نافيا"
                | "نافيه"
                | "قائلا"
                | "قائله"
                | "زاعما"
                | "زاعمه"
                | "واصفا"
                | "واصفه"
        )
}

/// The clause kind of word `i`, given `current`, the kind of the word before it (`Main` for
/// the first word).
fn next_kind(
    words: &[&str],
    is_comma_before: &[bool],
    i: usize,
    current: ClauseKind,
) -> ClauseKind {
    let word = words[i];
    let next = words.get(i + 1).copied().unwrap_or("");
    if is_connective(word) || is_connective_pair(word, next) {
        ClauseKind::Coordinated
    } else if i > 0 && is_comma_before[i] && is_participle(word) {
        ClauseKind::Participle
    } else {
        current
    }
}

/// The clause kind of each word into `kinds` (cleared first); `is_comma_before[i]` tells
/// whether a comma token stood right before word `i` in the sentence.
pub fn clause_kinds(words: &[&str], is_comma_before: &[bool], kinds: &mut Vec<ClauseKind>) {
    kinds.clear();
    let mut current = ClauseKind::Main;
    for i in 0..words.len() {
        current = next_kind(words, is_comma_before, i, current);
        kinds.push(current);
    }
}

/// Whether `word` is a relative pronoun (normalised) that opens a relative clause.
fn is_relative(word: &str) -> bool {
    matches!(
        word,
        "الذي"
            | "التي"
            | "الذين"
            | "اللذين"
            | "اللتين"
            | "اللاتي"
            | "اللواتي"
            | "اللائي"
    )
}

/// Which words stand inside a relative clause (after الذي، التي ... up to the next comma, connective
/// or participle clause): a cue there qualifies a noun, it is not the sentence's act (rule 1).
/// `words` are normalised but not proclitic-stripped; the answer goes into `inside_out`
/// (cleared first), one per word.
pub fn relative_clauses(words: &[&str], is_comma_before: &[bool], inside_out: &mut Vec<bool>) {
    inside_out.clear();
    let mut inside = false;
    let mut kind = ClauseKind::Main;
    for (i, word) in words.iter().enumerate() {
        let previous = kind;
        kind = next_kind(words, is_comma_before, i, kind);
        let bare = word.strip_prefix(['و', 'ف']).unwrap_or(word);
        if is_relative(word) || is_relative(bare) {
            inside = true;
        } else if is_comma_before[i] || (i > 0 && kind != previous) {
            inside = false;
        }
        inside_out.push(inside);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(sentence: &str) -> Vec<&'static str> {
        let mut words = Vec::new();
        let mut commas = Vec::new();
        let mut comma = false;
        for token in sentence.split_whitespace() {
            if token == "،" {
                comma = true;
                continue;
            }
            words.push(token);
            commas.push(comma);
            comma = false;
        }
        let mut out = Vec::new();
        clause_kinds(&words, &commas, &mut out);
        out.into_iter().map(ClauseKind::tag).collect()
    }

    #[test]
    fn participle_and_coordinated_clauses_are_marked() {
        assert_eq!(
            kinds("نفت قسد فرار سجناء ، مشيره الي ان الاجراءات احترازيه"),
            ["M", "M", "M", "M", "P", "P", "P", "P", "P"]
        );
        assert_eq!(
            kinds("اعلنت مصادر مقتل ثلاثه فيما نفي المسلحون ذلك"),
            ["M", "M", "M", "M", "C", "C", "C", "C"]
        );
        assert_eq!(
            kinds("قال الوزير في حين نفت الشركه"),
            ["M", "M", "C", "C", "C", "C"]
        );
    }

    #[test]
    fn relative_clauses_end_at_a_comma() {
        let words = ["جهودها", "التي", "تزعم", "انها", "تبذلها", "نفت", "ذلك"];
        let commas = [false, false, false, false, false, true, false];
        let mut inside = Vec::new();
        relative_clauses(&words, &commas, &mut inside);
        assert_eq!(inside, [false, true, true, true, true, false, false]);
    }

    #[test]
    fn a_participle_without_a_comma_stays_in_its_clause() {
        assert_eq!(kinds("اكدت مصادر مطلعه الخبر"), ["M", "M", "M", "M"]);
    }
}
