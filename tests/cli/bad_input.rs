//! Bad input: each bad row stops the run at its file and line with exit code 1 and leaves
//! `--out` alone; `--skip-bad-rows` turns the same rows into counted warnings; usage errors
//! exit with 2.

use crate::workdir::{Run, Workdir, FAST};

/// What a pre-existing file at `--out` holds before a training that must fail.
const PREVIOUS: &[u8] = b"a model from yesterday";

/// Panics unless `out.model` still holds [`PREVIOUS`].
fn assert_untouched(wd: &Workdir, run: &Run) {
    let now = wd.read("out.model");
    assert!(
        now == PREVIOUS,
        "--out was replaced ({} bytes now) although the run failed:{run}",
        now.len()
    );
}

/// Trains on `file` into `out.model`, which already exists, and expects a failure naming
/// `file:line` and `problem`, with `out.model` and the folder left as they were.
fn training_fails(wd: &Workdir, file: &str, line: usize, problem: &str) -> Run {
    wd.write("out.model", PREVIOUS);
    let before = wd.files();
    let mut args = vec!["train", file, "--out", "out.model"];
    args.extend_from_slice(FAST);
    let run = wd.fails(&args, 1);
    run.assert_stderr_has(&format!("{file}:{line}: {problem}"));
    assert_untouched(wd, &run);
    assert_eq!(wd.files(), before, "files appeared or vanished:{run}");
    assert!(run.stdout.is_empty(), "{run}");
    run
}

/// Trains on `file` with `--skip-bad-rows` and expects one skipped row and `rows` used.
fn training_skips(wd: &Workdir, file: &str, line: usize, rows: usize) -> Run {
    let mut args = vec!["train", file, "--out", "skipped.model", "--skip-bad-rows"];
    args.extend_from_slice(FAST);
    let run = wd.ok(&args);
    run.assert_stderr_has(&format!("warning: skipped bad row: {file}:{line}: "))
        .assert_stderr_has(&format!("skipped 1 bad row in {file}"))
        .assert_stdout_has(&format!("trained on {file}: {rows} rows"));
    assert!(wd.read("skipped.model").starts_with(b"STANCEM\0"), "{run}");
    let inspect = wd.ok(&["inspect", "skipped.model", "--json"]);
    assert_eq!(
        inspect.json()["provenance"]["data"][0]["skipped"],
        1,
        "{inspect}"
    );
    run
}

#[test]
fn an_unknown_label_names_its_line() {
    let wd = Workdir::new();
    training_fails(
        &wd,
        "bad_label.tsv",
        3,
        "unknown label \"denail\" (expected assertion, denial or allegation)",
    );
    training_skips(&wd, "bad_label.tsv", 3, 6);
}

#[test]
fn an_empty_text_names_its_line() {
    let wd = Workdir::new();
    training_fails(&wd, "empty_text.tsv", 5, "empty text");
    training_skips(&wd, "empty_text.tsv", 5, 6);
}

#[test]
fn invalid_utf8_names_its_line() {
    let wd = Workdir::new();
    let mut lines: Vec<Vec<u8>> = wd
        .read("train.tsv")
        .split(|&b| b == b'\n')
        .map(<[u8]>::to_vec)
        .collect();
    // Line 5 is row t04: break it with bytes that are never UTF-8, after its label.
    let at = lines[4].len() - 10;
    lines[4].splice(at..at, [0xff, 0xfe]);
    wd.write("bad_utf8.tsv", lines.join(&b'\n'));
    training_fails(&wd, "bad_utf8.tsv", 5, "invalid UTF-8");
    training_skips(&wd, "bad_utf8.tsv", 5, 47);
}

#[test]
fn a_missing_column_names_its_line() {
    let wd = Workdir::new();
    training_fails(
        &wd,
        "missing_column.tsv",
        6,
        "expected 3 tab-separated fields (id, label, text), found 2",
    );
    training_skips(&wd, "missing_column.tsv", 6, 7);
}

#[test]
fn a_malformed_json_line_names_its_line() {
    let wd = Workdir::new();
    training_fails(&wd, "bad_json.jsonl", 4, "invalid JSON");
    training_skips(&wd, "bad_json.jsonl", 4, 6);
}

#[test]
fn a_repeated_id_names_both_lines_in_every_verb() {
    let wd = Workdir::new();
    // train.tsv with row t02 (line 3, a denial) appended again as an assertion, on line 50.
    let train = wd.read_string("train.tsv");
    let t02 = train.lines().nth(2).expect("line 3");
    let flipped = t02.replacen("\tdenial\t", "\tassertion\t", 1);
    assert_ne!(flipped, t02, "t02 is a denial");
    wd.write("repeated_id.tsv", format!("{train}{flipped}\n"));
    let problem = "id \"t02\" appears twice (first on line 3)";
    training_fails(&wd, "repeated_id.tsv", 50, problem);
    training_skips(&wd, "repeated_id.tsv", 50, 48);

    let expected = format!("repeated_id.tsv:50: {problem}");
    wd.train("m.model", &[]);
    let run = wd.fails(&["eval", "repeated_id.tsv", "--model", "m.model"], 1);
    run.assert_stderr_has(&expected);
    assert!(!run.stdout.contains("accuracy"), "{run}");
    wd.fails(&["cv", "repeated_id.tsv", "--epochs", "5"], 1)
        .assert_stderr_has(&expected);
    wd.fails(&["cv", "train.tsv", "--with", "repeated_id.tsv"], 1)
        .assert_stderr_has(&expected);
}

#[test]
fn a_csv_quote_left_open_at_the_end_names_its_line() {
    let wd = Workdir::new();
    // train.csv (7 lines) and a last row whose quote never closes: no newline, then the end.
    let open = format!(
        "{}7,denial,\"نفى المتحدث باسم البلدية قطع المياه عن الحي",
        wd.read_string("train.csv")
    );
    wd.write("open_quote.csv", open);
    let problem = "a quoted field opened on this line is never closed";
    training_fails(&wd, "open_quote.csv", 8, problem);
    training_skips(&wd, "open_quote.csv", 8, 6);
    let predict = [
        "predict",
        "-m",
        "skipped.model",
        "--input",
        "open_quote.csv",
    ];
    let run = wd.fails(&predict, 1);
    run.assert_stderr_has(&format!("open_quote.csv:8: {problem}"));
    assert_eq!(run.lines().len(), 6, "the rows before it are written:{run}");
}

#[test]
fn a_bad_dev_file_fails_too() {
    let wd = Workdir::new();
    wd.write("out.model", PREVIOUS);
    let mut args = vec![
        "train",
        "train.tsv",
        "--dev",
        "bad_label.tsv",
        "--out",
        "out.model",
    ];
    args.extend_from_slice(FAST);
    let run = wd.fails(&args, 1);
    run.assert_stderr_has("bad_label.tsv:3: unknown label");
    assert_untouched(&wd, &run);
}

#[test]
fn eval_and_predict_stop_at_bad_rows_too() {
    let wd = Workdir::new();
    wd.train("m.model", &[]);
    let run = wd.fails(&["eval", "bad_label.tsv", "--model", "m.model"], 1);
    run.assert_stderr_has("bad_label.tsv:3: unknown label \"denail\"");
    assert!(!run.stdout.contains("accuracy"), "{run}");

    let run = wd.fails(
        &["predict", "--model", "m.model", "--input", "bad_json.jsonl"],
        1,
    );
    run.assert_stderr_has("bad_json.jsonl:4: invalid JSON");

    let run = wd.ok(&[
        "predict",
        "--model",
        "m.model",
        "--input",
        "bad_json.jsonl",
        "--skip-bad-rows",
    ]);
    run.assert_stderr_has("skipped 1 bad row in");
    assert_eq!(run.lines().len(), 6, "{run}");

    let run = wd.ok(&[
        "eval",
        "bad_label.tsv",
        "--model",
        "m.model",
        "--skip-bad-rows",
    ]);
    run.assert_stderr_has("skipped 1 bad row in")
        .assert_stdout_has("rows 6 ");
}

#[test]
fn a_bom_and_crlf_line_ends_are_read_like_plain_lines() {
    let wd = Workdir::new();
    assert!(wd
        .read("bom_crlf.tsv")
        .starts_with(b"\xEF\xBB\xBFid\tlabel\ttext\r\n"));
    let mut args = vec!["train", "bom_crlf.tsv", "--out", "m.model"];
    args.extend_from_slice(FAST);
    let run = wd.ok(&args);
    run.assert_stdout_has("trained on bom_crlf.tsv: 6 rows (assertion 2, denial 2, allegation 2)");
    assert!(run.stderr.is_empty(), "{run}");

    let run = wd.ok(&[
        "predict",
        "--model",
        "m.model",
        "--input",
        "bom_crlf.tsv",
        "--output",
        "jsonl",
    ]);
    let rows = run.jsonl();
    assert_eq!(rows.len(), 6, "{run}");
    // The header was recognised despite the BOM, and no text keeps a carriage return.
    assert_eq!(rows[0]["id"], "c1", "{run}");
    assert_eq!(rows[0]["gold"], "assertion", "{run}");
    for row in &rows {
        let text = row["text"].as_str().expect("text");
        assert!(
            !text.ends_with('\r') && text.ends_with('.'),
            "{text:?}:{run}"
        );
        assert!(row.get("\u{feff}id").is_none(), "{run}");
    }
}

#[test]
fn quiet_silences_the_warnings() {
    let wd = Workdir::new();
    let mut args = vec![
        "train",
        "bad_label.tsv",
        "--out",
        "m.model",
        "--skip-bad-rows",
        "--quiet",
    ];
    args.extend_from_slice(FAST);
    let run = wd.ok(&args);
    assert!(run.stderr.is_empty(), "--quiet printed warnings:{run}");
}

#[test]
fn a_config_with_an_unknown_field_names_its_line() {
    let wd = Workdir::new();
    wd.write("out.model", PREVIOUS);
    wd.write("typo.json", "{\n  \"model\": {\n    \"epoch\": 3\n  }\n}\n");
    let run = wd.fails(
        &[
            "train",
            "train.tsv",
            "--out",
            "out.model",
            "--config",
            "typo.json",
        ],
        1,
    );
    run.assert_stderr_has("typo.json:3: invalid configuration")
        .assert_stderr_has("epoch");
    assert_untouched(&wd, &run);
}

#[test]
fn an_invalid_setting_fails_before_writing() {
    let wd = Workdir::new();
    wd.write("out.model", PREVIOUS);
    let run = wd.fails(
        &[
            "train",
            "train.tsv",
            "--out",
            "out.model",
            "--hash-bits",
            "40",
        ],
        2,
    );
    run.assert_stderr_has("hash-bits");
    assert_untouched(&wd, &run);
}

#[test]
fn usage_errors_exit_with_2() {
    let wd = Workdir::new();
    let run = wd.fails(&["train", "train.tsv", "--bogus"], 2);
    run.assert_stderr_has("--bogus");
    wd.fails(&[], 2);
    wd.fails(&["classify", "train.tsv"], 2);
    let run = wd.fails(&["train", "train.tsv", "--char-ngrams", "three"], 2);
    run.assert_stderr_has("--char-ngrams");
    let run = wd.fails(&["predict", "--output", "xml", "نفت الوزارة"], 2);
    run.assert_stderr_has("xml");
    wd.fails(&["eval"], 2);
    assert!(!wd.path("models").exists());
}

#[test]
fn bootstrap_resamples_have_a_bound() {
    let wd = Workdir::new();
    wd.train("m.model", &[]);
    let eval = |resamples: &'static str| {
        vec!["eval", "dev.tsv", "-m", "m.model", "--bootstrap", resamples]
    };
    // this count asked for 800 GB at once and aborted the process
    let run = wd.fails(&eval("99999999999"), 2);
    run.assert_stderr_has("--bootstrap")
        .assert_stderr_has("0..=100000");
    wd.ok(&eval("100000"))
        .assert_stdout_has("(100000 resamples)");
}

#[test]
fn prediction_threads_have_a_bound() {
    let wd = Workdir::new();
    wd.train("m.model", &[]);
    let predict = |threads: &'static str| {
        vec![
            "predict",
            "-m",
            "m.model",
            "--threads",
            threads,
            "نفت الوزارة الخبر",
        ]
    };
    // each thread costs its start-up: ten thousand took a minute and a half for one sentence
    let run = wd.fails(&predict("17"), 2);
    run.assert_stderr_has("--threads")
        .assert_stderr_has("0..=16");
    wd.ok(&predict("16"));
}

#[test]
fn a_missing_input_file_is_named() {
    let wd = Workdir::new();
    wd.train("m.model", &[]);
    let run = wd.fails(&["train", "absent.tsv", "--out", "x.model"], 1);
    run.assert_stderr_has("absent.tsv");
    let run = wd.fails(
        &[
            "train",
            "train.tsv",
            "--dev",
            "absent-dev.tsv",
            "--out",
            "x.model",
        ],
        1,
    );
    run.assert_stderr_has("absent-dev.tsv");
    assert!(!wd.path("x.model").exists(), "{run}");
    let run = wd.fails(&["eval", "absent.tsv", "--model", "m.model"], 1);
    run.assert_stderr_has("absent.tsv");
    let run = wd.fails(
        &["predict", "--model", "m.model", "--input", "absent.txt"],
        1,
    );
    run.assert_stderr_has("absent.txt");
    let run = wd.fails(&["train", "train.tsv", "--config", "absent.json"], 1);
    run.assert_stderr_has("absent.json");
}

#[test]
fn a_failed_save_config_leaves_out_alone() {
    let wd = Workdir::new();
    wd.write("out.model", PREVIOUS);
    let mut args = vec![
        "train",
        "train.tsv",
        "--out",
        "out.model",
        "--save-config",
        "cfg/used.json",
    ];
    args.extend_from_slice(FAST);
    let run = wd.run(&args, None);
    match run.code {
        Some(0) => assert!(wd.path("cfg/used.json").exists(), "{run}"),
        _ => assert_untouched(&wd, &run),
    }
}

#[test]
fn an_empty_argument_is_an_empty_text() {
    let wd = Workdir::new();
    wd.train("m.model", &[]);
    let run = wd.fails(
        &["predict", "--model", "m.model", "نفت الوزارة الخبر", "  "],
        1,
    );
    run.assert_stderr_has("empty text");
}

#[test]
fn a_missing_file_is_reported_once() {
    let wd = Workdir::new();
    let run = wd.fails(&["train", "absent.tsv"], 1);
    let line = run.stderr.lines().next().unwrap_or("");
    let reason = line.rsplit(": ").next().unwrap_or("");
    assert_eq!(line.matches(reason).count(), 1, "{run}");
}
