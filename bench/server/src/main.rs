//! One contender of the end-to-end server benchmark: an axum 0.8 server on
//! one thread (tokio current-thread runtime) answering a minimal
//! authenticated `GET /me` with the user id, behind one session layer.
//!
//! ```text
//! sealed-session-server-bench CONTENDER PORT [REDIS_URL]
//! ```
//!
//! CONTENDER is one of `none`, `sealed`, `private-jar`, `tower-memory`,
//! `tower-redis`. Before it listens, the server logs a user in through its
//! own router (`POST /login`), checks that `GET /me` with that cookie
//! answers 200 with the user id and 401 without it, and prints one line
//! `COOKIE <Cookie header value>` for the load generator (empty for `none`).
//! Then it prints `READY` and serves on 127.0.0.1:PORT until killed.
//! bench/server/run.sh drives it.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::extract::{FromRef, State};
use axum::http::{header, Request, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{middleware, Router};
use axum_extra::extract::cookie::{Cookie, Key as JarKey, PrivateCookieJar};
use sealed_session::{Key, KeyRing};
use sealed_session_axum::{renew, Session, SessionError, Sessions, SetSessionCookie};
use tower::ServiceExt;
use tower_sessions::{MemoryStore, SessionManagerLayer, SessionStore};

const USER_ID: &str = "u-42";
/// The session lifetime every contender that carries an expiry uses.
const LIFETIME: Duration = Duration::from_secs(12 * 3600);

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

// ------------------------------------------------------------------- (a)

/// No session at all: the same handler shape, answering a fixed user.
fn none() -> Router {
    Router::new()
        .route("/me", get(|| async { USER_ID.to_owned() }))
        .route("/login", post(|| async { "welcome" }))
}

// ------------------------------------------------------------------- (b)

/// sealed-session-axum: the `Session` extractor behind the `renew` middleware.
fn sealed() -> Router {
    async fn login(
        State(s): State<Sessions>,
    ) -> Result<(SetSessionCookie, &'static str), SessionError> {
        Ok((s.start(USER_ID)?, "welcome"))
    }
    async fn me(session: Session) -> String {
        session.user_id().to_owned()
    }
    let sessions = Sessions::builder(KeyRing::new(Key::generate())).build();
    Router::new()
        .route("/me", get(me))
        .route("/login", post(login))
        .layer(middleware::from_fn_with_state(sessions.clone(), renew))
        .with_state(sessions)
}

// ------------------------------------------------------------------- (c)

/// axum-extra's `PrivateCookieJar` (AES-256-GCM) carrying `{"sub","exp"}`
/// JSON, the expiry checked by hand.
fn private_jar() -> Router {
    #[derive(Clone)]
    struct JarState(JarKey);
    impl FromRef<JarState> for JarKey {
        fn from_ref(s: &JarState) -> JarKey {
            s.0.clone()
        }
    }
    async fn login(jar: PrivateCookieJar) -> impl IntoResponse {
        let claims = serde_json::json!({ "sub": USER_ID, "exp": unix_now() + LIFETIME.as_secs() });
        (
            jar.add(Cookie::new("session", claims.to_string())),
            "welcome",
        )
    }
    async fn me(jar: PrivateCookieJar) -> Result<String, StatusCode> {
        #[derive(serde::Deserialize)]
        struct Claims {
            sub: String,
            exp: u64,
        }
        let cookie = jar.get("session").ok_or(StatusCode::UNAUTHORIZED)?;
        let claims: Claims =
            serde_json::from_str(cookie.value()).map_err(|_| StatusCode::UNAUTHORIZED)?;
        if claims.exp <= unix_now() {
            return Err(StatusCode::UNAUTHORIZED);
        }
        Ok(claims.sub)
    }
    Router::new()
        .route("/me", get(me))
        .route("/login", post(login))
        .with_state(JarState(JarKey::generate()))
}

// --------------------------------------------------------------- (d), (e)

/// tower-sessions with `store` (default settings but `Secure` off, so the
/// plain-HTTP client keeps the cookie): the user id is a session value.
fn tower<S: SessionStore + Clone>(store: S) -> Router {
    async fn login(session: tower_sessions::Session) -> Result<&'static str, StatusCode> {
        session
            .insert("user", USER_ID)
            .await
            .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?;
        Ok("welcome")
    }
    async fn me(session: tower_sessions::Session) -> Result<String, StatusCode> {
        match session.get::<String>("user").await {
            Ok(Some(user)) => Ok(user),
            Ok(None) => Err(StatusCode::UNAUTHORIZED),
            Err(_) => Err(StatusCode::INTERNAL_SERVER_ERROR),
        }
    }
    Router::new()
        .route("/me", get(me))
        .route("/login", post(login))
        .layer(SessionManagerLayer::new(store).with_secure(false))
}

async fn redis_store(url: &str) -> Router {
    use tower_sessions_redis_store::fred::prelude::{ClientLike, Config, Pool};
    use tower_sessions_redis_store::RedisStore;
    let config = Config::from_url(url).expect("redis url");
    // The pool size of the store's own example.
    let pool = Pool::new(config, None, None, None, 6).expect("redis pool");
    // Dropping the handle does not stop the connection tasks.
    let _connection = pool.connect();
    pool.wait_for_connect().await.expect("redis connect");
    tower(RedisStore::new(pool))
}

// ------------------------------------------------------------------ main

/// Log in through `app`, check `/me` with and without the cookie, and
/// return the `Cookie` header value to send.
async fn login_cookie(app: &Router) -> String {
    let res = app
        .clone()
        .oneshot(
            Request::post("/login")
                .body(Body::empty())
                .expect("request"),
        )
        .await
        .expect("login");
    assert!(res.status().is_success(), "login: {}", res.status());
    let cookie = res
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok()?.split(';').next().map(str::to_owned))
        .collect::<Vec<_>>()
        .join("; ");
    let me = |cookie: Option<&str>| {
        let mut req = Request::get("/me");
        if let Some(c) = cookie {
            req = req.header(header::COOKIE, c);
        }
        app.clone()
            .oneshot(req.body(Body::empty()).expect("request"))
    };
    let res = me(Some(&cookie)).await.expect("me");
    assert_eq!(res.status(), StatusCode::OK, "GET /me with the cookie");
    let body = axum::body::to_bytes(res.into_body(), 1024)
        .await
        .expect("body");
    assert_eq!(&body[..], USER_ID.as_bytes());
    if !cookie.is_empty() {
        let res = me(None).await.expect("me");
        assert_eq!(
            res.status(),
            StatusCode::UNAUTHORIZED,
            "GET /me without a cookie"
        );
    }
    cookie
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let usage = "usage: sealed-session-server-bench none|sealed|private-jar|tower-memory|tower-redis PORT [REDIS_URL]";
    let (Some(contender), Some(port)) = (args.get(1), args.get(2)) else {
        eprintln!("{usage}");
        std::process::exit(2);
    };
    let port: u16 = port.parse().expect("port");
    let app = match contender.as_str() {
        "none" => none(),
        "sealed" => sealed(),
        "private-jar" => private_jar(),
        "tower-memory" => tower(MemoryStore::default()),
        "tower-redis" => {
            let url = args.get(3).map_or("redis://127.0.0.1:6379", String::as_str);
            redis_store(url).await
        }
        _ => {
            eprintln!("{usage}");
            std::process::exit(2);
        }
    };
    let cookie = login_cookie(&app).await;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .expect("bind");
    println!("COOKIE {cookie}");
    println!("READY");
    axum::serve(listener, app).await.expect("serve");
}
