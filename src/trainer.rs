//! Training orchestration: labelled records -> featurizer, IDF, sparse rows -> fitted model,
//! plus the readable top features per label. Used by `stance train` and `stance cv`.

use crate::config::TrainConfig;
use crate::data::Record;
use crate::error::{Error, Result};
use crate::features::{Featurizer, IdfWeights, SparseRows};
use crate::label::Stance;
use crate::model::fit::{score, DevScore, SparseDataset};
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

/// Trains a pipeline on labelled records, stopping early on `dev` when given.
///
/// # Errors
/// Invalid settings ([`Error::InvalidParam`]), unlabelled records ([`Error::Parse`]), empty
/// training data ([`Error::Data`]) or text-pipeline failures.
pub fn train(
    config: &TrainConfig,
    train: &[Record],
    dev: Option<&[Record]>,
    on_epoch: &mut dyn FnMut(&EpochReport),
) -> Result<Trained> {
    let params = LinearParams(config.model).check()?;
    let featurizer = Featurizer::new(config.features)?;
    let n_features = featurizer.n_features();
    let labels = labels_of(train)?;
    if train.is_empty() {
        return Err(Error::Data("training data has no rows".into()));
    }
    let counts = count_rows(&featurizer, train)?;
    let idf = IdfWeights::fit(n_features, counts.iter().map(|r| r.as_slice()));
    let sublinear = config.features.sublinear_tf;
    let train_set = DatasetBase::new(
        tfidf_rows(counts, &idf, sublinear, n_features),
        Array1::from(labels),
    );
    let mut pipeline = Pipeline {
        featurizer,
        idf,
        model: FittedLinear::zeros(Stance::ALL.to_vec(), n_features),
    };
    let dev_set = dev.map(|d| dataset(&pipeline, d)).transpose()?;
    let (model, summary) = params.fit_with_dev(&train_set, dev_set.as_ref(), on_epoch)?;
    pipeline.model = model;
    let top_features = top_features(&pipeline, train, NAMED_FEATURES_PER_LABEL)?;
    Ok(Trained {
        pipeline,
        summary,
        top_features,
    })
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
