//! Session lifecycle through the public API: time rules at their exact
//! boundaries, audience, logout everywhere, revocation, renewal, size
//! budget and typed custom claims.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sealed_session::{
    format, ClaimsError, Error, Key, Policy, SessionId, Timestamp, REGISTERED_CLAIMS,
};
use serde::{Deserialize, Serialize};

const T0: i64 = 1_900_000_000;

fn at(s: i64) -> Timestamp {
    Timestamp::from_unix_seconds(T0 + s).unwrap()
}

fn key() -> Key {
    Key::from_bytes([0x42; 32])
}

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

/// A policy with a 60 s idle and 1000 s absolute lifetime.
fn policy() -> Policy {
    Policy::new(secs(60), secs(1000))
}

/// The JSON payload of a token, decrypted with the low-level API.
fn payload_of(key: &Key, token: &str) -> serde_json::Value {
    serde_json::from_slice(&format::open(key, token).unwrap().payload).unwrap()
}

#[test]
fn exp_boundaries_without_leeway() {
    let (k, p) = (key(), policy());
    let token = p.seal(&k, "7", at(0)).unwrap();
    // exp = at(60)
    assert_eq!(p.open(&k, &token, at(59)).unwrap().expires_at(), at(60));
    let just_before = at(60).checked_sub(Duration::from_nanos(1)).unwrap();
    assert!(p.open(&k, &token, just_before).is_ok());
    assert_eq!(p.open(&k, &token, at(60)), Err(Error::Expired));
    assert_eq!(p.open(&k, &token, at(61)), Err(Error::Expired));
    // The two-line path follows the same rule.
    let token = k.seal_at("7", secs(60), at(0)).unwrap();
    assert!(k.open_at(&token, at(59)).is_ok());
    assert_eq!(k.open_at(&token, at(60)), Err(Error::Expired));
    assert_eq!(k.open_at(&token, at(61)), Err(Error::Expired));
}

#[test]
fn exp_boundaries_with_leeway() {
    let k = key();
    let p = policy().with_leeway(secs(5));
    let token = p.seal(&k, "7", at(0)).unwrap();
    // Valid iff now < exp + leeway = at(65).
    for ok in [59, 60, 61, 64] {
        assert!(p.open(&k, &token, at(ok)).is_ok(), "{ok}");
    }
    assert_eq!(p.open(&k, &token, at(65)), Err(Error::Expired));
    assert_eq!(p.open(&k, &token, at(66)), Err(Error::Expired));
}

#[test]
fn nbf_boundaries_without_and_with_leeway() {
    let k = key();
    let p = policy();
    let token = p
        .new_session("7")
        .not_before(at(30))
        .seal(&k, at(0))
        .unwrap();
    assert_eq!(payload_of(&k, &token)["nbf"], "2030-03-17T17:47:10Z");
    assert_eq!(p.open(&k, &token, at(29)), Err(Error::NotYetValid));
    let just_before = at(30).checked_sub(Duration::from_nanos(1)).unwrap();
    assert_eq!(p.open(&k, &token, just_before), Err(Error::NotYetValid));
    assert_eq!(
        p.open(&k, &token, at(30)).unwrap().not_before(),
        Some(at(30))
    );
    assert!(p.open(&k, &token, at(31)).is_ok());

    // Valid iff now >= nbf - leeway = at(25).
    let p = p.with_leeway(secs(5));
    assert_eq!(p.open(&k, &token, at(24)), Err(Error::NotYetValid));
    assert!(p.open(&k, &token, at(25)).is_ok());
    // One second before, at and after nbf: all inside the leeway.
    for ok in [26, 29, 30, 31] {
        assert!(p.open(&k, &token, at(ok)).is_ok(), "{ok}");
    }
}

#[test]
fn nbf_must_come_before_exp() {
    let (k, p) = (key(), policy());
    assert!(matches!(
        p.new_session("7").not_before(at(60)).seal(&k, at(0)),
        Err(Error::InvalidArgument(_))
    ));
    assert!(p
        .new_session("7")
        .not_before(at(59))
        .seal(&k, at(0))
        .is_ok());
}

#[test]
fn sealed_claims_are_the_documented_ones() {
    let k = key();
    let p = policy().with_audience("app");
    let token = p
        .seal(&k, "7", Timestamp::from_parts(T0, 999_000_000).unwrap())
        .unwrap();
    let v = payload_of(&k, &token);
    let obj = v.as_object().unwrap();
    let mut names: Vec<&str> = obj.keys().map(String::as_str).collect();
    names.sort_unstable();
    // `sst`: the session started 0.999 s after `iat`.
    assert_eq!(names, ["aud", "exp", "iat", "jti", "sst", "sub"]);
    assert_eq!(v["sub"], "7");
    assert_eq!(v["iat"], "2030-03-17T17:46:40Z"); // truncated to whole seconds
    assert_eq!(v["sst"], "2030-03-17T17:46:40.999Z");
    // On a whole second, no `sst`: the session starts at `iat`.
    let whole = payload_of(&k, &p.seal(&k, "7", at(0)).unwrap());
    assert!(whole.get("sst").is_none());
    assert_eq!(v["exp"], "2030-03-17T17:47:40Z");
    assert_eq!(v["aud"], "app");
    let jti = v["jti"].as_str().unwrap();
    assert_eq!(jti.len(), 22);
    let claims = p.open(&k, &token, at(1)).unwrap();
    assert_eq!(claims.session_id().unwrap().to_string(), jti);
    // Every session gets its own id.
    let other = p.seal(&k, "7", at(0)).unwrap();
    assert_ne!(payload_of(&k, &other)["jti"], v["jti"]);
}

#[test]
fn audience_matrix() {
    let k = key();
    let none = policy();
    let a = policy().with_audience("a");
    let b = policy().with_audience("b");
    let for_a = a.seal(&k, "7", at(0)).unwrap();
    let unbound = none.seal(&k, "7", at(0)).unwrap();
    assert!(a.open(&k, &for_a, at(1)).is_ok());
    assert!(none.open(&k, &unbound, at(1)).is_ok());
    assert_eq!(b.open(&k, &for_a, at(1)), Err(Error::WrongAudience));
    // The opener requires an audience; the token has none.
    assert_eq!(a.open(&k, &unbound, at(1)), Err(Error::WrongAudience));
    // The converse: a bound token is refused by an opener naming none.
    assert_eq!(none.open(&k, &for_a, at(1)), Err(Error::WrongAudience));
    assert_eq!(k.open_at(&for_a, at(1)), Err(Error::WrongAudience));
    // Exact comparison.
    let a_upper = policy().with_audience("A");
    assert_eq!(a_upper.open(&k, &for_a, at(1)), Err(Error::WrongAudience));
}

#[test]
fn logout_everywhere_through_a_token() {
    let (k, p) = (key(), policy());
    let claims = p.open(&k, &p.seal(&k, "7", at(0)).unwrap(), at(0)).unwrap();
    assert_eq!(claims.check_valid_after(None), Ok(()));
    assert_eq!(claims.check_valid_after(Some(at(-1))), Ok(()));
    assert_eq!(claims.check_valid_after(Some(at(0))), Ok(())); // equal: kept
    assert_eq!(
        claims.check_valid_after(Some(at(1))),
        Err(Error::LoggedOutEverywhere)
    );
    // Renewal after the cut-off does not launder the session.
    let renewed = p
        .open(&k, &p.renew(&k, &claims, at(40)).unwrap(), at(40))
        .unwrap();
    assert_eq!(renewed.issued_at(), Some(at(40)));
    assert_eq!(
        renewed.check_valid_after(Some(at(10))),
        Err(Error::LoggedOutEverywhere)
    );
}

#[test]
fn revocation_of_one_session() {
    let k = key();
    let denied: Arc<Mutex<HashSet<SessionId>>> = Arc::default();
    let list = Arc::clone(&denied);
    let p = policy().with_revocation(move |id| list.lock().unwrap().contains(&id));
    let first = p.seal(&k, "7", at(0)).unwrap();
    let second = p.seal(&k, "7", at(0)).unwrap();
    let claims = p.open(&k, &first, at(1)).unwrap();
    let renewed = p.renew(&k, &claims, at(31)).unwrap();
    denied.lock().unwrap().insert(claims.session_id().unwrap());
    assert_eq!(p.open(&k, &first, at(1)), Err(Error::Revoked));
    // The renewed token belongs to the same session.
    assert_eq!(p.open(&k, &renewed, at(31)), Err(Error::Revoked));
    // Other sessions of the same user are untouched.
    assert!(p.open(&k, &second, at(1)).is_ok());
    // Without the check the token still opens.
    assert!(policy().open(&k, &first, at(1)).is_ok());
    // A token without a session id cannot be checked.
    let foreign = format::seal(
        &k,
        br#"{"sub":"7","exp":"2030-03-17T17:47:40Z","iat":"2030-03-17T17:46:40Z"}"#,
        b"",
    )
    .unwrap();
    assert!(policy().open(&k, &foreign, at(1)).is_ok());
    assert_eq!(
        p.open(&k, &foreign, at(1)),
        Err(Error::InvalidClaims(ClaimsError::Missing("jti")))
    );
}

#[test]
fn needs_renewal_at_the_configured_fraction() {
    let k = key();
    for (percent, renew_at) in [(0u8, 0i64), (50, 30), (75, 45), (100, 60)] {
        let p = policy().with_renew_after_percent(percent);
        let claims = p.open(&k, &p.seal(&k, "7", at(0)).unwrap(), at(0)).unwrap();
        assert_eq!(claims.renew_at(), Some(at(renew_at)), "{percent}");
        if renew_at > 0 {
            assert!(!claims.needs_renewal(at(renew_at - 1)), "{percent}");
        }
        assert!(claims.needs_renewal(at(renew_at)), "{percent}");
    }
    assert_eq!(
        policy().with_renew_after_percent(200).renew_after_percent(),
        100
    );
}

#[test]
fn renewal_keeps_the_session_and_stops_at_the_absolute_lifetime() {
    #[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
    struct Prefs {
        theme: String,
    }
    let k = key();
    let p = policy().with_audience("app");
    let prefs = Prefs {
        theme: "dark".into(),
    };
    let token = p
        .new_session("7")
        .custom(&prefs)
        .not_before(at(0))
        .seal(&k, at(0))
        .unwrap();
    let mut claims = p.open_custom::<Prefs>(&k, &token, at(0)).unwrap();
    let (sst, jti) = (claims.session_started_at(), claims.session_id());
    assert_eq!(sst, Some(at(0)));
    let mut now = 0;
    // Renew every 40 s: exp moves by 60 s from each renewal until capped.
    while now + 40 < 1000 {
        now += 40;
        assert!(claims.needs_renewal(at(now)));
        let token = p.renew(&k, &claims, at(now)).unwrap();
        claims = p.open_custom::<Prefs>(&k, &token, at(now)).unwrap();
        assert_eq!(claims.user_id(), "7");
        assert_eq!(claims.session_started_at(), sst);
        assert_eq!(claims.session_id(), jti);
        assert_eq!(claims.custom(), &prefs);
        assert_eq!(claims.issued_at(), Some(at(now)));
        assert_eq!(claims.not_before(), None);
        assert_eq!(claims.expires_at(), at((now + 60).min(1000)));
        let v = payload_of(&k, &token);
        assert_eq!(v["aud"], "app");
        assert_eq!(v["sst"], "2030-03-17T17:46:40Z");
    }
    assert_eq!(now, 960);
    // exp sits at sst + absolute: renewing could not extend it.
    assert_eq!(claims.expires_at(), at(1000));
    assert_eq!(claims.renew_at(), None);
    assert!(!claims.needs_renewal(at(999)));
    // Still renewable (same cap) until the absolute end, then refused.
    assert!(p.renew(&k, &claims, at(999)).is_ok());
    assert_eq!(
        p.renew(&k, &claims, at(1000)),
        Err(Error::AbsoluteLifetimeOver)
    );
    assert_eq!(
        p.renew(&k, &claims, at(1001)),
        Err(Error::AbsoluteLifetimeOver)
    );
    // Renewing claims that expired in the meantime is refused.
    let short = p.open(&k, &p.seal(&k, "7", at(0)).unwrap(), at(0)).unwrap();
    assert_eq!(p.renew(&k, &short, at(60)), Err(Error::Expired));
    assert!(p.renew(&k, &short, at(59)).is_ok());
}

#[test]
fn a_new_session_is_capped_by_the_absolute_lifetime() {
    let k = key();
    let p = Policy::new(secs(3600), secs(600));
    let claims = p.open(&k, &p.seal(&k, "7", at(0)).unwrap(), at(0)).unwrap();
    assert_eq!(claims.expires_at(), at(600));
    assert_eq!(claims.renew_at(), None);
}

#[test]
fn renewal_of_a_foreign_token_without_session_claims() {
    let k = key();
    let p = policy();
    let no_iat = format::seal(&k, br#"{"sub":"7","exp":"2030-03-17T17:47:40Z"}"#, b"").unwrap();
    let claims = p.open(&k, &no_iat, at(0)).unwrap();
    assert_eq!(claims.renew_at(), None);
    assert_eq!(
        p.renew(&k, &claims, at(0)),
        Err(Error::InvalidClaims(ClaimsError::Missing("sst")))
    );
    // With iat only: the session start is iat, and a fresh session id is minted.
    let iat_only = format::seal(
        &k,
        br#"{"sub":"7","exp":"2030-03-17T17:47:40Z","iat":"2030-03-17T17:46:40Z"}"#,
        b"",
    )
    .unwrap();
    let claims = p.open(&k, &iat_only, at(0)).unwrap();
    let renewed = p
        .open(&k, &p.renew(&k, &claims, at(30)).unwrap(), at(30))
        .unwrap();
    assert_eq!(renewed.session_started_at(), Some(at(0)));
    assert!(renewed.session_id().is_some());
}

#[test]
fn size_budget_at_its_exact_edge() {
    let k = key();
    let token = policy().seal(&k, "7", at(0)).unwrap();
    let len = token.len();
    assert!(policy()
        .with_max_token_len(len)
        .seal(&k, "7", at(0))
        .is_ok());
    assert_eq!(
        policy().with_max_token_len(len - 1).seal(&k, "7", at(0)),
        Err(Error::OverSizeBudget)
    );
    // The default budget: 3840 bytes.
    assert_eq!(Policy::DEFAULT_MAX_TOKEN_LEN, 3840);
    let big = "u".repeat(3000);
    assert_eq!(k.seal_at(&big, secs(60), at(0)), Err(Error::OverSizeBudget));
    let fits = "u".repeat(2000);
    let t = k.seal_at(&fits, secs(60), at(0)).unwrap();
    assert!(t.len() <= 3840);
    assert_eq!(k.open_at(&t, at(0)).unwrap().user_id(), fits);
}

#[test]
fn open_refuses_oversize_input_before_decoding() {
    let k = key();
    let p = policy();
    let token = p.seal(&k, "7", at(0)).unwrap();
    let strict = policy().with_max_open_len(token.len());
    assert!(strict.open(&k, &token, at(0)).is_ok());
    let stricter = policy().with_max_open_len(token.len() - 1);
    assert_eq!(stricter.open(&k, &token, at(0)), Err(Error::TokenTooLarge));
    // Garbage over the limit is refused as too large, not as malformed.
    let garbage = "\u{0}".repeat(4097);
    assert_eq!(p.open(&k, &garbage, at(0)), Err(Error::TokenTooLarge));
    assert_eq!(k.open_at(&garbage, at(0)), Err(Error::TokenTooLarge));
}

#[test]
fn custom_claims_through_a_token() {
    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Cart {
        items: Vec<u32>,
        coupon: Option<String>,
    }
    let (k, p) = (key(), policy());
    let cart = Cart {
        items: vec![1, 2],
        coupon: None,
    };
    let token = p.new_session("7").custom(&cart).seal(&k, at(0)).unwrap();
    let v = payload_of(&k, &token);
    assert_eq!(v["items"], serde_json::json!([1, 2]));
    let claims = p.open_custom::<Cart>(&k, &token, at(0)).unwrap();
    assert_eq!((claims.user_id(), claims.custom()), ("7", &cart));
    // The registered-claims open ignores custom claims.
    assert_eq!(p.open(&k, &token, at(0)).unwrap().user_id(), "7");
    // A type that does not match the custom claims: opaque error.
    #[derive(Deserialize, Debug, PartialEq)]
    #[allow(dead_code)]
    struct Other {
        items: String,
    }
    assert_eq!(
        p.open_custom::<Other>(&k, &token, at(0)),
        Err(Error::InvalidClaims(ClaimsError::Custom))
    );
    // Checks run before custom claims are read.
    assert_eq!(
        p.open_custom::<Other>(&k, &token, at(60)),
        Err(Error::Expired)
    );
}

#[test]
fn custom_claims_cannot_touch_registered_claims() {
    let (k, p) = (key(), policy());
    for name in REGISTERED_CLAIMS {
        let custom = serde_json::json!({ "fine": 1, name: "2099-01-01T00:00:00Z" });
        assert_eq!(
            p.new_session("7").custom(&custom).seal(&k, at(0)),
            Err(Error::ReservedClaim(name)),
            "{name}"
        );
    }
    #[derive(Deserialize, Debug, PartialEq)]
    #[allow(dead_code)]
    struct ReadsExp {
        #[serde(default)]
        exp: Option<String>,
    }
    let token = p.seal(&k, "7", at(0)).unwrap();
    assert_eq!(
        p.open_custom::<ReadsExp>(&k, &token, at(0)),
        Err(Error::ReservedClaim("exp"))
    );
    // A map of custom claims never sees registered claims.
    let token = p
        .new_session("7")
        .custom(&serde_json::json!({"theme": "dark"}))
        .seal(&k, at(0))
        .unwrap();
    let claims = p
        .open_custom::<serde_json::Map<String, serde_json::Value>>(&k, &token, at(0))
        .unwrap();
    assert_eq!(claims.custom().len(), 1);
    assert_eq!(claims.custom()["theme"], "dark");
}

#[test]
fn seal_argument_errors() {
    let (k, p) = (key(), policy());
    assert!(matches!(
        p.seal(&k, "", at(0)),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        Policy::new(Duration::from_millis(999), secs(10)).seal(&k, "7", at(0)),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        Policy::new(Duration::MAX, Duration::MAX).seal(&k, "7", at(0)),
        Err(Error::InvalidArgument(_))
    ));
    // An unbounded absolute lifetime is fine: the idle lifetime decides.
    let p = Policy::new(secs(60), Duration::MAX);
    let claims = p.open(&k, &p.seal(&k, "7", at(0)).unwrap(), at(0)).unwrap();
    assert_eq!(claims.expires_at(), at(60));
    assert_eq!(claims.renew_at(), Some(at(30)));
}

#[test]
fn policy_is_shareable_and_its_debug_names_no_secrets() {
    fn shareable<T: Send + Sync + Clone + 'static>() {}
    shareable::<Policy>();
    let p = policy().with_revocation(|_| false).with_audience("x");
    let s = format!("{p:?}");
    assert!(s.contains("audience: Some(\"x\")"), "{s}");
}

/// The custom members of a payload, in order, as the raw JSON text of the
/// decrypted token (not through the crate's reader).
fn custom_members_of(key: &Key, token: &str) -> String {
    let payload = format::open(key, token).unwrap().payload;
    let text = String::from_utf8(payload).unwrap();
    // Every payload this crate writes ends with the custom members after
    // the registered claims; find the first one by name.
    let start = text.find("\"mfa_pending\"").unwrap();
    text[start..text.len() - 1].to_owned()
}

#[test]
fn renewal_keeps_every_custom_claim_whatever_type_it_was_opened_as() {
    let (k, p) = (key(), policy());
    // Written by hand: odd spacing, a nested object, a number serde_json
    // would not write back the same way, an escaped name.
    let members = r#""mfa_pending":true,"read_only":  {"until":1.50e3,"why":"audit\u00e9"},"r\u00f4le":[1,"x"]"#;
    let custom: serde_json::Value = serde_json::from_str(&format!("{{{members}}}")).unwrap();
    let token = p.new_session("7").custom(&custom).seal(&k, at(0)).unwrap();
    let sealed_members = custom_members_of(&k, &token);

    // Opened without custom claims (`Claims<()>`, what the adapters give),
    // and as a type that knows only some of them.
    #[derive(Deserialize, Serialize, Debug, PartialEq)]
    struct OnlyMfa {
        mfa_pending: bool,
    }
    let plain = p.open(&k, &token, at(0)).unwrap();
    assert_eq!(plain.custom_json(), sealed_members);
    let typed = p.open_custom::<OnlyMfa>(&k, &token, at(0)).unwrap();
    assert!(typed.custom().mfa_pending);
    for renewed in [
        p.renew(&k, &plain, at(40)).unwrap(),
        p.renew(&k, &typed, at(40)).unwrap(),
    ] {
        assert_eq!(custom_members_of(&k, &renewed), sealed_members);
        let again = p.open(&k, &renewed, at(40)).unwrap();
        // And a second renewal.
        let twice = p.renew(&k, &again, at(80)).unwrap();
        assert_eq!(custom_members_of(&k, &twice), sealed_members);
        let v = payload_of(&k, &twice);
        assert_eq!(v["mfa_pending"], true);
        assert_eq!(v["read_only"]["why"], "audit\u{e9}");
        assert_eq!(v["r\u{f4}le"], serde_json::json!([1, "x"]));
        assert_eq!(v["iat"], "2030-03-17T17:48:00Z");
    }

    // Without custom claims, nothing is added.
    let bare = p.open(&k, &p.seal(&k, "7", at(0)).unwrap(), at(0)).unwrap();
    assert_eq!(bare.custom_json(), "");
    let renewed = p.renew(&k, &bare, at(40)).unwrap();
    assert_eq!(
        payload_of(&k, &renewed).as_object().unwrap().len(),
        5, // sub exp iat sst jti
    );
}

#[test]
fn renewal_keeps_custom_claims_of_a_foreign_token() {
    // Custom members before, between and after the registered claims.
    let k = key();
    let p = Policy::new(secs(60), secs(1000));
    // Names and values keep their exact bytes (an escaped name, a number
    // serde_json would write as `1500.0`, inner spacing); only the spacing
    // between members goes.
    let payload = br#"{ "a" : 1.50e3 ,"sub":"7","b":{"c": [true]},"exp":"2030-03-17T17:47:40Z","iat":"2030-03-17T17:46:40Z","r\u00f4le":"e"}"#;
    let token = format::seal(&k, payload, b"").unwrap();
    let claims = p.open(&k, &token, at(0)).unwrap();
    let members = r#""a":1.50e3,"b":{"c": [true]},"r\u00f4le":"e""#;
    assert_eq!(claims.custom_json(), members);
    let renewed = p.renew(&k, &claims, at(40)).unwrap();
    let text = String::from_utf8(format::open(&k, &renewed).unwrap().payload).unwrap();
    assert!(text.ends_with(&format!(",{members}}}")), "{text}");
    let v = payload_of(&k, &renewed);
    assert_eq!(v["a"], 1500.0);
    assert_eq!(v["b"]["c"][0], true);
    assert_eq!(v["r\u{f4}le"], "e");
}

#[test]
fn renewal_with_another_audience_is_refused() {
    let k = key();
    let shop = policy().with_audience("shop");
    let admin = policy().with_audience("admin");
    let none = policy();
    let claims = shop
        .open(&k, &shop.seal(&k, "7", at(0)).unwrap(), at(0))
        .unwrap();
    assert_eq!(claims.audience(), Some("shop"));
    assert_eq!(admin.renew(&k, &claims, at(40)), Err(Error::WrongAudience));
    assert_eq!(none.renew(&k, &claims, at(40)), Err(Error::WrongAudience));
    let renewed = shop.renew(&k, &claims, at(40)).unwrap();
    assert_eq!(payload_of(&k, &renewed)["aud"], "shop");
    // An unbound session is not bound by renewing it.
    let unbound = none
        .open(&k, &none.seal(&k, "7", at(0)).unwrap(), at(0))
        .unwrap();
    assert_eq!(unbound.audience(), None);
    assert_eq!(shop.renew(&k, &unbound, at(40)), Err(Error::WrongAudience));
    assert!(none.renew(&k, &unbound, at(40)).is_ok());
}

#[test]
fn logout_everywhere_in_the_same_second_as_a_login() {
    let (k, p) = (key(), policy());
    let ms = |m: u64| at(0).checked_add(Duration::from_millis(m)).unwrap();
    // Sessions started before the logout, in the same second and earlier.
    let before = [ms(0), ms(300), ms(499), at(-1)];
    // The instant stored as the user's "sessions valid after".
    let logout = ms(500);
    // A login right after it (the same second), at it, and a second later.
    let after = [ms(500), ms(501), ms(700), ms(999), at(1)];
    for (started, refused) in before
        .iter()
        .map(|t| (t, true))
        .chain(after.iter().map(|t| (t, false)))
    {
        let token = p.seal(&k, "7", *started).unwrap();
        let claims = p.open(&k, &token, ms(999)).unwrap();
        assert_eq!(claims.session_started_at(), Some(*started));
        let want = if refused {
            Err(Error::LoggedOutEverywhere)
        } else {
            Ok(())
        };
        assert_eq!(claims.check_valid_after(Some(logout)), want, "{started}");
        // Renewal keeps the exact start.
        let renewed = p.renew(&k, &claims, at(30)).unwrap();
        let renewed = p.open(&k, &renewed, at(30)).unwrap();
        assert_eq!(renewed.session_started_at(), Some(*started));
        assert_eq!(
            renewed.check_valid_after(Some(logout)),
            want,
            "{started} renewed"
        );
        // `iat` stays whole seconds; `sst` only when the start is not.
        let v = payload_of(&k, &token);
        assert_eq!(v["iat"], started.trunc_seconds().to_string());
        assert_eq!(
            v.get("sst").is_some(),
            started.subsec_nanos() != 0,
            "{started}"
        );
    }
    let v = payload_of(&k, &p.seal(&k, "7", ms(700)).unwrap());
    assert_eq!(v["sst"], "2030-03-17T17:46:40.7Z");
    assert_eq!(v["iat"], "2030-03-17T17:46:40Z");
}
