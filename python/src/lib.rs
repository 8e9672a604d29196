//! `stance._stance`: the Python binding of the `stance` library, built with PyO3 and maturin.
//!
//! Every function here calls the same library code as the `stance` command line: model files
//! are read and written by [`stance::Bundle`], sentences are labelled by
//! [`stance::Pipeline::predict`], models are trained by [`stance::trainer::train`] and scored
//! by [`stance::Metrics`]. The Python package `stance` (python/stance/) wraps this module with
//! numpy, pandas, pickling, scikit-learn and Spark conveniences.

mod arrow;
mod errors;
mod model;
mod parallel;
mod training;

use pyo3::prelude::*;

/// The native module, imported by the `stance` package as `stance._stance`.
#[pymodule]
fn _stance(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("UNCERTAIN", stance::pipeline::UNCERTAIN)?;
    m.add("SKIPPED_ROW", model::SKIPPED_ROW)?;
    m.add("StanceError", py.get_type::<errors::StanceError>())?;
    m.add("ParseError", py.get_type::<errors::ParseError>())?;
    m.add("ModelFileError", py.get_type::<errors::ModelFileError>())?;
    m.add_class::<model::Model>()?;
    m.add_function(wrap_pyfunction!(training::train, m)?)?;
    m.add_function(wrap_pyfunction!(training::evaluate, m)?)?;
    m.add_function(wrap_pyfunction!(training::read, m)?)?;
    m.add_function(wrap_pyfunction!(model::segment, m)?)?;
    Ok(())
}
