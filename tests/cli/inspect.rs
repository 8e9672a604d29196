//! `stance inspect`: metadata, settings, data files with hashes and top features, as text,
//! as JSON and as a reusable configuration.

use crate::workdir::Workdir;
use sha2::{Digest, Sha256};
use stance::bundle::FORMAT_VERSION;

fn sha256_hex(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

/// A model `m.model` trained on the fixtures.
fn trained() -> Workdir {
    let wd = Workdir::new();
    wd.train("m.model", &[]);
    wd
}

#[test]
fn shows_labels_settings_data_files_and_top_features() {
    let wd = Workdir::new();
    let flags = [
        "--hash-bits",
        "16",
        "--word-ngrams",
        "2",
        "--char-ngrams",
        "3-4",
        "--raw-tf",
    ];
    wd.train("m.model", &flags);
    let run = wd.ok(&["inspect", "m.model", "--top", "3"]);
    let features = run
        .lines()
        .into_iter()
        .find(|l| l.starts_with("features     "))
        .unwrap_or_else(|| panic!("no features line:{run}"));
    for setting in [
        "2^16 buckets",
        "words 1-2",
        "chars 3-4",
        "proclitics on",
        "tf raw",
    ] {
        assert!(
            features.contains(setting),
            "{setting:?} not in {features:?}:{run}"
        );
    }
    let train = wd.read("train.tsv");
    let dev = wd.read("dev.tsv");
    run.assert_stdout_has("model        m.model\n")
        .assert_stdout_has(&format!(
            "format       version {FORMAT_VERSION}, written by stance "
        ))
        .assert_stdout_has("created      2023-11-14\n")
        .assert_stdout_has("labels       assertion, denial, allegation\n")
        .assert_stdout_has("epochs 5 lr 0.5 schedule linear l2 0.00001 class weight balanced ")
        .assert_stdout_has(&format!(
            "data         train train.tsv (48 rows, {} bytes, 0 skipped) sha256 {}\n",
            train.len(),
            sha256_hex(&train)
        ))
        .assert_stdout_has(&format!(
            "data         dev dev.tsv (18 rows, {} bytes, 0 skipped) sha256 {}\n",
            dev.len(),
            sha256_hex(&dev)
        ))
        .assert_stdout_has("train labels assertion 16, denial 16, allegation 16\n");

    for label in ["assertion", "denial", "allegation"] {
        let heading = format!("top features for {label}:\n");
        let listed = run
            .stdout
            .split_once(&heading)
            .unwrap_or_else(|| panic!("no {heading:?}:{run}"))
            .1;
        let features: Vec<&str> = listed.lines().take_while(|l| l.starts_with("  ")).collect();
        assert_eq!(features.len(), 3, "--top 3 for {label}:{run}");
        let weights: Vec<f64> = features
            .iter()
            .map(|l| {
                let w = l.split_whitespace().next().expect("a weight");
                w.parse().unwrap_or_else(|e| panic!("{w:?}: {e}:{run}"))
            })
            .collect();
        assert!(
            weights.windows(2).all(|w| w[0] >= w[1]),
            "not strongest first:{run}"
        );
    }
}

#[test]
fn json_output_parses_and_matches_the_data() {
    let wd = trained();
    let run = wd.ok(&["inspect", "m.model", "--json", "--top", "4"]);
    let info = run.json();
    assert_eq!(info["format_version"], FORMAT_VERSION, "{run}");
    assert_eq!(
        info["labels"],
        serde_json::json!(["assertion", "denial", "allegation"]),
        "{run}"
    );
    assert_eq!(info["n_features"], 1 << 18, "{run}");
    let data = &info["provenance"]["data"];
    assert_eq!(
        data[0]["sha256"],
        sha256_hex(&wd.read("train.tsv")),
        "{run}"
    );
    assert_eq!(data[0]["rows"], 48, "{run}");
    assert_eq!(data[1]["sha256"], sha256_hex(&wd.read("dev.tsv")), "{run}");
    assert_eq!(info["provenance"]["created"], "2023-11-14", "{run}");

    let top = info["top_features"].as_array().expect("a list");
    assert_eq!(top.len(), 3, "{run}");
    for entry in top {
        let features = entry["features"].as_array().expect("features");
        assert_eq!(features.len(), 4, "{run}");
        assert!(
            features
                .iter()
                .all(|f| f["feature"].is_string() && f["weight"].is_number()),
            "{run}"
        );
    }
}

#[test]
fn config_output_is_json_with_features_and_model() {
    let wd = Workdir::new();
    wd.train("m.model", &["--l2", "0.001", "--no-proclitics"]);
    let run = wd.ok(&["inspect", "m.model", "--config"]);
    let config = run.json();
    for key in ["features", "model"] {
        assert!(config[key].is_object(), "no {key} section:{run}");
    }
    assert_eq!(config["features"]["proclitics"], false, "{run}");
    assert_eq!(config["model"]["l2"], 0.001, "{run}");
    assert_eq!(config["model"]["epochs"], 5, "{run}");

    wd.fails(&["inspect", "m.model", "--config", "--json"], 2);
}
