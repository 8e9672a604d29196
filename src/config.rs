//! Training configuration: feature settings and model hyperparameters in one serialisable
//! value, read from `--config FILE` (JSON), overridden by flags, and recorded in the model.

use crate::error::{Error, Result};
use crate::features::FeatureConfig;
use crate::model::ValidLinearParams;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Everything that shapes a trained model besides the data.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrainConfig {
    /// Text and feature settings.
    pub features: FeatureConfig,
    /// Classifier hyperparameters (the seed among them).
    pub model: ValidLinearParams,
}

impl TrainConfig {
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
        assert_eq!(config.model.epochs, 7);
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
