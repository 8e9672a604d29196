//! Sentence segmentation of Arabic news articles, and the guideline's rule 8: what is not a
//! sentence to label (repeated titles, datelines, bylines, section names, fragments).
//!
//! Hand-written: general-purpose segmenters (unicode-segmentation's UAX #29 sentences) split
//! inside «...» quotations, after abbreviations such as «د.» and never at ؛, while news
//! Arabic needs all three handled; the rules below are the ones the guideline names.

use crate::text::wordlists::{BYLINE_OPENERS, DATE_WORDS};
use serde::Serialize;
use std::collections::HashMap;

/// Characters that end a sentence outside quotations.
const TERMINATORS: &[char] = &['.', '!', '?', '؟', '؛', '…'];
/// Opening and closing quotation marks.
const OPENING_QUOTES: &[char] = &['«', '“', '„', '‹'];
const CLOSING_QUOTES: &[char] = &['»', '”', '‟', '›'];
/// Fewer words than this, without a sentence-final mark, is a fragment (section name, caption).
const MIN_WORDS: usize = 5;

/// Why a piece of text is not labelled (rule 8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Skip {
    /// A piece of a line without a sentence-final mark that appears more than once (a repeated
    /// headline).
    Repeated,
    /// A question (rule 8): it asks, it does not state.
    Question,
    /// The article's first line when it has no sentence-final mark (a headline).
    Title,
    /// A date line.
    Dateline,
    /// An author or source line.
    Byline,
    /// Too short to state a proposition (section names, captions).
    Fragment,
}

/// One piece of an article: a sentence to label, or a skipped piece and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Segment {
    /// Byte offset of the first byte in the article.
    pub start: usize,
    /// Byte offset one past the last byte.
    pub end: usize,
    /// Why it is not a sentence to label, if it is not.
    pub skip: Option<Skip>,
}

impl Segment {
    /// The segment's text in `article`.
    pub fn text<'a>(&self, article: &'a str) -> &'a str {
        &article[self.start..self.end]
    }
}

/// Splits an article into sentences and skipped pieces, in order. Every segment's text is
/// trimmed and non-empty, and segments never overlap.
///
/// Rule 8 as applied here: a first line of its own (a newline follows it) without a
/// sentence-final mark is the title, even when it is the whole article; a line without a final
/// mark that appears more than once is a repeated title or heading (all its pieces); questions, datelines, bylines and short fragments are
/// skipped. A repeated *sentence* is labelled every time it occurs: repetition alone does not
/// take a proposition out of the article.
pub fn segment(article: &str) -> Vec<Segment> {
    let mut spans = Vec::new();
    // For each span, the number of its line and that line's trimmed text.
    let mut span_lines: Vec<(usize, &str)> = Vec::new();
    // How often each line occurs: one pass (comparing every pair of pieces was quadratic).
    let mut copies: HashMap<&str, usize> = HashMap::new();
    let mut line_start = 0;
    for (number, line) in article.split_inclusive('\n').enumerate() {
        split_line(article, line_start, line_start + line.len(), &mut spans);
        span_lines.resize(spans.len(), (number, line.trim()));
        *copies.entry(line.trim()).or_default() += 1;
        line_start += line.len();
    }
    let first_line = span_lines.first().map(|(number, _)| *number);
    let first_line_ends = article.trim_start().contains('\n');
    spans
        .iter()
        .zip(&span_lines)
        .map(|(&(start, end), &(number, line))| {
            let heading = !ends_like_sentence(line);
            let skip = if heading && copies[line] > 1 {
                Some(Skip::Repeated)
            } else if heading && first_line == Some(number) && first_line_ends {
                Some(Skip::Title)
            } else {
                skip_reason(&article[start..end])
            };
            Segment { start, end, skip }
        })
        .collect()
}

/// Splits `article[start..end]` (one line) at sentence ends outside quotations.
fn split_line(article: &str, start: usize, end: usize, spans: &mut Vec<(usize, usize)>) {
    let line = &article[start..end];
    let chars: Vec<(usize, char)> = line.char_indices().collect();
    let mut depth = 0usize;
    let mut straight_open = false;
    let mut sentence_start = 0;
    let mut i = 0;
    while i < chars.len() {
        let (at, c) = chars[i];
        if OPENING_QUOTES.contains(&c) {
            depth += 1;
        } else if CLOSING_QUOTES.contains(&c) {
            depth = depth.saturating_sub(1);
        } else if c == '"' {
            straight_open = !straight_open;
        } else if TERMINATORS.contains(&c)
            && depth == 0
            && !straight_open
            && ends_sentence(&chars, i)
        {
            // take the whole run of terminators, then any closing quotes
            let mut j = i + 1;
            while j < chars.len()
                && (TERMINATORS.contains(&chars[j].1) || CLOSING_QUOTES.contains(&chars[j].1))
            {
                j += 1;
            }
            let cut = chars.get(j).map_or(line.len(), |(b, _)| *b);
            push_trimmed(article, start + sentence_start, start + cut, spans);
            sentence_start = cut;
            i = j;
            continue;
        }
        let _ = at;
        i += 1;
    }
    push_trimmed(article, start + sentence_start, end, spans);
}

/// Whether the terminator at `chars[i]` ends a sentence: not a decimal point (3.5), not the
/// dot after a one-letter abbreviation (د. م. U.S.), and followed by space, a quote or the end.
fn ends_sentence(chars: &[(usize, char)], i: usize) -> bool {
    let c = chars[i].1;
    let prev = i.checked_sub(1).map(|p| chars[p].1);
    let next = chars.get(i + 1).map(|n| n.1);
    if c == '.' {
        if prev.is_some_and(|p| p.is_ascii_digit() || ('٠'..='٩').contains(&p))
            && next.is_some_and(|n| n.is_ascii_digit() || ('٠'..='٩').contains(&n))
        {
            return false;
        }
        // one-letter word before the dot: an abbreviation
        let before_prev = i.checked_sub(2).map(|p| chars[p].1);
        if prev.is_some_and(char::is_alphabetic) && before_prev.is_none_or(|b| !b.is_alphanumeric())
        {
            return false;
        }
        return next.is_none_or(|n| n.is_whitespace() || CLOSING_QUOTES.contains(&n) || n == '"');
    }
    true
}

fn push_trimmed(article: &str, start: usize, end: usize, spans: &mut Vec<(usize, usize)>) {
    let piece = &article[start..end];
    let trimmed = piece.trim();
    if trimmed.is_empty() {
        return;
    }
    let lead = piece.len() - piece.trim_start().len();
    spans.push((start + lead, start + lead + trimmed.len()));
}

/// True when `text` ends with a sentence-final mark or a closing quote.
fn ends_like_sentence(text: &str) -> bool {
    text.ends_with(TERMINATORS) || text.ends_with(CLOSING_QUOTES) || text.ends_with('"')
}

/// Rule 8: why `text`, a piece that is not a title, is not a sentence to label, if it is not.
fn skip_reason(text: &str) -> Option<Skip> {
    let words: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || c == '،' || c == ',')
        .filter(|w| !w.is_empty())
        .collect();
    let first = words.first().copied().unwrap_or("");
    if text.ends_with(['؟', '?']) {
        return Some(Skip::Question);
    }
    if words.len() <= 8
        && words.iter().any(|w| DATE_WORDS.contains(w))
        && words.iter().any(|w| w.chars().any(|c| c.is_numeric()))
    {
        return Some(Skip::Dateline);
    }
    if words.len() <= 8
        && BYLINE_OPENERS
            .iter()
            .any(|b| first.trim_end_matches(':') == *b)
    {
        return Some(Skip::Byline);
    }
    if words.len() < MIN_WORDS && !ends_like_sentence(text) {
        return Some(Skip::Fragment);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sentences(article: &str) -> Vec<&str> {
        segment(article)
            .into_iter()
            .filter(|s| s.skip.is_none())
            .map(|s| s.text(article))
            .collect()
    }

    #[test]
    fn splits_at_arabic_and_latin_marks() {
        let text = "نفت الوزارة الخبر. وقال المتحدث إن التحقيق مستمر؟ وأضاف أن النتائج ستعلن قريبا؛ ثم غادر القاعة!";
        let pieces: Vec<&str> = segment(text).iter().map(|s| s.text(text)).collect();
        assert_eq!(
            pieces,
            [
                "نفت الوزارة الخبر.",
                "وقال المتحدث إن التحقيق مستمر؟",
                "وأضاف أن النتائج ستعلن قريبا؛",
                "ثم غادر القاعة!"
            ]
        );
    }

    #[test]
    fn no_split_inside_quotes_numbers_or_after_abbreviations() {
        let text = "وقال د. أحمد إن النمو بلغ 3.5 في المئة، مضيفا «لا صحة لما يقال. هذا كذب» أمام الصحافيين. وانتهى المؤتمر بعد ساعة.";
        assert_eq!(
            sentences(text),
            [
                "وقال د. أحمد إن النمو بلغ 3.5 في المئة، مضيفا «لا صحة لما يقال. هذا كذب» أمام الصحافيين.",
                "وانتهى المؤتمر بعد ساعة."
            ]
        );
    }

    #[test]
    fn straight_quotes_hold_a_sentence_together() {
        let text = "وقال الوزير: \"لن نتراجع. القرار نهائي\" ثم غادر المؤتمر. وعلّق النواب الجلسة بعد ذلك مباشرة.";
        assert_eq!(sentences(text).len(), 2);
    }

    #[test]
    fn newlines_end_sentences_and_rule_8_pieces_are_skipped() {
        let text = "عنوان الخبر الطويل عن السجن والهروب الكبير\nعنوان الخبر الطويل عن السجن والهروب الكبير\nأخبار سورية\nالاثنين، ٢٠ يونيو ٢٠٢٢\nكتب: سامر علي\nأعلنت الشرطة القبض على ثلاثة مشتبه بهم في المدينة.\n";
        let segments = segment(text);
        let skips: Vec<Option<Skip>> = segments.iter().map(|s| s.skip).collect();
        assert_eq!(
            skips,
            [
                Some(Skip::Repeated),
                Some(Skip::Repeated),
                Some(Skip::Fragment),
                Some(Skip::Dateline),
                Some(Skip::Byline),
                None
            ]
        );
        assert_eq!(
            sentences(text),
            ["أعلنت الشرطة القبض على ثلاثة مشتبه بهم في المدينة."]
        );
    }

    #[test]
    fn a_first_line_without_a_final_mark_is_a_title() {
        let text = "الكوليرا تعود إلى المخيم والسلطات تتبادل الاتهامات\nأعلنت الوزارة تسجيل إصابات جديدة في المخيم.\n";
        let skips: Vec<Option<Skip>> = segment(text).iter().map(|s| s.skip).collect();
        assert_eq!(skips, [Some(Skip::Title), None]);
        // a single-line article is a sentence, not a title
        assert_eq!(
            segment("أعلنت الوزارة تسجيل إصابات جديدة في المخيم")[0].skip,
            None
        );
    }

    #[test]
    fn repeated_sentences_are_labelled_and_only_repeated_headings_skipped() {
        let sentence = "أعلنت الشرطة القبض على ثلاثة مشتبه بهم في المدينة.";
        let text = format!("{sentence}\n{sentence}\n{sentence} {sentence}\n");
        assert_eq!(sentences(&text), [sentence; 4]);
    }

    #[test]
    fn a_title_alone_is_still_a_title_and_questions_are_skipped() {
        let skips =
            |text: &str| -> Vec<Option<Skip>> { segment(text).iter().map(|s| s.skip).collect() };
        assert_eq!(
            skips("الكوليرا تعود إلى المخيم والسلطات تتبادل الاتهامات\n"),
            [Some(Skip::Title)]
        );
        assert_eq!(
            skips("هل نفت الوزارة صحة التقارير عن المخيم؟ أعلنت الوزارة تسجيل إصابات جديدة."),
            [Some(Skip::Question), None]
        );
    }

    #[test]
    fn spans_slice_back_to_trimmed_text() {
        let text = "  أولا جملة هنا تكفي للعد.   ثانيا جملة أخرى طويلة بما يكفي.  \n";
        for s in segment(text) {
            let piece = s.text(text);
            assert_eq!(piece, piece.trim());
            assert!(!piece.is_empty());
        }
    }
}
