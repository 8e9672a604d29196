//! Temperature scaling (Guo et al., 2017): one scalar `T` divides every logit before the
//! softmax. It leaves the argmax, hence every label, unchanged and only reshapes confidences.
//! `T` is fitted by minimising the negative log-likelihood of held-out rows.

use serde::{Deserialize, Serialize};

/// How a model's logits become probabilities.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    /// Logits are divided by this before the softmax; 1 means uncalibrated.
    pub temperature: f32,
    /// Held-out rows the temperature was fitted on (0 when not fitted).
    pub fitted_on: usize,
    /// Mean negative log-likelihood of those rows before scaling.
    pub nll_before: f64,
    /// The same after scaling.
    pub nll_after: f64,
}

impl Default for Calibration {
    fn default() -> Self {
        Calibration {
            temperature: 1.0,
            fitted_on: 0,
            nll_before: 0.0,
            nll_after: 0.0,
        }
    }
}

impl Calibration {
    /// Whether a temperature other than 1 was fitted.
    pub fn is_fitted(&self) -> bool {
        self.fitted_on > 0
    }

    /// Scales raw logits in place by the temperature.
    pub fn scale(&self, logits: &mut [f32]) {
        if self.temperature != 1.0 {
            let inverse = 1.0 / self.temperature;
            for l in logits.iter_mut() {
                *l *= inverse;
            }
        }
    }
}

/// Smallest temperature searched.
pub const T_MIN: f64 = 0.05;
/// Largest temperature searched.
pub const T_MAX: f64 = 20.0;

/// Whether `temperature` is one [`fit_temperature`] can give (1 included): anything else in a
/// model file is damage or forgery, and a tiny one turns every logit into infinity.
pub fn is_fitted_range(temperature: f32) -> bool {
    (T_MIN as f32..=T_MAX as f32).contains(&temperature)
}
/// Golden-section steps: the bracket shrinks by 0.618 per step, so 80 steps reach the
/// precision of an f64 on ln T.
const STEPS: usize = 80;

/// Mean negative log-likelihood of `gold` under softmax(`logits` / `t`).
fn nll(logits: &[Vec<f32>], gold: &[usize], t: f64) -> f64 {
    let total: f64 = logits
        .iter()
        .zip(gold)
        .map(|(row, &y)| {
            let scaled: Vec<f64> = row.iter().map(|&l| f64::from(l) / t).collect();
            let max = scaled.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let log_sum = scaled.iter().map(|s| (s - max).exp()).sum::<f64>().ln() + max;
            log_sum - scaled[y]
        })
        .sum();
    total / logits.len().max(1) as f64
}

/// Fits the temperature that minimises the mean negative log-likelihood of `gold` (class
/// indices) under the scaled `logits` (one row per held-out sentence).
///
/// Hand-written golden-section search on ln T: the problem has one variable and the NLL is
/// convex in 1/T (a log-sum-exp of functions linear in 1/T), so it is unimodal on ln T and
/// the search is exact and deterministic, where an optimiser crate would add a dependency for
/// fifteen lines. Returns the default (T = 1) for no rows.
pub fn fit_temperature(logits: &[Vec<f32>], gold: &[usize]) -> Calibration {
    if logits.is_empty() || logits.len() != gold.len() {
        return Calibration::default();
    }
    let ratio = (5f64.sqrt() - 1.0) / 2.0;
    let (mut lo, mut hi) = (T_MIN.ln(), T_MAX.ln());
    let f = |u: f64| nll(logits, gold, u.exp());
    let mut a = hi - ratio * (hi - lo);
    let mut b = lo + ratio * (hi - lo);
    let (mut fa, mut fb) = (f(a), f(b));
    for _ in 0..STEPS {
        if fa <= fb {
            hi = b;
            b = a;
            fb = fa;
            a = hi - ratio * (hi - lo);
            fa = f(a);
        } else {
            lo = a;
            a = b;
            fa = fb;
            b = lo + ratio * (hi - lo);
            fb = f(b);
        }
    }
    let t = ((lo + hi) / 2.0).exp();
    Calibration {
        temperature: t as f32,
        fitted_on: logits.len(),
        nll_before: nll(logits, gold, 1.0),
        nll_after: nll(logits, gold, f64::from(t as f32)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overconfident_logits_get_a_temperature_above_one() {
        // Logits say 0.99+ but only 3 of 4 rows are right: the fitted T softens them.
        let logits = vec![
            vec![8.0, 0.0, 0.0],
            vec![8.0, 0.0, 0.0],
            vec![8.0, 0.0, 0.0],
            vec![8.0, 0.0, 0.0],
        ];
        let gold = [0, 0, 0, 1];
        let c = fit_temperature(&logits, &gold);
        assert!(c.temperature > 1.5, "{c:?}");
        assert!(c.nll_after < c.nll_before);
        // At the optimum the mean confidence equals the accuracy (0.75).
        let p = (8.0 / c.temperature).exp() / ((8.0 / c.temperature).exp() + 2.0);
        assert!((p - 0.75).abs() < 1e-3, "{p}");
    }

    #[test]
    fn underconfident_logits_get_a_temperature_below_one() {
        let logits = vec![
            vec![0.5, 0.0, 0.0],
            vec![0.0, 0.5, 0.0],
            vec![0.0, 0.0, 0.5],
        ];
        let c = fit_temperature(&logits, &[0, 1, 2]);
        assert!(c.temperature < 0.5, "{c:?}");
    }

    #[test]
    fn scaling_keeps_the_order_of_logits() {
        let c = Calibration {
            temperature: 2.0,
            ..Calibration::default()
        };
        let mut logits = [3.0, -1.0, 2.0];
        c.scale(&mut logits);
        assert_eq!(logits, [1.5, -0.5, 1.0]);
    }

    #[test]
    fn no_rows_leave_the_model_uncalibrated() {
        let c = fit_temperature(&[], &[]);
        assert_eq!(c, Calibration::default());
        assert!(!c.is_fitted());
    }
}
