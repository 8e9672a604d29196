//! The cue-only baseline: label a sentence by the first stance cue word it contains
//! (denial cues -> denial, allegation cues -> allegation, confirmation cues or none ->
//! assertion). It is the floor a trained model must clear: the guideline's hard cases
//! (rules 1-3, 7, 9-12) are exactly where the first cue misleads.

use crate::error::Result;
use crate::label::Stance;
use crate::text::clitics::strip_proclitics;
use crate::text::{NormalizerConfig, TextPipeline};

/// Cue words after default normalisation (alef, yeh and teh marbuta folded) and proclitic
/// stripping, with their label.
const WORD_CUES: &[(&str, Stance)] = &[
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
const PHRASE_CUES: &[(&str, &str, Stance)] = &[
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

/// The first-cue rule over normalised tokens.
#[derive(Debug, Clone)]
pub struct CueBaseline {
    pipeline: TextPipeline,
}

impl CueBaseline {
    /// A baseline with the default normaliser.
    ///
    /// # Errors
    /// [`crate::Error::Tokenizer`] if the text pipeline cannot be built.
    pub fn new() -> Result<CueBaseline> {
        Ok(CueBaseline {
            pipeline: TextPipeline::new(&NormalizerConfig::default())?,
        })
    }

    /// The label of the first cue in `text`, or assertion when there is none.
    ///
    /// # Errors
    /// [`crate::Error::Tokenizer`] if the text pipeline fails.
    pub fn predict(&self, text: &str) -> Result<Stance> {
        let tokens = self.pipeline.tokenize(text)?;
        let words: Vec<&str> = tokens
            .iter()
            .map(|t| strip_proclitics(&t.text).unwrap_or(&t.text))
            .collect();
        for (i, word) in words.iter().enumerate() {
            if let Some(next) = words.get(i + 1) {
                if let Some((_, _, label)) =
                    PHRASE_CUES.iter().find(|(a, b, _)| a == word && b == next)
                {
                    return Ok(*label);
                }
            }
            if let Some((_, label)) = WORD_CUES.iter().find(|(w, _)| w == word) {
                return Ok(*label);
            }
        }
        Ok(Stance::Assertion)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_cue_decides() {
        let b = CueBaseline::new().unwrap();
        assert_eq!(
            b.predict("وأكدت الوزارة أن لا صحة للأنباء").unwrap(),
            Stance::Assertion
        );
        assert_eq!(b.predict("فنفت الشركة الخبر").unwrap(), Stance::Denial);
        assert_eq!(b.predict("الخبر عارٍ عن الصحة").unwrap(), Stance::Denial);
        assert_eq!(
            b.predict("وزعمت الجماعة أنها لم تقصف").unwrap(),
            Stance::Allegation
        );
        assert_eq!(
            b.predict("أنباء غير مؤكدة عن انسحاب").unwrap(),
            Stance::Allegation
        );
        assert_eq!(b.predict("افتتح الوزير المعرض").unwrap(), Stance::Assertion);
    }
}
