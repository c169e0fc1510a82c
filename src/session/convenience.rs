//! The two-line path: [`Key::seal`] / [`Key::open`] and the same on a
//! [`KeyRing`], each a [`Policy`] with defaults.

use alloc::string::String;
use core::time::Duration;

use super::Policy;
use crate::claims::Claims;
use crate::error::Error;
use crate::key::Key;
use crate::keyring::KeyRing;
use crate::time::Timestamp;

impl Key {
    /// Seal `user_id` into a token that expires `lifetime` from now.
    ///
    /// The token carries `sub`, `exp`, `iat` (whole seconds, UTC), the
    /// session start `sst` (`now` to the nanosecond, when it is not a whole
    /// second) and a fresh random session id `jti`. This is
    /// [`Policy::new`]`(lifetime, lifetime)` sealing: no renewal past
    /// `lifetime`, no audience, the default size budget.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an empty user id, a lifetime under one
    /// second or an expiry past year 9999; [`Error::OverSizeBudget`] for a
    /// token longer than [`Policy::DEFAULT_MAX_TOKEN_LEN`];
    /// [`Error::Rng`] if the OS RNG fails.
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
        Policy::new(lifetime, lifetime).seal(self, user_id, now)
    }

    /// Open a token at the system clock's current time.
    ///
    /// # Errors
    /// Before authentication: [`Error::TokenTooLarge`], [`Error::Malformed`];
    /// the authentication failure: [`Error::Unauthenticated`], which says
    /// nothing more; after it: [`Error::InvalidClaims`], [`Error::Expired`],
    /// [`Error::NotYetValid`], [`Error::WrongAudience`] (for a token bound to
    /// an audience: open those with a [`Policy`] naming it).
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

    /// Open a token at `now`: [`Policy::open`] with the defaults (no
    /// leeway, no audience, at most [`Policy::DEFAULT_MAX_OPEN_LEN`] bytes).
    /// A token is valid when `nbf <= now < exp`.
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
        Policy::OPEN_DEFAULTS.open(self, token, now)
    }
}

impl KeyRing {
    /// Seal `user_id` into a token that expires `lifetime` from now, with
    /// the current key and its `kid` footer: [`Key::seal`] through the ring.
    /// For audience, renewal, custom claims and the rest, pass the ring to a
    /// [`Policy`] (it is a [`KeySource`](crate::KeySource)).
    ///
    /// # Errors
    /// As [`Key::seal`].
    ///
    /// # Example
    /// ```
    /// use sealed_session::{Key, KeyRing};
    /// use std::time::Duration;
    /// let ring = KeyRing::new(Key::generate());
    /// let token = ring.seal("12234", Duration::from_secs(3600))?;
    /// assert_eq!(ring.open(&token)?.user_id(), "12234");
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    #[cfg(feature = "std")]
    pub fn seal(&self, user_id: &str, lifetime: Duration) -> Result<String, Error> {
        self.seal_at(user_id, lifetime, Timestamp::now())
    }

    /// [`KeyRing::seal`] with the current time as an input.
    ///
    /// # Errors
    /// As [`Key::seal`].
    ///
    /// # Example
    /// ```
    /// use sealed_session::{Key, KeyRing, Timestamp};
    /// use std::time::Duration;
    /// let ring = KeyRing::new(Key::generate());
    /// let now = Timestamp::parse_rfc3339("2030-01-01T00:00:00Z").unwrap();
    /// let token = ring.seal_at("12234", Duration::from_secs(60), now)?;
    /// assert_eq!(ring.open_at(&token, now)?.user_id(), "12234");
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    #[cfg(feature = "std")]
    pub fn seal_at(
        &self,
        user_id: &str,
        lifetime: Duration,
        now: Timestamp,
    ) -> Result<String, Error> {
        Policy::new(lifetime, lifetime).seal(self, user_id, now)
    }

    /// Open a token at the system clock's current time.
    ///
    /// # Errors
    /// As [`Key::open`], plus [`Error::UnknownKey`] and
    /// [`Malformed::Footer`](crate::Malformed::Footer) (see the routing rules on [`KeyRing`]).
    ///
    /// # Example
    /// ```
    /// use sealed_session::{Error, Key, KeyRing};
    /// use std::time::Duration;
    /// let ring = KeyRing::new(Key::generate());
    /// let token = ring.seal("12234", Duration::from_secs(3600))?;
    /// assert_eq!(ring.open(&token)?.user_id(), "12234");
    /// let other = KeyRing::new(Key::generate());
    /// assert_eq!(other.open(&token), Err(Error::UnknownKey));
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    #[cfg(feature = "std")]
    pub fn open(&self, token: &str) -> Result<Claims, Error> {
        self.open_at(token, Timestamp::now())
    }

    /// Open a token at `now`: [`Policy::open`] with the defaults, as
    /// [`Key::open_at`]. A token is valid when `nbf <= now < exp`.
    ///
    /// # Errors
    /// As [`KeyRing::open`].
    ///
    /// # Example
    /// ```
    /// use sealed_session::{Error, Key, KeyRing, Timestamp};
    /// use std::time::Duration;
    /// let ring = KeyRing::new(Key::generate());
    /// let now = Timestamp::parse_rfc3339("2030-01-01T00:00:00Z").unwrap();
    /// let token = ring.seal_at("12234", Duration::from_secs(60), now)?;
    /// let later = Timestamp::parse_rfc3339("2030-01-01T00:01:00Z").unwrap();
    /// assert_eq!(ring.open_at(&token, later), Err(Error::Expired));
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    pub fn open_at(&self, token: &str, now: Timestamp) -> Result<Claims, Error> {
        Policy::OPEN_DEFAULTS.open(self, token, now)
    }
}
