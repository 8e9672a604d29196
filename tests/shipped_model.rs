//! The shipped model (models/stance.model) must be exactly what `stance train` makes from the
//! shipped data and the configuration recorded inside it, so it cannot drift from datasets/.
//! The real sentences' text comes from ../shared/realnews/pool.tsv, whose hash is recorded too.

use assert_cmd::Command;
use sha2::{Digest, Sha256};
use stance::Bundle;
use std::path::Path;

#[test]
fn shipped_model_retrains_byte_for_byte() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let shipped_path = root.join("models/stance.model");
    let shipped = std::fs::read(&shipped_path).expect("models/stance.model exists");
    let bundle = Bundle::from_bytes(&shipped, &shipped_path).expect("the shipped model loads");
    let p = &bundle.provenance;

    for file in &p.data {
        let bytes =
            std::fs::read(root.join(&file.path)).unwrap_or_else(|e| panic!("{}: {e}", file.path));
        assert_eq!(
            format!("{:x}", Sha256::digest(&bytes)),
            file.sha256,
            "{} changed since the shipped model was trained: run `stance train` and commit models/",
            file.path
        );
    }

    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.json");
    std::fs::write(&config, p.config.to_json()).unwrap();
    let out = dir.path().join("retrained.model");
    let date = time::Date::parse(
        &p.created,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .expect("created is a date");
    let epoch = date.midnight().assume_utc().unix_timestamp();

    let mut cmd = Command::cargo_bin("stance").unwrap();
    cmd.current_dir(root)
        .env("SOURCE_DATE_EPOCH", epoch.to_string())
        .arg("--quiet")
        .arg("train");
    for file in &p.data {
        match file.role.as_str() {
            "train" => cmd.arg(&file.path),
            "dev" => cmd.arg("--dev").arg(&file.path),
            "text" => cmd.arg("--text-from").arg(&file.path),
            "calibration" => cmd.arg("--calibrate-on").arg(&file.path),
            other => panic!("unknown data role {other}"),
        };
    }
    if !p.data.iter().any(|f| f.role == "dev") {
        cmd.arg("--no-dev");
    }
    if !p.data.iter().any(|f| f.role == "calibration") {
        cmd.arg("--no-calibration");
    }
    cmd.arg("--config").arg(&config).arg("--out").arg(&out);
    cmd.assert().success();

    let retrained = std::fs::read(&out).unwrap();
    assert!(
        retrained == shipped,
        "retraining from the recorded config gives a different model: run `stance train` and commit models/"
    );
}
