#!/usr/bin/env python3
"""Would a small neural encoder that reads the sentence in order beat the linear model on real
news? A probe (issue "Real news", part C), not part of the product.

Trains a subword encoder from scratch on the project's training data (the real training set,
datasets/real/train.tsv, plus the written one, datasets/train.tsv), picks the epoch on the real
dev split (datasets/real/dev.tsv), and scores the real test split (datasets/real/test.tsv)
once, beside the shipped linear model (`stance predict --probs`) and the average of the two
models' probabilities. ../shared/realnews/real-dev.tsv is never read. The text of real rows is
joined from ../shared/realnews/pool.tsv by id at run time; nothing is written to the project.

The encoder: text normalised as stance's default normaliser does (diacritics and tatweel
stripped, alef, yeh and teh marbuta folded), a BPE vocabulary (Hugging Face `tokenizers`)
trained on the pool's sentences minus the dev and test ids, embeddings, a bidirectional GRU
(or a CNN), max and mean pooling, a linear layer; AdamW, class-weighted cross-entropy,
deterministic seed.

With --pretrain-epochs N the encoder is first trained as a masked language model (15% of the
subwords replaced by [MASK], each predicted from the encoder's state at its place) on the same
unlabelled text the BPE vocabulary is learnt from (the pool minus the dev and test ids, plus the
written training sentences), then fine-tuned on the labels: in-domain pretraining, the one
source of text beyond the labelled sentences this machine has.

usage (torch on CPU: `python3 -m venv V && V/bin/pip install torch tokenizers numpy`):
    V/bin/python bench/encoder_probe.py [--arch gru|cnn] [--epochs 8] [--pretrain-epochs 0]
        [--threads 2] [--dim 128] [--hidden 128] [--vocab 16000] [--pool-probs OUT]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch
from tokenizers import Tokenizer, models, pre_tokenizers, trainers

ROOT = Path(__file__).resolve().parents[1]
POOL = ROOT.parent / "shared" / "realnews" / "pool.tsv"
LABELS = ["assertion", "denial", "allegation"]
DIACRITICS = re.compile("[\u064b-\u0652\u0670\u0640]")


def normalise(text: str) -> str:
    text = DIACRITICS.sub("", text)
    text = re.sub("[أإآٱ]", "ا", text)
    return text.replace("ى", "ي").replace("ة", "ه")


def rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


def macro_f1(gold: list[int], pred: list[int]) -> tuple[float, list[float]]:
    f1s = []
    for c in range(len(LABELS)):
        tp = sum(1 for g, p in zip(gold, pred) if g == c and p == c)
        fp = sum(1 for g, p in zip(gold, pred) if g != c and p == c)
        fn = sum(1 for g, p in zip(gold, pred) if g == c and p != c)
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return sum(f1s) / len(f1s), f1s


class Encoder(torch.nn.Module):
    def __init__(self, vocab: int, arch: str, dim: int = 128, hidden: int = 128):
        super().__init__()
        self.arch = arch
        self.embed = torch.nn.Embedding(vocab, dim, padding_idx=0)
        if arch == "gru":
            self.rnn = torch.nn.GRU(dim, hidden, batch_first=True, bidirectional=True)
            width = 4 * hidden
        else:
            self.convs = torch.nn.ModuleList(
                torch.nn.Conv1d(dim, hidden, k, padding=k // 2) for k in (2, 3, 4, 5)
            )
            width = 2 * 4 * hidden
        self.drop = torch.nn.Dropout(0.3)
        self.out = torch.nn.Linear(width, len(LABELS))
        self.lm_head = torch.nn.Linear(width // 2, vocab)

    def states(self, ids: torch.Tensor) -> list[torch.Tensor]:
        """The encoder's states at every subword: one tensor (GRU) or one per filter width (CNN)."""
        x = self.drop(self.embed(ids))
        if self.arch == "gru":
            h, _ = self.rnn(x)
            return [h]
        xt = x.transpose(1, 2)
        return [torch.relu(c(xt))[:, :, : ids.shape[1]].transpose(1, 2) for c in self.convs]

    def masked_lm(self, ids: torch.Tensor, chosen: torch.Tensor) -> torch.Tensor:
        """Scores over the vocabulary at the CHOSEN places (a mask of IDS' shape), for
        masked-language-model pretraining; only those places pay for the vocabulary layer."""
        return self.lm_head(self.drop(torch.cat(self.states(ids), dim=-1)[chosen]))

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        mask = (ids != 0).unsqueeze(-1).float()
        feats = self.states(ids)
        pooled = []
        for h in feats:
            mx = (h - (1 - mask) * 1e4).max(dim=1).values
            mean = (h * mask).sum(1) / mask.sum(1).clamp(min=1)
            pooled += [mx, mean]
        return self.out(self.drop(torch.cat(pooled, dim=-1)))


def encode(tok: Tokenizer, texts: list[str], max_len: int, normalised: bool = False) -> torch.Tensor:
    out = np.zeros((len(texts), max_len), dtype=np.int64)
    texts = texts if normalised else [normalise(t) for t in texts]
    for i, enc in enumerate(tok.encode_batch(texts)):
        ids = enc.ids[:max_len]
        out[i, : len(ids)] = ids
    return torch.from_numpy(out)


def pretrain(model: Encoder, x: torch.Tensor, mask_id: int, epochs: int, started: float) -> None:
    """Masked-language-model pretraining: 15% of the subwords of each sentence replaced by
    [MASK] and predicted from the encoder's state at their place."""
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-4)
    loss_fn = torch.nn.CrossEntropyLoss()
    for epoch in range(1, epochs + 1):
        model.train()
        order, total, batches = torch.randperm(len(x)), 0.0, 0
        for i in range(0, len(order), 32):
            ids = x[order[i : i + 32]]
            chosen = (torch.rand(ids.shape) < 0.15) & (ids != 0)
            opt.zero_grad()
            scores = model.masked_lm(torch.where(chosen, torch.full_like(ids, mask_id), ids), chosen)
            loss = loss_fn(scores, ids[chosen])
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            total, batches = total + loss.item(), batches + 1
        print(f"pretrain epoch {epoch}: masked-LM loss {total / batches:.3f} "
              f"({time.time() - started:.0f} s)", flush=True)


def probabilities(model: Encoder, x: torch.Tensor) -> np.ndarray:
    model.eval()
    with torch.no_grad():
        parts = [torch.softmax(model(x[i : i + 256]), -1) for i in range(0, len(x), 256)]
    return torch.cat(parts).numpy()


def linear_probabilities(split: str | Path) -> np.ndarray:
    """The shipped linear model's probabilities on datasets/real/SPLIT.tsv (or on the file
    SPLIT, whose ids are joined with the pool's text), in row order."""
    cli = ROOT / "target" / "release" / "stance"
    path = split if isinstance(split, Path) else ROOT / "datasets" / "real" / f"{split}.tsv"
    out = subprocess.run(
        [str(cli), "predict", "-q", "-m", str(ROOT / "models" / "stance.model"), "--input",
         str(path), "--text-from", str(POOL), "--output", "jsonl", "--probs"],
        check=True, capture_output=True, text=True,
    ).stdout
    probs = []
    for line in out.splitlines():
        p = json.loads(line)["probabilities"]
        probs.append([p[label] for label in LABELS])
    return np.array(probs)


def fine_tune(model: Encoder, xtr, ytr, xdv, ydv, weights, epochs: int, started: float):
    """Fine-tunes on the labels; keeps (loads) the epoch with the best real dev split macro-F1."""
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-4)
    loss_fn = torch.nn.CrossEntropyLoss(weight=weights)
    best, best_state, best_epoch = -1.0, None, 0
    for epoch in range(1, epochs + 1):
        model.train()
        order = torch.randperm(len(xtr))
        for i in range(0, len(order), 32):
            idx = order[i : i + 32]
            opt.zero_grad()
            loss = loss_fn(model(xtr[idx]), ytr[idx])
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
        f1, _ = macro_f1(ydv, probabilities(model, xdv).argmax(1).tolist())
        print(f"epoch {epoch}: real dev split macro-F1 {f1:.4f} ({time.time() - started:.0f} s)",
              flush=True)
        if f1 > best:
            best, best_epoch = f1, epoch
            best_state = {k: v.clone() for k, v in model.state_dict().items()}
    model.load_state_dict(best_state)
    return best, best_epoch


def cross_validate(model: Encoder, tok: Tokenizer, pool, written, xdv, ydv, args, started) -> None:
    """K-fold cross-validation on the real training set, on the folds `stance cv` deals (read
    from its --predictions file, which also gives the linear model's out-of-fold
    probabilities): the written sentences join every training fold; each fold's encoder starts
    from the same (pretrained) weights. Writes the held-out rows' encoder and linear
    probabilities to --cv-out/fold<N>.tsv; with --cv-report, scores every fold file there."""
    oof = rows(args.cv_out / "linear.tsv")
    folds = sorted({r["fold"] for r in oof}, key=int)
    wanted = args.only_folds.split(",") if args.only_folds else folds
    start = {k: v.clone() for k, v in model.state_dict().items()}
    for fold in wanted:
        kept = [r for r in oof if r["fold"] != fold]
        held = [r for r in oof if r["fold"] == fold]
        train = [(pool[r["id"]], LABELS.index(r["gold"])) for r in kept] + written
        xtr = encode(tok, [t for t, _ in train], args.max_len)
        ytr = torch.tensor([y for _, y in train])
        counts = torch.bincount(ytr, minlength=len(LABELS)).float()
        model.load_state_dict(start)
        torch.manual_seed(args.seed)
        print(f"fold {fold}: {len(train)} training rows, {len(held)} held out", flush=True)
        fine_tune(model, xtr, ytr, xdv, ydv, counts.sum() / (len(LABELS) * counts), args.epochs,
                  started)
        enc = probabilities(model, encode(tok, [pool[r["id"]] for r in held], args.max_len))
        with open(args.cv_out / f"fold{fold}.tsv", "w", encoding="utf-8") as f:
            f.write("id\tgold\t" + "\t".join(f"enc_{l}" for l in LABELS) + "\t"
                    + "\t".join(f"lin_{l}" for l in LABELS) + "\n")
            for r, e in zip(held, enc):
                f.write(f"{r['id']}\t{r['gold']}\t" + "\t".join(f"{x:.5f}" for x in e) + "\t"
                        + "\t".join(r[f"p_{l}"] for l in LABELS) + "\n")


def cv_report(directory: Path) -> None:
    """Per-fold and mean macro-F1 of the encoder, the linear model and their average."""
    scores: dict[str, list[float]] = {"linear": [], "encoder": [], "average": []}
    for path in sorted(directory.glob("fold*.tsv")):
        held = rows(path)
        gold = [LABELS.index(r["gold"]) for r in held]
        enc = np.array([[float(r[f"enc_{l}"]) for l in LABELS] for r in held])
        lin = np.array([[float(r[f"lin_{l}"]) for l in LABELS] for r in held])
        for name, p in (("linear", lin), ("encoder", enc), ("average", enc + lin)):
            scores[name].append(macro_f1(gold, p.argmax(1).tolist())[0])
    for name, values in scores.items():
        print(f"{name:8} macro-F1 {np.mean(values):.4f} ± {np.std(values, ddof=1):.4f} "
              f"(folds: {' '.join(f'{v:.4f}' for v in values)})")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--arch", choices=["gru", "cnn"], default="gru")
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--pretrain-epochs", type=int, default=0)
    ap.add_argument("--vocab", type=int, default=16000)
    ap.add_argument("--dim", type=int, default=128, help="subword embedding size")
    ap.add_argument("--hidden", type=int, default=128, help="GRU units per direction (CNN filters)")
    ap.add_argument("--max-len", type=int, default=96)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--pool-probs", type=Path, metavar="OUT",
                    help="also write, for every pool sentence no datasets/real/*.tsv labels, its id "
                         "and the averaged (encoder + linear) probabilities to OUT (a TSV outside "
                         "the project: teacher labels for a distillation experiment)")
    ap.add_argument("--folds", action="store_true",
                    help="cross-validate on the folds of --cv-out/linear.tsv, written by `stance cv "
                         "datasets/real/train.tsv --with datasets/train.tsv --predictions` "
                         "(its fold column and the linear model's out-of-fold probabilities)")
    ap.add_argument("--only-folds", help="with --folds: these folds only (comma-separated)")
    ap.add_argument("--cv-out", type=Path, default=Path("/tmp/encoder-cv"))
    ap.add_argument("--cv-report", action="store_true",
                    help="score the fold files in --cv-out and stop")
    ap.add_argument("--pretrained", type=Path,
                    help="save the pretrained weights here, or read them if the file exists")
    args = ap.parse_args()
    if args.cv_report:
        cv_report(args.cv_out)
        return
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)

    pool = {r["id"]: r["sentence"] for r in rows(POOL)}
    real = lambda split: [(pool[r["id"]], LABELS.index(r["label"]))
                          for r in rows(ROOT / "datasets" / "real" / f"{split}.tsv")]
    train = real("train") + [(r["text"], LABELS.index(r["label"]))
                             for r in rows(ROOT / "datasets" / "train.tsv")]
    dev, test = real("dev"), real("test")
    held_out = {r["id"] for s in ("dev", "test") for r in rows(ROOT / "datasets" / "real" / f"{s}.tsv")}

    started = time.time()
    tok = Tokenizer(models.BPE(unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Punctuation()])
    corpus = [normalise(t) for i, t in pool.items() if i not in held_out]
    corpus += [normalise(t) for t, _ in train[len(real("train")):]]
    tok.train_from_iterator(corpus, trainers.BpeTrainer(
        vocab_size=args.vocab, special_tokens=["[PAD]", "[UNK]", "[MASK]"], min_frequency=2))
    xtr, xdv, xte = (encode(tok, [t for t, _ in d], args.max_len) for d in (train, dev, test))
    ytr = torch.tensor([y for _, y in train])
    ydv, yte = [y for _, y in dev], [y for _, y in test]
    counts = torch.bincount(ytr, minlength=len(LABELS)).float()
    weights = counts.sum() / (len(LABELS) * counts)

    model = Encoder(tok.get_vocab_size(), args.arch, args.dim, args.hidden)
    if args.pretrained and args.pretrained.exists():
        model.load_state_dict(torch.load(args.pretrained))
        print(f"pretrained weights read from {args.pretrained}", flush=True)
    elif args.pretrain_epochs:
        pretrain(model, encode(tok, corpus, args.max_len, normalised=True),
                 tok.token_to_id("[MASK]"), args.pretrain_epochs, started)
        if args.pretrained:
            torch.save(model.state_dict(), args.pretrained)
    if args.folds:
        cross_validate(model, tok, pool, train[len(real("train")):], xdv, ydv, args, started)
        return
    best, best_epoch = fine_tune(model, xtr, ytr, xdv, ydv, weights, args.epochs, started)
    train_s = time.time() - started

    t0 = time.time()
    pte = probabilities(model, xte)
    speed = len(xte) / (time.time() - t0)
    lin_dv, lin_te = linear_probabilities("dev"), linear_probabilities("test")
    pdv = probabilities(model, xdv)
    results = {
        "arch": args.arch, "dim": args.dim, "hidden": args.hidden, "vocab": args.vocab,
        "pretrain_epochs": args.pretrain_epochs, "epochs_run": args.epochs, "best_epoch": best_epoch,
        "train_seconds": round(train_s), "threads": args.threads,
        "predict_sentences_per_s": round(speed),
        "dev_split": {
            "encoder": round(best, 4),
            "linear": round(macro_f1(ydv, lin_dv.argmax(1).tolist())[0], 4),
            "average": round(macro_f1(ydv, (pdv + lin_dv).argmax(1).tolist())[0], 4),
        },
        "test_split": {},
    }
    for name, p in (("encoder", pte), ("linear", lin_te), ("average", pte + lin_te)):
        f1, per = macro_f1(yte, p.argmax(1).tolist())
        results["test_split"][name] = {"macro_f1": round(f1, 4),
                                       "f1": dict(zip(LABELS, (round(x, 4) for x in per)))}
    json.dump(results, sys.stdout, indent=1, ensure_ascii=False)
    print()
    if args.pool_probs:
        write_pool_probs(model, tok, pool, args)


def write_pool_probs(model: Encoder, tok: Tokenizer, pool: dict[str, str], args) -> None:
    """The averaged probabilities on every pool sentence no project file labels (id only)."""
    labelled = {r["id"] for f in (ROOT / "datasets" / "real").glob("*.tsv") for r in rows(f)}
    ids = [i for i in pool if i not in labelled]
    listing = args.pool_probs.with_suffix(".ids.tsv")
    listing.write_text("id\tnote\n" + "".join(f"{i}\tunlabelled\n" for i in ids), encoding="utf-8")
    lin = linear_probabilities(listing)
    enc = probabilities(model, encode(tok, [pool[i] for i in ids], args.max_len))
    avg = (enc + lin) / 2
    with open(args.pool_probs, "w", encoding="utf-8") as f:
        f.write("id\t" + "\t".join(LABELS) + "\t" + "\t".join(f"linear_{l}" for l in LABELS) + "\n")
        for i, a, l in zip(ids, avg, lin):
            f.write(i + "\t" + "\t".join(f"{x:.4f}" for x in a) + "\t"
                    + "\t".join(f"{x:.4f}" for x in l) + "\n")
    print(f"wrote {len(ids)} pool sentences' probabilities to {args.pool_probs}", file=sys.stderr)


if __name__ == "__main__":
    main()
