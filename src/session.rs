//! The session API: seal a user id, open a token, renew it, end it.
//!
//! Two layers:
//! - the two-line path on [`Key`]: [`Key::seal`] / [`Key::open`];
//! - a [`Policy`] for everything else: idle and absolute lifetimes and
//!   renewal, leeway, audience, size budget, revocation check, typed custom
//!   claims and `nbf`. It works with any [`KeySource`] (a [`Key`] or a key
//!   ring) and takes the clock as an input.

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt;
use core::time::Duration;

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::claims::{self, Claims, NewClaims, Registered, SessionId};
use crate::error::{ClaimsError, Error};
use crate::format::{self, UntrustedToken};
use crate::key::Key;
use crate::time::Timestamp;

/// Payloads without custom claims up to this size are written on the stack
/// (a default one is about 105 bytes plus the user id).
const STACK_PAYLOAD: usize = 448;

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
    idle: Duration,
    absolute: Duration,
    leeway: Duration,
    audience: Option<Arc<str>>,
    max_token_len: usize,
    max_open_len: usize,
    renew_after_percent: u8,
    nbf: bool,
    revocation: Option<Arc<dyn Revocation + Send + Sync>>,
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
    /// when it equals `iat`; see [`Claims::check_valid_after`]),
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
    fn new_claims<'a>(
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

/// Write the payload of `claims` with `custom` and hand it to `f`: on the
/// stack when there are no typed custom claims and it fits (the common
/// case: no allocation), else in a `Vec`.
fn write_new_payload<T: Serialize + ?Sized, R>(
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
    let b64 = crate::b64::encoded_len;
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

/// Where the key for a seal or an open comes from: a single [`Key`], or a
/// key ring that routes by the footer's key id.
///
/// This trait is sealed: it is implemented by this crate's key types only.
pub trait KeySource: private::Sealed {
    /// The key that seals, the footer to seal with it (empty for none) and,
    /// if precomputed, the footer's base64url text.
    #[doc(hidden)]
    fn sealing_key(&self) -> (&Key, &[u8], Option<&str>);

    /// The one key that may open a token whose **unauthenticated** footer is
    /// `untrusted_footer`. Never tries more than one key.
    #[doc(hidden)]
    fn opening_key(&self, untrusted_footer: &[u8]) -> Result<&Key, Error>;

    /// A shortcut before decoding: if `untrusted_footer_b64` is exactly the
    /// text of a footer this source writes, the one key for it and that
    /// footer's bytes (what strict decoding of the text would give).
    #[doc(hidden)]
    fn opening_key_by_footer_text(&self, _untrusted_footer_b64: &str) -> Option<(&Key, &[u8])> {
        None
    }
}

mod private {
    pub trait Sealed {}
    impl Sealed for crate::key::Key {}
    impl Sealed for crate::keyring::KeyRing {}
}

impl KeySource for Key {
    fn sealing_key(&self) -> (&Key, &[u8], Option<&str>) {
        (self, b"", None)
    }

    /// A single key opens any token, with or without a footer: the footer is
    /// authenticated by the AEAD either way.
    fn opening_key(&self, _untrusted_footer: &[u8]) -> Result<&Key, Error> {
        Ok(self)
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

/// The two-line path's claims payload with a given session id (deterministic: for vector hooks).
#[cfg_attr(not(feature = "__internal-test"), allow(dead_code))]
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
#[cfg(feature = "__internal-test")]
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
#[cfg(feature = "__internal-test")]
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
#[cfg(feature = "__internal-test")]
pub(crate) fn seed_session_id(seed: &[u8; format::NONCE_LEN]) -> SessionId {
    let mut id = [0u8; SessionId::LEN];
    id.copy_from_slice(&seed[..SessionId::LEN]);
    SessionId::from_bytes(id)
}

#[cfg(test)]
mod tests {
    use super::*;
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
