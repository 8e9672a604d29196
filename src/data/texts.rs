//! Text joined by id: label files that hold ids and labels only (the project's labels of real
//! news sentences, whose text it may not copy) take each sentence's text from another file,
//! such as `../shared/realnews/pool.tsv`, when they are read.
//!
//! In: the path of a text file (TSV, CSV or JSONL with an `id` and a `text`/`sentence` column).
//! Out: an id -> text map, loaded on first use and shared by every file that needs it.

use super::{Format, LabelPolicy, RecordReader};
use crate::error::{Error, Result};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

/// Where id-only label files (such as `datasets/real/*.tsv`) take their text from when no
/// other source is named: the pool of real news sentences beside the project.
pub const DEFAULT_TEXT_FROM: &str = "../shared/realnews/pool.tsv";

/// Where the text of id-only label files comes from; read once, on first use.
#[derive(Debug, Default)]
pub struct TextSource {
    path: PathBuf,
    loaded: OnceLock<std::result::Result<Arc<HashMap<String, String>>, String>>,
}

impl TextSource {
    /// A source reading `path` when first asked for a text.
    pub fn new(path: impl Into<PathBuf>) -> TextSource {
        TextSource {
            path: path.into(),
            loaded: OnceLock::new(),
        }
    }

    /// The text file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// How many texts the file held, once it has been read successfully (`None` before, or
    /// when it could not be read).
    pub fn loaded_len(&self) -> Option<usize> {
        self.loaded.get()?.as_ref().ok().map(|texts| texts.len())
    }

    /// The id -> text map, reading the file on the first call.
    ///
    /// # Errors
    /// Why the file cannot be read (missing, a bad row, a row without an id, an id twice), as
    /// a sentence; every later call gives the same reason.
    pub fn texts(&self) -> std::result::Result<Arc<HashMap<String, String>>, String> {
        self.loaded
            .get_or_init(|| load(&self.path).map(Arc::new).map_err(|e| e.to_string()))
            .clone()
    }
}

/// Reads every `id -> text` pair of a text file.
fn load(path: &Path) -> Result<HashMap<String, String>> {
    let format = Format::from_path(path, Format::Tsv);
    let mut texts = HashMap::new();
    let reader = RecordReader::open(path, format, LabelPolicy::Optional)?.refuse_repeated_ids();
    for record in reader {
        let record = record?;
        let Some(id) = record.id else {
            return Err(Error::Parse {
                path: path.to_path_buf(),
                line: record.origin.line,
                reason: "a text file for joining needs an id on every row".into(),
            });
        };
        texts.insert(id, record.text);
    }
    Ok(texts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loads_once_and_reports_missing_files_and_repeated_ids() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pool.tsv");
        std::fs::write(
            &path,
            "id\tsource\tsentence\na-1\tx\tنص أول\na-2\tx\tنص ثان\n",
        )
        .unwrap();
        let source = TextSource::new(&path);
        assert_eq!(
            source.loaded_len(),
            None,
            "nothing read before it is needed"
        );
        let texts = source.texts().unwrap();
        assert_eq!(source.loaded_len(), Some(2));
        assert_eq!(texts.get("a-2").map(String::as_str), Some("نص ثان"));
        std::fs::remove_file(&path).unwrap();
        assert_eq!(source.texts().unwrap().len(), 2, "read once, kept");

        let missing = TextSource::new(dir.path().join("none.tsv"));
        assert!(missing.texts().unwrap_err().contains("none.tsv"));

        std::fs::write(&path, "id\tsentence\na-1\tنص\na-1\tنص آخر\n").unwrap();
        let twice = TextSource::new(&path).texts().unwrap_err();
        assert!(
            twice.ends_with(":3: id \"a-1\" appears twice (first on line 2)"),
            "{twice}"
        );
    }
}
