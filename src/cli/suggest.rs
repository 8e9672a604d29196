//! `stance suggest`: pick the unlabelled sentences most worth labelling next, in the form
//! annotators take (`id<TAB>sentence`, no model output, so their reading stays blind).

use super::io::{outputs_reading, read_pool, InputArgs};
use super::settings::ModelArgs;
use super::tsv::field;
use crate::baseline::CueBaseline;
use crate::cv::outlet_of;
use crate::data::Record;
use crate::suggest::{choose, Candidate, Reason};
use anyhow::Context;
use rayon::prelude::*;
use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;
use std::io::Write;
use std::path::PathBuf;

/// Arguments of `stance suggest`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  stance suggest --n 400 --out batch.tsv             # skips every id of datasets/real/ (and incoming/)
  stance suggest --skip-ids batch1.tsv --n 400 --out batch2.tsv
  stance suggest news.jsonl --n 1000 --random-share 0.5 --model my.model")]
pub struct SuggestArgs {
    /// Unlabelled sentences with ids, each id once (TSV/CSV with id and text/sentence columns,
    /// or JSONL) [default: ../shared/realnews/pool.tsv].
    pub pool: Option<PathBuf>,
    /// Files whose ids are not suggested (labelled or chosen already; repeatable): TSV or CSV
    /// with a header naming an `id` column, or JSONL with an `id` field; they add to the
    /// project's own, every datasets/real/*.tsv (the labelled splits, each round's choice, the
    /// adjudications) and datasets/real/incoming/*.tsv (readings waiting for the next build).
    #[arg(long, value_name = "FILE")]
    pub skip_ids: Vec<PathBuf>,
    /// Do not skip the ids of datasets/real/*.tsv and datasets/real/incoming/*.tsv, only those
    /// of --skip-ids.
    #[arg(long)]
    pub no_project_ids: bool,
    /// How many sentences to suggest.
    #[arg(long, default_value_t = 400)]
    pub n: usize,
    /// Share drawn at random instead of by uncertainty, from 0 to 1.
    #[arg(long, default_value_t = 0.25, value_parser = parse_share)]
    pub random_share: f64,
    /// Seed of the random share.
    #[arg(long, default_value_t = 13)]
    pub seed: u64,
    #[command(flatten)]
    pub model: ModelArgs,
    /// Write the suggestions here instead of standard output (atomically).
    #[arg(long, short)]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub input: InputArgs,
}

/// A share of the suggestions, from 0 to 1.
fn parse_share(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(share) if (0.0..=1.0).contains(&share) => Ok(share),
        _ => Err(format!("expected a share between 0 and 1, found {text:?}")),
    }
}

/// Runs `stance suggest`, writing the suggestions to `--out` or `stdout`.
///
/// # Errors
/// Unreadable inputs or model, a pool row without an id or repeating an earlier row's id, an
/// output that may not be written, or a failed write.
pub fn run(args: &SuggestArgs, quiet: bool, stdout: &mut dyn Write) -> anyhow::Result<()> {
    let model = args.model.file();
    let pool_path = args
        .pool
        .clone()
        .unwrap_or_else(|| PathBuf::from(crate::data::DEFAULT_TEXT_FROM));
    let mut skip_ids = if args.no_project_ids {
        Vec::new()
    } else {
        project_id_files()?
    };
    skip_ids.extend(args.skip_ids.iter().cloned());
    let mut outputs = outputs_reading([&model.path, &pool_path, &args.input.text_from_path()]);
    outputs.inputs(&skip_ids);
    if let Some(path) = &args.out {
        outputs.check(path)?;
    }
    let bundle = model.load()?;
    let mut done: HashSet<String> = HashSet::new();
    for path in &skip_ids {
        done.extend(
            read_ids(path).with_context(|| format!("reading ids from {}", path.display()))?,
        );
    }
    let mut pool: Vec<Record> = read_pool(&pool_path, &args.input, quiet)
        .with_context(|| format!("reading {}", pool_path.display()))?
        .records;
    let read = pool.len();
    pool.retain(|r| r.id.as_ref().is_none_or(|id| !done.contains(id)));
    let skipped = read - pool.len();
    if let Some(r) = pool.iter().find(|r| r.id.is_none()) {
        anyhow::bail!(
            "{}:{}: every pool row needs an id (an id column or JSON field)",
            r.origin.path.display(),
            r.origin.line
        );
    }
    let cues = CueBaseline::new()?;
    let candidates: Vec<Candidate> = pool
        .par_iter()
        .map(|r| -> crate::Result<Candidate> {
            let p = bundle.pipeline.predict(&r.text)?;
            let mut probs: Vec<f32> = p.probabilities.iter().map(|x| x.1).collect();
            probs.sort_by(|a, b| b.total_cmp(a));
            let cue = cues
                .first_cue(&r.text)?
                .map_or("no cue".to_string(), |l| format!("{l} cue"));
            let id = r.id.as_deref().expect("ids checked above");
            Ok(Candidate {
                group: format!("{} / {cue}", outlet_of(id)),
                margin: probs[0] - probs.get(1).copied().unwrap_or(0.0),
            })
        })
        .collect::<crate::Result<_>>()?;
    let chosen = choose(&candidates, args.n, args.random_share, args.seed);

    let mut out = String::from("id\tsentence\n");
    for &(i, _) in &chosen {
        let r = &pool[i];
        let id = r.id.as_deref().unwrap_or_default();
        let _ = writeln!(out, "{}\t{}", field(id), field(&r.text));
    }
    match &args.out {
        Some(path) => outputs
            .write(path, out.as_bytes())
            .with_context(|| format!("writing {}", path.display()))?,
        None => stdout.write_all(out.as_bytes())?,
    }
    if !quiet {
        let uncertain = chosen.iter().filter(|c| c.1 == Reason::Uncertain).count();
        let mut per_group: BTreeMap<&str, usize> = BTreeMap::new();
        for &(i, _) in &chosen {
            *per_group.entry(candidates[i].group.as_str()).or_default() += 1;
        }
        eprintln!(
            "suggested {} of {} unlabelled sentences ({skipped} already labelled or chosen were skipped{}): \
             {uncertain} by uncertainty over {} groups, {} at random",
            chosen.len(),
            pool.len(),
            if skip_ids.is_empty() {
                String::new()
            } else {
                format!(
                    ", by the ids of {}",
                    skip_ids
                        .iter()
                        .map(|p| p.display().to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            },
            per_group.len(),
            chosen.len() - uncertain
        );
    }
    Ok(())
}

/// The project's files of real-sentence ids: every `.tsv` file of [`super::DEFAULT_REAL_IDS`]
/// and of its `incoming` folder (readings that wait for the next build), each folder in name
/// order (none from a folder that is missing, as outside the project).
fn project_id_files() -> anyhow::Result<Vec<PathBuf>> {
    let built = std::path::Path::new(super::DEFAULT_REAL_IDS);
    let mut files = Vec::new();
    for folder in [built.to_path_buf(), built.join("incoming")] {
        if !folder.is_dir() {
            continue;
        }
        let mut found: Vec<PathBuf> = std::fs::read_dir(&folder)
            .with_context(|| format!("listing {}", folder.display()))?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "tsv"))
            .collect();
        found.sort();
        files.extend(found);
    }
    Ok(files)
}

/// The ids of a file: the `id` column of a TSV or CSV file with a header, or the `id` field of
/// each JSONL record. Only ids are read, so files of ids and labels need no text.
fn read_ids(path: &std::path::Path) -> anyhow::Result<Vec<String>> {
    let format = crate::data::Format::from_path(path, crate::data::Format::Tsv);
    let text = std::fs::read_to_string(path).map_err(|e| crate::Error::io(path, e))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    if format == crate::data::Format::Jsonl {
        return text
            .lines()
            .enumerate()
            .filter(|(_, line)| !line.trim().is_empty())
            .map(|(i, line)| {
                let value: serde_json::Value = serde_json::from_str(line).map_err(|e| {
                    anyhow::anyhow!("{}:{}: invalid JSON: {e}", path.display(), i + 1)
                })?;
                match &value["id"] {
                    serde_json::Value::String(id) => Ok(id.clone()),
                    serde_json::Value::Number(id) => Ok(id.to_string()),
                    _ => anyhow::bail!("{}:{}: no id field", path.display(), i + 1),
                }
            })
            .collect();
    }
    let delimiter = if format == crate::data::Format::Csv {
        b','
    } else {
        b'\t'
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .quoting(format == crate::data::Format::Csv)
        .from_reader(text.as_bytes());
    let column = reader
        .headers()
        .map_err(|e| anyhow::anyhow!("{}:1: {e}", path.display()))?
        .iter()
        .position(|name| name.trim().eq_ignore_ascii_case("id"))
        .ok_or_else(|| anyhow::anyhow!("{}:1: the header names no id column", path.display()))?;
    reader
        .records()
        .map(|record| {
            let record = record.map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
            let line = record.position().map_or(0, |p| p.line());
            record
                .get(column)
                .map(|id| id.trim().to_string())
                .ok_or_else(|| anyhow::anyhow!("{}:{line}: no id field", path.display()))
        })
        .collect()
}
