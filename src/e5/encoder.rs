//! The e5 encoder network, as `StanceE5` in `bench/e5_finetune_probe.py`: word, position and
//! token-type embeddings, their layer norm, then the BERT layers; e5's sentence embedding is
//! the mean of the final states over the real tokens, L2-normalised.
//!
//! Goes in: a batch of right-padded token ids and its mask ([`E5Batch`](super::E5Batch)).
//! Comes out: hidden states (`batch, tokens, hidden`) or sentence embeddings
//! (`batch, hidden`). Everything runs in `f32` on the CPU, with candle.

use super::dropout::Dropout;
use super::file::{E5Config, E5File};
use super::layer::{read_tensor, Kernels, Layer, Norm, LAYER_WEIGHTS};
use crate::error::{Error, Result};
use candle_core::{DType, Tensor, Var, D};

/// Added to the attention scores of padding: far enough below any real score that its
/// softmax weight is exactly 0 in `f32`, as PyTorch's boolean attention mask gives.
const MASKED: f64 = -1e9;

/// The e5 encoder, split into lower layers (frozen when fine-tuning) and upper layers.
#[derive(Debug, Clone)]
pub struct E5Encoder {
    config: E5Config,
    word: Tensor,
    positions: Tensor,
    token_type: Tensor,
    norm: Norm,
    layers: Vec<Layer>,
    /// The number of lower layers: layers `split..` are the upper ones.
    split: usize,
}

impl E5Encoder {
    /// The encoder of `file`'s weights, its top `upper_layers` layers run by
    /// [`E5Encoder::upper`] and the others by [`E5Encoder::lower`]. The tensors are taken out
    /// of the file (any it holds beyond the encoder's are ignored, as by the probe).
    ///
    /// # Errors
    /// [`Error::InvalidParam`] if `upper_layers` exceeds the file's layers;
    /// [`Error::E5File`] if the sizes do not fit together or a tensor is missing or of the
    /// wrong size.
    pub fn new(mut file: E5File, upper_layers: usize) -> Result<E5Encoder> {
        let config = file.config;
        if upper_layers > config.layers {
            return Err(Error::InvalidParam {
                name: "upper-layers",
                value: upper_layers.to_string(),
                reason: format!("0 to {} (the model's layers)", config.layers),
            });
        }
        let (h, heads) = (config.hidden, config.heads);
        if heads == 0 || h % heads != 0 || config.token_types == 0 || config.vocab == 0 {
            return Err(file.invalid(format!(
                "sizes that do not fit together: hidden {h}, heads {heads}, token types {}, \
                 vocabulary {}",
                config.token_types, config.vocab
            )));
        }
        let word = read_tensor(&mut file, "emb.word", &[config.vocab, h])?;
        let positions = read_tensor(&mut file, "emb.pos", &[config.max_positions, h])?;
        let token_type = read_tensor(&mut file, "emb.type", &[config.token_types, h])?.get(0)?;
        let norm = Norm::read(&mut file, "emb.ln")?;
        let layers = (0..config.layers)
            .map(|i| Layer::read(&mut file, i))
            .collect::<Result<Vec<_>>>()?;
        Ok(E5Encoder {
            config,
            word,
            positions,
            token_type,
            norm,
            layers,
            split: config.layers - upper_layers,
        })
    }

    /// The encoder's sizes.
    pub fn config(&self) -> &E5Config {
        &self.config
    }

    /// How many of the top layers [`E5Encoder::upper`] runs.
    pub fn upper_layers(&self) -> usize {
        self.layers.len() - self.split
    }

    /// The embeddings and the lower layers: the hidden states (`batch, tokens, hidden`) of
    /// `ids` (`batch, tokens`, `u32`) under `mask` (`batch, tokens`, 1 at real tokens and 0 at
    /// padding). Positions count from 0 into the file's table; every token has type 0. Runs
    /// with fused kernels: no gradient flows through it.
    ///
    /// # Errors
    /// [`Error::E5`] if the shapes disagree, a sentence is longer than the position table or
    /// an id is beyond the vocabulary.
    pub fn lower(&self, ids: &Tensor, mask: &Tensor) -> Result<Tensor> {
        let (b, l) = ids.dims2()?;
        if l > self.config.max_positions {
            return Err(Error::E5(format!(
                "{l} tokens, more than the {} positions the model knows",
                self.config.max_positions
            )));
        }
        let bias = self.mask_bias(mask, b, l)?;
        let words =
            self.word
                .index_select(&ids.flatten_all()?, 0)?
                .reshape((b, l, self.config.hidden))?;
        let x = words
            .broadcast_add(&self.positions.narrow(0, 0, l)?)?
            .broadcast_add(&self.token_type)?;
        let mut x = self.norm.forward(&x, Kernels::Fused)?;
        for layer in &self.layers[..self.split] {
            x = layer.forward(&x, &bias, Kernels::Fused, None)?;
        }
        Ok(x)
    }

    /// The upper layers applied to `states` (`batch, tokens, hidden`, from
    /// [`E5Encoder::lower`]) under `mask`. Runs with kernels candle can differentiate, so
    /// gradients reach the `Var`s of [`E5Encoder::trainable_upper`]; with `dropout`, as in
    /// training (see [`Dropout`]), without it as in evaluation.
    ///
    /// # Errors
    /// [`Error::E5`] if the shapes disagree.
    pub fn upper(
        &self,
        states: &Tensor,
        mask: &Tensor,
        dropout: Option<&mut Dropout<'_>>,
    ) -> Result<Tensor> {
        self.run_upper(states, mask, Kernels::Differentiable, dropout)
    }

    fn run_upper(
        &self,
        states: &Tensor,
        mask: &Tensor,
        kernels: Kernels,
        mut dropout: Option<&mut Dropout<'_>>,
    ) -> Result<Tensor> {
        let (b, l, _) = states.dims3()?;
        let bias = self.mask_bias(mask, b, l)?;
        let mut x = states.clone();
        for layer in &self.layers[self.split..] {
            x = layer.forward(&x, &bias, kernels, dropout.as_deref_mut())?;
        }
        Ok(x)
    }

    /// The final hidden states (`batch, tokens, hidden`) of `ids` under `mask`: every layer,
    /// with fused kernels, no gradient.
    ///
    /// # Errors
    /// As [`E5Encoder::lower`].
    pub fn states(&self, ids: &Tensor, mask: &Tensor) -> Result<Tensor> {
        self.run_upper(&self.lower(ids, mask)?, mask, Kernels::Fused, None)
    }

    /// e5's sentence embeddings (`batch, hidden`): every layer (with fused kernels, no
    /// gradient), mean pooling over the real tokens, L2 norm.
    ///
    /// # Errors
    /// As [`E5Encoder::lower`].
    pub fn embed(&self, ids: &Tensor, mask: &Tensor) -> Result<Tensor> {
        l2_normalize(&mean_pool(&self.states(ids, mask)?, mask)?)
    }

    /// A copy of this encoder (sharing its tensors) whose top `upper_layers` layers are the
    /// upper ones.
    ///
    /// # Errors
    /// [`Error::InvalidParam`] if `upper_layers` exceeds the encoder's layers.
    pub fn resplit(&self, upper_layers: usize) -> Result<E5Encoder> {
        let layers = self.layers.len();
        if upper_layers > layers {
            return Err(Error::InvalidParam {
                name: "upper-layers",
                value: upper_layers.to_string(),
                reason: format!("0 to {layers} (the model's layers)"),
            });
        }
        Ok(E5Encoder {
            split: layers - upper_layers,
            ..self.clone()
        })
    }

    /// The upper layers' weights, named as in the model file (`l10.q.w`, ...), bottom layer
    /// first, each layer's in the order of [`E5Encoder::trainable_upper`].
    pub fn upper_weights(&self) -> Vec<(String, Tensor)> {
        let mut out = Vec::new();
        for (i, layer) in self.layers.iter().enumerate().skip(self.split) {
            for (part, weight) in LAYER_WEIGHTS.iter().zip(layer.weights()) {
                out.push((format!("l{i}.{part}"), weight));
            }
        }
        out
    }

    /// A copy of this encoder with `weights` in place of its upper layers' own: the names and
    /// shapes [`E5Encoder::upper_weights`] gives, in its order.
    ///
    /// # Errors
    /// [`Error::E5`] naming the first weight whose name or shape differs, or if there are
    /// more or fewer weights than the upper layers hold.
    pub fn with_upper_weights(&self, weights: &[(String, Tensor)]) -> Result<E5Encoder> {
        let own = self.upper_weights();
        if own.len() != weights.len() {
            return Err(Error::E5(format!(
                "{} weights for {} upper layers, which hold {}",
                weights.len(),
                self.upper_layers(),
                own.len()
            )));
        }
        for ((name, tensor), (own_name, own_tensor)) in weights.iter().zip(&own) {
            if name != own_name || tensor.dims() != own_tensor.dims() {
                return Err(Error::E5(format!(
                    "weight {name} of shape {:?} where the encoder has {own_name} of shape {:?}",
                    tensor.dims(),
                    own_tensor.dims()
                )));
            }
        }
        let tensors: Vec<Tensor> = weights.iter().map(|(_, t)| t.clone()).collect();
        let mut encoder = self.clone();
        for (layer, chunk) in encoder.layers[self.split..]
            .iter_mut()
            .zip(tensors.chunks(LAYER_WEIGHTS.len()))
        {
            *layer = layer.with_weights(chunk);
        }
        Ok(encoder)
    }

    /// Turns every weight of the upper layers into a candle `Var` (a copy of it), which the
    /// encoder then reads, and returns them (16 per layer, bottom layer first), for an
    /// optimiser to train.
    ///
    /// # Errors
    /// [`Error::E5`] if candle cannot copy a weight.
    pub fn trainable_upper(&mut self) -> Result<Vec<Var>> {
        let mut vars = Vec::new();
        for layer in &mut self.layers[self.split..] {
            vars.extend(layer.trainable()?);
        }
        Ok(vars)
    }

    /// `mask` (`batch, tokens`) as the additive attention bias (`batch, 1, 1, tokens`).
    fn mask_bias(&self, mask: &Tensor, b: usize, l: usize) -> Result<Tensor> {
        if mask.dims() != [b, l] {
            return Err(Error::E5(format!(
                "mask of shape {:?} for {b} sentences of {l} tokens",
                mask.dims()
            )));
        }
        let bias = mask.to_dtype(DType::F32)?.affine(-MASKED, MASKED)?;
        Ok(bias.reshape((b, 1, 1, l))?)
    }
}

/// The mean of `states` (`batch, tokens, hidden`) over the tokens where `mask`
/// (`batch, tokens`) is 1: `(batch, hidden)`.
///
/// # Errors
/// [`Error::E5`] if the shapes disagree.
pub fn mean_pool(states: &Tensor, mask: &Tensor) -> Result<Tensor> {
    let mask = mask.to_dtype(DType::F32)?.unsqueeze(2)?;
    let sums = states.broadcast_mul(&mask)?.sum(1)?;
    Ok(sums.broadcast_div(&mask.sum(1)?)?)
}

/// Each row of `x` (`batch, hidden`) divided by its L2 norm (at least 1e-12, as PyTorch's
/// `F.normalize`).
///
/// # Errors
/// [`Error::E5`] if candle fails.
pub fn l2_normalize(x: &Tensor) -> Result<Tensor> {
    let norms = x.sqr()?.sum_keepdim(D::Minus1)?.sqrt()?.maximum(1e-12)?;
    Ok(x.broadcast_div(&norms)?)
}
