#!/usr/bin/env bash
# Regenerates docs/report.html and docs/report.png (the article report of
# docs/example-article.txt) and docs/eval-report.html and docs/eval-report.png (the evaluation
# report on the written test set, which holds no real-news text), with the shipped model,
# screenshotted in headless Chromium (Debian: apt-get install chromium).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
cargo build --release --quiet
target/release/stance article docs/example-article.txt --html docs/report.html > /dev/null
target/release/stance eval datasets/test.tsv --group-by event --errors 8 --min-confidence 0.9 \
  --html docs/eval-report.html > /dev/null
profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT
shoot() { # page, png, height
  chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$profile" --window-size=1100,"$3" --hide-scrollbars \
    --screenshot="$root/docs/$2" "file://$root/docs/$1" 2> /dev/null
}
shoot report.html report.png 1500
shoot eval-report.html eval-report.png 1400
echo "wrote docs/report.html, docs/report.png, docs/eval-report.html and docs/eval-report.png"
