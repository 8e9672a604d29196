//! Tokenisation: a thin wrapper over a `tokenizers::Tokenizer` that holds the Arabic
//! normaliser and a pre-tokeniser (whitespace, then every punctuation mark isolated, so
//! «» “ ” ، ؛ are tokens of their own).
//!
//! The tokenizer's model is an empty `WordLevel`: `stance` hashes token strings into feature
//! buckets instead of looking them up in a vocabulary, so only the normaliser and the
//! pre-tokeniser are used. The whole tokenizer is kept as JSON inside the model file.
//!
//! The tokenizer is the reference; [`TextPipeline::tokenize`] runs the equivalent single-pass
//! [`FastNormalizer`] instead, falling back to the tokenizer for what the fast path does not
//! handle. A model file's tokenizer JSON is only accepted when it is exactly what the
//! model's [`NormalizerConfig`] builds (see [`TextPipeline::matching_json`]).

use crate::error::{Error, Result};
use crate::text::fast::FastNormalizer;
use crate::text::normalize::NormalizerConfig;
use crate::text::token_buffer::TokenBuffer;
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

/// Normaliser + pre-tokeniser, built from a [`NormalizerConfig`].
#[derive(Debug, Clone)]
pub struct TextPipeline {
    tokenizer: Tokenizer,
    /// The same pipeline in one pass.
    fast: FastNormalizer,
}

impl TextPipeline {
    /// Builds the pipeline for a normaliser configuration, with the fast path enabled.
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
        Ok(TextPipeline {
            tokenizer,
            fast: FastNormalizer::new(config),
        })
    }

    /// Builds the pipeline for `config` and checks that its tokenizer serialises to exactly
    /// `json` (what a model file stores beside `config`). Nothing else is accepted: a stored
    /// tokenizer that differs is a damaged or forged file, and parsing it could panic inside
    /// `tokenizers`. The pipeline is built once, so a load pays for one tokenizer.
    ///
    /// # Errors
    /// [`Error::Tokenizer`] if the JSON differs or a component cannot be built.
    pub fn matching_json(config: &NormalizerConfig, json: &str) -> Result<TextPipeline> {
        let pipeline = TextPipeline::new(config)?;
        if pipeline.to_json()? != json {
            return Err(Error::Tokenizer(
                "the tokenizer does not match the model's normaliser settings".into(),
            ));
        }
        Ok(pipeline)
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
    /// Gives exactly what [`TextPipeline::tokenize_reference`] gives, through the fast path
    /// when it is enabled.
    ///
    /// # Errors
    /// [`Error::Tokenizer`] if a `tokenizers` step fails.
    pub fn tokenize(&self, text: &str) -> Result<Vec<Token>> {
        let mut tokens = TokenBuffer::default();
        self.tokenize_into(text, &mut tokens)?;
        Ok(tokens.to_tokens())
    }

    /// [`TextPipeline::tokenize`] into reusable storage (cleared first), which allocates
    /// nothing per token.
    ///
    /// # Errors
    /// [`Error::Tokenizer`] if a `tokenizers` step fails.
    pub fn tokenize_into(&self, text: &str, tokens: &mut TokenBuffer) -> Result<()> {
        if self.fast.tokenize_into(text, tokens).is_some() {
            return Ok(());
        }
        tokens.clear();
        for token in self.tokenize_reference(text)? {
            tokens.push(&token.text, token.start, token.end);
        }
        Ok(())
    }

    /// Normalises and splits a sentence with `tokenizers` itself, never the fast path.
    ///
    /// # Errors
    /// [`Error::Tokenizer`] if a `tokenizers` step fails.
    pub fn tokenize_reference(&self, text: &str) -> Result<Vec<Token>> {
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
    use crate::text::normalize::test_configs;

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

    /// The JSON a model file stores is a working `tokenizers` tokenizer: read back by that
    /// crate alone, it tokenizes as the pipeline does.
    #[test]
    fn stored_json_is_a_tokenizer_that_behaves_the_same() {
        let config = NormalizerConfig {
            fold_teh_marbuta: false,
            ..NormalizerConfig::default()
        };
        let pipeline = TextPipeline::new(&config).unwrap();
        let json = pipeline.to_json().unwrap();
        assert!(json.contains("\"Replace\""));
        assert!(!json.contains("BertNormalizer"));
        let loaded = TextPipeline {
            tokenizer: json.parse().unwrap(),
            fast: FastNormalizer::new(&config),
        };
        let text = "أعلنت الحكومة ٣ قرارات";
        assert_eq!(
            loaded.tokenize_reference(text).unwrap(),
            pipeline.tokenize(text).unwrap()
        );
        assert_eq!(
            texts(&loaded.tokenize_reference(text).unwrap()),
            ["اعلنت", "الحكومة", "3", "قرارات"]
        );
    }

    fn assert_same(pipeline: &TextPipeline, text: &str) {
        assert_eq!(
            pipeline.tokenize(text).unwrap(),
            pipeline.tokenize_reference(text).unwrap(),
            "text {text:?}"
        );
    }

    #[test]
    fn fast_path_matches_tokenizers_on_tricky_sentences() {
        let cases = [
            "",
            "   \t\n ",
            "وأكّدَت الوزارةُ أنّ «لا صحة» للخبر",
            // shadda before fatha: NFKC reorders the marks
            "أكّدَ كَّ",
            "نفـــت الـوزارة",
            // lam-alef ligatures and other presentation forms
            "\u{FEFB}\u{FEF5} \u{FEF7}\u{0651}\u{FEF9}\u{FEFC} \u{FDF2} \u{FE8D}\u{FEE0}",
            "٢٠ يونيو ۲۰۲۲، و٣٫٥٪",
            "قال “إنّ” 'الخبر' \"كاذب\"؟!",
            "ـًٌٍَُِّْ ـ ًـ",
            "مسؤولين، رئيس؛ مستشفى ی",
            "a\u{00A0}b\u{2009}c\u{3000}d\u{FEFF}e",
            "M4 road (2019) - U.S.",
            "١٢٣abc؟...«»",
            "\u{0301}\u{0651}ا",
            // NFKC compositions (change -1) then inserted characters (+1) at the end of tokens
            "ا\u{0654}\u{0651} a\u{0344} \u{1E0B}\u{0323}",
            "ﷺ ﷻ ﷽",
        ];
        for config in test_configs() {
            let pipeline = TextPipeline::new(&config).unwrap();
            for text in cases {
                assert_same(&pipeline, text);
            }
        }
    }

    /// A token spans from its first to its last kept character: marks removed inside it are
    /// in its span, marks removed after its last letter are not (as in `tokenizers`).
    #[test]
    fn token_spans_include_inner_stripped_marks() {
        let pipeline = TextPipeline::new(&NormalizerConfig::default()).unwrap();
        let text = "«كَذَّبَ» نفـت";
        let tokens = pipeline.tokenize(text).unwrap();
        let spans: Vec<(&str, &str)> = tokens
            .iter()
            .map(|t| (&text[t.start..t.end], t.text.as_str()))
            .collect();
        assert_eq!(
            spans,
            [("«", "«"), ("كَذَّب", "كذب"), ("»", "»"), ("نفـت", "نفت")]
        );
        assert_same(&pipeline, text);
    }

    #[test]
    fn a_stored_tokenizer_is_accepted_only_as_its_config_writes_it() {
        let default = NormalizerConfig::default();
        let no_alef = NormalizerConfig {
            fold_alef: false,
            ..default
        };
        let json = TextPipeline::new(&default).unwrap().to_json().unwrap();
        let loaded = TextPipeline::matching_json(&default, &json).unwrap();
        assert_eq!(texts(&loaded.tokenize("أكدت").unwrap()), ["اكدت"]);
        // the config disagrees with the JSON, or the JSON was edited: refused
        for (config, stored) in [
            (no_alef, json.clone()),
            (default, json.replace("\"Punctuation\"", "\"Punctuation\" ")),
        ] {
            let err = TextPipeline::matching_json(&config, &stored).unwrap_err();
            assert!(err.to_string().contains("does not match"), "{err}");
        }
    }

    /// Characters the property test draws from.
    fn arabic_news_char() -> impl proptest::strategy::Strategy<Value = char> {
        use proptest::prelude::*;
        prop_oneof![
            4 => proptest::char::range('\u{0600}', '\u{06FF}'),
            1 => proptest::char::range('\u{FB50}', '\u{FDFF}'),
            1 => proptest::char::range('\u{FE70}', '\u{FEFF}'),
            2 => proptest::char::range('\u{064B}', '\u{0652}'),
            1 => Just('\u{0640}'),
            1 => proptest::char::range('\u{0660}', '\u{0669}'),
            1 => proptest::char::range('\u{06F0}', '\u{06F9}'),
            1 => proptest::char::range(' ', '~'),
            1 => proptest::sample::select(vec!['«', '»', '“', '”', '،', '؛', '؟']),
            2 => proptest::sample::select(vec![' ', '\t', '\n', '\u{00A0}']),
        ]
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]
        #[test]
        fn fast_path_matches_tokenizers(
            chars in proptest::collection::vec(arabic_news_char(), 0..40),
            config_index in 0usize..8,
        ) {
            let text: String = chars.into_iter().collect();
            let pipeline = TextPipeline::new(&test_configs()[config_index]).unwrap();
            proptest::prop_assert_eq!(
                pipeline.tokenize(&text).unwrap(),
                pipeline.tokenize_reference(&text).unwrap(),
                "text {:?}", text
            );
        }
    }

    /// Throughput of both paths on real news: `cargo test --release --lib text::tokenize --
    /// --ignored --nocapture`.
    #[test]
    #[ignore = "needs ../shared/realnews/pool.tsv beside the project; measures speed"]
    fn measure_pool_throughput() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/realnews/pool.tsv");
        let pool =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let sentences: Vec<&str> = pool
            .lines()
            .skip(1)
            .take(20_000)
            .filter_map(|line| line.split('\t').nth(2))
            .collect();
        let pipeline = TextPipeline::new(&NormalizerConfig::default()).unwrap();
        let rate = |run: &dyn Fn(&str) -> Vec<Token>| {
            let start = std::time::Instant::now();
            let n: usize = sentences.iter().map(|s| run(s).len()).sum();
            std::hint::black_box(n);
            sentences.len() as f64 / start.elapsed().as_secs_f64()
        };
        let reference = rate(&|s| pipeline.tokenize_reference(s).unwrap());
        let fast = rate(&|s| pipeline.tokenize(s).unwrap());
        for s in &sentences {
            assert_same(&pipeline, s);
        }
        println!(
            "{} sentences: reference {reference:.0}/s, fast {fast:.0}/s ({:.1}x)",
            sentences.len(),
            fast / reference
        );
    }
}
