//! A shallow clause marker for news sentences: which words stand in the main clause, in a
//! coordinated clause (after فيما، بينما، لكن، في حين، ...), or in a trailing participle clause
//! (after a comma and a participle such as مشيرا، مؤكدة، متهما). The guideline decides labels by
//! clause (rules 7 and 9), so words carry their clause kind as an extra feature.
//!
//! Hand-written: no Rust crate parses Arabic clauses, and a full parser would be far slower
//! than the rest of the pipeline; these cue lists cover the connectives the guideline names.

use crate::text::wordlists::{is_connective, is_connective_pair, is_participle, is_relative};
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
        // a relative pronoun, bare or after و / ف
        let bare = word.strip_prefix(['و', 'ف']);
        if is_relative(word) || bare.is_some_and(is_relative) {
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
