"""What the probes under bench/ share: the project's splits (real rows joined to their text in
../shared/realnews/pool.tsv by id), the shipped recipe's fit, and probabilities in one label
order. Real-dev (../shared/realnews/real-dev.tsv) is never read."""
import os
from dataclasses import dataclass

import stance

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
POOL = os.path.join(ROOT, "..", "shared", "realnews", "pool.tsv")
LABELS = list(stance.LABELS)


def read(name, real):
    """(texts, labels) of a labelled file of the project; `real` rows take text from the pool."""
    data = stance.read(os.path.join(ROOT, name), text_from=POOL if real else None)
    return list(data["text"]), list(data["label"])


def proba(model, texts):
    """Probabilities with columns in LABELS order."""
    return model.predict_proba(texts)[:, [model.labels.index(l) for l in LABELS]]


@dataclass
class Splits:
    """Each split as (texts, labels)."""

    written_train: tuple
    real_train: tuple
    real_dev: tuple
    real_test: tuple
    early_stopping: tuple  # the written and the real dev files, as the shipped recipe uses

    def fit(self, texts, labels):
        """A model trained as shipped (early stopping on both dev files) on these rows."""
        return stance.train(texts, labels, dev=self.early_stopping)


def load_splits():
    written_dev = read("datasets/dev.tsv", False)
    real_dev = read("datasets/real/dev.tsv", True)
    return Splits(
        written_train=read("datasets/train.tsv", False),
        real_train=read("datasets/real/train.tsv", True),
        real_dev=real_dev,
        real_test=read("datasets/real/test.tsv", True),
        early_stopping=(written_dev[0] + real_dev[0], written_dev[1] + real_dev[1]),
    )
