//! The code that loads a model and predicts with it depends on no training code: the bundle,
//! the pipeline and the fitted model name no item defined by the trainer, the fitting loop or
//! the verbs built on them, so reading a model cannot reach code that fits one.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Files (or folders) of the load-and-predict path.
const PREDICTION_SIDE: &[&str] = &[
    "src/bundle.rs",
    "src/bundle",
    "src/pipeline.rs",
    "src/model/fitted.rs",
    "src/model/summary.rs",
    "src/model/top_features.rs",
];

/// Files of training and of what is built on it.
const TRAINING: &[&str] = &[
    "src/trainer.rs",
    "src/model/fit.rs",
    "src/cv.rs",
    "src/bootstrap.rs",
    "src/suggest.rs",
];

/// Module paths that lead into training code.
const TRAINING_PATHS: &[&str] = &[
    "trainer::",
    "model::fit::",
    "model::fit;",
    "super::fit",
    "cv::",
    "bootstrap::",
    "suggest::",
];

fn rust_files(path: &Path) -> Vec<PathBuf> {
    if path.is_dir() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(path)
            .unwrap()
            .flat_map(|e| rust_files(&e.unwrap().path()))
            .collect();
        files.sort();
        files
    } else if path.extension().is_some_and(|e| e == "rs") {
        vec![path.to_path_buf()]
    } else {
        Vec::new()
    }
}

/// The lines of a file before its tests, without `//` comments.
fn code_lines(path: &Path) -> Vec<String> {
    let source = std::fs::read_to_string(path).unwrap();
    source
        .lines()
        .take_while(|l| !l.trim_start().starts_with("#[cfg(test)]"))
        .map(|l| l.split("//").next().unwrap_or("").to_string())
        .collect()
}

fn identifiers(line: &str) -> impl Iterator<Item = &str> {
    line.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
}

/// Names of the public top-level items (types, traits, functions, constants) a file defines.
fn public_items(path: &Path) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for line in code_lines(path).iter().filter(|l| l.starts_with("pub")) {
        let words = identifiers(line).skip(1);
        let mut words = words.skip_while(|w| *w == "crate" || *w == "async" || *w == "unsafe");
        if let (Some(kind), Some(name)) = (words.next(), words.next()) {
            if ["struct", "enum", "trait", "type", "fn", "const"].contains(&kind) {
                names.insert(name.to_string());
            }
        }
    }
    names
}

#[test]
fn loading_and_predicting_use_no_training_code() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let training: BTreeSet<String> = TRAINING
        .iter()
        .flat_map(|f| public_items(&root.join(f)))
        .collect();
    assert!(training.contains("train") && training.contains("SparseDataset"));
    let mut found = Vec::new();
    for entry in PREDICTION_SIDE {
        let path = root.join(entry);
        assert!(path.exists(), "{entry} moved: update PREDICTION_SIDE");
        for file in rust_files(&path) {
            for (n, line) in code_lines(&file).iter().enumerate() {
                let named = identifiers(line).filter(|w| training.contains(*w));
                let paths = TRAINING_PATHS.iter().copied().filter(|p| line.contains(p));
                for what in named.chain(paths) {
                    found.push(format!(
                        "{}:{}: {what}: {}",
                        file.strip_prefix(root).unwrap().display(),
                        n + 1,
                        line.trim()
                    ));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "training code named:\n{}",
        found.join("\n")
    );
}
