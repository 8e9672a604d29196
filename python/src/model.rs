//! `stance._stance.Model`: a loaded model file, predicting with the GIL released on the
//! binding's own thread pool; and `segment`, the article verb's sentence splitter.

use crate::arrow;
use crate::errors::{wrong_item, IntoPy};
use crate::parallel::map_indexed;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedStr;
use pyo3::types::{PyBytes, PyList, PyString};
use stance::article::segment::segment as split_article;
use stance::article::ArticleReport;
use stance::pipeline::PredictBuffers;
use stance::scorer::{PackedTable, Scorer};
use stance::text::char_offset;
use stance::{Bundle, Stance};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// A trained stance model (one model file), ready to label sentences.
#[pyclass(module = "stance._stance", name = "Model", frozen)]
pub struct Model {
    /// The model itself.
    pub bundle: Bundle,
    /// Where it came from (a path, or `<bytes>`), shown by `info()`.
    pub source: String,
    /// The model's packed IDF and weights, built by the first large batch and kept for the
    /// next (a Spark task predicts batch after batch with one model).
    pub packed: OnceLock<PackedTable>,
}

/// The texts of a Python sequence, borrowed from the Python strings (no copy), with a
/// `TypeError` naming the first item that is not a `str` and a `ValueError` for an empty one,
/// as the CLI rejects empty sentences.
pub fn texts_of(what: &str, texts: &Bound<'_, PyAny>) -> PyResult<Vec<PyBackedStr>> {
    if texts.is_instance_of::<PyString>() {
        return Err(pyo3::exceptions::PyTypeError::new_err(format!(
            "{what}: expected a sequence of str, found one str (wrap it in a list)"
        )));
    }
    let mut out = Vec::with_capacity(texts.len().unwrap_or(0));
    for (i, item) in texts.try_iter()?.enumerate() {
        let item = item?;
        let text: PyBackedStr = item
            .extract()
            .map_err(|_| wrong_item(what, i, &item, "str"))?;
        if text.trim().is_empty() {
            return Err(PyValueError::new_err(format!("{what}[{i}]: empty text")));
        }
        out.push(text);
    }
    Ok(out)
}

/// One deciding feature for Python: (feature, kind, weight, start, end, words), with
/// character offsets into the sentence.
type Reason = (String, String, f32, usize, usize, String);

impl Model {
    /// A model from its bundle and where it came from.
    pub fn new(bundle: Bundle, source: String) -> Model {
        Model {
            bundle,
            source,
            packed: OnceLock::new(),
        }
    }

    /// Predicts every text on `threads` threads with the GIL released: class indices in the
    /// model's label order and, when `probs`, the probabilities flattened row by row.
    pub fn predict_indexed<T: AsRef<str> + Sync>(
        &self,
        py: Python<'_>,
        texts: &[T],
        threads: usize,
        probs: bool,
    ) -> PyResult<(Vec<usize>, Vec<f64>)> {
        let pipeline = &self.bundle.pipeline;
        let labels = pipeline.model().labels();
        let rows = py
            .detach(|| {
                // as the CLI: a large batch is scored through the packed model, with the same bits
                let scorer = Scorer::for_batch_cached(pipeline, texts.len(), &self.packed);
                map_indexed(
                    threads,
                    texts.len(),
                    PredictBuffers::default,
                    |buffers, i| {
                        let p = scorer.predict_with(texts[i].as_ref(), buffers)?;
                        let best = labels.iter().position(|l| *l == p.label).unwrap_or(0);
                        let probabilities: Vec<f64> = if probs {
                            p.probabilities.iter().map(|(_, v)| f64::from(*v)).collect()
                        } else {
                            vec![f64::from(p.confidence())]
                        };
                        Ok((best, probabilities))
                    },
                )
            })?
            .py_err()?;
        let mut classes = Vec::with_capacity(rows.len());
        let mut values = Vec::with_capacity(rows.len() * if probs { labels.len() } else { 1 });
        for (class, p) in rows {
            classes.push(class);
            values.extend(p);
        }
        Ok((classes, values))
    }

    /// The class each predicted row shows, with its confidence: its own class, or
    /// `labels.len()` (`uncertain`) when the confidence is below `min_confidence`. `values`
    /// is what [`Model::predict_indexed`] returned with the same `probs`.
    fn shown<'a>(
        &self,
        classes: &'a [usize],
        values: &'a [f64],
        probs: bool,
        min_confidence: Option<f32>,
    ) -> impl ExactSizeIterator<Item = (usize, f64)> + 'a {
        let k = self.bundle.pipeline.model().labels().len();
        classes.iter().enumerate().map(move |(i, &class)| {
            let confidence = if probs {
                values[i * k + class]
            } else {
                values[i]
            };
            match min_confidence {
                Some(min) if (confidence as f32) < min => (k, confidence),
                _ => (class, confidence),
            }
        })
    }
}

/// The class code of a null or blank row in [`Model::predict_arrow`]'s output (the module's
/// `SKIPPED_ROW`).
pub const SKIPPED_ROW: u8 = u8::MAX;

/// Float64 values as little-endian bytes, the layout numpy reads with `dtype="<f8"`.
fn le_bytes(values: &[f64]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

#[pymethods]
impl Model {
    /// Reads a model file (as written by `stance train` or `Model.save`).
    #[staticmethod]
    fn load(py: Python<'_>, path: PathBuf) -> PyResult<Model> {
        let bundle = py.detach(|| Bundle::load(&path)).py_err()?;
        Ok(Model::new(bundle, path.display().to_string()))
    }

    /// Decodes a model from the bytes of a model file; `name` names it in errors.
    #[staticmethod]
    #[pyo3(signature = (data, name = "<bytes>"))]
    fn from_bytes(py: Python<'_>, data: &[u8], name: &str) -> PyResult<Model> {
        let bundle = py
            .detach(|| Bundle::from_bytes(data, Path::new(name)))
            .py_err()?;
        Ok(Model::new(bundle, name.to_string()))
    }

    /// The bytes of the model file.
    fn to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let bytes = py.detach(|| self.bundle.to_bytes()).py_err()?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// Writes the model file atomically.
    fn save(&self, py: Python<'_>, path: PathBuf) -> PyResult<()> {
        py.detach(|| self.bundle.save(&path)).py_err()
    }

    /// Where the model came from: its path, or the name given to `from_bytes`.
    #[getter]
    fn source(&self) -> &str {
        &self.source
    }

    /// The labels, in the order of the probability columns.
    #[getter]
    fn labels(&self) -> Vec<&'static str> {
        self.bundle
            .pipeline
            .model()
            .labels()
            .iter()
            .map(|l| l.as_str())
            .collect()
    }

    /// True when the model's probabilities are calibrated (temperature scaling).
    #[getter]
    fn calibrated(&self) -> bool {
        self.bundle.pipeline.calibration().is_fitted()
    }

    /// The same model with its calibration switched off (`--no-calibration`).
    fn uncalibrated(&self) -> Model {
        Model::new(
            Bundle {
                pipeline: self.bundle.pipeline.clone().uncalibrated(),
                top_features: self.bundle.top_features.clone(),
                provenance: self.bundle.provenance.clone(),
            },
            self.source.clone(),
        )
    }

    /// Labels `texts` on `threads` threads (0: one per core). Returns the label of each text
    /// (`uncertain` below `min_confidence`) and, as little-endian float64 bytes, either every
    /// label's probability (`probs`) or the confidence of each row.
    #[pyo3(signature = (texts, threads, probs = false, min_confidence = None))]
    fn predict_raw<'py>(
        &self,
        py: Python<'py>,
        texts: &Bound<'py, PyAny>,
        threads: usize,
        probs: bool,
        min_confidence: Option<f32>,
    ) -> PyResult<(Bound<'py, PyList>, Bound<'py, PyBytes>)> {
        let texts = texts_of("texts", texts)?;
        let (classes, values) = self.predict_indexed(py, &texts, threads, probs)?;
        let mut names: Vec<Bound<'py, PyString>> = self
            .bundle
            .pipeline
            .model()
            .labels()
            .iter()
            .map(|l| PyString::intern(py, l.as_str()))
            .collect();
        names.push(PyString::intern(py, stance::pipeline::UNCERTAIN));
        let shown = self
            .shown(&classes, &values, probs, min_confidence)
            .map(|(class, _)| names[class].clone());
        let list = PyList::new(py, shown)?;
        Ok((list, PyBytes::new(py, &le_bytes(&values))))
    }

    /// Labels the rows of an Arrow string array (`utf8` or `large_utf8`) read in place, on
    /// `threads` threads. Returns three byte strings: a class code per row (the label's index
    /// in `labels`, `len(labels)` for `UNCERTAIN` below `min_confidence`, `SKIPPED_ROW` for a
    /// null or blank row), each row's confidence as little-endian float64, and with `probs` every
    /// label's probability row by row (empty otherwise). Skipped rows hold zeros. Errors name
    /// rows counted from `first_row` (the array's place in a chunked column).
    #[pyo3(signature = (texts, threads, probs = false, min_confidence = None, first_row = 0))]
    fn predict_arrow<'py>(
        &self,
        py: Python<'py>,
        texts: &Bound<'py, PyAny>,
        threads: usize,
        probs: bool,
        min_confidence: Option<f32>,
        first_row: usize,
    ) -> PyResult<(
        Bound<'py, PyBytes>,
        Bound<'py, PyBytes>,
        Bound<'py, PyBytes>,
    )> {
        let texts = arrow::import_strings(texts, first_row)?;
        let rows = py.detach(|| arrow::rows_of(&texts, first_row))?;
        let present: Vec<&str> = rows.iter().flatten().copied().collect();
        let (classes, values) = self.predict_indexed(py, &present, threads, probs)?;
        let k = self.bundle.pipeline.model().labels().len();
        let mut codes = vec![SKIPPED_ROW; rows.len()];
        let mut confidence = vec![0.0; rows.len()];
        let mut probabilities = vec![0.0; if probs { rows.len() * k } else { 0 }];
        // the rows that were predicted, in the order of `present`
        let filled = rows
            .iter()
            .enumerate()
            .filter_map(|(row, text)| text.map(|_| row));
        let shown = self.shown(&classes, &values, probs, min_confidence);
        for (j, (row, (class, conf))) in filled.zip(shown).enumerate() {
            codes[row] = u8::try_from(class).expect("a model has a handful of labels");
            confidence[row] = conf;
            if probs {
                probabilities[row * k..(row + 1) * k].copy_from_slice(&values[j * k..(j + 1) * k]);
            }
        }
        Ok((
            PyBytes::new(py, &codes),
            PyBytes::new(py, &le_bytes(&confidence)),
            PyBytes::new(py, &le_bytes(&probabilities)),
        ))
    }

    /// The features that pushed `text` most toward `label` (the predicted label when None):
    /// (label, [(feature, kind, weight, start, end, words)]) with character offsets.
    #[pyo3(signature = (text, label = None, top = 5))]
    fn explain(
        &self,
        py: Python<'_>,
        text: &str,
        label: Option<&str>,
        top: usize,
    ) -> PyResult<(String, Vec<Reason>)> {
        if text.trim().is_empty() {
            return Err(PyValueError::new_err("text: empty text"));
        }
        let pipeline = &self.bundle.pipeline;
        let label: Stance = match label {
            Some(l) => l
                .parse()
                .map_err(|e: stance::label::UnknownLabel| PyValueError::new_err(e.to_string()))?,
            None => py.detach(|| pipeline.predict(text)).py_err()?.label,
        };
        let contributions = py.detach(|| pipeline.explain(text, label, top)).py_err()?;
        let rows = contributions
            .into_iter()
            .map(|c| {
                let kind = serde_name(&c.kind).unwrap_or_default();
                let shown = c.shown(text);
                (
                    shown.feature,
                    kind,
                    shown.weight,
                    shown.start,
                    shown.end,
                    shown.text,
                )
            })
            .collect();
        Ok((label.to_string(), rows))
    }

    /// What `stance inspect --json` prints, as a JSON string, with `top` features per label.
    #[pyo3(signature = (top = 20))]
    fn info_json(&self, top: usize) -> String {
        stance::info::info_json(&self.bundle, &self.source, top).to_string()
    }

    /// Splits an article into sentences and labels each, as `stance article --output jsonl`:
    /// a JSON string `{"sentences": [...], "skipped": [...]}` with character offsets.
    #[pyo3(signature = (text, name = "article".to_string(), explain = 5, min_confidence = None))]
    fn analyse_article_json(
        &self,
        py: Python<'_>,
        text: String,
        name: String,
        explain: usize,
        min_confidence: Option<f32>,
    ) -> PyResult<String> {
        let pipeline = &self.bundle.pipeline;
        let report = py
            .detach(|| ArticleReport::analyze(pipeline, name, text, explain))
            .py_err()?;
        let skipped: Vec<serde_json::Value> = report
            .skipped
            .iter()
            .map(|s| {
                serde_json::json!({
                    "start": report.char_offset(s.start),
                    "end": report.char_offset(s.end),
                    "text": report.slice(s.start, s.end),
                    "reason": s.reason,
                })
            })
            .collect();
        Ok(serde_json::json!({
            "sentences": report.json_lines(min_confidence),
            "skipped": skipped,
        })
        .to_string())
    }
}

/// Splits an article into pieces as the `article` verb does: (start, end, text, skip) with
/// character offsets, `skip` naming why a piece is not labelled (rule 8) or None.
#[pyfunction]
pub fn segment(text: &str) -> Vec<(usize, usize, String, Option<String>)> {
    split_article(text)
        .into_iter()
        .map(|s| {
            let skip = s.skip.and_then(|k| serde_name(&k));
            (
                char_offset(text, s.start),
                char_offset(text, s.end),
                s.text(text).to_string(),
                skip,
            )
        })
        .collect()
}

/// The name serde gives a unit enum variant (a feature kind's `"Word"`, a skip reason's
/// `"title"`), as the JSON outputs spell it; None for a value that does not serialise to a
/// string.
fn serde_name<T: serde::Serialize>(value: &T) -> Option<String> {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
}
