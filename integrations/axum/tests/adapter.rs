//! The axum adapter in-process: extractor, set/clear cookie, renewal.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::State;
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::{Request, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{middleware, Router};
use sealed_session::cookie::CookieOptions;
use sealed_session::{Key, KeyRing, Policy, Timestamp};
use sealed_session_axum::{
    renew, ClearSessionCookie, Session, SessionError, Sessions, SetSessionCookie,
};
use tower::ServiceExt;

const T0: i64 = 1_900_000_000;

/// The two ways to put the renewal in front of the routes.
#[derive(Clone, Copy, Debug)]
enum Wiring {
    /// `middleware::from_fn_with_state(sessions, renew)`.
    FromFn,
    /// `sessions.renew_layer()`.
    Layer,
}

const WIRINGS: [Wiring; 2] = [Wiring::FromFn, Wiring::Layer];

fn app(key: Key, clock: Arc<AtomicI64>, wiring: Wiring) -> (Router, Sessions) {
    let sessions = Sessions::builder(KeyRing::new(key))
        .policy(Policy::new(
            Duration::from_secs(3600),
            Duration::from_secs(2 * 3600),
        ))
        .clock(move || Timestamp::from_unix_seconds(clock.load(Ordering::SeqCst)).unwrap())
        .build();
    async fn login(
        State(s): State<Sessions>,
    ) -> Result<(SetSessionCookie, &'static str), SessionError> {
        Ok((s.start("alice")?, "ok"))
    }
    async fn logout(State(s): State<Sessions>) -> (ClearSessionCookie, &'static str) {
        (s.end(), "bye")
    }
    async fn me(session: Session) -> String {
        session.user_id().to_owned()
    }
    async fn maybe(session: Option<Session>) -> String {
        session.map_or_else(|| "anonymous".to_owned(), |s| s.user_id().to_owned())
    }
    async fn forbidden(_session: Session) -> StatusCode {
        StatusCode::FORBIDDEN
    }
    let router = Router::new()
        .route("/login", post(login))
        .route("/logout", post(logout))
        .route("/me", get(me))
        .route("/maybe", get(maybe))
        .route("/forbidden", get(forbidden));
    let router = match wiring {
        Wiring::FromFn => router.layer(middleware::from_fn_with_state(sessions.clone(), renew)),
        Wiring::Layer => router.layer(sessions.renew_layer()),
    }
    .with_state(sessions.clone());
    (router, sessions)
}

async fn call(app: &Router, method: &str, path: &str, cookie: Option<&str>) -> Response {
    let mut req = Request::builder().method(method).uri(path);
    if let Some(c) = cookie {
        req = req.header(COOKIE, c);
    }
    app.clone()
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .unwrap()
}

fn set_cookies(res: &Response) -> Vec<String> {
    res.headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}

/// The `name=value` pair a browser would send back.
fn pair(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap().to_owned()
}

async fn body(res: Response) -> String {
    let bytes = axum::body::to_bytes(res.into_body(), 1 << 16)
        .await
        .unwrap();
    String::from_utf8(bytes.to_vec()).unwrap()
}

#[tokio::test]
async fn login_me_logout() {
    for wiring in WIRINGS {
        login_me_logout_with(wiring).await;
    }
}

async fn login_me_logout_with(wiring: Wiring) {
    let clock = Arc::new(AtomicI64::new(T0));
    let (app, _) = app(Key::generate(), clock, wiring);
    let res = call(&app, "POST", "/login", None).await;
    assert_eq!(res.status(), StatusCode::OK);
    let set = set_cookies(&res);
    assert_eq!(set.len(), 1);
    assert!(set[0].starts_with("__Host-session=v2.local."), "{}", set[0]);
    assert!(set[0].contains("; Max-Age=3600;"), "{}", set[0]);
    for attr in ["; Path=/", "; Secure", "; HttpOnly", "; SameSite=Lax"] {
        assert!(set[0].contains(attr), "{attr} in {}", set[0]);
    }
    let cookie = format!("theme=dark; {}", pair(&set[0]));

    let res = call(&app, "GET", "/me", Some(&cookie)).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        set_cookies(&res).is_empty(),
        "a fresh session is not renewed"
    );
    assert_eq!(body(res).await, "alice");
    assert_eq!(
        body(call(&app, "GET", "/maybe", Some(&cookie)).await).await,
        "alice"
    );

    let res = call(&app, "POST", "/logout", Some(&cookie)).await;
    let set = set_cookies(&res);
    assert_eq!(set.len(), 1);
    assert!(
        set[0].starts_with("__Host-session=; Max-Age=0;"),
        "{}",
        set[0]
    );
}

#[tokio::test]
async fn no_or_bad_cookie_is_401() {
    for wiring in WIRINGS {
        no_or_bad_cookie_is_401_with(wiring).await;
    }
}

async fn no_or_bad_cookie_is_401_with(wiring: Wiring) {
    let clock = Arc::new(AtomicI64::new(T0));
    let (app, sessions) = app(Key::generate(), clock.clone(), wiring);
    let token = sessions.start("alice").unwrap().token().to_owned();
    let mut flipped = token.clone().into_bytes();
    let last = flipped.len() - 1;
    flipped[last] = if flipped[last] == b'A' { b'B' } else { b'A' };
    let flipped = String::from_utf8(flipped).unwrap();
    let other_key = Sessions::builder(KeyRing::new(Key::generate()))
        .build()
        .start("alice")
        .unwrap();
    let huge = format!("__Host-session={}", "A".repeat(9000));
    let cases: Vec<(&str, Option<String>)> = vec![
        ("none", None),
        ("empty", Some("__Host-session=".into())),
        ("garbage", Some("__Host-session=hello".into())),
        ("tampered", Some(format!("__Host-session={flipped}"))),
        (
            "truncated",
            Some(format!("__Host-session={}", &token[..token.len() - 5])),
        ),
        (
            "other key",
            Some(format!("__Host-session={}", other_key.token())),
        ),
        (
            "ambiguous",
            Some(format!("__Host-session={token}; __Host-session={flipped}")),
        ),
        ("oversize", Some(huge)),
        ("wrong name", Some(format!("session={token}"))),
    ];
    for (what, cookie) in &cases {
        let res = call(&app, "GET", "/me", cookie.as_deref()).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{what}");
        assert!(
            set_cookies(&res).is_empty(),
            "{what}: a 401 never touches the cookie"
        );
        let res = call(&app, "GET", "/maybe", cookie.as_deref()).await;
        assert_eq!(body(res).await, "anonymous", "{what}");
    }
    // Expiry by the injected clock.
    let cookie = format!("__Host-session={token}");
    assert_eq!(
        call(&app, "GET", "/me", Some(&cookie)).await.status(),
        StatusCode::OK
    );
    clock.store(T0 + 3600, Ordering::SeqCst);
    assert_eq!(
        call(&app, "GET", "/me", Some(&cookie)).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn renewal_on_success_only() {
    for wiring in WIRINGS {
        renewal_on_success_only_with(wiring).await;
    }
}

async fn renewal_on_success_only_with(wiring: Wiring) {
    let clock = Arc::new(AtomicI64::new(T0));
    let (app, sessions) = app(Key::generate(), clock.clone(), wiring);
    let token = sessions.start("alice").unwrap().token().to_owned();
    let cookie = format!("__Host-session={token}");
    // The default renewal point: half the idle lifetime.
    clock.store(T0 + 1799, Ordering::SeqCst);
    assert!(set_cookies(&call(&app, "GET", "/me", Some(&cookie)).await).is_empty());
    clock.store(T0 + 1800, Ordering::SeqCst);
    // A handler's non-success answer is not renewed.
    let res = call(&app, "GET", "/forbidden", Some(&cookie)).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(set_cookies(&res).is_empty());
    // Logout clears rather than renews.
    let res = call(&app, "POST", "/logout", Some(&cookie)).await;
    assert_eq!(set_cookies(&res).len(), 1);
    assert!(set_cookies(&res)[0].contains("Max-Age=0"));
    // Success: a renewed cookie with a full lifetime from now.
    let res = call(&app, "GET", "/me", Some(&cookie)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let set = set_cookies(&res);
    assert_eq!(set.len(), 1);
    assert!(set[0].contains("; Max-Age=3600;"), "{}", set[0]);
    let renewed = pair(&set[0]);
    assert_ne!(renewed, cookie);
    // The renewed session outlives the original one.
    clock.store(T0 + 3700, Ordering::SeqCst);
    assert_eq!(
        call(&app, "GET", "/me", Some(&cookie)).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let res = call(&app, "GET", "/me", Some(&renewed)).await;
    assert_eq!(res.status(), StatusCode::OK);
    // Renewed again (past half its idle lifetime), it is capped by the
    // absolute lifetime (two hours after login)...
    let again = set_cookies(&res);
    assert!(again[0].contains("; Max-Age=3500;"), "{}", again[0]);
    let again = pair(&again[0]);
    // ...and not renewed past it: it just ends.
    clock.store(T0 + 7100, Ordering::SeqCst);
    let res = call(&app, "GET", "/me", Some(&again)).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(set_cookies(&res).is_empty());
    clock.store(T0 + 7200, Ordering::SeqCst);
    assert_eq!(
        call(&app, "GET", "/me", Some(&again)).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn custom_cookie_and_key_replacement() {
    let cookie = CookieOptions::new()
        .name("sid")
        .secure(false)
        .build()
        .unwrap();
    let old = Key::generate();
    let sessions = Sessions::builder(KeyRing::new(old.clone()))
        .cookie(cookie)
        .build();
    let app = Router::new()
        .route(
            "/me",
            get(|s: Session| async move { s.user_id().to_owned() }),
        )
        .with_state(sessions.clone());
    let set = sessions.start("bob").unwrap();
    let value = set.header_value().to_str().unwrap().to_owned();
    assert!(
        value.starts_with("sid=v2.local.") && !value.contains("Secure"),
        "{value}"
    );
    let cookie = pair(&value);
    assert_eq!(
        call(&app, "GET", "/me", Some(&cookie)).await.status(),
        StatusCode::OK
    );
    // Rotation: distribute, promote, retire.
    let new = Key::generate();
    sessions.replace_keys(KeyRing::new(old.clone()).with_retired(new.clone()));
    assert_eq!(
        call(&app, "GET", "/me", Some(&cookie)).await.status(),
        StatusCode::OK
    );
    sessions.replace_keys(KeyRing::new(new.clone()).with_retired(old.clone()));
    assert_eq!(
        call(&app, "GET", "/me", Some(&cookie)).await.status(),
        StatusCode::OK
    );
    let fresh = pair(
        sessions
            .start("bob")
            .unwrap()
            .header_value()
            .to_str()
            .unwrap(),
    );
    sessions.replace_keys(KeyRing::new(new));
    assert_eq!(
        call(&app, "GET", "/me", Some(&fresh)).await.status(),
        StatusCode::OK
    );
    // A session sealed by the dropped key now names an unknown key.
    assert_eq!(
        call(&app, "GET", "/me", Some(&cookie)).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

/// The extractor and the renewal (either wiring) open a request's session once:
/// each request is one open or one refusal in `metrics()` (and so one
/// `tracing` event), by the reason's stable name.
#[tokio::test]
async fn each_request_counts_once_by_reason() {
    for wiring in WIRINGS {
        each_request_counts_once_by_reason_with(wiring).await;
    }
}

async fn each_request_counts_once_by_reason_with(wiring: Wiring) {
    use sealed_session::web::Reason;
    let clock = Arc::new(AtomicI64::new(T0));
    let (app, sessions) = app(Key::generate(), clock.clone(), wiring);
    let res = call(&app, "POST", "/login", None).await;
    let cookie = pair(&set_cookies(&res)[0]);
    for _ in 0..3 {
        assert_eq!(call(&app, "GET", "/me", Some(&cookie)).await.status(), 200);
    }
    assert_eq!(call(&app, "GET", "/me", None).await.status(), 401);
    assert_eq!(call(&app, "GET", "/maybe", None).await.status(), 200);
    let other = Sessions::builder(KeyRing::new(Key::generate())).build();
    let foreign = format!("__Host-session={}", other.start("bob").unwrap().token());
    assert_eq!(call(&app, "GET", "/me", Some(&foreign)).await.status(), 401);
    // Past the renewal point: one open, one renewal.
    clock.fetch_add(1900, Ordering::SeqCst);
    assert_eq!(call(&app, "GET", "/me", Some(&cookie)).await.status(), 200);
    clock.fetch_add(3600, Ordering::SeqCst);
    assert_eq!(call(&app, "GET", "/me", Some(&cookie)).await.status(), 401);
    let m = sessions.core().metrics();
    assert_eq!((m.sealed, m.opened, m.renewed), (1, 4, 1));
    // The login request had no cookie either: the middleware saw it.
    assert_eq!(m.rejected(Reason::Missing), 3);
    assert_eq!(m.rejected(Reason::UnknownKey), 1);
    assert_eq!(m.rejected(Reason::Expired), 1);
    assert_eq!(m.rejected_total(), 5);
}

/// The token is a bearer credential: `Debug` must not print it, and the
/// header value is marked sensitive (never indexed by HTTP/2's HPACK).
#[test]
fn set_session_cookie_debug_never_shows_the_token() {
    let sessions = Sessions::builder(KeyRing::new(Key::generate())).build();
    let set = sessions.start("alice").unwrap();
    let body = set.token().trim_start_matches("v2.local.");
    let debug = format!("{set:?} {set:#?} {:?}", set.header_value());
    assert!(!debug.contains(&body[..16]), "{debug}");
    assert!(set.header_value().is_sensitive());
}
