//! Oracles shared by the fuzz targets.
//!
//! Each target feeds attacker-shaped input to one parser of `sealed-session`
//! and checks, beyond "no panic", a property that would fail if the crate
//! authenticated, decoded or interpreted something it should not have. The
//! oracles here are written independently of the crate's internals: their own
//! PAE, their own token assembly, `serde_json::Value` for claims.

use base64ct::{Base64UrlUnpadded, Encoding};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use sealed_session::{format, Claims, Error, Key, Timestamp};

/// The key of the published PASETO v2.local vectors (bytes 0x70..=0x8f), so
/// that the vector tokens seeded into the corpora authenticate and the
/// fuzzer explores the accept path and its neighbourhood.
pub const VECTOR_KEY: [u8; 32] = {
    let mut k = [0u8; 32];
    let mut i = 0;
    while i < 32 {
        k[i] = 0x70 + i as u8;
        i += 1;
    }
    k
};

/// A second, unrelated key: nothing the fuzzer finds may open under it.
pub const OTHER_KEY: [u8; 32] = [0x42; 32];

/// The clock for high-level opens: before the vectors' `exp`
/// (2019-01-01T00:00:00+00:00), so their time rules pass.
pub fn now() -> Timestamp {
    Timestamp::from_unix_seconds(1_527_811_200).expect("2018-06-01 is in range")
    // 2018-06-01T00:00:00Z
}

/// PASETO PAE, written here independently of the crate's.
pub fn pae(pieces: &[&[u8]]) -> Vec<u8> {
    let le64 = |n: usize| ((n as u64) & (u64::MAX >> 1)).to_le_bytes();
    let mut out = le64(pieces.len()).to_vec();
    for p in pieces {
        out.extend_from_slice(&le64(p.len()));
        out.extend_from_slice(p);
    }
    out
}

/// The `v2.local` token that sealing `payload` and `footer` under `key` with
/// the nonce `nonce` produces, built with the AEAD's *encrypt* path and this
/// module's own PAE and assembly.
pub fn seal_with_nonce(key: &[u8; 32], nonce: &[u8; 24], payload: &[u8], footer: &[u8]) -> String {
    let cipher = XChaCha20Poly1305::new(key.into());
    let aad = pae(&[b"v2.local.", nonce, footer]);
    let ct = cipher
        .encrypt(
            XNonce::from_slice(nonce),
            Payload {
                msg: payload,
                aad: &aad,
            },
        )
        .expect("encryption of a short message cannot fail");
    let mut body = nonce.to_vec();
    body.extend_from_slice(&ct);
    let mut token = String::from("v2.local.");
    token.push_str(&Base64UrlUnpadded::encode_string(&body));
    if !footer.is_empty() {
        token.push('.');
        token.push_str(&Base64UrlUnpadded::encode_string(footer));
    }
    token
}

/// The nonce bytes of a token's body (first 24 decoded bytes), if any.
fn untrusted_nonce(token: &str) -> Option<[u8; 24]> {
    let rest = token.strip_prefix("v2.local.")?;
    let body = rest.split('.').next()?;
    let bytes = Base64UrlUnpadded::decode_vec(body).ok()?;
    bytes.get(..24)?.try_into().ok()
}

/// Open `token` with the vector key through both APIs and check:
/// - a successful low-level open is exactly the sealing of the payload and
///   footer it returned, under that key (re-sealed independently), i.e. the
///   crate never accepts a token it would not itself have produced;
/// - before authentication the high-level API fails exactly as the low-level
///   one; after it, only with a claims or time error;
/// - successful claims agree with a generic JSON reading of the payload;
/// - nothing opens under an unrelated key.
pub fn check_open(token: &str) {
    let key = Key::from_bytes(VECTOR_KEY);
    let now = now();
    let low = format::open(&key, token);
    let high = key.open_at(token, now);
    match (&low, &high) {
        (Ok(opened), _) => {
            let nonce = untrusted_nonce(token).expect("an opened token has a nonce");
            let again = seal_with_nonce(&VECTOR_KEY, &nonce, &opened.payload, &opened.footer);
            assert_eq!(
                again, token,
                "opened a token that is not the sealing of what it returned"
            );
            match &high {
                Ok(claims) => check_claims(&opened.payload, claims, now),
                Err(e) => assert!(
                    matches!(
                        e,
                        Error::InvalidClaims(_)
                            | Error::Expired
                            | Error::NotYetValid
                            | Error::WrongAudience
                    ),
                    "authenticated token failed the high-level open with {e:?}"
                ),
            }
        }
        (Err(e), high) => assert_eq!(
            high.as_ref().err(),
            Some(e),
            "APIs disagree before authentication"
        ),
    }
    let other = Key::from_bytes(OTHER_KEY);
    assert!(
        format::open(&other, token).is_err(),
        "opened under an unrelated key"
    );
}

/// The outcome a generic JSON reading of `payload` predicts for the claims
/// rules: `Some(reason)` when the payload must be refused. Duplicate names
/// cannot be seen through `serde_json::Value` (the last one wins), so a
/// payload this accepts may still be refused as a duplicate.
pub fn json_rejects(payload: &[u8]) -> Option<&'static str> {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(payload) else {
        return Some("not JSON");
    };
    let Some(obj) = value.as_object() else {
        return Some("not an object");
    };
    match obj.get("sub") {
        Some(serde_json::Value::String(s)) if !s.is_empty() => {}
        _ => return Some("sub"),
    }
    let time_ok = |v: &serde_json::Value| {
        v.as_str()
            .is_some_and(|s| Timestamp::parse_rfc3339(s).is_ok())
    };
    match obj.get("exp") {
        Some(v) if time_ok(v) => {}
        _ => return Some("exp"),
    }
    if let Some(name) = ["iat", "nbf", "sst"]
        .into_iter()
        .find(|name| obj.get(*name).is_some_and(|v| !time_ok(v)))
    {
        return Some(name);
    }
    // The session id: any string of at most 128 bytes (ours are 22
    // base64url characters; other implementations write UUIDs and more).
    if obj
        .get("jti")
        .is_some_and(|v| v.as_str().is_none_or(|s| s.len() > 128))
    {
        return Some("jti");
    }
    if obj.get("aud").is_some_and(|v| !v.is_string()) {
        return Some("aud");
    }
    None
}

/// Whether the payload names an audience (which an open without one refuses).
pub fn json_has_audience(payload: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(payload).is_ok_and(|v| v.get("aud").is_some())
}

/// Whether `serde_json::Value` refuses `payload` only for one of two
/// implementation limits that RFC 8259's grammar does not impose (sections
/// 8.2 and 6): a `\uD800`-style lone surrogate escape, or a number out of
/// `f64`'s range (`1e400`). Inside a claim the crate ignores, the crate
/// skips such values without interpreting them and may accept the payload;
/// the JSON oracles cannot judge it and stand aside.
pub fn json_unclear(payload: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(payload).is_err_and(|e| {
        // serde_json reports a lone surrogate as "lone ... surrogate" or,
        // when no `\u` follows a leading one, "unexpected end of hex escape".
        let e = e.to_string();
        e.contains("surrogate") || e.contains("hex escape") || e.contains("number out of range")
    })
}

/// The claims agree with a generic JSON reading of `payload` and with the
/// time rules at `now` (see [`json_unclear`] for what it cannot judge).
pub fn check_claims(payload: &[u8], claims: &Claims, now: Timestamp) {
    if json_unclear(payload) {
        return;
    }
    assert_eq!(
        json_rejects(payload),
        None,
        "claims accepted that JSON says are invalid"
    );
    let value: serde_json::Value = serde_json::from_slice(payload).expect("checked above");
    let time = |name: &str| {
        value
            .get(name)
            .and_then(|v| v.as_str())
            .map(|s| Timestamp::parse_rfc3339(s).expect("checked above"))
    };
    assert_eq!(Some(claims.user_id()), value["sub"].as_str());
    assert_eq!(Some(claims.expires_at()), time("exp"));
    assert_eq!(claims.issued_at(), time("iat"));
    assert_eq!(claims.not_before(), time("nbf"));
    assert_eq!(claims.session_started_at(), time("sst").or(time("iat")));
    let jti = value.get("jti").and_then(|v| v.as_str());
    assert_eq!(claims.session_id().map(|id| id.to_string()).as_deref(), jti);
    assert!(
        value.get("aud").is_none(),
        "an audience was accepted by an open without one"
    );
    assert!(now < claims.expires_at(), "expired claims accepted");
    assert!(
        claims.not_before().is_none_or(|nbf| nbf <= now),
        "claims accepted before nbf"
    );
}

/// Every member of a JSON object, in order and with duplicates (which
/// `serde_json::Value` would merge), values read as `Value` (so strings are
/// checked as UTF-8 and for lone surrogates). `None` if the input is not
/// exactly one JSON object (surrounding whitespace allowed).
pub fn json_members(input: &[u8]) -> Option<Vec<(String, serde_json::Value)>> {
    use serde::de::{Deserializer, MapAccess, Visitor};
    struct Members;
    impl<'de> Visitor<'de> for Members {
        type Value = Vec<(String, serde_json::Value)>;
        fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
            f.write_str("an object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some(member) = map.next_entry::<String, serde_json::Value>()? {
                out.push(member);
            }
            Ok(out)
        }
    }
    let mut de = serde_json::Deserializer::from_slice(input);
    let members = de.deserialize_map(Members).ok()?;
    de.end().ok()?;
    Some(members)
}
