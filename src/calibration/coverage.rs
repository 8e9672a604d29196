//! Abstention: below a confidence threshold a label becomes `uncertain`. What that buys is a
//! risk-coverage trade-off: the share of rows kept against the quality on them, and the
//! threshold that reaches a wanted precision.

use crate::label::Stance;
use crate::metrics::Metrics;
use serde::Serialize;

/// The quality of the rows kept at one confidence threshold.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CoveragePoint {
    /// Rows with a confidence at or above this are kept.
    pub threshold: f32,
    /// The share of rows kept.
    pub coverage: f64,
    /// Accuracy (the precision of the kept labels) on them.
    pub accuracy: f64,
    /// Macro-F1 on them.
    pub macro_f1: f64,
}

/// The risk-coverage curve of a set of predictions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RiskCoverage {
    /// Points from full coverage down, one per coverage step.
    pub points: Vec<CoveragePoint>,
}

/// What abstaining at one threshold does.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Abstention {
    /// The threshold given.
    pub min_confidence: f32,
    /// Rows kept (confidence at or above the threshold).
    pub kept: usize,
    /// The share kept.
    pub coverage: f64,
    /// Scores on the kept rows.
    pub metrics: Metrics,
}

/// One scored row: gold label, predicted label, confidence of the prediction.
pub type Scored = (Stance, Stance, f32);

/// Scores of the rows at or above `min_confidence`.
pub fn abstain(rows: &[Scored], min_confidence: f32) -> Abstention {
    let kept: Vec<(Stance, Stance)> = rows
        .iter()
        .filter(|r| r.2 >= min_confidence)
        .map(|r| (r.0, r.1))
        .collect();
    Abstention {
        min_confidence,
        kept: kept.len(),
        coverage: share(kept.len(), rows.len()),
        metrics: Metrics::from_pairs(kept),
    }
}

fn share(a: usize, b: usize) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

/// Rows sorted by confidence, most confident first (ties keep input order).
fn by_confidence(rows: &[Scored]) -> Vec<Scored> {
    let mut sorted = rows.to_vec();
    sorted.sort_by(|a, b| b.2.total_cmp(&a.2));
    sorted
}

impl RiskCoverage {
    /// The curve at `steps` evenly spaced coverages (1/steps, 2/steps, ..., 1), highest first.
    /// Each point keeps the most confident rows up to that coverage, extended over rows tied
    /// at the cut, so every point is reachable with a threshold.
    pub fn measure(rows: &[Scored], steps: usize) -> RiskCoverage {
        let sorted = by_confidence(rows);
        let n = sorted.len();
        let mut points: Vec<CoveragePoint> = Vec::new();
        for step in (1..=steps.max(1)).rev() {
            let want = (n * step).div_ceil(steps.max(1));
            if want == 0 {
                continue;
            }
            let threshold = sorted[want - 1].2;
            let kept = sorted.iter().take_while(|r| r.2 >= threshold).count();
            if points.last().is_some_and(|p| p.threshold == threshold) {
                continue;
            }
            let metrics = Metrics::from_pairs(sorted[..kept].iter().map(|r| (r.0, r.1)));
            points.push(CoveragePoint {
                threshold,
                coverage: share(kept, n),
                accuracy: metrics.accuracy,
                macro_f1: metrics.macro_f1,
            });
        }
        RiskCoverage { points }
    }
}

/// The lowest confidence threshold whose kept rows reach `target` precision (accuracy of the
/// kept labels), so that coverage is as large as the target allows; `None` when no threshold
/// reaches it. Kept sets with fewer than `min_kept` rows do not count, so that one lucky row
/// cannot choose the threshold.
pub fn threshold_for_precision(rows: &[Scored], target: f64, min_kept: usize) -> Option<f32> {
    let sorted = by_confidence(rows);
    let mut right = 0usize;
    let mut best = None;
    let mut i = 0;
    while i < sorted.len() {
        // Take every row tied at this confidence together: a threshold cannot split them.
        let threshold = sorted[i].2;
        while i < sorted.len() && sorted[i].2 == threshold {
            right += usize::from(sorted[i].0 == sorted[i].1);
            i += 1;
        }
        if i >= min_kept.max(1) && right as f64 / i as f64 >= target {
            best = Some(threshold);
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use Stance::*;

    fn rows() -> Vec<Scored> {
        vec![
            (Assertion, Assertion, 0.99),
            (Denial, Denial, 0.95),
            (Allegation, Allegation, 0.90),
            (Assertion, Denial, 0.80),
            (Denial, Denial, 0.70),
            (Allegation, Assertion, 0.40),
        ]
    }

    #[test]
    fn abstaining_keeps_rows_at_or_above_the_threshold() {
        let a = abstain(&rows(), 0.9);
        assert_eq!(a.kept, 3);
        assert!((a.coverage - 0.5).abs() < 1e-9);
        assert!((a.metrics.accuracy - 1.0).abs() < 1e-9);
        let all = abstain(&rows(), 0.0);
        assert_eq!(all.kept, 6);
        assert!((all.metrics.accuracy - 4.0 / 6.0).abs() < 1e-9);
    }

    #[test]
    fn the_threshold_for_a_precision_is_the_lowest_that_reaches_it() {
        // Kept at 0.90: 3/3 right; at 0.80: 3/4; at 0.70: 4/5; at 0.40: 4/6.
        assert_eq!(threshold_for_precision(&rows(), 1.0, 1), Some(0.90));
        assert_eq!(threshold_for_precision(&rows(), 0.8, 1), Some(0.70));
        assert_eq!(threshold_for_precision(&rows(), 0.6, 1), Some(0.40));
        assert_eq!(threshold_for_precision(&rows(), 1.0, 4), None);
        let wrong = vec![(Assertion, Denial, 0.9)];
        assert_eq!(threshold_for_precision(&wrong, 0.5, 1), None);
    }

    #[test]
    fn risk_coverage_runs_from_full_coverage_down_and_accuracy_rises() {
        let curve = RiskCoverage::measure(&rows(), 3);
        let coverages: Vec<f64> = curve.points.iter().map(|p| p.coverage).collect();
        assert_eq!(coverages.len(), 3);
        assert!((coverages[0] - 1.0).abs() < 1e-9);
        assert!((coverages[2] - 2.0 / 6.0).abs() < 1e-9);
        assert!(curve.points[2].accuracy >= curve.points[0].accuracy);
    }

    #[test]
    fn ties_at_the_cut_are_kept_together() {
        let tied = vec![
            (Assertion, Assertion, 0.9),
            (Denial, Assertion, 0.9),
            (Denial, Denial, 0.5),
        ];
        let curve = RiskCoverage::measure(&tied, 3);
        // 1/3 coverage would split the two rows at 0.9: the point keeps both.
        assert!(curve.points.iter().all(|p| p.coverage != 1.0 / 3.0));
    }
}
