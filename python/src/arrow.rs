//! Texts read in place from an Arrow string array (pyarrow, Spark's Arrow batches): each row
//! is borrowed from the array's data buffer, with no Python string made per row.
//!
//! The array arrives through the Arrow PyCapsule interface. Arrow's import (`from_ffi`, which
//! pyo3-arrow calls) trusts the producer: it takes the data buffer's length from the last
//! offset, so a negative one makes it build a slice of an impossible length, undefined
//! behaviour before any check of ours could run. [`import_strings`] therefore reads the
//! exported structs first and refuses any array but `utf8` / `large_utf8` and any layout whose
//! last offset is not a valid buffer length; only then does the import run. Each row's offsets
//! are then checked against the imported data buffer, and its bytes for UTF-8 (simdutf8, as
//! the CLI's reader), before any text reaches the model.

use std::ffi::CStr;
use std::mem::size_of;
use std::ptr::NonNull;

use arrow_array::cast::AsArray;
use arrow_array::ffi::{FFI_ArrowArray, FFI_ArrowSchema};
use arrow_array::{Array, GenericStringArray, OffsetSizeTrait};
use arrow_schema::DataType;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyCapsule;
use pyo3::{intern, PyResult};
use pyo3_arrow::PyArray;

/// Capsule names fixed by the Arrow PyCapsule interface.
const SCHEMA_CAPSULE: &CStr = c"arrow_schema";
const ARRAY_CAPSULE: &CStr = c"arrow_array";

/// Imports `texts`, an object with `__arrow_c_array__` (a `pyarrow.Array`), as an Arrow
/// string array, after checking what the import itself would trust: the type is `utf8` or
/// `large_utf8` (`TypeError` otherwise), and the array is live, its buffers are present and
/// aligned, and its last offset is a valid length for the data buffer (`ValueError` otherwise,
/// naming rows counted from `first_row`).
pub fn import_strings(texts: &Bound<'_, PyAny>, first_row: usize) -> PyResult<PyArray> {
    let exported = texts
        .call_method0(intern!(texts.py(), "__arrow_c_array__"))
        .map_err(|_| {
            PyTypeError::new_err(
                "texts: expected an Arrow array (an object with __arrow_c_array__)",
            )
        })?;
    let (schema, array): (Bound<'_, PyCapsule>, Bound<'_, PyCapsule>) = exported.extract()?;
    let schema_ptr: NonNull<FFI_ArrowSchema> = schema.pointer_checked(Some(SCHEMA_CAPSULE))?.cast();
    let array_ptr: NonNull<FFI_ArrowArray> = array.pointer_checked(Some(ARRAY_CAPSULE))?.cast();
    // SAFETY: the capsules' names say they hold an ArrowSchema and an ArrowArray (the
    // interface's contract); both are only read here, while the capsules are alive, and the
    // array is moved out of its capsule only by the import below.
    let (format, exported_array) = unsafe { (schema_ptr.as_ref().format(), array_ptr.as_ref()) };
    match format {
        "u" => check_layout::<i32>(exported_array, first_row)?,
        "U" => check_layout::<i64>(exported_array, first_row)?,
        other => {
            return Err(PyTypeError::new_err(format!(
                "texts: expected an Arrow string array (utf8 or large_utf8), found the Arrow \
                 format {other:?}"
            )))
        }
    }
    PyArray::from_arrow_pycapsule(&schema, &array)
}

/// Checks what Arrow's import of a string array with offsets of type `O` reads without
/// checking: the array is not released, has three buffers, and, when it has rows, an aligned
/// offsets buffer whose last offset (at `offset + length`, as the import reads it) is not
/// negative, and a data buffer wherever that offset is above zero.
fn check_layout<O: OffsetSizeTrait>(array: &FFI_ArrowArray, first_row: usize) -> PyResult<()> {
    let rows = |what: &str| {
        let end = first_row.saturating_add(array.len());
        PyValueError::new_err(format!("texts[{first_row}..{end}]: {what}"))
    };
    if array.is_released() {
        return Err(rows("the exported array was already released"));
    }
    if array.num_buffers() != 3 {
        return Err(rows(
            "a string array has 3 buffers (validity, offsets, data)",
        ));
    }
    if array.is_empty() {
        return Ok(()); // the import reads no offset of an empty array
    }
    // `len` and `offset` are i64 in the C struct, read as usize: a negative one is far above
    // isize::MAX, as is a sum too large for any buffer.
    let last = array
        .len()
        .checked_add(array.offset())
        .filter(|&last| last < isize::MAX as usize / size_of::<O>())
        .ok_or_else(|| rows("negative or impossible length or offset"))?;
    let offsets = array.buffer(1).cast::<O>();
    if offsets.is_null() || !offsets.is_aligned() {
        return Err(rows("the offsets buffer is missing or not aligned"));
    }
    // SAFETY: the producer exports `offset + length + 1` offsets (the C Data Interface's
    // layout, which the import relies on too); the pointer is non-null and aligned.
    let end = unsafe { offsets.add(last).read() };
    let Some(end) = end.to_usize() else {
        return Err(rows(
            "the last offset is negative, so the data buffer has no valid length",
        ));
    };
    if end > 0 && array.buffer(2).is_null() {
        return Err(rows("the data buffer is missing"));
    }
    Ok(())
}

/// Each row of an imported Arrow `utf8` or `large_utf8` array: its text, or `None` when it
/// is null or blank (only white space). A `TypeError` for any other type, a `ValueError`
/// naming the row whose bytes are out of the buffer or not UTF-8, counting rows from
/// `first_row` (the place of the array in a longer column).
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
