//! `UntrustedToken::parse_with_max_len` and the unauthenticated footer on
//! arbitrary strings and limits.
//!
//! Must not panic; an accepted token is the header, a non-empty body
//! without dots and an optional non-empty footer, within the limit. The
//! footer decodes (stack or heap buffer, length checked first) to exactly
//! what base64ct's strict decoder gives, or fails with `Base64` where it
//! fails; opening under an unrelated key fails with `Base64` exactly when
//! the body is not strict base64url, `TooShort` when it decodes to under 40
//! bytes, and otherwise is `Unauthenticated`.
#![no_main]

use base64ct::{Base64UrlUnpadded, Encoding};
use libfuzzer_sys::fuzz_target;
use sealed_session::format::{UntrustedToken, HEADER};
use sealed_session::{Error, Key, Malformed};

fuzz_target!(|data: &[u8]| {
    let Some((limit, rest)) = data.split_first() else {
        return;
    };
    let Ok(s) = core::str::from_utf8(rest) else {
        return;
    };
    // Limits around the input's length exercise the boundary.
    let max_len = (s.len() + usize::from(*limit)).saturating_sub(128);
    let parsed = UntrustedToken::parse_with_max_len(s, max_len);
    if s.len() > max_len {
        assert_eq!(parsed.err(), Some(Error::TokenTooLarge));
        return;
    }
    let Ok(t) = parsed else {
        let e = parsed.err().unwrap();
        match e {
            Error::Malformed(Malformed::Header) => assert!(!s.starts_with(HEADER)),
            Error::Malformed(Malformed::Parts) => assert!(s.starts_with(HEADER)),
            e => panic!("parse failed with {e:?}"),
        }
        return;
    };
    let rest = s
        .strip_prefix(HEADER)
        .expect("accepted, so it has the header");
    let (body, footer) = match rest.split_once('.') {
        Some((b, f)) => (b, Some(f)),
        None => (rest, None),
    };
    assert!(!body.is_empty());
    assert!(footer.is_none_or(|f| !f.is_empty() && !f.contains('.')));
    assert_eq!(t.untrusted_footer_b64(), footer);
    let strict = |text: &str| Base64UrlUnpadded::decode_vec(text).ok();
    let footer_bytes = match (t.untrusted_footer(), footer) {
        (Ok(bytes), None) => {
            assert!(bytes.is_empty());
            Some(bytes)
        }
        (Ok(bytes), Some(f)) => {
            assert_eq!(strict(f).as_ref(), Some(&bytes), "footer {f:?}");
            Some(bytes)
        }
        (Err(e), f) => {
            assert_eq!(e, Error::Malformed(Malformed::Base64));
            let f = f.expect("no footer cannot fail to decode");
            assert_eq!(strict(f), None, "base64ct accepts footer {f:?}");
            None
        }
    };
    // The footer is decoded first; the body only when the footer is valid.
    if footer_bytes.is_some() {
        let key = Key::from_bytes([0x5a; 32]);
        let got = t.open(&key).err();
        let want = match strict(body) {
            None => Error::Malformed(Malformed::Base64),
            Some(b) if b.len() < 40 => Error::Malformed(Malformed::TooShort),
            Some(_) => Error::Unauthenticated,
        };
        assert_eq!(got, Some(want), "body {body:?}");
    }
});
