//! The published PASETO v2 and Wycheproof XChaCha20-Poly1305 vectors.
//!
//! Each case is named by its published id and has an expected outcome;
//! each runner asserts how many cases it ran.

use std::borrow::ToOwned;
use std::boxed::Box;
use std::string::{String, ToString};
use std::vec::Vec;
use std::{eprintln, format, println, vec};

use super::{hex, read_published};
use crate::format::{self, UntrustedToken};
use crate::{Error, Key, Malformed};

fn key_from_hex(h: &str) -> Key {
    Key::try_from_slice(&hex(h)).expect("32-byte key in vector")
}

#[test]
fn paseto_v2_json_15_cases_9_reproduced_3_public_refused_3_must_fail() {
    let doc = read_published("paseto/v2.json");
    let tests = doc["tests"].as_array().expect("tests array");
    let (mut reproduced, mut public_refused, mut rejected) = (0, 0, 0);
    for t in tests {
        let name = t["name"].as_str().expect("name");
        let token = t["token"].as_str().expect("token");
        if t["expect-fail"].as_bool().expect("expect-fail") {
            // Every key the case offers must fail; a v2.local case with only
            // Ed25519 material is tried with the seed as if it were a local key.
            let key_hex = t["key"]
                .as_str()
                .or(t["secret-key-seed"].as_str())
                .expect("some key material");
            let err = format::open(&key_from_hex(key_hex), token).expect_err(name);
            let want = if token.starts_with("v2.local.") {
                Error::Unauthenticated
            } else {
                Error::Malformed(Malformed::Header)
            };
            assert_eq!(err, want, "{name}");
            rejected += 1;
            continue;
        }
        if !token.starts_with("v2.local.") {
            // v2.public is not this crate's format: it must be refused before crypto.
            let key = key_from_hex(&"00".repeat(32));
            assert_eq!(
                format::open(&key, token),
                Err(Error::Malformed(Malformed::Header)),
                "{name}"
            );
            public_refused += 1;
            continue;
        }
        let key = key_from_hex(t["key"].as_str().expect("key"));
        let seed: [u8; 24] = hex(t["nonce"].as_str().expect("nonce"))
            .try_into()
            .expect("24-byte nonce seed");
        let payload = t["payload"].as_str().expect("payload").as_bytes();
        let footer = t["footer"].as_str().expect("footer").as_bytes();

        let sealed = format::__seal_with_nonce_seed(&key, &seed, payload, footer);
        assert_eq!(sealed, token, "{name}: reproduce the published token");

        let opened = format::open(&key, token).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(opened.payload, payload, "{name}");
        assert_eq!(opened.footer, footer, "{name}");
        assert_eq!(
            UntrustedToken::parse(token)
                .unwrap()
                .untrusted_footer()
                .unwrap(),
            footer,
            "{name}"
        );
        reproduced += 1;
    }
    assert_eq!(tests.len(), 15, "cases in v2.json");
    assert_eq!(reproduced, 9, "2-E-1 … 2-E-9 reproduced");
    assert_eq!(public_refused, 3, "2-S-1 … 2-S-3 refused as not v2.local");
    assert_eq!(rejected, 3, "2-F-1 … 2-F-3 rejected");
    println!("paseto v2: {reproduced} reproduced, {public_refused} v2.public refused, {rejected} rejected");
}

#[test]
fn wycheproof_xchacha20_poly1305_315_cases_246_valid_69_invalid() {
    let doc = read_published("wycheproof/xchacha20_poly1305_test.json");
    let (mut valid, mut invalid, mut other_nonce_sizes) = (0, 0, 0);
    for group in doc["testGroups"].as_array().expect("groups") {
        for t in group["tests"].as_array().expect("tests") {
            let id = t["tcId"].as_u64().expect("tcId");
            let iv = hex(t["iv"].as_str().expect("iv"));
            let key = key_from_hex(t["key"].as_str().expect("key"));
            let aad = hex(t["aad"].as_str().expect("aad"));
            let msg = hex(t["msg"].as_str().expect("msg"));
            let ct = hex(t["ct"].as_str().expect("ct"));
            let tag = hex(t["tag"].as_str().expect("tag"));
            let result = t["result"].as_str().expect("result");
            let Ok(nonce) = <[u8; 24]>::try_from(iv.as_slice()) else {
                // The format only ever uses 24-byte nonces; other sizes are
                // refused by the AEAD call itself.
                assert_eq!(result, "invalid", "tc {id}");
                let mut buf = ct.clone();
                assert!(
                    format::__aead::open(&key, &iv, &aad, &mut buf, &tag).is_err(),
                    "tc {id}"
                );
                other_nonce_sizes += 1;
                continue;
            };
            let mut opened = ct.clone();
            let open = format::__aead::open(&key, &nonce, &aad, &mut opened, &tag);
            match result {
                "valid" => {
                    assert_eq!(open, Ok(()), "tc {id}");
                    assert_eq!(opened, msg, "tc {id}");
                    let mut sealed = msg.clone();
                    let got_tag = format::__aead::seal(&key, &nonce, &aad, &mut sealed);
                    assert_eq!((sealed, got_tag.to_vec()), (ct, tag), "tc {id}");
                    valid += 1;
                }
                "invalid" => {
                    assert_eq!(open, Err(Error::Unauthenticated), "tc {id}");
                    invalid += 1;
                }
                other => panic!("tc {id}: unexpected result {other}"),
            }
        }
    }
    assert_eq!(valid + invalid, 306, "every 24-byte-nonce case ran");
    assert_eq!((valid, invalid), (246, 60));
    assert_eq!(other_nonce_sizes, 9, "invalid: wrong nonce sizes");
    assert_eq!(
        doc["numberOfTests"].as_u64(),
        Some(valid + invalid + other_nonce_sizes),
        "every case in the file ran"
    );
    println!("wycheproof: {valid} valid, {invalid} invalid, {other_nonce_sizes} wrong nonce sizes");
}
