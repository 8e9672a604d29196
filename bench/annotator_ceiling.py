#!/usr/bin/env python3
"""How close do the project's annotators come to the people who labelled real-dev?

The project's real labels (datasets/real/) come from annotator agents that read only
ANNOTATION.md and the sentences. The people who labelled ../shared/realnews/real-dev.tsv read
the same guideline. Where the guideline leaves room (the data card's open questions) the two
can settle differently, and a model trained on our labels then scores lower on real-dev than on
our own real test split for a reason no model change can remove. This script measures that
directly: two blind readings of the real-dev sentences by our annotators, the same protocol as
the project's double set (bench/real-dev-readings/A.tsv and B.tsv, every disagreement settled by
a third reading in adjudication.tsv), scored against the people's labels; and the shipped model
(or, with --e5, its average with an e5 model) scored against both.

Real-dev is only scored here, as everywhere in the project: nothing in this script, or read from
its output, chooses labels, features or thresholds. The readings hold ids and labels only; the
text stays in ../shared.

usage: python3 bench/annotator_ceiling.py [--stance target/release/stance]
       [--real-dev ../shared/realnews/real-dev.tsv] [--model models/stance.model]
       [--e5 models/stance-e5.model]   (the e5 option: --stance of a build with the feature e5)
"""
import argparse
import collections
import csv
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
READINGS = os.path.join(ROOT, "bench", "real-dev-readings")
LABELS = ("assertion", "denial", "allegation")


def read_tsv(path):
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


def by_id(path):
    rows = {}
    for no, row in enumerate(read_tsv(path), 2):
        if row["label"] not in LABELS + ("skip",):
            sys.exit(f"{path}:{no}: unknown label {row['label']!r}")
        if row["id"] in rows:
            sys.exit(f"{path}:{no}: id {row['id']} read twice")
        rows[row["id"]] = row["label"]
    return rows


def scores(gold, given):
    """Accuracy, macro-F1 over the three labels and Cohen's kappa of `given` against `gold`.

    A `skip` (rule 8) is a fourth answer that is never right: it costs the gold label's recall.
    """
    pairs = [(gold[i], given[i]) for i in gold]
    n = len(pairs)
    f1s = []
    for label in LABELS:
        tp = sum(g == label and p == label for g, p in pairs)
        fp = sum(g != label and p == label for g, p in pairs)
        fn = sum(g == label and p != label for g, p in pairs)
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    observed = sum(g == p for g, p in pairs) / n
    first = collections.Counter(g for g, _ in pairs)
    second = collections.Counter(p for _, p in pairs)
    expected = sum(first[l] * second[l] for l in LABELS + ("skip",)) / (n * n)
    kappa = (observed - expected) / (1 - expected)
    return observed, sum(f1s) / 3, f1s, kappa


def final_labels(first, second, adjudicated, path):
    """The agreed label, else the third reading's; every disagreement must have one."""
    out = {}
    for id_ in first:
        if first[id_] == second[id_]:
            out[id_] = first[id_]
        elif id_ in adjudicated:
            out[id_] = adjudicated[id_]
        else:
            sys.exit(f"{path}: no third reading of {id_}, where the two readings differ")
    return out


def model_scores(stance, model_args, real_dev, labels):
    """The model's macro-F1 against `labels` on the real-dev sentences they label (no skips);
    `model_args` are the options of `stance eval` that name the model."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "relabelled.tsv")
        with open(path, "w", encoding="utf-8") as f:
            f.write("id\tlabel\ttext\n")
            for row in read_tsv(real_dev):
                if labels[row["id"]] != "skip":
                    f.write(f"{row['id']}\t{labels[row['id']]}\t{row['text']}\n")
        out = subprocess.run([stance, "eval", path, *model_args, "--json", "-q"],
                             check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def row(name, result):
    accuracy, macro, f1s, kappa = result
    per_label = " / ".join(f"{f:.3f}" for f in f1s)
    return f"| {name} | {accuracy:.3f} | {kappa:.3f} | {macro:.4f} | {per_label} |"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--stance", default=os.path.join(ROOT, "target", "release", "stance"))
    ap.add_argument("--model", default=os.path.join(ROOT, "models", "stance.model"))
    ap.add_argument("--e5", metavar="FILE",
                    help="score the linear model averaged with this e5 model (stance eval --e5)")
    ap.add_argument("--real-dev", default=os.path.join(ROOT, "..", "shared", "realnews", "real-dev.tsv"))
    args = ap.parse_args()

    gold = {row["id"]: row["label"] for row in read_tsv(args.real_dev)}
    first = by_id(os.path.join(READINGS, "A.tsv"))
    second = by_id(os.path.join(READINGS, "B.tsv"))
    adjudication = os.path.join(READINGS, "adjudication.tsv")
    adjudicated = by_id(adjudication) if os.path.exists(adjudication) else {}
    for name, reading in (("A.tsv", first), ("B.tsv", second)):
        if set(reading) != set(gold):
            sys.exit(f"{os.path.join(READINGS, name)}: its ids are not those of {args.real_dev}")
    ours = final_labels(first, second, adjudicated, adjudication)

    _, _, _, between = scores(first, second)
    print(f"Our two blind readings of the {len(gold)} real-dev sentences: Cohen's kappa {between:.3f}, "
          f"{sum(first[i] != second[i] for i in gold)} disagreements settled by a third reading; "
          f"{sum(l == 'skip' for l in ours.values())} sentences left out by rule 8 in our final labels.")
    print()
    print("| labels scored against the people's labels of real-dev | agreement | kappa | macro-F1 "
          "| F1 assertion / denial / allegation |")
    print("|---|---|---|---|---|")
    print(row("our first reading", scores(gold, first)))
    print(row("our second reading", scores(gold, second)))
    print(row("our final labels (agreed, else adjudicated)", scores(gold, ours)))
    print()
    model_args = ["--model", args.model] + (["--e5", args.e5] if args.e5 else [])
    model_name = "the model averaged with e5" if args.e5 else "the shipped model"
    print(f"| {model_name} scored against | sentences | macro-F1 | F1 assertion / denial / allegation |")
    print("|---|---|---|---|")
    for name, labels in (("the people's labels", gold), ("our annotators' final labels", ours)):
        report = model_scores(args.stance, model_args, args.real_dev, labels)
        f1 = {entry["label"]: entry["f1"] for entry in report["per_label"]}
        per_label = " / ".join(f"{f1[l]:.3f}" for l in LABELS)
        print(f"| {name} | {report['rows']} | {report['macro_f1']:.4f} | {per_label} |")
    confusion = collections.Counter((gold[i], ours[i]) for i in gold if gold[i] != ours[i])
    print()
    print("Where our final labels differ from the people's (people's → ours): " + ", ".join(
        f"{g} → {o} {n}" for (g, o), n in confusion.most_common()))


if __name__ == "__main__":
    main()
