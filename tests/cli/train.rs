//! `stance train`: where the model goes, what is reported, configs, determinism and formats.

use crate::workdir::{Workdir, FAST};
use serde_json::Value;

/// The number printed after `label` in a line such as `dev dev.tsv: macro-F1 0.8312  ...`.
fn number_after(text: &str, label: &str) -> f64 {
    let rest = text
        .split_once(label)
        .unwrap_or_else(|| panic!("no {label:?} in {text:?}"))
        .1;
    let word = rest.split_whitespace().next().expect("a number follows");
    word.parse()
        .unwrap_or_else(|e| panic!("{word:?} after {label:?} is not a number: {e}"))
}

#[test]
fn writes_the_model_where_out_says_and_reports_dev_scores() {
    let wd = Workdir::new();
    let run = wd.train("models/a/first.model", &[]);
    let model = wd.read("models/a/first.model");
    assert!(model.starts_with(b"STANCEM\0"), "not a model file:{run}");
    assert!(!wd.path("models/stance.model").exists(), "{run}");
    run.assert_stdout_has("trained on train.tsv: 48 rows (assertion 16, denial 16, allegation 16)")
        .assert_stdout_has("epochs run 5 of 5")
        .assert_stdout_has("model written to models/a/first.model");

    let dev_line = run
        .lines()
        .into_iter()
        .find(|l| l.starts_with("dev dev.tsv: "))
        .unwrap_or_else(|| panic!("no dev line:{run}"))
        .to_string();
    let macro_f1 = number_after(&dev_line, "macro-F1");
    let accuracy = number_after(&dev_line, "accuracy");
    assert!((0.0..=1.0).contains(&macro_f1), "{run}");

    // The dev scores reported are those of the weights that were saved.
    let eval = wd.ok(&[
        "eval",
        "dev.tsv",
        "--model",
        "models/a/first.model",
        "--json",
    ]);
    let report = eval.json();
    let f = |key: &str| format!("{:.4}", report[key].as_f64().expect("a number"));
    assert_eq!(format!("{macro_f1:.4}"), f("macro_f1"), "{run}{eval}");
    assert_eq!(format!("{accuracy:.4}"), f("accuracy"), "{run}{eval}");
}

/// Lays out the shipped data the way the repository does: written sentences in datasets/, real
/// ones as ids and labels only in datasets/real/, their text in a pool file (`pool.tsv`).
fn lay_out_default_data(wd: &Workdir) {
    wd.write("datasets/train.tsv", wd.read("train.tsv"));
    wd.write("datasets/dev.tsv", wd.read("dev.tsv"));
    let mut pool = String::from("id\tsource\tsentence\n");
    for split in ["train", "dev"] {
        let mut ids = String::from("id\tlabel\tnote\n");
        for line in wd.read_string(&format!("{split}.tsv")).lines().skip(1) {
            let fields: Vec<&str> = line.split('\t').collect();
            ids.push_str(&format!("r-{}\t{}\t\n", fields[0], fields[1]));
            pool.push_str(&format!("r-{}\tfixture\t{}\n", fields[0], fields[2]));
        }
        wd.write(&format!("datasets/real/{split}.tsv"), ids);
    }
    wd.write("pool.tsv", pool);
}

#[test]
fn without_arguments_trains_on_written_and_real_data_and_writes_the_default_model() {
    let wd = Workdir::new();
    lay_out_default_data(&wd);
    let run = wd.ok(&["train", "--text-from", "pool.tsv"]);
    run.assert_stdout_has("trained on datasets/train.tsv + datasets/real/train.tsv: 96 rows")
        .assert_stdout_has("dev datasets/dev.tsv + datasets/real/dev.tsv: macro-F1 ")
        .assert_stdout_has("model written to models/stance.model");
    assert!(wd.read("models/stance.model").starts_with(b"STANCEM\0"));

    // The other verbs find the default model on their own.
    let predict = wd.ok(&["predict", "نفت الوزارة صحة الأنباء عن اعتقال صحفيين"]);
    assert_eq!(predict.lines().len(), 1, "{predict}");
    let inspect = wd.ok(&["inspect", "--json"]);
    let data = &inspect.json()["provenance"]["data"];
    let paths: Vec<(&str, &str, u64)> = data
        .as_array()
        .expect("a data list")
        .iter()
        .map(|d| {
            (
                d["role"].as_str().unwrap(),
                d["path"].as_str().unwrap(),
                d["rows"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        paths,
        [
            ("train", "datasets/train.tsv", 48),
            ("train", "datasets/real/train.tsv", 48),
            ("dev", "datasets/dev.tsv", 18),
            ("dev", "datasets/real/dev.tsv", 18),
            ("text", "pool.tsv", 66),
            ("calibration", "datasets/real/dev.tsv", 18)
        ],
        "{inspect}"
    );
}

#[test]
fn the_reproduce_command_may_be_spelled_out_and_needs_the_shipped_text() {
    let wd = Workdir::new();
    lay_out_default_data(&wd);
    wd.ok(&["train", "-q", "--text-from", "pool.tsv"]);
    let shipped = wd.read("models/stance.model");

    // The defaults written out, with the same text, are the reproduce command too.
    wd.ok(&[
        "train",
        "-q",
        "datasets/train.tsv",
        "./datasets/real/train.tsv",
        "--dev",
        "datasets/dev.tsv",
        "--dev",
        "datasets/real/dev.tsv",
        "--calibrate-on",
        "datasets/real/dev.tsv",
        "--text-from",
        "pool.tsv",
        "--out",
        "models/stance.model",
    ]);

    // Text of other bytes trains another model: it does not replace the shipped one.
    let pool = wd.read_string("pool.tsv");
    let edited = pool.replacen("\tfixture\t", "\tfixture\tقال مصدر إن ", 1);
    assert_ne!(pool, edited);
    wd.write("edited-pool.tsv", edited);
    wd.write("models/stance.model", &shipped);
    let run = wd.fails(&["train", "-q", "--text-from", "edited-pool.tsv"], 1);
    run.assert_stderr_has("reproduce command");
    assert_eq!(wd.read("models/stance.model"), shipped);

    // The reproduce command writes the working folder's model and nothing else over one: not
    // its saved config, not another project's model.
    wd.write("models/stance.model", &shipped);
    let save_config = [
        "train",
        "--out",
        "m.model",
        "--save-config",
        "models/stance.model",
    ];
    wd.fails(
        &[&save_config[..], &["--text-from", "pool.tsv"]].concat(),
        1,
    )
    .assert_stderr_has("shipped model");
    wd.write("other/models/stance.model", &shipped);
    wd.write("other/datasets/train.tsv", wd.read("train.tsv"));
    let elsewhere = [
        "train",
        "--text-from",
        "pool.tsv",
        "--out",
        "other/models/stance.model",
    ];
    wd.fails(&elsewhere, 1).assert_stderr_has("shipped model");
    assert_eq!(wd.read("models/stance.model"), shipped);
    assert_eq!(wd.read("other/models/stance.model"), shipped);

    // A copy of the same text (a pool rebuilt elsewhere) still reproduces it.
    wd.write("copied-pool.tsv", &pool);
    wd.ok(&["train", "-q", "--text-from", "copied-pool.tsv"]);
    assert!(wd.read("models/stance.model").starts_with(b"STANCEM\0"));
}

#[test]
fn real_data_without_its_text_says_where_the_text_is_expected() {
    let wd = Workdir::new();
    lay_out_default_data(&wd);
    // Run from a folder whose ../shared surely does not exist, whatever the machine has.
    for name in [
        "datasets/train.tsv",
        "datasets/dev.tsv",
        "datasets/real/train.tsv",
        "datasets/real/dev.tsv",
    ] {
        wd.write(&format!("proj/{name}"), wd.read(name));
    }
    let mut cmd = wd.command(&["train"]);
    cmd.current_dir(wd.path("proj"));
    let run = wd.run_command(&mut cmd, "(in proj/) stance train".into());
    assert_eq!(run.code, Some(1), "{run}");
    run.assert_stderr_has("datasets/real/dev.tsv:1: this file holds ids and no text")
        .assert_stderr_has("../shared/realnews/pool.tsv");

    // An id the text file lacks is named with its line.
    let pool = wd.read_string("pool.tsv").replace("r-t02\t", "r-zz\t");
    wd.write("pool.tsv", pool);
    let run = wd.fails(&["train", "--text-from", "pool.tsv"], 1);
    run.assert_stderr_has("datasets/real/train.tsv:3: id \"r-t02\" is not in pool.tsv");
}

#[test]
fn no_dev_ignores_the_default_dev_file() {
    let wd = Workdir::new();
    lay_out_default_data(&wd);
    let run = wd.ok(&[
        "train",
        "--no-dev",
        "--epochs",
        "5",
        "--text-from",
        "pool.tsv",
    ]);
    assert!(
        !run.lines().iter().any(|l| l.starts_with("dev ")),
        "a dev line without dev data:{run}"
    );
    let inspect = wd.ok(&["inspect", "--json"]);
    let provenance = &inspect.json()["provenance"];
    let data = provenance["data"].as_array().expect("a data list");
    let roles: Vec<&str> = data.iter().map(|d| d["role"].as_str().unwrap()).collect();
    assert_eq!(roles, ["train", "train", "text"], "{inspect}");
    assert_eq!(provenance["fit"]["dev"], Value::Null, "{inspect}");

    let clash = wd.fails(&["train", "--no-dev", "--dev", "dev.tsv"], 2);
    clash.assert_stderr_has("--no-dev");
}

#[test]
fn a_saved_config_reproduces_the_model_byte_for_byte() {
    let wd = Workdir::new();
    let flags = ["--hash-bits", "14", "--word-ngrams", "1", "--seed", "7"];
    wd.train(
        "first.model",
        &[&["--save-config", "used.json"], &flags[..]].concat(),
    );
    let saved: Value = serde_json::from_slice(&wd.read("used.json")).expect("config is JSON");
    assert_eq!(saved["features"]["hash_bits"], 14);
    assert_eq!(saved["features"]["word_ngrams"], 1);
    assert_eq!(saved["model"]["seed"], 7);
    assert_eq!(saved["model"]["epochs"], 5);

    // No flags this time: everything comes from the file.
    let args = [
        "train",
        "train.tsv",
        "--dev",
        "dev.tsv",
        "--out",
        "second.model",
        "--config",
        "used.json",
    ];
    let run = wd.ok(&args);
    assert!(
        wd.read("first.model") == wd.read("second.model"),
        "the model trained from --config differs from the first:{run}"
    );

    // `inspect --config` prints the same configuration.
    let inspect = wd.ok(&["inspect", "first.model", "--config"]);
    assert_eq!(inspect.json(), saved, "{inspect}");
}

#[test]
fn flags_override_the_config_file() {
    let wd = Workdir::new();
    wd.train(
        "base.model",
        &["--seed", "21", "--save-config", "base.json"],
    );
    let args = [
        "train",
        "train.tsv",
        "--out",
        "over.model",
        "--config",
        "base.json",
        "--hash-bits",
        "12",
        "--char-ngrams",
        "3-4",
        "--epochs",
        "3",
    ];
    let run = wd.ok(&args);
    run.assert_stdout_has("epochs run 3 of 3");
    let inspect = wd.ok(&["inspect", "over.model", "--config"]);
    let config = inspect.json();
    assert_eq!(config["features"]["hash_bits"], 12, "{inspect}");
    assert_eq!(config["features"]["char_min"], 3, "{inspect}");
    assert_eq!(config["features"]["char_max"], 4, "{inspect}");
    assert_eq!(config["model"]["epochs"], 3, "{inspect}");
    // What no flag touched comes from the file.
    assert_eq!(config["model"]["seed"], 21, "{inspect}");

    let text = wd.ok(&["inspect", "over.model"]);
    text.assert_stdout_has("2^12 buckets")
        .assert_stdout_has("chars 3-4");
}

#[test]
fn the_same_seed_gives_the_same_bytes_and_another_seed_does_not() {
    let wd = Workdir::new();
    wd.train("a.model", &["--seed", "5"]);
    wd.train("b.model", &["--seed", "5"]);
    wd.train("c.model", &["--seed", "6"]);
    let (a, b, c) = (wd.read("a.model"), wd.read("b.model"), wd.read("c.model"));
    assert!(a == b, "two trainings with the same seed differ");
    assert!(a != c, "a different seed gave the same model file");

    // The seed changes the weights, not only the recorded setting.
    let probs = |model: &str| {
        let run = wd.ok(&[
            "predict",
            "--model",
            model,
            "--input",
            "sentences.txt",
            "--output",
            "jsonl",
            "--probs",
        ]);
        run.jsonl()
            .into_iter()
            .map(|v| v["probabilities"].clone())
            .collect::<Vec<_>>()
    };
    assert_ne!(probs("a.model"), probs("c.model"));
}

#[test]
fn the_model_does_not_depend_on_the_number_of_threads() {
    let wd = Workdir::new();
    let train = |out: &str, threads: &str| {
        let mut args = vec!["train", "train.tsv", "--dev", "dev.tsv", "--out", out];
        args.extend_from_slice(FAST);
        let mut cmd = wd.command(&args);
        cmd.env("RAYON_NUM_THREADS", threads);
        let run = wd.run_command(
            &mut cmd,
            format!("RAYON_NUM_THREADS={threads} stance {}", args.join(" ")),
        );
        assert_eq!(run.code, Some(0), "{run}");
    };
    train("one.model", "1");
    train("four.model", "4");
    assert!(
        wd.read("one.model") == wd.read("four.model"),
        "1 and 4 threads trained different models"
    );
}

#[test]
fn trains_from_jsonl_csv_and_fasttext() {
    let wd = Workdir::new();
    for file in ["train.jsonl", "train.csv", "train.ft"] {
        let out = format!("{file}.model");
        let mut args = vec!["train", file, "--out", &out];
        args.extend_from_slice(FAST);
        let run = wd.ok(&args);
        run.assert_stdout_has(&format!(
            "trained on {file}: 6 rows (assertion 2, denial 2, allegation 2)"
        ));
        assert!(wd.read(&out).starts_with(b"STANCEM\0"), "{run}");
    }
}

#[test]
fn format_overrides_the_extension() {
    let wd = Workdir::new();
    wd.write("records.txt", wd.read("train.jsonl"));
    wd.write("tabs.csv", wd.read("train.tsv"));

    // By extension, `.txt` is not a labelled format and `.csv` splits on commas.
    let run = wd.fails(&["train", "records.txt", "--out", "x.model"], 1);
    run.assert_stderr_has("records.txt:1:");
    let run = wd.fails(&["train", "tabs.csv", "--out", "x.model"], 1);
    run.assert_stderr_has("tabs.csv:");
    assert!(!wd.path("x.model").exists());

    let mut args = vec![
        "train",
        "records.txt",
        "--format",
        "jsonl",
        "--out",
        "j.model",
    ];
    args.extend_from_slice(FAST);
    wd.ok(&args)
        .assert_stdout_has("trained on records.txt: 6 rows");
    let mut args = vec!["train", "tabs.csv", "--format", "tsv", "--out", "t.model"];
    args.extend_from_slice(FAST);
    wd.ok(&args)
        .assert_stdout_has("trained on tabs.csv: 48 rows");
}

#[test]
fn csv_quoted_fields_keep_their_commas_and_quotes() {
    let wd = Workdir::new();
    wd.train("m.model", &[]);
    let run = wd.ok(&[
        "predict",
        "--model",
        "m.model",
        "--input",
        "train.csv",
        "--output",
        "jsonl",
    ]);
    let rows = run.jsonl();
    assert_eq!(rows.len(), 6, "{run}");
    let ids: Vec<&str> = rows
        .iter()
        .map(|r| r["id"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(ids, ["1", "2", "3", "4", "5", "6"], "{run}");
    assert_eq!(
        rows[0]["text"], "أعلن البنك المركزي خفض سعر الفائدة, وقال إن القرار يسري فوراً.",
        "{run}"
    );
    assert_eq!(
        rows[4]["text"], "كذّب مصدر عسكري ما تداولته المواقع, ووصفه بأنه \"عارٍ عن الصحة\".",
        "{run}"
    );
    assert_eq!(rows[4]["gold"], "denial", "{run}");
}

#[test]
fn cue_version_3_is_saved_with_the_model_and_reads_the_forms_it_adds() {
    let wd = Workdir::new();
    wd.train("v2.model", &["--cue-version", "2"]);
    wd.train("v3.model", &[]);
    let info = wd.ok(&["inspect", "v3.model"]);
    assert!(info.stdout.contains("cues v3"), "{info}");
    // a dual subject with an object pronoun: version 3 reads an accusation verb in it
    let sentence = "واتهماه بالتقصير في حماية المدنيين خلال الأسبوع الماضي.";
    let cue_words = |model: &str| -> Vec<String> {
        let run = wd.ok(&[
            "predict",
            "--model",
            model,
            "--output",
            "jsonl",
            "--explain",
            sentence,
        ]);
        let row: Value = serde_json::from_str(run.stdout.trim()).expect("one JSON row");
        row["because"]
            .as_array()
            .expect("an explanation")
            .iter()
            .filter(|f| {
                f["feature"]
                    .as_str()
                    .is_some_and(|n| n.contains(":allegation"))
            })
            .map(|f| f["text"].as_str().expect("the words").to_string())
            .collect()
    };
    assert!(cue_words("v2.model").is_empty());
    assert!(
        cue_words("v3.model").iter().any(|w| w == "واتهماه"),
        "{:?}",
        cue_words("v3.model")
    );
}

#[test]
fn self_training_without_unlabelled_sentences_is_refused() {
    let wd = Workdir::new();
    let run = wd.fails(
        &[
            "train",
            "train.tsv",
            "--self-train-rounds",
            "3",
            "--out",
            "x.model",
        ],
        2,
    );
    run.assert_stderr_has("self-train-rounds = 3")
        .assert_stderr_has("--unlabelled FILE");
    assert!(!wd.path("x.model").exists(), "{run}");
    let run = wd.fails(
        &[
            "cv",
            "train.tsv",
            "--folds",
            "2",
            "--grid",
            "self-train-rounds=0,2",
        ],
        2,
    );
    run.assert_stderr_has("as cv takes none")
        .assert_stderr_has("grid point self-train-rounds=2");
    assert!(run.stdout.is_empty(), "no point may have been scored:{run}");
    wd.train(
        "x.model",
        &[
            "--self-train-rounds",
            "1",
            "--unlabelled",
            "sentences.txt",
            "--save-config",
            "self-train.json",
        ],
    )
    .assert_stdout_has("self-training round 1");
    // Set by a config file, it is that file's error (exit 1), named, in train and cv alike.
    let config = ["--config", "self-train.json"];
    let train = [&["train", "train.tsv", "--out", "y.model"][..], &config].concat();
    wd.fails(&train, 1)
        .assert_stderr_has("reading config self-train.json: ")
        .assert_stderr_has("self-train-rounds = 1");
    let cv = [&["cv", "train.tsv", "--folds", "2"][..], &config].concat();
    wd.fails(&cv, 1)
        .assert_stderr_has("reading config self-train.json: ");
}

#[test]
fn training_that_leaves_no_feature_fails() {
    let wd = Workdir::new();
    let run = wd.fails(
        &[
            "train",
            "train.tsv",
            "--epochs",
            "5",
            "--min-df",
            "1000",
            "--no-cues",
            "--out",
            "x.model",
        ],
        1,
    );
    run.assert_stderr_has("no feature is left to learn from")
        .assert_stderr_has("fewer than min-df = 1000")
        .assert_stderr_has("cue features are off");
    assert!(!wd.path("x.model").exists(), "{run}");
}
