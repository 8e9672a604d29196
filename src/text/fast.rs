//! Fast path of the text stage: the same normaliser and pre-tokeniser as the `tokenizers`
//! pipeline in [`super::tokenize`], in one pass over the characters of a sentence.
//!
//! In: a raw sentence. Out: the same [`Token`](crate::text::tokenize::Token)s (text and byte offsets into the original
//! sentence) that `tokenizers` produces, without its per-step `NormalizedString` rewrites.
//!
//! - NFKC runs only when the sentence fails the NFKC quick check. It uses
//!   `unicode-normalization-alignments`, the crate (and Unicode tables) `tokenizers` itself
//!   uses, and maps each output character to an original span exactly as
//!   `NormalizedString::transform` does.
//! - The `Replace` rules of `NormalizerConfig::rules` become one per-character table:
//!   every rule matches a single character, so applying them in order to each character is
//!   the same as applying each regex to the whole string.
//! - Splitting follows `WhitespaceSplit` (`char::is_whitespace`, removed) then `Punctuation`
//!   (ASCII punctuation or a Unicode `P*` category, isolated), and a token spans from the
//!   original start of its first character to the original end of its last one.

use crate::text::char_table::{CharEntry, CharKind, CharTable};
use crate::text::normalize::NormalizerConfig;
use crate::text::paged::PagedTable;
use crate::text::token_buffer::TokenBuffer;
use unicode_categories::UnicodeCategories;
use unicode_normalization_alignments::char::canonical_combining_class;
use unicode_normalization_alignments::{is_nfkc_quick, IsNormalized, UnicodeNormalization};

/// First character of the Arabic block, where every built-in rule lives.
const BLOCK_START: u32 = 0x0600;
/// Size of the Arabic block.
const BLOCK_LEN: usize = 0x100;

/// The `Replace` rules of a [`NormalizerConfig`] compiled into a per-character map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FastNormalizer {
    /// What each character of U+0600..U+06FF becomes: `None` if a rule removes it.
    block: [Option<char>; BLOCK_LEN],
    /// The same for characters outside the block that some rule matches, sorted.
    outside: Vec<(char, Option<char>)>,
    /// Everything the tokeniser asks of an ASCII or Arabic-block character.
    table: CharTable,
}

impl FastNormalizer {
    /// Compiles the rules of `config` (in their order) into a per-character map.
    pub fn new(config: &NormalizerConfig) -> FastNormalizer {
        let rules = config.rules();
        let apply = |c: char| -> Option<char> {
            rules.iter().try_fold(c, |c, rule| {
                let matched = rule.ranges.iter().any(|&(lo, hi)| (lo..=hi).contains(&c));
                if matched {
                    rule.replacement
                } else {
                    Some(c)
                }
            })
        };
        let mut block = [None; BLOCK_LEN];
        for (i, slot) in block.iter_mut().enumerate() {
            let c = char::from_u32(BLOCK_START + i as u32).expect("U+0600..U+06FF are chars");
            *slot = apply(c);
        }
        let mut outside: Vec<(char, Option<char>)> = rules
            .iter()
            .flat_map(|rule| rule.ranges.iter().flat_map(|&(lo, hi)| lo..=hi))
            .filter(|&c| !in_block(c))
            .map(|c| (c, apply(c)))
            .collect();
        outside.sort_unstable();
        outside.dedup();
        let mut fast = FastNormalizer {
            block,
            outside,
            table: CharTable::new(Some, |_| 0, char_kind),
        };
        fast.table = CharTable::new(|c| fast.map(c), QuickCheck::class_of, char_kind);
        fast
    }

    /// What the rules turn `c` into: `None` if they remove it.
    #[inline]
    fn map(&self, c: char) -> Option<char> {
        if in_block(c) {
            return self.block[(c as u32 - BLOCK_START) as usize];
        }
        if self.outside.is_empty() {
            return Some(c);
        }
        match self.outside.binary_search_by_key(&c, |&(k, _)| k) {
            Ok(i) => self.outside[i].1,
            Err(_) => Some(c),
        }
    }

    /// Calls `emit(c, start, end)` for each character `c` of the normalised text, in order,
    /// with the byte span of `text` that `tokenizers` aligns it to.
    ///
    /// Returns `None` (after emitting some characters) in the one case the `tokenizers`
    /// alignment cannot be reproduced: NFKC output that claims more original characters
    /// than there are, where `tokenizers` itself would index out of bounds. No character of
    /// the Unicode tables in use does this; callers fall back to `tokenizers` if one ever does.
    pub fn normalize_with<F>(&self, text: &str, mut emit: F) -> Option<()>
    where
        F: FnMut(char, usize, usize),
    {
        let mut keep = |c: char, start: usize, end: usize| {
            if let Some(mapped) = self.map(c) {
                emit(mapped, start, end);
            }
        };
        if QuickCheck::default().accepts_all(text) {
            // NFKC leaves the text as it is, so `tokenizers`' transform keeps every span.
            for (start, c) in text.char_indices() {
                keep(c, start, start + c.len_utf8());
            }
            return Some(());
        }
        nfkc_with(text, keep)
    }

    /// The normalised text, as `tokenizers` would produce it.
    pub fn normalize(&self, text: &str) -> Option<String> {
        let mut out = String::with_capacity(text.len());
        self.normalize_with(text, |c, _, _| out.push(c))?;
        Some(out)
    }

    /// Normalises `text` and splits it as the pre-tokeniser does into `tokens` (cleared
    /// first): the tokens, with byte offsets into `text`, that `tokenizers` gives.
    ///
    /// Returns `None` where [`FastNormalizer::normalize_with`] does.
    pub fn tokenize_into(&self, text: &str, tokens: &mut TokenBuffer) -> Option<()> {
        tokens.clear();
        // One pass for the usual text that needs no NFKC: check and split together, ASCII
        // and Arabic letters answered by one table lookup each.
        let mut splitter = Splitter::new(tokens);
        let mut check = QuickCheck::default();
        let bytes = text.as_bytes();
        let mut at = 0;
        while at < bytes.len() {
            let (len, entry) = match self.table.lookup(bytes, at) {
                Some((_, len, entry)) => (len, *entry),
                None => {
                    let c = text[at..].chars().next().expect("at a character boundary");
                    let mapped = self.map(c);
                    let entry = CharEntry {
                        quick_check: QuickCheck::class_of(c),
                        mapped,
                        kind: mapped.map_or(CharKind::Word, char_kind),
                    };
                    (c.len_utf8(), entry)
                }
            };
            if !check.accepts_class(entry.quick_check) {
                // Not surely NFKC: start again through NFKC with alignments.
                tokens.clear();
                let mut splitter = Splitter::new(tokens);
                nfkc_with(text, |c, start, end| {
                    if let Some(mapped) = self.map(c) {
                        splitter.push(mapped, start, end);
                    }
                })?;
                splitter.finish();
                return Some(());
            }
            if let Some(mapped) = entry.mapped {
                splitter.push_kind(mapped, entry.kind, at, at + len);
            }
            at += len;
        }
        splitter.finish();
        Some(())
    }
}

/// The NFKC quick check, `is_nfkc_quick(text.chars()) == IsNormalized::Yes`, one character
/// at a time, with the Basic Multilingual Plane's combining classes and quick-check values
/// looked up in one table.
#[derive(Debug, Default)]
struct QuickCheck {
    /// Combining class of the previous character.
    last_class: u16,
}

impl QuickCheck {
    /// Whether the text so far, ending in `c`, is still a sure `Yes`.
    #[inline]
    fn accepts(&mut self, c: char) -> bool {
        self.accepts_class(QuickCheck::class_of(c))
    }

    /// [`QuickCheck::accepts`] of a character of quick-check class `class` (see
    /// [`QuickCheck::class_of`]).
    #[inline]
    fn accepts_class(&mut self, class: u16) -> bool {
        // A mark after one of a higher class is out of canonical order.
        if class == NOT_YES || (self.last_class > class && class != 0) {
            return false;
        }
        self.last_class = class;
        true
    }

    /// A character's canonical combining class, or [`NOT_YES`] if its own quick-check value
    /// is not `Yes`; ASCII is always allowed and a starter (as in the crate's own check).
    #[inline]
    fn class_of(c: char) -> u16 {
        /// Per BMP character: its canonical combining class, or [`NOT_YES`] if its own NFKC
        /// quick-check value is `No` or `Maybe` (either way the text is not a sure `Yes`).
        static BMP: PagedTable<u16> = PagedTable::new(quick_check_entry, NOT_YES);
        if c.is_ascii() {
            return 0;
        }
        BMP.get(c).unwrap_or_else(|| quick_check_entry(c))
    }

    fn accepts_all(&mut self, text: &str) -> bool {
        text.chars().all(|c| self.accepts(c))
    }
}

/// Table value for a character whose quick-check value is not `Yes`.
const NOT_YES: u16 = u16::MAX;

fn quick_check_entry(c: char) -> u16 {
    if is_nfkc_quick(std::iter::once(c)) == IsNormalized::Yes {
        u16::from(canonical_combining_class(c))
    } else {
        NOT_YES
    }
}

fn in_block(c: char) -> bool {
    (c as u32).wrapping_sub(BLOCK_START) < BLOCK_LEN as u32
}

/// NFKC of `text`, each output character with its original span, following
/// `NormalizedString::transform` on a fresh string (whose alignments are each character's own
/// span). A change of 0 or -n takes the span of the next unconsumed original character and
/// consumes it (and n more); a change of +1 (an inserted character) takes the span of the
/// last consumed one, or (0, 0) at the very start.
fn nfkc_with<F>(text: &str, mut emit: F) -> Option<()>
where
    F: FnMut(char, usize, usize),
{
    let mut original = text.char_indices().map(|(i, c)| (i, i + c.len_utf8()));
    let mut last = (0, 0);
    for (c, change) in text.nfkc() {
        if change > 0 {
            emit(c, last.0, last.1);
            continue;
        }
        let span = original.next()?;
        last = span;
        for _ in 0..change.unsigned_abs() {
            // `tokenizers` stops removing at the end of the text without failing.
            if let Some(removed) = original.next() {
                last = removed;
            }
        }
        emit(c, span.0, span.1);
    }
    Some(())
}

/// Builds tokens from normalised characters: whitespace ends a token and is dropped, a
/// punctuation character ends a token and is a token of its own.
#[derive(Debug)]
struct Splitter<'b> {
    tokens: &'b mut TokenBuffer,
    /// Whether a word token is open (begun in `tokens`, not ended).
    open: bool,
    start: usize,
    end: usize,
}

impl<'b> Splitter<'b> {
    fn new(tokens: &'b mut TokenBuffer) -> Splitter<'b> {
        Splitter {
            tokens,
            open: false,
            start: 0,
            end: 0,
        }
    }

    #[inline]
    fn push(&mut self, c: char, start: usize, end: usize) {
        self.push_kind(c, char_kind(c), start, end);
    }

    /// [`Splitter::push`] of a character already classified by [`char_kind`]. Always inlined:
    /// it runs for every character, and a call costs as much as its work.
    #[inline(always)]
    fn push_kind(&mut self, c: char, kind: CharKind, start: usize, end: usize) {
        match kind {
            CharKind::Space => self.flush(),
            CharKind::Punct => {
                self.flush();
                self.tokens.begin();
                self.tokens.push_char(c);
                self.tokens.end(start, end);
            }
            CharKind::Word => {
                if !self.open {
                    self.tokens.begin();
                    self.open = true;
                    self.start = start;
                }
                self.tokens.push_char(c);
                self.end = end;
            }
        }
    }

    #[inline]
    fn flush(&mut self) {
        if self.open {
            self.tokens.end(self.start, self.end);
            self.open = false;
        }
    }

    fn finish(mut self) {
        self.flush();
    }
}

/// How the splitter treats a normalised character: whitespace (`WhitespaceSplit`), then
/// punctuation (`Punctuation`), else part of a word.
fn char_kind(c: char) -> CharKind {
    if c.is_whitespace() {
        CharKind::Space
    } else if is_punctuation(c) {
        CharKind::Punct
    } else {
        CharKind::Word
    }
}

/// `tokenizers`' punctuation test (`pre_tokenizers::punctuation::is_punc`), with the Basic
/// Multilingual Plane looked up in a table instead of seven table searches.
#[inline]
fn is_punctuation(c: char) -> bool {
    static BMP: PagedTable<bool> = PagedTable::new(is_punctuation_slow, false);
    if c.is_ascii() {
        return c.is_ascii_punctuation();
    }
    BMP.get(c).unwrap_or_else(|| is_punctuation_slow(c))
}

fn is_punctuation_slow(c: char) -> bool {
    c.is_ascii_punctuation() || c.is_punctuation()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::normalize::test_configs;
    use crate::text::TextPipeline;

    #[test]
    fn default_rules_table() {
        let fast = FastNormalizer::new(&NormalizerConfig::default());
        let cases = [
            ("كَذَّبَ", "كذب"),
            ("عارٍ عن الصحة", "عار عن الصحه"),
            ("نفـــت", "نفت"),
            ("أكدت إسرائيل آنذاك ٱلله", "اكدت اسرائيل انذاك الله"),
            ("نفى ی", "نفي ي"),
            ("٢٠ يونيو ۲۰۲۲", "20 يونيو 2022"),
            ("\u{FEFB}", "\u{0644}\u{0627}"),
            ("«قسد»، لا!", "«قسد»، لا!"),
            ("مسؤولين رئيس", "مسؤولين رئيس"),
            ("M4 road", "M4 road"),
        ];
        for (input, expected) in cases {
            assert_eq!(fast.normalize(input).unwrap(), expected, "input {input}");
        }
    }

    /// Every character of `ranges`, in runs of 64 (so marks also meet their neighbours),
    /// tokenised by both paths.
    fn assert_runs_match(config: &NormalizerConfig, ranges: &[(u32, u32)]) {
        let pipeline = TextPipeline::new(config).unwrap();
        let chars: Vec<char> = ranges
            .iter()
            .flat_map(|&(lo, hi)| (lo..=hi).filter_map(char::from_u32))
            .collect();
        for run in chars.chunks(64) {
            let text: String = run.iter().collect();
            assert_eq!(
                pipeline.tokenize(&text).unwrap(),
                pipeline.tokenize_reference(&text).unwrap(),
                "config {config:?}, run from U+{:04X}",
                run[0] as u32
            );
        }
    }

    #[test]
    fn every_character_tokenizes_like_tokenizers() {
        for config in test_configs() {
            assert_runs_match(&config, &[(0, 0x10FFFF)]);
        }
    }

    #[test]
    fn quick_check_table_matches_the_crate() {
        let chars: Vec<char> = (0..=0x10FFFFu32).filter_map(char::from_u32).collect();
        for c in &chars {
            let alone = c.to_string();
            assert_eq!(
                QuickCheck::default().accepts_all(&alone),
                is_nfkc_quick(alone.chars()) == IsNormalized::Yes,
                "U+{:04X}",
                *c as u32
            );
        }
        // combining marks in and out of canonical order (fatha 30 < shadda 33)
        let cases = [
            ("\u{0643}\u{064E}\u{0651}", true),
            ("\u{0643}\u{0651}\u{064E}", false),
            // U+0323 may compose with what precedes it: `Maybe`
            ("a\u{0323}\u{0301}", false),
            ("\u{0651}b\u{064E}", true),
            ("\u{0651}\u{00E9}\u{064E}", true),
            ("\u{FEFB}", false),
        ];
        for (text, yes) in cases {
            assert_eq!(QuickCheck::default().accepts_all(text), yes, "{text:?}");
            assert_eq!(
                is_nfkc_quick(text.chars()) == IsNormalized::Yes,
                yes,
                "{text:?}"
            );
        }
    }

    #[test]
    fn punctuation_bitmap_matches_the_categories() {
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            assert_eq!(
                is_punctuation(c),
                is_punctuation_slow(c),
                "U+{:04X}",
                c as u32
            );
        }
    }

    #[test]
    fn nfkc_spans_cover_ligatures_and_reordered_marks() {
        let fast = FastNormalizer::new(&NormalizerConfig {
            strip_diacritics: false,
            ..NormalizerConfig::default()
        });
        // lam-alef ligature (3 bytes) becomes two letters, both spanning the ligature
        let mut spans = Vec::new();
        fast.normalize_with("\u{FEFB}", |c, s, e| spans.push((c, s, e)))
            .unwrap();
        assert_eq!(spans, [('\u{0644}', 0, 3), ('\u{0627}', 0, 3)]);
        // shadda (ccc 33) before fatha (ccc 30) is reordered; spans stay positional
        spans.clear();
        fast.normalize_with("\u{0643}\u{0651}\u{064E}", |c, s, e| spans.push((c, s, e)))
            .unwrap();
        assert_eq!(
            spans,
            [('\u{0643}', 0, 2), ('\u{064E}', 2, 4), ('\u{0651}', 4, 6)]
        );
    }
}
