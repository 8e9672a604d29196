//! `stance article`: whole articles -> sentences with labels, probabilities and deciding
//! words, as text, JSONL (with character offsets) or one self-contained HTML report.

use super::io::{load_model, model_path, outputs_reading};
use crate::article::{html, ArticleReport};
use crate::data::{Format, LabelPolicy, RecordReader};
use crate::io::Outputs;
use anyhow::Context;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// Output layouts of `stance article`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ArticleOutput {
    /// One line per sentence: label, confidence, sentence; deciding words below.
    Text,
    /// One JSON object per sentence with character offsets into the article.
    Jsonl,
}

/// Arguments of `stance article`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  stance article ../shared/seed-article.txt
  stance article news/ --output jsonl > sentences.jsonl      # every .txt file of a folder
  stance article articles.jsonl --html report.html           # one {\"id\", \"text\"} per line
  curl -s ... | stance article - --html report.html

An empty article, or a folder without .txt files, is an error. In a folder, a file that cannot
be read (unreadable, not UTF-8, empty) is skipped with a warning and the others are labelled;
the run then exits 1 saying how many were skipped. An article in which rule 8 leaves nothing to
label gets a note on stderr. HTML input is read as its visible text.")]
pub struct ArticleArgs {
    /// Article files (UTF-8 text), folders of .txt articles, JSONL files with one article per
    /// record (`text`, optional `id`), or `-` for one article on standard input.
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// Model file [default: $STANCE_MODEL, else models/stance.model].
    #[arg(long, short)]
    pub model: Option<PathBuf>,
    /// Output layout on standard output.
    #[arg(long, value_enum, default_value_t = ArticleOutput::Text)]
    pub output: ArticleOutput,
    /// Also write an HTML report to this file.
    #[arg(long)]
    pub html: Option<PathBuf>,
    /// Deciding features kept per sentence.
    #[arg(long, default_value_t = 5)]
    pub explain: usize,
    /// Label a sentence `uncertain` when the model's confidence is below this.
    #[arg(long, value_parser = super::eval::parse_probability)]
    pub min_confidence: Option<f32>,
    /// Use the model's raw probabilities, without its calibration.
    #[arg(long)]
    pub no_calibration: bool,
}

/// Runs `stance article`, writing the text or JSONL layout to `stdout`.
///
/// # Errors
/// Unreadable inputs or model, an output that may not be written, or a failed write.
pub fn run(args: &ArticleArgs, quiet: bool, stdout: &mut dyn Write) -> anyhow::Result<()> {
    let model = model_path(args.model.as_deref());
    let mut outputs = outputs_reading([&model]);
    outputs.inputs(&args.inputs);
    if let Some(path) = &args.html {
        outputs.check(path)?;
    }
    let mut bundle = load_model(&model)?;
    if args.no_calibration {
        bundle.pipeline = bundle.pipeline.uncalibrated();
    }
    let read = read_articles(&args.inputs, &mut outputs)?;
    let mut reports = Vec::new();
    for (name, text) in read.articles {
        let report = ArticleReport::analyze(&bundle.pipeline, name, text, args.explain)?;
        if report.sentences.is_empty() && !quiet {
            eprintln!(
                "note: {}: no sentence to label ({} pieces left out by rule 8)",
                report.name,
                report.skipped.len()
            );
        }
        reports.push(report);
    }
    for report in &reports {
        match args.output {
            ArticleOutput::Text => write_text(stdout, report, args.min_confidence)?,
            ArticleOutput::Jsonl => write_jsonl(stdout, report, args.min_confidence)?,
        }
    }
    if let Some(path) = &args.html {
        outputs
            .write(path, html::render(&reports, args.min_confidence).as_bytes())
            .with_context(|| format!("writing {}", path.display()))?;
    }
    if read.failed > 0 {
        // what was labelled is out before the failure is reported
        stdout.flush().context("writing to standard output")?;
        anyhow::bail!(
            "{} of {} articles could not be read (see the warnings above); the others were labelled",
            read.failed,
            read.failed + reports.len()
        );
    }
    Ok(())
}

/// The articles read from the inputs, and how many could not be read.
struct ReadArticles {
    /// (name, text) of each readable article, in input order.
    articles: Vec<(String, String)>,
    /// Articles skipped with a warning: unreadable, not UTF-8, or empty.
    failed: usize,
}

/// (name, text) of every article the inputs hold, in order (folders sorted by file name); each
/// file read is noted in `outputs`, so no output replaces it.
///
/// A single file that cannot be read, or is empty, is an error. In a folder such a file is
/// skipped with a warning naming it, and counted, so one bad file does not stop the others; a
/// folder without any `.txt` file is an error.
fn read_articles(inputs: &[PathBuf], outputs: &mut Outputs) -> anyhow::Result<ReadArticles> {
    let mut read = ReadArticles {
        articles: Vec::new(),
        failed: 0,
    };
    for input in inputs {
        if input == Path::new("-") {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .context("reading an article from standard input")?;
            read.articles
                .push(("-".to_string(), non_empty(text, input)?));
        } else if input.is_dir() {
            let mut files: Vec<PathBuf> = std::fs::read_dir(input)
                .with_context(|| format!("listing {}", input.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "txt"))
                .collect();
            if files.is_empty() {
                anyhow::bail!("{}: no .txt articles in this folder", input.display());
            }
            files.sort();
            for file in files {
                outputs.input(&file);
                match read_text(&file).and_then(|text| non_empty(text, &file)) {
                    Ok(text) => read.articles.push((file.display().to_string(), text)),
                    Err(e) => {
                        eprintln!("warning: skipped {}: {e:#}", file.display());
                        read.failed += 1;
                    }
                }
            }
        } else if Format::from_path(input, Format::Text) == Format::Jsonl {
            for record in RecordReader::open(input, Format::Jsonl, LabelPolicy::Optional)? {
                let record = record?;
                let name = record
                    .id
                    .clone()
                    .unwrap_or_else(|| format!("{}:{}", input.display(), record.origin.line));
                read.articles.push((name, record.text));
            }
        } else {
            let text = read_text(input)?;
            read.articles
                .push((input.display().to_string(), non_empty(text, input)?));
        }
    }
    Ok(read)
}

/// `text`, unless it holds nothing but white space.
fn non_empty(text: String, path: &Path) -> anyhow::Result<String> {
    if text.trim().is_empty() {
        anyhow::bail!("{}: empty article, nothing to label", path.display());
    }
    Ok(text)
}

fn read_text(path: &Path) -> anyhow::Result<String> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = valid.iter().filter(|b| **b == b'\n').count() + 1;
        anyhow::anyhow!("{}:{line}: invalid UTF-8", path.display())
    })?;
    Ok(text
        .strip_prefix('\u{feff}')
        .map(str::to_string)
        .unwrap_or(text))
}

fn write_text(
    out: &mut dyn Write,
    report: &ArticleReport,
    min_confidence: Option<f32>,
) -> anyhow::Result<()> {
    writeln!(out, "== {}", report.name)?;
    for s in &report.sentences {
        let sentence = report.slice(s.start, s.end).replace(['\n', '\t'], " ");
        writeln!(
            out,
            "{:<10}\t{:.3}\t{sentence}",
            s.prediction.shown_label(min_confidence),
            s.prediction.confidence()
        )?;
        if !s.reasons.is_empty() {
            let reasons: Vec<String> = s
                .reasons
                .iter()
                .map(|r| {
                    format!(
                        "{} «{}» {:+.3}",
                        r.feature,
                        report.slice(r.start, r.end),
                        r.weight
                    )
                })
                .collect();
            writeln!(out, "\t\tbecause: {}", reasons.join(", "))?;
        }
    }
    let skipped: Vec<String> = report
        .skipped
        .iter()
        .map(|s| format!("{:?} «{}»", s.reason, report.slice(s.start, s.end)).to_lowercase())
        .collect();
    if !skipped.is_empty() {
        writeln!(out, "skipped (rule 8): {}", skipped.join("; "))?;
    }
    Ok(())
}

fn write_jsonl(
    out: &mut dyn Write,
    report: &ArticleReport,
    min_confidence: Option<f32>,
) -> anyhow::Result<()> {
    for line in report.json_lines(min_confidence) {
        writeln!(out, "{line}")?;
    }
    Ok(())
}
