#!/usr/bin/env bash
# Runs the whole benchmark set twice, never in parallel (the machine has 2 cores):
# Rust, then JavaScript, then Rust, then JavaScript. See docs/benchmarks.md.
#
#   codec/benches/run-all.sh [output-dir]      # default: target/bench-runs
#
# Writes rust-N.txt (criterion's console output), criterion-N/ (a copy of target/criterion),
# js-N.jsonl (one JSON line per JavaScript benchmark) and tables.md (summarize.py's tables).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="${1:-$root/target/bench-runs}"
mkdir -p "$out"
cd "$root"
(cd codec/benches/js && npm ci --no-audit --no-fund --loglevel=error)
cargo bench -p socketio-codec --bench '*' --no-run
{ echo "nproc: $(nproc)"; lscpu | grep -E 'Model name|^CPU\(s\)|MHz'; rustc --version; node --version; uptime; } > "$out/machine.txt"
for run in 1 2; do
  echo "== run $run: Rust" >&2
  cargo bench -p socketio-codec --bench '*' -- --noplot > "$out/rust-$run.txt"
  rm -rf "$out/criterion-$run"
  cp -r target/criterion "$out/criterion-$run"
  echo "== run $run: JavaScript" >&2
  node codec/benches/js/bench.js > "$out/js-$run.jsonl"
  uptime >> "$out/machine.txt"
done
python3 codec/benches/summarize.py "$out" > "$out/tables.md"
echo "tables: $out/tables.md" >&2
