//! Repeated ids: in a file whose rows carry ids, each id names one sentence, so a second row
//! with the same id (perhaps with another label) is a row error, not a second sentence.

use super::row::RowParser;
use crate::data::Record;
use crate::error::Result;
use std::collections::HashMap;

/// The ids met so far in one file, each with the line it first appeared on.
#[derive(Default)]
pub(super) struct SeenIds {
    first_line: HashMap<String, usize>,
}

impl SeenIds {
    /// Notes the id of `record`, if it has one; an error naming the record's line, the id and
    /// the line it first appeared on when an earlier row had it. A refused row is not noted, so
    /// the first row keeps the id.
    pub(super) fn check(&mut self, record: &Record, rows: &RowParser) -> Result<()> {
        let Some(id) = &record.id else {
            return Ok(());
        };
        if let Some(&first) = self.first_line.get(id) {
            let reason = format!("id {id:?} appears twice (first on line {first})");
            return Err(rows.error(record.origin.line, reason));
        }
        self.first_line.insert(id.clone(), record.origin.line);
        Ok(())
    }
}
