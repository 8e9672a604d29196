//! Training configuration: feature settings and model hyperparameters in one serialisable
//! value, read from `--config FILE` (JSON), overridden by flags, and recorded in the model.

use crate::error::{Error, Result};
use crate::features::FeatureConfig;
use crate::model::LinearParams;
use linfa::ParamGuard;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Everything that shapes a trained model besides the data.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrainConfig {
    /// Text and feature settings.
    pub features: FeatureConfig,
    /// Classifier hyperparameters (the seed among them), as given; training checks them.
    pub model: LinearParams,
    /// Use of unlabelled sentences (`--unlabelled`), if any are given.
    pub unlabelled: UnlabelledConfig,
}

/// How unlabelled in-domain sentences help training: they join the IDF fit, and in
/// self-training rounds the model's most confident predictions on them become extra,
/// down-weighted training rows.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UnlabelledConfig {
    /// Fit IDF on the unlabelled sentences as well as the training rows (default true).
    pub idf: bool,
    /// Self-training rounds; 0 turns self-training off (default 0).
    pub rounds: usize,
    /// Least confidence for a prediction to become a pseudo-label (default 0.9).
    pub threshold: f32,
    /// Loss weight of a pseudo-labelled row relative to a labelled one (default 0.5).
    pub weight: f32,
    /// Pseudo-labelled rows per label at most, as a multiple of that label's labelled rows
    /// (default 1.0).
    pub max_ratio: f32,
}

impl Default for UnlabelledConfig {
    fn default() -> Self {
        UnlabelledConfig {
            idf: true,
            rounds: 0,
            threshold: 0.9,
            weight: 0.5,
            max_ratio: 1.0,
        }
    }
}

impl UnlabelledConfig {
    /// Checks the ranges.
    ///
    /// # Errors
    /// [`Error::InvalidParam`] naming the setting.
    pub fn check(&self) -> Result<()> {
        let bad = |name: &'static str, value: f32, reason: &str| Error::InvalidParam {
            name,
            value: value.to_string(),
            reason: reason.into(),
        };
        if !(0.0..=1.0).contains(&self.threshold) {
            return Err(bad(
                "self-train-threshold",
                self.threshold,
                "must lie in [0, 1]",
            ));
        }
        if !(self.weight > 0.0 && self.weight <= 1.0) {
            return Err(bad("pseudo-weight", self.weight, "must lie in (0, 1]"));
        }
        if !(self.max_ratio >= 0.0 && self.max_ratio.is_finite()) {
            return Err(bad(
                "pseudo-max-ratio",
                self.max_ratio,
                "must be a number >= 0",
            ));
        }
        Ok(())
    }
}

impl TrainConfig {
    /// Checks every setting's range (features, model, unlabelled use): what training checks
    /// first, run before any work starts (for example on every point of a `cv --grid`).
    ///
    /// # Errors
    /// [`Error::InvalidParam`] naming the first setting out of range.
    pub fn check(&self) -> Result<()> {
        self.features.check()?;
        self.model.check_ref()?;
        self.unlabelled.check()
    }

    /// Reads a configuration from a JSON file; missing fields take their defaults.
    ///
    /// # Errors
    /// [`Error::Io`] if the file cannot be read; [`Error::Parse`] naming the line and column
    /// of malformed JSON or an unknown field.
    pub fn load(path: &Path) -> Result<TrainConfig> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        serde_json::from_str(&text).map_err(|e| Error::Parse {
            path: path.to_path_buf(),
            line: e.line(),
            reason: format!("invalid configuration: {e}"),
        })
    }

    /// The configuration as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a config of plain fields always serialises")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_json_takes_defaults_and_unknown_fields_fail() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.json");
        std::fs::write(
            &path,
            r#"{"model": {"epochs": 7}, "features": {"hash_bits": 16}}"#,
        )
        .unwrap();
        let config = TrainConfig::load(&path).unwrap();
        assert_eq!(
            config.model.check().unwrap().epochs(),
            crate::model::Epochs::Fixed(7)
        );
        assert_eq!(config.features.hash_bits, 16);
        assert_eq!(config.features.char_max, FeatureConfig::default().char_max);

        std::fs::write(&path, "{\n  \"model\": {\"epoch\": 7}\n}").unwrap();
        let err = TrainConfig::load(&path).unwrap_err();
        assert!(matches!(err, Error::Parse { line: 2, .. }), "{err}");
    }

    #[test]
    fn round_trips_through_json() {
        let config = TrainConfig::default();
        let back: TrainConfig = serde_json::from_str(&config.to_json()).unwrap();
        assert_eq!(back, config);
    }
}
