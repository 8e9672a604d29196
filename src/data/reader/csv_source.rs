//! CSV framing: records parsed by the `csv` crate, so quoted fields may hold commas, quotes and
//! newlines, with exact line numbers and a check for quotes left open.

use super::csv_quotes::QuoteState;
use super::header::{Header, Role};
use super::row::RowParser;
use super::{Step, BOM};
use crate::error::Error;
use crate::label::Stance;
use std::io::{self, BufRead, Read};
use std::path::Path;

/// CSV, parsed by the `csv` crate so quoted fields may hold commas, quotes and newlines.
pub(super) struct CsvSource {
    input: csv::Reader<CsvInput>,
    /// The current record, reused from record to record.
    record: csv::ByteRecord,
}

impl CsvSource {
    pub(super) fn new(reader: Box<dyn BufRead + Send>) -> CsvSource {
        let input = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            // Records end at `\n` only; a `\r` before it is stripped from the last field. This
            // keeps the line count exact (see `start_line`).
            .terminator(csv::Terminator::Any(b'\n'))
            .from_reader(CsvInput {
                inner: reader,
                bom_checked: false,
                pending: Vec::new(),
                at_eof: false,
                quotes: QuoteState::default(),
            });
        CsvSource {
            input,
            record: csv::ByteRecord::new(),
        }
    }

    pub(super) fn next(&mut self, rows: &mut RowParser) -> Step {
        loop {
            match self.input.read_byte_record(&mut self.record) {
                Ok(true) => {}
                Ok(false) => return Step::End,
                Err(e) => {
                    let line = usize::try_from(self.input.position().line()).unwrap_or(0);
                    return Step::Fatal(csv_error(&rows.path, e, line));
                }
            }
            let line = self.start_line();
            let open_quote = self.quote_left_open();
            let record = match csv::StringRecord::from_byte_record(std::mem::take(&mut self.record))
            {
                Ok(record) => record,
                Err(e) => {
                    let reason = format!(
                        "invalid UTF-8 (at byte {} of field {})",
                        e.utf8_error().valid_up_to() + 1,
                        e.utf8_error().field() + 1
                    );
                    self.record = e.into_byte_record();
                    return Step::Item(Err(rows.error(line, reason)));
                }
            };
            let step = Self::step(&record, rows, line, open_quote);
            self.record = record.into_byte_record();
            if let Some(step) = step {
                return step;
            }
        }
    }

    /// Turns one CSV record into a step; `None` for a blank line or the header. `open_quote` is
    /// the line of the quote the input ended inside, if this last record holds one: the record
    /// is then an error (a more precise one when its field runs on into a row of its own).
    fn step(
        record: &csv::StringRecord,
        rows: &mut RowParser,
        line: usize,
        open_quote: Option<usize>,
    ) -> Option<Step> {
        let last = record.len().saturating_sub(1);
        let fields = record.iter().enumerate().map(move |(i, field)| {
            if i == last {
                field.strip_suffix('\r').unwrap_or(field)
            } else {
                field
            }
        });
        let left_open =
            |rows: &RowParser| open_quote.map(|opened| Step::Item(Err(rows.never_closed(opened))));
        if record.len() == 1 && fields.clone().all(|field| field.trim().is_empty()) {
            return left_open(rows);
        }
        if matches!(rows.header, Header::Undecided) {
            match rows.read_header(fields.clone(), line) {
                Ok(true) => return left_open(rows),
                Ok(false) => {}
                Err(e) => return Some(Step::Fatal(e)),
            }
        }
        if let Some(err) = rows.run_on_quote(record, line) {
            return Some(Step::Item(Err(err)));
        }
        left_open(rows).or_else(|| Some(Step::Item(rows.parse_fields(fields, line))))
    }

    /// The line the parser has reached.
    pub(super) fn line_reached(&self) -> usize {
        usize::try_from(self.input.position().line()).unwrap_or(0)
    }

    /// The line of the quote left open, when the record just read ended the input inside a
    /// quoted field (`csv` ends such a field at the end of the input without a word).
    fn quote_left_open(&self) -> Option<usize> {
        let input = self.input.get_ref();
        input.at_eof.then(|| input.quotes.open_since()).flatten()
    }

    /// The line the record just read starts on.
    ///
    /// `csv` reports the line where its search for the record began, before any blank lines it
    /// skipped, so count back from the line reached instead: past the record's own newlines (only
    /// quoted fields hold any) and past its terminating `\n`, which is missing only when the
    /// record ended at the end of the input.
    fn start_line(&self) -> usize {
        let reached = usize::try_from(self.input.position().line()).unwrap_or(usize::MAX);
        let newlines = self
            .record
            .as_slice()
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        let terminator = usize::from(!self.input.get_ref().at_eof);
        reached.saturating_sub(newlines + terminator).max(1)
    }
}

fn csv_error(path: &Path, err: csv::Error, line: usize) -> Error {
    let reason = err.to_string();
    match err.into_kind() {
        csv::ErrorKind::Io(e) => Error::io(path, e),
        _ => Error::Parse {
            path: path.to_path_buf(),
            line,
            reason,
        },
    }
}

/// The bytes under the CSV parser: drops a leading byte-order mark and notes the end of input.
struct CsvInput {
    inner: Box<dyn BufRead + Send>,
    bom_checked: bool,
    /// Bytes read while looking for a byte-order mark that turned out not to be one.
    pending: Vec<u8>,
    /// Whether `inner` has reported the end of input.
    at_eof: bool,
    /// Where the bytes handed to the parser leave its quoting.
    quotes: QuoteState,
}

impl CsvInput {
    fn skip_bom(&mut self) -> io::Result<()> {
        while self.pending.len() < BOM.len() {
            let available = match self.inner.fill_buf() {
                Ok(available) => available,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if available.is_empty() {
                break;
            }
            let take = (BOM.len() - self.pending.len()).min(available.len());
            self.pending.extend_from_slice(&available[..take]);
            self.inner.consume(take);
            if !BOM.starts_with(&self.pending) {
                return Ok(());
            }
        }
        if self.pending == BOM {
            self.pending.clear();
        }
        Ok(())
    }
}

impl Read for CsvInput {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if !self.bom_checked {
            self.skip_bom()?;
            self.bom_checked = true;
        }
        if !self.pending.is_empty() {
            let n = self.pending.len().min(out.len());
            out[..n].copy_from_slice(&self.pending[..n]);
            self.pending.drain(..n);
            self.quotes.feed(&out[..n]);
            return Ok(n);
        }
        let n = self.inner.read(out)?;
        if n == 0 && !out.is_empty() {
            self.at_eof = true;
        }
        self.quotes.feed(&out[..n]);
        Ok(n)
    }
}

impl RowParser {
    /// A CSV record one of whose quoted fields runs on over a line that starts like a row of its
    /// own (a label where the label column is): an unbalanced quote that swallowed the rows
    /// after it. Quoted fields may hold newlines, so only a line that reads as a new row counts.
    fn run_on_quote(&self, record: &csv::StringRecord, line: usize) -> Option<Error> {
        let label_column = match &self.header {
            Header::Present(columns) => {
                columns.iter().position(|(_, role)| *role == Role::Label)?
            }
            _ => 0,
        };
        let mut offset = 0;
        for field in record {
            for (k, next_line) in field.split('\n').enumerate().skip(1) {
                let starts_a_row = next_line
                    .split(',')
                    .nth(label_column)
                    .is_some_and(|label| label.trim().parse::<Stance>().is_ok());
                if starts_a_row {
                    return Some(self.error(
                        line,
                        format!(
                            "a quoted field opened on this line runs on into line {}, which \
                             starts like a new row: close the quote (a quote inside a field is \
                             written twice, \"\")",
                            line + offset + k
                        ),
                    ));
                }
            }
            offset += field.matches('\n').count();
        }
        None
    }

    /// The error for an input that ends inside a quoted field whose quote opened on `opened`.
    fn never_closed(&self, opened: usize) -> Error {
        self.error(
            opened,
            "a quoted field opened on this line is never closed: the file ends inside it \
             (close the quote; a quote inside a field is written twice, \"\")",
        )
    }
}
