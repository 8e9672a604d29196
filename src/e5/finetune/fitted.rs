//! A fine-tuned e5 stance model: the trained top layers' weights and the linear head, as
//! named vectors with shapes (serde). The layers' matrices are kept as 8-bit integers with a
//! scale per row (`int8.rs`), quantised as training ends, so the model that predicts is the
//! one the file holds; vectors and the head stay `f32` (as bytes, as the crate's linear model
//! stores them). The frozen lower layers are not stored: they are the pretrained model
//! file's, which prediction is given.
//!
//! Goes in: raw sentences, the pretrained encoder and its tokenizer. Comes out: each
//! sentence's probabilities of the three labels, through the whole model with the fused
//! no-gradient kernels.

use super::super::{batches_by_length, mean_pool, E5Batch, E5Encoder, E5Tokenizer};
use super::int8::Int8Rows;
use crate::error::{Error, Result};
use crate::label::Stance;
use candle_core::{Device, Module, Tensor};
use candle_nn::Linear;
use serde::{Deserialize, Serialize};

/// Sentences per batch at prediction.
const PREDICT_BATCH: usize = 32;

/// One weight tensor: its name, shape and row-major values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Weight {
    /// Which weight (`l10.q.w`, `head.w`, ...).
    name: String,
    /// Its dimensions.
    shape: Vec<usize>,
    /// Its values.
    values: Values,
}

/// How a weight's values are stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum Values {
    /// As they are: vectors (biases, layer norms) and the head.
    Exact(#[serde(with = "crate::serde_f32::vec")] Vec<f32>),
    /// A matrix of the trained layers, 8 bits a value with a scale per row.
    Int8Rows(Int8Rows),
}

impl Weight {
    /// The values of `tensor` under `name`, as they are.
    ///
    /// # Errors
    /// [`Error::E5`] if a value is not finite (training diverged).
    fn exact(name: &str, tensor: &Tensor) -> Result<Weight> {
        let values = tensor.flatten_all()?.to_vec1::<f32>()?;
        if values.iter().any(|v| !v.is_finite()) {
            return Err(Error::E5(format!(
                "fine-tuning diverged: weight {name} holds a value that is not finite"
            )));
        }
        Ok(Weight {
            name: name.to_string(),
            shape: tensor.dims().to_vec(),
            values: Values::Exact(values),
        })
    }

    /// The values of `tensor` under `name`: a matrix (two dimensions) quantised by rows, any
    /// other shape as it is.
    ///
    /// # Errors
    /// As [`Weight::exact`].
    fn quantised(name: &str, tensor: &Tensor) -> Result<Weight> {
        let exact = Weight::exact(name, tensor)?;
        match (&exact.values, exact.shape.as_slice()) {
            (Values::Exact(values), &[_, columns]) => Ok(Weight {
                values: Values::Int8Rows(Int8Rows::quantise(values, columns)),
                ..exact
            }),
            _ => Ok(exact),
        }
    }

    /// The weight as a CPU tensor.
    ///
    /// # Errors
    /// [`Error::E5`] if its values do not fill its shape (a damaged file).
    fn tensor(&self) -> Result<Tensor> {
        let damaged = || {
            Error::E5(format!(
                "weight {} does not fill its shape {:?}",
                self.name, self.shape
            ))
        };
        let size = self
            .shape
            .iter()
            .try_fold(1usize, |n, &d| n.checked_mul(d))
            .ok_or_else(damaged)?;
        let values = match &self.values {
            Values::Exact(values) if values.len() == size => values.clone(),
            Values::Int8Rows(q) => {
                let rows = self.shape.first().copied().unwrap_or(1);
                let columns = size.checked_div(rows).unwrap_or(0);
                q.dequantise(rows, columns).ok_or_else(damaged)?
            }
            Values::Exact(_) => return Err(damaged()),
        };
        Ok(Tensor::from_vec(
            values,
            self.shape.as_slice(),
            &Device::Cpu,
        )?)
    }
}

/// The trained part of an e5 stance model: its top layers and the head on their mean-pooled
/// final states (label scores in [`Stance::ALL`] order).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FineTunedE5 {
    /// The trained top layers' weights, named as in the model file, bottom layer first.
    layers: Vec<Weight>,
    /// How many top layers `layers` holds.
    upper_layers: usize,
    /// The head's weight, `[3, hidden]`.
    head_weight: Weight,
    /// The head's bias, `[3]`.
    head_bias: Weight,
    /// Tokens a sentence is cut to, as in training.
    max_len: usize,
}

impl FineTunedE5 {
    /// The model of `encoder`'s upper layers (`upper_layers` of them, their matrices
    /// quantised) and the head's `weight` and `bias`.
    ///
    /// # Errors
    /// [`Error::E5`] if a trained value is not finite (training diverged).
    pub(crate) fn new(
        encoder: &E5Encoder,
        head_weight: &Tensor,
        head_bias: &Tensor,
        max_len: usize,
    ) -> Result<FineTunedE5> {
        Ok(FineTunedE5 {
            layers: encoder
                .upper_weights()
                .iter()
                .map(|(name, tensor)| Weight::quantised(name, tensor))
                .collect::<Result<_>>()?,
            upper_layers: encoder.upper_layers(),
            head_weight: Weight::exact("head.w", head_weight)?,
            head_bias: Weight::exact("head.b", head_bias)?,
            max_len,
        })
    }

    /// How many of the encoder's top layers were trained.
    pub fn upper_layers(&self) -> usize {
        self.upper_layers
    }

    /// The tokens a sentence is cut to (`<s>` and `</s>` included), as in training.
    pub fn max_len(&self) -> usize {
        self.max_len
    }

    /// The model joined to `encoder`, ready to predict: the trained layers dequantised and
    /// put in place once, for every later [`E5Predictor::probabilities`]. `encoder` must be
    /// the pretrained model the training started from.
    ///
    /// # Errors
    /// [`Error::E5`] if the stored weights do not fit `encoder` (another model's sizes).
    pub fn predictor(&self, encoder: &E5Encoder) -> Result<E5Predictor> {
        Ok(E5Predictor {
            encoder: self.apply(encoder)?,
            head: self.head()?,
            max_len: self.max_len,
        })
    }

    /// Each of `texts`' probabilities of the three labels, as [`E5Predictor::probabilities`]
    /// of [`FineTunedE5::predictor`]`(encoder)`: for one call; callers that predict in steps
    /// keep the predictor.
    ///
    /// # Errors
    /// As [`FineTunedE5::predictor`] and [`E5Predictor::probabilities`].
    pub fn probabilities<S: AsRef<str>>(
        &self,
        encoder: &E5Encoder,
        tokenizer: &E5Tokenizer,
        texts: &[S],
    ) -> Result<Vec<[f32; 3]>> {
        self.predictor(encoder)?.probabilities(tokenizer, texts)
    }

    /// A copy of `encoder` with the trained upper layers.
    fn apply(&self, encoder: &E5Encoder) -> Result<E5Encoder> {
        let weights = self
            .layers
            .iter()
            .map(|w| Ok((w.name.clone(), w.tensor()?)))
            .collect::<Result<Vec<_>>>()?;
        encoder
            .resplit(self.upper_layers)?
            .with_upper_weights(&weights)
    }

    /// The head, its label count checked (a hidden size other than the encoder's fails at
    /// its first product, as [`Error::E5`]).
    fn head(&self) -> Result<Linear> {
        let (weight, bias) = (self.head_weight.tensor()?, self.head_bias.tensor()?);
        let labels = Stance::ALL.len();
        if weight.dims().first() != Some(&labels) || bias.dims() != [labels] {
            return Err(Error::E5(format!(
                "a head of shapes {:?} and {:?} for {labels} labels",
                weight.dims(),
                bias.dims()
            )));
        }
        Ok(Linear::new(weight, Some(bias)))
    }
}

/// A fine-tuned e5 model joined to its pretrained encoder ([`FineTunedE5::predictor`]).
#[derive(Debug)]
pub struct E5Predictor {
    /// The pretrained encoder with the trained upper layers in place.
    encoder: E5Encoder,
    /// The head on the mean-pooled final states.
    head: Linear,
    /// Tokens a sentence is cut to, as in training.
    max_len: usize,
}

impl E5Predictor {
    /// Each of `texts`' probabilities of the three labels, in [`Stance::ALL`] order: tokens
    /// from `tokenizer` (cut to [`FineTunedE5::max_len`]), the encoder's lower layers and the
    /// trained upper layers (fused kernels, no gradient), mean pooling, the head, softmax.
    /// `tokenizer` must be the pretrained model's, with the prefix the training used.
    ///
    /// # Errors
    /// [`Error::E5`] if the encoder fails; [`Error::Tokenizer`] if a sentence cannot be
    /// tokenized.
    pub fn probabilities<S: AsRef<str>>(
        &self,
        tokenizer: &E5Tokenizer,
        texts: &[S],
    ) -> Result<Vec<[f32; 3]>> {
        let ids = tokenizer.encode(texts, Some(self.max_len))?;
        let mut out = vec![[0f32; 3]; texts.len()];
        for chosen in batches_by_length(&ids, PREDICT_BATCH) {
            let sentences: Vec<&[u32]> = chosen.iter().map(|&i| ids[i].as_slice()).collect();
            let batch = E5Batch::new(&sentences, tokenizer.pad())?;
            let states = self.encoder.states(&batch.ids, &batch.mask)?;
            let pooled = mean_pool(&states, &batch.mask)?;
            let probabilities =
                candle_nn::ops::softmax_last_dim(&self.head.forward(&pooled)?)?.to_vec2::<f32>()?;
            for (&i, p) in chosen.iter().zip(probabilities) {
                out[i] = [p[0], p[1], p[2]];
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matrix(values: &[f32], rows: usize) -> Tensor {
        Tensor::from_vec(values.to_vec(), (rows, values.len() / rows), &Device::Cpu).unwrap()
    }

    #[test]
    fn matrices_are_stored_in_8_bits_and_vectors_as_they_are() {
        let values = [0.5, -1.0, 0.25, 2.0, 0.0, -0.5];
        let weight = Weight::quantised("l11.q.w", &matrix(&values, 2)).unwrap();
        assert!(matches!(weight.values, Values::Int8Rows(_)));
        let back = weight.tensor().unwrap().flatten_all().unwrap();
        for (v, b) in values.iter().zip(back.to_vec1::<f32>().unwrap()) {
            assert!((v - b).abs() <= 2.0 / 254.0 + 1e-6, "{v} -> {b}");
        }
        let bias = Tensor::new(&[0.1f32, -0.2, 0.3], &Device::Cpu).unwrap();
        let weight = Weight::quantised("l11.q.b", &bias).unwrap();
        assert_eq!(weight.values, Values::Exact(vec![0.1, -0.2, 0.3]));
    }

    #[test]
    fn a_value_that_is_not_finite_is_a_diverged_training() {
        for bad in [f32::NAN, f32::INFINITY] {
            let err = Weight::quantised("l11.o.w", &matrix(&[1.0, bad, 0.0, 2.0], 2)).unwrap_err();
            assert!(err.to_string().contains("l11.o.w"), "{err}");
        }
    }

    #[test]
    fn values_that_do_not_fill_the_shape_are_an_error_naming_the_weight() {
        let mut weight = Weight::quantised("l10.f1.w", &matrix(&[1.0; 6], 2)).unwrap();
        weight.shape = vec![3, 2];
        let err = weight.tensor().unwrap_err();
        assert!(err.to_string().contains("l10.f1.w"), "{err}");
        weight.shape = vec![usize::MAX, 3];
        assert!(weight.tensor().is_err(), "a shape whose size overflows");
        let mut exact = Weight::exact("head.b", &matrix(&[1.0; 3], 1)).unwrap();
        exact.shape = vec![4];
        assert!(exact.tensor().is_err());
    }
}
