//! Evaluation metrics: confusion matrix, per-label precision / recall / F1 / support,
//! accuracy and macro-F1, with a text report and a serialisable summary.

use crate::label::Stance;
use serde::Serialize;
use std::fmt::Write as _;

/// Counts of (true label, predicted label) pairs over the three labels.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ConfusionMatrix {
    /// `counts[true][predicted]`, indexed by [`Stance::index`].
    pub counts: [[usize; 3]; 3],
}

/// Precision, recall, F1 and support of one label.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LabelScores {
    /// The label.
    pub label: Stance,
    /// Of the rows predicted as the label, the share that carry it.
    pub precision: f64,
    /// Of the rows that carry the label, the share predicted as it.
    pub recall: f64,
    /// Harmonic mean of precision and recall.
    pub f1: f64,
    /// Rows that carry the label.
    pub support: usize,
}

/// Everything `stance eval` reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Metrics {
    /// Rows evaluated.
    pub rows: usize,
    /// Share of rows predicted right.
    pub accuracy: f64,
    /// Unweighted mean F1 over the labels present in the truth or the predictions (as
    /// scikit-learn's `f1_score(average="macro")`).
    pub macro_f1: f64,
    /// Scores per label, in label order.
    pub per_label: Vec<LabelScores>,
    /// The confusion matrix.
    pub confusion: ConfusionMatrix,
}

impl ConfusionMatrix {
    /// Counts pairs of (truth, prediction).
    pub fn from_pairs(pairs: impl IntoIterator<Item = (Stance, Stance)>) -> ConfusionMatrix {
        let mut m = ConfusionMatrix::default();
        for (truth, predicted) in pairs {
            m.counts[truth.index()][predicted.index()] += 1;
        }
        m
    }

    /// Rows counted.
    pub fn total(&self) -> usize {
        self.counts.iter().flatten().sum()
    }

    /// Rows that carry `label`.
    pub fn support(&self, label: Stance) -> usize {
        self.counts[label.index()].iter().sum()
    }

    /// Rows predicted as `label`.
    pub fn predicted(&self, label: Stance) -> usize {
        self.counts.iter().map(|row| row[label.index()]).sum()
    }

    /// Rows predicted right.
    pub fn correct(&self) -> usize {
        (0..3).map(|i| self.counts[i][i]).sum()
    }

    /// All metrics derived from the matrix.
    pub fn metrics(&self) -> Metrics {
        let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        let per_label: Vec<LabelScores> = Stance::ALL
            .iter()
            .map(|&label| {
                let tp = self.counts[label.index()][label.index()];
                let precision = ratio(tp, self.predicted(label));
                let recall = ratio(tp, self.support(label));
                let f1 = if precision + recall == 0.0 {
                    0.0
                } else {
                    2.0 * precision * recall / (precision + recall)
                };
                LabelScores {
                    label,
                    precision,
                    recall,
                    f1,
                    support: self.support(label),
                }
            })
            .collect();
        let present: Vec<&LabelScores> = per_label
            .iter()
            .filter(|s| s.support > 0 || self.predicted(s.label) > 0)
            .collect();
        let macro_f1 = if present.is_empty() {
            0.0
        } else {
            present.iter().map(|s| s.f1).sum::<f64>() / present.len() as f64
        };
        Metrics {
            rows: self.total(),
            accuracy: ratio(self.correct(), self.total()),
            macro_f1,
            per_label,
            confusion: self.clone(),
        }
    }
}

impl Metrics {
    /// Metrics of paired truths and predictions.
    pub fn from_pairs(pairs: impl IntoIterator<Item = (Stance, Stance)>) -> Metrics {
        ConfusionMatrix::from_pairs(pairs).metrics()
    }

    /// A human-readable report: headline, per-label table, confusion matrix, and the
    /// confusions named as shares of each label ("denial misread as assertion: 12.5%").
    pub fn report(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "rows {}  accuracy {:.4}  macro-F1 {:.4}\n",
            self.rows, self.accuracy, self.macro_f1
        );
        let _ = writeln!(
            out,
            "{:<12} {:>9} {:>9} {:>9} {:>9}",
            "label", "precision", "recall", "f1", "support"
        );
        for s in &self.per_label {
            let _ = writeln!(
                out,
                "{:<12} {:>9.4} {:>9.4} {:>9.4} {:>9}",
                s.label.as_str(),
                s.precision,
                s.recall,
                s.f1,
                s.support
            );
        }
        let _ = writeln!(out, "\nconfusion (rows: true label, columns: predicted)");
        let _ = write!(out, "{:<12}", "");
        for label in Stance::ALL {
            let _ = write!(out, " {:>10}", label.as_str());
        }
        let _ = writeln!(out);
        for truth in Stance::ALL {
            let _ = write!(out, "{:<12}", truth.as_str());
            for predicted in Stance::ALL {
                let _ = write!(
                    out,
                    " {:>10}",
                    self.confusion.counts[truth.index()][predicted.index()]
                );
            }
            let _ = writeln!(out);
        }
        let mut confusions = Vec::new();
        for truth in Stance::ALL {
            let support = self.confusion.support(truth);
            for predicted in Stance::ALL {
                let n = self.confusion.counts[truth.index()][predicted.index()];
                if truth != predicted && n > 0 {
                    confusions.push((n as f64 / support as f64, truth, predicted, n));
                }
            }
        }
        confusions.sort_by(|a, b| b.0.total_cmp(&a.0));
        if !confusions.is_empty() {
            let _ = writeln!(out);
            for (share, truth, predicted, n) in confusions {
                let _ = writeln!(
                    out,
                    "{truth} misread as {predicted}: {:.1}% ({n})",
                    100.0 * share
                );
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use linfa::prelude::ToConfusionMatrix;
    use ndarray::Array1;
    use Stance::*;

    fn pairs() -> Vec<(Stance, Stance)> {
        vec![
            (Assertion, Assertion),
            (Assertion, Assertion),
            (Assertion, Denial),
            (Denial, Denial),
            (Denial, Allegation),
            (Allegation, Allegation),
            (Allegation, Assertion),
            (Allegation, Allegation),
        ]
    }

    #[test]
    fn scores_match_hand_computation() {
        let m = Metrics::from_pairs(pairs());
        assert_eq!(m.rows, 8);
        assert!((m.accuracy - 5.0 / 8.0).abs() < 1e-12);
        let a = &m.per_label[0];
        assert!((a.precision - 2.0 / 3.0).abs() < 1e-12);
        assert!((a.recall - 2.0 / 3.0).abs() < 1e-12);
        let d = &m.per_label[1];
        assert!((d.precision - 0.5).abs() < 1e-12 && (d.recall - 0.5).abs() < 1e-12);
        let l = &m.per_label[2];
        assert!((l.precision - 2.0 / 3.0).abs() < 1e-12 && (l.recall - 2.0 / 3.0).abs() < 1e-12);
        let expected_macro = (2.0 / 3.0 + 0.5 + 2.0 / 3.0) / 3.0;
        assert!((m.macro_f1 - expected_macro).abs() < 1e-12);
    }

    #[test]
    fn accuracy_agrees_with_linfa() {
        let (truth, predicted): (Vec<Stance>, Vec<Stance>) = pairs().into_iter().unzip();
        let ours = Metrics::from_pairs(pairs());
        let index = |v: Vec<Stance>| Array1::from_iter(v.into_iter().map(Stance::index));
        let theirs = index(predicted).confusion_matrix(index(truth)).unwrap();
        assert!((ours.accuracy - f64::from(theirs.accuracy())).abs() < 1e-6);
    }

    #[test]
    fn absent_labels_do_not_count_in_macro_f1() {
        let m = Metrics::from_pairs([(Assertion, Assertion), (Denial, Denial)]);
        assert!((m.macro_f1 - 1.0).abs() < 1e-12);
    }

    #[test]
    fn report_names_the_confusions() {
        let report = Metrics::from_pairs(pairs()).report();
        assert!(
            report.contains("denial misread as allegation: 50.0% (1)"),
            "{report}"
        );
        assert!(report.contains("macro-F1 0.6111"), "{report}");
    }
}
