//! Character questions asked of every token: whether it holds a letter or digit, and whether
//! it is at least so many characters long.
//!
//! In: a token's text. Out: `char::is_alphanumeric` of its characters, with ASCII and the
//! Arabic block answered from a table, since std answers Arabic letters by a binary search of
//! its Unicode tables (a few hundred instructions a character); and a length test that stops
//! counting characters once it knows.

use std::sync::LazyLock;

/// First character of the Arabic block.
const ARABIC_START: u32 = 0x0600;
/// Size of the Arabic block.
const ARABIC_LEN: u32 = 0x100;

/// `char::is_alphanumeric`, fast for ASCII and the Arabic block.
#[inline]
pub fn is_alphanumeric(c: char) -> bool {
    /// `char::is_alphanumeric` of each character of the Arabic block.
    static ARABIC: LazyLock<[bool; ARABIC_LEN as usize]> = LazyLock::new(|| {
        std::array::from_fn(|i| {
            char::from_u32(ARABIC_START + i as u32).is_some_and(char::is_alphanumeric)
        })
    });
    if c.is_ascii() {
        return c.is_ascii_alphanumeric();
    }
    let offset = (c as u32).wrapping_sub(ARABIC_START);
    if offset < ARABIC_LEN {
        return ARABIC[offset as usize];
    }
    c.is_alphanumeric()
}

/// Whether `text` holds at least one Arabic letter (a letter of the Arabic blocks, tatweel
/// aside): text without one (only Latin, digits, punctuation, emoji or invisible marks) gives
/// the model nothing it was trained to read.
pub fn has_arabic_letter(text: &str) -> bool {
    use unicode_categories::UnicodeCategories;
    text.chars().any(|c| {
        matches!(c as u32,
            0x0600..=0x06FF | 0x0750..=0x077F | 0x0870..=0x08FF | 0xFB50..=0xFDFF | 0xFE70..=0xFEFF)
            && c != '\u{0640}'
            && c.is_letter()
    })
}

/// Whether any character of `text` is a letter or digit.
#[inline]
pub fn has_alphanumeric(text: &str) -> bool {
    text.chars().any(is_alphanumeric)
}

/// Whether `text` has at least `n` characters: `text.chars().count() >= n` without counting
/// past the `n`th (a character takes one to four bytes).
#[inline]
pub fn at_least_chars(text: &str, n: usize) -> bool {
    if text.len() >= 4 * n {
        return true;
    }
    n == 0 || text.chars().nth(n - 1).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arabic_letters_are_found_and_nothing_else_counts() {
        for text in ["نفت الوزارة", "abc ن", "ﻻ", "پ", "١٢ ب"] {
            assert!(has_arabic_letter(text), "{text:?}");
        }
        let none = [
            "",
            "hello world 123",
            "🙂🙂",
            "\u{200f}\u{200b}\u{feff}\u{061c}",
            "١٢٣ ، ؟",
            "\u{064e}\u{0651} \u{0640}\u{0640}",
        ];
        for text in none {
            assert!(!has_arabic_letter(text), "{text:?}");
        }
    }

    #[test]
    fn length_test_agrees_with_counting() {
        for text in ["", "a", "نف", "نفت", "ab\u{10348}", "واتهمت", "🙂🙂🙂"] {
            for n in 0..10 {
                assert_eq!(
                    at_least_chars(text, n),
                    text.chars().count() >= n,
                    "{text} {n}"
                );
            }
        }
    }

    #[test]
    fn agrees_with_std_on_every_character() {
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            assert_eq!(
                is_alphanumeric(c),
                c.is_alphanumeric(),
                "U+{:04X}",
                c as u32
            );
        }
    }
}
