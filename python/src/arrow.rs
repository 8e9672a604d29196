//! Texts read in place from an Arrow string array (pyarrow, Spark's Arrow batches): each row
//! is borrowed from the array's data buffer, with no Python string made per row.
//!
//! The array arrives through the Arrow PyCapsule interface and is imported with arrow-array's
//! C Data Interface import (`from_ffi`). That import trusts the producer: it takes the data
//! buffer's length from the last offset, so a negative one makes it build a slice of an
//! impossible length, and it reads offsets in place, aligned or not, and a dictionary's too:
//! undefined behaviour before any check of ours could run. [`import_strings`] therefore reads
//! the exported structs first and refuses any array but `utf8` / `large_utf8` without a
//! dictionary, and any layout whose offsets are misaligned or whose last offset is not a valid
//! buffer length; only then does the import run. (No crate checks an export before import;
//! arrow's own validation runs on the imported array, too late.) Each row's offsets are then
//! checked against the imported data buffer, and its bytes for UTF-8 (simdutf8, as the CLI's
//! reader), before any text reaches the model.
//!
//! The capsules are read here rather than through pyo3-arrow, which does the same in a few lines
//! but brings arrow-cast, arrow-select, arrow-ord and more with it, for nothing this module
//! uses: 226 of the binding's 534 CPU-seconds of release build (`cargo build --timings`); on 2
//! cores the wheel builds in 166 s instead of 296 s. Only the schema's format and dictionary
//! are read, not its name or metadata. Arrow's accessors for the format string and the buffers
//! assert on a null pointer or a non-UTF-8 format, a panic where the producer is at fault, so
//! [`format_of`] and [`buffers_present`] read those two fields first.

use std::ffi::{c_char, c_void, CStr};
use std::mem::size_of;
use std::ptr::NonNull;

use arrow_array::cast::AsArray;
use arrow_array::ffi::{from_ffi, FFI_ArrowArray, FFI_ArrowSchema};
use arrow_array::{
    make_array, new_empty_array, Array, ArrayRef, GenericStringArray, OffsetSizeTrait,
};
use arrow_schema::DataType;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyCapsule;
use pyo3::{intern, PyResult};

/// Capsule names fixed by the Arrow PyCapsule interface.
const SCHEMA_CAPSULE: &CStr = c"arrow_schema";
const ARRAY_CAPSULE: &CStr = c"arrow_array";

/// Imports `texts`, an object with `__arrow_c_array__` (a `pyarrow.Array`), as an Arrow
/// string array, after checking what the import itself would trust: the type is `utf8` or
/// `large_utf8` without a dictionary (`TypeError` otherwise), and the array is live, its
/// offsets buffer is present and aligned, and its last offset is a valid length for the data
/// buffer (`ValueError` otherwise, naming rows counted from `first_row`). An empty array is
/// not imported at all: its offset is the producer's word alone, and the import computes
/// buffer sizes from it. Errors the producer raises pass through; an error of the import
/// itself is a `TypeError`.
pub fn import_strings(texts: &Bound<'_, PyAny>, first_row: usize) -> PyResult<ArrayRef> {
    let export = intern!(texts.py(), "__arrow_c_array__");
    if !texts.hasattr(export)? {
        return Err(PyTypeError::new_err(
            "texts: expected an Arrow array (an object with __arrow_c_array__)",
        ));
    }
    let (schema, array): (Bound<'_, PyCapsule>, Bound<'_, PyCapsule>) =
        texts.call_method0(export)?.extract()?;
    let schema_ptr: NonNull<FFI_ArrowSchema> = schema.pointer_checked(Some(SCHEMA_CAPSULE))?.cast();
    let array_ptr: NonNull<FFI_ArrowArray> = array.pointer_checked(Some(ARRAY_CAPSULE))?.cast();
    let checked = {
        // SAFETY: the capsules' names say they hold an ArrowSchema and an ArrowArray (the
        // interface's contract). The references live in this block only, while the capsules
        // are alive and before the import moves the array out of its capsule.
        let (exported_schema, exported_array) =
            unsafe { (schema_ptr.as_ref(), array_ptr.as_ref()) };
        check_exported(exported_schema, exported_array, first_row)?
    };
    match checked {
        // The capsules are dropped unimported: their destructors release the exported structs.
        Checked::Empty(data_type) => Ok(new_empty_array(&data_type)),
        Checked::Rows => {
            // SAFETY: as above, and the checks passed. `from_raw` moves the exported array out
            // of its capsule, leaving a released struct there, which the capsule's destructor
            // must skip (the PyCapsule interface's rule for a moved array); the imported array
            // releases it when dropped, or the import at once if it fails. The schema stays
            // the capsule's, borrowed for the import only.
            let imported = unsafe {
                let exported = FFI_ArrowArray::from_raw(array_ptr.as_ptr());
                from_ffi(exported, schema_ptr.as_ref())
            };
            imported
                .map(make_array)
                .map_err(|err| PyTypeError::new_err(format!("texts: {err}")))
        }
    }
}

/// What [`check_exported`] found: a string array with rows, ready to import, or an empty one
/// of this type.
enum Checked {
    Rows,
    Empty(DataType),
}

/// The checks of [`import_strings`] on the exported structs.
fn check_exported(
    schema: &FFI_ArrowSchema,
    array: &FFI_ArrowArray,
    first_row: usize,
) -> PyResult<Checked> {
    let large = match format_of(schema)? {
        "u" => false,
        "U" => true,
        other => {
            return Err(PyTypeError::new_err(format!(
                "texts: expected an Arrow string array (utf8 or large_utf8), found the Arrow \
                 format {other:?}"
            )))
        }
    };
    // A string format with a dictionary is a dictionary-encoded array whose indices claim to
    // be strings: the import would read the dictionary's offsets unchecked.
    if schema.dictionary().is_some() {
        return Err(PyTypeError::new_err(
            "texts: a string array's schema carries a dictionary (a malformed export)",
        ));
    }
    // `length` and `offset` are i64 in the C struct, read as usize: a negative one is far
    // above isize::MAX.
    let length = Some(array.len()).filter(|&n| n <= isize::MAX as usize);
    let rows = |what: &str| {
        let span = length.and_then(|n| first_row.checked_add(n));
        let span = span.map_or(format!("{first_row}.."), |end| {
            format!("{first_row}..{end}")
        });
        PyValueError::new_err(format!("texts[{span}]: {what}"))
    };
    if array.is_released() {
        return Err(rows("the exported array was already released"));
    }
    if array.dictionary().is_some() {
        return Err(rows(
            "a string array carries a dictionary (a malformed export)",
        ));
    }
    if array.num_buffers() != 3 {
        return Err(rows(
            "a string array has 3 buffers (validity, offsets, data)",
        ));
    }
    if !buffers_present(array) {
        return Err(rows(
            "the exported array has no buffers (a malformed export)",
        ));
    }
    match (array.is_empty(), large) {
        (true, false) => Ok(Checked::Empty(DataType::Utf8)),
        (true, true) => Ok(Checked::Empty(DataType::LargeUtf8)),
        (false, false) => check_offsets::<i32>(array, length, rows).map(|()| Checked::Rows),
        (false, true) => check_offsets::<i64>(array, length, rows).map(|()| Checked::Rows),
    }
}

/// The leading fields of the C Data Interface's `ArrowSchema`, as its specification lays them
/// out (arrow's `FFI_ArrowSchema` is this struct, its fields private).
#[repr(C)]
struct SchemaHead {
    format: *const c_char,
}

/// The leading fields of the C Data Interface's `ArrowArray`, as its specification lays them
/// out (arrow's `FFI_ArrowArray` is this struct, its fields private).
#[repr(C)]
struct ArrayHead {
    /// `length`, `null_count`, `offset`, `n_buffers` and `n_children`.
    _counts: [i64; 5],
    buffers: *const *const c_void,
}

// arrow's structs are the specification's: `ArrowSchema` holds 2 integers and 7 pointers,
// `ArrowArray` 5 integers and 5 pointers. A layout of its own would fail the build here.
const _: () = assert!(size_of::<FFI_ArrowSchema>() == 2 * 8 + 7 * size_of::<usize>());
const _: () = assert!(size_of::<FFI_ArrowArray>() == 5 * 8 + 5 * size_of::<usize>());

/// The schema's format string: a `TypeError` when it is missing or not UTF-8, where arrow's
/// `FFI_ArrowSchema::format` would panic.
fn format_of(schema: &FFI_ArrowSchema) -> PyResult<&str> {
    // SAFETY: `FFI_ArrowSchema` is the specification's `#[repr(C)]` struct, which begins with
    // `SchemaHead`'s field; the format, when not null, is a NUL-terminated string that lives as
    // long as the schema (the specification's contract, which arrow's accessor relies on too).
    let format = unsafe { (*(schema as *const FFI_ArrowSchema).cast::<SchemaHead>()).format };
    if format.is_null() {
        return Err(PyTypeError::new_err(
            "texts: the exported schema has no format string (a malformed export)",
        ));
    }
    // SAFETY: as above.
    unsafe { CStr::from_ptr(format) }.to_str().map_err(|_| {
        PyTypeError::new_err(
            "texts: the exported schema's format is not UTF-8 (a malformed export)",
        )
    })
}

/// Whether the array's buffers pointer is set: arrow's `FFI_ArrowArray::buffer` asserts it.
fn buffers_present(array: &FFI_ArrowArray) -> bool {
    // SAFETY: `FFI_ArrowArray` is the specification's `#[repr(C)]` struct, which begins with
    // `ArrayHead`'s fields.
    let head = unsafe { &*(array as *const FFI_ArrowArray).cast::<ArrayHead>() };
    !head.buffers.is_null()
}

/// Checks the offsets of a string array with rows and offsets of type `O`: its `length`
/// (`None` when negative) and offset give a last index whose offsets buffer fits in memory,
/// the buffer is present and aligned, and the last offset (at `offset + length`, where the
/// import reads it) is a valid buffer length, with a data buffer wherever it is above zero.
/// `rows` makes the error.
fn check_offsets<O: OffsetSizeTrait>(
    array: &FFI_ArrowArray,
    length: Option<usize>,
    rows: impl Fn(&str) -> PyErr,
) -> PyResult<()> {
    let last = length
        .and_then(|n| n.checked_add(array.offset()))
        .filter(|&last| last < isize::MAX as usize / size_of::<O>())
        .ok_or_else(|| rows("negative or impossible length or offset"))?;
    let offsets = array.buffer(1).cast::<O>();
    if offsets.is_null() || !offsets.is_aligned() {
        return Err(rows("the offsets buffer is missing or not aligned"));
    }
    // SAFETY: the producer exports `offset + length + 1` offsets (the C Data Interface's
    // layout, which the import relies on too); the pointer is non-null and aligned.
    let end = unsafe { offsets.add(last).read() };
    // A valid length is at most isize::MAX (a large_utf8 offset may exceed it on 32 bits).
    let Some(end) = end.to_isize().filter(|&end| end >= 0) else {
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
pub fn rows_of(array: &ArrayRef, first_row: usize) -> PyResult<Vec<Option<&str>>> {
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
