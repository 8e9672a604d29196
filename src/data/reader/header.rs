//! Header detection for TSV and CSV: whether the first row names the columns, what each column
//! holds, and where a file of ids (and labels) only takes its text.

use super::row::RowParser;
use crate::data::LabelPolicy;
use crate::error::Result;
use std::sync::Arc;

/// Whether a TSV or CSV input starts with a header, and its columns if so.
pub(super) enum Header {
    /// No non-blank line read yet.
    Undecided,
    /// No header: rows are `label, text` (or just text).
    Absent,
    /// The columns named by the header.
    Present(Vec<(String, Role)>),
}

/// What a named column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Role {
    Id,
    Label,
    Text,
    Extra,
}

impl Role {
    pub(super) fn of(name: &str) -> Role {
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

impl RowParser {
    /// Decides whether the first non-blank row, `fields`, is a header, and reads it if so.
    pub(super) fn read_header<'a>(
        &mut self,
        fields: impl Iterator<Item = &'a str>,
        line: usize,
    ) -> Result<bool> {
        let names: Vec<&str> = fields.map(str::trim).collect();
        let has = |role: Role| names.iter().any(|name| Role::of(name) == role);
        if !has(Role::Text) {
            // A first row naming an id column is a header even without a text column: the
            // rows are ids (with labels, or none: a list of sentences to predict) whose text
            // comes from the text source. Read as `label, text` rows it gave a wrong label
            // error (`id, source`) or labels for the word "id" (`id` alone).
            if !has(Role::Id) {
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

    /// The texts for a file of ids (and labels) only, from the attached [`TextSource`].
    fn texts_for_ids(&self, line: usize) -> Result<Arc<std::collections::HashMap<String, String>>> {
        let Some(source) = &self.texts else {
            return Err(self.error(
                line,
                "header has an id column but no text column: this file holds ids (and labels) \
                 only; give the file with their text (--text-from FILE)",
            ));
        };
        source.texts().map_err(|reason| {
            self.error(
                line,
                format!(
                    "this file holds ids and no text; their text comes from {} \
                     (--text-from), which cannot be read: {reason}",
                    source.path().display()
                ),
            )
        })
    }
}
