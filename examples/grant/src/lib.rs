//! The auth-server half of the grant flow: a logged-in user asks for
//! access to one object and gets a short-lived grant that a CDN or edge
//! node checks on its own (see `edge/`, the no_std core compiled to
//! WebAssembly, and `docs/edge.md`).
//!
//! - `POST /login` (body: the user id) starts a session: the session cookie,
//!   sealed with the **session** key ring (the axum adapter).
//! - `POST /grant-access` (JSON `{"path": "/videos/intro.mp4"}`, with the
//!   session cookie) seals a grant with the separate **grant** key ring:
//!   audience `cdn`, a five-minute lifetime, the user id and the object's
//!   path. `401` without a valid session, `403` for a path outside
//!   [`GRANTABLE`].
//!
//! The two key rings never share a key: the edge holds the grant key only,
//! so a stolen edge key can mint grants but never sessions.
//!
//! # Example
//! ```
//! use sealed_session::{Key, KeyRing, Timestamp};
//! let grants = KeyRing::new(Key::generate());
//! let now = Timestamp::now();
//! let grant = sealed_session_grant_example::issue_grant(&grants, "alice", "/videos/intro.mp4", now)?;
//! let claims = grant_edge::open(&grants, &grant, now)?;
//! assert_eq!((claims.user_id(), claims.custom().path.as_str()), ("alice", "/videos/intro.mp4"));
//! # Ok::<(), sealed_session::Error>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{FromRef, State};
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use grant_edge::Grant;
use sealed_session::cookie::CookieOptions;
use sealed_session::{Error, KeyRing, Timestamp};
use sealed_session_axum::{Session, Sessions, SetSessionCookie};
use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// Path prefixes a logged-in user may be granted.
pub const GRANTABLE: [&str; 2] = ["/videos/", "/docs/"];

/// The auth server's state: the session adapter and the grant key ring.
///
/// ```
/// use sealed_session::{Key, KeyRing};
/// let state = sealed_session_grant_example::AuthState::new(
///     KeyRing::new(Key::generate()),
///     KeyRing::new(Key::generate()),
/// );
/// assert_eq!(state.sessions.cookie().name(), "session");
/// ```
#[derive(Clone, Debug)]
pub struct AuthState {
    /// Sessions: the session key ring, policy and cookie (plain-HTTP
    /// development settings: cookie `session`, not `Secure`).
    pub sessions: Sessions,
    /// The grant key ring: seals grants only, never sessions.
    pub grants: Arc<KeyRing>,
}

impl AuthState {
    /// State with the default session policy and a cookie named `session`
    /// that works over plain HTTP on loopback.
    pub fn new(session_keys: KeyRing, grant_keys: KeyRing) -> AuthState {
        let cookie = CookieOptions::new()
            .name("session")
            .secure(false)
            .build()
            .unwrap_or_else(|_| unreachable!("a fixed, valid cookie name"));
        AuthState {
            sessions: Sessions::builder(session_keys).cookie(cookie).build(),
            grants: Arc::new(grant_keys),
        }
    }
}

impl FromRef<AuthState> for Sessions {
    fn from_ref(state: &AuthState) -> Sessions {
        state.sessions.clone()
    }
}

/// Seal a grant for `user_id` to fetch `path`, valid from `now` for
/// [`grant_edge::LIFETIME`], bound to audience [`grant_edge::AUDIENCE`].
///
/// # Errors
/// The core's sealing errors (an empty user id, an RNG failure, a grant
/// over the size budget).
///
/// Example: see the crate docs.
pub fn issue_grant(
    grant_keys: &KeyRing,
    user_id: &str,
    path: &str,
    now: Timestamp,
) -> Result<String, Error> {
    let grant = Grant { path: path.into() };
    grant_edge::policy()
        .new_session(user_id)
        .custom(&grant)
        .seal(grant_keys, now)
}

/// `POST /grant-access`'s body.
#[derive(Debug, Deserialize, Serialize)]
pub struct GrantRequest {
    /// The object the user wants to fetch from the CDN.
    pub path: String,
}

/// `POST /grant-access`'s answer.
#[derive(Debug, Deserialize, Serialize)]
pub struct GrantResponse {
    /// The grant, to send to the CDN as `Authorization: Bearer <grant>`.
    pub grant: String,
    /// When it stops being valid (RFC 3339).
    pub expires_at: String,
}

async fn login(
    State(sessions): State<Sessions>,
    user_id: String,
) -> Result<(SetSessionCookie, &'static str), StatusCode> {
    // The demo trusts the name it is given; a real server checks a password.
    let user_id = user_id.trim();
    let plain = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    if user_id.is_empty() || user_id.len() > 64 || !user_id.chars().all(plain) {
        return Err(StatusCode::BAD_REQUEST);
    }
    let set = sessions
        .start(user_id)
        .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?;
    Ok((set, "logged in\n"))
}

async fn grant_access(
    State(state): State<AuthState>,
    session: Session,
    Json(request): Json<GrantRequest>,
) -> Result<Json<GrantResponse>, StatusCode> {
    let path = request.path;
    let grantable = GRANTABLE.iter().any(|p| path.starts_with(p))
        && path.len() <= 256
        && !path.split('/').any(|s| s == "..");
    if !grantable {
        return Err(StatusCode::FORBIDDEN);
    }
    // A real server loads the user here and checks that the account is still
    // allowed (and `Session::check_valid_after`): the edge cannot.
    let now = state.sessions.now();
    let grant = issue_grant(&state.grants, session.user_id(), &path, now)
        .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?;
    let expires_at = now
        .trunc_seconds()
        .saturating_add(grant_edge::LIFETIME)
        .to_string();
    Ok(Json(GrantResponse { grant, expires_at }))
}

/// The auth server's routes.
///
/// ```
/// use sealed_session::{Key, KeyRing};
/// use sealed_session_grant_example::{app, AuthState};
/// let router = app(AuthState::new(KeyRing::new(Key::generate()), KeyRing::new(Key::generate())));
/// # let _ = router;
/// ```
pub fn app(state: AuthState) -> Router {
    Router::new()
        .route("/login", post(login))
        .route("/grant-access", post(grant_access))
        .with_state(state)
}

/// A running auth server; dropping it (or [`RunningAuth::stop`]) stops it.
#[derive(Debug)]
pub struct RunningAuth {
    /// Where it listens.
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl RunningAuth {
    /// Stop accepting connections and wait until the server has stopped.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = (&mut self.task).await;
    }
}

impl Drop for RunningAuth {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Serve [`app`] on `addr` (port 0: any free port) until stopped.
///
/// # Errors
/// The listener's I/O error.
///
/// ```no_run
/// # async fn f() -> std::io::Result<()> {
/// use sealed_session::{Key, KeyRing};
/// use sealed_session_grant_example::{serve, AuthState};
/// let state = AuthState::new(KeyRing::new(Key::generate()), KeyRing::new(Key::generate()));
/// let running = serve(([127, 0, 0, 1], 0).into(), state).await?;
/// running.stop().await;
/// # Ok(()) }
/// ```
pub async fn serve(addr: SocketAddr, state: AuthState) -> std::io::Result<RunningAuth> {
    let listener = TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app(state))
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await;
    });
    Ok(RunningAuth {
        addr,
        stop: Some(stop),
        task,
    })
}
