//! `stance predict`: label sentences from arguments, a file or standard input, streaming in
//! chunks (constant memory on inputs of any size), output in input order.

mod rows;

use super::io::{progress_bar_in, progress_lines, report_skipped, skip_or_fail, InputArgs};
use super::settings::ModelArgs;
use crate::cli::no_arabic::NoArabic;
use crate::data::{Format, LabelPolicy, Origin, Record, RecordReader};
use crate::error::Error;
use crate::pipeline::PredictBuffers;
use crate::scorer::Scorer;
use anyhow::Context;
use indicatif::MultiProgress;
use rayon::prelude::*;
use rows::{Empty, Row};
use serde_json::Map;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::SyncSender;
use std::sync::{Arc, OnceLock};

/// Sentences predicted per parallel chunk.
const CHUNK: usize = 4096;
/// Sentences per parallel task within a chunk, formatted into one buffer.
const PIECE: usize = 256;
/// How often the sentence count redraws on its own.
const SPINNER_TICK: std::time::Duration = std::time::Duration::from_millis(120);
/// Bytes a formatted line usually takes, to size the buffers.
const LINE_BYTES: usize = 400;
/// Most threads `--threads` takes: the pieces of one chunk, the most tasks prediction ever
/// runs at once, so more threads would only wait. Each costs its start-up all the same (a
/// thousand took a second for one sentence, ten thousand a minute and a half).
pub const MAX_THREADS: usize = CHUNK / PIECE;

/// Output layouts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Output {
    /// `id-or-line<TAB>label<TAB>confidence<TAB>text`, readable in a terminal.
    Text,
    /// One JSON object per sentence, with the input's id (or its `line`) and other fields
    /// passed through.
    Jsonl,
    /// Tab-separated with a header: id, line, label, confidence, (probabilities), text.
    Tsv,
}

/// Arguments of `stance predict`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  stance predict \"نفت الوزارة صحة التقارير\" \"زعمت الجماعة أنها أسقطت طائرة\"
  stance predict --input news.txt --output tsv --probs > labels.tsv
  cat records.jsonl | stance predict --input - --format jsonl --output jsonl
  stance predict --input big.txt --threads 2 --explain

Each row starts with the input's id, or its line number (an argument's number) when it has none.
Plain-text input gives one row per line: a blank line, or a bad one skipped with
--skip-bad-rows, gets the label `blank` or `skipped` (empty fields in TSV, \"label\": null with
\"blank\": true or \"skipped\": true in JSONL). Without --skip-bad-rows a bad line stops the
run with exit 1 once the rows before it are written. A sentence with no Arabic letter (only
Latin, digits, punctuation, emoji or invisible marks) is still labelled, but its label means
nothing: a warning on stderr lists where, and JSONL adds \"no_arabic\": true.")]
pub struct PredictArgs {
    /// Sentences to label (otherwise --input, or standard input).
    pub text: Vec<String>,
    /// File of sentences, one per line (or records in TSV/CSV/JSONL/fastText); `-` is stdin.
    #[arg(long, short, conflicts_with = "text")]
    pub input: Option<PathBuf>,
    #[command(flatten)]
    pub model: ModelArgs,
    /// Output layout.
    #[arg(long, value_enum, default_value_t = Output::Text)]
    pub output: Output,
    /// Include every label's probability.
    #[arg(long)]
    pub probs: bool,
    /// Show the features that decided each label, with their weights (text and jsonl output;
    /// TSV has a fixed set of columns, so --output tsv refuses it).
    #[arg(long)]
    pub explain: bool,
    /// Label a sentence `uncertain` when the model's confidence is below this (JSONL keeps the
    /// best label as `best_label`); pick it with `stance eval DEV --target-precision P`.
    #[arg(long, value_parser = super::eval::parse_probability)]
    pub min_confidence: Option<f32>,
    /// Use the model's raw probabilities, without its calibration.
    #[arg(long)]
    pub no_calibration: bool,
    /// Threads for prediction; 0 uses every core [at most 16: prediction runs 16 tasks at a
    /// time, so more threads would only wait].
    #[arg(long, default_value_t = 0, value_parser = thread_count())]
    pub threads: usize,
    #[command(flatten)]
    pub input_args: InputArgs,
    #[cfg(feature = "e5")]
    #[command(flatten)]
    pub e5: super::e5_args::E5Args,
}

/// A thread count, from 0 (every core) to [`MAX_THREADS`].
fn thread_count() -> clap::builder::RangedU64ValueParser<usize> {
    clap::builder::RangedU64ValueParser::new().range(0..=MAX_THREADS as u64)
}

/// Runs `stance predict`, writing one row per input to `stdout`.
///
/// # Errors
/// Bad input rows (without `--skip-bad-rows`), an unreadable model, or a failed write.
pub fn run(args: &PredictArgs, quiet: bool, stdout: &mut dyn Write) -> anyhow::Result<()> {
    if args.explain && args.output == Output::Tsv {
        return Err(super::usage_error(
            "predict",
            "--explain cannot be used with --output tsv, whose columns are fixed; use --output \
             text or --output jsonl for the deciding features",
        ));
    }
    if let Some(i) = args.text.iter().position(|t| t.trim().is_empty()) {
        anyhow::bail!("argument {}: empty text", i + 1);
    }
    let mut bundle = args.model.file().load()?;
    #[cfg(feature = "e5")]
    let e5 = args.e5.load()?;
    if args.no_calibration {
        bundle.pipeline = bundle.pipeline.uncalibrated();
    }
    let pipeline = &bundle.pipeline;
    let n_labels = pipeline.model().labels().len();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads)
        .build()
        .context("starting prediction threads")?;
    let scorer: OnceLock<Scorer> = OnceLock::new();
    if args.output == Output::Tsv {
        rows::write_tsv_header(stdout, pipeline, args.probs)?;
    }
    let mut no_arabic = NoArabic::default();
    let progress = progress_lines(quiet);
    // Prediction and formatting run in parallel per chunk; only the bytes are written in order.
    let mut write_chunk = |chunk: &[Row]| -> anyhow::Result<()> {
        // chosen by the first chunk: only the last chunk is short, so a short first chunk is
        // the whole input (a few arguments, a small file)
        let scorer = scorer.get_or_init(|| Scorer::for_batch(pipeline, chunk.len()));
        // e5's probabilities of the chunk's sentences, by row, when --e5 is given
        #[cfg(feature = "e5")]
        let e5_rows = e5
            .as_ref()
            .map(|e5| pool.install(|| e5_probabilities(e5, scorer, chunk, &progress)))
            .transpose()?;
        let pieces: Vec<(Vec<u8>, NoArabic)> = pool.install(|| {
            chunk
                .par_chunks(PIECE)
                .enumerate()
                .map_init(PredictBuffers::default, |buffers, (at, piece)| {
                    let mut lines = Vec::with_capacity(piece.len() * LINE_BYTES);
                    let mut seen = NoArabic::default();
                    for (_row_at, row) in (at * PIECE..).zip(piece) {
                        match row {
                            Row::Record(record) => {
                                let prediction = scorer.predict_with(&record.text, buffers)?;
                                #[cfg(feature = "e5")]
                                let prediction = match (&e5, &e5_rows) {
                                    (Some(e5), Some(rows)) => match rows[_row_at] {
                                        Some(asked) => e5.model.mix(&prediction, asked),
                                        None => prediction,
                                    },
                                    _ => prediction,
                                };
                                rows::write_record(
                                    &mut lines,
                                    args,
                                    pipeline,
                                    record,
                                    &prediction,
                                    &mut seen,
                                )?;
                            }
                            Row::Empty { line, kind } => {
                                rows::write_empty(&mut lines, args, n_labels, *line, *kind);
                            }
                        }
                    }
                    Ok((lines, seen))
                })
                .collect::<crate::Result<_>>()
        })?;
        for (lines, seen) in pieces {
            stdout.write_all(&lines)?;
            no_arabic.extend(seen);
        }
        Ok(())
    };

    // Every row written is reported on below, also when a bad line stops the run.
    let written = write_rows(args, quiet, &progress, &mut write_chunk);
    let closed = written.as_ref().is_err_and(crate::cli::is_broken_pipe);
    if let (Some(warning), false, false) = (no_arabic.warning(), quiet, closed) {
        match stdout.flush() {
            Ok(()) => eprintln!("{warning}"),
            Err(err) if written.is_ok() => return Err(err.into()),
            Err(_) => {}
        }
    }
    written
}

/// e5's probabilities of each row of `chunk` it is asked about, by the linear model's
/// prediction (`--e5-below`); `None` for the others and for rows without a sentence.
#[cfg(feature = "e5")]
fn e5_probabilities(
    e5: &super::e5_args::LoadedE5,
    scorer: &Scorer,
    chunk: &[Row],
    progress: &MultiProgress,
) -> anyhow::Result<Vec<Option<[f32; 3]>>> {
    let texts: Vec<&str> = chunk
        .iter()
        .filter_map(|row| match row {
            Row::Record(record) => Some(record.text.as_str()),
            Row::Empty { .. } => None,
        })
        .collect();
    // the linear model's predictions again: a small cost beside e5's, and they decide which
    // sentences e5 is asked about
    let linear = texts
        .par_iter()
        .map_init(PredictBuffers::default, |buffers, text| {
            scorer.predict_with(text, buffers)
        })
        .collect::<crate::Result<Vec<_>>>()?;
    let mut found = e5
        .probabilities_where_asked(&linear, &texts, progress)?
        .into_iter();
    Ok(chunk
        .iter()
        .map(|row| match row {
            Row::Record(_) => found.next().expect("one answer per sentence"),
            Row::Empty { .. } => None,
        })
        .collect())
}

/// Gathers the rows to label (the arguments, or the input file read on its own thread) and
/// hands them to `write_chunk` chunk by chunk, in input order, counting them on a line of
/// `progress`.
///
/// # Errors
/// A bad row (without `--skip-bad-rows`), an unreadable input, or an error of `write_chunk`.
fn write_rows(
    args: &PredictArgs,
    quiet: bool,
    progress: &MultiProgress,
    write_chunk: &mut dyn FnMut(&[Row]) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    if args.input.is_none() && !args.text.is_empty() {
        let argument: Arc<Path> = Path::new(rows::ARGUMENT).into();
        let rows: Vec<Row> = args
            .text
            .iter()
            .enumerate()
            .map(|(i, t)| {
                Row::Record(Record {
                    id: None,
                    text: t.clone(),
                    label: None,
                    extra: Map::new(),
                    origin: Origin {
                        path: argument.clone(),
                        line: i + 1,
                    },
                })
            })
            .collect();
        return write_chunk(&rows);
    }
    let path = args.input.clone().unwrap_or_else(|| PathBuf::from("-"));
    let format = args.input_args.format_for(&path, Format::Text);
    let reader = args.input_args.open(&path, format, LabelPolicy::Optional)?;
    let bar = progress_bar_in(
        progress,
        None,
        "{spinner} {human_pos} sentences ({per_sec})",
    );
    // The count ticks on its own, so it shows from the start rather than at the end of the
    // first chunk (minutes with --e5); not while the user types the input into a terminal,
    // where it would draw over the typing, and not when it is hidden (indicatif would still
    // start a ticker thread for it).
    let typed = path.as_os_str() == "-" && std::io::stdin().is_terminal();
    if !progress.is_hidden() && !typed {
        bar.enable_steady_tick(SPINNER_TICK);
    }
    let skip = args.input_args.skip_bad_rows;
    // Reading and parsing run on their own thread, a chunk or two ahead of prediction, so
    // the only serial work left is writing bytes.
    let (sender, chunks) = std::sync::mpsc::sync_channel::<anyhow::Result<Vec<Row>>>(2);
    let skipped = Arc::new(AtomicUsize::new(0));
    let reading = std::thread::spawn({
        let skipped = Arc::clone(&skipped);
        let progress = progress.clone();
        move || read_rows(reader, format, skip, quiet, &progress, sender, &skipped)
    });
    let mut rows = 0;
    let written = chunks.into_iter().try_for_each(|chunk| {
        let chunk = chunk?;
        write_chunk(&chunk)?;
        rows += chunk.len();
        bar.inc(chunk.len() as u64);
        anyhow::Ok(())
    });
    bar.finish_and_clear();
    // After an error the reader is left to the process's exit rather than joined: it may be
    // waiting for input that never comes (`tail -f FILE | stance predict | head -1`). The rows
    // it skipped up to then are reported all the same.
    if written.is_ok() {
        reading
            .join()
            .map_err(|_| anyhow::anyhow!("the input reader thread panicked"))?;
    }
    report_skipped(&path, skipped.load(Ordering::Relaxed), quiet);
    if written.is_ok() && rows == 0 && !quiet {
        // An empty input is not an error (a pipeline stage may have nothing to pass on), but
        // an empty output with no word looks like a failure.
        let input = if path.as_os_str() == "-" {
            "standard input".to_owned()
        } else {
            path.display().to_string()
        };
        eprintln!("note: {input} holds no sentences to label");
    }
    written
}

/// Rows in chunks of [`CHUNK`], sent as they fill.
struct Chunks {
    chunk: Vec<Row>,
    sender: SyncSender<anyhow::Result<Vec<Row>>>,
}

impl Chunks {
    /// Adds a row; false once the receiver is gone (an error or a closed pipe stopped it).
    fn push(&mut self, row: Row) -> bool {
        self.chunk.push(row);
        self.chunk.len() < CHUNK || self.send()
    }

    /// Sends the rows gathered so far; false once the receiver is gone.
    fn send(&mut self) -> bool {
        let full = std::mem::replace(&mut self.chunk, Vec::with_capacity(CHUNK));
        self.sender.send(Ok(full)).is_ok()
    }

    /// Adds a blank row for each line from `from` to `to`, both included.
    fn blanks(&mut self, from: usize, to: usize) -> bool {
        (from..=to).all(|line| {
            self.push(Row::Empty {
                line,
                kind: Empty::Blank,
            })
        })
    }
}

/// Reads every row of `reader` into chunks for `sender`, skipping bad rows when `skip` is on;
/// plain text gets a row for each line that holds no record (blank or skipped). Keeps the
/// count of skipped rows in `counted` as it goes, and prints their warnings above the bars of
/// `progress`.
fn read_rows(
    mut reader: RecordReader,
    format: Format,
    skip: bool,
    quiet: bool,
    progress: &MultiProgress,
    sender: SyncSender<anyhow::Result<Vec<Row>>>,
    counted: &AtomicUsize,
) {
    let plain = format == Format::Text;
    let mut chunks = Chunks {
        chunk: Vec::with_capacity(CHUNK),
        sender,
    };
    let mut skipped = 0;
    // The last line that has its row, for plain text.
    let mut done = 0;
    for item in reader.by_ref() {
        let going = match item {
            Ok(record) => {
                let line = record.origin.line;
                let blanks = !plain || chunks.blanks(done + 1, line - 1);
                done = line;
                blanks && chunks.push(Row::Record(record))
            }
            Err(err) => {
                let line = match &err {
                    Error::Parse { line, .. } if plain => Some(*line),
                    _ => None,
                };
                // the warning of a skipped row is printed with the count lifted off the screen,
                // so that the count's redraw does not overwrite it
                let kept = progress.suspend(|| skip_or_fail(err, skip, quiet, &mut skipped));
                if let Err(err) = kept {
                    // The rows before the bad one are written first, then the run stops on it.
                    let before = line.is_none_or(|line| chunks.blanks(done + 1, line - 1));
                    if before && !chunks.chunk.is_empty() {
                        chunks.send();
                    }
                    let _ = chunks.sender.send(Err(err));
                    return;
                }
                counted.store(skipped, Ordering::Relaxed);
                line.is_none_or(|line| {
                    let blanks = chunks.blanks(done + 1, line - 1);
                    done = line;
                    blanks
                        && chunks.push(Row::Empty {
                            line,
                            kind: Empty::Skipped,
                        })
                })
            }
        };
        if !going {
            return;
        }
    }
    if (!plain || chunks.blanks(done + 1, reader.lines_read())) && !chunks.chunk.is_empty() {
        chunks.send();
    }
}
