#!/usr/bin/env python3
"""How much of the gap between the project's real test split and real-dev is the mix of cue
strata? A diagnostic, not part of the product; nothing is chosen from it.

Both held-out real sets were drawn from the pool stratified by the regex cue flags of
../shared/realnews/build_pool.py (a denial cue; an allegation cue and no denial cue; only
reporting or confirmation verbs; none), but not in the same proportions: the project's split took
about a quarter per stratum, real-dev leans to the allegation-cue stratum. This script scores a
model's predictions per stratum on each set, then reweights the test split's rows so that its
strata come in real-dev's proportions and scores it again (weighted counts in the confusion
matrix): if that estimate lands near real-dev's own score, the mix, not a shift within the
strata, explains the gap.

The strata are computed from each sentence's text with build_pool.py's own `cues` function, the
one that wrote ../shared/realnews/pool_cues.tsv (from which the labelled splits' `stratum` column
was taken), so both sets' strata are drawn by the same rule. Real-dev's labels are only scored.

usage (predictions from `stance predict --output tsv`, which keeps the input's id column):
    stance predict -i datasets/real/test.tsv --output tsv > TEST.tsv
    stance predict -i ../shared/realnews/real-dev.tsv --output tsv > RDEV.tsv
    python3 bench/stratum_mix.py TEST.tsv RDEV.tsv [--name linear]
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
LABELS = ("assertion", "denial", "allegation")
STRATA = ("allegation", "denial", "reporting", "none")


def load_cue_function():
    """build_pool.py's `cues(sentence) -> (denial, allegation, confirmation, reporting)`."""
    spec = importlib.util.spec_from_file_location(
        "build_pool", SHARED / "realnews" / "build_pool.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.cues


def stratum_of(flags: tuple[bool, bool, bool, bool]) -> str:
    """The stratum round 1 and the held-out sets were drawn by (datasets/real/README.md)."""
    denial, allegation, confirmation, reporting = flags
    if denial:
        return "denial"
    if allegation:
        return "allegation"
    if confirmation or reporting:
        return "reporting"
    return "none"


def read_tsv(path: Path, columns: tuple[str, ...]) -> list[dict[str, str]]:
    """The rows of a TSV file with a header naming at least COLUMNS; a clear exit otherwise."""
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
            if missing := [c for c in columns if c not in (reader.fieldnames or [])]:
                sys.exit(f"{path}:1: no column {', '.join(missing)} in the header")
            return list(reader)
    except OSError as error:
        sys.exit(f"{path}: {error.strerror}")


def gold_labels(path: Path) -> dict[str, str]:
    """id -> gold label (rows left out by rule 8 are not scored)."""
    rows = read_tsv(path, ("id", "label"))
    return {row["id"]: row["label"] for row in rows if row["label"] in LABELS}


def macro_f1(confusion: Counter) -> float:
    """Macro-F1 over the three labels from (gold, predicted) -> weight."""
    scores = []
    for label in LABELS:
        tp = confusion[(label, label)]
        predicted = sum(w for (_, p), w in confusion.items() if p == label)
        actual = sum(w for (g, _), w in confusion.items() if g == label)
        precision = tp / predicted if predicted else 0.0
        recall = tp / actual if actual else 0.0
        scores.append(2 * precision * recall / (precision + recall) if tp else 0.0)
    return sum(scores) / len(scores)


def accuracy(confusion: Counter) -> float:
    total = sum(confusion.values())
    return sum(w for (g, p), w in confusion.items() if g == p) / total


def scored(gold: dict[str, str], predictions: Path, cues) -> list[tuple[str, str, str]]:
    """(gold, predicted, stratum) for every gold row; the stratum from the sentence's text."""
    out = []
    for row in read_tsv(predictions, ("id", "label", "text")):
        if row["id"] in gold:
            out.append((gold[row["id"]], row["label"], stratum_of(cues(row["text"]))))
    if len(out) != len(gold):
        sys.exit(f"{predictions}: {len(out)} of {len(gold)} labelled ids predicted")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("test_predictions", type=Path, help="stance predict on datasets/real/test.tsv")
    ap.add_argument("rdev_predictions", type=Path, help="stance predict on real-dev.tsv")
    ap.add_argument("--name", default="model", help="what the predictions are of, for the table")
    args = ap.parse_args()

    cues = load_cue_function()
    test = scored(gold_labels(ROOT / "datasets/real/test.tsv"), args.test_predictions, cues)
    rdev = scored(gold_labels(SHARED / "realnews/real-dev.tsv"), args.rdev_predictions, cues)
    test_mix = Counter(s for _, _, s in test)
    rdev_mix = Counter(s for _, _, s in rdev)
    if missing := [s for s in STRATA if not test_mix[s] or not rdev_mix[s]]:
        sys.exit(f"no sentence of stratum {', '.join(missing)} in one of the sets: nothing to weigh")

    print(f"{args.name}: accuracy / macro-F1 per cue stratum (rows)")
    print("| stratum | real test split | real-dev | share of test / real-dev |")
    print("|---|---|---|---|")
    for stratum in STRATA:
        cells = []
        for rows in (test, rdev):
            confusion = Counter((g, p) for g, p, s in rows if s == stratum)
            cells.append(f"{accuracy(confusion):.3f} / {macro_f1(confusion):.3f} "
                         f"({sum(confusion.values())})")
        share = f"{test_mix[stratum] / len(test):.0%} / {rdev_mix[stratum] / len(rdev):.0%}"
        print(f"| {stratum} | {cells[0]} | {cells[1]} | {share} |")

    weights = {s: (rdev_mix[s] / len(rdev)) / (test_mix[s] / len(test)) for s in STRATA}
    plain = Counter((g, p) for g, p, _ in test)
    reweighted = Counter()
    for g, p, s in test:
        reweighted[(g, p)] += weights[s]
    real_dev = Counter((g, p) for g, p, _ in rdev)
    print()
    print("| accuracy / macro-F1 | real test split | the same in real-dev's strata mix | real-dev |")
    print("|---|---|---|---|")
    print(f"| {args.name} | {accuracy(plain):.3f} / {macro_f1(plain):.4f} "
          f"| {accuracy(reweighted):.3f} / {macro_f1(reweighted):.4f} "
          f"| {accuracy(real_dev):.3f} / {macro_f1(real_dev):.4f} |")


if __name__ == "__main__":
    main()
