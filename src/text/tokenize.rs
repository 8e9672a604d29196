//! Tokenisation: a thin wrapper over a `tokenizers::Tokenizer` that holds the Arabic
//! normaliser and a pre-tokeniser (whitespace, then every punctuation mark isolated, so
//! «» “ ” ، ؛ are tokens of their own).
//!
//! The tokenizer's model is an empty `WordLevel`: `stance` hashes token strings into feature
//! buckets instead of looking them up in a vocabulary, so only the normaliser and the
//! pre-tokeniser are used. The whole tokenizer is kept as JSON inside the model file.

use crate::error::{Error, Result};
use crate::text::normalize::NormalizerConfig;
use tokenizers::models::wordlevel::WordLevel;
use tokenizers::pre_tokenizers::punctuation::Punctuation;
use tokenizers::pre_tokenizers::sequence::Sequence;
use tokenizers::pre_tokenizers::whitespace::WhitespaceSplit;
use tokenizers::{
    Normalizer, OffsetReferential, OffsetType, PreTokenizedString, PreTokenizer,
    PreTokenizerWrapper, SplitDelimiterBehavior, Tokenizer,
};

/// One token: its normalised text and its byte span in the original sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// The normalised token.
    pub text: String,
    /// Byte offset of the token's first byte in the original text.
    pub start: usize,
    /// Byte offset one past the token's last byte in the original text.
    pub end: usize,
}

/// Normaliser + pre-tokeniser, built from a [`NormalizerConfig`] or loaded from tokenizer JSON.
#[derive(Debug, Clone)]
pub struct TextPipeline {
    tokenizer: Tokenizer,
}

impl TextPipeline {
    /// Builds the pipeline for a normaliser configuration.
    ///
    /// # Errors
    /// [`Error::Tokenizer`] if a `tokenizers` component cannot be built.
    pub fn new(config: &NormalizerConfig) -> Result<TextPipeline> {
        let mut tokenizer = Tokenizer::new(WordLevel::default());
        tokenizer
            .with_normalizer(Some(config.build()?))
            .map_err(|e| Error::Tokenizer(e.to_string()))?;
        let pre_tokenizer: PreTokenizerWrapper = Sequence::new(vec![
            WhitespaceSplit.into(),
            Punctuation::new(SplitDelimiterBehavior::Isolated).into(),
        ])
        .into();
        tokenizer.with_pre_tokenizer(Some(pre_tokenizer));
        Ok(TextPipeline { tokenizer })
    }

    /// Loads a pipeline from tokenizer JSON (as stored in a model file).
    ///
    /// # Errors
    /// [`Error::Tokenizer`] if the JSON is not a tokenizer, or has no normaliser or
    /// pre-tokeniser.
    pub fn from_json(json: &str) -> Result<TextPipeline> {
        let tokenizer: Tokenizer =
            json.parse()
                .map_err(|e: Box<dyn std::error::Error + Send + Sync>| {
                    Error::Tokenizer(e.to_string())
                })?;
        if tokenizer.get_normalizer().is_none() || tokenizer.get_pre_tokenizer().is_none() {
            return Err(Error::Tokenizer(
                "tokenizer JSON lacks a normalizer or a pre_tokenizer".into(),
            ));
        }
        Ok(TextPipeline { tokenizer })
    }

    /// The tokenizer as JSON, for the model file.
    ///
    /// # Errors
    /// [`Error::Tokenizer`] if serialisation fails.
    pub fn to_json(&self) -> Result<String> {
        self.tokenizer
            .to_string(false)
            .map_err(|e| Error::Tokenizer(e.to_string()))
    }

    /// Normalises and splits a sentence into tokens with byte offsets into `text`.
    ///
    /// # Errors
    /// [`Error::Tokenizer`] if a `tokenizers` step fails.
    pub fn tokenize(&self, text: &str) -> Result<Vec<Token>> {
        let mut pieces = PreTokenizedString::from(text);
        if let Some(normalizer) = self.tokenizer.get_normalizer() {
            pieces
                .normalize(|n| normalizer.normalize(n))
                .map_err(|e| Error::Tokenizer(e.to_string()))?;
        }
        if let Some(pre_tokenizer) = self.tokenizer.get_pre_tokenizer() {
            pre_tokenizer
                .pre_tokenize(&mut pieces)
                .map_err(|e| Error::Tokenizer(e.to_string()))?;
        }
        Ok(pieces
            .get_splits(OffsetReferential::Original, OffsetType::Byte)
            .into_iter()
            .filter(|(piece, _, _)| !piece.is_empty())
            .map(|(piece, (start, end), _)| Token {
                text: piece.to_string(),
                start,
                end,
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(tokens: &[Token]) -> Vec<&str> {
        tokens.iter().map(|t| t.text.as_str()).collect()
    }

    #[test]
    fn punctuation_and_quotes_are_tokens_of_their_own() {
        let pipeline = TextPipeline::new(&NormalizerConfig::default()).unwrap();
        let tokens = pipeline
            .tokenize("نفت «قسد» فرار سجناء، مشيرة إلى “احترازية”؟")
            .unwrap();
        assert_eq!(
            texts(&tokens),
            [
                "نفت",
                "«",
                "قسد",
                "»",
                "فرار",
                "سجناء",
                "،",
                "مشيره",
                "الي",
                "“",
                "احترازيه",
                "”",
                "؟"
            ]
        );
    }

    #[test]
    fn offsets_point_into_the_original_text() {
        let pipeline = TextPipeline::new(&NormalizerConfig::default()).unwrap();
        let text = "وأكّدَت الوزارةُ أنّ «لا صحة» للخبر";
        for token in pipeline.tokenize(text).unwrap() {
            let original = &text[token.start..token.end];
            // normalising the original slice on its own gives the token back
            let again = pipeline.tokenize(original).unwrap();
            assert_eq!(texts(&again), [token.text.as_str()], "slice {original}");
        }
    }

    #[test]
    fn json_round_trip_keeps_behaviour() {
        let config = NormalizerConfig {
            fold_teh_marbuta: false,
            ..NormalizerConfig::default()
        };
        let pipeline = TextPipeline::new(&config).unwrap();
        let json = pipeline.to_json().unwrap();
        assert!(json.contains("\"Replace\""));
        assert!(!json.contains("BertNormalizer"));
        let loaded = TextPipeline::from_json(&json).unwrap();
        let text = "أعلنت الحكومة ٣ قرارات";
        assert_eq!(
            loaded.tokenize(text).unwrap(),
            pipeline.tokenize(text).unwrap()
        );
        assert_eq!(
            texts(&loaded.tokenize(text).unwrap()),
            ["اعلنت", "الحكومة", "3", "قرارات"]
        );
    }

    #[test]
    fn foreign_json_is_rejected() {
        assert!(matches!(
            TextPipeline::from_json("{\"a\":1}"),
            Err(Error::Tokenizer(_))
        ));
    }
}
