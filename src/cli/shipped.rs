//! What the two reproduce commands share: whether the files a training run reads are the
//! shipped ones, whether its text is the shipped text, and whether an output path names a
//! shipped model (which only that model's own reproduce command, or its `--force`, replaces).

use crate::bundle::DataFile;
use crate::data::DEFAULT_TEXT_FROM;
use std::path::{Path, PathBuf};

use super::io::InputArgs;

/// True when `given` are the files `shipped`, in order, however they are spelled (a file is
/// the same file through links and `./`).
pub fn are_the_shipped_files(given: &[PathBuf], shipped: &[&str]) -> bool {
    given.len() == shipped.len()
        && given
            .iter()
            .zip(shipped)
            .all(|(g, s)| crate::io::same_file(g, Path::new(s)))
}

/// True when id-only rows take their text from the text the shipped model `kept` (its data
/// files; `None` when there is no shipped model) was trained on: the default text file, or a
/// regular file of the same bytes as it or as the text `kept` records (a pool rebuilt
/// elsewhere and passed with --text-from), or any regular file when there is no shipped model
/// to keep.
pub fn is_the_shipped_text(input: &InputArgs, kept: Option<&[DataFile]>) -> bool {
    let given = input.text_from_path();
    let default = Path::new(DEFAULT_TEXT_FROM);
    if crate::io::same_file(&given, default) {
        return true;
    }
    // Hashing reads the file: a pipe would be emptied before training reads it.
    if !given.is_file() {
        return false;
    }
    let Some(kept) = kept else {
        return true;
    };
    let hash = |path: &Path| DataFile::of_file("text", path, 0, 0).map(|d| d.sha256).ok();
    let Some(given) = hash(&given) else {
        return false;
    };
    let recorded = kept.iter().find(|d| d.role == "text");
    recorded.is_some_and(|r| r.sha256 == given)
        || (default.is_file() && hash(default).as_ref() == Some(&given))
}

/// True when `path` names the shipped model file `shipped` (`models/<file>`): the working
/// folder's, or that of any stance project folder (see [`super::io::protect_shipped_models`]),
/// by the path as given or the file it lands in.
pub fn names_a_shipped(path: &Path, shipped: &str) -> bool {
    crate::io::same_file(path, Path::new(shipped))
        || [
            std::path::absolute(path).ok(),
            std::fs::canonicalize(path).ok(),
        ]
        .iter()
        .flatten()
        .any(|p| super::io::is_in_a_project(p, shipped))
}
