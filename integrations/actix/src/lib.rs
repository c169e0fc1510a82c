//! [actix-web] integration for [`sealed_session`]: stateless sealed session
//! cookies for apps that run on several nodes.
//!
//! - [`Sessions`] holds the keys, the cookie settings, the lifetimes and the
//!   clock. Register it with `App::app_data(sessions.clone())`.
//! - [`Session`] is an extractor: the authenticated user id and claims, or a
//!   `401 Unauthorized` error. `Option<Session>` yields `None` instead.
//! - [`Sessions::start`] and [`Sessions::end`] give the `Set-Cookie` header
//!   that sets or clears the cookie.
//! - [`renew`] is a middleware (for `actix_web::middleware::from_fn`) that
//!   re-seals a session past its renewal point on the way out.
//!
//! # Security
//! As for the axum adapter: hardened cookie attributes by default (see
//! [`sealed_session::cookie`]); a rejected cookie is not cleared on the 401,
//! so a node that does not know a new key yet cannot log users out of the
//! nodes that do; whether the user may still be logged in (e.g. after a
//! logout-everywhere) is the application's check once it has loaded the
//! user ([`Session::check_valid_after`]); answer a refused session with a
//! non-success status so [`renew`] does not renew it.
//!
//! # Example
//! ```
//! use actix_web::{middleware::from_fn, web, App, HttpResponse};
//! use sealed_session::{Key, KeyRing};
//! use sealed_session_actix::{renew, Session, SessionError, Sessions};
//!
//! async fn login(sessions: Sessions) -> Result<HttpResponse, SessionError> {
//!     // ... check the password, then:
//!     let set = sessions.start("user-42")?;
//!     Ok(HttpResponse::Ok().append_header(set.header()).body("welcome"))
//! }
//! async fn me(session: Session) -> String {
//!     format!("you are {}", session.user_id())
//! }
//! async fn logout(sessions: Sessions) -> HttpResponse {
//!     HttpResponse::Ok().append_header(sessions.end()).body("bye")
//! }
//!
//! let sessions = Sessions::builder(KeyRing::new(Key::generate())).build();
//! let app = App::new()
//!     .app_data(sessions.clone())
//!     .wrap(from_fn(renew))
//!     .route("/login", web::post().to(login))
//!     .route("/me", web::get().to(me))
//!     .route("/logout", web::post().to(logout));
//! # let _ = app;
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use std::fmt;
use std::future::{ready, Ready};
use std::sync::Arc;

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue, COOKIE, SET_COOKIE};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse, ResponseError};
use sealed_session::cookie::CookieHeaderError;
use sealed_session::web::{self, Rejection};
use sealed_session::{Claims, Error, KeyRing, Timestamp};

pub use sealed_session::web::{Clock, DEFAULT_ABSOLUTE_LIFETIME, DEFAULT_IDLE_LIFETIME};

/// The README's actix-web example, `docs/snippets/actix.rs` at the repository root
/// (`readme-example.rs` here, a link that packaging turns into a copy),
/// compiled here as a doctest so that it cannot drift from this crate's API
/// (the core's `tests/readme.rs` checks that the README shows that file).
#[cfg(doctest)]
#[doc = "```no_run"]
#[doc = include_str!("../readme-example.rs")]
#[doc = "```"]
pub struct ReadmeExample;

#[cfg(feature = "tracing")]
mod plain_http;

/// The key ring, the [`Policy`](sealed_session::Policy) (lifetimes, renewal point, leeway,
/// audience, revocation), the cookie settings and the clock. Cheap to clone
/// (one `Arc`).
///
/// The [`Session`] extractor and [`renew`] find it with
/// `HttpRequest::app_data::<Sessions>()`, so register it with
/// `App::app_data(sessions.clone())`. Handlers take it as an extractor
/// (`sessions: Sessions`).
///
/// The framework-neutral work is done by [`sealed_session::web::Sessions`]
/// ([`Sessions::core`]); this type adds the actix-web header types.
///
/// # Example
/// ```
/// use sealed_session::{Key, KeyRing, Policy};
/// use sealed_session_actix::Sessions;
/// use std::time::Duration;
/// let sessions = Sessions::builder(KeyRing::new(Key::generate()))
///     .policy(Policy::new(Duration::from_secs(3600), Duration::from_secs(86_400)))
///     .build();
/// assert_eq!(sessions.policy().idle_lifetime(), Duration::from_secs(3600));
/// ```
#[derive(Clone, Debug)]
pub struct Sessions {
    core: web::Sessions,
}

/// Builds [`Sessions`].
///
/// # Example
/// ```
/// use sealed_session::cookie::CookieOptions;
/// use sealed_session_actix::Sessions;
/// let cookie = CookieOptions::new().name("session").secure(false).build()?;
/// let keys = sealed_session::KeyRing::new(sealed_session::Key::generate());
/// let s = Sessions::builder(keys).cookie(cookie).build();
/// assert_eq!(s.cookie().name(), "session");
/// # Ok::<(), sealed_session::cookie::CookieError>(())
/// ```
///
/// The shared [`sealed_session::web::SessionsBuilder`], building this
/// adapter's [`Sessions`].
pub type SessionsBuilder = web::SessionsBuilder<Sessions>;

impl From<web::Sessions> for Sessions {
    fn from(core: web::Sessions) -> Self {
        Sessions { core }
    }
}

impl Sessions {
    /// Start building with the key ring; every other setting has a default.
    ///
    /// ```
    /// use sealed_session::{Key, KeyRing};
    /// let s = sealed_session_actix::Sessions::builder(KeyRing::new(Key::generate())).build();
    /// assert_eq!(s.cookie().name(), "__Host-session");
    /// ```
    pub fn builder(keys: KeyRing) -> SessionsBuilder {
        SessionsBuilder::new(keys)
    }

    /// The framework-neutral core this adapter wraps (shared with the other
    /// adapters).
    ///
    /// ```
    /// use sealed_session::{Key, KeyRing};
    /// let s = sealed_session_actix::Sessions::builder(KeyRing::new(Key::generate())).build();
    /// assert!(s.core().end().contains("Max-Age=0"));
    /// ```
    pub fn core(&self) -> &web::Sessions {
        &self.core
    }

    /// The cookie settings.
    pub fn cookie(&self) -> &sealed_session::cookie::SessionCookie {
        self.core.cookie()
    }

    /// The session policy.
    pub fn policy(&self) -> &sealed_session::Policy {
        self.core.policy()
    }

    /// The current time by this instance's clock.
    pub fn now(&self) -> Timestamp {
        self.core.now()
    }

    /// Replace the key ring, to rotate keys without a restart (three steps,
    /// each on every node before the next: add the new key as retired,
    /// promote it, drop the old one once its sessions have expired or been
    /// renewed). See [`web::Sessions::replace_keys`].
    ///
    /// ```
    /// use sealed_session::{Key, KeyRing};
    /// let (old, new) = (Key::generate(), Key::generate());
    /// let s = sealed_session_actix::Sessions::builder(KeyRing::new(old.clone())).build();
    /// s.replace_keys(KeyRing::new(old.clone()).with_retired(new.clone()));
    /// s.replace_keys(KeyRing::new(new.clone()).with_retired(old));
    /// s.replace_keys(KeyRing::new(new));
    /// ```
    pub fn replace_keys(&self, keys: KeyRing) {
        self.core.replace_keys(keys)
    }

    /// Seal a new session for `user_id`; the `Set-Cookie` header for it.
    ///
    /// # Errors
    /// [`SessionError`] (a `500` response) if the token cannot be sealed.
    ///
    /// # Example
    /// ```
    /// # use sealed_session::{Key, KeyRing};
    /// let s = sealed_session_actix::Sessions::builder(KeyRing::new(Key::generate())).build();
    /// let set = s.start("42")?;
    /// assert!(set.header().1.to_str().unwrap().starts_with("__Host-session=v2.local."));
    /// # Ok::<(), sealed_session_actix::SessionError>(())
    /// ```
    pub fn start(&self, user_id: &str) -> Result<SetSessionCookie, SessionError> {
        SetSessionCookie::try_from(self.core.start(user_id)?)
    }

    /// Re-seal `session` at `now` (same user, session start and id; a fresh
    /// idle lifetime, capped by the absolute one). [`renew`] does this
    /// automatically.
    ///
    /// # Errors
    /// [`SessionError`] wrapping [`Error::AbsoluteLifetimeOver`] once the
    /// session cannot be extended, or a sealing error.
    ///
    /// # Example
    /// ```
    /// use actix_web::http::header::{HeaderMap, HeaderValue, COOKIE};
    /// use sealed_session::{Key, KeyRing, Timestamp};
    /// use sealed_session_actix::Sessions;
    /// use std::time::Duration;
    /// let t0 = Timestamp::from_unix_seconds(1_900_000_000).unwrap();
    /// let s = Sessions::builder(KeyRing::new(Key::generate())).clock(move || t0).build();
    /// let set = s.start("42")?;
    /// let mut headers = HeaderMap::new();
    /// let cookie = format!("__Host-session={}", set.token());
    /// headers.insert(COOKIE, HeaderValue::from_str(&cookie).unwrap());
    /// // Past half of the default 12-hour idle lifetime:
    /// let later = t0.checked_add(Duration::from_secs(7 * 3600)).unwrap();
    /// let session = s.open(&headers, later).unwrap();
    /// assert!(s.needs_renewal(&session, later));
    /// let renewed = s.renew(&session, later)?;
    /// assert!(renewed.expires_at() > set.expires_at());
    /// # Ok::<(), sealed_session_actix::SessionError>(())
    /// ```
    pub fn renew(
        &self,
        session: &Session,
        now: Timestamp,
    ) -> Result<SetSessionCookie, SessionError> {
        SetSessionCookie::try_from(self.core.renew(&session.claims, now)?)
    }

    /// The `Set-Cookie` header that deletes the session cookie.
    ///
    /// ```
    /// # use sealed_session::{Key, KeyRing};
    /// let s = sealed_session_actix::Sessions::builder(KeyRing::new(Key::generate())).build();
    /// assert!(s.end().1.to_str().unwrap().contains("Max-Age=0"));
    /// ```
    pub fn end(&self) -> (HeaderName, HeaderValue) {
        // Built from a validated name and attributes: always a valid value.
        let value =
            HeaderValue::try_from(self.core.end()).unwrap_or_else(|_| HeaderValue::from_static(""));
        (SET_COOKIE, value)
    }

    /// Open the session carried by a request's `Cookie` headers at `now`.
    ///
    /// # Errors
    /// [`SessionRejection`] (a `401`).
    ///
    /// # Example
    /// ```
    /// use actix_web::http::header::{HeaderMap, HeaderValue, COOKIE};
    /// # use sealed_session::{Key, KeyRing};
    /// let s = sealed_session_actix::Sessions::builder(KeyRing::new(Key::generate())).build();
    /// let set = s.start("42")?;
    /// let mut headers = HeaderMap::new();
    /// let cookie = format!("__Host-session={}", set.token());
    /// headers.insert(COOKIE, HeaderValue::from_str(&cookie).unwrap());
    /// assert_eq!(s.open(&headers, s.now()).unwrap().user_id(), "42");
    /// # Ok::<(), sealed_session_actix::SessionError>(())
    /// ```
    pub fn open(&self, headers: &HeaderMap, now: Timestamp) -> Result<Session, SessionRejection> {
        let lines = headers.get_all(COOKIE).map(HeaderValue::as_bytes);
        let claims = self.core.open(lines, now)?;
        Ok(Session {
            claims: Arc::new(claims),
        })
    }

    /// Whether `session` is past its renewal point at `now` (see
    /// [`Claims::needs_renewal`]). Example at [`Sessions::renew`].
    pub fn needs_renewal(&self, session: &Session, now: Timestamp) -> bool {
        session.claims.needs_renewal(now)
    }
}

/// The authenticated session of a request: the extractor.
///
/// Fails with [`SessionRejection`] (`401 Unauthorized`); use
/// `Option<Session>` to get `None` instead.
///
/// # Example
/// ```
/// use sealed_session_actix::Session;
/// async fn me(session: Session) -> String {
///     session.user_id().to_owned()
/// }
/// # let _ = me;
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    /// Shared with [`renew`]'s copy, so the extractor's copy is a
    /// reference count, not a copy of the claims.
    claims: Arc<Claims>,
}

impl Session {
    /// The user id (`sub`).
    pub fn user_id(&self) -> &str {
        self.claims.user_id()
    }

    /// All authenticated claims.
    pub fn claims(&self) -> &Claims {
        &self.claims
    }

    /// The "log out everywhere" check, once the application has loaded the
    /// user and its "sessions valid after" instant (see
    /// [`Claims::check_valid_after`]). Renewal keeps the session start, so a
    /// renewed session cannot outlive a logout-everywhere.
    ///
    /// At logout-everywhere, store [`Sessions::now`] as it is (not rounded
    /// to the second): every session that started before that instant is
    /// refused, and a login right after it, in the same second too, is kept
    /// (sessions record their start to the nanosecond).
    ///
    /// # Errors
    /// [`SessionRejection::Token`] (a `401`) wrapping
    /// [`Error::LoggedOutEverywhere`].
    pub fn check_valid_after(
        &self,
        valid_after: Option<Timestamp>,
    ) -> Result<(), SessionRejection> {
        self.claims
            .check_valid_after(valid_after)
            .map_err(SessionRejection::Token)
    }
}

/// Handlers can take [`Sessions`] itself as an extractor (no `web::Data`
/// needed): it is read from `App::app_data`.
impl FromRequest for Sessions {
    type Error = SessionRejection;
    type Future = Ready<Result<Sessions, SessionRejection>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            req.app_data::<Sessions>()
                .cloned()
                .ok_or(SessionRejection::NotConfigured),
        )
    }
}

/// What [`renew`] found, so the extractor does not open the token twice.
#[derive(Clone)]
struct Opened(Result<Session, SessionRejection>);

impl FromRequest for Session {
    type Error = SessionRejection;
    type Future = Ready<Result<Session, SessionRejection>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        if let Some(opened) = req.extensions().get::<Opened>() {
            return ready(opened.0.clone());
        }
        let result = match req.app_data::<Sessions>() {
            Some(sessions) => sessions.open(req.headers(), sessions.now()),
            None => Err(SessionRejection::NotConfigured),
        };
        ready(result)
    }
}

/// Why a request has no valid session. Responds `401 Unauthorized` with a
/// short fixed body (`500` if [`Sessions`] was not registered); the variant
/// is for logging and never sent.
///
/// # Example
/// ```
/// use actix_web::ResponseError;
/// use sealed_session_actix::SessionRejection;
/// assert_eq!(SessionRejection::Missing.status_code(), 401);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SessionRejection {
    /// No session cookie in the request.
    Missing,
    /// The `Cookie` header could not be read (too large, ambiguous, bad bytes).
    Cookie(CookieHeaderError),
    /// The token did not open (malformed, unauthenticated, expired, ...).
    Token(Error),
    /// [`Sessions`] is not in the app data: a programming error.
    NotConfigured,
}

impl fmt::Display for SessionRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SessionRejection::Missing => f.write_str("no session cookie"),
            SessionRejection::Cookie(e) => write!(f, "session cookie unreadable: {e}"),
            SessionRejection::Token(e) => write!(f, "session token refused: {e}"),
            SessionRejection::NotConfigured => {
                f.write_str("sealed_session_actix::Sessions is not registered with App::app_data")
            }
        }
    }
}

impl std::error::Error for SessionRejection {}

impl From<Rejection> for SessionRejection {
    fn from(r: Rejection) -> Self {
        match r {
            Rejection::Missing => SessionRejection::Missing,
            Rejection::Cookie(e) => SessionRejection::Cookie(e),
            Rejection::Token(e) => SessionRejection::Token(e),
            // `Rejection` is non-exhaustive; any other reason is still "no
            // valid session".
            _ => SessionRejection::Missing,
        }
    }
}

impl ResponseError for SessionRejection {
    fn status_code(&self) -> StatusCode {
        match self {
            SessionRejection::NotConfigured => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::UNAUTHORIZED,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        HttpResponse::build(status).body(match status {
            StatusCode::UNAUTHORIZED => "401 Unauthorized\n",
            _ => "500 Internal Server Error\n",
        })
    }
}

/// A session could not be sealed. Responds `500 Internal Server Error`.
///
/// # Example
/// ```
/// # use sealed_session::{Key, KeyRing};
/// let s = sealed_session_actix::Sessions::builder(KeyRing::new(Key::generate())).build();
/// assert!(s.start("").is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionError(pub Error);

impl From<Error> for SessionError {
    fn from(e: Error) -> Self {
        SessionError(e)
    }
}

impl fmt::Display for SessionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "could not seal a session: {}", self.0)
    }
}

impl std::error::Error for SessionError {}

impl ResponseError for SessionError {
    fn status_code(&self) -> StatusCode {
        StatusCode::INTERNAL_SERVER_ERROR
    }

    fn error_response(&self) -> HttpResponse {
        HttpResponse::InternalServerError().body("500 Internal Server Error\n")
    }
}

/// A freshly sealed session and its `Set-Cookie` header. Returned by
/// [`Sessions::start`].
///
/// The token is a live bearer credential: `Debug` prints the expiry only,
/// and the header value is marked sensitive (HTTP/2 never indexes it).
#[derive(Clone)]
pub struct SetSessionCookie {
    token: String,
    value: HeaderValue,
    expires_at: Timestamp,
}

impl fmt::Debug for SetSessionCookie {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SetSessionCookie")
            .field("token", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

impl SetSessionCookie {
    /// The sealed token (for API clients that do not use cookies).
    pub fn token(&self) -> &str {
        &self.token
    }

    /// The `Set-Cookie` header, for `HttpResponseBuilder::append_header`.
    pub fn header(&self) -> (HeaderName, HeaderValue) {
        (SET_COOKIE, self.value.clone())
    }

    /// When the token expires (its `exp`).
    pub fn expires_at(&self) -> Timestamp {
        self.expires_at
    }
}

impl TryFrom<web::SetCookie> for SetSessionCookie {
    type Error = SessionError;

    fn try_from(set: web::SetCookie) -> Result<Self, SessionError> {
        let (token, value, expires_at) = set.into_parts();
        let mut value = HeaderValue::try_from(value)
            .map_err(|_| SessionError(Error::InvalidArgument("cookie value")))?;
        value.set_sensitive(true);
        Ok(SetSessionCookie {
            token,
            value,
            expires_at,
        })
    }
}

/// Middleware: opens the session once per request (the [`Session`]
/// extractor reuses it) and, when the handler answered with a success or
/// redirect status and did not set or clear the cookie itself, re-seals a
/// session past its renewal point. Requests pass through untouched when
/// [`Sessions`] is not in the app data.
///
/// With the default `tracing` feature it also logs one `WARN` event per
/// process (target `sealed_session_actix`) the first time a response sets a `Secure`
/// session cookie in answer to a request that came over plain HTTP (no TLS,
/// no `X-Forwarded-Proto: https`) for a host that is not loopback
/// ([`sealed_session::web::is_loopback_host`]): browsers drop that cookie
/// silently. Use HTTPS, or for development a cookie that is not `Secure`.
///
/// # Errors
/// Only those of the wrapped service.
///
/// # Example
/// ```
/// use actix_web::{middleware::from_fn, web, App};
/// use sealed_session_actix::{renew, Session, Sessions};
/// let sessions = Sessions::builder(sealed_session::KeyRing::new(sealed_session::Key::generate())).build();
/// let app = App::new()
///     .app_data(sessions)
///     .wrap(from_fn(renew))
///     .route("/me", web::get().to(|s: Session| async move { s.user_id().to_owned() }));
/// # let _ = app;
/// ```
pub async fn renew<B: MessageBody>(
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<B>, actix_web::Error> {
    let Some(sessions) = req.app_data::<Sessions>().cloned() else {
        return next.call(req).await;
    };
    let now = sessions.now();
    let opened = sessions.open(req.headers(), now);
    let due = match &opened {
        Ok(session) if sessions.needs_renewal(session, now) => Some(session.clone()),
        _ => None,
    };
    // A browser that dropped the cookie never sends a session back, so a
    // request with a valid session that is not due needs no plain-HTTP
    // check (header lookups and host parsing on every request otherwise).
    #[cfg(feature = "tracing")]
    let plain_http_host = (opened.is_err() || due.is_some())
        .then(|| plain_http::watch(&sessions, &req))
        .flatten();
    req.extensions_mut().insert(Opened(opened));
    let mut res = next.call(req).await?;
    #[cfg(feature = "tracing")]
    plain_http::check(plain_http_host, &sessions, res.headers());
    let Some(session) = due else {
        return Ok(res);
    };
    let set_cookies = res.headers().get_all(SET_COOKIE).map(HeaderValue::as_bytes);
    let renewed = sessions
        .core
        .renewal(&session.claims, now, res.status().as_u16(), set_cookies)
        .and_then(|set| SetSessionCookie::try_from(set).ok());
    if let Some(set) = renewed {
        res.headers_mut().append(SET_COOKIE, set.value);
    }
    Ok(res)
}

/// The README's example, compiled as a doctest so that it cannot drift.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
