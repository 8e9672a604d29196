//! `stance predict`: label sentences from arguments, a file or standard input, streaming in
//! chunks (constant memory on inputs of any size), output in input order.

use super::decimal::push_fixed;
use super::io::{load_model, model_path, progress_bar, report_skipped, skip_or_fail, InputArgs};
use crate::data::{Format, LabelPolicy, Origin, Record};
use crate::pipeline::{Pipeline, PredictBuffers, Prediction};
use crate::scorer::PackedScorer;
use anyhow::Context;
use rayon::prelude::*;
use serde_json::{Map, Value};
use std::io::{BufWriter, Write};
use std::path::PathBuf;

/// Sentences predicted per parallel chunk.
const CHUNK: usize = 4096;
/// Sentences per parallel task within a chunk, formatted into one buffer.
const PIECE: usize = 256;
/// Bytes a formatted line usually takes, to size the buffers.
const LINE_BYTES: usize = 400;

/// Output layouts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Output {
    /// `label<TAB>confidence<TAB>text`, readable in a terminal.
    Text,
    /// One JSON object per sentence, with the input's id and other fields passed through.
    Jsonl,
    /// Tab-separated with a header: id, label, confidence, [probabilities], text.
    Tsv,
}

/// Arguments of `stance predict`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  stance predict \"نفت الوزارة صحة التقارير\" \"زعمت الجماعة أنها أسقطت طائرة\"
  stance predict --input news.txt --output tsv --probs > labels.tsv
  cat records.jsonl | stance predict --input - --format jsonl --output jsonl
  stance predict --input big.txt --threads 2 --explain")]
pub struct PredictArgs {
    /// Sentences to label (otherwise --input, or standard input).
    pub text: Vec<String>,
    /// File of sentences, one per line (or records in TSV/CSV/JSONL/fastText); `-` is stdin.
    #[arg(long, short, conflicts_with = "text")]
    pub input: Option<PathBuf>,
    /// Model file [default: $STANCE_MODEL, else models/stance.model].
    #[arg(long, short)]
    pub model: Option<PathBuf>,
    /// Output layout.
    #[arg(long, value_enum, default_value_t = Output::Text)]
    pub output: Output,
    /// Include every label's probability.
    #[arg(long)]
    pub probs: bool,
    /// Show the features that decided each label, with their weights.
    #[arg(long)]
    pub explain: bool,
    /// Label a sentence `uncertain` when the model's confidence is below this (JSONL keeps the
    /// best label as `best_label`); pick it with `stance eval DEV --target-precision P`.
    #[arg(long, value_parser = super::eval::parse_probability)]
    pub min_confidence: Option<f32>,
    /// Use the model's raw probabilities, without its calibration.
    #[arg(long)]
    pub no_calibration: bool,
    /// Threads for prediction; 0 uses every core.
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    #[command(flatten)]
    pub input_args: InputArgs,
}

/// Runs `stance predict`.
///
/// # Errors
/// Bad input rows (without `--skip-bad-rows`), an unreadable model, or a failed write.
pub fn run(args: &PredictArgs, quiet: bool) -> anyhow::Result<()> {
    let mut bundle = load_model(&model_path(args.model.as_deref()))?;
    if args.no_calibration {
        bundle.pipeline = bundle.pipeline.uncalibrated();
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads)
        .build()
        .context("starting prediction threads")?;
    let scorer = PackedScorer::new(&bundle.pipeline);
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    if args.output == Output::Tsv {
        write_tsv_header(&mut out, &bundle.pipeline, args.probs)?;
    }
    // Prediction and formatting run in parallel per chunk; only the bytes are written in order.
    let mut write_chunk = |chunk: &[Record]| -> anyhow::Result<()> {
        let lines: Vec<Vec<u8>> = pool.install(|| {
            chunk
                .par_chunks(PIECE)
                .map_init(PredictBuffers::default, |buffers, records| {
                    let mut lines = Vec::with_capacity(records.len() * LINE_BYTES);
                    for record in records {
                        let prediction = scorer.predict_with(&record.text, buffers)?;
                        write_one(&mut lines, args, &bundle.pipeline, record, &prediction)?;
                    }
                    Ok(lines)
                })
                .collect::<anyhow::Result<_>>()
        })?;
        for line in &lines {
            out.write_all(line)?;
        }
        Ok(())
    };

    if let Some(i) = args.text.iter().position(|t| t.trim().is_empty()) {
        anyhow::bail!("argument {}: empty text", i + 1);
    }
    if args.input.is_none() && !args.text.is_empty() {
        let records: Vec<Record> = args
            .text
            .iter()
            .enumerate()
            .map(|(i, t)| Record {
                id: None,
                text: t.clone(),
                label: None,
                extra: Map::new(),
                origin: Origin {
                    path: PathBuf::from("<argument>"),
                    line: i + 1,
                },
            })
            .collect();
        write_chunk(&records)?;
    } else {
        let path = args.input.clone().unwrap_or_else(|| PathBuf::from("-"));
        let format = args.input_args.format_for(&path, Format::Text);
        let reader = args.input_args.open(&path, format, LabelPolicy::Optional)?;
        let bar = progress_bar(None, quiet, "{spinner} {human_pos} sentences ({per_sec})");
        let skip = args.input_args.skip_bad_rows;
        // Reading and parsing run on their own thread, a chunk or two ahead of prediction, so
        // the only serial work left is writing bytes.
        let (sender, chunks) = std::sync::mpsc::sync_channel::<anyhow::Result<Vec<Record>>>(2);
        let reading = std::thread::spawn(move || -> usize {
            let mut chunk = Vec::with_capacity(CHUNK);
            let mut skipped = 0;
            for item in reader {
                match item {
                    Ok(record) => chunk.push(record),
                    Err(err) => {
                        if let Err(err) = skip_or_fail(err, skip, quiet, &mut skipped) {
                            let _ = sender.send(Err(err));
                            return skipped;
                        }
                    }
                }
                if chunk.len() == CHUNK {
                    let full = std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK));
                    if sender.send(Ok(full)).is_err() {
                        return skipped; // the writer stopped (an error or a closed pipe)
                    }
                }
            }
            let _ = sender.send(Ok(chunk));
            skipped
        });
        for chunk in chunks {
            let chunk = chunk?;
            write_chunk(&chunk)?;
            bar.inc(chunk.len() as u64);
        }
        bar.finish_and_clear();
        let skipped = reading
            .join()
            .map_err(|_| anyhow::anyhow!("the input reader thread panicked"))?;
        report_skipped(&path, skipped, quiet);
    }
    out.flush().context("writing predictions")?;
    Ok(())
}

fn write_tsv_header(out: &mut impl Write, pipeline: &Pipeline, probs: bool) -> anyhow::Result<()> {
    write!(out, "id\tlabel\tconfidence")?;
    if probs {
        for label in pipeline.model.labels() {
            write!(out, "\tp_{label}")?;
        }
    }
    writeln!(out, "\ttext")?;
    Ok(())
}

fn explanation(
    pipeline: &Pipeline,
    record: &Record,
    prediction: &Prediction,
) -> crate::Result<Vec<(String, f32, String)>> {
    Ok(pipeline
        .explain(&record.text, prediction.label, 5)?
        .into_iter()
        .map(|c| (c.feature, c.weight, record.text[c.start..c.end].to_string()))
        .collect())
}

fn write_one(
    out: &mut Vec<u8>,
    args: &PredictArgs,
    pipeline: &Pipeline,
    record: &Record,
    prediction: &Prediction,
) -> anyhow::Result<()> {
    let because = if args.explain {
        explanation(pipeline, record, prediction)?
    } else {
        Vec::new()
    };
    match args.output {
        Output::Text => {
            out.extend_from_slice(prediction.shown_label(args.min_confidence).as_bytes());
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
            push_one_line(out, &record.text);
            out.push(b'\n');
            if args.explain {
                let list: Vec<String> = because
                    .iter()
                    .map(|(f, w, span)| format!("{f} «{span}» {w:+.3}"))
                    .collect();
                writeln!(out, "\tbecause: {}", list.join(", "))?;
            }
        }
        Output::Tsv => {
            out.extend_from_slice(record.id.as_deref().unwrap_or("").as_bytes());
            out.push(b'\t');
            out.extend_from_slice(prediction.shown_label(args.min_confidence).as_bytes());
            out.push(b'\t');
            push_fixed(out, prediction.confidence(), 4);
            if args.probs {
                for (_, p) in &prediction.probabilities {
                    out.push(b'\t');
                    push_fixed(out, *p, 4);
                }
            }
            out.push(b'\t');
            push_one_line(out, &record.text);
            out.push(b'\n');
        }
        Output::Jsonl => {
            let mut obj = Map::new();
            if let Some(id) = &record.id {
                obj.insert("id".into(), Value::String(id.clone()));
            }
            obj.insert("text".into(), Value::String(record.text.clone()));
            let shown = prediction.shown_label(args.min_confidence);
            obj.insert("label".into(), Value::String(shown.to_string()));
            if shown != prediction.label.as_str() {
                obj.insert(
                    "best_label".into(),
                    Value::String(prediction.label.to_string()),
                );
            }
            obj.insert(
                "confidence".into(),
                Value::from(f64::from(prediction.confidence())),
            );
            if args.probs {
                let probs: Map<String, Value> = prediction
                    .probabilities
                    .iter()
                    .map(|(l, p)| (l.to_string(), Value::from(f64::from(*p))))
                    .collect();
                obj.insert("probabilities".into(), Value::Object(probs));
            }
            if let Some(gold) = record.label {
                obj.insert("gold".into(), Value::String(gold.to_string()));
            }
            if args.explain {
                let list: Vec<Value> = because
                    .iter()
                    .map(
                        |(f, w, span)| serde_json::json!({"feature": f, "weight": w, "span": span}),
                    )
                    .collect();
                obj.insert("because".into(), Value::Array(list));
            }
            for (key, value) in &record.extra {
                obj.entry(key.clone()).or_insert_with(|| value.clone());
            }
            writeln!(out, "{}", Value::Object(obj))?;
        }
    }
    Ok(())
}

/// Appends the text with tabs and line breaks turned into spaces, so a row stays one row with
/// its column count (TSV and text output).
fn push_one_line(out: &mut Vec<u8>, text: &str) {
    let start = out.len();
    out.extend_from_slice(text.as_bytes());
    let appended = &mut out[start..];
    let mut at = 0;
    while let Some(found) = memchr::memchr3(b'\t', b'\n', b'\r', &appended[at..]) {
        appended[at + found] = b' ';
        at += found + 1;
    }
}
