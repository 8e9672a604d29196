//! The whole prediction path in one value: text -> tokens -> hashed counts -> TF-IDF ->
//! probabilities. Training builds one; a model file stores exactly its parts.

use crate::calibration::Calibration;
use crate::error::{Error, Result};
use crate::features::tfidf::Weighting;
use crate::features::{FeatureKind, Featurizer, IdfWeights, Scratch, SparseRows};
use crate::label::Stance;
use crate::model::fitted::softmax_in_place;
use crate::model::FittedLinear;
use crate::text::TokenBuffer;
use rayon::prelude::*;
use serde::Serialize;

/// Largest IDF a model may hold: a fitted IDF is at most ln(1 + documents) + 1, so 100 would
/// take e^99 documents. Larger values are damage or forgery, and let a long sentence's
/// features overflow to infinity.
const MAX_IDF: f32 = 100.0;

/// Featurizer, IDF, fitted model and its calibration together.
///
/// The parts are private and only [`Pipeline::new`] (or the `with_*` methods, which go through
/// it) assembles them, so every pipeline has agreeing parts: as many IDF weights and weight
/// rows as the featurizer has features, and a usable calibration.
#[derive(Debug, Clone)]
pub struct Pipeline {
    featurizer: Featurizer,
    idf: IdfWeights,
    model: FittedLinear,
    calibration: Calibration,
}

/// Working storage of [`Pipeline::predict_with`], kept per thread.
#[derive(Debug, Default)]
pub struct PredictBuffers {
    scratch: Scratch,
    row: Vec<(u32, f32)>,
}

impl PredictBuffers {
    /// The featuriser's storage and the row being built.
    pub(crate) fn parts(&mut self) -> (&mut Scratch, &mut Vec<(u32, f32)>) {
        (&mut self.scratch, &mut self.row)
    }
}

/// One sentence's prediction.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Prediction {
    /// The most probable label.
    pub label: Stance,
    /// The probability of each label, in the model's label order.
    pub probabilities: Vec<(Stance, f32)>,
}

/// What abstaining prints instead of a label (`--min-confidence`).
pub const UNCERTAIN: &str = "uncertain";

impl Prediction {
    /// The label to show: the predicted one, or [`UNCERTAIN`] when its confidence is below
    /// `min_confidence`.
    pub fn shown_label(&self, min_confidence: Option<f32>) -> &'static str {
        match min_confidence {
            Some(min) if self.confidence() < min => UNCERTAIN,
            _ => self.label.as_str(),
        }
    }

    /// The probability of the predicted label.
    pub fn confidence(&self) -> f32 {
        self.probabilities
            .iter()
            .find(|(l, _)| *l == self.label)
            .map_or(0.0, |(_, p)| *p)
    }
}

/// One feature's share in a prediction: `weight x value` toward the predicted label, minus its
/// mean pull toward the other labels, mapped back to the text it came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Contribution {
    /// The n-gram as people read it (`[..]` marks character n-grams).
    pub feature: String,
    /// What kind of n-gram.
    pub kind: FeatureKind,
    /// How much it pushed toward the predicted label.
    pub weight: f32,
    /// Byte span of the words it came from in the sentence.
    pub start: usize,
    /// End of that span (exclusive).
    pub end: usize,
}

/// A [`Contribution`] as the JSON outputs show it (`predict --explain`, `eval --json`, and
/// `article`'s with offsets into the article): the words it came from and their character
/// offsets.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ShownContribution {
    /// The n-gram as people read it.
    pub feature: String,
    /// How much it pushed toward the predicted label.
    pub weight: f32,
    /// Character (code point) offset of the words it came from.
    pub start: usize,
    /// End of those words (exclusive), in characters.
    pub end: usize,
    /// The words themselves.
    pub text: String,
}

impl Contribution {
    /// This contribution shown against `sentence`, the text it was explained on.
    pub fn shown(self, sentence: &str) -> ShownContribution {
        ShownContribution {
            start: crate::text::char_offset(sentence, self.start),
            end: crate::text::char_offset(sentence, self.end),
            text: sentence[self.start..self.end].to_string(),
            feature: self.feature,
            weight: self.weight,
        }
    }
}

impl Pipeline {
    /// Assembles a pipeline, checking that its parts agree.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] when the IDF or the model's weight rows do not number the
    /// featurizer's features; [`Error::Data`] for an IDF weight outside 0..=100 (or not a
    /// number), or a calibration temperature outside the fitted range 0.05..=20.
    pub fn new(
        featurizer: Featurizer,
        idf: IdfWeights,
        model: FittedLinear,
        calibration: Calibration,
    ) -> Result<Pipeline> {
        let n_features = featurizer.n_features();
        if idf.len() != n_features {
            return Err(Error::ShapeMismatch {
                what: "IDF weights vs features",
                expected: n_features,
                found: idf.len(),
            });
        }
        if model.n_features() != n_features {
            return Err(Error::ShapeMismatch {
                what: "weight rows vs features",
                expected: n_features,
                found: model.n_features(),
            });
        }
        if let Some((bucket, w)) = idf
            .values()
            .iter()
            .enumerate()
            .find(|(_, w)| !(0.0..=MAX_IDF).contains(*w))
        {
            return Err(Error::Data(format!(
                "IDF weight {w} of feature {bucket} is not a number in 0..={MAX_IDF}"
            )));
        }
        let temperature = calibration.temperature;
        if !crate::calibration::temperature::is_fitted_range(temperature) {
            return Err(Error::Data(format!(
                "calibration temperature {temperature} is outside the fitted range {}..={}",
                crate::calibration::temperature::T_MIN,
                crate::calibration::temperature::T_MAX
            )));
        }
        Ok(Pipeline {
            featurizer,
            idf,
            model,
            calibration,
        })
    }

    /// Text to hashed counts.
    pub fn featurizer(&self) -> &Featurizer {
        &self.featurizer
    }

    /// IDF fitted on the training rows.
    pub fn idf(&self) -> &IdfWeights {
        &self.idf
    }

    /// The classifier.
    pub fn model(&self) -> &FittedLinear {
        &self.model
    }

    /// How the classifier's logits become probabilities (temperature scaling).
    pub fn calibration(&self) -> &Calibration {
        &self.calibration
    }

    /// The same pipeline with another classifier.
    ///
    /// # Errors
    /// As [`Pipeline::new`]: the model must have a weight row per feature.
    pub fn with_model(self, model: FittedLinear) -> Result<Pipeline> {
        Pipeline::new(self.featurizer, self.idf, model, self.calibration)
    }

    /// The same pipeline with another calibration.
    ///
    /// # Errors
    /// As [`Pipeline::new`]: the temperature must be a positive number.
    pub fn with_calibration(self, calibration: Calibration) -> Result<Pipeline> {
        Pipeline::new(self.featurizer, self.idf, self.model, calibration)
    }

    /// TF-IDF row of a sentence.
    ///
    /// # Errors
    /// [`crate::Error::Tokenizer`] if the text pipeline fails.
    pub fn features(&self, text: &str) -> Result<Vec<(u32, f32)>> {
        let mut row = Vec::new();
        self.features_into(text, &mut Scratch::default(), &mut row)?;
        Ok(row)
    }

    /// [`Pipeline::features`] into `row` (cleared first), with reusable working storage.
    ///
    /// # Errors
    /// [`crate::Error::Tokenizer`] if the text pipeline fails.
    pub fn features_into(
        &self,
        text: &str,
        scratch: &mut Scratch,
        row: &mut Vec<(u32, f32)>,
    ) -> Result<()> {
        self.featurizer.counts_into(text, scratch, row)?;
        let config = self.featurizer.config();
        self.idf.transform(
            row,
            Weighting {
                sublinear: config.sublinear_tf,
                unit_norm: config.unit_norm,
                fixed: self.featurizer.fixed_buckets(),
            },
        );
        Ok(())
    }

    /// TF-IDF rows of many sentences, featurised in parallel, in input order.
    ///
    /// # Errors
    /// The first featurisation error.
    pub fn feature_rows<S: AsRef<str> + Sync>(&self, texts: &[S]) -> Result<SparseRows> {
        let rows: Vec<Vec<(u32, f32)>> = texts
            .par_iter()
            .map(|t| self.features(t.as_ref()))
            .collect::<Result<_>>()?;
        let mut out = SparseRows::new(self.featurizer.n_features());
        for row in &rows {
            out.push(row);
        }
        Ok(out)
    }

    /// Predicts one sentence.
    ///
    /// # Errors
    /// [`crate::Error::Tokenizer`] if the text pipeline fails.
    pub fn predict(&self, text: &str) -> Result<Prediction> {
        self.predict_with(text, &mut PredictBuffers::default())
    }

    /// [`Pipeline::predict`] with reusable working storage (one per thread), which allocates
    /// nothing per sentence but the prediction itself.
    ///
    /// # Errors
    /// [`crate::Error::Tokenizer`] if the text pipeline fails.
    pub fn predict_with(&self, text: &str, buffers: &mut PredictBuffers) -> Result<Prediction> {
        self.features_into(text, &mut buffers.scratch, &mut buffers.row)?;
        let logits = self.model.row_logits(&buffers.row);
        Ok(self.prediction(logits))
    }

    /// The prediction of a vector of logits (one per label, in the model's order): scaled by
    /// the calibration, then the softmax.
    pub fn prediction(&self, mut logits: Vec<f32>) -> Prediction {
        self.calibration.scale(&mut logits);
        softmax_in_place(&mut logits);
        Prediction {
            label: self.model.best_label(&logits),
            probabilities: self.model.labels().iter().copied().zip(logits).collect(),
        }
    }

    /// The model's raw scores (logits) of a sentence, one per label, before calibration.
    ///
    /// # Errors
    /// [`crate::Error::Tokenizer`] if the text pipeline fails.
    pub fn logits(&self, text: &str) -> Result<Vec<f32>> {
        let mut buffers = PredictBuffers::default();
        self.features_into(text, &mut buffers.scratch, &mut buffers.row)?;
        Ok(self.model.row_logits(&buffers.row))
    }

    /// The same pipeline with its calibration switched off (probabilities straight from the
    /// softmax of the logits).
    pub fn uncalibrated(mut self) -> Pipeline {
        self.calibration = Calibration::default();
        self
    }

    /// The features that pushed a sentence most toward `label`, strongest first, at most
    /// `top` of them (positive contributions only).
    ///
    /// # Errors
    /// [`crate::Error::Tokenizer`] if the text pipeline fails.
    pub fn explain(&self, text: &str, label: Stance, top: usize) -> Result<Vec<Contribution>> {
        let mut tokens = TokenBuffer::default();
        self.featurizer
            .pipeline()
            .tokenize_into(text, &mut tokens)?;
        let row = self.features(text)?;
        let Some(class) = self.model.labels().iter().position(|l| *l == label) else {
            return Ok(Vec::new());
        };
        let weights = self.model.weights();
        let k = self.model.labels().len();
        let mut seen = std::collections::HashSet::new();
        let mut out = Vec::new();
        self.featurizer.walk(&tokens, |o| {
            let Ok(at) = row.binary_search_by_key(&o.bucket, |r| r.0) else {
                return;
            };
            let value = row[at].1;
            let own = weights[[o.bucket as usize, class]];
            let others: f32 = (0..k)
                .filter(|&c| c != class)
                .map(|c| weights[[o.bucket as usize, c]])
                .sum::<f32>()
                / (k - 1).max(1) as f32;
            let weight = value * (own - others);
            if weight > 0.0 && seen.insert(o.bucket) {
                out.push(Contribution {
                    feature: o.name(),
                    kind: o.kind,
                    weight,
                    start: tokens.span(o.tokens.0).0,
                    end: tokens.span(o.tokens.1 - 1).1,
                });
            }
        });
        out.sort_by(|a, b| b.weight.total_cmp(&a.weight));
        out.truncate(top);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::{FeatureConfig, FeatureHasher};

    fn featurizer() -> Featurizer {
        Featurizer::new(FeatureConfig {
            hash_bits: FeatureHasher::MIN_BITS,
            ..FeatureConfig::default()
        })
        .unwrap()
    }

    fn idf(values: Vec<f32>) -> IdfWeights {
        // IdfWeights as a model file stores them: the only way to arbitrary values
        #[derive(Serialize)]
        struct Stored {
            #[serde(with = "crate::serde_f32::vec")]
            idf: Vec<f32>,
            n_documents: usize,
        }
        let bytes = bincode::serialize(&Stored {
            idf: values,
            n_documents: 1,
        })
        .unwrap();
        bincode::deserialize(&bytes).unwrap()
    }

    fn model(n_features: usize) -> FittedLinear {
        FittedLinear::zeros(n_features)
    }

    #[test]
    fn agreeing_parts_make_a_pipeline_that_predicts() {
        let f = featurizer();
        let n = f.n_features();
        let pipeline = Pipeline::new(f, idf(vec![1.0; n]), model(n), Calibration::default())
            .expect("agreeing parts");
        let p = pipeline.predict("نفت الشركة الخبر").unwrap();
        assert!((p.probabilities.iter().map(|(_, p)| p).sum::<f32>() - 1.0).abs() < 1e-5);
    }

    #[test]
    fn parts_that_disagree_are_refused() {
        let n = featurizer().n_features();
        let build = |idf_values: Vec<f32>, rows: usize, temperature: f32| {
            let calibration = Calibration {
                temperature,
                ..Calibration::default()
            };
            Pipeline::new(featurizer(), idf(idf_values), model(rows), calibration)
        };
        // a weight matrix with a row too few used to panic on the last bucket in predict
        let err = build(vec![1.0; n], n - 1, 1.0).unwrap_err();
        assert!(matches!(
            err,
            Error::ShapeMismatch { what: "weight rows vs features", expected, found }
                if expected == n && found == n - 1
        ));
        let err = build(vec![1.0; n + 1], n, 1.0).unwrap_err();
        assert!(matches!(
            err,
            Error::ShapeMismatch {
                what: "IDF weights vs features",
                ..
            }
        ));
        let mut bad_idf = vec![1.0; n];
        bad_idf[3] = f32::NAN;
        assert!(matches!(build(bad_idf, n, 1.0), Err(Error::Data(_))));
        let mut negative_idf = vec![1.0; n];
        negative_idf[0] = -1.0;
        assert!(matches!(build(negative_idf, n, 1.0), Err(Error::Data(_))));
        // finite but absurd: a long sentence's features would overflow to infinity
        let mut huge_idf = vec![1.0; n];
        huge_idf[1] = 1e30;
        assert!(matches!(build(huge_idf, n, 1.0), Err(Error::Data(_))));
        // positive but tiny (found by fuzzing): every logit became infinite, probabilities NaN
        for t in [
            0.0,
            -1.0,
            f32::NAN,
            f32::INFINITY,
            f32::MIN_POSITIVE,
            0.01,
            21.0,
        ] {
            assert!(
                matches!(build(vec![1.0; n], n, t), Err(Error::Data(_))),
                "{t}"
            );
        }
        for t in [0.05, 1.0, 20.0] {
            assert!(build(vec![1.0; n], n, t).is_ok(), "{t}");
        }
    }

    #[test]
    fn replacing_a_part_is_checked_too() {
        let f = featurizer();
        let n = f.n_features();
        let pipeline =
            Pipeline::new(f, idf(vec![1.0; n]), model(n), Calibration::default()).unwrap();
        assert!(pipeline.clone().with_model(model(n + 1)).is_err());
        let hot = Calibration {
            temperature: f32::NAN,
            ..Calibration::default()
        };
        assert!(pipeline.clone().with_calibration(hot).is_err());
        assert!(pipeline.with_model(model(n)).is_ok());
    }
}
