//! How a model was made, as its file records it: the configuration, the data files with their
//! hashes, the label counts and how training ended. Plain data, written by training and read
//! by `stance inspect`.

use crate::config::TrainConfig;
use crate::error::{Error, Result};
use crate::label::Stance;
use crate::model::FitSummary;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::Path;

/// A data file that went into training.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataFile {
    /// `train`, `dev`, `unlabelled`, `text` (where id-only rows took their text from), or
    /// `pretrained` (an e5 model's pretrained file).
    pub role: String,
    /// The path as given on the command line (a pretrained file: its file name only).
    pub path: String,
    /// SHA-256 of the file's bytes, hex.
    pub sha256: String,
    /// Size in bytes.
    pub bytes: u64,
    /// Records used.
    pub rows: usize,
    /// Bad rows skipped (with `--skip-bad-rows`).
    pub skipped: usize,
}

impl DataFile {
    /// Describes a data file for a model's provenance: its path, SHA-256 (streamed), size and
    /// the rows used. Standard input (`-`) was consumed while reading, so it gets no hash.
    ///
    /// # Errors
    /// [`Error::Io`] naming the file when it cannot be read.
    pub fn of_file(role: &str, path: &Path, rows: usize, skipped: usize) -> Result<DataFile> {
        let (sha256, bytes) = if path == Path::new("-") {
            (String::new(), 0)
        } else {
            let mut file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
            let mut hasher = Sha256::new();
            let bytes = std::io::copy(&mut file, &mut hasher).map_err(|e| Error::io(path, e))?;
            (format!("{:x}", hasher.finalize()), bytes)
        };
        Ok(DataFile {
            role: role.to_string(),
            path: path.display().to_string(),
            sha256,
            bytes,
            rows,
            skipped,
        })
    }

    /// Describes data that never was a file (rows handed over in memory, as by the Python
    /// binding): `name` stands for the path, and the hash and size are those of `content`.
    pub fn in_memory(role: &str, name: &str, content: &[u8], rows: usize) -> DataFile {
        DataFile {
            role: role.to_string(),
            path: name.to_string(),
            sha256: format!("{:x}", Sha256::digest(content)),
            bytes: content.len() as u64,
            rows,
            skipped: 0,
        }
    }
}

/// Today's UTC date as `YYYY-MM-DD`, or the date of `SOURCE_DATE_EPOCH` when set, so that the
/// same data, config and seed give the same model file byte for byte.
///
/// # Errors
/// [`Error::InvalidParam`] when `SOURCE_DATE_EPOCH` is not a number of seconds in range.
pub fn created_date() -> Result<String> {
    let when = match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(s) => {
            let bad = |reason: &str| Error::InvalidParam {
                name: "SOURCE_DATE_EPOCH",
                value: s.clone(),
                reason: reason.into(),
            };
            let secs: i64 = s
                .trim()
                .parse()
                .map_err(|_| bad("not a number of seconds"))?;
            time::OffsetDateTime::from_unix_timestamp(secs).map_err(|_| bad("out of range"))?
        }
        Err(_) => time::OffsetDateTime::now_utc(),
    };
    let format = time::macros::format_description!("[year]-[month]-[day]");
    when.format(&format)
        .map_err(|e| Error::Data(format!("cannot format the date: {e}")))
}

/// How the model was made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Provenance {
    /// Version of the `stance` crate that trained it.
    pub crate_version: String,
    /// Training date, `YYYY-MM-DD` (from `SOURCE_DATE_EPOCH` when set, so builds reproduce).
    pub created: String,
    /// The full training configuration.
    pub config: TrainConfig,
    /// The data files, with hashes and sizes.
    pub data: Vec<DataFile>,
    /// Training rows per label.
    pub label_counts: Vec<(Stance, usize)>,
    /// How training ended (epochs, best epoch, dev scores).
    pub fit: FitSummary,
}
