//! `stance train`: read labelled data, fit the pipeline, report, save the model atomically.

use super::io::{
    progress_bar, read_labelled, read_unlabelled, report_skipped, stream_labelled, InputArgs,
};
use super::settings::ConfigArgs;
use super::shipped::{are_the_shipped_files, is_the_shipped_text, names_a_shipped};
use super::{DEFAULT_CALIBRATION, DEFAULT_DEV, DEFAULT_MODEL, DEFAULT_TRAIN};
use crate::bundle::{Bundle, DataFile, Provenance};
use crate::config::TrainConfig;
use crate::data::Record;
use crate::io::Outputs;
use crate::model::EpochReport;
use crate::trainer::{self, TrainData};
use anyhow::Context;
use linfa::ParamGuard;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Arguments of `stance train`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  stance train                                        # the shipped model: written + real data, early stop on both dev files
  stance train my.tsv --dev my-dev.tsv --out my.model
  stance train datasets/real/train.tsv --text-from ../shared/realnews/pool.tsv --out real.model
  stance train data.jsonl --epochs 40 --l2 1e-6 --char-ngrams 3-5 --seed 7 --out my.model
  stance train --config best.json --save-config used.json --out best.model

Only `stance train` with the shipped data and default settings (the reproduce command) replaces
models/stance.model; any other training needs --out FILE, or --force to replace it anyway.
No output replaces an input of the run, a device, a FIFO or a folder; a symbolic link is
followed (the file it points to is replaced).")]
pub struct TrainArgs {
    /// Labelled training files, read in order as one [default: datasets/train.tsv and
    /// datasets/real/train.tsv].
    pub train: Vec<PathBuf>,
    /// Labelled dev file for early stopping (the epoch of lowest dev loss is kept) and dev
    /// metrics; repeat for several [default:
    /// datasets/dev.tsv and datasets/real/dev.tsv when TRAIN is omitted, none otherwise].
    #[arg(long)]
    pub dev: Vec<PathBuf>,
    /// Train without a dev file even when TRAIN is omitted (and so, unless --calibrate-on is
    /// given, fit no calibration).
    #[arg(long, conflicts_with = "dev")]
    pub no_dev: bool,
    /// Labelled held-out file the probability calibration (temperature scaling) is fitted
    /// on; repeat for several [default: datasets/real/dev.tsv when TRAIN and --dev are omitted,
    /// so that confidences match real news; else every --dev file, none with --no-dev].
    #[arg(long, conflicts_with = "no_calibration")]
    pub calibrate_on: Vec<PathBuf>,
    /// Keep the softmax's raw probabilities: fit no calibration.
    #[arg(long)]
    pub no_calibration: bool,
    /// Where to write the model [default: models/stance.model].
    #[arg(long, short)]
    pub out: Option<PathBuf>,
    /// Replace models/stance.model even when this is not the reproduce command (TRAIN files,
    /// other dev or calibration files, or other settings than the shipped ones).
    #[arg(long)]
    pub force: bool,
    /// Unlabelled in-domain sentences (one per line, or TSV/CSV/JSONL with a text column):
    /// they join the IDF fit, and feed self-training when --self-train-rounds is above 0.
    #[arg(long)]
    pub unlabelled: Option<PathBuf>,
    /// Also write the configuration actually used to this JSON file.
    #[arg(long)]
    pub save_config: Option<PathBuf>,
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub config: ConfigArgs,
}

/// Runs `stance train`, writing its summary to `stdout`.
///
/// # Errors
/// Bad data, bad settings, an output that may not be written (checked before training), or a
/// model that cannot be written.
pub fn run(args: &TrainArgs, quiet: bool, stdout: &mut dyn Write) -> anyhow::Result<()> {
    let started = Instant::now();
    let defaults = args.train.is_empty();
    let train_paths: Vec<PathBuf> = if defaults {
        DEFAULT_TRAIN.iter().map(PathBuf::from).collect()
    } else {
        args.train.clone()
    };
    let dev_paths: Vec<PathBuf> = if !args.dev.is_empty() {
        args.dev.clone()
    } else if defaults && !args.no_dev {
        DEFAULT_DEV.iter().map(PathBuf::from).collect()
    } else {
        Vec::new()
    };
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from(DEFAULT_MODEL));
    let config = args.config.resolve("train")?;
    trainer::check_self_training(&config.unlabelled, args.unlabelled.is_some()).map_err(|e| {
        args.config.setting_error(
            "train",
            "self-train-rounds",
            format!("{e}; give them with --unlabelled FILE, or set --self-train-rounds 0"),
        )
    })?;
    let params = config.model.check()?;
    let calibration_paths: Vec<PathBuf> = if args.no_calibration {
        Vec::new()
    } else if !args.calibrate_on.is_empty() {
        args.calibrate_on.clone()
    } else if defaults && args.dev.is_empty() && !args.no_dev {
        vec![PathBuf::from(DEFAULT_CALIBRATION)]
    } else {
        dev_paths.clone()
    };
    let mut outputs = Outputs::new();
    outputs
        .inputs(&train_paths)
        .inputs(&dev_paths)
        .inputs(&calibration_paths)
        .inputs(&args.unlabelled)
        .inputs(&args.config.config)
        .input(&args.input.text_from_path());
    let inputs = RunInputs {
        train: &train_paths,
        dev: &dev_paths,
        calibration: &calibration_paths,
    };
    let hint = if args.out.is_none() {
        "it is the shipped model, and only `stance train` with the shipped data and default \
         settings (the reproduce command) replaces it; pass --out FILE to write elsewhere, or \
         --force to replace it"
    } else {
        super::io::SHIPPED_MODEL_KEPT
    };
    super::io::protect_shipped_models(&mut outputs, hint);
    // The model, and only it, may replace the shipped linear model (never the e5 one): with
    // --force, or as the reproduce command writing the working folder's own.
    let reproduces = || {
        is_reproduce_command(args, &inputs, &config)
            && (args.out.is_none() || crate::io::same_file(&out, Path::new(DEFAULT_MODEL)))
    };
    if (args.force || reproduces()) && !names_a_shipped(&out, super::DEFAULT_E5_MODEL) {
        outputs.allow_over_protected(&out);
    }
    outputs.check_all(std::iter::once(&out).chain(&args.save_config))?;

    let (dev_records, dev_files) = read_role(&dev_paths, "dev", &args.input, quiet)?;
    let dev = (!dev_paths.is_empty()).then_some(dev_records.as_slice());

    // with `--epochs auto` the count is known once the training rows are read; each epoch's
    // report carries it (and the last one is what the summary names)
    let max_epochs = std::cell::Cell::new(params.epochs_for(0));
    let bar = progress_bar(
        Some(max_epochs.get() as u64),
        quiet,
        "{spinner} epoch {pos}/{len} [{bar:30}] {msg}",
    );
    let mut on_epoch = |r: &EpochReport| {
        let dev = r.dev.map_or(String::new(), |d| {
            format!(
                "  dev macro-F1 {:.4}  dev loss {:.4}{}",
                d.macro_f1,
                d.loss,
                if r.best { " *" } else { "" }
            )
        });
        max_epochs.set(r.max_epochs);
        bar.set_length(r.max_epochs as u64);
        bar.set_position(r.epoch as u64);
        bar.println(format!(
            "epoch {:>3}/{}  train loss {:.4}{dev}",
            r.epoch, r.max_epochs, r.train_loss
        ));
    };
    let unlabelled = args
        .unlabelled
        .as_ref()
        .map(|p| {
            read_unlabelled(p, &args.input, quiet)
                .with_context(|| format!("reading unlabelled data {}", p.display()))
        })
        .transpose()?;
    let skipped: Vec<std::cell::Cell<usize>> =
        train_paths.iter().map(|_| Default::default()).collect();
    let mut streams: Vec<Box<dyn Iterator<Item = crate::Result<Record>> + '_>> = Vec::new();
    for (path, skipped) in train_paths.iter().zip(&skipped) {
        let rows = stream_labelled(path, &args.input, quiet, skipped)
            .with_context(|| format!("reading training data {}", path.display()))?;
        streams.push(Box::new(rows));
    }
    let names = train_paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(" + ");
    let trained = trainer::train(
        &config,
        TrainData {
            train: Box::new(streams.into_iter().flatten()),
            dev,
            unlabelled: unlabelled.as_ref().map(|u| u.records.as_slice()),
        },
        &mut on_epoch,
    )
    .with_context(|| format!("training on {names}"))?;
    bar.finish_and_clear();
    for (path, skipped) in train_paths.iter().zip(&skipped) {
        report_skipped(path, skipped.get(), quiet);
    }
    let train_rows: usize = trained.label_counts.iter().map(|(_, n)| n).sum();

    let mut data = Vec::new();
    for (path, skipped) in train_paths.iter().zip(&skipped) {
        let rows = trained
            .rows_per_input
            .iter()
            .filter(|(from, _)| from == path)
            .map(|(_, n)| n)
            .sum();
        data.push(data_file("train", path, rows, skipped.get())?);
    }
    data.extend(dev_files);
    if let Some((path, texts)) = args.input.text_source_used() {
        data.push(data_file("text", path, texts, 0)?);
    }
    if let (Some(path), Some(u)) = (&args.unlabelled, &unlabelled) {
        data.push(data_file("unlabelled", path, u.records.len(), u.skipped)?);
    }
    let mut pipeline = trained.pipeline;
    let (calibration_records, calibration_files) =
        read_role(&calibration_paths, "calibration", &args.input, quiet)?;
    data.extend(calibration_files);
    if !calibration_records.is_empty() {
        let calibration = crate::trainer::calibrate(&pipeline, &calibration_records)
            .context("fitting the calibration")?;
        pipeline = pipeline.with_calibration(calibration)?;
    }
    let bundle = Bundle {
        pipeline,
        top_features: trained.top_features,
        provenance: Provenance {
            crate_version: env!("CARGO_PKG_VERSION").to_string(),
            created: crate::bundle::created_date()?,
            config,
            data,
            label_counts: trained.label_counts.clone(),
            fit: trained.summary,
        },
    };
    if let Some(path) = &args.save_config {
        outputs
            .write(path, config.to_json().as_bytes())
            .with_context(|| format!("saving config {}", path.display()))?;
    }
    outputs
        .write(&out, &bundle.to_bytes()?)
        .with_context(|| format!("saving model {}", out.display()))?;

    let counts = bundle
        .provenance
        .label_counts
        .iter()
        .map(|(l, n)| format!("{l} {n}"))
        .collect::<Vec<_>>()
        .join(", ");
    writeln!(stdout, "trained on {names}: {train_rows} rows ({counts})")?;
    for r in &trained.rounds {
        writeln!(
            stdout,
            "self-training round {}: added assertion {}, denial {}, allegation {}{}",
            r.round,
            r.added[0],
            r.added[1],
            r.added[2],
            r.dev.map_or(String::new(), |d| format!(
                "; dev macro-F1 {:.4}",
                d.macro_f1
            ))
        )?;
    }
    let fit = &bundle.provenance.fit;
    writeln!(
        stdout,
        "epochs run {} of {}, kept epoch {}{}",
        fit.epochs_run,
        max_epochs.get(),
        fit.best_epoch,
        if fit.stopped_early {
            " (stopped early)"
        } else {
            ""
        }
    )?;
    if let Some(d) = fit.dev {
        let dev_names = dev_paths
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(" + ");
        writeln!(
            stdout,
            "dev {dev_names}: macro-F1 {:.4}  accuracy {:.4}  loss {:.4}",
            d.macro_f1, d.accuracy, d.loss
        )?;
    }
    let calibration = bundle.pipeline.calibration();
    if calibration.is_fitted() {
        writeln!(
            stdout,
            "calibration on {}: temperature {:.3} fitted on {} rows (log-loss {:.4} -> {:.4})",
            calibration_paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(" + "),
            calibration.temperature,
            calibration.fitted_on,
            calibration.nll_before,
            calibration.nll_after
        )?;
    }
    let size = std::fs::metadata(&out).map(|m| m.len()).unwrap_or(0);
    writeln!(
        stdout,
        "model written to {} ({:.1} MB) in {:.1} s",
        out.display(),
        size as f64 / 1e6,
        started.elapsed().as_secs_f64()
    )?;
    Ok(())
}

/// The labelled files one training run reads, in each role, after defaults are applied.
struct RunInputs<'a> {
    train: &'a [PathBuf],
    dev: &'a [PathBuf],
    calibration: &'a [PathBuf],
}

/// True for the command that reproduces the shipped model: the shipped training, dev and
/// calibration files (however they are spelled: `stance train` alone, or with them written
/// out), the shipped text ([`is_the_shipped_text`]), no unlabelled data, formats read from
/// the extensions, no skipped rows and the default settings (from flags or a config file).
/// Only it, or `--force`, may replace models/stance.model.
fn is_reproduce_command(args: &TrainArgs, inputs: &RunInputs, config: &TrainConfig) -> bool {
    are_the_shipped_files(inputs.train, &DEFAULT_TRAIN)
        && are_the_shipped_files(inputs.dev, &DEFAULT_DEV)
        && are_the_shipped_files(inputs.calibration, &[DEFAULT_CALIBRATION])
        && args.unlabelled.is_none()
        && args.input.format.is_none()
        && !args.input.skip_bad_rows
        && *config == TrainConfig::default()
        && is_the_shipped_text(
            &args.input,
            Bundle::load(Path::new(DEFAULT_MODEL))
                .ok()
                .as_ref()
                .map(|b| b.provenance.data.as_slice()),
        )
}

/// Reads the labelled files that play one `role` (dev, calibration) as one list of records,
/// with their provenance entries.
pub(super) fn read_role(
    paths: &[PathBuf],
    role: &str,
    input: &InputArgs,
    quiet: bool,
) -> anyhow::Result<(Vec<Record>, Vec<DataFile>)> {
    let mut records = Vec::new();
    let mut files = Vec::new();
    for path in paths {
        let loaded = read_labelled(path, input, quiet)
            .with_context(|| format!("reading {role} data {}", path.display()))?;
        files.push(data_file(role, path, loaded.records.len(), loaded.skipped)?);
        records.extend(loaded.records);
    }
    Ok((records, files))
}

/// Describes a data file for the model's provenance (see [`DataFile::of_file`]).
pub(super) fn data_file(
    role: &str,
    path: &Path,
    rows: usize,
    skipped: usize,
) -> anyhow::Result<DataFile> {
    DataFile::of_file(role, path, rows, skipped)
        .with_context(|| format!("hashing {}", path.display()))
}
