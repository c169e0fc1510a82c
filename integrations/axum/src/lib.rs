//! [axum] integration for [`sealed_session`]: stateless sealed session
//! cookies for apps that run on several nodes.
//!
//! - [`Sessions`] holds the key ring, the session [`Policy`](sealed_session::Policy) (lifetimes,
//!   renewal point, leeway, audience, revocation), the cookie settings and
//!   the clock. Put it in (or make it reachable from, via [`FromRef`]) your
//!   application state.
//! - [`Session`] is an extractor: the authenticated user id and claims, or a
//!   `401 Unauthorized` rejection. `Option<Session>` yields `None` instead.
//! - [`Sessions::start`] and [`Sessions::end`] give response parts that set
//!   or clear the cookie.
//! - [`Sessions::renew_layer`] (a tower [`Layer`](tower_layer::Layer)) opens
//!   the session once per request for the extractor and re-seals a session
//!   past its renewal point on the way out, so active users stay logged in.
//!   [`renew`] does the same as an [`axum::middleware::from_fn_with_state`]
//!   function, at the cost of `from_fn`'s boxing (about 0.3 µs a request).
//!
//! # Security
//! - The cookie gets hardened attributes by default (`__Host-session`,
//!   `Secure`, `HttpOnly`, `SameSite=Lax`, `Path=/`); see
//!   [`sealed_session::cookie`]. Browsers do not store `Secure` cookies set
//!   over plain `http://` except on `localhost`.
//! - A rejected cookie (tampered, expired, unknown key) is **not** cleared on
//!   the 401: during a key rotation a node that does not know the new key yet
//!   must not log the user out of the nodes that do.
//! - The session says who the user is; whether that user still exists, is
//!   allowed in, or logged out everywhere after the session started is the
//!   application's check, after it loads the user:
//!   [`Session::check_valid_after`] (see the demo in `examples/demo`).
//!   Answer a refused session with a non-success status so [`renew`] does not
//!   renew it.
//!
//! # Example
//! ```
//! use axum::{routing::{get, post}, Router};
//! use sealed_session::{Key, KeyRing};
//! use sealed_session_axum::{Session, SessionError, Sessions, SetSessionCookie, ClearSessionCookie};
//!
//! async fn login(axum::extract::State(s): axum::extract::State<Sessions>) -> Result<(SetSessionCookie, &'static str), SessionError> {
//!     // ... check the password, then:
//!     Ok((s.start("user-42")?, "welcome"))
//! }
//! async fn me(session: Session) -> String {
//!     format!("you are {}", session.user_id())
//! }
//! async fn logout(axum::extract::State(s): axum::extract::State<Sessions>) -> (ClearSessionCookie, &'static str) {
//!     (s.end(), "bye")
//! }
//!
//! let sessions = Sessions::builder(KeyRing::new(Key::generate())).build();
//! let app: Router = Router::new()
//!     .route("/login", post(login))
//!     .route("/me", get(me))
//!     .route("/logout", post(logout))
//!     .layer(sessions.renew_layer())
//!     .with_state(sessions);
//! # let _ = app;
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use std::fmt;
use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts, OptionalFromRequestParts};
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, IntoResponseParts, Response, ResponseParts};
use sealed_session::cookie::CookieHeaderError;
use sealed_session::web::{self, Rejection};
use sealed_session::{Claims, Error, KeyRing, Timestamp};

pub use sealed_session::web::{Clock, DEFAULT_ABSOLUTE_LIFETIME, DEFAULT_IDLE_LIFETIME};

/// The README's axum example, `docs/snippets/axum.rs` at the repository root
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
mod renew;
pub use renew::{renew, RenewFuture, RenewLayer, RenewService};

/// Everything the adapter needs: the key ring, the [`Policy`](sealed_session::Policy) (lifetimes,
/// renewal point, leeway, audience, revocation), the cookie settings and the
/// clock. Cheap to clone (one `Arc`); share one per application.
///
/// The framework-neutral work is done by [`sealed_session::web::Sessions`]
/// ([`Sessions::core`]); this type adds the axum header types.
///
/// # Example
/// ```
/// use sealed_session::{Key, KeyRing, Policy};
/// use sealed_session_axum::Sessions;
/// use std::time::Duration;
/// let policy = Policy::new(Duration::from_secs(3600), Duration::from_secs(86_400));
/// let sessions = Sessions::builder(KeyRing::new(Key::generate()))
///     .policy(policy)
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
/// use sealed_session::{cookie::CookieOptions, Key, KeyRing, Policy};
/// use sealed_session_axum::Sessions;
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
    /// let s = sealed_session_axum::Sessions::builder(KeyRing::new(Key::generate())).build();
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
    /// let s = sealed_session_axum::Sessions::builder(KeyRing::new(Key::generate())).build();
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
    /// let s = sealed_session_axum::Sessions::builder(KeyRing::new(old.clone())).build();
    /// s.replace_keys(KeyRing::new(old.clone()).with_retired(new.clone()));
    /// s.replace_keys(KeyRing::new(new.clone()).with_retired(old));
    /// s.replace_keys(KeyRing::new(new));
    /// ```
    pub fn replace_keys(&self, keys: KeyRing) {
        self.core.replace_keys(keys)
    }

    /// Seal a new session for `user_id` and give the response part that
    /// sets its cookie.
    ///
    /// # Errors
    /// [`SessionError`] (a `500` response) if the token cannot be sealed
    /// (empty user id, RNG failure).
    ///
    /// # Example
    /// ```
    /// # use sealed_session::{Key, KeyRing};
    /// let s = sealed_session_axum::Sessions::builder(KeyRing::new(Key::generate())).build();
    /// let set = s.start("42")?;
    /// assert!(set.header_value().to_str().unwrap().starts_with("__Host-session=v2.local."));
    /// # Ok::<(), sealed_session_axum::SessionError>(())
    /// ```
    pub fn start(&self, user_id: &str) -> Result<SetSessionCookie, SessionError> {
        SetSessionCookie::try_from(self.core.start(user_id)?)
    }

    /// Re-seal `session` at `now` (same user, session start and id; a fresh
    /// idle lifetime, capped by the absolute one) and give the response part
    /// that sets its cookie. [`renew`] does this automatically.
    ///
    /// # Errors
    /// [`SessionError`] wrapping [`Error::AbsoluteLifetimeOver`] once the
    /// session cannot be extended, or a sealing error.
    ///
    /// # Example
    /// ```
    /// use axum::http::{header::COOKIE, HeaderMap};
    /// use sealed_session::{Key, KeyRing, Timestamp};
    /// use sealed_session_axum::Sessions;
    /// use std::time::Duration;
    /// let t0 = Timestamp::from_unix_seconds(1_900_000_000).unwrap();
    /// let s = Sessions::builder(KeyRing::new(Key::generate())).clock(move || t0).build();
    /// let set = s.start("42")?;
    /// let mut headers = HeaderMap::new();
    /// headers.insert(COOKIE, format!("__Host-session={}", set.token()).parse().unwrap());
    /// // Past half of the default 12-hour idle lifetime:
    /// let later = t0.checked_add(Duration::from_secs(7 * 3600)).unwrap();
    /// let session = s.open(&headers, later).unwrap();
    /// assert!(s.needs_renewal(&session, later));
    /// let renewed = s.renew(&session, later)?;
    /// assert!(renewed.expires_at() > set.expires_at());
    /// # Ok::<(), sealed_session_axum::SessionError>(())
    /// ```
    pub fn renew(
        &self,
        session: &Session,
        now: Timestamp,
    ) -> Result<SetSessionCookie, SessionError> {
        SetSessionCookie::try_from(self.core.renew(&session.claims, now)?)
    }

    /// The response part that deletes the session cookie (logout on this
    /// browser).
    ///
    /// ```
    /// # use sealed_session::{Key, KeyRing};
    /// let s = sealed_session_axum::Sessions::builder(KeyRing::new(Key::generate())).build();
    /// assert!(s.end().header_value().to_str().unwrap().contains("Max-Age=0"));
    /// ```
    pub fn end(&self) -> ClearSessionCookie {
        // A removal cookie is built from a validated name and attributes, so
        // it is always a valid header value.
        let value =
            HeaderValue::try_from(self.core.end()).unwrap_or_else(|_| HeaderValue::from_static(""));
        ClearSessionCookie { value }
    }

    /// Open the session carried by a request's `Cookie` headers at `now`.
    ///
    /// # Errors
    /// [`SessionRejection`] (a `401`): no cookie, an unreadable `Cookie`
    /// header, or a token that does not open.
    ///
    /// # Example
    /// ```
    /// use axum::http::{HeaderMap, header::COOKIE};
    /// # use sealed_session::{Key, KeyRing};
    /// let s = sealed_session_axum::Sessions::builder(KeyRing::new(Key::generate())).build();
    /// let set = s.start("42")?;
    /// let mut headers = HeaderMap::new();
    /// headers.insert(COOKIE, format!("__Host-session={}", set.token()).parse().unwrap());
    /// assert_eq!(s.open(&headers, s.now()).unwrap().user_id(), "42");
    /// # Ok::<(), sealed_session_axum::SessionError>(())
    /// ```
    pub fn open(&self, headers: &HeaderMap, now: Timestamp) -> Result<Session, SessionRejection> {
        let lines = headers
            .get_all(COOKIE)
            .into_iter()
            .map(HeaderValue::as_bytes);
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
/// Rejects with [`SessionRejection`] (`401 Unauthorized`) when there is no
/// valid session; use `Option<Session>` to get `None` instead.
///
/// # Example
/// ```
/// use sealed_session_axum::Session;
/// async fn me(session: Session) -> String {
///     session.user_id().to_owned()
/// }
/// async fn home(session: Option<Session>) -> &'static str {
///     if session.is_some() { "welcome back" } else { "hello" }
/// }
/// # let _ = (me, home);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    /// Shared with the renewal layer, so the extractor's copy is a
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
    ///
    /// # Example
    /// ```
    /// use sealed_session::{Key, KeyRing, Timestamp};
    /// use axum::http::{header::COOKIE, HeaderMap};
    /// let s = sealed_session_axum::Sessions::builder(KeyRing::new(Key::generate())).build();
    /// let mut headers = HeaderMap::new();
    /// let cookie = format!("__Host-session={}", s.start("42")?.token());
    /// headers.insert(COOKIE, cookie.parse().unwrap());
    /// let session = s.open(&headers, s.now()).unwrap();
    /// assert!(session.check_valid_after(None).is_ok());
    /// assert!(session.check_valid_after(Some(Timestamp::MAX)).is_err());
    /// # Ok::<(), sealed_session_axum::SessionError>(())
    /// ```
    pub fn check_valid_after(
        &self,
        valid_after: Option<Timestamp>,
    ) -> Result<(), SessionRejection> {
        self.claims
            .check_valid_after(valid_after)
            .map_err(SessionRejection::Token)
    }
}

impl<S> FromRequestParts<S> for Session
where
    Sessions: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = SessionRejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        if let Some(Opened(opened)) = parts.extensions.get::<Opened>() {
            return opened.clone();
        }
        let sessions = Sessions::from_ref(state);
        let now = sessions.now();
        sessions.open(&parts.headers, now)
    }
}

impl<S> OptionalFromRequestParts<S> for Session
where
    Sessions: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        Ok(
            <Session as FromRequestParts<S>>::from_request_parts(parts, state)
                .await
                .ok(),
        )
    }
}

/// What [`renew`] or [`RenewLayer`] found, so the extractor does not open
/// the token twice.
#[derive(Clone)]
pub(crate) struct Opened(pub(crate) Result<Session, SessionRejection>);

/// Why a request has no valid session. Responds `401 Unauthorized` with a
/// short fixed body; the variant is for logging and never sent.
///
/// # Example
/// ```
/// use axum::response::IntoResponse;
/// use sealed_session_axum::SessionRejection;
/// assert_eq!(SessionRejection::Missing.into_response().status(), 401);
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
}

impl fmt::Display for SessionRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SessionRejection::Missing => f.write_str("no session cookie"),
            SessionRejection::Cookie(e) => write!(f, "session cookie unreadable: {e}"),
            SessionRejection::Token(e) => write!(f, "session token refused: {e}"),
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

impl IntoResponse for SessionRejection {
    fn into_response(self) -> Response {
        (StatusCode::UNAUTHORIZED, "401 Unauthorized\n").into_response()
    }
}

/// A session could not be sealed. Responds `500 Internal Server Error`.
///
/// # Example
/// ```
/// # use sealed_session::{Key, KeyRing};
/// let s = sealed_session_axum::Sessions::builder(KeyRing::new(Key::generate())).build();
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

impl IntoResponse for SessionError {
    fn into_response(self) -> Response {
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            "500 Internal Server Error\n",
        )
            .into_response()
    }
}

/// A response part that sets the session cookie. Returned by
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

    /// The `Set-Cookie` header value.
    pub fn header_value(&self) -> &HeaderValue {
        &self.value
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

impl IntoResponseParts for SetSessionCookie {
    type Error = std::convert::Infallible;

    fn into_response_parts(self, mut res: ResponseParts) -> Result<ResponseParts, Self::Error> {
        res.headers_mut().append(SET_COOKIE, self.value);
        Ok(res)
    }
}

/// A response part that deletes the session cookie. Returned by
/// [`Sessions::end`].
#[derive(Clone, Debug)]
pub struct ClearSessionCookie {
    value: HeaderValue,
}

impl ClearSessionCookie {
    /// The `Set-Cookie` header value.
    pub fn header_value(&self) -> &HeaderValue {
        &self.value
    }
}

impl IntoResponseParts for ClearSessionCookie {
    type Error = std::convert::Infallible;

    fn into_response_parts(self, mut res: ResponseParts) -> Result<ResponseParts, Self::Error> {
        res.headers_mut().append(SET_COOKIE, self.value);
        Ok(res)
    }
}

/// The README's example, compiled as a doctest so that it cannot drift.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
