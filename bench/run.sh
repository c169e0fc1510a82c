#!/usr/bin/env bash
# Rerun the benchmarks and regenerate bench/results.md and bench/results.svg.
#
#   bash bench/run.sh          # ~6 min warm on 2 cores (~9 min with cold builds)
#   ROUNDS=3 bash bench/run.sh # more rounds: steadier numbers on a busy machine
#   SERVER=0 bash bench/run.sh # skip the end-to-end server benchmark
#
# Then the end-to-end server benchmark (bench/server/run.sh: axum + wrk,
# ~6 min more; its own ROUNDS/DURATION via SERVER_ROUNDS/SERVER_DURATION)
# writes bench/server-results.md.
#
# Two builds: the default one users get, and one with poly1305's portable
# backend forced (RUSTFLAGS="--cfg poly1305_force_soft", own target dir so
# the two never invalidate each other), which measures the floor the targets
# refer to. The builds alternate, ROUNDS times (default 2); each benchmark
# reports the lowest of its per-round medians. Only criterion's JSON is read
# (stdlib Python); no plotting libraries.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
out="$root/bench"
rounds=${ROUNDS:-2}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
soft_target="$root/target/poly1305-soft"

{
  echo "- CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//') ($(nproc) cores; $(grep -m1 -o -w -E 'avx2|avx512f' /proc/cpuinfo | sort -u | tr '\n' ' ' | sed 's/ $//'))"
  echo "- OS: $(uname -sr); glibc $(ldd --version 2>/dev/null | head -1 | awk '{print $NF}')"
  echo "- Toolchain: $(rustc -V); release profile (opt-level 3, no LTO); no RUSTFLAGS except the portable-poly1305 build"
  echo "- Crates: $(cargo tree -p sealed-session-bench -e normal --depth 1 --prefix none 2>/dev/null | grep -E '^(chacha20poly1305|pasetors|rusty_paseto|branca|jsonwebtoken|cookie) ' | sort -u | cut -d' ' -f1,2 | tr '\n' ',' | sed 's/,$//; s/,/, /g'); sealed-session's AEAD: ring $(cargo tree -p sealed-session -i ring --prefix none 2>/dev/null | head -1 | cut -d' ' -f2)"
  echo "- Run: $(date -u +%Y-%m-%dT%H:%MZ); $rounds round(s); criterion 0.5 s warm-up, 1.5 s measurement, 40 samples per benchmark${BENCH_NOTE:+; $BENCH_NOTE}"
} > "$tmp/machine.txt"

echo "== allocation counts and token lengths" >&2
cargo bench -q -p sealed-session-bench --bench allocs | tee "$tmp/allocs.txt" >&2

for r in $(seq 1 "$rounds"); do
  echo "== round $r/$rounds: default build" >&2
  rm -rf "$root/target/criterion"
  cargo bench -q -p sealed-session-bench --bench tokens >&2
  python3 "$out/report.py" collect "$root/target/criterion" "$tmp/default-$r.json"

  echo "== round $r/$rounds: portable poly1305 build (floor, sealed-session, parts)" >&2
  rm -rf "$soft_target/criterion"
  RUSTFLAGS="--cfg poly1305_force_soft" CARGO_TARGET_DIR="$soft_target" \
    cargo bench -q -p sealed-session-bench --bench tokens -- '^(seal|open)/(floor|sealed-session)|^part/' >&2
  python3 "$out/report.py" collect "$soft_target/criterion" "$tmp/soft-$r.json"
done

python3 "$out/report.py" render --default "$tmp"/default-*.json --soft "$tmp"/soft-*.json \
  --allocs "$tmp/allocs.txt" --machine "$tmp/machine.txt" --out "$out"
echo "wrote $out/results.md and $out/results.svg" >&2

if [ "${SERVER:-1}" != 0 ]; then
  echo "== end-to-end server benchmark (bench/server/run.sh)" >&2
  ROUNDS=${SERVER_ROUNDS:-5} DURATION=${SERVER_DURATION:-10} bash "$out/server/run.sh"
fi
