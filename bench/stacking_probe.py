#!/usr/bin/env python3
"""Do interactions between cues and their contexts add what the linear model misses? A probe:
gradient-boosted trees (scikit-learn HistGradientBoosting) over the shipped recipe's
out-of-fold probabilities on the real training set plus each sentence's cue-context tags (the
`Cue` features `Model.explain` names for any label: `verb.lead:denial`, `noun.sub:allegation`,
...), scored on the project's real dev and test splits against the linear model alone.

Needs the `stance` wheel and scikit-learn (`pip install ./python scikit-learn`). Real-dev
(../shared/realnews/real-dev.tsv) is not read; the text of real rows comes from
../shared/realnews/pool.tsv by id. About 20 s on two cores.

usage: python bench/stacking_probe.py
"""
import numpy as np
from probe_data import LABELS, load_splits, proba
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold


def cue_tags(model, texts):
    """The cue-context features active in each text, whichever label they push."""
    return [
        {c["feature"] for label in LABELS for c in model.explain(t, top=400, label=label)
         if c["kind"] == "Cue"}
        for t in texts
    ]


def main():
    data = load_splits()
    (wt, wl), (rt, rl) = data.written_train, data.real_train
    (dt, dl), (tt, tl) = data.real_dev, data.real_test
    fit = data.fit

    oof = np.zeros((len(rt), len(LABELS)))
    oof_tags = [set()] * len(rt)
    folds = StratifiedKFold(5, shuffle=True, random_state=13).split(rt, rl)
    for kept, held in folds:
        model = fit(wt + [rt[i] for i in kept], wl + [rl[i] for i in kept])
        held_texts = [rt[i] for i in held]
        oof[held] = proba(model, held_texts)
        for i, tags in zip(held, cue_tags(model, held_texts)):
            oof_tags[i] = tags
    full = fit(wt + rt, wl + rl)
    vocab = {f: i for i, f in enumerate(sorted(set().union(*oof_tags)))}

    def features(p, tags):
        x = np.zeros((len(tags), len(vocab)))
        for row, names in enumerate(tags):
            for name in names & vocab.keys():
                x[row, vocab[name]] = 1
        return np.hstack([np.log(p + 1e-6), x])

    y = np.array([LABELS.index(l) for l in rl])
    splits = {
        "real dev split": (proba(full, dt), cue_tags(full, dt), [LABELS.index(l) for l in dl]),
        "real test split": (proba(full, tt), cue_tags(full, tt), [LABELS.index(l) for l in tl]),
    }
    macro = lambda gold, pred: f1_score(gold, pred, average="macro")
    print(f"{len(vocab)} cue-context tags; linear out-of-fold macro-F1 {macro(y, oof.argmax(1)):.4f}")
    for name, (p, _, gold) in splits.items():
        print(f"linear model          {name}: macro-F1 {macro(gold, p.argmax(1)):.4f}")
    for rate, rounds, leaves in [(0.05, 200, 15), (0.05, 400, 31), (0.1, 100, 15)]:
        trees = HistGradientBoostingClassifier(
            learning_rate=rate, max_iter=rounds, max_leaf_nodes=leaves, random_state=0
        ).fit(features(oof, oof_tags), y)
        for name, (p, tags, gold) in splits.items():
            score = macro(gold, trees.predict(features(p, tags)))
            print(f"trees {rate}/{rounds}/{leaves:<3}   {name}: macro-F1 {score:.4f}")


if __name__ == "__main__":
    main()
