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
