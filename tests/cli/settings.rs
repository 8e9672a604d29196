//! Settings: `train` and `cv` flags and `cv --grid` keys come from one table, so every setting
//! is both, and errors and `--help` list the table's names.

use crate::workdir::Workdir;

#[test]
fn every_setting_is_a_grid_key_not_only_those_a_second_list_named() {
    let wd = Workdir::new();
    // schedule, seed and strip-diacritics were flags the grid did not know
    let run = wd.ok(&[
        "cv",
        "train.tsv",
        "--folds",
        "2",
        "--epochs",
        "3",
        "--grid",
        "schedule=constant,inverse",
        "--grid",
        "seed=1,2",
        "--grid",
        "strip-diacritics=false",
    ]);
    for point in [
        "schedule=constant seed=1 strip-diacritics=false",
        "schedule=inverse seed=2 strip-diacritics=false",
    ] {
        run.assert_stdout_has(point);
    }
}

#[test]
fn grid_errors_and_help_list_the_table() {
    let wd = Workdir::new();
    let run = wd.fails(&["cv", "train.tsv", "--grid", "colour=red"], 2);
    run.assert_stderr_has("unknown setting; use epochs, lr, schedule, l2")
        .assert_stderr_has("pseudo-max-ratio");
    let run = wd.fails(&["cv", "train.tsv", "--grid", "no-cues=true"], 2);
    run.assert_stderr_has("--no-cues is the switch that sets cues=false")
        .assert_stderr_has("cues=true,false");
    let help = wd
        .ok(&["cv", "--help"])
        .stdout
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    for key in [
        "self-train-rounds",
        "patience",
        "unlabelled-idf (--no-unlabelled-idf)",
    ] {
        assert!(help.contains(key), "--grid help lacks {key}:\n{help}");
    }
}

#[test]
fn a_switch_and_its_grid_key_give_the_same_configuration() {
    let wd = Workdir::new();
    wd.ok(&[
        "cv",
        "train.tsv",
        "--folds",
        "2",
        "--epochs",
        "3",
        "--no-clauses",
        "--save-config",
        "flag.json",
    ]);
    wd.ok(&[
        "cv",
        "train.tsv",
        "--folds",
        "2",
        "--epochs",
        "3",
        "--grid",
        "clauses=false",
        "--save-config",
        "grid.json",
    ]);
    assert_eq!(wd.read_string("flag.json"), wd.read_string("grid.json"));
    assert!(wd.read_string("flag.json").contains("\"clauses\": false"));
}

#[test]
fn a_value_out_of_range_on_the_command_line_is_a_usage_error() {
    let wd = Workdir::new();
    for (args, flag) in [
        (&["train", "train.tsv", "--lr", "0"][..], "--lr"),
        (&["train", "train.tsv", "--hash-bits", "40"], "--hash-bits"),
        (&["cv", "train.tsv", "--folds", "0"], "--folds"),
        (&["suggest", "--random-share", "1.5"], "--random-share"),
        (
            &["predict", "--min-confidence", "1.5", "x"],
            "--min-confidence",
        ),
    ] {
        let mut args = args.to_vec();
        if args[0] == "train" {
            args.extend(["--out", "x.model"]);
        }
        let run = wd.fails(&args, 2);
        run.assert_stderr_has("invalid value")
            .assert_stderr_has(flag);
        // a setting error blames no data file
        assert!(!run.stderr.contains("train.tsv"), "{run}");
    }
    // each value in range, out of range together
    let run = wd.fails(
        &[
            "train",
            "train.tsv",
            "--lr",
            "100",
            "--l2",
            "0.5",
            "--out",
            "x.model",
        ],
        2,
    );
    run.assert_stderr_has("lr x l2 must stay below 1")
        .assert_stderr_has("Usage: stance train");
    assert!(!wd.path("x.model").exists(), "{run}");
}

#[test]
fn a_value_out_of_range_in_a_config_file_names_the_file() {
    let wd = Workdir::new();
    wd.write("epochs.json", r#"{"model": {"epochs": 0}}"#);
    let run = wd.fails(
        &[
            "train",
            "train.tsv",
            "--config",
            "epochs.json",
            "--out",
            "x.model",
        ],
        1,
    );
    run.assert_stderr_has("config epochs.json: invalid setting epochs = 0");
    wd.write("bits.json", r#"{"features": {"hash_bits": 40}}"#);
    let run = wd.fails(&["cv", "train.tsv", "--config", "bits.json"], 1);
    run.assert_stderr_has("config bits.json: invalid setting hash-bits = 40");
    assert!(!run.stderr.contains("grid point"), "{run}");
}

#[test]
fn cv_on_a_file_without_rows_says_so() {
    let wd = Workdir::new();
    wd.write("header.tsv", "label\ttext\n");
    let run = wd.fails(&["cv", "header.tsv"], 1);
    run.assert_stderr_has("header.tsv: no labelled rows to cross-validate");
    assert!(!run.stderr.contains("folds"), "{run}");
}
