//! Feature stage: tokens -> hashed word and character n-gram counts -> TF-IDF rows (CSR).

pub mod bucket_set;
pub mod clauses;
pub mod cue_context;
pub mod extract;
pub mod hashing;
pub mod names;
pub mod scratch;
pub mod sparse;
pub mod tfidf;

pub use bucket_set::BucketSet;
pub use extract::{FeatureConfig, FeatureKind, Featurizer, Gram};
pub use hashing::FeatureHasher;
pub use names::ReverseMap;
pub use scratch::{Scratch, WalkBuffers};
pub use sparse::SparseRows;
pub use tfidf::IdfWeights;
