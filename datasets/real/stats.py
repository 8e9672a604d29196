#!/usr/bin/env python3
"""Markdown tables for the data card (datasets/real/README.md) from the label files only.

Prints counts per split and label, per outlet, per cue stratum, the deciding rules the
annotators named, and the agreement of the two blind readings of the double set (Cohen's kappa,
per-label agreement, confusion of the two readings). No sentence text is read.

usage: python3 datasets/real/stats.py
"""
import collections
import csv
import glob
import os

HERE = os.path.dirname(os.path.abspath(__file__))
LABELS = ("assertion", "denial", "allegation")


def read(path):
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


def outlet(id_):
    return id_.rsplit("-", 1)[0]


def table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(out)


def main():
    splits = {s: read(os.path.join(HERE, f"{s}.tsv")) for s in ("train", "dev", "test")}
    everything = [r for rows in splits.values() for r in rows]

    def counts(rows):
        c = collections.Counter(r["label"] for r in rows)
        return [f"{len(rows):,}"] + [f"{c[l]:,} ({c[l] / max(len(rows), 1):.0%})" for l in LABELS]

    print("### Counts\n")
    print(table(["file", "sentences"] + list(LABELS),
                [[f"`{s}.tsv`"] + counts(rows) for s, rows in splits.items()] + [["all"] + counts(everything)]))

    print("\n### Per outlet (all splits)\n")
    by_outlet = collections.defaultdict(list)
    for r in everything:
        by_outlet[outlet(r["id"])].append(r)
    print(table(["outlet", "sentences"] + list(LABELS),
                [[o] + counts(rows) for o, rows in sorted(by_outlet.items(), key=lambda x: -len(x[1]))]))

    print("\n### Per cue stratum (how the sentence was chosen)\n")
    by_stratum = collections.defaultdict(list)
    for r in everything:
        by_stratum[r["stratum"]].append(r)
    print(table(["stratum", "sentences"] + list(LABELS), [[s] + counts(rows) for s, rows in sorted(by_stratum.items())]))

    print("\n### Deciding rule named by the annotator (final label's reading)\n")
    rules = collections.Counter(r["rule"] or "0" for r in everything)
    order = sorted(rules, key=lambda k: (not k.isdigit(), int(k) if k.isdigit() else 99, k))
    print(table(["rule"] + order, [["sentences"] + [f"{rules[k]:,}" for k in order]]))
    hard = sum(r["hard"] == "1" for r in everything)
    print(f"\nMarked hard (the annotator hesitated between two labels): {hard:,} of {len(everything):,}.")

    first = {r["id"]: r["label"] for p in glob.glob(os.path.join(HERE, "annotations", "d*A.tsv")) for r in read(p)}
    second = {r["id"]: r["label"] for p in glob.glob(os.path.join(HERE, "annotations", "d*B.tsv")) for r in read(p)}
    pairs = [(first[i], second[i]) for i in sorted(set(first) & set(second))]
    if pairs:
        kinds = LABELS + ("skip",)
        n = len(pairs)
        observed = sum(a == b for a, b in pairs) / n
        ca = collections.Counter(a for a, _ in pairs)
        cb = collections.Counter(b for _, b in pairs)
        expected = sum(ca[k] * cb[k] for k in kinds) / n / n
        kappa = (observed - expected) / (1 - expected)
        print(f"\n### Agreement of the two blind readings ({n:,} sentences)\n")
        print(f"Raw agreement {observed:.3f}, Cohen's kappa {kappa:.3f}.\n")
        rows = []
        for k in kinds:
            both = sum(a == k and b == k for a, b in pairs)
            rows.append([k, ca[k], cb[k], both, f"{2 * both / (ca[k] + cb[k]):.3f}" if ca[k] + cb[k] else "-"])
        print(table(["label", "first reading", "second reading", "both", "agreement 2·both/(first+second)"], rows))
        confusion = collections.Counter((a, b) for a, b in pairs if a != b)
        print("\nDisagreements (first reading → second reading): " + ", ".join(
            f"{a} → {b} {c}" for (a, b), c in confusion.most_common()) + ".")


if __name__ == "__main__":
    main()
