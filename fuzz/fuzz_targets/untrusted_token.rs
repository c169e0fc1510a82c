//! `UntrustedToken::parse_with_max_len` and the unauthenticated footer on
//! arbitrary strings and limits.
//!
//! Must not panic; an accepted token is the header, a non-empty body
//! without dots and an optional non-empty footer, within the limit; a
//! decoded footer is canonical base64url (re-encodes to the same text).
#![no_main]

use base64ct::{Base64UrlUnpadded, Encoding};
use libfuzzer_sys::fuzz_target;
use sealed_session::format::{UntrustedToken, HEADER};
use sealed_session::{Error, Malformed};

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
    match t.untrusted_footer() {
        Ok(bytes) => match footer {
            None => assert!(bytes.is_empty()),
            Some(f) => assert_eq!(
                Base64UrlUnpadded::encode_string(&bytes),
                f,
                "non-canonical footer accepted"
            ),
        },
        Err(e) => {
            assert_eq!(e, Error::Malformed(Malformed::Base64));
            assert!(footer.is_some());
        }
    }
});
