#!/usr/bin/env python3
"""Build bench/results.md and bench/results.svg from criterion's output.

Standard library only. Reads the median of every benchmark from
<criterion dir>/*/new/{benchmark,estimates}.json, the allocation counts and
token lengths printed by the `allocs` bench, and the machine description.

usage:
  report.py collect CRITERION_DIR OUT.json      # medians of one run, by benchmark id
  report.py render --default A.json [B.json ...] --soft C.json [D.json ...]
                   --allocs ALLOCS_TXT --machine MACHINE_TXT --out OUT_DIR

With several rounds, each benchmark's number is the lowest of its per-round
medians: on a shared machine, other jobs only ever add time.
"""
import argparse
import html
import json
import os
import sys

ORDER = [
    "sealed-session",
    "sealed-session KeyRing",
    "floor",
    "floor+getrandom",
    "pasetors v2.local",
    "pasetors v4.local",
    "rusty_paseto v2.local",
    "branca",
    "jsonwebtoken HS256",
    "cookie private jar",
]
NOTES = {
    "sealed-session": "v2.local; `sub`, `exp`, `iat`",
    "sealed-session KeyRing": "v2.local + `kid` footer (KeyRing)",
    "floor": "v2.local by hand, no RNG; default build, so AVX2-poly1305 penalty",
    "floor+getrandom": "floor + one getrandom(24 B) per seal",
    "pasetors v2.local": "v2.local; adds `iat`, `nbf`",
    "pasetors v4.local": "v4.local; adds `iat`, `nbf`",
    "rusty_paseto v2.local": "v2.local; adds `iat`, `nbf`",
    "branca": "XChaCha20-Poly1305, base62; JSON `sub`, `exp`",
    "jsonwebtoken HS256": "signed only, claims readable",
    "cookie private jar": "AES-256-GCM; JSON `sub`, `exp`",
}


def medians(root):
    out = {}
    if not os.path.isdir(root):
        return out
    for d in os.listdir(root):
        b = os.path.join(root, d, "new", "benchmark.json")
        e = os.path.join(root, d, "new", "estimates.json")
        if os.path.exists(b) and os.path.exists(e):
            with open(b) as f:
                name = json.load(f)["full_id"]
            with open(e) as f:
                out[name] = json.load(f)["median"]["point_estimate"]
    return out


def allocs(path):
    out = {}
    with open(path) as f:
        for line in f:
            p = line.rstrip("\n").split("\t")
            if len(p) == 5 and p[0] == "allocs":
                out[p[1]] = (p[2], p[3], int(p[4]))
    return out


def us(ns):
    return "–" if ns is None else f"{ns / 1000:.2f}"


def ratio(x, ref):
    return "–" if x is None or not ref else f"{x / ref:.2f}×"


def best_of(paths):
    out = {}
    for p in paths:
        with open(p) as f:
            for k, v in json.load(f).items():
                out[k] = min(v, out.get(k, v))
    return out


def main():
    if sys.argv[1:2] == ["collect"]:
        with open(sys.argv[3], "w") as f:
            json.dump(medians(sys.argv[2]), f, indent=1, sort_keys=True)
        return
    ap = argparse.ArgumentParser()
    ap.add_argument("cmd", choices=["render"])
    ap.add_argument("--default", nargs="+", required=True)
    ap.add_argument("--soft", nargs="+", required=True)
    ap.add_argument("--allocs", required=True)
    ap.add_argument("--machine", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    d, s, a = best_of(args.default), best_of(args.soft), allocs(args.allocs)
    machine_txt, out_dir, rounds = args.machine, args.out, len(args.default)
    with open(machine_txt) as f:
        machine = f.read().strip()
    names = [n for n in ORDER if f"seal/{n}" in d] + sorted(
        n[5:] for n in d if n.startswith("seal/") and n[5:] not in ORDER
    )
    floor_seal, floor_open = s.get("seal/floor"), s.get("open/floor")

    md = []
    md.append("# Benchmark results\n")
    md.append("Regenerate with `bash bench/run.sh` (about 6 minutes warm; method in docs/performance.md).\n")
    md.append("## Machine and build\n")
    md.append(machine + "\n")
    md.append(
        f"Medians of criterion runs, µs per operation, the lowest of {rounds} round(s) "
        "(each round runs both builds). *Floor* = the bare primitives "
        "(keyed BLAKE2b-192 nonce, XChaCha20-Poly1305, base64url, serde_json) called "
        "directly, **measured in the build with the portable poly1305 backend** "
        f"(`--cfg poly1305_force_soft`): seal {us(floor_seal)} µs, open {us(floor_open)} µs. "
        "Every other number is from the default build users get. Each contender reads the "
        "clock on every call and checks `exp` on open.\n"
    )
    md.append("## Seal and open\n")
    md.append("| contender | seal µs | open µs | seal / floor | open / floor | allocs seal / open | token bytes | what |")
    md.append("|---|---:|---:|---:|---:|---:|---:|---|")
    for n in names:
        se, op = d.get(f"seal/{n}"), d.get(f"open/{n}")
        al = a.get(n, ("?", "?", 0))
        md.append(
            f"| {n} | {us(se)} | {us(op)} | {ratio(se, floor_seal)} | {ratio(op, floor_open)} "
            f"| {al[0]} / {al[1]} | {al[2] or '?'} | {NOTES.get(n, '')} |"
        )
    md.append("")
    md.append("## The poly1305 backend: default build vs `RUSTFLAGS=\"--cfg poly1305_force_soft\"`\n")
    md.append("| benchmark | default build µs | portable-poly1305 build µs |")
    md.append("|---|---:|---:|")
    for k in sorted(set(s) | {k for k in d if k.startswith("part/")}):
        if k in s or k.startswith("part/"):
            md.append(f"| {k} | {us(d.get(k))} | {us(s.get(k))} |")
    md.append("")
    md.append("The `floor` rows use RustCrypto `chacha20poly1305` 0.10.1 / `poly1305` 0.8.0 directly, "
              "so they carry the AVX2-backend penalty in the default build. sealed-session's default "
              "build does not use that AEAD path (feature `ring`, see the README).\n")
    md.append("![seal and open, µs](results.svg)\n")
    with open(os.path.join(out_dir, "results.md"), "w") as f:
        f.write("\n".join(md))

    # ---- SVG: horizontal bars, seal and open per contender.
    label = {"floor": "floor, AVX2 poly1305", "floor+getrandom": "floor+getrandom, AVX2"}
    rows = [("floor, portable poly1305", floor_seal, floor_open)] + [
        (label.get(n, n), d.get(f"seal/{n}"), d.get(f"open/{n}")) for n in names
    ]
    rows = [r for r in rows if r[1] is not None and r[2] is not None]
    vmax = max(max(r[1], r[2]) for r in rows)
    left, bar, gap, width = 190, 11, 10, 420
    height = 50 + len(rows) * (2 * bar + gap) + 30
    px = lambda v: v / vmax * width
    svg = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + 80}" height="{height}" '
        'font-family="sans-serif" font-size="11">',
        '<rect width="100%" height="100%" fill="white"/>',
        f'<text x="10" y="18" font-size="13" font-weight="bold">Seal and open, µs per token (median; shorter is faster)</text>',
        f'<rect x="{left}" y="28" width="10" height="10" fill="#3b6fb6"/><text x="{left + 14}" y="37">seal</text>',
        f'<rect x="{left + 60}" y="28" width="10" height="10" fill="#e08a2c"/><text x="{left + 74}" y="37">open</text>',
    ]
    y = 50
    for name, se, op in rows:
        weight = ' font-weight="bold"' if name.startswith("sealed-session") or name.startswith("floor, p") else ""
        svg.append(f'<text x="{left - 6}" y="{y + bar + 4}" text-anchor="end"{weight}>{html.escape(name)}</text>')
        for i, (v, colour) in enumerate(((se, "#3b6fb6"), (op, "#e08a2c"))):
            yy = y + i * bar
            svg.append(f'<rect x="{left}" y="{yy}" width="{px(v):.1f}" height="{bar - 1}" fill="{colour}"/>')
            svg.append(f'<text x="{left + px(v) + 4:.1f}" y="{yy + bar - 2}">{v / 1000:.2f}</text>')
        y += 2 * bar + gap
    # The 1.10× floor targets.
    for v, colour in ((floor_seal, "#3b6fb6"), (floor_open, "#e08a2c")):
        if v:
            x = left + px(1.1 * v)
            svg.append(f'<line x1="{x:.1f}" y1="46" x2="{x:.1f}" y2="{y - gap + 2}" stroke="{colour}" '
                       'stroke-dasharray="3,3"/>')
    svg.append(f'<text x="{left}" y="{y + 14}" fill="#555">dashed: 1.10 × floor (portable poly1305), seal / open</text>')
    svg.append("</svg>")
    with open(os.path.join(out_dir, "results.svg"), "w") as f:
        f.write("\n".join(svg) + "\n")


if __name__ == "__main__":
    main()
