//! TF-IDF weighting: inverse document frequencies fitted on training rows only, then
//! (sublinear) term frequency x IDF, L2-normalised per row.

use crate::features::bucket_set::BucketSet;
use serde::{Deserialize, Serialize};

/// Smoothed IDF per bucket: `ln((1 + n) / (1 + df)) + 1` (scikit-learn's `smooth_idf`), and
/// 0 for buckets no training row has, so features never seen in training are ignored (as a
/// vocabulary-based vectoriser ignores unknown words) instead of diluting the row's norm.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IdfWeights {
    #[serde(with = "crate::serde_f32::vec")]
    idf: Vec<f32>,
    n_documents: usize,
}

/// Accumulates document frequencies one row at a time, so IDF can be fitted in a stream.
#[derive(Debug, Clone)]
pub struct IdfAccumulator {
    document_frequency: Vec<u32>,
    n_documents: usize,
}

impl IdfAccumulator {
    /// An empty accumulator over `n_features` buckets.
    pub fn new(n_features: usize) -> IdfAccumulator {
        IdfAccumulator {
            document_frequency: vec![0; n_features],
            n_documents: 0,
        }
    }

    /// Counts one row's buckets (each bucket once; rows from `Featurizer::counts` are unique).
    pub fn add(&mut self, counts: &[(u32, f32)]) {
        self.n_documents += 1;
        for &(bucket, _) in counts {
            self.document_frequency[bucket as usize] += 1;
        }
    }

    /// The fitted weights; buckets seen in fewer than `min_df` rows get IDF 0 (ignored), as
    /// scikit-learn's `min_df` drops rare terms.
    pub fn finish(self, min_df: u32) -> IdfWeights {
        let n = self.n_documents as f64;
        let idf = self
            .document_frequency
            .iter()
            .map(|&df| {
                if df == 0 || df < min_df {
                    0.0
                } else {
                    (((1.0 + n) / (1.0 + f64::from(df))).ln() + 1.0) as f32
                }
            })
            .collect();
        IdfWeights {
            idf,
            n_documents: self.n_documents,
        }
    }
}

impl IdfWeights {
    /// Fits IDF on a set of count rows.
    pub fn fit<'a>(
        n_features: usize,
        rows: impl IntoIterator<Item = &'a [(u32, f32)]>,
    ) -> IdfWeights {
        let mut acc = IdfAccumulator::new(n_features);
        for row in rows {
            acc.add(row);
        }
        acc.finish(1)
    }

    /// Each bucket's weight.
    pub fn values(&self) -> &[f32] {
        &self.idf
    }

    /// The number of buckets.
    pub fn len(&self) -> usize {
        self.idf.len()
    }

    /// True when there are no buckets.
    pub fn is_empty(&self) -> bool {
        self.idf.is_empty()
    }

    /// The number of training rows the weights were fitted on.
    pub fn n_documents(&self) -> usize {
        self.n_documents
    }

    /// The IDF of one bucket.
    pub fn get(&self, bucket: u32) -> f32 {
        self.idf.get(bucket as usize).copied().unwrap_or(0.0)
    }

    /// Turns a row of counts into TF-IDF values in place: zero-IDF buckets are dropped, the
    /// row is scaled to unit L2 norm when asked (an empty row stays empty), and fixed buckets
    /// (binary features) get the value 1 outside the norm.
    pub fn transform(&self, row: &mut Vec<(u32, f32)>, options: Weighting<'_>) {
        transform_by(row, options, |bucket| self.get(bucket));
    }

    /// The same as [`IdfWeights::transform`] for a row stored as parallel slices (a CSR row):
    /// zero-IDF buckets keep a zero value instead of being dropped.
    pub fn transform_slices(&self, indices: &[u32], values: &mut [f32], options: Weighting<'_>) {
        for (bucket, value) in indices.iter().zip(values.iter_mut()) {
            *value = weigh(*value, self.get(*bucket), options.sublinear);
        }
        let norm = row_norm(indices.iter().copied().zip(values.iter().copied()), options);
        scale_row(
            indices.iter().copied().zip(values.iter_mut()),
            norm,
            options,
        );
    }
}

/// How counts become values.
#[derive(Debug, Clone, Copy)]
pub struct Weighting<'a> {
    /// `1 + ln(count)` instead of the count.
    pub sublinear: bool,
    /// Scale the weighted features to unit L2 norm.
    pub unit_norm: bool,
    /// Buckets of binary features: value 1, outside the norm.
    pub fixed: &'a BucketSet,
}

/// The TF-IDF value of a count in a bucket of IDF `idf`: `tf x idf`, where `tf` is the count
/// or, when `sublinear`, `1 + ln(count)`.
fn weigh(count: f32, idf: f32, sublinear: bool) -> f32 {
    let tf = if sublinear { 1.0 + count.ln() } else { count };
    tf * idf
}

/// [`IdfWeights::transform`] with the IDF of each bucket from `idf_of`, for callers that keep
/// the IDF elsewhere (next to the weights, see [`crate::scorer`]).
pub fn transform_by(
    row: &mut Vec<(u32, f32)>,
    options: Weighting<'_>,
    idf_of: impl Fn(u32) -> f32,
) {
    // Weigh every feature first, then drop the zero ones: the IDF loads (cache misses, in
    // random buckets) of a loop without branches overlap far better than inside `retain`.
    for (bucket, value) in row.iter_mut() {
        *value = weigh(*value, idf_of(*bucket), options.sublinear);
    }
    row.retain(|&(bucket, value)| value != 0.0 || options.fixed.contains(bucket));
    let norm = row_norm(row.iter().copied(), options);
    scale_row(row.iter_mut().map(|(j, v)| (*j, v)), norm, options);
}

/// The L2 norm of the row's weighted (not fixed) values when `unit_norm` is asked, else 0.
fn row_norm(row: impl Iterator<Item = (u32, f32)>, options: Weighting<'_>) -> f32 {
    if !options.unit_norm {
        return 0.0;
    }
    // Summed in row order over the same values as ever, so norms stay bit-identical.
    row.filter(|(j, _)| !options.fixed.contains(*j))
        .map(|(_, v)| v * v)
        .sum::<f32>()
        .sqrt()
}

/// Divides the weighted values by `norm` (when above 0) and sets the fixed buckets to 1.
fn scale_row<'v>(row: impl Iterator<Item = (u32, &'v mut f32)>, norm: f32, options: Weighting<'_>) {
    for (j, v) in row {
        if options.fixed.contains(j) {
            *v = 1.0;
        } else if norm > 0.0 {
            *v /= norm;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idf_matches_the_smoothed_formula() {
        let rows: Vec<Vec<(u32, f32)>> = vec![vec![(0, 1.0), (1, 2.0)], vec![(0, 1.0)]];
        let idf = IdfWeights::fit(4, rows.iter().map(|r| r.as_slice()));
        assert_eq!(idf.n_documents(), 2);
        assert!((idf.get(0) - 1.0).abs() < 1e-6); // ln(3/3) + 1
        assert!((idf.get(1) - ((3.0f32 / 2.0).ln() + 1.0)).abs() < 1e-6);
        assert_eq!(idf.get(2), 0.0); // never seen
        assert_eq!(idf.get(99), 0.0); // out of range
    }

    #[test]
    fn transform_weights_drops_unseen_and_normalises() {
        let rows: Vec<Vec<(u32, f32)>> = vec![vec![(0, 1.0), (1, 1.0)], vec![(0, 1.0)]];
        let idf = IdfWeights::fit(4, rows.iter().map(|r| r.as_slice()));
        let mut row = vec![(0, 3.0), (1, 1.0), (3, 5.0)];
        let options = Weighting {
            sublinear: true,
            unit_norm: true,
            fixed: &BucketSet::new(4, &[]),
        };
        idf.transform(&mut row, options);
        assert_eq!(row.iter().map(|r| r.0).collect::<Vec<_>>(), [0, 1]);
        let norm: f32 = row.iter().map(|r| r.1 * r.1).sum();
        assert!((norm - 1.0).abs() < 1e-6);
        let tf0 = 1.0 + 3.0f32.ln();
        let w1 = (3.0f32 / 2.0).ln() + 1.0;
        assert!((row[0].1 / row[1].1 - tf0 / w1).abs() < 1e-5);

        let indices = [0, 1, 3];
        let mut values = [3.0, 1.0, 5.0];
        idf.transform_slices(&indices, &mut values, options);
        assert_eq!(values[2], 0.0);
        assert_eq!((values[0], values[1]), (row[0].1, row[1].1));
    }
}
