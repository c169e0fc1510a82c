#!/usr/bin/env bash
# Server user-space instructions per request, counted by callgrind: the same
# server and `GET /me` as bench/server/run.sh, over real sockets, but a
# count that does not move with the machine's load (the kernel's socket
# work is not in it). For each contender the server runs twice under
# callgrind, once without load (start-up, login, key generation) and once
# under `wrk -c4` for DURATION seconds; the difference over the requests
# served is the per-request count.
#
#   bash bench/server/instructions.sh                      # none sealed sealed-extract
#   CONTENDERS="none sealed private-jar tower-memory" bash bench/server/instructions.sh
#   BIN=path/to/other/build bash bench/server/instructions.sh   # before/after
#
# Needs valgrind and wrk (Debian: apt-get install -y valgrind wrk).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
duration=${DURATION:-4}
contenders=(${CONTENDERS:-none sealed sealed-extract})
if [[ -z ${BIN:-} ]]; then
  cargo build -q --release --manifest-path bench/server/Cargo.toml --target-dir "$root/target"
  BIN="$root/target/release/sealed-session-server-bench"
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# count CONTENDER SECONDS -> "requests instructions"
count() {
  local port out vp cookie reqs=0
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  out="$tmp/cg.$1.$2"
  valgrind --tool=callgrind --callgrind-out-file="$out" "$BIN" "$1" "$port" >"$tmp/server.out" 2>"$tmp/server.err" &
  vp=$!
  for _ in $(seq 600); do grep -q '^READY' "$tmp/server.out" 2>/dev/null && break; sleep 0.2; done
  grep -q '^READY' "$tmp/server.out" || { cat "$tmp/server.err" >&2; kill "$vp"; exit 1; }
  cookie=$(sed -n 's/^COOKIE //p' "$tmp/server.out")
  local hdr=(); [[ -n "$cookie" ]] && hdr=(-H "Cookie: $cookie")
  if [[ $2 != 0 ]]; then
    wrk -t1 -c4 -d"${2}s" "${hdr[@]}" "http://127.0.0.1:$port/me" >"$tmp/wrk.txt"
    ! grep -q 'Non-2xx' "$tmp/wrk.txt" || { cat "$tmp/wrk.txt" >&2; exit 1; }
    reqs=$(awk '/requests in/{print $1}' "$tmp/wrk.txt")
  fi
  kill -TERM "$vp"; wait "$vp" || true
  echo "$reqs $(awk '/^summary:/{print $2}' "$out")"
}

printf '%-16s %10s %14s\n' contender requests "instr/request"
for c in "${contenders[@]}"; do
  read -r _ idle < <(count "$c" 0)
  read -r reqs busy < <(count "$c" "$duration")
  printf '%-16s %10d %14d\n' "$c" "$reqs" $(((busy - idle) / reqs))
done
