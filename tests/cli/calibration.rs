//! Calibration and abstention: the temperature fitted at training time, `--no-calibration`,
//! the confidence measures of `eval`, `--min-confidence` and `--target-precision`.

use crate::workdir::Workdir;
use serde_json::Value;

fn trained() -> Workdir {
    let wd = Workdir::new();
    wd.train("m.model", &[]);
    wd
}

fn jsonl_confidences(run: &crate::workdir::Run) -> Vec<(String, f64)> {
    run.jsonl()
        .iter()
        .map(|v| {
            (
                v["label"].as_str().unwrap().to_string(),
                v["confidence"].as_f64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn training_fits_a_temperature_on_the_dev_file_and_inspect_shows_it() {
    let wd = Workdir::new();
    wd.train("m.model", &[])
        .assert_stdout_has("calibration on dev.tsv: temperature ");
    let info = wd.ok(&["inspect", "m.model", "--json"]).json();
    assert_eq!(info["calibration"]["fitted_on"], 18, "{info}");
    let t = info["calibration"]["temperature"].as_f64().unwrap();
    assert!(t > 0.05 && t < 20.0 && t != 1.0, "{t}");
    let roles: Vec<&str> = info["provenance"]["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["role"].as_str().unwrap())
        .collect();
    assert!(roles.contains(&"calibration"), "{roles:?}");

    wd.train("raw.model", &["--no-calibration"]);
    wd.ok(&["inspect", "raw.model"])
        .assert_stdout_has("calibration  none");
}

#[test]
fn calibration_changes_confidences_but_never_labels() {
    let wd = trained();
    let args = [
        "predict", "-m", "m.model", "--input", "dev.tsv", "--output", "jsonl",
    ];
    let calibrated = jsonl_confidences(&wd.ok(&args));
    let mut raw_args = args.to_vec();
    raw_args.push("--no-calibration");
    let raw = jsonl_confidences(&wd.ok(&raw_args));
    assert_eq!(calibrated.len(), 18);
    for ((l1, _), (l2, _)) in calibrated.iter().zip(&raw) {
        assert_eq!(l1, l2);
    }
    assert!(
        calibrated
            .iter()
            .zip(&raw)
            .any(|((_, a), (_, b))| (a - b).abs() > 1e-4),
        "{calibrated:?} vs {raw:?}"
    );
}

#[test]
fn eval_reports_calibration_error_brier_log_loss_and_a_risk_coverage_curve() {
    let wd = trained();
    let run = wd.ok(&["eval", "dev.tsv", "-m", "m.model", "--bootstrap", "0"]);
    run.assert_stdout_has("ECE ")
        .assert_stdout_has("Brier ")
        .assert_stdout_has("precision by confidence band")
        .assert_stdout_has("accuracy at coverage: 100% ");
    // The band table's header and its rows line up column for column.
    let lines = run.lines();
    let header = lines
        .iter()
        .position(|l| l.starts_with("precision by confidence band"))
        .expect("a band table");
    let widths: Vec<usize> = lines[header..header + 4]
        .iter()
        .map(|l| l.chars().count())
        .collect();
    assert!(widths.iter().all(|&w| w == widths[0]), "{widths:?}:{run}");
    let json = wd
        .ok(&[
            "eval",
            "dev.tsv",
            "-m",
            "m.model",
            "--json",
            "--bootstrap",
            "0",
        ])
        .json();
    let c = &json["confidence"];
    for key in ["ece", "brier", "log_loss"] {
        let v = c[key].as_f64().unwrap();
        assert!(v >= 0.0 && v.is_finite(), "{key} = {v}");
    }
    assert!(c["ece"].as_f64().unwrap() <= 1.0);
    let bins = c["bins"].as_array().unwrap();
    assert_eq!(bins.len(), 15);
    let rows: u64 = bins.iter().map(|b| b["rows"].as_u64().unwrap()).sum();
    assert_eq!(rows, 18);
    let band_rows: u64 = c["bands"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["rows"].as_u64().unwrap())
        .sum();
    assert_eq!(band_rows, 18);
    let points = c["risk_coverage"]["points"].as_array().unwrap();
    assert_eq!(points[0]["coverage"], 1.0);
    assert_eq!(points[0]["accuracy"], json["accuracy"]);
}

#[test]
fn min_confidence_turns_unsure_labels_into_uncertain_everywhere() {
    let wd = trained();
    let run = wd.ok(&[
        "predict",
        "-m",
        "m.model",
        "--input",
        "dev.tsv",
        "--output",
        "jsonl",
        "--min-confidence",
        "1",
    ]);
    for v in run.jsonl() {
        assert_eq!(v["label"], "uncertain", "{v}");
        assert!(v["best_label"].is_string(), "{v}");
    }
    let kept_all = wd
        .ok(&[
            "eval",
            "dev.tsv",
            "-m",
            "m.model",
            "--json",
            "--min-confidence",
            "0",
        ])
        .json();
    assert_eq!(kept_all["confidence"]["abstention"]["kept"], 18);
    assert_eq!(kept_all["confidence"]["abstention"]["coverage"], 1.0);
    // The threshold is echoed as given, not rounded.
    let run = wd.ok(&[
        "eval",
        "dev.tsv",
        "-m",
        "m.model",
        "--min-confidence",
        "0.7348",
    ]);
    run.assert_stdout_has("abstaining below 0.7348: kept ");
    wd.write("a.txt", "نفت الوزارة صحة الأنباء عن اعتقال صحفيين.\n");
    let article = wd.ok(&[
        "article",
        "a.txt",
        "-m",
        "m.model",
        "--output",
        "jsonl",
        "--min-confidence",
        "1",
    ]);
    assert_eq!(article.jsonl()[0]["label"], "uncertain", "{article}");
}

#[test]
fn target_precision_picks_a_threshold_whose_kept_rows_reach_it() {
    let wd = trained();
    let json = wd
        .ok(&[
            "eval",
            "train.tsv",
            "-m",
            "m.model",
            "--json",
            "--target-precision",
            "0.9",
        ])
        .json();
    let found = &json["confidence"]["target_precision"];
    let Value::Number(threshold) = &found["min_confidence"] else {
        panic!("no threshold reaches 0.9 on the training file: {found}");
    };
    let threshold = threshold.as_f64().unwrap().to_string();
    let kept = wd
        .ok(&[
            "eval",
            "train.tsv",
            "-m",
            "m.model",
            "--json",
            "--min-confidence",
            &threshold,
        ])
        .json();
    let abstention = &kept["confidence"]["abstention"];
    assert!(abstention["metrics"]["accuracy"].as_f64().unwrap() >= 0.9);
    assert_eq!(abstention["coverage"], found["coverage"]);
}

#[test]
fn a_confidence_outside_zero_to_one_is_refused() {
    let wd = trained();
    wd.fails(
        &["predict", "-m", "m.model", "--min-confidence", "1.5", "نص"],
        2,
    )
    .assert_stderr_has("between 0 and 1");
    wd.fails(
        &[
            "eval",
            "dev.tsv",
            "-m",
            "m.model",
            "--target-precision",
            "0",
        ],
        2,
    )
    .assert_stderr_has("precision in (0, 1]");
}

#[test]
fn the_html_report_is_self_contained_and_holds_every_part() {
    let wd = trained();
    // A group column of our own, `desk`: even and odd rows.
    let dev = wd.read_string("dev.tsv");
    let grouped: Vec<String> = dev
        .lines()
        .enumerate()
        .map(|(i, line)| {
            let group = if i == 0 {
                "desk"
            } else if i % 2 == 0 {
                "even"
            } else {
                "odd"
            };
            format!("{line}\t{group}")
        })
        .collect();
    wd.write("grouped.tsv", grouped.join("\n") + "\n");
    let run = wd.ok(&[
        "eval",
        "grouped.tsv",
        "-m",
        "m.model",
        "--html",
        "r.html",
        "--group-by",
        "desk",
        "--min-confidence",
        "0.5",
    ]);
    run.assert_stdout_has("desk ");
    let page = wd.read_string("r.html");
    let doc = scraper::Html::parse_document(&page);
    let select = |css: &str| scraper::Selector::parse(css).unwrap();
    let count = |css: &str| doc.select(&select(css)).count();

    assert_eq!(count("html[dir=rtl]"), 1);
    assert!(!page.contains("<script"), "no script");
    assert!(
        !page.contains("src=") && !page.contains("href=\"http"),
        "external resource"
    );
    assert_eq!(count("svg.confusion rect.cell"), 9);
    let cells: u64 = doc
        .select(&select("svg.confusion rect.cell"))
        .map(|c| {
            c.value()
                .attr("data-count")
                .unwrap()
                .parse::<u64>()
                .unwrap()
        })
        .sum();
    assert_eq!(cells, 18);
    let bins: u64 = doc
        .select(&select("svg.reliability rect.bin"))
        .map(|c| c.value().attr("data-rows").unwrap().parse::<u64>().unwrap())
        .sum();
    assert_eq!(bins, 18);
    assert!(count("svg.coverage circle.point") >= 2);
    assert_eq!(count("table.groups tr"), 3, "header + even + odd");
    let errors = count("ol.errors li");
    let json = wd
        .ok(&["eval", "grouped.tsv", "-m", "m.model", "--json"])
        .json();
    let wrong = 18 - (json["accuracy"].as_f64().unwrap() * 18.0).round() as usize;
    assert_eq!(errors, wrong.min(20));
    if errors > 0 {
        assert!(
            count("ol.errors mark") > 0,
            "deciding words are highlighted"
        );
    }
}

#[test]
fn group_by_a_missing_column_names_the_file_and_line() {
    let wd = trained();
    wd.fails(
        &["eval", "dev.tsv", "-m", "m.model", "--group-by", "desk"],
        1,
    )
    .assert_stderr_has(
        "dev.tsv:2: no column `desk` to group by (the row has id, besides label and text)",
    );
    // A file without a header line says so; a column the header has is named among the others.
    let headerless: String = wd
        .read_string("dev.tsv")
        .lines()
        .skip(1)
        .map(|l| {
            let fields: Vec<&str> = l.split('\t').collect();
            format!("{}\t{}\n", fields[1], fields[2])
        })
        .collect();
    wd.write("plain.tsv", headerless);
    wd.fails(&["eval", "plain.tsv", "-m", "m.model", "--group-by", "desk"], 1)
        .assert_stderr_has("plain.tsv:1: no column `desk` to group by (the row has no named columns: a file without a header line)");
    let with_desk: String = wd
        .read_string("dev.tsv")
        .lines()
        .enumerate()
        .map(|(i, l)| format!("{l}\t{}\n", if i == 0 { "desk" } else { "d" }))
        .collect();
    wd.write("desk.tsv", with_desk);
    wd.fails(
        &["eval", "desk.tsv", "-m", "m.model", "--group-by", "room"],
        1,
    )
    .assert_stderr_has("(the row has id, desk, besides label and text)");
}
