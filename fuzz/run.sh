#!/usr/bin/env bash
# Run every fuzz target for SECONDS each (default 60), one after another.
#
#   fuzz/run.sh [SECONDS] [TARGET ...]
#
# Seeds the corpora from the test vectors first (fuzz/seed_corpus.py), builds
# all targets once, then runs each with libFuzzer. Full logs go to
# fuzz/logs/<target>.log; a one-line summary per target (executions, seconds,
# corpus size) is printed. Exits non-zero at the first target that finds a
# crash, a timeout (an input taking over FUZZ_TIMEOUT seconds, default 10) or
# an out-of-memory; the input is saved under fuzz/artifacts/<target>/.
# Extra libFuzzer flags can be passed in FUZZ_ARGS (e.g. "-fork=2"), extra
# cargo-fuzz build flags in FUZZ_BUILD_ARGS (e.g. "--no-default-features" to
# fuzz the RustCrypto AEAD backend instead of *ring*).
set -euo pipefail

secs="${1:-60}"
shift || true
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"
export RUSTC_BOOTSTRAP=1

mapfile -t all < <(cargo fuzz list)
if [ "$#" -gt 0 ]; then targets=("$@"); else targets=("${all[@]}"); fi

python3 seed_corpus.py "${targets[@]}"
# shellcheck disable=SC2086
cargo fuzz build ${FUZZ_BUILD_ARGS:-}
mkdir -p logs

total=0
for t in "${targets[@]}"; do
  log="logs/$t.log"
  start=$(date +%s)
  # shellcheck disable=SC2086
  if ! cargo fuzz run ${FUZZ_BUILD_ARGS:-} "$t" -- -max_total_time="$secs" -timeout="${FUZZ_TIMEOUT:-10}" \
      -print_final_stats=1 ${FUZZ_ARGS:-} >"$log" 2>&1; then
    echo "FUZZ FAILURE in target $t (log: fuzz/$log):" >&2
    tail -n 60 "$log" >&2
    exit 1
  fi
  execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | awk '{s += $2} END {print s + 0}')
  corpus=$(find "corpus/$t" -type f | wc -l)
  total=$((total + execs))
  echo "fuzz: $t: $execs executions in $(( $(date +%s) - start )) s, corpus $corpus inputs"
done
echo "fuzz: total: $total executions over ${#targets[@]} targets"
