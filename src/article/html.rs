//! The HTML report of analysed articles: one self-contained file (inline CSS, no network),
//! right-to-left, each sentence tinted by label with its deciding words underlined and its
//! probabilities in a tooltip, and a summary on top.

use super::ArticleReport;
use crate::label::Stance;
use html_escape::{encode_double_quoted_attribute as attr, encode_text as text};
use std::fmt::Write as _;

/// How many least-confident sentences the summary lists.
const LEAST_CONFIDENT: usize = 5;

const STYLE: &str = r#"
body { direction: rtl; font-family: "Noto Naskh Arabic", "Amiri", "Scheherazade New", "Segoe UI", Tahoma, "Arial", sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; line-height: 2.1; color: #1d1d1f; background: #fcfcfa; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.2rem; border-bottom: 1px solid #ddd; }
.summary { display: flex; gap: 1rem; flex-wrap: wrap; margin-bottom: 1rem; }
.count { padding: .2rem .8rem; border-radius: .4rem; }
.assertion { background: #e3f1e6; } .denial { background: #fbe0dc; } .allegation { background: #fdf1cc; } .uncertain { background: #e6e6ea; }
.sentence { padding: .15rem .2rem; border-radius: .3rem; cursor: help; }
.sentence u { text-decoration-thickness: 2px; text-underline-offset: 5px; }
.skipped { color: #999; }
.legend span { margin-inline-end: 1rem; padding: .1rem .5rem; border-radius: .3rem; }
ol.low li { margin-bottom: .4rem; }
"#;

/// Renders the reports as one HTML page; sentences below `min_confidence` show as
/// `uncertain`.
pub fn render(reports: &[ArticleReport], min_confidence: Option<f32>) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"ar\" dir=\"rtl\">\n<head>\n<meta charset=\"utf-8\">\n<title>stance report</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>تقرير الموقف — stance report</h1>\n<p class=\"legend\"><span class=\"assertion\">assertion تأكيد</span><span class=\"denial\">denial نفي</span><span class=\"allegation\">allegation ادعاء</span></p>\n"
    );
    for report in reports {
        render_article(&mut out, report, min_confidence);
    }
    out.push_str("</body>\n</html>\n");
    out
}

fn render_article(out: &mut String, report: &ArticleReport, min_confidence: Option<f32>) {
    let _ = writeln!(
        out,
        "<section class=\"article\">\n<h2><bdi>{}</bdi></h2>",
        text(&report.name)
    );
    let _ = writeln!(out, "<div class=\"summary\">");
    let shown = |s: &super::ArticleSentence| s.prediction.shown_label(min_confidence);
    let labels = Stance::ALL.iter().map(|l| l.as_str());
    let uncertain = min_confidence.map(|_| crate::pipeline::UNCERTAIN);
    for label in labels.chain(uncertain) {
        let n = report
            .sentences
            .iter()
            .filter(|s| shown(s) == label)
            .count();
        let _ = writeln!(
            out,
            "<span class=\"count {label}\" data-label=\"{label}\">{label}: {n}</span>"
        );
    }
    let _ = writeln!(
        out,
        "<span class=\"count skipped\">skipped: {}</span>\n</div>",
        report.skipped.len()
    );

    let mut order: Vec<usize> = (0..report.sentences.len()).collect();
    order.sort_by(|a, b| {
        let ca = report.sentences[*a].prediction.confidence();
        let cb = report.sentences[*b].prediction.confidence();
        ca.total_cmp(&cb).then(a.cmp(b))
    });
    if !order.is_empty() {
        let _ = writeln!(out, "<p>Least confident:</p>\n<ol class=\"low\">");
        for &i in order.iter().take(LEAST_CONFIDENT) {
            let s = &report.sentences[i];
            let _ = writeln!(
                out,
                "<li><a href=\"#{}-s{i}\">{} ({:.2})</a>: {}</li>",
                attr(&anchor(&report.name)),
                shown(s),
                s.prediction.confidence(),
                text(report.slice(s.start, s.end))
            );
        }
        let _ = writeln!(out, "</ol>");
    }

    let _ = writeln!(out, "<div class=\"body\">\n<p>");
    let mut cursor = 0;
    for (i, s) in report.sentences.iter().enumerate() {
        write_plain(out, &report.text[cursor..s.start]);
        let probabilities: Vec<String> = s
            .prediction
            .probabilities
            .iter()
            .map(|(l, p)| format!("{l} {p:.2}"))
            .collect();
        let reasons: Vec<String> = s
            .reasons
            .iter()
            .map(|r| format!("{} {:+.2}", r.feature, r.weight))
            .collect();
        let tooltip = format!("{} — {}", probabilities.join(" · "), reasons.join("، "));
        let _ = write!(
            out,
            "<span class=\"sentence {label}\" id=\"{id}-s{i}\" data-label=\"{label}\" title=\"{tip}\">",
            label = shown(s),
            id = attr(&anchor(&report.name)),
            tip = attr(&tooltip)
        );
        write_underlined(out, report, s.start, s.end, &s.reasons);
        out.push_str("</span>");
        cursor = s.end;
    }
    write_plain(out, &report.text[cursor..]);
    let _ = writeln!(out, "</p>\n</div>\n</section>");
}

/// Text outside sentences: skipped pieces greyed, newlines as paragraph breaks.
fn write_plain(out: &mut String, piece: &str) {
    for (i, part) in piece.split('\n').enumerate() {
        if i > 0 {
            out.push_str("</p>\n<p>");
        }
        if !part.trim().is_empty() {
            let _ = write!(out, "<span class=\"skipped\">{}</span>", text(part));
        } else {
            out.push_str(&text(part));
        }
    }
}

/// The sentence with the spans of its deciding features underlined (overlaps merged).
fn write_underlined(
    out: &mut String,
    report: &ArticleReport,
    start: usize,
    end: usize,
    reasons: &[super::Reason],
) {
    let mut spans: Vec<(usize, usize)> = reasons
        .iter()
        .map(|r| (r.start.max(start), r.end.min(end)))
        .filter(|(a, b)| a < b)
        .collect();
    spans.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (a, b) in spans {
        match merged.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => merged.push((a, b)),
        }
    }
    let mut cursor = start;
    for (a, b) in merged {
        out.push_str(&text(report.slice(cursor, a)));
        let _ = write!(out, "<u>{}</u>", text(report.slice(a, b)));
        cursor = b;
    }
    out.push_str(&text(report.slice(cursor, end)));
}

fn anchor(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_alphanumeric() { c } else { '-' })
        .collect()
}
