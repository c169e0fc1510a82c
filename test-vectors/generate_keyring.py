#!/usr/bin/env python3
"""Generate test-vectors/keyring.json: key ids, kid footers and key-ring tokens.

An implementation independent of the crate: Python's hashlib.blake2b and
PyNaCl's libsodium binding for XChaCha20-Poly1305 (`pip install pynacl`).
Run from the repository root:

    python3 test-vectors/generate_keyring.py > test-vectors/keyring.json

The output is deterministic (fixed keys, nonce seeds and times).
"""

import base64
import hashlib
import json
import struct
import sys

from nacl.bindings import crypto_aead_xchacha20poly1305_ietf_encrypt


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def paserk_local(key: bytes) -> str:
    assert len(key) == 32
    return "k2.local." + b64(key)


def lid(key: bytes) -> str:
    # PASERK operations/ID.md: BLAKE2b with a 33-byte output (a parameter,
    # not a truncation) over "k2.lid." || "k2.local.<b64url(key)>".
    h = hashlib.blake2b(digest_size=33)
    h.update(b"k2.lid.")
    h.update(paserk_local(key).encode("ascii"))
    return "k2.lid." + b64(h.digest())


def footer_of(key: bytes) -> str:
    # Exactly the bytes a ring writes: no whitespace, `kid` only.
    return '{"kid":"' + lid(key) + '"}'


def le64(n: int) -> bytes:
    return struct.pack("<Q", n & 0x7FFFFFFFFFFFFFFF)


def pae(*pieces: bytes) -> bytes:
    out = le64(len(pieces))
    for p in pieces:
        out += le64(len(p)) + p
    return out


def seal(key: bytes, seed: bytes, payload: bytes, footer: bytes) -> str:
    header = b"v2.local."
    nonce = hashlib.blake2b(payload, key=seed, digest_size=24).digest()
    aad = pae(header, nonce, footer)
    ct = crypto_aead_xchacha20poly1305_ietf_encrypt(payload, aad, nonce, key)
    token = header.decode() + b64(nonce + ct)
    if footer:
        token += "." + b64(footer)
    return token


def payload(sub: str, iat: str, exp: str, seed: bytes) -> str:
    # The payload sealed by the crate for a new session: sub, exp, iat, jti
    # in this order, no spaces. The crate's deterministic test hooks take the
    # session id (jti, 16 bytes, unpadded base64url) from the seed's first
    # 16 bytes; real seals draw it fresh.
    return json.dumps({"sub": sub, "exp": exp, "iat": iat, "jti": b64(seed[:16])},
                      separators=(",", ":"))


KEYS = {
    # Same bytes as the published PASERK vectors k2.local-1 / k2.local-2,
    # so their published ids double as a check of this script.
    "zero": bytes(32),
    "k1": bytes(range(0x70, 0x90)),
    "k2": bytes(range(0xA0, 0xC0)),
    "k3": bytes(range(0x10, 0x30)),
    "k4": hashlib.blake2b(b"sealed-session keyring vector k4", digest_size=32).digest(),
}

assert lid(KEYS["zero"]) == "k2.lid.WpgZ4rDluvqGSwOFQfbkxem-i3lRJ92XPPPwHEDm-gtE"
assert lid(KEYS["k1"]) == "k2.lid.keK316jg65NYOw6BbBHJHeQ7YWpyuHfNRxBVtY3kNoXG"
assert paserk_local(KEYS["k1"]) == "k2.local.cHFyc3R1dnd4eXp7fH1-f4CBgoOEhYaHiImKi4yNjo8"


def check_against_published_v2():
    """Reproduce the published PASETO v2.local vectors (test-vectors/published)."""
    import os
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                        "published", "paseto", "v2.json")
    n = 0
    for t in json.load(open(path))["tests"]:
        if t["expect-fail"] or not t["token"].startswith("v2.local."):
            continue
        got = seal(bytes.fromhex(t["key"]), bytes.fromhex(t["nonce"]),
                   t["payload"].encode(), t["footer"].encode())
        assert got == t["token"], t["name"]
        n += 1
    assert n == 9, n


check_against_published_v2()

RING = {"current": "k1", "retired": ["k2", "k3"]}
IAT = "2030-01-01T00:00:00Z"
EXP = "2030-01-01T01:00:00Z"
NOW = "2030-01-01T00:30:00Z"
SUB = "12234"


def seed(i: int) -> bytes:
    return bytes([i]) * 24


def token_case(name, sealed_by, footer, expect, i, description, wire_footer=None):
    """A token sealed by `sealed_by` with AAD footer `footer`; the token
    carries `wire_footer` (default: the same) as its footer part."""
    p = payload(SUB, IAT, EXP, seed(i))
    t = seal(KEYS[sealed_by], seed(i), p.encode(), footer.encode())
    if wire_footer is not None:
        body = t.split(".")[2]
        t = "v2.local." + body + ("." + b64(wire_footer.encode()) if wire_footer else "")
    return {
        "name": name,
        "description": description,
        "sealed-by": sealed_by,
        "seed": seed(i).hex(),
        "payload": p,
        "footer": footer if wire_footer is None else wire_footer,
        "token": t,
        "expect": expect,
    }


def main():
    k1, k2, k3, k4 = (KEYS[n] for n in ("k1", "k2", "k3", "k4"))
    long_footer = '{"kid":"' + lid(k1) + '"' + " " * 200 + "}"
    tokens = [
        token_case("ring-1", "k1", footer_of(k1), "ok", 1,
                   "sealed by the current key with its kid footer: exactly what the ring seals"),
        token_case("ring-2", "k2", footer_of(k2), "ok", 2,
                   "sealed by a retired key with its kid footer"),
        token_case("ring-3", "k3", '{ "kid" : "' + lid(k3) + '" }', "ok", 3,
                   "kid footer with insignificant JSON whitespace (another writer)"),
        token_case("ring-4", "k1", "", "ok", 4,
                   "no footer: opened with the current key"),
        token_case("ring-5", "k2", "", "unauthenticated", 5,
                   "no footer, sealed by a retired key: only the current key is tried"),
        token_case("ring-6", "k4", footer_of(k4), "unknown-key", 6,
                   "kid of a key the ring does not hold (e.g. dropped after rotation)"),
        token_case("ring-7", "k1", footer_of(k2), "unauthenticated", 7,
                   "footer names k2 but the token was sealed with k1: routed to k2, which rejects it"),
        token_case("ring-8", "k1", footer_of(k1), "unauthenticated", 8,
                   "footer swapped after sealing (sealed with kid k1, carries kid k3)",
                   wire_footer=footer_of(k3)),
        token_case("ring-9", "k1", '{"kid":"' + lid(k1) + '","wpk":"x"}', "malformed-footer", 9,
                   "a footer member other than kid is refused"),
        token_case("ring-10", "k1", "key-1", "malformed-footer", 10,
                   "footer that is not JSON"),
        token_case("ring-11", "k1", '{"kid":"' + lid(k1).replace("k2.", "k4.", 1) + '"}',
                   "malformed-footer", 11, "kid that is not a k2.lid id"),
        token_case("ring-12", "k1", long_footer, "malformed-footer", 12,
                   "footer longer than 256 bytes, refused unread"),
        token_case("ring-13", "k1", '{"kid":"' + lid(k1) + '","kid":"' + lid(k1) + '"}',
                   "malformed-footer", 13, "duplicate kid"),
    ]
    out = {
        "name": "sealed-session key ids, kid footers and key-ring tokens",
        "generator": "test-vectors/generate_keyring.py (hashlib.blake2b, PyNaCl "
                     "crypto_aead_xchacha20poly1305_ietf_encrypt); not computed by the crate",
        "keys": [
            {
                "name": name,
                "key": key.hex(),
                "paserk": paserk_local(key),
                "lid": lid(key),
                "footer": footer_of(key),
            }
            for name, key in KEYS.items()
        ],
        "ring": RING,
        "sub": SUB,
        "iat": IAT,
        "exp": EXP,
        "now": NOW,
        "tokens": tokens,
    }
    json.dump(out, sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
