//! `stance article` on awkward inputs: empty articles and folders, a bad file among good ones,
//! an article with nothing to label, and sentences without Arabic.

use crate::workdir::Workdir;

const GOOD: &str = "نفت وزارة الداخلية صحة الأنباء عن اعتقال صحفيين في العاصمة.\n";

fn trained() -> Workdir {
    let wd = Workdir::new();
    wd.train("m.model", &[]);
    wd
}

#[test]
fn an_empty_article_or_folder_is_an_error() {
    let wd = trained();
    wd.write("empty.txt", " \n\n");
    wd.fails(&["article", "empty.txt", "-m", "m.model"], 1)
        .assert_stderr_has("empty.txt: empty article, nothing to label");
    std::fs::create_dir(wd.path("nothing")).unwrap();
    wd.write("nothing/notes.md", "not an article");
    wd.fails(&["article", "nothing", "-m", "m.model"], 1)
        .assert_stderr_has("nothing: no .txt articles in this folder");
}

#[test]
fn a_bad_file_in_a_folder_is_skipped_and_the_others_labelled() {
    let wd = trained();
    std::fs::create_dir(wd.path("news")).unwrap();
    wd.write("news/a.txt", GOOD);
    wd.write("news/b.txt", b"\xff\xfe not text");
    wd.write("news/c.txt", "");
    wd.write("news/d.txt", GOOD);
    let run = wd.fails(&["article", "news", "-m", "m.model"], 1);
    run.assert_stderr_has("warning: skipped news/b.txt: news/b.txt:1: invalid UTF-8")
        .assert_stderr_has("warning: skipped news/c.txt: news/c.txt: empty article")
        .assert_stderr_has("2 of 4 articles could not be read");
    // the good articles were labelled and printed before the failure was reported
    run.assert_stdout_has("== news/a.txt")
        .assert_stdout_has("== news/d.txt");
}

#[test]
fn an_article_with_nothing_to_label_says_so() {
    let wd = trained();
    wd.write(
        "title.txt",
        "الكوليرا تعود إلى المخيم والسلطات تتبادل الاتهامات\n",
    );
    let run = wd.ok(&["article", "title.txt", "-m", "m.model"]);
    run.assert_stderr_has("note: title.txt: no sentence to label (1 pieces left out by rule 8)");
    let quiet = wd.ok(&["-q", "article", "title.txt", "-m", "m.model"]);
    assert!(!quiet.stderr.contains("note:"), "{quiet}");
}

#[test]
fn jsonl_flags_sentences_without_arabic() {
    let wd = trained();
    wd.write(
        "mixed.txt",
        format!("{GOOD}The ministry denied the reports on Sunday evening.\n"),
    );
    let run = wd.ok(&["article", "mixed.txt", "-m", "m.model", "--output", "jsonl"]);
    let lines = run.jsonl();
    assert_eq!(lines.len(), 2, "{run}");
    assert!(lines[0].get("no_arabic").is_none(), "{run}");
    assert_eq!(lines[1]["no_arabic"], true, "{run}");
}
