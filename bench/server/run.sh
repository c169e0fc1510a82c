#!/usr/bin/env bash
# End-to-end server benchmark: a minimal authenticated `GET /me` (axum 0.8,
# one server thread) behind each session layer, loaded by wrk. Writes
# bench/server-results.md.
#
#   bash bench/server/run.sh                 # 5 rounds x 5 contenders x 10 s, ~6 min warm
#   ROUNDS=7 DURATION=15 bash bench/server/run.sh
#   CONTENDERS="none sealed" bash bench/server/run.sh
#   INSTRUCTIONS=0 bash bench/server/run.sh   # skip the callgrind count (instructions.sh)
#   BEFORE_BIN=path CONTENDERS="none sealed before-sealed" bash bench/server/run.sh
#       # before/after: contenders named before-X run X from another build
#
# Needs wrk, and redis-server for the tower-sessions Redis contender
# (Debian: apt-get install -y wrk redis-server); without redis-server that
# contender is skipped. The server is pinned to CPU 0, wrk (and redis) to
# CPU 1. Rounds alternate the contenders (each round starts one later and
# runs the other way round every second round). Server CPU is the server
# process's utime+stime delta (/proc/PID/stat) over the measured wrk run,
# divided by the requests wrk completed.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
rounds=${ROUNDS:-5}
duration=${DURATION:-10}
warmup=${WARMUP:-2}
conns=${CONNS:-16}
contenders=(${CONTENDERS:-none sealed private-jar tower-memory tower-redis})
out=${OUT:-$root/bench/server-results.md}
server_cpu=${SERVER_CPU:-0}
load_cpu=${LOAD_CPU:-1}

command -v wrk >/dev/null || { echo "wrk not found (apt-get install -y wrk)" >&2; exit 1; }
tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# utime + stime of a process, in clock ticks (fields 14 and 15; the command
# name in field 2 may hold spaces, so count from its closing parenthesis).
cpu_ticks() { sed 's/^.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }

echo "== building (release, own workspace: bench/server/Cargo.lock)" >&2
cargo build -q --release --manifest-path bench/server/Cargo.toml --target-dir "$root/target"
bin="$root/target/release/sealed-session-server-bench"

redis_url=""
if [[ " ${contenders[*]} " == *" tower-redis "* ]]; then
  if command -v redis-server >/dev/null; then
    rport=$(free_port)
    taskset -c "$load_cpu" redis-server --bind 127.0.0.1 --port "$rport" --save '' --appendonly no \
      --daemonize no --loglevel warning >"$tmp/redis.log" 2>&1 &
    pids+=($!)
    redis_url="redis://127.0.0.1:$rport"
    for _ in $(seq 50); do
      (exec 3<>"/dev/tcp/127.0.0.1/$rport") 2>/dev/null && break
      sleep 0.1
    done
  else
    echo "redis-server not found: skipping tower-redis (apt-get install -y redis-server)" >&2
    contenders=(${contenders[@]/tower-redis/})
  fi
fi

n=${#contenders[@]}
ticks=$(getconf CLK_TCK)
echo -e "round\tcontender\trequests\treq_s\tp50_us\tp99_us\tcpu_us_per_req" >"$tmp/runs.tsv"
for r in $(seq 1 "$rounds"); do
  order=()
  for i in $(seq 0 $((n - 1))); do order+=("${contenders[$(((i + r - 1) % n))]}"); done
  if ((r % 2 == 0)); then
    rev=(); for ((i = n - 1; i >= 0; i--)); do rev+=("${order[$i]}"); done; order=("${rev[@]}")
  fi
  for c in "${order[@]}"; do
    port=$(free_port)
    run_bin=$bin run_c=$c
    if [[ $c == before-* ]]; then run_bin=${BEFORE_BIN:?before-* contenders need BEFORE_BIN} run_c=${c#before-}; fi
    taskset -c "$server_cpu" "$run_bin" "$run_c" "$port" "$redis_url" >"$tmp/server.out" 2>"$tmp/server.err" &
    spid=$!
    pids+=("$spid")
    for _ in $(seq 100); do grep -q '^READY' "$tmp/server.out" 2>/dev/null && break; sleep 0.1; done
    grep -q '^READY' "$tmp/server.out" || { cat "$tmp/server.err" >&2; echo "$c did not start" >&2; exit 1; }
    cookie=$(sed -n 's/^COOKIE //p' "$tmp/server.out")
    hdr=(); [[ -n "$cookie" ]] && hdr=(-H "Cookie: $cookie")
    url="http://127.0.0.1:$port/me"
    taskset -c "$load_cpu" wrk -t1 -c"$conns" -d"${warmup}s" "${hdr[@]}" "$url" >/dev/null
    t0=$(cpu_ticks "$spid")
    taskset -c "$load_cpu" wrk -t1 -c"$conns" -d"${duration}s" --latency "${hdr[@]}" "$url" >"$tmp/wrk.txt"
    t1=$(cpu_ticks "$spid")
    kill "$spid"; wait "$spid" 2>/dev/null || true
    if grep -q 'Non-2xx' "$tmp/wrk.txt"; then cat "$tmp/wrk.txt" >&2; echo "$c: non-2xx answers" >&2; exit 1; fi
    python3 bench/server/report.py parse "$r" "$c" "$((t1 - t0))" "$ticks" <"$tmp/wrk.txt" >>"$tmp/runs.tsv"
    echo "round $r/$rounds: $(tail -1 "$tmp/runs.tsv")" >&2
  done
done

{
  echo "- CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//') ($(nproc) cores); server on CPU $server_cpu, wrk$([[ -n $redis_url ]] && echo ' and redis') on CPU $load_cpu"
  echo "- OS: $(uname -sr); $(rustc -V); release profile (opt-level 3, no LTO)"
  echo "- Crates: $(cargo tree -q --manifest-path bench/server/Cargo.toml -e normal --depth 1 --prefix none 2>/dev/null | grep -E '^(axum|axum-extra|tokio|tower-sessions|tower-sessions-redis-store) ' | sort -u | cut -d' ' -f1,2 | tr '\n' ',' | sed 's/,$//; s/,/, /g')$([[ -n $redis_url ]] && echo "; $(redis-server --version | cut -d' ' -f1-3)"); $(wrk --version 2>&1 | head -1 | cut -d' ' -f1-2)"
  echo "- Run: $(date -u +%Y-%m-%dT%H:%MZ); $rounds round(s); per contender and round: ${warmup} s warm-up, ${duration} s measured, wrk -t1 -c$conns${BENCH_NOTE:+; $BENCH_NOTE}"
} >"$tmp/machine.txt"
cp "$tmp/runs.tsv" "${RUNS_TSV:-$root/target/server-bench-runs.tsv}"
python3 bench/server/report.py render "$tmp/runs.tsv" "$tmp/machine.txt" >"$out"
# A load-independent count beside it (INSTRUCTIONS=0 skips; ~40 s a contender).
if [[ ${INSTRUCTIONS:-1} != 0 ]] && command -v valgrind >/dev/null; then
  echo "== instructions per request (callgrind, bench/server/instructions.sh)" >&2
  {
    echo
    echo "## Server instructions per request (callgrind)"
    echo
    echo "User-space instructions the server executes per request over real sockets (\`bash bench/server/instructions.sh\`; no kernel work, unmoved by the machine's load):"
    echo
    echo '```text'
    counted=(); for c in "${contenders[@]}"; do [[ $c == tower-redis || $c == before-* ]] || counted+=("$c"); done
    BIN="$bin" CONTENDERS="${counted[*]}" bash bench/server/instructions.sh
    echo '```'
  } >>"$out"
fi
echo "wrote $out" >&2
