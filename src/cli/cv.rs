//! `stance cv`: stratified k-fold or leave-one-outlet-out cross-validation of one configuration
//! or of a grid, optionally with extra rows that join every fold's training data.

use super::io::{outputs_reading, read_labelled, InputArgs};
use super::settings::ConfigArgs;
use crate::cv::{cross_validate, expand, outlet_of, CvReport, FoldPlan, GridAxis};
use crate::data::Record;
use crate::label::Stance;
use crate::settings::{Kind, SETTINGS};
use crate::trainer::{check_self_training, labels_of};
use anyhow::Context;
use std::fmt::Write as _;
use std::io::Write;
use std::path::PathBuf;

/// Arguments of `stance cv`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  stance cv                                           # real labelled sentences, 5 folds
  stance cv datasets/real/train.tsv --with datasets/train.tsv --by-outlet
  stance cv datasets/train.tsv --folds 10 --fold-seed 7 --json
  stance cv datasets/train.tsv --grid l2=1e-6,1e-5,1e-4 --grid char-ngrams=0,2-5,3-5 --save-config best.json
  stance train --config best.json --out best.model")]
pub struct CvArgs {
    /// Labelled file to cross-validate on [default: datasets/real/train.tsv].
    pub file: Option<PathBuf>,
    /// Labelled rows added to every fold's training data and never scored (repeatable), such
    /// as the written sentences when the folds are real ones.
    #[arg(long, value_name = "FILE")]
    pub with: Vec<PathBuf>,
    /// Hold out one outlet per fold (the id's part before its last `-`) instead of stratified
    /// folds, and report each outlet.
    #[arg(long)]
    pub by_outlet: bool,
    /// Number of folds: at least 2, and at most the rows of the rarest label.
    #[arg(long, default_value_t = 5, value_parser = parse_folds)]
    pub folds: usize,
    /// Seed of the fold assignment.
    #[arg(long, default_value_t = 13)]
    pub fold_seed: u64,
    /// Grid axis KEY=V1,V2,... (repeatable); KEY is any setting below (see grid_help).
    #[arg(long, value_name = "KEY=V1,V2", help = grid_help())]
    pub grid: Vec<GridAxis>,
    /// Write the best configuration to this JSON file (for `stance train --config`).
    #[arg(long)]
    pub save_config: Option<PathBuf>,
    /// Print the results as JSON.
    #[arg(long)]
    pub json: bool,
    /// Write each row's out-of-fold prediction (by the best point) to this TSV file: id, line,
    /// gold, predicted, confidence, fold, then each label's probability (p_assertion, ...); for
    /// finding labels worth a second reading, or combining with another model's predictions.
    #[arg(long, value_name = "FILE")]
    pub predictions: Option<PathBuf>,
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub config: ConfigArgs,
}

/// The help of `--grid`, listing the keys from the table of settings.
fn grid_help() -> String {
    let mut values = Vec::new();
    let mut switches = Vec::new();
    for setting in &SETTINGS {
        match setting.kind {
            Kind::Value { .. } => values.push(setting.name.to_string()),
            Kind::Switch { flag, .. } => switches.push(format!("{} (--{flag})", setting.name)),
        }
    }
    format!(
        "Grid axis KEY=V1,V2,... (repeatable): any setting below by its flag name ({}), or an \
         on/off setting with true,false: {}",
        values.join(", "),
        switches.join(", ")
    )
}

/// A fold count: at least 2, since each fold is scored by a model trained on the others.
fn parse_folds(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(k) if k >= 2 => Ok(k),
        _ => Err(format!(
            "expected a whole number of at least 2, found {text:?}"
        )),
    }
}

/// Runs `stance cv`, writing the results to `stdout`.
///
/// # Errors
/// Bad data, bad settings, training failures, or an output that may not be written (checked
/// before any training).
pub fn run(args: &CvArgs, quiet: bool, stdout: &mut dyn Write) -> anyhow::Result<()> {
    let file = args
        .file
        .clone()
        .unwrap_or_else(|| PathBuf::from(super::DEFAULT_TRAIN[1]));
    let mut outputs = outputs_reading([&file, &args.input.text_from_path()]);
    outputs.inputs(&args.with).inputs(&args.config.config);
    outputs.check_all(args.save_config.iter().chain(&args.predictions))?;
    let base = args.config.resolve("cv")?;
    let records = read_labelled(&file, &args.input, quiet)
        .with_context(|| format!("reading {}", file.display()))?
        .records;
    if records.is_empty() {
        anyhow::bail!("{}: no labelled rows to cross-validate", file.display());
    }
    let mut extra: Vec<Record> = Vec::new();
    for path in &args.with {
        let loaded = read_labelled(path, &args.input, quiet)
            .with_context(|| format!("reading {}", path.display()))?;
        extra.extend(loaded.records);
    }
    let plan = if args.by_outlet {
        let groups = records
            .iter()
            .map(|r| {
                r.id.as_deref()
                    .map(|id| outlet_of(id).to_string())
                    .ok_or_else(|| {
                        anyhow::anyhow!(
                            "{}:{}: --by-outlet needs an id on every row",
                            r.origin.path.display(),
                            r.origin.line
                        )
                    })
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        FoldPlan::by_group(&groups)?
    } else {
        FoldPlan::stratified(&labels_of(&records)?, args.folds, args.fold_seed)?
    };
    let points = expand(&base, &args.grid).map_err(|err| super::usage_error("cv", err))?;
    for (name, config) in &points {
        check_self_training(&config.unlabelled, false).map_err(|e| {
            let message = format!("{e}, as cv takes none; set it to 0");
            if name.is_empty() {
                args.config
                    .setting_error("cv", "self-train-rounds", message)
            } else {
                super::usage_error("cv", format!("{message} (grid point {name})"))
            }
        })?;
    }
    let bar = super::io::progress_bar(
        Some(points.len() as u64),
        quiet,
        "{spinner} grid point {pos}/{len} [{bar:30}] {msg}",
    );
    let mut results: Vec<(String, CvReport)> = Vec::new();
    for (name, config) in points {
        let report = cross_validate(&config, &records, &extra, &plan)?;
        bar.inc(1);
        bar.println(format!(
            "{:<40} macro-F1 {:.4} ± {:.4}  pooled {:.4}",
            if name.is_empty() { "(base)" } else { &name },
            report.macro_f1.mean,
            report.macro_f1.std,
            report.pooled.macro_f1
        ));
        results.push((name, report));
    }
    bar.finish_and_clear();
    let best = results
        .iter()
        .enumerate()
        .max_by(|a, b| {
            a.1 .1
                .macro_f1
                .mean
                .total_cmp(&b.1 .1.macro_f1.mean)
                .then(b.0.cmp(&a.0))
        })
        .map(|(i, _)| i)
        .expect("a grid has at least one point");
    if let Some(path) = &args.save_config {
        outputs
            .write(path, results[best].1.config.to_json().as_bytes())
            .with_context(|| format!("saving config {}", path.display()))?;
    }
    if let Some(path) = &args.predictions {
        let mut out = String::from("id\tline\tgold\tpredicted\tconfidence\tfold");
        for label in Stance::ALL {
            let _ = write!(out, "\tp_{label}");
        }
        out.push('\n');
        let rows = records.iter().zip(&plan.fold_of);
        for ((r, fold), p) in rows.zip(&results[best].1.predictions) {
            if let (Some(p), Some(gold)) = (p, r.label) {
                let _ = write!(
                    out,
                    "{}\t{}\t{gold}\t{}\t{:.4}\t{}",
                    super::tsv::field(r.id.as_deref().unwrap_or_default()),
                    r.origin.line,
                    p.label,
                    p.confidence(),
                    super::tsv::field(&plan.names[*fold]),
                );
                // By label, not by position: the model's label order is its own.
                for label in Stance::ALL {
                    let (_, probability) = p
                        .probabilities
                        .iter()
                        .find(|(l, _)| *l == label)
                        .expect("a prediction has every label's probability");
                    let _ = write!(out, "\t{probability:.4}");
                }
                out.push('\n');
            }
        }
        outputs
            .write(path, out.as_bytes())
            .with_context(|| format!("writing {}", path.display()))?;
    }
    if args.json {
        let value: Vec<serde_json::Value> = results
            .iter()
            .enumerate()
            .map(
                |(i, (name, r))| serde_json::json!({"point": name, "best": i == best, "report": r}),
            )
            .collect();
        writeln!(stdout, "{}", serde_json::to_string_pretty(&value)?)?;
        return Ok(());
    }
    let with = if extra.is_empty() {
        String::new()
    } else {
        format!(
            ", training folds also take {} rows of {}",
            extra.len(),
            args.with
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(" + ")
        )
    };
    let kind = if args.by_outlet {
        format!("leave-one-outlet-out ({} outlets)", plan.len())
    } else {
        format!("{}-fold", plan.len())
    };
    writeln!(
        stdout,
        "{kind} cross-validation on {} ({} rows{with})",
        file.display(),
        records.len()
    )?;
    writeln!(
        stdout,
        "{:<40} {:>17} {:>17} {:>9} {:>9} {:>9} {:>9}",
        "point", "macro-F1", "accuracy", "pooled", "F1 asr", "F1 den", "F1 all"
    )?;
    for (i, (name, r)) in results.iter().enumerate() {
        let label = if name.is_empty() {
            "(base)".to_string()
        } else {
            name.clone()
        };
        let f1 = |k: usize| r.per_label_f1[k].1.mean;
        writeln!(
            stdout,
            "{:<40} {:.4} ± {:.4}   {:.4} ± {:.4}   {:>9.4} {:>9.4} {:>9.4} {:>9.4}{}",
            label,
            r.macro_f1.mean,
            r.macro_f1.std,
            r.accuracy.mean,
            r.accuracy.std,
            r.pooled.macro_f1,
            f1(0),
            f1(1),
            f1(2),
            if i == best && results.len() > 1 {
                "  <- best"
            } else {
                ""
            }
        )?;
    }
    if args.by_outlet {
        let r = &results[best].1;
        writeln!(stdout)?;
        writeln!(
            stdout,
            "{:<24} {:>6} {:>9} {:>9} {:>9} {:>9} {:>9}",
            "held-out outlet", "rows", "accuracy", "macro-F1", "F1 asr", "F1 den", "F1 all"
        )?;
        for (name, m) in r.fold_names.iter().zip(&r.folds) {
            let f1 = |l: Stance| m.per_label[l.index()].f1;
            writeln!(
                stdout,
                "{:<24} {:>6} {:>9.4} {:>9.4} {:>9.4} {:>9.4} {:>9.4}",
                name,
                m.rows,
                m.accuracy,
                m.macro_f1,
                f1(Stance::Assertion),
                f1(Stance::Denial),
                f1(Stance::Allegation)
            )?;
        }
    }
    if let Some(path) = &args.save_config {
        writeln!(stdout, "best configuration written to {}", path.display())?;
    }
    Ok(())
}
