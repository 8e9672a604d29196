//! Per-character tables over the Basic Multilingual Plane, filled one 256-character page at a
//! time on first use. A table of all 65,536 characters built at start cost about a sixth of a
//! `stance predict` on one sentence (65,536 slow Unicode lookups per table); paging keeps
//! the lookup one load away while a short run pays only for the pages its text touches.
//! Hand-written: no crate offers a lazily paged `char` table.

use std::sync::OnceLock;

/// Characters per page.
const PAGE: usize = 256;
/// Pages in the Basic Multilingual Plane.
const PAGES: usize = 0x10000 / PAGE;

/// A value per BMP character, computed by `fill` for a whole page when one of its characters
/// is first looked up.
pub struct PagedTable<T: 'static> {
    pages: [OnceLock<Box<[T; PAGE]>>; PAGES],
    fill: fn(char) -> T,
    /// The value of the code points that are not characters (surrogates).
    not_a_char: T,
}

impl<T: Copy> PagedTable<T> {
    /// An empty table of `fill`'s values.
    pub const fn new(fill: fn(char) -> T, not_a_char: T) -> PagedTable<T> {
        PagedTable {
            pages: [const { OnceLock::new() }; PAGES],
            fill,
            not_a_char,
        }
    }

    /// `fill(c)`, from the table; `None` outside the Basic Multilingual Plane.
    #[inline]
    pub fn get(&self, c: char) -> Option<T> {
        let code = c as usize;
        let page = self.pages.get(code / PAGE)?;
        let entries = page.get_or_init(|| {
            let first = (code / PAGE * PAGE) as u32;
            Box::new(std::array::from_fn(|i| {
                char::from_u32(first + i as u32).map_or(self.not_a_char, self.fill)
            }))
        });
        Some(entries[code % PAGE])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code_parity(c: char) -> u32 {
        c as u32 % 7
    }

    #[test]
    fn gives_fill_for_every_bmp_char_and_none_beyond() {
        static TABLE: PagedTable<u32> = PagedTable::new(code_parity, u32::MAX);
        for code in (0..0x10000u32).step_by(97).chain([0xFFFF, 0xD7FF, 0xE000]) {
            if let Some(c) = char::from_u32(code) {
                assert_eq!(TABLE.get(c), Some(code % 7), "U+{code:04X}");
            }
        }
        assert_eq!(TABLE.get('\u{1F600}'), None);
    }
}
