//! `stance predict`: inputs (arguments, files, standard input), the three output layouts,
//! probabilities, explanations, ordering under threads, model round trips and the golden output.

use crate::workdir::{finish, Workdir, GOLDEN};
use serde_json::Value;
use std::io::Read;
use std::process::Stdio;

/// A trained model `m.model` in a fresh work directory.
fn trained() -> Workdir {
    let wd = Workdir::new();
    wd.train("m.model", &[]);
    wd
}

/// The second column of every line (the label in the text layout, after the id or line).
fn labels(stdout: &str) -> Vec<&str> {
    stdout
        .lines()
        .map(|l| l.split('\t').nth(1).unwrap_or(""))
        .collect()
}

/// The last column of every line (the text in the text and TSV layouts).
fn texts(stdout: &str) -> Vec<&str> {
    stdout
        .lines()
        .map(|l| l.rsplit('\t').next().unwrap_or(""))
        .collect()
}

#[test]
fn labels_sentences_given_as_arguments() {
    let wd = trained();
    let denial = "نفت وزارة الداخلية صحة الأنباء عن اعتقال صحفيين في العاصمة.";
    let allegation = "زعمت الجماعة المسلحة أنها أسقطت طائرة مسيّرة فوق الجبل.";
    let run = wd.ok(&["predict", "--model", "m.model", denial, allegation]);
    assert_eq!(labels(&run.stdout), ["denial", "allegation"], "{run}");
    assert_eq!(texts(&run.stdout), [denial, allegation], "{run}");
    for (n, line) in run.lines().iter().enumerate() {
        assert!(line.starts_with(&format!("{}\t", n + 1)), "{line:?}:{run}");
        let confidence: f64 = line
            .split('\t')
            .nth(2)
            .and_then(|c| c.parse().ok())
            .unwrap_or(-1.0);
        assert!(
            confidence > 1.0 / 3.0 && confidence <= 1.0,
            "{line:?}:{run}"
        );
    }

    let clash = wd.fails(
        &[
            "predict",
            "--model",
            "m.model",
            "--input",
            "sentences.txt",
            denial,
        ],
        2,
    );
    clash.assert_stderr_has("--input");
}

#[test]
fn reads_a_file_and_standard_input_alike() {
    let wd = trained();
    let sentences = wd.read_string("sentences.txt");
    let from_file = wd.ok(&["predict", "--model", "m.model", "--input", "sentences.txt"]);
    assert_eq!(
        texts(&from_file.stdout),
        sentences.lines().collect::<Vec<_>>(),
        "{from_file}"
    );
    for label in labels(&from_file.stdout) {
        assert!(
            ["assertion", "denial", "allegation"].contains(&label),
            "{from_file}"
        );
    }

    let dash = wd.ok_stdin(
        &["predict", "--model", "m.model", "--input", "-"],
        sentences.as_bytes(),
    );
    assert_eq!(dash.stdout, from_file.stdout, "{dash}");
    let bare = wd.ok_stdin(&["predict", "--model", "m.model"], sentences.as_bytes());
    assert_eq!(bare.stdout, from_file.stdout, "{bare}");

    // Records on standard input need --format.
    let records = wd.read("train.jsonl");
    let jsonl = wd.ok_stdin(
        &[
            "predict", "--model", "m.model", "--format", "jsonl", "--output", "jsonl",
        ],
        &records,
    );
    let rows = jsonl.jsonl();
    assert_eq!(rows.len(), 6, "{jsonl}");
    assert_eq!(rows[2]["gold"], "allegation", "{jsonl}");
}

#[test]
fn jsonl_passes_fields_through_and_probabilities_sum_to_one() {
    let wd = trained();
    let input: Vec<Value> = wd
        .read_string("train.jsonl")
        .lines()
        .map(|l| serde_json::from_str(l).expect("fixture is JSONL"))
        .collect();
    let run = wd.ok(&[
        "predict",
        "--model",
        "m.model",
        "--input",
        "train.jsonl",
        "--output",
        "jsonl",
        "--probs",
    ]);
    let rows = run.jsonl();
    assert_eq!(rows.len(), input.len(), "{run}");
    for (row, record) in rows.iter().zip(&input) {
        let id = &row["id"];
        assert!(
            *id == record["id"] || id.as_str() == Some(&record["id"].to_string()),
            "id {id} for input id {}:{run}",
            record["id"]
        );
        assert_eq!(row["text"], record["text"], "{run}");
        assert_eq!(row["source"], record["source"], "extra field lost:{run}");
        assert_eq!(row["gold"], record["label"], "{run}");

        let probs = row["probabilities"].as_object().expect("probabilities");
        let mut keys: Vec<&str> = probs.keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["allegation", "assertion", "denial"], "{run}");
        let values: Vec<f64> = probs
            .values()
            .map(|p| p.as_f64().expect("a number"))
            .collect();
        assert!(values.iter().all(|p| (0.0..=1.0).contains(p)), "{run}");
        let sum: f64 = values.iter().sum();
        assert!(
            (sum - 1.0).abs() <= 1e-4,
            "probabilities sum to {sum}:{run}"
        );

        let label = row["label"].as_str().expect("a label");
        let best = values.iter().cloned().fold(f64::MIN, f64::max);
        assert_eq!(
            probs[label].as_f64(),
            Some(best),
            "label is not the most probable:{run}"
        );
        assert_eq!(row["confidence"].as_f64(), Some(best), "{run}");
    }
}

#[test]
fn tsv_has_a_header_and_one_row_per_input_in_order() {
    let wd = trained();
    let run = wd.ok(&[
        "predict", "--model", "m.model", "--input", "dev.tsv", "--output", "tsv",
    ]);
    let lines = run.lines();
    assert_eq!(lines[0], "id\tline\tlabel\tconfidence\ttext", "{run}");
    assert_eq!(lines.len(), 19, "{run}");
    let dev = wd.read_string("dev.tsv");
    for (n, (out, input)) in lines[1..].iter().zip(dev.lines().skip(1)).enumerate() {
        let got: Vec<&str> = out.split('\t').collect();
        let want: Vec<&str> = input.split('\t').collect();
        assert_eq!(got.len(), 5, "{out:?}:{run}");
        let line = (n + 2).to_string();
        assert_eq!(
            (got[0], got[1], got[4]),
            (want[0], line.as_str(), want[2]),
            "{run}"
        );
    }

    let probs = wd.ok(&[
        "predict",
        "--model",
        "m.model",
        "--input",
        "sentences.txt",
        "--output",
        "tsv",
        "--probs",
    ]);
    let lines = probs.lines();
    assert_eq!(
        lines[0], "id\tline\tlabel\tconfidence\tp_assertion\tp_denial\tp_allegation\ttext",
        "{probs}"
    );
    assert_eq!(lines.len(), 6, "{probs}");
    for (n, line) in lines[1..].iter().enumerate() {
        let fields: Vec<&str> = line.split('\t').collect();
        assert_eq!(fields.len(), 8, "{line:?}:{probs}");
        assert_eq!(fields[0], "", "plain text has no id:{probs}");
        assert_eq!(fields[1], (n + 1).to_string(), "the line number:{probs}");
        let sum: f64 = fields[4..7]
            .iter()
            .map(|p| p.parse::<f64>().expect("a probability"))
            .sum();
        assert!((sum - 1.0).abs() <= 2e-4, "{line:?}:{probs}");
    }
}

#[test]
fn two_threads_keep_the_input_order() {
    let wd = trained();
    let sentences = wd.read_string("train.tsv");
    let texts_in: Vec<&str> = sentences
        .lines()
        .skip(1)
        .map(|l| l.rsplit('\t').next().expect("a text"))
        .collect();
    let many: String = (0..300)
        .map(|i| format!("{} (سطر {i})\n", texts_in[i % texts_in.len()]))
        .collect();
    wd.write("many.txt", &many);
    let one = wd.ok(&[
        "predict",
        "--model",
        "m.model",
        "--input",
        "many.txt",
        "--threads",
        "1",
    ]);
    let two = wd.ok(&[
        "predict",
        "--model",
        "m.model",
        "--input",
        "many.txt",
        "--threads",
        "2",
    ]);
    assert_eq!(
        texts(&one.stdout),
        many.lines().collect::<Vec<_>>(),
        "{one}"
    );
    assert!(
        one.stdout == two.stdout,
        "--threads 2 changed the output:{one}{two}"
    );
}

/// Inputs of a few sentences are scored straight from the model, larger ones through the
/// packed scorer (from 2,048, `scorer::PACK_FROM`): the same sentence gets the same
/// probabilities to the last digit either way.
#[test]
fn short_and_long_inputs_score_alike() {
    let wd = trained();
    let sentences = wd.read_string("sentences.txt");
    let lines: Vec<&str> = sentences.lines().collect();
    // one side below the packing threshold, the other above it
    assert!(lines.len() < stance::scorer::PACK_FROM && 2100 >= stance::scorer::PACK_FROM);
    let long: String = (0..2100)
        .map(|i| format!("{}\n", lines[i % lines.len()]))
        .collect();
    wd.write("long.txt", &long);
    let args = |input: &'static str| {
        [
            "predict", "--model", "m.model", "--input", input, "--output", "tsv", "--probs",
        ]
    };
    let short = wd.ok(&args("sentences.txt"));
    let long = wd.ok(&args("long.txt"));
    let short_rows: Vec<&str> = short.stdout.lines().collect();
    assert!(short_rows.len() > 2, "{short}");
    assert_eq!(
        short_rows[..],
        long.stdout.lines().collect::<Vec<_>>()[..short_rows.len()],
        "{short}{long}"
    );
}

#[test]
fn explain_shows_the_deciding_features() {
    let wd = trained();
    let run = wd.ok(&[
        "predict",
        "--model",
        "m.model",
        "--input",
        "sentences.txt",
        "--explain",
    ]);
    let lines = run.lines();
    assert_eq!(
        lines.len(),
        10,
        "a because line after each prediction:{run}"
    );
    for pair in lines.chunks(2) {
        let because = pair[1]
            .strip_prefix("\tbecause: ")
            .unwrap_or_else(|| panic!("{:?} is no because line:{run}", pair[1]));
        assert!(!because.is_empty(), "{run}");
        // Each feature shows the words it came from: «span», which must be in the sentence.
        let sentence = pair[0].rsplit('\t').next().expect("a text");
        for part in because.split(", ") {
            let span = part
                .split_once('«')
                .and_then(|(_, rest)| rest.split_once('»'))
                .map(|(span, _)| span)
                .unwrap_or_else(|| panic!("no span in {part:?}:{run}"));
            assert!(
                sentence.contains(span),
                "{span:?} not in {sentence:?}:{run}"
            );
        }
    }

    let json = wd.ok(&[
        "predict",
        "--model",
        "m.model",
        "--output",
        "jsonl",
        "--explain",
        "نَفَتِ الوزارةُ صِحّةَ الأنباءِ عن مقتلِ ٢٥ شخصاً",
    ]);
    let row = &json.jsonl()[0];
    let because = row["because"].as_array().expect("because");
    assert!(!because.is_empty(), "{json}");
    let text: Vec<char> = row["text"].as_str().expect("text").chars().collect();
    // the same shape as article's: the words and their character offsets in the sentence
    // (every Arabic letter takes two bytes, so byte offsets would not slice these words)
    for c in because {
        let words = c["text"].as_str().expect("text");
        let (start, end) = (
            c["start"].as_u64().expect("start") as usize,
            c["end"].as_u64().expect("end") as usize,
        );
        assert!(
            !words.is_empty() && start < end && end <= text.len(),
            "{c}:{json}"
        );
        assert_eq!(
            text[start..end].iter().collect::<String>(),
            words,
            "{c}:{json}"
        );
    }
}

#[test]
fn normalized_spellings_get_identical_probabilities() {
    let wd = trained();
    let variants = [
        "نفت الحكومة صحة الأنباء عن مقتل 25 شخصا",
        "نَفَتِ الحُكومةُ صِحّةَ الأنباءِ عن مقتلِ ٢٥ شخصاً",
        "نفـــت الحكومـة صحـة الانباء عن مقتل ٢٥ شخصا",
    ];
    let mut args = vec![
        "predict", "--model", "m.model", "--output", "jsonl", "--probs",
    ];
    args.extend_from_slice(&variants);
    let run = wd.ok(&args);
    let probs: Vec<Value> = run
        .jsonl()
        .into_iter()
        .map(|r| r["probabilities"].clone())
        .collect();
    assert_eq!(
        probs[0], probs[1],
        "diacritics changed the prediction:{run}"
    );
    assert_eq!(
        probs[0], probs[2],
        "tatweel or alef forms changed the prediction:{run}"
    );
}

#[test]
fn a_copied_model_file_predicts_exactly_the_same() {
    let wd = trained();
    std::fs::copy(wd.path("m.model"), wd.path("copy.model")).expect("copy the model");
    let predict = |model: &str| {
        wd.ok(&[
            "predict", "--model", model, "--input", "dev.tsv", "--output", "jsonl", "--probs",
        ])
    };
    let (original, copy) = (predict("m.model"), predict("copy.model"));
    assert_eq!(original.jsonl().len(), 18, "{original}");
    assert!(original.stdout == copy.stdout, "{original}{copy}");

    // So does a model retrained from the same data into another file.
    wd.train("again.model", &[]);
    let again = predict("again.model");
    assert!(original.stdout == again.stdout, "{original}{again}");
}

#[test]
fn stance_model_names_the_default_model() {
    let wd = trained();
    let args = ["predict", "--input", "sentences.txt"];
    let mut cmd = wd.command(&args);
    cmd.env("STANCE_MODEL", "m.model");
    let run = wd.run_command(
        &mut cmd,
        "STANCE_MODEL=m.model stance predict --input sentences.txt".into(),
    );
    assert_eq!(run.code, Some(0), "{run}");
    let explicit = wd.ok(&["predict", "--model", "m.model", "--input", "sentences.txt"]);
    assert_eq!(run.stdout, explicit.stdout, "{run}");
}

#[test]
fn a_closed_stdout_counts_as_success() {
    let wd = trained();
    let line = "نفت وزارة الداخلية صحة الأنباء عن اعتقال صحفيين في العاصمة.\n";
    wd.write("long.txt", line.repeat(5000));
    let mut child = wd
        .std_command(&["predict", "--model", "m.model", "--input", "long.txt"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start stance");
    // Read one line's worth, then hang up, as `stance predict ... | head -1` does.
    let mut stdout = child.stdout.take().expect("piped stdout");
    let mut first = [0u8; 64];
    stdout.read_exact(&mut first).expect("some output");
    drop(stdout);
    let (code, stderr) = finish(child);
    assert_eq!(code, Some(0), "stderr: {stderr}");
    assert!(!stderr.contains("error"), "stderr: {stderr}");
}

#[test]
fn golden_predict_output() {
    let wd = Workdir::new();
    let flags = [
        "--seed",
        "13",
        "--hash-bits",
        "16",
        "--word-ngrams",
        "2",
        "--char-ngrams",
        "2-5",
    ];
    wd.train("golden.model", &flags);
    let run = wd.ok(&[
        "predict",
        "--model",
        "golden.model",
        "--input",
        "sentences.txt",
    ]);
    let golden = std::path::Path::new(GOLDEN).join("predict.txt");
    if std::env::var_os("STANCE_BLESS").is_some_and(|v| v == "1") {
        std::fs::write(&golden, &run.stdout).expect("write tests/golden/predict.txt");
        return;
    }
    let expected = std::fs::read_to_string(&golden)
        .expect("tests/golden/predict.txt exists (create it with STANCE_BLESS=1)");
    assert!(
        run.stdout == expected,
        "predict output differs from tests/golden/predict.txt (refresh with STANCE_BLESS=1 \
         and review the diff)\n--- expected ---\n{expected}{run}"
    );
}

#[test]

fn tsv_rows_keep_their_column_count_when_a_text_holds_a_tab() {
    let wd = trained();
    wd.write("tabbed.txt", "نفت الوزارة الخبر\tوقالت إنه كاذب\n");
    let run = wd.ok(&[
        "predict",
        "--model",
        "m.model",
        "--input",
        "tabbed.txt",
        "--output",
        "tsv",
    ]);
    let lines = run.lines();
    let header = lines[0].split('\t').count();
    assert_eq!(lines[1].split('\t').count(), header, "{run}");
}

#[test]
fn explain_is_refused_with_tsv_output_not_ignored() {
    let wd = Workdir::new();
    wd.train("m.model", &[]);
    let run = wd.fails(
        &[
            "predict",
            "-m",
            "m.model",
            "--output",
            "tsv",
            "--explain",
            "نفت الوزارة الخبر",
        ],
        2,
    );
    run.assert_stderr_has("--explain cannot be used with --output tsv");
    assert!(run.stdout.is_empty(), "{run}");
}

#[test]
fn a_file_of_ids_alone_takes_its_text_from_text_from() {
    let wd = trained();
    let denial = "نفت وزارة الداخلية صحة الأنباء عن اعتقال صحفيين في العاصمة.";
    let allegation = "اتهمت المعارضة الحكومة بتزوير نتائج الانتخابات المحلية.";
    wd.write(
        "pool.tsv",
        format!("id\tsource\tsentence\np-1\tx\t{denial}\np-2\tx\t{allegation}\n"),
    );
    let direct = wd.ok(&[
        "predict", "-m", "m.model", "--output", "tsv", denial, allegation,
    ]);
    let expected: Vec<String> = direct
        .stdout
        .lines()
        .skip(1)
        .map(|row| row.split('\t').skip(2).collect::<Vec<_>>().join("\t"))
        .collect();
    // A header naming an id and no text column, with or without other columns: the rows are
    // ids whose text is joined from --text-from (the header was read as a `label, text` row).
    for (name, listing) in [
        ("ids.tsv", "id\np-1\np-2\n"),
        ("ids-source.tsv", "id\tsource\np-1\tx\np-2\tx\n"),
    ] {
        wd.write(name, listing);
        let run = wd.ok(&[
            "predict",
            "-m",
            "m.model",
            "--input",
            name,
            "--text-from",
            "pool.tsv",
            "--output",
            "tsv",
        ]);
        let rows: Vec<&str> = run.stdout.lines().skip(1).collect();
        assert_eq!(rows.len(), 2, "{run}");
        for ((row, id), want) in rows.iter().zip(["p-1", "p-2"]).zip(&expected) {
            let fields: Vec<&str> = row.split('\t').collect();
            assert_eq!(fields[0], id, "{run}");
            assert_eq!(fields[2..].join("\t"), *want, "{run}");
        }
    }
    // Without the text file the error names the listing and where the text is expected.
    let run = wd.fails(
        &[
            "predict",
            "-m",
            "m.model",
            "--input",
            "ids.tsv",
            "--text-from",
            "none.tsv",
        ],
        1,
    );
    run.assert_stderr_has("ids.tsv:1")
        .assert_stderr_has("none.tsv");
}

#[test]
fn an_empty_input_is_noted_not_silent() {
    let wd = trained();
    wd.write("empty.txt", "");
    wd.write("header-only.tsv", "id\ttext\n");
    for name in ["empty.txt", "header-only.tsv"] {
        let run = wd.ok(&["predict", "-m", "m.model", "--input", name]);
        assert_eq!(run.stdout, "", "{run}");
        run.assert_stderr_has(&format!("note: {name} holds no sentences to label"));
        let quiet = wd.ok(&["predict", "-q", "-m", "m.model", "--input", name]);
        assert_eq!(quiet.stderr, "", "{quiet}");
    }
    let stdin = wd.ok_stdin(&["predict", "-m", "m.model"], b"");
    stdin.assert_stderr_has("note: standard input holds no sentences to label");
    // A file of blank lines has its rows (one unlabelled row per line): no note.
    wd.write("blank.txt", "\n\n");
    let blank = wd.ok(&["predict", "-m", "m.model", "--input", "blank.txt"]);
    assert!(!blank.stderr.contains("no sentences"), "{blank}");
}
