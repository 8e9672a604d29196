//! Text stage: raw sentence -> normalised tokens with offsets into the original text.
//!
//! The normaliser and pre-tokeniser are `tokenizers` components, serialised into the model as
//! tokenizer JSON so that training and prediction always read text the same way. [`fast`]
//! runs the same steps in one pass, producing identical tokens.

pub mod char_table;
pub mod classes;
pub mod clitics;
pub mod cues;
pub mod ending;
pub mod fast;
pub mod lexicon;
pub mod normalize;
pub mod paged;
pub mod token_buffer;
pub mod tokenize;
pub mod wordlists;

pub use fast::FastNormalizer;
pub use normalize::NormalizerConfig;
pub use token_buffer::TokenBuffer;
pub use tokenize::{TextPipeline, Token};

/// Converts a byte offset of `text` into a character (code point) offset, as Python strings
/// index: the offsets every JSON output gives. (JavaScript counts UTF-16 units, which differ
/// past the Basic Multilingual Plane, as for emoji.)
///
/// # Panics
/// When `byte` is past the end of `text` or not on a character boundary.
pub fn char_offset(text: &str, byte: usize) -> usize {
    text[..byte].chars().count()
}
