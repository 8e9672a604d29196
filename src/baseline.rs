//! The cue-only baseline: label a sentence by the first stance cue word it contains
//! (denial cues -> denial, allegation cues -> allegation, confirmation cues or none ->
//! assertion). It is the floor a trained model must clear: the guideline's hard cases
//! (rules 1-3, 7, 9-12) are exactly where the first cue misleads.

use crate::error::Result;
use crate::label::Stance;
use crate::text::clitics::strip_proclitics;
use crate::text::cues::find_cues;
use crate::text::{NormalizerConfig, TextPipeline};

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
        Ok(self.first_cue(text)?.unwrap_or(Stance::Assertion))
    }

    /// The label of the first cue in `text`, if it has one.
    ///
    /// # Errors
    /// [`crate::Error::Tokenizer`] if the text pipeline fails.
    pub fn first_cue(&self, text: &str) -> Result<Option<Stance>> {
        let tokens = self.pipeline.tokenize(text)?;
        let words: Vec<&str> = tokens
            .iter()
            .map(|t| strip_proclitics(&t.text).unwrap_or(&t.text))
            .collect();
        Ok(find_cues(&words).first().map(|cue| cue.label))
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
