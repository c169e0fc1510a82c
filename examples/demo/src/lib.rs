//! The sealed-session demo: an axum app meant to run as several nodes
//! behind a load balancer, with **no shared session store**.
//!
//! - The session cookie carries only the user id and the session's times,
//!   sealed under a key every node holds ([`sealed_session_axum`]).
//! - A SQLite database (one file shared by the nodes) holds the users and each
//!   user's "sessions valid after" instant, which `/logout-everywhere` moves
//!   to now.
//! - Each node keeps a small in-memory user cache with a TTL, so a request
//!   usually costs one token open and one hash-map lookup. A logout-everywhere
//!   done on one node reaches the others within one cache TTL.
//!
//! Routes: `POST /login` (JSON `{"user":"alice","password":"..."}`),
//! `GET /me`, `POST /logout`, `POST /logout-everywhere`.
//!
//! [`start_node`] is what `main` and the integration tests call; tests start
//! several nodes in one process, each with its own listener, cache and clock.
//!
//! # Example
//! ```no_run
//! use sealed_session::{Key, KeyRing};
//! use sealed_session_demo::{init_db, start_node, NodeConfig};
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let db = std::env::temp_dir().join("demo.sqlite3");
//! init_db(&db)?;
//! let keys = KeyRing::new(Key::generate());
//! let mut nodes = Vec::new();
//! for name in ["node-1", "node-2"] {
//!     let config = NodeConfig::new(name, &db, keys.clone());
//!     nodes.push(start_node("127.0.0.1:0".parse()?, config).await?);
//! }
//! for node in nodes {
//!     println!("http://{}", node.addr);
//!     node.shutdown().await?;
//! }
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{middleware, Json, Router};
use rusqlite::{params, Connection, OptionalExtension};
use sealed_session::cookie::SessionCookie;
use sealed_session::web::KeyWatcher;
use sealed_session::{KeyRing, Policy, Timestamp};
use sealed_session_axum::{renew, Clock, Session, Sessions, SessionsBuilder};
use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

mod test_clock;
pub use test_clock::TestClock;

/// The demo's users: `(name, password)`. Created by [`init_db`].
pub const DEMO_USERS: &[(&str, &str)] = &[("alice", "alice-pass"), ("bob", "bob-pass")];

/// How one node is configured.
pub struct NodeConfig {
    /// A name shown in `/me` answers, to see which node served a request.
    pub name: String,
    /// The SQLite file shared by all nodes.
    pub db_path: PathBuf,
    /// The key ring every node holds.
    pub keys: KeyRing,
    /// Cookie settings.
    pub cookie: SessionCookie,
    /// Session lifetimes and renewal point.
    pub policy: Policy,
    /// How long a node trusts its cached copy of a user.
    pub cache_ttl: Duration,
    /// The node's clock.
    pub clock: Clock,
    /// A key directory ([`KeyRing::from_dir`]): when set, the node loads its
    /// keys from it instead of `keys`, and re-reads it every
    /// `key_reload_interval` (a failed reload keeps the old keys).
    pub key_dir: Option<PathBuf>,
    /// How often the key directory is re-read.
    pub key_reload_interval: Duration,
    /// For browser tests only: a clock the node uses instead of
    /// [`NodeConfig::clock`], moved forward by `POST /test/advance-clock`
    /// (see [`TestClock`]). `None` (the default): no such route.
    pub test_clock: Option<TestClock>,
}

impl fmt::Debug for NodeConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NodeConfig")
            .field("name", &self.name)
            .field("db_path", &self.db_path)
            .field("policy", &self.policy)
            .field("cache_ttl", &self.cache_ttl)
            .finish_non_exhaustive()
    }
}

impl NodeConfig {
    /// Defaults: hardened cookie, sessions that end after 30 idle minutes
    /// or 8 hours in all (renewed past half their idle lifetime), a 5-second
    /// user cache, the system clock.
    pub fn new(name: &str, db_path: &Path, keys: KeyRing) -> NodeConfig {
        NodeConfig {
            name: name.to_owned(),
            db_path: db_path.to_owned(),
            keys,
            cookie: SessionCookie::hardened(),
            policy: Policy::new(Duration::from_secs(30 * 60), Duration::from_secs(8 * 3600)),
            cache_ttl: Duration::from_secs(5),
            clock: Arc::new(Timestamp::now),
            key_dir: None,
            key_reload_interval: Duration::from_secs(1),
            test_clock: None,
        }
    }
}

/// A user row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    /// Primary key, used as the session's user id.
    pub id: i64,
    /// Login name.
    pub name: String,
    /// Sessions started before this instant are refused.
    pub sessions_valid_after: Timestamp,
}

/// A demo error: database or I/O.
#[derive(Debug)]
pub enum DemoError {
    /// SQLite failed.
    Db(rusqlite::Error),
    /// Binding or serving failed.
    Io(std::io::Error),
    /// The key directory could not be loaded.
    Keys(sealed_session::LoadKeyError),
}

impl fmt::Display for DemoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DemoError::Db(e) => write!(f, "database: {e}"),
            DemoError::Io(e) => write!(f, "i/o: {e}"),
            DemoError::Keys(e) => write!(f, "keys: {e}"),
        }
    }
}

impl std::error::Error for DemoError {}

impl From<rusqlite::Error> for DemoError {
    fn from(e: rusqlite::Error) -> Self {
        DemoError::Db(e)
    }
}

impl From<sealed_session::LoadKeyError> for DemoError {
    fn from(e: sealed_session::LoadKeyError) -> Self {
        DemoError::Keys(e)
    }
}

impl From<std::io::Error> for DemoError {
    fn from(e: std::io::Error) -> Self {
        DemoError::Io(e)
    }
}

fn open_db(path: &Path) -> Result<Connection, rusqlite::Error> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    Ok(conn)
}

/// Create the schema and the [`DEMO_USERS`] if they are missing.
///
/// # Errors
/// SQLite errors.
pub fn init_db(path: &Path) -> Result<(), DemoError> {
    let conn = open_db(path)?;
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS users (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            password_hash TEXT NOT NULL,
            sessions_valid_after TEXT NOT NULL
        );",
    )?;
    for (name, password) in DEMO_USERS {
        conn.execute(
            "INSERT OR IGNORE INTO users (name, password_hash, sessions_valid_after)
             VALUES (?1, ?2, ?3)",
            params![
                name,
                password_hash(name, password),
                Timestamp::MIN.to_string()
            ],
        )?;
    }
    Ok(())
}

/// Demo-grade password hash: BLAKE2b over the user name and password, as
/// hex. A real app uses a slow password hash (Argon2id).
fn password_hash(name: &str, password: &str) -> String {
    use blake2::{Blake2b512, Digest};
    let mut h = Blake2b512::new();
    h.update(b"sealed-session-demo\0");
    h.update(name.as_bytes());
    h.update([0u8]);
    h.update(password.as_bytes());
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

struct Db {
    conn: Mutex<Connection>,
}

impl Db {
    fn with<R>(&self, f: impl FnOnce(&Connection) -> rusqlite::Result<R>) -> rusqlite::Result<R> {
        let conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        f(&conn)
    }

    fn user_by_id(&self, id: i64) -> rusqlite::Result<Option<User>> {
        self.with(|c| {
            c.query_row(
                "SELECT id, name, sessions_valid_after FROM users WHERE id = ?1",
                [id],
                row_to_user,
            )
            .optional()
        })
    }

    fn check_login(&self, name: &str, password: &str) -> rusqlite::Result<Option<User>> {
        let found = self.with(|c| {
            c.query_row(
                "SELECT id, name, sessions_valid_after, password_hash FROM users WHERE name = ?1",
                [name],
                |row| Ok((row_to_user(row)?, row.get::<_, String>(3)?)),
            )
            .optional()
        })?;
        Ok(found.and_then(|(user, stored)| {
            let given = password_hash(name, password);
            let same: bool =
                subtle::ConstantTimeEq::ct_eq(stored.as_bytes(), given.as_bytes()).into();
            same.then_some(user)
        }))
    }

    fn set_valid_after(&self, id: i64, t: Timestamp) -> rusqlite::Result<()> {
        self.with(|c| {
            c.execute(
                "UPDATE users SET sessions_valid_after = ?1 WHERE id = ?2",
                params![t.to_string(), id],
            )
            .map(|_| ())
        })
    }
}

fn row_to_user(row: &rusqlite::Row<'_>) -> rusqlite::Result<User> {
    let text: String = row.get(2)?;
    let sessions_valid_after = Timestamp::parse_rfc3339(&text).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(2, rusqlite::types::Type::Text, Box::new(e))
    })?;
    Ok(User {
        id: row.get(0)?,
        name: row.get(1)?,
        sessions_valid_after,
    })
}

/// A node's user cache: at most `CACHE_CAP` entries, each trusted for the TTL.
struct UserCache {
    ttl: Duration,
    map: Mutex<HashMap<i64, (User, Timestamp)>>,
}

const CACHE_CAP: usize = 1024;

impl UserCache {
    fn get(&self, id: i64, now: Timestamp) -> Option<User> {
        let map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        match map.get(&id) {
            Some((user, fetched))
                if now
                    .duration_since(*fetched)
                    .is_some_and(|age| age < self.ttl) =>
            {
                Some(user.clone())
            }
            _ => None,
        }
    }

    fn put(&self, user: User, now: Timestamp) {
        let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= CACHE_CAP {
            map.clear();
        }
        map.insert(user.id, (user, now));
    }

    fn forget(&self, id: i64) {
        self.map
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&id);
    }
}

/// A node's state.
#[derive(Clone)]
struct App {
    name: Arc<str>,
    sessions: Sessions,
    db: Arc<Db>,
    cache: Arc<UserCache>,
}

impl axum::extract::FromRef<App> for Sessions {
    fn from_ref(app: &App) -> Sessions {
        app.sessions.clone()
    }
}

/// Errors a handler answers with.
enum ApiError {
    Unauthorized,
    Internal,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::Unauthorized => {
                (StatusCode::UNAUTHORIZED, "401 Unauthorized\n").into_response()
            }
            ApiError::Internal => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "500 Internal Server Error\n",
            )
                .into_response(),
        }
    }
}

impl From<rusqlite::Error> for ApiError {
    fn from(_: rusqlite::Error) -> Self {
        ApiError::Internal
    }
}

impl From<sealed_session_axum::SessionError> for ApiError {
    fn from(_: sealed_session_axum::SessionError) -> Self {
        ApiError::Internal
    }
}

impl App {
    /// The user behind a session, from the cache or the database, or 401
    /// when the user is gone or logged out everywhere after the session
    /// was issued.
    fn current_user(&self, session: &Session) -> Result<User, ApiError> {
        let id: i64 = session
            .user_id()
            .parse()
            .map_err(|_| ApiError::Unauthorized)?;
        let now = self.sessions.now();
        let user = match self.cache.get(id, now) {
            Some(u) => u,
            None => {
                let u = self.db.user_by_id(id)?.ok_or(ApiError::Unauthorized)?;
                self.cache.put(u.clone(), now);
                u
            }
        };
        // Logged out everywhere after this session started? The session
        // start survives renewal, so renewing cannot escape this check.
        session
            .check_valid_after(Some(user.sessions_valid_after))
            .map_err(|_| ApiError::Unauthorized)?;
        Ok(user)
    }
}

#[derive(Deserialize)]
struct LoginBody {
    user: String,
    password: String,
}

/// What `/login` and `/me` answer.
#[derive(Serialize, Deserialize, Debug, PartialEq, Eq)]
pub struct MeBody {
    /// The user id.
    pub user_id: String,
    /// The user name.
    pub name: String,
    /// The node that answered.
    pub node: String,
    /// The session's expiry (RFC 3339).
    pub expires_at: String,
}

async fn login(State(app): State<App>, Json(body): Json<LoginBody>) -> Result<Response, ApiError> {
    let user = app
        .db
        .check_login(&body.user, &body.password)?
        .ok_or(ApiError::Unauthorized)?;
    let set = app.sessions.start(&user.id.to_string())?;
    app.cache.put(user.clone(), app.sessions.now());
    let out = MeBody {
        user_id: user.id.to_string(),
        name: user.name,
        node: app.name.to_string(),
        expires_at: set.expires_at().to_string(),
    };
    Ok((set, Json(out)).into_response())
}

async fn me(State(app): State<App>, session: Session) -> Result<Json<MeBody>, ApiError> {
    let user = app.current_user(&session)?;
    Ok(Json(MeBody {
        user_id: session.user_id().to_owned(),
        name: user.name,
        node: app.name.to_string(),
        expires_at: session.claims().expires_at().to_string(),
    }))
}

async fn logout(State(app): State<App>) -> Response {
    (app.sessions.end(), "logged out\n").into_response()
}

async fn logout_everywhere(State(app): State<App>, session: Session) -> Result<Response, ApiError> {
    let user = app.current_user(&session)?;
    let now = app.sessions.now();
    app.db.set_valid_after(user.id, now)?;
    app.cache.forget(user.id);
    Ok((app.sessions.end(), "logged out everywhere\n").into_response())
}

/// Build one node's router and its [`Sessions`] (for key rotation).
///
/// # Errors
/// The database cannot be opened.
pub fn app(config: NodeConfig) -> Result<(Router, Sessions), DemoError> {
    let clock: Clock = match config.test_clock.clone() {
        Some(test_clock) => Arc::new(move || test_clock.now()),
        None => config.clock,
    };
    let builder = match &config.key_dir {
        Some(dir) => SessionsBuilder::from_key_dir(dir)?,
        None => Sessions::builder(config.keys),
    };
    let sessions = builder
        .cookie(config.cookie)
        .policy(config.policy)
        .clock(move || clock())
        .build();
    let state = App {
        name: config.name.into(),
        sessions: sessions.clone(),
        db: Arc::new(Db {
            conn: Mutex::new(open_db(&config.db_path)?),
        }),
        cache: Arc::new(UserCache {
            ttl: config.cache_ttl,
            map: Mutex::new(HashMap::new()),
        }),
    };
    let mut router = Router::new()
        .route("/login", post(login))
        .route("/me", get(me))
        .route("/logout", post(logout))
        .route("/logout-everywhere", post(logout_everywhere))
        .layer(middleware::from_fn_with_state(sessions.clone(), renew))
        .with_state(state);
    if let Some(test_clock) = config.test_clock {
        router = router.route(
            "/test/advance-clock",
            post(move |body: String| test_clock::advance(test_clock, body)),
        );
    }
    Ok((router, sessions))
}

/// A node serving on its own listener, stopped on drop.
pub struct RunningNode {
    /// Where it listens.
    pub addr: SocketAddr,
    /// Its sessions handle, e.g. to [`Sessions::replace_keys`].
    pub sessions: Sessions,
    _watcher: Option<KeyWatcher>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl fmt::Debug for RunningNode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RunningNode")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl RunningNode {
    /// Stop accepting, finish in-flight requests, and wait.
    ///
    /// # Errors
    /// The server's I/O error, if it had one.
    pub async fn shutdown(mut self) -> std::io::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.task.take() {
            Some(task) => task.await.unwrap_or(Ok(())),
            None => Ok(()),
        }
    }
}

impl Drop for RunningNode {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// Bind `addr` (port 0 for any free port), and serve one node on it in a
/// background task.
///
/// # Errors
/// The database cannot be opened or the address cannot be bound.
pub async fn start_node(addr: SocketAddr, config: NodeConfig) -> Result<RunningNode, DemoError> {
    let reload = config
        .key_dir
        .is_some()
        .then_some(config.key_reload_interval);
    let (router, sessions) = app(config)?;
    let watcher = match reload {
        Some(interval) => Some(sessions.core().watch_keys(interval)?),
        None => None,
    };
    let listener = TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        axum::serve(listener, router)
            .with_graceful_shutdown(async move {
                let _ = stopped.await;
            })
            .await
    });
    Ok(RunningNode {
        addr,
        sessions,
        _watcher: watcher,
        stop: Some(stop),
        task: Some(task),
    })
}
