"""A scikit-learn estimator over raw sentences: ``StanceClassifier``.

It trains with :func:`stance.train` (the Rust trainer the CLI uses) and predicts with the
resulting :class:`stance.Model`, so it works in ``cross_val_score``, ``GridSearchCV`` and
``Pipeline`` like any classifier whose input is a list (or pandas column) of texts::

    from sklearn.model_selection import cross_val_score
    from stance.sklearn import StanceClassifier
    cross_val_score(StanceClassifier(epochs=20), texts, labels, cv=5, scoring="f1_macro")
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted

from . import Model, _as_list, train

__all__ = ["StanceClassifier", "load_estimator"]


def _texts(X: Any) -> list[str]:
    """Texts from a list, pandas Series, one-column frame or 1-d / n x 1 array."""
    if hasattr(X, "iloc") and getattr(X, "ndim", 1) == 2:
        if X.shape[1] != 1:
            raise ValueError(f"expected one column of texts, found {X.shape[1]} columns")
        X = X.iloc[:, 0]
    if isinstance(X, np.ndarray) and X.ndim == 2:
        if X.shape[1] != 1:
            raise ValueError(f"expected one column of texts, found {X.shape[1]} columns")
        X = X[:, 0]
    if isinstance(X, str):
        raise ValueError("expected a sequence of texts, found one str (wrap it in a list)")
    texts = _as_list(X)
    return texts if isinstance(texts, list) else list(texts)


class StanceClassifier(ClassifierMixin, BaseEstimator):
    """Softmax regression on stance's Arabic features, trained by the Rust trainer.

    Parameters mirror ``stance train``'s flags (defaults as the CLI's): ``epochs`` (a count or
    ``"auto"``), ``lr``, ``l2``, ``patience``, ``seed``, ``shards``, ``hash_bits``, ``word_ngrams``, ``char_ngrams`` (a
    ``(min, max)`` pair or None), ``min_df``; ``config`` is a base configuration (dict or JSON
    file) they override, ``calibrate`` fits temperature scaling on ``dev`` when given, and
    ``threads`` sizes prediction (see :func:`stance.resolve_threads`).
    After ``fit``: ``model_`` (a :class:`stance.Model`) and ``classes_`` (its labels, sorted
    as scikit-learn expects; ``predict_proba``'s columns follow ``classes_``). Fitted
    estimators pickle through the model file's bytes.
    """

    def __init__(
        self,
        epochs: int | str | None = None,
        lr: float | None = None,
        l2: float | None = None,
        patience: int | None = None,
        seed: int | None = None,
        shards: int | None = None,
        hash_bits: int | None = None,
        word_ngrams: int | None = None,
        char_ngrams: tuple[int, int] | None = None,
        min_df: int | None = None,
        config: Mapping[str, Any] | str | None = None,
        dev: tuple[Iterable[str], Iterable[str]] | None = None,
        calibrate: bool = True,
        threads: int | None = None,
    ) -> None:
        self.epochs = epochs
        self.lr = lr
        self.l2 = l2
        self.patience = patience
        self.seed = seed
        self.shards = shards
        self.hash_bits = hash_bits
        self.word_ngrams = word_ngrams
        self.char_ngrams = char_ngrams
        self.min_df = min_df
        self.config = config
        self.dev = dev
        self.calibrate = calibrate
        self.threads = threads

    def _config(self) -> dict[str, Any]:
        """The training configuration: ``config`` with the parameters that were set on top."""
        import json
        import os

        if self.config is None:
            base: dict[str, Any] = {}
        elif isinstance(self.config, Mapping):
            base = json.loads(json.dumps(self.config))
        else:
            with open(os.fspath(self.config), encoding="utf-8") as f:
                base = json.load(f)
        model = base.setdefault("model", {})
        features = base.setdefault("features", {})
        for name, key in (
            ("epochs", "epochs"),
            ("lr", "learning_rate"),
            ("l2", "l2"),
            ("patience", "patience"),
            ("seed", "seed"),
            ("shards", "shards"),
        ):
            value = getattr(self, name)
            if value is not None:
                model[key] = value
        for name in ("hash_bits", "word_ngrams", "min_df"):
            value = getattr(self, name)
            if value is not None:
                features[name] = value
        if self.char_ngrams is not None:
            features["char_min"], features["char_max"] = (int(v) for v in self.char_ngrams)
        return base

    def fit(self, X: Any, y: Iterable[Any]) -> "StanceClassifier":
        """Trains on texts ``X`` and labels ``y`` (``assertion``, ``denial``, ``allegation``)."""
        texts = _texts(X)
        labels = [str(v) for v in _as_list(y)]
        if len(texts) != len(labels):
            raise ValueError(f"{len(texts)} texts but {len(labels)} labels")
        self.model_ = train(
            texts, labels, dev=self.dev, calibrate=self.calibrate, config=self._config()
        )
        self.classes_ = np.array(sorted(self.model_.labels), dtype=object)
        self.n_features_in_ = 1
        return self

    def predict(self, X: Any) -> np.ndarray:
        """The label of each text."""
        check_is_fitted(self, "model_")
        return np.array(self.model_.predict(_texts(X), threads=self.threads), dtype=object)

    def predict_proba(self, X: Any) -> np.ndarray:
        """Probabilities, one column per label of ``classes_``."""
        check_is_fitted(self, "model_")
        proba = self.model_.predict_proba(_texts(X), threads=self.threads)
        order = [self.model_.labels.index(c) for c in self.classes_]
        return proba[:, order]

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        tags.input_tags.one_d_array = True
        tags.target_tags.required = True
        return tags

    def _more_tags(self) -> dict[str, Any]:  # scikit-learn < 1.6
        return {"X_types": ["string"], "requires_y": True}


def load_estimator(model: Model) -> StanceClassifier:
    """A fitted :class:`StanceClassifier` around an already trained :class:`stance.Model`."""
    est = StanceClassifier()
    est.model_ = model
    est.classes_ = np.array(sorted(model.labels), dtype=object)
    est.n_features_in_ = 1
    return est
