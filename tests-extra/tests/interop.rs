//! Interop with an implementation we did not write: `pasetors` (v2.local).
//!
//! Tokens we seal decrypt with pasetors to the same payload and footer;
//! tokens pasetors encrypts open with our low-level API, and with our
//! high-level API when they carry our claims.

use core::time::Duration;

use pasetors::keys::SymmetricKey;
use pasetors::token::Local;
use pasetors::version2::{LocalToken, V2};
use sealed_session::format::{self, UntrustedToken};
use sealed_session::{ClaimsError, Error, Key, SessionId, Timestamp};

/// Deterministic cases: payload and footer lengths across the crate's stack
/// and heap paths (body 512 bytes, PAE footer 192 bytes), ASCII and
/// multi-byte UTF-8 (pasetors requires a UTF-8 payload), with and without a
/// footer.
fn cases() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let lens = [1usize, 2, 3, 47, 64, 471, 472, 473, 474, 1000, 3000];
    for (i, &len) in lens.iter().enumerate() {
        let text: String = "sub ü€𝄞\"\\\n".chars().cycle().take(len).collect();
        for footer_len in [0usize, 1, 2, 3, 191, 192, 193, 500] {
            let footer: Vec<u8> = (0..footer_len).map(|j| (j * 31 + i) as u8).collect();
            out.push((text.clone(), footer));
        }
    }
    out
}

fn keys(seed: u8) -> (Key, SymmetricKey<V2>) {
    let bytes: [u8; 32] = core::array::from_fn(|i| seed.wrapping_mul(37).wrapping_add(i as u8));
    (
        Key::from_bytes(bytes),
        SymmetricKey::<V2>::from(&bytes).unwrap(),
    )
}

fn pasetors_decrypt(key: &SymmetricKey<V2>, token: &str) -> (String, Vec<u8>) {
    let untrusted = pasetors::token::UntrustedToken::<Local, V2>::try_from(token).unwrap();
    let trusted = LocalToken::decrypt(key, &untrusted, None).unwrap();
    (trusted.payload().to_owned(), trusted.footer().to_vec())
}

#[test]
fn our_tokens_decrypt_with_pasetors() {
    let mut n = 0;
    for (i, (payload, footer)) in cases().into_iter().enumerate() {
        let (ours, theirs) = keys(i as u8);
        let token = format::seal(&ours, payload.as_bytes(), &footer).unwrap();
        let (p, f) = pasetors_decrypt(&theirs, &token);
        assert_eq!(p, payload);
        assert_eq!(f, footer);
        // And pasetors' footer check agrees on the footer (it wants `None`
        // for a token without one).
        let untrusted =
            pasetors::token::UntrustedToken::<Local, V2>::try_from(token.as_str()).unwrap();
        let f = (!footer.is_empty()).then_some(footer.as_slice());
        assert!(LocalToken::decrypt(&theirs, &untrusted, f).is_ok());
        assert!(LocalToken::decrypt(&theirs, &untrusted, Some(b"other")).is_err());
        // Under another key pasetors refuses it too.
        let (_, other) = keys(i as u8 ^ 0x80);
        assert!(LocalToken::decrypt(&other, &untrusted, None).is_err());
        n += 1;
    }
    assert_eq!(n, 88);
}

#[test]
fn our_session_tokens_decrypt_with_pasetors_to_our_claims() {
    let (ours, theirs) = keys(1);
    let now = Timestamp::parse_rfc3339("2030-05-06T07:08:09.5Z").unwrap();
    for user in ["12234", "ü", "a\"b\\c\n\u{1}", &"x".repeat(256)] {
        let token = ours.seal_at(user, Duration::from_secs(90), now).unwrap();
        let (payload, footer) = pasetors_decrypt(&theirs, &token);
        assert!(footer.is_empty());
        let v: serde_json::Value = serde_json::from_str(&payload).unwrap();
        assert_eq!(v["sub"], user);
        assert_eq!(v["iat"], "2030-05-06T07:08:09Z");
        assert_eq!(v["exp"], "2030-05-06T07:09:39Z");
        // The session id: 16 bytes in 22 base64url characters, the same
        // one our API reports.
        let jti = v["jti"].as_str().unwrap();
        assert_eq!(jti.len(), 22);
        let claims = ours.open_at(&token, now).unwrap();
        assert_eq!(SessionId::parse(jti), claims.session_id());
        assert!(claims.session_id().is_some());
        // The session start, to the nanosecond (`iat` is whole seconds).
        assert_eq!(v["sst"], "2030-05-06T07:08:09.5Z");
        assert_eq!(v.as_object().unwrap().len(), 5, "{payload}");
    }
}

#[test]
fn pasetors_tokens_open_with_our_low_level_api() {
    let (mut n, mut big) = (0, 0);
    for (i, (payload, footer)) in cases().into_iter().enumerate() {
        let (ours, theirs) = keys(i as u8);
        let f = (!footer.is_empty()).then_some(footer.as_slice());
        let token = LocalToken::encrypt(&theirs, payload.as_bytes(), f).unwrap();
        // Tokens above the default limit (4096 bytes) are refused unread;
        // with a larger limit they open.
        let untrusted = UntrustedToken::parse_with_max_len(&token, 8192).unwrap();
        let opened = untrusted.open(&ours).unwrap();
        assert_eq!(opened.payload, payload.as_bytes());
        assert_eq!(opened.footer, footer);
        if token.len() > format::DEFAULT_MAX_TOKEN_LEN {
            assert_eq!(format::open(&ours, &token), Err(Error::TokenTooLarge));
            big += 1;
        } else {
            assert_eq!(format::open(&ours, &token), Ok(opened));
        }
        let (other, _) = keys(i as u8 ^ 0x80);
        assert_eq!(untrusted.open(&other), Err(Error::Unauthenticated));
        n += 1;
    }
    assert_eq!((n, big), (88, 8));
}

#[test]
fn pasetors_tokens_with_our_claims_open_with_our_high_level_api() {
    let (ours, theirs) = keys(2);
    let now = Timestamp::parse_rfc3339("2030-01-01T00:00:00Z").unwrap();
    let cases: [(&str, &[u8], Result<&str, Error>); 9] = [
        (
            r#"{"sub":"12234","exp":"2030-01-01T01:00:00Z","iat":"2030-01-01T00:00:00Z"}"#,
            b"",
            Ok("12234"),
        ),
        // pasetors' own claims style: offsets instead of Z, extra claims, a footer.
        (
            r#"{"iss":"them","sub":"ü","exp":"2030-01-01T02:00:00+01:00","nbf":"2029-12-31T23:00:00+00:00","jti":"AAECAwQFBgcICQoLDA0ODw"}"#,
            br#"{"kid":"k2.lid.whatever"}"#,
            Ok("ü"),
        ),
        // Any string `jti` (pasetors writes what it is given: a UUID, say).
        (
            r#"{"sub":"12234","exp":"2030-01-01T01:00:00Z","jti":"6f1c2a4e-3b7d-4f7e-9c1a-2b3c4d5e6f70"}"#,
            b"",
            Ok("12234"),
        ),
        // Registered claims keep this crate's meaning: a `jti` longer than
        // a session id may be (129 bytes), or an audience the opener did not ask for,
        // is refused even though another implementation may write them.
        (
            r#"{"sub":"12234","exp":"2030-01-01T01:00:00Z","jti":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}"#,
            b"",
            Err(Error::InvalidClaims(ClaimsError::BadValue("jti"))),
        ),
        (
            r#"{"sub":"12234","exp":"2030-01-01T01:00:00Z","aud":"them"}"#,
            b"",
            Err(Error::WrongAudience),
        ),
        (
            r#"{"sub":"12234","exp":"2030-01-01T00:00:00Z"}"#,
            b"",
            Err(Error::Expired),
        ),
        (
            r#"{"sub":"12234","exp":"2030-01-01T01:00:00Z","nbf":"2030-01-01T00:00:01Z"}"#,
            b"",
            Err(Error::NotYetValid),
        ),
        (
            r#"{"exp":"2030-01-01T01:00:00Z"}"#,
            b"",
            Err(Error::InvalidClaims(ClaimsError::Missing("sub"))),
        ),
        (
            r#"{"sub":"12234","exp":1893459600}"#,
            b"",
            Err(Error::InvalidClaims(ClaimsError::WrongType("exp"))),
        ),
    ];
    for (claims, footer, want) in cases {
        let f = (!footer.is_empty()).then_some(footer);
        let token = LocalToken::encrypt(&theirs, claims.as_bytes(), f).unwrap();
        let got = ours.open_at(&token, now);
        assert_eq!(
            got.as_ref().map(|c| c.user_id()).map_err(|e| *e),
            want,
            "{claims}"
        );
    }
}

/// Our `k2.lid` ids and `k2.local` PASERK strings equal pasetors', and each
/// side reads the other's keys.
#[test]
fn paserk_keys_and_ids_match_pasetors() {
    use pasetors::paserk::{FormatAsPaserk, Id};
    let mut n = 0;
    for seed in 0..=255u8 {
        let (ours, theirs) = keys(seed);
        let mut their_id = String::new();
        Id::from(&theirs).fmt(&mut their_id).unwrap();
        assert_eq!(ours.id().as_str(), their_id);
        let mut their_paserk = String::new();
        theirs.fmt(&mut their_paserk).unwrap();
        assert_eq!(ours.to_paserk().expose_secret(), their_paserk);
        assert!(Key::from_paserk(&their_paserk).unwrap() == ours);
        let back = SymmetricKey::<V2>::try_from(ours.to_paserk().expose_secret()).unwrap();
        assert_eq!(back.as_bytes(), theirs.as_bytes());
        n += 1;
    }
    assert_eq!(n, 256);
}

/// A key ring's `{"kid":"k2.lid.…"}` footer is an ordinary authenticated
/// footer to pasetors; a pasetors token carrying that footer opens with
/// the ring.
#[test]
fn key_ring_footers_interoperate() {
    use sealed_session::KeyRing;
    let (ours, theirs) = keys(3);
    let ring = KeyRing::new(ours.clone());
    let footer = format!(r#"{{"kid":"{}"}}"#, ours.id());
    let now = Timestamp::parse_rfc3339("2030-01-01T00:00:00Z").unwrap();
    let token = ring.seal_at("12234", Duration::from_secs(60), now).unwrap();
    let untrusted = pasetors::token::UntrustedToken::<Local, V2>::try_from(token.as_str()).unwrap();
    let trusted = LocalToken::decrypt(&theirs, &untrusted, Some(footer.as_bytes())).unwrap();
    let v: serde_json::Value = serde_json::from_str(trusted.payload()).unwrap();
    assert_eq!(v["sub"], "12234");

    let claims = r#"{"sub":"7","exp":"2030-01-01T00:01:00Z"}"#;
    let token = LocalToken::encrypt(&theirs, claims.as_bytes(), Some(footer.as_bytes())).unwrap();
    assert_eq!(ring.open_at(&token, now).unwrap().user_id(), "7");
    // The same token named with another key's id is refused unread.
    let other = keys(4).0;
    let other_footer = format!(r#"{{"kid":"{}"}}"#, other.id());
    let token =
        LocalToken::encrypt(&theirs, claims.as_bytes(), Some(other_footer.as_bytes())).unwrap();
    assert_eq!(ring.open_at(&token, now), Err(Error::UnknownKey));
}

/// Where the two differ, we are the stricter: pasetors reads a trailing
/// `.` as an empty footer and opens the token; we refuse the empty part
/// before any cryptography.
#[test]
fn an_empty_footer_part_is_refused_here_but_not_by_pasetors() {
    let (ours, theirs) = keys(5);
    let token = format!("{}.", format::seal(&ours, b"{}", b"").unwrap());
    let untrusted = pasetors::token::UntrustedToken::<Local, V2>::try_from(token.as_str()).unwrap();
    assert!(LocalToken::decrypt(&theirs, &untrusted, None).is_ok());
    assert_eq!(
        format::open(&ours, &token),
        Err(Error::Malformed(sealed_session::Malformed::Parts))
    );
}

/// pasetors' default claim rules (`ClaimsValidationRules::new()`) require
/// `nbf` and `iat`: they refuse our tokens unless the policy writes `nbf`,
/// and accept them, new and renewed, when it does.
#[test]
fn pasetors_default_claim_rules_accept_our_tokens_with_nbf() {
    use pasetors::claims::{Claims, ClaimsValidationRules};
    use sealed_session::Policy;
    let (ours, theirs) = keys(6);
    let rules = ClaimsValidationRules::new();
    let validate = |token: &str| {
        let (payload, _) = pasetors_decrypt(&theirs, token);
        rules.validate_claims(&Claims::from_string(&payload).unwrap())
    };
    let plain = Policy::new(Duration::from_secs(600), Duration::from_secs(3600));
    let with_nbf = plain.clone().with_nbf(true);
    assert!(!plain.writes_nbf() && with_nbf.writes_nbf());
    // pasetors checks against the system clock.
    let now = Timestamp::now();
    let token = plain.seal(&ours, "12234", now).unwrap();
    assert!(validate(&token).is_err());
    let token = with_nbf.seal(&ours, "12234", now).unwrap();
    validate(&token).unwrap();
    let claims = with_nbf.open(&ours, &token, now).unwrap();
    assert_eq!(claims.not_before(), claims.issued_at());
    let renewed = with_nbf.renew(&ours, &claims, now).unwrap();
    validate(&renewed).unwrap();
    let (payload, _) = pasetors_decrypt(&theirs, &renewed);
    let v: serde_json::Value = serde_json::from_str(&payload).unwrap();
    assert_eq!(v["nbf"], v["iat"]);
}

/// A pasetors token's UUID `jti` is an opaque session id: revocation
/// matches it and renewal keeps it.
#[test]
fn a_foreign_jti_is_a_session_id_revocation_matches_and_renewal_keeps() {
    use sealed_session::Policy;
    use std::sync::{Arc, Mutex};
    let (ours, theirs) = keys(7);
    let uuid = "6f1c2a4e-3b7d-4f7e-9c1a-2b3c4d5e6f70";
    let now = Timestamp::parse_rfc3339("2030-01-01T00:00:00Z").unwrap();
    let claims = format!(
        r#"{{"sub":"7","iat":"2030-01-01T00:00:00Z","exp":"2030-01-01T00:10:00Z","jti":"{uuid}"}}"#
    );
    let token = LocalToken::encrypt(&theirs, claims.as_bytes(), None).unwrap();
    let denied: Arc<Mutex<Vec<SessionId>>> = Arc::default();
    let list = denied.clone();
    let policy = Policy::new(Duration::from_secs(600), Duration::from_secs(3600))
        .with_revocation(move |id| list.lock().unwrap().contains(&id));
    let opened = policy.open(&ours, &token, now).unwrap();
    let id = opened.session_id().unwrap();
    assert_eq!(id.as_str(), uuid);
    assert_eq!(id.to_bytes(), None);
    let renewed = policy.renew(&ours, &opened, now).unwrap();
    let (payload, _) = pasetors_decrypt(&theirs, &renewed);
    let v: serde_json::Value = serde_json::from_str(&payload).unwrap();
    assert_eq!(v["jti"], uuid);
    // The id the application stored (as text) revokes both tokens.
    denied.lock().unwrap().push(SessionId::parse(uuid).unwrap());
    assert_eq!(policy.open(&ours, &token, now), Err(Error::Revoked));
    assert_eq!(policy.open(&ours, &renewed, now), Err(Error::Revoked));
}
