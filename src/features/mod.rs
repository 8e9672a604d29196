//! Feature stage: tokens -> hashed word and character n-gram counts -> TF-IDF rows (CSR).

pub mod bucket_set;
pub mod clauses;
pub mod config;
pub mod cue_context;
pub mod extract;
pub mod gram;
pub mod hashing;
pub mod names;
pub mod scratch;
pub mod sparse;
pub mod tfidf;

pub use bucket_set::BucketSet;
pub use config::FeatureConfig;
pub use extract::Featurizer;
pub use gram::{FeatureKind, Gram, Occurrence};
pub use hashing::FeatureHasher;
pub use names::ReverseMap;
pub use scratch::{Scratch, WalkBuffers};
pub use sparse::SparseRows;
pub use tfidf::IdfWeights;
