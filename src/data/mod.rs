//! Input data: labelled or unlabelled sentences read from TSV, CSV, JSONL or fastText files.
//!
//! In: a path (or `-` for standard input) and a [`Format`]. Out: an iterator of
//! [`Record`]s, each knowing the file and line it came from, so later errors can name them.

pub mod reader;
pub mod split;
pub mod texts;

use crate::label::Stance;
use serde_json::{Map, Value};
use std::path::Path;
use std::sync::Arc;

pub use reader::{read_records, RecordReader};
pub use texts::{TextSource, DEFAULT_TEXT_FROM};

/// Where a record came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The file (`-` for standard input), shared by every record of the file: cloning it
    /// per record cost an allocation and a free per predicted sentence.
    pub path: Arc<Path>,
    /// The 1-based line the record starts on.
    pub line: usize,
}

/// One sentence of an input file.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// The record's id, when the file has one (an `id` column or JSON field).
    pub id: Option<String>,
    /// The sentence.
    pub text: String,
    /// The gold label, when the file has one.
    pub label: Option<Stance>,
    /// Other fields of the record (extra TSV/CSV columns, other JSON fields), passed through
    /// to predictions unchanged.
    pub extra: Map<String, Value>,
    /// Where the record came from.
    pub origin: Origin,
}

/// The layout of an input file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum Format {
    /// `label<TAB>text`, or columns named by a header line (`id`, `label`, `text`, ...).
    Tsv,
    /// Comma-separated with the usual quoting; header optional as for TSV.
    Csv,
    /// One JSON object per line: `{"text": ..., "label": ..., "id": ...}`.
    Jsonl,
    /// fastText's supervised format: `__label__denial text`.
    Fasttext,
    /// One sentence per line, no label (for prediction).
    Text,
}

impl Format {
    /// Chooses a format from a file's extension: `.tsv`, `.csv`, `.jsonl`/`.json`/`.ndjson`,
    /// `.ft`/`.fasttext`; anything else (and standard input) is `fallback`.
    pub fn from_path(path: &Path, fallback: Format) -> Format {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(|e| e.to_ascii_lowercase());
        match ext.as_deref() {
            Some("tsv") => Format::Tsv,
            Some("csv") => Format::Csv,
            Some("jsonl") | Some("json") | Some("ndjson") => Format::Jsonl,
            Some("ft") | Some("fasttext") => Format::Fasttext,
            _ => fallback,
        }
    }
}

/// What a reader demands of each record's label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LabelPolicy {
    /// Every record must carry a valid label (training, evaluation).
    Required,
    /// Labels are read when present and checked when present (prediction).
    Optional,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_follows_the_extension() {
        assert_eq!(
            Format::from_path(Path::new("a/b.TSV"), Format::Text),
            Format::Tsv
        );
        assert_eq!(
            Format::from_path(Path::new("x.csv"), Format::Text),
            Format::Csv
        );
        assert_eq!(
            Format::from_path(Path::new("x.ndjson"), Format::Text),
            Format::Jsonl
        );
        assert_eq!(
            Format::from_path(Path::new("x.ft"), Format::Text),
            Format::Fasttext
        );
        assert_eq!(
            Format::from_path(Path::new("-"), Format::Text),
            Format::Text
        );
    }
}
