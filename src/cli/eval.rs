//! `stance eval`: score a model on a labelled file.

use super::io::{outputs_reading, read_labelled, InputArgs, Loaded};
use super::settings::ModelArgs;
use crate::baseline::CueBaseline;
use crate::bootstrap::{bootstrap, Intervals, DEFAULT_RESAMPLES, DEFAULT_SEED, MAX_RESAMPLES};
use crate::calibration::coverage::{abstain, threshold_for_precision, Scored};
use crate::calibration::reliability::DEFAULT_BINS;
use crate::calibration::{Abstention, Reliability, RiskCoverage};
use crate::data::Record;
use crate::label::Stance;
use crate::metrics::Metrics;
use crate::pipeline::{Prediction, ShownContribution};
use crate::report::{EvalPage, GroupScores, Highlight, PageError};
use anyhow::Context;
use rayon::prelude::*;
use serde::Serialize;
use std::fmt::Write as _;
use std::io::Write;
use std::path::PathBuf;

/// Arguments of `stance eval`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  stance eval datasets/test.tsv
  stance eval real.tsv --model my.model --errors 20
  stance eval test.jsonl --json > report.json
  stance eval datasets/real/dev.tsv --target-precision 0.95   # which confidence to trust
  stance eval real.tsv --min-confidence 0.9                    # quality of what is kept")]
pub struct EvalArgs {
    /// Labelled file to score.
    pub file: PathBuf,
    #[command(flatten)]
    pub model: ModelArgs,
    /// Score the cue-only baseline (the first cue word decides) instead of a model.
    #[arg(long, conflicts_with = "model")]
    pub baseline: bool,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
    /// Also list the N most confident errors with their text.
    #[arg(long, default_value_t = 0)]
    pub errors: usize,
    /// How many deciding features to show per listed error.
    #[arg(long, default_value_t = 5)]
    pub explain_top: usize,
    /// Bootstrap resamples for the 95% confidence intervals, 0 for none; at most 100000.
    #[arg(long, default_value_t = DEFAULT_RESAMPLES, value_parser = resamples())]
    pub bootstrap: usize,
    /// Score the model's raw probabilities, without its calibration.
    #[arg(long, conflicts_with = "baseline")]
    pub no_calibration: bool,
    /// Abstain below this confidence: report the coverage and the scores of the rows kept.
    #[arg(long, value_parser = parse_probability, conflicts_with = "baseline")]
    pub min_confidence: Option<f32>,
    /// Find the lowest confidence threshold whose kept rows reach this precision on the file
    /// (e.g. 0.95 on a dev file), to pass as --min-confidence elsewhere.
    #[arg(long, value_parser = parse_precision, conflicts_with = "baseline")]
    pub target_precision: Option<f64>,
    /// Also write the report as one self-contained HTML page (charts inline, no network).
    #[arg(long, conflicts_with = "baseline")]
    pub html: Option<PathBuf>,
    /// Report scores per value of this column (any passed-through column; `outlet` falls back
    /// to the id's part before its last `-` when the file has no such column).
    #[arg(long, conflicts_with = "baseline")]
    pub group_by: Option<String>,
    #[command(flatten)]
    pub input: InputArgs,
    #[cfg(feature = "e5")]
    #[command(flatten)]
    pub e5: super::e5_args::E5Args,
}

/// Errors listed in the HTML page when --errors is 0.
const HTML_ERRORS: usize = 20;

/// Kept sets smaller than this never choose a --target-precision threshold.
const MIN_KEPT_FOR_THRESHOLD: usize = 20;
/// Coverage steps of the risk-coverage curve (every 5%).
const COVERAGE_STEPS: usize = 20;

/// A count of bootstrap resamples, from 0 to [`MAX_RESAMPLES`].
fn resamples() -> clap::builder::RangedU64ValueParser<usize> {
    clap::builder::RangedU64ValueParser::new().range(0..=MAX_RESAMPLES as u64)
}

/// A probability in [0, 1].
pub fn parse_probability(s: &str) -> Result<f32, String> {
    match s.parse::<f32>() {
        Ok(p) if (0.0..=1.0).contains(&p) => Ok(p),
        _ => Err(format!(
            "expected a probability between 0 and 1, found {s:?}"
        )),
    }
}

fn parse_precision(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(p) if p > 0.0 && p <= 1.0 => Ok(p),
        _ => Err(format!("expected a precision in (0, 1], found {s:?}")),
    }
}

/// What the confidences are worth: calibration measures, abstention and the threshold for a
/// wanted precision.
#[derive(Debug, Serialize)]
struct Confidence {
    temperature: f32,
    #[serde(flatten)]
    reliability: Reliability,
    risk_coverage: RiskCoverage,
    abstention: Option<Abstention>,
    target_precision: Option<TargetPrecision>,
}

/// The threshold found for `--target-precision`.
#[derive(Debug, Serialize)]
struct TargetPrecision {
    precision: f64,
    /// `None` when no threshold reaches it.
    min_confidence: Option<f32>,
    coverage: Option<f64>,
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
    because: Vec<ShownContribution>,
}

#[derive(Debug, Serialize)]
struct Report<'a> {
    file: String,
    model: String,
    /// The e5 model averaged in (`--e5`) and its weight, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    e5: Option<serde_json::Value>,
    #[serde(flatten)]
    metrics: &'a Metrics,
    intervals: Option<Intervals>,
    confidence: Option<Confidence>,
    groups: Option<Vec<GroupRow>>,
    errors: Vec<ErrorCase<'a>>,
}

/// Scores of one group of rows, for --group-by.
#[derive(Debug, Serialize)]
struct GroupRow {
    group: String,
    #[serde(flatten)]
    metrics: Metrics,
}

/// The value of `column` for a record: a passed-through field, else (for `outlet`) the id's
/// outlet part.
fn group_of(record: &Record, column: &str) -> anyhow::Result<String> {
    match record.extra.get(column) {
        Some(serde_json::Value::String(s)) => Ok(s.clone()),
        Some(other) => Ok(other.to_string()),
        None if column == "outlet" => match &record.id {
            Some(id) => Ok(crate::cv::outlet_of(id).to_string()),
            None => anyhow::bail!(
                "{}:{}: no `outlet` column and no id to take the outlet from",
                record.origin.path.display(),
                record.origin.line
            ),
        },
        None => {
            let mut has: Vec<&str> = record.id.iter().map(|_| "id").collect();
            has.extend(record.extra.keys().map(String::as_str));
            let has = if has.is_empty() {
                "no named columns: a file without a header line".to_owned()
            } else {
                format!("{}, besides label and text", has.join(", "))
            };
            anyhow::bail!(
                "{}:{}: no column `{column}` to group by (the row has {has})",
                record.origin.path.display(),
                record.origin.line
            )
        }
    }
}

/// Metrics per group, groups sorted by name; `groups` holds each pair's group.
fn group_scores(groups: &[String], pairs: &[(Stance, Stance)]) -> Vec<GroupRow> {
    let mut by_group: std::collections::BTreeMap<&str, Vec<(Stance, Stance)>> =
        std::collections::BTreeMap::new();
    for (group, pair) in groups.iter().zip(pairs) {
        by_group.entry(group).or_default().push(*pair);
    }
    by_group
        .into_iter()
        .map(|(group, pairs)| GroupRow {
            group: group.to_owned(),
            metrics: Metrics::from_pairs(pairs),
        })
        .collect()
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

/// Runs `stance eval`, writing the report to `stdout`.
///
/// # Errors
/// Bad data, an unreadable model, or an output that may not be written.
pub fn run(args: &EvalArgs, quiet: bool, stdout: &mut dyn Write) -> anyhow::Result<()> {
    #[cfg(feature = "e5")]
    if args.baseline && args.e5.e5.is_some() {
        return Err(super::usage_error(
            "eval",
            "--baseline scores the cue-word baseline alone; drop --e5 or --baseline",
        ));
    }
    if args.baseline {
        return run_baseline(args, quiet, stdout);
    }
    let model_file = args.model.file();
    let mut outputs = outputs_reading([&args.file, &model_file.path, &args.input.text_from_path()]);
    #[cfg(feature = "e5")]
    outputs.inputs(&args.e5.inputs());
    if let Some(path) = &args.html {
        outputs.check(path)?;
    }
    let mut bundle = model_file.load()?;
    if args.no_calibration {
        bundle.pipeline = bundle.pipeline.uncalibrated();
    }
    #[allow(unused_mut)] // changed only with feature e5
    let mut model_name = model_file.path.display().to_string();
    #[allow(unused_mut)]
    let mut e5_used = None;
    #[cfg(feature = "e5")]
    let e5 = args.e5.load()?;
    let loaded = read_scored(args, quiet)?;
    // Each row's group, before the (slow) predictions: a missing column fails at once.
    let row_groups = args
        .group_by
        .as_deref()
        .map(|column| {
            loaded
                .records
                .iter()
                .map(|r| group_of(r, column))
                .collect::<anyhow::Result<Vec<_>>>()
        })
        .transpose()?;
    let pipeline = &bundle.pipeline;
    let predictions: Vec<Prediction> = loaded
        .records
        .par_iter()
        .map(|r| pipeline.predict(&r.text))
        .collect::<crate::Result<_>>()?;
    #[cfg(feature = "e5")]
    let predictions = match (&e5, &args.e5.e5) {
        (Some(e5), Some(path)) => {
            let w = e5.model.mix_weight;
            let asked = predictions.iter().filter(|p| e5.asks(p)).count();
            let below = e5
                .below
                .map(|c| {
                    let n = predictions.len();
                    format!(
                        "; e5 asked about {asked} of {n} sentences (linear confidence below {c})"
                    )
                })
                .unwrap_or_default();
            model_name = format!(
                "{model_name} averaged with e5 {} (w = {w}{below})",
                path.display()
            );
            e5_used = Some(serde_json::json!({
                "model": path.display().to_string(),
                "mix_weight": crate::json_digits::f32_value(w),
                "below": e5.below.map(crate::json_digits::f32_value),
                "asked": asked,
            }));
            let texts: Vec<&str> = loaded.records.iter().map(|r| r.text.as_str()).collect();
            e5.mix_all(&predictions, &texts, &super::io::progress_lines(quiet))?
        }
        _ => predictions,
    };
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
    let confidence = confidence_report(
        args,
        pipeline.calibration().temperature,
        &pairs,
        &predictions,
    );
    let groups = row_groups.map(|groups| group_scores(&groups, &pairs));
    let mut errors: Vec<(&Record, &Prediction)> = loaded
        .records
        .iter()
        .zip(&predictions)
        .filter(|(r, p)| gold(r) != p.label)
        .collect();
    errors.sort_by(|a, b| b.1.confidence().total_cmp(&a.1.confidence()));
    if let Some(path) = &args.html {
        let shown = if args.errors == 0 {
            HTML_ERRORS
        } else {
            args.errors
        };
        let page_errors = errors
            .iter()
            .take(shown)
            .map(|(r, p)| {
                Ok(PageError {
                    at: r.id.as_deref().map_or_else(
                        || format!("line {}", r.origin.line),
                        |id| format!("{id} (line {})", r.origin.line),
                    ),
                    text: &r.text,
                    gold: gold(r),
                    predicted: p.label,
                    confidence: p.confidence(),
                    highlights: pipeline
                        .explain(&r.text, p.label, args.explain_top)?
                        .into_iter()
                        .map(|c| Highlight {
                            start: c.start,
                            end: c.end,
                            feature: c.feature,
                            weight: c.weight,
                        })
                        .collect(),
                })
            })
            .collect::<crate::Result<Vec<_>>>()?;
        let file_name = args.file.display().to_string();
        let page = EvalPage {
            model: &model_name,
            file: &file_name,
            metrics: &metrics,
            intervals: intervals.as_ref(),
            temperature: confidence.temperature,
            reliability: &confidence.reliability,
            risk_coverage: &confidence.risk_coverage,
            abstention: confidence.abstention.as_ref(),
            groups: args.group_by.as_deref().zip(groups.as_ref()).map(|(c, g)| {
                (
                    c,
                    g.iter()
                        .map(|row| GroupScores {
                            group: row.group.clone(),
                            metrics: row.metrics.clone(),
                        })
                        .collect(),
                )
            }),
            errors: page_errors,
        };
        outputs
            .write(path, crate::report::render(&page).as_bytes())
            .with_context(|| format!("writing {}", path.display()))?;
    }
    let errors = errors
        .into_iter()
        .take(args.errors)
        .map(|(r, p)| {
            let because = pipeline
                .explain(&r.text, p.label, args.explain_top)?
                .into_iter()
                .map(|c| c.shown(&r.text))
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
            model: model_file.path.display().to_string(),
            e5: e5_used,
            metrics: &metrics,
            intervals,
            confidence: Some(confidence),
            groups,
            errors,
        };
        writeln!(stdout, "{}", serde_json::to_string_pretty(&report)?)?;
        return Ok(());
    }
    writeln!(stdout, "{model_name} on {}", args.file.display())?;
    write!(stdout, "{}", metrics.report())?;
    write!(stdout, "{}", interval_lines(&intervals))?;
    write!(stdout, "{}", confidence_lines(&confidence))?;
    if let (Some(column), Some(groups)) = (&args.group_by, &groups) {
        write!(stdout, "{}", group_lines(column, groups))?;
    }
    if !errors.is_empty() {
        writeln!(stdout, "\nmost confident errors:")?;
        for e in errors {
            let at = e.id.map_or_else(
                || format!("line {}", e.line),
                |id| format!("{id} (line {})", e.line),
            );
            writeln!(
                stdout,
                "- {at}: gold {} predicted {} ({:.2})\n  {}\n  because: {}",
                e.gold,
                e.predicted,
                e.confidence,
                e.text,
                e.because
                    .iter()
                    .map(|c| format!("{} «{}» {:+.3}", c.feature, c.text, c.weight))
                    .collect::<Vec<_>>()
                    .join(", ")
            )?;
        }
    }
    Ok(())
}

/// Calibration measures, the risk-coverage curve, and what --min-confidence and
/// --target-precision ask for.
fn confidence_report(
    args: &EvalArgs,
    temperature: f32,
    pairs: &[(Stance, Stance)],
    predictions: &[Prediction],
) -> Confidence {
    let probabilities: Vec<Vec<f32>> = predictions
        .iter()
        .map(|p| p.probabilities.iter().map(|(_, x)| *x).collect())
        .collect();
    let gold: Vec<Stance> = pairs.iter().map(|(g, _)| *g).collect();
    let scored: Vec<Scored> = pairs
        .iter()
        .zip(predictions)
        .map(|((g, p), prediction)| (*g, *p, prediction.confidence()))
        .collect();
    let target_precision = args.target_precision.map(|precision| {
        let min_confidence = threshold_for_precision(&scored, precision, MIN_KEPT_FOR_THRESHOLD);
        TargetPrecision {
            precision,
            min_confidence,
            coverage: min_confidence.map(|t| abstain(&scored, t).coverage),
        }
    });
    Confidence {
        temperature,
        reliability: Reliability::measure(&probabilities, &gold, DEFAULT_BINS),
        risk_coverage: RiskCoverage::measure(&scored, COVERAGE_STEPS),
        abstention: args.min_confidence.map(|t| abstain(&scored, t)),
        target_precision,
    }
}

/// The per-group table of the text report.
fn group_lines(column: &str, groups: &[GroupRow]) -> String {
    let mut out = format!(
        "{:<24}{:>6}{:>10}{:>10}{:>10}{:>10}{:>10}\n",
        column, "rows", "accuracy", "macro-F1", "F1 asr", "F1 den", "F1 all"
    );
    for g in groups {
        let _ = write!(
            out,
            "{:<24}{:>6}{:>10.4}{:>10.4}",
            g.group, g.metrics.rows, g.metrics.accuracy, g.metrics.macro_f1
        );
        for s in &g.metrics.per_label {
            if s.support == 0 {
                let _ = write!(out, "{:>10}", "-");
            } else {
                let _ = write!(out, "{:>10.4}", s.f1);
            }
        }
        out.push('\n');
    }
    out
}

/// The confidence part of the text report.
fn confidence_lines(c: &Confidence) -> String {
    let r = &c.reliability;
    let mut out = format!(
        "confidence (temperature {:.3}): ECE {:.4} ({} bins), Brier {:.4}, log-loss {:.4}\n",
        c.temperature,
        r.ece,
        r.bins.len(),
        r.brier,
        r.log_loss
    );
    out.push_str(&format!("{:<36}", "precision by confidence band (rows)"));
    for band in crate::calibration::reliability::BANDS {
        out.push_str(&format!("{:>17}", format!("{band:.2}+")));
    }
    out.push('\n');
    for label in Stance::ALL {
        out.push_str(&format!("{:<36}", format!("  predicted {label}")));
        for b in r.bands.iter().filter(|b| b.label == label) {
            if b.rows == 0 {
                out.push_str(&format!("{:>17}", "-"));
            } else {
                out.push_str(&format!(
                    "{:>17}",
                    format!("{:.3} ({})", b.precision, b.rows)
                ));
            }
        }
        out.push('\n');
    }
    let curve = c
        .risk_coverage
        .points
        .iter()
        .filter(|p| ((p.coverage * 20.0).round() as usize) % 4 == 0)
        .map(|p| format!("{:.0}% {:.3}", p.coverage * 100.0, p.accuracy))
        .collect::<Vec<_>>()
        .join(", ");
    out.push_str(&format!("accuracy at coverage: {curve}\n"));
    if let Some(a) = &c.abstention {
        out.push_str(&format!(
            "abstaining below {}: kept {} of {} rows (coverage {:.3}); on them accuracy {:.4}, macro-F1 {:.4}\n",
            a.min_confidence,
            a.kept,
            (a.kept as f64 / a.coverage.max(f64::MIN_POSITIVE)).round() as usize,
            a.coverage,
            a.metrics.accuracy,
            a.metrics.macro_f1
        ));
    }
    if let Some(t) = &c.target_precision {
        match (t.min_confidence, t.coverage) {
            (Some(p), Some(coverage)) => out.push_str(&format!(
                "precision {:.3} is reached from confidence {p:.4} (--min-confidence {p:.4}), keeping {:.1}% of rows\n",
                t.precision,
                coverage * 100.0
            )),
            _ => out.push_str(&format!(
                "precision {:.3} is reached at no confidence threshold (with at least {MIN_KEPT_FOR_THRESHOLD} rows kept)\n",
                t.precision
            )),
        }
    }
    out
}

/// The labelled rows to score; a file without any is an error, not a report of zeros.
fn read_scored(args: &EvalArgs, quiet: bool) -> anyhow::Result<Loaded> {
    let loaded = read_labelled(&args.file, &args.input, quiet)
        .with_context(|| format!("reading {}", args.file.display()))?;
    if loaded.records.is_empty() {
        anyhow::bail!("{}: no labelled rows to score", args.file.display());
    }
    Ok(loaded)
}

fn run_baseline(args: &EvalArgs, quiet: bool, stdout: &mut dyn Write) -> anyhow::Result<()> {
    let baseline = CueBaseline::new()?;
    let loaded = read_scored(args, quiet)?;
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
            e5: None,
            metrics: &metrics,
            intervals,
            confidence: None,
            groups: None,
            errors: Vec::new(),
        };
        writeln!(stdout, "{}", serde_json::to_string_pretty(&report)?)?;
    } else {
        writeln!(stdout, "cue-only baseline on {}", args.file.display())?;
        write!(stdout, "{}", metrics.report())?;
        write!(stdout, "{}", interval_lines(&intervals))?;
    }
    Ok(())
}
