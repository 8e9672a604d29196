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
pub(crate) struct Weight {
    /// Which weight (`l10.q.w`, `head.w`, ...).
    pub(crate) name: String,
    /// Its dimensions.
    pub(crate) shape: Vec<usize>,
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
    fn exact(name: &str, tensor: &Tensor) -> Result<Weight> {
        Ok(Weight {
            name: name.to_string(),
            shape: tensor.dims().to_vec(),
            values: Values::Exact(tensor.flatten_all()?.to_vec1::<f32>()?),
        })
    }

    /// The values of `tensor` under `name`: a matrix (two dimensions) quantised by rows, any
    /// other shape as it is.
    fn compact(name: &str, tensor: &Tensor) -> Result<Weight> {
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
    /// [`Error::E5`] if its values do not fill its shape.
    fn tensor(&self) -> Result<Tensor> {
        let wrong = |held: usize| {
            Error::E5(format!(
                "weight {} holds {held} values for shape {:?}",
                self.name, self.shape
            ))
        };
        let size = self.shape.iter().product::<usize>();
        let values = match &self.values {
            Values::Exact(values) => values.clone(),
            Values::Int8Rows(q) if self.shape.first() == Some(&q.rows()) => {
                q.dequantise().ok_or_else(|| wrong(q.len()))?
            }
            Values::Int8Rows(q) => {
                return Err(Error::E5(format!(
                    "weight {} holds {} row scales for shape {:?}",
                    self.name,
                    q.rows(),
                    self.shape
                )))
            }
        };
        if values.len() != size {
            return Err(wrong(values.len()));
        }
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
    /// The model of `encoder`'s upper layers (`upper_layers` of them) and the head's
    /// `weight` and `bias`.
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
                .map(|(name, tensor)| Weight::compact(name, tensor))
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

    /// Each of `texts`' probabilities of the three labels, in [`Stance::ALL`] order: tokens
    /// from `tokenizer` (cut to [`FineTunedE5::max_len`]), `encoder`'s lower layers and the
    /// trained upper layers (fused kernels, no gradient), mean pooling, the head, softmax.
    /// `encoder` must be the pretrained model the training started from, its tokenizer with
    /// the same prefix.
    ///
    /// # Errors
    /// [`Error::E5`] if the stored weights do not fit `encoder` (another model's sizes);
    /// [`Error::Tokenizer`] if a sentence cannot be tokenized.
    pub fn probabilities<S: AsRef<str>>(
        &self,
        encoder: &E5Encoder,
        tokenizer: &E5Tokenizer,
        texts: &[S],
    ) -> Result<Vec<[f32; 3]>> {
        let encoder = self.apply(encoder)?;
        let head = self.head()?;
        let ids = tokenizer.encode(texts, Some(self.max_len))?;
        let mut out = vec![[0f32; 3]; texts.len()];
        for chosen in batches_by_length(&ids, PREDICT_BATCH) {
            let sentences: Vec<&[u32]> = chosen.iter().map(|&i| ids[i].as_slice()).collect();
            let batch = E5Batch::new(&sentences, tokenizer.pad())?;
            let pooled = mean_pool(&encoder.states(&batch.ids, &batch.mask)?, &batch.mask)?;
            let probabilities =
                candle_nn::ops::softmax_last_dim(&head.forward(&pooled)?)?.to_vec2::<f32>()?;
            for (&i, p) in chosen.iter().zip(probabilities) {
                out[i] = [p[0], p[1], p[2]];
            }
        }
        Ok(out)
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
