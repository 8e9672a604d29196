//! Proclitic stripping for Arabic words, so that وأكدت، فنفت، وزعمت، بزعم، لمزاعم share a
//! feature with أكدت، نفت، زعمت، زعم، مزاعم.
//!
//! Hand-written: no crate splits Arabic proclitics; the Snowball stemmer (rust-stemmers) also
//! strips suffixes and would merge نفت (she denied) with نفي (exile). This keeps suffixes and
//! removes at most a conjunction (و ف), a preposition (ب ل ك) and the article (ال), in that
//! order, leaving at least three letters. The stripped form is an extra feature beside the word,
//! never a replacement, so a wrong strip (وزارة -> زارة) only adds a weak feature.

use crate::text::classes::at_least_chars;

/// Conjunctions that attach to the front of a word.
const CONJUNCTIONS: [char; 2] = ['و', 'ف'];
/// One-letter prepositions that attach to the front of a word.
const PREPOSITIONS: [char; 3] = ['ب', 'ل', 'ك'];
/// Letters that must remain after stripping.
const MIN_STEM_CHARS: usize = 2;

/// Returns `word` without its proclitics, or `None` when there is nothing to strip.
/// Expects normalised text (alef forms folded or not; both work).
pub fn strip_proclitics(word: &str) -> Option<&str> {
    let mut rest = word;
    rest = strip_one(rest, &CONJUNCTIONS).unwrap_or(rest);
    if let Some(after) = strip_one(rest, &PREPOSITIONS) {
        // ل + ال is written لل: the preposition swallows the article's alef.
        rest = if rest.starts_with('ل')
            && after.starts_with('ل')
            && long_enough(&after['ل'.len_utf8()..])
        {
            &after['ل'.len_utf8()..]
        } else {
            after
        };
    }
    if let Some(after) = rest.strip_prefix("ال") {
        if long_enough(after) {
            rest = after;
        }
    }
    (rest.len() < word.len()).then_some(rest)
}

fn strip_one<'a>(word: &'a str, letters: &[char]) -> Option<&'a str> {
    let first = word.chars().next()?;
    let after = &word[first.len_utf8()..];
    (letters.contains(&first) && long_enough(after)).then_some(after)
}

fn long_enough(stem: &str) -> bool {
    at_least_chars(stem, MIN_STEM_CHARS + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cue_words_share_a_stem_with_their_cliticised_forms() {
        let cases = [
            ("واكدت", Some("اكدت")),
            ("فنفت", Some("نفت")),
            ("وزعمت", Some("زعمت")),
            ("بزعم", Some("زعم")),
            ("لمزاعم", Some("مزاعم")),
            ("والمزاعم", Some("مزاعم")),
            ("وبالاتهامات", Some("اتهامات")),
            ("للاتهامات", Some("اتهامات")),
            ("ونفى", Some("نفى")),
            ("الحكومه", Some("حكومه")),
        ];
        for (word, stem) in cases {
            assert_eq!(strip_proclitics(word), stem, "word {word}");
        }
    }

    #[test]
    fn short_words_and_words_without_clitics_stay() {
        for word in ["نفت", "زعم", "ولد", "في", "لا", "و", "اكد", "قسد", "2022"]
        {
            assert_eq!(strip_proclitics(word), None, "word {word}");
        }
    }
}
