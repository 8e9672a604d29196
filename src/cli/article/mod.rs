//! `stance article`: whole articles -> sentences with labels, probabilities and deciding
//! words, as text, JSONL (with character offsets) or one self-contained HTML report.

mod inputs;

use super::io::outputs_reading;
use super::no_arabic::NoArabic;
use super::settings::ModelArgs;
use super::tsv::field;
use crate::article::{html, ArticleReport};
use crate::text::classes::has_arabic_letter;
use anyhow::Context;
use inputs::read_articles;
use std::io::Write;
use std::path::PathBuf;

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

An input that gives no article (a file that cannot be read or is not UTF-8, an empty or
white-space-only article, a folder without .txt files, a bad JSONL record) is named in a warning
and the others are still labelled and written; the exit code is then 1, with how many inputs
failed. An article whose every piece is left out by rule 8 (titles, bylines, datelines,
questions, fragments, repeats) gets a note that no sentence was labelled. A sentence with no
Arabic letter is still labelled, but its label means nothing: a warning lists where, and JSONL
adds \"no_arabic\": true.")]
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
    #[cfg(feature = "e5")]
    #[command(flatten)]
    pub e5: super::e5_args::E5Args,
}

/// Runs `stance article`, writing the text or JSONL layout to `stdout`.
///
/// # Errors
/// Unreadable inputs or model, an output that may not be written, or a failed write.
pub fn run(args: &ArticleArgs, quiet: bool, stdout: &mut dyn Write) -> anyhow::Result<()> {
    let model = args.model.file();
    let mut outputs = outputs_reading([&model.path]);
    outputs.inputs(&args.inputs);
    #[cfg(feature = "e5")]
    outputs.inputs(&args.e5.inputs());
    if let Some(path) = &args.html {
        outputs.check(path)?;
    }
    let mut bundle = model.load()?;
    if args.no_calibration {
        bundle.pipeline = bundle.pipeline.uncalibrated();
    }
    #[cfg(feature = "e5")]
    let e5 = args.e5.load()?;
    let articles = read_articles(&args.inputs, &mut outputs);
    let mut reports = Vec::new();
    for (name, text) in articles.read {
        #[cfg(feature = "e5")]
        if let Some(e5) = &e5 {
            let pipeline = &bundle.pipeline;
            reports.push(ArticleReport::analyze_by(
                pipeline,
                name,
                text,
                args.explain,
                |sentences| {
                    let linear = sentences
                        .iter()
                        .map(|s| pipeline.predict(s))
                        .collect::<crate::Result<Vec<_>>>()?;
                    e5.mix_all(&linear, sentences, &crate::cli::io::progress_lines(quiet))
                },
            )?);
            continue;
        }
        reports.push(ArticleReport::analyze(
            &bundle.pipeline,
            name,
            text,
            args.explain,
        )?);
    }
    let failed = articles.failed;
    if let [only] = failed.as_slice() {
        if reports.is_empty() {
            anyhow::bail!("{only:#}");
        }
    }
    for err in &failed {
        eprintln!("warning: {err:#}");
    }
    if !quiet {
        for note in reports.iter().filter_map(nothing_labelled) {
            eprintln!("{note}");
        }
    }
    for report in &reports {
        match args.output {
            ArticleOutput::Text => write_text(stdout, report, args.min_confidence)?,
            ArticleOutput::Jsonl => write_jsonl(stdout, report, args.min_confidence)?,
        }
    }
    if let (Some(path), false) = (&args.html, reports.is_empty()) {
        outputs
            .write(path, html::render(&reports, args.min_confidence).as_bytes())
            .with_context(|| format!("writing {}", path.display()))?;
    }
    if !quiet {
        if let Some(warning) = no_arabic(&reports).warning() {
            eprintln!("{warning}");
        }
    }
    if !failed.is_empty() {
        let total = failed.len() + reports.len();
        anyhow::bail!(
            "{} of {total} article inputs failed (see the warnings above){}",
            failed.len(),
            match reports.len() {
                0 => String::new(),
                1 => "; the other one was labelled".to_string(),
                n => format!("; the other {n} were labelled"),
            }
        );
    }
    Ok(())
}

/// The note for an article of which no sentence was labelled, if none was.
fn nothing_labelled(report: &ArticleReport) -> Option<String> {
    if !report.sentences.is_empty() {
        return None;
    }
    let why = if report.skipped.is_empty() {
        "it holds no sentence".to_string()
    } else {
        let mut reasons: Vec<String> = Vec::new();
        for s in &report.skipped {
            let reason = format!("{:?}", s.reason).to_lowercase();
            if !reasons.contains(&reason) {
                reasons.push(reason);
            }
        }
        format!(
            "every piece was left out by rule 8 ({})",
            reasons.join(", ")
        )
    };
    Some(format!(
        "note: {}: no sentence was labelled: {why}",
        report.name
    ))
}

/// The labelled sentences that hold no Arabic letter, named `ARTICLE sentence N`.
fn no_arabic(reports: &[ArticleReport]) -> NoArabic {
    let mut found = NoArabic::default();
    for report in reports {
        for (i, s) in report.sentences.iter().enumerate() {
            if !has_arabic_letter(report.slice(s.start, s.end)) {
                found.note(|| format!("{} sentence {}", report.name, i + 1));
            }
        }
    }
    found
}

fn write_text(
    out: &mut dyn Write,
    report: &ArticleReport,
    min_confidence: Option<f32>,
) -> anyhow::Result<()> {
    writeln!(out, "== {}", field(&report.name))?;
    for s in &report.sentences {
        let sentence = field(report.slice(s.start, s.end));
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
