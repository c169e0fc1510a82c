#!/usr/bin/env python3
"""Generate test-vectors/claims-profile.json with an implementation that
shares no code with the crate: Python's hashlib BLAKE2b and libsodium's
XChaCha20-Poly1305 (PyNaCl).  `pip install pynacl`, then run from the repo
root: `python3 test-vectors/generate_claims_profile.py`.

The crate's tests read the JSON and must reproduce every `token` exactly and
reject every must-fail case with the named error kind.
"""
import base64
import hashlib
import json
import struct

from nacl.bindings import crypto_aead_xchacha20poly1305_ietf_encrypt as xchacha_encrypt

HEADER = b"v2.local."


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def is_canonical(text: str) -> bool:
    return b64(b64decode(text)) == text


def pae(*pieces: bytes) -> bytes:
    out = struct.pack("<Q", len(pieces))
    for p in pieces:
        out += struct.pack("<Q", len(p)) + p
    return out


def seal(key: bytes, seed: bytes, payload: bytes, footer: bytes = b"") -> str:
    nonce = hashlib.blake2b(payload, key=seed, digest_size=24).digest()
    ct = xchacha_encrypt(payload, pae(HEADER, nonce, footer), nonce, key)
    token = HEADER.decode() + b64(nonce + ct)
    if footer:
        token += "." + b64(footer)
    return token


def claims(sub: str, exp: str, iat: str) -> bytes:
    # A minimal token of another implementation: sub, exp, iat only.
    return ('{"sub":' + json.dumps(sub, ensure_ascii=False) + ',"exp":"' + exp + '","iat":"' + iat + '"}').encode()


def profile_claims(sub: str, exp: str, iat: str, jti: bytes) -> bytes:
    # The crate's claims profile for a new session: exactly these keys in
    # this order, no spaces, UTF-8 as is, RFC 3339 UTC with Z, whole seconds;
    # jti is 16 bytes in unpadded base64url. No sst: a new session starts at
    # iat (renewed tokens add "sst" after "iat").
    return ('{"sub":' + json.dumps(sub, ensure_ascii=False) + ',"exp":"' + exp + '","iat":"' + iat
            + '","jti":"' + b64(jti) + '"}').encode()


KEY = bytes(range(0x70, 0x90))
SEED = bytes(24)
NOW = "2026-11-22T11:00:00Z"

seal_cases = [
    # name, user id, iat, lifetime seconds, exp
    ("profile-1", "12234", "2026-11-22T11:00:00Z", 3600, "2026-11-22T12:00:00Z"),
    ("profile-unicode", "usér-Ω-😀", "2026-11-22T11:00:00Z", 86400, "2026-11-23T11:00:00Z"),
    ("profile-escapes", 'a"b\\c\n\t\u0001', "2026-11-22T11:00:00Z", 60, "2026-11-22T11:01:00Z"),
    ("profile-leap-day", "7", "2028-02-28T23:30:00Z", 3600, "2028-02-29T00:30:00Z"),
    ("profile-long-lifetime", "42", "2026-11-22T11:00:00Z", 30 * 86400, "2026-12-22T11:00:00Z"),
]

seal_vectors = []
for i, (name, sub, iat, lifetime, exp) in enumerate(seal_cases):
    seed = bytes([i]) * 24
    # The crate's deterministic test hook takes the session id from the
    # seed's first 16 bytes (real seals use fresh random bytes).
    payload = profile_claims(sub, exp, iat, seed[:16])
    seal_vectors.append({
        "name": name,
        "key": KEY.hex(),
        "nonce-seed": seed.hex(),
        "user-id": sub,
        "now": iat,
        "lifetime-seconds": lifetime,
        "payload": payload.decode(),
        "token": seal(KEY, seed, payload),
    })

good = seal(KEY, SEED, claims("12234", "2026-11-22T12:00:00Z", NOW))
body = good[len("v2.local."):]
assert len(body) % 4 in (2, 3)
# A final character whose unused low bits are set: same bytes, non-canonical text.
alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
last = alphabet.index(body[-1])
unused_bits = 4 if len(body) % 4 == 2 else 2
non_canonical = body[:-1] + alphabet[last | ((1 << unused_bits) - 1)]
assert non_canonical != body
flipped_char = alphabet[alphabet.index(body[40]) ^ 1]

must_fail = [
    ("wrong-header", "v2.public." + body, "Malformed::Header"),
    ("v4-local", "v4.local." + body, "Malformed::Header"),
    ("uppercase-version", "V2.local." + body, "Malformed::Header"),
    ("padding", good + "=" * ((4 - len(body) % 4) % 4), "Malformed::Base64"),
    ("non-canonical-base64", "v2.local." + non_canonical, "Malformed::Base64"),
    ("standard-alphabet", "v2.local." + body.replace("-", "+").replace("_", "/") if ("-" in body or "_" in body) else "v2.local." + body[:-1] + "+", "Malformed::Base64"),
    ("trailing-dot", good + ".", "Malformed::Parts"),
    ("empty-body", "v2.local.", "Malformed::Parts"),
    ("empty-footer-part", good + "..Zm9v", "Malformed::Parts"),
    ("five-parts", good + ".Zm9v.Zm9v", "Malformed::Parts"),
    ("truncated-to-nothing-useful", good[:20], "Malformed::TooShort"),
    ("truncated", "v2.local." + b64(b64decode(body)[:-3]), "Unauthenticated"),
    ("truncated-text", good[:-4], "Unauthenticated" if is_canonical(good[9:-4]) else "Malformed::Base64"),
    ("one-flipped-bit", good[:9 + 40] + flipped_char + good[9 + 41:], "Unauthenticated"),
    ("footer-added", good + "." + b64(b'{"kid":"x"}'), "Unauthenticated"),
    ("wrong-key", seal(bytes(32), SEED, claims("12234", "2026-11-22T12:00:00Z", NOW)), "Unauthenticated"),
    ("oversize", seal(KEY, SEED, claims("x" * 3100, "2026-11-22T12:00:00Z", NOW)), "TokenTooLarge"),
    ("payload-not-json", seal(KEY, SEED, b"sub=12234;exp=2026-11-22T12:00:00Z"), "InvalidClaims::NotJson"),
    ("payload-json-array", seal(KEY, SEED, b'["12234"]'), "InvalidClaims::NotJson"),
    ("missing-exp", seal(KEY, SEED, b'{"sub":"12234","iat":"2026-11-22T11:00:00Z"}'), "InvalidClaims::Missing(exp)"),
    ("missing-sub", seal(KEY, SEED, b'{"exp":"2026-11-22T12:00:00Z"}'), "InvalidClaims::Missing(sub)"),
    ("exp-as-number", seal(KEY, SEED, b'{"sub":"12234","exp":1795348800}'), "InvalidClaims::WrongType(exp)"),
    ("sub-as-object", seal(KEY, SEED, b'{"sub":{"id":12234},"exp":"2026-11-22T12:00:00Z"}'), "InvalidClaims::WrongType(sub)"),
    ("exp-not-rfc3339", seal(KEY, SEED, b'{"sub":"12234","exp":"2026-11-22 12:00:00"}'), "InvalidClaims::BadTime(exp)"),
    ("duplicate-sub", seal(KEY, SEED, b'{"sub":"1","sub":"2","exp":"2026-11-22T12:00:00Z"}'), "InvalidClaims::Duplicate(sub)"),
    ("expired", seal(KEY, SEED, claims("12234", "2026-11-22T10:59:59Z", "2026-11-22T10:00:00Z")), "Expired"),
    ("expires-exactly-now", seal(KEY, SEED, claims("12234", NOW, "2026-11-22T10:00:00Z")), "Expired"),
    ("not-yet-valid", seal(KEY, SEED, b'{"sub":"12234","exp":"2026-11-22T13:00:00Z","nbf":"2026-11-22T11:00:01Z"}'), "NotYetValid"),
]

assert len(dict((n, t) for n, t, _ in must_fail)["oversize"]) > 4096
doc = {
    "name": "sealed-session claims profile v1",
    "about": "Tokens of sealed-session's claims profile on PASETO v2.local. "
    "seal: key + nonce-seed (the 24 random bytes; the session id `jti` is its first 16 bytes) + user-id + now + lifetime must give exactly `payload` and `token`. "
    "must-fail: opening `token` with `key` at `now` (default max token length 4096) must fail with `error`.",
    "key": KEY.hex(),
    "now": NOW,
    "seal": seal_vectors,
    "must-fail": [{"name": n, "token": t, "error": e} for (n, t, e) in must_fail],
}
with open("test-vectors/claims-profile.json", "w", encoding="utf-8") as f:
    json.dump(doc, f, indent=2, ensure_ascii=False)
    f.write("\n")
print(f"{len(seal_vectors)} seal vectors, {len(must_fail)} must-fail cases")
