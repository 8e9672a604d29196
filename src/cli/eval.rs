//! `stance eval`: score a model on a labelled file.

use super::io::{load_model, model_path, read_labelled, InputArgs};
use crate::baseline::CueBaseline;
use crate::bootstrap::{bootstrap, Intervals, DEFAULT_RESAMPLES, DEFAULT_SEED};
use crate::data::Record;
use crate::label::Stance;
use crate::metrics::Metrics;
use crate::pipeline::Prediction;
use anyhow::Context;
use rayon::prelude::*;
use serde::Serialize;
use std::path::PathBuf;

/// Arguments of `stance eval`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  stance eval datasets/test.tsv
  stance eval real.tsv --model my.model --errors 20
  stance eval test.jsonl --json > report.json")]
pub struct EvalArgs {
    /// Labelled file to score.
    pub file: PathBuf,
    /// Model file [default: $STANCE_MODEL, else models/stance.model].
    #[arg(long, short)]
    pub model: Option<PathBuf>,
    /// Score the cue-only baseline (the first cue word decides) instead of a model.
    #[arg(long, conflicts_with = "model")]
    pub baseline: bool,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
    /// Also list the N most confident errors with their text [default: 0].
    #[arg(long, default_value_t = 0)]
    pub errors: usize,
    /// How many deciding features to show per listed error [default: 5].
    #[arg(long, default_value_t = 5)]
    pub explain_top: usize,
    /// Bootstrap resamples for the 95% confidence intervals; 0 for none [default: 1000].
    #[arg(long, default_value_t = DEFAULT_RESAMPLES)]
    pub bootstrap: usize,
    #[command(flatten)]
    pub input: InputArgs,
}

/// One misclassified sentence.
#[derive(Debug, Serialize)]
struct ErrorCase<'a> {
    line: usize,
    id: Option<&'a str>,
    gold: Stance,
    predicted: Stance,
    confidence: f32,
    text: &'a str,
    because: Vec<String>,
}

#[derive(Debug, Serialize)]
struct Report<'a> {
    file: String,
    model: String,
    #[serde(flatten)]
    metrics: &'a Metrics,
    intervals: Option<Intervals>,
    errors: Vec<ErrorCase<'a>>,
}

/// The report's headline figures with their bootstrap intervals, as text.
fn interval_lines(intervals: &Option<Intervals>) -> String {
    let Some(i) = intervals else {
        return String::new();
    };
    let f1 = i
        .per_label_f1
        .iter()
        .map(|(l, r)| format!("{l} {:.3}-{:.3}", r.low, r.high))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "95% bootstrap intervals ({} resamples): macro-F1 {:.3}-{:.3}; F1 {f1}\n",
        i.resamples, i.macro_f1.low, i.macro_f1.high
    )
}

/// Runs `stance eval`.
///
/// # Errors
/// Bad data or an unreadable model.
pub fn run(args: &EvalArgs, quiet: bool) -> anyhow::Result<()> {
    if args.baseline {
        return run_baseline(args, quiet);
    }
    let model_file = model_path(args.model.as_deref());
    let bundle = load_model(&model_file)?;
    let loaded = read_labelled(&args.file, &args.input, quiet)
        .with_context(|| format!("reading {}", args.file.display()))?;
    let pipeline = &bundle.pipeline;
    let predictions: Vec<Prediction> = loaded
        .records
        .par_iter()
        .map(|r| pipeline.predict(&r.text))
        .collect::<crate::Result<_>>()?;
    let gold = |r: &Record| {
        r.label
            .expect("read_labelled only returns labelled records")
    };
    let pairs: Vec<(Stance, Stance)> = loaded
        .records
        .iter()
        .zip(&predictions)
        .map(|(r, p)| (gold(r), p.label))
        .collect();
    let metrics = Metrics::from_pairs(pairs.iter().copied());
    let intervals = bootstrap(&pairs, args.bootstrap, DEFAULT_SEED);
    let mut errors: Vec<(&Record, &Prediction)> = loaded
        .records
        .iter()
        .zip(&predictions)
        .filter(|(r, p)| gold(r) != p.label)
        .collect();
    errors.sort_by(|a, b| b.1.confidence().total_cmp(&a.1.confidence()));
    let errors = errors
        .into_iter()
        .take(args.errors)
        .map(|(r, p)| {
            let because = pipeline
                .explain(&r.text, p.label, args.explain_top)?
                .into_iter()
                .map(|c| format!("{} ({:+.3})", c.feature, c.weight))
                .collect();
            Ok(ErrorCase {
                line: r.origin.line,
                id: r.id.as_deref(),
                gold: gold(r),
                predicted: p.label,
                confidence: p.confidence(),
                text: &r.text,
                because,
            })
        })
        .collect::<crate::Result<Vec<_>>>()?;

    if args.json {
        let report = Report {
            file: args.file.display().to_string(),
            model: model_file.display().to_string(),
            metrics: &metrics,
            intervals,
            errors,
        };
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    println!("{} on {}", model_file.display(), args.file.display());
    print!("{}", metrics.report());
    print!("{}", interval_lines(&intervals));
    if !errors.is_empty() {
        println!("\nmost confident errors:");
        for e in errors {
            let at = e.id.map_or_else(
                || format!("line {}", e.line),
                |id| format!("{id} (line {})", e.line),
            );
            println!(
                "- {at}: gold {} predicted {} ({:.2})\n  {}\n  because: {}",
                e.gold,
                e.predicted,
                e.confidence,
                e.text,
                e.because.join(", ")
            );
        }
    }
    Ok(())
}

fn run_baseline(args: &EvalArgs, quiet: bool) -> anyhow::Result<()> {
    let baseline = CueBaseline::new()?;
    let loaded = read_labelled(&args.file, &args.input, quiet)
        .with_context(|| format!("reading {}", args.file.display()))?;
    let pairs = loaded
        .records
        .iter()
        .map(|r| {
            Ok((
                r.label
                    .expect("read_labelled only returns labelled records"),
                baseline.predict(&r.text)?,
            ))
        })
        .collect::<crate::Result<Vec<_>>>()?;
    let metrics = Metrics::from_pairs(pairs.iter().copied());
    let intervals = bootstrap(&pairs, args.bootstrap, DEFAULT_SEED);
    if args.json {
        let report = Report {
            file: args.file.display().to_string(),
            model: "cue-only baseline".into(),
            metrics: &metrics,
            intervals,
            errors: Vec::new(),
        };
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!("cue-only baseline on {}", args.file.display());
        print!("{}", metrics.report());
        print!("{}", interval_lines(&intervals));
    }
    Ok(())
}
