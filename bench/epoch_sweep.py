#!/usr/bin/env python3
"""bench/epoch_sweep.py: how many epochs training needs at scale, the measurement behind
`--epochs auto`.

The pool is labelled by the shipped model (as bench/compare does for its scale runs); for each
size, a sample of that many pool sentences (bench/compare's perturb_sample, seed 13 + N) is
trained with `stance train FILE --no-dev --epochs E` for each E, and each model is scored on
datasets/dev.tsv and datasets/real/dev.tsv (our own dev splits: never real-dev). Prints one
Markdown table: size, epochs, wall seconds, dev macro-F1, real dev macro-F1.

usage: bench/epoch_sweep.py [--sizes 100k,1M] [--epochs 2,3,5,10,20,30] [--stance BIN]
Python 3 standard library only; generated files go to a temporary folder.
"""
import argparse
import importlib.machinery
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))


def bench_compare():
    """bench/compare as a module, for its sampling and size helpers (one copy of each)."""
    path = os.path.join(ROOT, "bench", "compare")
    loader = importlib.machinery.SourceFileLoader("bench_compare", path)
    spec = importlib.util.spec_from_loader("bench_compare", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def macro_f1(stance, model, path):
    out = subprocess.run([stance, "eval", path, "-m", model, "--json", "--bootstrap", "0"],
                         check=True, capture_output=True, text=True, cwd=ROOT).stdout
    return json.loads(out)["macro_f1"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="100k,1M")
    ap.add_argument("--epochs", default="2,3,5,10,20,30")
    ap.add_argument("--stance", default=os.path.join(ROOT, "target", "release", "stance"))
    a = ap.parse_args()
    bc = bench_compare()
    pool = os.path.join(os.path.dirname(ROOT), "shared", "realnews", "pool.tsv")
    with tempfile.TemporaryDirectory() as work:
        labelled = os.path.join(work, "pool_labelled.tsv")
        with open(labelled, "w", encoding="utf-8") as out:
            subprocess.run([a.stance, "predict", "-m", os.path.join(ROOT, "models", "stance.model"),
                            "--input", pool, "--output", "tsv", "-q"], check=True, stdout=out, cwd=ROOT)
        texts, labels = bc.read_tsv(labelled)
        print("| rows | epochs | train s (wall) | macro-F1 datasets/dev.tsv | macro-F1 datasets/real/dev.tsv |")
        print("|---|---|---|---|---|")
        for n in bc.parse_sizes(a.sizes):
            sample = os.path.join(work, f"scale_{bc.size_name(n)}.tsv")
            X, y = bc.perturb_sample(texts, labels, n, bc.SEED + n)
            with open(sample, "w", encoding="utf-8") as f:
                f.write("label\ttext\n")
                f.writelines(f"{l}\t{t}\n" for t, l in zip(X, y))
            del X, y
            for epochs in [int(e) for e in a.epochs.split(",")]:
                model = os.path.join(work, "sweep.model")
                t0 = time.perf_counter()
                subprocess.run([a.stance, "train", sample, "--no-dev", "--epochs", str(epochs), "-q",
                                "--out", model], check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
                wall = time.perf_counter() - t0
                dev = macro_f1(a.stance, model, "datasets/dev.tsv")
                real = macro_f1(a.stance, model, "datasets/real/dev.tsv")
                print(f"| {bc.size_name(n)} | {epochs} | {wall:.1f} | {dev:.4f} | {real:.4f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
