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
//! A header with `id` and `label` columns but no text column marks a file of ids and labels
//! only: with a [`TextSource`] attached ([`RecordReader::join_texts`]) each row takes its text
//! from there by id; without one, or for an id the source lacks, the row is an error.

use super::{Format, LabelPolicy, Origin, Record, TextSource};
use crate::error::{Error, Result};
use serde_json::{Map, Value};
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The UTF-8 encoding of U+FEFF, which some editors write at the start of a file.
const BOM: &[u8] = b"\xEF\xBB\xBF";
/// The prefix of a label in fastText's supervised format.
const FASTTEXT_LABEL: &str = "__label__";
/// Read buffer size for files and standard input.
const BUFFER_SIZE: usize = 64 * 1024;

/// Streams the records of one input file, one [`Record`] (or row error) per item.
///
/// Built with [`RecordReader::open`] or [`RecordReader::from_reader`]; see the
/// [module documentation](self) for the formats.
pub struct RecordReader {
    rows: RowParser,
    source: Source,
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
                path,
                format,
                labels,
                header,
                texts: None,
                joined: None,
            },
            source,
            done: false,
        })
    }

    /// Takes the text of id-only rows (a header with `id` and `label` but no text column) from
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
            Source::Csv(csv) => usize::try_from(csv.input.position().line()).unwrap_or(0),
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
            Step::Item(item) => Some(item),
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

/// TSV, JSONL, fastText and plain text: one record per physical line.
struct LineSource {
    input: Box<dyn BufRead + Send>,
    /// The current line's bytes, reused from line to line.
    buf: Vec<u8>,
    /// The 1-based number of the line in `buf`.
    line: usize,
}

impl LineSource {
    fn next(&mut self, rows: &mut RowParser) -> Step {
        loop {
            self.buf.clear();
            match self.input.read_until(b'\n', &mut self.buf) {
                Ok(0) => return Step::End,
                Ok(_) => self.line += 1,
                Err(e) => return Step::Fatal(Error::io(&rows.path, e)),
            }
            let mut bytes = self.buf.as_slice();
            if self.line == 1 {
                bytes = bytes.strip_prefix(BOM).unwrap_or(bytes);
            }
            bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
            bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
            let text = match std::str::from_utf8(bytes) {
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

/// CSV, parsed by the `csv` crate so quoted fields may hold commas, quotes and newlines.
struct CsvSource {
    input: csv::Reader<CsvInput>,
    /// The current record, reused from record to record.
    record: csv::ByteRecord,
}

impl CsvSource {
    fn new(reader: Box<dyn BufRead + Send>) -> CsvSource {
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
            });
        CsvSource {
            input,
            record: csv::ByteRecord::new(),
        }
    }

    fn next(&mut self, rows: &mut RowParser) -> Step {
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
            let step = Self::step(&record, rows, line);
            self.record = record.into_byte_record();
            if let Some(step) = step {
                return step;
            }
        }
    }

    /// Turns one CSV record into a step; `None` for a blank line or the header.
    fn step(record: &csv::StringRecord, rows: &mut RowParser, line: usize) -> Option<Step> {
        let last = record.len().saturating_sub(1);
        let fields = record.iter().enumerate().map(move |(i, field)| {
            if i == last {
                field.strip_suffix('\r').unwrap_or(field)
            } else {
                field
            }
        });
        if record.len() == 1 && fields.clone().all(|field| field.trim().is_empty()) {
            return None;
        }
        if matches!(rows.header, Header::Undecided) {
            match rows.read_header(fields.clone(), line) {
                Ok(true) => return None,
                Ok(false) => {}
                Err(e) => return Some(Step::Fatal(e)),
            }
        }
        Some(Step::Item(rows.parse_fields(fields, line)))
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
            return Ok(n);
        }
        let n = self.inner.read(out)?;
        if n == 0 && !out.is_empty() {
            self.at_eof = true;
        }
        Ok(n)
    }
}

/// Whether a TSV or CSV input starts with a header, and its columns if so.
enum Header {
    /// No non-blank line read yet.
    Undecided,
    /// No header: rows are `label, text` (or just text).
    Absent,
    /// The columns named by the header.
    Present(Vec<(String, Role)>),
}

/// What a named column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Id,
    Label,
    Text,
    Extra,
}

impl Role {
    fn of(name: &str) -> Role {
        let is = |word: &str| name.eq_ignore_ascii_case(word);
        if is("text") || is("sentence") {
            Role::Text
        } else if is("label") || is("labels") || is("class") {
            Role::Label
        } else if is("id") {
            Role::Id
        } else {
            Role::Extra
        }
    }
}

/// Turns the fields of a row into a [`Record`], following the format and the header.
struct RowParser {
    path: PathBuf,
    format: Format,
    labels: LabelPolicy,
    header: Header,
    /// Where id-only rows may take their text from.
    texts: Option<Arc<TextSource>>,
    /// The texts of an id-only file, once its header is read.
    joined: Option<Arc<std::collections::HashMap<String, String>>>,
}

impl RowParser {
    fn error(&self, line: usize, reason: impl Into<String>) -> Error {
        Error::Parse {
            path: self.path.clone(),
            line,
            reason: reason.into(),
        }
    }

    fn separated(&self) -> &'static str {
        match self.format {
            Format::Csv => "comma-separated",
            _ => "tab-separated",
        }
    }

    /// Decides whether the first non-blank row, `fields`, is a header, and reads it if so.
    fn read_header<'a>(
        &mut self,
        fields: impl Iterator<Item = &'a str>,
        line: usize,
    ) -> Result<bool> {
        let names: Vec<&str> = fields.map(str::trim).collect();
        let has = |role: Role| names.iter().any(|name| Role::of(name) == role);
        if !has(Role::Text) {
            if !(has(Role::Id) && has(Role::Label)) {
                self.header = Header::Absent;
                return Ok(false);
            }
            self.joined = Some(self.texts_for_ids(line)?);
        }
        let mut columns: Vec<(String, Role)> = Vec::with_capacity(names.len());
        for (i, &name) in names.iter().enumerate() {
            let role = Role::of(name);
            let name = if name.is_empty() {
                format!("column{}", i + 1)
            } else {
                name.to_owned()
            };
            let clash = columns.iter().find(|(other, other_role)| match role {
                Role::Extra => *other == name,
                _ => *other_role == role,
            });
            if let Some((other, _)) = clash {
                let reason =
                    format!("header has two columns for the same field: {other:?} and {name:?}");
                return Err(self.error(line, reason));
            }
            columns.push((name, role));
        }
        let has_label = columns.iter().any(|(_, role)| *role == Role::Label);
        if self.labels == LabelPolicy::Required && !has_label {
            return Err(self.error(line, "header has no label column (label, labels or class)"));
        }
        self.header = Header::Present(columns);
        Ok(true)
    }

    /// The texts for a file of ids and labels only, from the attached [`TextSource`].
    fn texts_for_ids(&self, line: usize) -> Result<Arc<std::collections::HashMap<String, String>>> {
        let Some(source) = &self.texts else {
            return Err(self.error(
                line,
                "header has id and label columns but no text column: this file holds ids and \
                 labels only; give the file with their text (--text-from FILE)",
            ));
        };
        source.texts().map_err(|reason| {
            self.error(
                line,
                format!(
                    "this file holds ids and labels only; their text comes from {} \
                     (--text-from), which cannot be read: {reason}",
                    source.path().display()
                ),
            )
        })
    }

    /// Parses one non-blank line of a line-based format.
    fn parse_line(&self, line: &str, number: usize) -> Result<Record> {
        match self.format {
            Format::Tsv | Format::Csv => self.parse_fields(line.split('\t'), number),
            Format::Jsonl => self.parse_json(line, number),
            Format::Fasttext => self.parse_fasttext(line, number),
            Format::Text => self.record(None, None, line, Map::new(), number),
        }
    }

    /// Parses the fields of a TSV or CSV row.
    fn parse_fields<'a>(
        &self,
        mut fields: impl Iterator<Item = &'a str>,
        line: usize,
    ) -> Result<Record> {
        let Header::Present(columns) = &self.header else {
            let (first, second) = (fields.next(), fields.next());
            let more = fields.count();
            return match (first, second, more) {
                (Some(label), Some(text), 0) => {
                    self.record(None, Some(label), text, Map::new(), line)
                }
                (Some(text), None, _) if self.labels == LabelPolicy::Optional => {
                    self.record(None, None, text, Map::new(), line)
                }
                _ => {
                    let found = usize::from(first.is_some()) + usize::from(second.is_some()) + more;
                    let reason = format!(
                        "expected 2 {} fields (label, text), found {found}",
                        self.separated()
                    );
                    Err(self.error(line, reason))
                }
            };
        };
        let (mut id, mut label, mut text) = (None, None, None);
        let mut extra = Map::new();
        let mut found = 0;
        for (i, field) in fields.enumerate() {
            found += 1;
            match columns.get(i) {
                Some((_, Role::Id)) => id = Some(field),
                Some((_, Role::Label)) => label = Some(field),
                Some((_, Role::Text)) => text = Some(field),
                Some((name, Role::Extra)) => {
                    extra.insert(name.clone(), Value::String(field.to_owned()));
                }
                None => {}
            }
        }
        if found == columns.len() {
            if let Some(texts) = &self.joined {
                let Some(id) = id.map(str::trim).filter(|id| !id.is_empty()) else {
                    return Err(self.error(line, "missing id (the text is joined by id)"));
                };
                let Some(text) = texts.get(id) else {
                    let source = self.texts.as_ref().map(|s| s.path().display().to_string());
                    let reason = format!("id {id:?} is not in {}", source.unwrap_or_default());
                    return Err(self.error(line, reason));
                };
                return self.record(Some(id), label, text, extra, line);
            }
        }
        match text {
            Some(text) if found == columns.len() => self.record(id, label, text, extra, line),
            _ => {
                let names: Vec<&str> = columns.iter().map(|(name, _)| name.as_str()).collect();
                let reason = format!(
                    "expected {} {} fields ({}), found {found}",
                    columns.len(),
                    self.separated(),
                    names.join(", ")
                );
                Err(self.error(line, reason))
            }
        }
    }

    /// Parses a JSON object with `text`, optional `label` and `id`, and other fields kept as
    /// they are.
    fn parse_json(&self, line: &str, number: usize) -> Result<Record> {
        let value: Value = serde_json::from_str(line)
            .map_err(|e| self.error(number, format!("invalid JSON: {e}")))?;
        let mut object = match value {
            Value::Object(object) => object,
            other => {
                let reason = format!("expected a JSON object, found {}", json_kind(&other));
                return Err(self.error(number, reason));
            }
        };
        let text = match object.shift_remove("text") {
            Some(Value::String(text)) => text,
            None | Some(Value::Null) => return Err(self.error(number, "missing text")),
            Some(other) => {
                let reason = format!("text must be a string, found {}", json_kind(&other));
                return Err(self.error(number, reason));
            }
        };
        let label = match object.shift_remove("label") {
            Some(Value::String(label)) => Some(label),
            None | Some(Value::Null) => None,
            Some(other) => {
                let reason = format!("label must be a string, found {}", json_kind(&other));
                return Err(self.error(number, reason));
            }
        };
        let id = match object.shift_remove("id") {
            Some(Value::String(id)) => Some(id),
            Some(Value::Number(id)) => Some(id.to_string()),
            None | Some(Value::Null) => None,
            Some(other) => {
                let reason = format!(
                    "id must be a string or a number, found {}",
                    json_kind(&other)
                );
                return Err(self.error(number, reason));
            }
        };
        self.record(id.as_deref(), label.as_deref(), &text, object, number)
    }

    /// Parses `__label__NAME text`, or a line of bare text when labels are optional.
    fn parse_fasttext(&self, line: &str, number: usize) -> Result<Record> {
        let line = line.trim();
        let Some(rest) = line.strip_prefix(FASTTEXT_LABEL) else {
            return self.record(None, None, line, Map::new(), number);
        };
        let (label, text) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
        let text = text.trim_start();
        if text.starts_with(FASTTEXT_LABEL) {
            return Err(self.error(
                number,
                "several labels; a sentence takes exactly one __label__",
            ));
        }
        self.record(None, Some(label), text, Map::new(), number)
    }

    /// Checks and assembles the parts of a row.
    fn record(
        &self,
        id: Option<&str>,
        label: Option<&str>,
        text: &str,
        extra: Map<String, Value>,
        line: usize,
    ) -> Result<Record> {
        let label = match label.map(str::trim).filter(|label| !label.is_empty()) {
            Some(label) => Some(
                label
                    .parse()
                    .map_err(|e: crate::label::UnknownLabel| self.error(line, e.to_string()))?,
            ),
            None if self.labels == LabelPolicy::Required => {
                return Err(self.error(line, "missing label"))
            }
            None => None,
        };
        let text = clean_text(text);
        if text.is_empty() {
            return Err(self.error(line, "empty text"));
        }
        let id = id
            .map(str::trim)
            .filter(|id| !id.is_empty())
            .map(str::to_owned);
        Ok(Record {
            id,
            text,
            label,
            extra,
            origin: Origin {
                path: self.path.clone(),
                line,
            },
        })
    }
}

/// Trims the text and turns line breaks inside it (CSV and JSON allow them) into spaces.
fn clean_text(text: &str) -> String {
    let text = text.trim();
    // memchr2 over the bytes: a search for a set of chars decodes every character.
    if memchr::memchr2(b'\r', b'\n', text.as_bytes()).is_some() {
        text.replace("\r\n", " ").replace(['\r', '\n'], " ")
    } else {
        text.to_owned()
    }
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::label::Stance;
    use std::io::{Cursor, Write};

    const DENIAL: &str = "نفت الوزارة الخبر";
    const ASSERTION: &str = "افتتح الرئيس المعرض الدولي";
    const ALLEGATION: &str = "زعمت مصادر أن الاجتماع أُلغي";

    fn reader(data: &[u8], format: Format, labels: LabelPolicy) -> RecordReader {
        let input = Box::new(Cursor::new(data.to_vec()));
        RecordReader::from_reader(input, PathBuf::from("data/train.tsv"), format, labels)
            .expect("format and policy agree")
    }

    fn read(data: &str, format: Format, labels: LabelPolicy) -> Vec<Result<Record>> {
        reader(data.as_bytes(), format, labels).collect()
    }

    /// The records of `data`, failing the test on any error.
    fn records(data: &str, format: Format, labels: LabelPolicy) -> Vec<Record> {
        read(data, format, labels)
            .into_iter()
            .collect::<Result<_>>()
            .expect("valid input")
    }

    fn lines(records: &[Record]) -> Vec<usize> {
        records.iter().map(|r| r.origin.line).collect()
    }

    #[test]
    fn tsv_without_header_is_label_then_text() {
        let data = format!("denial\t{DENIAL}\nassertion\t  {ASSERTION} \n");
        let rows = records(&data, Format::Tsv, LabelPolicy::Required);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].label, Some(Stance::Denial));
        assert_eq!(rows[0].text, DENIAL);
        assert_eq!(rows[1].text, ASSERTION);
        assert_eq!(rows[1].id, None);
        assert!(rows[1].extra.is_empty());
        assert_eq!(rows[1].origin.path, PathBuf::from("data/train.tsv"));
        assert_eq!(lines(&rows), [1, 2]);
    }

    #[test]
    fn tsv_header_names_columns_and_keeps_the_others() {
        let data =
            format!("source\tID\tSentence\tlabel\tdate\nSANA\tn1\t{DENIAL}\tdenial\t2024-01-02\n");
        let rows = records(&data, Format::Tsv, LabelPolicy::Required);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].id.as_deref(), Some("n1"));
        assert_eq!(rows[0].label, Some(Stance::Denial));
        assert_eq!(rows[0].text, DENIAL);
        assert_eq!(rows[0].origin.line, 2);
        let extra: Vec<(&str, &Value)> =
            rows[0].extra.iter().map(|(k, v)| (k.as_str(), v)).collect();
        assert_eq!(
            extra,
            [
                ("source", &Value::from("SANA")),
                ("date", &Value::from("2024-01-02"))
            ]
        );
    }

    #[test]
    fn bom_and_crlf_are_stripped() {
        let data = format!("\u{feff}label\ttext\r\nallegation\t{ALLEGATION}\r\n");
        let rows = records(&data, Format::Tsv, LabelPolicy::Required);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].label, Some(Stance::Allegation));
        assert_eq!(rows[0].text, ALLEGATION);
    }

    #[test]
    fn invalid_utf8_is_an_error_for_its_line_only() {
        let mut data = format!("denial\t{DENIAL}\nassertion\t").into_bytes();
        data.extend_from_slice(b"\xff\xfe broken\n");
        data.extend_from_slice(format!("assertion\t{ASSERTION}\n").as_bytes());
        let items: Vec<_> = reader(&data, Format::Tsv, LabelPolicy::Required).collect();
        assert_eq!(items.len(), 3);
        assert!(items[0].is_ok());
        assert!(matches!(items[1], Err(Error::Parse { line: 2, .. })));
        assert!(matches!(&items[2], Ok(r) if r.origin.line == 3 && r.text == ASSERTION));
    }

    #[test]
    fn unknown_label_names_file_and_line() {
        let data = format!("denial\t{DENIAL}\n\ndenail\t{DENIAL}\n");
        let items = read(&data, Format::Tsv, LabelPolicy::Required);
        let err = items[1].as_ref().expect_err("unknown label");
        assert!(matches!(err, Error::Parse { line: 3, .. }));
        assert_eq!(
            err.to_string(),
            "data/train.tsv:3: unknown label \"denail\" (expected assertion, denial or allegation)"
        );
    }

    #[test]
    fn empty_text_and_missing_label_are_row_errors() {
        let data = format!("denial\t  \n\t{DENIAL}\nassertion\t{ASSERTION}\n");
        let items = read(&data, Format::Tsv, LabelPolicy::Required);
        assert!(
            matches!(&items[0], Err(Error::Parse { line: 1, reason, .. }) if reason == "empty text")
        );
        assert!(
            matches!(&items[1], Err(Error::Parse { line: 2, reason, .. }) if reason == "missing label")
        );
        assert!(items[2].is_ok());

        // With optional labels an empty label is no label, but a wrong one is still wrong.
        let data = format!("\t{DENIAL}\n{DENIAL}\nDenial\t{DENIAL}\n");
        let items = read(&data, Format::Tsv, LabelPolicy::Optional);
        assert!(matches!(&items[0], Ok(r) if r.label.is_none() && r.text == DENIAL));
        assert!(matches!(&items[1], Ok(r) if r.label.is_none() && r.text == DENIAL));
        assert!(matches!(items[2], Err(Error::Parse { line: 3, .. })));
    }

    #[test]
    fn wrong_field_counts_are_row_errors() {
        let data = format!("id\tlabel\ttext\n1\tdenial\n2\tdenial\t{DENIAL}\n");
        let items = read(&data, Format::Tsv, LabelPolicy::Required);
        assert_eq!(items.len(), 2);
        let err = items[0].as_ref().expect_err("missing column");
        assert!(matches!(err, Error::Parse { line: 2, reason, .. }
            if reason == "expected 3 tab-separated fields (id, label, text), found 2"));
        assert!(items[1].is_ok());

        let data = format!("denial\t{DENIAL}\textra\n{DENIAL}\n");
        let items = read(&data, Format::Tsv, LabelPolicy::Required);
        assert!(
            matches!(&items[0], Err(Error::Parse { line: 1, reason, .. }) if reason.ends_with("found 3"))
        );
        assert!(
            matches!(&items[1], Err(Error::Parse { line: 2, reason, .. }) if reason.ends_with("found 1"))
        );
    }

    #[test]
    fn a_header_without_label_column_needs_optional_labels() {
        let data = format!("id\ttext\n1\t{DENIAL}\n");
        let items = read(&data, Format::Tsv, LabelPolicy::Required);
        assert_eq!(items.len(), 1);
        assert!(matches!(items[0], Err(Error::Parse { line: 1, .. })));
        let rows = records(&data, Format::Tsv, LabelPolicy::Optional);
        assert_eq!(rows[0].id.as_deref(), Some("1"));
        assert_eq!(rows[0].label, None);

        let data = format!("text\tsentence\n{DENIAL}\t{DENIAL}\n");
        let items = read(&data, Format::Tsv, LabelPolicy::Optional);
        assert!(matches!(items[..], [Err(Error::Parse { line: 1, .. })]));
    }

    #[test]
    fn blank_lines_are_skipped_but_counted() {
        let data = format!("\n  \t \ndenial\t{DENIAL}\n\r\n\nassertion\t{ASSERTION}");
        let rows = records(&data, Format::Tsv, LabelPolicy::Required);
        assert_eq!(lines(&rows), [3, 6]);
    }

    #[test]
    fn csv_handles_quotes_commas_newlines_and_line_numbers() {
        let data = format!(
            "\u{feff}id,label,text\r\n\
             1,denial,\"{DENIAL}, وأكدت أن \"\"التقرير\"\" كاذب\"\r\n\
             \r\n\
             2,assertion,\"{ASSERTION}\nفي دمشق\"\n\
             \n\
             3,allegation,{ALLEGATION}"
        );
        let rows = records(&data, Format::Csv, LabelPolicy::Required);
        assert_eq!(lines(&rows), [2, 4, 7]);
        assert_eq!(rows[0].text, format!("{DENIAL}, وأكدت أن \"التقرير\" كاذب"));
        assert_eq!(rows[1].text, format!("{ASSERTION} في دمشق"));
        assert_eq!(rows[2].text, ALLEGATION);
        assert_eq!(rows[2].label, Some(Stance::Allegation));
        assert_eq!(rows[2].id.as_deref(), Some("3"));

        // The same input handed over one byte at a time.
        let input = Box::new(BufReader::with_capacity(1, Cursor::new(data.into_bytes())));
        let path = PathBuf::from("-");
        let slow = RecordReader::from_reader(input, path, Format::Csv, LabelPolicy::Required)
            .expect("csv takes labels");
        let slow: Vec<Record> = slow.collect::<Result<_>>().expect("valid input");
        assert_eq!(lines(&slow), [2, 4, 7]);
        assert_eq!(slow[0].text, rows[0].text);
        assert_eq!(slow[0].origin.path, PathBuf::from("-"));
    }

    #[test]
    fn csv_rows_are_checked_like_tsv_rows() {
        let data = format!(
            "denial,\"{DENIAL}\"\nassertion\n\"multi\nline\",x,{ASSERTION}\nrumour,{ALLEGATION}\n"
        );
        let items = read(&data, Format::Csv, LabelPolicy::Required);
        assert_eq!(items.len(), 4);
        assert!(matches!(&items[0], Ok(r) if r.label == Some(Stance::Denial) && r.text == DENIAL));
        assert!(
            matches!(&items[1], Err(Error::Parse { line: 2, reason, .. })
            if reason == "expected 2 comma-separated fields (label, text), found 1")
        );
        assert!(matches!(items[2], Err(Error::Parse { line: 3, .. })));
        assert!(matches!(items[3], Err(Error::Parse { line: 5, .. })));

        let mut data = b"label,text\ndenial,\xff\n".to_vec();
        data.extend_from_slice(format!("assertion,{ASSERTION}\n").as_bytes());
        let items: Vec<_> = reader(&data, Format::Csv, LabelPolicy::Required).collect();
        assert!(matches!(
            items[..],
            [Err(Error::Parse { line: 2, .. }), Ok(_)]
        ));
    }

    #[test]
    fn jsonl_reads_ids_labels_and_passes_other_fields_through() {
        let data = format!(
            "{{\"id\": 17, \"text\": \"{DENIAL}\", \"label\": \"denial\", \"source\": \"SANA\", \"score\": 0.5}}\n\
             {{\"text\": \"{ASSERTION}\\nاليوم\", \"id\": \"a-2\", \"label\": \"assertion\", \"tags\": [1, 2]}}\n"
        );
        let rows = records(&data, Format::Jsonl, LabelPolicy::Required);
        assert_eq!(rows[0].id.as_deref(), Some("17"));
        assert_eq!(rows[0].label, Some(Stance::Denial));
        let keys: Vec<&str> = rows[0].extra.keys().map(String::as_str).collect();
        assert_eq!(keys, ["source", "score"]);
        assert_eq!(rows[0].extra["score"], Value::from(0.5));
        assert_eq!(rows[1].id.as_deref(), Some("a-2"));
        assert_eq!(rows[1].text, format!("{ASSERTION} اليوم"));
        assert_eq!(rows[1].extra["tags"], serde_json::json!([1, 2]));
    }

    #[test]
    fn bad_json_lines_are_row_errors() {
        let data = format!(
            "{{\"text\": \"{DENIAL}\", \"label\": \"denial\"\n\
             [1, 2]\n\
             {{\"text\": 5, \"label\": \"denial\"}}\n\
             {{\"label\": \"denial\"}}\n\
             {{\"text\": \"{DENIAL}\"}}\n\
             {{\"text\": \"{DENIAL}\", \"label\": \"denial\", \"id\": true}}\n\
             {{\"text\": \"{DENIAL}\", \"label\": \"denial\"}}\n"
        );
        let items = read(&data, Format::Jsonl, LabelPolicy::Required);
        assert_eq!(items.len(), 7);
        for (i, item) in items[..6].iter().enumerate() {
            assert!(
                matches!(item, Err(Error::Parse { line, .. }) if *line == i + 1),
                "{item:?}"
            );
        }
        assert!(
            matches!(&items[0], Err(Error::Parse { reason, .. }) if reason.starts_with("invalid JSON: "))
        );
        assert!(items[6].is_ok());
        // Without required labels, a record without one is fine.
        let rows = records(
            &format!("{{\"text\": \"{DENIAL}\"}}"),
            Format::Jsonl,
            LabelPolicy::Optional,
        );
        assert_eq!(rows[0].label, None);
    }

    #[test]
    fn fasttext_reads_one_label_per_line() {
        let data = format!(
            "__label__denial {DENIAL}\n\
             __label__allegation\t{ALLEGATION}\n\
             __label__denial __label__assertion {DENIAL}\n\
             {ASSERTION}\n\
             __label__denial\n"
        );
        let items = read(&data, Format::Fasttext, LabelPolicy::Required);
        assert!(matches!(&items[0], Ok(r) if r.label == Some(Stance::Denial) && r.text == DENIAL));
        assert!(
            matches!(&items[1], Ok(r) if r.label == Some(Stance::Allegation) && r.text == ALLEGATION)
        );
        assert!(
            matches!(&items[2], Err(Error::Parse { line: 3, reason, .. }) if reason.starts_with("several labels"))
        );
        assert!(
            matches!(&items[3], Err(Error::Parse { line: 4, reason, .. }) if reason == "missing label")
        );
        assert!(
            matches!(&items[4], Err(Error::Parse { line: 5, reason, .. }) if reason == "empty text")
        );

        let rows = records(
            &format!("{ASSERTION}\n"),
            Format::Fasttext,
            LabelPolicy::Optional,
        );
        assert_eq!((rows[0].label, rows[0].text.as_str()), (None, ASSERTION));
    }

    #[test]
    fn text_format_reads_whole_lines_without_labels() {
        let data = format!("  {DENIAL}\t{ASSERTION} \n\n{ALLEGATION}\n");
        let rows = records(&data, Format::Text, LabelPolicy::Optional);
        assert_eq!(rows[0].text, format!("{DENIAL}\t{ASSERTION}"));
        assert_eq!(rows[1].text, ALLEGATION);
        assert_eq!(lines(&rows), [1, 3]);
        assert!(rows.iter().all(|r| r.label.is_none()));
        let input = Box::new(Cursor::new(format!("{DENIAL}\n\n \n").into_bytes()));
        let mut reader =
            RecordReader::from_reader(input, "-".into(), Format::Text, LabelPolicy::Optional)
                .unwrap();
        assert_eq!(reader.by_ref().count(), 1);
        assert_eq!(reader.lines_read(), 3, "trailing blank lines are counted");

        let input = Box::new(Cursor::new(Vec::new()));
        let err = RecordReader::from_reader(input, "-".into(), Format::Text, LabelPolicy::Required)
            .err()
            .expect("text has no labels");
        assert!(matches!(err, Error::Data(_)));
        let err = read_records(Path::new("-"), Format::Text, LabelPolicy::Required).unwrap_err();
        assert!(matches!(err, Error::Data(_)));
    }

    #[test]
    fn open_reads_files_and_names_stdin_dash() {
        let mut file = tempfile::NamedTempFile::new().expect("temp file");
        write!(
            file,
            "label\ttext\ndenial\t{DENIAL}\nassertion\t{ASSERTION}\n"
        )
        .expect("write");
        let rows =
            read_records(file.path(), Format::Tsv, LabelPolicy::Required).expect("valid file");
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1].origin.path, file.path());
        assert_eq!(rows[1].origin.line, 3);

        let stdin = RecordReader::open(Path::new("-"), Format::Tsv, LabelPolicy::Optional)
            .expect("stdin opens");
        assert_eq!(stdin.path(), Path::new("-"));
    }

    #[test]
    fn read_records_stops_at_the_first_error() {
        let mut file = tempfile::NamedTempFile::new().expect("temp file");
        write!(file, "denial\t{DENIAL}\nnone\t{DENIAL}\nx\t{DENIAL}\n").expect("write");
        let err = read_records(file.path(), Format::Tsv, LabelPolicy::Required).unwrap_err();
        assert!(matches!(err, Error::Parse { line: 2, .. }));

        let missing = file.path().with_extension("missing");
        let err = read_records(&missing, Format::Tsv, LabelPolicy::Required).unwrap_err();
        assert!(matches!(err, Error::Io { ref path, .. } if *path == missing));
    }

    /// A reader that fails after its first line.
    struct Failing(Cursor<Vec<u8>>);

    impl Read for Failing {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            match self.0.read(out)? {
                0 => Err(io::Error::other("disk on fire")),
                n => Ok(n),
            }
        }
    }

    #[test]
    fn an_io_error_ends_the_iteration() {
        for (format, first) in [
            (Format::Tsv, format!("denial\t{DENIAL}\n")),
            (Format::Csv, format!("denial,{DENIAL}\n")),
        ] {
            let input = Box::new(BufReader::new(Failing(Cursor::new(first.into_bytes()))));
            let mut rows =
                RecordReader::from_reader(input, "in".into(), format, LabelPolicy::Required)
                    .expect("labels allowed");
            assert!(matches!(rows.next(), Some(Ok(_))));
            assert!(matches!(rows.next(), Some(Err(Error::Io { .. }))));
            assert!(rows.next().is_none());
        }
    }
}
