//! Model stage: a multinomial logistic regression (softmax) on sparse TF-IDF rows.
//!
//! Written in the project because no linfa estimator accepts sparse records (every linfa
//! `Fit` takes a dense `Array2`; a dense TF-IDF matrix of real size does not fit in memory).
//! It plugs into linfa's traits instead: [`LinearParams`] is a `ParamGuard` whose checked
//! form implements `Fit<SparseRows, Array1<Stance>, Error>`, and [`FittedLinear`] implements
//! `PredictInplace`.

pub mod fit;
pub mod fitted;
pub mod params;
pub mod summary;
pub mod top_features;

pub use fit::EpochReport;
pub use fitted::FittedLinear;
pub use params::{ClassWeight, Epochs, LearningRate, LinearParams, ValidLinearParams};
pub use summary::{DevScore, FitSummary};
pub use top_features::{NamedFeature, TopFeatures};
