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
        seal_payload(self, &payload(user_id, lifetime, now)?)
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
        let claims = open_payload(
            self,
            token,
            format::DEFAULT_MAX_TOKEN_LEN,
            claims::parse_payload,
        )?;
        claims.check_time(now)?;
        Ok(claims)
    }
}

/// Where the key for a seal or an open comes from: a single [`Key`], or a
/// key ring that routes by the footer's key id.
///
/// This trait is sealed: it is implemented by this crate's key types only.
pub trait KeySource: private::Sealed {
    /// The key that seals, and the footer to seal with it (empty for none).
    #[doc(hidden)]
    fn sealing_key(&self) -> (&Key, &[u8]);

    /// The one key that may open a token whose **unauthenticated** footer is
    /// `untrusted_footer`. Never tries more than one key.
    #[doc(hidden)]
    fn opening_key(&self, untrusted_footer: &[u8]) -> Result<&Key, Error>;
}

mod private {
    pub trait Sealed {}
    impl Sealed for crate::key::Key {}
    impl Sealed for crate::keyring::KeyRing {}
}

impl KeySource for Key {
    fn sealing_key(&self) -> (&Key, &[u8]) {
        (self, b"")
    }

    /// A single key opens any token, with or without a footer: the footer is
    /// authenticated by the AEAD either way.
    fn opening_key(&self, _untrusted_footer: &[u8]) -> Result<&Key, Error> {
        Ok(self)
    }
}

/// Seal a ready payload with the key source's sealing key and footer.
#[cfg(feature = "std")]
pub(crate) fn seal_payload(keys: &impl KeySource, payload: &[u8]) -> Result<String, Error> {
    let (key, footer) = keys.sealing_key();
    format::seal(key, payload, footer)
}

/// Parse, route to exactly one key, authenticate, then hand the payload to `f`.
pub(crate) fn open_payload<R>(
    keys: &impl KeySource,
    token: &str,
    max_len: usize,
    f: impl FnOnce(&[u8]) -> Result<R, Error>,
) -> Result<R, Error> {
    let untrusted = UntrustedToken::parse_with_max_len(token, max_len)?;
    let untrusted_footer = untrusted.untrusted_footer()?;
    let key = keys.opening_key(&untrusted_footer)?;
    untrusted.open_with(key, &untrusted_footer, f)
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
