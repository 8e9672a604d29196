#!/usr/bin/env python3
"""Per-label decision biases tuned on one of the project's double-read real splits, scored on
the other. bench/bias_probe.py tunes them on the training folds, whose rows were drawn
differently (half of them picked by `stance suggest` as hard); the dev and test splits are
drawn by cue stratum, as real-dev is. This probe reads the shipped model's probabilities
(`stance predict --probs`) on datasets/real/dev.tsv, datasets/real/test.tsv and
datasets/test.tsv, tunes additive log-biases for denial and allegation for macro-F1 on one real
split (grid -2.0 to +2.0 in steps of 0.1; ties go to the smallest sum of absolute biases, then
to the first in grid order), and scores the other real split and the written test split with
them. Tuning on the real test split breaks its rule of never serving a choice; this probe may
do it because no recipe takes its biases (bench/ABLATION.md says why).

Real-dev (../shared/realnews/real-dev.tsv) is not read. Pure Python; a few seconds.

usage: python3 bench/split_bias_probe.py [--stance target/release/stance] [--model FILE]
"""
import argparse
import csv
import json
import math
import os
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LABELS = ["assertion", "denial", "allegation"]
GRID = [round(-2.0 + 0.1 * i, 1) for i in range(41)]
SPLITS = {
    "real dev split": "datasets/real/dev.tsv",
    "real test split": "datasets/real/test.tsv",
    "written test split": "datasets/test.tsv",
}


def scored(stance, model, path):
    """(gold label indices, log-probabilities) of the shipped model on a labelled file."""
    with open(os.path.join(ROOT, path), encoding="utf-8", newline="") as f:
        gold = {r["id"]: r["label"] for r in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)}
    out = subprocess.run([stance, "predict", "-i", path, "--output", "jsonl", "--probs", "--quiet",
                          "-m", model], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    rows = [json.loads(line) for line in out.splitlines()]
    return ([LABELS.index(gold[r["id"]]) for r in rows],
            [[math.log(r["probabilities"][l] + 1e-9) for l in LABELS] for r in rows])


def macro_f1(gold, logp, bias):
    """Macro-F1 of the labels argmax(log p + bias), and each label's F1."""
    pred = [max(range(3), key=lambda k: row[k] + bias[k]) for row in logp]
    f1 = []
    for k in range(3):
        tp = sum(p == k and g == k for p, g in zip(pred, gold))
        fp = sum(p == k and g != k for p, g in zip(pred, gold))
        fn = sum(p != k and g == k for p, g in zip(pred, gold))
        f1.append(2 * tp / max(1, 2 * tp + fp + fn))
    return sum(f1) / 3, f1


def tuned(gold, logp):
    """The biases (0, denial, allegation) of the best macro-F1 on these rows."""
    return max(((0.0, d, a) for d in GRID for a in GRID),
               key=lambda b: (macro_f1(gold, logp, b)[0], -abs(b[1]) - abs(b[2])))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--stance", default=os.path.join(ROOT, "target", "release", "stance"))
    ap.add_argument("--model", default=os.path.join(ROOT, "models", "stance.model"))
    args = ap.parse_args()
    data = {name: scored(args.stance, args.model, path) for name, path in SPLITS.items()}
    none = (0.0, 0.0, 0.0)
    print("| biases tuned on | denial, allegation | scored on | macro-F1 without -> with | F1 per label with |")
    print("|---|---|---|---|---|")
    for fit_on in ("real dev split", "real test split"):
        bias = tuned(*data[fit_on])
        for name, (gold, logp) in data.items():
            if name == fit_on:
                continue
            before, _ = macro_f1(gold, logp, none)
            after, per = macro_f1(gold, logp, bias)
            print(f"| {fit_on} | {bias[1]:+.1f}, {bias[2]:+.1f} | {name} | {before:.4f} -> {after:.4f} | "
                  + " / ".join(f"{v:.3f}" for v in per) + " |")


if __name__ == "__main__":
    main()
