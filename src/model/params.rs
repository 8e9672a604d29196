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

/// Written as flags, grids and configuration files name it (`balanced`).
impl std::fmt::Display for ClassWeight {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ClassWeight::None => "none",
            ClassWeight::Balanced => "balanced",
        })
    }
}

/// Written as flags, grids and configuration files name it (`linear`).
impl std::fmt::Display for LearningRate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            LearningRate::Constant => "constant",
            LearningRate::Linear => "linear",
            LearningRate::Inverse => "inverse",
        })
    }
}

/// How many passes over the training data a fit makes at most.
///
/// `auto` (the default) sizes the count to the data: about [`Epochs::AUTO_UPDATES`] row updates
/// in all, but never fewer than [`Epochs::AUTO_MIN`] or more than [`Epochs::AUTO_MAX`] epochs.
/// Measured on 100k and 1M pool sentences (bench/RESULTS.md): past a few epochs more passes
/// over a large set change dev macro-F1 by less than 0.01 and cost time in proportion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Epochs {
    /// Sized to the number of training rows.
    Auto,
    /// This many epochs at most.
    Fixed(usize),
}

impl Epochs {
    /// Row updates `auto` aims for over the whole fit.
    pub const AUTO_UPDATES: usize = 2_000_000;
    /// Fewest epochs `auto` chooses.
    pub const AUTO_MIN: usize = 5;
    /// Most epochs `auto` chooses (also the small-data count, where early stopping on a dev
    /// set usually ends training first).
    pub const AUTO_MAX: usize = 30;

    /// The epoch count for `n_rows` training rows.
    pub fn resolve(self, n_rows: usize) -> usize {
        match self {
            Epochs::Fixed(n) => n,
            Epochs::Auto => Self::AUTO_UPDATES
                .div_ceil(n_rows.max(1))
                .clamp(Self::AUTO_MIN, Self::AUTO_MAX),
        }
    }
}

impl std::fmt::Display for Epochs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Epochs::Auto => f.write_str("auto"),
            Epochs::Fixed(n) => write!(f, "{n}"),
        }
    }
}

impl std::str::FromStr for Epochs {
    type Err = String;

    fn from_str(text: &str) -> std::result::Result<Epochs, String> {
        match text.trim() {
            "auto" => Ok(Epochs::Auto),
            number => number
                .parse()
                .map(Epochs::Fixed)
                .map_err(|e| format!("expected auto or a whole number ({e})")),
        }
    }
}

/// In JSON (configurations, `inspect --json`) `auto` is the string "auto" and a fixed count a
/// number. In the binary model file, which cannot tell a string from a number, the count is
/// a number as it always was, and `auto` is 0 (never a valid fixed count).
impl Serialize for Epochs {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        match self {
            Epochs::Auto if serializer.is_human_readable() => serializer.serialize_str("auto"),
            Epochs::Auto => serializer.serialize_u64(0),
            Epochs::Fixed(n) => serializer.serialize_u64(*n as u64),
        }
    }
}

impl<'de> Deserialize<'de> for Epochs {
    fn deserialize<D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> std::result::Result<Epochs, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Spelled {
            Count(usize),
            Name(String),
        }
        if !deserializer.is_human_readable() {
            return Ok(match u64::deserialize(deserializer)? {
                0 => Epochs::Auto,
                n => Epochs::Fixed(n as usize),
            });
        }
        match Spelled::deserialize(deserializer)? {
            Spelled::Count(n) => Ok(Epochs::Fixed(n)),
            Spelled::Name(name) if name == "auto" => Ok(Epochs::Auto),
            Spelled::Name(name) => Err(serde::de::Error::custom(format!(
                "epochs: expected auto or a whole number, found {name:?}"
            ))),
        }
    }
}

/// The settings themselves, as a configuration file spells them (missing fields take their
/// defaults, unknown ones are refused).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct Settings {
    epochs: Epochs,
    learning_rate: f32,
    schedule: LearningRate,
    l2: f32,
    class_weight: ClassWeight,
    patience: usize,
    seed: u64,
    shards: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            epochs: Epochs::Auto,
            learning_rate: 0.5,
            schedule: LearningRate::Linear,
            l2: 1e-5,
            class_weight: ClassWeight::Balanced,
            patience: 5,
            seed: 13,
            shards: 1,
        }
    }
}

/// Checked hyperparameters: only [`LinearParams::check`] hands one out, so every value in use
/// is in range.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ValidLinearParams(Settings);

impl ValidLinearParams {
    /// Passes over the training data at most (default auto: see [`Epochs`]).
    pub fn epochs(&self) -> Epochs {
        self.0.epochs
    }

    /// The most epochs a fit on `n_rows` training rows runs.
    pub fn epochs_for(&self, n_rows: usize) -> usize {
        self.0.epochs.resolve(n_rows)
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

    /// Parts each epoch's rows are split into, each trained from the same weights on its own
    /// thread and then averaged (default 1: plain sequential SGD). The model depends on this
    /// number, never on how many threads run the parts.
    pub fn shards(&self) -> usize {
        self.0.shards
    }
}

/// Unchecked hyperparameters with setters; `check()` turns them into [`ValidLinearParams`].
/// Serialised as a JSON object of the settings (`epochs`, `learning_rate`, `schedule`, `l2`,
/// `class_weight`, `patience`, `seed`, `shards`), as in `--config` files and model provenance.
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

    /// Sets the maximum number of epochs (default auto: see [`Epochs`]).
    pub fn epochs(mut self, epochs: usize) -> Self {
        self.0 .0.epochs = Epochs::Fixed(epochs);
        self
    }

    /// Sets the epoch count, fixed or `auto`.
    pub fn epoch_count(mut self, epochs: Epochs) -> Self {
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

    /// Sets the number of SGD shards per epoch (default 1).
    pub fn shards(mut self, shards: usize) -> Self {
        self.0 .0.shards = shards;
        self
    }
}

impl ParamGuard for LinearParams {
    type Checked = ValidLinearParams;
    type Error = Error;

    fn check_ref(&self) -> Result<&ValidLinearParams> {
        let p = &self.0 .0;
        if let Epochs::Fixed(n @ (0 | 10_001..)) = p.epochs {
            return Err(Error::InvalidParam {
                name: "epochs",
                value: n.to_string(),
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
        if p.shards == 0 || p.shards > 256 {
            return Err(Error::InvalidParam {
                name: "shards",
                value: p.shards.to_string(),
                reason: "must lie in 1..=256".into(),
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
    fn names_are_written_as_the_configuration_spells_them() {
        for weight in [ClassWeight::None, ClassWeight::Balanced] {
            let json = serde_json::to_string(&weight).unwrap();
            assert_eq!(json, format!("\"{weight}\""));
        }
        for schedule in [
            LearningRate::Constant,
            LearningRate::Linear,
            LearningRate::Inverse,
        ] {
            let json = serde_json::to_string(&schedule).unwrap();
            assert_eq!(json, format!("\"{schedule}\""));
        }
    }

    #[test]
    fn settings_read_from_json_are_checked_before_use() {
        // the layout of --config files and of the provenance in model files
        let json = serde_json::to_string(&LinearParams::new()).unwrap();
        assert_eq!(
            json,
            r#"{"epochs":"auto","learning_rate":0.5,"schedule":"linear","l2":0.00001,"class_weight":"balanced","patience":5,"seed":13,"shards":1}"#
        );
        let read: LinearParams = serde_json::from_str(r#"{"epochs": 0, "seed": 3}"#).unwrap();
        let err = read.check().unwrap_err();
        assert!(matches!(err, Error::InvalidParam { name: "epochs", .. }));
        let read: LinearParams = serde_json::from_str(r#"{"epochs": 4, "seed": 3}"#).unwrap();
        let valid = read.check().unwrap();
        assert_eq!(
            (
                valid.epochs(),
                valid.seed(),
                valid.patience(),
                valid.shards()
            ),
            (Epochs::Fixed(4), 3, 5, 1)
        );
        let sharded = serde_json::to_string(&LinearParams::new().shards(2)).unwrap();
        assert!(sharded.ends_with(r#""seed":13,"shards":2}"#), "{sharded}");
        let read: LinearParams = serde_json::from_str(&sharded).unwrap();
        assert_eq!(read.check().unwrap().shards(), 2);
        let err = LinearParams::new().shards(0).check().unwrap_err();
        assert!(matches!(err, Error::InvalidParam { name: "shards", .. }));
        assert!(serde_json::from_str::<LinearParams>(r#"{"epoch": 4}"#).is_err());
    }

    #[test]
    fn auto_epochs_follow_the_row_count_within_bounds() {
        let auto = LinearParams::new().check().unwrap();
        assert_eq!(auto.epochs(), Epochs::Auto);
        assert_eq!(auto.epochs_for(20_000), 30);
        assert_eq!(auto.epochs_for(100_000), 20);
        assert_eq!(auto.epochs_for(250_000), 8);
        assert_eq!(auto.epochs_for(1_000_000), 5);
        assert_eq!(auto.epochs_for(0), 30);
        let fixed = LinearParams::new().epochs(7).check().unwrap();
        assert_eq!(fixed.epochs_for(1_000_000), 7);
        assert_eq!("auto".parse::<Epochs>(), Ok(Epochs::Auto));
        assert_eq!(" 12 ".parse::<Epochs>(), Ok(Epochs::Fixed(12)));
        assert!("many".parse::<Epochs>().is_err());
        let read: LinearParams = serde_json::from_str(r#"{"epochs": "auto"}"#).unwrap();
        assert_eq!(read.check().unwrap().epochs(), Epochs::Auto);
        let err = serde_json::from_str::<LinearParams>(r#"{"epochs": "all"}"#).unwrap_err();
        assert!(err.to_string().contains("expected auto"), "{err}");
    }

    #[test]
    fn the_defaults_are_valid() {
        assert_eq!(
            LinearParams::new().check().unwrap(),
            ValidLinearParams::default()
        );
    }
}
