#!/bin/bash -eu
# Builds every cargo-fuzz target for ClusterFuzzLite / OSS-Fuzz and ships its seed corpus
# and dictionary. The base image provides nightly Rust, cargo-fuzz and $SANITIZER.
cd "$SRC/snapspec"
cargo run --release -p snapspec -- fuzz-corpus --out fuzz/corpus --vectors vectors/suites
cd fuzz
cargo fuzz build -O --debug-assertions
for target in $(cargo fuzz list); do
  cp "target/x86_64-unknown-linux-gnu/release/$target" "$OUT/"
  if [ -d "corpus/$target" ]; then
    (cd "corpus/$target" && zip -q -r "$OUT/${target}_seed_corpus.zip" .)
  fi
  case "$target" in
    vector_parse|protocol_line) cp dict/json.dict "$OUT/$target.dict" ;;
  esac
done
