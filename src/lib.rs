//! `stance`: train, evaluate and run stance classifiers for Arabic news sentences.
//!
//! Each sentence is labelled `assertion`, `denial` or `allegation` as defined by the
//! annotation guideline. The pipeline, one module per stage:
//!
//! ```text
//! data (TSV / CSV / JSONL / fastText records)
//!   -> text     (Arabic normaliser + pre-tokeniser, built with `tokenizers`)
//!   -> features (hashed word and character n-grams, TF-IDF, sparse CSR rows)
//!   -> model    (softmax regression on sparse rows, behind linfa's traits)
//!   -> metrics  (confusion matrix, per-label P/R/F1, macro-F1)
//!   -> bundle   (one checksummed model file holding all of the above)
//! ```
//!
//! Behind the optional feature `e5`, the `e5` module runs the pretrained multilingual-e5-small
//! encoder (its tokenizer and forward pass, with candle) and fine-tunes its top layers and a
//! linear head for stance: a slower second model.

pub mod article;
pub mod baseline;
pub mod bootstrap;
pub mod bundle;
pub mod calibration;
#[cfg(feature = "cli")]
pub mod cli;
pub mod config;
pub mod cv;
pub mod data;
#[cfg(feature = "e5")]
pub mod e5;
pub mod error;
pub mod features;
pub mod info;
pub mod io;
pub mod json_digits;
pub mod label;
pub mod metrics;
pub mod model;
pub mod pipeline;
pub mod report;
pub mod scorer;
pub mod serde_f32;
pub mod settings;
pub mod suggest;
pub mod text;
pub mod trainer;

pub use bundle::Bundle;
pub use config::TrainConfig;
pub use data::{Format, Record};
pub use error::{Error, Result};
pub use label::Stance;
pub use metrics::Metrics;
pub use pipeline::{Pipeline, PredictBuffers, Prediction};
