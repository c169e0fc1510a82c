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
//!
//! ```text
//! sealed-session-server-bench inproc [N [CONTENDER...]]
//! ```
//!
//! For profiling the layers without sockets: N (default 200000) requests
//! per contender through the router in process (`tower::ServiceExt::oneshot`),
//! best of 5 batches in CPU ns per request (this thread's
//! schedstat run time), plus the cost of a bare
//! `sealed_session::web::Sessions::open` of the same cookie. Contenders
//! `sealed-fromfn` (the `renew` function through `from_fn_with_state`
//! instead of `renew_layer`) and `sealed-extract` (the extractor alone)
//! split (b)'s cost; both also run over sockets when named in CONTENDERS.

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

/// How (b) puts the renewal in front of the route.
#[derive(Clone, Copy)]
enum Renewal {
    /// `Sessions::renew_layer()`, the documented way.
    Layer,
    /// `middleware::from_fn_with_state(sessions, renew)`.
    FromFn,
    /// None: the extractor alone.
    Off,
}

/// sealed-session-axum: the `Session` extractor behind the renewal layer.
fn sealed(renewal: Renewal) -> Router {
    async fn login(
        State(s): State<Sessions>,
    ) -> Result<(SetSessionCookie, &'static str), SessionError> {
        Ok((s.start(USER_ID)?, "welcome"))
    }
    async fn me(session: Session) -> String {
        session.user_id().to_owned()
    }
    let sessions = Sessions::builder(KeyRing::new(Key::generate())).build();
    let router = Router::new()
        .route("/me", get(me))
        .route("/login", post(login));
    let router = match renewal {
        Renewal::Layer => router.layer(sessions.renew_layer()),
        Renewal::FromFn => router.layer(middleware::from_fn_with_state(sessions.clone(), renew)),
        Renewal::Off => router,
    };
    router.with_state(sessions)
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

const USAGE: &str = "usage: sealed-session-server-bench none|sealed|private-jar|tower-memory|tower-redis PORT [REDIS_URL]\n       sealed-session-server-bench inproc [N [CONTENDER...]]";

async fn contender(name: &str, redis_url: Option<&str>) -> Router {
    match name {
        "none" => none(),
        "sealed" => sealed(Renewal::Layer),
        "sealed-fromfn" => sealed(Renewal::FromFn),
        "sealed-extract" => sealed(Renewal::Off),
        "private-jar" => private_jar(),
        "tower-memory" => tower(MemoryStore::default()),
        "tower-redis" => redis_store(redis_url.unwrap_or("redis://127.0.0.1:6379")).await,
        _ => {
            eprintln!("{USAGE}");
            std::process::exit(2);
        }
    }
}

/// This thread's CPU time in ns (first field of /proc/thread-self/schedstat):
/// wall time means little on a shared machine.
fn cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .expect("/proc/thread-self/schedstat")
}

/// Best of 5 batches of `n` requests through `app`, in CPU ns per request.
async fn time_router(app: &Router, cookie: &str, n: u32) -> f64 {
    let mut best = f64::INFINITY;
    for _ in 0..5 {
        let t = cpu_ns();
        for _ in 0..n {
            let mut req = Request::get("/me");
            if !cookie.is_empty() {
                req = req.header(header::COOKIE, cookie);
            }
            let res = app
                .clone()
                .oneshot(req.body(Body::empty()).expect("request"))
                .await
                .expect("me");
            assert_eq!(res.status(), StatusCode::OK);
            let body = axum::body::to_bytes(res.into_body(), 1024)
                .await
                .expect("body");
            std::hint::black_box(body);
        }
        best = best.min((cpu_ns() - t) as f64 / f64::from(n));
    }
    best
}

/// Best of 5 batches of `n` bare opens of a session cookie, in CPU ns per open.
fn time_open(n: u32) -> f64 {
    let sessions = sealed_session::web::Sessions::builder(KeyRing::new(Key::generate())).build();
    let set = sessions.start(USER_ID).expect("seal");
    let cookie = format!("{}={}", sessions.cookie().name(), set.token());
    let mut best = f64::INFINITY;
    for _ in 0..5 {
        let t = cpu_ns();
        for _ in 0..n {
            let claims = sessions.open([std::hint::black_box(cookie.as_bytes())], sessions.now());
            std::hint::black_box(claims.expect("open"));
        }
        best = best.min((cpu_ns() - t) as f64 / f64::from(n));
    }
    best
}

async fn inproc(args: &[String]) {
    let n: u32 = args.first().map_or(200_000, |s| s.parse().expect("N"));
    let names: Vec<&str> = if args.len() > 1 {
        args[1..].iter().map(String::as_str).collect()
    } else {
        vec![
            "none",
            "sealed",
            "sealed-extract",
            "private-jar",
            "tower-memory",
        ]
    };
    let open = time_open(n);
    println!("{:<16} {:>9.0} ns", "web::open", open);
    let mut base = None;
    for name in names {
        let app = contender(name, None).await;
        let cookie = login_cookie(&app).await;
        let ns = time_router(&app, &cookie, n).await;
        let base = *base.get_or_insert(ns);
        println!(
            "{name:<16} {ns:>9.0} ns/req  {:>+7.0} ns over the first",
            ns - base
        );
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("inproc") {
        return inproc(&args[2..]).await;
    }
    let (Some(name), Some(port)) = (args.get(1), args.get(2)) else {
        eprintln!("{USAGE}");
        std::process::exit(2);
    };
    let port: u16 = port.parse().expect("port");
    let app = contender(
        name,
        args.get(3).map(String::as_str).filter(|s| !s.is_empty()),
    )
    .await;
    let cookie = login_cookie(&app).await;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .expect("bind");
    println!("COOKIE {cookie}");
    println!("READY");
    axum::serve(listener, app).await.expect("serve");
}
