//! A trained model's strongest features per label, kept in the model file for `stance inspect`
//! and explanations. Its own module so that reading a model needs nothing from training.

use crate::label::Stance;
use serde::{Deserialize, Serialize};

/// A feature bucket with the n-gram(s) that fill it and its weight for a label.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NamedFeature {
    /// The first n-gram seen in this bucket in training (empty if none was recorded).
    pub names: Vec<String>,
    /// The bucket.
    pub bucket: u32,
    /// Weight for the label minus the mean weight for the other labels.
    pub weight: f32,
}

/// The strongest features of each label.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopFeatures {
    /// Per label, strongest first.
    pub per_label: Vec<(Stance, Vec<NamedFeature>)>,
}
