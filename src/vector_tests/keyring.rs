//! Key rings: the project's own vectors (generated independently by
//! test-vectors/generate_keyring.py) and a three-node rotation.

use std::borrow::ToOwned;
use std::boxed::Box;
use std::string::{String, ToString};
use std::vec::Vec;
use std::{eprintln, format, println, vec};

use std::time::Duration;

use crate::session::__policy_seal_with_nonce_seed;
use crate::{Error, Key, KeyError, KeyRing, KeySource, Malformed, Policy, Timestamp};
use base64ct::{Base64UrlUnpadded, Encoding};

fn ts(s: &str) -> Timestamp {
    Timestamp::parse_rfc3339(s).unwrap()
}

fn key_of(v: &serde_json::Value, name: &str) -> Key {
    let k = v["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["name"] == name)
        .unwrap_or_else(|| panic!("no key {name}"));
    Key::try_from_slice(&super::hex(k["key"].as_str().unwrap())).unwrap()
}

#[test]
fn own_vectors_keys() {
    let v = super::read_own("keyring.json");
    let mut n = 0;
    for k in v["keys"].as_array().unwrap() {
        let name = k["name"].as_str().unwrap();
        let key = key_of(&v, name);
        let paserk = k["paserk"].as_str().unwrap();
        assert_eq!(key.to_paserk().expose_secret(), paserk, "{name}");
        assert_eq!(key.id().as_str(), k["lid"].as_str().unwrap(), "{name}");
        let ring = KeyRing::new(key.clone());
        assert_eq!(
            ring.footer(),
            k["footer"].as_str().unwrap().as_bytes(),
            "{name}"
        );
        match Key::from_paserk(paserk) {
            Ok(parsed) => assert!(parsed == key, "{name}"),
            Err(e) => {
                assert_eq!(name, "zero");
                assert_eq!(e, KeyError::AllZero);
            }
        }
        n += 1;
    }
    assert_eq!(n, 5);
}

#[test]
fn own_vectors_tokens() {
    let v = super::read_own("keyring.json");
    let mut ring = KeyRing::new(key_of(&v, v["ring"]["current"].as_str().unwrap()));
    for r in v["ring"]["retired"].as_array().unwrap() {
        assert!(ring.add_retired(key_of(&v, r.as_str().unwrap())));
    }
    let now = ts(v["now"].as_str().unwrap());
    let iat = ts(v["iat"].as_str().unwrap());
    let exp = ts(v["exp"].as_str().unwrap());
    let sub = v["sub"].as_str().unwrap();
    let lifetime = exp.duration_since(iat).unwrap();

    let mut outcomes = std::collections::BTreeMap::<&str, usize>::new();
    let mut reproduced = 0;
    for t in v["tokens"].as_array().unwrap() {
        let name = t["name"].as_str().unwrap();
        let token = t["token"].as_str().unwrap();
        let expect = t["expect"].as_str().unwrap();

        // The footer part is the footer the vector names.
        let footer = t["footer"].as_str().unwrap();
        let footer_b64 = token.splitn(4, '.').nth(3);
        match footer_b64 {
            None => assert_eq!(footer, "", "{name}"),
            Some(f) => assert_eq!(Base64UrlUnpadded::decode_vec(f).unwrap(), footer.as_bytes()),
        }

        let got = ring.open_at(token, now);
        match expect {
            "ok" => {
                let claims = got.unwrap_or_else(|e| panic!("{name}: {e}"));
                assert_eq!(claims.user_id(), sub, "{name}");
                assert_eq!(claims.expires_at(), exp, "{name}");
                assert_eq!(claims.issued_at(), Some(iat), "{name}");
            }
            "unknown-key" => assert_eq!(got, Err(Error::UnknownKey), "{name}"),
            "malformed-footer" => {
                assert_eq!(got, Err(Error::Malformed(Malformed::Footer)), "{name}")
            }
            "unauthenticated" => assert_eq!(got, Err(Error::Unauthenticated), "{name}"),
            other => panic!("{name}: unknown outcome {other}"),
        }
        *outcomes.entry(expect).or_default() += 1;

        // Where the vector is what a ring writes (its current key and its
        // footer, or a bare key and no footer), sealing the vector's payload
        // with the same seed through the ring's sealing path gives the same
        // bytes, and so does sealing the same session from scratch.
        let sealer = key_of(&v, t["sealed-by"].as_str().unwrap());
        let seed: [u8; 24] = super::hex(t["seed"].as_str().unwrap()).try_into().unwrap();
        let payload = t["payload"].as_str().unwrap().as_bytes();
        let sealer_ring = KeyRing::new(sealer.clone());
        let (key, ring_footer, _) = if footer.is_empty() {
            sealer.sealing_key()
        } else {
            sealer_ring.sealing_key()
        };
        if footer.as_bytes() == ring_footer {
            let own = crate::format::__seal_with_nonce_seed(key, &seed, payload, ring_footer);
            assert_eq!(own, token, "{name}");
            // And the crate's whole sealing path, claims included (the
            // deterministic hook takes the session id from the seed).
            let policy = Policy::new(lifetime, lifetime);
            let none = None::<&()>;
            let whole = if footer.is_empty() {
                __policy_seal_with_nonce_seed(&policy, &sealer, &seed, sub, none, None, None, iat)
            } else {
                __policy_seal_with_nonce_seed(
                    &policy,
                    &sealer_ring,
                    &seed,
                    sub,
                    none,
                    None,
                    None,
                    iat,
                )
            };
            assert_eq!(whole.unwrap(), token, "{name}: whole sealing path");
            reproduced += 1;
        }
    }
    let outcomes: Vec<_> = outcomes.into_iter().collect();
    assert_eq!(
        outcomes,
        [
            ("malformed-footer", 5),
            ("ok", 4),
            ("unauthenticated", 3),
            ("unknown-key", 1)
        ]
    );
    assert_eq!(reproduced, 5);
}

/// Three nodes rotate from `old` to `new`, each moving at its own moment.
/// At every tick each node seals a token, and every node must open every
/// token that has not expired.
#[test]
fn three_nodes_rotate_without_rejecting_a_valid_token() {
    const LIFETIME: Duration = Duration::from_secs(3600);
    let old = Key::from_bytes([0x11; 32]);
    let new = Key::from_bytes([0x22; 32]);
    let t0 = ts("2030-01-01T00:00:00Z");
    let at = |min: u64| t0.checked_add(Duration::from_secs(min * 60)).unwrap();

    #[derive(Clone, Copy, Debug)]
    enum Step {
        Stage,
        Promote,
        Drop,
    }
    // (minute, node, step). Every node stages before any promotes; every
    // node promotes before any drops, and drops happen at least one token
    // lifetime after the last promotion (minute 90 + 60 = 150).
    let plan = [
        (10, 0, Step::Stage),
        (20, 1, Step::Stage),
        (40, 2, Step::Stage),
        (60, 1, Step::Promote),
        (65, 0, Step::Promote),
        (90, 2, Step::Promote),
        (151, 2, Step::Drop),
        (165, 0, Step::Drop),
        (190, 1, Step::Drop),
    ];
    let mut nodes: Vec<KeyRing> = (0..3).map(|_| KeyRing::new(old.clone())).collect();
    let mut tokens: Vec<(String, Timestamp, &str)> = Vec::new(); // (token, exp, sealing key)
    let mut checked = 0;
    let mut saw_old_expire_unknown = 0;

    let mut minutes: Vec<u64> = (0..=260)
        .step_by(5)
        .chain(plan.iter().map(|p| p.0))
        .collect();
    minutes.sort_unstable();
    minutes.dedup();
    for minute in minutes {
        let now = at(minute);
        for &(_, node, step) in plan.iter().filter(|p| p.0 == minute) {
            let ring = &mut nodes[node];
            match step {
                Step::Stage => assert!(ring.add_retired(new.clone())),
                Step::Promote => ring.promote(&new.id()).unwrap(),
                Step::Drop => assert!(ring.remove_retired(&old.id()).is_some()),
            }
        }
        for (i, ring) in nodes.iter().enumerate() {
            let user = format!("user-{i}-{minute}");
            let token = ring.seal_at(&user, LIFETIME, now).unwrap();
            let by = if ring.current_id() == old.id() {
                "old"
            } else {
                "new"
            };
            tokens.push((token, now.checked_add(LIFETIME).unwrap(), by));
        }
        // Tokens long expired have been checked enough.
        tokens.retain(|t| now < t.1.checked_add(Duration::from_secs(900)).unwrap());
        for (token, exp, by) in &tokens {
            for (i, ring) in nodes.iter().enumerate() {
                let got = ring.open_at(token, now);
                if now < *exp {
                    assert!(
                        got.is_ok(),
                        "minute {minute}, node {i}, {by} token: {got:?}"
                    );
                    checked += 1;
                } else if *by == "old" && !ring.contains(&old.id()) {
                    assert_eq!(got, Err(Error::UnknownKey), "minute {minute}, node {i}");
                    saw_old_expire_unknown += 1;
                } else {
                    assert_eq!(got, Err(Error::Expired), "minute {minute}, node {i}");
                }
            }
        }
    }
    // The walk really did see both keys and all the mixed states.
    assert!(tokens.iter().all(|t| t.2 == "new"));
    assert!(saw_old_expire_unknown > 0);
    assert!(nodes
        .iter()
        .all(|r| r.len() == 1 && r.current_id() == new.id()));
    assert!(checked > 1000, "{checked}");

    // After the rotation, a token of the dropped key names an unknown key,
    // whatever its expiry.
    let stale = KeyRing::new(old.clone())
        .seal_at("late", LIFETIME, at(300))
        .unwrap();
    for ring in &nodes {
        assert_eq!(ring.open_at(&stale, at(300)), Err(Error::UnknownKey));
    }
}

/// The order matters (which shows the walk above could fail): promoting on
/// one node before every node has staged the new key makes the others
/// reject its tokens, and dropping the old key before the longest lifetime
/// has passed rejects live sessions.
#[test]
fn skipping_a_step_rejects_valid_tokens() {
    let old = Key::from_bytes([0x11; 32]);
    let new = Key::from_bytes([0x22; 32]);
    let now = ts("2030-01-01T00:00:00Z");
    let mut eager = KeyRing::new(old.clone()).with_retired(new.clone());
    eager.promote(&new.id()).unwrap();
    let lagging = KeyRing::new(old.clone());
    let token = eager.seal_at("1", Duration::from_secs(60), now).unwrap();
    assert_eq!(lagging.open_at(&token, now), Err(Error::UnknownKey));

    let live_old = lagging
        .seal_at("2", Duration::from_secs(3600), now)
        .unwrap();
    assert!(eager.open_at(&live_old, now).is_ok());
    assert!(eager.remove_retired(&old.id()).is_some());
    assert_eq!(eager.open_at(&live_old, now), Err(Error::UnknownKey));
}

#[test]
fn ring_tokens_carry_the_kid_footer_and_swaps_fail() {
    let a = Key::from_bytes([0x31; 32]);
    let b = Key::from_bytes([0x32; 32]);
    let ring = KeyRing::new(a.clone()).with_retired(b.clone());
    let now = ts("2030-01-01T00:00:00Z");
    let token = ring.seal_at("u", Duration::from_secs(60), now).unwrap();
    let (head, footer) = token.rsplit_once('.').unwrap();
    assert_eq!(
        Base64UrlUnpadded::decode_vec(footer).unwrap(),
        format!("{{\"kid\":\"{}\"}}", a.id()).into_bytes()
    );
    // A single key opens ring tokens too (the footer is authenticated data).
    assert_eq!(a.open_at(&token, now).unwrap().user_id(), "u");
    // Swap the kid for the other key's: routed to b, which rejects it.
    let swapped = format!(
        "{head}.{}",
        Base64UrlUnpadded::encode_string(format!("{{\"kid\":\"{}\"}}", b.id()).as_bytes())
    );
    assert_eq!(ring.open_at(&swapped, now), Err(Error::Unauthenticated));
    // Strip the footer: opened with the current key, whose AAD differs.
    assert_eq!(ring.open_at(head, now), Err(Error::Unauthenticated));
}
