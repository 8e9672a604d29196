//! Fields of tab-separated output (`predict --output tsv`, `cv --predictions`, `suggest`, and
//! the text layouts that share their columns): a tab or a line break inside a value (an id, a
//! text, a passed-through column) would split its row, so each becomes a space.

use std::borrow::Cow;

/// Appends `value` with every tab, line feed and carriage return turned into a space, so a row
/// keeps its column count and stays one line.
pub fn push_field(out: &mut Vec<u8>, value: &str) {
    let start = out.len();
    out.extend_from_slice(value.as_bytes());
    let appended = &mut out[start..];
    let mut at = 0;
    while let Some(found) = memchr::memchr3(b'\t', b'\n', b'\r', &appended[at..]) {
        appended[at + found] = b' ';
        at += found + 1;
    }
}

/// `value` as one field: tabs, line feeds and carriage returns turned into spaces.
pub fn field(value: &str) -> Cow<'_, str> {
    if value.contains(['\t', '\n', '\r']) {
        Cow::Owned(value.replace(['\t', '\n', '\r'], " "))
    } else {
        Cow::Borrowed(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tabs_and_line_breaks_become_spaces() {
        let mut out = b"x\t".to_vec();
        push_field(&mut out, "a\tb\nc\r\nd");
        assert_eq!(out, b"x\ta b c  d");
        assert_eq!(field("a\tb\nc\r"), "a b c ");
        assert!(matches!(field("plain"), Cow::Borrowed("plain")));
    }
}
