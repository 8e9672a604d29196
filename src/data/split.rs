//! Data splitting: seeded, deterministic, stratified assignment of rows to cross-validation
//! folds or to a train and a dev set.
//!
//! In: the label of every row, a fold count or dev fraction, and a seed. Out: fold indices or
//! row indices. The same labels and seed always give the same split: the rows of each label,
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
/// [`Error::InvalidParam`] named `folds` when `k` is below 2 or above the number of rows.
pub fn stratified_folds(labels: &[Stance], k: usize, seed: u64) -> Result<Vec<usize>> {
    if k < 2 || k > labels.len() {
        return Err(Error::InvalidParam {
            name: "folds",
            value: k.to_string(),
            reason: format!(
                "must be at least 2 and at most the number of rows ({})",
                labels.len()
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

/// Holds out a stratified dev set: about `dev_fraction` of the rows of each label.
///
/// Returns the sorted row indices of the train set and of the dev set; together they hold every
/// row once. A label with `n` rows gives `round(n * dev_fraction)` of them to dev, but at least
/// one and at most `n - 1` when `n >= 2`; a label with a single row keeps it in train.
///
/// # Errors
/// [`Error::InvalidParam`] named `dev-fraction` when `dev_fraction` is not strictly between 0
/// and 1.
pub fn train_dev_split(
    labels: &[Stance],
    dev_fraction: f64,
    seed: u64,
) -> Result<(Vec<usize>, Vec<usize>)> {
    if !(dev_fraction > 0.0 && dev_fraction < 1.0) {
        return Err(Error::InvalidParam {
            name: "dev-fraction",
            value: dev_fraction.to_string(),
            reason: "must be strictly between 0 and 1".into(),
        });
    }
    let mut train = Vec::with_capacity(labels.len());
    let mut dev = Vec::new();
    for rows in shuffled_rows_by_label(labels, seed) {
        let n = rows.len();
        // Rounding a product of a count and a fraction in (0, 1): the cast cannot overflow.
        let mut n_dev = (n as f64 * dev_fraction).round() as usize;
        if n >= 2 {
            n_dev = n_dev.clamp(1, n - 1);
        } else {
            n_dev = 0;
        }
        dev.extend_from_slice(&rows[..n_dev]);
        train.extend_from_slice(&rows[n_dev..]);
    }
    train.sort_unstable();
    dev.sort_unstable();
    Ok((train, dev))
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
        assert!(stratified_folds(&labels, 60, 1).is_ok());
    }

    #[test]
    fn dev_split_is_seeded_stratified_and_complete() {
        let labels = sixty_rows();
        let (train, dev) = train_dev_split(&labels, 0.2, 3).expect("valid split");
        assert_eq!((train.len(), dev.len()), (48, 12));
        assert_eq!(count(&labels, dev.iter().copied(), Stance::Assertion), 6);
        assert_eq!(count(&labels, dev.iter().copied(), Stance::Denial), 4);
        assert_eq!(count(&labels, dev.iter().copied(), Stance::Allegation), 2);
        assert!(train.windows(2).all(|w| w[0] < w[1]));
        assert!(dev.windows(2).all(|w| w[0] < w[1]));
        let mut all: Vec<usize> = train.iter().chain(&dev).copied().collect();
        all.sort_unstable();
        assert_eq!(all, (0..60).collect::<Vec<_>>());

        assert_eq!(
            train_dev_split(&labels, 0.2, 3).expect("valid split"),
            (train, dev.clone())
        );
        let (_, other_dev) = train_dev_split(&labels, 0.2, 4).expect("valid split");
        assert_ne!(dev, other_dev);
    }

    #[test]
    fn small_labels_keep_a_row_on_each_side() {
        let labels = [
            Stance::Assertion,
            Stance::Assertion,
            Stance::Denial,
            Stance::Allegation,
            Stance::Allegation,
            Stance::Allegation,
        ];
        let (train, dev) = train_dev_split(&labels, 0.01, 9).expect("valid split");
        // Two assertions and three allegations: one of each in dev; the lone denial trains.
        assert_eq!(dev.len(), 2);
        assert!(train.contains(&2));
        assert_eq!(train.len(), 4);
    }

    #[test]
    fn bad_dev_fractions_are_rejected() {
        let labels = sixty_rows();
        for fraction in [0.0, 1.0, -0.5, 1.5, f64::NAN] {
            let err = train_dev_split(&labels, fraction, 1).unwrap_err();
            assert!(matches!(
                err,
                Error::InvalidParam {
                    name: "dev-fraction",
                    ..
                }
            ));
        }
    }
}
