//! Texts read in place from an Arrow string array (pyarrow, Spark's Arrow batches): each row
//! is borrowed from the array's data buffer, with no Python string made per row.
//!
//! The array arrives through the Arrow PyCapsule interface (pyo3-arrow), which imports it
//! without checking its contents, so each row's offsets are checked against the imported data
//! buffer, and its bytes for UTF-8 (simdutf8, as the CLI's reader), before any text reaches
//! the model.

use arrow_array::cast::AsArray;
use arrow_array::{Array, GenericStringArray, OffsetSizeTrait};
use arrow_schema::DataType;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::PyResult;
use pyo3_arrow::PyArray;

/// Each row of an Arrow `utf8` or `large_utf8` array: its text, or `None` when it is null or
/// blank (only white space). A `TypeError` for any other type, a `ValueError` naming the row
/// whose bytes are out of the buffer or not UTF-8, counting rows from `first_row` (the place of
/// the array in a longer column).
pub fn rows_of(array: &PyArray, first_row: usize) -> PyResult<Vec<Option<&str>>> {
    let array = array.array();
    match array.data_type() {
        DataType::Utf8 => rows_of_strings(array.as_string::<i32>(), first_row),
        DataType::LargeUtf8 => rows_of_strings(array.as_string::<i64>(), first_row),
        other => Err(PyTypeError::new_err(format!(
            "texts: expected an Arrow string array (utf8 or large_utf8), found {other}"
        ))),
    }
}

fn rows_of_strings<O: OffsetSizeTrait>(
    array: &GenericStringArray<O>,
    first_row: usize,
) -> PyResult<Vec<Option<&str>>> {
    let offsets = array.value_offsets();
    let data = array.value_data();
    // The C Data Interface gives no length for the data buffer: the import takes it from the
    // last offset, so a negative one would make the buffer look endless to the checks below.
    if offsets.last().is_some_and(|end| end.to_usize().is_none()) {
        let end = first_row + array.len();
        return Err(PyValueError::new_err(format!(
            "texts[{first_row}..{end}]: the last offset is negative, so the data buffer has no \
             valid length"
        )));
    }
    (0..array.len())
        .map(|i| {
            if array.is_null(i) {
                return Ok(None);
            }
            let bytes = offsets[i]
                .to_usize()
                .zip(offsets[i + 1].to_usize())
                .and_then(|(start, end)| data.get(start..end))
                .ok_or_else(|| {
                    let row = first_row + i;
                    PyValueError::new_err(format!("texts[{row}]: offsets outside the data buffer"))
                })?;
            let text = simdutf8::basic::from_utf8(bytes).map_err(|_| {
                PyValueError::new_err(format!("texts[{}]: not valid UTF-8", first_row + i))
            })?;
            Ok((!text.trim().is_empty()).then_some(text))
        })
        .collect()
}
