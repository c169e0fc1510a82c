#!/usr/bin/env python3
"""Parse wrk runs and render bench/server-results.md (stdlib only).

  report.py parse ROUND CONTENDER CPU_TICKS CLK_TCK < wrk-output   -> one TSV row
  report.py render RUNS.tsv MACHINE.txt                              -> markdown
"""
import re
import statistics
import sys

LABELS = {
    "none": "(a) no session",
    "sealed": "(b) sealed-session-axum: `Session` + `renew_layer()`",
    "sealed-fromfn": "(b') sealed-session-axum: `Session` + `from_fn(renew)`",
    "sealed-extract": "(b'') sealed-session-axum: `Session` alone",
    "private-jar": "(c) axum-extra `PrivateCookieJar` + hand-checked `exp`",
    "tower-memory": "(d) tower-sessions, `MemoryStore`",
    "tower-redis": "(e) tower-sessions, Redis store",
}
UNITS_US = {"us": 1.0, "ms": 1000.0, "s": 1e6}


def to_us(text):
    m = re.fullmatch(r"([0-9.]+)(us|ms|s)", text)
    if not m:
        raise SystemExit(f"unreadable latency {text!r}")
    return float(m.group(1)) * UNITS_US[m.group(2)]


def parse(argv):
    rnd, contender, cpu_ticks, clk_tck = argv
    text = sys.stdin.read()
    requests = int(re.search(r"^\s*(\d+) requests in", text, re.M).group(1))
    rps = float(re.search(r"^Requests/sec:\s*([0-9.]+)", text, re.M).group(1))
    p50 = to_us(re.search(r"^\s*50%\s+(\S+)", text, re.M).group(1))
    p99 = to_us(re.search(r"^\s*99%\s+(\S+)", text, re.M).group(1))
    cpu_us = int(cpu_ticks) * 1e6 / int(clk_tck) / requests
    print(f"{rnd}\t{contender}\t{requests}\t{rps:.1f}\t{p50:.1f}\t{p99:.1f}\t{cpu_us:.3f}")


def spread(values, fmt, unit=""):
    med = statistics.median(values)
    if len(values) == 1:
        return fmt.format(med) + unit
    return f"{fmt.format(med)}{unit} ({fmt.format(min(values))}–{fmt.format(max(values))})"


def render(argv):
    runs_path, machine_path = argv
    rows = []
    with open(runs_path) as f:
        header = f.readline().rstrip("\n").split("\t")
        for line in f:
            rows.append(dict(zip(header, line.rstrip("\n").split("\t"))))
    by = {}
    for row in rows:
        by.setdefault(row["contender"], {})[int(row["round"])] = row
    order = [c for c in LABELS if c in by]
    # before-X: X from another build (BEFORE_BIN), listed after X.
    for c in list(order):
        if "before-" + c in by:
            order.insert(order.index(c) + 1, "before-" + c)
            LABELS["before-" + c] = LABELS[c].split(" ", 1)[0] + " before: the BEFORE_BIN build (see Run)"
    rounds = sorted({int(r["round"]) for r in rows})
    base = by.get("none", {})
    metrics = [("req_s", "req/s", "{:.0f}"), ("p50_us", "p50 µs", "{:.0f}"),
               ("p99_us", "p99 µs", "{:.0f}"), ("cpu_us_per_req", "server CPU µs/req", "{:.2f}")]

    print("# Server benchmark results\n")
    print("Regenerate with `bash bench/server/run.sh` (also run by `bash bench/run.sh`). "
          "A minimal authenticated `GET /me` answering the user id, axum 0.8 on one tokio "
          "current-thread runtime, loaded by `wrk` over keep-alive connections "
          "(source: `bench/server/src/main.rs`).\n")
    print("## Machine and build\n")
    with open(machine_path) as f:
        print(f.read().rstrip("\n") + "\n")
    print(f"Each cell: the median over {len(rounds)} round(s), (min–max) in brackets. "
          "Ratios and differences are taken within a round (each contender against (a) "
          "measured in the same round), then summarised.\n")
    print("## Relative to (a), no session\n")
    print("| contender | req/s | p50 | p99 | server CPU | server CPU over (a), µs/req |")
    print("|---|---:|---:|---:|---:|---:|")
    for c in order:
        cells = []
        for key, _, _ in metrics:
            ratios = [float(by[c][r][key]) / float(base[r][key])
                      for r in rounds if r in by[c] and r in base]
            cells.append(spread(ratios, "{:.2f}", "×") if ratios else "–")
        over = [float(by[c][r]["cpu_us_per_req"]) - float(base[r]["cpu_us_per_req"])
                for r in rounds if r in by[c] and r in base]
        cells.append(spread(over, "{:+.2f}") if over else "–")
        print(f"| {LABELS[c]} | " + " | ".join(cells) + " |")
    print("\n## Absolute\n")
    print("| contender | " + " | ".join(m[1] for m in metrics) + " |")
    print("|---|" + "---:|" * len(metrics))
    for c in order:
        cells = [spread([float(by[c][r][key]) for r in rounds if r in by[c]], fmt)
                 for key, _, fmt in metrics]
        print(f"| {LABELS[c]} | " + " | ".join(cells) + " |")
    print("\nServer CPU is the server process's user+system time (`/proc/PID/stat`, "
          "10 ms ticks) over the measured run divided by the requests completed; it "
          "includes the kernel's socket work. Redis runs on wrk's CPU, so its own CPU "
          "is not in (e)'s server CPU, only in its latency and req/s. tower-sessions "
          "runs with its defaults (session-long expiry, so it neither re-saves nor "
          "re-sets the cookie on a read); sealed-session with its defaults (12 h idle "
          "lifetime, renewal past half of it, so these requests need no renewal). "
          "req/s is the load generator's, which shares its CPU with redis and anything "
          "else running: on a busy machine server CPU per request is the figure to read. "
          "`sealed-session-server-bench inproc` counts the layers in process, without "
          "sockets (for callgrind or perf).")


if __name__ == "__main__":
    cmd, rest = sys.argv[1], sys.argv[2:]
    {"parse": parse, "render": render}[cmd](rest)
