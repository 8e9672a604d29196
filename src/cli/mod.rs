//! Command-line interface: the verbs `train`, `eval`, `predict`, `article`, `cv`, `inspect` and
//! `suggest` (clap derive), and the plumbing they share (reading records, loading the model,
//! where outputs may go, progress bars, the one buffered standard output they all write to).

#[cfg(feature = "e5")]
pub mod allocator;
pub mod article;
pub mod cv;
pub mod decimal;
#[cfg(feature = "e5")]
pub mod e5_args;
pub mod eval;
pub mod inspect;
#[cfg(feature = "e5")]
pub mod inspect_e5;
pub mod io;
pub mod no_arabic;
pub mod predict;
pub mod settings;
pub mod shipped;
pub mod signals;
pub mod stdout;
pub mod suggest;
pub mod train;
#[cfg(feature = "e5")]
pub mod train_e5;
pub mod tsv;

use clap::{Parser, Subcommand};
use std::io::Write;

/// Where `train` writes and the other verbs read the model when `--model` is not given.
pub const DEFAULT_MODEL: &str = "models/stance.model";
/// Where `train-e5` writes when `--out` is not given: the shipped e5 model, which no other
/// output replaces either (built with or without the feature `e5`).
pub const DEFAULT_E5_MODEL: &str = "models/stance-e5.model";
/// The shipped training data: the written sentences, then the real ones (ids and labels only).
pub const DEFAULT_TRAIN: [&str; 2] = ["datasets/train.tsv", "datasets/real/train.tsv"];
/// The shipped dev data (early stopping), written and real.
pub const DEFAULT_DEV: [&str; 2] = ["datasets/dev.tsv", "datasets/real/dev.tsv"];
/// What the shipped model's probabilities are calibrated on: held-out real news.
pub const DEFAULT_CALIBRATION: &str = "datasets/real/dev.tsv";
/// The folder of the project's real sentences read so far, as files of ids (the labelled
/// splits, each round's choice, the adjudications), which `stance suggest` skips.
pub const DEFAULT_REAL_IDS: &str = "datasets/real";

/// Train, evaluate and run stance classifiers for Arabic news sentences: each sentence is
/// labelled assertion, denial or allegation.
#[derive(Debug, Parser)]
#[command(name = "stance", version, about, long_about = None, after_help = "\
Examples:
  stance train                                  # train the shipped model from datasets/
  stance eval datasets/test.tsv                 # score it on held-out sentences
  stance predict \"نفت الوزارة صحة هذه الأنباء\"     # label a sentence
  stance inspect --top 10                       # what the model learned

Files written (--out, --html, --save-config, ...) replace no input of the run, no device or FIFO
and not models/stance.model (only the reproduce command, `stance train` on the shipped files,
left out or written out, with default settings, or --force, does), nor models/stance-e5.model
(likewise `stance train-e5` of the e5 build). A closed standard output (`| head`) ends a verb
quietly with exit 0.")]
pub struct Cli {
    /// Print nothing but results: no progress, no summaries on stderr.
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// The verb.
    #[command(subcommand)]
    pub command: Command,
}

/// The verbs.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Train a model on labelled sentences and save it.
    Train(train::TrainArgs),
    /// Score a model on a labelled file: accuracy, per-label P/R/F1, macro-F1, confusions.
    Eval(eval::EvalArgs),
    /// Label sentences given as arguments, in a file or on standard input.
    Predict(predict::PredictArgs),
    /// Label every sentence of whole articles, with the words that decided; text, JSONL or HTML.
    Article(article::ArticleArgs),
    /// Cross-validate a configuration or a grid of them (model selection).
    Cv(cv::CvArgs),
    /// Show a model's metadata, settings and strongest features.
    Inspect(inspect::InspectArgs),
    /// Pick the unlabelled sentences most worth labelling next (active learning).
    Suggest(suggest::SuggestArgs),
    /// Fine-tune the pretrained multilingual-e5-small and save the slower second model that
    /// `predict`, `eval` and `article` average with the linear one when given `--e5`.
    #[cfg(feature = "e5")]
    TrainE5(train_e5::TrainE5Args),
}

/// Runs a parsed command line: every verb writes its results to one buffered standard output,
/// flushed at the end, and a terminating signal removes the temporary file of a save in
/// progress.
///
/// # Errors
/// Any failure of the verb, with context naming the step and the file; a failed write to
/// standard output says "writing to standard output" (a closed pipe among them: see
/// [`is_broken_pipe`]).
pub fn run(cli: Cli) -> anyhow::Result<()> {
    signals::clean_up_saves_on_signals()?;
    let mut out = stdout::Stdout::new();
    let quiet = cli.quiet;
    match &cli.command {
        Command::Train(args) => train::run(args, quiet, &mut out),
        Command::Eval(args) => eval::run(args, quiet, &mut out),
        Command::Predict(args) => predict::run(args, quiet, &mut out),
        Command::Cv(args) => cv::run(args, quiet, &mut out),
        Command::Article(args) => article::run(args, quiet, &mut out),
        Command::Inspect(args) => inspect::run(args, &mut out),
        Command::Suggest(args) => suggest::run(args, quiet, &mut out),
        #[cfg(feature = "e5")]
        Command::TrainE5(args) => train_e5::run(args, quiet, &mut out),
    }?;
    out.flush()?;
    Ok(())
}

/// A usage error found after parsing, by a check that needs more than one value (flags out of
/// range together, a flag that needs another): made by clap with `verb`'s usage line, so it
/// reads as clap's own and exits with 2, as the README's exit codes say (see `main`).
pub fn usage_error(verb: &str, message: impl std::fmt::Display) -> anyhow::Error {
    let kind = clap::error::ErrorKind::ArgumentConflict;
    let mut cli = <Cli as clap::CommandFactory>::command();
    cli.build();
    let error = match cli.find_subcommand_mut(verb) {
        Some(command) => command.error(kind, message),
        None => cli.error(kind, message),
    };
    error.into()
}

/// True when the error comes from writing to a closed pipe (`stance predict ... | head`).
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    let broken = Some(std::io::ErrorKind::BrokenPipe);
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .map(std::io::Error::kind)
            == broken
            || cause
                .downcast_ref::<crate::Error>()
                .and_then(crate::Error::io_kind)
                == broken
    })
}
