//! How a fit went, as a model file records it: the epochs run, the epoch kept and its dev
//! scores. Plain data, so reading a model needs none of the training code.

use serde::{Deserialize, Serialize};

/// Scores on the dev set after an epoch.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DevScore {
    /// Macro-F1 on the dev set.
    pub macro_f1: f64,
    /// Accuracy on the dev set.
    pub accuracy: f64,
    /// Mean cross-entropy on the dev set.
    pub loss: f64,
}

/// How training ended.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FitSummary {
    /// Epochs run.
    pub epochs_run: usize,
    /// The epoch whose weights were kept.
    pub best_epoch: usize,
    /// Dev scores of the kept weights, when a dev set was given.
    pub dev: Option<DevScore>,
    /// True when early stopping ended training before the last epoch.
    pub stopped_early: bool,
}
