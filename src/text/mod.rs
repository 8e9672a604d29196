//! Text stage: raw sentence -> normalised tokens with offsets into the original text.
//!
//! The normaliser and pre-tokeniser are `tokenizers` components, serialised into the model as
//! tokenizer JSON so that training and prediction always read text the same way.

pub mod clitics;
pub mod normalize;
pub mod tokenize;

pub use normalize::NormalizerConfig;
pub use tokenize::{TextPipeline, Token};
