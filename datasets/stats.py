#!/usr/bin/env python3
"""Print the figures of the data card (datasets/README.md) for train/dev/test.tsv:
label counts per split, hard-case tag counts, length and quote statistics, word 3-gram
diversity, the most frequent opening, and near-duplicate pairs (character 5-gram Jaccard >= 0.8)
within and across splits. The same checks run as tests in tests/datasets.rs.

usage: python3 datasets/stats.py        (from the project root; stdlib only)
"""
import collections
import itertools
import os
import re

HERE = os.path.dirname(os.path.abspath(__file__))
SPLITS = ["train", "dev", "test"]
LABELS = ["assertion", "denial", "allegation"]
TAGS = ["r1", "r2", "r3", "r4", "r5", "r7", "r9", "r10", "r11", "r12", "dalt", "aalt", "np", "bg", "plain"]
THRESHOLD = 0.8


def read(name):
    with open(os.path.join(HERE, f"{name}.tsv"), encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        return [dict(zip(header, line.rstrip("\n").split("\t"))) for line in f if line.strip()]


def grams(text):
    t = " ".join(text.split())
    return {t[i:i + 5] for i in range(len(t) - 4)}


def words(text):
    return [w for w in re.split(r"[^\w]+", text) if w]


def near_duplicates(a, b, same):
    ga = [grams(r["text"]) for r in a]
    gb = [grams(r["text"]) for r in b]
    freq = collections.Counter(g for s in ga + gb for g in s)

    def prefix(s):
        keep = len(s) - int(-(-THRESHOLD * len(s) // 1)) + 1
        return sorted(s, key=lambda g: (freq[g], g))[:keep]

    index = collections.defaultdict(list)
    for j, s in enumerate(gb):
        for g in prefix(s):
            index[g].append(j)
    found = []
    for i, s in enumerate(ga):
        cands = {j for g in prefix(s) for j in index.get(g, []) if not same or j > i}
        for j in cands:
            inter = len(s & gb[j])
            union = len(s) + len(gb[j]) - inter
            if union and inter / union >= THRESHOLD:
                found.append((a[i]["id"], b[j]["id"], round(inter / union, 3)))
    return found


def main():
    data = {name: read(name) for name in SPLITS}
    total = sum(len(v) for v in data.values())
    print(f"sentences {total}")
    print("| split | rows | assertion | denial | allegation |")
    print("|---|---|---|---|---|")
    for name, rows in data.items():
        c = collections.Counter(r["label"] for r in rows)
        print(f"| {name} | {len(rows)} | " + " | ".join(str(c[l]) for l in LABELS) + " |")
    allrows = [r for rows in data.values() for r in rows]
    c = collections.Counter(r["label"] for r in allrows)
    print(f"| all | {total} | " + " | ".join(f"{c[l]} ({c[l] / total:.1%})" for l in LABELS) + " |")

    tags = collections.Counter(t for r in allrows for t in r["tags"].split(",") if t and t != "-")
    print("\n| tag | sentences |\n|---|---|")
    for t in TAGS:
        print(f"| {t} | {tags[t]} |")

    lengths = [len(r["text"].split()) for r in allrows]
    print(f"\nwords per sentence: mean {sum(lengths) / len(lengths):.1f}, min {min(lengths)}, max {max(lengths)}, "
          f">= 25 words {sum(l >= 25 for l in lengths) / len(lengths):.1%}")
    for l in LABELS:
        rows = [r for r in allrows if r["label"] == l]
        q = sum(('"' in r["text"]) or ("«" in r["text"]) for r in rows) / len(rows)
        print(f"  {l}: quoted {q:.1%}")
    print(f"events {len({r['event'] for r in allrows})}")

    for name, rows in data.items():
        tri = [" ".join(t) for r in rows for t in zip(*(words(r["text"])[k:] for k in range(3)))]
        openings = collections.Counter(" ".join(words(r["text"])[:3]) for r in rows)
        top, n = openings.most_common(1)[0]
        print(f"{name}: distinct word 3-grams {len(set(tri)) / len(tri):.4f}; most frequent opening «{top}» "
              f"{n} rows ({n / len(rows):.2%})")

    for x, y in itertools.combinations(SPLITS, 2):
        print(f"near-duplicates {x}~{y}: {len(near_duplicates(data[x], data[y], False))}")
    for name in SPLITS:
        print(f"near-duplicates within {name}: {len(near_duplicates(data[name], data[name], True))}")


if __name__ == "__main__":
    main()
