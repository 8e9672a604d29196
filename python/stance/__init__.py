"""Stance labels for Arabic news sentences: assertion, denial or allegation.

The same Rust code and model files as the ``stance`` command line, for Python::

    import stance
    model = stance.Model.load("models/stance.model")
    model.predict(["نفت الوزارة صحة هذه الأنباء"])        # ['denial']
    model.predict_proba(texts)                         # numpy array, one column per model.labels

Training and evaluation take lists or pandas columns (:func:`train`, :func:`evaluate`);
:mod:`stance.sklearn` has a scikit-learn estimator and :mod:`stance.spark` a Spark stage.
Errors are the CLI's: :class:`ParseError` names the file (or list) and line, :class:`ModelFileError`
the model file; both are :class:`StanceError`, itself a ``ValueError``.
"""

from __future__ import annotations

import json
import os
import sys
from os import PathLike
from typing import Any, Iterable, Mapping, Sequence, Union

import numpy as np

from . import _stance
from ._stance import ModelFileError, ParseError, StanceError

__all__ = [
    "Model",
    "train",
    "evaluate",
    "segment",
    "read",
    "resolve_threads",
    "StanceError",
    "ParseError",
    "ModelFileError",
    "LABELS",
    "__version__",
]

__version__: str = _stance.__version__

#: The three labels, in the order of the probability columns of every shipped model.
LABELS: tuple[str, str, str] = ("assertion", "denial", "allegation")

PathType = Union[str, "PathLike[str]"]
Texts = Iterable[str]


def _in_spark_task() -> bool:
    """True inside a Spark task (a Python worker running a UDF, mapInArrow or mapInPandas)."""
    if "pyspark" not in sys.modules:
        return False
    try:
        from pyspark import TaskContext
    except ImportError:  # pragma: no cover - pyspark half-imported
        return False
    return TaskContext.get() is not None


def resolve_threads(threads: int | None = None) -> int:
    """The number of prediction threads to use.

    ``threads`` when given (0 means one per core), else ``RAYON_NUM_THREADS``, else
    ``OMP_NUM_THREADS``, else 1 inside a Spark task (Spark already runs one task per core),
    else 0 (one per core), as the CLI's ``--threads 0``.
    """
    if threads is not None:
        if int(threads) < 0:
            raise ValueError(f"threads must be >= 0, found {threads}")
        return int(threads)
    for var in ("RAYON_NUM_THREADS", "OMP_NUM_THREADS"):
        value = os.environ.get(var, "").strip()
        if value:
            try:
                n = int(value)
            except ValueError:
                raise ValueError(f"{var} is not a number of threads: {value!r}") from None
            if n >= 0:
                return n
    return 1 if _in_spark_task() else 0


def _as_list(texts: Any) -> Any:
    """A pandas Series or numpy array as a list; other sequences as they are."""
    if hasattr(texts, "tolist") and not isinstance(texts, (str, bytes)):
        return texts.tolist()
    return texts


def _as_string_array(texts: Any) -> Any:
    """A pyarrow array as one the binding reads in place (``string`` or ``large_string``):
    dictionary-encoded values decoded, ``string_view`` (pyarrow 16 and later) and an all-null
    array cast. Any other type is left for the binding to refuse."""
    import pyarrow as pa

    kind = texts.type
    if pa.types.is_dictionary(kind):
        return _as_string_array(texts.dictionary_decode())
    is_view = getattr(pa.types, "is_string_view", lambda _: False)  # pyarrow < 16 has no views
    if pa.types.is_null(kind) or is_view(kind):
        return texts.cast(pa.string())
    return texts


class Model:
    """A trained stance model: one model file, as written by ``stance train``.

    Load one with :meth:`load` or :meth:`from_bytes`, or train one with :func:`train`.
    Models pickle through their file bytes, so they can be shipped to Spark or
    multiprocessing workers.
    """

    __slots__ = ("_native",)

    def __init__(self, native: _stance.Model) -> None:
        """Wraps a native model; use :meth:`load`, :meth:`from_bytes` or :func:`train`."""
        if not isinstance(native, _stance.Model):
            raise TypeError("use Model.load(path), Model.from_bytes(data) or stance.train(...)")
        self._native = native

    @classmethod
    def load(cls, path: PathType) -> "Model":
        """Reads a model file; raises ``FileNotFoundError`` or :class:`ModelFileError`."""
        return cls(_stance.Model.load(os.fspath(path)))

    @classmethod
    def from_bytes(cls, data: bytes, name: str = "<bytes>") -> "Model":
        """Decodes the bytes of a model file; ``name`` names it in errors."""
        return cls(_stance.Model.from_bytes(bytes(data), name))

    def to_bytes(self) -> bytes:
        """The bytes of the model file (what :meth:`save` writes)."""
        return self._native.to_bytes()

    def save(self, path: PathType) -> None:
        """Writes the model file atomically (a temporary file, then a rename)."""
        self._native.save(os.fspath(path))

    def __reduce__(self) -> tuple[Any, tuple[bytes, str]]:
        return (_model_from_pickle, (self.to_bytes(), self._native.source))

    def __repr__(self) -> str:
        return f"stance.Model({self._native.source!r}, labels={self.labels!r})"

    @property
    def labels(self) -> list[str]:
        """The labels, in the order of :meth:`predict_proba`'s columns."""
        return self._native.labels

    @property
    def source(self) -> str:
        """Where the model came from: its path, or the name given to :meth:`from_bytes`."""
        return self._native.source

    @property
    def calibrated(self) -> bool:
        """True when the probabilities are calibrated (temperature scaling fitted in training)."""
        return self._native.calibrated

    def uncalibrated(self) -> "Model":
        """The same model without its calibration (the CLI's ``--no-calibration``)."""
        return Model(self._native.uncalibrated())

    def predict(
        self,
        texts: Texts,
        threads: int | None = None,
        min_confidence: float | None = None,
    ) -> list[str]:
        """The label of each text, in order.

        ``threads``: see :func:`resolve_threads`. Below ``min_confidence`` the label is
        ``"uncertain"`` (the CLI's ``--min-confidence``). Empty texts raise ``ValueError``
        (the CLI rejects them too); the GIL is released while predicting.
        """
        labels, _ = self._native.predict_raw(
            _as_list(texts), resolve_threads(threads), False, min_confidence
        )
        return labels

    def predict_proba(self, texts: Texts, threads: int | None = None) -> np.ndarray:
        """Probabilities, an ``n x 3`` float64 array whose columns follow :attr:`labels`."""
        _, raw = self._native.predict_raw(_as_list(texts), resolve_threads(threads), True)
        return np.frombuffer(raw, dtype="<f8").reshape(-1, len(self.labels))

    def predict_with_confidence(
        self,
        texts: Texts,
        threads: int | None = None,
        min_confidence: float | None = None,
    ) -> tuple[list[str], np.ndarray]:
        """Labels and the probability of each predicted label, in one pass."""
        labels, raw = self._native.predict_raw(
            _as_list(texts), resolve_threads(threads), False, min_confidence
        )
        return labels, np.frombuffer(raw, dtype="<f8")

    def predict_arrow(
        self,
        texts: Any,
        threads: int | None = None,
        probs: bool = False,
        min_confidence: float | None = None,
    ) -> Any:
        """Labels an Arrow column of texts: a ``pyarrow`` ``string`` or ``large_string`` array is
        read in place, with no Python string made per row, the fastest route for Arrow data
        (Spark, Parquet, pandas with Arrow strings). A ``ChunkedArray`` is labelled chunk by
        chunk; a ``string_view`` or dictionary-encoded array is first turned into ``string``,
        and an array of nulls has null fields (these copy); any other sequence of str goes
        through ``pyarrow.array``.

        Returns a ``pyarrow.StructArray`` of the same length with ``label`` (``uncertain``
        below ``min_confidence``), ``confidence`` and, with ``probs``, ``p_<label>`` per label.
        Null or blank texts get null fields instead of an error. An array whose buffers do not
        hold up (offsets negative, misaligned or outside the data, bytes that are not UTF-8) is
        refused with a ``ValueError`` naming its rows, before Arrow or the model reads them.
        Needs ``pyarrow``.
        """
        import pyarrow as pa

        if isinstance(texts, pa.ChunkedArray):
            # Chunk by chunk: combining them would copy every text, and a string column of
            # more than 2 GiB cannot be combined at all.
            starts = np.cumsum([0, *(len(chunk) for chunk in texts.chunks)])
            chunks = [
                self._predict_arrow(chunk, threads, probs, min_confidence, int(start))
                for chunk, start in zip(texts.chunks, starts)
            ]
            if not chunks:  # still refuses a column that is not text
                return self._predict_arrow(pa.array([], texts.type), threads, probs, None, 0)
            return pa.concat_arrays(chunks)
        if not isinstance(texts, pa.Array):
            texts = pa.array(texts, type=pa.string())
        return self._predict_arrow(texts, threads, probs, min_confidence, 0)

    def _predict_arrow(
        self,
        texts: Any,
        threads: int | None,
        probs: bool,
        min_confidence: float | None,
        first_row: int,
    ) -> Any:
        """:meth:`predict_arrow` of one ``pyarrow.Array`` that starts at row ``first_row`` of
        the column (errors name rows by their place in the column)."""
        import pyarrow as pa

        codes_raw, confidence_raw, probs_raw = self._native.predict_arrow(
            _as_string_array(texts), resolve_threads(threads), probs, min_confidence, first_row
        )
        codes = np.frombuffer(codes_raw, dtype=np.uint8)
        skipped = codes == _stance.SKIPPED_ROW
        mask = skipped if skipped.any() else None
        names = pa.array([*self.labels, _stance.UNCERTAIN], type=pa.string())
        columns = [
            names.take(pa.array(codes, mask=mask)),
            pa.array(np.frombuffer(confidence_raw, dtype="<f8"), mask=mask),
        ]
        fields = ["label", "confidence"]
        if probs:
            table = np.frombuffer(probs_raw, dtype="<f8").reshape(-1, len(self.labels))
            for j, name in enumerate(self.labels):
                columns.append(pa.array(table[:, j], mask=mask))
                fields.append(f"p_{name}")
        return pa.StructArray.from_arrays(columns, names=fields)

    def explain(self, text: str, top: int = 5, label: str | None = None) -> list[dict[str, Any]]:
        """The features that pushed ``text`` most toward ``label`` (default: the predicted one).

        Each is a dict: ``feature``, ``kind``, ``weight``, ``start`` and ``end`` (character
        offsets into ``text``) and ``text`` (the words it came from), strongest first.
        """
        _, rows = self._native.explain(text, label, top)
        return [
            {"feature": f, "kind": k, "weight": w, "start": s, "end": e, "text": t}
            for f, k, w, s, e, t in rows
        ]

    def info(self, top: int = 20) -> dict[str, Any]:
        """What ``stance inspect --json`` shows: provenance, settings, calibration and the
        ``top`` strongest features per label."""
        return json.loads(self._native.info_json(top))

    def analyse_article(
        self,
        article: str,
        name: str = "article",
        explain: int = 5,
        min_confidence: float | None = None,
    ) -> list[dict[str, Any]]:
        """Labels every sentence of an article, as ``stance article --output jsonl``.

        One dict per sentence: ``sentence`` (1-based), ``start``/``end`` (character offsets
        into ``article``), ``text``, ``label``, ``confidence``, ``probabilities`` and
        ``because`` (the deciding words, with offsets). Skipped pieces (rule 8) are in
        :meth:`analyse_article_full`.
        """
        return self.analyse_article_full(article, name, explain, min_confidence)["sentences"]

    def analyse_article_full(
        self,
        article: str,
        name: str = "article",
        explain: int = 5,
        min_confidence: float | None = None,
    ) -> dict[str, list[dict[str, Any]]]:
        """``{"sentences": [...], "skipped": [...]}``: the labelled sentences, and the pieces
        left out (titles, datelines, bylines, repeats, fragments) with their reason."""
        return json.loads(
            self._native.analyse_article_json(article, name, explain, min_confidence)
        )

    # British and American spellings both work.
    analyze_article = analyse_article


def _model_from_pickle(data: bytes, source: str) -> Model:
    """Unpickles a :class:`Model` from its file bytes."""
    return Model(_stance.Model.from_bytes(data, source))


def _labelled(pair: Any, what: str) -> tuple[list[str], list[str]] | None:
    if pair is None:
        return None
    try:
        texts, labels = pair
    except (TypeError, ValueError):
        raise TypeError(f"{what}: expected a (texts, labels) pair") from None
    return _as_list(texts), _as_list(labels)


def train(
    texts: Texts,
    labels: Iterable[str],
    *,
    dev: tuple[Texts, Iterable[str]] | None = None,
    calibrate_on: tuple[Texts, Iterable[str]] | None = None,
    calibrate: bool = True,
    unlabelled: Texts | None = None,
    config: Mapping[str, Any] | PathType | None = None,
    ids: Iterable[Any] | None = None,
    out: PathType | None = None,
) -> Model:
    """Trains a model as ``stance train`` does, on lists or pandas columns.

    ``config`` is a training configuration as ``stance train --config`` reads it: a dict
    (``{"model": {"epochs": 20, "seed": 7}, "features": {"hash_bits": 16}}``; missing fields
    take the CLI's defaults, unknown ones raise :class:`ParseError`) or the path of such a
    JSON file. ``dev`` = ``(texts, labels)`` stops training early; the probabilities are
    calibrated on ``calibrate_on``, else on ``dev`` (as the CLI does with its own files),
    unless ``calibrate`` is False. ``unlabelled`` sentences join the IDF fit (and
    self-training when configured). ``out`` also writes the model file. A bad label raises
    :class:`ParseError` naming the list and row (``<train>:18: unknown label ...``, rows
    counted from 1). The GIL is released while training.
    """
    config_json = None
    config_path = None
    if isinstance(config, Mapping):
        config_json = json.dumps(config)
    elif config is not None:
        config_path = os.fspath(config)
    dev_pair = _labelled(dev, "dev")
    calibration = _labelled(calibrate_on, "calibrate_on") if calibrate else None
    if not calibrate and dev_pair is not None:
        # The native trainer calibrates on dev when no calibration set is given; an empty
        # calibration set switches that off.
        calibration = ([], [])
    native = _stance.train(
        _as_list(texts),
        _as_list(labels),
        ids=_as_list(ids) if ids is not None else None,
        dev=dev_pair,
        calibrate_on=calibration,
        unlabelled=_as_list(unlabelled) if unlabelled is not None else None,
        config_json=config_json,
        config_path=config_path,
        out=os.fspath(out) if out is not None else None,
    )
    return Model(native)


def evaluate(
    model: Model, texts: Texts, labels: Iterable[str], threads: int | None = None
) -> dict[str, Any]:
    """Scores ``model`` on labelled texts as ``stance eval`` does.

    Returns ``rows``, ``accuracy``, ``macro_f1``, ``per_label`` (precision, recall, f1,
    support per label), ``confusion`` (``counts[true][predicted]`` in :data:`LABELS` order)
    and ``report``, the CLI's text table.
    """
    metrics, report = _stance.evaluate(
        model._native, _as_list(texts), _as_list(labels), resolve_threads(threads)
    )
    out: dict[str, Any] = json.loads(metrics)
    out["report"] = report
    return out


def segment(article: str) -> list[dict[str, Any]]:
    """Splits an article as the ``article`` verb does, without labelling.

    One dict per piece: ``start``/``end`` (character offsets), ``text``, and ``skip``: why
    the piece is not labelled (``title``, ``dateline``, ``byline``, ``repeated``,
    ``fragment``), or None for a sentence to label.
    """
    return [
        {"start": s, "end": e, "text": t, "skip": k} for s, e, t, k in _stance.segment(article)
    ]


def read(
    path: PathType,
    format: str | None = None,
    labels_required: bool = False,
    text_from: PathType | None = None,
) -> dict[str, list[Any]]:
    """Reads a data file with the CLI's reader, as columns ``id``, ``text``, ``label``, ``line``.

    ``format`` is ``tsv``, ``csv``, ``jsonl``, ``fasttext`` or ``text`` (default: from the
    extension, else TSV). Files of ids and labels only take their text from ``text_from``
    (default ``../shared/realnews/pool.tsv``, as the CLI). A bad row raises
    :class:`ParseError` naming the file and line; ``pandas.DataFrame(stance.read(path))``
    gives a frame.
    """
    ids, texts, labels, where = _stance.read(
        os.fspath(path),
        format,
        labels_required,
        os.fspath(text_from) if text_from is not None else None,
    )
    return {"id": ids, "text": texts, "label": labels, "line": where["lines"]}
