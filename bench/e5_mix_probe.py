#!/usr/bin/env python3
"""How should the e5 option join its probabilities to the linear model's? A probe, not part of
the product.

`stance --e5` takes the weighted mean of the two models' probabilities, (1 - w) linear + w e5,
at w = 0.5. The linear model's probabilities are calibrated; e5's are not, and lean to the
minority labels (it is trained with class-balanced cross-entropy). This probe scores other ways
of joining them on cross-validation folds written by `bench/e5_finetune_probe.py --folds`
(held-out rows of the real training set, each with both models' out-of-fold probabilities):

- mean: the arithmetic mean at w (as shipped);
- geometric: the normalised geometric mean, softmax((1 - w) log linear + w log e5);
- stacked: a multinomial logistic regression over both models' log-probabilities (6 inputs),
  fitted on the held-out rows of the other folds (cross-fitting: no row scores a stacker that
  saw it). `--fit-rows N` fits it on N random rows of those only, as a shipped stacker could
  only be fitted on the real dev split (984 rows), the one real set neither model trains on.

usage: /tmp/torchvenv/bin/python bench/e5_mix_probe.py [--cv-out /tmp/e5cv] [--epoch 2]
           [--fit-rows 984] [--seed 13]
       /tmp/torchvenv/bin/python bench/e5_mix_probe.py --fit LIN E5 GOLD --score LIN E5 GOLD ...
       /tmp/torchvenv/bin/python bench/e5_mix_probe.py --fit-cv --score LIN E5 GOLD ...
(numpy and scikit-learn.) The first form reads DIR/fold*-epochE.tsv. The second fits the stacker
on one set and scores others, as a shipped one would be: LIN and E5 are `stance predict --probs
--output tsv` of the shipped linear model and of `--e5 MODEL --e5-mix-weight 1` (e5 alone) on
the labelled file GOLD (a header with `id` and `label`). The third fits it on every fold file's
rows instead (out-of-fold probabilities of the whole real training set, neither model having
seen the row), and scores the shipped models' files the same way. `--strata TRAIN` (the first
form) adds pooled macro-F1 on the rows `stance suggest` picked (stratum `suggested` in TRAIN,
datasets/real/train.tsv) and on those drawn by cue stratum, as the held-out sets are.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

LABELS = ["assertion", "denial", "allegation"]
# The stacker's inputs are log-probabilities clipped at EPS, its L2 penalty 1 / C; both chosen on
# CV folds 1-2 (ten random 984-row fits each: C = 0.01 gained most and varied least between
# fits), then fixed for folds 3-4 and the held-out sets.
EPS = 1e-3
C = 0.01


def read_fold(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """(gold label indices, linear probabilities, e5 probabilities, ids) of a fold file."""
    with path.open(encoding="utf-8", newline="") as f:
        held = list(csv.DictReader(f, delimiter="\t"))
    probs = lambda prefix: np.array([[float(r[f"{prefix}_{l}"]) for l in LABELS] for r in held])
    gold = np.array([LABELS.index(r["gold"]) for r in held])
    return gold, probs("lin"), probs("e5"), [r["id"] for r in held]


def macro_f1(gold: np.ndarray, pred: np.ndarray) -> tuple[float, list[float]]:
    f1s = []
    for c in range(len(LABELS)):
        tp = np.sum((gold == c) & (pred == c))
        fp = np.sum((gold != c) & (pred == c))
        fn = np.sum((gold == c) & (pred != c))
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return float(np.mean(f1s)), f1s


def read_split(lin: Path, e5: Path, gold: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(gold label indices, linear probabilities, e5 probabilities) of a labelled file, joined
    by id with two `stance predict --probs --output tsv` files."""
    def table(path: Path) -> dict[str, dict[str, str]]:
        with path.open(encoding="utf-8", newline="") as f:
            return {r["id"]: r for r in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)}
    labels, a, b = table(gold), table(lin), table(e5)
    ids = list(labels)
    probs = lambda t: np.array([[float(t[i][f"p_{l}"]) for l in LABELS] for i in ids])
    return np.array([LABELS.index(labels[i]["label"]) for i in ids]), probs(a), probs(b)


def held_out(args: argparse.Namespace) -> None:
    """Fits the stacker on --fit (or on every fold file, --fit-cv) and scores each --score set
    beside the mean at w = 0.5."""
    if args.fit_cv:
        paths = fold_paths(args)
        folds = [read_fold(p) for p in paths]
        gold = np.concatenate([f[0] for f in folds])
        x = np.vstack([features(f[1], f[2]) for f in folds])
        source = f"{len(paths)} fold files of {args.cv_out}, epoch {args.epoch}"
    else:
        gold, lin, e5 = read_split(*map(Path, args.fit))
        x = features(lin, e5)
        source = args.fit[2]
    model = LogisticRegression(C=C, max_iter=3000).fit(x, gold)
    print(f"stacker fitted on {source} ({len(gold)} rows)\n")
    print("| set | linear | mean, w = 0.5 | stacked | F1 assertion / denial / allegation, mean → stacked |")
    print("|---|---|---|---|---|")
    for files in args.score:
        gold, lin, e5 = read_split(*map(Path, files))
        mean = macro_f1(gold, (0.5 * lin + 0.5 * e5).argmax(1))
        stacked = macro_f1(gold, model.predict(features(lin, e5)))
        per = " / ".join(f"{m:.3f} → {s:.3f}" for m, s in zip(mean[1], stacked[1]))
        print(f"| {files[2]} | {macro_f1(gold, lin.argmax(1))[0]:.4f} | {mean[0]:.4f} | "
              f"{stacked[0]:.4f} | {per} |")


def features(lin: np.ndarray, e5: np.ndarray) -> np.ndarray:
    return np.hstack([np.log(np.clip(lin, EPS, 1.0)), np.log(np.clip(e5, EPS, 1.0))])


def fold_paths(args: argparse.Namespace) -> list[Path]:
    """The fold files of --cv-out at --epoch, at least two."""
    paths = sorted(args.cv_out.glob(f"fold*-epoch{args.epoch}.tsv"))
    if len(paths) < 2:
        raise SystemExit(f"{args.cv_out}: needs at least two fold*-epoch{args.epoch}.tsv")
    return paths


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cv-out", type=Path, default=Path("/tmp/e5cv"))
    ap.add_argument("--epoch", type=int, default=2)
    ap.add_argument("--fit-rows", type=int, default=984)
    ap.add_argument("--seed", type=int, default=13)
    fit = ap.add_mutually_exclusive_group()
    fit.add_argument("--fit", nargs=3, metavar=("LIN", "E5", "GOLD"))
    fit.add_argument("--fit-cv", action="store_true")
    ap.add_argument("--strata", type=Path, metavar="TRAIN")
    ap.add_argument("--score", nargs=3, metavar=("LIN", "E5", "GOLD"), action="append", default=[])
    args = ap.parse_args()
    if args.fit or args.fit_cv:
        if args.strata:
            ap.error("--strata reports on the folds: not with --fit or --fit-cv")
        held_out(args)
        return
    paths = fold_paths(args)
    folds = [read_fold(p) for p in paths]
    rng = np.random.default_rng(args.seed)

    def stacked(k: int, rows: int | None, balanced: bool) -> np.ndarray:
        others = [folds[j] for j in range(len(folds)) if j != k]
        gold = np.concatenate([f[0] for f in others])
        x = np.vstack([features(f[1], f[2]) for f in others])
        if rows is not None and rows < len(gold):
            keep = rng.choice(len(gold), rows, replace=False)
            gold, x = gold[keep], x[keep]
        model = LogisticRegression(C=C, max_iter=3000,
                                   class_weight="balanced" if balanced else None)
        model.fit(x, gold)
        return model.predict(features(folds[k][1], folds[k][2]))

    ways = {
        "linear": lambda k: folds[k][1].argmax(1),
        "e5": lambda k: folds[k][2].argmax(1),
    }
    for w in (0.4, 0.5, 0.6):
        ways[f"mean, w = {w}"] = lambda k, w=w: ((1 - w) * folds[k][1] + w * folds[k][2]).argmax(1)
    for w in (0.4, 0.5, 0.6):
        ways[f"geometric, w = {w}"] = lambda k, w=w: (
            (1 - w) * np.log(np.clip(folds[k][1], EPS, 1.0))
            + w * np.log(np.clip(folds[k][2], EPS, 1.0))).argmax(1)
    ways["stacked, all other folds' rows"] = lambda k: stacked(k, None, False)
    ways["stacked, all other folds' rows, balanced"] = lambda k: stacked(k, None, True)
    ways[f"stacked, {args.fit_rows} of them"] = lambda k: stacked(k, args.fit_rows, False)
    ways[f"stacked, {args.fit_rows} of them, balanced"] = lambda k: stacked(k, args.fit_rows, True)

    names = " / ".join(p.stem.split("-")[0] for p in paths)
    print(f"epoch {args.epoch}; folds {names}\n")
    print("| way of joining | macro-F1 per fold | mean | pooled F1 assertion / denial / allegation |")
    print("|---|---|---|---|")
    gold_all = np.concatenate([f[0] for f in folds])
    pooled_preds = {}
    for name, predict in ways.items():
        preds = [predict(k) for k in range(len(folds))]
        pooled_preds[name] = np.concatenate(preds)
        per_fold = [macro_f1(f[0], p)[0] for f, p in zip(folds, preds)]
        pooled = macro_f1(gold_all, pooled_preds[name])[1]
        print(f"| {name} | {' / '.join(f'{v:.4f}' for v in per_fold)} | {np.mean(per_fold):.4f} | "
              f"{' / '.join(f'{v:.3f}' for v in pooled)} |")
    if args.strata:
        with args.strata.open(encoding="utf-8", newline="") as f:
            stratum = {r["id"]: r["stratum"] for r in csv.DictReader(f, delimiter="\t")}
        ids = [i for f in folds for i in f[3]]
        missing = next((i for i in ids if i not in stratum), None)
        if missing is not None:
            raise SystemExit(f"{args.strata}: no row for id {missing} of the fold files")
        suggested = np.array([stratum[i] == "suggested" for i in ids])
        print(f"\n| way of joining | pooled macro-F1, {suggested.sum()} rows `stance suggest` picked "
              f"| {(~suggested).sum()} rows drawn by cue stratum |")
        print("|---|---|---|")
        for name, pred in pooled_preds.items():
            picked = macro_f1(gold_all[suggested], pred[suggested])[0]
            drawn = macro_f1(gold_all[~suggested], pred[~suggested])[0]
            print(f"| {name} | {picked:.4f} | {drawn:.4f} |")


if __name__ == "__main__":
    main()
