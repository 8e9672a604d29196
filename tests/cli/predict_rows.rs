//! `stance predict` output lines up with its input: one row per line of plain text (blank and
//! skipped lines included), each naming its id or line; sentences with no Arabic letter are
//! flagged; ids and texts never break a tab-separated row (nor do they in `cv --predictions`
//! and `suggest`).

use crate::workdir::Workdir;
use serde_json::Value;

const DENIAL: &str = "نفت الوزارة صحة الأنباء عن إغلاق المعبر";
const ASSERTION: &str = "أعلنت البلدية افتتاح حديقة جديدة في الحي الشرقي";

fn trained() -> Workdir {
    let wd = Workdir::new();
    wd.train("m.model", &[]);
    wd
}

#[test]
fn plain_text_gives_one_row_per_line_blank_lines_included() {
    let wd = trained();
    // Four lines: a sentence, an empty line, a sentence, a line of spaces; then a trailing
    // empty line.
    wd.write("in.txt", format!("{DENIAL}\n\n{ASSERTION}\n   \n\n"));
    let run = wd.ok(&["predict", "-m", "m.model", "--input", "in.txt"]);
    let rows: Vec<Vec<&str>> = run
        .lines()
        .iter()
        .map(|l| l.split('\t').collect())
        .collect();
    assert_eq!(rows.len(), 5, "one row per input line:{run}");
    for (n, row) in rows.iter().enumerate() {
        assert_eq!(row[0], (n + 1).to_string(), "rows name their line:{run}");
    }
    assert_eq!((rows[0][1], rows[0][3]), ("denial", DENIAL), "{run}");
    assert_eq!(rows[2][3], ASSERTION, "{run}");
    for blank in [1, 3, 4] {
        assert_eq!(rows[blank][1..], ["blank", "-", ""], "{run}");
    }

    let tsv = wd.ok(&[
        "predict", "-m", "m.model", "--input", "in.txt", "--output", "tsv",
    ]);
    let lines = tsv.lines();
    assert_eq!(lines.len(), 6, "{tsv}");
    assert_eq!(lines[2], "\t2\t\t\t", "a blank line has no label:{tsv}");

    let jsonl = wd.ok(&[
        "predict", "-m", "m.model", "--input", "in.txt", "--output", "jsonl",
    ]);
    let rows = jsonl.jsonl();
    assert_eq!(rows.len(), 5, "{jsonl}");
    assert_eq!(rows[0]["line"], 1, "{jsonl}");
    assert_eq!(rows[1]["line"], 2, "{jsonl}");
    assert_eq!(rows[1]["label"], Value::Null, "{jsonl}");
    assert_eq!(rows[1]["blank"], true, "{jsonl}");
    assert!(rows[0].get("blank").is_none(), "{jsonl}");
}

#[test]
fn a_skipped_bad_line_keeps_its_row() {
    let wd = trained();
    let mut input = format!("{DENIAL}\n").into_bytes();
    input.extend_from_slice(b"\xff\xfe bad\n");
    input.extend_from_slice(format!("{ASSERTION}\n").as_bytes());
    wd.write("bad.txt", input);
    let run = wd.ok(&[
        "predict",
        "-m",
        "m.model",
        "--input",
        "bad.txt",
        "--skip-bad-rows",
    ]);
    let lines = run.lines();
    assert_eq!(lines.len(), 3, "{run}");
    assert_eq!(lines[1], "2\tskipped\t-\t", "{run}");
    assert!(lines[2].starts_with("3\t"), "{run}");
    run.assert_stderr_has("bad.txt:2");
}

#[test]
fn a_bad_line_stops_the_run_after_the_rows_before_it() {
    let wd = trained();
    // A sentence, a blank line, a sentence, two blank lines, then the bad line 6; the line
    // after it has no Arabic letter and is never read.
    let mut input = format!("{DENIAL}\n\n{ASSERTION}\n\n\n").into_bytes();
    input.extend_from_slice(b"\xff\xfe bad\n");
    input.extend_from_slice(b"Breaking news\n");
    wd.write("bad.txt", input);
    let run = wd.fails(&["predict", "-m", "m.model", "--input", "bad.txt"], 1);
    run.assert_stderr_has("bad.txt:6: invalid UTF-8");
    assert!(!run.stderr.contains("no Arabic letter"), "{run}");
    let rows: Vec<Vec<&str>> = run
        .lines()
        .iter()
        .map(|l| l.split('\t').collect())
        .collect();
    let numbers: Vec<&str> = rows.iter().map(|r| r[0]).collect();
    assert_eq!(
        numbers,
        ["1", "2", "3", "4", "5"],
        "every line before the bad one:{run}"
    );
    assert_eq!((rows[0][1], rows[0][3]), ("denial", DENIAL), "{run}");
    assert_eq!(rows[2][3], ASSERTION, "{run}");
    for blank in [1, 3, 4] {
        assert_eq!(rows[blank][1], "blank", "{run}");
    }

    // Records too: the rows before a bad record are written, then the run stops, and the
    // rows written are still reported on (the second has no Arabic letter).
    let good = |id: &str, text: &str| format!("{{\"id\": \"{id}\", \"text\": \"{text}\"}}\n");
    let records = format!(
        "{}{}{{\"id\": \"c\"}}\n{}",
        good("a", DENIAL),
        good("b", "Breaking news"),
        good("d", DENIAL)
    );
    wd.write("bad.jsonl", records);
    let run = wd.fails(
        &[
            "predict",
            "-m",
            "m.model",
            "--input",
            "bad.jsonl",
            "--output",
            "jsonl",
        ],
        1,
    );
    run.assert_stderr_has("bad.jsonl:3")
        .assert_stderr_has("1 sentence has no Arabic letter")
        .assert_stderr_has("bad.jsonl:2");
    let ids: Vec<Value> = run.jsonl().iter().map(|r| r["id"].clone()).collect();
    assert_eq!(ids, ["a", "b"], "{run}");
}

#[test]
fn rows_of_records_name_their_id() {
    let wd = trained();
    let run = wd.ok(&["predict", "-m", "m.model", "--input", "train.jsonl"]);
    let ids: Vec<Value> = wd
        .read_string("train.jsonl")
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("JSONL")["id"].clone())
        .collect();
    for (line, id) in run.lines().iter().zip(&ids) {
        let id = id.as_str().map_or_else(|| id.to_string(), str::to_string);
        assert!(line.starts_with(&format!("{id}\t")), "{line:?}:{run}");
    }
    let jsonl = wd.ok(&[
        "predict",
        "-m",
        "m.model",
        "--input",
        "train.jsonl",
        "--output",
        "jsonl",
    ]);
    assert!(
        jsonl.jsonl().iter().all(|r| r.get("line").is_none()),
        "an id is enough:{jsonl}"
    );
}

#[test]
fn text_without_arabic_letters_is_flagged_and_warned_about() {
    let wd = trained();
    let no_arabic = [
        "🙂🙂🙂",
        "\u{200f}\u{200b}\u{feff}",
        "Breaking news: 42 people, see https://example.com",
    ];
    let mut args = vec!["predict", "-m", "m.model", "--output", "jsonl", DENIAL];
    args.extend_from_slice(&no_arabic);
    let run = wd.ok(&args);
    let rows = run.jsonl();
    assert!(rows[0].get("no_arabic").is_none(), "{run}");
    for row in &rows[1..] {
        assert_eq!(row["no_arabic"], true, "{run}");
    }
    run.assert_stderr_has("warning: 3 sentences have no Arabic letter")
        .assert_stderr_has("argument 2, argument 3, argument 4");

    wd.write("mixed.txt", format!("{DENIAL}\n🙂\n"));
    let text = wd.ok(&["predict", "-m", "m.model", "--input", "mixed.txt"]);
    text.assert_stderr_has("1 sentence has no Arabic letter")
        .assert_stderr_has("mixed.txt:2");
    let quiet = wd.ok(&["-q", "predict", "-m", "m.model", "--input", "mixed.txt"]);
    assert_eq!(quiet.stderr, "", "{quiet}");
}

/// JSONL records whose ids hold a tab, a line feed and a carriage return.
fn write_awkward_ids(wd: &Workdir) {
    let mut out = String::new();
    for (i, line) in wd.read_string("train.tsv").lines().skip(1).enumerate() {
        let fields: Vec<&str> = line.split('\t').collect();
        let id = format!("out\tlet-{i}\nx\r");
        let record = serde_json::json!({"id": id, "label": fields[1], "text": fields[2]});
        out.push_str(&format!("{record}\n"));
    }
    wd.write("awkward.jsonl", out);
}

/// Panics unless every line of `text` has as many tab-separated fields as the first.
fn assert_rows_hold(text: &str, what: &str) {
    let lines: Vec<&str> = text.lines().collect();
    let columns = lines[0].split('\t').count();
    for line in &lines {
        assert_eq!(
            line.split('\t').count(),
            columns,
            "{what}: {line:?}\n{text}"
        );
    }
}

#[test]
fn tabs_and_line_breaks_in_ids_never_break_a_row() {
    let wd = trained();
    write_awkward_ids(&wd);
    let run = wd.ok(&[
        "predict",
        "-m",
        "m.model",
        "--input",
        "awkward.jsonl",
        "--output",
        "tsv",
    ]);
    assert_eq!(run.lines().len(), 49, "{run}");
    assert_rows_hold(&run.stdout, "predict --output tsv");
    assert!(run.lines()[1].starts_with("out let-0 x\t1\t"), "{run}");

    wd.ok(&[
        "cv",
        "awkward.jsonl",
        "--folds",
        "2",
        "--epochs",
        "2",
        "--predictions",
        "oof.tsv",
    ]);
    let oof = wd.read_string("oof.tsv");
    assert_eq!(oof.lines().count(), 49, "{oof}");
    assert_rows_hold(&oof, "cv --predictions");

    wd.ok(&[
        "suggest",
        "awkward.jsonl",
        "-m",
        "m.model",
        "--n",
        "5",
        "--out",
        "s.tsv",
    ]);
    let suggested = wd.read_string("s.tsv");
    assert_eq!(suggested.lines().count(), 6, "{suggested}");
    assert_rows_hold(&suggested, "suggest");
}
