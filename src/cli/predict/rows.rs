//! The rows `stance predict` writes, one per input record (and, for plain text, one per input
//! line), in the three layouts.
//!
//! Every row names its input: the record's id, or else its line number (the argument's number
//! for sentences given as arguments). A blank line of plain text, or a bad one skipped with
//! `--skip-bad-rows`, gets a row with no label, so output line N answers input line N.

use super::{Output, PredictArgs};
use crate::cli::decimal::push_fixed;
use crate::cli::no_arabic::NoArabic;
use crate::cli::tsv::push_field;
use crate::data::Record;
use crate::json_digits;
use crate::pipeline::{Pipeline, Prediction};
use crate::text::classes::has_arabic_letter;
use serde_json::{Map, Value};
use std::io::Write;

/// Where sentences given as arguments come from, in their records' origin.
pub const ARGUMENT: &str = "<argument>";

/// One row of output.
pub enum Row {
    /// A record to label.
    Record(Record),
    /// A line of plain text with nothing to label.
    Empty {
        /// Its 1-based line number.
        line: usize,
        /// Why it holds nothing.
        kind: Empty,
    },
}

/// Why a line of plain text holds nothing to label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Empty {
    /// Empty or white space only.
    Blank,
    /// A bad line (invalid UTF-8) skipped with `--skip-bad-rows`.
    Skipped,
}

impl Empty {
    fn name(self) -> &'static str {
        match self {
            Empty::Blank => "blank",
            Empty::Skipped => "skipped",
        }
    }
}

/// Where a record came from, for messages: `FILE:LINE`, or `argument N`.
fn place(record: &Record) -> String {
    if record.origin.path.as_os_str() == ARGUMENT {
        format!("argument {}", record.origin.line)
    } else {
        format!("{}:{}", record.origin.path.display(), record.origin.line)
    }
}

/// Appends the TSV header.
pub fn write_tsv_header(
    out: &mut dyn Write,
    pipeline: &Pipeline,
    probs: bool,
) -> std::io::Result<()> {
    write!(out, "id\tline\tlabel\tconfidence")?;
    if probs {
        for label in pipeline.model().labels() {
            write!(out, "\tp_{label}")?;
        }
    }
    writeln!(out, "\ttext")
}

/// Appends the row of a line with nothing to label.
pub fn write_empty(
    out: &mut Vec<u8>,
    args: &PredictArgs,
    n_labels: usize,
    line: usize,
    kind: Empty,
) {
    match args.output {
        Output::Text => {
            let _ = writeln!(out, "{line}\t{}\t-\t", kind.name());
        }
        Output::Tsv => {
            let _ = write!(out, "\t{line}\t\t");
            if args.probs {
                out.extend(std::iter::repeat_n(b'\t', n_labels));
            }
            out.extend_from_slice(b"\t\n");
        }
        Output::Jsonl => {
            let mut obj = Map::new();
            obj.insert("line".into(), Value::from(line));
            obj.insert("text".into(), Value::from(""));
            obj.insert("label".into(), Value::Null);
            obj.insert(kind.name().into(), Value::Bool(true));
            let _ = writeln!(out, "{}", Value::Object(obj));
        }
    }
}

/// Appends the row of a labelled record, noting it in `no_arabic` when it has no Arabic letter.
///
/// # Errors
/// When the explanation cannot be computed.
pub fn write_record(
    out: &mut Vec<u8>,
    args: &PredictArgs,
    pipeline: &Pipeline,
    record: &Record,
    prediction: &Prediction,
    no_arabic: &mut NoArabic,
) -> crate::Result<()> {
    let arabic = has_arabic_letter(&record.text);
    if !arabic {
        no_arabic.note(|| place(record));
    }
    let because = if args.explain {
        pipeline
            .explain(&record.text, prediction.label, 5)?
            .into_iter()
            .map(|c| c.shown(&record.text))
            .collect()
    } else {
        Vec::new()
    };
    let shown = prediction.shown_label(args.min_confidence);
    match args.output {
        Output::Text => {
            match &record.id {
                Some(id) => push_field(out, id),
                None => push_number(out, record.origin.line),
            }
            out.push(b'\t');
            out.extend_from_slice(shown.as_bytes());
            out.push(b'\t');
            push_fixed(out, prediction.confidence(), 3);
            if args.probs {
                for (label, p) in &prediction.probabilities {
                    out.push(b'\t');
                    out.extend_from_slice(label.as_str().as_bytes());
                    out.push(b'=');
                    push_fixed(out, *p, 3);
                }
            }
            out.push(b'\t');
            push_field(out, &record.text);
            out.push(b'\n');
            if args.explain {
                let list: Vec<String> = because
                    .iter()
                    .map(|c| format!("{} «{}» {:+.3}", c.feature, c.text, c.weight))
                    .collect();
                let _ = writeln!(out, "\tbecause: {}", list.join(", "));
            }
        }
        Output::Tsv => {
            push_field(out, record.id.as_deref().unwrap_or(""));
            out.push(b'\t');
            push_number(out, record.origin.line);
            out.push(b'\t');
            out.extend_from_slice(shown.as_bytes());
            out.push(b'\t');
            push_fixed(out, prediction.confidence(), 4);
            if args.probs {
                for (_, p) in &prediction.probabilities {
                    out.push(b'\t');
                    push_fixed(out, *p, 4);
                }
            }
            out.push(b'\t');
            push_field(out, &record.text);
            out.push(b'\n');
        }
        Output::Jsonl => {
            let mut obj = Map::new();
            match &record.id {
                Some(id) => obj.insert("id".into(), Value::String(id.clone())),
                None => obj.insert("line".into(), Value::from(record.origin.line)),
            };
            obj.insert("text".into(), Value::String(record.text.clone()));
            obj.insert("label".into(), Value::String(shown.to_string()));
            if shown != prediction.label.as_str() {
                obj.insert(
                    "best_label".into(),
                    Value::String(prediction.label.to_string()),
                );
            }
            obj.insert(
                "confidence".into(),
                json_digits::f32_value(prediction.confidence()),
            );
            if !arabic {
                obj.insert("no_arabic".into(), Value::Bool(true));
            }
            if args.probs {
                let probs: Map<String, Value> = prediction
                    .probabilities
                    .iter()
                    .map(|(l, p)| (l.to_string(), json_digits::f32_value(*p)))
                    .collect();
                obj.insert("probabilities".into(), Value::Object(probs));
            }
            if let Some(gold) = record.label {
                obj.insert("gold".into(), Value::String(gold.to_string()));
            }
            if args.explain {
                let mut because = serde_json::json!(because);
                json_digits::shorten_f32s(&mut because);
                obj.insert("because".into(), because);
            }
            for (key, value) in &record.extra {
                obj.entry(key.clone()).or_insert_with(|| value.clone());
            }
            let _ = writeln!(out, "{}", Value::Object(obj));
        }
    }
    Ok(())
}

/// Appends a line number.
fn push_number(out: &mut Vec<u8>, n: usize) {
    out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
}
