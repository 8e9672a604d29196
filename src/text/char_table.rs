//! What the one-pass tokeniser ([`super::fast`]) needs to know of each ASCII and Arabic-block
//! character, in one table lookup: its NFKC quick-check class, what the normaliser rules make
//! of it, and whether that is a space, a punctuation mark or part of a word.
//!
//! In: the normaliser's per-character map and the two character tests. Out: a 384-entry
//! table; every other character takes the general path, answered by the same functions.

/// How the splitter treats a normalised character.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CharKind {
    /// Whitespace: ends a token, dropped.
    Space,
    /// Punctuation: ends a token and is a token of its own.
    Punct,
    /// Part of a word.
    Word,
}

/// One character's entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CharEntry {
    /// Its NFKC quick-check class: the canonical combining class, or `u16::MAX` if the
    /// character is not a sure `Yes` (ASCII is class 0, as the quick check treats it).
    pub quick_check: u16,
    /// What the normaliser rules make of it: `None` if they remove it.
    pub mapped: Option<char>,
    /// How the splitter treats the mapped character.
    pub kind: CharKind,
}

/// First character of the Arabic block.
const BLOCK_START: u32 = 0x0600;
/// Size of the Arabic block.
const BLOCK_LEN: usize = 0x100;

/// Entries of ASCII (by byte) and of the Arabic block (by offset from U+0600).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CharTable {
    ascii: [CharEntry; 128],
    block: [CharEntry; BLOCK_LEN],
}

impl CharTable {
    /// Builds the table from the normaliser's map, the quick-check class of a character and
    /// the splitter's classification of a normalised character.
    pub fn new(
        map: impl Fn(char) -> Option<char>,
        quick_check: impl Fn(char) -> u16,
        kind: impl Fn(char) -> CharKind,
    ) -> CharTable {
        let entry = |c: char, class: u16| {
            let mapped = map(c);
            CharEntry {
                quick_check: class,
                mapped,
                kind: mapped.map_or(CharKind::Word, &kind),
            }
        };
        CharTable {
            ascii: std::array::from_fn(|b| entry(char::from(b as u8), 0)),
            block: std::array::from_fn(|i| {
                let c = char::from_u32(BLOCK_START + i as u32).expect("U+0600..U+06FF are chars");
                entry(c, quick_check(c))
            }),
        }
    }

    /// The character starting at byte `at` of `text` with its length in bytes and its entry,
    /// when it is ASCII or in the Arabic block (two bytes, lead byte D8..DB).
    #[inline]
    pub fn lookup(&self, text: &[u8], at: usize) -> Option<(char, usize, &CharEntry)> {
        let lead = text[at];
        if lead < 0x80 {
            return Some((char::from(lead), 1, &self.ascii[usize::from(lead)]));
        }
        if (0xD8..=0xDB).contains(&lead) {
            // A valid UTF-8 text has a continuation byte after a two-byte lead byte.
            let offset = (usize::from(lead & 0x03) << 6) | usize::from(text[at + 1] & 0x3F);
            let c = char::from_u32(BLOCK_START + offset as u32)?;
            return Some((c, 2, &self.block[offset]));
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn looks_up_ascii_and_the_arabic_block_only() {
        let table = CharTable::new(
            |c| (c != 'x').then_some(c),
            |c| u16::from(c == 'ً'),
            |c| {
                if c == ' ' {
                    CharKind::Space
                } else {
                    CharKind::Word
                }
            },
        );
        let text = "a xنً€".as_bytes();
        let (c, len, e) = table.lookup(text, 0).unwrap();
        assert_eq!((c, len, e.mapped, e.quick_check), ('a', 1, Some('a'), 0));
        assert_eq!(table.lookup(text, 1).unwrap().2.kind, CharKind::Space);
        assert_eq!(table.lookup(text, 2).unwrap().2.mapped, None);
        assert_eq!(table.lookup(text, 3).unwrap().0, 'ن');
        assert_eq!(table.lookup(text, 5).unwrap().2.quick_check, 1);
        assert!(table.lookup(text, 7).is_none());
    }
}
