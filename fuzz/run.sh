#!/usr/bin/env bash
# Run fuzz targets for SECONDS each (default 60), up to FUZZ_PARALLEL at once.
#
#   fuzz/run.sh [SECONDS] [TARGET ...]        (default: every `cargo fuzz list` target)
#
# Seeds the corpora (fuzz/seed_corpus.py), builds the targets once, then runs
# each with libFuzzer for SECONDS and prints one table: executions, exec/s,
# corpus size, coverage (libFuzzer's `cov`, edges) and how much of it is new,
# crashes, result. Full logs: fuzz/logs/<target>.log.
#
# Environment:
#   FUZZ_ARGS        extra libFuzzer flags: "-fork=N" (N processes per target),
#                    "-jobs=N" (N independent runs, each SECONDS long, on
#                    libFuzzer's workers), "-ignore_crashes=1", ...
#   FUZZ_PARALLEL    targets run at once (default: the cores divided by the
#                    processes one target uses, e.g. 2 cores and -fork=2 -> 1)
#   FUZZ_BUILD_ARGS  extra cargo-fuzz build flags ("--no-default-features"
#                    fuzzes the RustCrypto AEAD backend instead of *ring*)
#   FUZZ_TIMEOUT     seconds one input may take before it counts as a hang (10)
#   FUZZ_TMIN_SECONDS  time to minimise a failing input (30; 0 = do not)
#   FUZZ_GRACE       seconds past its budget after which a run that has not
#                    stopped by itself is killed and reported (300)
#
# A failing target (crash, timeout, out-of-memory, leak, or any other non-zero
# exit) is reported with its log, its artifact under fuzz/artifacts/<target>/
# and the minimised input; the other targets still run; the exit status is 1.
# The script never stops without saying why.
set -Eeuo pipefail
trap 'echo "fuzz/run.sh: stopped at line $LINENO: \`$BASH_COMMAND\` exited with status $?" >&2' ERR

secs="${1:-60}"
shift || true
case "$secs" in '' | *[!0-9]*)
  echo "fuzz/run.sh: SECONDS must be a whole number, got '$secs'" >&2
  exit 2
  ;;
esac
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"
export RUSTC_BOOTSTRAP=1
read -r -a fuzz_args <<<"${FUZZ_ARGS:-}"
read -r -a build_args <<<"${FUZZ_BUILD_ARGS:-}"
timeout_s="${FUZZ_TIMEOUT:-10}"

mapfile -t all < <(cargo fuzz list)
if [ "${#all[@]}" -eq 0 ]; then
  echo "fuzz/run.sh: \`cargo fuzz list\` lists no targets" >&2
  exit 2
fi
if [ "$#" -gt 0 ]; then targets=("$@"); else targets=("${all[@]}"); fi
for t in "${targets[@]}"; do
  if ! printf '%s\n' "${all[@]}" | grep -qxF -- "$t"; then
    echo "fuzz/run.sh: no fuzz target '$t' (targets: ${all[*]})" >&2
    exit 2
  fi
done

# Processes one target uses, and how many SECONDS-long rounds it runs.
cores=$(nproc)
flag() { printf '%s\n' "${fuzz_args[@]}" | sed -n "s/^-$1=\([0-9][0-9]*\)\$/\1/p" | tail -n 1; }
fork=$(flag fork)
jobs=$(flag jobs)
workers=$(flag workers)
procs=1
rounds=1
mode=plain
if [ -n "$fork" ] && [ "$fork" -gt 0 ]; then
  mode="fork=$fork"
  procs=$fork
elif [ -n "$jobs" ] && [ "$jobs" -gt 0 ]; then
  # libFuzzer's default: min(jobs, cores / 2) workers.
  [ -n "$workers" ] && [ "$workers" -gt 0 ] || workers=$((cores / 2 < jobs ? cores / 2 : jobs))
  [ "$workers" -gt 0 ] || workers=1
  mode="jobs=$jobs workers=$workers"
  procs=$workers
  rounds=$(((jobs + workers - 1) / workers))
fi
parallel="${FUZZ_PARALLEL:-$((cores / procs > 0 ? cores / procs : 1))}"
case "$parallel" in '' | *[!0-9]* | 0)
  echo "fuzz/run.sh: FUZZ_PARALLEL must be a positive whole number, got '$parallel'" >&2
  exit 2
  ;;
esac
deadline=$((secs * rounds + ${FUZZ_GRACE:-300}))

python3 seed_corpus.py "${targets[@]}"
if ! cargo fuzz build "${build_args[@]}"; then
  echo "fuzz/run.sh: \`cargo fuzz build ${FUZZ_BUILD_ARGS:-}\` failed (output above); nothing fuzzed" >&2
  exit 1
fi
mkdir -p logs artifacts

# Coverage of a target's corpus as it is, "EDGES FEATURES" (libFuzzer's `cov`
# and `ft`): one pass over the corpus, no fuzzing. "? ?" if it cannot tell.
corpus_cov() {
  local t="$1" out
  out=$(cd "logs/$t" && cargo fuzz run "${build_args[@]}" "$t" -- -runs=0 -timeout="$timeout_s" 2>&1) || true
  out=$(printf '%s\n' "$out" | sed -n 's/^#[0-9]*[[:space:]]*INITED cov: \([0-9]*\) ft: \([0-9]*\).*/\1 \2/p' | tail -n 1)
  echo "${out:-? ?}"
}

# Executions in a libFuzzer log, whatever the mode: fork mode's parent prints
# `#N: cov: … exec/s: …` after each job (N counts every job's runs so far);
# plain and -jobs runs end with `stat::number_of_executed_units` (one per
# job); a run that ended without its final stats has its last `#N` line.
executions() {
  local log="$1" n
  if grep -q '^INFO: -fork=' "$log"; then
    n=$(sed -n 's/^#\([0-9][0-9]*\): cov:.*/\1/p' "$log" | tail -n 1)
  elif grep -q 'stat::number_of_executed_units:' "$log"; then
    n=$(sed -n 's/.*stat::number_of_executed_units: *\([0-9][0-9]*\).*/\1/p' "$log" | awk '{s += $1} END {print s + 0}')
  else
    n=$(sed -n 's/^#\([0-9][0-9]*\)[[:space:]].*/\1/p' "$log" | sort -n | tail -n 1)
  fi
  echo "${n:-0}"
}

# One target: fuzz it, then write logs/<t>.result (the table row) and print
# what went wrong, if anything. Runs in the background.
fuzz_one() {
  local t="$1"
  local log="logs/$t.log" work="logs/$t" start end rc=0 pid cov0 ft0 cov1 ft1 stopped=0
  rm -rf "$work" && mkdir -p "$work" "artifacts/$t"
  touch "$work/.start"
  local corpus0
  corpus0=$(find "corpus/$t" -type f | wc -l)
  cov0=0 ft0=0
  [ "$corpus0" -eq 0 ] || read -r cov0 ft0 < <(corpus_cov "$t")
  start=$(date +%s)
  # Its own working directory: -jobs writes fuzz-<n>.log files there. timeout
  # puts the run in its own process group and kills all of it on expiry.
  (cd "$work" && exec timeout --kill-after=30 "$deadline" cargo fuzz run "${build_args[@]}" "$t" -- \
    -max_total_time="$secs" -timeout="$timeout_s" -print_final_stats=1 "${fuzz_args[@]}") >"$log" 2>&1 &
  pid=$!
  trap 'stopped=1 && kill -TERM "$pid" 2>/dev/null || true' TERM INT
  wait "$pid" || rc=$?
  [ "$stopped" -eq 0 ] || wait "$pid" || true
  trap - TERM INT
  end=$(date +%s)
  local execs secs_run corpus1 artifacts=() kinds="" why=""
  execs=$(executions "$log")
  secs_run=$((end - start > 0 ? end - start : 1))
  corpus1=$(find "corpus/$t" -type f | wc -l)
  read -r cov1 ft1 < <(corpus_cov "$t")
  mapfile -t artifacts < <(find "artifacts/$t" -maxdepth 1 -type f -newer "$work/.start" \
    \( -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' -o -name 'leak-*' \) | sort)
  local a b
  kinds=$(for a in "${artifacts[@]}"; do b=${a##*/} && echo "${b%%-*}"; done | sort -u | paste -sd, -)
  if [ "$stopped" -eq 1 ]; then
    why="interrupted"
  elif [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
    why="did not stop by itself within ${deadline} s; killed"
  elif [ -n "$kinds" ]; then
    why="$kinds"
  elif [ "$rc" -ne 0 ]; then
    why="exit status $rc, no artifact"
  elif [ "$execs" -eq 0 ]; then
    why="no executions counted"
  fi
  local newcov="?"
  [ "$cov0" = "?" ] || [ "$cov1" = "?" ] || newcov="+$((cov1 - cov0)) (ft +$((ft1 - ft0)))"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$t" "$execs" "$((execs / secs_run))" "$secs_run" \
    "$corpus0→$corpus1" "$cov1" "$newcov" "${#artifacts[@]}" "${why:-ok}" >"logs/$t.result"

  [ -n "$why" ] || return 0
  echo "FUZZ FAILURE in target $t: $why (log: fuzz/$log)"
  # The first lines that say what broke.
  { grep -m 1 -A 1 "panicked at" "$log" || true; } | sed 's/^/  | /'
  grep -E "ERROR: |SUMMARY: |Test unit written" "$log" | sed 's/^==[0-9]*== //' | awk '!seen[$0]++' |
    head -n 6 | sed 's/^/  | /' | grep . || tail -n 20 "$log" | sed 's/^/  | /'
  for a in "${artifacts[@]:0:5}"; do
    echo "  artifact:  fuzz/$a"
    echo "  reproduce: RUSTC_BOOTSTRAP=1 cargo fuzz run ${FUZZ_BUILD_ARGS:-}${FUZZ_BUILD_ARGS:+ }$t fuzz/$a"
  done
  [ "${#artifacts[@]}" -le 5 ] || echo "  … and $((${#artifacts[@]} - 5)) more artifacts in fuzz/artifacts/$t/"
  [ "${#artifacts[@]}" -gt 0 ] && [ "${FUZZ_TMIN_SECONDS:-30}" -gt 0 ] || return 0
  # Minimise the first artifact (bounded: each libFuzzer step has the time).
  local min tminlog="logs/$t.tmin.log"
  touch "$work/.tmin"
  (cd "$work" && timeout --kill-after=10 $((${FUZZ_TMIN_SECONDS:-30} * 4 + 60)) cargo fuzz tmin "${build_args[@]}" \
    "$t" "$here/${artifacts[0]}" -- -max_total_time="${FUZZ_TMIN_SECONDS:-30}" -timeout="$timeout_s") >"$tminlog" 2>&1 || true
  min=$(find "artifacts/$t" -maxdepth 1 -type f -name 'minimized-from-*' -newer "$work/.tmin" -printf '%s %p\n' |
    sort -n | head -n 1 | cut -d' ' -f2-)
  if [ -z "$min" ]; then
    echo "  minimised: not smaller than the artifact (log: fuzz/$tminlog)"
    min="${artifacts[0]}"
  else
    echo "  minimised: fuzz/$min (log: fuzz/$tminlog)"
  fi
  # Fork mode's parent log may not have the panic message; the minimisation's has.
  grep -q "panicked at" "$log" || { grep -m 1 -A 1 "panicked at" "$tminlog" || true; } | sed 's/^/  | /'
  python3 - "$min" <<'EOF'
import sys
data = open(sys.argv[1], "rb").read()
print(f"  input ({len(data)} bytes): {data[:400]!r}{' …' if len(data) > 400 else ''}")
EOF
}

declare -A running=()
interrupted=0
on_signal() {
  interrupted=1
  echo "fuzz/run.sh: interrupted; stopping the running targets (${running[*]:-none})" >&2
  local p
  for p in "${!running[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
}
trap on_signal INT TERM

reap() {
  local p="" rc=0
  wait -n -p p "${!running[@]}" || rc=$?
  if [ -z "${p:-}" ]; then return 0; fi
  local t="${running[$p]}"
  unset "running[$p]"
  cat "logs/$t.report" || true
  [ "$rc" -eq 0 ] || echo "fuzz/run.sh: the run of target $t ended with status $rc (see fuzz/logs/$t.log)" >&2
  if [ ! -s "logs/$t.result" ]; then
    printf '%s\t?\t?\t?\t?\t?\t?\t?\t%s\n' "$t" "no result (status $rc)" >"logs/$t.result"
  fi
}

echo "fuzz: ${#targets[@]} targets, ${secs} s each, mode ${mode}, ${parallel} at a time" \
  "(${cores} cores; timeout ${timeout_s} s per input)"
campaign_start=$(date +%s)
for t in "${targets[@]}"; do
  while [ "${#running[@]}" -ge "$parallel" ]; do reap; done
  [ "$interrupted" -eq 0 ] || break
  rm -f "logs/$t.result"
  echo "fuzz: $t: started ($(date -u +%H:%M:%S))"
  fuzz_one "$t" >"logs/$t.report" 2>&1 &
  running[$!]="$t"
done
while [ "${#running[@]}" -gt 0 ]; do reap; done
elapsed=$(($(date +%s) - campaign_start))

# The table.
failed=0
{
  printf 'target\texecutions\texec/s\tseconds\tcorpus\tcov\tnew cov\tcrashes\tresult\n'
  for t in "${targets[@]}"; do
    if [ -s "logs/$t.result" ]; then cat "logs/$t.result"; else printf '%s\t-\t-\t-\t-\t-\t-\t-\tnot run\n' "$t"; fi
  done
} >logs/summary.tsv
awk -F'\t' -v wall="$elapsed" '
  NR == 1 { print; next }
  { print; if ($2 ~ /^[0-9]+$/) { e += $2; c += $8 } n++ }
  END { printf "total (%d targets)\t%d\t%d\t%d\t\t\t\t%d\t\n", n, e, (wall > 0 ? e / wall : e), wall, c }
' logs/summary.tsv | column -t -s $'\t' -o '  ' -R 2,3,4,6,8
while IFS=$'\t' read -r t _ _ _ _ _ _ _ result; do
  [ "$result" = ok ] || failed=$((failed + 1))
done < <(tail -n +2 logs/summary.tsv)

if [ "$interrupted" -ne 0 ]; then
  echo "fuzz: interrupted" >&2
  exit 130
fi
if [ "$failed" -gt 0 ]; then
  echo "fuzz: $failed of ${#targets[@]} targets FAILED (reports above; logs in fuzz/logs/)" >&2
  exit 1
fi
echo "fuzz: all ${#targets[@]} targets ran ${secs} s without a failure"
