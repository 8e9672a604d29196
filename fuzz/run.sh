#!/usr/bin/env bash
# Runs every fuzz target for SECONDS seconds (default 60) from the seed corpus in fuzz/corpus,
# new inputs going to a scratch folder, and prints each target's executions. A crash stops its
# target with the input saved under fuzz/artifacts/TARGET/ (turn it into a regression test), and
# the run fails with that target's log once the targets running beside it end.
#
# A fuzzer uses one core, so the targets run as many at a time as the machine has cores.
#
# usage: fuzz/run.sh [SECONDS] [TARGET ...]   (needs the nightly toolchain and cargo-fuzz)
# env:   FUZZ_BUILD="..." replaces the build flags (default: `-O -a`, optimised with debug
#        assertions and overflow checks kept, AddressSanitizer, one codegen unit). CI's smoke
#        run builds with `-D -s none` (unoptimised, no sanitizer): a fraction of the build
#        time, still coverage-guided, and a panic or overflow is still a crash.
#        FUZZ_JOBS=N runs N targets at a time (default: the number of cores).
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(records model_load text_pipeline article)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
read -r -a build_flags <<< "${FUZZ_BUILD:--O -a}"
cargo +nightly fuzz build "${build_flags[@]}" > /dev/null 2>&1 || cargo +nightly fuzz build "${build_flags[@]}"
jobs=${FUZZ_JOBS:-$(nproc)}

# Fuzzes one target; its log and its exit status go to the scratch folder.
fuzz_target() {
  local target=$1 status=0
  mkdir -p "$scratch/$target"
  cargo +nightly fuzz run "${build_flags[@]}" "$target" "$scratch/$target" "corpus/$target" -- \
    -max_total_time="$seconds" -rss_limit_mb=4096 -print_final_stats=1 \
    > "$scratch/$target.log" 2>&1 || status=$?
  echo "$status" > "$scratch/$target.status"
}

for target in "${targets[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
    wait -n || true
  done
  fuzz_target "$target" &
done
wait

# Reported in the order the targets were given; the first crash stops the report.
for target in "${targets[@]}"; do
  log="$scratch/$target.log"
  if [ "$(cat "$scratch/$target.status")" != 0 ]; then
    tail -n 40 "$log" >&2
    echo "fuzz: $target failed (see above; the input is under fuzz/artifacts/$target/)" >&2
    exit 1
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  echo "fuzz: $target: $runs executions in ${seconds} s, no crash"
done
