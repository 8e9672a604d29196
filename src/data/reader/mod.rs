//! Input stage: reads sentences, labelled or not, from TSV, CSV, JSONL, fastText or plain text.
//!
//! In: a path (`-` for standard input), a [`Format`] and a [`LabelPolicy`]. Out: a
//! [`RecordReader`], an iterator of `Result<Record>` that streams the input in constant memory.
//!
//! Input is UTF-8 with or without a byte-order mark, with LF or CRLF line ends; blank lines are
//! skipped. Every row error is an [`Error::Parse`] naming the file and the 1-based line the row
//! starts on; row errors are independent, so a caller may skip a bad row and read on. An I/O
//! error ends the iteration.
//!
//! TSV and CSV files may start with a header: a first line with a column named `text` or
//! `sentence` (any case). Its `label` (or `labels`, `class`) column holds the label, `id` the
//! id, and every other column is kept in [`Record::extra`] as a string. Without a header a row
//! is `label<TAB>text` (`label,text` for CSV), or just the text when labels are optional.
//!
//! A header with an `id` column but no text column marks a file of ids (with labels, or
//! without: sentences to predict) and no text: with a [`TextSource`] attached
//! ([`RecordReader::join_texts`]) each row takes its text from there by id; without one, or
//! for an id the source lacks, the row is an error.
//!
//! In a labelled file ([`LabelPolicy::Required`]) an id names one sentence: a row repeating the
//! id of an earlier row is a row error naming both lines; other inputs may ask for the same
//! check ([`RecordReader::refuse_repeated_ids`]). Rows without ids are not checked.
//!
//! Layers, one module each: `lines` and `csv_source` frame the input into rows (physical lines;
//! CSV records with quoted fields, `csv_quotes` telling whether the input ends inside one),
//! `header` decides whether the first row names the columns, `row` decodes one row of each
//! format into a [`Record`], `ids` notes ids to refuse a repeated one.

mod csv_quotes;
mod csv_source;
mod header;
mod ids;
mod lines;
mod row;
#[cfg(test)]
mod tests;

use super::{Format, LabelPolicy, Record, TextSource};
use crate::error::{Error, Result};
use csv_source::CsvSource;
use header::Header;
use ids::SeenIds;
use lines::LineSource;
use row::RowParser;
use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The UTF-8 encoding of U+FEFF, which some editors write at the start of a file.
pub(super) const BOM: &[u8] = b"\xEF\xBB\xBF";
/// The prefix of a label in fastText's supervised format.
pub(super) const FASTTEXT_LABEL: &str = "__label__";
/// Read buffer size for files and standard input.
const BUFFER_SIZE: usize = 64 * 1024;

/// Streams the records of one input file, one [`Record`] (or row error) per item.
///
/// Built with [`RecordReader::open`] or [`RecordReader::from_reader`]; see the
/// [module documentation](self) for the formats.
pub struct RecordReader {
    rows: RowParser,
    source: Source,
    /// The ids met so far, when repeated ids are refused.
    ids: Option<SeenIds>,
    done: bool,
}

impl RecordReader {
    /// Opens `path` for reading records in `format`; the path `-` reads standard input and
    /// appears as `-` in origins and messages. Nothing is read until the first item is asked for.
    ///
    /// # Errors
    /// [`Error::Data`] when `format` is [`Format::Text`] and `labels` is
    /// [`LabelPolicy::Required`] (plain text has no labels); [`Error::Io`] when the file cannot be
    /// opened.
    pub fn open(path: &Path, format: Format, labels: LabelPolicy) -> Result<RecordReader> {
        check_policy(format, labels)?;
        let input: Box<dyn BufRead + Send> = if path == Path::new("-") {
            Box::new(BufReader::with_capacity(BUFFER_SIZE, io::stdin()))
        } else {
            let file = File::open(path).map_err(|e| Error::io(path, e))?;
            Box::new(BufReader::with_capacity(BUFFER_SIZE, file))
        };
        RecordReader::from_reader(input, path.to_path_buf(), format, labels)
    }

    /// Reads records in `format` from `reader`; `path` names the input in origins and messages
    /// (use `-` for standard input).
    ///
    /// # Errors
    /// [`Error::Data`] when `format` is [`Format::Text`] and `labels` is
    /// [`LabelPolicy::Required`] (plain text has no labels).
    pub fn from_reader(
        reader: Box<dyn BufRead + Send>,
        path: PathBuf,
        format: Format,
        labels: LabelPolicy,
    ) -> Result<RecordReader> {
        check_policy(format, labels)?;
        let header = match format {
            Format::Tsv | Format::Csv => Header::Undecided,
            Format::Jsonl | Format::Fasttext | Format::Text => Header::Absent,
        };
        let source = match format {
            Format::Csv => Source::Csv(CsvSource::new(reader)),
            _ => Source::Lines(LineSource {
                input: reader,
                buf: Vec::new(),
                line: 0,
            }),
        };
        Ok(RecordReader {
            rows: RowParser {
                path: path.into(),
                format,
                labels,
                header,
                texts: None,
                joined: None,
            },
            source,
            ids: (labels == LabelPolicy::Required).then(SeenIds::default),
            done: false,
        })
    }

    /// Refuses a row whose id an earlier row of the input had, as a labelled input always does:
    /// the repeat is a row error naming its line, the id and the line the id first appeared on.
    pub fn refuse_repeated_ids(mut self) -> RecordReader {
        self.ids.get_or_insert_with(SeenIds::default);
        self
    }

    /// Takes the text of id-only rows (a header with an `id` but no text column) from
    /// `texts`; the source is read only if such a header is met.
    pub fn join_texts(mut self, texts: Arc<TextSource>) -> RecordReader {
        self.rows.texts = Some(texts);
        self
    }

    /// The input's name as given (`-` for standard input).
    pub fn path(&self) -> &Path {
        &self.rows.path
    }

    /// The number of the last physical line read so far: once the reader is exhausted, the
    /// input's line count, blank lines included (so a caller can account for trailing ones).
    pub fn lines_read(&self) -> usize {
        match &self.source {
            Source::Lines(lines) => lines.line,
            Source::Csv(csv) => csv.line_reached(),
        }
    }

    /// Passes `record` on, unless its id repeats an earlier row's and repeats are refused.
    fn check_id(&mut self, record: Record) -> Result<Record> {
        match &mut self.ids {
            Some(ids) => ids.check(&record, &self.rows).map(|()| record),
            None => Ok(record),
        }
    }
}

impl Iterator for RecordReader {
    type Item = Result<Record>;

    fn next(&mut self) -> Option<Result<Record>> {
        if self.done {
            return None;
        }
        let step = match &mut self.source {
            Source::Lines(lines) => lines.next(&mut self.rows),
            Source::Csv(csv) => csv.next(&mut self.rows),
        };
        match step {
            Step::Item(Ok(record)) => Some(self.check_id(record)),
            Step::Item(err) => Some(err),
            Step::Fatal(err) => {
                self.done = true;
                Some(Err(err))
            }
            Step::End => {
                self.done = true;
                None
            }
        }
    }
}

impl std::iter::FusedIterator for RecordReader {}

/// Reads all records of `path` (`-` for standard input) into memory.
///
/// # Errors
/// The errors of [`RecordReader::open`], then the first error met while reading: an
/// [`Error::Parse`] for a bad row or an [`Error::Io`].
pub fn read_records(path: &Path, format: Format, labels: LabelPolicy) -> Result<Vec<Record>> {
    RecordReader::open(path, format, labels)?.collect()
}

fn check_policy(format: Format, labels: LabelPolicy) -> Result<()> {
    if format == Format::Text && labels == LabelPolicy::Required {
        return Err(Error::Data(
            "format text has no labels; use tsv, csv, jsonl or fasttext".into(),
        ));
    }
    Ok(())
}

/// What one step of a source produced.
enum Step {
    /// A record or a row error; reading may go on.
    Item(Result<Record>),
    /// An error after which nothing more can be read.
    Fatal(Error),
    /// The end of the input.
    End,
}

enum Source {
    Lines(LineSource),
    Csv(CsvSource),
}
