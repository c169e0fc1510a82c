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

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::cell::Cell;
use core::fmt;

use serde::de::value::{BorrowedStrDeserializer, StringDeserializer};
use serde::de::{
    self, DeserializeOwned, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor,
};
use serde::Serialize;
use serde_json::value::RawValue;

use base64ct::{Base64UrlUnpadded, Encoding};

use crate::error::{ClaimsError, Error};
use crate::time::Timestamp;

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

/// A session id: the `jti` claim, kept as its exact text.
///
/// Every session this crate seals gets a fresh one, 16 random bytes in 22
/// base64url characters, and it is kept when the session is renewed, so one
/// id names every token of one login. Put it on a denylist (see
/// [`Revocation`](crate::Revocation)) to end that one session.
///
/// Tokens from other implementations may carry any string as `jti` (a UUID,
/// say): it opens as an opaque session id of up to [`SessionId::MAX_LEN`]
/// bytes, which revocation matches and renewal keeps, byte for byte. Two
/// ids are equal iff their texts are.
///
/// It is not a secret (it only names a session), but the token encrypts it
/// like every claim.
///
/// # Example
/// ```
/// use sealed_session::SessionId;
/// let id = SessionId::from_bytes([0xfb; 16]);
/// assert_eq!(id.to_string(), "-_v7-_v7-_v7-_v7-_v7-w");
/// assert_eq!(SessionId::parse("-_v7-_v7-_v7-_v7-_v7-w"), Some(id));
/// // Another implementation's id:
/// let uuid = SessionId::parse("6f1c2a4e-3b7d-4f7e-9c1a-2b3c4d5e6f70").unwrap();
/// assert_eq!(uuid.as_str(), "6f1c2a4e-3b7d-4f7e-9c1a-2b3c4d5e6f70");
/// assert_eq!(uuid.to_bytes(), None);
/// assert_eq!(SessionId::parse(&"x".repeat(SessionId::MAX_LEN + 1)), None);
/// ```
#[derive(Clone, Copy)]
pub struct SessionId {
    /// The text, then zeros.
    text: [u8; SessionId::MAX_LEN],
    len: u8,
}

impl SessionId {
    /// Length of a session id this crate makes, in bytes.
    pub const LEN: usize = 16;
    /// Length of its base64url text in characters.
    pub const ENCODED_LEN: usize = 22;
    /// The longest `jti` accepted, in bytes (a token with a longer one is
    /// refused with [`ClaimsError::BadValue`]`("jti")`).
    pub const MAX_LEN: usize = 128;

    /// A session id from its 16 bytes (its text is their base64url form).
    ///
    /// ```
    /// # use sealed_session::SessionId;
    /// assert_eq!(SessionId::from_bytes([1; 16]).to_bytes(), Some([1; 16]));
    /// ```
    pub fn from_bytes(bytes: [u8; SessionId::LEN]) -> SessionId {
        let mut text = [0u8; SessionId::MAX_LEN];
        let len = match text.get_mut(..Self::ENCODED_LEN) {
            Some(dst) => Base64UrlUnpadded::encode(&bytes, dst).map_or(0, str::len),
            None => 0,
        };
        SessionId {
            text,
            len: len as u8,
        }
    }

    /// The 16 bytes of a session id in this crate's form (22 canonical
    /// base64url characters), or `None` for any other text.
    ///
    /// ```
    /// # use sealed_session::SessionId;
    /// assert_eq!(SessionId::from_bytes([2; 16]).to_bytes(), Some([2; 16]));
    /// assert_eq!(SessionId::parse("not ours").unwrap().to_bytes(), None);
    /// ```
    pub fn to_bytes(&self) -> Option<[u8; SessionId::LEN]> {
        if self.as_str().len() != Self::ENCODED_LEN {
            return None;
        }
        let mut out = [0u8; Self::LEN];
        let n = Base64UrlUnpadded::decode(self.as_str(), &mut out)
            .ok()?
            .len();
        (n == Self::LEN).then_some(out)
    }

    /// A session id from its text, as in the `jti` claim: any string of at
    /// most [`SessionId::MAX_LEN`] bytes.
    ///
    /// ```
    /// # use sealed_session::SessionId;
    /// let id = SessionId::from_bytes([7; 16]);
    /// assert_eq!(SessionId::parse(&id.to_string()), Some(id));
    /// // A non-canonical spelling of the same bytes is another id.
    /// assert_ne!(SessionId::parse("BwcHBwcHBwcHBwcHBwcHBx"), Some(id));
    /// ```
    pub fn parse(s: &str) -> Option<SessionId> {
        let mut text = [0u8; SessionId::MAX_LEN];
        text.get_mut(..s.len())?.copy_from_slice(s.as_bytes());
        Some(SessionId {
            text,
            len: u8::try_from(s.len()).ok()?,
        })
    }

    /// The id's text, as in the `jti` claim.
    ///
    /// ```
    /// # use sealed_session::SessionId;
    /// assert_eq!(SessionId::from_bytes([0; 16]).as_str(), "AAAAAAAAAAAAAAAAAAAAAA");
    /// ```
    pub fn as_str(&self) -> &str {
        let bytes = self.text.get(..usize::from(self.len)).unwrap_or_default();
        // Always valid: the text was a `&str` (or base64url).
        core::str::from_utf8(bytes).unwrap_or_default()
    }

    /// A fresh random session id.
    #[cfg(feature = "std")]
    pub(crate) fn random() -> Result<SessionId, Error> {
        let mut out = [0u8; Self::LEN];
        crate::rng::fill(&mut out)?;
        Ok(SessionId::from_bytes(out))
    }
}

impl PartialEq for SessionId {
    fn eq(&self, other: &SessionId) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for SessionId {}

impl PartialOrd for SessionId {
    fn partial_cmp(&self, other: &SessionId) -> Option<core::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for SessionId {
    fn cmp(&self, other: &SessionId) -> core::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl core::hash::Hash for SessionId {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl fmt::Display for SessionId {
    /// The id's text, as in the `jti` claim.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SessionId({:?})", self.as_str())
    }
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

/// The registered claims of an authenticated payload, borrowed from it.
#[derive(Debug, PartialEq)]
pub(crate) struct Registered<'a> {
    pub(crate) sub: Cow<'a, str>,
    pub(crate) exp: Timestamp,
    pub(crate) iat: Option<Timestamp>,
    pub(crate) nbf: Option<Timestamp>,
    pub(crate) sst: Option<Timestamp>,
    pub(crate) jti: Option<SessionId>,
    pub(crate) aud: Option<Cow<'a, str>>,
    /// The custom members' JSON text (see [`Claims::custom_json`]).
    pub(crate) custom: Option<String>,
}

impl Registered<'_> {
    /// Into owned claims, with `audience`: the opening policy's, which the
    /// caller checked is exactly `aud`. Without custom claims, the one
    /// allocation is the user id.
    pub(crate) fn into_claims(
        self,
        audience: Option<Arc<str>>,
        renew_at: Option<Timestamp>,
    ) -> Claims {
        let sub_end = self.sub.len();
        let text = match self.custom {
            None => self.sub.into_owned(),
            Some(custom) => {
                let mut text = String::with_capacity(sub_end + custom.len());
                text.push_str(&self.sub);
                text.push_str(&custom);
                text
            }
        };
        Claims {
            text,
            sub_end,
            audience,
            expires_at: self.exp,
            issued_at: self.iat,
            not_before: self.nbf,
            session_start: self.sst,
            session_id: self.jti,
            renew_at,
            custom: (),
        }
    }
}

/// The registered claims of a new token.
pub(crate) struct NewClaims<'a> {
    pub(crate) sub: &'a str,
    pub(crate) exp: Timestamp,
    pub(crate) iat: Timestamp,
    pub(crate) nbf: Option<Timestamp>,
    pub(crate) sst: Timestamp,
    pub(crate) jti: SessionId,
    pub(crate) aud: Option<&'a str>,
    /// Custom members already in JSON text (a renewal's, from
    /// [`Claims::custom_json`]); empty for none.
    pub(crate) custom_json: &'a str,
}

/// Where a payload is written: a `Vec`, or a fixed buffer on the stack.
pub(crate) trait Out {
    /// Append `bytes`.
    fn put(&mut self, bytes: &[u8]);
}

impl Out for Vec<u8> {
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

/// A payload buffer on the stack that records an overflow instead of
/// growing (the caller then writes the payload again into a `Vec`).
pub(crate) struct StackOut<const N: usize> {
    buf: [u8; N],
    len: usize,
    overflow: bool,
}

impl<const N: usize> StackOut<N> {
    pub(crate) fn new() -> Self {
        StackOut {
            buf: [0; N],
            len: 0,
            overflow: false,
        }
    }

    /// What was written, or `None` if it did not fit.
    pub(crate) fn written(&self) -> Option<&[u8]> {
        if self.overflow {
            return None;
        }
        self.buf.get(..self.len)
    }
}

impl<const N: usize> Drop for StackOut<N> {
    /// The payload is plaintext claims: wiped once sealed.
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.buf[..self.len.min(N)]);
    }
}

impl<const N: usize> Out for StackOut<N> {
    fn put(&mut self, bytes: &[u8]) {
        let end = self.len + bytes.len();
        match self.buf.get_mut(self.len..end) {
            Some(dst) if !self.overflow => {
                dst.copy_from_slice(bytes);
                self.len = end;
            }
            _ => self.overflow = true,
        }
    }
}

/// Write the payload: the registered claims, then the custom claims (if
/// `custom` serializes to a non-empty JSON object), into `out`.
///
/// # Errors
/// [`Error::ReservedClaim`] if `custom` sets a registered claim;
/// [`Error::InvalidArgument`] if it does not serialize to a JSON object (or
/// to `null`/unit, meaning none).
pub(crate) fn write_payload<T: Serialize + ?Sized>(
    out: &mut Vec<u8>,
    c: &NewClaims<'_>,
    custom: Option<&T>,
) -> Result<(), Error> {
    write_registered(out, c);
    if let Some(custom) = custom {
        append_custom(out, custom)?;
    }
    out.push(b'}');
    Ok(())
}

/// The payload without custom claims ([`write_payload`] with `None`), into
/// any [`Out`].
pub(crate) fn write_registered_payload<O: Out>(out: &mut O, c: &NewClaims<'_>) {
    write_registered(out, c);
    out.put(b"}");
}

/// The registered claims, without the object's closing brace.
fn write_registered<O: Out>(out: &mut O, c: &NewClaims<'_>) {
    out.put(b"{\"sub\":");
    write_json_string(out, c.sub);
    for (name, t) in [
        (&b",\"exp\":\""[..], Some(c.exp)),
        (b",\"iat\":\"", Some(c.iat)),
        (b",\"nbf\":\"", c.nbf),
        // The session start only when it differs from `iat` (after a
        // renewal): readers take `iat` for a missing `sst`.
        (b",\"sst\":\"", (c.sst != c.iat).then_some(c.sst)),
    ] {
        if let Some(t) = t {
            out.put(name);
            push_time(out, t);
            out.put(b"\"");
        }
    }
    out.put(b",\"jti\":");
    write_json_string(out, c.jti.as_str());
    if let Some(aud) = c.aud {
        out.put(b",\"aud\":");
        write_json_string(out, aud);
    }
    if !c.custom_json.is_empty() {
        out.put(b",");
        out.put(c.custom_json.as_bytes());
    }
}

/// Serialize `custom` after the registered claims, check its keys, and
/// splice its members into the object being written.
fn append_custom<T: Serialize + ?Sized>(out: &mut Vec<u8>, custom: &T) -> Result<(), Error> {
    let start = out.len();
    const FAILED: Error = Error::InvalidArgument("the custom claims failed to serialize");
    #[cfg(feature = "std")]
    serde_json::to_writer(&mut *out, custom).map_err(|_| FAILED)?;
    #[cfg(not(feature = "std"))]
    out.extend_from_slice(&serde_json::to_vec(custom).map_err(|_| FAILED)?);
    let members = out.get(start..).unwrap_or_default();
    match custom_members(members)? {
        // `null` (unit, `None`) or `{}`: no custom claims.
        0 => out.truncate(start),
        // Replace the custom object's `{` by `,`; its `}` is dropped here
        // and the caller closes the whole object.
        _ => {
            if let Some(b) = out.get_mut(start) {
                *b = b',';
            }
            out.pop();
        }
    }
    Ok(())
}

/// How many members the serialized custom claims have (0 for `null`),
/// refusing registered names and anything but an object.
fn custom_members(json: &[u8]) -> Result<usize, Error> {
    struct V<'c>(&'c Cell<Option<&'static str>>);
    impl<'de> Visitor<'de> for V<'_> {
        type Value = usize;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_unit<E: de::Error>(self) -> Result<usize, E> {
            Ok(0)
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<usize, A::Error> {
            let mut n = 0;
            while let Some(key) = map.next_key::<StrOrString<'de>>()? {
                if let Some(name) = registered_name(&key.0) {
                    self.0.set(Some(name));
                    return Err(de::Error::custom("reserved claim"));
                }
                map.next_value::<IgnoredAny>()?;
                n += 1;
            }
            Ok(n)
        }
    }
    let reserved = Cell::new(None);
    let n = serde_json::Deserializer::from_slice(json).deserialize_any(V(&reserved));
    match (reserved.get(), n) {
        (Some(name), _) => Err(Error::ReservedClaim(name)),
        (None, Ok(n)) => Ok(n),
        (None, Err(_)) => Err(Error::InvalidArgument(
            "the custom claims must serialize to a JSON object",
        )),
    }
}

fn push_time<O: Out>(out: &mut O, t: Timestamp) {
    struct W<'a, O>(&'a mut O);
    impl<O: Out> fmt::Write for W<'_, O> {
        fn write_str(&mut self, s: &str) -> fmt::Result {
            self.0.put(s.as_bytes());
            Ok(())
        }
    }
    // Writing into an `Out` cannot fail (a full `StackOut` records it).
    let _ = t.write_rfc3339(&mut W(out));
}

/// A JSON string literal (RFC 8259): escapes `"`, `\` and control characters.
pub(crate) fn write_json_string<O: Out>(out: &mut O, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.put(b"\"");
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let esc: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0..=0x1f => b"",
            _ => continue,
        };
        out.put(bytes.get(start..i).unwrap_or_default());
        if esc.is_empty() {
            out.put(b"\\u00");
            out.put(&[HEX[usize::from(b >> 4)], HEX[usize::from(b & 0xf)]]);
        } else {
            out.put(esc);
        }
        start = i + 1;
    }
    out.put(bytes.get(start..).unwrap_or_default());
    out.put(b"\"");
}

/// Parse authenticated payload bytes into [`Claims`] with the default
/// renewal rule (half the idle lifetime, no absolute limit known). Checks
/// no time rule: see [`Claims::check_time`].
#[cfg(test)]
pub(crate) fn parse_payload(payload: &[u8]) -> Result<Claims, Error> {
    let reg = parse_registered(payload)?;
    let renew_at = reg.iat.and_then(|iat| {
        let idle = reg.exp.duration_since(iat)?;
        iat.checked_add(idle / 2)
    });
    let aud = reg.aud.as_deref().map(Arc::from);
    Ok(reg.into_claims(aud, renew_at))
}

/// Parse the registered claims of authenticated payload bytes, borrowing
/// their strings from `payload`, and collect the custom members' JSON text.
///
/// serde_json reads every payload and decides every error.
pub(crate) fn parse_registered(payload: &[u8]) -> Result<Registered<'_>, Error> {
    // JSON is UTF-8 (RFC 8259). Validate it up front: serde_json's slice
    // reader skips the strings of ignored claims without checking them.
    let text = core::str::from_utf8(payload).map_err(|_| ClaimsError::NotJson)?;
    serde_raw(text)?.finish()
}

/// The registered claims of a payload as serde_json reads them.
fn serde_raw(text: &str) -> Result<Raw<'_>, Error> {
    let field: Cell<Option<&'static str>> = Cell::new(None);
    let duplicate = Cell::new(false);
    let mut de = serde_json::Deserializer::from_str(text);
    let raw = de
        .deserialize_map(RawVisitor {
            field: &field,
            duplicate: &duplicate,
        })
        .map_err(|e| classify(&e, field.get(), duplicate.get()))?;
    de.end().map_err(|_| ClaimsError::NotJson)?;
    Ok(raw)
}

fn classify(e: &serde_json::Error, field: Option<&'static str>, duplicate: bool) -> Error {
    match (e.classify(), field) {
        (serde_json::error::Category::Data, Some(f)) if duplicate => {
            ClaimsError::Duplicate(f).into()
        }
        (serde_json::error::Category::Data, Some(f)) => ClaimsError::WrongType(f).into(),
        _ => ClaimsError::NotJson.into(),
    }
}

#[derive(Default, Debug, PartialEq)]
struct Raw<'a> {
    sub: Option<Cow<'a, str>>,
    exp: Option<Cow<'a, str>>,
    iat: Option<Cow<'a, str>>,
    nbf: Option<Cow<'a, str>>,
    sst: Option<Cow<'a, str>>,
    jti: Option<Cow<'a, str>>,
    aud: Option<Cow<'a, str>>,
    /// The custom members, exactly as in the payload (`"name":value`),
    /// joined by `,`; allocated only when there is one.
    custom: Option<String>,
}

impl<'a> Raw<'a> {
    fn finish(self) -> Result<Registered<'a>, Error> {
        let sub = self.sub.ok_or(ClaimsError::Missing("sub"))?;
        if sub.is_empty() {
            return Err(ClaimsError::EmptySubject.into());
        }
        let exp = self.exp.ok_or(ClaimsError::Missing("exp"))?;
        let jti = match self.jti {
            None => None,
            Some(j) => Some(SessionId::parse(&j).ok_or(ClaimsError::BadValue("jti"))?),
        };
        Ok(Registered {
            exp: time("exp", &exp)?,
            iat: self.iat.map(|t| time("iat", &t)).transpose()?,
            nbf: self.nbf.map(|t| time("nbf", &t)).transpose()?,
            sst: self.sst.map(|t| time("sst", &t)).transpose()?,
            jti,
            aud: self.aud,
            sub,
            custom: self.custom,
        })
    }
}

fn time(name: &'static str, s: &str) -> Result<Timestamp, Error> {
    Timestamp::parse_rfc3339(s).map_err(|_| ClaimsError::BadTime(name).into())
}

struct RawVisitor<'c> {
    /// The known claim being read, so a type error can name it.
    field: &'c Cell<Option<&'static str>>,
    duplicate: &'c Cell<bool>,
}

impl<'de> Visitor<'de> for RawVisitor<'_> {
    type Value = Raw<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object of claims")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Raw<'de>, A::Error> {
        let mut raw = Raw::default();
        // Each name is read as its exact JSON text, so a custom member can
        // be carried over byte for byte.
        while let Some(key) = map.next_key::<&'de RawValue>()? {
            let name = member_name::<A::Error>(key.get())?;
            let slot = match name.as_ref() {
                "sub" => (&mut raw.sub, "sub"),
                "exp" => (&mut raw.exp, "exp"),
                "iat" => (&mut raw.iat, "iat"),
                "nbf" => (&mut raw.nbf, "nbf"),
                "sst" => (&mut raw.sst, "sst"),
                "jti" => (&mut raw.jti, "jti"),
                "aud" => (&mut raw.aud, "aud"),
                _ => {
                    self.field.set(None);
                    let value = map.next_value::<&'de RawValue>()?;
                    let custom = raw.custom.get_or_insert_with(String::new);
                    if !custom.is_empty() {
                        custom.push(',');
                    }
                    custom.push_str(key.get());
                    custom.push(':');
                    custom.push_str(value.get());
                    continue;
                }
            };
            self.field.set(Some(slot.1));
            if slot.0.is_some() {
                self.duplicate.set(true);
                return Err(de::Error::duplicate_field(slot.1));
            }
            *slot.0 = Some(map.next_value::<StrOrString<'de>>()?.0);
        }
        self.field.set(None);
        Ok(raw)
    }
}

/// The value of a member name given as its JSON string text (quotes
/// included, already checked by serde_json): borrowed unless it has escapes.
fn member_name<E: de::Error>(json: &str) -> Result<Cow<'_, str>, E> {
    match json.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
        Some(plain) if !plain.contains('\\') => Ok(Cow::Borrowed(plain)),
        _ => serde_json::from_str::<String>(json)
            .map(Cow::Owned)
            .map_err(|_| E::custom("a member name")),
    }
}

/// A JSON string, borrowed from the payload when it has no escapes.
struct StrOrString<'de>(Cow<'de, str>);

impl<'de> de::Deserialize<'de> for StrOrString<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = StrOrString<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(StrOrString(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(StrOrString(Cow::Owned(v.into())))
            }
        }
        d.deserialize_str(V)
    }
}

/// Deserialize the custom claims `T` from an authenticated payload whose
/// registered claims have already been read.
///
/// `T` never sees a registered claim: a map skips them, and a derived struct
/// that names one as a field is refused with [`Error::ReservedClaim`] before
/// anything is read. Any other failure is the opaque
/// [`ClaimsError::Custom`] (serde's messages can quote claim values).
pub(crate) fn parse_custom<T: DeserializeOwned>(payload: &[u8]) -> Result<T, Error> {
    let reserved = Cell::new(None);
    let mut de = serde_json::Deserializer::from_slice(payload);
    let custom = T::deserialize(CustomDe {
        inner: &mut de,
        reserved: &reserved,
    });
    match (reserved.get(), custom) {
        (Some(name), _) => Err(Error::ReservedClaim(name)),
        (None, Ok(t)) => Ok(t),
        (None, Err(_)) => Err(ClaimsError::Custom.into()),
    }
}

/// A view of the payload object without its registered claims.
struct CustomDe<'a, 'c> {
    inner: &'a mut serde_json::Deserializer<serde_json::de::SliceRead<'c>>,
    reserved: &'a Cell<Option<&'static str>>,
}

impl<'de> Deserializer<'de> for CustomDe<'_, 'de> {
    type Error = serde_json::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        self.deserialize_map(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        self.inner.deserialize_map(Filtered(visitor))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        if let Some(name) = fields.iter().find_map(|f| registered_name(f)) {
            self.reserved.set(Some(name));
            return Err(de::Error::custom("reserved claim"));
        }
        self.deserialize_map(visitor)
    }

    /// `()` and unit structs: no custom claims.
    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        visitor.visit_unit()
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        visitor.visit_unit()
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        visitor.visit_newtype_struct(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf seq tuple tuple_struct enum identifier ignored_any
    }
}

/// Passes a map on to `V` with the registered claims skipped.
struct Filtered<V>(V);

impl<'de, V: Visitor<'de>> Visitor<'de> for Filtered<V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.expecting(f)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.0.visit_map(FilteredMap(map))
    }
}

struct FilteredMap<A>(A);

impl<'de, A: MapAccess<'de>> MapAccess<'de> for FilteredMap<A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        while let Some(key) = self.0.next_key::<StrOrString<'de>>()? {
            if registered_name(&key.0).is_some() {
                self.0.next_value::<IgnoredAny>()?;
                continue;
            }
            return match key.0 {
                Cow::Borrowed(s) => seed.deserialize(BorrowedStrDeserializer::new(s)).map(Some),
                Cow::Owned(s) => seed.deserialize(StringDeserializer::new(s)).map(Some),
            };
        }
        Ok(None)
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, A::Error> {
        self.0.next_value_seed(seed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::collections::BTreeMap;
    use alloc::string::ToString;
    use serde::Deserialize;

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
