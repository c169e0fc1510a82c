#!/usr/bin/env bash
# Rerun the benchmarks and regenerate bench/results.md and bench/results.svg.
#
#   bash bench/run.sh            # from anywhere; takes ~5 min warm, ~10 min cold
#
# Two builds: the default one users get, and one with poly1305's portable
# backend forced (RUSTFLAGS="--cfg poly1305_force_soft", own target dir so
# the two never invalidate each other), which measures the floor the targets
# refer to. Only criterion's JSON is read; no plotting libraries.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
out="$root/bench"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

{
  echo "- CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//') ($(nproc) cores; flags: $(grep -m1 -o -w -E 'avx2|avx512f' /proc/cpuinfo | sort -u | tr '\n' ' '))"
  echo "- OS: $(uname -sr); $(ldd --version 2>/dev/null | head -1 | sed 's/^ldd //')"
  echo "- Toolchain: $(rustc -V); release profile (opt-level 3, no LTO), no RUSTFLAGS unless stated"
  echo "- Crates: $(cargo tree -p sealed-session-bench -e normal --depth 1 --prefix none 2>/dev/null | grep -E '^(sealed-session|chacha20poly1305|pasetors|rusty_paseto|branca|jsonwebtoken|cookie) ' | sort -u | cut -d' ' -f1,2 | tr '\n' ',' | sed 's/,$//; s/,/, /g'); ring $(cargo tree -p sealed-session -i ring --prefix none 2>/dev/null | head -1 | cut -d' ' -f2)"
  echo "- Run: $(date -u +%Y-%m-%dT%H:%MZ); criterion: 0.8 s warm-up, 2 s measurement, 40 samples per benchmark${BENCH_NOTE:+; $BENCH_NOTE}"
} > "$tmp/machine.txt"

echo "== allocation counts and token lengths" >&2
cargo bench -q -p sealed-session-bench --bench allocs | tee "$tmp/allocs.txt" >&2

echo "== default build" >&2
cargo bench -q -p sealed-session-bench --bench tokens >&2

echo "== portable poly1305 build (floor, sealed-session, parts)" >&2
RUSTFLAGS="--cfg poly1305_force_soft" CARGO_TARGET_DIR="$root/target/poly1305-soft" \
  cargo bench -q -p sealed-session-bench --bench tokens -- '^(seal|open)/(floor|sealed-session)|^part/' \
  >&2

python3 "$out/report.py" "$root/target/criterion" "$root/target/poly1305-soft/criterion" \
  "$tmp/allocs.txt" "$tmp/machine.txt" "$out"
echo "wrote $out/results.md and $out/results.svg" >&2
