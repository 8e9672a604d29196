#!/usr/bin/env python3
"""Sentences/s of the PyTorch e5 encoder of bench/e5_finetune_probe.py on 1 thread, measured as
examples/e5_speed.rs measures the Rust port: the real test split from raw text ("query: "
prefix, cut at 96 tokens), batches of 32 sentences of similar length, every layer, mean pooling,
L2 norm. Run the two one after the other, so both see the same machine load.

usage: /tmp/torchvenv/bin/python bench/e5_torch_speed.py
"""

import time

import torch

import e5_finetune_probe as probe


def main() -> None:
    torch.set_num_threads(1)
    e5 = probe.read_e5_file(probe.model_file(probe.ENGINE_VENV))
    model = probe.StanceE5(e5, train_layers=0).eval()
    tok = probe.E5Tokenizer(e5, probe.PREFIXES["query"])
    texts = [t for _, t, _ in probe.load_real("test")]
    started = time.time()
    seqs = tok.encode(texts, 96)
    with torch.no_grad():
        for batch in probe.by_length(seqs, 32):
            model.embed(*probe.pad_ids([seqs[i] for i in batch]))
    took = time.time() - started
    print(f"PyTorch {torch.__version__}: {len(texts)} sentences, {len(texts) / took:.1f} "
          f"sentences/s from raw text ({took:.1f} s), 1 thread")


if __name__ == "__main__":
    main()
