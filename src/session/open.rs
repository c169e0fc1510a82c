//! Opening a token under a [`Policy`]: routing to one key, authentication,
//! then the audience, time and revocation checks.

use serde::de::DeserializeOwned;

use super::Policy;
use crate::claims::{self, Claims, Registered};
use crate::error::{ClaimsError, Error};
use crate::format::UntrustedToken;
use crate::keyring::KeySource;
use crate::time::Timestamp;

impl Policy {
    /// Open `token` at `now`. In order: the size limit, the format, one key,
    /// authentication, the registered claims, the audience, the time rules
    /// (`nbf - leeway <= now < exp + leeway`) and the revocation check.
    /// Custom claims in the token are ignored (see [`Policy::open_custom`]).
    ///
    /// Then, once the application has loaded the user, it calls
    /// [`Claims::check_valid_after`] ("log out everywhere").
    ///
    /// # Errors
    /// Before authentication: [`Error::TokenTooLarge`], [`Error::Malformed`]
    /// (and a key source's routing errors); the authentication failure:
    /// [`Error::Unauthenticated`], which says nothing more; after it:
    /// [`Error::InvalidClaims`], [`Error::WrongAudience`],
    /// [`Error::Expired`], [`Error::NotYetValid`], [`Error::Revoked`].
    ///
    /// # Example
    /// ```
    /// use sealed_session::{Error, Key, Policy, Timestamp};
    /// use std::time::Duration;
    /// let key = Key::generate();
    /// let admin = Policy::new(Duration::from_secs(600), Duration::from_secs(600))
    ///     .with_audience("admin");
    /// let shop = admin.clone().with_audience("shop");
    /// let now = Timestamp::from_unix_seconds(1_900_000_000).unwrap();
    /// let token = shop.seal(&key, "7", now)?;
    /// assert_eq!(admin.open(&key, &token, now), Err(Error::WrongAudience));
    /// assert_eq!(shop.open(&key, &token, now)?.user_id(), "7");
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    pub fn open(
        &self,
        keys: &impl KeySource,
        token: &str,
        now: Timestamp,
    ) -> Result<Claims, Error> {
        open_payload(keys, token, self.max_open_len, |payload| {
            self.validate(payload, now)
        })
    }

    /// [`Policy::open`], then deserialize the custom claims as `T` (after
    /// every other check passed).
    ///
    /// # Errors
    /// As [`Policy::open`], plus [`Error::ReservedClaim`] if `T` names a
    /// registered claim as a field, and [`ClaimsError::Custom`] if the
    /// custom claims do not deserialize as `T`.
    ///
    /// # Example
    /// See [`Policy::new_session`].
    pub fn open_custom<T: DeserializeOwned>(
        &self,
        keys: &impl KeySource,
        token: &str,
        now: Timestamp,
    ) -> Result<Claims<T>, Error> {
        open_payload(keys, token, self.max_open_len, |payload| {
            let claims = self.validate(payload, now)?;
            let custom = claims::parse_custom(payload)?;
            Ok(claims.with_custom(custom))
        })
    }

    /// Audience, time rules and revocation, then the claims.
    fn validate(&self, payload: &[u8], now: Timestamp) -> Result<Claims, Error> {
        let reg = claims::parse_registered(payload)?;
        if self.audience.as_deref() != reg.aud.as_deref() {
            return Err(Error::WrongAudience);
        }
        claims::check_time(reg.exp, reg.nbf, now, self.leeway)?;
        if let Some(check) = &self.revocation {
            let id = reg.jti.ok_or(ClaimsError::Missing("jti"))?;
            if check.is_revoked(id) {
                return Err(Error::Revoked);
            }
        }
        let renew_at = self.renew_at(&reg);
        Ok(reg.into_claims(self.audience.clone(), renew_at))
    }

    /// `iat + percent × (exp - iat)`, or `None` when renewing could not
    /// move `exp` (it sits at the absolute end) or there is no `iat`.
    fn renew_at(&self, reg: &Registered<'_>) -> Option<Timestamp> {
        let iat = reg.iat?;
        let start = reg.sst.unwrap_or(iat);
        if let Some(end) = start.checked_add(self.absolute) {
            if reg.exp >= end.trunc_seconds() {
                return None;
            }
        }
        let idle = reg.exp.duration_since(iat)?;
        let part = idle.checked_mul(u32::from(self.renew_after_percent))? / 100;
        iat.checked_add(part)
    }
}

/// Parse, route to exactly one key, authenticate, then hand the payload to `f`.
pub(crate) fn open_payload<R>(
    keys: &impl KeySource,
    token: &str,
    max_len: usize,
    f: impl FnOnce(&[u8]) -> Result<R, Error>,
) -> Result<R, Error> {
    let untrusted = UntrustedToken::parse_with_max_len(token, max_len)?;
    if let Some((key, footer)) = untrusted
        .untrusted_footer_b64()
        .and_then(|text| keys.opening_key_by_footer_text(text))
    {
        return untrusted.open_with(key, footer, f);
    }
    untrusted.with_untrusted_footer(|untrusted_footer| {
        let key = keys.opening_key(untrusted_footer)?;
        untrusted.open_with(key, untrusted_footer, f)
    })
}
