//! Training orchestration: labelled records -> featurizer, IDF, sparse rows -> fitted model,
//! plus the readable top features per label. Used by `stance train` and `stance cv`.

use crate::calibration::{fit_temperature, Calibration};
use crate::config::{TrainConfig, UnlabelledConfig};
use crate::data::Record;
use crate::error::{Error, Result};
use crate::features::extract::NewNames;
use crate::features::tfidf::{IdfAccumulator, Weighting};
use crate::features::{FeatureConfig, Featurizer, ReverseMap, Scratch, SparseRows};
use crate::label::Stance;
use crate::model::fit::SparseDataset;
use crate::model::fitted::argmax;
use crate::model::{DevScore, EpochReport, FitSummary, FittedLinear, NamedFeature, TopFeatures};
use crate::pipeline::Pipeline;
use linfa::{DatasetBase, ParamGuard};
use ndarray::Array1;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// How many named features per label a model keeps for `stance inspect`.
pub const NAMED_FEATURES_PER_LABEL: usize = 100;

/// A trained pipeline and how training went.
#[derive(Debug, Clone)]
pub struct Trained {
    /// The prediction pipeline.
    pub pipeline: Pipeline,
    /// How training ended.
    pub summary: FitSummary,
    /// Readable strongest features per label.
    pub top_features: TopFeatures,
    /// Self-training rounds run (empty without unlabelled data).
    pub rounds: Vec<SelfTrainRound>,
    /// Training rows per label.
    pub label_counts: Vec<(Stance, usize)>,
    /// Training rows per input file, in the order the files were first met.
    pub rows_per_input: Vec<(std::path::PathBuf, usize)>,
}

/// The labels of records, failing on the first unlabelled one.
///
/// # Errors
/// [`Error::Parse`] naming the record's file and line.
pub fn labels_of(records: &[Record]) -> Result<Vec<Stance>> {
    records
        .iter()
        .map(|r| {
            r.label.ok_or_else(|| Error::Parse {
                path: r.origin.path.to_path_buf(),
                line: r.origin.line,
                reason: "missing label".into(),
            })
        })
        .collect()
}

/// Hashed counts of every record's text, in parallel, in input order.
fn count_rows(featurizer: &Featurizer, records: &[Record]) -> Result<Vec<Vec<(u32, f32)>>> {
    records
        .par_iter()
        .map(|r| featurizer.counts(&r.text))
        .collect()
}

/// Builds the labelled sparse dataset of some records with a fitted pipeline's features.
///
/// # Errors
/// Unlabelled records or featurisation failures.
pub fn dataset(pipeline: &Pipeline, records: &[Record]) -> Result<SparseDataset> {
    let labels = labels_of(records)?;
    let texts: Vec<&str> = records.iter().map(|r| r.text.as_str()).collect();
    Ok(DatasetBase::new(
        pipeline.feature_rows(&texts)?,
        Array1::from(labels),
    ))
}

/// The records training reads.
pub struct TrainData<'a> {
    /// Labelled training rows, streamed: their text is dropped as soon as it is featurised,
    /// so training memory grows with the feature count, not the text size.
    pub train: Box<dyn Iterator<Item = Result<Record>> + 'a>,
    /// Labelled dev rows for early stopping, if any.
    pub dev: Option<&'a [Record]>,
    /// Unlabelled in-domain sentences (IDF, self-training), if any.
    pub unlabelled: Option<&'a [Record]>,
}

/// What happened in one self-training round.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SelfTrainRound {
    /// 1-based round.
    pub round: usize,
    /// Pseudo-labelled rows added per label, in label order.
    pub added: [usize; 3],
    /// Dev scores after the round, when a dev set is given.
    pub dev: Option<DevScore>,
}

/// Trains a pipeline on labelled records, stopping early on `dev` when given; with unlabelled
/// sentences, fits IDF on them too and runs the configured self-training rounds.
///
/// # Errors
/// Invalid settings ([`Error::InvalidParam`], self-training rounds without unlabelled
/// sentences among them), unlabelled records ([`Error::Parse`]), training data that is empty
/// or leaves no feature ([`Error::Data`]) or text-pipeline failures.
pub fn train(
    config: &TrainConfig,
    data: TrainData<'_>,
    on_epoch: &mut dyn FnMut(&EpochReport),
) -> Result<Trained> {
    let params = config.model.check()?;
    config.unlabelled.check()?;
    check_self_training(&config.unlabelled, data.unlabelled.is_some())?;
    let featurizer = Featurizer::new(config.features)?;
    let n_features = featurizer.n_features();
    let mut ingested = ingest(&featurizer, data.train)?;
    if ingested.labels.is_empty() {
        return Err(Error::Data("training data has no rows".into()));
    }
    if let Some(rows) = data.unlabelled.filter(|_| config.unlabelled.idf) {
        for counts in count_rows(&featurizer, rows)? {
            ingested.df.add(&counts);
        }
    }
    let idf = ingested.df.finish(config.features.min_df);
    let sublinear = config.features.sublinear_tf;
    let mut train_rows = ingested.rows;
    let options = Weighting {
        sublinear,
        unit_norm: config.features.unit_norm,
        fixed: featurizer.fixed_buckets(),
    };
    train_rows.for_each_row_mut(|indices, values| idf.transform_slices(indices, values, options));
    check_features_left(&train_rows, &config.features)?;
    let labels = ingested.labels;
    let pipeline = Pipeline::new(
        featurizer,
        idf,
        FittedLinear::zeros(n_features),
        Calibration::default(),
    )?;
    let dev_set = data.dev.map(|d| dataset(&pipeline, d)).transpose()?;
    let label_counts = Stance::ALL.map(|l| labels.iter().filter(|x| **x == l).count());
    check_label_counts(&label_counts)?;
    let mut train_set = DatasetBase::new(train_rows, Array1::from(labels));
    let (mut model, mut summary) = params.fit_with_dev(&train_set, dev_set.as_ref(), on_epoch)?;
    let mut rounds = Vec::new();
    if let Some(unlabelled) = data.unlabelled.filter(|_| config.unlabelled.rounds > 0) {
        let unlabelled_rows = {
            let texts: Vec<&str> = unlabelled.iter().map(|r| r.text.as_str()).collect();
            pipeline.feature_rows(&texts)?
        };
        let n_labelled = train_set.records.n_rows();
        for round in 1..=config.unlabelled.rounds {
            let added = add_pseudo_labels(
                &model,
                &mut train_set,
                n_labelled,
                &unlabelled_rows,
                &config.unlabelled,
            );
            let (next, next_summary) =
                params.fit_with_dev(&train_set, dev_set.as_ref(), on_epoch)?;
            model = next;
            summary = next_summary;
            rounds.push(SelfTrainRound {
                round,
                added,
                dev: summary.dev,
            });
        }
    }
    let pipeline = pipeline.with_model(model)?;
    let top_features = top_features(&pipeline, &ingested.names, NAMED_FEATURES_PER_LABEL);
    Ok(Trained {
        pipeline,
        summary,
        top_features,
        rounds,
        label_counts: Stance::ALL.iter().copied().zip(label_counts).collect(),
        rows_per_input: ingested.rows_per_input,
    })
}

/// Fails when self-training rounds are asked for without unlabelled sentences to label: they
/// would be skipped without a word.
///
/// # Errors
/// [`Error::InvalidParam`] naming `self-train-rounds`.
pub fn check_self_training(config: &UnlabelledConfig, has_unlabelled: bool) -> Result<()> {
    if config.rounds == 0 || has_unlabelled {
        return Ok(());
    }
    Err(Error::InvalidParam {
        name: "self-train-rounds",
        value: config.rounds.to_string(),
        reason: "self-training needs unlabelled sentences to label, and none are given".into(),
    })
}

/// Fails when no training row keeps a feature after IDF (every feature seen in fewer than
/// `min_df` rows, and no cue): the model would learn its bias alone and give every sentence
/// the same label.
fn check_features_left(rows: &SparseRows, features: &FeatureConfig) -> Result<()> {
    let any = (0..rows.n_rows()).any(|i| rows.row(i).1.iter().any(|v| *v != 0.0));
    if any {
        return Ok(());
    }
    let cues = if features.cues {
        "no cue of the lexicon occurs in them"
    } else {
        "cue features are off"
    };
    Err(Error::Data(format!(
        "no feature is left to learn from: every feature of the {} training rows is seen in \
         fewer than min-df = {} of them, and {cues}; lower --min-df",
        rows.n_rows(),
        features.min_df
    )))
}

/// Fewest training rows of each label a model is fitted on. With none, the model can never
/// predict the label, yet its softmax still spreads probability over it (a one-class model
/// labelled an obvious assertion a denial with 0.70); with one, the label's weights are one
/// sentence's words.
pub const MIN_ROWS_PER_LABEL: usize = 2;

/// Fails unless every label has [`MIN_ROWS_PER_LABEL`] training rows.
fn check_label_counts(counts: &[usize; 3]) -> Result<()> {
    let short: Vec<String> = Stance::ALL
        .iter()
        .zip(counts)
        .filter(|(_, n)| **n < MIN_ROWS_PER_LABEL)
        .map(|(label, n)| format!("{label} {n}"))
        .collect();
    if short.is_empty() {
        return Ok(());
    }
    Err(Error::Data(format!(
        "training data needs at least {MIN_ROWS_PER_LABEL} rows of every label; it has {}",
        short.join(", ")
    )))
}

/// Temperature scaling of a trained pipeline fitted on held-out labelled records (the
/// pipeline's own calibration is ignored: the fit starts from the raw logits).
///
/// # Errors
/// Unlabelled records or featurisation failures.
pub fn calibrate(pipeline: &Pipeline, records: &[Record]) -> Result<Calibration> {
    let gold: Vec<usize> = labels_of(records)?.iter().map(|l| l.index()).collect();
    let logits: Vec<Vec<f32>> = records
        .par_iter()
        .map(|r| pipeline.logits(&r.text))
        .collect::<Result<_>>()?;
    Ok(fit_temperature(&logits, &gold))
}

/// Training rows as hashed counts, with what the first pass learns on the way.
struct Ingested {
    labels: Vec<Stance>,
    rows: SparseRows,
    df: IdfAccumulator,
    names: ReverseMap,
    rows_per_input: Vec<(std::path::PathBuf, usize)>,
}

/// Records featurised per parallel chunk while ingesting.
const INGEST_CHUNK: usize = 8192;

/// One streaming pass over the training records: hashed counts (in parallel, per chunk, in
/// input order), document frequencies and the reverse map of first-seen n-grams. Each chunk's
/// text is dropped once featurised. The next chunk is read (on this thread) while the pool
/// featurises the current one, so parsing the file does not leave the other cores idle.
fn ingest(
    featurizer: &Featurizer,
    mut records: Box<dyn Iterator<Item = Result<Record>> + '_>,
) -> Result<Ingested> {
    let n_features = featurizer.n_features();
    let mut out = Ingested {
        labels: Vec::new(),
        rows: SparseRows::new(n_features),
        df: IdfAccumulator::new(n_features),
        names: ReverseMap::new(n_features),
        rows_per_input: Vec::new(),
    };
    let mut chunk = read_chunk(&mut records)?;
    while !chunk.is_empty() {
        let labels = labels_of(&chunk)?;
        for record in &chunk {
            match out.rows_per_input.last_mut() {
                Some((path, n)) if **path == *record.origin.path => *n += 1,
                _ => out
                    .rows_per_input
                    .push((record.origin.path.to_path_buf(), 1)),
            }
        }
        let mut featurised = None;
        let mut next = None;
        let names = &out.names;
        rayon::in_place_scope(|scope| {
            scope.spawn(|_| {
                featurised = Some(
                    chunk
                        .par_iter()
                        .map_init(Scratch::default, |scratch, r| {
                            featurizer.counts_and_new_names(&r.text, names, scratch)
                        })
                        .collect::<Result<Vec<(Vec<(u32, f32)>, NewNames)>>>(),
                );
            });
            next = Some(read_chunk(&mut records));
        });
        let featurised = featurised.expect("the scope ran the featurising task")?;
        for ((counts, new_names), label) in featurised.into_iter().zip(labels) {
            out.df.add(&counts);
            out.rows.push(&counts);
            out.labels.push(label);
            for (bucket, name) in new_names {
                out.names.insert_if_missing(bucket, &name);
            }
        }
        chunk = next.expect("the scope read the next chunk")?;
    }
    Ok(out)
}

/// The next [`INGEST_CHUNK`] records, fewer at the end of the input, none after it.
fn read_chunk(records: &mut dyn Iterator<Item = Result<Record>>) -> Result<Vec<Record>> {
    records.take(INGEST_CHUNK).collect()
}

/// Replaces the pseudo-labelled rows of `set` (those after the first `n_labelled`) by the
/// unlabelled rows whose prediction by `model` is confident enough, the most confident first,
/// at most `max_ratio` x the labelled count per label, weighted by `config.weight`. Returns
/// the count added per label.
fn add_pseudo_labels(
    model: &FittedLinear,
    set: &mut SparseDataset,
    n_labelled: usize,
    unlabelled: &SparseRows,
    config: &UnlabelledConfig,
) -> [usize; 3] {
    let mut candidates: Vec<(f32, usize, Stance)> = (0..unlabelled.n_rows())
        .into_par_iter()
        .map(|i| {
            let (idx, val) = unlabelled.row(i);
            let p = model.probabilities(idx, val);
            let best = argmax(&p);
            (p[best], i, model.labels()[best])
        })
        .filter(|(confidence, _, _)| *confidence >= config.threshold)
        .collect();
    candidates.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let labelled: Vec<Stance> = set.targets.iter().take(n_labelled).copied().collect();
    let room = Stance::ALL
        .map(|l| (labelled.iter().filter(|x| **x == l).count() as f32 * config.max_ratio) as usize);
    let mut chosen: Vec<(usize, Stance)> = Vec::new();
    let mut added = [0usize; 3];
    for (_, i, label) in candidates {
        if added[label.index()] < room[label.index()] {
            added[label.index()] += 1;
            chosen.push((i, label));
        }
    }
    chosen.sort_by_key(|(i, _)| *i);
    let keep: Vec<usize> = (0..n_labelled).collect();
    let mut rows = set.records.select(&keep);
    let mut targets = labelled;
    let mut weights = vec![1.0; n_labelled];
    for (i, label) in chosen {
        let (idx, val) = unlabelled.row(i);
        let row: Vec<(u32, f32)> = idx.iter().copied().zip(val.iter().copied()).collect();
        rows.push(&row);
        targets.push(label);
        weights.push(config.weight);
    }
    *set = DatasetBase::new(rows, Array1::from(targets)).with_weights(Array1::from(weights));
    added
}

/// The `per_label` strongest buckets of each label, named from the reverse map.
fn top_features(pipeline: &Pipeline, names: &ReverseMap, per_label: usize) -> TopFeatures {
    let weights = pipeline.model().weights();
    let labels = pipeline.model().labels();
    let k = labels.len();
    let per_label = labels
        .iter()
        .enumerate()
        .map(|(class, &label)| {
            let mut scored: Vec<(u32, f32)> = weights
                .rows()
                .into_iter()
                .enumerate()
                .filter(|(j, _)| pipeline.idf().get(*j as u32) > 0.0)
                .map(|(j, row)| {
                    let others = (row.sum() - row[class]) / (k - 1).max(1) as f32;
                    (j as u32, row[class] - others)
                })
                .collect();
            scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            scored.truncate(per_label);
            let named = scored
                .into_iter()
                .map(|(bucket, weight)| NamedFeature {
                    names: names
                        .get(bucket)
                        .map(|n| vec![n.to_string()])
                        .unwrap_or_default(),
                    bucket,
                    weight,
                })
                .collect();
            (label, named)
        })
        .collect();
    TopFeatures { per_label }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn self_training_rounds_without_unlabelled_sentences_fail_before_reading() {
        let mut config = TrainConfig::default();
        config.unlabelled.rounds = 2;
        let data = TrainData {
            train: Box::new(std::iter::empty()),
            dev: None,
            unlabelled: None,
        };
        let err = train(&config, data, &mut |_| {}).unwrap_err();
        assert!(
            matches!(&err, Error::InvalidParam { name: "self-train-rounds", value, .. } if value == "2"),
            "{err}"
        );
    }
}
