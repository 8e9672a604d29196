"""Model.predict_arrow: Arrow string columns read in place give the same labels, confidences
and probabilities as the list route, for every Arrow layout of strings; null and blank rows
give nulls; bad buffers are refused with the row."""

from __future__ import annotations

import ctypes

import numpy as np
import pytest

pa = pytest.importorskip("pyarrow")


@pytest.fixture(scope="module")
def texts(pool):
    return [t for _, t in pool[:3000]]


def test_labels_and_probabilities_equal_the_list_route(model, texts):
    out = model.predict_arrow(pa.array(texts), probs=True, threads=2)
    assert out.type.names == ["label", "confidence", "p_assertion", "p_denial", "p_allegation"]
    assert out.field("label").to_pylist() == model.predict(texts)
    proba = model.predict_proba(texts)
    got = np.column_stack([out.field(f"p_{name}").to_numpy() for name in model.labels])
    assert np.array_equal(got, proba)  # the same bits, not only close
    assert np.array_equal(out.field("confidence").to_numpy(), proba.max(axis=1))


def test_every_string_layout_gives_the_same_labels(model, texts):
    expected = model.predict(texts[100:600])
    base = pa.array(texts)
    layouts = {
        "sliced": base.slice(100, 500),  # a non-zero offset into the buffers
        "large_string": pa.array(texts[100:600], type=pa.large_string()),
        "string_view": pa.array(texts[100:600], type=pa.string_view()),
        "chunked": pa.chunked_array([texts[100:300], texts[300:600]]),
        "dictionary": pa.array(texts[100:600]).dictionary_encode(),
        "list": texts[100:600],
    }
    for name, column in layouts.items():
        assert model.predict_arrow(column).field("label").to_pylist() == expected, name


def test_a_slice_reads_its_own_validity_bits(model, texts):
    column = pa.array([texts[0], None, texts[1], " ", texts[2], None, texts[3]])
    out = model.predict_arrow(column.slice(2, 4))  # texts[1], " ", texts[2], None
    labels = out.field("label").to_pylist()
    assert labels[1] is None and labels[3] is None
    assert [labels[0], labels[2]] == model.predict([texts[1], texts[2]])


def test_null_and_blank_rows_get_nulls_and_keep_their_places(model, texts):
    column = pa.array([texts[0], None, " \t ", texts[1], ""])
    out = model.predict_arrow(column, probs=True)
    labels = out.field("label").to_pylist()
    assert labels[1] is None and labels[2] is None and labels[4] is None
    assert [labels[0], labels[3]] == model.predict([texts[0], texts[1]])
    assert out.field("confidence").null_count == 3
    assert out.field("p_denial").null_count == 3


def test_an_array_of_nulls_and_an_empty_chunked_array(model):
    out = model.predict_arrow(pa.array([None, None]), probs=True)
    assert out.field("label").to_pylist() == [None, None]
    assert out.field("p_allegation").null_count == 2
    empty = model.predict_arrow(pa.chunked_array([], type=pa.string()), probs=True)
    assert len(empty) == 0 and empty.type.names[:2] == ["label", "confidence"]


def test_min_confidence_marks_uncertain_rows(model, texts):
    labels, confidence = model.predict_with_confidence(texts[:1000], min_confidence=0.9)
    out = model.predict_arrow(pa.array(texts[:1000]), min_confidence=0.9)
    assert out.field("label").to_pylist() == labels
    assert "uncertain" in labels
    assert np.array_equal(out.field("confidence").to_numpy(), confidence)


def test_other_types_and_bad_bytes_are_refused(model):
    with pytest.raises(TypeError, match="string array"):
        model.predict_arrow(pa.array([1, 2, 3]))
    with pytest.raises(TypeError, match="string array"):
        model.predict_arrow(pa.chunked_array([], type=pa.int64()))
    offsets = pa.py_buffer(np.array([0, 3, 5], dtype=np.int32).tobytes())
    data = pa.py_buffer(b"abc\xff\xfe")
    broken = pa.Array.from_buffers(pa.string(), 2, [None, offsets, data])
    with pytest.raises(ValueError, match=r"texts\[1\]: not valid UTF-8"):
        model.predict_arrow(broken)
    # In a chunked column the row is named by its place in the column, not in its chunk.
    column = pa.chunked_array([pa.array(["a", "b", "c"]), broken])
    with pytest.raises(ValueError, match=r"texts\[4\]: not valid UTF-8"):
        model.predict_arrow(column)
    # Offsets going backwards pass pyarrow's own check of the layout, not ours. The imported
    # data buffer ends at the last offset (3), so the first row (0..5) is already outside it.
    backwards = pa.py_buffer(np.array([0, 5, 3], dtype=np.int32).tobytes())
    broken = pa.Array.from_buffers(pa.string(), 2, [None, backwards, pa.py_buffer(b"abcde")])
    with pytest.raises(ValueError, match=r"texts\[0\]: offsets outside the data buffer"):
        model.predict_arrow(broken)
    # A negative last offset would give the imported data buffer an endless length. pyarrow
    # refuses to build such an array, so the offsets are changed after it was built, in place
    # (py_buffer shares the numpy array's memory), as a producer that does not check could.
    offsets = np.array([0, 1, 3], dtype=np.int32)
    broken = pa.Array.from_buffers(
        pa.string(), 2, [None, pa.py_buffer(offsets), pa.py_buffer(b"abc")]
    )
    offsets[1:] = [100000, -1]
    # Refused before Arrow's import reads it: the import would build a slice of that length.
    with pytest.raises(ValueError, match=r"texts\[0\.\.2\]: the last offset is negative"):
        model.predict_arrow(broken)
    # Offsets one byte off their alignment: the import would read them as i32 in place.
    raw = np.zeros(16, dtype=np.uint8)
    raw[1:9] = np.frombuffer(np.array([0, 3], dtype=np.int32).tobytes(), dtype=np.uint8)
    unaligned = pa.py_buffer(memoryview(raw)[1:9])
    broken = pa.Array.from_buffers(pa.string(), 1, [None, unaligned, pa.py_buffer(b"abc")])
    with pytest.raises(ValueError, match=r"offsets buffer is missing or not aligned"):
        model.predict_arrow(broken)
    # Other Arrow types are refused by their format, before any import.
    with pytest.raises(TypeError, match=r'found the Arrow format "z"'):
        model.predict_arrow(pa.array([b"abc"]))


def test_layouts_arrow_would_import_unchecked_are_refused_first(model):
    # The last offset is read at the array's offset plus its length, where Arrow's import
    # reads it: here index 3 is negative while index 2 (the length alone) is not.
    offsets = np.array([0, 1, 2, 3], dtype=np.int32)
    sliced = pa.Array.from_buffers(
        pa.string(), 2, [None, pa.py_buffer(offsets), pa.py_buffer(b"abc")], offset=1
    )
    offsets[3] = -1
    with pytest.raises(ValueError, match=r"texts\[0\.\.2\]: the last offset is negative"):
        model.predict_arrow(sliced)
    # large_string: 64-bit offsets, negative or aligned to 4 bytes but not to 8.
    offsets = np.array([0, 1, 3], dtype=np.int64)
    large = pa.Array.from_buffers(
        pa.large_string(), 2, [None, pa.py_buffer(offsets), pa.py_buffer(b"abc")]
    )
    offsets[2] = -1
    with pytest.raises(ValueError, match=r"the last offset is negative"):
        model.predict_arrow(large)
    raw = np.zeros(24, dtype=np.uint8)
    raw[4:20] = np.frombuffer(np.array([0, 3], dtype=np.int64).tobytes(), dtype=np.uint8)
    misaligned = pa.Array.from_buffers(
        pa.large_string(), 1, [None, pa.py_buffer(memoryview(raw)[4:20]), pa.py_buffer(b"abc")]
    )
    with pytest.raises(ValueError, match=r"offsets buffer is missing or not aligned"):
        model.predict_arrow(misaligned)
    # An empty slice is not imported, whatever its offset.
    assert len(model.predict_arrow(pa.array(["a", "b"]).slice(2))) == 0


def capsule_pointer(capsule, name: bytes) -> int:
    """The address a PyCapsule holds under NAME (the exported ArrowSchema or ArrowArray)."""
    get_pointer = ctypes.pythonapi.PyCapsule_GetPointer
    get_pointer.restype = ctypes.c_void_p
    get_pointer.argtypes = [ctypes.py_object, ctypes.c_char_p]
    return get_pointer(capsule, name)


def test_a_string_export_that_claims_a_dictionary_is_refused(model):
    # A producer that is not pyarrow could hand the binding a string schema and array with a
    # dictionary attached; Arrow's import would read the dictionary's offsets unchecked. The
    # exporter below patches pyarrow's exported structs so (ArrowSchema.dictionary at byte 48,
    # ArrowArray.dictionary at byte 56 on 64-bit), attaching a dictionary with a negative last
    # offset, and goes to the binding directly: Model.predict_arrow would let pyarrow refuse it.
    bad_offsets = np.array([0, 1, 3], dtype=np.int32)
    bad = pa.Array.from_buffers(
        pa.string(), 2, [None, pa.py_buffer(bad_offsets), pa.py_buffer(b"abc")]
    )
    bad_offsets[2] = -1

    class DictionaryClaimed:
        kept = []  # the dictionary's capsules outlive the export that points to them

        def __arrow_c_array__(self, requested_schema=None):
            schema, array = pa.array(["a", "b"]).__arrow_c_array__()
            dict_schema, dict_array = bad.__arrow_c_array__()
            self.kept += [dict_schema, dict_array]
            for capsule, name, at, target in [
                (schema, b"arrow_schema", 48, capsule_pointer(dict_schema, b"arrow_schema")),
                (array, b"arrow_array", 56, capsule_pointer(dict_array, b"arrow_array")),
            ]:
                ctypes.c_void_p.from_address(capsule_pointer(capsule, name) + at).value = target
            return schema, array

    with pytest.raises(TypeError, match=r"schema carries a dictionary"):
        model._native.predict_arrow(DictionaryClaimed(), 1)


@pytest.mark.parametrize(
    "field, value, error, message",
    [
        # ArrowSchema.format at byte 0: missing, or bytes that are not UTF-8.
        ("schema", None, TypeError, r"schema has no format string"),
        ("schema", b"\xff\xfe", TypeError, r"schema's format is not UTF-8"),
        # ArrowArray.buffers at byte 40 on 64-bit: missing.
        ("array", None, ValueError, r"texts\[0\.\.2\]: the exported array has no buffers"),
    ],
)
def test_an_export_missing_its_format_or_buffers_is_refused(model, field, value, error, message):
    # Arrow's accessors assert on these fields (a PanicException); the binding reads them first.
    # As above, pyarrow's exported structs are patched and go to the binding directly.

    class Patched:
        kept = []  # the replacement format string outlives the export that points to it

        def __arrow_c_array__(self, requested_schema=None):
            schema, array = pa.array(["a", "b"]).__arrow_c_array__()
            if value is None:
                target = None
            else:
                text = ctypes.create_string_buffer(value)
                self.kept.append(text)
                target = ctypes.addressof(text)
            capsule, name, at = (
                (schema, b"arrow_schema", 0) if field == "schema" else (array, b"arrow_array", 40)
            )
            ctypes.c_void_p.from_address(capsule_pointer(capsule, name) + at).value = target
            return schema, array

    with pytest.raises(error, match=message):
        model._native.predict_arrow(Patched(), 1)
