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
# Seed corpora are generated, not committed.
(cd .. && cargo run -q -p snapspec -- fuzz-corpus --out fuzz/corpus --vectors vectors/suites)
cargo fuzz build -s none
for target in $targets; do
  mkdir -p "corpus/$target"
  # Bounded inputs: sequences of a few dozen calls, one-vector suites, single protocol lines.
  case "$target" in
    model_invariants|differential|checksum) options="-max_len=512" ;;
    vector_parse) options="-max_len=65536 -dict=dict/json.dict" ;;
    protocol_line) options="-max_len=4096 -dict=dict/json.dict" ;;
    *) options="-max_len=65536" ;;
  esac
  echo "--- $target (${seconds}s)"
  log="target/fuzz-$target.log"
  if ! cargo fuzz run -s none "$target" "corpus/$target" -- -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 $options >"$log" 2>&1; then
    tail -n 40 "$log"
    echo "fuzz target $target failed (see artifacts/$target)" >&2
    exit 1
  fi
  grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n 1 || true
done
