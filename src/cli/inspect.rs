//! `stance inspect`: a model's metadata, settings and strongest features.

use super::io::ModelFile;
use crate::bundle::{DataFile, FORMAT_VERSION};
use crate::info::{info_json, top_features};
use crate::label::Stance;
use linfa::ParamGuard;
use std::io::Write;
use std::path::PathBuf;

/// Features listed per label without `--top`.
const DEFAULT_TOP: usize = 20;

/// Arguments of `stance inspect`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  stance inspect
  stance inspect my.model --top 30
  stance inspect --config > config.json     # reuse with `stance train --config config.json`")]
pub struct InspectArgs {
    /// Model file [default: $STANCE_MODEL, else models/stance.model]; with the feature e5, a
    /// fine-tuned e5 model file too.
    pub model: Option<PathBuf>,
    /// Strongest features to list per label [default: 20] (linear models only).
    #[arg(long)]
    pub top: Option<usize>,
    /// Print everything as JSON.
    #[arg(long, conflicts_with = "config")]
    pub json: bool,
    /// Print only the training configuration (JSON, accepted by `stance train --config`).
    #[arg(long)]
    pub config: bool,
}

/// Runs `stance inspect`, writing to `stdout`.
///
/// # Errors
/// An unreadable model, or a failed write.
pub fn run(args: &InspectArgs, stdout: &mut dyn Write) -> anyhow::Result<()> {
    let model = ModelFile::resolve(args.model.as_deref(), "name one: `stance inspect FILE`");
    #[cfg(feature = "e5")]
    if super::inspect_e5::is_e5_model(&model.path) {
        return super::inspect_e5::run(&model.path, args, stdout);
    }
    let bundle = model.load()?;
    let path = model.path;
    let p = &bundle.provenance;
    if args.config {
        writeln!(stdout, "{}", p.config.to_json())?;
        return Ok(());
    }
    let top_n = args.top.unwrap_or(DEFAULT_TOP);
    let top = top_features(&bundle, top_n);
    if args.json {
        let value = info_json(&bundle, &path.display().to_string(), top_n);
        writeln!(stdout, "{}", serde_json::to_string_pretty(&value)?)?;
        return Ok(());
    }
    writeln!(stdout, "model        {}", path.display())?;
    writeln!(
        stdout,
        "format       version {FORMAT_VERSION}, written by stance {}",
        p.crate_version
    )?;
    writeln!(stdout, "created      {}", p.created)?;
    let labels: Vec<String> = bundle
        .pipeline
        .model()
        .labels()
        .iter()
        .map(|l| l.to_string())
        .collect();
    writeln!(stdout, "labels       {}", labels.join(", "))?;
    let f = &p.config.features;
    let chars = if f.char_min == 0 {
        "off".to_string()
    } else {
        format!("{}-{}", f.char_min, f.char_max)
    };
    let cues = if f.cues {
        format!("v{}", f.cue_version)
    } else {
        "off".to_string()
    };
    writeln!(
        stdout,
        "features     2^{} buckets; words 1-{}; chars {chars}; cues {cues}; lead words {}; proclitics {}; clauses {}; punctuation {}; tf {}",
        f.hash_bits,
        f.word_ngrams,
        f.lead_words,
        on_off(f.proclitics),
        on_off(f.clauses),
        on_off(f.punctuation),
        if f.sublinear_tf { "sublinear" } else { "raw" }
    )?;
    writeln!(
        stdout,
        "normaliser   {}",
        serde_json::to_string(&f.normalizer)?
    )?;
    let u = &p.config.unlabelled;
    if p.data.iter().any(|d| d.role == "unlabelled") {
        writeln!(
            stdout,
            "unlabelled   idf {}; self-training rounds {} (threshold {}, weight {}, max ratio {})",
            on_off(u.idf),
            u.rounds,
            u.threshold,
            u.weight,
            u.max_ratio
        )?;
    }
    match p.config.model.check_ref() {
        Ok(m) => writeln!(
            stdout,
            "classifier   softmax regression; epochs {} lr {} schedule {} l2 {} class weight {} patience {} seed {} shards {}",
            m.epochs(), m.learning_rate(), m.schedule(), m.l2(), m.class_weight(), m.patience(), m.seed(), m.shards()
        )?,
        Err(e) => writeln!(
            stdout,
            "classifier   softmax regression; recorded settings out of range: {e}"
        )?,
    }
    write_data(stdout, &p.data, &p.label_counts)?;
    write!(
        stdout,
        "training     {} epochs run, kept epoch {}",
        p.fit.epochs_run, p.fit.best_epoch
    )?;
    match p.fit.dev {
        Some(d) => writeln!(
            stdout,
            "; dev macro-F1 {:.4} accuracy {:.4}",
            d.macro_f1, d.accuracy
        ),
        None => writeln!(stdout),
    }?;
    let c = bundle.pipeline.calibration();
    if c.is_fitted() {
        writeln!(
            stdout,
            "calibration  temperature {:.3} fitted on {} held-out rows (log-loss {:.4} -> {:.4})",
            c.temperature, c.fitted_on, c.nll_before, c.nll_after
        )?;
    } else {
        writeln!(stdout, "calibration  none (raw softmax probabilities)")?;
    }
    for (label, features) in &top {
        writeln!(stdout, "\ntop features for {label}:")?;
        for (name, weight) in features {
            writeln!(stdout, "  {weight:+.3}  {name}")?;
        }
    }
    Ok(())
}

/// The lines of a model's data files, with hashes, and its training rows per label.
pub(super) fn write_data(
    stdout: &mut dyn Write,
    data: &[DataFile],
    label_counts: &[(Stance, usize)],
) -> std::io::Result<()> {
    for d in data {
        writeln!(
            stdout,
            "data         {} {} ({} rows, {} bytes, {} skipped) sha256 {}",
            d.role, d.path, d.rows, d.bytes, d.skipped, d.sha256
        )?;
    }
    let counts: Vec<String> = label_counts
        .iter()
        .map(|(l, n)| format!("{l} {n}"))
        .collect();
    writeln!(stdout, "train labels {}", counts.join(", "))
}

fn on_off(flag: bool) -> &'static str {
    if flag {
        "on"
    } else {
        "off"
    }
}
