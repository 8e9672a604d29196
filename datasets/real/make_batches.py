#!/usr/bin/env python3
"""Write annotation batches (id and sentence, the form annotators take) for chosen pool ids.

The project keeps ids and labels only; the batches hold the text, so they are written to a
folder outside the project. Ids of the double set are written twice, in two orders, for the two
blind readings (dNA, dNB); single-set ids once (sNN); batches of `--size` ids, deterministic.

usage: python3 datasets/real/make_batches.py ROUND.tsv OUT_DIR [--prefix s] [--first 1]
       [--size 400] [--pool ../shared/realnews/pool.tsv]
"""
import argparse
import csv
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("round")
    ap.add_argument("out")
    ap.add_argument("--pool", default=os.path.join(HERE, "..", "..", "..", "shared", "realnews", "pool.tsv"))
    ap.add_argument("--size", type=int, default=400)
    ap.add_argument("--first", type=int, default=1, help="number of the first single-set batch")
    ap.add_argument("--prefix", default="s", help="name of the single-set batches (c for second readings)")
    args = ap.parse_args()
    if os.path.abspath(args.out).startswith(os.path.abspath(os.path.join(HERE, "..", ".."))):
        raise SystemExit("batches hold real sentences: write them outside the project")
    with open(args.pool, encoding="utf-8", newline="") as f:
        pool = {r["id"]: r["sentence"] for r in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)}
    with open(args.round, encoding="utf-8", newline="") as f:
        chosen = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    rng = random.Random(7)
    double = [r["id"] for r in chosen if r["set"] == "double"]
    single = [r["id"] for r in chosen if r["set"] == "single"]
    rng.shuffle(double)
    rng.shuffle(single)
    os.makedirs(args.out, exist_ok=True)

    def write(name, ids):
        with open(os.path.join(args.out, f"{name}.tsv"), "w", encoding="utf-8") as f:
            f.write("id\tsentence\n")
            f.writelines(f"{i}\t{pool[i]}\n" for i in ids)

    for k in range(0, len(double), args.size):
        ids = double[k:k + args.size]
        write(f"d{k // args.size + 1}A", ids)
        second = ids[:]
        rng.shuffle(second)
        write(f"d{k // args.size + 1}B", second)
    for k in range(0, len(single), args.size):
        write(f"{args.prefix}{args.first + k // args.size:02d}", single[k:k + args.size])


if __name__ == "__main__":
    main()
