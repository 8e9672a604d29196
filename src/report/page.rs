//! The page itself: summary figures with their intervals, confusion heat map, reliability
//! diagram, risk-coverage curve, per-label and per-group scores, and the most confident errors
//! with their deciding words highlighted.

use super::svg;
use crate::bootstrap::Intervals;
use crate::calibration::{Abstention, Reliability, RiskCoverage};
use crate::label::Stance;
use crate::metrics::Metrics;
use html_escape::{encode_double_quoted_attribute as attr, encode_text as text};
use std::fmt::Write as _;

/// Scores of one group of rows (one value of the `--group-by` column).
#[derive(Debug, Clone)]
pub struct GroupScores {
    /// The column's value.
    pub group: String,
    /// Scores on the group's rows.
    pub metrics: Metrics,
}

/// A word span that pushed a prediction toward its label.
#[derive(Debug, Clone)]
pub struct Highlight {
    /// Byte offset of the span in the sentence.
    pub start: usize,
    /// End of the span (exclusive).
    pub end: usize,
    /// The feature, as `stance explain` names it.
    pub feature: String,
    /// Its contribution toward the predicted label.
    pub weight: f32,
}

/// One misclassified sentence shown on the page.
#[derive(Debug, Clone)]
pub struct PageError<'a> {
    /// Where it is: id and line.
    pub at: String,
    /// The sentence.
    pub text: &'a str,
    /// The true label.
    pub gold: Stance,
    /// The model's label.
    pub predicted: Stance,
    /// The model's confidence in it.
    pub confidence: f32,
    /// The deciding words.
    pub highlights: Vec<Highlight>,
}

/// Everything the page shows.
#[derive(Debug, Clone)]
pub struct EvalPage<'a> {
    /// The model file.
    pub model: &'a str,
    /// The evaluated file.
    pub file: &'a str,
    /// Scores on every row.
    pub metrics: &'a Metrics,
    /// Bootstrap intervals, when computed.
    pub intervals: Option<&'a Intervals>,
    /// The model's calibration temperature.
    pub temperature: f32,
    /// Calibration measures.
    pub reliability: &'a Reliability,
    /// Quality against coverage.
    pub risk_coverage: &'a RiskCoverage,
    /// What `--min-confidence` kept, if given.
    pub abstention: Option<&'a Abstention>,
    /// The grouping column and the scores per group, if `--group-by` was given.
    pub groups: Option<(&'a str, Vec<GroupScores>)>,
    /// The most confident errors.
    pub errors: Vec<PageError<'a>>,
}

const STYLE: &str = r#"
body { font-family: "Noto Naskh Arabic", "Amiri", "Segoe UI", Tahoma, Arial, sans-serif; max-width: 64rem; margin: 2rem auto; padding: 0 1rem; color: #1d1d1f; background: #fcfcfa; line-height: 1.6; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.15rem; border-bottom: 1px solid #ddd; margin-top: 2rem; }
.figures { display: flex; flex-wrap: wrap; gap: .8rem; }
.figure { background: #fff; border: 1px solid #e2e2e2; border-radius: .5rem; padding: .6rem 1rem; min-width: 9rem; }
.figure .value { font-size: 1.5rem; font-weight: 600; } .figure .note { color: #666; font-size: .85rem; }
.charts { display: flex; flex-wrap: wrap; gap: 1.5rem; align-items: flex-start; }
figure { margin: 0; max-width: 340px; } figcaption { font-size: .85rem; color: #555; }
table { border-collapse: collapse; margin: .5rem 0; } th, td { padding: .25rem .7rem; border-bottom: 1px solid #eee; text-align: right; }
td.num, th.num { text-align: left; direction: ltr; font-variant-numeric: tabular-nums; }
.errors li { margin-bottom: 1rem; } .sentence { direction: rtl; font-size: 1.1rem; line-height: 2; }
mark { background: #fde68a; border-radius: .2rem; padding: 0 .1rem; }
.meta { direction: ltr; text-align: left; color: #555; font-size: .9rem; }
.assertion { color: #166534; } .denial { color: #b91c1c; } .allegation { color: #a16207; }
"#;

/// Renders the page.
pub fn render(page: &EvalPage<'_>) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"ar\" dir=\"rtl\">\n<head>\n<meta charset=\"utf-8\">\n<title>stance eval — {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>تقييم النموذج — stance evaluation</h1>\n<p class=\"meta\">model <code>{}</code> on <code>{}</code>, {} rows</p>\n",
        text(page.file),
        text(page.model),
        text(page.file),
        page.metrics.rows
    );
    summary(&mut out, page);
    let _ = write!(
        out,
        "<h2>Confusion and calibration</h2>\n<div class=\"charts\" dir=\"ltr\">\n<figure>{}<figcaption>Confusion matrix</figcaption></figure>\n<figure>{}<figcaption>Reliability diagram (temperature {:.3}): bars are accuracy per confidence bin, dots mean confidence, dashed line perfect calibration</figcaption></figure>\n<figure>{}<figcaption>Risk-coverage: accuracy of the rows kept when abstaining below a confidence</figcaption></figure>\n</div>\n",
        svg::confusion_heat_map(&page.metrics.confusion),
        svg::reliability_diagram(&page.reliability.bins),
        page.temperature,
        svg::risk_coverage_curve(page.risk_coverage)
    );
    per_label(&mut out, page);
    bands(&mut out, page.reliability);
    if let Some((column, groups)) = &page.groups {
        per_group(&mut out, column, groups);
    }
    errors(&mut out, &page.errors);
    out.push_str("</body>\n</html>\n");
    out
}

fn figure(out: &mut String, name: &str, value: String, note: String) {
    let _ = write!(
        out,
        "<div class=\"figure\"><div>{}</div><div class=\"value\" dir=\"ltr\">{}</div><div class=\"note\" dir=\"ltr\">{}</div></div>",
        text(name),
        text(&value),
        text(&note)
    );
}

fn summary(out: &mut String, page: &EvalPage<'_>) {
    out.push_str("<h2>Summary</h2>\n<div class=\"figures\">");
    let interval = page.intervals.map_or(String::new(), |i| {
        format!("95% CI {:.3}-{:.3}", i.macro_f1.low, i.macro_f1.high)
    });
    figure(
        out,
        "macro-F1",
        format!("{:.3}", page.metrics.macro_f1),
        interval,
    );
    figure(
        out,
        "accuracy",
        format!("{:.3}", page.metrics.accuracy),
        String::new(),
    );
    for s in &page.metrics.per_label {
        let interval = page
            .intervals
            .and_then(|i| i.per_label_f1.iter().find(|(l, _)| *l == s.label))
            .map_or(String::new(), |(_, r)| {
                format!("95% CI {:.3}-{:.3}", r.low, r.high)
            });
        figure(
            out,
            &format!("F1 {}", s.label),
            format!("{:.3}", s.f1),
            interval,
        );
    }
    let r = page.reliability;
    figure(
        out,
        "ECE",
        format!("{:.4}", r.ece),
        format!(
            "{} bins; Brier {:.4}; log-loss {:.4}",
            r.bins.len(),
            r.brier,
            r.log_loss
        ),
    );
    if let Some(a) = page.abstention {
        figure(
            out,
            &format!("kept at confidence ≥ {:.3}", a.min_confidence),
            format!("{:.1}%", a.coverage * 100.0),
            format!(
                "accuracy {:.3}, macro-F1 {:.3} on them",
                a.metrics.accuracy, a.metrics.macro_f1
            ),
        );
    }
    out.push_str("</div>\n");
}

fn per_label(out: &mut String, page: &EvalPage<'_>) {
    out.push_str("<h2>Per label</h2>\n<table dir=\"ltr\"><tr><th>label</th><th class=\"num\">precision</th><th class=\"num\">recall</th><th class=\"num\">F1</th><th class=\"num\">support</th></tr>\n");
    for s in &page.metrics.per_label {
        let _ = writeln!(
            out,
            "<tr><td class=\"{l}\">{l}</td><td class=\"num\">{:.3}</td><td class=\"num\">{:.3}</td><td class=\"num\">{:.3}</td><td class=\"num\">{}</td></tr>",
            s.precision,
            s.recall,
            s.f1,
            s.support,
            l = s.label
        );
    }
    out.push_str("</table>\n");
}

fn bands(out: &mut String, r: &Reliability) {
    out.push_str(
        "<h2>Precision by confidence band</h2>\n<table dir=\"ltr\"><tr><th>predicted</th>",
    );
    for low in crate::calibration::reliability::BANDS {
        let _ = write!(out, "<th class=\"num\">≥ {low:.2}</th>");
    }
    out.push_str("</tr>\n");
    for label in Stance::ALL {
        let _ = write!(out, "<tr><td class=\"{label}\">{label}</td>");
        for b in r.bands.iter().filter(|b| b.label == label) {
            number_cell(
                out,
                (b.rows > 0).then(|| format!("{:.3} ({})", b.precision, b.rows)),
            );
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table>\n");
}

/// A table cell holding a figure, or a dash where there is nothing to measure.
fn number_cell(out: &mut String, figure: Option<String>) {
    let _ = write!(
        out,
        "<td class=\"num\">{}</td>",
        figure.as_deref().unwrap_or("–")
    );
}

fn per_group(out: &mut String, column: &str, groups: &[GroupScores]) {
    let _ = write!(
        out,
        "<h2>Per {}</h2>\n<table dir=\"ltr\" class=\"groups\"><tr><th>{}</th><th class=\"num\">rows</th><th class=\"num\">accuracy</th><th class=\"num\">macro-F1</th>",
        text(column),
        text(column)
    );
    for label in Stance::ALL {
        let _ = write!(out, "<th class=\"num\">F1 {label}</th>");
    }
    out.push_str("</tr>\n");
    for g in groups {
        let _ = write!(
            out,
            "<tr><td><bdi>{}</bdi></td><td class=\"num\">{}</td><td class=\"num\">{:.3}</td><td class=\"num\">{:.3}</td>",
            text(&g.group),
            g.metrics.rows,
            g.metrics.accuracy,
            g.metrics.macro_f1
        );
        for s in &g.metrics.per_label {
            number_cell(out, (s.support > 0).then(|| format!("{:.3}", s.f1)));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table>\n");
}

fn errors(out: &mut String, errors: &[PageError<'_>]) {
    if errors.is_empty() {
        return;
    }
    out.push_str("<h2>Most confident errors</h2>\n<ol class=\"errors\">\n");
    for e in errors {
        let _ = write!(
            out,
            "<li><div class=\"meta\">{}: gold <span class=\"{g}\">{g}</span>, predicted <span class=\"{p}\">{p}</span> ({:.3})</div><div class=\"sentence\">",
            text(&e.at),
            e.confidence,
            g = e.gold,
            p = e.predicted
        );
        highlighted(out, e);
        out.push_str("</div></li>\n");
    }
    out.push_str("</ol>\n");
}

/// The sentence with its deciding spans marked; overlapping spans merge into the first.
fn highlighted(out: &mut String, e: &PageError<'_>) {
    let mut spans: Vec<&Highlight> = e
        .highlights
        .iter()
        .filter(|h| h.start < h.end && h.end <= e.text.len())
        .filter(|h| e.text.is_char_boundary(h.start) && e.text.is_char_boundary(h.end))
        .collect();
    spans.sort_by_key(|h| (h.start, h.end));
    let mut cursor = 0;
    for h in spans {
        if h.start < cursor {
            continue;
        }
        out.push_str(&text(&e.text[cursor..h.start]));
        let _ = write!(
            out,
            "<mark title=\"{}\">{}</mark>",
            attr(&format!("{} {:+.3}", h.feature, h.weight)),
            text(&e.text[h.start..h.end])
        );
        cursor = h.end;
    }
    out.push_str(&text(&e.text[cursor..]));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn highlights_mark_spans_and_escape_the_rest() {
        let e = PageError {
            at: "line 2".into(),
            text: "نفت <الوزارة> الخبر",
            gold: Stance::Assertion,
            predicted: Stance::Denial,
            confidence: 0.9,
            highlights: vec![
                Highlight {
                    start: 0,
                    end: 6,
                    feature: "نفت".into(),
                    weight: 1.5,
                },
                Highlight {
                    start: 2,
                    end: 6,
                    feature: "overlap".into(),
                    weight: 0.1,
                },
            ],
        };
        let mut out = String::new();
        highlighted(&mut out, &e);
        assert!(
            out.starts_with("<mark title=\"نفت +1.500\">نفت</mark>"),
            "{out}"
        );
        assert!(out.contains("&lt;الوزارة&gt;"), "{out}");
        assert_eq!(out.matches("<mark").count(), 1);
    }
}
