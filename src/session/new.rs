//! Building and sealing a new session: [`NewSession`], [`Policy::seal`],
//! the payload a new token or a renewal carries, and the size budget.

use alloc::string::String;
use alloc::vec::Vec;
use core::time::Duration;

use serde::Serialize;

use super::Policy;
use crate::claims::{self, NewClaims, SessionId};
use crate::error::Error;
use crate::format;
#[cfg(any(test, feature = "__internal-test"))]
use crate::key::Key;
use crate::keyring::KeySource;
use crate::time::Timestamp;

/// Payloads without custom claims up to this size are written on the stack
/// (a default one is about 105 bytes plus the user id).
const STACK_PAYLOAD: usize = 448;

impl Policy {
    /// Start sealing a new session for `user_id`, to add custom claims or
    /// `nbf` before [`NewSession::seal`].
    ///
    /// ```
    /// use sealed_session::{Key, Policy, Timestamp};
    /// use std::time::Duration;
    /// #[derive(serde::Serialize, serde::Deserialize)]
    /// struct Prefs { theme: String }
    ///
    /// let key = Key::generate();
    /// let policy = Policy::new(Duration::from_secs(600), Duration::from_secs(86_400));
    /// let now = Timestamp::from_unix_seconds(1_900_000_000).unwrap();
    /// let prefs = Prefs { theme: "dark".into() };
    /// let token = policy.new_session("7").custom(&prefs).seal(&key, now)?;
    /// let claims = policy.open_custom::<Prefs>(&key, &token, now)?;
    /// assert_eq!(claims.custom().theme, "dark");
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    pub fn new_session<'a>(&'a self, user_id: &'a str) -> NewSession<'a> {
        NewSession {
            policy: self,
            user_id,
            custom: None,
            not_before: None,
        }
    }

    /// Seal a new session for `user_id` at `now`: `iat = now` in whole
    /// seconds, the session start `sst = now` to the nanosecond (not written
    /// when it equals `iat`; see [`Claims::check_valid_after`](crate::Claims::check_valid_after)),
    /// `exp = min(iat + idle, sst + absolute)` in whole seconds, a fresh
    /// random `jti`, the policy's audience (and `nbf = iat` with
    /// [`Policy::with_nbf`]).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an empty user id, an `exp` less than
    /// one second after `iat` or past year 9999; [`Error::OverSizeBudget`];
    /// [`Error::Rng`].
    ///
    /// # Example
    /// ```
    /// use sealed_session::{Key, Policy, Timestamp};
    /// use std::time::Duration;
    /// let key = Key::generate();
    /// let policy = Policy::new(Duration::from_secs(600), Duration::from_secs(86_400));
    /// let now = Timestamp::from_unix_seconds(1_900_000_000).unwrap();
    /// let token = policy.seal(&key, "7", now)?;
    /// let claims = policy.open(&key, &token, now)?;
    /// assert_eq!(claims.expires_at().unix_seconds(), 1_900_000_600);
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    #[cfg(feature = "std")]
    pub fn seal(
        &self,
        keys: &impl KeySource,
        user_id: &str,
        now: Timestamp,
    ) -> Result<String, Error> {
        self.new_session(user_id).seal(keys, now)
    }

    /// Write the payload of a new token (`sst: None`) or a renewal and hand
    /// it to `f`: on the stack when there are no custom claims and it fits
    /// (the common case: no allocation), else in a `Vec`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn with_payload<T: Serialize + ?Sized, R>(
        &self,
        user_id: &str,
        custom: Option<&T>,
        not_before: Option<Timestamp>,
        sst: Option<Timestamp>,
        jti: SessionId,
        now: Timestamp,
        f: impl FnOnce(&[u8]) -> Result<R, Error>,
    ) -> Result<R, Error> {
        let claims = self.new_claims(user_id, not_before, sst, jti, now)?;
        write_new_payload(&claims, custom, f)
    }

    /// The registered claims of a new token or a renewal, checked.
    pub(super) fn new_claims<'a>(
        &'a self,
        user_id: &'a str,
        not_before: Option<Timestamp>,
        sst: Option<Timestamp>,
        jti: SessionId,
        now: Timestamp,
    ) -> Result<NewClaims<'a>, Error> {
        if user_id.is_empty() {
            return Err(Error::InvalidArgument("the user id is empty"));
        }
        let iat = now.trunc_seconds();
        let renewing = sst.is_some();
        // A new session starts now, to the nanosecond (written as `sst` unless
        // it falls on a whole second): a logout-everywhere stored earlier in
        // the same second does not refuse it.
        let sst = sst.unwrap_or(now);
        let idle_end = iat.checked_add(self.idle);
        let absolute_end = sst.checked_add(self.absolute);
        if renewing && absolute_end.is_some_and(|end| now >= end) {
            return Err(Error::AbsoluteLifetimeOver);
        }
        let exp = match (idle_end, absolute_end) {
            (Some(a), Some(b)) => a.min(b),
            (Some(t), None) | (None, Some(t)) => t,
            (None, None) => return Err(Error::InvalidArgument("the expiry is past the year 9999")),
        }
        .trunc_seconds();
        if exp <= iat {
            return Err(if renewing {
                Error::AbsoluteLifetimeOver
            } else {
                Error::InvalidArgument("the lifetime is shorter than one second")
            });
        }
        if not_before.is_some_and(|nbf| nbf >= exp) {
            return Err(Error::InvalidArgument(
                "not_before is at or after the expiry",
            ));
        }
        Ok(NewClaims {
            sub: user_id,
            exp,
            iat,
            nbf: not_before.or(self.nbf.then_some(iat)),
            sst,
            jti,
            aud: self.audience.as_deref(),
            custom_json: "",
        })
    }
}

/// Write the payload of `claims` with `custom` and hand it to `f`: on the
/// stack when there are no typed custom claims and it fits (the common
/// case: no allocation), else in a `Vec`.
pub(super) fn write_new_payload<T: Serialize + ?Sized, R>(
    claims: &NewClaims<'_>,
    custom: Option<&T>,
    f: impl FnOnce(&[u8]) -> Result<R, Error>,
) -> Result<R, Error> {
    if custom.is_none() {
        let mut stack = claims::StackOut::<STACK_PAYLOAD>::new();
        claims::write_registered_payload(&mut stack, claims);
        if let Some(payload) = stack.written() {
            return f(payload);
        }
    }
    let extra = claims.aud.map_or(0, str::len) + claims.custom_json.len();
    // Plaintext claims: wiped once sealed.
    let mut out = zeroize::Zeroizing::new(Vec::with_capacity(192 + claims.sub.len() + extra));
    claims::write_payload(&mut out, claims, custom)?;
    f(&out)
}

/// A new session being prepared: custom claims and `nbf` are optional.
/// Made by [`Policy::new_session`]; sealed by [`NewSession::seal`].
///
/// # Example
/// ```
/// use sealed_session::{Error, Key, Policy, Timestamp};
/// use std::time::Duration;
/// let key = Key::generate();
/// let policy = Policy::new(Duration::from_secs(600), Duration::from_secs(600));
/// let now = Timestamp::from_unix_seconds(1_900_000_000).unwrap();
/// let starts = Timestamp::from_unix_seconds(1_900_000_060).unwrap();
/// let token = policy.new_session("7").not_before(starts).seal(&key, now)?;
/// assert_eq!(policy.open(&key, &token, now), Err(Error::NotYetValid));
/// assert!(policy.open(&key, &token, starts).is_ok());
/// # Ok::<(), sealed_session::Error>(())
/// ```
#[derive(Debug)]
#[must_use = "a new session does nothing until it is sealed"]
pub struct NewSession<'a, T: ?Sized = ()> {
    policy: &'a Policy,
    user_id: &'a str,
    custom: Option<&'a T>,
    not_before: Option<Timestamp>,
}

impl<T: ?Sized> Clone for NewSession<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: ?Sized> Copy for NewSession<'_, T> {}

impl<'a, T: Serialize + ?Sized> NewSession<'a, T> {
    /// Carry `custom` as typed custom claims. It must serialize to a JSON
    /// object (or to `null`/unit: none) whose keys are not registered
    /// claims.
    pub fn custom<U: Serialize + ?Sized>(self, custom: &'a U) -> NewSession<'a, U> {
        NewSession {
            policy: self.policy,
            user_id: self.user_id,
            custom: Some(custom),
            not_before: self.not_before,
        }
    }

    /// The token is not valid before `not_before` (`nbf`).
    pub fn not_before(mut self, not_before: Timestamp) -> Self {
        self.not_before = Some(not_before);
        self
    }

    /// Seal at `now` with a fresh random session id.
    ///
    /// # Errors
    /// As [`Policy::seal`], plus [`Error::ReservedClaim`] if the custom
    /// claims set a registered claim, [`Error::InvalidArgument`] if they do
    /// not serialize to a JSON object or `not_before` is not before `exp`.
    #[cfg(feature = "std")]
    pub fn seal(&self, keys: &impl KeySource, now: Timestamp) -> Result<String, Error> {
        // The session id and the nonce seed from one OS call, wiped on return.
        let mut fresh = zeroize::Zeroizing::new([0u8; SessionId::LEN + format::NONCE_LEN]);
        crate::rng::fill(&mut *fresh)?;
        let (jti, seed) = fresh.split_at(SessionId::LEN);
        let (Ok(jti), Ok(seed)) = (<[u8; SessionId::LEN]>::try_from(jti), seed.try_into()) else {
            unreachable!("the split is at SessionId::LEN");
        };
        self.with_payload(SessionId::from_bytes(jti), now, |payload| {
            seal_within(keys, payload, self.policy.max_token_len, Some(seed))
        })
    }

    fn with_payload<R>(
        &self,
        jti: SessionId,
        now: Timestamp,
        f: impl FnOnce(&[u8]) -> Result<R, Error>,
    ) -> Result<R, Error> {
        self.policy.with_payload(
            self.user_id,
            self.custom,
            self.not_before,
            None,
            jti,
            now,
            f,
        )
    }

    pub(crate) fn payload(&self, jti: SessionId, now: Timestamp) -> Result<Vec<u8>, Error> {
        self.with_payload(jti, now, |p| Ok(p.to_vec()))
    }
}

/// The length of the token that sealing `payload_len` bytes with a
/// `footer_len`-byte footer produces.
#[cfg_attr(not(feature = "std"), allow(dead_code))]
pub(crate) fn sealed_len(payload_len: usize, footer_len: usize) -> usize {
    let b64 = format::encoded_len;
    let footer = if footer_len == 0 {
        0
    } else {
        1 + b64(footer_len)
    };
    format::HEADER.len() + b64(format::NONCE_LEN + payload_len + format::TAG_LEN) + footer
}

/// Seal `payload` if the token fits in `max_len`; with `seed` (a fresh one
/// drawn by the caller, or a fixed one in tests) instead of drawing one.
#[cfg_attr(not(feature = "std"), allow(unused_variables, dead_code))]
pub(crate) fn seal_within(
    keys: &impl KeySource,
    payload: &[u8],
    max_len: usize,
    seed: Option<&[u8; format::NONCE_LEN]>,
) -> Result<String, Error> {
    let (key, footer, footer_b64) = keys.sealing_key();
    if sealed_len(payload.len(), footer.len()) > max_len {
        return Err(Error::OverSizeBudget);
    }
    let footer = match footer_b64 {
        Some(text) => format::Footer::pre_encoded(footer, text),
        None => format::Footer::encode(footer),
    };
    match seed {
        Some(seed) => Ok(format::seal_with_seed_and_footer(
            key, seed, payload, footer,
        )),
        #[cfg(feature = "std")]
        None => format::seal_with_footer(key, payload, footer),
        #[cfg(not(feature = "std"))]
        None => Err(Error::Rng),
    }
}

/// The two-line path's claims payload with a given session id (deterministic: for vector hooks).
#[cfg_attr(not(any(test, feature = "__internal-test")), allow(dead_code))]
pub(crate) fn payload_with_session_id(
    user_id: &str,
    lifetime: Duration,
    now: Timestamp,
    jti: SessionId,
) -> Result<Vec<u8>, Error> {
    Policy::new(lifetime, lifetime)
        .new_session(user_id)
        .payload(jti, now)
}

/// The deterministic high-level seal, exposed only for this crate's vector
/// tests. The session id (`jti`) is the seed's first 16 bytes.
#[cfg(any(test, feature = "__internal-test"))]
#[doc(hidden)]
pub fn __seal_claims_with_nonce_seed(
    key: &Key,
    seed: &[u8; format::NONCE_LEN],
    user_id: &str,
    lifetime: Duration,
    now: Timestamp,
) -> Result<String, Error> {
    let payload = payload_with_session_id(user_id, lifetime, now, seed_session_id(seed))?;
    Ok(format::seal_with_seed(key, seed, &payload, b""))
}

/// The deterministic [`Policy`] seal, exposed only for this crate's vector
/// tests: a new session (`session_start: None`) or a renewal of a session
/// that started at `session_start`. The session id is the seed's first 16
/// bytes.
#[cfg(any(test, feature = "__internal-test"))]
#[doc(hidden)]
#[allow(clippy::too_many_arguments)]
pub fn __policy_seal_with_nonce_seed<T: Serialize + ?Sized>(
    policy: &Policy,
    keys: &impl KeySource,
    seed: &[u8; format::NONCE_LEN],
    user_id: &str,
    custom: Option<&T>,
    not_before: Option<Timestamp>,
    session_start: Option<Timestamp>,
    now: Timestamp,
) -> Result<String, Error> {
    let jti = seed_session_id(seed);
    policy.with_payload(user_id, custom, not_before, session_start, jti, now, |p| {
        seal_within(keys, p, policy.max_token_len, Some(seed))
    })
}

/// The session id the deterministic hooks derive from a nonce seed.
#[cfg(any(test, feature = "__internal-test"))]
pub(crate) fn seed_session_id(seed: &[u8; format::NONCE_LEN]) -> SessionId {
    let mut id = [0u8; SessionId::LEN];
    id.copy_from_slice(&seed[..SessionId::LEN]);
    SessionId::from_bytes(id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key::Key;
    use alloc::string::ToString;
    use base64ct::{Base64UrlUnpadded, Encoding};

    #[test]
    fn sealed_len_is_exact() {
        let key = Key::from_bytes([4; 32]);
        for payload_len in 0..100 {
            for footer_len in [0usize, 1, 2, 3, 40, 41] {
                let t = format::seal_with_seed(
                    &key,
                    &[9; 24],
                    &alloc::vec![b'x'; payload_len],
                    &alloc::vec![b'f'; footer_len],
                );
                assert_eq!(sealed_len(payload_len, footer_len), t.len());
            }
        }
        assert_eq!(
            sealed_len(1000, 0),
            format::HEADER.len() + Base64UrlUnpadded::encoded_len(&[0u8; 1040])
        );
    }

    #[test]
    fn budget_is_checked_before_sealing() {
        let key = Key::from_bytes([4; 32]);
        let payload = alloc::vec![b'x'; 100];
        let exact = sealed_len(100, 0);
        assert!(seal_within(&key, &payload, exact, Some(&[1; 24])).is_ok());
        assert_eq!(
            seal_within(&key, &payload, exact - 1, Some(&[1; 24])),
            Err(Error::OverSizeBudget)
        );
    }

    #[test]
    fn payload_is_deterministic_given_the_session_id() {
        let now = Timestamp::from_unix_seconds(1_900_000_000).unwrap();
        let id = SessionId::from_bytes([5; 16]);
        let a = payload_with_session_id("7", Duration::from_secs(60), now, id).unwrap();
        let b = payload_with_session_id("7", Duration::from_secs(60), now, id).unwrap();
        assert_eq!(a, b);
        let v: serde_json::Value = serde_json::from_slice(&a).unwrap();
        assert_eq!(v["jti"], id.to_string());
        assert_eq!(v["exp"], "2030-03-17T17:47:40Z");
        assert_eq!(v["iat"], "2030-03-17T17:46:40Z");
        assert!(v.get("sst").is_none(), "a new session's start is its iat");
    }

    #[test]
    fn lifetime_rules() {
        let now = Timestamp::from_parts(1_900_000_000, 900_000_000).unwrap();
        let id = SessionId::from_bytes([5; 16]);
        let p = |l| payload_with_session_id("7", l, now, id);
        assert!(p(Duration::from_secs(1)).is_ok());
        assert_eq!(
            p(Duration::from_millis(999)),
            Err(Error::InvalidArgument(
                "the lifetime is shorter than one second"
            ))
        );
        assert_eq!(
            p(Duration::MAX),
            Err(Error::InvalidArgument("the expiry is past the year 9999"))
        );
        assert_eq!(
            payload_with_session_id("", Duration::from_secs(1), now, id),
            Err(Error::InvalidArgument("the user id is empty"))
        );
    }
}
