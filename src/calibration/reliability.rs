//! Whether confidences can be trusted: expected calibration error over equal-width bins of
//! the top label's confidence, the multi-class Brier score, log-loss, the reliability bins
//! themselves, and each label's precision per confidence band.

use crate::label::Stance;
use serde::Serialize;

/// Bins of the reliability diagram and the ECE.
pub const DEFAULT_BINS: usize = 15;
/// Lower edges of the confidence bands of [`BandPrecision`] (each runs to the next edge, the
/// last to 1).
pub const BANDS: [f32; 5] = [0.0, 0.5, 0.7, 0.9, 0.95];

/// One bin of the reliability diagram.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ReliabilityBin {
    /// Lower edge of the confidence range (inclusive).
    pub low: f32,
    /// Upper edge (exclusive, except for the last bin).
    pub high: f32,
    /// Rows whose top confidence falls in the bin.
    pub rows: usize,
    /// Their mean confidence.
    pub confidence: f64,
    /// Their accuracy.
    pub accuracy: f64,
}

/// Precision of one label among the rows predicted as it within one confidence band.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct BandPrecision {
    /// The predicted label.
    pub label: Stance,
    /// Lower edge of the band (inclusive).
    pub low: f32,
    /// Upper edge (exclusive, except 1).
    pub high: f32,
    /// Rows predicted as the label in the band.
    pub rows: usize,
    /// The share of them that carry the label (NaN-free: 0 rows give 0).
    pub precision: f64,
}

/// Calibration measures of a set of predictions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reliability {
    /// Expected calibration error: the row-weighted mean |accuracy - confidence| over bins.
    pub ece: f64,
    /// Mean over rows of the squared distance between the probability vector and the one-hot
    /// truth (0 is perfect, 2 the worst).
    pub brier: f64,
    /// Mean negative log-probability of the true label.
    pub log_loss: f64,
    /// The reliability diagram's bins (empty bins included).
    pub bins: Vec<ReliabilityBin>,
    /// Per predicted label, precision in each confidence band of [`BANDS`].
    pub bands: Vec<BandPrecision>,
}

/// Index of the top probability (the first on ties, as the model's argmax).
fn top(p: &[f32]) -> usize {
    crate::model::fitted::argmax(p)
}

impl Reliability {
    /// Measures `probabilities` (one vector per row, in [`Stance::ALL`] order) against the
    /// `gold` labels with `n_bins` equal-width bins.
    pub fn measure(probabilities: &[Vec<f32>], gold: &[Stance], n_bins: usize) -> Reliability {
        let n = probabilities.len().min(gold.len());
        let n_bins = n_bins.max(1);
        let mut count = vec![0usize; n_bins];
        let mut conf_sum = vec![0f64; n_bins];
        let mut correct = vec![0usize; n_bins];
        let (mut brier, mut log_loss) = (0f64, 0f64);
        for (p, truth) in probabilities.iter().zip(gold).take(n) {
            let best = top(p);
            let confidence = f64::from(p[best]);
            let bin = ((confidence * n_bins as f64) as usize).min(n_bins - 1);
            count[bin] += 1;
            conf_sum[bin] += confidence;
            correct[bin] += usize::from(best == truth.index());
            brier += p
                .iter()
                .enumerate()
                .map(|(k, &pk)| {
                    let y = if k == truth.index() { 1.0 } else { 0.0 };
                    (f64::from(pk) - y).powi(2)
                })
                .sum::<f64>();
            log_loss -= f64::from(p[truth.index()]).max(1e-12).ln();
        }
        let bins: Vec<ReliabilityBin> = (0..n_bins)
            .map(|b| ReliabilityBin {
                low: b as f32 / n_bins as f32,
                high: (b + 1) as f32 / n_bins as f32,
                rows: count[b],
                confidence: ratio(conf_sum[b], count[b]),
                accuracy: ratio(correct[b] as f64, count[b]),
            })
            .collect();
        let ece = bins
            .iter()
            .map(|b| b.rows as f64 * (b.accuracy - b.confidence).abs())
            .sum::<f64>()
            / n.max(1) as f64;
        Reliability {
            ece,
            brier: brier / n.max(1) as f64,
            log_loss: log_loss / n.max(1) as f64,
            bins,
            bands: band_precision(probabilities, gold),
        }
    }
}

fn ratio(sum: f64, n: usize) -> f64 {
    if n == 0 {
        0.0
    } else {
        sum / n as f64
    }
}

fn band_precision(probabilities: &[Vec<f32>], gold: &[Stance]) -> Vec<BandPrecision> {
    let band_of = |c: f32| BANDS.iter().rposition(|&low| c >= low).unwrap_or(0);
    let mut rows = [[0usize; BANDS.len()]; 3];
    let mut right = [[0usize; BANDS.len()]; 3];
    for (p, truth) in probabilities.iter().zip(gold) {
        let best = top(p);
        let band = band_of(p[best]);
        rows[best][band] += 1;
        right[best][band] += usize::from(best == truth.index());
    }
    Stance::ALL
        .iter()
        .flat_map(|&label| (0..BANDS.len()).map(move |band| (label, band)))
        .map(|(label, band)| BandPrecision {
            label,
            low: BANDS[band],
            high: BANDS.get(band + 1).copied().unwrap_or(1.0),
            rows: rows[label.index()][band],
            precision: ratio(right[label.index()][band] as f64, rows[label.index()][band]),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use Stance::*;

    #[test]
    fn perfectly_calibrated_bins_have_zero_ece() {
        // Two rows at 0.5 confidence, one right: accuracy 0.5 = confidence 0.5.
        let p = vec![vec![0.5, 0.3, 0.2], vec![0.5, 0.3, 0.2]];
        let r = Reliability::measure(&p, &[Assertion, Denial], 10);
        assert!(r.ece.abs() < 1e-9, "{r:?}");
        assert_eq!(r.bins.iter().map(|b| b.rows).sum::<usize>(), 2);
    }

    #[test]
    fn overconfidence_shows_as_ece_and_brier() {
        // Confidence 0.9, accuracy 0.5: ECE 0.4.
        let p = vec![vec![0.9, 0.05, 0.05], vec![0.05, 0.9, 0.05]];
        let r = Reliability::measure(&p, &[Assertion, Allegation], 10);
        assert!((r.ece - 0.4).abs() < 1e-6, "{}", r.ece);
        // Row 1: (0.1² + 0.05² + 0.05²); row 2: (0.05² + 0.9² + 0.95²).
        let want = ((0.01 + 0.0025 + 0.0025) + (0.0025 + 0.81 + 0.9025)) / 2.0;
        assert!((r.brier - want).abs() < 1e-6, "{}", r.brier);
        let want_ll = (-(0.9f64.ln()) - 0.05f64.ln()) / 2.0;
        assert!((r.log_loss - want_ll).abs() < 1e-5);
    }

    #[test]
    fn band_precision_counts_rows_per_predicted_label() {
        let p = vec![
            vec![0.96, 0.02, 0.02],
            vec![0.97, 0.02, 0.01],
            vec![0.6, 0.3, 0.1],
            vec![0.1, 0.1, 0.8],
        ];
        let r = Reliability::measure(&p, &[Assertion, Denial, Assertion, Allegation], 10);
        let get = |label: Stance, low: f32| {
            *r.bands
                .iter()
                .find(|b| b.label == label && b.low == low)
                .unwrap()
        };
        assert_eq!(get(Assertion, 0.95).rows, 2);
        assert!((get(Assertion, 0.95).precision - 0.5).abs() < 1e-9);
        assert_eq!(get(Assertion, 0.5).rows, 1);
        assert_eq!(get(Allegation, 0.7).rows, 1);
        assert_eq!(get(Denial, 0.9).rows, 0);
    }
}
