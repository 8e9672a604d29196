//! Line framing for TSV, JSONL, fastText and plain text: one row per physical line, with the
//! byte-order mark, CR and blank lines dropped and invalid UTF-8 reported per line.

use super::header::Header;
use super::row::RowParser;
use super::{Step, BOM};
use crate::error::Error;
use std::io::BufRead;

/// TSV, JSONL, fastText and plain text: one record per physical line.
pub(super) struct LineSource {
    pub(super) input: Box<dyn BufRead + Send>,
    /// The current line's bytes, reused from line to line.
    pub(super) buf: Vec<u8>,
    /// The 1-based number of the line in `buf`.
    pub(super) line: usize,
}

impl LineSource {
    pub(super) fn next(&mut self, rows: &mut RowParser) -> Step {
        loop {
            self.buf.clear();
            match self.input.read_until(b'\n', &mut self.buf) {
                Ok(0) => return Step::End,
                Ok(_) => self.line += 1,
                Err(e) => return Step::Fatal(Error::io(&*rows.path, e)),
            }
            let mut bytes = self.buf.as_slice();
            if self.line == 1 {
                bytes = bytes.strip_prefix(BOM).unwrap_or(bytes);
            }
            bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
            bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
            // simdutf8 checks whole blocks with SIMD: std's check goes byte by byte through
            // Arabic (non-ASCII) text and was the reader thread's largest cost.
            let text = match simdutf8::compat::from_utf8(bytes) {
                Ok(text) => text,
                Err(e) => {
                    let reason = format!(
                        "invalid UTF-8 (at byte {} of the line)",
                        e.valid_up_to() + 1
                    );
                    return Step::Item(Err(rows.error(self.line, reason)));
                }
            };
            if text.trim().is_empty() {
                continue;
            }
            if matches!(rows.header, Header::Undecided) {
                match rows.read_header(text.split('\t'), self.line) {
                    Ok(true) => continue,
                    Ok(false) => {}
                    Err(e) => return Step::Fatal(e),
                }
            }
            return Step::Item(rows.parse_line(text, self.line));
        }
    }
}
