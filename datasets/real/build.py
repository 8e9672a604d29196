#!/usr/bin/env python3
"""Build datasets/real/{train,dev,test}.tsv from the annotators' readings (ids and labels only).

Inputs, all in datasets/real/:
* round*.tsv: which pool ids were chosen, their cue stratum and set (`double` = two blind
  readings, the real dev and test; `single` = one reading, the real training data);
* annotations/d*A.tsv, annotations/d*B.tsv: first and second blind readings of the double set;
  annotations/s*.tsv: the one reading of a single-set batch; annotations/c*.tsv: a second blind
  reading of single-set sentences where a model trained on other folds confidently disagreed;
* adjudication.tsv: the third reading of every sentence whose two readings differ.

Each annotation file has the columns id, label, rule, hard, note; a label is assertion, denial,
allegation, or skip (rule 8: not a sentence to label). The final label is the agreed one, else
the adjudicated one; skipped sentences are left out, as rule 8 says. The double set is split
into dev and test halves, stratum by stratum, with random.Random(13).

Prints Cohen's kappa and per-label agreement of the two blind readings of the double set, and
what the checks of the single set changed. No sentence text is read or written.

usage: python3 datasets/real/build.py
"""
import collections
import csv
import glob
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
LABELS = ("assertion", "denial", "allegation", "skip")
COLUMNS = ["id", "label", "stratum", "a1", "a2", "a3", "rule", "hard", "note"]


def read_tsv(path):
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    for no, row in enumerate(rows, 2):
        if row.get("label") not in LABELS and "label" in row:
            sys.exit(f"{path}:{no}: unknown label {row.get('label')!r}")
    return rows


def readings(pattern):
    """id -> annotation row, over every file matching `pattern`."""
    out = {}
    for path in sorted(glob.glob(os.path.join(HERE, "annotations", pattern))):
        for no, row in enumerate(read_tsv(path), 2):
            if row["id"] in out:
                sys.exit(f"{path}:{no}: id {row['id']} read twice in {pattern}")
            out[row["id"]] = row
    return out


def kappa(pairs):
    n = len(pairs)
    observed = sum(a == b for a, b in pairs) / n
    first = collections.Counter(a for a, _ in pairs)
    second = collections.Counter(b for _, b in pairs)
    expected = sum(first[l] * second[l] for l in LABELS) / (n * n)
    return (observed - expected) / (1 - expected), observed


def specific_agreement(pairs, label):
    both = sum(a == label and b == label for a, b in pairs)
    either = sum(a == label for a, _ in pairs) + sum(b == label for _, b in pairs)
    return 2 * both / either if either else float("nan")


def main():
    chosen = {}
    for path in sorted(glob.glob(os.path.join(HERE, "round*.tsv"))):
        for row in read_tsv(path):
            chosen[row["id"]] = row
    first, second = readings("d*A.tsv"), readings("d*B.tsv")
    single, checks = readings("s*.tsv"), readings("c*.tsv")
    adjudicated = {}
    adj_path = os.path.join(HERE, "adjudication.tsv")
    if os.path.exists(adj_path):
        adjudicated = {row["id"]: row for row in read_tsv(adj_path)}

    out = {"train": [], "dev": [], "test": []}
    pending = collections.Counter()
    skipped = collections.Counter()

    def final(id_, a, b, which):
        """The final row of a sentence read once or twice, or None while undecided."""
        c = adjudicated.get(id_) if b is not None and a["label"] != b["label"] else None
        if b is not None and a["label"] != b["label"] and c is None:
            pending[which] += 1
            return None
        label = a["label"] if c is None else c["label"]
        deciding = c or a
        return {
            "id": id_,
            "label": label,
            "stratum": chosen.get(id_, {}).get("stratum", "suggested"),
            "a1": a["label"],
            "a2": b["label"] if b else "",
            "a3": c["label"] if c else "",
            "rule": deciding.get("rule", ""),
            "hard": deciding.get("hard", ""),
            "note": deciding.get("note", ""),
        }

    pairs = []
    double_rows = []
    for id_ in sorted(set(first) & set(second)):
        pairs.append((first[id_]["label"], second[id_]["label"]))
        row = final(id_, first[id_], second[id_], "double")
        if row:
            double_rows.append(row)
    changed = 0
    for id_ in sorted(single):
        check = checks.get(id_)
        row = final(id_, single[id_], check, "single")
        if row and check is not None and row["label"] != single[id_]["label"]:
            changed += 1
        if row:
            out["train"].append(row)

    rng = random.Random(13)
    by_stratum = collections.defaultdict(list)
    for row in double_rows:
        by_stratum[row["stratum"]].append(row)
    for stratum in sorted(by_stratum):
        rows = by_stratum[stratum]
        rng.shuffle(rows)
        half = len(rows) // 2
        out["dev"] += rows[:half]
        out["test"] += rows[half:]

    for split, rows in out.items():
        kept = [r for r in rows if r["label"] != "skip"]
        skipped[split] = len(rows) - len(kept)
        kept.sort(key=lambda r: r["id"])
        with open(os.path.join(HERE, f"{split}.tsv"), "w", encoding="utf-8", newline="") as f:
            w = csv.DictWriter(f, COLUMNS, delimiter="\t", lineterminator="\n")
            w.writeheader()
            w.writerows(kept)
        counts = collections.Counter(r["label"] for r in kept)
        print(f"{split}.tsv: {len(kept)} rows ({', '.join(f'{l} {counts[l]}' for l in LABELS[:3])}); "
              f"{skipped[split]} left out by rule 8")
    if pairs:
        k, observed = kappa(pairs)
        print(f"double set: {len(pairs)} sentences read twice; raw agreement {observed:.3f}, "
              f"Cohen's kappa {k:.3f}")
        print("  per-label agreement (2 x both / (first + second)): " + ", ".join(
            f"{l} {specific_agreement(pairs, l):.3f}" for l in LABELS))
        disagreements = sum(a != b for a, b in pairs)
        print(f"  {disagreements} disagreements, {disagreements - pending['double']} adjudicated, "
              f"{pending['double']} waiting for a third reading")
    if checks:
        differ = sum(single[i]["label"] != c["label"] for i, c in checks.items() if i in single)
        print(f"single set: {len(checks)} sentences read a second time, {differ} readings differed, "
              f"{changed} labels changed, {pending['single']} waiting for a third reading")


if __name__ == "__main__":
    main()
