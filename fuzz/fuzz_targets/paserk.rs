//! PASERK parsing: `Key::from_paserk` (`k2.local.`) and `KeyId::parse`
//! (`k2.lid.`) on arbitrary strings.
//!
//! Must not panic; accepts exactly the strings an independent reading of
//! the format accepts (prefix, then strict base64url of 32 non-zero key
//! bytes, or of a 33-byte id), and what it accepts prints back unchanged.
#![no_main]

use base64ct::{Base64UrlUnpadded, Encoding};
use libfuzzer_sys::fuzz_target;
use sealed_session::{Key, KeyError, KeyId};

fuzz_target!(|data: &[u8]| {
    let Ok(s) = core::str::from_utf8(data) else {
        return;
    };

    let want_key: Option<[u8; 32]> = s
        .strip_prefix("k2.local.")
        .and_then(|b| Base64UrlUnpadded::decode_vec(b).ok())
        .and_then(|v| <[u8; 32]>::try_from(v).ok());
    let key = Key::from_paserk(s);
    if let Err(e) = &key {
        // Messages for people, never the input's bytes.
        assert!(!e.to_string().is_empty());
    }
    match key {
        Ok(key) => {
            assert_eq!(Some(key.expose_secret_bytes()), want_key);
            assert_ne!(want_key, Some([0; 32]), "the all-zero key was accepted");
            assert_eq!(key.to_paserk().expose_secret(), s);
            assert_eq!(format!("{:?}", key.to_paserk()), "LocalPaserk(<redacted>)");
            let id = key.id();
            assert_eq!(KeyId::parse(id.as_str()), Ok(id));
        }
        Err(KeyError::AllZero) => assert_eq!(want_key, Some([0; 32])),
        Err(KeyError::WrongPrefix) => assert!(!s.starts_with("k2.local.")),
        Err(e) => {
            assert!(s.starts_with("k2.local."), "{e:?}");
            assert_eq!(want_key, None, "a valid key refused with {e:?}");
        }
    }

    let want_id = s
        .strip_prefix("k2.lid.")
        .filter(|b| b.len() == 44)
        .and_then(|b| Base64UrlUnpadded::decode_vec(b).ok())
        .is_some_and(|v| v.len() == 33);
    let parsed = KeyId::parse(s);
    assert_eq!(s.parse::<KeyId>(), parsed);
    match parsed {
        Ok(id) => {
            assert!(want_id, "accepted a string that is not a k2.lid");
            assert_eq!(id.as_str(), s);
            assert_eq!(id.to_string(), s);
            assert_eq!(format!("{id:?}"), format!("KeyId({s})"));
        }
        Err(e) => {
            assert!(!want_id, "a valid k2.lid refused");
            assert!(!e.to_string().is_empty());
        }
    }
});
