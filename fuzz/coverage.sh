#!/usr/bin/env bash
# What the fuzz corpora reach in the crate's own source (src/*.rs).
#
#   fuzz/coverage.sh [TARGET ...]        (default: every `cargo fuzz list` target)
#
# Seeds the corpora (fuzz/seed_corpus.py; a campaign's corpus in
# fuzz/corpus/<target>/ is kept and used), builds each target with
# source-based coverage (`cargo fuzz coverage`, branch counters on), runs it
# over its corpus, merges the targets' profiles into one and prints, per
# source file of the core, the share of lines and branches reached by all the
# corpora together. Writes:
#   fuzz/coverage/html/index.html   the annotated sources, for a person to read
#   fuzz/coverage/summary.tsv       the table printed here
#   fuzz/coverage/uncovered.txt     every line with a count of 0, per file
# (fuzz/coverage/ is not committed.) Needs the llvm-tools component:
#   rustup component add llvm-tools-preview
set -Eeuo pipefail
trap 'echo "fuzz/coverage.sh: stopped at line $LINENO: \`$BASH_COMMAND\` exited with status $?" >&2' ERR

here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
cd "$here"
export RUSTC_BOOTSTRAP=1

bin="$(rustc --print sysroot)/lib/rustlib/$(rustc -vV | sed -n 's/^host: //p')/bin"
if [ ! -x "$bin/llvm-cov" ] || [ ! -x "$bin/llvm-profdata" ]; then
  echo "fuzz/coverage.sh: llvm-cov / llvm-profdata not found in $bin;" \
    "run: rustup component add llvm-tools-preview" >&2
  exit 2
fi

mapfile -t all < <(cargo fuzz list)
if [ "$#" -gt 0 ]; then targets=("$@"); else targets=("${all[@]}"); fi

python3 seed_corpus.py "${targets[@]}"
rm -rf coverage
mkdir -p coverage
objects=()
profiles=()
triple="$(rustc -vV | sed -n 's/^host: //p')"
for t in "${targets[@]}"; do
  echo "coverage: $t ($(find "corpus/$t" -type f | wc -l) inputs)"
  # Branch counters are an unstable rustc option (RUSTC_BOOTSTRAP allows it).
  if ! RUSTFLAGS="${RUSTFLAGS:-} -Zcoverage-options=branch" cargo fuzz coverage "$t" >"coverage/$t.log" 2>&1; then
    echo "fuzz/coverage.sh: \`cargo fuzz coverage $t\` failed; the end of its output (fuzz/coverage/$t.log):" >&2
    tail -n 30 "coverage/$t.log" >&2
    exit 1
  fi
  objects+=("target/$triple/coverage/$triple/release/$t")
  profiles+=("coverage/$t/coverage.profdata")
done

# Every target binary has its own `rust_fuzzer_test_input` (and libFuzzer
# entry points) under the same name: llvm-profdata reports those as
# "mismatched data" and keeps one. The crate's functions are the same code
# in every binary and merge cleanly.
"$bin/llvm-profdata" merge -sparse "${profiles[@]}" -o coverage/merged.profdata 2>coverage/merge.log
# The first binary is the positional argument, the others -object.
cov_args=(-instr-profile=coverage/merged.profdata "${objects[0]}")
for o in "${objects[@]:1}"; do cov_args+=(-object "$o"); done

{
  "$bin/llvm-cov" export -summary-only "${cov_args[@]}" "$root/src" >coverage/summary.json
  "$bin/llvm-cov" show -format=html -output-dir=coverage/html -show-branches=count \
    -show-line-counts-or-regions "${cov_args[@]}" "$root/src" >/dev/null
  "$bin/llvm-cov" show -format=text -show-branches=count "${cov_args[@]}" "$root/src" >coverage/show.txt
} 2>>coverage/merge.log

python3 - "$root" "${#targets[@]}" <<'EOF'
import json, re, sys
from pathlib import Path

root, ntargets = Path(sys.argv[1]), sys.argv[2]
data = json.load(open("coverage/summary.json"))["data"][0]

def pct(d):
    return f"{100.0 * d['covered'] / d['count']:5.1f}% {d['covered']:>4}/{d['count']:<4}" if d["count"] else "     -"

rows = []
for f in sorted(data["files"], key=lambda f: f["filename"]):
    name = str(Path(f["filename"]).relative_to(root))
    s = f["summary"]
    rows.append((name, pct(s["lines"]), pct(s["branches"]), pct(s["functions"])))
t = data["totals"]
rows.append((f"total ({ntargets} targets)", pct(t["lines"]), pct(t["branches"]), pct(t["functions"])))
head = ("file", "lines", "branches", "functions")
with open("coverage/summary.tsv", "w") as out:
    out.write("\t".join(head) + "\n")
    for r in rows:
        out.write("\t".join(x.strip() for x in r) + "\n")
w = [max(len(r[i]) for r in rows + [head]) for i in range(4)]
for r in [head] + rows:
    print("  ".join(x.ljust(w[i]) for i, x in enumerate(r)))

# Lines with a count of 0, as ranges, per file (from `llvm-cov show`).
uncovered, current = {}, None
for line in open("coverage/show.txt", encoding="utf-8", errors="replace"):
    if line.startswith(str(root)) and line.rstrip().endswith(":"):
        current = str(Path(line.rstrip()[:-1]).relative_to(root))
        uncovered[current] = []
        continue
    m = re.match(r"^\s*(\d+)\|\s*(\S*)\|", line)
    if m and current and m.group(2) == "0":
        uncovered[current].append(int(m.group(1)))
with open("coverage/uncovered.txt", "w") as out:
    for name, lines in sorted(uncovered.items()):
        ranges, start = [], None
        for i, n in enumerate(lines):
            if start is None:
                start = n
            if i + 1 == len(lines) or lines[i + 1] != n + 1:
                ranges.append(str(start) if start == n else f"{start}-{n}")
                start = None
        out.write(f"{name}: {len(lines)} lines: {', '.join(ranges) or 'none'}\n")
EOF
echo "coverage: HTML report: fuzz/coverage/html/index.html; lines not reached: fuzz/coverage/uncovered.txt"
