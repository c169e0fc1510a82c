//! Seal → open round trips over arbitrary payloads, footers, nonce seeds,
//! user ids, lifetimes and clocks, through the low-level format, the
//! high-level claims API and a key ring (sealing with the current key's
//! `kid` footer, opening by it).
#![no_main]

use core::time::Duration;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use sealed_session::format::{self, UntrustedToken};
use sealed_session::{Error, Key, KeyRing, Policy, SessionId, Timestamp};
use sealed_session_fuzz::{seal_with_nonce, OTHER_KEY};

#[derive(Arbitrary, Debug)]
struct Input {
    key: [u8; 32],
    seed: [u8; 24],
    payload: Vec<u8>,
    footer: Vec<u8>,
    user_id: String,
    lifetime_secs: u64,
    lifetime_nanos: u32,
    now_secs: i64,
    now_nanos: u32,
}

fuzz_target!(|input: Input| {
    if input.key == OTHER_KEY {
        return;
    }
    let key = Key::from_bytes(input.key);
    let other = Key::from_bytes(OTHER_KEY);

    // Low level: arbitrary bytes in, the same bytes out.
    let token = format::__seal_with_nonce_seed(&key, &input.seed, &input.payload, &input.footer);
    let opened = UntrustedToken::parse_with_max_len(&token, usize::MAX)
        .and_then(|t| t.open(&key))
        .expect("a sealed token opens");
    assert_eq!(opened.payload, input.payload);
    assert_eq!(opened.footer, input.footer);
    match format::open(&key, &token) {
        Ok(o) => {
            assert!(token.len() <= format::DEFAULT_MAX_TOKEN_LEN);
            assert_eq!(o, opened);
        }
        Err(e) => {
            assert_eq!(e, Error::TokenTooLarge);
            assert!(token.len() > format::DEFAULT_MAX_TOKEN_LEN);
        }
    }
    // The crate's sealing agrees with an independent one for the nonce it chose.
    let nonce: [u8; 24] = {
        let body = token["v2.local.".len()..]
            .split('.')
            .next()
            .unwrap_or_default();
        let bytes = <base64ct::Base64UrlUnpadded as base64ct::Encoding>::decode_vec(body)
            .expect("our own body is base64url");
        bytes[..24].try_into().unwrap()
    };
    assert_eq!(
        seal_with_nonce(&input.key, &nonce, &input.payload, &input.footer),
        token
    );
    assert_eq!(
        UntrustedToken::parse_with_max_len(&token, usize::MAX).and_then(|t| t.open(&other)),
        Err(Error::Unauthenticated)
    );

    // High level: a user id and a lifetime.
    let Some(now) = Timestamp::from_parts(input.now_secs, input.now_nanos) else {
        return;
    };
    let Some(lifetime) = (input.lifetime_nanos < 1_000_000_000)
        .then(|| Duration::new(input.lifetime_secs, input.lifetime_nanos))
    else {
        return;
    };
    // What `Key::seal_at` does (the policy's size budget included), with
    // the nonce seed as an input.
    let policy = Policy::new(lifetime, lifetime);
    let sealed = sealed_session::__policy_seal_with_nonce_seed(
        &policy,
        &key,
        &input.seed,
        &input.user_id,
        None::<&()>,
        None,
        None,
        now,
    );
    // The same token without the size budget.
    let unbudgeted = sealed_session::__seal_claims_with_nonce_seed(
        &key,
        &input.seed,
        &input.user_id,
        lifetime,
        now,
    );
    let iat = now.trunc_seconds();
    let exp = iat.checked_add(lifetime).map(Timestamp::trunc_seconds);
    let token = match sealed {
        Ok(t) => {
            assert_eq!(Ok(&t), unbudgeted.as_ref());
            assert!(t.len() <= policy.max_token_len());
            t
        }
        Err(Error::InvalidArgument(_)) => {
            assert!(input.user_id.is_empty() || exp.is_none_or(|exp| exp <= iat));
            assert!(matches!(unbudgeted, Err(Error::InvalidArgument(_))));
            return;
        }
        Err(Error::OverSizeBudget) => {
            let t = unbudgeted.expect("only the budget refused it");
            assert!(t.len() > policy.max_token_len());
            t
        }
        Err(e) => panic!("seal failed with {e:?}"),
    };
    assert!(!input.user_id.is_empty());
    let exp = exp.expect("sealed, so the expiry is in range");
    assert!(exp > iat);
    if token.len() > format::DEFAULT_MAX_TOKEN_LEN {
        assert_eq!(key.open_at(&token, now), Err(Error::TokenTooLarge));
        return;
    }
    let claims = key.open_at(&token, now).expect("a fresh token opens");
    assert_eq!(claims.user_id(), input.user_id);
    assert_eq!(claims.expires_at(), exp);
    assert_eq!(claims.issued_at(), Some(iat));
    assert_eq!(claims.not_before(), None);
    // The session starts at `now` to the nanosecond (`sst`, omitted on a
    // whole second, where it equals `iat`).
    assert_eq!(claims.session_started_at(), Some(now));
    let jti: [u8; 16] = input.seed[..16].try_into().unwrap();
    assert_eq!(claims.session_id(), Some(SessionId::from_bytes(jti)));
    // Valid strictly before exp, expired from exp on.
    let last = exp
        .checked_sub(Duration::from_nanos(1))
        .expect("exp > iat >= MIN");
    assert!(key.open_at(&token, last).is_ok());
    assert_eq!(key.open_at(&token, exp), Err(Error::Expired));
    assert_eq!(other.open_at(&token, now), Err(Error::Unauthenticated));

    // Through a key ring: its tokens name the current key in the footer,
    // and a ring routes by that footer.
    let ring = KeyRing::new(key.clone()).with_retired(other.clone());
    match ring.seal_at(&input.user_id, lifetime, now) {
        Ok(t) => {
            assert_eq!(
                ring.open_at(&t, now).map(|c| c.into_user_id()),
                Ok(input.user_id)
            );
            assert_eq!(KeyRing::new(other).open_at(&t, now), Err(Error::UnknownKey));
        }
        Err(e) => assert_eq!(e, Error::OverSizeBudget),
    }
});
