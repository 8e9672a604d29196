//! Matrices stored as 8-bit integers with one `f32` scale per row, as the fine-tuned model
//! file keeps its trained layers: a quarter of the `f32` size (six layers of 1.8M weights
//! each take 11 MB instead of 43), small enough to ship beside the linear model. Symmetric,
//! round to nearest: a row's largest magnitude becomes ±127, so each weight moves by at
//! most half its row's step (max |w| / 254).
//!
//! Hand-written: candle's own quantised types are for its GGML kernels (blocks of 32 with
//! `f16` scales, a lossier format whose matmul this code does not use), and the rule is a
//! few lines.

use serde::{Deserialize, Serialize};

/// A row-major matrix as 8-bit integers `q` and a scale per row: value `q · scale`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Int8Rows {
    /// One scale per row.
    #[serde(with = "crate::serde_f32::vec")]
    scales: Vec<f32>,
    /// The integers, row-major, as their two's-complement bytes.
    #[serde(with = "serde_bytes")]
    bytes: Vec<u8>,
}

impl Int8Rows {
    /// `values` (row-major, rows of `columns` values, all finite) quantised row by row.
    /// `columns` must divide `values.len()` (the caller's shape says so).
    pub(crate) fn quantise(values: &[f32], columns: usize) -> Int8Rows {
        let columns = columns.max(1);
        debug_assert!(values.len() % columns == 0, "rows of {columns} values");
        debug_assert!(values.iter().all(|v| v.is_finite()), "finite values");
        let mut scales = Vec::with_capacity(values.len() / columns);
        let mut bytes = Vec::with_capacity(values.len());
        for row in values.chunks(columns) {
            let largest = row.iter().fold(0f32, |m, v| m.max(v.abs()));
            let scale = largest / 127.0;
            scales.push(scale);
            bytes.extend(row.iter().map(|&v| {
                let q = if scale > 0.0 {
                    (v / scale).round().clamp(-127.0, 127.0)
                } else {
                    0.0
                };
                q as i8 as u8
            }));
        }
        Int8Rows { scales, bytes }
    }

    /// The values back as `f32`, row-major, for a matrix of `rows` rows of `columns`; `None`
    /// when it holds another number of rows or values, or a scale that is negative or not
    /// finite (a damaged file).
    pub(crate) fn dequantise(&self, rows: usize, columns: usize) -> Option<Vec<f32>> {
        let fits = self.scales.len() == rows
            && rows.checked_mul(columns) == Some(self.bytes.len())
            && self.scales.iter().all(|s| s.is_finite() && *s >= 0.0);
        if !fits {
            return None;
        }
        if self.bytes.is_empty() {
            return Some(Vec::new());
        }
        Some(
            self.bytes
                .chunks(columns)
                .zip(&self.scales)
                .flat_map(|(row, &scale)| row.iter().map(move |&b| f32::from(b as i8) * scale))
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_rows_largest_magnitude_becomes_127_and_zero_rows_stay_zero() {
        let values = [0.5, -1.0, 0.25, 0.0, 0.0, 0.0, 3.0, 1.5, -0.75];
        let q = Int8Rows::quantise(&values, 3);
        assert_eq!(q.scales.len(), 3);
        assert_eq!(q.bytes[1] as i8, -127);
        assert_eq!(q.bytes[6] as i8, 127);
        assert_eq!(&q.bytes[3..6], &[0, 0, 0]);
        let back = q.dequantise(3, 3).unwrap();
        assert_eq!(&back[3..6], &[0.0, 0.0, 0.0]);
        assert!((back[7] - 1.5).abs() <= 3.0 / 254.0);
    }

    #[test]
    fn refuses_what_does_not_fill_the_shape_and_bad_scales() {
        let q = Int8Rows::quantise(&[1.0, 2.0, 3.0, 4.0], 2);
        assert!(q.dequantise(2, 2).is_some());
        assert_eq!(q.dequantise(1, 4), None, "another row count");
        assert_eq!(q.dequantise(2, 3), None, "another column count");
        assert_eq!(q.dequantise(2, usize::MAX), None, "a size that overflows");
        let mut short = q.clone();
        short.bytes.pop();
        assert_eq!(short.dequantise(2, 2), None);
        // scales but no bytes: no panic on rows of no columns
        let no_bytes = Int8Rows {
            scales: vec![1.0; 3],
            bytes: Vec::new(),
        };
        assert_eq!(no_bytes.dequantise(3, 5), None);
        assert_eq!(no_bytes.dequantise(3, 0), Some(Vec::new()));
        for bad in [f32::NAN, f32::INFINITY, -1.0] {
            let mut damaged = q.clone();
            damaged.scales[1] = bad;
            assert_eq!(damaged.dequantise(2, 2), None, "scale {bad}");
        }
    }

    proptest! {
        #[test]
        fn each_value_moves_by_at_most_half_its_rows_step(
            rows in 1usize..5,
            columns in 1usize..40,
            seed in proptest::collection::vec(-10.0f32..10.0, 200),
        ) {
            let values: Vec<f32> = seed.iter().cycle().take(rows * columns).copied().collect();
            let back = Int8Rows::quantise(&values, columns).dequantise(rows, columns).unwrap();
            prop_assert_eq!(back.len(), values.len());
            for (row, got) in values.chunks(columns).zip(back.chunks(columns)) {
                let step = row.iter().fold(0f32, |m, v| m.max(v.abs())) / 127.0;
                for (v, g) in row.iter().zip(got) {
                    prop_assert!((v - g).abs() <= step * 0.5 + step * 1e-5, "{} -> {}", v, g);
                }
            }
        }
    }
}
