#!/usr/bin/env python3
"""Assemble datasets/train.tsv, dev.tsv and test.tsv from the hand-written sources in
datasets/src/*.tsv (columns: id, event, label, tags, text).

Sentences of one news event always land in the same split, so no story leaks from training
into evaluation. Events are visited in a seeded shuffle and each goes to the split whose label
counts lag furthest behind the 70/15/15 target, so every split gets each label in about the
target share. Deterministic: the same sources give the same splits byte for byte.

usage: python3 datasets/build_splits.py        (from the project root; stdlib only)
"""
import collections
import glob
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
SPLITS = [("train", 0.70), ("dev", 0.15), ("test", 0.15)]
LABELS = ["assertion", "denial", "allegation"]
HEADER = ["id", "event", "label", "tags", "text"]
SEED = 13


def read_sources():
    rows = []
    for path in sorted(glob.glob(os.path.join(HERE, "src", "*.tsv"))):
        with open(path, encoding="utf-8") as f:
            header = f.readline().rstrip("\n").split("\t")
            if header != HEADER:
                raise SystemExit(f"{path}:1: header {header} is not {HEADER}")
            for n, line in enumerate(f, start=2):
                line = line.rstrip("\n")
                if not line.strip():
                    continue
                fields = line.split("\t")
                if len(fields) != 5:
                    raise SystemExit(f"{path}:{n}: expected 5 fields, found {len(fields)}")
                if fields[2] not in LABELS:
                    raise SystemExit(f"{path}:{n}: unknown label {fields[2]!r}")
                rows.append(dict(zip(HEADER, fields)))
    return rows


def assign(rows):
    events = collections.OrderedDict()
    for row in rows:
        events.setdefault(row["event"], []).append(row)
    names = sorted(events)
    random.Random(SEED).shuffle(names)
    totals = collections.Counter(r["label"] for r in rows)
    have = {name: collections.Counter() for name, _ in SPLITS}
    out = {name: [] for name, _ in SPLITS}
    for event in names:
        members = events[event]
        counts = collections.Counter(r["label"] for r in members)

        def lag(split):
            name, share = split
            # how far below target this split's label counts are, for this event's labels
            return sum(
                (share * totals[l] - have[name][l]) / max(totals[l], 1) * counts[l]
                for l in counts
            )

        name = max(SPLITS, key=lag)[0]
        have[name].update(counts)
        out[name].extend(members)
    return out


def main():
    rows = read_sources()
    for name, members in assign(rows).items():
        members.sort(key=lambda r: r["id"])
        path = os.path.join(HERE, f"{name}.tsv")
        tmp = path + ".tmp"
        with open(tmp, "w", encoding="utf-8", newline="\n") as f:
            f.write("\t".join(HEADER) + "\n")
            for r in members:
                f.write("\t".join(r[c] for c in HEADER) + "\n")
        os.replace(tmp, path)
        counts = collections.Counter(r["label"] for r in members)
        print(name, len(members), " ".join(f"{l} {counts[l]}" for l in LABELS))


if __name__ == "__main__":
    main()
