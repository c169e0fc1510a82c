//! The actix-web adapter over real HTTP on 127.0.0.1: log in, `/me`,
//! logout, tampered and other bad cookies, renewal.

use std::net::TcpListener;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use actix_web::middleware::from_fn;
use actix_web::{web, App, HttpResponse, HttpServer};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::header::{COOKIE, SET_COOKIE};
use hyper::{Method, Request, StatusCode};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use sealed_session::{Key, KeyRing, Policy, Timestamp};
use sealed_session_actix::{renew, Session, SessionError, Sessions};

const T0: i64 = 1_900_000_000;
const TIMEOUT: Duration = Duration::from_secs(20);

async fn login(sessions: Sessions) -> Result<HttpResponse, SessionError> {
    let set = sessions.start("alice")?;
    Ok(HttpResponse::Ok().append_header(set.header()).body("ok"))
}

async fn me(session: Session) -> String {
    session.user_id().to_owned()
}

async fn maybe(session: Option<Session>) -> String {
    session.map_or_else(|| "anonymous".to_owned(), |s| s.user_id().to_owned())
}

/// The session's custom members as authenticated JSON text.
async fn custom(session: Session) -> String {
    session.claims().custom_json().to_owned()
}

async fn logout(sessions: Sessions) -> HttpResponse {
    HttpResponse::Ok().append_header(sessions.end()).body("bye")
}

struct Server {
    base: String,
    handle: actix_web::dev::ServerHandle,
    client: Client<HttpConnector, Full<Bytes>>,
    clock: Arc<AtomicI64>,
    key: Key,
    sessions: Sessions,
}

impl Server {
    fn start() -> Server {
        let clock = Arc::new(AtomicI64::new(T0));
        let key = Key::generate();
        let sessions = Sessions::builder(KeyRing::new(key.clone()))
            .policy(Policy::new(
                Duration::from_secs(3600),
                Duration::from_secs(2 * 3600),
            ))
            .clock({
                let clock = clock.clone();
                move || Timestamp::from_unix_seconds(clock.load(Ordering::SeqCst)).unwrap()
            })
            .build();
        let counted = sessions.clone();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        assert!(addr.ip().is_loopback());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(sessions.clone())
                .wrap(from_fn(renew))
                .route("/login", web::post().to(login))
                .route("/me", web::get().to(me))
                .route("/maybe", web::get().to(maybe))
                .route("/custom", web::get().to(custom))
                .route("/logout", web::post().to(logout))
        })
        .workers(1)
        .disable_signals()
        .listen(listener)
        .unwrap()
        .run();
        let handle = server.handle();
        actix_web::rt::spawn(server);
        Server {
            base: format!("http://{addr}"),
            handle,
            client: Client::builder(TokioExecutor::new()).build_http(),
            clock,
            key,
            sessions: counted,
        }
    }

    async fn call(
        &self,
        method: Method,
        path: &str,
        cookie: Option<&[u8]>,
    ) -> (StatusCode, Vec<String>, String) {
        let mut req = Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base));
        if let Some(c) = cookie {
            req = req.header(COOKIE, c);
        }
        let req = req.body(Full::new(Bytes::new())).unwrap();
        let res = tokio::time::timeout(TIMEOUT, self.client.request(req))
            .await
            .expect("timed out")
            .expect("request failed");
        let status = res.status();
        let set = res
            .headers()
            .get_all(SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect();
        let body = tokio::time::timeout(TIMEOUT, res.into_body().collect())
            .await
            .expect("timed out")
            .unwrap()
            .to_bytes();
        (status, set, String::from_utf8(body.to_vec()).unwrap())
    }

    async fn stop(self) {
        self.handle.stop(true).await;
    }
}

fn pair(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap().to_owned()
}

#[actix_web::test]
async fn login_me_logout() {
    let s = Server::start();
    let (status, set, _) = s.call(Method::POST, "/login", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(set.len(), 1);
    assert!(set[0].starts_with("__Host-session=v2.local."), "{}", set[0]);
    for attr in [
        "; Max-Age=3600",
        "; Path=/",
        "; Secure",
        "; HttpOnly",
        "; SameSite=Lax",
    ] {
        assert!(set[0].contains(attr), "{attr} in {}", set[0]);
    }
    let cookie = format!("lang=en; {}", pair(&set[0]));
    let (status, set, body) = s.call(Method::GET, "/me", Some(cookie.as_bytes())).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "alice"));
    assert!(set.is_empty(), "a fresh session is not renewed");

    let (status, set, _) = s
        .call(Method::POST, "/logout", Some(cookie.as_bytes()))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(set.len(), 1);
    assert!(
        set[0].starts_with("__Host-session=; Max-Age=0;"),
        "{}",
        set[0]
    );
    // The browser now sends the emptied cookie: no session.
    let (status, _, _) = s
        .call(Method::GET, "/me", Some(pair(&set[0]).as_bytes()))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    s.stop().await;
}

#[actix_web::test]
async fn tampered_and_bad_cookies_are_401() {
    let s = Server::start();
    let (_, set, _) = s.call(Method::POST, "/login", None).await;
    let cookie = pair(&set[0]);
    let mut tampered = cookie.clone().into_bytes();
    let i = tampered.len() - 3;
    tampered[i] = if tampered[i] == b'Q' { b'R' } else { b'Q' };
    let truncated = cookie.as_bytes()[..cookie.len() - 4].to_vec();
    let cases: Vec<(&str, Option<Vec<u8>>)> = vec![
        ("none", None),
        ("tampered", Some(tampered)),
        ("truncated", Some(truncated)),
        ("garbage", Some(b"__Host-session=garbage".to_vec())),
        (
            "non-ASCII",
            Some(b"__Host-session=v2.local.\xff\xfe".to_vec()),
        ),
        (
            "oversize",
            Some(format!("__Host-session={}", "A".repeat(9000)).into_bytes()),
        ),
    ];
    for (what, bad) in &cases {
        let (status, set, _) = s.call(Method::GET, "/me", bad.as_deref()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{what}");
        assert!(set.is_empty(), "{what}: a 401 never touches the cookie");
        let (_, _, body) = s.call(Method::GET, "/maybe", bad.as_deref()).await;
        assert_eq!(body, "anonymous", "{what}");
        // The server keeps serving valid sessions.
        let (status, _, _) = s.call(Method::GET, "/me", Some(cookie.as_bytes())).await;
        assert_eq!(status, StatusCode::OK, "after {what}");
    }
    // Expired by the injected clock.
    s.clock.store(T0 + 3600, Ordering::SeqCst);
    let (status, _, _) = s.call(Method::GET, "/me", Some(cookie.as_bytes())).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    s.stop().await;
}

#[actix_web::test]
async fn renewal_past_the_renewal_point() {
    let s = Server::start();
    let (_, set, _) = s.call(Method::POST, "/login", None).await;
    let cookie = pair(&set[0]);
    s.clock.store(T0 + 1800, Ordering::SeqCst); // half the idle lifetime
    let (status, set, _) = s.call(Method::GET, "/me", Some(cookie.as_bytes())).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(set.len(), 1);
    assert!(set[0].contains("; Max-Age=3600;"), "{}", set[0]);
    let renewed = pair(&set[0]);
    s.clock.store(T0 + 3700, Ordering::SeqCst);
    assert_eq!(
        s.call(Method::GET, "/me", Some(cookie.as_bytes())).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        s.call(Method::GET, "/me", Some(renewed.as_bytes())).await.0,
        StatusCode::OK
    );
    s.stop().await;
}

#[actix_web::test]
async fn renewal_keeps_the_custom_claims() {
    let s = Server::start();
    // A session sealed with custom claims (a restriction the app relies on).
    let policy = Policy::new(Duration::from_secs(3600), Duration::from_secs(2 * 3600));
    let custom = serde_json::json!({ "mfa_pending": true, "read_only": true });
    let t0 = Timestamp::from_unix_seconds(T0).unwrap();
    let token = policy
        .new_session("alice")
        .custom(&custom)
        .seal(&KeyRing::new(s.key.clone()), t0)
        .unwrap();
    let members = r#""mfa_pending":true,"read_only":true"#;
    let mut cookie = format!("__Host-session={token}");
    for (i, now) in [(1, T0 + 1800), (2, T0 + 3600)] {
        s.clock.store(now, Ordering::SeqCst);
        let (status, set, body) = s
            .call(Method::GET, "/custom", Some(cookie.as_bytes()))
            .await;
        assert_eq!(
            (status, body.as_str()),
            (StatusCode::OK, members),
            "renewal {i}"
        );
        assert_eq!(set.len(), 1, "renewal {i}");
        cookie = pair(&set[0]);
    }
    // The twice-renewed token still carries them, byte for byte.
    let (status, _, body) = s
        .call(Method::GET, "/custom", Some(cookie.as_bytes()))
        .await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, members));
    let token = cookie.strip_prefix("__Host-session=").unwrap();
    let payload = sealed_session::format::open(&s.key, token).unwrap().payload;
    let v: serde_json::Value = serde_json::from_slice(&payload).unwrap();
    assert_eq!(
        (v["mfa_pending"].as_bool(), v["read_only"].as_bool()),
        (Some(true), Some(true))
    );
    assert_eq!(v["iat"], "2030-03-17T18:46:40Z");
    s.stop().await;
}

#[actix_web::test]
async fn sessions_missing_from_app_data_is_a_500_not_a_401() {
    let app = actix_web::test::init_service(App::new().route("/me", web::get().to(me))).await;
    let req = actix_web::test::TestRequest::get()
        .uri("/me")
        .insert_header(("cookie", "__Host-session=v2.local.x"))
        .to_request();
    let res = actix_web::test::call_service(&app, req).await;
    assert_eq!(res.status(), 500);
}

/// Over HTTP, the extractor and the `renew` middleware open a request's
/// session once: each request is one open or one refusal in `metrics()`
/// (and so one `tracing` event), by the reason's stable name.
#[actix_web::test]
async fn each_request_counts_once_by_reason() {
    use sealed_session::web::Reason;
    let s = Server::start();
    let (_, set, _) = s.call(Method::POST, "/login", None).await;
    let cookie = pair(&set[0]);
    for _ in 0..3 {
        let (status, _, _) = s.call(Method::GET, "/me", Some(cookie.as_bytes())).await;
        assert_eq!(status, StatusCode::OK);
    }
    assert_eq!(s.call(Method::GET, "/me", None).await.0, 401);
    assert_eq!(s.call(Method::GET, "/maybe", None).await.0, 200);
    let other = Sessions::builder(KeyRing::new(Key::generate())).build();
    let foreign = format!("__Host-session={}", other.start("bob").unwrap().token());
    let (status, _, _) = s.call(Method::GET, "/me", Some(foreign.as_bytes())).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // Past the renewal point: one open, one renewal; then expired.
    s.clock.fetch_add(1900, Ordering::SeqCst);
    let (status, set, _) = s.call(Method::GET, "/me", Some(cookie.as_bytes())).await;
    assert_eq!((status, set.len()), (StatusCode::OK, 1));
    s.clock.fetch_add(3600, Ordering::SeqCst);
    let (status, _, _) = s.call(Method::GET, "/me", Some(cookie.as_bytes())).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let m = s.sessions.core().metrics();
    assert_eq!((m.sealed, m.opened, m.renewed), (1, 4, 1));
    // The login request had no cookie either: the middleware saw it.
    assert_eq!(m.rejected(Reason::Missing), 3);
    assert_eq!(m.rejected(Reason::UnknownKey), 1);
    assert_eq!(m.rejected(Reason::Expired), 1);
    assert_eq!(m.rejected_total(), 5);
    s.stop().await;
}

/// The token is a bearer credential: `Debug` must not print it, and the
/// header value is marked sensitive (never indexed by HTTP/2's HPACK).
#[test]
fn set_session_cookie_debug_never_shows_the_token() {
    let sessions = Sessions::builder(KeyRing::new(Key::generate())).build();
    let set = sessions.start("alice").unwrap();
    let body = set.token().trim_start_matches("v2.local.");
    let (_, value) = set.header();
    let debug = format!("{set:?} {set:#?} {value:?}");
    assert!(!debug.contains(&body[..16]), "{debug}");
    assert!(value.is_sensitive());
}
