//! Property tests: round trips over arbitrary user ids and lifetimes, and
//! tamper-evidence of every byte of a token.
//!
//! Case counts are kept small enough for a few seconds in a debug build; set
//! `PROPTEST_CASES` to run more.

use core::time::Duration;

use base64ct::{Base64UrlUnpadded, Encoding};

use proptest::prelude::*;
use sealed_session::format::{self, UntrustedToken};
use sealed_session::{Error, Key, Timestamp};

/// Any Unicode string of 1 to 256 bytes (UTF-8).
fn user_id() -> impl Strategy<Value = String> {
    proptest::collection::vec(any::<char>(), 1..=256).prop_map(|chars| {
        let mut s = String::new();
        for c in chars {
            if s.len() + c.len_utf8() > 256 {
                break;
            }
            s.push(c);
        }
        s
    })
}

/// Any instant from 1970 to 2200.
fn now() -> impl Strategy<Value = Timestamp> {
    (0i64..7_258_118_400, 0u32..1_000_000_000)
        .prop_map(|(s, n)| Timestamp::from_parts(s, n).expect("in range"))
}

/// Lifetimes from zero to about 100 years, with arbitrary nanoseconds.
fn lifetime() -> impl Strategy<Value = Duration> {
    (0u64..3_200_000_000, 0u32..1_000_000_000).prop_map(|(s, n)| Duration::new(s, n))
}

fn key() -> impl Strategy<Value = [u8; 32]> {
    any::<[u8; 32]>()
}

/// A token sealed with the high-level API, plus one with a footer from the
/// low-level API, for the tamper properties.
fn tokens(key: &Key, user: &str) -> [String; 2] {
    let now = Timestamp::from_unix_seconds(1_900_000_000).unwrap();
    [
        key.seal_at(user, Duration::from_secs(3600), now).unwrap(),
        format::seal(key, user.as_bytes(), br#"{"kid":"k2.lid.x"}"#).unwrap(),
    ]
}

/// Neither API opens `token` under `key`, and the failure is one of the
/// errors allowed before or at authentication (never a claims error, which
/// would mean something forged got through the AEAD).
fn assert_rejected(key: &Key, token: &str) {
    let now = Timestamp::from_unix_seconds(1_900_000_000).unwrap();
    for e in [
        format::open(key, token).err(),
        key.open_at(token, now).err(),
    ] {
        match e {
            Some(Error::Malformed(_) | Error::Unauthenticated | Error::TokenTooLarge) => {}
            other => panic!("{token:?} gave {other:?}"),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn round_trip(key in key(), user in user_id(), now in now(), lifetime in lifetime()) {
        let key = Key::from_bytes(key);
        let iat = now.trunc_seconds();
        let exp = iat.checked_add(lifetime).unwrap().trunc_seconds();
        let sealed = key.seal_at(&user, lifetime, now);
        if exp <= iat {
            // Lifetimes under one second cannot make a valid token.
            prop_assert!(matches!(sealed, Err(Error::InvalidArgument(_))));
            return Ok(());
        }
        let token = sealed.unwrap();
        let claims = key.open_at(&token, now).unwrap();
        prop_assert_eq!(claims.user_id(), user.as_str());
        prop_assert_eq!(claims.expires_at(), exp);
        prop_assert_eq!(claims.issued_at(), Some(iat));
        prop_assert_eq!(claims.not_before(), None);
        let last = exp.checked_sub(Duration::from_nanos(1)).unwrap();
        prop_assert!(key.open_at(&token, last).is_ok());
        prop_assert_eq!(key.open_at(&token, exp), Err(Error::Expired));
    }

    #[test]
    fn low_level_round_trip(
        key in key(),
        payload in proptest::collection::vec(any::<u8>(), 0..600),
        footer in proptest::collection::vec(any::<u8>(), 0..300),
    ) {
        let key = Key::from_bytes(key);
        let token = format::seal(&key, &payload, &footer).unwrap();
        let opened = format::open(&key, &token).unwrap();
        prop_assert_eq!(opened.payload, payload);
        prop_assert_eq!(opened.footer, footer);
    }

    #[test]
    fn any_single_byte_change_is_rejected(
        key in key(),
        user in user_id(),
        which in 0usize..2,
        at in any::<prop::sample::Index>(),
        byte in 0u8..0x80,
    ) {
        let key = Key::from_bytes(key);
        let token = tokens(&key, &user)[which].clone();
        let at = at.index(token.len());
        // Tokens are ASCII; any non-ASCII byte alone is not UTF-8 and cannot
        // even be passed as `&str`. So every ASCII byte but the original.
        prop_assume!(token.as_bytes()[at] != byte);
        let mut bytes = token.into_bytes();
        bytes[at] = byte;
        assert_rejected(&key, &String::from_utf8(bytes).unwrap());
    }

    #[test]
    fn any_proper_prefix_is_rejected(
        key in key(),
        user in user_id(),
        which in 0usize..2,
        len in any::<prop::sample::Index>(),
    ) {
        let key = Key::from_bytes(key);
        let token = &tokens(&key, &user)[which];
        assert_rejected(&key, &token[..len.index(token.len())]);
    }

    #[test]
    fn appended_bytes_are_rejected(
        key in key(),
        user in user_id(),
        which in 0usize..2,
        tail in proptest::collection::vec(any::<char>(), 1..40).prop_map(String::from_iter),
    ) {
        let key = Key::from_bytes(key);
        let token = format!("{}{tail}", tokens(&key, &user)[which]);
        assert_rejected(&key, &token);
    }

    #[test]
    fn sealed_under_a_never_opens_under_b(
        a in key(),
        b in key(),
        user in user_id(),
        footer in proptest::collection::vec(any::<u8>(), 0..64),
    ) {
        prop_assume!(a != b);
        let (a, b) = (Key::from_bytes(a), Key::from_bytes(b));
        let now = Timestamp::from_unix_seconds(1_900_000_000).unwrap();
        let token = a.seal_at(&user, Duration::from_secs(60), now).unwrap();
        prop_assert_eq!(b.open_at(&token, now), Err(Error::Unauthenticated));
        let token = format::seal(&a, user.as_bytes(), &footer).unwrap();
        prop_assert_eq!(format::open(&b, &token), Err(Error::Unauthenticated));
        prop_assert!(format::open(&a, &token).is_ok());
    }
}

/// Every position of one token, each replaced by a handful of bytes that
/// cover the base64 alphabet's edges, the separators and a non-base64 byte.
#[test]
fn every_position_of_a_token_is_covered() {
    let key = Key::from_bytes([9; 32]);
    let mut checked = 0;
    for token in tokens(&key, "12234 ü") {
        for at in 0..token.len() {
            for byte in [b'A', b'_', b'-', b'z', b'0', b'.', b'=', b'+', b' '] {
                if token.as_bytes()[at] == byte {
                    continue;
                }
                let mut bytes = token.clone().into_bytes();
                bytes[at] = byte;
                assert_rejected(&key, &String::from_utf8(bytes).unwrap());
                checked += 1;
            }
        }
        // And a flip of each bit of the decoded body, re-encoded canonically:
        // the base64 layer cannot hide a change from the AEAD.
        let parsed = UntrustedToken::parse(&token).unwrap();
        let body_b64 = token["v2.local.".len()..].split('.').next().unwrap();
        let body = base64_decode(body_b64);
        for bit in 0..body.len() * 8 {
            let mut flipped = body.clone();
            flipped[bit / 8] ^= 1 << (bit % 8);
            let mut t = format!("v2.local.{}", Base64UrlUnpadded::encode_string(&flipped));
            if let Some(f) = parsed.untrusted_footer_b64() {
                t = format!("{t}.{f}");
            }
            assert_eq!(format::open(&key, &t), Err(Error::Unauthenticated));
            checked += 1;
        }
    }
    assert!(checked > 2_000, "only {checked} variants checked");
}

fn base64_decode(s: &str) -> Vec<u8> {
    let v = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'-' => 62,
        b'_' => 63,
        _ => panic!("not base64url"),
    };
    let mut out = Vec::new();
    for chunk in s.as_bytes().chunks(4) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &c)| n | u32::from(v(c)) << (18 - 6 * i));
        for i in 0..chunk.len() - 1 {
            out.push((n >> (16 - 8 * i)) as u8);
        }
    }
    out
}

#[test]
fn local_base64_helpers_match_the_format() {
    let key = Key::from_bytes([1; 32]);
    for len in 0..8 {
        let footer = vec![0xfbu8; len];
        let token = format::seal(&key, b"x", &footer).unwrap();
        if len > 0 {
            let f = token.rsplit('.').next().unwrap();
            assert_eq!(base64_decode(f), footer);
            assert_eq!(Base64UrlUnpadded::encode_string(&footer), f);
        }
    }
}
