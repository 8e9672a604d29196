//! Plumbing shared by the verbs: reading records (with `--skip-bad-rows`), loading the model,
//! where outputs may go, progress bars that show on a terminal only.

use crate::bundle::Bundle;
use crate::data::{Format, LabelPolicy, Record, RecordReader, TextSource};
use crate::error::Error;
use crate::io::Outputs;
use anyhow::Context;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

/// Input options shared by the verbs that read records.
#[derive(Debug, Clone, clap::Args)]
pub struct InputArgs {
    /// Input format; by default chosen from the file extension (.tsv .csv .jsonl .ft).
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Warn about bad rows and go on, instead of stopping at the first one [default: stop].
    #[arg(long)]
    pub skip_bad_rows: bool,
    /// Where files of ids and labels only (such as datasets/real/*.tsv) take their text from,
    /// by id [default: ../shared/realnews/pool.tsv].
    #[arg(long, value_name = "FILE")]
    pub text_from: Option<PathBuf>,
    /// The text source, read once however many files need it.
    #[arg(skip)]
    texts: OnceLock<Arc<TextSource>>,
}

impl InputArgs {
    /// The format for `path`: `--format`, else the extension, else `fallback`.
    pub fn format_for(&self, path: &Path, fallback: Format) -> Format {
        self.format
            .unwrap_or_else(|| Format::from_path(path, fallback))
    }

    /// Where id-only rows take their text from: `--text-from`, else the default pool.
    pub fn text_from_path(&self) -> PathBuf {
        self.text_from
            .clone()
            .unwrap_or_else(|| PathBuf::from(crate::data::DEFAULT_TEXT_FROM))
    }

    /// The text file id-only rows were joined from, and how many texts it held, if any file
    /// needed it.
    pub fn text_source_used(&self) -> Option<(&Path, usize)> {
        let source = self.texts.get()?;
        Some((source.path(), source.loaded_len()?))
    }

    /// Opens `path` for reading records, id-only files taking their text from `--text-from`.
    ///
    /// # Errors
    /// An input that cannot be opened, or a format that cannot hold `labels`.
    pub fn open(
        &self,
        path: &Path,
        format: Format,
        labels: LabelPolicy,
    ) -> crate::Result<RecordReader> {
        let texts = self
            .texts
            .get_or_init(|| Arc::new(TextSource::new(self.text_from_path())));
        Ok(RecordReader::open(path, format, labels)?.join_texts(Arc::clone(texts)))
    }
}

/// Records read from one file, and how many bad rows were skipped.
pub struct Loaded {
    /// The good records.
    pub records: Vec<Record>,
    /// Bad rows skipped.
    pub skipped: usize,
}

/// Reads every labelled record of `path`; bad rows fail, or are skipped with a warning and
/// counted when `--skip-bad-rows` is given.
///
/// # Errors
/// The first bad row (without `--skip-bad-rows`), or an I/O error, naming the file.
pub fn read_labelled(path: &Path, input: &InputArgs, quiet: bool) -> anyhow::Result<Loaded> {
    let format = input.format_for(path, Format::Tsv);
    read_all(
        input.open(path, format, LabelPolicy::Required)?,
        input,
        quiet,
    )
}

/// Reads every record of `path` as unlabelled text (labels, if any, are dropped); plain text
/// files hold one sentence per line.
///
/// # Errors
/// The first bad row (without `--skip-bad-rows`), or an I/O error, naming the file.
pub fn read_unlabelled(path: &Path, input: &InputArgs, quiet: bool) -> anyhow::Result<Loaded> {
    let reader = open_unlabelled(path, input)?;
    read_all(reader, input, quiet).map(without_labels)
}

/// Reads a pool of unlabelled sentences as [`read_unlabelled`] does, each id naming one
/// sentence: a row repeating an earlier row's id is a bad row, as in a labelled file.
///
/// # Errors
/// The first bad row (without `--skip-bad-rows`), or an I/O error, naming the file.
pub fn read_pool(path: &Path, input: &InputArgs, quiet: bool) -> anyhow::Result<Loaded> {
    let reader = open_unlabelled(path, input)?.refuse_repeated_ids();
    read_all(reader, input, quiet).map(without_labels)
}

fn open_unlabelled(path: &Path, input: &InputArgs) -> crate::Result<RecordReader> {
    let format = input.format_for(path, Format::Text);
    input.open(path, format, LabelPolicy::Optional)
}

fn without_labels(mut loaded: Loaded) -> Loaded {
    for record in &mut loaded.records {
        record.label = None;
    }
    loaded
}

fn read_all(reader: RecordReader, input: &InputArgs, quiet: bool) -> anyhow::Result<Loaded> {
    let path = reader.path().to_path_buf();
    let mut records = Vec::new();
    let mut skipped = 0;
    for item in reader {
        match item {
            Ok(record) => records.push(record),
            Err(err) => skip_or_fail(err, input.skip_bad_rows, quiet, &mut skipped)?,
        }
    }
    report_skipped(&path, skipped, quiet);
    Ok(Loaded { records, skipped })
}

/// Streams the labelled records of `path`, skipping bad rows (with a warning, counted in
/// `skipped`) when `--skip-bad-rows` is given, so training never holds the whole file.
///
/// # Errors
/// An input that cannot be opened.
pub fn stream_labelled<'a>(
    path: &Path,
    input: &InputArgs,
    quiet: bool,
    skipped: &'a std::cell::Cell<usize>,
) -> anyhow::Result<impl Iterator<Item = crate::Result<Record>> + 'a> {
    let reader = input.open(
        path,
        input.format_for(path, Format::Tsv),
        LabelPolicy::Required,
    )?;
    let skip = input.skip_bad_rows;
    Ok(reader.filter(move |item| match item {
        Err(err) if skip && err.is_row_error() => {
            skipped.set(skipped.get() + 1);
            warn_skipped(err, skipped.get(), quiet);
            false
        }
        _ => true,
    }))
}

/// Handles one bad row: fails, or warns and counts it when skipping is on. I/O errors always fail.
///
/// # Errors
/// `err` itself when it cannot be skipped.
pub fn skip_or_fail(
    err: Error,
    skip: bool,
    quiet: bool,
    skipped: &mut usize,
) -> anyhow::Result<()> {
    if skip && err.is_row_error() {
        *skipped += 1;
        warn_skipped(&err, *skipped, quiet);
        Ok(())
    } else {
        Err(err.into())
    }
}

/// Bad rows of one file that are each named in a warning; the rest are only counted, so a
/// garbage file does not bury the terminal in thousands of lines.
pub const SHOWN_BAD_ROWS: usize = 10;

/// Warns about the `nth` skipped row of a file, up to [`SHOWN_BAD_ROWS`] of them.
fn warn_skipped(err: &Error, nth: usize, quiet: bool) {
    if quiet {
        return;
    }
    if nth <= SHOWN_BAD_ROWS {
        eprintln!("warning: skipped bad row: {err}");
    } else if nth == SHOWN_BAD_ROWS + 1 {
        eprintln!("warning: more bad rows are skipped without a warning each; their count follows");
    }
}

/// Prints the count of skipped rows at the end of a file.
pub fn report_skipped(path: &Path, skipped: usize, quiet: bool) {
    if skipped > 0 && !quiet {
        let rows = if skipped == 1 { "row" } else { "rows" };
        eprintln!(
            "warning: skipped {skipped} bad {rows} in {}",
            path.display()
        );
    }
}

/// Why no output replaces the shipped model, shown when one would.
pub const SHIPPED_MODEL_KEPT: &str = "it is the shipped model; only `stance train` with the \
     shipped data and default settings (the reproduce command) replaces it, or `stance train \
     --force`; give another output path";

/// Why no output replaces the shipped e5 model, shown when one would.
pub const SHIPPED_E5_MODEL_KEPT: &str = "it is the shipped e5 model; only `stance train-e5` \
     with the shipped data and default settings (the reproduce command) replaces it, or \
     `stance train-e5 --force`; give another output path";

/// The guard of a run's outputs: none may replace one of `inputs` (files the run reads) or the
/// shipped models ([`protect_shipped_models`]).
pub fn outputs_reading<'a>(inputs: impl IntoIterator<Item = &'a PathBuf>) -> Outputs {
    let mut outputs = Outputs::new();
    outputs.inputs(inputs);
    protect_shipped_models(&mut outputs, SHIPPED_MODEL_KEPT);
    outputs
}

/// Refuses, with `reason`, any output over the shipped model: [`super::DEFAULT_MODEL`] in the
/// working folder, and the `models/stance.model` of any stance project folder (one with
/// `datasets/` beside `models/`), so that starting the run elsewhere does not get around the
/// guard; and, with [`SHIPPED_E5_MODEL_KEPT`], the same for the shipped e5 model
/// ([`super::DEFAULT_E5_MODEL`]).
pub fn protect_shipped_models(outputs: &mut Outputs, reason: &str) {
    outputs
        .protect(Path::new(super::DEFAULT_MODEL), reason)
        .protect_kind(is_a_projects_model, reason)
        .protect(Path::new(super::DEFAULT_E5_MODEL), SHIPPED_E5_MODEL_KEPT)
        .protect_kind(is_a_projects_e5_model, SHIPPED_E5_MODEL_KEPT);
}

/// True when the absolute `path` is the `models/stance.model` of a stance project folder.
fn is_a_projects_model(path: &Path) -> bool {
    is_in_a_project(path, super::DEFAULT_MODEL)
}

/// True when the absolute `path` is the `models/stance-e5.model` of a stance project folder.
fn is_a_projects_e5_model(path: &Path) -> bool {
    is_in_a_project(path, super::DEFAULT_E5_MODEL)
}

/// True when the absolute `path` ends with `shipped` (`models/<file>`) in a stance project
/// folder: one that holds `datasets/` beside `models/`.
pub(super) fn is_in_a_project(path: &Path, shipped: &str) -> bool {
    path.ends_with(shipped)
        && path
            .parent()
            .and_then(Path::parent)
            .is_some_and(|project| project.join("datasets").is_dir())
}

/// The variable that names the model when a verb is given none.
pub const MODEL_VARIABLE: &str = "STANCE_MODEL";

/// The path the environment variable `name` holds; `None` when it is unset or empty (so that
/// `STANCE_MODEL= stance predict ...` means the default, not a file named "").
pub fn path_from_env(name: &str) -> Option<PathBuf> {
    std::env::var_os(name)
        .filter(|value| !value.is_empty())
        .map(PathBuf::from)
}

/// Where a verb's model path came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ModelSource {
    /// The command line.
    Given,
    /// [`MODEL_VARIABLE`].
    Variable,
    /// [`super::DEFAULT_MODEL`].
    Default,
}

/// The model file a verb runs: its path, and where the path came from, so that a missing file
/// is reported with the way to name another.
#[derive(Debug, Clone)]
pub struct ModelFile {
    /// The path.
    pub path: PathBuf,
    source: ModelSource,
    /// How the verb is given a model, for the hint (`pass --model FILE`).
    naming: &'static str,
}

impl ModelFile {
    /// The model of a verb: `given` on its command line, else `$STANCE_MODEL`, else
    /// `models/stance.model`; `naming` says how the verb is given one, as in `pass --model
    /// FILE`.
    pub fn resolve(given: Option<&Path>, naming: &'static str) -> ModelFile {
        let (path, source) = match (given, path_from_env(MODEL_VARIABLE)) {
            (Some(path), _) => (path.to_path_buf(), ModelSource::Given),
            (None, Some(path)) => (path, ModelSource::Variable),
            (None, None) => (PathBuf::from(super::DEFAULT_MODEL), ModelSource::Default),
        };
        ModelFile {
            path,
            source,
            naming,
        }
    }

    /// Loads the model, saying where a missing path came from and how to name another.
    ///
    /// # Errors
    /// A missing, unreadable, foreign, corrupted or newer-version model file.
    pub fn load(&self) -> anyhow::Result<Bundle> {
        let path = self.path.display();
        let from = match self.source {
            ModelSource::Variable => format!(" (named by ${MODEL_VARIABLE})"),
            ModelSource::Given | ModelSource::Default => String::new(),
        };
        if !self.path.exists() {
            let hint = match self.source {
                ModelSource::Given => String::new(),
                ModelSource::Variable => format!(
                    "; point {MODEL_VARIABLE} at a model file or unset it, or {}",
                    self.naming
                ),
                ModelSource::Default => {
                    format!("; train one with `stance train`, or {}", self.naming)
                }
            };
            anyhow::bail!("no model at {path}{from}{hint}");
        }
        Bundle::load(&self.path).with_context(|| format!("loading model {path}{from}"))
    }
}

/// A progress bar on stderr when it is a terminal and `--quiet` is off; hidden otherwise.
/// `len` is the number of steps, or `None` for a spinner that counts.
pub fn progress_bar(len: Option<u64>, quiet: bool, template: &str) -> ProgressBar {
    if !shows_progress(quiet) {
        return ProgressBar::hidden();
    }
    styled(
        ProgressBar::with_draw_target(len, ProgressDrawTarget::stderr()),
        template,
    )
}

/// Where the progress bars of one run draw, each on a line of its own (so that e5's bar under
/// predict's count does not draw over it): stderr when it is a terminal and `--quiet` is off,
/// nowhere otherwise.
pub fn progress_lines(quiet: bool) -> MultiProgress {
    if !shows_progress(quiet) {
        return MultiProgress::with_draw_target(ProgressDrawTarget::hidden());
    }
    MultiProgress::with_draw_target(ProgressDrawTarget::stderr())
}

/// A progress bar on a line of its own in `lines` (hidden when `lines` is); `len` as for
/// [`progress_bar`].
pub fn progress_bar_in(lines: &MultiProgress, len: Option<u64>, template: &str) -> ProgressBar {
    if lines.is_hidden() {
        return ProgressBar::hidden();
    }
    lines.add(styled(
        ProgressBar::with_draw_target(len, ProgressDrawTarget::hidden()),
        template,
    ))
}

/// True when progress is drawn: stderr is a terminal and `--quiet` is off.
fn shows_progress(quiet: bool) -> bool {
    !quiet && std::io::stderr().is_terminal()
}

/// `bar` drawn by `template` (the default style if the template does not parse).
fn styled(bar: ProgressBar, template: &str) -> ProgressBar {
    bar.set_style(
        ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}
