"""StanceClassifier as a scikit-learn estimator over texts.

scikit-learn's own `check_estimator` stops after `check_estimator_cloneable` for an estimator
whose input is strings ("Can't test estimator ... which requires input of type ... string"):
its other checks feed random float matrices. The API checks that do not feed data run below
as they are; the data checks that matter are rewritten here with sentences (fit returns self,
is-fitted, idempotent fit, sample-order and subset invariance, pickling, learning the task,
cross_val_score, Pipeline, GridSearchCV). Checks left out, and why: the numeric-input ones
(dtypes, NaN/inf, sparse input, 1-d/2-d numeric arrays, n_features_in on floats, fit2d_*),
sample weights (the trainer weighs classes, not rows, from Python), multi-output and
multilabel targets (one label per sentence), and regression targets.
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest

sklearn = pytest.importorskip("sklearn")
from sklearn.base import clone  # noqa: E402
from sklearn.exceptions import NotFittedError  # noqa: E402
from sklearn.model_selection import GridSearchCV, cross_val_score  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import FunctionTransformer  # noqa: E402
from sklearn.utils import estimator_checks as checks  # noqa: E402

import stance  # noqa: E402
from stance.sklearn import StanceClassifier, load_estimator  # noqa: E402
from conftest import REPO  # noqa: E402

API_CHECKS = [
    "check_estimator_cloneable",
    "check_estimator_repr",
    "check_no_attributes_set_in_init",
    "check_parameters_default_constructible",
    "check_get_params_invariance",
    "check_set_params",
    "check_do_not_raise_errors_in_init_or_set_params",
    "check_estimators_unfitted",
    "check_valid_tag_types",
    "check_estimator_tags_renamed",
    "check_mixin_order",
]
FAST = dict(epochs=3, hash_bits=16, seed=3)


@pytest.fixture(scope="module")
def data():
    train = stance.read(REPO / "datasets" / "train.tsv", labels_required=True)
    test = stance.read(REPO / "datasets" / "test.tsv", labels_required=True)
    return (
        np.array(train["text"], dtype=object),
        np.array(train["label"], dtype=object),
        list(test["text"]),
        list(test["label"]),
    )


@pytest.mark.parametrize("name", API_CHECKS)
def test_sklearn_api_checks(name):
    getattr(checks, name)("StanceClassifier", StanceClassifier(**FAST))


def test_sklearn_skips_its_data_checks_for_text_input():
    with pytest.warns(UserWarning, match="Can't test estimator"):
        results = checks.check_estimator(StanceClassifier(**FAST), on_fail=None)
    assert all(r["status"] != "failed" for r in results)


def test_fit_predict_and_learning_the_task(data):
    X, y, X_test, y_test = data
    est = StanceClassifier(**FAST)
    with pytest.raises(NotFittedError):
        est.predict(X_test)
    assert est.fit(X, y) is est
    assert list(est.classes_) == sorted(set(y))
    predicted = est.predict(X_test)
    assert predicted.shape == (len(X_test),)
    assert np.mean(predicted == np.array(y_test, dtype=object)) > 0.8
    proba = est.predict_proba(X_test)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-5)
    assert list(est.classes_[proba.argmax(axis=1)]) == list(predicted)
    assert est.score(X_test, y_test) > 0.8
    assert est.get_params()["epochs"] == 3


def test_auto_epochs_and_shards_reach_the_trainer(data):
    X, y, X_test, _ = data
    sharded = StanceClassifier(epochs="auto", shards=2, hash_bits=16, seed=3).fit(X, y)
    model = sharded.model_.info()["provenance"]["config"]["model"]
    assert (model["epochs"], model["shards"]) == ("auto", 2)
    # parts averaged per epoch are not the sequential pass, and are repeatable
    one = StanceClassifier(epochs="auto", hash_bits=16, seed=3).fit(X, y)
    assert not np.array_equal(sharded.predict_proba(X_test), one.predict_proba(X_test))
    again = StanceClassifier(epochs="auto", shards=2, hash_bits=16, seed=3).fit(X, y)
    np.testing.assert_array_equal(again.predict_proba(X_test), sharded.predict_proba(X_test))


def test_fit_is_idempotent_and_order_invariant_in_prediction(data):
    X, y, X_test, _ = data
    a = StanceClassifier(**FAST).fit(X, y).predict_proba(X_test)
    b = StanceClassifier(**FAST).fit(X, y).predict_proba(X_test)
    np.testing.assert_array_equal(a, b)
    est = StanceClassifier(**FAST).fit(X, y)
    order = np.random.default_rng(0).permutation(len(X_test))
    shuffled = est.predict_proba([X_test[i] for i in order])
    np.testing.assert_array_equal(shuffled, a[order])
    np.testing.assert_array_equal(est.predict_proba(X_test[:10]), a[:10])


def test_fitted_estimator_pickles(data):
    X, y, X_test, _ = data
    est = StanceClassifier(**FAST).fit(X, y)
    back = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(back.predict_proba(X_test), est.predict_proba(X_test))
    assert back.get_params() == est.get_params()


def test_cross_val_score_pipeline_and_grid_search(data):
    X, y, _, _ = data
    scores = cross_val_score(StanceClassifier(**FAST), X, y, cv=3, scoring="f1_macro")
    assert scores.shape == (3,) and scores.min() > 0.7
    pipe = make_pipeline(FunctionTransformer(lambda t: [s.strip() for s in t]), StanceClassifier(**FAST))
    assert cross_val_score(pipe, X, y, cv=2).min() > 0.7
    grid = GridSearchCV(StanceClassifier(**FAST), {"l2": [1e-5, 1e-3]}, cv=2).fit(X, y)
    assert grid.best_params_["l2"] in (1e-5, 1e-3)
    cloned = clone(StanceClassifier(word_ngrams=1, char_ngrams=(3, 4)))
    assert cloned.get_params()["char_ngrams"] == (3, 4)


def test_a_loaded_model_works_as_a_fitted_estimator(model, data):
    _, _, X_test, y_test = data
    est = load_estimator(model)
    assert list(est.predict(X_test[:20])) == model.predict(X_test[:20])
    assert est.score(X_test, y_test) > 0.9
