#!/usr/bin/env python3
"""Seed fuzz/corpus/<target>/ from the published and the project's test vectors.

Usage: python3 fuzz/seed_corpus.py [TARGET ...]   (default: every target)

Reads the project's test-vectors/ (its own vectors and the published ones
copied verbatim into test-vectors/published/), plus the inputs under fuzz/regressions/<target>/
that once crashed a target (committed). Writes one file per seed, named by the SHA-1 of
its content (as libFuzzer does), so re-running adds nothing twice. The corpus
directories are not committed; CI and fuzz/run.sh run this first.
"""

import base64
import hashlib
import json
import os
import re
import sys
from pathlib import Path

FUZZ = Path(__file__).resolve().parent
ROOT = FUZZ.parent
CORPUS = FUZZ / "corpus"

RFC3339 = re.compile(r"\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]\d\d:\d\d)?")


def vector_dirs():
    own = ROOT / "test-vectors"
    if not (own / "published").is_dir():
        sys.exit(f"seed_corpus: test vectors not found at {own}/published")
    return [own]


def walk(value, key=None):
    """Yield (key, string) for every string in a JSON document."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from walk(v, k)
    elif isinstance(value, list):
        for v in value:
            yield from walk(v, key)
    elif isinstance(value, str):
        yield key, value


def collect():
    """Every string in every vector file, grouped by what it looks like."""
    tokens, payloads, footers, times, paserks = set(), set(), set(), set(), set()
    for d in vector_dirs():
        for path in sorted(d.rglob("*.json")):
            # Wycheproof holds AEAD vectors, not tokens: nothing to seed.
            if "wycheproof" in path.parts:
                continue
            doc = json.loads(path.read_text(encoding="utf-8"))
            for key, s in walk(doc):
                if re.match(r"^v\d\.(local|public)\.", s):
                    tokens.add(s)
                    for part in s.split(".")[3:]:
                        try:
                            footers.add(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)).decode())
                        except ValueError:
                            pass
                elif re.match(r"^k\d\.[a-z-]+(\.[a-z-]+)?\.", s):
                    paserks.add(s)
                if key in ("payload", "claims") and s:
                    payloads.add(s)
                if key == "footer" and s:
                    footers.add(s)
                times.update(m.group(0) for m in RFC3339.finditer(s))
    # Our own claims shape, built from the vectors' payloads: the same
    # claims with a subject, so the claims reader's accept path is seeded.
    for p in list(payloads):
        try:
            obj = json.loads(p)
        except ValueError:
            continue
        if isinstance(obj, dict) and "sub" not in obj:
            obj["sub"] = "12234"
            payloads.add(json.dumps(obj, separators=(",", ":")))
    # Each date-time also in canonical UTC form and with a fraction.
    for t in list(times):
        m = re.match(r"^(.{19})(\.\d+)?(.*)$", t)
        times.update({m.group(1) + "Z", m.group(1) + ".123456789" + (m.group(3) or "Z")})
    return tokens, payloads, footers, times, paserks


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def fuzz_ring_keys():
    """The keys of the fuzz targets' ring (fuzz/src/lib.rs: VECTOR_KEY and
    OTHER_KEY), as (k2.local, k2.lid) strings."""
    out = []
    for key in (bytes(range(0x70, 0x90)), bytes([0x42] * 32)):
        local = "k2.local." + b64url(key)
        digest = hashlib.blake2b(b"k2.lid." + local.encode(), digest_size=33).digest()
        out.append((local, "k2.lid." + b64url(digest)))
    return out


def canonical_payloads():
    """Claims in the exact shape `claims::write_payload` writes (keys sub,
    exp, iat, [nbf], [sst], jti, [aud], then custom claims; no whitespace),
    and a few neighbours: escapes, custom claims, whitespace, other orders."""
    sub, exp, iat = "12234", "2026-11-22T14:55:03Z", "2026-11-22T13:55:03Z"
    jti = "AAECAwQFBgcICQoLDA0ODw"
    nbf, sst = "2026-11-22T13:00:00Z", "2026-11-21T09:00:00Z"

    def obj(*members):
        return "{" + ",".join(f'"{k}":{v}' for k, v in members) + "}"

    def s(v):
        return json.dumps(v, ensure_ascii=False)

    base = [("sub", s(sub)), ("exp", s(exp)), ("iat", s(iat))]
    out = [
        obj(*base, ("jti", s(jti))),
        obj(*base, ("nbf", s(nbf)), ("jti", s(jti))),
        obj(*base, ("sst", s(sst)), ("jti", s(jti))),
        obj(*base, ("nbf", s(nbf)), ("sst", s(sst)), ("jti", s(jti)), ("aud", s("app-1"))),
        obj(("sub", s("用户-é")), ("exp", s(exp)), ("iat", s(iat)), ("jti", s(jti)), ("aud", s(""))),
        # Reordered members.
        obj(("jti", s(jti)), ("exp", s(exp)), ("sub", s(sub))),
        # Escapes, custom claims, whitespace.
        obj(("sub", s('a"b\\c\n')), ("exp", s(exp)), ("iat", s(iat)), ("jti", s(jti))),
        obj(*base, ("jti", s(jti)), ("theme", s("dark")), ("items", "3")),
        json.dumps({"sub": sub, "exp": exp, "jti": jti}),
    ]
    return out


def seeds_for(target, found):
    tokens, payloads, footers, times, paserks = found
    if target == "open":
        return [t.encode() for t in tokens]
    if target == "untrusted_token":
        # First byte sets the length limit: 0xff = comfortably above the length.
        return [b"\xff" + t.encode() for t in tokens]
    if target == "open_claims":
        return [p.encode() for p in sorted(payloads | set(canonical_payloads()))]
    if target == "rfc3339":
        return [t.encode() for t in times]
    if target == "footer_kid":
        ring = [json.dumps({"kid": lid}, separators=(",", ":")) for _, lid in fuzz_ring_keys()]
        # Footers the router must refuse or read the long way: not an
        # object, another member, a duplicate, a non-string or escaped id.
        lid = fuzz_ring_keys()[0][1]
        ring += ["[]", "null", "1", f'"{lid}"', f'["{lid}"]', '{"kid":1}', f'{{"kid":"{lid}","x":0}}',
                 f'{{"kid":"{lid}","kid":"{lid}"}}', f'{{ "kid" : "{lid}" }}',
                 '{"kid":"' + lid.replace("k2", "\\u006b2", 1) + '"}']
        return [f.encode() for f in sorted(footers | set(ring))]
    if target == "paserk":
        ours = {s for pair in fuzz_ring_keys() for s in pair}
        return [p.encode() for p in sorted(paserks | ours)]
    if target == "cookie":
        # First byte picks the name (fuzz_targets/cookie.rs: 0 = __Host-session,
        # 1 = s, 2 = sid) and, with 0x80, a tight length bound.
        out = []
        for t in sorted(tokens)[:40]:
            out.append(b"\x00__Host-session=" + t.encode())
            out.append(b"\x01a=1; s=\"" + t.encode() + b"\"; b=2")
            out.append(b"\x02x=y\nsid=" + t.encode() + b"\nsid=" + t.encode())
        return out
    # Structured (arbitrary) targets start from an empty corpus.
    return []


def targets():
    text = (FUZZ / "Cargo.toml").read_text(encoding="utf-8")
    return re.findall(r'^\[\[bin\]\]\s*\nname = "([^"]+)"', text, re.M)


def main(argv):
    found = collect()
    wanted = argv or targets()
    for target in wanted:
        out = CORPUS / target
        out.mkdir(parents=True, exist_ok=True)
        seeds = seeds_for(target, found)
        # Inputs that once crashed a target stay in its corpus for good.
        regressions = FUZZ / "regressions" / target
        if regressions.is_dir():
            seeds += [p.read_bytes() for p in sorted(regressions.iterdir()) if p.is_file()]
        for seed in seeds:
            (out / hashlib.sha1(seed).hexdigest()).write_bytes(seed)
        print(f"seed_corpus: {target}: {len(seeds)} seeds")


if __name__ == "__main__":
    main(sys.argv[1:])
