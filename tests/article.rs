//! Article mode: segmentation offsets, the HTML report, and the guideline's worked examples on
//! the seed article (../shared/seed-article.txt) with the shipped model.

use proptest::prelude::*;
use stance::article::segment::segment;
use stance::article::{html, ArticleReport};
use stance::{Bundle, Stance};
use std::path::Path;

fn shipped() -> Bundle {
    Bundle::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("models/stance.model"))
        .expect("shipped model loads")
}

fn char_slice(text: &str, start: usize, end: usize) -> String {
    text.chars().skip(start).take(end - start).collect()
}

proptest! {
    /// Character offsets (as JSONL reports them) slice back to the exact sentence text.
    #[test]
    fn offsets_slice_back_to_the_sentence(
        pieces in prop::collection::vec(
            prop::sample::select(vec![
                "نفت", "الوزارة", "«قسد»", "3.5", "د.", "أحمد", "،", ".", "؟", "!", "؛", "…", " ", "\n",
                "“قال", "لا صحة”", "\"كذب\"", "زعمت", "  ", "ٌ", "ـ", "U.S.", "x", "\r\n", "«", "»",
            ]),
            0..60,
        )
    ) {
        let article: String = pieces.concat();
        let model = shipped();
        let report = ArticleReport::analyze(&model.pipeline, "p".into(), article.clone(), 2).unwrap();
        let mut last_end = 0;
        for s in &report.sentences {
            let (start, end) = (report.char_offset(s.start), report.char_offset(s.end));
            prop_assert_eq!(char_slice(&article, start, end), report.slice(s.start, s.end));
            prop_assert!(s.start >= last_end);
            last_end = s.end;
            for r in &s.reasons {
                prop_assert!(r.start >= s.start && r.end <= s.end);
            }
        }
        for seg in segment(&article) {
            let text = seg.text(&article);
            prop_assert!(!text.is_empty());
            prop_assert_eq!(text, text.trim());
        }
    }
}

/// The seed article beside the project; the project is checked with ../shared present (CI has
/// it), so its absence fails the test instead of passing it untested.
fn seed_article() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/seed-article.txt");
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (the tests need ../shared beside the project)",
            path.display()
        )
    })
}

/// The label of the sentence starting with `opening`.
fn label_of(report: &ArticleReport, opening: &str) -> Stance {
    report
        .sentences
        .iter()
        .find(|s| report.slice(s.start, s.end).starts_with(opening))
        .unwrap_or_else(|| panic!("no sentence starts with {opening}"))
        .prediction
        .label
}

#[test]
fn seed_article_matches_the_guideline_worked_examples() {
    let article = seed_article();
    let model = shipped();
    let report = ArticleReport::analyze(&model.pipeline, "seed".into(), article, 5).unwrap();
    // ANNOTATION.md, "Worked examples"
    let expected = [
        ("ضربت ميليشيات", Stance::Denial),
        ("وأكدت مصادر محلية", Stance::Assertion),
        ("وكشفت أن «قسد»", Stance::Assertion),
        ("في المقابل، نفت «قسد»", Stance::Denial),
        ("وفي السياق ذاته، زعمت الميليشيات", Stance::Allegation),
        ("وبين مركزها الإعلامي", Stance::Assertion),
    ];
    for (opening, label) in expected {
        assert_eq!(label_of(&report, opening), label, "sentence {opening}");
    }
    // rule 8: the repeated title, the section name and the dateline are left out
    assert_eq!(report.sentences.len(), 8);
    assert!(report.skipped.len() >= 4);
}

#[test]
fn html_report_is_self_contained_and_marks_every_sentence() {
    let article = "نفت وزارة الصحة وجود أي إصابات جديدة بالكوليرا في المخيم.\nوأعلنت المنظمة الدولية افتتاح مستشفى ميداني قرب الحدود.\nوزعمت صفحات على مواقع التواصل أن المستشفى أغلق أبوابه.\n";
    let model = shipped();
    let report = ArticleReport::analyze(&model.pipeline, "a<b>".into(), article.into(), 3).unwrap();
    let page = html::render(std::slice::from_ref(&report), None);
    let doc = scraper::Html::parse_document(&page);
    let select = |css: &str| scraper::Selector::parse(css).unwrap();
    let root = doc.select(&select("html")).next().unwrap();
    assert_eq!(root.value().attr("dir"), Some("rtl"));
    let sentences: Vec<_> = doc.select(&select("span.sentence")).collect();
    assert_eq!(sentences.len(), 3);
    for (span, s) in sentences.iter().zip(&report.sentences) {
        assert_eq!(
            span.value().attr("data-label"),
            Some(s.prediction.label.as_str())
        );
        let title = span.value().attr("title").unwrap();
        for label in Stance::ALL {
            assert!(title.contains(label.as_str()), "tooltip {title}");
        }
        let shown: String = span.text().collect();
        assert_eq!(shown, report.slice(s.start, s.end));
    }
    assert!(
        doc.select(&select("span.sentence u")).next().is_some(),
        "deciding words are underlined"
    );
    // nothing is fetched from the network, and names are escaped
    assert!(doc
        .select(&select("script[src], link[href], img[src]"))
        .next()
        .is_none());
    assert!(!page.contains("http://") && !page.contains("https://"));
    assert!(page.contains("a&lt;b&gt;"));
    let counts: Vec<String> = doc
        .select(&select(".summary .count"))
        .map(|c| c.text().collect())
        .collect();
    assert!(
        counts.iter().any(|c| c.starts_with("denial: ")),
        "{counts:?}"
    );
}

#[test]
fn cli_jsonl_offsets_slice_the_article() {
    let dir = tempfile::tempdir().unwrap();
    let article = "عنوان طويل عن المعبر والحدود المغلقة\n\nأعلنت السلطات إغلاق المعبر الحدودي صباح الثلاثاء. ونفى مسؤول في الجمارك «وجود أي أزمة»، مضيفاً أن الحركة ستعود قريباً؛ فيما زعم سائقون أنهم ينتظرون منذ 3.5 يوم!\n";
    let path = dir.path().join("a.txt");
    std::fs::write(&path, article).unwrap();
    let out = assert_cmd::Command::cargo_bin("stance")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["article", "--output", "jsonl"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3, "{lines:?}");
    for line in &lines {
        let (start, end) = (
            line["start"].as_u64().unwrap() as usize,
            line["end"].as_u64().unwrap() as usize,
        );
        assert_eq!(
            char_slice(article, start, end),
            line["text"].as_str().unwrap()
        );
        for reason in line["because"].as_array().unwrap() {
            let (s, e) = (
                reason["start"].as_u64().unwrap() as usize,
                reason["end"].as_u64().unwrap() as usize,
            );
            assert_eq!(char_slice(article, s, e), reason["text"].as_str().unwrap());
        }
    }
}

#[test]
fn an_article_given_as_html_is_read_as_its_visible_text() {
    let model = shipped();
    let page = "<html><head><style>p { color: red }</style></head><body>\
                <h1>الوزارة ترد على التقارير</h1>\
                <p>نفت وزارة الداخلية صحة <b>التقارير</b> عن اعتقال صحفيين في العاصمة.</p>\
                <p>وأعلنت الوزارة تسجيل ثلاث حالات إصابة جديدة في المخيم&nbsp;الشمالي.</p>\
                </body></html>";
    let report = ArticleReport::analyze(&model.pipeline, "page".into(), page.into(), 3).unwrap();
    assert!(report.from_html);
    assert!(!report.text.contains('<'), "{}", report.text);
    let texts: Vec<&str> = report
        .sentences
        .iter()
        .map(|s| report.slice(s.start, s.end))
        .collect();
    assert_eq!(
        texts,
        [
            "نفت وزارة الداخلية صحة التقارير عن اعتقال صحفيين في العاصمة.",
            "وأعلنت الوزارة تسجيل ثلاث حالات إصابة جديدة في المخيم الشمالي."
        ]
    );
    assert_eq!(report.sentences[0].prediction.label, Stance::Denial);
    assert_eq!(report.skipped.len(), 1, "the heading is the title");
}
