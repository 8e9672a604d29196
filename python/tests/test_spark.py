"""Spark in local mode (one shared local[2] session): ~20k real sentences labelled by each
stage (mapInArrow, arrow_udf, mapInPandas, pandas_udf) and RDD.pipe through the CLI give the
binding's and the CLI's labels, rows keep their ids, and pickled models reach the workers
intact."""

from __future__ import annotations

import json
import pickle

import numpy as np
import pytest

import stance
import stance.spark
from conftest import MODEL


@pytest.fixture(scope="module")
def frame(spark, pool):
    # Four partitions, so that both Python workers and several batches are used.
    return spark.createDataFrame(pool, "id string, sentence string").repartition(4).cache()


def _has_arrow_udf() -> bool:
    try:
        from pyspark.sql import functions
    except ImportError:
        return True  # the spark fixture reports the missing pyspark
    return hasattr(functions, "arrow_udf")


METHODS = [
    "mapInArrow",
    pytest.param(
        "arrow_udf",
        marks=pytest.mark.skipif(not _has_arrow_udf(), reason="arrow_udf needs pyspark 4.1"),
    ),
    "mapInPandas",
    "pandas_udf",
]


@pytest.mark.parametrize("method", METHODS)
def test_labels_equal_binding_and_cli(frame, pool, model, cli_labels, method):
    out = stance.spark.predict(frame, "sentence", MODEL, method=method)
    assert out.columns == ["id", "sentence", "label", "confidence"]
    rows = out.collect()
    assert len(rows) == len(pool)
    spark_labels = {r["id"]: r["label"] for r in rows}
    assert set(spark_labels) == {i for i, _ in pool}  # every id once, none lost or invented
    binding = dict(zip((i for i, _ in pool), model.predict([t for _, t in pool])))
    cli = {i: o["label"] for i, o in cli_labels.items()}
    assert spark_labels == binding == cli
    # Each row kept its own sentence next to its id.
    text_by_id = dict(pool)
    assert all(r["sentence"] == text_by_id[r["id"]] for r in rows)
    assert all(0.0 < r["confidence"] <= 1.0 for r in rows)


@pytest.mark.parametrize("method", METHODS)
def test_probabilities(frame, pool, cli_labels, method):
    small = frame.limit(3000)
    out = stance.spark.predict(small, "sentence", MODEL, probs=True, method=method)
    assert out.columns == [
        "id", "sentence", "label", "confidence", "p_assertion", "p_denial", "p_allegation",
    ]
    rows = out.collect()
    assert len(rows) == 3000
    for r in rows:
        p = np.array([r["p_assertion"], r["p_denial"], r["p_allegation"]])
        assert abs(p.sum() - 1.0) < 1e-5
        assert r["label"] == cli_labels[r["id"]]["label"]
        assert r["confidence"] == pytest.approx(p.max())
        assert p[["assertion", "denial", "allegation"].index(r["label"])] == p.max()


@pytest.mark.parametrize("method", METHODS)
def test_explanations_nulls_and_blank_texts(spark, pool, model, method):
    rows = [("a", pool[0][1]), ("b", None), ("c", "   "), ("d", pool[1][1])]
    df = spark.createDataFrame(rows, "id string, sentence string")
    predicted = stance.spark.predict(df, "sentence", MODEL, explain=3, method=method)
    out = {r["id"]: r for r in predicted.collect()}
    assert out["b"]["label"] is None and out["c"]["label"] is None
    assert out["b"]["because"] is None
    assert out["a"]["label"] == model.predict([pool[0][1]])[0]
    because = json.loads(out["a"]["because"])
    assert 0 < len(because) <= 3
    for c in because:
        assert set(c) == {"feature", "weight", "start", "end", "text"}
        assert pool[0][1][c["start"] : c["end"]] == c["text"]


@pytest.mark.parametrize("method", METHODS)
def test_column_names_that_need_quoting_pass_through(spark, pool, model, method):
    # A text column whose name holds a dot, beside a struct whose field name holds a space.
    rows = [((f"src {i}",), text) for i, text in pool[:50]]
    df = spark.createDataFrame(rows, "meta struct<`source name`: string>, `body.text` string")
    predicted = stance.spark.predict(df, "body.text", MODEL, method=method)
    assert predicted.columns == ["meta", "body.text", "label", "confidence"]
    out = predicted.collect()
    assert [r["label"] for r in out] == model.predict([t for _, t in pool[:50]])
    assert [r["meta"]["source name"] for r in out] == [f"src {i}" for i, _ in pool[:50]]


def test_an_output_column_name_in_another_case_is_refused(spark):
    df = spark.createDataFrame([("x", "y")], "Label string, sentence string")
    with pytest.raises(ValueError, match=r"already has columns \['label'\]"):
        stance.spark.predict(df, "sentence", MODEL)


def test_a_column_that_is_not_text_is_refused_on_the_driver(spark):
    df = spark.createDataFrame([(1, 2)], "id int, sentence int")
    with pytest.raises(ValueError, match="'sentence' holds int, not string"):
        stance.spark.predict(df, "sentence", MODEL)


def test_a_pickled_model_round_trips_to_the_workers(spark, pool, model):
    shipped = spark.sparkContext.broadcast(pickle.dumps(model))
    texts = [t for _, t in pool[:2000]]

    def label(part):
        m = pickle.loads(shipped.value)
        batch = list(part)
        return m.predict(batch, threads=1) if batch else []

    labels = spark.sparkContext.parallelize(texts, 4).mapPartitions(label).collect()
    assert labels == model.predict(texts)
    # The model object itself is captured by the closure (cloudpickle -> Model.__reduce__).
    again = (
        spark.sparkContext.parallelize(texts[:200], 2)
        .mapPartitions(lambda part: model.predict(list(part), threads=1))
        .collect()
    )
    assert again == model.predict(texts[:200])


def test_workers_predict_with_one_thread(spark):
    threads = (
        spark.sparkContext.parallelize(range(2), 2)
        .map(lambda _: __import__("stance").resolve_threads())
        .collect()
    )
    assert threads == [1, 1]


def test_rdd_pipe_through_the_cli_keeps_ids_and_rows(spark, cli, pool, cli_labels):
    rows = list(pool[:3000])
    # A newline (and a tab) inside a sentence must not shift the rows that follow.
    rows[10] = (rows[10][0], rows[10][1].replace(" ", "\n", 1).replace(" ", "\t", 1))
    df = spark.createDataFrame(rows, "id string, sentence string").repartition(3)
    out = stance.spark.pipe(df, "sentence", "id", MODEL, command=str(cli), probs=True)
    got = {r["id"]: r for r in out.collect()}
    assert len(got) == len(rows)
    for i, _ in rows[11:]:
        assert got[i]["label"] == cli_labels[i]["label"]
    assert abs(sum(got[rows[0][0]]["probabilities"].values()) - 1.0) < 1e-3
