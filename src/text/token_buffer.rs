//! A sentence's tokens in reusable storage: every token's normalised text in one string, and
//! per token its range there and its byte span in the original sentence.
//!
//! In: tokens pushed one character at a time by the tokeniser. Out: the same texts and spans as
//! a `Vec<Token>`, without one `String` per token; cleared and refilled per sentence, it
//! allocates nothing once it has grown to the longest sentence seen.

use crate::text::tokenize::Token;

/// Where one token lies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Span {
    /// Range of its text in [`TokenBuffer::text`].
    text: (usize, usize),
    /// Byte span in the original sentence.
    original: (usize, usize),
}

/// The tokens of one sentence.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TokenBuffer {
    text: String,
    spans: Vec<Span>,
}

impl TokenBuffer {
    /// Removes every token, keeping the storage.
    pub fn clear(&mut self) {
        self.text.clear();
        self.spans.clear();
    }

    /// The number of tokens.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// True when there are no tokens.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// The normalised text of token `i`.
    #[inline]
    pub fn text(&self, i: usize) -> &str {
        let (start, end) = self.spans[i].text;
        &self.text[start..end]
    }

    /// The byte span of token `i` in the original sentence.
    pub fn span(&self, i: usize) -> (usize, usize) {
        self.spans[i].original
    }

    /// Every token's normalised text, in order.
    pub fn texts(&self) -> impl Iterator<Item = &str> + '_ {
        (0..self.len()).map(|i| self.text(i))
    }

    /// Appends a token.
    pub fn push(&mut self, text: &str, start: usize, end: usize) {
        self.begin();
        self.text.push_str(text);
        self.end(start, end);
    }

    /// Starts a token whose characters follow through [`TokenBuffer::push_char`].
    #[inline]
    pub(crate) fn begin(&mut self) {
        let at = self.text.len();
        self.spans.push(Span {
            text: (at, at),
            original: (0, 0),
        });
    }

    /// Appends a character to the token begun last.
    #[inline]
    pub(crate) fn push_char(&mut self, c: char) {
        self.text.push(c);
    }

    /// Ends the token begun last, with its span in the original sentence.
    #[inline]
    pub(crate) fn end(&mut self, start: usize, end: usize) {
        let at = self.text.len();
        if let Some(last) = self.spans.last_mut() {
            last.text.1 = at;
            last.original = (start, end);
        }
    }

    /// The tokens as owned [`Token`]s.
    pub fn to_tokens(&self) -> Vec<Token> {
        (0..self.len())
            .map(|i| Token {
                text: self.text(i).to_string(),
                start: self.spans[i].original.0,
                end: self.spans[i].original.1,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip() {
        let mut buffer = TokenBuffer::default();
        buffer.push("نفت", 0, 6);
        buffer.begin();
        buffer.push_char('«');
        buffer.end(7, 9);
        assert_eq!(buffer.texts().collect::<Vec<_>>(), ["نفت", "«"]);
        assert_eq!(buffer.span(1), (7, 9));
        assert_eq!(buffer.to_tokens()[0].text, "نفت");
        buffer.clear();
        assert!(buffer.is_empty());
    }
}
