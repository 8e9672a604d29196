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
from probe_data import LABELS, load_splits, proba

GRID = np.round(np.arange(-1.0, 1.01, 0.1), 1)


def main():
    data = load_splits()
    (wt, wl), (rt, rl) = data.written_train, data.real_train
    (dt, dl), (tt, tl) = data.real_dev, data.real_test
    y = np.array([LABELS.index(l) for l in rl])
    full = data.fit(wt + rt, wl + rl)
    splits = {
        "real dev split": (proba(full, dt), [LABELS.index(l) for l in dl]),
        "real test split": (proba(full, tt), [LABELS.index(l) for l in tl]),
    }
    macro = lambda gold, p, bias: f1_score(gold, (np.log(p + 1e-9) + bias).argmax(1), average="macro")
    for seed in (13, 1):
        oof = np.zeros((len(rt), len(LABELS)))
        for kept, held in StratifiedKFold(5, shuffle=True, random_state=seed).split(rt, rl):
            model = data.fit(wt + [rt[i] for i in kept], wl + [rl[i] for i in kept])
            oof[held] = proba(model, [rt[i] for i in held])
        none = np.zeros(len(LABELS))
        # Ties go to the smallest biases, so that a bias that changes nothing reads as zero.
        score, _, bias = max(
            (macro(y, oof, b), -np.abs(b).sum(), tuple(b))
            for b in (np.array([0.0, d, a]) for d in GRID for a in GRID)
        )
        print(f"fold seed {seed}: out-of-fold {macro(y, oof, none):.4f} -> {score:.4f} with "
              f"log-biases denial {bias[1]:+.1f}, allegation {bias[2]:+.1f}")
        for name, (p, gold) in splits.items():
            print(f"  {name}: {macro(gold, p, none):.4f} -> {macro(gold, p, np.array(bias)):.4f}")


if __name__ == "__main__":
    main()
