//! The encoder on a tiny model file (no real weights needed): against a plain scalar forward
//! pass, through padding, with both kernel sets, and with gradients through the upper layers.

use super::tiny_model::{assert_invalid_file, model_bytes, tiny_config, value};
use super::*;
use crate::error::Error;
use candle_core::Tensor;

fn tiny_file() -> E5File {
    let bytes = model_bytes(&tiny_config(), &["▁a"], &[], value);
    E5File::parse("tiny.bin", &bytes).unwrap()
}

/// erf to about 1e-7 (Abramowitz and Stegun 7.1.26); the standard library has none.
fn erf(x: f64) -> f64 {
    let t = 1.0 / (1.0 + 0.327_591_1 * x.abs());
    let poly = t
        * (0.254_829_592
            + t * (-0.284_496_736
                + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    (1.0 - poly * (-x * x).exp()).copysign(x)
}

/// e5's embedding of one unpadded sentence, one number at a time in f64.
fn scalar_embedding(file: &mut E5File, ids: &[u32]) -> Vec<f64> {
    let c = file.config;
    let (h, ff, n) = (c.hidden, c.ffn, ids.len());
    let mut take = |name: &str, len: usize| -> Vec<f64> {
        file.take_tensor(name, len)
            .unwrap()
            .into_iter()
            .map(f64::from)
            .collect()
    };
    let norm = |x: &[f64], w: &[f64], b: &[f64]| -> Vec<f64> {
        let mean = x.iter().sum::<f64>() / x.len() as f64;
        let var = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / x.len() as f64;
        let sd = (var + f64::from(c.eps)).sqrt();
        (0..x.len())
            .map(|i| (x[i] - mean) / sd * w[i] + b[i])
            .collect()
    };
    let linear = |x: &[f64], w: &[f64], b: &[f64]| -> Vec<f64> {
        (0..b.len())
            .map(|o| b[o] + (0..x.len()).map(|i| w[o * x.len() + i] * x[i]).sum::<f64>())
            .collect()
    };
    let (word, pos, ty) = (
        take("emb.word", c.vocab * h),
        take("emb.pos", c.max_positions * h),
        take("emb.type", c.token_types * h),
    );
    let (ew, eb) = (take("emb.ln.w", h), take("emb.ln.b", h));
    let mut x: Vec<Vec<f64>> = (0..n)
        .map(|t| {
            let e: Vec<f64> = (0..h)
                .map(|j| word[ids[t] as usize * h + j] + pos[t * h + j] + ty[j])
                .collect();
            norm(&e, &ew, &eb)
        })
        .collect();
    let hd = h / c.heads;
    for l in 0..c.layers {
        let mut p = |part: &str, len: usize| take(&format!("l{l}.{part}"), len);
        let (qw, qb, kw, kb) = (p("q.w", h * h), p("q.b", h), p("k.w", h * h), p("k.b", h));
        let (vw, vb, aw, ab) = (p("v.w", h * h), p("v.b", h), p("ao.w", h * h), p("ao.b", h));
        let (alw, alb, fiw, fib) = (
            p("aln.w", h),
            p("aln.b", h),
            p("fi.w", ff * h),
            p("fi.b", ff),
        );
        let (fow, fob, olw, olb) = (
            p("fo.w", h * ff),
            p("fo.b", h),
            p("oln.w", h),
            p("oln.b", h),
        );
        let q: Vec<Vec<f64>> = x.iter().map(|v| linear(v, &qw, &qb)).collect();
        let k: Vec<Vec<f64>> = x.iter().map(|v| linear(v, &kw, &kb)).collect();
        let v: Vec<Vec<f64>> = x.iter().map(|v| linear(v, &vw, &vb)).collect();
        let mut context = vec![vec![0.0; h]; n];
        for head in 0..c.heads {
            let span = head * hd..(head + 1) * hd;
            for t in 0..n {
                let scores: Vec<f64> = (0..n)
                    .map(|u| {
                        span.clone().map(|j| q[t][j] * k[u][j]).sum::<f64>() / (hd as f64).sqrt()
                    })
                    .collect();
                let max = scores.iter().copied().fold(f64::MIN, f64::max);
                let exps: Vec<f64> = scores.iter().map(|s| (s - max).exp()).collect();
                let total: f64 = exps.iter().sum();
                for j in span.clone() {
                    context[t][j] = (0..n).map(|u| exps[u] / total * v[u][j]).sum();
                }
            }
        }
        for t in 0..n {
            let attended = linear(&context[t], &aw, &ab);
            let y: Vec<f64> = (0..h).map(|j| x[t][j] + attended[j]).collect();
            let y = norm(&y, &alw, &alb);
            let inner: Vec<f64> = linear(&y, &fiw, &fib)
                .into_iter()
                .map(|z| 0.5 * z * (1.0 + erf(z / std::f64::consts::SQRT_2)))
                .collect();
            let out = linear(&inner, &fow, &fob);
            let z: Vec<f64> = (0..h).map(|j| y[j] + out[j]).collect();
            x[t] = norm(&z, &olw, &olb);
        }
    }
    let mean: Vec<f64> = (0..h)
        .map(|j| x.iter().map(|v| v[j]).sum::<f64>() / n as f64)
        .collect();
    let length = mean.iter().map(|v| v * v).sum::<f64>().sqrt();
    mean.iter().map(|v| v / length).collect()
}

fn rows(t: &Tensor) -> Vec<Vec<f32>> {
    t.to_vec2::<f32>().unwrap()
}

#[test]
fn embeddings_match_a_scalar_forward_pass_through_padding() {
    let encoder = E5Encoder::new(tiny_file(), 0).unwrap();
    let sentences = [vec![0u32, 4, 7, 11, 2], vec![0, 9, 2], vec![0, 2]];
    let batch = E5Batch::new(&sentences, 1).unwrap();
    let embeddings = rows(&encoder.embed(&batch.ids, &batch.mask).unwrap());
    for (sentence, got) in sentences.iter().zip(&embeddings) {
        let expected = scalar_embedding(&mut tiny_file(), sentence);
        for (j, (g, e)) in got.iter().zip(&expected).enumerate() {
            assert!(
                (f64::from(*g) - e).abs() < 1e-4,
                "{sentence:?}[{j}]: {g} vs {e}"
            );
        }
    }
    // Alone, unpadded, a sentence gets the same embedding.
    let alone = E5Batch::new(&sentences[1..2], 1).unwrap();
    let alone = rows(&encoder.embed(&alone.ids, &alone.mask).unwrap());
    for (a, b) in alone[0].iter().zip(&embeddings[1]) {
        assert!((a - b).abs() < 1e-5, "{a} vs {b}");
    }
}

#[test]
fn lower_then_upper_is_the_whole_encoder_and_gradients_reach_the_upper_vars() {
    let batch = E5Batch::new(&[vec![0u32, 4, 7, 11, 2], vec![0, 9, 2]], 1).unwrap();
    let whole = E5Encoder::new(tiny_file(), 0).unwrap();
    let expected = rows(&whole.embed(&batch.ids, &batch.mask).unwrap());
    let mut split = E5Encoder::new(tiny_file(), 1).unwrap();
    assert_eq!(split.upper_layers(), 1);
    let vars = split.trainable_upper().unwrap();
    assert_eq!(vars.len(), 16);
    let states = split.lower(&batch.ids, &batch.mask).unwrap();
    let out = split.upper(&states, &batch.mask, None).unwrap();
    let pooled = mean_pool(&out, &batch.mask).unwrap();
    let got = rows(&l2_normalize(&pooled).unwrap());
    for (g, e) in got.iter().flatten().zip(expected.iter().flatten()) {
        assert!((g - e).abs() < 1e-5, "{g} vs {e}");
    }
    // Through both layer norms, the attention softmax and GELU to every weight.
    let target = Tensor::rand(-1f32, 1.0, pooled.shape(), &candle_core::Device::Cpu).unwrap();
    let loss = (pooled * target).unwrap().sum_all().unwrap();
    let grads = loss.backward().unwrap();
    for (i, var) in vars.iter().enumerate() {
        let grad = grads
            .get(var.as_tensor())
            .unwrap_or_else(|| panic!("no gradient for var {i}"));
        let size = grad
            .abs()
            .unwrap()
            .sum_all()
            .unwrap()
            .to_scalar::<f32>()
            .unwrap();
        assert!(size > 0.0, "zero gradient for var {i}");
    }
}

#[test]
fn refuses_what_does_not_fit_the_model() {
    let err = E5Encoder::new(tiny_file(), 3).unwrap_err();
    assert!(matches!(
        err,
        Error::InvalidParam {
            name: "upper-layers",
            ..
        }
    ));

    let mut file = tiny_file();
    file.take_tensor("l1.fo.w", 32 * 64).unwrap();
    assert_invalid_file(E5Encoder::new(file, 0));

    let encoder = E5Encoder::new(tiny_file(), 0).unwrap();
    let long = E5Batch::new(&[vec![4u32; 17]], 1).unwrap();
    assert!(matches!(
        encoder.embed(&long.ids, &long.mask),
        Err(Error::E5(_))
    ));
    let beyond = E5Batch::new(&[vec![0u32, 12, 2]], 1).unwrap();
    assert!(matches!(
        encoder.embed(&beyond.ids, &beyond.mask),
        Err(Error::E5(_))
    ));
    let batch = E5Batch::new(&[vec![0u32, 4, 2]], 1).unwrap();
    let other = E5Batch::new(&[vec![0u32, 2]], 1).unwrap();
    assert!(matches!(
        encoder.embed(&batch.ids, &other.mask),
        Err(Error::E5(_))
    ));
}

#[test]
fn upper_weights_carry_layers_from_one_encoder_into_another() {
    // Two files alike but for the top layer's weights.
    let other = |name: &str, i: usize| {
        if name.starts_with("l1.") {
            value(name, i + 7) * 0.9
        } else {
            value(name, i)
        }
    };
    let trained = E5Encoder::new(
        E5File::parse(
            "other.bin",
            &model_bytes(&tiny_config(), &["▁a"], &[], other),
        )
        .unwrap(),
        1,
    )
    .unwrap();
    let pretrained = E5Encoder::new(tiny_file(), 0).unwrap();
    let batch = E5Batch::new(&[vec![0u32, 4, 7, 11, 2], vec![0, 9, 2]], 1).unwrap();
    let carried = pretrained
        .resplit(1)
        .unwrap()
        .with_upper_weights(&trained.upper_weights())
        .unwrap();
    let expected = rows(&trained.embed(&batch.ids, &batch.mask).unwrap());
    assert_eq!(
        rows(&carried.embed(&batch.ids, &batch.mask).unwrap()),
        expected
    );
    assert_ne!(
        rows(&pretrained.embed(&batch.ids, &batch.mask).unwrap()),
        expected
    );
    // Another split's weights do not fit.
    assert!(matches!(
        pretrained.with_upper_weights(&trained.upper_weights()),
        Err(Error::E5(_))
    ));
}
