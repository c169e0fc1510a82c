//! The claims reader (`Key::open_at` after authentication) on arbitrary
//! payload bytes: the payload is sealed under a fixed key, then opened.
//!
//! Must not panic; must accept exactly what a generic JSON reading of the
//! payload calls valid claims (up to duplicate names, which `Value` cannot
//! see), return the same values, and apply the time rules. Accepted claims
//! opened with custom claims (`Policy::open_custom`) give exactly the
//! payload's other members, which `Claims::custom_json` also spells.
#![no_main]

use std::collections::BTreeMap;
use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use sealed_session::{
    format, Claims, ClaimsError, Error, Key, Policy, Timestamp, REGISTERED_CLAIMS,
};
use sealed_session_fuzz::{
    check_claims, json_has_audience, json_rejects, json_unclear, now, VECTOR_KEY,
};

/// The payload's members other than the registered claims, as a generic
/// JSON reading sees them (the last of duplicate names wins).
fn custom_members(payload: &[u8]) -> BTreeMap<String, serde_json::Value> {
    let value: serde_json::Value = serde_json::from_slice(payload).expect("accepted, so JSON");
    let object = value.as_object().expect("accepted, so an object");
    object
        .iter()
        .filter(|(name, _)| !REGISTERED_CLAIMS.contains(&name.as_str()))
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect()
}

/// Opened with custom claims (`Policy::open_custom`), accepted claims give
/// exactly the custom members, and `custom_json` is their text.
fn check_custom(key: &Key, token: &str, payload: &[u8], claims: &Claims, now: Timestamp) {
    let want = custom_members(payload);
    let policy = Policy::new(Duration::MAX, Duration::MAX);
    let opened = policy.open_custom::<BTreeMap<String, serde_json::Value>>(key, token, now);
    let opened = opened.expect("claims that open also open with custom claims");
    assert_eq!(opened.user_id(), claims.user_id());
    assert_eq!(opened.custom(), &want);
    let text = format!("{{{}}}", claims.custom_json());
    let from_text: BTreeMap<String, serde_json::Value> =
        serde_json::from_str(&text).expect("custom_json is JSON members");
    assert_eq!(from_text, want);
    assert_eq!(claims.audience(), None);
    assert!(!format!("{claims:?}").is_empty());
}

fuzz_target!(|payload: &[u8]| {
    let key = Key::from_bytes(VECTOR_KEY);
    let token = format::__seal_with_nonce_seed(&key, &[7; 24], payload, b"");
    let now = now();
    let got = key.open_at(&token, now);
    if json_unclear(payload) {
        return;
    }
    match got {
        Ok(claims) => {
            check_claims(payload, &claims, now);
            check_custom(&key, &token, payload, &claims, now);
        }
        Err(Error::TokenTooLarge) => assert!(token.len() > format::DEFAULT_MAX_TOKEN_LEN),
        Err(Error::InvalidClaims(ClaimsError::Duplicate(name))) => {
            // Only a claim this crate reads can be a duplicate.
            assert!(sealed_session::REGISTERED_CLAIMS.contains(&name));
        }
        Err(Error::InvalidClaims(_)) => {
            assert!(json_rejects(payload).is_some(), "valid claims refused");
        }
        Err(Error::WrongAudience) => {
            assert_eq!(
                json_rejects(payload),
                None,
                "invalid claims reached the audience rule"
            );
            assert!(
                json_has_audience(payload),
                "no audience, yet refused for it"
            );
        }
        Err(e @ (Error::Expired | Error::NotYetValid)) => {
            assert!(!json_has_audience(payload), "audience rule skipped");
            assert_eq!(
                json_rejects(payload),
                None,
                "invalid claims reached the time rules"
            );
            let v: serde_json::Value = serde_json::from_slice(payload).expect("valid JSON");
            let time = |n: &str| v[n].as_str().and_then(|s| Timestamp::parse_rfc3339(s).ok());
            match e {
                Error::Expired => assert!(time("exp").is_some_and(|exp| exp <= now)),
                _ => assert!(time("nbf").is_some_and(|nbf| now < nbf)),
            }
        }
        Err(e) => panic!("a token this crate sealed failed to open: {e:?}"),
    }
});
