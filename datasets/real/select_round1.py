#!/usr/bin/env python3
"""Choose the first round of pool sentences to label (ids only; no text is written).

The pool's cue flags (../shared/realnews/pool_cues.tsv) put every sentence in one stratum:
`denial` (a denial cue), `allegation` (an allegation cue and no denial cue), `reporting`
(only confirmation or reporting verbs) or `none`. The held-out real sets were drawn
stratified by cue type, so the labelled set is drawn the same way:

* the double-labelled set (the project's real dev and test): 500 per stratum;
* the single-labelled set: every other denial-cue sentence, and a share of each other stratum.

Deterministic (random.Random(13)); writes datasets/real/round1.tsv: id, stratum, set.

usage: python3 datasets/real/select_round1.py [--shared ../shared]
"""
import argparse
import csv
import os
import random

DOUBLE_PER_STRATUM = 500
SINGLE_QUOTA = {"denial": None, "allegation": 2400, "reporting": 2200, "none": 1808}
STRATA = ("denial", "allegation", "reporting", "none")


def stratum(row):
    if row["denial"] == "1":
        return "denial"
    if row["allegation"] == "1":
        return "allegation"
    if row["confirmation"] == "1" or row["reporting"] == "1":
        return "reporting"
    return "none"


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=os.path.join(here, "..", "..", "..", "shared"))
    args = ap.parse_args()
    cues = os.path.join(args.shared, "realnews", "pool_cues.tsv")
    by_stratum = {s: [] for s in STRATA}
    with open(cues, encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            by_stratum[stratum(row)].append(row["id"])
    rng = random.Random(13)
    out = []
    for s in STRATA:
        ids = sorted(by_stratum[s])
        rng.shuffle(ids)
        double, rest = ids[:DOUBLE_PER_STRATUM], ids[DOUBLE_PER_STRATUM:]
        quota = SINGLE_QUOTA[s]
        single = rest if quota is None else rest[:quota]
        out += [(i, s, "double") for i in double] + [(i, s, "single") for i in single]
    with open(os.path.join(here, "round1.tsv"), "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, delimiter="\t", lineterminator="\n")
        w.writerow(["id", "stratum", "set"])
        w.writerows(out)
    print(f"round1.tsv: {len(out)} ids")


if __name__ == "__main__":
    main()
