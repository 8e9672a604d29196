//! The article segmenter on arbitrary text: segments in order, never overlapping, each a
//! trimmed non-empty slice on character boundaries; HTML reduction never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stance::article::markup::{looks_like_html, visible_text};
use stance::article::segment::segment;

fuzz_target!(|data: &[u8]| {
    let Ok(article) = std::str::from_utf8(data) else { return };
    let text = if looks_like_html(article) { visible_text(article) } else { article.to_string() };
    let mut last_end = 0;
    for piece in segment(&text) {
        assert!(piece.start >= last_end && piece.start < piece.end && piece.end <= text.len());
        assert!(text.is_char_boundary(piece.start) && text.is_char_boundary(piece.end));
        let slice = piece.text(&text);
        assert_eq!(slice, slice.trim());
        last_end = piece.end;
    }
});
