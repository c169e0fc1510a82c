//! The tiny API: seal a user id with a lifetime, open a token to its claims.

use alloc::string::String;
use alloc::vec::Vec;
use core::time::Duration;

use crate::claims::{self, Claims};
use crate::error::Error;
use crate::format::{self, UntrustedToken};
use crate::key::Key;
use crate::time::Timestamp;

impl Key {
    /// Seal `user_id` into a token that expires `lifetime` from now.
    ///
    /// The token carries `sub`, `exp` and `iat` (whole seconds, UTC).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an empty user id or an expiry past
    /// year 9999; [`Error::Rng`] if the OS RNG fails.
    ///
    /// # Security
    /// The claims are encrypted; the token's length reveals the user id's
    /// length.
    ///
    /// # Example
    /// ```
    /// use sealed_session::Key;
    /// use std::time::Duration;
    /// let key = Key::generate();
    /// let token = key.seal("12234", Duration::from_secs(3600))?;
    /// assert_eq!(key.open(&token)?.user_id(), "12234");
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    #[cfg(feature = "std")]
    pub fn seal(&self, user_id: &str, lifetime: Duration) -> Result<String, Error> {
        self.seal_at(user_id, lifetime, Timestamp::now())
    }

    /// [`Key::seal`] with the current time as an input.
    ///
    /// # Errors
    /// As [`Key::seal`].
    ///
    /// # Example
    /// ```
    /// use sealed_session::{Key, Timestamp, Error};
    /// use std::time::Duration;
    /// let key = Key::generate();
    /// let now = Timestamp::parse_rfc3339("2030-01-01T00:00:00Z").unwrap();
    /// let token = key.seal_at("12234", Duration::from_secs(60), now)?;
    /// let later = Timestamp::parse_rfc3339("2030-01-01T00:01:00Z").unwrap();
    /// assert_eq!(key.open_at(&token, later), Err(Error::Expired));
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    #[cfg(feature = "std")]
    pub fn seal_at(
        &self,
        user_id: &str,
        lifetime: Duration,
        now: Timestamp,
    ) -> Result<String, Error> {
        let payload = payload(user_id, lifetime, now)?;
        format::seal(self, &payload, b"")
    }

    /// Open a token at the system clock's current time.
    ///
    /// # Errors
    /// Before authentication: [`Error::TokenTooLarge`], [`Error::Malformed`];
    /// the authentication failure: [`Error::Unauthenticated`], which says
    /// nothing more; after it: [`Error::InvalidClaims`], [`Error::Expired`],
    /// [`Error::NotYetValid`].
    ///
    /// # Example
    /// ```
    /// use sealed_session::{Key, Error};
    /// use std::time::Duration;
    /// let key = Key::generate();
    /// let token = key.seal("12234", Duration::from_secs(3600))?;
    /// let claims = key.open(&token)?;
    /// assert_eq!(claims.user_id(), "12234");
    /// assert_eq!(Key::generate().open(&token), Err(Error::Unauthenticated));
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    #[cfg(feature = "std")]
    pub fn open(&self, token: &str) -> Result<Claims, Error> {
        self.open_at(token, Timestamp::now())
    }

    /// Open a token at `now`. A token is valid when `nbf <= now < exp`.
    ///
    /// # Errors
    /// As [`Key::open`].
    ///
    /// # Example
    /// ```
    /// use sealed_session::{Key, Timestamp};
    /// use std::time::Duration;
    /// let key = Key::generate();
    /// let now = Timestamp::parse_rfc3339("2030-01-01T00:00:00Z").unwrap();
    /// let token = key.seal_at("12234", Duration::from_secs(60), now)?;
    /// assert_eq!(key.open_at(&token, now)?.user_id(), "12234");
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    pub fn open_at(&self, token: &str, now: Timestamp) -> Result<Claims, Error> {
        let untrusted = UntrustedToken::parse(token)?;
        let footer = untrusted.untrusted_footer()?;
        let claims = untrusted.open_with(self, &footer, claims::parse_payload)?;
        claims.check_time(now)?;
        Ok(claims)
    }
}

/// The claims payload for a new token.
#[cfg_attr(not(feature = "std"), allow(dead_code))]
pub(crate) fn payload(user_id: &str, lifetime: Duration, now: Timestamp) -> Result<Vec<u8>, Error> {
    if user_id.is_empty() {
        return Err(Error::InvalidArgument("the user id is empty"));
    }
    let iat = now.trunc_seconds();
    let exp = iat
        .checked_add(lifetime)
        .ok_or(Error::InvalidArgument("the expiry is past the year 9999"))?
        .trunc_seconds();
    if exp <= iat {
        return Err(Error::InvalidArgument(
            "the lifetime is shorter than one second",
        ));
    }
    let mut out = Vec::with_capacity(64 + user_id.len());
    claims::write_payload(&mut out, user_id, exp, iat);
    Ok(out)
}

/// The deterministic high-level seal, exposed only for this crate's vector tests.
#[cfg(feature = "__internal-test")]
#[doc(hidden)]
pub fn __seal_claims_with_nonce_seed(
    key: &Key,
    seed: &[u8; format::NONCE_LEN],
    user_id: &str,
    lifetime: Duration,
    now: Timestamp,
) -> Result<String, Error> {
    let payload = payload(user_id, lifetime, now)?;
    Ok(format::seal_with_seed(key, seed, &payload, b""))
}
