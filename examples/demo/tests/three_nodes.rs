//! Three demo nodes in one process over real HTTP on 127.0.0.1: separate
//! listeners, separate user caches, one SQLite file, the same keys. Each
//! node's clock is the system clock plus an offset the test moves.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::atomic::{AtomicI64, AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::header::{CONTENT_TYPE, COOKIE, SET_COOKIE};
use hyper::{Method, Request, StatusCode};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use sealed_session::{Key, KeyRing, Policy, Timestamp};
use sealed_session_demo::{init_db, start_node, MeBody, NodeConfig, RunningNode};

/// Idle lifetime; the absolute lifetime is four times that.
const LIFETIME: Duration = Duration::from_secs(3600);
const CACHE_TTL: Duration = Duration::from_secs(5);
/// Every request of these tests finishes within this, or the test fails.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);

struct Cluster {
    nodes: Vec<RunningNode>,
    /// Seconds added to the system clock, per node.
    offsets: Vec<Arc<AtomicI64>>,
    client: Client<HttpConnector, Full<Bytes>>,
    db: TempDb,
}

/// The shared SQLite file, removed when the test ends, even by a panic.
struct TempDb(PathBuf);

impl Drop for TempDb {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut p = self.0.as_os_str().to_owned();
            p.push(suffix);
            let _ = std::fs::remove_file(p);
        }
    }
}

static NEXT_DB: AtomicU32 = AtomicU32::new(0);

impl Cluster {
    async fn start(keys: KeyRing) -> Cluster {
        let db = std::env::temp_dir().join(format!(
            "sealed-session-demo-test-{}-{}.sqlite3",
            std::process::id(),
            NEXT_DB.fetch_add(1, Ordering::SeqCst)
        ));
        drop(TempDb(db.clone())); // a leftover from an earlier run
        let db = TempDb(db);
        init_db(&db.0).unwrap();
        let mut nodes = Vec::new();
        let mut offsets = Vec::new();
        for i in 1..=3 {
            let offset = Arc::new(AtomicI64::new(0));
            let mut config = NodeConfig::new(&format!("node-{i}"), &db.0, keys.clone());
            config.policy = Policy::new(LIFETIME, LIFETIME * 4);
            config.cache_ttl = CACHE_TTL;
            config.clock = {
                let offset = offset.clone();
                Arc::new(move || shifted(offset.load(Ordering::SeqCst)))
            };
            let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
            let node = start_node(addr, config).await.unwrap();
            assert!(node.addr.ip().is_loopback());
            nodes.push(node);
            offsets.push(offset);
        }
        let client = Client::builder(TokioExecutor::new()).build_http();
        Cluster {
            nodes,
            offsets,
            client,
            db,
        }
    }

    /// Move every node's clock forward by `secs`.
    fn advance(&self, secs: i64) {
        for o in &self.offsets {
            o.fetch_add(secs, Ordering::SeqCst);
        }
    }

    async fn request(
        &self,
        node: usize,
        method: Method,
        path: &str,
        cookie: Option<&[u8]>,
        body: Option<String>,
    ) -> Reply {
        let url = format!("http://{}{}", self.nodes[node].addr, path);
        let mut req = Request::builder().method(method).uri(url);
        if let Some(c) = cookie {
            req = req.header(COOKIE, c);
        }
        if body.is_some() {
            req = req.header(CONTENT_TYPE, "application/json");
        }
        let req = req
            .body(Full::new(Bytes::from(body.unwrap_or_default())))
            .unwrap();
        let res = tokio::time::timeout(REQUEST_TIMEOUT, self.client.request(req))
            .await
            .expect("request timed out")
            .expect("request failed");
        let status = res.status();
        let set_cookies = res
            .headers()
            .get_all(SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect();
        let body = tokio::time::timeout(REQUEST_TIMEOUT, res.into_body().collect())
            .await
            .expect("body timed out")
            .unwrap()
            .to_bytes();
        Reply {
            status,
            set_cookies,
            body: String::from_utf8(body.to_vec()).unwrap(),
        }
    }

    /// Log in on `node`; the `Cookie` header value a browser would send.
    async fn login(&self, node: usize, user: &str, password: &str) -> String {
        let body = format!(r#"{{"user":"{user}","password":"{password}"}}"#);
        let r = self
            .request(node, Method::POST, "/login", None, Some(body))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.set_cookies.len(), 1);
        pair(&r.set_cookies[0])
    }

    async fn me(&self, node: usize, cookie: &str) -> Reply {
        self.request(node, Method::GET, "/me", Some(cookie.as_bytes()), None)
            .await
    }

    async fn stop(self) {
        for node in self.nodes {
            node.shutdown().await.unwrap();
        }
        drop(self.db);
    }
}

fn shifted(offset_secs: i64) -> Timestamp {
    let now = Timestamp::now();
    let secs = now.unix_seconds() + offset_secs;
    Timestamp::from_parts(secs, now.subsec_nanos()).unwrap()
}

struct Reply {
    status: StatusCode,
    set_cookies: Vec<String>,
    body: String,
}

impl Reply {
    fn me(&self) -> MeBody {
        assert_eq!(self.status, StatusCode::OK, "{}", self.body);
        serde_json::from_str(&self.body).unwrap()
    }
}

/// The `name=value` part of a `Set-Cookie` value.
fn pair(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap().to_owned()
}

fn token_of(cookie: &str) -> &str {
    cookie.split_once('=').unwrap().1
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_on_one_node_works_on_the_others() {
    let c = Cluster::start(KeyRing::new(Key::generate())).await;
    let cookie = c.login(0, "alice", "alice-pass").await;
    assert!(cookie.starts_with("__Host-session=v2.local."));
    for node in 0..3 {
        let me = c.me(node, &cookie).await.me();
        assert_eq!(me.name, "alice");
        assert_eq!(me.node, format!("node-{}", node + 1));
    }
    // Wrong password, unknown user: no cookie.
    for body in [
        r#"{"user":"alice","password":"nope"}"#,
        r#"{"user":"mallory","password":"alice-pass"}"#,
    ] {
        let r = c
            .request(1, Method::POST, "/login", None, Some(body.into()))
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        assert!(r.set_cookies.is_empty());
    }
    // Logout clears the cookie in the browser.
    let r = c
        .request(2, Method::POST, "/logout", Some(cookie.as_bytes()), None)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.set_cookies[0].starts_with("__Host-session=; Max-Age=0;"));
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_cookies_are_401_and_the_node_keeps_serving() {
    let c = Cluster::start(KeyRing::new(Key::generate())).await;
    let cookie = c.login(0, "alice", "alice-pass").await;
    let token = token_of(&cookie).to_owned();
    let mut tampered = token.clone().into_bytes();
    let mid = tampered.len() / 2;
    tampered[mid] = if tampered[mid] == b'x' { b'y' } else { b'x' };
    let tampered = String::from_utf8(tampered).unwrap();
    let other_key = Key::generate().seal("1", Duration::from_secs(60)).unwrap();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        (
            "tampered",
            format!("__Host-session={tampered}").into_bytes(),
        ),
        (
            "truncated",
            format!("__Host-session={}", &token[..token.len() - 7]).into_bytes(),
        ),
        ("header only", b"__Host-session=v2.local.".to_vec()),
        ("garbage", b"__Host-session=%%%not-a-token%%%".to_vec()),
        (
            "other key",
            format!("__Host-session={other_key}").into_bytes(),
        ),
        (
            "oversize",
            format!("__Host-session={}", "A".repeat(10_000)).into_bytes(),
        ),
        (
            "oversize token in small header",
            format!("__Host-session=v2.local.{}", "A".repeat(5_000)).into_bytes(),
        ),
        (
            "non-ASCII",
            b"__Host-session=v2.local.\xff\xfe\x80abc".to_vec(),
        ),
        (
            "ambiguous",
            format!("__Host-session={token}; __Host-session={tampered}").into_bytes(),
        ),
        ("no cookie of ours", b"theme=dark; lang=en".to_vec()),
    ];
    for (round, (what, bad)) in cases.iter().enumerate() {
        let node = round % 3;
        let r = c.request(node, Method::GET, "/me", Some(bad), None).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{what}");
        assert!(r.set_cookies.is_empty(), "{what}");
        // The node still serves a valid session.
        assert_eq!(c.me(node, &cookie).await.me().name, "alice", "after {what}");
    }
    // Other cookies around ours, with odd bytes, do not disturb it.
    let mixed = format!("x=\u{e9}t\u{e9}; {cookie}; y=\"q\"");
    assert_eq!(c.me(1, &mixed).await.me().name, "alice");
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_session_is_401() {
    let c = Cluster::start(KeyRing::new(Key::generate())).await;
    let cookie = c.login(0, "bob", "bob-pass").await;
    // Near the end of its life the session still works (and is renewed).
    // The margin leaves room for a slow machine: the clocks are the system
    // clock plus an offset.
    c.advance(LIFETIME.as_secs() as i64 - 60);
    let r = c.me(1, &cookie).await;
    assert_eq!(r.me().name, "bob");
    let renewed = pair(&r.set_cookies[0]);
    c.advance(60);
    for node in 0..3 {
        assert_eq!(c.me(node, &cookie).await.status, StatusCode::UNAUTHORIZED);
        assert_eq!(c.me(node, &renewed).await.me().name, "bob");
    }
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logout_everywhere_reaches_every_node_within_one_cache_ttl() {
    let c = Cluster::start(KeyRing::new(Key::generate())).await;
    let old = c.login(0, "alice", "alice-pass").await;
    let other_user = c.login(0, "bob", "bob-pass").await;
    for node in 0..3 {
        c.me(node, &old).await.me(); // fills every node's cache
    }
    c.advance(1);
    let r = c
        .request(
            1,
            Method::POST,
            "/logout-everywhere",
            Some(old.as_bytes()),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.set_cookies[0].contains("Max-Age=0"));
    // The node that did it refuses the old session at once.
    assert_eq!(c.me(1, &old).await.status, StatusCode::UNAUTHORIZED);
    // The others may still trust their cached copy of the user for up to one
    // TTL (here they do: their entries are one second old).
    assert_eq!(c.me(0, &old).await.status, StatusCode::OK);
    // One cache TTL later, every node refuses it.
    c.advance(CACHE_TTL.as_secs() as i64);
    for node in 0..3 {
        assert_eq!(
            c.me(node, &old).await.status,
            StatusCode::UNAUTHORIZED,
            "node {node}"
        );
        // Other users are not affected.
        assert_eq!(c.me(node, &other_user).await.me().name, "bob");
    }
    // A new login works everywhere.
    c.advance(1);
    let new = c.login(2, "alice", "alice-pass").await;
    for node in 0..3 {
        assert_eq!(c.me(node, &new).await.me().name, "alice");
    }
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_load_over_three_nodes() {
    const CLIENTS: usize = 8;
    const REQUESTS: usize = 500;
    let c = Arc::new(Cluster::start(KeyRing::new(Key::generate())).await);
    let mut cookies = Vec::new();
    for i in 0..CLIENTS {
        let (user, pass) = if i % 2 == 0 {
            ("alice", "alice-pass")
        } else {
            ("bob", "bob-pass")
        };
        cookies.push((c.login(i % 3, user, pass).await, user));
    }
    let run = async {
        let mut tasks = Vec::new();
        for (i, (cookie, user)) in cookies.into_iter().enumerate() {
            let c = c.clone();
            tasks.push(tokio::spawn(async move {
                let mut ok = 0usize;
                for n in 0..REQUESTS {
                    let r = c.me((i + n) % 3, &cookie).await;
                    if r.status == StatusCode::OK && r.me().name == user {
                        ok += 1;
                    }
                }
                ok
            }));
        }
        let mut total = 0;
        for t in tasks {
            total += t.await.unwrap();
        }
        total
    };
    // The bound is a hang guard, not a speed assertion.
    let started = std::time::Instant::now();
    let ok = tokio::time::timeout(Duration::from_secs(240), run)
        .await
        .expect("load test did not finish in time");
    assert_eq!(ok, CLIENTS * REQUESTS);
    eprintln!(
        "{} requests over 3 nodes in {:?}, zero errors",
        CLIENTS * REQUESTS,
        started.elapsed()
    );
    Arc::into_inner(c).unwrap().stop().await;
}

/// Every session answers 200 with its user on every node.
async fn all_ok(c: &Cluster, sessions: &[(String, &str)], when: &str) {
    for (i, (cookie, user)) in sessions.iter().enumerate() {
        for node in 0..3 {
            let r = c.me(node, cookie).await;
            assert_eq!(
                r.status,
                StatusCode::OK,
                "{when}: session {i} on node {node}"
            );
            assert_eq!(r.me().name, *user);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn key_rotation_with_nodes_moving_at_different_moments() {
    let (k1, k2) = (Key::generate(), Key::generate());
    let c = Cluster::start(KeyRing::new(k1.clone())).await;
    let mut sessions = vec![(c.login(0, "alice", "alice-pass").await, "alice")];

    // 1. Distribute: k2 joins every ring as a retired key, one node at a
    //    time, with logins and requests in between.
    for node in 0..3 {
        c.nodes[node]
            .sessions
            .replace_keys(KeyRing::new(k1.clone()).with_retired(k2.clone()));
        sessions.push((c.login(node, "bob", "bob-pass").await, "bob"));
        all_ok(&c, &sessions, &format!("k2 distributed to node {node}")).await;
    }
    // 2. Promote: k2 seals, k1 still opens, one node at a time. A session
    //    sealed with k2 by a promoted node opens on the nodes not yet
    //    promoted, which hold k2 as retired.
    for node in 0..3 {
        c.nodes[node]
            .sessions
            .replace_keys(KeyRing::new(k2.clone()).with_retired(k1.clone()));
        sessions.push((c.login(node, "alice", "alice-pass").await, "alice"));
        sessions.push((c.login((node + 1) % 3, "bob", "bob-pass").await, "bob"));
        all_ok(&c, &sessions, &format!("k2 promoted on node {node}")).await;
    }
    // Sessions move to k2 as they are renewed (past half their idle
    // lifetime), on whichever node serves them.
    c.advance(LIFETIME.as_secs() as i64 / 2);
    let mut renewed = Vec::new();
    for (i, (cookie, user)) in sessions.iter().enumerate() {
        let r = c.me(i % 3, cookie).await;
        assert_eq!(r.me().name, *user);
        assert_eq!(r.set_cookies.len(), 1, "session {i} renewed");
        renewed.push((pair(&r.set_cookies[0]), *user));
    }
    let only_k2 = KeyRing::new(k2.clone());
    for (cookie, _) in &renewed {
        let claims = only_k2.open_at(
            token_of(cookie),
            Timestamp::now().saturating_add(LIFETIME / 2),
        );
        assert!(claims.is_ok(), "a renewed session is sealed with k2");
    }
    // 3. Retire k1, one node at a time: renewed sessions keep working.
    for node in 0..3 {
        c.nodes[node].sessions.replace_keys(only_k2.clone());
        all_ok(&c, &renewed, &format!("k1 dropped on node {node}")).await;
    }
    // A k1 session that was never renewed names a key no node holds now.
    assert_eq!(
        c.me(0, &sessions[0].0).await.status,
        StatusCode::UNAUTHORIZED
    );
    c.stop().await;
}

/// Logging in again right after "log out everywhere" (the same second, as
/// a person does it) works at once; the sessions from before stay refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_login_right_after_logout_everywhere_works_at_once() {
    let c = Cluster::start(KeyRing::new(Key::generate())).await;
    let old = c.login(0, "alice", "alice-pass").await;
    let other_device = c.login(1, "alice", "alice-pass").await;
    let r = c
        .request(
            0,
            Method::POST,
            "/logout-everywhere",
            Some(old.as_bytes()),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let new = c.login(0, "alice", "alice-pass").await;
    assert_eq!(c.me(0, &new).await.me().name, "alice");
    assert_eq!(c.me(0, &old).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        c.me(0, &other_device).await.status,
        StatusCode::UNAUTHORIZED
    );
    // On the other nodes too, once their cached user is refreshed.
    c.advance(CACHE_TTL.as_secs() as i64 + 1);
    for node in 0..3 {
        assert_eq!(c.me(node, &new).await.me().name, "alice", "node {node}");
        assert_eq!(c.me(node, &old).await.status, StatusCode::UNAUTHORIZED);
        assert_eq!(
            c.me(node, &other_device).await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_renewed_by_a_stale_node_still_ends_with_logout_everywhere() {
    let c = Cluster::start(KeyRing::new(Key::generate())).await;
    let old = c.login(0, "alice", "alice-pass").await;
    // Past the renewal point, with every node's cache fresh.
    c.advance(LIFETIME.as_secs() as i64 / 2);
    for node in 0..3 {
        c.me(node, &old).await.me();
    }
    c.advance(1);
    let r = c
        .request(
            1,
            Method::POST,
            "/logout-everywhere",
            Some(old.as_bytes()),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    // Node 1 still trusts its cached user and renews the old session.
    let r = c.me(0, &old).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.set_cookies.len(), 1);
    let renewed = pair(&r.set_cookies[0]);
    assert_ne!(renewed, old);
    // The renewal kept the session start, so once the caches refresh the
    // renewed session is refused like the old one.
    c.advance(CACHE_TTL.as_secs() as i64);
    for node in 0..3 {
        assert_eq!(
            c.me(node, &renewed).await.status,
            StatusCode::UNAUTHORIZED,
            "node {node}"
        );
        assert_eq!(
            c.me(node, &old).await.status,
            StatusCode::UNAUTHORIZED,
            "node {node}"
        );
    }
    c.stop().await;
}
