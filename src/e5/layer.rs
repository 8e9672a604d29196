//! One post-layer-norm BERT layer of the e5 encoder, as `Layer` in
//! `bench/e5_finetune_probe.py` (and e5.c's `forward_batch`): multi-head self-attention over
//! the real tokens, residual and layer norm, then a feed-forward block (erf-GELU), residual and
//! layer norm.
//!
//! Each layer runs with one of two sets of kernels: candle-nn's fused layer norm and softmax
//! and our vectorised erf-GELU (faster, but candle records no gradient through them) for
//! frozen layers and inference, or the same operations composed of differentiable tensor ops
//! for layers being trained.

use super::dropout::Dropout;
use super::file::E5File;
use super::gelu::gelu_erf_fast;
use crate::error::Result;
use candle_core::{Device, Module, Tensor, Var, D};
use candle_nn::Linear;

/// Which kernels a layer runs with; both compute the same function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kernels {
    /// Fused layer norm and softmax, vectorised GELU: faster, no gradient.
    Fused,
    /// Layer norm and softmax composed of tensor ops candle can differentiate.
    Differentiable,
}

/// A layer norm over the last dimension, with its weight and bias.
#[derive(Debug, Clone)]
pub(crate) struct Norm {
    weight: Tensor,
    bias: Tensor,
    eps: f32,
}

impl Norm {
    /// The norm of tensors `{prefix}.w` and `{prefix}.b` of `file`.
    pub(crate) fn read(file: &mut E5File, prefix: &str) -> Result<Norm> {
        let h = file.config.hidden;
        Ok(Norm {
            weight: read_tensor(file, &format!("{prefix}.w"), &[h])?,
            bias: read_tensor(file, &format!("{prefix}.b"), &[h])?,
            eps: file.config.eps,
        })
    }

    pub(crate) fn forward(&self, x: &Tensor, kernels: Kernels) -> candle_core::Result<Tensor> {
        match kernels {
            Kernels::Fused => {
                candle_nn::ops::layer_norm(&x.contiguous()?, &self.weight, &self.bias, self.eps)
            }
            Kernels::Differentiable => {
                candle_nn::ops::layer_norm_slow(x, &self.weight, &self.bias, self.eps)
            }
        }
    }

    /// The norm of `weight` and `bias`, with this norm's epsilon.
    fn with(&self, weight: Tensor, bias: Tensor) -> Norm {
        Norm {
            weight,
            bias,
            eps: self.eps,
        }
    }

    /// The norm's weight and bias as `Var`s, the norm then reading them.
    fn trainable(&mut self) -> candle_core::Result<Vec<Var>> {
        let vars = vec![
            Var::from_tensor(&self.weight)?,
            Var::from_tensor(&self.bias)?,
        ];
        self.weight = vars[0].as_tensor().clone();
        self.bias = vars[1].as_tensor().clone();
        Ok(vars)
    }
}

/// The names of a layer's 16 weights (after `l{index}.`), in the order of
/// [`Layer::trainable`], [`Layer::weights`] and [`Layer::with_weights`].
pub(crate) const LAYER_WEIGHTS: [&str; 16] = [
    "q.w", "q.b", "k.w", "k.b", "v.w", "v.b", "ao.w", "ao.b", "aln.w", "aln.b", "fi.w", "fi.b",
    "fo.w", "fo.b", "oln.w", "oln.b",
];

/// One BERT layer's weights. Linear weights are `[out, in]`, as PyTorch's.
#[derive(Debug, Clone)]
pub(crate) struct Layer {
    q: Linear,
    k: Linear,
    v: Linear,
    ao: Linear,
    aln: Norm,
    fi: Linear,
    fo: Linear,
    oln: Norm,
    heads: usize,
}

impl Layer {
    /// Layer `index` of `file` (tensors `l{index}.q.w`, `l{index}.q.b`, ...).
    pub(crate) fn read(file: &mut E5File, index: usize) -> Result<Layer> {
        let (h, ff) = (file.config.hidden, file.config.ffn);
        let mut linear = |part: &str, out: usize, inp: usize| -> Result<Linear> {
            let weight = read_tensor(file, &format!("l{index}.{part}.w"), &[out, inp])?;
            let bias = read_tensor(file, &format!("l{index}.{part}.b"), &[out])?;
            Ok(Linear::new(weight, Some(bias)))
        };
        let (q, k, v, ao) = (
            linear("q", h, h)?,
            linear("k", h, h)?,
            linear("v", h, h)?,
            linear("ao", h, h)?,
        );
        let (fi, fo) = (linear("fi", ff, h)?, linear("fo", h, ff)?);
        Ok(Layer {
            q,
            k,
            v,
            ao,
            aln: Norm::read(file, &format!("l{index}.aln"))?,
            fi,
            fo,
            oln: Norm::read(file, &format!("l{index}.oln"))?,
            heads: file.config.heads,
        })
    }

    /// The layer applied to `x` (`batch, tokens, hidden`). `mask_bias` (`batch, 1, 1, tokens`)
    /// is added to the attention scores: 0 at real tokens, a large negative number at padding,
    /// so no token attends to padding. With `dropout` (training), as the probe's `Layer` in
    /// training mode: dropout on the attention weights, on the attention output and on the
    /// feed-forward output, masks drawn in that order.
    pub(crate) fn forward(
        &self,
        x: &Tensor,
        mask_bias: &Tensor,
        kernels: Kernels,
        mut dropout: Option<&mut Dropout<'_>>,
    ) -> candle_core::Result<Tensor> {
        let mut drop = |t: Tensor| match dropout.as_deref_mut() {
            Some(dropout) => dropout.apply(&t),
            None => Ok(t),
        };
        let (b, l, h) = x.dims3()?;
        let head_dim = h / self.heads;
        let split = |t: Tensor| {
            t.reshape((b, l, self.heads, head_dim))?
                .transpose(1, 2)?
                .contiguous()
        };
        // Scaled as PyTorch's scaled_dot_product_attention: 1 / sqrt(head size).
        let q = (split(self.q.forward(x)?)? * (1.0 / (head_dim as f64).sqrt()))?;
        let k = split(self.k.forward(x)?)?;
        let v = split(self.v.forward(x)?)?;
        let scores = q.matmul(&k.t()?)?.broadcast_add(mask_bias)?;
        let weights = match kernels {
            Kernels::Fused => candle_nn::ops::softmax_last_dim(&scores)?,
            Kernels::Differentiable => candle_nn::ops::softmax(&scores, D::Minus1)?,
        };
        let context = drop(weights)?
            .matmul(&v)?
            .transpose(1, 2)?
            .reshape((b, l, h))?;
        let attended = drop(self.ao.forward(&context)?)?;
        let x = self.aln.forward(&(x + attended)?, kernels)?;
        let inner = self.fi.forward(&x)?;
        let inner = match kernels {
            Kernels::Fused => gelu_erf_fast(&inner)?,
            Kernels::Differentiable => inner.gelu_erf()?,
        };
        let out = drop(self.fo.forward(&inner)?)?;
        self.oln.forward(&(&x + out)?, kernels)
    }

    /// The layer's weights, in [`LAYER_WEIGHTS`] order.
    pub(crate) fn weights(&self) -> Vec<Tensor> {
        let mut out = Vec::with_capacity(16);
        let linear = |l: &Linear, out: &mut Vec<Tensor>| {
            out.push(l.weight().clone());
            out.extend(l.bias().cloned());
        };
        for l in [&self.q, &self.k, &self.v, &self.ao] {
            linear(l, &mut out);
        }
        out.extend([self.aln.weight.clone(), self.aln.bias.clone()]);
        for l in [&self.fi, &self.fo] {
            linear(l, &mut out);
        }
        out.extend([self.oln.weight.clone(), self.oln.bias.clone()]);
        out
    }

    /// This layer with `weights` (16, in [`LAYER_WEIGHTS`] order, of the shapes of
    /// [`Layer::weights`]; the caller checks) in place of its own.
    pub(crate) fn with_weights(&self, weights: &[Tensor]) -> Layer {
        let w = |i: usize| weights[i].clone();
        let linear = |i: usize| Linear::new(w(i), Some(w(i + 1)));
        Layer {
            q: linear(0),
            k: linear(2),
            v: linear(4),
            ao: linear(6),
            aln: self.aln.with(w(8), w(9)),
            fi: linear(10),
            fo: linear(12),
            oln: self.oln.with(w(14), w(15)),
            heads: self.heads,
        }
    }

    /// Every weight of the layer as a `Var` (a copy of the weight), the layer then reading
    /// them, so gradients with respect to the `Var`s train the layer.
    pub(crate) fn trainable(&mut self) -> candle_core::Result<Vec<Var>> {
        let mut vars = Vec::with_capacity(16);
        for linear in [&mut self.q, &mut self.k, &mut self.v, &mut self.ao] {
            *linear = trainable_linear(linear, &mut vars)?;
        }
        vars.extend(self.aln.trainable()?);
        for linear in [&mut self.fi, &mut self.fo] {
            *linear = trainable_linear(linear, &mut vars)?;
        }
        vars.extend(self.oln.trainable()?);
        Ok(vars)
    }
}

/// `linear` reading `Var`s of its weight and bias, which are pushed to `vars`.
fn trainable_linear(linear: &Linear, vars: &mut Vec<Var>) -> candle_core::Result<Linear> {
    let weight = Var::from_tensor(linear.weight())?;
    let bias = match linear.bias() {
        Some(bias) => Some(Var::from_tensor(bias)?),
        None => None,
    };
    let trainable = Linear::new(
        weight.as_tensor().clone(),
        bias.as_ref().map(|b| b.as_tensor().clone()),
    );
    vars.push(weight);
    vars.extend(bias);
    Ok(trainable)
}

/// Tensor `name` of `file`, taken out of it, as an `f32` CPU tensor of `shape`.
pub(crate) fn read_tensor(file: &mut E5File, name: &str, shape: &[usize]) -> Result<Tensor> {
    let values = file.take_tensor(name, shape.iter().product())?;
    Ok(Tensor::from_vec(values, shape, &Device::Cpu)?)
}
