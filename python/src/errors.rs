//! Library errors as Python exceptions, with the same messages as the command line: the file,
//! the line and the reason.

use pyo3::exceptions::{PyFileNotFoundError, PyOSError, PyPermissionError, PyTypeError};
use pyo3::prelude::*;
use stance::Error;

pyo3::create_exception!(
    stance,
    StanceError,
    pyo3::exceptions::PyValueError,
    "Base of the errors stance raises for bad data, settings or model files (a ValueError)."
);
pyo3::create_exception!(
    stance,
    ParseError,
    StanceError,
    "A row of an input (file, list or configuration) that cannot be read; `path`, `line` and `reason` say where and why."
);
pyo3::create_exception!(
    stance,
    ModelFileError,
    StanceError,
    "A file that is not a stance model, was written by another format version, is truncated or corrupted; `path` names it."
);

/// Converts a library error into the matching Python exception. I/O errors become the
/// matching `OSError` subclass; the message is always the library's (the CLI's) message.
pub fn to_py(err: Error) -> PyErr {
    let message = err.to_string();
    Python::attach(|py| match err {
        Error::Parse { path, line, reason } => {
            let e = ParseError::new_err(message);
            let value = e.value(py);
            let _ = value.setattr("path", path.display().to_string());
            let _ = value.setattr("line", line);
            let _ = value.setattr("reason", reason);
            e
        }
        Error::Io { path, cause } => {
            let args = (cause.raw_os_error().unwrap_or(0), message);
            let e = match cause.kind() {
                std::io::ErrorKind::NotFound => PyFileNotFoundError::new_err(args),
                std::io::ErrorKind::PermissionDenied => PyPermissionError::new_err(args),
                _ => PyOSError::new_err(args),
            };
            let _ = e.value(py).setattr("filename", path.display().to_string());
            e
        }
        Error::NotAModel { path, .. }
        | Error::BundleVersion { path, .. }
        | Error::Truncated { path, .. }
        | Error::Corrupt { path, .. } => {
            let e = ModelFileError::new_err(message);
            let _ = e.value(py).setattr("path", path.display().to_string());
            e
        }
        _ => StanceError::new_err(message),
    })
}

/// Extension trait: `result.py()?` turns a library error into a Python exception.
pub trait IntoPy<T> {
    /// The value, or the error as a Python exception.
    fn py_err(self) -> PyResult<T>;
}

impl<T> IntoPy<T> for stance::Result<T> {
    fn py_err(self) -> PyResult<T> {
        self.map_err(to_py)
    }
}

/// A `TypeError` naming the argument and the position of an item of the wrong type.
pub fn wrong_item(what: &str, index: usize, item: &Bound<'_, PyAny>, expected: &str) -> PyErr {
    let found = item
        .get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "?".into());
    PyTypeError::new_err(format!(
        "{what}[{index}]: expected {expected}, found {found}"
    ))
}
