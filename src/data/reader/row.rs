//! Row decoding: the fields of one TSV or CSV row, one JSON object or one fastText line into a
//! [`Record`], following the header.

use super::header::{Header, Role};
use super::FASTTEXT_LABEL;
use crate::data::{Format, LabelPolicy, Origin, Record, TextSource};
use crate::error::{Error, Result};
use serde_json::{Map, Value};
use std::path::Path;
use std::sync::Arc;

/// Turns the fields of a row into a [`Record`], following the format and the header.
pub(super) struct RowParser {
    pub(super) path: Arc<Path>,
    pub(super) format: Format,
    pub(super) labels: LabelPolicy,
    pub(super) header: Header,
    /// Where id-only rows may take their text from.
    pub(super) texts: Option<Arc<TextSource>>,
    /// The texts of an id-only file, once its header is read.
    pub(super) joined: Option<Arc<std::collections::HashMap<String, String>>>,
}

impl RowParser {
    pub(super) fn error(&self, line: usize, reason: impl Into<String>) -> Error {
        Error::Parse {
            path: self.path.to_path_buf(),
            line,
            reason: reason.into(),
        }
    }

    pub(super) fn separated(&self) -> &'static str {
        match self.format {
            Format::Csv => "comma-separated",
            _ => "tab-separated",
        }
    }

    /// Parses one non-blank line of a line-based format.
    pub(super) fn parse_line(&self, line: &str, number: usize) -> Result<Record> {
        match self.format {
            Format::Tsv | Format::Csv => self.parse_fields(line.split('\t'), number),
            Format::Jsonl => self.parse_json(line, number),
            Format::Fasttext => self.parse_fasttext(line, number),
            Format::Text => self.record(None, None, line, Map::new(), number),
        }
    }

    /// Parses the fields of a TSV or CSV row.
    pub(super) fn parse_fields<'a>(
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
    pub(super) fn parse_json(&self, line: &str, number: usize) -> Result<Record> {
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
    pub(super) fn parse_fasttext(&self, line: &str, number: usize) -> Result<Record> {
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
    pub(super) fn record(
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
