//! A model described: its metadata, settings and strongest features, as `stance inspect`
//! shows them and the Python binding's `Model.info()` returns them.

use crate::bundle::{Bundle, FORMAT_VERSION};
use crate::config::TrainConfig;
use crate::json_digits::{f32_value, shorten_f32s};
use serde_json::json;

/// The strongest `top` features of each label, as (label, [(names joined by ` | `, weight)]).
pub fn top_features(bundle: &Bundle, top: usize) -> Vec<(String, Vec<(String, f32)>)> {
    bundle
        .top_features
        .per_label
        .iter()
        .map(|(label, features)| {
            let list = features
                .iter()
                .take(top)
                .map(|f| (f.names.join(" | "), f.weight))
                .collect();
            (label.to_string(), list)
        })
        .collect()
}

/// Everything `stance inspect --json` prints about a model: `model` names it, `top` is the
/// count of strongest features listed per label. The Python binding's `Model.info()` returns
/// the same value. The training settings, the calibration temperature and the feature
/// weights, `f32`s, have their own digits ([`crate::json_digits`]).
pub fn info_json(bundle: &Bundle, model: &str, top: usize) -> serde_json::Value {
    let p = &bundle.provenance;
    let mut value = json!({
        "model": model,
        "format_version": FORMAT_VERSION,
        "provenance": p,
        "labels": bundle.pipeline.model().labels(),
        "n_features": bundle.pipeline.featurizer().n_features(),
        "calibration": bundle.pipeline.calibration(),
        "top_features": top_features(bundle, top).iter().map(|(l, fs)| json!({"label": l, "features": fs.iter().map(|(n, w)| json!({"feature": n, "weight": f32_value(*w)})).collect::<Vec<_>>()})).collect::<Vec<_>>(),
    });
    value["provenance"]["config"] = config_json(&p.config);
    value["calibration"]["temperature"] = f32_value(bundle.pipeline.calibration().temperature);
    value
}

/// The training settings as JSON, their numbers (all `f32`) with their own digits: `0.00001`,
/// not `9.999999747378752e-6`.
fn config_json(config: &TrainConfig) -> serde_json::Value {
    let mut value = json!(config);
    shorten_f32s(&mut value);
    value
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    /// Every float in `value`.
    fn floats(value: &Value) -> Vec<f64> {
        match value {
            Value::Number(n) if n.is_f64() => n.as_f64().into_iter().collect(),
            Value::Array(items) => items.iter().flat_map(floats).collect(),
            Value::Object(fields) => fields.values().flat_map(floats).collect(),
            _ => Vec::new(),
        }
    }

    #[test]
    fn every_setting_is_an_f32_so_shortening_keeps_its_value() {
        // shorten_f32s would cut an f64 setting to an f32's digits: this fails if one is added
        // whose default is not exactly an f32 (0.1 would be caught; 0.5 would not).
        let config = TrainConfig::default();
        let widened = floats(&json!(config));
        assert!(
            widened.len() >= 5,
            "the float settings were found: {widened:?}"
        );
        assert!(widened.iter().all(|&x| f64::from(x as f32) == x));
    }

    #[test]
    fn settings_are_written_with_their_own_digits() {
        let text = config_json(&TrainConfig::default()).to_string();
        assert!(text.contains(r#""l2":0.00001"#), "{text}");
        assert!(text.contains(r#""threshold":0.9"#), "{text}");
        assert!(!text.contains("999999"), "{text}");
    }
}
