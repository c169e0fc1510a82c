//! The axum adapter over real HTTP on 127.0.0.1: the `renew` middleware
//! keeps a session's custom claims.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::routing::get;
use axum::{middleware, Router};
use sealed_session::{Key, KeyRing, Policy, Timestamp};
use sealed_session_axum::{renew, Session, Sessions};

const T0: i64 = 1_900_000_000;

/// One HTTP/1.1 GET with a `Cookie` header, on a blocking socket (no client
/// library): the status line's code, the `Set-Cookie` values and the body.
async fn get_with_cookie(addr: SocketAddr, path: &str, cookie: &str) -> (u16, Vec<String>, String) {
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n"
    );
    let response = tokio::task::spawn_blocking(move || {
        let mut stream = TcpStream::connect(addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        stream.write_all(request.as_bytes()).unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        response
    })
    .await
    .unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let set_cookies = lines
        .filter_map(|l| l.split_once(": "))
        .filter(|(name, _)| name.eq_ignore_ascii_case("set-cookie"))
        .map(|(_, value)| value.to_owned())
        .collect();
    (status, set_cookies, body.to_owned())
}

#[tokio::test]
async fn renewal_keeps_the_custom_claims() {
    let key = Key::generate();
    let clock = Arc::new(AtomicI64::new(T0));
    let policy = Policy::new(Duration::from_secs(3600), Duration::from_secs(2 * 3600));
    let sessions = Sessions::builder(KeyRing::new(key.clone()))
        .policy(policy.clone())
        .clock({
            let clock = clock.clone();
            move || Timestamp::from_unix_seconds(clock.load(Ordering::SeqCst)).unwrap()
        })
        .build();
    async fn custom(session: Session) -> String {
        session.claims().custom_json().to_owned()
    }
    let app = Router::new()
        .route("/custom", get(custom))
        .layer(middleware::from_fn_with_state(sessions.clone(), renew))
        .with_state(sessions);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    assert!(addr.ip().is_loopback());
    let server = tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    // A session sealed with custom claims (a restriction the app relies on).
    let custom = serde_json::json!({ "mfa_pending": true, "read_only": true });
    let t0 = Timestamp::from_unix_seconds(T0).unwrap();
    let token = policy
        .new_session("alice")
        .custom(&custom)
        .seal(&KeyRing::new(key.clone()), t0)
        .unwrap();
    let members = r#""mfa_pending":true,"read_only":true"#;
    let mut cookie = format!("__Host-session={token}");
    for (i, now) in [(1, T0 + 1800), (2, T0 + 3600)] {
        clock.store(now, Ordering::SeqCst);
        let (status, set, body) = get_with_cookie(addr, "/custom", &cookie).await;
        assert_eq!((status, body.as_str()), (200, members), "renewal {i}");
        assert_eq!(set.len(), 1, "renewal {i}");
        cookie = set[0].split(';').next().unwrap().to_owned();
    }
    // The twice-renewed token still carries them.
    let (status, _, body) = get_with_cookie(addr, "/custom", &cookie).await;
    assert_eq!((status, body.as_str()), (200, members));
    let token = cookie.strip_prefix("__Host-session=").unwrap();
    let payload = sealed_session::format::open(&key, token).unwrap().payload;
    let v: serde_json::Value = serde_json::from_slice(&payload).unwrap();
    assert_eq!(
        (v["mfa_pending"].as_bool(), v["read_only"].as_bool()),
        (Some(true), Some(true))
    );
    assert_eq!(v["iat"], "2030-03-17T18:46:40Z");
    server.abort();
}
