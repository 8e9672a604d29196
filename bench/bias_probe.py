#!/usr/bin/env python3
"""Would per-label decision biases, tuned on the real training folds, help? A probe: the
shipped recipe's out-of-fold probabilities on the real training set (5 folds), a grid of
additive log-biases for denial and allegation chosen for the best out-of-fold macro-F1, then
the model trained on all of it scored on the project's real dev and test splits with and
without those biases, for two fold seeds.

Needs the `stance` wheel and scikit-learn (`pip install ./python scikit-learn`). Real-dev
(../shared/realnews/real-dev.tsv) is not read. About 15 s on two cores.

usage: python bench/bias_probe.py
"""
import numpy as np
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold
from stacking_probe import LABELS, proba, read

import stance

GRID = np.round(np.arange(-1.0, 1.01, 0.1), 1)


def main():
    wt, wl = read("datasets/train.tsv", False)
    wdt, wdl = read("datasets/dev.tsv", False)
    rt, rl = read("datasets/real/train.tsv", True)
    dt, dl = read("datasets/real/dev.tsv", True)
    tt, tl = read("datasets/real/test.tsv", True)
    dev = (wdt + dt, wdl + dl)  # the shipped recipe's early stopping
    y = np.array([LABELS.index(l) for l in rl])
    full = stance.train(wt + rt, wl + rl, dev=dev)
    splits = {
        "real dev split": (proba(full, dt), [LABELS.index(l) for l in dl]),
        "real test split": (proba(full, tt), [LABELS.index(l) for l in tl]),
    }
    macro = lambda gold, p, bias: f1_score(gold, (np.log(p + 1e-9) + bias).argmax(1), average="macro")
    for seed in (13, 1):
        oof = np.zeros((len(rt), len(LABELS)))
        for kept, held in StratifiedKFold(5, shuffle=True, random_state=seed).split(rt, rl):
            model = stance.train(wt + [rt[i] for i in kept], wl + [rl[i] for i in kept], dev=dev)
            oof[held] = proba(model, [rt[i] for i in held])
        none = np.zeros(len(LABELS))
        score, bias = max(
            (macro(y, oof, b), tuple(b))
            for b in (np.array([0.0, d, a]) for d in GRID for a in GRID)
        )
        print(f"fold seed {seed}: out-of-fold {macro(y, oof, none):.4f} -> {score:.4f} with "
              f"log-biases denial {bias[1]:+.1f}, allegation {bias[2]:+.1f}")
        for name, (p, gold) in splits.items():
            print(f"  {name}: {macro(gold, p, none):.4f} -> {macro(gold, p, np.array(bias)):.4f}")


if __name__ == "__main__":
    main()
