//! `stance article` on inputs that hold nothing to label: an empty article or folder is an
//! error naming it, one bad file of a folder is named and the others still labelled (exit 1 at
//! the end), an article left out whole by rule 8 gets a note, and JSONL flags sentences with no
//! Arabic letter.

use crate::workdir::Workdir;

/// A work directory with a model trained on the fixtures.
fn with_model() -> Workdir {
    let wd = Workdir::new();
    wd.train("m.model", &[]);
    wd
}

const DENIAL: &str = "نفت الوزارة صحة الأنباء عن إغلاق المعبر.\n";

#[test]
fn an_empty_article_is_an_error_naming_it() {
    let wd = with_model();
    wd.write("blank.txt", " \n\t\n");
    let run = wd.fails(&["article", "blank.txt", "-m", "m.model"], 1);
    run.assert_stderr_has("blank.txt: empty article");
    assert!(run.stdout.is_empty(), "{run}");
    let run = wd.run(&["article", "-", "-m", "m.model"], Some(b""));
    assert_eq!(run.code, Some(1), "{run}");
    run.assert_stderr_has("standard input: empty article");
}

#[test]
fn an_empty_folder_is_an_error_naming_it() {
    let wd = with_model();
    std::fs::create_dir(wd.path("news")).unwrap();
    wd.write("news/notes.md", DENIAL);
    let run = wd.fails(&["article", "news", "-m", "m.model"], 1);
    run.assert_stderr_has("news: no article in this folder");
}

#[test]
fn one_bad_file_of_a_folder_is_named_and_the_others_are_labelled() {
    let wd = with_model();
    wd.write("news/a.txt", DENIAL);
    wd.write("news/b.txt", b"\xff\xfe not UTF-8\n");
    wd.write("news/c.txt", "");
    wd.write("news/d.txt", "زعمت الجماعة أنها أسقطت طائرة مسيرة.\n");
    let run = wd.fails(
        &["article", "news", "-m", "m.model", "--html", "report.html"],
        1,
    );
    run.assert_stdout_has("== news/a.txt")
        .assert_stdout_has("== news/d.txt")
        .assert_stderr_has("warning: news/b.txt:1: invalid UTF-8")
        .assert_stderr_has("warning: news/c.txt: empty article")
        .assert_stderr_has("2 of 4 article inputs failed")
        .assert_stderr_has("the other 2 were labelled");
    assert!(!run.stdout.contains("b.txt"), "{run}");
    let report = wd.read_string("report.html");
    assert!(report.contains("news/a.txt") && report.contains("news/d.txt"));
}

#[test]
fn an_article_left_out_whole_by_rule_8_says_no_sentence_was_labelled() {
    let wd = with_model();
    wd.write("question.txt", "هل يعود الوزير إلى منصبه؟\n");
    let run = wd.ok(&["article", "question.txt", "-m", "m.model"]);
    run.assert_stderr_has("note: question.txt: no sentence was labelled")
        .assert_stderr_has("rule 8 (question)");
    let run = wd.ok(&["article", "question.txt", "-m", "m.model", "-q"]);
    assert!(run.stderr.is_empty(), "--quiet prints no note:{run}");
}

#[test]
fn jsonl_flags_a_sentence_without_arabic() {
    let wd = with_model();
    wd.write(
        "mixed.txt",
        format!("{DENIAL}The ministry denied the reports on Monday.\n"),
    );
    let run = wd.ok(&["article", "mixed.txt", "-m", "m.model", "--output", "jsonl"]);
    let lines = run.jsonl();
    assert_eq!(lines.len(), 2, "{run}");
    assert_eq!(lines[0].get("no_arabic"), None, "{run}");
    assert_eq!(lines[1]["no_arabic"], true, "{run}");
    run.assert_stderr_has("mixed.txt sentence 2");
}

#[test]
fn a_bad_record_of_a_jsonl_file_is_named_and_the_others_are_labelled() {
    let wd = with_model();
    let good = serde_json::json!({"id": "a1", "text": DENIAL}).to_string();
    wd.write(
        "articles.jsonl",
        format!("{good}\n{{\"id\": \"a2\", \"text\": \n{{\"id\": \"a3\", \"text\": \"  \"}}\n"),
    );
    let run = wd.fails(&["article", "articles.jsonl", "-m", "m.model"], 1);
    run.assert_stdout_has("== a1")
        .assert_stderr_has("articles.jsonl:2")
        .assert_stderr_has("articles.jsonl:3")
        .assert_stderr_has("2 of 3 article inputs failed")
        .assert_stderr_has("; the other one was labelled");
}

#[test]
fn an_article_id_with_a_line_break_keeps_the_text_layout_one_line_per_row() {
    let wd = with_model();
    let record = serde_json::json!({"id": "a\n1\tb", "text": DENIAL}).to_string();
    wd.write("articles.jsonl", format!("{record}\n"));
    let run = wd.ok(&["article", "articles.jsonl", "-m", "m.model"]);
    assert_eq!(run.lines()[0], "== a 1 b", "{run}");
    assert!(run.lines()[1].starts_with("denial"), "{run}");
}
