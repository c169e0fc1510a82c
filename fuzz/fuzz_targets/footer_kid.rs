//! Key-ring routing by the footer (`{"kid":"k2.lid.…"}`) on arbitrary
//! footers: a token sealed under the ring's current key with the fuzzed
//! footer, opened through `KeyRing::open_at`.
//!
//! Must not panic; must route exactly as an independent reading of the
//! footer says: no footer → the current key; a footer that is not one
//! JSON object with the single member `kid` naming a `k2.lid` id →
//! `Malformed::Footer`; an id not in the ring → `UnknownKey`; the current
//! key's id → opens; the retired key's id → `Unauthenticated` (the AEAD,
//! with that one key).
#![no_main]

use libfuzzer_sys::fuzz_target;
use sealed_session::{format, Error, Key, KeyId, KeyRing, Malformed};
use sealed_session_fuzz::{json_members, now, OTHER_KEY, VECTOR_KEY};

const CLAIMS: &[u8] = br#"{"sub":"12234","exp":"2030-01-01T00:00:00Z"}"#;

fuzz_target!(|footer: &[u8]| {
    let current = Key::from_bytes(VECTOR_KEY);
    let retired = Key::from_bytes(OTHER_KEY);
    let ring = KeyRing::new(current.clone()).with_retired(retired.clone());
    let token = format::__seal_with_nonce_seed(&current, &[5; 24], CLAIMS, footer);
    let got = ring.open_at(&token, now());

    if token.len() > format::DEFAULT_MAX_TOKEN_LEN {
        assert_eq!(got, Err(Error::TokenTooLarge));
        return;
    }
    if footer.is_empty() {
        assert_eq!(got.map(|c| c.into_user_id()).as_deref(), Ok("12234"));
        return;
    }
    // The independent reading: every member, duplicates included.
    let kid = (footer.len() <= KeyRing::MAX_FOOTER_LEN)
        .then(|| json_members(footer))
        .flatten()
        .and_then(|members| match members.as_slice() {
            [(name, serde_json::Value::String(id))] if name == "kid" => KeyId::parse(id).ok(),
            _ => None,
        });
    match kid {
        None => assert_eq!(got, Err(Error::Malformed(Malformed::Footer))),
        Some(id) if id == current.id() => {
            assert_eq!(got.map(|c| c.into_user_id()).as_deref(), Ok("12234"))
        }
        Some(id) if id == retired.id() => assert_eq!(got, Err(Error::Unauthenticated)),
        Some(_) => assert_eq!(got, Err(Error::UnknownKey)),
    }
});
