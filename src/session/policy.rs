//! [`Policy`]: lifetimes, renewal point, leeway, audience, size limits,
//! `nbf` and the revocation check; and [`Revocation`].

use alloc::string::String;
use alloc::sync::Arc;
use core::fmt;
use core::time::Duration;

#[allow(unused_imports)] // doc links
use super::NewSession;
#[allow(unused_imports)] // doc links
use crate::claims::Claims;
use crate::claims::SessionId;
#[allow(unused_imports)] // doc links
use crate::error::{ClaimsError, Error};
use crate::format;
#[allow(unused_imports)] // doc links
use crate::keyring::KeySource;

/// The application's "log out one session" check: is this session id
/// revoked?
///
/// Implemented for any `Fn(SessionId) -> bool + Send + Sync`. A denylist
/// only needs to keep an id until the session could no longer be opened
/// anyway: until its last token's `exp` (plus leeway), at the latest
/// [`Claims::session_started_at`] plus the absolute lifetime.
///
/// # Example
/// ```
/// use sealed_session::{Error, Key, Policy, SessionId, Timestamp};
/// use std::collections::HashSet;
/// use std::sync::{Arc, RwLock};
/// use std::time::Duration;
///
/// let denylist: Arc<RwLock<HashSet<SessionId>>> = Default::default();
/// let list = denylist.clone();
/// let policy = Policy::new(Duration::from_secs(600), Duration::from_secs(86_400))
///     .with_revocation(move |id| list.read().map_or(true, |l| l.contains(&id)));
///
/// let key = Key::generate();
/// let now = Timestamp::from_unix_seconds(1_900_000_000).unwrap();
/// let token = policy.seal(&key, "7", now)?;
/// let claims = policy.open(&key, &token, now)?;
/// // Log this one session out:
/// denylist.write().unwrap().insert(claims.session_id().unwrap());
/// assert_eq!(policy.open(&key, &token, now), Err(Error::Revoked));
/// # Ok::<(), sealed_session::Error>(())
/// ```
pub trait Revocation {
    /// Whether the session named by `session_id` (the token's `jti`) has
    /// been revoked.
    fn is_revoked(&self, session_id: SessionId) -> bool;
}

impl<F: Fn(SessionId) -> bool> Revocation for F {
    fn is_revoked(&self, session_id: SessionId) -> bool {
        self(session_id)
    }
}

/// How sessions are sealed, opened and renewed: lifetimes, renewal point,
/// leeway, audience, size limits and an optional revocation check.
///
/// One policy per cookie (or per token use): build it once at start-up,
/// share it (it is `Clone + Send + Sync`), and use it for every seal, open
/// and renewal, with any [`KeySource`].
///
/// | setting | default | used by |
/// |---------|---------|---------|
/// | idle lifetime | (required) | seal, renew: `exp = iat + idle` |
/// | absolute lifetime | (required) | seal, renew: `exp <= sst + absolute`; renew fails after it |
/// | renew after | 50 % of the token's `iat → exp` | [`Claims::needs_renewal`] |
/// | leeway | 0 | open: `exp`, `nbf` |
/// | audience | none | seal binds it, open requires it |
/// | max token length | [`Policy::DEFAULT_MAX_TOKEN_LEN`] (3840) | seal |
/// | max open length | [`Policy::DEFAULT_MAX_OPEN_LEN`] (4096) | open, before decoding |
/// | revocation | none | open |
/// | `nbf` | not written | seal, renew: `nbf = iat` ([`Policy::with_nbf`]) |
///
/// # Time rules
/// At open, a token is valid iff `nbf - leeway <= now < exp + leeway`:
/// `exp` itself is **not** valid (with no leeway), `nbf` itself is. A token
/// without `nbf` has no lower bound.
///
/// # Audience
/// With an audience set, seal writes it as `aud` and open requires `aud` to
/// be exactly it. Without one, seal writes no `aud` and open refuses tokens
/// that carry one: a bound token is only for the opener it names. Both
/// refusals are [`Error::WrongAudience`].
///
/// # Example
/// ```
/// use sealed_session::{Key, Policy, Timestamp};
/// use std::time::Duration;
///
/// let policy = Policy::new(Duration::from_secs(30 * 60), Duration::from_secs(7 * 86_400))
///     .with_audience("app.example")
///     .with_leeway(Duration::from_secs(5));
/// let key = Key::generate();
/// let now = Timestamp::now();
/// let token = policy.seal(&key, "12234", now)?;
///
/// // On every request:
/// let claims = policy.open(&key, &token, Timestamp::now())?;
/// // ...load the user, then: claims.check_valid_after(user.sessions_valid_after)?;
/// if claims.needs_renewal(Timestamp::now()) {
///     let fresh = policy.renew(&key, &claims, Timestamp::now())?;
///     # let _ = fresh;
/// }
/// # Ok::<(), sealed_session::Error>(())
/// ```
#[derive(Clone)]
pub struct Policy {
    pub(super) idle: Duration,
    pub(super) absolute: Duration,
    pub(super) leeway: Duration,
    pub(super) audience: Option<Arc<str>>,
    pub(super) max_token_len: usize,
    pub(super) max_open_len: usize,
    pub(super) renew_after_percent: u8,
    pub(super) nbf: bool,
    pub(super) revocation: Option<Arc<dyn Revocation + Send + Sync>>,
}

impl fmt::Debug for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Policy")
            .field("idle", &self.idle)
            .field("absolute", &self.absolute)
            .field("leeway", &self.leeway)
            .field("audience", &self.audience)
            .field("max_token_len", &self.max_token_len)
            .field("max_open_len", &self.max_open_len)
            .field("renew_after_percent", &self.renew_after_percent)
            .field("nbf", &self.nbf)
            .field("revocation", &self.revocation.as_ref().map(|_| ".."))
            .finish()
    }
}

impl Policy {
    /// Bytes allowed for the cookie's name, `=` and attributes
    /// (`; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=…; Domain=…`)
    /// in the default size budget.
    pub const COOKIE_ALLOWANCE: usize = 256;

    /// The default size budget of a sealed token: 4096 bytes (the whole
    /// `Set-Cookie` value browsers are required to accept, RFC 6265 §6.1)
    /// minus [`Policy::COOKIE_ALLOWANCE`], i.e. 3840.
    pub const DEFAULT_MAX_TOKEN_LEN: usize = 4096 - Policy::COOKIE_ALLOWANCE;

    /// The default largest token open accepts: 4096 bytes.
    pub const DEFAULT_MAX_OPEN_LEN: usize = format::DEFAULT_MAX_TOKEN_LEN;

    /// What [`Key::open_at`] uses.
    pub(crate) const OPEN_DEFAULTS: Policy = Policy::new(Duration::MAX, Duration::MAX);

    /// A policy with an idle lifetime (each token's `exp` is `idle` after it
    /// is sealed or renewed) and an absolute lifetime (no token of a session
    /// is valid past `absolute` after the session started; renewal fails
    /// then). Everything else at its default (see the table on [`Policy`]).
    ///
    /// ```
    /// # use sealed_session::Policy;
    /// # use std::time::Duration;
    /// let p = Policy::new(Duration::from_secs(1800), Duration::from_secs(86_400));
    /// assert_eq!(p.idle_lifetime(), Duration::from_secs(1800));
    /// assert_eq!(p.max_token_len(), 3840);
    /// ```
    pub const fn new(idle: Duration, absolute: Duration) -> Policy {
        Policy {
            idle,
            absolute,
            leeway: Duration::ZERO,
            audience: None,
            max_token_len: Policy::DEFAULT_MAX_TOKEN_LEN,
            max_open_len: Policy::DEFAULT_MAX_OPEN_LEN,
            renew_after_percent: 50,
            nbf: false,
            revocation: None,
        }
    }

    /// Accept tokens up to `leeway` after `exp` and before `nbf` (clock
    /// skew between nodes). Default 0.
    ///
    /// ```
    /// # use sealed_session::Policy;
    /// # use std::time::Duration;
    /// let p = Policy::new(Duration::from_secs(60), Duration::from_secs(60))
    ///     .with_leeway(Duration::from_secs(2));
    /// assert_eq!(p.leeway(), Duration::from_secs(2));
    /// ```
    pub fn with_leeway(mut self, leeway: Duration) -> Policy {
        self.leeway = leeway;
        self
    }

    /// Bind sealed tokens to `audience` (`aud`) and require it at open.
    ///
    /// ```
    /// # use sealed_session::Policy;
    /// # use std::time::Duration;
    /// let p = Policy::new(Duration::from_secs(60), Duration::from_secs(60))
    ///     .with_audience("admin");
    /// assert_eq!(p.audience(), Some("admin"));
    /// ```
    pub fn with_audience(mut self, audience: impl Into<String>) -> Policy {
        self.audience = Some(Arc::from(audience.into()));
        self
    }

    /// The size budget: seal refuses a token longer than `max` bytes with
    /// [`Error::OverSizeBudget`]. To budget for a known cookie, use
    /// `4096 - set_cookie_overhead`, where the overhead is the name, `=`
    /// and the attributes.
    ///
    /// ```
    /// # use sealed_session::Policy;
    /// # use std::time::Duration;
    /// let attrs = "; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=1800";
    /// let p = Policy::new(Duration::from_secs(60), Duration::from_secs(60))
    ///     .with_max_token_len(4096 - "session=".len() - attrs.len());
    /// assert_eq!(p.max_token_len(), 4034);
    /// ```
    pub fn with_max_token_len(mut self, max: usize) -> Policy {
        self.max_token_len = max;
        self
    }

    /// The largest token open looks at: anything longer is refused with
    /// [`Error::TokenTooLarge`] before any decoding.
    ///
    /// ```
    /// # use sealed_session::Policy;
    /// # use std::time::Duration;
    /// let p = Policy::new(Duration::from_secs(60), Duration::from_secs(60))
    ///     .with_max_open_len(1024);
    /// assert_eq!(p.max_open_len(), 1024);
    /// ```
    pub fn with_max_open_len(mut self, max: usize) -> Policy {
        self.max_open_len = max;
        self
    }

    /// [`Claims::needs_renewal`] becomes true once `percent` % of a token's
    /// idle lifetime (`iat` → `exp`) has passed. Clamped to 0–100; default 50.
    ///
    /// ```
    /// # use sealed_session::Policy;
    /// # use std::time::Duration;
    /// let p = Policy::new(Duration::from_secs(60), Duration::from_secs(60))
    ///     .with_renew_after_percent(75);
    /// assert_eq!(p.renew_after_percent(), 75);
    /// ```
    pub fn with_renew_after_percent(mut self, percent: u8) -> Policy {
        self.renew_after_percent = percent.min(100);
        self
    }

    /// Write `nbf` (= `iat`) into every token this policy seals or renews
    /// (default: no `nbf`; [`NewSession::not_before`] still sets its own).
    /// This crate does not need it; other implementations' validators may,
    /// to check tokens this crate seals:
    ///
    /// | their validator, at its defaults | our tokens | what to set |
    /// |----------------------------------|------------|-------------|
    /// | pasetors 0.8 `ClaimsValidationRules::new()` | refused: it requires `nbf` and `iat` | `with_nbf(true)` here (or `disable_valid_at()` there) |
    /// | rusty_paseto `PasetoParser::default()` | accepted: it checks `exp`, and `nbf` if present | nothing |
    /// | npm `paseto`, pyseto, PyPI `paseto`, python-paseto | accepted in an interop run against this crate's tokens | nothing |
    ///
    /// (pasetors' row is checked by this crate's tests; rusty_paseto's is
    /// what its documentation says.) All of them decrypt the token itself
    /// (v2.local, same key). To them, `sst` (the session's start, to the
    /// nanosecond) is a custom claim, and our 22-character `jti` an ordinary
    /// string.
    ///
    /// ```
    /// use sealed_session::{Key, Policy, Timestamp};
    /// use std::time::Duration;
    /// let key = Key::generate();
    /// let policy = Policy::new(Duration::from_secs(600), Duration::from_secs(3600))
    ///     .with_nbf(true);
    /// let now = Timestamp::from_unix_seconds(1_900_000_000).unwrap();
    /// let claims = policy.open(&key, &policy.seal(&key, "7", now)?, now)?;
    /// assert_eq!(claims.not_before(), claims.issued_at());
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    pub fn with_nbf(mut self, write: bool) -> Policy {
        self.nbf = write;
        self
    }

    /// Check every opened token's session id with `revocation`; a revoked
    /// one is refused with [`Error::Revoked`], a token without a session id
    /// with [`ClaimsError::Missing`]`("jti")`. See [`Revocation`].
    pub fn with_revocation(
        mut self,
        revocation: impl Revocation + Send + Sync + 'static,
    ) -> Policy {
        self.revocation = Some(Arc::new(revocation));
        self
    }

    /// The idle lifetime.
    pub fn idle_lifetime(&self) -> Duration {
        self.idle
    }

    /// The absolute lifetime.
    pub fn absolute_lifetime(&self) -> Duration {
        self.absolute
    }

    /// The leeway applied to `exp` and `nbf` at open.
    pub fn leeway(&self) -> Duration {
        self.leeway
    }

    /// The audience tokens are bound to, if any.
    pub fn audience(&self) -> Option<&str> {
        self.audience.as_deref()
    }

    /// The size budget of a sealed token, in bytes.
    pub fn max_token_len(&self) -> usize {
        self.max_token_len
    }

    /// The largest token open accepts, in bytes.
    pub fn max_open_len(&self) -> usize {
        self.max_open_len
    }

    /// The renewal point, in percent of a token's idle lifetime.
    pub fn renew_after_percent(&self) -> u8 {
        self.renew_after_percent
    }

    /// Whether sealed and renewed tokens carry `nbf` (see
    /// [`Policy::with_nbf`]).
    pub fn writes_nbf(&self) -> bool {
        self.nbf
    }
}
