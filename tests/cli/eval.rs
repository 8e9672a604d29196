//! `stance eval`: the text report, the JSON report, the listed errors, and agreement with
//! what `predict` says about the same file.

use crate::workdir::{Run, Workdir};
use serde_json::Value;

const LABELS: [&str; 3] = ["assertion", "denial", "allegation"];

/// A trained model `m.model` in a fresh work directory.
fn trained() -> Workdir {
    let wd = Workdir::new();
    wd.train("m.model", &[]);
    wd
}

/// `dev.tsv` with every label replaced by the next one, so that most rows become errors.
fn write_rotated(wd: &Workdir) {
    let dev = wd.read_string("dev.tsv");
    let rotated: Vec<String> = dev
        .lines()
        .map(|line| {
            let mut fields: Vec<&str> = line.split('\t').collect();
            if let Some(i) = LABELS.iter().position(|l| *l == fields[1]) {
                fields[1] = LABELS[(i + 1) % 3];
            }
            fields.join("\t")
        })
        .collect();
    wd.write("rotated.tsv", rotated.join("\n") + "\n");
}

/// The numbers of the line of `section` that starts with `label`.
fn row(run: &Run, section: &str, label: &str) -> Vec<f64> {
    let line = section
        .lines()
        .find(|l| l.starts_with(label) && l.split_whitespace().next() == Some(label))
        .unwrap_or_else(|| panic!("no line for {label}:{run}"));
    line.split_whitespace()
        .skip(1)
        .map(|w| {
            w.parse()
                .unwrap_or_else(|e| panic!("{w:?} in {line:?}: {e}:{run}"))
        })
        .collect()
}

fn rounded(v: &Value) -> String {
    format!("{:.4}", v.as_f64().expect("a number"))
}

#[test]
fn the_report_shows_accuracy_scores_per_label_and_the_confusion_matrix() {
    let wd = trained();
    let run = wd.ok(&["eval", "dev.tsv", "--model", "m.model"]);
    let json = wd
        .ok(&["eval", "dev.tsv", "--model", "m.model", "--json"])
        .json();

    let headline = format!(
        "rows 18  accuracy {}  macro-F1 {}",
        rounded(&json["accuracy"]),
        rounded(&json["macro_f1"])
    );
    run.assert_stdout_has("m.model on dev.tsv")
        .assert_stdout_has(&headline);
    let header = run
        .lines()
        .into_iter()
        .find(|l| l.starts_with("label "))
        .unwrap_or_else(|| panic!("no table header:{run}"));
    let columns: Vec<&str> = header.split_whitespace().collect();
    assert_eq!(
        columns,
        ["label", "precision", "recall", "f1", "support"],
        "{run}"
    );

    let (scores, confusion) = run
        .stdout
        .split_once("confusion (rows: true label, columns: predicted)")
        .unwrap_or_else(|| panic!("no confusion matrix:{run}"));
    let mut total = 0.0;
    let mut correct = 0.0;
    for (i, label) in LABELS.iter().enumerate() {
        let numbers = row(&run, scores, label);
        let expected = &json["per_label"][i];
        assert_eq!(expected["label"], *label);
        let shown: Vec<String> = numbers[..3].iter().map(|n| format!("{n:.4}")).collect();
        let wanted: Vec<String> = ["precision", "recall", "f1"]
            .iter()
            .map(|k| rounded(&expected[k]))
            .collect();
        assert_eq!(shown, wanted, "{label}:{run}");
        assert_eq!(numbers[3], 6.0, "support of {label}:{run}");

        let counts = row(&run, confusion, label);
        assert_eq!(counts.len(), 3, "{run}");
        assert_eq!(
            counts.iter().sum::<f64>(),
            numbers[3],
            "row {label} vs support:{run}"
        );
        let from_json: Vec<f64> = json["confusion"]["counts"][i]
            .as_array()
            .expect("a matrix row")
            .iter()
            .map(|v| v.as_f64().expect("a count"))
            .collect();
        assert_eq!(counts, from_json, "{run}");
        total += counts.iter().sum::<f64>();
        correct += counts[i];
    }
    assert_eq!(total, 18.0, "{run}");
    assert_eq!(
        format!("{:.4}", correct / total),
        rounded(&json["accuracy"]),
        "{run}"
    );
}

#[test]
fn the_json_report_has_the_documented_keys() {
    let wd = trained();
    let run = wd.ok(&["eval", "dev.tsv", "--model", "m.model", "--json"]);
    let report = run.json();
    for key in ["macro_f1", "accuracy", "per_label", "confusion", "rows"] {
        assert!(report.get(key).is_some(), "no {key}:{run}");
    }
    assert_eq!(report["rows"], 18, "{run}");
    let per_label = report["per_label"].as_array().expect("a list");
    let names: Vec<&str> = per_label
        .iter()
        .map(|s| s["label"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(names, LABELS, "{run}");
    let mean_f1 = per_label
        .iter()
        .map(|s| s["f1"].as_f64().expect("f1"))
        .sum::<f64>()
        / 3.0;
    let macro_f1 = report["macro_f1"].as_f64().expect("macro_f1");
    assert!(
        (mean_f1 - macro_f1).abs() < 1e-9,
        "macro-F1 is not the mean F1:{run}"
    );
    assert_eq!(
        report["errors"],
        Value::Array(vec![]),
        "no errors were asked for:{run}"
    );
}

#[test]
fn errors_lists_at_most_n_with_their_text() {
    let wd = trained();
    write_rotated(&wd);
    let rotated = wd.read_string("rotated.tsv");
    let file_lines: Vec<&str> = rotated.lines().collect();

    let run = wd.ok(&["eval", "rotated.tsv", "--model", "m.model", "--errors", "2"]);
    let listed = run
        .stdout
        .split_once("most confident errors:\n")
        .unwrap_or_else(|| panic!("no error list:{run}"))
        .1;
    let entries: Vec<&str> = listed.lines().filter(|l| l.starts_with("- ")).collect();
    assert_eq!(entries.len(), 2, "{run}");
    for entry in entries {
        // "- d05 (line 6): gold allegation predicted denial (0.45)", then the text.
        let line: usize = entry
            .split_once("(line ")
            .and_then(|(_, rest)| rest.split_once(')'))
            .and_then(|(n, _)| n.parse().ok())
            .unwrap_or_else(|| panic!("no line number in {entry:?}:{run}"));
        let source = file_lines[line - 1];
        let fields: Vec<&str> = source.split('\t').collect();
        assert!(
            entry.starts_with(&format!(
                "- {} (line {line}): gold {} predicted ",
                fields[0], fields[1]
            )),
            "{entry:?} vs {source:?}:{run}"
        );
        run.assert_stdout_has(&format!("\n  {}\n  because: ", fields[2]));
        let because = listed
            .split_once(&format!("\n  {}\n  because: ", fields[2]))
            .map_or("", |(_, rest)| rest.lines().next().unwrap_or(""));
        assert!(
            because.contains(" «") && because.contains("» "),
            "no deciding words in {because:?}:{run}"
        );
    }

    let json = wd.ok(&[
        "eval",
        "rotated.tsv",
        "--model",
        "m.model",
        "--errors",
        "2",
        "--json",
    ]);
    let report = json.json();
    let errors = report["errors"].as_array().expect("an error list");
    assert_eq!(errors.len(), 2, "{json}");
    assert!(
        report["accuracy"].as_f64().expect("accuracy") < 0.5,
        "{json}"
    );
    for e in errors {
        assert_ne!(e["gold"], e["predicted"], "{json}");
        let text = e["text"].as_str().expect("text");
        assert!(rotated.contains(text), "{text:?} is not in the file:{json}");
        // The deciding features come with the words they were read from, as in predict.
        let because = e["because"].as_array().expect("a because list");
        assert!(!because.is_empty(), "{json}");
        let chars: Vec<char> = text.chars().collect();
        for reason in because {
            let words = reason["text"].as_str().expect("the words");
            let (start, end) = (
                reason["start"].as_u64().expect("start") as usize,
                reason["end"].as_u64().expect("end") as usize,
            );
            assert!(!words.is_empty() && end <= chars.len(), "{reason}:{json}");
            assert_eq!(
                chars[start..end].iter().collect::<String>(),
                words,
                "{reason}:{json}"
            );
            assert!(reason["feature"].is_string() && reason["weight"].is_number());
        }
    }
    let confidence = |e: &Value| e["confidence"].as_f64().expect("confidence");
    assert!(
        confidence(&errors[0]) >= confidence(&errors[1]),
        "not most confident first:{json}"
    );

    let quiet = wd.ok(&["eval", "rotated.tsv", "--model", "m.model"]);
    assert!(!quiet.stdout.contains("most confident errors"), "{quiet}");
}

#[test]
fn every_score_agrees_with_one_computed_from_predict_output() {
    let wd = trained();
    write_rotated(&wd);
    for file in ["dev.tsv", "rotated.tsv"] {
        let eval = wd
            .ok(&["eval", file, "--model", "m.model", "--json"])
            .json();
        let predict = wd.ok(&[
            "predict", "--model", "m.model", "--input", file, "--output", "jsonl",
        ]);
        let rows = predict.jsonl();
        assert_eq!(rows.len(), 18, "{predict}");
        let count = |keep: &dyn Fn(&Value) -> bool| rows.iter().filter(|r| keep(r)).count() as f64;
        let right = count(&|r| r["label"] == r["gold"]);
        assert_eq!(
            format!("{:.4}", right / rows.len() as f64),
            rounded(&eval["accuracy"]),
            "{file}"
        );
        // Precision, recall and F1 of each label counted here from the predictions, against
        // the report's: a swapped row or column of the confusion matrix would show.
        let mut f1_sum = 0.0;
        for label in ["assertion", "denial", "allegation"] {
            let hits = count(&|r| r["label"] == label && r["gold"] == label);
            let predicted = count(&|r| r["label"] == label);
            let gold = count(&|r| r["gold"] == label);
            let ratio = |a: f64, b: f64| if b == 0.0 { 0.0 } else { a / b };
            let (precision, recall) = (ratio(hits, predicted), ratio(hits, gold));
            let f1 = ratio(2.0 * precision * recall, precision + recall);
            f1_sum += f1;
            let reported = eval["per_label"]
                .as_array()
                .expect("per_label")
                .iter()
                .find(|l| l["label"] == label)
                .unwrap_or_else(|| panic!("{label} missing from per_label"));
            for (name, ours) in [("precision", precision), ("recall", recall), ("f1", f1)] {
                assert_eq!(
                    format!("{ours:.4}"),
                    rounded(&reported[name]),
                    "{file}: {name} of {label}"
                );
            }
            assert_eq!(reported["support"].as_f64(), Some(gold), "{file}: {label}");
        }
        assert_eq!(
            format!("{:.4}", f1_sum / 3.0),
            rounded(&eval["macro_f1"]),
            "{file}"
        );
    }
}
