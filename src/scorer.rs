//! Prediction with each bucket's IDF and weights side by side in memory.
//!
//! A sentence's features land in random buckets of a 2^18-bucket model, so each one costs a
//! cache miss in the IDF table (1 MB) and another in the weight matrix (3 MB): on pool
//! sentences these two misses took about a quarter of the prediction time. Packing
//! `[idf, w_1 .. w_k]` per bucket (for batches of [`PACK_FROM`] sentences or more) makes it one
//! miss per feature. The numbers are
//! the same `f32`s and the arithmetic is the same code (`tfidf::transform_by`,
//! `FittedLinear::row_logits_by`, then the same calibration and softmax), so predictions are bit-identical to
//! [`Pipeline::predict`] (tests/featurize_golden.rs checks every sentence).

use crate::error::Result;
use crate::features::tfidf::{transform_by, Weighting};
use crate::features::Featurizer;
use crate::pipeline::{Pipeline, PredictBuffers, Prediction};
use std::borrow::Cow;
use std::sync::OnceLock;

/// How many sentences make packing worth it. Packing touches about 4 MB (some 5 ms on the
/// shipped model, mostly page faults) and saves about 2.5 µs per sentence, so it pays from
/// about 2,000 sentences; fewer are scored straight from the [`Pipeline`], with the same bits.
pub const PACK_FROM: usize = 2048;

/// The IDF and weights of a [`Pipeline`] packed per bucket: `[idf, w_1 .. w_k]`. Owned, so a
/// long-lived holder of a pipeline (the Python binding's model) can build it once and keep it.
#[derive(Debug, Clone)]
pub struct PackedTable {
    /// Per bucket: its IDF, then its weight for each label.
    packed: Vec<f32>,
    /// Floats per bucket: 1 + the number of labels.
    stride: usize,
}

impl PackedTable {
    /// Packs the IDF and weights of `pipeline` (about 4 MB for the shipped model).
    pub fn new(pipeline: &Pipeline) -> PackedTable {
        let weights = pipeline.model().weights();
        let stride = 1 + weights.ncols();
        let mut packed = Vec::with_capacity(weights.nrows() * stride);
        // FittedLinear keeps its weights row-major, so rows are plain slices (a copy per row
        // instead of ndarray's element iterator: this runs before every large batch)
        let rows = weights
            .as_slice()
            .expect("FittedLinear keeps its weights row-major")
            .chunks_exact(weights.ncols());
        for (bucket, row) in rows.enumerate() {
            packed.push(pipeline.idf().get(bucket as u32));
            packed.extend_from_slice(row);
        }
        PackedTable { packed, stride }
    }

    /// The same prediction as [`Pipeline::predict_with`], for the `pipeline` this table was
    /// packed from.
    fn predict_with(
        &self,
        pipeline: &Pipeline,
        text: &str,
        buffers: &mut PredictBuffers,
    ) -> Result<Prediction> {
        let (scratch, row) = buffers.parts();
        pipeline.featurizer().buckets_into(text, scratch)?;
        // Touch each feature's packed entry before sorting: the loads (cache and TLB misses
        // in a 4 MB table) are independent, so they run in parallel and the sort overlaps
        // them; the passes after the sort then find the entries in cache.
        let touched = scratch.buckets().iter().fold(0.0f32, |acc, &b| {
            acc + self.packed[b as usize * self.stride]
        });
        std::hint::black_box(touched);
        Featurizer::count_buckets(scratch, row);
        let config = pipeline.featurizer().config();
        let options = Weighting {
            sublinear: config.sublinear_tf,
            unit_norm: config.unit_norm,
            fixed: pipeline.featurizer().fixed_buckets(),
        };
        let entry = |bucket: u32| {
            let at = bucket as usize * self.stride;
            &self.packed[at..at + self.stride]
        };
        transform_by(row, options, |bucket| entry(bucket)[0]);
        let p = pipeline
            .model()
            .row_logits_by(row, |bucket| &entry(bucket)[1..]);
        Ok(pipeline.prediction(p))
    }
}

/// A [`Pipeline`] with a packed table of its own IDF and weights (built for the batch, or kept
/// by the caller next to the pipeline).
#[derive(Debug, Clone)]
pub struct PackedScorer<'p> {
    pipeline: &'p Pipeline,
    table: Cow<'p, PackedTable>,
}

impl PackedScorer<'_> {
    /// The same prediction as [`Pipeline::predict_with`].
    ///
    /// # Errors
    /// [`crate::Error::Tokenizer`] if the text pipeline fails.
    pub fn predict_with(&self, text: &str, buffers: &mut PredictBuffers) -> Result<Prediction> {
        self.table.predict_with(self.pipeline, text, buffers)
    }
}

/// The scorer for a batch of sentences: the packed one from [`PACK_FROM`] sentences, the
/// pipeline itself below that. Both give the same bits.
#[derive(Debug, Clone)]
pub enum Scorer<'p> {
    /// Straight from the pipeline (nothing to build).
    Direct(&'p Pipeline),
    /// Through a packed table of the pipeline.
    Packed(PackedScorer<'p>),
}

impl<'p> Scorer<'p> {
    /// The scorer worth building for `n` sentences.
    pub fn for_batch(pipeline: &'p Pipeline, n: usize) -> Scorer<'p> {
        if n >= PACK_FROM {
            Scorer::packed(pipeline)
        } else {
            Scorer::Direct(pipeline)
        }
    }

    /// The packed scorer, whatever the batch size.
    pub fn packed(pipeline: &'p Pipeline) -> Scorer<'p> {
        Scorer::Packed(PackedScorer {
            pipeline,
            table: Cow::Owned(PackedTable::new(pipeline)),
        })
    }

    /// The scorer for `n` sentences when the caller keeps `pipeline`'s packed table in
    /// `table`, next to the pipeline: the first batch of [`PACK_FROM`] or more builds it, later
    /// batches reuse it. `table` must never hold another pipeline's table.
    pub fn for_batch_cached(
        pipeline: &'p Pipeline,
        n: usize,
        table: &'p OnceLock<PackedTable>,
    ) -> Scorer<'p> {
        if n >= PACK_FROM {
            let table = table.get_or_init(|| PackedTable::new(pipeline));
            Scorer::Packed(PackedScorer {
                pipeline,
                table: Cow::Borrowed(table),
            })
        } else {
            Scorer::Direct(pipeline)
        }
    }

    /// The same prediction as [`Pipeline::predict_with`].
    ///
    /// # Errors
    /// [`crate::Error::Tokenizer`] if the text pipeline fails.
    pub fn predict_with(&self, text: &str, buffers: &mut PredictBuffers) -> Result<Prediction> {
        match self {
            Scorer::Direct(pipeline) => pipeline.predict_with(text, buffers),
            Scorer::Packed(packed) => packed.predict_with(text, buffers),
        }
    }
}
