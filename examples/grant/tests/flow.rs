//! The grant flow end to end over real HTTP on 127.0.0.1: the auth server
//! (axum, in this process) issues grants; the edge (`edge/server.mjs`, a
//! separate Node.js process running the core compiled to wasm32) checks
//! them with the grant key only.
//!
//! These tests need `node` and the edge module, so they are `#[ignore]`d in
//! a plain `cargo test`; `.ci/run` builds the module and runs them with
//! `--ignored`, where anything missing fails them:
//!
//! ```text
//! cargo build --profile wasm --target wasm32-unknown-unknown -p grant-edge
//! cargo test -p sealed-session-grant-example --test flow -- --ignored
//! ```
//! `GRANT_EDGE_WASM` overrides the module's path; `GRANT_EDGE_LOG=1` shows
//! the edge's log.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, COOKIE, SET_COOKIE};
use hyper::{Method, Request, StatusCode};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use sealed_session::{Key, KeyRing, Policy, Timestamp};
use sealed_session_grant_example::{issue_grant, serve, AuthState, GrantResponse, RunningAuth};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

const TIMEOUT: Duration = Duration::from_secs(20);

fn edge_wasm() -> PathBuf {
    let path = std::env::var_os("GRANT_EDGE_WASM").map_or_else(
        || {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../../target/wasm32-unknown-unknown/wasm/grant_edge.wasm")
        },
        PathBuf::from,
    );
    assert!(
        path.is_file(),
        "{} missing: cargo build --profile wasm --target wasm32-unknown-unknown -p grant-edge",
        path.display()
    );
    path
}

/// The edge: a Node.js process with the grant keys and nothing else in its
/// environment. Killed when dropped.
struct Edge {
    _child: Child,
    url: String,
}

impl Edge {
    async fn start(keys: &[&Key]) -> Edge {
        let lines: Vec<String> = keys
            .iter()
            .map(|k| k.to_paserk().expose_secret().to_owned())
            .collect();
        let mut cmd = Command::new("node");
        cmd.arg(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("edge/server.mjs"))
            .arg(edge_wasm())
            .arg("0")
            // No address, host or URL of the auth server: only the keys.
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("GRANT_KEYS", lines.join("\n"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(if std::env::var_os("GRANT_EDGE_LOG").is_some() {
                Stdio::inherit()
            } else {
                Stdio::null()
            })
            .kill_on_drop(true);
        let mut child = cmd.spawn().expect("start node (Debian package nodejs)");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut line = String::new();
        tokio::time::timeout(TIMEOUT, BufReader::new(stdout).read_line(&mut line))
            .await
            .expect("the edge starts in time")
            .expect("read the edge's stdout");
        let port: u16 = line
            .trim()
            .strip_prefix("listening ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("the edge did not start: {line:?}"));
        Edge {
            _child: child,
            url: format!("http://127.0.0.1:{port}"),
        }
    }
}

struct Http(Client<HttpConnector, Full<Bytes>>);

impl Http {
    fn new() -> Http {
        Http(Client::builder(TokioExecutor::new()).build_http())
    }

    async fn send(&self, req: Request<Full<Bytes>>) -> (StatusCode, hyper::HeaderMap, String) {
        let res = tokio::time::timeout(TIMEOUT, self.0.request(req))
            .await
            .expect("answer in time")
            .expect("HTTP request");
        let (parts, body) = res.into_parts();
        let body = body.collect().await.expect("body").to_bytes();
        (
            parts.status,
            parts.headers,
            String::from_utf8_lossy(&body).into_owned(),
        )
    }

    /// The edge's answer to `POST /get-content` with this `Authorization`.
    async fn get_content(&self, edge: &Edge, authorization: Option<&str>) -> (StatusCode, String) {
        let mut req = Request::post(format!("{}/get-content", edge.url));
        if let Some(a) = authorization {
            req = req.header(AUTHORIZATION, a);
        }
        let (status, _, body) = self.send(req.body(Full::default()).unwrap()).await;
        (status, body)
    }

    async fn fetch_with_grant(&self, edge: &Edge, grant: &str) -> (StatusCode, String) {
        self.get_content(edge, Some(&format!("Bearer {grant}")))
            .await
    }

    /// Log in at the auth server: the session token from `Set-Cookie`.
    async fn login(&self, auth: &RunningAuth, user: &str) -> String {
        let req = Request::post(format!("http://{}/login", auth.addr))
            .body(Full::from(user.to_owned()))
            .unwrap();
        let (status, headers, _) = self.send(req).await;
        assert_eq!(status, StatusCode::OK);
        let set = headers[SET_COOKIE].to_str().unwrap();
        let value = set.strip_prefix("session=").expect("the session cookie");
        value.split(';').next().unwrap().to_owned()
    }

    async fn grant_access(
        &self,
        auth: &RunningAuth,
        session: Option<&str>,
        path: &str,
    ) -> (StatusCode, Option<GrantResponse>) {
        let mut req = Request::post(format!("http://{}/grant-access", auth.addr))
            .header(CONTENT_TYPE, "application/json");
        if let Some(token) = session {
            req = req.header(COOKIE, format!("session={token}"));
        }
        let body = serde_json::json!({ "path": path }).to_string();
        let (status, _, body) = self.send(req.body(Full::from(body)).unwrap()).await;
        (status, serde_json::from_str(&body).ok())
    }
}

struct Setup {
    session_key: Key,
    grant_key: Key,
    auth: RunningAuth,
    edge: Edge,
    http: Http,
}

async fn setup() -> Setup {
    let (session_key, grant_key) = (Key::generate(), Key::generate());
    let state = AuthState::new(
        KeyRing::new(session_key.clone()),
        KeyRing::new(grant_key.clone()),
    );
    let auth = serve(([127, 0, 0, 1], 0).into(), state).await.unwrap();
    let edge = Edge::start(&[&grant_key]).await;
    Setup {
        session_key,
        grant_key,
        auth,
        edge,
        http: Http::new(),
    }
}

#[tokio::test]
#[ignore = "needs node and the edge's wasm: .ci/run builds it and runs this with --ignored"]
async fn a_grant_works_once_issued_without_the_auth_server() {
    let s = setup().await;
    let (status, none) = s
        .http
        .grant_access(&s.auth, None, "/videos/intro.mp4")
        .await;
    assert_eq!((status, none.is_none()), (StatusCode::UNAUTHORIZED, true));

    let session = s.http.login(&s.auth, "alice").await;
    let (status, _) = s
        .http
        .grant_access(&s.auth, Some(&session), "/admin/keys")
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, granted) = s
        .http
        .grant_access(&s.auth, Some(&session), "/videos/intro.mp4")
        .await;
    assert_eq!(status, StatusCode::OK);
    let granted = granted.expect("a grant");
    let expires = Timestamp::parse_rfc3339(&granted.expires_at).unwrap();
    let lifetime = expires.duration_since(Timestamp::now()).unwrap();
    assert!(lifetime <= Duration::from_secs(300) && lifetime > Duration::from_secs(240));

    // The edge checks the grant alone: the auth server is gone.
    s.auth.stop().await;
    let (status, body) = s.http.fetch_with_grant(&s.edge, &granted.grant).await;
    assert_eq!(
        (status, body.as_str()),
        (StatusCode::OK, "intro video bytes")
    );
    // A grant names one object; another grant (issued here) names another.
    let other = issue_grant(
        &KeyRing::new(s.grant_key.clone()),
        "alice",
        "/docs/handbook.pdf",
        Timestamp::now(),
    )
    .unwrap();
    let (status, body) = s.http.fetch_with_grant(&s.edge, &other).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "handbook bytes"));
}

#[tokio::test]
#[ignore = "needs node and the edge's wasm: .ci/run builds it and runs this with --ignored"]
async fn refused_grants_and_bad_input_leave_the_edge_serving() {
    let s = setup().await;
    let session = s.http.login(&s.auth, "bob").await;
    let (_, granted) = s
        .http
        .grant_access(&s.auth, Some(&session), "/videos/intro.mp4")
        .await;
    let good = granted.expect("a grant").grant;
    let grants = KeyRing::new(s.grant_key.clone());
    let now = Timestamp::now();

    let expired = issue_grant(
        &grants,
        "bob",
        "/videos/intro.mp4",
        now.saturating_sub(Duration::from_secs(600)),
    )
    .unwrap();
    let other_audience = grant_edge::policy()
        .with_audience("admin")
        .new_session("bob")
        .custom(&grant_edge::Grant {
            path: "/videos/intro.mp4".into(),
        })
        .seal(&grants, now)
        .unwrap();
    let with_session_key = issue_grant(
        &KeyRing::new(s.session_key.clone()),
        "bob",
        "/videos/intro.mp4",
        now,
    )
    .unwrap();
    let with_bare_grant_key = Policy::new(Duration::from_secs(60), Duration::from_secs(60))
        .with_audience(grant_edge::AUDIENCE)
        .new_session("bob")
        .custom(&grant_edge::Grant {
            path: "/videos/intro.mp4".into(),
        })
        .seal(&s.session_key, now)
        .unwrap();
    let mut tampered = good.clone().into_bytes();
    let i = "v2.local.".len() + 40;
    tampered[i] = if tampered[i] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();

    let refused: [(&str, String); 11] = [
        ("expired", format!("Bearer {expired}")),
        ("another audience", format!("Bearer {other_audience}")),
        ("the session cookie", format!("Bearer {session}")),
        (
            "sealed with the session key",
            format!("Bearer {with_session_key}"),
        ),
        (
            "the session key, no key id",
            format!("Bearer {with_bare_grant_key}"),
        ),
        ("tampered", format!("Bearer {tampered}")),
        ("truncated", format!("Bearer {}", &good[..good.len() - 1])),
        ("empty", "Bearer ".into()),
        ("not bearer", format!("Basic {good}")),
        ("oversize", format!("Bearer v2.local.{}", "A".repeat(5000))),
        ("not base64", "Bearer v2.local.!!!!".into()),
    ];
    for (what, authorization) in &refused {
        let (status, _) = s.http.get_content(&s.edge, Some(authorization)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{what}");
        // The edge keeps serving after each.
        let (status, _) = s.http.fetch_with_grant(&s.edge, &good).await;
        assert_eq!(status, StatusCode::OK, "after {what}");
    }
    assert_eq!(
        s.http.get_content(&s.edge, None).await.0,
        StatusCode::UNAUTHORIZED
    );
    // Past Node's header limit: a 431, or the connection dropped before the
    // client has sent all of it.
    let huge = Request::post(format!("{}/get-content", s.edge.url))
        .header(AUTHORIZATION, format!("Bearer {}", "A".repeat(20_000)))
        .body(Full::default())
        .unwrap();
    let answer = tokio::time::timeout(TIMEOUT, s.http.0.request(huge)).await;
    // Otherwise reset or closed mid-request; what counts is the next check.
    if let Ok(res) = answer.expect("answer in time") {
        assert_eq!(res.status(), StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);
    }
    // A body over the edge's limit, another method.
    let big_body = Request::post(format!("{}/get-content", s.edge.url))
        .header(AUTHORIZATION, format!("Bearer {good}"))
        .body(Full::from(vec![b'x'; 100_000]))
        .unwrap();
    assert_eq!(s.http.send(big_body).await.0, StatusCode::PAYLOAD_TOO_LARGE);
    let get = Request::builder()
        .method(Method::GET)
        .uri(format!("{}/get-content", s.edge.url))
        .body(Full::default())
        .unwrap();
    assert_eq!(s.http.send(get).await.0, StatusCode::NOT_FOUND);
    let (status, body) = s.http.fetch_with_grant(&s.edge, &good).await;
    assert_eq!(
        (status, body.as_str()),
        (StatusCode::OK, "intro video bytes")
    );
}

#[tokio::test]
#[ignore = "needs node and the edge's wasm: .ci/run builds it and runs this with --ignored"]
async fn a_grant_is_not_a_session() {
    let s = setup().await;
    let session = s.http.login(&s.auth, "carol").await;
    let (_, granted) = s
        .http
        .grant_access(&s.auth, Some(&session), "/docs/handbook.pdf")
        .await;
    let grant = granted.expect("a grant").grant;
    let (status, none) = s
        .http
        .grant_access(&s.auth, Some(&grant), "/docs/handbook.pdf")
        .await;
    assert_eq!((status, none.is_none()), (StatusCode::UNAUTHORIZED, true));
}

#[tokio::test]
#[ignore = "needs node and the edge's wasm: .ci/run builds it and runs this with --ignored"]
async fn grant_key_rotation_at_the_edge() {
    let (old, new) = (Key::generate(), Key::generate());
    let now = Timestamp::now();
    let by_old = issue_grant(&KeyRing::new(old.clone()), "dave", "/videos/intro.mp4", now).unwrap();
    let by_new = issue_grant(&KeyRing::new(new.clone()), "dave", "/videos/intro.mp4", now).unwrap();
    let http = Http::new();

    // Step 1: every edge learns the new key; issuers still seal with the old.
    let both = Edge::start(&[&old, &new]).await;
    assert_eq!(
        http.fetch_with_grant(&both, &by_old).await.0,
        StatusCode::OK
    );
    assert_eq!(
        http.fetch_with_grant(&both, &by_new).await.0,
        StatusCode::OK
    );
    // Step 3, a grant lifetime after issuers switched: the old key is dropped.
    let new_only = Edge::start(&[&new]).await;
    assert_eq!(
        http.fetch_with_grant(&new_only, &by_new).await.0,
        StatusCode::OK
    );
    assert_eq!(
        http.fetch_with_grant(&new_only, &by_old).await.0,
        StatusCode::UNAUTHORIZED
    );
}
