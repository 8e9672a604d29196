//! The fine-tuning loop, as `cache_states` and `train` in `bench/e5_finetune_probe.py`: the
//! frozen lower layers run once over every sentence and their states are kept; then the top
//! layers and a linear head on the mean-pooled final states are trained with dropout,
//! class-balanced cross-entropy, AdamW, gradient clipping and a warm-up / linear-decay
//! learning rate.
//!
//! Every random draw comes from one ChaCha stream seeded by the settings, in a fixed order:
//! the head's initial weights, then every epoch's batches (all epochs of the schedule, as the
//! probe draws them up front), then the dropout masks step by step. The same rows, settings
//! and seed give the same weights, byte for byte.

use super::fitted::FineTunedE5;
use super::schedule::{class_weights, lr_factor, shuffled_batches};
use super::settings::{E5Epoch, E5Progress, FineTuneSettings};
use crate::e5::{batches_by_length, mean_pool, Dropout, E5Batch, E5Encoder, E5Tokenizer};
use crate::error::{Error, Result};
use crate::label::Stance;
use candle_core::backprop::GradStore;
use candle_core::{Device, Module, Tensor, Var};
use candle_nn::{AdamW, Linear, Optimizer, ParamsAdamW};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::time::Instant;

/// Gradients are scaled down to this global L2 norm at most (the probe's
/// `clip_grad_norm_(params, 1.0)`).
pub(super) const MAX_GRAD_NORM: f64 = 1.0;

/// Sentences per batch when caching the lower layers' states (the probe's `CACHE_BATCH`).
const CACHE_BATCH: usize = 64;

/// Fine-tunes the top `settings.upper_layers` layers of `encoder` (the pretrained model;
/// it is not changed) and a linear head on `rows` (sentence, label), the sentences tokenized
/// by `tokenizer` and cut to `settings.max_len` tokens. Tells `on_progress` how far it is:
/// as the frozen layers' states are cached, after every optimiser step and every epoch.
///
/// # Errors
/// [`Error::InvalidParam`] if a setting is out of its range or there are more upper layers
/// than the model has; [`Error::E5`] if there are no rows or candle fails;
/// [`Error::Tokenizer`] if a sentence cannot be tokenized.
pub fn fine_tune<S: AsRef<str>>(
    encoder: &E5Encoder,
    tokenizer: &E5Tokenizer,
    rows: &[(S, Stance)],
    settings: &FineTuneSettings,
    on_progress: &mut dyn FnMut(E5Progress<'_>),
) -> Result<FineTunedE5> {
    settings.check()?;
    if rows.is_empty() {
        return Err(Error::E5("fine-tuning needs at least one row".into()));
    }
    let mut encoder = encoder.resplit(settings.upper_layers)?;
    let texts: Vec<&str> = rows.iter().map(|(text, _)| text.as_ref()).collect();
    let labels: Vec<Stance> = rows.iter().map(|&(_, label)| label).collect();
    let ids = tokenizer.encode(&texts, Some(settings.max_len))?;
    let total = ids.len();
    let states = cache_states(&encoder, &ids, tokenizer.pad(), &mut |done| {
        on_progress(E5Progress::Caching { done, total })
    })?;

    let mut rng = ChaCha8Rng::seed_from_u64(settings.seed);
    let hidden = encoder.config().hidden;
    let labels_n = Stance::ALL.len();
    let head_weight = init_uniform(&mut rng, &[labels_n, hidden], hidden)?;
    let head_bias = init_uniform(&mut rng, &[labels_n], hidden)?;
    let head = Linear::new(
        head_weight.as_tensor().clone(),
        Some(head_bias.as_tensor().clone()),
    );
    let mut vars = encoder.trainable_upper()?;
    vars.extend([head_weight.clone(), head_bias.clone()]);

    let lengths: Vec<usize> = ids.iter().map(Vec::len).collect();
    let epochs: Vec<Vec<Vec<usize>>> = (0..settings.epochs)
        .map(|_| shuffled_batches(&lengths, settings.batch_size, &mut rng))
        .collect();
    let total_steps: usize = epochs.iter().map(Vec::len).sum();
    let trained_steps: usize = epochs.iter().take(settings.stop_after).map(Vec::len).sum();
    let weights = class_weights(&labels);
    let mut optimizer = AdamW::new(
        vars.clone(),
        ParamsAdamW {
            lr: settings.learning_rate,
            weight_decay: settings.weight_decay,
            ..ParamsAdamW::default()
        },
    )?;

    let mut step = 0;
    for (epoch, batches) in epochs.iter().take(settings.stop_after).enumerate() {
        let started = Instant::now();
        let mut loss_sum = 0.0f64;
        for chosen in batches {
            optimizer.set_learning_rate(
                settings.learning_rate * lr_factor(step, total_steps, settings.warmup_share),
            );
            let batch = pad_states(&states, &lengths, chosen)?;
            let mut dropout = Dropout::new(&mut rng, settings.dropout);
            let loss = batch_loss(
                &encoder,
                &head,
                &batch,
                chosen,
                &labels,
                &weights,
                Some(&mut dropout),
            )?;
            loss_sum += f64::from(optimizer_step(&mut optimizer, &loss, &vars)?);
            step += 1;
            on_progress(E5Progress::Step {
                step,
                steps: trained_steps,
            });
        }
        on_progress(E5Progress::Epoch(&E5Epoch {
            epoch: epoch + 1,
            epochs: settings.stop_after,
            loss: loss_sum / batches.len() as f64,
            sentences: batches.iter().map(Vec::len).sum(),
            seconds: started.elapsed().as_secs_f64(),
        }));
    }
    FineTunedE5::new(
        &encoder,
        head_weight.as_tensor(),
        head_bias.as_tensor(),
        settings.max_len,
    )
}

/// The lower layers' states of every sentence of `ids` (`tokens, hidden` each), run in
/// batches of similar length; `on_cached` is told how many sentences are done after each.
pub(super) fn cache_states(
    encoder: &E5Encoder,
    ids: &[Vec<u32>],
    pad: u32,
    on_cached: &mut dyn FnMut(usize),
) -> Result<Vec<Tensor>> {
    let mut states = vec![None; ids.len()];
    let mut done = 0;
    for chosen in batches_by_length(ids, CACHE_BATCH) {
        let sentences: Vec<&[u32]> = chosen.iter().map(|&i| ids[i].as_slice()).collect();
        let batch = E5Batch::new(&sentences, pad)?;
        let lower = encoder.lower(&batch.ids, &batch.mask)?;
        for (row, &i) in chosen.iter().enumerate() {
            states[i] = Some(lower.get(row)?.narrow(0, 0, ids[i].len())?);
        }
        done += chosen.len();
        on_cached(done);
    }
    Ok(states
        .into_iter()
        .map(|s| s.expect("batches_by_length covers every sentence"))
        .collect())
}

/// The cached states of the `chosen` sentences, right-padded with zeros to the longest
/// (`batch, tokens, hidden`), and their mask (`batch, tokens`).
pub(super) fn pad_states(
    states: &[Tensor],
    lengths: &[usize],
    chosen: &[usize],
) -> Result<(Tensor, Tensor)> {
    let longest = chosen.iter().map(|&i| lengths[i]).max().unwrap_or(0);
    let padded = chosen
        .iter()
        .map(|&i| states[i].pad_with_zeros(0, 0, longest - lengths[i]))
        .collect::<candle_core::Result<Vec<_>>>()?;
    let mask: Vec<f32> = chosen
        .iter()
        .flat_map(|&i| (0..longest).map(move |t| if t < lengths[i] { 1.0 } else { 0.0 }))
        .collect();
    Ok((
        Tensor::stack(&padded, 0)?,
        Tensor::from_vec(mask, (chosen.len(), longest), &Device::Cpu)?,
    ))
}

/// The class-weighted cross-entropy of the `chosen` rows, whose cached states and mask are
/// `batch` (from [`pad_states`]): the upper layers, mean pooling, the head. With `dropout`, as
/// in training: inside the upper layers, then on the pooled states before the head (the
/// probe's `head(drop(mean_pool(...)))`), masks drawn in that order.
pub(super) fn batch_loss(
    encoder: &E5Encoder,
    head: &Linear,
    (x, mask): &(Tensor, Tensor),
    chosen: &[usize],
    labels: &[Stance],
    weights: &[f32; 3],
    mut dropout: Option<&mut Dropout<'_>>,
) -> Result<Tensor> {
    let pooled = mean_pool(&encoder.upper(x, mask, dropout.as_deref_mut())?, mask)?;
    let pooled = match dropout {
        Some(dropout) => dropout.apply(&pooled)?,
        None => pooled,
    };
    weighted_cross_entropy(&head.forward(&pooled)?, chosen, labels, weights)
}

/// A `Var` of `shape` uniform in `±1 / sqrt(fan_in)` (as PyTorch initialises a `Linear`'s
/// weight and bias), drawn row-major from `rng`.
fn init_uniform(rng: &mut ChaCha8Rng, shape: &[usize], fan_in: usize) -> Result<Var> {
    let bound = 1.0 / (fan_in as f32).sqrt();
    let values: Vec<f32> = (0..shape.iter().product())
        .map(|_| rng.gen_range(-bound..bound))
        .collect();
    Ok(Var::from_vec(values, shape, &Device::Cpu)?)
}

/// PyTorch's class-weighted cross-entropy of `scores` (`batch, 3`) for the `chosen` rows:
/// the sum of `w_y * nll` over the rows divided by the sum of their `w_y`.
fn weighted_cross_entropy(
    scores: &Tensor,
    chosen: &[usize],
    labels: &[Stance],
    weights: &[f32; 3],
) -> Result<Tensor> {
    let n = chosen.len();
    let targets: Vec<u32> = chosen.iter().map(|&i| labels[i].index() as u32).collect();
    let row_weights: Vec<f32> = chosen.iter().map(|&i| weights[labels[i].index()]).collect();
    let weight_sum: f64 = row_weights.iter().map(|&w| f64::from(w)).sum();
    let targets = Tensor::from_vec(targets, (n, 1), &Device::Cpu)?;
    let row_weights = Tensor::from_vec(row_weights, (n, 1), &Device::Cpu)?;
    let picked = candle_nn::ops::log_softmax(scores, 1)?.gather(&targets, 1)?;
    Ok((picked * row_weights)?
        .sum_all()?
        .affine(-1.0 / weight_sum, 0.0)?)
}

/// One optimiser step on `loss` over `vars`, gradients clipped to [`MAX_GRAD_NORM`]; gives
/// the loss.
pub(super) fn optimizer_step(optimizer: &mut AdamW, loss: &Tensor, vars: &[Var]) -> Result<f32> {
    let mut grads = loss.backward()?;
    clip_grad_norm(&mut grads, vars, MAX_GRAD_NORM)?;
    optimizer.step(&grads)?;
    Ok(loss.to_scalar::<f32>()?)
}

/// Scales the gradients of `vars` so their global L2 norm is at most `max_norm`, as
/// `torch.nn.utils.clip_grad_norm_` (candle has no gradient clipping of its own).
fn clip_grad_norm(grads: &mut GradStore, vars: &[Var], max_norm: f64) -> Result<()> {
    let mut sum_of_squares = 0.0f64;
    for var in vars {
        if let Some(grad) = grads.get(var) {
            sum_of_squares += f64::from(grad.sqr()?.sum_all()?.to_scalar::<f32>()?);
        }
    }
    let scale = max_norm / (sum_of_squares.sqrt() + 1e-6);
    if scale < 1.0 {
        for var in vars {
            if let Some(grad) = grads.get(var) {
                let scaled = (grad * scale)?;
                grads.insert(var, scaled);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clipping_scales_gradients_to_the_maximum_norm() {
        let var = Var::from_vec(vec![3f32, 4.0], 2, &Device::Cpu).unwrap();
        let loss = (var.as_tensor() * &Tensor::new(&[3f32, 4.0], &Device::Cpu).unwrap())
            .unwrap()
            .sum_all()
            .unwrap();
        let mut grads = loss.backward().unwrap();
        clip_grad_norm(&mut grads, std::slice::from_ref(&var), 1.0).unwrap();
        let clipped = grads.get(&var).unwrap().to_vec1::<f32>().unwrap();
        assert!(
            (clipped[0] - 0.6).abs() < 1e-5 && (clipped[1] - 0.8).abs() < 1e-5,
            "{clipped:?}"
        );
        // Already within the norm: unchanged.
        let mut grads = loss.backward().unwrap();
        clip_grad_norm(&mut grads, std::slice::from_ref(&var), 10.0).unwrap();
        assert_eq!(
            grads.get(&var).unwrap().to_vec1::<f32>().unwrap(),
            [3.0, 4.0]
        );
    }

    #[test]
    fn cross_entropy_is_the_weighted_mean_of_the_rows_losses() {
        use Stance::*;
        // Row 0 (assertion, weight 2): scores ln 1, ln 1, ln 2 -> p = 1/4, nll = ln 4.
        // Row 1 (allegation, weight 0.5): equal scores -> p = 1/3, nll = ln 3.
        let scores = Tensor::new(&[[0f32, 0.0, 2f32.ln()], [1.0, 1.0, 1.0]], &Device::Cpu).unwrap();
        let loss =
            weighted_cross_entropy(&scores, &[1, 0], &[Allegation, Assertion], &[2.0, 1.0, 0.5])
                .unwrap()
                .to_scalar::<f32>()
                .unwrap();
        let expected = (2.0 * 4f64.ln() + 0.5 * 3f64.ln()) / 2.5;
        assert!(
            (f64::from(loss) - expected).abs() < 1e-6,
            "{loss} vs {expected}"
        );
    }
}
