"""Stance labels on Spark DataFrames.

:func:`predict` adds ``label`` and ``confidence`` columns (optionally every label's
probability, and the deciding words) to a DataFrame with a ``mapInArrow`` stage (default), an
``arrow_udf``, or their pandas forms ``mapInPandas`` and ``pandas_udf``. The model file is
shipped to the workers with ``SparkContext.addFile`` (or read from a path every worker sees),
loaded once per Python worker process, and predicts with one thread per task (Spark already
runs one task per core; ``RAYON_NUM_THREADS`` or ``OMP_NUM_THREADS`` in the executor
environment override it)::

    from stance.spark import predict
    labelled = predict(df, "sentence", "models/stance.model", probs=True)

:func:`pipe` is the route without the Python package on the workers: ``RDD.pipe`` through
``stance predict --format jsonl --output jsonl``, with ids kept.
"""

from __future__ import annotations

import json
import os
import shlex
from typing import TYPE_CHECKING, Any, Iterator

import pandas as pd

from . import Model, resolve_threads

if TYPE_CHECKING:  # pragma: no cover
    import pyarrow as pa
    from pyspark.sql import DataFrame
    from pyspark.sql.types import StructType

__all__ = ["predict", "pipe", "pipe_rdd", "load_cached"]

# Models loaded in this process, by (path, size, modification time): once per worker process,
# and again only if the file changes.
_MODELS: dict[tuple[str, int, int], Model] = {}


def load_cached(path: str) -> Model:
    """The model at ``path``, loaded once per process (reloaded if the file changes)."""
    st = os.stat(path)
    key = (os.path.abspath(path), st.st_size, st.st_mtime_ns)
    model = _MODELS.get(key)
    if model is None:
        model = Model.load(path)
        _MODELS.clear()
        _MODELS[key] = model
    return model


def _worker_model(path: str, shipped: bool) -> Model:
    """The model in a Spark task: the shipped copy (``SparkFiles``) or the shared path."""
    if shipped:
        from pyspark import SparkFiles

        local = SparkFiles.get(os.path.basename(path))
        if os.path.exists(local):
            return load_cached(local)
    return load_cached(path)


def _label_frame(
    model: Model,
    texts: "pd.Series",
    probs: bool,
    explain: int,
    min_confidence: float | None,
    threads: int | None,
) -> "pd.DataFrame":
    """:func:`_label_arrow` for a pandas batch: a frame of label, confidence, [p_*],
    [because] in row order, on the batch's index."""
    import pyarrow as pa

    column = pa.array(texts, type=pa.string(), from_pandas=True)
    out = _label_arrow(model, column, probs, explain, min_confidence, threads)
    frame = pa.Table.from_arrays(out.flatten(), names=[f.name for f in out.type]).to_pandas()
    frame.index = texts.index
    return frame


def _because(model: Model, text: str, top: int) -> str:
    """The ``because`` column of one text: its ``top`` deciding features as a JSON list, each
    as ``stance predict --explain`` gives it (feature, weight, character offsets, words)."""
    keys = ("feature", "weight", "start", "end", "text")
    return json.dumps(
        [{k: c[k] for k in keys} for c in model.explain(text, top=top)],
        ensure_ascii=False,
    )


def _label_arrow(
    model: Model,
    texts: "pa.Array",
    probs: bool,
    explain: int,
    min_confidence: float | None,
    threads: int | None,
) -> "pa.StructArray":
    """Labels a batch of texts read in place (:meth:`Model.predict_arrow`): a struct array of
    label, confidence, [p_*], [because] in row order. Null or blank texts get nulls instead of
    failing the task."""
    import pyarrow as pa

    out = model.predict_arrow(texts, threads=threads, probs=probs, min_confidence=min_confidence)
    if explain <= 0:
        return out
    labelled = out.field("label").is_valid().to_numpy(zero_copy_only=False)
    because = [
        _because(model, t, explain) if ok else None
        for t, ok in zip(texts.to_pylist(), labelled)
    ]
    return pa.StructArray.from_arrays(
        [*out.flatten(), pa.array(because, type=pa.string())],
        names=[*(f.name for f in out.type), "because"],
    )


def _output_fields(labels: list[str], probs: bool, explain: int) -> list[tuple[str, str]]:
    fields = [("label", "string"), ("confidence", "double")]
    if probs:
        fields += [(f"p_{name}", "double") for name in labels]
    if explain > 0:
        fields.append(("because", "string"))
    return fields


def predict(
    df: "DataFrame",
    text_col: str,
    model_path: str | os.PathLike[str],
    probs: bool = False,
    explain: int = 0,
    *,
    method: str = "mapInArrow",
    ship: bool = True,
    min_confidence: float | None = None,
    threads: int | None = None,
) -> "DataFrame":
    """``df`` with stance columns added after its own: ``label`` (string) and ``confidence``
    (double); with ``probs`` also ``p_assertion``, ``p_denial``, ``p_allegation``; with
    ``explain`` > 0 a ``because`` column (JSON list of the deciding features and words).

    ``method`` picks the stage. ``"mapInArrow"`` (default) and ``"arrow_udf"`` (pyspark 4.1 and
    later) hand the texts to the model in place as Arrow strings (:meth:`Model.predict_arrow`);
    ``"mapInPandas"`` and ``"pandas_udf"`` go through pandas, which costs about 2 us more per
    row. The ``map`` stages send every column through Python, the UDFs only the text column
    (cheaper for wide rows).

    With ``ship`` (default) the model file goes to the workers with ``SparkContext.addFile``;
    without, ``model_path`` must be a path every worker can read. Rows keep their order within
    partitions and all their columns (ids included). Null or blank texts get null labels.
    Below ``min_confidence`` the label is ``uncertain``. ``threads`` per task: see
    :func:`stance.resolve_threads` (1 in a Spark task unless set).
    """
    from pyspark.sql import SparkSession

    path = os.fspath(model_path)
    labels = Model.load(path).labels  # fails on the driver, before any task, if unreadable
    spark = SparkSession.getActiveSession() or df.sparkSession
    if ship:
        _ship(spark, path)
    if text_col not in df.columns:
        raise ValueError(f"no column {text_col!r} in the DataFrame (columns: {df.columns})")
    kind = df.schema[text_col].dataType.simpleString()
    if kind != "string":
        raise ValueError(f"column {text_col!r} holds {kind}, not string; cast it first")
    fields = _output_fields(labels, probs, explain)
    # Spark matches column names regardless of case unless spark.sql.caseSensitive is set.
    taken = {name.lower() for name in df.columns}
    clash = [name for name, _ in fields if name.lower() in taken]
    if clash:
        raise ValueError(f"the DataFrame already has columns {clash}; rename them first")
    options = (path, ship, probs, explain, min_confidence, threads)
    stages = {
        "mapInArrow": _by_map_in_arrow,
        "arrow_udf": _by_arrow_udf,
        "mapInPandas": _by_map_in_pandas,
        "pandas_udf": _by_pandas_udf,
    }
    if method not in stages:
        raise ValueError(f"unknown method {method!r} (expected one of {list(stages)})")
    return stages[method](df, text_col, fields, options)


def _ship(spark: Any, path: str) -> None:
    """Adds the model file to the Spark context once (adding the same name twice fails)."""
    sc = spark.sparkContext
    shipped = getattr(sc, "_stance_shipped", set())
    key = os.path.abspath(path)
    if key not in shipped:
        sc.addFile(key)
        shipped.add(key)
        sc._stance_shipped = shipped


def _map_schema(df: "DataFrame", fields: list[tuple[str, str]]) -> "StructType":
    """The schema of a map stage's output: every input column, then the stance columns. A
    StructType rather than a DDL string, which cannot spell every input column (nested field
    names with spaces, user-defined types such as ML vectors)."""
    from pyspark.sql.types import DoubleType, StringType, StructField, StructType

    kinds = {"string": StringType(), "double": DoubleType()}
    return StructType(
        [*df.schema.fields, *(StructField(name, kinds[kind]) for name, kind in fields)]
    )


def _plain_columns(
    df: "DataFrame", text_col: str, fields: list[tuple[str, str]]
) -> tuple["DataFrame", str, Any]:
    """``df`` with its columns renamed by position, for pyspark's map stages, which resolve
    every input column by name (a name holding a dot would read as a nested field); the text
    column's new name; and a function that gives the stage's output the original names back."""
    plain = [f"_{i}" for i in range(len(df.columns))]
    names = [*df.columns, *(name for name, _ in fields)]
    return df.toDF(*plain), plain[df.columns.index(text_col)], lambda out: out.toDF(*names)


def _by_map_in_pandas(
    df: "DataFrame", text_col: str, fields: list[tuple[str, str]], options: tuple[Any, ...]
) -> "DataFrame":
    path, ship, probs, explain, min_confidence, threads = options
    frame, text, restore = _plain_columns(df, text_col, fields)

    def label_batches(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        model = _worker_model(path, ship)
        for batch in batches:
            added = _label_frame(model, batch[text], probs, explain, min_confidence, threads)
            yield pd.concat([batch, added], axis=1)

    return restore(frame.mapInPandas(label_batches, _map_schema(frame, fields)))


def _by_map_in_arrow(
    df: "DataFrame", text_col: str, fields: list[tuple[str, str]], options: tuple[Any, ...]
) -> "DataFrame":
    import pyarrow as pa

    path, ship, probs, explain, min_confidence, threads = options
    frame, text, restore = _plain_columns(df, text_col, fields)

    def label_batches(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        model = _worker_model(path, ship)
        for batch in batches:
            added = _label_arrow(
                model, batch.column(text), probs, explain, min_confidence, threads
            )
            yield pa.RecordBatch.from_arrays(
                [*batch.columns, *added.flatten()],
                names=[*batch.schema.names, *(f.name for f in added.type)],
            )

    return restore(frame.mapInArrow(label_batches, _map_schema(frame, fields)))


def _with_struct_udf(
    df: "DataFrame", text_col: str, fields: list[tuple[str, str]], udf: Any
) -> "DataFrame":
    """``df`` with the fields of a struct-returning UDF of ``text_col`` as its last columns."""
    from pyspark.sql import functions as F

    tmp = "__stance_prediction"
    return df.withColumn(tmp, udf(_column(text_col))).select(
        "*", *[F.col(f"{tmp}.{name}").alias(name) for name, _ in fields]
    ).drop(tmp)


def _column(name: str) -> Any:
    """The top-level column `name`, quoted: unquoted, "a.b" would be field b of column a."""
    from pyspark.sql import functions as F

    return F.col("`" + name.replace("`", "``") + "`")


def _struct_type(fields: list[tuple[str, str]]) -> str:
    return "struct<" + ", ".join(f"{name} {kind}" for name, kind in fields) + ">"


def _by_pandas_udf(
    df: "DataFrame", text_col: str, fields: list[tuple[str, str]], options: tuple[Any, ...]
) -> "DataFrame":
    from pyspark.sql import functions as F

    path, ship, probs, explain, min_confidence, threads = options

    def label_texts(texts: pd.Series) -> pd.DataFrame:
        model = _worker_model(path, ship)
        return _label_frame(model, texts, probs, explain, min_confidence, threads)

    # Real classes, not the strings `from __future__ import annotations` leaves: pyspark
    # reads the hints to pick the UDF kind (Series -> DataFrame: a scalar UDF of a struct).
    label_texts.__annotations__ = {"texts": pd.Series, "return": pd.DataFrame}
    udf = F.pandas_udf(label_texts, _struct_type(fields))  # type: ignore[call-overload]
    return _with_struct_udf(df, text_col, fields, udf)


def _by_arrow_udf(
    df: "DataFrame", text_col: str, fields: list[tuple[str, str]], options: tuple[Any, ...]
) -> "DataFrame":
    import pyarrow as pa
    from pyspark.sql import functions as F

    if not hasattr(F, "arrow_udf"):
        raise ValueError("method 'arrow_udf' needs pyspark 4.1 or later; use 'mapInArrow'")
    path, ship, probs, explain, min_confidence, threads = options

    def label_texts(texts: pa.Array) -> pa.Array:
        model = _worker_model(path, ship)
        return _label_arrow(model, texts, probs, explain, min_confidence, threads)

    # As in _by_pandas_udf: pyspark reads real classes from the hints (Array -> Array).
    label_texts.__annotations__ = {"texts": pa.Array, "return": pa.Array}
    udf = F.arrow_udf(label_texts, _struct_type(fields))
    return _with_struct_udf(df, text_col, fields, udf)


def pipe_rdd(
    df: "DataFrame",
    text_col: str,
    id_col: str,
    model_path: str | os.PathLike[str],
    command: str = "stance",
    probs: bool = False,
) -> Any:
    """The RDD behind :func:`pipe`: one dict per prediction, as ``stance predict --output
    jsonl`` prints it (``id``, ``text``, ``label``, ``confidence``, [``probabilities``])."""
    from pyspark.sql import functions as F

    cmd = [
        command,
        "--quiet",
        "predict",
        "--input",
        "-",
        "--format",
        "jsonl",
        "--output",
        "jsonl",
        "--threads",
        "1",
        "--model",
        os.path.abspath(os.fspath(model_path)),
    ]
    if probs:
        cmd.append("--probs")
    rows = (
        df.where(_column(text_col).isNotNull() & (F.trim(_column(text_col)) != ""))
        .select(_column(id_col).cast("string"), _column(text_col))
        .rdd.map(lambda r: json.dumps({"id": r[0], "text": r[1]}, ensure_ascii=False))
    )
    return rows.pipe(shlex.join(cmd)).map(json.loads)


def pipe(
    df: "DataFrame",
    text_col: str,
    id_col: str,
    model_path: str | os.PathLike[str],
    command: str = "stance",
    probs: bool = False,
) -> "DataFrame":
    """The CLI route: each partition piped through ``stance predict --input - --format jsonl
    --output jsonl --threads 1`` (``RDD.pipe``); returns ``id``, ``label``, ``confidence``
    (and ``probabilities`` as a map with ``probs``).

    Rows travel as JSON lines, so a newline inside a sentence does not shift rows and no
    header is repeated per partition; the id comes back with each prediction. ``command`` is
    the ``stance`` binary on the workers; ``model_path`` must be readable by every worker.
    Null or blank texts are left out (the CLI rejects them).
    """
    from pyspark.sql.types import (
        DoubleType,
        MapType,
        StringType,
        StructField,
        StructType,
    )

    out = pipe_rdd(df, text_col, id_col, model_path, command, probs)
    fields = [
        StructField("id", StringType()),
        StructField("label", StringType()),
        StructField("confidence", DoubleType()),
    ]
    if probs:
        fields.append(StructField("probabilities", MapType(StringType(), DoubleType())))
        out = out.map(
            lambda o: (o.get("id"), o["label"], o["confidence"], o.get("probabilities"))
        )
    else:
        out = out.map(lambda o: (o.get("id"), o["label"], o["confidence"]))
    return df.sparkSession.createDataFrame(out, StructType(fields))
