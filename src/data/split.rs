//! Data splitting: seeded, deterministic, stratified assignment of rows to cross-validation
//! folds.
//!
//! In: the label of every row, a fold count and a seed. Out: a fold index per row. The same labels and seed always give the same split: the rows of each label,
//! taken in [`Stance::ALL`] order, are shuffled by one `ChaCha8Rng` seeded with `seed`, so each
//! label is spread evenly over the parts.

use crate::error::{Error, Result};
use crate::label::Stance;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// Assigns every row to one of `k` cross-validation folds, stratified by label.
///
/// Returns one fold index in `0..k` per row of `labels`. The rows of each label are shuffled
/// and dealt round-robin, the deal continuing from label to label, so every fold holds an equal
/// share of each label and of all rows (±1).
///
/// # Errors
/// [`Error::InvalidParam`] named `folds` when `k` is below 2 or above the rows of the rarest
/// label: every held-out fold must hold every label, or its macro-F1 averages over labels it
/// never saw (six folds of five rows per label once reported macro-F1 1.0 beside per-label
/// F1 0.83).
pub fn stratified_folds(labels: &[Stance], k: usize, seed: u64) -> Result<Vec<usize>> {
    let rarest = Stance::ALL
        .iter()
        .map(|&stance| (stance, labels.iter().filter(|&&l| l == stance).count()))
        .min_by_key(|&(_, n)| n)
        .expect("three labels");
    if k < 2 || k > rarest.1 {
        return Err(Error::InvalidParam {
            name: "folds",
            value: k.to_string(),
            reason: format!(
                "must be at least 2 and at most the rows of the rarest label ({} {})",
                rarest.0, rarest.1
            ),
        });
    }
    let mut folds = vec![0; labels.len()];
    let mut next = 0;
    for rows in shuffled_rows_by_label(labels, seed) {
        for row in rows {
            folds[row] = next;
            next = (next + 1) % k;
        }
    }
    Ok(folds)
}

/// The row indices of each label, in [`Stance::ALL`] order, each list shuffled by one rng.
fn shuffled_rows_by_label(labels: &[Stance], seed: u64) -> Vec<Vec<usize>> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    Stance::ALL
        .iter()
        .map(|&stance| {
            let mut rows: Vec<usize> = (0..labels.len())
                .filter(|&row| labels[row] == stance)
                .collect();
            rows.shuffle(&mut rng);
            rows
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 60 rows: 30 assertions, 20 denials, 10 allegations, interleaved.
    fn sixty_rows() -> Vec<Stance> {
        (0..60)
            .map(|i| match i % 6 {
                0..=2 => Stance::Assertion,
                3 | 4 => Stance::Denial,
                _ => Stance::Allegation,
            })
            .collect()
    }

    fn count(labels: &[Stance], rows: impl Iterator<Item = usize>, stance: Stance) -> usize {
        rows.filter(|&row| labels[row] == stance).count()
    }

    #[test]
    fn folds_depend_only_on_the_seed() {
        let labels = sixty_rows();
        let a = stratified_folds(&labels, 5, 7).expect("valid folds");
        let b = stratified_folds(&labels, 5, 7).expect("valid folds");
        let c = stratified_folds(&labels, 5, 8).expect("valid folds");
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn folds_are_balanced_per_label_and_overall() {
        let labels = sixty_rows();
        for k in [2, 3, 4, 7, 10] {
            let folds = stratified_folds(&labels, k, 42).expect("valid folds");
            assert_eq!(folds.len(), labels.len());
            assert!(folds.iter().all(|&fold| fold < k));
            for stance in Stance::ALL {
                let sizes: Vec<usize> = (0..k)
                    .map(|fold| count(&labels, (0..60).filter(|&r| folds[r] == fold), stance))
                    .collect();
                let (min, max) = (sizes.iter().min(), sizes.iter().max());
                assert!(
                    max.zip(min).is_some_and(|(max, min)| max - min <= 1),
                    "{sizes:?}"
                );
                assert_eq!(sizes.iter().sum::<usize>(), count(&labels, 0..60, stance));
            }
            let totals: Vec<usize> = (0..k)
                .map(|fold| folds.iter().filter(|&&f| f == fold).count())
                .collect();
            let (min, max) = (totals.iter().min(), totals.iter().max());
            assert!(
                max.zip(min).is_some_and(|(max, min)| max - min <= 1),
                "{totals:?}"
            );
        }
    }

    #[test]
    fn bad_fold_counts_are_rejected() {
        let labels = sixty_rows();
        for k in [0, 1, 61] {
            let err = stratified_folds(&labels, k, 1).unwrap_err();
            assert!(matches!(err, Error::InvalidParam { name: "folds", .. }));
        }
        let err = stratified_folds(&[], 2, 1).unwrap_err();
        assert!(matches!(err, Error::InvalidParam { name: "folds", .. }));
        let rarest = Stance::ALL
            .iter()
            .map(|&s| labels.iter().filter(|&&l| l == s).count())
            .min()
            .unwrap();
        assert!(stratified_folds(&labels, rarest, 1).is_ok());
        let err = stratified_folds(&labels, rarest + 1, 1).unwrap_err();
        assert!(err.to_string().contains("rarest label"), "{err}");
    }
}
