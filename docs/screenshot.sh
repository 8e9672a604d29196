#!/usr/bin/env bash
# Regenerates docs/report.html and docs/report.png: the HTML report of docs/example-article.txt
# with the shipped model, screenshotted in headless Chromium (Debian: apt-get install chromium).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
cargo build --release --quiet
target/release/stance article docs/example-article.txt --html docs/report.html > /dev/null
profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$profile" --window-size=1100,1500 --hide-scrollbars \
  --screenshot="$root/docs/report.png" "file://$root/docs/report.html" 2> /dev/null
echo "wrote docs/report.html and docs/report.png"
