#!/usr/bin/env bash
# Instruction-count guard for prediction speed, fast enough for CI (about half a minute):
# callgrind counts the instructions `stance predict` spends per sentence on the first N pool
# sentences (the same binary and input always give the same count, however loaded the machine
# is), and the check fails when the count exceeds the recorded figure by more than the allowed
# share. After a deliberate change, record the new figure with `--record`.
#
# The cost per sentence is the difference between a run on the first N sentences and one on
# the first BASE, over N - BASE: start-up and model load cancel out. BASE is 2,048 because
# `stance predict` packs the model (PACK_FROM in src/scorer.rs) only from a chunk of
# 2,048 sentences, so both runs must pack it.
#
# usage: bench/profile/icount-check.sh [--record]
# env:   N (sentences, default 2548), BASE (default 2048), POOL (default ../shared/realnews/pool.tsv),
#        STANCE (binary, default target/release/stance, built if missing)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
budget_file="$root/bench/profile/icount-budget"
n=${N:-2548}
base=${BASE:-2048}
pool=${POOL:-$root/../shared/realnews/pool.tsv}
bin=${STANCE:-$root/target/release/stance}
[ "$n" -gt "$base" ] || { echo "icount-check: N ($n) must be larger than BASE ($base)" >&2; exit 2; }
[ -x "$bin" ] || (cd "$root" && cargo build --release --quiet)
command -v valgrind > /dev/null || { echo "icount-check: valgrind is required" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cut -f3 "$pool" | sed -n "2,$((n + 1))p" > "$work/sample.txt"
head -n "$base" "$work/sample.txt" > "$work/base.txt"
total() { # callgrind's instruction total of `stance predict` on $1
  valgrind --tool=callgrind --callgrind-out-file="$work/cg.out" "$bin" predict -q \
    --model "$root/models/stance.model" --threads 1 --input "$1" --output tsv \
    > /dev/null 2> "$work/valgrind.log"
  sed -n 's/^totals: \([0-9]*\).*/\1/p; s/^summary: \([0-9]*\).*/\1/p' "$work/cg.out" | head -n 1
}
many=$(total "$work/sample.txt")
few=$(total "$work/base.txt")
per=$(( (many - few) / (n - base) ))
if [ "${1:-}" = "--record" ]; then
  printf '%s\n' "$per" > "$budget_file"
  echo "icount-check: recorded $per instructions per sentence (pool sentences $((base + 1))-$n)"
  exit 0
fi
recorded=$(cat "$budget_file")
allowed=$(( recorded * 120 / 100 ))
echo "icount-check: $per instructions per sentence (recorded $recorded, allowed up to $allowed: +20%)"
if [ "$per" -gt "$allowed" ]; then
  echo "icount-check: prediction got more than 20% costlier per sentence" >&2
  exit 1
fi
