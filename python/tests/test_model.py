"""The binding against the CLI: same labels, probabilities, model info, article output and
error messages, on real sentences and the repository's files."""

from __future__ import annotations

import json
import pickle
import threading
import time

import numpy as np
import pytest

import stance
from conftest import MODEL, REPO, run_cli

SEED_ARTICLE = REPO.parent / "shared" / "seed-article.txt"


def test_labels_equal_the_cli_on_real_sentences(model, pool, cli_labels):
    texts = [t for _, t in pool]
    labels = model.predict(texts)
    assert labels == [cli_labels[i]["label"] for i, _ in pool]


def test_probabilities_sum_to_one_and_match_the_cli(model, pool, cli_labels):
    ids = [i for i, _ in pool[:3000]]
    proba = model.predict_proba([t for _, t in pool[:3000]])
    assert proba.shape == (3000, 3)
    assert proba.dtype == np.float64
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-5)
    cli = np.array([[cli_labels[i]["probabilities"][l] for l in model.labels] for i in ids])
    np.testing.assert_allclose(proba, cli, atol=1e-6)
    assert [model.labels[j] for j in proba.argmax(axis=1)] == model.predict(
        [t for _, t in pool[:3000]]
    )
    labels, confidence = model.predict_with_confidence([t for _, t in pool[:3000]])
    np.testing.assert_allclose(confidence, proba.max(axis=1))


def test_thread_counts_give_the_same_answer(model, pool):
    texts = [t for _, t in pool[:4000]]
    one = model.predict_proba(texts, threads=1)
    two = model.predict_proba(texts, threads=2)
    every = model.predict_proba(texts, threads=0)
    assert np.array_equal(one, two) and np.array_equal(one, every)


def test_large_and_small_batches_give_the_same_bits(model, pool):
    """A batch of 2,048 texts or more is scored through the packed model (built by the first
    large batch, kept for the next), a smaller one straight from the pipeline: the same
    sentence gets the same probabilities either way."""
    texts = [t for _, t in pool[:2500]]
    assert len(texts) == 2500  # above the packing threshold (2,048); the parts of 500 below it
    large = model.predict_proba(texts)
    again = model.predict_proba(texts[::-1])[::-1]
    small = np.vstack([model.predict_proba(texts[i : i + 500]) for i in range(0, 2500, 500)])
    assert np.array_equal(large, small)
    assert np.array_equal(again, small)


def test_threads_follow_the_argument_then_the_environment(monkeypatch):
    monkeypatch.delenv("RAYON_NUM_THREADS", raising=False)
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    assert stance.resolve_threads(3) == 3
    assert stance.resolve_threads(None) == 0  # every core, outside Spark
    monkeypatch.setenv("OMP_NUM_THREADS", "2")
    assert stance.resolve_threads(None) == 2
    monkeypatch.setenv("RAYON_NUM_THREADS", "1")
    assert stance.resolve_threads(None) == 1
    assert stance.resolve_threads(4) == 4
    monkeypatch.setenv("RAYON_NUM_THREADS", "many")
    with pytest.raises(ValueError, match="RAYON_NUM_THREADS"):
        stance.resolve_threads(None)
    with pytest.raises(ValueError):
        stance.resolve_threads(-1)


def test_the_gil_is_released_while_predicting(model, pool):
    texts = [t for _, t in pool] * 2
    ticks = 0
    done = threading.Event()

    def count():
        nonlocal ticks
        while not done.is_set():
            ticks += 1

    started = time.perf_counter()
    counter = threading.Thread(target=count)
    counter.start()
    try:
        before = ticks
        model.predict(texts, threads=1)
        during = ticks - before
    finally:
        done.set()
        counter.join()
    elapsed = time.perf_counter() - started
    assert elapsed > 0.05, "the batch must take long enough to measure"
    # With the GIL held for the whole call, the counting thread could not run at all.
    assert during > 10_000, f"only {during} ticks in {elapsed:.2f} s"


def test_pickling_round_trips_through_the_model_bytes(model, pool):
    texts = [t for _, t in pool[:500]]
    back = pickle.loads(pickle.dumps(model))
    assert isinstance(back, stance.Model)
    assert back.to_bytes() == model.to_bytes() == MODEL.read_bytes()
    assert back.labels == model.labels
    assert np.array_equal(back.predict_proba(texts), model.predict_proba(texts))


def test_save_and_from_bytes(model, tmp_path):
    path = tmp_path / "copy.model"
    model.save(path)
    assert path.read_bytes() == MODEL.read_bytes()
    again = stance.Model.from_bytes(path.read_bytes(), name="copy")
    assert again.source == "copy"
    assert stance.Model.load(path).predict(["نفت الوزارة صحة هذه الأنباء"]) == ["denial"]


def test_min_confidence_and_uncalibrated(model, pool, cli, tmp_path):
    texts = [t for _, t in pool[:300]]
    labels, confidence = model.predict_with_confidence(texts, min_confidence=0.9)
    assert all((c < 0.9) == (l == "uncertain") for l, c in zip(labels, confidence))
    src = tmp_path / "s.txt"
    src.write_text("\n".join(texts) + "\n", encoding="utf-8")
    out = run_cli(
        cli, "--quiet", "predict", "--input", str(src), "--model", str(MODEL),
        "--min-confidence", "0.9", "--no-calibration", "--output", "jsonl",
    ).stdout
    cli_rows = [json.loads(l) for l in out.splitlines()]
    raw = model.uncalibrated()
    assert model.calibrated and not raw.calibrated
    assert raw.predict(texts, min_confidence=0.9) == [r["label"] for r in cli_rows]


def test_info_is_what_inspect_prints(model, cli):
    shown = json.loads(run_cli(cli, "inspect", "--json", str(MODEL)).stdout)
    info = model.info()
    assert info["model"] == str(MODEL)
    assert info == shown
    assert len(model.info(top=3)["top_features"][0]["features"]) == 3


def test_explain_points_at_the_words(model):
    text = "نفت وزارة الداخلية صحة الأنباء عن اعتقال صحفيين في العاصمة."
    reasons = model.explain(text, top=4)
    assert 0 < len(reasons) <= 4
    weights = [r["weight"] for r in reasons]
    assert weights == sorted(weights, reverse=True) and weights[-1] > 0
    for r in reasons:
        assert text[r["start"] : r["end"]] == r["text"]
    assert model.explain(text, label="assertion", top=2) != reasons


def test_article_matches_the_article_verb(model, cli):
    if not SEED_ARTICLE.exists():
        pytest.skip(f"no {SEED_ARTICLE}")
    article = SEED_ARTICLE.read_text(encoding="utf-8")
    ours = model.analyse_article(article, name=str(SEED_ARTICLE))
    out = run_cli(
        cli, "article", str(SEED_ARTICLE), "--output", "jsonl", "--model", str(MODEL)
    ).stdout
    theirs = [json.loads(l) for l in out.splitlines()]
    assert ours == theirs
    for s in ours:
        assert article[s["start"] : s["end"]] == s["text"]
    pieces = stance.segment(article)
    kept = [p for p in pieces if p["skip"] is None]
    assert [(p["start"], p["end"]) for p in kept] == [(s["start"], s["end"]) for s in ours]
    full = model.analyse_article_full(article)
    assert [(p["start"], p["end"]) for p in pieces if p["skip"]] == [
        (s["start"], s["end"]) for s in full["skipped"]
    ]


def test_evaluate_matches_eval(model, cli):
    path = REPO / "datasets" / "test.tsv"
    data = stance.read(path, labels_required=True)
    ours = stance.evaluate(model, data["text"], data["label"])
    theirs = json.loads(
        run_cli(cli, "eval", str(path), "--json", "--bootstrap", "0", "--model", str(MODEL)).stdout
    )
    for key in ("rows", "accuracy", "macro_f1", "confusion", "per_label"):
        assert ours[key] == theirs[key], key
    assert ours["report"].startswith(f"rows {ours['rows']}")


# ---- errors: the CLI's messages, naming the file and the line --------------------------------


def test_a_bad_row_names_the_file_and_line_as_the_cli(cli):
    bad = REPO / "tests" / "fixtures" / "bad_label.tsv"
    with pytest.raises(stance.ParseError) as caught:
        stance.read(bad, labels_required=True)
    err = caught.value
    assert err.path == str(bad) and err.line == 3
    assert str(err).startswith(f"{bad}:3: unknown label")
    shown = run_cli(cli, "eval", str(bad), "--model", str(MODEL), check=False)
    assert shown.returncode == 1
    assert str(err) in shown.stderr
    assert isinstance(err, stance.StanceError) and isinstance(err, ValueError)


def test_model_file_errors_name_the_file(tmp_path, cli):
    missing = tmp_path / "none.model"
    with pytest.raises(FileNotFoundError, match=str(missing)):
        stance.Model.load(missing)
    not_model = tmp_path / "words.model"
    not_model.write_text("hello, world\n")
    with pytest.raises(stance.ModelFileError, match="not a stance model file") as caught:
        stance.Model.load(not_model)
    assert caught.value.path == str(not_model)
    shown = run_cli(cli, "predict", "x y z", "--model", str(not_model), check=False)
    assert str(caught.value) in shown.stderr
    short = tmp_path / "short.model"
    short.write_bytes(MODEL.read_bytes()[:1000])
    with pytest.raises(stance.ModelFileError, match="truncated"):
        stance.Model.load(short)
    with pytest.raises(stance.ModelFileError, match="<bytes>"):
        stance.Model.from_bytes(MODEL.read_bytes()[:-1] + b"\x00")


def test_bad_texts_are_rejected_with_their_position(model):
    with pytest.raises(TypeError, match=r"texts\[1\]: expected str, found NoneType"):
        model.predict(["نفى الوزير", None])
    with pytest.raises(ValueError, match=r"texts\[0\]: empty text"):
        model.predict(["  "])
    with pytest.raises(TypeError, match="one str"):
        model.predict("نفى الوزير الخبر")
    assert model.predict([]) == []
    assert model.predict_proba([]).shape == (0, 3)


def test_pandas_columns_work(model, pool):
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(pool[:200], columns=["id", "text"])
    assert model.predict(frame["text"]) == model.predict([t for _, t in pool[:200]])
