#!/usr/bin/env python3
"""Would a non-linear model over the same kind of features read real news better? A probe with
scikit-learn (run it with the peers' virtualenv, which has it): TF-IDF word 1-2-grams and
character 2-5-grams, logistic regression against a one-hidden-layer MLP (early stopping), both
trained on the real and the written training sets, scored on the project's real dev split.

Real-dev (../shared/realnews/real-dev.tsv) is not read. The text of real rows comes from
../shared/realnews/pool.tsv by id.

usage: ~/peers-venv/bin/python bench/nonlinear_probe.py
"""
import csv
import os

from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.neural_network import MLPClassifier

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
POOL = os.path.join(ROOT, "..", "shared", "realnews", "pool.tsv")


def rows(path):
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


def main():
    pool = {r["id"]: r["sentence"] for r in rows(POOL)}
    real = lambda name: [(pool[r["id"]], r["label"]) for r in rows(os.path.join(ROOT, "datasets/real", name))]
    written = [(r["text"], r["label"]) for r in rows(os.path.join(ROOT, "datasets/train.tsv"))]
    train = real("train.tsv") + written
    dev = real("dev.tsv")
    x, y = [t for t, _ in train], [l for _, l in train]
    xd, yd = [t for t, _ in dev], [l for _, l in dev]
    words = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=3, sublinear_tf=True,
                            max_features=200_000)
    a = hstack([words.fit_transform(x), chars.fit_transform(x)]).tocsr()
    d = hstack([words.transform(xd), chars.transform(xd)]).tocsr()
    print("| model (word 1-2 + char 2-5 TF-IDF) | macro-F1 on datasets/real/dev.tsv |")
    print("|---|---|")
    lr = LogisticRegression(C=10, max_iter=2000, class_weight="balanced").fit(a, y)
    print(f"| logistic regression, C=10, balanced | {f1_score(yd, lr.predict(d), average='macro'):.4f} |", flush=True)
    mlp = MLPClassifier(hidden_layer_sizes=(128,), early_stopping=True, random_state=0,
                        max_iter=30, alpha=1e-4).fit(a, y)
    print(f"| MLP, one hidden layer of 128, early stopping | {f1_score(yd, mlp.predict(d), average='macro'):.4f} |")


if __name__ == "__main__":
    main()
