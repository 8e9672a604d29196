#!/usr/bin/env python3
"""Would training on finer classes help? Each real training row carries the guideline rule its
annotator named (1-12, `c` for a clarification, 0 for a plain case). A classifier over label x
rule, its probabilities summed back to the three labels, can draw a boundary per construction
where one boundary per label fails. A probe with scikit-learn (run it with the peers'
virtualenv): TF-IDF word 1-2-grams and character 2-5-grams, logistic regression over the three
labels against the same over the finer classes, both trained on the real and the written
training sets, scored on the project's real dev and test splits.

Real-dev (../shared/realnews/real-dev.tsv) is not read. The text of real rows comes from
../shared/realnews/pool.tsv by id.

usage: ~/peers-venv/bin/python bench/subclass_probe.py [--min-rows 80]
"""
import argparse
import collections
import csv
import os

import numpy as np
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
POOL = os.path.join(ROOT, "..", "shared", "realnews", "pool.tsv")
LABELS = ["assertion", "denial", "allegation"]


def rows(path):
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


def fine_classes(real, written, min_rows):
    """label.rule for real rows (rare pairs pooled as label.x), label.w for written rows."""
    counts = collections.Counter((r["label"], r["rule"]) for r in real)
    pooled = lambda r: r["rule"] if counts[(r["label"], r["rule"])] >= min_rows else "x"
    return [f"{r['label']}.{pooled(r)}" for r in real] + [f"{r['label']}.w" for r in written]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--min-rows", type=int, default=80, help="rows a label x rule class needs")
    args = ap.parse_args()
    pool = {r["id"]: r["sentence"] for r in rows(POOL)}
    real = rows(os.path.join(ROOT, "datasets/real/train.tsv"))
    written = rows(os.path.join(ROOT, "datasets/train.tsv"))
    texts = [pool[r["id"]] for r in real] + [r["text"] for r in written]
    labels = [r["label"] for r in real] + [r["label"] for r in written]
    fine = fine_classes(real, written, args.min_rows)

    words = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=3, sublinear_tf=True,
                            max_features=200_000)
    x = hstack([words.fit_transform(texts), chars.fit_transform(texts)]).tocsr()
    fit = lambda y: LogisticRegression(C=10, max_iter=2000, class_weight="balanced").fit(x, y)
    three, finer = fit(labels), fit(fine)
    groups = [[i for i, c in enumerate(finer.classes_) if c.split(".")[0] == label] for label in LABELS]

    print(f"{len(set(fine))} finer classes (label x rule with at least {args.min_rows} rows)")
    print("| model (word 1-2 + char 2-5 TF-IDF, logistic regression) | real dev split | real test |")
    print("|---|---|---|")
    scores = {"three labels": [], "label x rule, probabilities summed per label": []}
    for split in ("dev", "test"):
        held = rows(os.path.join(ROOT, f"datasets/real/{split}.tsv"))
        xs = hstack([words.transform([pool[r["id"]] for r in held]),
                     chars.transform([pool[r["id"]] for r in held])]).tocsr()
        gold = [r["label"] for r in held]
        probs = finer.predict_proba(xs)
        summed = np.stack([probs[:, g].sum(axis=1) for g in groups], axis=1)
        scores["three labels"].append(f1_score(gold, three.predict(xs), average="macro"))
        scores["label x rule, probabilities summed per label"].append(
            f1_score(gold, [LABELS[i] for i in summed.argmax(axis=1)], average="macro"))
    for name, (dev, test) in scores.items():
        print(f"| {name} | {dev:.4f} | {test:.4f} |")


if __name__ == "__main__":
    main()
