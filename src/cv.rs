//! Model selection: stratified k-fold cross-validation (folds trained in parallel) and a grid
//! over settings, choosing the point with the best mean macro-F1.

use crate::config::TrainConfig;
use crate::data::split::stratified_folds;
use crate::data::Record;
use crate::error::{Error, Result};
use crate::label::Stance;
use crate::metrics::Metrics;
use crate::pipeline::Prediction;
use crate::settings::{self, Setting};
use crate::trainer::{labels_of, train, TrainData};
use rayon::prelude::*;
use serde::Serialize;

/// Mean and sample standard deviation.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MeanStd {
    /// Mean over folds.
    pub mean: f64,
    /// Sample standard deviation over folds (0 for one fold).
    pub std: f64,
}

impl MeanStd {
    fn of(values: &[f64]) -> MeanStd {
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        let var = if values.len() > 1 {
            values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)
        } else {
            0.0
        };
        MeanStd {
            mean,
            std: var.sqrt(),
        }
    }
}

/// Cross-validation results of one configuration.
#[derive(Debug, Clone, Serialize)]
pub struct CvReport {
    /// The configuration scored.
    pub config: TrainConfig,
    /// Macro-F1 over folds.
    pub macro_f1: MeanStd,
    /// Accuracy over folds.
    pub accuracy: MeanStd,
    /// F1 of each label over folds.
    pub per_label_f1: Vec<(Stance, MeanStd)>,
    /// Each fold's name (its number, or the group it held out).
    pub fold_names: Vec<String>,
    /// Each fold's metrics.
    pub folds: Vec<Metrics>,
    /// Metrics of every held-out prediction together (the figure to quote when folds are
    /// groups of very different sizes).
    pub pooled: Metrics,
    /// Each record's out-of-fold prediction, by the model that did not see it.
    #[serde(skip)]
    pub predictions: Vec<Option<Prediction>>,
}

/// How rows are dealt into folds.
#[derive(Debug, Clone, PartialEq)]
pub struct FoldPlan {
    /// The fold of each row.
    pub fold_of: Vec<usize>,
    /// Each fold's name (a number, or the group it holds out).
    pub names: Vec<String>,
}

impl FoldPlan {
    /// Stratified `k` folds: each label spread evenly, rows shuffled by `seed`.
    ///
    /// # Errors
    /// [`Error::InvalidParam`] for `k` out of range.
    pub fn stratified(labels: &[Stance], k: usize, seed: u64) -> Result<FoldPlan> {
        Ok(FoldPlan {
            fold_of: stratified_folds(labels, k, seed)?,
            names: (1..=k).map(|i| i.to_string()).collect(),
        })
    }

    /// One fold per group: each fold holds out every row of one group (leave one group out),
    /// groups in order of first appearance.
    ///
    /// # Errors
    /// [`Error::InvalidParam`] with fewer than two groups.
    pub fn by_group(groups: &[String]) -> Result<FoldPlan> {
        let mut names: Vec<String> = Vec::new();
        let fold_of = groups
            .iter()
            .map(|g| match names.iter().position(|n| n == g) {
                Some(i) => i,
                None => {
                    names.push(g.clone());
                    names.len() - 1
                }
            })
            .collect();
        if names.len() < 2 {
            return Err(Error::InvalidParam {
                name: "by-outlet",
                value: names.len().to_string(),
                reason: "leaving one group out needs at least two groups".into(),
            });
        }
        Ok(FoldPlan { fold_of, names })
    }

    /// The number of folds.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// True when there are no folds.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

/// The outlet of a real-news id (`<outlet>-<digits>`, as in `../shared/realnews/pool.tsv`): the
/// part before the last `-`; the whole id when it has none.
pub fn outlet_of(id: &str) -> &str {
    id.rsplit_once('-').map_or(id, |(outlet, _)| outlet)
}

/// Scores `config` by cross-validation on `records` dealt into folds by `plan`; `extra` rows
/// (for example written sentences when the folds are real ones) join every fold's training
/// rows and are never scored. Folds train in parallel, each for the configured epochs without
/// early stopping.
///
/// # Errors
/// Unlabelled records or training failures.
pub fn cross_validate(
    config: &TrainConfig,
    records: &[Record],
    extra: &[Record],
    plan: &FoldPlan,
) -> Result<CvReport> {
    labels_of(records)?;
    let fold_predictions: Vec<Vec<(usize, Prediction)>> = (0..plan.len())
        .into_par_iter()
        .map(|fold| {
            let (held, kept): (Vec<_>, Vec<_>) = records
                .iter()
                .enumerate()
                .zip(&plan.fold_of)
                .partition(|(_, f)| **f == fold);
            let rows = extra
                .iter()
                .chain(kept.into_iter().map(|((_, r), _)| r))
                .map(|r| Ok(r.clone()));
            let trained = train(
                config,
                TrainData {
                    train: Box::new(rows),
                    dev: None,
                    unlabelled: None,
                },
                &mut |_| {},
            )?;
            held.into_iter()
                .map(|((i, r), _)| Ok((i, trained.pipeline.predict(&r.text)?)))
                .collect::<Result<Vec<_>>>()
        })
        .collect::<Result<_>>()?;
    let gold = |i: usize| records[i].label.expect("labels checked above");
    let fold_metrics: Vec<Metrics> = fold_predictions
        .iter()
        .map(|fold| Metrics::from_pairs(fold.iter().map(|(i, p)| (gold(*i), p.label))))
        .collect();
    let mut predictions: Vec<Option<Prediction>> = vec![None; records.len()];
    for (i, p) in fold_predictions.into_iter().flatten() {
        predictions[i] = Some(p);
    }
    let pooled = Metrics::from_pairs(
        predictions
            .iter()
            .enumerate()
            .filter_map(|(i, p)| p.as_ref().map(|p| (gold(i), p.label))),
    );
    let collect =
        |f: &dyn Fn(&Metrics) -> f64| MeanStd::of(&fold_metrics.iter().map(f).collect::<Vec<_>>());
    Ok(CvReport {
        config: *config,
        macro_f1: collect(&|m| m.macro_f1),
        accuracy: collect(&|m| m.accuracy),
        per_label_f1: Stance::ALL
            .iter()
            .map(|&l| (l, collect(&|m| m.per_label[l.index()].f1)))
            .collect(),
        fold_names: plan.names.clone(),
        folds: fold_metrics,
        pooled,
        predictions,
    })
}

/// One axis of a grid: a setting and the values to try.
#[derive(Debug, Clone)]
pub struct GridAxis {
    /// The setting, from the table of settings, named by its command-line flag (`l2`,
    /// `char-ngrams`, ...), or an on/off setting by its own name (`cues` for `--no-cues`).
    pub setting: &'static Setting,
    /// The values, as written on the command line.
    pub values: Vec<String>,
}

impl std::str::FromStr for GridAxis {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        let (key, values) = s
            .split_once('=')
            .ok_or_else(|| format!("expected KEY=V1,V2,... such as l2=1e-6,1e-5, found {s:?}"))?;
        let values: Vec<String> = values
            .split(',')
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .collect();
        if values.is_empty() {
            return Err(format!("no values for {key}"));
        }
        let setting = settings::find(key.trim()).map_err(|e| e.to_string())?;
        // check every value now, so a typo or a value out of range fails before hours of
        // training
        for v in &values {
            setting.check_value(v).map_err(|e| e.to_string())?;
        }
        Ok(GridAxis { setting, values })
    }
}

/// Every configuration of the grid: the cartesian product of the axes applied to `base`, each
/// point checked ([`TrainConfig::check`]) before any is trained, so a bad combination fails
/// at once instead of after the points before it.
///
/// # Errors
/// [`Error::InvalidParam`] for a bad key or value, a key given twice, or a point whose
/// settings are out of range (named by the point).
pub fn expand(base: &TrainConfig, axes: &[GridAxis]) -> Result<Vec<(String, TrainConfig)>> {
    for (i, axis) in axes.iter().enumerate() {
        if axes[..i]
            .iter()
            .any(|earlier| earlier.setting.name == axis.setting.name)
        {
            return Err(Error::InvalidParam {
                name: "grid",
                value: axis.setting.name.to_string(),
                reason: "given twice; list all its values in one --grid KEY=V1,V2".into(),
            });
        }
    }
    let mut points = vec![(String::new(), *base)];
    for axis in axes {
        let mut next = Vec::new();
        for (name, config) in &points {
            for value in &axis.values {
                let mut c = *config;
                axis.setting.set(&mut c, value)?;
                let label = if name.is_empty() {
                    format!("{}={value}", axis.setting.name)
                } else {
                    format!("{name} {}={value}", axis.setting.name)
                };
                next.push((label, c));
            }
        }
        points = next;
    }
    for (name, config) in &points {
        config.check().map_err(|e| match e {
            Error::InvalidParam {
                name: setting,
                value,
                reason,
            } if !name.is_empty() => Error::InvalidParam {
                name: setting,
                value,
                reason: format!("{reason} (grid point {name})"),
            },
            other => other,
        })?;
    }
    Ok(points)
}

#[cfg(test)]
mod tests {
    use super::*;
    use linfa::ParamGuard;

    #[test]
    fn grid_expands_to_the_cartesian_product() {
        let axes: Vec<GridAxis> = ["l2=1e-6,1e-5", "char-ngrams=0,3-5"]
            .iter()
            .map(|s| s.parse().unwrap())
            .collect();
        let points = expand(&TrainConfig::default(), &axes).unwrap();
        assert_eq!(points.len(), 4);
        assert_eq!(points[3].0, "l2=1e-5 char-ngrams=3-5");
        assert_eq!(points[3].1.model.check().unwrap().l2(), 1e-5);
        assert_eq!(
            (points[3].1.features.char_min, points[3].1.features.char_max),
            (3, 5)
        );
        assert_eq!(points[0].1.features.char_min, 0);
    }

    #[test]
    fn bad_axes_fail_early() {
        assert!("l2".parse::<GridAxis>().is_err());
        assert!("colour=red".parse::<GridAxis>().is_err());
        assert!("l2=abc".parse::<GridAxis>().is_err());
    }

    #[test]
    fn every_grid_point_is_checked_before_training_and_keys_are_unique() {
        let axes = |specs: &[&str]| -> Vec<GridAxis> {
            specs
                .iter()
                .map(|s| s.parse().expect("axis parses"))
                .collect()
        };
        // 40 parses as a u8 but is out of range: the axis itself fails
        let err = "hash-bits=16,40".parse::<GridAxis>().unwrap_err();
        assert!(err.contains("hash-bits = 40: must lie in"), "{err}");
        // lr x l2 >= 1 only on one combination of two axes
        let err = expand(
            &TrainConfig::default(),
            &axes(&["lr=0.5,50", "l2=1e-5,0.1"]),
        )
        .unwrap_err();
        assert!(err.to_string().contains("lr=50 l2=0.1"), "{err}");
        let err = expand(&TrainConfig::default(), &axes(&["l2=1e-6", "l2=1e-5"])).unwrap_err();
        assert!(
            matches!(&err, Error::InvalidParam { name: "grid", value, .. } if value == "l2"),
            "{err}"
        );
    }

    #[test]
    fn a_base_out_of_range_is_named_without_a_grid_point() {
        let mut base = TrainConfig::default();
        base.features.hash_bits = 40;
        let err = expand(&base, &[]).unwrap_err();
        assert!(
            matches!(&err, Error::InvalidParam { name: "hash-bits", reason, .. } if !reason.contains("grid point")),
            "{err}"
        );
    }

    #[test]
    fn mean_std_is_the_sample_std() {
        let m = MeanStd::of(&[1.0, 2.0, 3.0]);
        assert!((m.mean - 2.0).abs() < 1e-12 && (m.std - 1.0).abs() < 1e-12);
    }
}
