//! Pins what the prediction path computes for 500 varied sentences (250 real pool sentences,
//! named by id in `tests/fixtures/featurize_pool_ids.txt` and read from
//! `../shared/realnews/pool.tsv`, so no real text is copied here; and 250 generated ones dense
//! in cues, clitics, diacritics, quotes, negations and clause connectives): the hashed counts
//! under several feature settings, the TF-IDF row, the probabilities and the explanation's
//! features and spans of a model trained here on `tests/fixtures/train.tsv` (fixed, unlike the
//! shipped model, which changes with the data); and that the packed scorer `stance predict`
//! uses gives bit-identical probabilities.
//!
//! The featurisation digests were recorded before the prediction path was rewritten for speed,
//! so a faster tokeniser, walker or TF-IDF pass that changes a single bit fails here. Refresh
//! only for an intended change of the features, the training or the model format:
//! `STANCE_BLESS=1 cargo test --test featurize_golden`.

use assert_cmd::Command;
use sha2::{Digest, Sha256};
use stance::features::{FeatureConfig, Featurizer, ReverseMap, Scratch};
use stance::scorer::Scorer;
use stance::{Bundle, PredictBuffers, Stance};
use std::fmt::Write as _;
use std::path::Path;

/// Feature settings besides the shipped model's, so every branch of the walker is pinned.
fn other_configs() -> Vec<FeatureConfig> {
    let default = FeatureConfig::default();
    vec![
        // the lexicon of models trained before version 3 became the default
        FeatureConfig {
            cue_version: 2,
            ..default
        },
        FeatureConfig {
            char_min: 2,
            char_max: 4,
            punctuation: true,
            ..default
        },
        FeatureConfig {
            cue_version: 1,
            proclitics: false,
            stopwords: false,
            word_ngrams: 3,
            ..default
        },
        FeatureConfig {
            cues: false,
            clauses: false,
            lead_words: 0,
            word_ngrams: 1,
            ..default
        },
    ]
}

/// Everything the prediction path computes for one sentence, as text.
fn record(bundle: &Bundle, scorer: &Scorer, featurizers: &[Featurizer], text: &str) -> String {
    let pipeline = &bundle.pipeline;
    let mut out = String::new();
    for f in featurizers {
        let known = ReverseMap::new(f.n_features());
        let (counts, names) = f
            .counts_and_new_names(text, &known, &mut Scratch::default())
            .unwrap();
        for (b, c) in counts {
            write!(out, "{b}:{:08x} ", c.to_bits()).unwrap();
        }
        for (b, name) in names {
            write!(out, "{b}={name} ").unwrap();
        }
        out.push('\n');
    }
    for (b, v) in pipeline.features(text).unwrap() {
        write!(out, "{b}:{:08x} ", v.to_bits()).unwrap();
    }
    let prediction = pipeline.predict(text).unwrap();
    let packed = scorer
        .predict_with(text, &mut PredictBuffers::default())
        .unwrap();
    let bits = |p: &stance::Prediction| -> Vec<u32> {
        p.probabilities.iter().map(|(_, x)| x.to_bits()).collect()
    };
    assert_eq!(
        bits(&packed),
        bits(&prediction),
        "packed scorer on {text:?}"
    );
    assert_eq!(packed.label, prediction.label);
    for (label, p) in &prediction.probabilities {
        write!(out, "{label}={:08x} ", p.to_bits()).unwrap();
    }
    for label in Stance::ALL {
        for c in pipeline.explain(text, label, 50).unwrap() {
            write!(
                out,
                "{}|{:?}|{:08x}|{}|{} ",
                c.feature,
                c.kind,
                c.weight.to_bits(),
                c.start,
                c.end
            )
            .unwrap();
        }
    }
    out
}

/// The pool sentences named in the ids file, then the generated sentences.
fn texts(root: &Path) -> Vec<String> {
    let pool_path = root.join("../shared/realnews/pool.tsv");
    let pool = std::fs::read_to_string(&pool_path)
        .unwrap_or_else(|e| panic!("{}: {e}", pool_path.display()));
    let by_id: std::collections::HashMap<&str, &str> = pool
        .lines()
        .filter_map(|l| Some((l.split_once('\t')?.0, l.rsplit_once('\t')?.1)))
        .collect();
    let ids = std::fs::read_to_string(root.join("tests/fixtures/featurize_pool_ids.txt")).unwrap();
    let generated =
        std::fs::read_to_string(root.join("tests/fixtures/featurize_texts.txt")).unwrap();
    ids.lines()
        .map(|id| by_id[id].to_string())
        .chain(generated.lines().map(str::to_string))
        .collect()
}

/// A model trained on the written fixture sentences with the default settings, calibrated on
/// the fixture dev sentences (so the packed scorer is checked with a temperature too).
fn fixture_model(root: &Path, dir: &Path) -> Bundle {
    let out = dir.join("fixture.model");
    Command::cargo_bin("stance")
        .unwrap()
        .current_dir(root)
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .args([
            "--quiet",
            "train",
            "tests/fixtures/train.tsv",
            "--no-dev",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success();
    Bundle::load(&out).unwrap()
}

#[test]
fn featurisation_is_pinned() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let bundle = fixture_model(root, dir.path());
    let featurizers: Vec<Featurizer> = other_configs()
        .into_iter()
        .map(|c| Featurizer::new(c).unwrap())
        .chain([bundle.pipeline.featurizer().clone()])
        .collect();
    let scorer = Scorer::packed(&bundle.pipeline);
    let texts = texts(root);
    let digests: Vec<String> = texts
        .iter()
        .map(|t| {
            format!(
                "{:x}",
                Sha256::digest(record(&bundle, &scorer, &featurizers, t))
            )
        })
        .collect();
    let golden_path = root.join("tests/fixtures/featurize_golden.txt");
    if std::env::var_os("STANCE_BLESS").is_some() {
        std::fs::write(&golden_path, digests.join("\n") + "\n").unwrap();
        return;
    }
    let golden = std::fs::read_to_string(&golden_path).unwrap();
    let golden: Vec<&str> = golden.lines().collect();
    assert_eq!(golden.len(), digests.len(), "one digest per sentence");
    for ((text, want), got) in texts.iter().zip(golden).zip(&digests) {
        assert_eq!(want, got, "featurisation changed for {text:?}");
    }
}
