//! The once-per-process warning when a `Secure` session cookie is set over
//! plain HTTP for a host that is not loopback (browsers drop it silently).
//! Its own test binary: the warning is given once per process.
#![cfg(feature = "tracing")]

use std::fmt::{self, Write as _};
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::State;
use axum::http::header::SET_COOKIE;
use axum::http::Request;
use axum::routing::{get, post};
use axum::{middleware, Router};
use sealed_session::cookie::CookieOptions;
use sealed_session::{Key, KeyRing};
use sealed_session_axum::{renew, ClearSessionCookie, SessionError, Sessions, SetSessionCookie};
use tower::ServiceExt;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata};

/// A tracing subscriber that records every event as one line of text:
/// `LEVEL target field=value ...`.
/// A request: the app, method, path and headers.
type Case<'a, A> = (&'a A, &'a str, &'a str, &'a [(&'a str, &'a str)]);

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<String>>>);

struct Line(String);

impl Visit for Line {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        let _ = write!(self.0, " {}={:?}", field.name(), value);
    }
}

impl tracing::Subscriber for Capture {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let meta = event.metadata();
        let mut line = Line(format!("{} {}", meta.level(), meta.target()));
        event.record(&mut line);
        self.0.lock().unwrap().push(line.0);
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

fn app(sessions: Sessions) -> Router {
    routes()
        .layer(middleware::from_fn_with_state(sessions.clone(), renew))
        .with_state(sessions)
}

/// The same app with `Sessions::renew_layer` instead of `from_fn(renew)`.
fn app_with_layer(sessions: Sessions) -> Router {
    routes().layer(sessions.renew_layer()).with_state(sessions)
}

fn routes() -> Router<Sessions> {
    async fn login(
        State(s): State<Sessions>,
    ) -> Result<(SetSessionCookie, &'static str), SessionError> {
        Ok((s.start("alice")?, "ok"))
    }
    async fn logout(State(s): State<Sessions>) -> (ClearSessionCookie, &'static str) {
        (s.end(), "bye")
    }
    Router::new()
        .route("/login", post(login))
        .route("/logout", post(logout))
        .route("/hello", get(|| async { "hello" }))
}

/// Send one request with these headers; return whether it set a cookie.
async fn send(app: &Router, method: &str, path: &str, headers: &[(&str, &str)]) -> bool {
    let mut req = Request::builder().method(method).uri(path);
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    let res = app
        .clone()
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert!(
        res.status().is_success(),
        "{method} {path}: {}",
        res.status()
    );
    res.headers().contains_key(SET_COOKIE)
}

#[tokio::test]
async fn secure_cookie_over_plain_http_for_a_public_host_warns_once() {
    let capture = Capture::default();
    tracing::subscriber::set_global_default(capture.clone()).unwrap();
    // The adapter's own events (the core also logs each refused session).
    let events = || -> Vec<String> {
        let all = capture.0.lock().unwrap();
        all.iter()
            .filter(|line| line.split(' ').nth(1) == Some("sealed_session_axum"))
            .cloned()
            .collect()
    };

    let hardened = app(Sessions::builder(KeyRing::new(Key::generate())).build());
    let dev_cookie = CookieOptions::new()
        .name("session")
        .secure(false)
        .build()
        .unwrap();
    let dev = app(Sessions::builder(KeyRing::new(Key::generate()))
        .cookie(dev_cookie)
        .build());

    // Cases in which browsers keep the cookie, or no cookie is set: silence.
    let quiet: [Case<'_, Router>; 9] = [
        (&hardened, "POST", "/login", &[("host", "127.0.0.1:3000")]),
        (&hardened, "POST", "/login", &[("host", "localhost:3000")]),
        (&hardened, "POST", "/login", &[("host", "[::1]:3000")]),
        (&hardened, "POST", "/login", &[]),
        (
            &hardened,
            "POST",
            "/login",
            &[("host", "app.test"), ("x-forwarded-proto", "https")],
        ),
        (
            &hardened,
            "POST",
            "/login",
            &[
                ("host", "app.test"),
                ("forwarded", "for=10.0.0.1;proto=https"),
            ],
        ),
        (&hardened, "GET", "/hello", &[("host", "app.test:3000")]),
        (&hardened, "POST", "/logout", &[("host", "app.test:3000")]),
        (&dev, "POST", "/login", &[("host", "app.test:3000")]),
    ];
    for (app, method, path, headers) in quiet {
        send(app, method, path, headers).await;
        assert_eq!(
            events(),
            Vec::<String>::new(),
            "{method} {path} {headers:?}"
        );
    }
    // The layer is as quiet in those cases.
    let hardened_layer = app_with_layer(Sessions::builder(KeyRing::new(Key::generate())).build());
    for headers in [
        &[("host", "127.0.0.1:3000")][..],
        &[("host", "app.test"), ("x-forwarded-proto", "https")],
    ] {
        send(&hardened_layer, "POST", "/login", headers).await;
        assert_eq!(events(), Vec::<String>::new(), "{headers:?}");
    }

    // Plain HTTP, a host that is not loopback, a Secure cookie set: one
    // warning (here through the layer), and only one per process.
    assert!(
        send(
            &hardened_layer,
            "POST",
            "/login",
            &[("host", "app.test:3000")]
        )
        .await
    );
    assert!(
        send(
            &hardened,
            "POST",
            "/login",
            &[("host", "192.168.1.20:3000"), ("x-forwarded-proto", "http")]
        )
        .await
    );
    let got = events();
    assert_eq!(got.len(), 1, "{got:?}");
    let line = &got[0];
    assert!(line.starts_with("WARN sealed_session_axum "), "{line}");
    assert!(line.contains(r#"host="app.test:3000""#), "{line}");
    assert!(line.contains(r#"cookie="__Host-session""#), "{line}");
    assert!(line.contains("plain HTTP"), "{line}");
    assert!(line.contains(".secure(false)"), "{line}");
}
