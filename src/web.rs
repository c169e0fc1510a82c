//! The framework-neutral half of a web adapter: [`Sessions`] (key ring
//! behind a lock, [`Policy`], [`SessionCookie`], clock), starting a session
//! (a `Set-Cookie` value), ending it (a removal cookie), opening the
//! session of a request from its `Cookie` header values, and the renewal
//! decision after the handler answered.
//!
//! Everything here takes and gives bytes, strings, [`Timestamp`]s and a
//! numeric HTTP status: no framework types. The adapters
//! (`sealed-session-axum`, `sealed-session-actix`) wrap it and keep only
//! their glue: extractors, header types, middleware and the mapping of
//! errors to HTTP statuses.
//!
//! # Security
//! - A rejected cookie is reported as a [`Rejection`]; nothing here clears
//!   it. During a key rotation a node that does not know the new key yet
//!   must not log the user out of the nodes that do.
//! - Whether the user still exists or logged out everywhere is the
//!   application's check once it has loaded the user
//!   ([`Claims::check_valid_after`]).
//!
//! # Example
//! ```
//! use sealed_session::web::Sessions;
//! use sealed_session::{Key, KeyRing};
//! let sessions = Sessions::builder(KeyRing::new(Key::generate())).build();
//! // Login: seal a session and send its Set-Cookie value.
//! let set = sessions.start("user-42")?;
//! assert!(set.value().starts_with("__Host-session=v2.local."));
//! // A later request: the browser sends the cookie back.
//! let cookie = format!("__Host-session={}", set.token());
//! let claims = sessions.open([cookie.as_bytes()], sessions.now()).unwrap();
//! assert_eq!(claims.user_id(), "user-42");
//! // Logout: clear the cookie.
//! assert!(sessions.end().contains("Max-Age=0"));
//! # Ok::<(), sealed_session::Error>(())
//! ```

use alloc::string::String;
use core::fmt;
use core::time::Duration;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use crate::cookie::{CookieHeaderError, SessionCookie};
use crate::{Claims, Error, KeyRing, LoadKeyError, Policy, Timestamp};

mod builder;
mod metrics;
mod reload;
mod transport;
pub use builder::SessionsBuilder;
use metrics::Metrics;
pub use metrics::{MetricsSnapshot, Reason};
pub use reload::KeyWatcher;
pub use transport::{forwarded_https, is_loopback_host, PLAIN_HTTP_WARNING};

/// A clock: returns the current time. Injected for tests.
///
/// # Example
/// ```
/// use sealed_session::{web::Clock, Timestamp};
/// use std::sync::Arc;
/// let t0 = Timestamp::from_unix_seconds(1_900_000_000).unwrap();
/// let clock: Clock = Arc::new(move || t0);
/// assert_eq!(clock(), t0);
/// ```
pub type Clock = Arc<dyn Fn() -> Timestamp + Send + Sync>;

/// The default idle lifetime: 12 hours (a session not used for that long
/// ends).
///
/// # Example
/// ```
/// use sealed_session::web::{Sessions, DEFAULT_IDLE_LIFETIME};
/// # use sealed_session::{Key, KeyRing};
/// let s = Sessions::builder(KeyRing::new(Key::generate())).build();
/// assert_eq!(s.policy().idle_lifetime(), DEFAULT_IDLE_LIFETIME);
/// ```
pub const DEFAULT_IDLE_LIFETIME: Duration = Duration::from_secs(12 * 3600);

/// The default absolute lifetime: 7 days (no session lives longer, however
/// often it is renewed).
///
/// # Example
/// ```
/// use sealed_session::web::{Sessions, DEFAULT_ABSOLUTE_LIFETIME};
/// # use sealed_session::{Key, KeyRing};
/// let s = Sessions::builder(KeyRing::new(Key::generate())).build();
/// assert_eq!(s.policy().absolute_lifetime(), DEFAULT_ABSOLUTE_LIFETIME);
/// ```
pub const DEFAULT_ABSOLUTE_LIFETIME: Duration = Duration::from_secs(7 * 86_400);

/// Everything an adapter needs: the key ring, the [`Policy`] (lifetimes,
/// renewal point, leeway, audience, revocation), the cookie settings and
/// the clock. Cheap to clone (one `Arc`); share one per application.
///
/// # Example
/// ```
/// use sealed_session::{web::Sessions, Key, KeyRing, Policy};
/// use std::time::Duration;
/// let policy = Policy::new(Duration::from_secs(3600), Duration::from_secs(86_400));
/// let sessions = Sessions::builder(KeyRing::new(Key::generate()))
///     .policy(policy)
///     .build();
/// assert_eq!(sessions.policy().idle_lifetime(), Duration::from_secs(3600));
/// ```
#[derive(Clone)]
pub struct Sessions {
    inner: Arc<Inner>,
}

struct Inner {
    keys: RwLock<Arc<KeyRing>>,
    policy: Policy,
    cookie: SessionCookie,
    clock: Clock,
    key_dir: Option<PathBuf>,
    metrics: Metrics,
}

impl fmt::Debug for Sessions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sessions")
            .field("policy", &self.inner.policy)
            .field("cookie", &self.inner.cookie)
            .finish_non_exhaustive()
    }
}

impl Sessions {
    /// Start building with the key ring; every other setting has a default.
    ///
    /// # Example
    /// ```
    /// use sealed_session::{web::Sessions, Key, KeyRing};
    /// let s = Sessions::builder(KeyRing::new(Key::generate())).build();
    /// assert_eq!(s.cookie().name(), "__Host-session");
    /// ```
    pub fn builder(keys: KeyRing) -> SessionsBuilder {
        SessionsBuilder::new(keys)
    }

    /// [`SessionsBuilder::from_key_dir`] for `S` = [`Sessions`].
    ///
    /// # Errors
    /// As [`KeyRing::from_dir`].
    ///
    /// # Example
    /// See [`SessionsBuilder::from_key_dir`].
    pub fn from_key_dir(dir: impl AsRef<Path>) -> Result<SessionsBuilder, LoadKeyError> {
        SessionsBuilder::from_key_dir(dir)
    }

    /// The counters since this instance was built: sessions opened,
    /// started and renewed, and refusals by [`Reason`].
    ///
    /// # Example
    /// See [`MetricsSnapshot`].
    pub fn metrics(&self) -> MetricsSnapshot {
        self.inner.metrics.snapshot()
    }

    /// The cookie settings.
    ///
    /// # Example
    /// See [`Sessions::builder`].
    pub fn cookie(&self) -> &SessionCookie {
        &self.inner.cookie
    }

    /// The session policy.
    ///
    /// # Example
    /// See [`Sessions`].
    pub fn policy(&self) -> &Policy {
        &self.inner.policy
    }

    /// The current time by this instance's clock.
    ///
    /// # Example
    /// See [`SessionsBuilder::clock`].
    pub fn now(&self) -> Timestamp {
        (self.inner.clock)()
    }

    /// Replace the key ring, to rotate keys without a restart. Requests
    /// already being handled finish with the ring they started with.
    ///
    /// Rotate in three steps, each rolled out to every node before the next:
    /// add the new key as retired, promote it to current, and drop the old
    /// key once the sessions it sealed have expired or been renewed. Nodes may
    /// move at different moments within a step without refusing any session.
    ///
    /// # Example
    /// ```
    /// use sealed_session::{web::Sessions, Key, KeyRing};
    /// let (old, new) = (Key::generate(), Key::generate());
    /// let s = Sessions::builder(KeyRing::new(old.clone())).build();
    /// s.replace_keys(KeyRing::new(old.clone()).with_retired(new.clone())); // 1. distribute
    /// s.replace_keys(KeyRing::new(new.clone()).with_retired(old));         // 2. promote
    /// s.replace_keys(KeyRing::new(new));                                   // 3. retire
    /// ```
    pub fn replace_keys(&self, keys: KeyRing) {
        let keys = Arc::new(keys);
        match self.inner.keys.write() {
            Ok(mut guard) => *guard = keys,
            Err(poisoned) => *poisoned.into_inner() = keys,
        }
    }

    pub(super) fn keys(&self) -> Arc<KeyRing> {
        match self.inner.keys.read() {
            Ok(guard) => Arc::clone(&guard),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// Seal a new session for `user_id` by this instance's clock and give
    /// its `Set-Cookie` value.
    ///
    /// # Errors
    /// A sealing error (empty user id, RNG failure), or
    /// [`Error::InvalidArgument`] if the cookie cannot carry the token
    /// (longer than the cookie settings allow). Adapters answer `500`.
    ///
    /// # Example
    /// ```
    /// use sealed_session::{web::Sessions, Key, KeyRing};
    /// let s = Sessions::builder(KeyRing::new(Key::generate())).build();
    /// let set = s.start("42")?;
    /// assert!(set.value().starts_with("__Host-session=v2.local."));
    /// assert!(s.start("").is_err());
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    pub fn start(&self, user_id: &str) -> Result<SetCookie, Error> {
        self.start_at(user_id, self.now())
    }

    /// [`Sessions::start`] at `now`.
    ///
    /// # Errors
    /// As [`Sessions::start`].
    ///
    /// # Example
    /// ```
    /// use sealed_session::{web::{Sessions, DEFAULT_IDLE_LIFETIME}, Key, KeyRing, Timestamp};
    /// let s = Sessions::builder(KeyRing::new(Key::generate())).build();
    /// let t0 = Timestamp::from_unix_seconds(1_900_000_000).unwrap();
    /// let set = s.start_at("42", t0)?;
    /// assert_eq!(set.expires_at(), t0.checked_add(DEFAULT_IDLE_LIFETIME).unwrap());
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    pub fn start_at(&self, user_id: &str, now: Timestamp) -> Result<SetCookie, Error> {
        let keys = self.keys();
        let token = self.inner.policy.seal(&*keys, user_id, now)?;
        let set = self.cookie_for(&keys, token, now)?;
        self.inner.metrics.sealed();
        Ok(set)
    }

    /// Re-seal the session of `claims` at `now` (same user, session start
    /// and id; a fresh idle lifetime, capped by the absolute one) and give
    /// its `Set-Cookie` value.
    ///
    /// # Errors
    /// [`Error::AbsoluteLifetimeOver`] once the session cannot be extended,
    /// or as [`Sessions::start`].
    ///
    /// # Example
    /// ```
    /// use sealed_session::{web::Sessions, Key, KeyRing, Timestamp};
    /// use std::time::Duration;
    /// let t0 = Timestamp::from_unix_seconds(1_900_000_000).unwrap();
    /// let s = Sessions::builder(KeyRing::new(Key::generate())).clock(move || t0).build();
    /// let set = s.start("42")?;
    /// let cookie = format!("__Host-session={}", set.token());
    /// // Past half of the default 12-hour idle lifetime:
    /// let later = t0.checked_add(Duration::from_secs(7 * 3600)).unwrap();
    /// let claims = s.open([cookie.as_bytes()], later).unwrap();
    /// assert!(claims.needs_renewal(later));
    /// let renewed = s.renew(&claims, later)?;
    /// assert!(renewed.expires_at() > set.expires_at());
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    pub fn renew(&self, claims: &Claims, now: Timestamp) -> Result<SetCookie, Error> {
        let keys = self.keys();
        let token = self.inner.policy.renew(&*keys, claims, now)?;
        let set = self.cookie_for(&keys, token, now)?;
        self.inner.metrics.renewed();
        Ok(set)
    }

    /// The cookie for a token just sealed or renewed with `keys`.
    fn cookie_for(
        &self,
        keys: &KeyRing,
        token: String,
        now: Timestamp,
    ) -> Result<SetCookie, Error> {
        let claims = self.inner.policy.open(keys, &token, now)?;
        let value = self
            .inner
            .cookie
            .set_cookie_until(&token, claims.expires_at(), now)
            .map_err(|_| Error::InvalidArgument("cookie value"))?;
        Ok(SetCookie {
            token,
            value,
            expires_at: claims.expires_at(),
        })
    }

    /// The `Set-Cookie` value that deletes the session cookie (logout on
    /// this browser).
    ///
    /// # Example
    /// ```
    /// use sealed_session::{web::Sessions, Key, KeyRing};
    /// let s = Sessions::builder(KeyRing::new(Key::generate())).build();
    /// assert!(s.end().starts_with("__Host-session=;"));
    /// assert!(s.end().contains("Max-Age=0"));
    /// ```
    pub fn end(&self) -> String {
        self.inner.cookie.removal()
    }

    /// Open the session carried by a request's `Cookie` header values at
    /// `now`.
    ///
    /// # Errors
    /// A [`Rejection`] (adapters answer `401`): no cookie, an unreadable
    /// `Cookie` header, or a token that does not open.
    ///
    /// # Example
    /// ```
    /// use sealed_session::{web::{Rejection, Sessions}, Key, KeyRing};
    /// let s = Sessions::builder(KeyRing::new(Key::generate())).build();
    /// let cookie = format!("a=1; __Host-session={}", s.start("42")?.token());
    /// assert_eq!(s.open([cookie.as_bytes()], s.now()).unwrap().user_id(), "42");
    /// assert_eq!(s.open([&b"a=1"[..]], s.now()), Err(Rejection::Missing));
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    pub fn open<'h, I>(&self, cookie_headers: I, now: Timestamp) -> Result<Claims, Rejection>
    where
        I: IntoIterator<Item = &'h [u8]>,
    {
        let token = match self.inner.cookie.find_in(cookie_headers) {
            Ok(Some(token)) => token,
            Ok(None) => return Err(self.refused(Rejection::Missing, None)),
            Err(e) => return Err(self.refused(Rejection::Cookie(e), None)),
        };
        let keys = self.keys();
        match self.inner.policy.open(&*keys, token, now) {
            Ok(claims) => {
                self.inner.metrics.opened();
                Ok(claims)
            }
            Err(e) => Err(self.refused(Rejection::Token(e), Some(token))),
        }
    }

    /// Count a refusal and, with the `tracing` feature, log it: the
    /// reason, the footer's key id when it parses, the token's length;
    /// never the token, a claim or a user id.
    #[cold]
    fn refused(&self, rejection: Rejection, token: Option<&str>) -> Rejection {
        let reason = Reason::of(&rejection);
        self.inner.metrics.rejected(reason);
        #[cfg(feature = "tracing")]
        {
            let key_id = token
                .filter(|t| t.len() <= self.inner.policy.max_open_len())
                .and_then(crate::keyring::untrusted_key_id);
            metrics::log_rejection(
                reason,
                key_id.as_ref().map(|k| k.as_str()),
                token.map(str::len),
            );
        }
        #[cfg(not(feature = "tracing"))]
        let _ = token;
        rejection
    }

    /// The renewal decision, once the handler has answered: the
    /// `Set-Cookie` value of a renewed session, or `None` to leave the
    /// response alone.
    ///
    /// A session is renewed only when it is past its renewal point at `now`
    /// ([`Claims::needs_renewal`]), the response `status` is a success or a
    /// redirect (`200..=399`), none of the response's `Set-Cookie` values
    /// already sets or clears this cookie (the handler's login or logout
    /// wins), and it can still be extended (past its absolute lifetime it
    /// simply runs to its expiry).
    ///
    /// # Example
    /// ```
    /// use sealed_session::{web::Sessions, Key, KeyRing, Timestamp};
    /// use std::time::Duration;
    /// let t0 = Timestamp::from_unix_seconds(1_900_000_000).unwrap();
    /// let s = Sessions::builder(KeyRing::new(Key::generate())).build();
    /// let set = s.start_at("42", t0)?;
    /// let claims = s.open([set.value().as_bytes()], t0).unwrap();
    /// let later = t0.checked_add(Duration::from_secs(7 * 3600)).unwrap();
    /// let none: [&[u8]; 0] = [];
    /// assert!(s.renewal(&claims, t0, 200, none).is_none()); // not due yet
    /// assert!(s.renewal(&claims, later, 401, none).is_none()); // refused
    /// assert!(s.renewal(&claims, later, 200, [s.end().as_bytes()]).is_none()); // logout
    /// let renewed = s.renewal(&claims, later, 200, none).unwrap();
    /// assert!(renewed.expires_at() > set.expires_at());
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    pub fn renewal<'h, I>(
        &self,
        claims: &Claims,
        now: Timestamp,
        status: u16,
        set_cookie_headers: I,
    ) -> Option<SetCookie>
    where
        I: IntoIterator<Item = &'h [u8]>,
    {
        if !claims.needs_renewal(now) || !(200..400).contains(&status) {
            return None;
        }
        if sets_cookie(set_cookie_headers, self.inner.cookie.name()) {
            return None;
        }
        self.renew(claims, now).ok()
    }

    /// Whether browsers will silently drop this session cookie when a
    /// response sets it in answer to a request for `host` (the `Host`
    /// header or URI authority; `None` when the request had none) that did
    /// not arrive over HTTPS (`https` is false: no `https` scheme, no TLS,
    /// no `X-Forwarded-Proto: https` from a proxy).
    ///
    /// True exactly when the cookie is `Secure` (the default
    /// `__Host-session` is) and the host is not the local machine
    /// ([`is_loopback_host`]). Browsers then answer nothing visible: the
    /// response arrives, and every later request comes without the cookie.
    /// The adapters log a warning, once per process, when they see it; the
    /// fix is HTTPS (or a proxy that says so), or for development a cookie
    /// that is not `Secure` (`CookieOptions::new().name("session").secure(false)`).
    ///
    /// # Example
    /// ```
    /// use sealed_session::{cookie::CookieOptions, web::Sessions, Key, KeyRing};
    /// let s = Sessions::builder(KeyRing::new(Key::generate())).build();
    /// assert!(s.plain_http_drops_cookie(Some(b"app.test:3000"), false));
    /// assert!(!s.plain_http_drops_cookie(Some(b"app.test:3000"), true));
    /// assert!(!s.plain_http_drops_cookie(Some(b"localhost:3000"), false));
    /// assert!(!s.plain_http_drops_cookie(None, false));
    /// let dev = CookieOptions::new().name("session").secure(false).build()?;
    /// let d = Sessions::builder(KeyRing::new(Key::generate())).cookie(dev).build();
    /// assert!(!d.plain_http_drops_cookie(Some(b"app.test:3000"), false));
    /// # Ok::<(), sealed_session::cookie::CookieError>(())
    /// ```
    pub fn plain_http_drops_cookie(&self, host: Option<&[u8]>, https: bool) -> bool {
        !https && self.inner.cookie.is_secure() && host.is_some_and(|h| !is_loopback_host(h))
    }

    /// Whether one of a response's `Set-Cookie` values sets this session
    /// cookie to a value (a removal cookie, with an empty value, does not
    /// count).
    ///
    /// # Example
    /// ```
    /// use sealed_session::{web::Sessions, Key, KeyRing};
    /// let s = Sessions::builder(KeyRing::new(Key::generate())).build();
    /// let set = s.start("42")?;
    /// assert!(s.sets_session_cookie([set.value().as_bytes()]));
    /// assert!(!s.sets_session_cookie([s.end().as_bytes()]));
    /// assert!(!s.sets_session_cookie([&b"theme=dark"[..]]));
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    pub fn sets_session_cookie<'h, I>(&self, set_cookie_headers: I) -> bool
    where
        I: IntoIterator<Item = &'h [u8]>,
    {
        let name = self.inner.cookie.name();
        set_cookie_headers
            .into_iter()
            .filter_map(|b| set_cookie_value(b, name))
            .any(|value| !matches!(value.first(), None | Some(b';')))
    }
}

/// What follows `name=` in a `Set-Cookie` value for cookie `name` (empty
/// or starting with `;` for a removal cookie), `None` for another cookie.
fn set_cookie_value<'h>(set_cookie: &'h [u8], name: &str) -> Option<&'h [u8]> {
    set_cookie.strip_prefix(name.as_bytes())?.strip_prefix(b"=")
}

/// Whether one of the `Set-Cookie` values sets (or clears) cookie `name`.
fn sets_cookie<'h>(values: impl IntoIterator<Item = &'h [u8]>, name: &str) -> bool {
    values
        .into_iter()
        .any(|b| set_cookie_value(b, name).is_some())
}

/// A freshly sealed or renewed session: its token and `Set-Cookie` value.
/// Returned by [`Sessions::start`], [`Sessions::renew`] and
/// [`Sessions::renewal`].
///
/// # Example
/// ```
/// use sealed_session::{web::Sessions, Key, KeyRing};
/// let s = Sessions::builder(KeyRing::new(Key::generate())).build();
/// let set = s.start("42")?;
/// assert!(set.value().starts_with(&format!("__Host-session={};", set.token())));
/// assert!(set.expires_at() > s.now());
/// # Ok::<(), sealed_session::Error>(())
/// ```
///
/// `Debug` prints the expiry only: the token (also inside the `Set-Cookie`
/// value) is a live bearer credential.
#[derive(Clone, PartialEq, Eq)]
pub struct SetCookie {
    token: String,
    value: String,
    expires_at: Timestamp,
}

impl fmt::Debug for SetCookie {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SetCookie")
            .field("token", &"<redacted>")
            .field("value", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

impl SetCookie {
    /// The sealed token (for API clients that do not use cookies).
    ///
    /// # Example
    /// See [`SetCookie`].
    pub fn token(&self) -> &str {
        &self.token
    }

    /// The `Set-Cookie` header value.
    ///
    /// # Example
    /// See [`SetCookie`].
    pub fn value(&self) -> &str {
        &self.value
    }

    /// When the token expires (its `exp`).
    ///
    /// # Example
    /// See [`SetCookie`].
    pub fn expires_at(&self) -> Timestamp {
        self.expires_at
    }

    /// The token, the `Set-Cookie` value and the expiry, by value.
    ///
    /// # Example
    /// ```
    /// use sealed_session::{web::Sessions, Key, KeyRing};
    /// let s = Sessions::builder(KeyRing::new(Key::generate())).build();
    /// let (token, value, _expires_at) = s.start("42")?.into_parts();
    /// assert!(value.contains(&token));
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    pub fn into_parts(self) -> (String, String, Timestamp) {
        (self.token, self.value, self.expires_at)
    }
}

/// Why a request has no valid session. Adapters answer `401 Unauthorized`
/// with a short fixed body; the variant is for logging and never sent.
///
/// # Example
/// ```
/// use sealed_session::{cookie::CookieHeaderError, web::{Rejection, Sessions}, Key, KeyRing};
/// let s = Sessions::builder(KeyRing::new(Key::generate())).build();
/// let none: [&[u8]; 0] = [];
/// assert_eq!(s.open(none, s.now()), Err(Rejection::Missing));
/// assert!(matches!(
///     s.open([&b"__Host-session=v2.local.AAAA"[..]], s.now()),
///     Err(Rejection::Token(_))
/// ));
/// assert_eq!(Rejection::Missing.to_string(), "no session cookie");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Rejection {
    /// No session cookie in the request.
    Missing,
    /// The `Cookie` header could not be read (too large, ambiguous, bad bytes).
    Cookie(CookieHeaderError),
    /// The token did not open (malformed, unauthenticated, expired, ...).
    Token(Error),
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rejection::Missing => f.write_str("no session cookie"),
            Rejection::Cookie(e) => write!(f, "session cookie unreadable: {e}"),
            Rejection::Token(e) => write!(f, "session token refused: {e}"),
        }
    }
}

impl std::error::Error for Rejection {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cookie::CookieOptions;
    use crate::Key;
    use alloc::format;
    use alloc::vec::Vec;

    const NONE: [&[u8]; 0] = [];

    fn at(secs: i64) -> Timestamp {
        Timestamp::from_unix_seconds(1_900_000_000 + secs).unwrap()
    }

    fn sessions() -> Sessions {
        Sessions::builder(KeyRing::new(Key::generate())).build()
    }

    fn header(set: &SetCookie) -> String {
        format!("__Host-session={}", set.token())
    }

    #[test]
    fn start_then_open_gives_the_user_and_expiry() {
        let s = sessions();
        let set = s.start_at("u1", at(0)).unwrap();
        assert_eq!(set.expires_at(), at(12 * 3600));
        let v = set.value();
        assert!(v.starts_with(&format!("__Host-session={};", set.token())));
        for attr in ["Secure", "HttpOnly", "SameSite=Lax", "Path=/"] {
            assert!(v.contains(attr), "{v} lacks {attr}");
        }
        let h = header(&set);
        let claims = s.open([h.as_bytes()], at(10)).unwrap();
        assert_eq!(claims.user_id(), "u1");
        assert_eq!(claims.expires_at(), set.expires_at());
    }

    #[test]
    fn set_cookie_debug_never_shows_the_token() {
        let set = sessions().start_at("u1", at(0)).unwrap();
        let debug = format!("{set:?} {set:#?}");
        // The token's sealed body (after `v2.local.`) is what must not leak.
        let body = set.token().trim_start_matches("v2.local.");
        assert!(!debug.contains(body.get(..16).unwrap()), "{debug}");
        assert!(debug.contains("<redacted>"), "{debug}");
        assert!(
            debug.contains(&format!("{:?}", set.expires_at())),
            "{debug}"
        );
    }

    #[test]
    fn start_uses_the_injected_clock() {
        let s = Sessions::builder(KeyRing::new(Key::generate()))
            .clock(|| at(100))
            .build();
        assert_eq!(s.now(), at(100));
        assert_eq!(s.start("u").unwrap().expires_at(), at(100 + 12 * 3600));
    }

    #[test]
    fn start_refuses_an_empty_user_id() {
        assert!(sessions().start_at("", at(0)).is_err());
    }

    #[test]
    fn open_rejects_missing_unreadable_and_bad_tokens() {
        let s = sessions();
        assert_eq!(s.open(NONE, at(0)), Err(Rejection::Missing));
        assert_eq!(s.open([&b"other=1"[..]], at(0)), Err(Rejection::Missing));
        let set = s.start_at("u", at(0)).unwrap();
        let h = header(&set);
        // Two different values for our cookie are ambiguous.
        let h2 = header(&s.start_at("v", at(0)).unwrap());
        assert!(matches!(
            s.open([h.as_bytes(), h2.as_bytes()], at(0)),
            Err(Rejection::Cookie(_))
        ));
        // Expired.
        assert!(matches!(
            s.open([h.as_bytes()], at(13 * 3600)),
            Err(Rejection::Token(_))
        ));
        // Another key.
        assert!(matches!(
            sessions().open([h.as_bytes()], at(0)),
            Err(Rejection::Token(_))
        ));
    }

    #[test]
    fn replace_keys_rotates_without_refusing_sessions() {
        let (old, new) = (Key::generate(), Key::generate());
        let s = Sessions::builder(KeyRing::new(old.clone())).build();
        let before = header(&s.start_at("u", at(0)).unwrap());
        s.replace_keys(KeyRing::new(new.clone()).with_retired(old));
        assert!(s.open([before.as_bytes()], at(1)).is_ok());
        let after = header(&s.start_at("u", at(1)).unwrap());
        s.replace_keys(KeyRing::new(new));
        assert!(s.open([before.as_bytes()], at(2)).is_err());
        assert!(s.open([after.as_bytes()], at(2)).is_ok());
    }

    #[test]
    fn end_clears_the_configured_cookie() {
        let cookie = CookieOptions::new()
            .name("sid")
            .secure(false)
            .build()
            .unwrap();
        let s = Sessions::builder(KeyRing::new(Key::generate()))
            .cookie(cookie)
            .build();
        let end = s.end();
        assert!(end.starts_with("sid=;"), "{end}");
        assert!(end.contains("Max-Age=0"), "{end}");
    }

    #[test]
    fn renewal_only_when_due_successful_and_not_set_by_the_handler() {
        let s = sessions();
        let set = s.start_at("u", at(0)).unwrap();
        let h = header(&set);
        let claims = s.open([h.as_bytes()], at(0)).unwrap();
        let due = at(7 * 3600);
        assert!(s.renewal(&claims, at(3600), 200, NONE).is_none());
        for status in [100, 199, 400, 401, 404, 500] {
            assert!(s.renewal(&claims, due, status, NONE).is_none(), "{status}");
        }
        let end = s.end();
        assert!(s.renewal(&claims, due, 200, [end.as_bytes()]).is_none());
        // Another cookie whose name starts with ours does not count.
        let others: [&[u8]; 2] = [b"__Host-sessionx=1", b"__Host-session"];
        for status in [200, 204, 302, 399] {
            let renewed = s.renewal(&claims, due, status, others).unwrap();
            assert_eq!(renewed.expires_at(), at(7 * 3600 + 12 * 3600));
            let again = format!("__Host-session={}", renewed.token());
            let reopened = s.open([again.as_bytes()], due).unwrap();
            assert_eq!(reopened.user_id(), "u");
            assert_eq!(reopened.session_id(), claims.session_id());
        }
    }

    #[test]
    fn renewal_stops_at_the_absolute_lifetime() {
        let policy = Policy::new(Duration::from_secs(100), Duration::from_secs(150));
        let s = Sessions::builder(KeyRing::new(Key::generate()))
            .policy(policy)
            .build();
        let h = header(&s.start_at("u", at(0)).unwrap());
        let claims = s.open([h.as_bytes()], at(0)).unwrap();
        assert_eq!(s.renew(&claims, at(200)), Err(Error::AbsoluteLifetimeOver));
        assert!(s.renewal(&claims, at(90), 200, NONE).is_some());
    }

    #[test]
    fn renewal_keeps_the_custom_claims() {
        let key = Key::generate();
        let s = Sessions::builder(KeyRing::new(key.clone())).build();
        let custom = serde_json::json!({ "mfa_pending": true, "read_only": true });
        let token = s
            .policy()
            .new_session("u")
            .custom(&custom)
            .seal(&KeyRing::new(key.clone()), at(0))
            .unwrap();
        let mut h = format!("__Host-session={token}");
        let members = r#""mfa_pending":true,"read_only":true"#;
        for (i, now) in [(1, at(7 * 3600)), (2, at(14 * 3600))] {
            let claims = s.open([h.as_bytes()], now).unwrap();
            assert_eq!(claims.custom_json(), members, "before renewal {i}");
            let renewed = s.renewal(&claims, now, 200, NONE).unwrap();
            let payload = crate::format::open(&key, renewed.token()).unwrap().payload;
            let v: serde_json::Value = serde_json::from_slice(&payload).unwrap();
            assert_eq!(v["mfa_pending"], true, "renewal {i}");
            assert_eq!(v["read_only"], true, "renewal {i}");
            h = header(&renewed);
        }
        let claims = s.open([h.as_bytes()], at(14 * 3600)).unwrap();
        assert_eq!(claims.custom_json(), members);
        assert_eq!(s.renew(&claims, at(14 * 3600)).map(|_| ()), Ok(()));
    }

    #[test]
    fn set_cookie_into_parts_matches_accessors() {
        let set = sessions().start_at("u", at(0)).unwrap();
        let (token, value, exp) = set.clone().into_parts();
        assert_eq!(token, set.token());
        assert_eq!(value, set.value());
        assert_eq!(exp, set.expires_at());
    }

    #[test]
    fn debug_shows_no_keys() {
        let key = Key::generate();
        let s = Sessions::builder(KeyRing::new(key.clone())).build();
        let d = format!("{s:?}");
        assert!(d.starts_with("Sessions"));
        let raw: Vec<String> = key
            .expose_secret_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert!(!d.contains(&raw.concat()));
    }

    #[test]
    fn plain_http_drop_needs_secure_cookie_public_host_and_no_https() {
        let hardened = sessions();
        let dev = Sessions::builder(KeyRing::new(Key::generate()))
            .cookie(
                CookieOptions::new()
                    .name("sid")
                    .secure(false)
                    .build()
                    .unwrap(),
            )
            .build();
        let secure_plain = Sessions::builder(KeyRing::new(Key::generate()))
            .cookie(CookieOptions::new().name("sid").build().unwrap())
            .build();
        for s in [&hardened, &secure_plain] {
            assert!(s.plain_http_drops_cookie(Some(b"10.0.0.5:3000"), false));
            assert!(!s.plain_http_drops_cookie(Some(b"10.0.0.5:3000"), true));
            assert!(!s.plain_http_drops_cookie(Some(b"127.0.0.1:3000"), false));
            assert!(!s.plain_http_drops_cookie(None, false));
        }
        assert!(!dev.plain_http_drops_cookie(Some(b"10.0.0.5:3000"), false));
    }

    #[test]
    fn sets_session_cookie_only_for_a_value_of_our_name() {
        let s = sessions();
        assert!(s.sets_session_cookie([&b"__Host-session=v2.local.x; Path=/"[..]]));
        assert!(s.sets_session_cookie([&b"a=1"[..], &b"__Host-session=x"[..]]));
        assert!(!s.sets_session_cookie([&b"__Host-session=; Max-Age=0"[..]]));
        assert!(!s.sets_session_cookie([&b"__Host-session="[..]]));
        assert!(!s.sets_session_cookie([&b"__Host-sessionx=v"[..]]));
        assert!(!s.sets_session_cookie(NONE));
    }
}
