//! Sparse rows in compressed sparse row (CSR) form: the only matrix of documents x features
//! `stance` ever builds. Implements linfa's `Records`, so linfa datasets can hold it.

use linfa::dataset::Records;

/// Rows of `(feature, value)` pairs stored back to back.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SparseRows {
    row_starts: Vec<usize>,
    indices: Vec<u32>,
    values: Vec<f32>,
    n_features: usize,
}

impl SparseRows {
    /// An empty matrix with `n_features` columns.
    pub fn new(n_features: usize) -> SparseRows {
        SparseRows {
            row_starts: vec![0],
            indices: Vec::new(),
            values: Vec::new(),
            n_features,
        }
    }

    /// Appends a row; `row` must be sorted by feature and every feature below `n_features`
    /// (rows from `Featurizer` and `IdfWeights::transform` are).
    pub fn push(&mut self, row: &[(u32, f32)]) {
        debug_assert!(row.iter().all(|(j, _)| (*j as usize) < self.n_features));
        self.indices.extend(row.iter().map(|(j, _)| *j));
        self.values.extend(row.iter().map(|(_, v)| *v));
        self.row_starts.push(self.indices.len());
    }

    /// The number of rows.
    pub fn n_rows(&self) -> usize {
        self.row_starts.len() - 1
    }

    /// The number of columns.
    pub fn n_features(&self) -> usize {
        self.n_features
    }

    /// The number of stored values.
    pub fn nnz(&self) -> usize {
        self.indices.len()
    }

    /// Row `i` as parallel slices of feature indices and values.
    ///
    /// # Panics
    /// If `i >= n_rows()` (an invariant of the caller's loop).
    pub fn row(&self, i: usize) -> (&[u32], &[f32]) {
        let (start, end) = (self.row_starts[i], self.row_starts[i + 1]);
        (&self.indices[start..end], &self.values[start..end])
    }

    /// Calls `f` on every row's indices and mutable values, in row order.
    pub fn for_each_row_mut(&mut self, mut f: impl FnMut(&[u32], &mut [f32])) {
        for i in 0..self.n_rows() {
            let (start, end) = (self.row_starts[i], self.row_starts[i + 1]);
            f(&self.indices[start..end], &mut self.values[start..end]);
        }
    }

    /// A new matrix holding the given rows, in the given order.
    pub fn select(&self, rows: &[usize]) -> SparseRows {
        let mut out = SparseRows::new(self.n_features);
        for &i in rows {
            let (idx, val) = self.row(i);
            out.indices.extend_from_slice(idx);
            out.values.extend_from_slice(val);
            out.row_starts.push(out.indices.len());
        }
        out
    }
}

impl Records for SparseRows {
    type Elem = f32;

    fn nsamples(&self) -> usize {
        self.n_rows()
    }

    fn nfeatures(&self) -> usize {
        self.n_features
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_round_trip_and_select() {
        let mut m = SparseRows::new(8);
        m.push(&[(1, 0.5), (7, 0.25)]);
        m.push(&[]);
        m.push(&[(0, 1.0)]);
        assert_eq!(m.nsamples(), 3);
        assert_eq!(m.nfeatures(), 8);
        assert_eq!(m.nnz(), 3);
        assert_eq!(m.row(0), (&[1u32, 7][..], &[0.5f32, 0.25][..]));
        assert_eq!(m.row(1).0.len(), 0);
        let s = m.select(&[2, 0]);
        assert_eq!(s.row(0), (&[0u32][..], &[1.0f32][..]));
        assert_eq!(s.row(1), m.row(0));
    }
}
