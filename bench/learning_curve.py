#!/usr/bin/env python3
"""Does more real training data still help? Train on shares of datasets/real/train.tsv (with the
written training set, as shipped) and score on the project's real dev split.

Real-dev (../shared/realnews/real-dev.tsv) is never used here: this is a question for choosing
what to do next, so it is answered on our own dev split. Two random subsets per share.

usage: python3 bench/learning_curve.py [--stance target/release/stance]
"""
import argparse
import json
import os
import random
import subprocess
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--stance", default=os.path.join(ROOT, "target", "release", "stance"))
    ap.add_argument("--shares", default="0.25,0.5,0.75,1.0")
    args = ap.parse_args()
    with open(os.path.join(ROOT, "datasets/real/train.tsv"), encoding="utf-8") as f:
        header, *rows = f.read().splitlines()
    print("| share of real training rows | rows | macro-F1 on datasets/real/dev.tsv (two subsets) |")
    print("|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for share in [float(s) for s in args.shares.split(",")]:
            scores = []
            for seed in (1, 2):
                subset = rows[:]
                random.Random(seed).shuffle(subset)
                subset = subset[: int(len(subset) * share)]
                sub = os.path.join(tmp, "sub.tsv")
                with open(sub, "w", encoding="utf-8") as f:
                    f.write("\n".join([header] + subset) + "\n")
                model = os.path.join(tmp, "sub.model")
                subprocess.run(
                    [args.stance, "train", sub, "datasets/train.tsv", "--dev", "datasets/dev.tsv",
                     "--no-calibration", "-q", "--out", model],
                    cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
                report = subprocess.run(
                    [args.stance, "eval", "datasets/real/dev.tsv", "-m", model, "--json", "-q",
                     "--bootstrap", "0"],
                    cwd=ROOT, check=True, capture_output=True, text=True).stdout
                scores.append(json.loads(report)["macro_f1"])
            print(f"| {share:.0%} | {len(subset):,} | {scores[0]:.4f}, {scores[1]:.4f} |", flush=True)


if __name__ == "__main__":
    main()
