//! `stance article`: whole articles -> sentences with labels, probabilities and deciding
//! words, as text, JSONL (with character offsets) or one self-contained HTML report.

use super::io::{load_model, outputs_reading};
use super::settings::ModelArgs;
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
  curl -s ... | stance article - --html report.html")]
pub struct ArticleArgs {
    /// Article files (UTF-8 text), folders of .txt articles, JSONL files with one article per
    /// record (`text`, optional `id`), or `-` for one article on standard input.
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    #[command(flatten)]
    pub model: ModelArgs,
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
pub fn run(args: &ArticleArgs, stdout: &mut dyn Write) -> anyhow::Result<()> {
    let model = args.model.path();
    let mut outputs = outputs_reading([&model]);
    outputs.inputs(&args.inputs);
    if let Some(path) = &args.html {
        outputs.check(path)?;
    }
    let mut bundle = load_model(&model)?;
    if args.no_calibration {
        bundle.pipeline = bundle.pipeline.uncalibrated();
    }
    let mut reports = Vec::new();
    for (name, text) in read_articles(&args.inputs, &mut outputs)? {
        reports.push(ArticleReport::analyze(
            &bundle.pipeline,
            name,
            text,
            args.explain,
        )?);
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
    Ok(())
}

/// (name, text) of every article the inputs hold, in order (folders sorted by file name); each
/// file read is noted in `outputs`, so no output replaces it.
fn read_articles(
    inputs: &[PathBuf],
    outputs: &mut Outputs,
) -> anyhow::Result<Vec<(String, String)>> {
    let mut articles = Vec::new();
    for input in inputs {
        if input == Path::new("-") {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .context("reading an article from standard input")?;
            articles.push(("-".to_string(), text));
        } else if input.is_dir() {
            let mut files: Vec<PathBuf> = std::fs::read_dir(input)
                .with_context(|| format!("listing {}", input.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "txt"))
                .collect();
            files.sort();
            for file in files {
                outputs.input(&file);
                articles.push((file.display().to_string(), read_text(&file)?));
            }
        } else if Format::from_path(input, Format::Text) == Format::Jsonl {
            for record in RecordReader::open(input, Format::Jsonl, LabelPolicy::Optional)? {
                let record = record?;
                let name = record
                    .id
                    .clone()
                    .unwrap_or_else(|| format!("{}:{}", input.display(), record.origin.line));
                articles.push((name, record.text));
            }
        } else {
            articles.push((input.display().to_string(), read_text(input)?));
        }
    }
    Ok(articles)
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
