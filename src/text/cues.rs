//! The guideline's stance cue lexicon (`ANNOTATION.md`, "Typical cues"), after default
//! normalisation and proclitic stripping, and a finder for cues in a sentence. Used by the
//! cue-only baseline and by the classifier's cue features.

use crate::label::Stance;

/// Cue words after default normalisation (alef, yeh and teh marbuta folded) and proclitic
/// stripping, with their label.
pub const WORD_CUES: &[(&str, Stance)] = &[
    // denial
    ("نفي", Stance::Denial),
    ("نفت", Stance::Denial),
    ("نفوا", Stance::Denial),
    ("ينفي", Stance::Denial),
    ("تنفي", Stance::Denial),
    ("ننفي", Stance::Denial),
    ("نفينا", Stance::Denial),
    ("ينفون", Stance::Denial),
    ("انكر", Stance::Denial),
    ("انكرت", Stance::Denial),
    ("ينكر", Stance::Denial),
    ("تنكر", Stance::Denial),
    ("كذب", Stance::Denial),
    ("كذبت", Stance::Denial),
    ("دحض", Stance::Denial),
    ("دحضت", Stance::Denial),
    ("فند", Stance::Denial),
    ("فندت", Stance::Denial),
    ("تبرا", Stance::Denial),
    ("تبرات", Stance::Denial),
    // allegation
    ("زعم", Stance::Allegation),
    ("زعمت", Stance::Allegation),
    ("زعموا", Stance::Allegation),
    ("يزعم", Stance::Allegation),
    ("تزعم", Stance::Allegation),
    ("يزعمون", Stance::Allegation),
    ("مزاعم", Stance::Allegation),
    ("مزعوم", Stance::Allegation),
    ("مزعومه", Stance::Allegation),
    ("ادعي", Stance::Allegation),
    ("ادعت", Stance::Allegation),
    ("ادعوا", Stance::Allegation),
    ("يدعي", Stance::Allegation),
    ("تدعي", Stance::Allegation),
    ("ادعاءات", Stance::Allegation),
    ("اتهم", Stance::Allegation),
    ("اتهمت", Stance::Allegation),
    ("اتهموا", Stance::Allegation),
    ("يتهم", Stance::Allegation),
    ("تتهم", Stance::Allegation),
    ("اتهام", Stance::Allegation),
    ("اتهامات", Stance::Allegation),
    ("متهما", Stance::Allegation),
    ("يشاع", Stance::Allegation),
    // assertion
    ("اكد", Stance::Assertion),
    ("اكدت", Stance::Assertion),
    ("اعلن", Stance::Assertion),
    ("اعلنت", Stance::Assertion),
    ("كشف", Stance::Assertion),
    ("كشفت", Stance::Assertion),
    ("اوضح", Stance::Assertion),
    ("اوضحت", Stance::Assertion),
    ("قال", Stance::Assertion),
    ("قالت", Stance::Assertion),
];

/// Two-word cues, checked before the single words at each position.
pub const PHRASE_CUES: &[(&str, &str, Stance)] = &[
    ("لا", "صحه", Stance::Denial),
    ("عار", "عن", Stance::Denial),
    ("غير", "صحيح", Stance::Denial),
    ("غير", "صحيحه", Stance::Denial),
    ("لا", "اساس", Stance::Denial),
    ("غير", "مؤكده", Stance::Allegation),
    ("غير", "مؤكد", Stance::Allegation),
    ("لم", "يتسن", Stance::Allegation),
    ("ترددت", "انباء", Stance::Allegation),
];

/// A cue found in a sentence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cue {
    /// Index of the cue's first word.
    pub word: usize,
    /// How many words it spans.
    pub len: usize,
    /// The label the cue suggests.
    pub label: Stance,
}

/// Every cue among `words` (normalised, proclitic-stripped), in order; two-word cues are
/// matched before the single word at the same position.
pub fn find_cues(words: &[&str]) -> Vec<Cue> {
    let mut cues = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let next = words.get(i + 1).copied();
        if let Some((_, _, label)) = PHRASE_CUES
            .iter()
            .find(|(a, b, _)| *a == words[i] && Some(*b) == next)
        {
            cues.push(Cue {
                word: i,
                len: 2,
                label: *label,
            });
            i += 2;
            continue;
        }
        if let Some((_, label)) = WORD_CUES.iter().find(|(w, _)| *w == words[i]) {
            cues.push(Cue {
                word: i,
                len: 1,
                label: *label,
            });
        }
        i += 1;
    }
    cues
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_words_and_phrases_in_order() {
        let words = [
            "اكدت",
            "وزاره",
            "ان",
            "لا",
            "صحه",
            "للخبر",
            "فيما",
            "زعمت",
            "جماعه",
        ];
        let found = find_cues(&words);
        assert_eq!(
            found,
            [
                Cue {
                    word: 0,
                    len: 1,
                    label: Stance::Assertion
                },
                Cue {
                    word: 3,
                    len: 2,
                    label: Stance::Denial
                },
                Cue {
                    word: 7,
                    len: 1,
                    label: Stance::Allegation
                },
            ]
        );
    }
}
