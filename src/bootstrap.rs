//! Bootstrap confidence intervals for evaluation figures: real labelled sets are small (50
//! allegations move their F1 by several points), so a score is reported with its 95% interval.
//!
//! In: (truth, prediction) pairs. Out: percentile intervals of macro-F1 and each label's F1
//! over resamples of the rows drawn with replacement, deterministic for a seed.

use crate::label::Stance;
use crate::metrics::ConfusionMatrix;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

/// Resamples drawn by default.
pub const DEFAULT_RESAMPLES: usize = 1000;
/// Seed of the default resampling.
pub const DEFAULT_SEED: u64 = 13;
/// Most resamples `stance eval --bootstrap` takes: a hundred times the default, far more than
/// percentile intervals need, yet each resample is a pass over every row and keeps four
/// numbers, so an unchecked count (99999999999) asked for 800 GB at once and aborted.
pub const MAX_RESAMPLES: usize = 100_000;

/// A two-sided interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Interval {
    /// Lower bound (2.5th percentile).
    pub low: f64,
    /// Upper bound (97.5th percentile).
    pub high: f64,
}

/// 95% intervals of the headline figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Intervals {
    /// Resamples drawn.
    pub resamples: usize,
    /// Macro-F1.
    pub macro_f1: Interval,
    /// Each label's F1, in label order.
    pub per_label_f1: Vec<(Stance, Interval)>,
}

/// Percentile bootstrap of macro-F1 and per-label F1 over `resamples` resamples of `pairs`;
/// `None` for no pairs or no resamples.
pub fn bootstrap(pairs: &[(Stance, Stance)], resamples: usize, seed: u64) -> Option<Intervals> {
    if pairs.is_empty() || resamples == 0 {
        return None;
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut macro_f1 = Vec::with_capacity(resamples);
    let mut per_label: [Vec<f64>; 3] = Default::default();
    for _ in 0..resamples {
        let mut matrix = ConfusionMatrix::default();
        for _ in 0..pairs.len() {
            let (truth, predicted) = pairs[rng.gen_range(0..pairs.len())];
            matrix.counts[truth.index()][predicted.index()] += 1;
        }
        let m = matrix.metrics();
        macro_f1.push(m.macro_f1);
        for s in &m.per_label {
            per_label[s.label.index()].push(s.f1);
        }
    }
    Some(Intervals {
        resamples,
        macro_f1: percentile_interval(&mut macro_f1),
        per_label_f1: Stance::ALL
            .iter()
            .map(|&l| (l, percentile_interval(&mut per_label[l.index()])))
            .collect(),
    })
}

/// The 2.5th and 97.5th percentiles (nearest rank).
fn percentile_interval(values: &mut [f64]) -> Interval {
    values.sort_by(f64::total_cmp);
    let at =
        |q: f64| values[((q * values.len() as f64).ceil() as usize).clamp(1, values.len()) - 1];
    Interval {
        low: at(0.025),
        high: at(0.975),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::Metrics;
    use Stance::*;

    fn pairs() -> Vec<(Stance, Stance)> {
        let mut p = vec![(Assertion, Assertion); 60];
        p.extend(vec![(Denial, Denial); 25]);
        p.extend(vec![(Allegation, Allegation); 8]);
        p.extend([
            (Allegation, Assertion),
            (Denial, Assertion),
            (Assertion, Allegation),
        ]);
        p.extend(vec![(Allegation, Denial); 4]);
        p
    }

    #[test]
    fn interval_holds_the_point_estimate_and_is_deterministic() {
        let p = pairs();
        let point = Metrics::from_pairs(p.iter().copied());
        let a = bootstrap(&p, 500, 1).unwrap();
        assert!(a.macro_f1.low < point.macro_f1 && point.macro_f1 < a.macro_f1.high);
        assert!(a.macro_f1.high - a.macro_f1.low > 0.02, "{a:?}");
        let allegation = a.per_label_f1[Allegation.index()].1;
        let assertion = a.per_label_f1[Assertion.index()].1;
        // 13 allegations against 61 assertions: the rarer label's F1 is far less certain
        assert!(allegation.high - allegation.low > 2.0 * (assertion.high - assertion.low));
        assert_eq!(bootstrap(&p, 500, 1), Some(a));
    }

    #[test]
    fn perfect_predictions_give_a_point_interval_and_no_pairs_none() {
        let p = vec![
            (Assertion, Assertion),
            (Denial, Denial),
            (Allegation, Allegation),
        ];
        let i = bootstrap(&p, 200, 3).unwrap();
        assert_eq!(i.macro_f1.high, 1.0);
        assert!(bootstrap(&[], 10, 3).is_none());
    }

    #[test]
    fn percentiles_take_the_nearest_rank() {
        let mut v: Vec<f64> = (1..=1000).map(f64::from).collect();
        let i = percentile_interval(&mut v);
        assert_eq!((i.low, i.high), (25.0, 975.0));
    }
}
