#!/usr/bin/env bash
# CI fuzz step: build every target and run each for a short bounded time on stable
# (`-s none`: no sanitizer). The whole step stays within a few minutes.
set -euo pipefail
cd "$(dirname "$0")"
seconds="${SNAPSPEC_FUZZ_SECONDS:-20}"
if ! cargo fuzz --version >/dev/null 2>&1; then
  cargo install --locked cargo-fuzz
fi
targets=$(cargo fuzz list)
cargo fuzz build -s none
for target in $targets; do
  mkdir -p "corpus/$target"
  # Seed corpora are generated, not committed: `snapspec fuzz-corpus` writes them.
  dict=""
  case "$target" in vector_parse|protocol_line) dict="-dict=dict/json.dict" ;; esac
  echo "--- $target (${seconds}s)"
  cargo fuzz run -s none "$target" "corpus/$target" -- -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 $dict 2>&1 | tail -n 3
done
