//! CSV quotes left open at the end of the input: the `csv` crate ends a quoted field there as if
//! it were closed, so the bytes are followed here through its quoting rules to tell whether the
//! input ended inside a quoted field, and on which line that field's quote opened.

/// Where the bytes read so far leave the CSV parser: comma-separated fields, `"` opening a
/// quoted field only at the start of a field, `""` a quote inside one, records ending at `\n`
/// (the rules of `csv_core`'s parser as [`super::csv_source`] configures it).
#[derive(Debug, Default)]
pub(super) struct QuoteState {
    state: State,
    /// Line breaks read so far.
    newlines: usize,
    /// The 1-based line of the quote that opened the last quoted field.
    opened_on: usize,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum State {
    /// At the start of a field (and so of a record, or of a blank line).
    #[default]
    FieldStart,
    /// Inside a field that did not start with a quote, where quotes are plain characters.
    Unquoted,
    /// Inside a quoted field.
    Quoted,
    /// Just after a quote inside a quoted field: the field's end, or the first of `""`.
    QuoteInQuoted,
}

impl QuoteState {
    /// Follows `bytes`, the next bytes of the input.
    pub(super) fn feed(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.state = match (self.state, byte) {
                (State::Quoted, b'"') => State::QuoteInQuoted,
                (State::Quoted, _) => State::Quoted,
                (State::QuoteInQuoted, b'"') => State::Quoted,
                (State::FieldStart, b'"') => {
                    self.opened_on = self.newlines + 1;
                    State::Quoted
                }
                (_, b',' | b'\n') => State::FieldStart,
                _ => State::Unquoted,
            };
            self.newlines += usize::from(byte == b'\n');
        }
    }

    /// The line whose quote is still open, when the bytes read so far end inside a quoted field.
    pub(super) fn open_since(&self) -> Option<usize> {
        (self.state == State::Quoted).then_some(self.opened_on)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open_since(input: &str) -> Option<usize> {
        let mut quotes = QuoteState::default();
        quotes.feed(input.as_bytes());
        quotes.open_since()
    }

    #[test]
    fn only_a_quote_at_the_start_of_a_field_opens_one() {
        assert_eq!(open_since("a,b\n1,\"x"), Some(2));
        assert_eq!(open_since("a,b\n\n1,\"x,\ny\n"), Some(3));
        assert_eq!(open_since("1,\"x\"\"\n"), Some(1), "\"\" is a quote inside");
        assert_eq!(open_since("1,\"x\"\""), Some(1));
        assert_eq!(open_since("1,\"x\"\n2,\"y\"\"\"\n"), None);
        assert_eq!(open_since("1,\"x\ny\""), None, "closed on the next line");
        assert_eq!(
            open_since("1,x\"y\n2,say \"no"),
            None,
            "a quote inside an unquoted field"
        );
        assert_eq!(
            open_since("1,\"x\"y,\"z"),
            Some(1),
            "text after a closing quote"
        );
        assert_eq!(open_since("\""), Some(1));
    }

    #[test]
    fn bytes_may_come_in_any_pieces() {
        let input = "id,text\n1,\"a\"\"b\"\n2,\"c\n";
        let mut quotes = QuoteState::default();
        for byte in input.as_bytes() {
            quotes.feed(std::slice::from_ref(byte));
        }
        assert_eq!(quotes.open_since(), Some(3));
    }
}
