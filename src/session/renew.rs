//! Renewal: the same session (user, start, id, audience, custom claims)
//! with a fresh idle lifetime.

#[cfg(feature = "std")]
use alloc::string::String;

#[cfg(feature = "std")]
use super::new::{seal_within, write_new_payload};
use super::Policy;
use crate::claims::{self, Claims, SessionId};
use crate::error::{ClaimsError, Error};
use crate::keyring::KeySource;
use crate::time::Timestamp;

impl Policy {
    /// Re-seal an opened session at `now`: the same user, session start
    /// (`sst`), session id (`jti`), audience (`aud`) and custom claims; a
    /// fresh `iat`; `exp = min(now + idle, sst + absolute)`; no `nbf` (or
    /// `nbf = iat` with [`Policy::with_nbf`]).
    ///
    /// The custom claims are carried over as they were authenticated, every
    /// member byte for byte ([`Claims::custom_json`]), whatever type `T` the
    /// claims were opened as: a [`Claims`] from [`Policy::open`] (custom
    /// claims ignored) renews with all of them.
    ///
    /// Renew only claims that passed every check, including
    /// [`Claims::check_valid_after`].
    ///
    /// # Errors
    /// [`Error::WrongAudience`] if this policy's audience is not the
    /// token's (a session is never re-bound to another audience);
    /// [`Error::AbsoluteLifetimeOver`] once less than one second of the
    /// absolute lifetime is left; [`Error::Expired`] if `claims` expired
    /// (with leeway) before `now`; [`ClaimsError::Missing`]`("sst")` for a
    /// token with neither `sst` nor `iat`; as [`Policy::seal`] otherwise.
    ///
    /// # Example
    /// ```
    /// use sealed_session::{Error, Key, Policy, Timestamp};
    /// use std::time::Duration;
    /// let key = Key::generate();
    /// let policy = Policy::new(Duration::from_secs(600), Duration::from_secs(1000));
    /// let at = |s: i64| Timestamp::from_unix_seconds(1_900_000_000 + s).unwrap();
    /// let first = policy.open(&key, &policy.seal(&key, "7", at(0))?, at(0))?;
    ///
    /// let renewed = policy.open(&key, &policy.renew(&key, &first, at(300))?, at(300))?;
    /// assert_eq!(renewed.expires_at(), at(900));
    /// assert_eq!(renewed.session_started_at(), Some(at(0)));
    /// assert_eq!(renewed.session_id(), first.session_id());
    ///
    /// // Capped at the absolute lifetime, then refused.
    /// let last = policy.open(&key, &policy.renew(&key, &renewed, at(800))?, at(800))?;
    /// assert_eq!(last.expires_at(), at(1000));
    /// assert_eq!(policy.renew(&key, &last, at(1000)), Err(Error::AbsoluteLifetimeOver));
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    #[cfg(feature = "std")]
    pub fn renew<T>(
        &self,
        keys: &impl KeySource,
        claims: &Claims<T>,
        now: Timestamp,
    ) -> Result<String, Error> {
        let jti = match claims.session_id() {
            Some(id) => id,
            None => SessionId::random()?,
        };
        self.with_renewal_payload(claims, jti, now, |payload| {
            seal_within(keys, payload, self.max_token_len, None)
        })
    }

    /// Write the payload of a renewal (deterministic given `jti`) and hand
    /// it to `f`.
    #[cfg(feature = "std")]
    fn with_renewal_payload<T, R>(
        &self,
        claims: &Claims<T>,
        jti: SessionId,
        now: Timestamp,
        f: impl FnOnce(&[u8]) -> Result<R, Error>,
    ) -> Result<R, Error> {
        // The session stays bound to the audience it was opened for.
        if claims.audience() != self.audience() {
            return Err(Error::WrongAudience);
        }
        let sst = claims
            .session_started_at()
            .ok_or(ClaimsError::Missing("sst"))?;
        if sst.checked_add(self.absolute).is_some_and(|end| now >= end) {
            return Err(Error::AbsoluteLifetimeOver);
        }
        claims::check_time(claims.expires_at(), None, now, self.leeway)?;
        let mut new = self.new_claims(claims.user_id(), None, Some(sst), jti, now)?;
        new.custom_json = claims.custom_json();
        write_new_payload::<(), R>(&new, None, f)
    }
}
