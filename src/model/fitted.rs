//! The trained linear model: weights (features x labels) and a bias per label, in ndarray.

use crate::error::{Error, Result};
use crate::features::SparseRows;
use crate::label::Stance;
use linfa::traits::PredictInplace;
use ndarray::{Array1, Array2};
use serde::{Deserialize, Serialize};

/// A fitted softmax classifier. It owns its label list, so outputs map back to names.
///
/// Read from a model file through its parts and [`FittedLinear::new`], so a decoded
/// model has passed the same checks as a trained one (shapes, the label list, finite numbers).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "FittedLinearParts")]
pub struct FittedLinear {
    labels: Vec<Stance>,
    /// Row `j` holds feature `j`'s weight for each label, so a feature's weights are adjacent.
    #[serde(with = "crate::serde_f32::matrix")]
    weights: Array2<f32>,
    bias: Array1<f32>,
}

/// The fields of a [`FittedLinear`] as a model file stores them, before they are checked.
#[derive(Deserialize)]
struct FittedLinearParts {
    labels: Vec<Stance>,
    #[serde(with = "crate::serde_f32::matrix")]
    weights: Array2<f32>,
    bias: Array1<f32>,
}

impl TryFrom<FittedLinearParts> for FittedLinear {
    type Error = Error;

    fn try_from(parts: FittedLinearParts) -> Result<FittedLinear> {
        FittedLinear::new(parts.labels, parts.weights, parts.bias)
    }
}

/// Largest weight or bias a model may hold. L2-regularised training stays far below it (the
/// shipped model's largest is under 10); a larger one is damage, forgery or a diverged fit, and
/// could overflow a sentence's scores to infinity.
const MAX_WEIGHT: f32 = 1e6;

impl FittedLinear {
    /// Assembles a model, checking that the shapes agree.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] when the weights, bias and labels disagree; [`Error::Data`]
    /// when the labels are not [`Stance::ALL`] in that order, the weights are not stored
    /// row-major, or a weight is not a finite number within ±10^6.
    pub fn new(
        labels: Vec<Stance>,
        weights: Array2<f32>,
        bias: Array1<f32>,
    ) -> Result<FittedLinear> {
        if weights.ncols() != labels.len() {
            return Err(Error::ShapeMismatch {
                what: "weight columns vs labels",
                expected: labels.len(),
                found: weights.ncols(),
            });
        }
        if bias.len() != labels.len() {
            return Err(Error::ShapeMismatch {
                what: "bias vs labels",
                expected: labels.len(),
                found: bias.len(),
            });
        }
        if !weights.is_standard_layout() {
            return Err(Error::Data("weights must be stored row-major".into()));
        }
        // Training always writes every label in class-index order, and evaluation, the
        // calibration measures and the Python binding read probabilities by `Stance::index`.
        if labels != Stance::ALL {
            return Err(Error::Data(format!(
                "a model's labels must be {:?} in that order, found {labels:?}",
                Stance::ALL
            )));
        }
        let flat = weights.as_slice().expect("standard layout, checked above");
        if !flat
            .iter()
            .chain(bias.iter())
            .all(|w| w.abs() <= MAX_WEIGHT)
        {
            return Err(Error::Data(format!(
                "weights must be finite numbers within ±{MAX_WEIGHT}"
            )));
        }
        Ok(FittedLinear {
            labels,
            weights,
            bias,
        })
    }

    /// A model over every label ([`Stance::ALL`]) with all weights zero.
    pub fn zeros(n_features: usize) -> FittedLinear {
        let labels = Stance::ALL.to_vec();
        let k = labels.len();
        FittedLinear {
            labels,
            weights: Array2::zeros((n_features, k)),
            bias: Array1::zeros(k),
        }
    }

    /// The labels, in class-index order.
    pub fn labels(&self) -> &[Stance] {
        &self.labels
    }

    /// The number of features the model expects.
    pub fn n_features(&self) -> usize {
        self.weights.nrows()
    }

    /// The weights, features x labels.
    pub fn weights(&self) -> &Array2<f32> {
        &self.weights
    }

    /// The bias per label.
    pub fn bias(&self) -> &Array1<f32> {
        &self.bias
    }

    pub(crate) fn parts_mut(&mut self) -> (&mut [f32], &mut [f32]) {
        (
            self.weights
                .as_slice_mut()
                .expect("weights are standard layout (checked in new)"),
            self.bias
                .as_slice_mut()
                .expect("a 1-d owned array is contiguous"),
        )
    }

    /// Raw scores (logits) of one sparse row, written into `out` (one per label).
    pub fn scores_into(&self, indices: &[u32], values: &[f32], out: &mut [f32]) {
        self.accumulate(indices.iter().copied().zip(values.iter().copied()), out);
    }

    /// Bias plus `weight x value` of each feature, in the order given, into `out`.
    fn accumulate(&self, features: impl Iterator<Item = (u32, f32)>, out: &mut [f32]) {
        let k = self.labels.len();
        let w = self
            .weights
            .as_slice()
            .expect("weights are standard layout (checked in new)");
        self.accumulate_by(features, out, |j| &w[j as usize * k..(j as usize + 1) * k]);
    }

    /// [`FittedLinear::accumulate`] with each feature's weights (one per label) from
    /// `weights_of`, for callers that keep the weights elsewhere (see [`crate::scorer`]).
    fn accumulate_by<'w>(
        &self,
        features: impl Iterator<Item = (u32, f32)>,
        out: &mut [f32],
        weights_of: impl Fn(u32) -> &'w [f32],
    ) {
        out.copy_from_slice(
            self.bias
                .as_slice()
                .expect("a 1-d owned array is contiguous"),
        );
        for (j, x) in features {
            for (o, wk) in out.iter_mut().zip(weights_of(j)) {
                *o += wk * x;
            }
        }
    }

    /// Probabilities of one sparse row, one per label, summing to 1.
    pub fn probabilities(&self, indices: &[u32], values: &[f32]) -> Vec<f32> {
        let mut p = vec![0.0; self.labels.len()];
        self.scores_into(indices, values, &mut p);
        softmax_in_place(&mut p);
        p
    }

    /// Raw scores (logits) of a row stored as (feature, value) pairs, one per label.
    pub fn row_logits(&self, row: &[(u32, f32)]) -> Vec<f32> {
        let mut p = vec![0.0; self.labels.len()];
        self.accumulate(row.iter().copied(), &mut p);
        p
    }

    /// [`FittedLinear::row_logits`] with each feature's weights from `weights_of` (the same
    /// numbers as [`FittedLinear::weights`], stored elsewhere).
    pub fn row_logits_by<'w>(
        &self,
        row: &[(u32, f32)],
        weights_of: impl Fn(u32) -> &'w [f32],
    ) -> Vec<f32> {
        let mut p = vec![0.0; self.labels.len()];
        self.accumulate_by(row.iter().copied(), &mut p, weights_of);
        p
    }

    /// Probabilities of every row, rows x labels.
    pub fn predict_proba(&self, rows: &SparseRows) -> Array2<f32> {
        let k = self.labels.len();
        let mut out = Array2::zeros((rows.n_rows(), k));
        for (i, mut out_row) in out.rows_mut().into_iter().enumerate() {
            let (idx, val) = rows.row(i);
            let p = self.probabilities(idx, val);
            out_row.assign(&Array1::from(p));
        }
        out
    }

    /// The most probable label of a probability vector.
    pub fn best_label(&self, probabilities: &[f32]) -> Stance {
        self.labels[argmax(probabilities)]
    }
}

/// Index of the largest value (the first one on ties).
pub fn argmax(values: &[f32]) -> usize {
    let mut best = 0;
    for (i, v) in values.iter().enumerate() {
        if *v > values[best] {
            best = i;
        }
    }
    best
}

/// Replaces logits by their softmax, stably (max subtracted first).
pub fn softmax_in_place(values: &mut [f32]) {
    let max = values.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0;
    for v in values.iter_mut() {
        *v = (*v - max).exp();
        sum += *v;
    }
    for v in values.iter_mut() {
        *v /= sum;
    }
}

impl PredictInplace<SparseRows, Array1<Stance>> for FittedLinear {
    fn predict_inplace(&self, x: &SparseRows, y: &mut Array1<Stance>) {
        let mut scores = vec![0.0; self.labels.len()];
        for (i, target) in y.iter_mut().enumerate().take(x.n_rows()) {
            let (idx, val) = x.row(i);
            self.scores_into(idx, val, &mut scores);
            *target = self.labels[argmax(&scores)];
        }
    }

    fn default_target(&self, x: &SparseRows) -> Array1<Stance> {
        Array1::from_elem(x.n_rows(), self.labels[0])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_decoded_model_is_checked_like_a_built_one() {
        #[derive(Serialize)]
        struct Parts {
            labels: Vec<Stance>,
            #[serde(with = "crate::serde_f32::matrix")]
            weights: Array2<f32>,
            bias: Array1<f32>,
        }
        let decode = |parts: Parts| {
            let bytes = bincode::serialize(&parts).unwrap();
            bincode::deserialize::<FittedLinear>(&bytes).map_err(|e| e.to_string())
        };
        let labels = Stance::ALL.to_vec();
        let good = Parts {
            labels: labels.clone(),
            weights: Array2::zeros((4, 3)),
            bias: Array1::zeros(3),
        };
        assert!(decode(good).is_ok());
        // a weight matrix with a column too many once loaded and read the wrong weights
        let wide = Parts {
            labels: labels.clone(),
            weights: Array2::zeros((4, 4)),
            bias: Array1::zeros(3),
        };
        assert!(decode(wide).unwrap_err().contains("weight columns"));
        let short_bias = Parts {
            labels: labels.clone(),
            weights: Array2::zeros((4, 3)),
            bias: Array1::zeros(2),
        };
        assert!(decode(short_bias).unwrap_err().contains("bias"));
        let repeated = Parts {
            labels: vec![Stance::Denial; 3],
            weights: Array2::zeros((4, 3)),
            bias: Array1::zeros(3),
        };
        assert!(decode(repeated).unwrap_err().contains("labels must be"));
        let mut nan = Array2::zeros((4, 3));
        nan[[1, 2]] = f32::NAN;
        let not_finite = Parts {
            labels,
            weights: nan,
            bias: Array1::zeros(3),
        };
        assert!(decode(not_finite).unwrap_err().contains("finite"));
    }
    use linfa::traits::Predict;
    use ndarray::array;

    fn toy() -> FittedLinear {
        FittedLinear::new(
            Stance::ALL.to_vec(),
            array![[2.0, 0.0, 0.0], [0.0, 3.0, 0.0], [0.0, 0.0, 1.0]],
            array![0.0, 0.0, 0.5],
        )
        .unwrap()
    }

    #[test]
    fn shapes_are_checked() {
        let err = FittedLinear::new(
            Stance::ALL.to_vec(),
            Array2::zeros((4, 2)),
            Array1::zeros(3),
        );
        assert!(matches!(
            err,
            Err(Error::ShapeMismatch {
                expected: 3,
                found: 2,
                ..
            })
        ));
    }

    #[test]
    fn probabilities_are_a_softmax_of_the_scores() {
        let model = toy();
        let p = model.probabilities(&[1], &[1.0]);
        assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        let e = [0.0f32.exp(), 3.0f32.exp(), 0.5f32.exp()];
        let z: f32 = e.iter().sum();
        for (got, want) in p.iter().zip(e.iter().map(|x| x / z)) {
            assert!((got - want).abs() < 1e-6);
        }
    }

    #[test]
    fn linfa_predict_maps_to_labels() {
        let model = toy();
        let mut rows = SparseRows::new(3);
        rows.push(&[(0, 1.0)]);
        rows.push(&[(1, 1.0)]);
        rows.push(&[]);
        let predicted: Array1<Stance> = model.predict(&linfa::DatasetBase::new(rows, ()));
        assert_eq!(
            predicted.to_vec(),
            [Stance::Assertion, Stance::Denial, Stance::Allegation]
        );
    }
}
