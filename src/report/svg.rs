//! Small inline SVG charts for the evaluation page: a confusion heat map, a reliability
//! diagram and a risk-coverage curve.
//!
//! Hand-written: each chart is a few dozen rectangles, lines and labels, and the page must stay
//! one self-contained file with no script; a plotting crate (plotters) would add a large
//! dependency tree to draw the same handful of elements.

use crate::calibration::{ReliabilityBin, RiskCoverage};
use crate::label::Stance;
use crate::metrics::ConfusionMatrix;
use std::fmt::Write as _;

const FONT: &str = "font-family=\"sans-serif\" font-size=\"12\"";

/// The confusion matrix as a heat map: rows are the true labels, columns the predicted ones;
/// each cell is shaded by its share of the row and shows the count.
pub fn confusion_heat_map(m: &ConfusionMatrix) -> String {
    let cell = 80.0;
    let (left, top) = (90.0, 40.0);
    let size = left + 3.0 * cell + 10.0;
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart confusion\" viewBox=\"0 0 {size} {h}\" width=\"{size}\" height=\"{h}\" direction=\"ltr\" role=\"img\" aria-label=\"confusion matrix\">",
        h = top + 3.0 * cell + 30.0
    );
    for (j, label) in Stance::ALL.iter().enumerate() {
        let _ = write!(
            out,
            "<text x=\"{x}\" y=\"{y}\" text-anchor=\"middle\" {FONT}>{label}</text>",
            x = left + (j as f64 + 0.5) * cell,
            y = top - 8.0
        );
        let _ = write!(
            out,
            "<text x=\"{x}\" y=\"{y}\" text-anchor=\"end\" {FONT}>{label}</text>",
            x = left - 6.0,
            y = top + (j as f64 + 0.5) * cell + 4.0
        );
    }
    for (i, row) in m.counts.iter().enumerate() {
        let total: usize = row.iter().sum();
        for (j, &n) in row.iter().enumerate() {
            let share = if total == 0 {
                0.0
            } else {
                n as f64 / total as f64
            };
            let (x, y) = (left + j as f64 * cell, top + i as f64 * cell);
            let ink = if share > 0.55 { "#fff" } else { "#111" };
            let _ = write!(
                out,
                "<rect class=\"cell\" data-true=\"{t}\" data-predicted=\"{p}\" data-count=\"{n}\" x=\"{x}\" y=\"{y}\" width=\"{cell}\" height=\"{cell}\" fill=\"rgba(37,99,235,{a:.3})\" stroke=\"#fff\"/><text x=\"{cx}\" y=\"{cy}\" text-anchor=\"middle\" fill=\"{ink}\" {FONT}>{n}</text>",
                t = Stance::ALL[i],
                p = Stance::ALL[j],
                a = 0.08 + 0.92 * share,
                cx = x + cell / 2.0,
                cy = y + cell / 2.0 + 4.0
            );
        }
    }
    let _ = write!(
        out,
        "<text x=\"{x}\" y=\"{y}\" text-anchor=\"middle\" {FONT}>rows: true label · columns: predicted</text></svg>",
        x = left + 1.5 * cell,
        y = top + 3.0 * cell + 20.0
    );
    out
}

/// Frame of a unit-square plot: axes, grid at 0.2 steps and the axis names.
fn unit_frame(out: &mut String, x_name: &str, y_name: &str, left: f64, top: f64, side: f64) {
    for k in 0..=5 {
        let v = k as f64 / 5.0;
        let (x, y) = (left + v * side, top + side - v * side);
        let _ = write!(
            out,
            "<line x1=\"{left}\" y1=\"{y}\" x2=\"{r}\" y2=\"{y}\" stroke=\"#e5e5e5\"/><line x1=\"{x}\" y1=\"{top}\" x2=\"{x}\" y2=\"{b}\" stroke=\"#e5e5e5\"/><text x=\"{x}\" y=\"{ty}\" text-anchor=\"middle\" {FONT}>{v:.1}</text><text x=\"{lx}\" y=\"{ly}\" text-anchor=\"end\" {FONT}>{v:.1}</text>",
            r = left + side,
            b = top + side,
            ty = top + side + 16.0,
            lx = left - 6.0,
            ly = y + 4.0
        );
    }
    let _ = write!(
        out,
        "<rect x=\"{left}\" y=\"{top}\" width=\"{side}\" height=\"{side}\" fill=\"none\" stroke=\"#888\"/><text x=\"{cx}\" y=\"{by}\" text-anchor=\"middle\" {FONT}>{x_name}</text><text transform=\"translate({yx},{cy}) rotate(-90)\" text-anchor=\"middle\" {FONT}>{y_name}</text>",
        cx = left + side / 2.0,
        by = top + side + 34.0,
        yx = left - 36.0,
        cy = top + side / 2.0
    );
}

/// The reliability diagram: per confidence bin, a bar at the bin's accuracy, the diagonal of
/// perfect calibration, and the bin's mean confidence as a dot.
pub fn reliability_diagram(bins: &[ReliabilityBin]) -> String {
    let (left, top, side) = (50.0, 15.0, 260.0);
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart reliability\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" direction=\"ltr\" role=\"img\" aria-label=\"reliability diagram\">",
        w = left + side + 20.0,
        h = top + side + 45.0
    );
    unit_frame(&mut out, "confidence", "accuracy", left, top, side);
    let _ = write!(
        out,
        "<line x1=\"{left}\" y1=\"{b}\" x2=\"{r}\" y2=\"{top}\" stroke=\"#999\" stroke-dasharray=\"4 3\"/>",
        b = top + side,
        r = left + side
    );
    for bin in bins.iter().filter(|b| b.rows > 0) {
        let x = left + f64::from(bin.low) * side;
        let w = f64::from(bin.high - bin.low) * side;
        let h = bin.accuracy * side;
        let _ = write!(
            out,
            "<rect class=\"bin\" data-rows=\"{n}\" data-accuracy=\"{a:.4}\" data-confidence=\"{c:.4}\" x=\"{x:.1}\" y=\"{y:.1}\" width=\"{w1:.1}\" height=\"{h:.1}\" fill=\"#2563eb\" fill-opacity=\"0.75\"><title>{lo:.2}-{hi:.2}: {n} rows, accuracy {a:.3}, mean confidence {c:.3}</title></rect><circle cx=\"{cx:.1}\" cy=\"{cy:.1}\" r=\"3\" fill=\"#dc2626\"/>",
            n = bin.rows,
            a = bin.accuracy,
            c = bin.confidence,
            y = top + side - h,
            w1 = (w - 1.0).max(1.0),
            lo = bin.low,
            hi = bin.high,
            cx = left + bin.confidence * side,
            cy = top + side - bin.confidence * side
        );
    }
    out.push_str("</svg>");
    out
}

/// The risk-coverage curve: accuracy of the kept rows against the share kept.
pub fn risk_coverage_curve(curve: &RiskCoverage) -> String {
    let (left, top, side) = (50.0, 15.0, 260.0);
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart coverage\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" direction=\"ltr\" role=\"img\" aria-label=\"risk-coverage curve\">",
        w = left + side + 20.0,
        h = top + side + 45.0
    );
    unit_frame(
        &mut out,
        "coverage (share of rows kept)",
        "accuracy of kept rows",
        left,
        top,
        side,
    );
    let points: Vec<String> = curve
        .points
        .iter()
        .map(|p| {
            format!(
                "{:.1},{:.1}",
                left + p.coverage * side,
                top + side - p.accuracy * side
            )
        })
        .collect();
    let _ = write!(
        out,
        "<polyline points=\"{}\" fill=\"none\" stroke=\"#2563eb\" stroke-width=\"2\"/>",
        points.join(" ")
    );
    for p in &curve.points {
        let _ = write!(
            out,
            "<circle class=\"point\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"2.5\" fill=\"#2563eb\"><title>threshold {:.3}: coverage {:.3}, accuracy {:.3}, macro-F1 {:.3}</title></circle>",
            left + p.coverage * side,
            top + side - p.accuracy * side,
            p.threshold,
            p.coverage,
            p.accuracy,
            p.macro_f1
        );
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heat_map_has_one_cell_per_pair_with_its_count() {
        let m = ConfusionMatrix::from_pairs([
            (Stance::Assertion, Stance::Assertion),
            (Stance::Assertion, Stance::Denial),
            (Stance::Allegation, Stance::Allegation),
        ]);
        let svg = confusion_heat_map(&m);
        assert_eq!(svg.matches("class=\"cell\"").count(), 9);
        assert!(svg.contains("data-true=\"assertion\" data-predicted=\"denial\" data-count=\"1\""));
        assert!(svg.contains("data-true=\"denial\" data-predicted=\"denial\" data-count=\"0\""));
    }

    #[test]
    fn reliability_diagram_draws_only_filled_bins() {
        let bins = [
            ReliabilityBin {
                low: 0.0,
                high: 0.5,
                rows: 0,
                confidence: 0.0,
                accuracy: 0.0,
            },
            ReliabilityBin {
                low: 0.5,
                high: 1.0,
                rows: 4,
                confidence: 0.8,
                accuracy: 0.75,
            },
        ];
        let svg = reliability_diagram(&bins);
        assert_eq!(svg.matches("class=\"bin\"").count(), 1);
        assert!(svg.contains("data-accuracy=\"0.7500\""));
    }
}
