//! The claims a session token carries, and their JSON form.
//!
//! The payload is one JSON object. This crate owns seven claim names, the
//! *registered claims* ([`REGISTERED_CLAIMS`]), and writes them in this
//! order:
//!
//! | claim | JSON type | meaning |
//! |-------|-----------|---------|
//! | `sub` | string, non-empty | the user id |
//! | `exp` | RFC 3339 string | end of the token's validity (exclusive) |
//! | `iat` | RFC 3339 string | when this token was sealed (whole seconds) |
//! | `nbf` | RFC 3339 string | start of the token's validity (optional) |
//! | `sst` | RFC 3339 string | when the session started, to the nanosecond; survives renewal; omitted when equal to `iat` (a session started on a whole second) |
//! | `jti` | string: ours are 22 base64url chars (16 random bytes); any string up to 128 bytes opens | the session id; survives renewal |
//! | `aud` | string | the audience the token is bound to (optional) |
//!
//! Typed custom claims (any `T: Serialize + DeserializeOwned` that
//! serializes to a JSON object) sit beside them at the top level. A custom
//! type that uses one of the registered names is refused with
//! [`Error::ReservedClaim`], both when sealing (its serialized keys are
//! checked) and when opening (a derived struct's field names are checked
//! before anything is read, and a map never sees registered claims).
//!
//! On opening, `sub` and `exp` are required; `iat`, `nbf`, `sst`, `jti` and
//! `aud` are optional (tokens of other implementations may lack them).
//! A registered claim with the wrong JSON type, or a duplicate, is refused.
//! serde_json reads every payload and decides every error. The reader
//! borrows every string from the decrypted payload buffer: without custom
//! claims, the only heap allocation of an open is the returned user id.
//! Every other member is a custom claim: its name and value are kept as
//! their authenticated JSON text ([`Claims::custom_json`]), which renewal
//! writes back unchanged, whatever type the claims were opened as.

use alloc::string::String;
use alloc::sync::Arc;
use core::fmt;

use crate::error::{ClaimsError, Error};
use crate::time::Timestamp;

mod read;
mod session_id;
mod write;

pub(crate) use read::{parse_custom, parse_registered, Registered};
pub use session_id::SessionId;
pub(crate) use write::{write_payload, write_registered_payload, NewClaims, StackOut};

/// The claim names this crate owns. A custom-claims type may not use them.
///
/// # Example
/// ```
/// assert!(sealed_session::REGISTERED_CLAIMS.contains(&"exp"));
/// ```
pub const REGISTERED_CLAIMS: [&str; 7] = ["sub", "exp", "iat", "nbf", "sst", "jti", "aud"];

fn registered_name(name: &str) -> Option<&'static str> {
    REGISTERED_CLAIMS.iter().copied().find(|r| *r == name)
}

/// The authenticated, validated claims of an opened token, with the typed
/// custom claims `T` (none by default).
///
/// Produced only by a successful open, which has already checked the
/// audience, `exp`, `nbf` (with the policy's leeway) and the revocation
/// check, if any. What only the application knows after loading the user is
/// a second step: [`Claims::check_valid_after`].
///
/// # Example
/// ```
/// use sealed_session::Key;
/// use std::time::Duration;
/// let key = Key::generate();
/// let token = key.seal("12234", Duration::from_secs(3600))?;
/// let claims = key.open(&token)?;
/// assert_eq!(claims.user_id(), "12234");
/// assert!(claims.expires_at() > claims.issued_at().unwrap());
/// # Ok::<(), sealed_session::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Claims<T = ()> {
    /// The user id, then the custom members' JSON text (`"name":value,...`):
    /// one allocation for both.
    text: String,
    /// Where the user id ends in `text`.
    sub_end: usize,
    /// The audience (`aud`): the opening policy's, which the token's matched
    /// exactly (shared, not copied).
    audience: Option<Arc<str>>,
    pub(crate) expires_at: Timestamp,
    pub(crate) issued_at: Option<Timestamp>,
    pub(crate) not_before: Option<Timestamp>,
    pub(crate) session_start: Option<Timestamp>,
    pub(crate) session_id: Option<SessionId>,
    pub(crate) renew_at: Option<Timestamp>,
    pub(crate) custom: T,
}

impl<T: fmt::Debug> fmt::Debug for Claims<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Claims")
            .field("user_id", &self.user_id())
            .field("audience", &self.audience())
            .field("expires_at", &self.expires_at)
            .field("issued_at", &self.issued_at)
            .field("not_before", &self.not_before)
            .field("session_start", &self.session_start)
            .field("session_id", &self.session_id)
            .field("renew_at", &self.renew_at)
            .field("custom_json", &self.custom_json())
            .field("custom", &self.custom)
            .finish()
    }
}

impl<T> Claims<T> {
    /// The user id (`sub`).
    pub fn user_id(&self) -> &str {
        self.text.get(..self.sub_end).unwrap_or_default()
    }

    /// The user id, by value.
    pub fn into_user_id(mut self) -> String {
        self.text.truncate(self.sub_end);
        self.text
    }

    /// The audience the token is bound to (`aud`), if any: always the
    /// audience of the policy that opened it.
    ///
    /// # Example
    /// ```
    /// use sealed_session::{Key, Policy, Timestamp};
    /// use std::time::Duration;
    /// let key = Key::generate();
    /// let policy = Policy::new(Duration::from_secs(60), Duration::from_secs(60))
    ///     .with_audience("shop");
    /// let now = Timestamp::from_unix_seconds(1_900_000_000).unwrap();
    /// let claims = policy.open(&key, &policy.seal(&key, "7", now)?, now)?;
    /// assert_eq!(claims.audience(), Some("shop"));
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    pub fn audience(&self) -> Option<&str> {
        self.audience.as_deref()
    }

    /// The token's custom members as authenticated JSON text, exactly as
    /// they were sealed (`"name":value` pairs joined by `,`; empty when
    /// there are none), whatever type `T` the claims were opened as. This is
    /// what [`Policy::renew`](crate::Policy::renew) carries over.
    ///
    /// # Example
    /// ```
    /// use sealed_session::{Key, Policy, Timestamp};
    /// use std::time::Duration;
    /// let key = Key::generate();
    /// let policy = Policy::new(Duration::from_secs(60), Duration::from_secs(60));
    /// let now = Timestamp::from_unix_seconds(1_900_000_000).unwrap();
    /// let custom = serde_json::json!({ "mfa_pending": true });
    /// let token = policy.new_session("7").custom(&custom).seal(&key, now)?;
    /// assert_eq!(policy.open(&key, &token, now)?.custom_json(), r#""mfa_pending":true"#);
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    pub fn custom_json(&self) -> &str {
        self.text.get(self.sub_end..).unwrap_or_default()
    }

    /// When the token stops being valid (`exp`). The token is valid strictly
    /// before this instant (plus the policy's leeway).
    pub fn expires_at(&self) -> Timestamp {
        self.expires_at
    }

    /// When the token was sealed (`iat`). Always present in tokens this
    /// crate seals; may be absent in tokens from other implementations.
    pub fn issued_at(&self) -> Option<Timestamp> {
        self.issued_at
    }

    /// The start of the validity window (`nbf`), if any.
    pub fn not_before(&self) -> Option<Timestamp> {
        self.not_before
    }

    /// When the session started (`sst`, to the nanosecond, kept across
    /// renewals), falling back to `iat` for tokens without `sst`.
    pub fn session_started_at(&self) -> Option<Timestamp> {
        self.session_start.or(self.issued_at)
    }

    /// The session id (`jti`, kept across renewals). Always present in
    /// tokens this crate seals.
    pub fn session_id(&self) -> Option<SessionId> {
        self.session_id
    }

    /// The typed custom claims.
    pub fn custom(&self) -> &T {
        &self.custom
    }

    /// The typed custom claims, by value.
    pub fn into_custom(self) -> T {
        self.custom
    }

    /// From when on [`Claims::needs_renewal`] is true, or `None` if it never
    /// is (the token has no `iat`, or its `exp` already sits at the end of
    /// the absolute lifetime so renewing could not extend it).
    pub fn renew_at(&self) -> Option<Timestamp> {
        self.renew_at
    }

    /// Whether the token should be renewed at `now`: once the policy's
    /// fraction of the idle lifetime (`iat` → `exp`) has passed, and only
    /// while renewing would still move `exp` later (see
    /// [`Policy::renew`](crate::Policy::renew)).
    ///
    /// # Example
    /// ```
    /// use sealed_session::{Key, Policy, Timestamp};
    /// use std::time::Duration;
    /// let key = Key::generate();
    /// let policy = Policy::new(Duration::from_secs(600), Duration::from_secs(86_400));
    /// let t0 = Timestamp::from_unix_seconds(1_900_000_000).unwrap();
    /// let at = |s: i64| Timestamp::from_unix_seconds(1_900_000_000 + s).unwrap();
    /// let token = policy.seal(&key, "7", t0)?;
    /// let claims = policy.open(&key, &token, at(10))?;
    /// assert!(!claims.needs_renewal(at(299)));
    /// assert!(claims.needs_renewal(at(300))); // half of 600 s: the default
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    pub fn needs_renewal(&self, now: Timestamp) -> bool {
        self.renew_at.is_some_and(|at| now >= at)
    }

    /// The "log out everywhere" check, done after the application has loaded
    /// the user named by [`Claims::user_id`] and read its "sessions valid
    /// after" instant from the user record (`None`: never logged out
    /// everywhere).
    ///
    /// The rule: the token is refused iff its **session start** (`sst`, or
    /// `iat` for tokens without `sst`) is strictly before `valid_after`. A
    /// session started exactly at `valid_after` is kept. The session start
    /// survives renewal, so renewing cannot carry a session past a logout.
    ///
    /// To log a user out everywhere, store the current instant as is
    /// (`Timestamp::now()`, or `Sessions::now()` in the adapters), not
    /// rounded: every session that started before it is refused, and a login
    /// right after it, even within the same second, is kept. Sessions this
    /// crate seals record their start to the nanosecond (`sst`), while their
    /// `iat` is whole seconds. A token from another implementation (no
    /// `sst`) started at its `iat`.
    ///
    /// # Errors
    /// [`Error::LoggedOutEverywhere`]; [`ClaimsError::Missing`]`("iat")` if
    /// `valid_after` is set and the token has neither `sst` nor `iat`.
    ///
    /// # Security
    /// A node enforces a new `valid_after` only once it sees the new user
    /// record: with a user cache, after that cache entry refreshes. Node
    /// clocks must agree (NTP): a login on a node whose clock is behind the
    /// one that set `valid_after` can be refused.
    ///
    /// # Example
    /// ```
    /// use sealed_session::{Error, Key, Timestamp};
    /// use std::time::Duration;
    /// let key = Key::generate();
    /// let t0 = Timestamp::from_unix_seconds(1_900_000_000).unwrap();
    /// let token = key.seal_at("7", Duration::from_secs(3600), t0)?;
    /// let claims = key.open_at(&token, t0)?;
    /// // Logged out everywhere a quarter second later: the user record's
    /// // "sessions valid after" is that instant.
    /// let logout = t0.checked_add(Duration::from_millis(250)).unwrap();
    /// assert_eq!(claims.check_valid_after(Some(logout)), Err(Error::LoggedOutEverywhere));
    /// // A login right after it, in the same second, is kept.
    /// let login = t0.checked_add(Duration::from_millis(500)).unwrap();
    /// let again = key.open_at(&key.seal_at("7", Duration::from_secs(3600), login)?, login)?;
    /// assert_eq!(again.check_valid_after(Some(logout)), Ok(()));
    /// assert_eq!(claims.check_valid_after(Some(t0)), Ok(()));
    /// assert_eq!(claims.check_valid_after(None), Ok(()));
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    pub fn check_valid_after(&self, valid_after: Option<Timestamp>) -> Result<(), Error> {
        let Some(valid_after) = valid_after else {
            return Ok(());
        };
        let started = self
            .session_started_at()
            .ok_or(ClaimsError::Missing("iat"))?;
        if started < valid_after {
            return Err(Error::LoggedOutEverywhere);
        }
        Ok(())
    }

    /// The same claims with other custom claims.
    pub(crate) fn with_custom<U>(self, custom: U) -> Claims<U> {
        Claims {
            text: self.text,
            sub_end: self.sub_end,
            audience: self.audience,
            expires_at: self.expires_at,
            issued_at: self.issued_at,
            not_before: self.not_before,
            session_start: self.session_start,
            session_id: self.session_id,
            renew_at: self.renew_at,
            custom,
        }
    }

    /// The time rules without leeway: valid iff `nbf <= now < exp`.
    #[allow(dead_code)] // the key ring's two-line path
    pub(crate) fn check_time(&self, now: Timestamp) -> Result<(), Error> {
        check_time(
            self.expires_at,
            self.not_before,
            now,
            core::time::Duration::ZERO,
        )
    }
}

/// Valid iff `nbf - leeway <= now < exp + leeway`.
pub(crate) fn check_time(
    exp: Timestamp,
    nbf: Option<Timestamp>,
    now: Timestamp,
    leeway: core::time::Duration,
) -> Result<(), Error> {
    if now >= exp.saturating_add(leeway) {
        return Err(Error::Expired);
    }
    if nbf.is_some_and(|nbf| now < nbf.saturating_sub(leeway)) {
        return Err(Error::NotYetValid);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::read::*;
    use super::write::*;
    use super::*;
    use alloc::borrow::Cow;
    use alloc::collections::BTreeMap;
    use alloc::string::ToString;
    use alloc::vec::Vec;
    use serde::{Deserialize, Serialize};

    /// Parse authenticated payload bytes into [`Claims`] with the default
    /// renewal rule (half the idle lifetime, no absolute limit known). Checks
    /// no time rule: see [`Claims::check_time`].
    fn parse_payload(payload: &[u8]) -> Result<Claims, Error> {
        let reg = parse_registered(payload)?;
        let renew_at = reg.iat.and_then(|iat| {
            let idle = reg.exp.duration_since(iat)?;
            iat.checked_add(idle / 2)
        });
        let aud = reg.aud.as_deref().map(Arc::from);
        Ok(reg.into_claims(aud, renew_at))
    }

    fn ts(s: &str) -> Timestamp {
        Timestamp::parse_rfc3339(s).unwrap()
    }

    fn new_claims<'a>(sub: &'a str, aud: Option<&'a str>) -> NewClaims<'a> {
        NewClaims {
            sub,
            exp: ts("2026-11-22T12:00:00Z"),
            iat: ts("2026-11-22T11:00:00Z"),
            nbf: None,
            sst: ts("2026-11-22T10:00:00Z"),
            jti: SessionId::from_bytes([0xfb; 16]),
            aud,
            custom_json: "",
        }
    }

    #[test]
    fn writes_what_it_reads() {
        let mut out = Vec::new();
        let c = new_claims("a\"b\\c\n\u{1}é", Some("app\"1"));
        write_payload::<()>(&mut out, &c, None).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["sub"], "a\"b\\c\n\u{1}é");
        assert_eq!(v["exp"], "2026-11-22T12:00:00Z");
        assert_eq!(v["iat"], "2026-11-22T11:00:00Z");
        assert_eq!(v["sst"], "2026-11-22T10:00:00Z");
        assert_eq!(v["jti"], "-_v7-_v7-_v7-_v7-_v7-w");
        assert_eq!(v["aud"], "app\"1");
        assert_eq!(v.as_object().unwrap().len(), 6);
        let r = parse_registered(&out).unwrap();
        assert_eq!(r.sub, "a\"b\\c\n\u{1}é");
        assert_eq!((r.exp, r.iat, r.sst), (c.exp, Some(c.iat), Some(c.sst)));
        assert_eq!((r.nbf, r.jti), (None, Some(c.jti)));
        assert_eq!(r.aud.as_deref(), Some("app\"1"));
    }

    #[test]
    fn the_stack_writer_writes_what_the_vec_writer_writes_or_reports_overflow() {
        let mut g = crate::test_util::Gen(7);
        let pieces = [
            "a",
            "é",
            "\"",
            "\\",
            "\n",
            "\u{1}",
            "\u{1f}",
            "xyz",
            "\u{10348}",
        ];
        let (mut fit, mut spilled) = (0, 0);
        for i in 0..600 {
            let n = (g.next() % 160) as usize;
            let sub: String = (0..n)
                .map(|_| pieces[(g.next() % pieces.len() as u64) as usize])
                .collect();
            let aud = (i % 3 == 0).then_some("app\"x");
            let mut c = new_claims(&sub, aud);
            if i % 2 == 0 {
                c.nbf = Some(c.iat);
                c.sst = c.iat;
            }
            let mut want = Vec::new();
            write_payload::<()>(&mut want, &c, None).unwrap();
            let mut stack = StackOut::<256>::new();
            write_registered_payload(&mut stack, &c);
            match stack.written() {
                Some(got) => {
                    assert_eq!(got, &want[..], "{sub:?}");
                    fit += 1;
                }
                None => {
                    assert!(want.len() > 256, "{} bytes overflowed", want.len());
                    spilled += 1;
                }
            }
        }
        assert!(fit > 100 && spilled > 100, "{fit} fit, {spilled} spilled");

        // The exact boundary: 256 bytes fit, 257 do not.
        let mut base = Vec::new();
        write_payload::<()>(&mut base, &new_claims("", None), None).unwrap();
        for (extra, fits) in [(0, true), (1, false)] {
            let sub = "a".repeat(256 - base.len() + extra);
            let mut stack = StackOut::<256>::new();
            write_registered_payload(&mut stack, &new_claims(&sub, None));
            assert_eq!(stack.written().map(<[u8]>::len), fits.then_some(256));
        }
    }

    #[test]
    fn plain_strings_are_borrowed_from_the_payload() {
        let mut out = Vec::new();
        write_payload::<()>(&mut out, &new_claims("user-7", Some("app")), None).unwrap();
        let r = parse_registered(&out).unwrap();
        assert!(matches!(r.sub, Cow::Borrowed(_)));
        assert!(matches!(r.aud, Some(Cow::Borrowed(_))));
    }

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Cart {
        items: u32,
        #[serde(rename = "theme")]
        colour: String,
    }

    #[test]
    fn custom_claims_round_trip_beside_the_registered_ones() {
        let cart = Cart {
            items: 3,
            colour: "dark".into(),
        };
        let mut out = Vec::new();
        write_payload(&mut out, &new_claims("7", None), Some(&cart)).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["items"], 3);
        assert_eq!(v["theme"], "dark");
        assert_eq!(v["sub"], "7");
        assert_eq!(parse_registered(&out).unwrap().sub, "7");
        assert_eq!(parse_custom::<Cart>(&out).unwrap(), cart);
        // A map sees the custom claims only.
        let m: BTreeMap<String, serde_json::Value> = parse_custom(&out).unwrap();
        assert_eq!(
            m.keys().map(String::as_str).collect::<Vec<_>>(),
            ["items", "theme"]
        );
        // No custom claims: `()`.
        parse_custom::<()>(&out).unwrap();
    }

    #[test]
    fn empty_or_unit_custom_claims_add_nothing() {
        let mut plain = Vec::new();
        write_payload::<()>(&mut plain, &new_claims("7", None), None).unwrap();
        for custom in [serde_json::json!({}), serde_json::Value::Null] {
            let mut out = Vec::new();
            write_payload(&mut out, &new_claims("7", None), Some(&custom)).unwrap();
            assert_eq!(out, plain);
        }
        let mut out = Vec::new();
        write_payload(&mut out, &new_claims("7", None), Some(&())).unwrap();
        assert_eq!(out, plain);
    }

    #[test]
    fn custom_claims_may_not_set_registered_ones_when_sealing() {
        #[derive(Serialize)]
        struct Sneaky {
            exp: &'static str,
        }
        let mut out = Vec::new();
        let c = new_claims("7", None);
        let e = write_payload(&mut out, &c, Some(&Sneaky { exp: "9999" })).unwrap_err();
        assert_eq!(e, Error::ReservedClaim("exp"));
        for name in REGISTERED_CLAIMS {
            let mut m = BTreeMap::new();
            m.insert("ok", 1);
            m.insert(name, 2);
            out.clear();
            assert_eq!(
                write_payload(&mut out, &c, Some(&m)),
                Err(Error::ReservedClaim(name))
            );
        }
        for not_object in [serde_json::json!(1), serde_json::json!([1]), "x".into()] {
            out.clear();
            assert!(matches!(
                write_payload(&mut out, &c, Some(&not_object)),
                Err(Error::InvalidArgument(_))
            ));
        }
    }

    #[test]
    fn custom_claims_may_not_read_registered_ones_when_opening() {
        #[derive(Deserialize, Debug)]
        #[allow(dead_code)]
        struct WantsSub {
            #[serde(default)]
            sub: String,
            items: u32,
        }
        let payload = br#"{"sub":"7","exp":"2030-01-01T00:00:00Z","items":1}"#;
        assert_eq!(
            parse_custom::<WantsSub>(payload).unwrap_err(),
            Error::ReservedClaim("sub")
        );
        #[derive(Deserialize, Debug)]
        #[allow(dead_code)]
        struct Renamed {
            #[serde(rename = "jti")]
            id: Option<String>,
        }
        assert_eq!(
            parse_custom::<Renamed>(payload).unwrap_err(),
            Error::ReservedClaim("jti")
        );
        // An escaped registered name is still a registered name.
        let escaped = br#"{"sub":"7","exp":"2030-01-01T00:00:00Z","\u0061ud":"x"}"#;
        let m: BTreeMap<String, String> = parse_custom(escaped).unwrap();
        assert!(m.is_empty());
    }

    #[test]
    fn custom_claims_errors_are_opaque() {
        let payload = br#"{"sub":"7","exp":"2030-01-01T00:00:00Z","items":"secret","theme":"x"}"#;
        let e = parse_custom::<Cart>(payload).unwrap_err();
        assert_eq!(e, Error::InvalidClaims(ClaimsError::Custom));
        assert!(!e.to_string().contains("secret"));
        assert_eq!(
            parse_custom::<u32>(payload).unwrap_err(),
            ClaimsError::Custom.into()
        );
    }

    #[test]
    fn session_ids() {
        let id = SessionId::from_bytes(*b"0123456789abcdef");
        let s = id.to_string();
        assert_eq!(s, "MDEyMzQ1Njc4OWFiY2RlZg");
        assert_eq!(SessionId::parse(&s), Some(id));
        assert_eq!(id.to_bytes(), Some(*b"0123456789abcdef"));
        assert_eq!(
            alloc::format!("{id:?}"),
            alloc::format!("SessionId(\"{s}\")")
        );
        // Non-canonical trailing bits, the standard alphabet, other lengths:
        // other implementations' ids, distinct from ours, with no bytes.
        for other in [
            "MDEyMzQ1Njc4OWFiY2RlZh",
            "MDEyMzQ1Njc4OWFiY2RlZg=",
            "MDEyMzQ1Njc4OWFiY2RlZ+",
            "MDEyMzQ1Njc4OWFiY2RlZ",
            "MDEyMzQ1Njc4OWFiY2RlZgA",
            "",
            "a\"b\u{1}é",
        ] {
            let parsed = SessionId::parse(other).unwrap();
            assert_eq!(parsed.as_str(), other);
            assert_ne!(parsed, id, "{other}");
            assert_eq!(parsed.to_bytes(), None, "{other}");
        }
        // The length bound, in bytes.
        let longest = "é".repeat(SessionId::MAX_LEN / 2);
        assert_eq!(SessionId::parse(&longest).unwrap().as_str(), longest);
        assert_eq!(SessionId::parse(&alloc::format!("{longest}x")), None);
    }

    #[test]
    fn any_string_jti_opens_and_is_written_back_exactly() {
        for jti in ["6f1c2a4e-3b7d-4f7e-9c1a-2b3c4d5e6f70", "", "x\"\\\n\u{1}ü"] {
            let payload =
                serde_json::json!({"sub": "7", "exp": "2030-01-01T00:00:00Z", "jti": jti});
            let bytes = serde_json::to_vec(&payload).unwrap();
            let c = parse_payload(&bytes).unwrap();
            let id = c.session_id().unwrap();
            assert_eq!(id.as_str(), jti);
            let mut claims = new_claims("7", None);
            claims.jti = id;
            let mut out = Vec::new();
            write_payload::<()>(&mut out, &claims, None).unwrap();
            let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
            assert_eq!(v["jti"], jti);
        }
        let long = "j".repeat(SessionId::MAX_LEN + 1);
        let bytes = serde_json::to_vec(
            &serde_json::json!({"sub": "7", "exp": "2030-01-01T00:00:00Z", "jti": long}),
        )
        .unwrap();
        assert_eq!(
            parse_payload(&bytes),
            Err(ClaimsError::BadValue("jti").into())
        );
    }

    #[test]
    fn every_control_character_is_escaped_validly() {
        let s: String = (0u8..0x20).map(char::from).chain(['x', '\u{7f}']).collect();
        let mut out = Vec::new();
        write_json_string(&mut out, &s);
        let back: String = serde_json::from_slice(&out).unwrap();
        assert_eq!(back, s);
    }

    #[test]
    fn errors_name_the_claim() {
        let cases: &[(&str, Error)] = &[
            ("not json", ClaimsError::NotJson.into()),
            ("[]", ClaimsError::NotJson.into()),
            (
                "{\"sub\":\"a\",\"exp\":\"2026-01-01T00:00:00Z\"} x",
                ClaimsError::NotJson.into(),
            ),
            (
                "{\"exp\":\"2026-01-01T00:00:00Z\"}",
                ClaimsError::Missing("sub").into(),
            ),
            ("{\"sub\":\"a\"}", ClaimsError::Missing("exp").into()),
            (
                "{\"sub\":\"\",\"exp\":\"2026-01-01T00:00:00Z\"}",
                ClaimsError::EmptySubject.into(),
            ),
            (
                "{\"sub\":\"a\",\"exp\":1700000000}",
                ClaimsError::WrongType("exp").into(),
            ),
            (
                "{\"sub\":{},\"exp\":\"2026-01-01T00:00:00Z\"}",
                ClaimsError::WrongType("sub").into(),
            ),
            (
                "{\"sub\":\"a\",\"exp\":\"2026-01-01T00:00:00Z\",\"iat\":null}",
                ClaimsError::WrongType("iat").into(),
            ),
            (
                "{\"sub\":\"a\",\"exp\":\"2026-01-01T00:00:00Z\",\"aud\":[\"x\"]}",
                ClaimsError::WrongType("aud").into(),
            ),
            (
                "{\"sub\":\"a\",\"exp\":\"tomorrow\"}",
                ClaimsError::BadTime("exp").into(),
            ),
            (
                "{\"sub\":\"a\",\"exp\":\"2026-01-01T00:00:00Z\",\"sst\":\"x\"}",
                ClaimsError::BadTime("sst").into(),
            ),
            (
                "{\"sub\":\"a\",\"exp\":\"2026-01-01T00:00:00Z\",\"jti\":1}",
                ClaimsError::WrongType("jti").into(),
            ),
            (
                "{\"sub\":\"a\",\"sub\":\"b\",\"exp\":\"2026-01-01T00:00:00Z\"}",
                ClaimsError::Duplicate("sub").into(),
            ),
            (
                "{\"sub\":\"a\",\"exp\":\"2026-01-01T00:00:00Z\",\"jti\":\"MDEyMzQ1Njc4OWFiY2RlZg\",\"jti\":\"MDEyMzQ1Njc4OWFiY2RlZg\"}",
                ClaimsError::Duplicate("jti").into(),
            ),
        ];
        for (json, want) in cases {
            assert_eq!(parse_payload(json.as_bytes()).unwrap_err(), *want, "{json}");
        }
    }

    #[test]
    fn refuses_invalid_utf8_anywhere() {
        // Found by the `open_claims` fuzz target: invalid UTF-8 inside an
        // ignored claim's string was accepted.
        let ok = br#"{"data":"this is x","sub":"7","exp":"2039-01-01T00:00:00Z"}"#;
        assert!(parse_payload(ok).is_ok());
        let at = ok.iter().position(|&b| b == b'x').unwrap();
        for bad in [0x85u8, 0xff, 0xc0, 0xed] {
            let mut p = ok.to_vec();
            p[at] = bad;
            assert_eq!(
                parse_payload(&p),
                Err(ClaimsError::NotJson.into()),
                "{bad:#x}"
            );
        }
        // Also in a claim the crate reads, and outside strings.
        assert_eq!(
            parse_payload(b"{\"sub\":\"\xff\",\"exp\":\"2039-01-01T00:00:00Z\"}"),
            Err(ClaimsError::NotJson.into())
        );
        assert_eq!(
            parse_payload(b"{\"sub\":\"7\",\"exp\":\"2039-01-01T00:00:00Z\"}\xff"),
            Err(ClaimsError::NotJson.into())
        );
    }

    #[test]
    fn accepts_other_implementations_dates_and_extra_claims() {
        let c = parse_payload(
            br#"{"data":{"x":[1,2]},"sub":"7","exp":"2039-01-01T00:00:00+00:00","nbf":"2038-12-31T23:00:00.123-01:00"}"#,
        )
        .unwrap();
        assert_eq!(c.expires_at(), ts("2039-01-01T00:00:00Z"));
        assert_eq!(c.not_before(), Some(ts("2039-01-01T00:00:00.123Z")));
        assert_eq!(c.issued_at(), None);
        assert_eq!(c.session_started_at(), None);
        assert_eq!(c.session_id(), None);
        assert_eq!(c.renew_at(), None);
        assert_eq!(
            c.check_valid_after(Some(ts("2000-01-01T00:00:00Z"))),
            Err(ClaimsError::Missing("iat").into())
        );
        assert_eq!(c.check_valid_after(None), Ok(()));
    }

    #[test]
    fn valid_after_edges_use_the_session_start() {
        let c = parse_payload(
            br#"{"sub":"7","exp":"2030-01-01T01:00:00Z","iat":"2030-01-01T00:30:00Z","sst":"2030-01-01T00:00:00Z"}"#,
        )
        .unwrap();
        let sst = ts("2030-01-01T00:00:00Z");
        assert_eq!(c.session_started_at(), Some(sst));
        assert_eq!(c.check_valid_after(Some(sst)), Ok(()));
        assert_eq!(
            c.check_valid_after(Some(ts("2030-01-01T00:00:00.000000001Z"))),
            Err(Error::LoggedOutEverywhere)
        );
        // Issued after valid_after, but the session started before it.
        assert_eq!(
            c.check_valid_after(Some(ts("2030-01-01T00:10:00Z"))),
            Err(Error::LoggedOutEverywhere)
        );
        assert_eq!(
            c.check_valid_after(Some(ts("2029-12-31T23:59:59Z"))),
            Ok(())
        );
    }

    #[test]
    fn time_rules() {
        let c = parse_payload(
            br#"{"sub":"7","exp":"2030-01-01T00:00:10Z","nbf":"2030-01-01T00:00:05Z"}"#,
        )
        .unwrap();
        let at = |s| {
            Timestamp::from_unix_seconds(ts("2030-01-01T00:00:00Z").unix_seconds() + s).unwrap()
        };
        assert_eq!(c.check_time(at(4)), Err(Error::NotYetValid));
        assert_eq!(c.check_time(at(5)), Ok(()));
        assert_eq!(c.check_time(at(9)), Ok(()));
        assert_eq!(c.check_time(at(10)), Err(Error::Expired));
    }
}
