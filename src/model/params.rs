//! Hyperparameters of the linear model, checked once through linfa's `ParamGuard`.
//!
//! As in linfa's estimators, [`LinearParams`] holds the settings as given (it is what a
//! configuration file stores and what flags override), and [`LinearParams::check`] is the only
//! way to a [`ValidLinearParams`], whose fields are private and read through accessors: a
//! value of that type always lies in range.

use crate::error::{Error, Result};
use linfa::ParamGuard;
use serde::{Deserialize, Serialize};

/// How classes are weighted in the loss.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ClassWeight {
    /// Every row counts once.
    None,
    /// Rows of class `c` weigh `n / (k * n_c)`, as scikit-learn's `balanced`.
    Balanced,
}

/// How the learning rate moves over training.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LearningRate {
    /// The same rate at every step.
    Constant,
    /// Falls linearly from the initial rate to zero over all epochs (fastText's schedule).
    Linear,
    /// `lr / (1 + lr * l2 * t)`: the classic schedule for L2-regularised SGD.
    Inverse,
}

/// The settings themselves, as a configuration file spells them (missing fields take their
/// defaults, unknown ones are refused).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct Settings {
    epochs: usize,
    learning_rate: f32,
    schedule: LearningRate,
    l2: f32,
    class_weight: ClassWeight,
    patience: usize,
    seed: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            epochs: 30,
            learning_rate: 0.5,
            schedule: LearningRate::Linear,
            l2: 1e-5,
            class_weight: ClassWeight::Balanced,
            patience: 5,
            seed: 13,
        }
    }
}

/// Checked hyperparameters: only [`LinearParams::check`] hands one out, so every value in use
/// is in range.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ValidLinearParams(Settings);

impl ValidLinearParams {
    /// Passes over the training data at most (default 30).
    pub fn epochs(&self) -> usize {
        self.0.epochs
    }

    /// Initial learning rate (default 0.5).
    pub fn learning_rate(&self) -> f32 {
        self.0.learning_rate
    }

    /// Learning-rate schedule (default linear).
    pub fn schedule(&self) -> LearningRate {
        self.0.schedule
    }

    /// L2 penalty per row (default 1e-5).
    pub fn l2(&self) -> f32 {
        self.0.l2
    }

    /// Class weighting (default balanced).
    pub fn class_weight(&self) -> ClassWeight {
        self.0.class_weight
    }

    /// Epochs without dev improvement before stopping early; 0 never stops early (default 5).
    pub fn patience(&self) -> usize {
        self.0.patience
    }

    /// Seed of the row shuffling (default 13).
    pub fn seed(&self) -> u64 {
        self.0.seed
    }
}

/// Unchecked hyperparameters with setters; `check()` turns them into [`ValidLinearParams`].
/// Serialised as a JSON object of the settings (`epochs`, `learning_rate`, `schedule`, `l2`,
/// `class_weight`, `patience`, `seed`), as in `--config` files and model provenance.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(from = "Settings", into = "Settings")]
pub struct LinearParams(ValidLinearParams);

impl From<Settings> for LinearParams {
    fn from(settings: Settings) -> LinearParams {
        LinearParams(ValidLinearParams(settings))
    }
}

impl From<LinearParams> for Settings {
    fn from(params: LinearParams) -> Settings {
        params.0 .0
    }
}

impl LinearParams {
    /// Default hyperparameters.
    pub fn new() -> LinearParams {
        LinearParams::default()
    }

    /// Sets the maximum number of epochs (default 30).
    pub fn epochs(mut self, epochs: usize) -> Self {
        self.0 .0.epochs = epochs;
        self
    }

    /// Sets the initial learning rate (default 0.5).
    pub fn learning_rate(mut self, rate: f32) -> Self {
        self.0 .0.learning_rate = rate;
        self
    }

    /// Sets the learning-rate schedule (default linear).
    pub fn schedule(mut self, schedule: LearningRate) -> Self {
        self.0 .0.schedule = schedule;
        self
    }

    /// Sets the L2 penalty (default 1e-5).
    pub fn l2(mut self, l2: f32) -> Self {
        self.0 .0.l2 = l2;
        self
    }

    /// Sets the class weighting (default balanced).
    pub fn class_weight(mut self, class_weight: ClassWeight) -> Self {
        self.0 .0.class_weight = class_weight;
        self
    }

    /// Sets the early-stopping patience (default 5; 0 turns early stopping off).
    pub fn patience(mut self, patience: usize) -> Self {
        self.0 .0.patience = patience;
        self
    }

    /// Sets the shuffling seed (default 13).
    pub fn seed(mut self, seed: u64) -> Self {
        self.0 .0.seed = seed;
        self
    }
}

impl ParamGuard for LinearParams {
    type Checked = ValidLinearParams;
    type Error = Error;

    fn check_ref(&self) -> Result<&ValidLinearParams> {
        let p = &self.0 .0;
        if p.epochs == 0 || p.epochs > 10_000 {
            return Err(Error::InvalidParam {
                name: "epochs",
                value: p.epochs.to_string(),
                reason: "must lie in 1..=10000".into(),
            });
        }
        if !(p.learning_rate.is_finite() && p.learning_rate > 0.0 && p.learning_rate <= 100.0) {
            return Err(Error::InvalidParam {
                name: "lr",
                value: p.learning_rate.to_string(),
                reason: "must be a number in (0, 100]".into(),
            });
        }
        if !(p.l2.is_finite() && p.l2 >= 0.0 && p.l2 < 1.0) {
            return Err(Error::InvalidParam {
                name: "l2",
                value: p.l2.to_string(),
                reason: "must be a number in [0, 1)".into(),
            });
        }
        if p.learning_rate * p.l2 >= 1.0 {
            return Err(Error::InvalidParam {
                name: "l2",
                value: p.l2.to_string(),
                reason: format!("lr x l2 must stay below 1 (lr is {})", p.learning_rate),
            });
        }
        Ok(&self.0)
    }

    fn check(self) -> Result<ValidLinearParams> {
        self.check_ref()?;
        Ok(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_of_range_settings_are_rejected_by_name() {
        let err = LinearParams::new().epochs(0).check().unwrap_err();
        assert!(matches!(err, Error::InvalidParam { name: "epochs", .. }));
        let err = LinearParams::new()
            .learning_rate(f32::NAN)
            .check()
            .unwrap_err();
        assert!(matches!(err, Error::InvalidParam { name: "lr", .. }));
        let err = LinearParams::new().l2(-1.0).check().unwrap_err();
        assert!(matches!(err, Error::InvalidParam { name: "l2", .. }));
        assert!(LinearParams::new().seed(7).check().is_ok());
    }

    #[test]
    fn settings_read_from_json_are_checked_before_use() {
        // the layout of --config files and of the provenance in model files
        let json = serde_json::to_string(&LinearParams::new()).unwrap();
        assert_eq!(
            json,
            r#"{"epochs":30,"learning_rate":0.5,"schedule":"linear","l2":0.00001,"class_weight":"balanced","patience":5,"seed":13}"#
        );
        let read: LinearParams = serde_json::from_str(r#"{"epochs": 0, "seed": 3}"#).unwrap();
        let err = read.check().unwrap_err();
        assert!(matches!(err, Error::InvalidParam { name: "epochs", .. }));
        let read: LinearParams = serde_json::from_str(r#"{"epochs": 4, "seed": 3}"#).unwrap();
        let valid = read.check().unwrap();
        assert_eq!((valid.epochs(), valid.seed(), valid.patience()), (4, 3, 5));
        assert!(serde_json::from_str::<LinearParams>(r#"{"epoch": 4}"#).is_err());
    }

    #[test]
    fn the_defaults_are_valid() {
        assert_eq!(
            LinearParams::new().check().unwrap(),
            ValidLinearParams::default()
        );
    }
}
