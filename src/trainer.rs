//! Training orchestration: labelled records -> featurizer, IDF, sparse rows -> fitted model,
//! plus the readable top features per label. Used by `stance train` and `stance cv`.

use crate::config::{TrainConfig, UnlabelledConfig};
use crate::data::Record;
use crate::error::{Error, Result};
use crate::features::{Featurizer, IdfWeights, SparseRows};
use crate::label::Stance;
use crate::model::fit::{score, DevScore, SparseDataset};
use crate::model::fitted::argmax;
use crate::model::{EpochReport, FitSummary, FittedLinear, LinearParams};
use crate::pipeline::Pipeline;
use linfa::{DatasetBase, ParamGuard};
use ndarray::Array1;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

/// How many named features per label a model keeps for `stance inspect`.
pub const NAMED_FEATURES_PER_LABEL: usize = 100;

/// A feature bucket with the n-gram(s) that fill it and its weight for a label.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NamedFeature {
    /// The n-grams seen in this bucket in training, most frequent first (several when the
    /// hash collides).
    pub names: Vec<String>,
    /// The bucket.
    pub bucket: u32,
    /// Weight for the label minus the mean weight for the other labels.
    pub weight: f32,
}

/// The strongest features of each label.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopFeatures {
    /// Per label, strongest first.
    pub per_label: Vec<(Stance, Vec<NamedFeature>)>,
}

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
                path: r.origin.path.clone(),
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

fn tfidf_rows(
    rows: Vec<Vec<(u32, f32)>>,
    idf: &IdfWeights,
    sublinear: bool,
    n_features: usize,
) -> SparseRows {
    let mut out = SparseRows::new(n_features);
    for mut row in rows {
        idf.transform(&mut row, sublinear);
        out.push(&row);
    }
    out
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
#[derive(Debug, Clone, Copy, Default)]
pub struct TrainData<'a> {
    /// Labelled training rows.
    pub train: &'a [Record],
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
/// Invalid settings ([`Error::InvalidParam`]), unlabelled records ([`Error::Parse`]), empty
/// training data ([`Error::Data`]) or text-pipeline failures.
pub fn train(
    config: &TrainConfig,
    data: TrainData<'_>,
    on_epoch: &mut dyn FnMut(&EpochReport),
) -> Result<Trained> {
    let params = LinearParams(config.model).check()?;
    config.unlabelled.check()?;
    let featurizer = Featurizer::new(config.features)?;
    let n_features = featurizer.n_features();
    let labels = labels_of(data.train)?;
    if data.train.is_empty() {
        return Err(Error::Data("training data has no rows".into()));
    }
    let counts = count_rows(&featurizer, data.train)?;
    let unlabelled_counts = match data.unlabelled {
        Some(rows) if config.unlabelled.idf => count_rows(&featurizer, rows)?,
        _ => Vec::new(),
    };
    let idf = IdfWeights::fit(
        n_features,
        counts
            .iter()
            .chain(&unlabelled_counts)
            .map(|r| r.as_slice()),
    );
    drop(unlabelled_counts);
    let sublinear = config.features.sublinear_tf;
    let train_rows = tfidf_rows(counts, &idf, sublinear, n_features);
    let mut pipeline = Pipeline {
        featurizer,
        idf,
        model: FittedLinear::zeros(Stance::ALL.to_vec(), n_features),
    };
    let dev_set = data.dev.map(|d| dataset(&pipeline, d)).transpose()?;
    let train_set = DatasetBase::new(train_rows.clone(), Array1::from(labels.clone()));
    let (mut model, mut summary) = params.fit_with_dev(&train_set, dev_set.as_ref(), on_epoch)?;
    let mut rounds = Vec::new();
    if let Some(unlabelled) = data.unlabelled.filter(|_| config.unlabelled.rounds > 0) {
        let unlabelled_rows = {
            let texts: Vec<&str> = unlabelled.iter().map(|r| r.text.as_str()).collect();
            pipeline.feature_rows(&texts)?
        };
        for round in 1..=config.unlabelled.rounds {
            let (rows, targets, weights, added) = with_pseudo_labels(
                &model,
                &train_rows,
                &labels,
                &unlabelled_rows,
                &config.unlabelled,
            );
            let set =
                DatasetBase::new(rows, Array1::from(targets)).with_weights(Array1::from(weights));
            let (next, next_summary) = params.fit_with_dev(&set, dev_set.as_ref(), on_epoch)?;
            model = next;
            summary = next_summary;
            rounds.push(SelfTrainRound {
                round,
                added,
                dev: summary.dev,
            });
        }
    }
    pipeline.model = model;
    let top_features = top_features(&pipeline, data.train, NAMED_FEATURES_PER_LABEL)?;
    Ok(Trained {
        pipeline,
        summary,
        top_features,
        rounds,
    })
}

/// The labelled rows plus the unlabelled rows whose prediction by `model` is confident enough,
/// the most confident first, at most `max_ratio` x the labelled count per label; returns rows,
/// targets, per-row weights and the count added per label.
fn with_pseudo_labels(
    model: &FittedLinear,
    labelled: &SparseRows,
    labels: &[Stance],
    unlabelled: &SparseRows,
    config: &UnlabelledConfig,
) -> (SparseRows, Vec<Stance>, Vec<f32>, [usize; 3]) {
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
    let mut room = [0usize; 3];
    for label in Stance::ALL {
        let n = labels.iter().filter(|l| **l == label).count();
        room[label.index()] = (n as f32 * config.max_ratio) as usize;
    }
    let mut chosen: Vec<(usize, Stance)> = Vec::new();
    let mut added = [0usize; 3];
    for (_, i, label) in candidates {
        if added[label.index()] < room[label.index()] {
            added[label.index()] += 1;
            chosen.push((i, label));
        }
    }
    chosen.sort_by_key(|(i, _)| *i);
    let mut rows = labelled.clone();
    let mut targets = labels.to_vec();
    let mut weights = vec![1.0; labels.len()];
    for (i, label) in chosen {
        let (idx, val) = unlabelled.row(i);
        let row: Vec<(u32, f32)> = idx.iter().copied().zip(val.iter().copied()).collect();
        rows.push(&row);
        targets.push(label);
        weights.push(config.weight);
    }
    (rows, targets, weights, added)
}

/// Dev-style scores of a pipeline on labelled records.
///
/// # Errors
/// Unlabelled records or featurisation failures.
pub fn evaluate(pipeline: &Pipeline, records: &[Record]) -> Result<DevScore> {
    Ok(score(&pipeline.model, &dataset(pipeline, records)?))
}

/// The `per_label` strongest buckets of each label, named by the n-grams that fill them in
/// the training texts (a second pass over the texts, keeping names for those buckets only).
fn top_features(pipeline: &Pipeline, train: &[Record], per_label: usize) -> Result<TopFeatures> {
    let weights = pipeline.model.weights();
    let labels = pipeline.model.labels();
    let k = labels.len();
    let mut chosen: Vec<(Stance, Vec<(u32, f32)>)> = Vec::new();
    for (class, &label) in labels.iter().enumerate() {
        let mut scored: Vec<(u32, f32)> = weights
            .rows()
            .into_iter()
            .enumerate()
            .filter(|(j, _)| pipeline.idf.get(*j as u32) > 0.0)
            .map(|(j, row)| {
                let others = (row.sum() - row[class]) / (k - 1).max(1) as f32;
                (j as u32, row[class] - others)
            })
            .collect();
        scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        scored.truncate(per_label);
        chosen.push((label, scored));
    }
    let wanted: HashSet<u32> = chosen
        .iter()
        .flat_map(|(_, v)| v.iter().map(|x| x.0))
        .collect();
    let mut names: HashMap<u32, HashMap<String, usize>> = HashMap::new();
    for record in train {
        let tokens = pipeline.featurizer.pipeline().tokenize(&record.text)?;
        pipeline.featurizer.walk(&tokens, |o| {
            if wanted.contains(&o.bucket) {
                *names
                    .entry(o.bucket)
                    .or_default()
                    .entry(o.name())
                    .or_default() += 1;
            }
        });
    }
    let name_list = |bucket: u32| -> Vec<String> {
        let mut list: Vec<(String, usize)> = names
            .get(&bucket)
            .map(|m| m.iter().map(|(n, c)| (n.clone(), *c)).collect())
            .unwrap_or_default();
        list.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        list.into_iter().take(3).map(|(n, _)| n).collect()
    };
    Ok(TopFeatures {
        per_label: chosen
            .into_iter()
            .map(|(label, buckets)| {
                let named = buckets
                    .into_iter()
                    .map(|(bucket, weight)| NamedFeature {
                        names: name_list(bucket),
                        bucket,
                        weight,
                    })
                    .collect();
                (label, named)
            })
            .collect(),
    })
}
