//! `train`, `evaluate` and `read`: the `train` and `eval` verbs over Python lists (or pandas
//! columns), and the CLI's record reader for files.

use crate::errors::{to_py, wrong_item, IntoPy};
use crate::model::{texts_of, Model};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedStr;
use pyo3::types::PyDict;
use serde_json::Map;
use stance::bundle::{created_date, DataFile, Provenance};
use stance::data::{Format, LabelPolicy, Origin, RecordReader, TextSource};
use stance::trainer::{self, TrainData};
use stance::{Bundle, Error, Metrics, Record, Stance, TrainConfig};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Labelled records from parallel sequences of texts and labels; `role` names them in errors
/// (`<train>:18: unknown label ...`, rows counted from 1).
fn labelled(
    role: &str,
    texts: &Bound<'_, PyAny>,
    labels: &Bound<'_, PyAny>,
    ids: Option<&Bound<'_, PyAny>>,
) -> PyResult<Vec<Record>> {
    let texts = texts_of(&format!("{role} texts"), texts)?;
    let labels = labels_of(role, labels)?;
    if texts.len() != labels.len() {
        return Err(PyValueError::new_err(format!(
            "{role}: {} texts but {} labels",
            texts.len(),
            labels.len()
        )));
    }
    let ids: Option<Vec<String>> = ids
        .map(|ids| {
            ids.try_iter()?
                .map(|i| i.and_then(|i| i.str().map(|s| s.to_string())))
                .collect::<PyResult<_>>()
        })
        .transpose()?;
    if let Some(ids) = &ids {
        if ids.len() != texts.len() {
            return Err(PyValueError::new_err(format!(
                "{role}: {} texts but {} ids",
                texts.len(),
                ids.len()
            )));
        }
    }
    let path: Arc<Path> = Path::new(&format!("<{role}>")).into();
    texts
        .iter()
        .zip(labels)
        .enumerate()
        .map(|(i, (text, label))| {
            let label: Stance = label.parse().map_err(|e: stance::label::UnknownLabel| {
                to_py(Error::Parse {
                    path: path.to_path_buf(),
                    line: i + 1,
                    reason: e.to_string(),
                })
            })?;
            Ok(Record {
                id: ids.as_ref().map(|ids| ids[i].clone()),
                text: text.to_string(),
                label: Some(label),
                extra: Map::new(),
                origin: Origin {
                    path: path.clone(),
                    line: i + 1,
                },
            })
        })
        .collect()
}

fn labels_of(role: &str, labels: &Bound<'_, PyAny>) -> PyResult<Vec<PyBackedStr>> {
    labels
        .try_iter()?
        .enumerate()
        .map(|(i, item)| {
            let item = item?;
            item.extract()
                .map_err(|_| wrong_item(&format!("{role} labels"), i, &item, "str"))
        })
        .collect()
}

/// The bytes a list of records is hashed by in the model's provenance: `label<TAB>text` lines.
fn content(records: &[Record]) -> Vec<u8> {
    let mut out = Vec::new();
    for r in records {
        out.extend_from_slice(r.label.map_or("", |l| l.as_str()).as_bytes());
        out.push(b'\t');
        out.extend_from_slice(r.text.as_bytes());
        out.push(b'\n');
    }
    out
}

/// Trains a model as `stance train` does, on lists: `config_json` (a JSON configuration as
/// `stance train --config` reads) or `config_path` (such a file), early stopping on `dev`,
/// probabilities calibrated on `calibrate_on`, `unlabelled` sentences joining the IDF fit and
/// self-training. Returns the model; `out` also writes it.
#[pyfunction]
#[pyo3(signature = (texts, labels, *, ids = None, dev = None, calibrate_on = None, unlabelled = None, config_json = None, config_path = None, out = None))]
#[allow(clippy::too_many_arguments)]
pub fn train(
    py: Python<'_>,
    texts: &Bound<'_, PyAny>,
    labels: &Bound<'_, PyAny>,
    ids: Option<&Bound<'_, PyAny>>,
    dev: Option<(Bound<'_, PyAny>, Bound<'_, PyAny>)>,
    calibrate_on: Option<(Bound<'_, PyAny>, Bound<'_, PyAny>)>,
    unlabelled: Option<&Bound<'_, PyAny>>,
    config_json: Option<&str>,
    config_path: Option<PathBuf>,
    out: Option<PathBuf>,
) -> PyResult<Model> {
    let config = match (config_json, &config_path) {
        (Some(_), Some(_)) => {
            return Err(PyValueError::new_err(
                "give a configuration as a dict or as a file, not both",
            ))
        }
        (Some(json), None) => serde_json::from_str::<TrainConfig>(json)
            .map_err(|e| Error::Parse {
                path: PathBuf::from("<config>"),
                line: e.line(),
                reason: format!("invalid configuration: {e}"),
            })
            .py_err()?,
        (None, Some(path)) => TrainConfig::load(path).py_err()?,
        (None, None) => TrainConfig::default(),
    };
    let train_records = labelled("train", texts, labels, ids)?;
    let dev_records = dev
        .map(|(t, l)| labelled("dev", &t, &l, None))
        .transpose()?;
    let calibration_records = calibrate_on
        .map(|(t, l)| labelled("calibration", &t, &l, None))
        .transpose()?;
    let unlabelled_records: Option<Vec<Record>> = unlabelled
        .map(|u| -> PyResult<Vec<Record>> {
            let unlabelled: Arc<Path> = Path::new("<unlabelled>").into();
            Ok(texts_of("unlabelled", u)?
                .iter()
                .enumerate()
                .map(|(i, t)| Record {
                    id: None,
                    text: t.to_string(),
                    label: None,
                    extra: Map::new(),
                    origin: Origin {
                        path: unlabelled.clone(),
                        line: i + 1,
                    },
                })
                .collect())
        })
        .transpose()?;
    let bundle = py
        .detach(|| -> stance::Result<Bundle> {
            let mut data = vec![DataFile::in_memory(
                "train",
                "<train>",
                &content(&train_records),
                train_records.len(),
            )];
            if let Some(d) = &dev_records {
                data.push(DataFile::in_memory("dev", "<dev>", &content(d), d.len()));
            }
            if let Some(u) = &unlabelled_records {
                data.push(DataFile::in_memory(
                    "unlabelled",
                    "<unlabelled>",
                    &content(u),
                    u.len(),
                ));
            }
            let trained = trainer::train(
                &config,
                TrainData {
                    train: Box::new(train_records.iter().cloned().map(Ok)),
                    dev: dev_records.as_deref(),
                    unlabelled: unlabelled_records.as_deref(),
                },
                &mut |_| {},
            )?;
            let mut pipeline = trained.pipeline;
            // As the CLI with its own training files: calibrate on the dev rows unless told.
            if let Some(records) = calibration_records.as_ref().or(dev_records.as_ref()) {
                if !records.is_empty() {
                    let calibration = trainer::calibrate(&pipeline, records)?;
                    pipeline = pipeline.with_calibration(calibration)?;
                    if calibration_records.is_some() {
                        data.push(DataFile::in_memory(
                            "calibration",
                            "<calibration>",
                            &content(records),
                            records.len(),
                        ));
                    }
                }
            }
            let bundle = Bundle {
                pipeline,
                top_features: trained.top_features,
                provenance: Provenance {
                    crate_version: stance_version(),
                    created: created_date()?,
                    config,
                    data,
                    label_counts: trained.label_counts,
                    fit: trained.summary,
                },
            };
            if let Some(out) = &out {
                bundle.save(out)?;
            }
            Ok(bundle)
        })
        .py_err()?;
    Ok(Model::new(
        bundle,
        out.map_or_else(|| "<trained>".to_string(), |p| p.display().to_string()),
    ))
}

/// The version of the `stance` library the binding is built on (the workspace's version).
fn stance_version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

/// Scores `model` on labelled texts as `stance eval` does: a JSON string of the metrics
/// (rows, accuracy, macro_f1, per_label, confusion) and the CLI's text report.
#[pyfunction]
#[pyo3(signature = (model, texts, labels, threads))]
pub fn evaluate(
    py: Python<'_>,
    model: &Model,
    texts: &Bound<'_, PyAny>,
    labels: &Bound<'_, PyAny>,
    threads: usize,
) -> PyResult<(String, String)> {
    let records = labelled("eval", texts, labels, None)?;
    let backed = texts_of("texts", texts)?;
    let (classes, _) = model.predict_indexed(py, &backed, threads, false)?;
    let model_labels = model.bundle.pipeline.model().labels();
    let metrics = Metrics::from_pairs(records.iter().zip(classes).map(|(r, c)| {
        (
            r.label.expect("labelled() sets every label"),
            model_labels[c],
        )
    }));
    let json = serde_json::to_string(&metrics)
        .map_err(|e| PyValueError::new_err(format!("cannot encode the metrics: {e}")))?;
    Ok((json, metrics.report()))
}

/// Reads a data file with the CLI's reader: (ids, texts, labels, lines) as lists, the format
/// from `format` or the extension (TSV by default), id-only rows taking their text from
/// `text_from` (default `../shared/realnews/pool.tsv`, as the CLI). Bad rows raise
/// `ParseError` naming the file and line.
#[pyfunction]
#[pyo3(signature = (path, format = None, labels_required = false, text_from = None))]
#[allow(clippy::type_complexity)]
pub fn read<'py>(
    py: Python<'py>,
    path: PathBuf,
    format: Option<&str>,
    labels_required: bool,
    text_from: Option<PathBuf>,
) -> PyResult<(
    Vec<Option<String>>,
    Vec<String>,
    Vec<Option<&'static str>>,
    Bound<'py, PyDict>,
)> {
    let format = match format {
        None => Format::from_path(&path, Format::Tsv),
        Some("tsv") => Format::Tsv,
        Some("csv") => Format::Csv,
        Some("jsonl") => Format::Jsonl,
        Some("fasttext") => Format::Fasttext,
        Some("text") => Format::Text,
        Some(other) => {
            return Err(PyValueError::new_err(format!(
                "unknown format {other:?} (expected tsv, csv, jsonl, fasttext or text)"
            )))
        }
    };
    let policy = if labels_required {
        LabelPolicy::Required
    } else {
        LabelPolicy::Optional
    };
    let texts_path = text_from.unwrap_or_else(|| PathBuf::from(stance::data::DEFAULT_TEXT_FROM));
    let records = py
        .detach(|| -> stance::Result<Vec<Record>> {
            RecordReader::open(Path::new(&path), format, policy)?
                .join_texts(Arc::new(TextSource::new(texts_path)))
                .collect()
        })
        .py_err()?;
    let lines = PyDict::new(py);
    lines.set_item("path", path.display().to_string())?;
    lines.set_item(
        "lines",
        records.iter().map(|r| r.origin.line).collect::<Vec<_>>(),
    )?;
    Ok((
        records.iter().map(|r| r.id.clone()).collect(),
        records.iter().map(|r| r.text.clone()).collect(),
        records
            .iter()
            .map(|r| r.label.map(|l| l.as_str()))
            .collect(),
        lines,
    ))
}
