//! A model described: its metadata, settings and strongest features, as `stance inspect`
//! shows them and the Python binding's `Model.info()` returns them.

use crate::bundle::{Bundle, FORMAT_VERSION};
use crate::json_digits::f32_value;
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
/// the same value. The calibration temperature and feature weights, `f32`s, have their own
/// digits ([`crate::json_digits`]).
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
    value["calibration"]["temperature"] = f32_value(bundle.pipeline.calibration().temperature);
    value
}
