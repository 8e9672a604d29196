//! Tiny but complete e5 model files for unit tests, so the reader, the tokenizer and the
//! encoder are tested without the real 70 MB file.

use super::file::E5Config;
use super::q4::tests::quantize_q4_0;

/// The bytes of a small but complete model file: the sizes given, pieces `<s>`, `<pad>`,
/// `</s>`, `<unk>` then `extra_pieces` (scores -1, -2, ...), the normalisation rules
/// given, and every tensor the encoder reads filled with `value(name, index)`, the
/// weight matrices as Q4_0 (so `hidden` and `ffn` must be multiples of 32).
pub(crate) fn model_bytes(
    config: &E5Config,
    extra_pieces: &[&str],
    rules: &[(char, &str)],
    value: impl Fn(&str, usize) -> f32,
) -> Vec<u8> {
    let (h, ff) = (config.hidden, config.ffn);
    let mut out = Vec::new();
    let i32s = |out: &mut Vec<u8>, values: &[usize]| {
        for &v in values {
            out.extend((v as i32).to_le_bytes());
        }
    };
    out.extend(b"E5S1");
    out.extend(1u32.to_le_bytes());
    i32s(
        &mut out,
        &[
            h,
            config.layers,
            config.heads,
            ff,
            config.vocab,
            config.max_positions,
        ],
    );
    i32s(&mut out, &[config.token_types]);
    out.extend(config.eps.to_le_bytes());
    i32s(&mut out, &[32]);

    let pieces: Vec<&str> = ["<s>", "<pad>", "</s>", "<unk>"]
        .into_iter()
        .chain(extra_pieces.iter().copied())
        .collect();
    let blob = pieces.concat();
    i32s(&mut out, &[pieces.len(), 0, 2, 1, 3]);
    out.extend((blob.len() as u64).to_le_bytes());
    let mut offset = 0u32;
    out.extend(offset.to_le_bytes());
    for piece in &pieces {
        offset += piece.len() as u32;
        out.extend(offset.to_le_bytes());
    }
    for i in 0..pieces.len() {
        out.extend((-(i as f32) - 1.0).to_le_bytes());
    }
    out.extend(blob.as_bytes());

    let mut map = Vec::new();
    for (from, to) in rules {
        map.extend((*from as u32).to_le_bytes());
        map.push(to.chars().count() as u8);
        for c in to.chars() {
            map.extend((c as u32).to_le_bytes());
        }
    }
    i32s(&mut out, &[rules.len()]);
    out.extend((map.len() as u32).to_le_bytes());
    out.extend(map);

    let mut tensors: Vec<(String, bool, usize)> = vec![
        ("emb.word".into(), true, config.vocab * h),
        ("emb.pos".into(), false, config.max_positions * h),
        ("emb.type".into(), false, config.token_types * h),
        ("emb.ln.w".into(), false, h),
        ("emb.ln.b".into(), false, h),
    ];
    for l in 0..config.layers {
        for (part, q4, n) in [
            ("q.w", true, h * h),
            ("q.b", false, h),
            ("k.w", true, h * h),
            ("k.b", false, h),
            ("v.w", true, h * h),
            ("v.b", false, h),
            ("ao.w", true, h * h),
            ("ao.b", false, h),
            ("aln.w", false, h),
            ("aln.b", false, h),
            ("fi.w", true, ff * h),
            ("fi.b", false, ff),
            ("fo.w", true, h * ff),
            ("fo.b", false, h),
            ("oln.w", false, h),
            ("oln.b", false, h),
        ] {
            tensors.push((format!("l{l}.{part}"), q4, n));
        }
    }
    let mut data = Vec::new();
    let mut directory = Vec::new();
    i32s(&mut directory, &[tensors.len()]);
    let directory_len: usize = 4 + tensors
        .iter()
        .map(|(n, ..)| 2 + n.len() + 21)
        .sum::<usize>();
    let data_start = out.len() + directory_len;
    for (name, q4, n) in &tensors {
        let values: Vec<f32> = (0..*n).map(|i| value(name, i)).collect();
        let bytes = if *q4 {
            quantize_q4_0(&values)
        } else {
            values.iter().flat_map(|v| v.to_le_bytes()).collect()
        };
        directory.extend((name.len() as u16).to_le_bytes());
        directory.extend(name.as_bytes());
        directory.push(u8::from(*q4));
        directory.extend((*n as u32).to_le_bytes());
        directory.extend(((data_start + data.len()) as u64).to_le_bytes());
        directory.extend((bytes.len() as u64).to_le_bytes());
        data.extend(bytes);
    }
    out.extend(directory);
    out.extend(data);
    out
}

/// Sizes for a tiny file.
pub(crate) fn tiny_config() -> E5Config {
    E5Config {
        hidden: 32,
        layers: 2,
        heads: 4,
        ffn: 64,
        vocab: 12,
        max_positions: 16,
        token_types: 2,
        eps: 1e-12,
    }
}

/// A deterministic spread of values in [-1, 1) for weight `i` of tensor `name`.
fn spread(name: &str, i: usize) -> f32 {
    let seed = name
        .bytes()
        .fold(17u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)));
    let x = seed
        .wrapping_add(i as u64)
        .wrapping_mul(6_364_136_223_846_793_005);
    ((x >> 40) % 2000) as f32 / 1000.0 - 1.0
}

/// Layer-norm weights near 1, everything else small.
pub(crate) fn value(name: &str, i: usize) -> f32 {
    if name.ends_with("ln.w") {
        1.0 + 0.2 * spread(name, i)
    } else {
        0.3 * spread(name, i)
    }
}

/// Fails unless `result` is an [`E5FileProblem::Invalid`](crate::error::E5FileProblem::Invalid)
/// error of a model file.
pub(crate) fn assert_invalid_file<T: std::fmt::Debug>(result: crate::error::Result<T>) {
    use crate::error::{E5FileProblem, Error};
    match result {
        Err(Error::E5File {
            problem: E5FileProblem::Invalid(_),
            ..
        }) => {}
        other => panic!("expected an invalid model file, got {other:?}"),
    }
}
