#!/usr/bin/env bash
# Instructions per predicted sentence (callgrind), by function group: bench/PROFILE.md.
#
# usage: bench/profile/callgrind.sh [LABEL=BINARY ...]   (default: now=target/release/stance)
# env:   N (sentences, default 2000), POOL (default ../shared/realnews/pool.tsv), TOP (functions)
#
# Each binary predicts the first N pool sentences and then the first BASE (default 2048),
# single-threaded, TSV output; the difference over N - BASE is the cost per sentence without
# start-up and model load. BASE is 2,048 because `stance predict` packs the model (PACK_FROM in
# src/scorer.rs) only from a chunk of 2,048 sentences, so both runs must pack it.
# The same binary and input always give the same count, whatever else runs on the machine.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
n=${N:-4000}
base=${BASE:-2048}
pool=${POOL:-$root/../shared/realnews/pool.tsv}
[ "$n" -gt "$base" ] || { echo "callgrind: N ($n) must be larger than BASE ($base)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cut -f3 "$pool" | sed -n "2,$((n + 1))p" > "$work/sample.txt"
head -n "$base" "$work/sample.txt" > "$work/base.txt"
cp "$root/models/stance.model" "$work/model"
specs=()
[ $# -gt 0 ] || set -- "now=$root/target/release/stance"
for spec in "$@"; do
  label=${spec%%=*}
  bin=${spec#*=}
  for input in sample base; do
    valgrind --tool=callgrind --callgrind-out-file="$work/$label.$input.cg" \
      "$bin" predict -q --model "$work/model" --threads 1 --input "$work/$input.txt" \
      --output tsv > /dev/null 2> "$work/$label.$input.err"
  done
  specs+=("$label=$work/$label.sample.cg:$work/$label.base.cg")
done
python3 "$root/bench/profile/groups.py" "$((n - base))" "${specs[@]}" --top "${TOP:-0}"
