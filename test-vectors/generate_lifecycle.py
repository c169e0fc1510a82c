#!/usr/bin/env python3
"""Generate test-vectors/lifecycle.json: session-lifecycle tokens (renewal,
audience, nbf, leeway, logout everywhere, custom claims) with an
implementation that shares no code with the crate: Python's hashlib BLAKE2b
and libsodium's XChaCha20-Poly1305 (PyNaCl). `pip install pynacl`, then run
from the repo root: `python3 test-vectors/generate_lifecycle.py`.

- seal: a policy + nonce seed + user id + now (+ custom claims, nbf, and the
  session start for a renewal) must give exactly `payload` and `token`. The
  session id `jti` is the seed's first 16 bytes (the crate's deterministic
  test hook; real seals draw it fresh).
- open: opening `token` with `policy` at `now` (then checking `valid-after`
  when given) must give `expect`: "ok" (with the listed claims) or an error
  kind.
"""
import base64
import datetime
import hashlib
import json
import math
from fractions import Fraction
import struct

from nacl.bindings import crypto_aead_xchacha20poly1305_ietf_encrypt as xchacha_encrypt

HEADER = b"v2.local."
KEY = bytes(range(0x70, 0x90))
T0 = datetime.datetime(2030, 1, 1, tzinfo=datetime.timezone.utc)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def pae(*pieces: bytes) -> bytes:
    out = struct.pack("<Q", len(pieces))
    for p in pieces:
        out += struct.pack("<Q", len(p)) + p
    return out


def seal(key: bytes, seed: bytes, payload: bytes) -> str:
    nonce = hashlib.blake2b(payload, key=seed, digest_size=24).digest()
    ct = xchacha_encrypt(payload, pae(HEADER, nonce, b""), nonce, key)
    return HEADER.decode() + b64(nonce + ct)


def t(seconds) -> str:
    """RFC 3339 in UTC, `seconds` (an int or a Fraction) after T0; a
    fraction of a second only when there is one, without trailing zeros."""
    whole = math.floor(seconds)
    text = (T0 + datetime.timedelta(seconds=whole)).strftime("%Y-%m-%dT%H:%M:%S")
    nanos = int((Fraction(seconds) - whole) * 10**9)
    if nanos:
        text += ("." + "%09d" % nanos).rstrip("0")
    return text + "Z"


def seed_of(i: int) -> bytes:
    return bytes([0x40 + i]) * 24


def profile_payload(sub, exp, iat, jti, nbf=None, sst=None, aud=None, custom=None) -> bytes:
    """The crate's claims profile: sub, exp, iat, [nbf], [sst], jti, [aud],
    then the custom claims (serde_json's map order: sorted keys). sst only
    when the session did not start at iat (a renewal, or a session started
    within a second: sst keeps the fraction, iat does not)."""
    parts = ['"sub":' + json.dumps(sub, ensure_ascii=False), '"exp":"' + exp + '"', '"iat":"' + iat + '"']
    if nbf is not None:
        parts.append('"nbf":"' + nbf + '"')
    if sst is not None and sst != iat:
        parts.append('"sst":"' + sst + '"')
    parts.append('"jti":"' + b64(jti) + '"')
    if aud is not None:
        parts.append('"aud":' + json.dumps(aud, ensure_ascii=False))
    for k in sorted(custom or {}):
        parts.append(json.dumps(k) + ":" + json.dumps(custom[k], separators=(",", ":"), ensure_ascii=False))
    return ("{" + ",".join(parts) + "}").encode()


# ---- seal: what the crate must write ----
seal_cases = []


def seal_case(name, i, policy, user, now, custom=None, nbf=None, session_start=None):
    seed = seed_of(i)
    iat = math.floor(now)  # whole seconds; the session start keeps the fraction
    sst = session_start if session_start is not None else now
    exp = math.floor(min(iat + policy["idle-seconds"], sst + policy["absolute-seconds"]))
    payload = profile_payload(
        user, t(exp), t(iat), seed[:16],
        nbf=t(nbf) if nbf is not None else None,
        sst=t(sst),
        aud=policy.get("audience"),
        custom=custom,
    )
    case = {
        "name": name,
        "policy": policy,
        "nonce-seed": seed.hex(),
        "user-id": user,
        "now": t(now),
        "payload": payload.decode(),
        "token": seal(KEY, seed, payload),
    }
    if custom is not None:
        case["custom"] = custom
    if nbf is not None:
        case["not-before"] = t(nbf)
    if session_start is not None:
        case["session-start"] = t(session_start)
    seal_cases.append(case)


P = {"idle-seconds": 1800, "absolute-seconds": 86400}
seal_case("new-session", 0, P, "12234", 0)
seal_case("new-session-audience-nbf", 1, dict(P, audience="app.example"), "12234", 0, nbf=60)
seal_case("renewal", 2, P, "12234", 1000, session_start=0)
seal_case("renewal-capped-by-absolute", 3, {"idle-seconds": 1800, "absolute-seconds": 2000}, "12234", 1000, session_start=0)
seal_case("custom-claims", 4, P, "usér-Ω", 0, custom={"theme": "dark", "cart": [1, 2], "a\"b": None})
seal_case("new-session-sub-second", 6, P, "12234", Fraction(1, 4))
seal_case("new-session-sub-second-capped", 7, {"idle-seconds": 1800, "absolute-seconds": 600}, "12234",
          Fraction(999_999_999, 10**9))
seal_case("renewal-with-everything", 5, dict(P, audience="admin"), "7", 5000,
          custom={"theme": "light"}, session_start=100)

# ---- open: what the crate must accept or refuse ----
open_cases = []
JTI = bytes(range(16))


def open_case(name, payload: bytes, expect, now, policy=None, valid_after=None, claims=None):
    case = {
        "name": name,
        "token": seal(KEY, seed_of(100 + len(open_cases)), payload),
        "payload": payload.decode(),
        "policy": policy or {},
        "now": t(now),
        "expect": expect,
    }
    if valid_after is not None:
        case["valid-after"] = t(valid_after)
    if claims is not None:
        case["claims"] = claims
    open_cases.append(case)


basic = profile_payload("12234", t(1800), t(0), JTI)
with_nbf = profile_payload("12234", t(1800), t(0), JTI, nbf=t(60))
renewed = profile_payload("12234", t(2800), t(1000), JTI, sst=t(0))
capped = profile_payload("12234", t(2000), t(1000), JTI, sst=t(0))
for_a = profile_payload("12234", t(1800), t(0), JTI, aud="a")
LEEWAY = {"leeway-seconds": 5}

open_case("ok", basic, "ok", 0, claims={
    "user-id": "12234", "expires-at": t(1800), "issued-at": t(0),
    "session-started-at": t(0), "session-id": b64(JTI), "renew-at": t(900)})
open_case("exp-minus-1", basic, "ok", 1799)
open_case("exp-exactly", basic, "Expired", 1800)
open_case("exp-plus-1", basic, "Expired", 1801)
open_case("exp-plus-4-leeway-5", basic, "ok", 1804, policy=LEEWAY)
open_case("exp-plus-5-leeway-5", basic, "Expired", 1805, policy=LEEWAY)
open_case("nbf-minus-1", with_nbf, "NotYetValid", 59)
open_case("nbf-exactly", with_nbf, "ok", 60)
open_case("nbf-minus-5-leeway-5", with_nbf, "ok", 55, policy=LEEWAY)
open_case("nbf-minus-6-leeway-5", with_nbf, "NotYetValid", 54, policy=LEEWAY)
open_case("audience-match", for_a, "ok", 0, policy={"audience": "a"})
open_case("audience-mismatch", for_a, "WrongAudience", 0, policy={"audience": "b"})
open_case("audience-case-differs", for_a, "WrongAudience", 0, policy={"audience": "A"})
open_case("audience-required-token-has-none", basic, "WrongAudience", 0, policy={"audience": "a"})
open_case("audience-bound-opener-names-none", for_a, "WrongAudience", 0)
open_case("audience-array", profile_payload("12234", t(1800), t(0), JTI)[:-1] + b',"aud":["a"]}',
          "InvalidClaims::WrongType(aud)", 0, policy={"audience": "a"})
open_case("audience-duplicate", for_a[:-1] + b',"aud":"a"}', "InvalidClaims::Duplicate(aud)", 0,
          policy={"audience": "a"})
# Any string `jti` up to 128 bytes is a session id, kept as its text (other
# implementations write UUIDs and the like); a longer one is refused.
UUID = "6f1c2a4e-3b7d-4f7e-9c1a-2b3c4d5e6f70"
open_case("jti-uuid", b'{"sub":"1","exp":"' + t(1800).encode() + b'","jti":"' + UUID.encode() + b'"}',
          "ok", 0, claims={"session-id": UUID})
open_case("jti-standard-alphabet", b'{"sub":"1","exp":"' + t(1800).encode() + b'","jti":"+/+/+/+/+/+/+/+/+/+/+w"}',
          "ok", 0, claims={"session-id": "+/+/+/+/+/+/+/+/+/+/+w"})
open_case("jti-128-bytes", b'{"sub":"1","exp":"' + t(1800).encode() + b'","jti":"' + b"j" * 128 + b'"}',
          "ok", 0, claims={"session-id": "j" * 128})
open_case("jti-129-bytes", b'{"sub":"1","exp":"' + t(1800).encode() + b'","jti":"' + b"j" * 129 + b'"}',
          "InvalidClaims::BadValue(jti)", 0)
open_case("sst-not-rfc3339", b'{"sub":"1","exp":"' + t(1800).encode() + b'","sst":"yesterday"}',
          "InvalidClaims::BadTime(sst)", 0)
open_case("renewed", renewed, "ok", 1000, claims={
    "user-id": "12234", "expires-at": t(2800), "issued-at": t(1000),
    "session-started-at": t(0), "session-id": b64(JTI), "renew-at": t(1900)})
open_case("renewed-capped-no-renewal", capped, "ok", 1000,
          policy={"idle-seconds": 1800, "absolute-seconds": 2000},
          claims={"expires-at": t(2000), "session-started-at": t(0), "renew-at": None})
open_case("valid-after-equal-session-start", renewed, "ok", 1000, valid_after=0)
open_case("valid-after-before-issue-after-start", renewed, "LoggedOutEverywhere", 1000, valid_after=500)
open_case("valid-after-later", basic, "LoggedOutEverywhere", 10, valid_after=1)
open_case("valid-after-without-iat", b'{"sub":"1","exp":"' + t(1800).encode() + b'"}',
          "InvalidClaims::Missing(iat)", 0, valid_after=0)
open_case("foreign-minimal", b'{"sub":"1","exp":"' + t(1800).encode() + b'","x":{"y":[1]}}', "ok", 0,
          claims={"user-id": "1", "issued-at": None, "session-started-at": None, "session-id": None,
                  "renew-at": None})
# Logout everywhere within a second: the session start's fraction decides.
started = profile_payload("12234", t(1800), t(0), JTI, sst=t(Fraction(1, 2)))
open_case("valid-after-same-second-later", started, "LoggedOutEverywhere", 1,
          valid_after=Fraction(500_000_001, 10**9))
open_case("valid-after-same-second-earlier", started, "ok", 1, valid_after=Fraction(1, 4),
          claims={"issued-at": t(0), "session-started-at": t(Fraction(1, 2))})

doc = {
    "name": "sealed-session lifecycle v1",
    "about": "seal: policy + nonce-seed (the session id `jti` is its first 16 bytes) + user-id + now "
    "(+ custom claims, not-before, and session-start for a renewal) must give exactly `payload` and `token`; "
    "iat = now in whole seconds, sst = now (new session) or session-start (renewal) to the nanosecond, "
    "exp = min(iat + idle, sst + absolute) in whole seconds, sst written only when it differs from iat. "
    "open: opening `token` with `policy` (leeway 0, no audience, renewal at 50% unless given) at `now`, "
    "then checking `valid-after` when given, must give `expect`. A token is valid iff "
    "nbf - leeway <= now < exp + leeway; an opener without an audience refuses a token with one; "
    "the logout-everywhere rule refuses a session that started (sst, else iat) before valid-after; "
    "any string jti of at most 128 bytes is the session id, as its exact text.",
    "key": KEY.hex(),
    "seal": seal_cases,
    "open": open_cases,
}
with open("test-vectors/lifecycle.json", "w", encoding="utf-8") as f:
    json.dump(doc, f, indent=2, ensure_ascii=False)
    f.write("\n")
print(f"{len(seal_cases)} seal vectors, {len(open_cases)} open cases")
