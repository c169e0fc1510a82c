//! [`SessionsBuilder`]: the settings of a [`Sessions`] (or an adapter's own
//! type made from one).

use core::fmt;
use core::marker::PhantomData;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use super::metrics::Metrics;
use super::{Clock, Inner, Sessions, DEFAULT_ABSOLUTE_LIFETIME, DEFAULT_IDLE_LIFETIME};
use crate::cookie::SessionCookie;
use crate::{KeyRing, LoadKeyError, Policy, Timestamp};

/// Builds [`Sessions`], or an adapter's own sessions type `S` (any type
/// made `From` a [`Sessions`]), so every adapter shares one builder.
///
/// # Example
/// ```
/// use sealed_session::{cookie::CookieOptions, web::Sessions, Key, KeyRing, Policy};
/// use std::time::Duration;
/// // Plain-HTTP development: no `Secure`, so no `__Host-` prefix either.
/// let cookie = CookieOptions::new().name("session").secure(false).build()?;
/// let policy = Policy::new(Duration::from_secs(1800), Duration::from_secs(8 * 3600))
///     .with_leeway(Duration::from_secs(5));
/// let sessions = Sessions::builder(KeyRing::new(Key::generate()))
///     .cookie(cookie)
///     .policy(policy)
///     .build();
/// assert_eq!(sessions.cookie().name(), "session");
/// # Ok::<(), sealed_session::cookie::CookieError>(())
/// ```
pub struct SessionsBuilder<S = Sessions> {
    keys: KeyRing,
    policy: Policy,
    cookie: SessionCookie,
    clock: Clock,
    key_dir: Option<PathBuf>,
    output: PhantomData<fn() -> S>,
}

impl<S> fmt::Debug for SessionsBuilder<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionsBuilder").finish_non_exhaustive()
    }
}

impl<S: From<Sessions>> SessionsBuilder<S> {
    /// Start building with the key ring; every other setting has a default.
    /// [`Sessions::builder`] is the same for `S` = [`Sessions`].
    ///
    /// # Example
    /// ```
    /// use sealed_session::web::{Sessions, SessionsBuilder};
    /// use sealed_session::{Key, KeyRing};
    /// // An adapter's own type, made from the core one:
    /// struct MySessions(Sessions);
    /// impl From<Sessions> for MySessions {
    ///     fn from(core: Sessions) -> Self {
    ///         MySessions(core)
    ///     }
    /// }
    /// let mine: MySessions = SessionsBuilder::new(KeyRing::new(Key::generate())).build();
    /// assert_eq!(mine.0.cookie().name(), "__Host-session");
    /// ```
    pub fn new(keys: KeyRing) -> Self {
        SessionsBuilder {
            keys,
            policy: Policy::new(DEFAULT_IDLE_LIFETIME, DEFAULT_ABSOLUTE_LIFETIME),
            cookie: SessionCookie::hardened(),
            clock: Arc::new(Timestamp::now),
            key_dir: None,
            output: PhantomData,
        }
    }

    /// Start building with the key ring of a key directory
    /// ([`KeyRing::from_dir`]), and remember the directory so that
    /// [`Sessions::reload_keys`] and [`Sessions::watch_keys`] read it again.
    ///
    /// # Errors
    /// As [`KeyRing::from_dir`]: the first bad file, named.
    ///
    /// # Example
    /// ```
    /// use sealed_session::web::Sessions;
    /// let e = Sessions::from_key_dir("/nonexistent/keys").unwrap_err();
    /// assert!(e.to_string().contains("/nonexistent/keys/current"));
    /// ```
    pub fn from_key_dir(dir: impl AsRef<Path>) -> Result<Self, LoadKeyError> {
        let dir = dir.as_ref();
        let mut builder = Self::new(KeyRing::from_dir(dir)?);
        builder.key_dir = Some(dir.into());
        Ok(builder)
    }

    /// Cookie settings (default: [`SessionCookie::hardened`]).
    ///
    /// # Example
    /// See [`SessionsBuilder`].
    pub fn cookie(mut self, cookie: SessionCookie) -> Self {
        self.cookie = cookie;
        self
    }

    /// How sessions are sealed, opened and renewed (default:
    /// `Policy::new(`[`DEFAULT_IDLE_LIFETIME`]`, `[`DEFAULT_ABSOLUTE_LIFETIME`]`)`,
    /// renewed past half their idle lifetime).
    ///
    /// # Example
    /// See [`SessionsBuilder`].
    pub fn policy(mut self, policy: Policy) -> Self {
        self.policy = policy;
        self
    }

    /// The clock (default: the system clock).
    ///
    /// # Example
    /// ```
    /// use sealed_session::{web::Sessions, Key, KeyRing, Timestamp};
    /// let t0 = Timestamp::from_unix_seconds(1_900_000_000).unwrap();
    /// let s = Sessions::builder(KeyRing::new(Key::generate())).clock(move || t0).build();
    /// assert_eq!(s.now(), t0);
    /// ```
    pub fn clock(mut self, clock: impl Fn() -> Timestamp + Send + Sync + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Freeze the settings.
    ///
    /// # Example
    /// See [`SessionsBuilder`].
    pub fn build(self) -> S {
        S::from(Sessions {
            inner: Arc::new(Inner {
                keys: RwLock::new(Arc::new(self.keys)),
                policy: self.policy,
                cookie: self.cookie,
                clock: self.clock,
                key_dir: self.key_dir,
                metrics: Metrics::default(),
            }),
        })
    }
}
