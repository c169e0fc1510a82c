//! The published PASERK vectors (k2.local, k2.lid), must-fail cases included.

mod common;

use sealed_session::{Key, KeyError, KeyId};

#[test]
fn k2_local_json_5_cases_3_pass_2_must_fail() {
    let v = common::read_published("paserk/k2.local.json");
    let (mut passed, mut failed_as_expected) = (0, 0);
    for t in v["tests"].as_array().unwrap() {
        let name = t["name"].as_str().unwrap();
        let paserk = t["paserk"].as_str().unwrap();
        if t["expect-fail"].as_bool().unwrap() {
            assert!(Key::from_paserk(paserk).is_err(), "{name} must fail");
            failed_as_expected += 1;
            continue;
        }
        let bytes: [u8; 32] = common::hex(t["key"].as_str().unwrap()).try_into().unwrap();
        let key = Key::from_bytes(bytes);
        assert_eq!(key.to_paserk().expose_secret(), paserk, "{name}: format");
        if bytes == [0u8; 32] {
            // k2.local-1 is the all-zero key: it decodes, and then the
            // loading rule "never accept an all-zero key" refuses it.
            assert_eq!(
                Key::from_paserk(paserk).unwrap_err(),
                KeyError::AllZero,
                "{name}"
            );
        } else {
            assert!(Key::from_paserk(paserk).unwrap() == key, "{name}: parse");
        }
        passed += 1;
    }
    assert_eq!((passed, failed_as_expected), (3, 2));
}

#[test]
fn k2_local_must_fail_reasons() {
    let v = common::read_published("paserk/k2.local.json");
    let reason = |name: &str| {
        let t = v["tests"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == name)
            .unwrap();
        Key::from_paserk(t["paserk"].as_str().unwrap()).unwrap_err()
    };
    assert_eq!(
        reason("k2.local-fail-1"),
        KeyError::WrongLength { bytes: 31 }
    );
    assert_eq!(reason("k2.local-fail-2"), KeyError::WrongPrefix);
}

#[test]
fn k2_lid_json_4_cases_3_pass_1_must_fail() {
    let v = common::read_published("paserk/k2.lid.json");
    let (mut passed, mut failed_as_expected) = (0, 0);
    for t in v["tests"].as_array().unwrap() {
        let name = t["name"].as_str().unwrap();
        let raw = common::hex(t["key"].as_str().unwrap());
        if t["expect-fail"].as_bool().unwrap() {
            // Only 32-byte keys exist: a 31-byte key cannot become a Key,
            // so no id can be computed for it.
            assert_ne!(raw.len(), 32, "{name}");
            assert!(Key::try_from_slice(&raw).is_err(), "{name} must fail");
            failed_as_expected += 1;
            continue;
        }
        let key = Key::try_from_slice(&raw).unwrap();
        let want = t["paserk"].as_str().unwrap();
        assert_eq!(key.id().as_str(), want, "{name}");
        assert_eq!(KeyId::parse(want).unwrap(), key.id(), "{name}: parse");
        passed += 1;
    }
    assert_eq!((passed, failed_as_expected), (3, 1));
}
