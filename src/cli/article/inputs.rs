//! The articles `stance article` reads, and the inputs that gave none: every article file
//! (named, or a `.txt` file of a folder), JSONL record or standard input is read on its own, so
//! one that cannot be read (missing, unreadable, not UTF-8), is empty, or is a folder without
//! a `.txt` file is reported by name without stopping the others.

use crate::data::{Format, LabelPolicy, RecordReader};
use crate::io::Outputs;
use anyhow::{anyhow, Context};
use std::io::Read;
use std::path::{Path, PathBuf};

/// What the inputs held.
#[derive(Debug, Default)]
pub struct Articles {
    /// (name, text) of every article read, in order (folders sorted by file name).
    pub read: Vec<(String, String)>,
    /// Why each input that gave no article failed, naming it, in order.
    pub failed: Vec<anyhow::Error>,
}

impl Articles {
    fn push(&mut self, name: String, text: anyhow::Result<String>) {
        match text.and_then(|text| not_empty(&name, text)) {
            Ok(text) => self.read.push((name, text)),
            Err(err) => self.failed.push(err),
        }
    }
}

/// Reads every article of `inputs`; each file read is noted in `outputs`, so no output
/// replaces it.
pub fn read_articles(inputs: &[PathBuf], outputs: &mut Outputs) -> Articles {
    let mut articles = Articles::default();
    for input in inputs {
        if input == Path::new("-") {
            let mut text = String::new();
            let read = std::io::stdin()
                .read_to_string(&mut text)
                .context("standard input: cannot read an article")
                .and_then(|_| not_empty("standard input", text));
            match read {
                // named `-` in the output, as on the command line
                Ok(text) => articles.read.push(("-".to_string(), text)),
                Err(err) => articles.failed.push(err),
            }
        } else if input.is_dir() {
            read_folder(input, outputs, &mut articles);
        } else if Format::from_path(input, Format::Text) == Format::Jsonl {
            read_jsonl(input, &mut articles);
        } else {
            articles.push(input.display().to_string(), read_text(input));
        }
    }
    articles
}

/// Every `.txt` file of `folder`, sorted by name; a folder without one is a failure naming it.
fn read_folder(folder: &Path, outputs: &mut Outputs, articles: &mut Articles) {
    let listed = std::fs::read_dir(folder)
        .and_then(|entries| {
            entries
                .map(|e| e.map(|e| e.path()))
                .collect::<std::io::Result<Vec<PathBuf>>>()
        })
        .with_context(|| format!("{}: cannot list the folder", folder.display()));
    let mut files: Vec<PathBuf> = match listed {
        Ok(paths) => paths
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "txt"))
            .collect(),
        Err(err) => {
            articles.failed.push(err);
            return;
        }
    };
    if files.is_empty() {
        articles.failed.push(anyhow!(
            "{}: no article in this folder (the articles of a folder are its .txt files)",
            folder.display()
        ));
        return;
    }
    files.sort();
    for file in files {
        outputs.input(&file);
        articles.push(file.display().to_string(), read_text(&file));
    }
}

/// One article per record of a JSONL file (`text`, optional `id`); a bad record is a failure
/// naming its line, and the records after it are still read.
fn read_jsonl(path: &Path, articles: &mut Articles) {
    let reader = match RecordReader::open(path, Format::Jsonl, LabelPolicy::Optional) {
        Ok(reader) => reader,
        Err(err) => {
            articles.failed.push(err.into());
            return;
        }
    };
    let mut any = false;
    for record in reader {
        any = true;
        match record {
            Ok(record) => {
                let name = record
                    .id
                    .clone()
                    .unwrap_or_else(|| format!("{}:{}", path.display(), record.origin.line));
                articles.push(name, Ok(record.text));
            }
            Err(err) => articles.failed.push(err.into()),
        }
    }
    if !any {
        articles
            .failed
            .push(anyhow!("{}: no article in this file", path.display()));
    }
}

/// The text of an article file, without a leading byte-order mark.
fn read_text(path: &Path) -> anyhow::Result<String> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = valid.iter().filter(|b| **b == b'\n').count() + 1;
        anyhow!("{}:{line}: invalid UTF-8", path.display())
    })?;
    Ok(text
        .strip_prefix('\u{feff}')
        .map(str::to_string)
        .unwrap_or(text))
}

/// The article's text, unless it holds nothing but white space.
fn not_empty(name: &str, text: String) -> anyhow::Result<String> {
    if text.trim().is_empty() {
        anyhow::bail!("{name}: empty article (no text, or white space only)");
    }
    Ok(text)
}
