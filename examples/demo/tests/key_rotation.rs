//! A key rotation written into each node's key directory, at different
//! moments per node, while clients keep using the three nodes over real
//! HTTP: no request with a valid session is refused, a bad key file during
//! a reload changes nothing, and a token of the dropped key is refused
//! once the old key is gone.
#![cfg(unix)]

use std::fs;
use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering::SeqCst};
use std::sync::Arc;
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::header::{CONTENT_TYPE, COOKIE, SET_COOKIE};
use hyper::{Method, Request, StatusCode};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use sealed_session::{Key, KeyRing};
use sealed_session_demo::{init_db, start_node, NodeConfig, RunningNode};

type Http = Client<HttpConnector, Full<Bytes>>;

const CLIENTS: usize = 4;
const DEADLINE: Duration = Duration::from_secs(60);

/// A scratch folder, removed at the end even by a panic.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// Write `text` as a 0600 file, atomically (a hidden temporary file, then a
/// rename), as a secret manager or a Kubernetes volume update does.
fn put(path: &Path, text: &str) {
    let tmp = path.with_file_name(format!(
        ".tmp-{}",
        path.file_name().unwrap().to_str().unwrap()
    ));
    write_mode(&tmp, text, 0o600);
    fs::rename(&tmp, path).unwrap();
}

/// Write `text` in place (not atomic) with `mode`.
fn write_mode(path: &Path, text: &str, mode: u32) {
    let _ = fs::remove_file(path);
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)
        .unwrap();
    f.write_all(text.as_bytes()).unwrap();
}

fn paserk(key: &Key) -> String {
    format!("{}\n", key.to_paserk().expose_secret())
}

async fn send(
    http: &Http,
    addr: SocketAddr,
    method: Method,
    path: &str,
    cookie: Option<&str>,
    body: &str,
) -> (StatusCode, Option<String>) {
    let mut req = Request::builder()
        .method(method)
        .uri(format!("http://{addr}{path}"))
        .header(CONTENT_TYPE, "application/json");
    if let Some(c) = cookie {
        req = req.header(COOKIE, c);
    }
    let req = req.body(Full::new(Bytes::from(body.to_owned()))).unwrap();
    let res = tokio::time::timeout(Duration::from_secs(20), http.request(req))
        .await
        .expect("request timed out")
        .expect("request failed");
    let status = res.status();
    let set = res
        .headers()
        .get(SET_COOKIE)
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned());
    let _ = res.into_body().collect().await;
    (status, set)
}

async fn login(http: &Http, addr: SocketAddr) -> String {
    let body = r#"{"user":"alice","password":"alice-pass"}"#;
    let (status, set) = send(http, addr, Method::POST, "/login", None, body).await;
    assert_eq!(status, StatusCode::OK);
    set.expect("login sets the cookie")
}

/// Wait until `cond` holds for node `i`, or fail after [`DEADLINE`].
async fn until(what: &str, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(start.elapsed() < DEADLINE, "timed out waiting: {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn token_of(cookie: &str) -> &str {
    cookie.split_once('=').unwrap().1
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotation_by_files_refuses_no_valid_session_and_drops_the_old_key() {
    let scratch = Scratch(std::env::temp_dir().join(format!(
        "sealed-session-key-rotation-{}",
        std::process::id()
    )));
    let _ = fs::remove_dir_all(&scratch.0);
    let db = scratch.0.join("demo.sqlite3");
    fs::create_dir_all(&scratch.0).unwrap();
    init_db(&db).unwrap();
    let (old, new) = (Key::generate(), Key::generate());
    let mut dirs = Vec::new();
    let mut nodes: Vec<RunningNode> = Vec::new();
    for i in 0..3 {
        let dir = scratch.0.join(format!("keys-{i}"));
        fs::create_dir_all(dir.join("retired")).unwrap();
        put(&dir.join("current"), &paserk(&old));
        let mut config = NodeConfig::new(&format!("node-{i}"), &db, KeyRing::new(Key::generate()));
        config.key_dir = Some(dir.clone());
        config.key_reload_interval = Duration::from_millis(20);
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
        nodes.push(start_node(addr, config).await.unwrap());
        dirs.push(dir);
    }
    let addrs: Vec<SocketAddr> = nodes.iter().map(|n| n.addr).collect();
    let http: Http = Client::builder(TokioExecutor::new()).build_http();
    let old_cookie = login(&http, addrs[0]).await;
    assert!(KeyRing::new(old.clone())
        .open(token_of(&old_cookie))
        .is_ok());

    // Clients: log in, then ask every node in turn; re-log in when told.
    let stop = Arc::new(AtomicBool::new(false));
    let generation = Arc::new(AtomicU32::new(0));
    let acks = Arc::new(AtomicU32::new(0));
    let (ok, refused) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let mut clients = Vec::new();
    for c in 0..CLIENTS {
        let (http, addrs) = (http.clone(), addrs.clone());
        let (stop, generation, acks) = (stop.clone(), generation.clone(), acks.clone());
        let (ok, refused) = (ok.clone(), refused.clone());
        clients.push(tokio::spawn(async move {
            let mut seen = 0;
            let mut cookie = login(&http, addrs[c % 3]).await;
            let mut k = c;
            while !stop.load(SeqCst) {
                let g = generation.load(SeqCst);
                if g != seen {
                    cookie = login(&http, addrs[k % 3]).await;
                    seen = g;
                    acks.fetch_add(1, SeqCst);
                }
                let addr = addrs[k % 3];
                let (status, set) = send(&http, addr, Method::GET, "/me", Some(&cookie), "").await;
                if status == StatusCode::OK {
                    ok.fetch_add(1, SeqCst);
                } else {
                    refused.fetch_add(1, SeqCst);
                    eprintln!("client {c}: {status} from {addr}");
                }
                if let Some(set) = set {
                    cookie = set;
                }
                k += 1;
            }
        }));
    }
    let pause = || tokio::time::sleep(Duration::from_millis(150));
    let opens_on = |i: usize, token: &str| {
        let cookie = format!("__Host-session={token}");
        let s = nodes[i].sessions.core();
        s.open([cookie.as_bytes()], s.now()).is_ok()
    };
    let new_token = KeyRing::new(new.clone())
        .seal("1", Duration::from_secs(3600))
        .unwrap();
    pause().await;

    // 1. Stage the new key, node by node.
    for (i, dir) in dirs.iter().enumerate() {
        put(&dir.join("retired/next"), &paserk(&new));
        until("staged", || opens_on(i, &new_token)).await;
        pause().await;
    }
    // A bad file during a reload: a world-readable key on node 1, a
    // half-written `current` on node 2. Both nodes keep their keys.
    let failures = |i: usize| nodes[i].sessions.core().metrics().key_reload_failures;
    write_mode(
        &dirs[1].join("retired/stray"),
        &paserk(&Key::generate()),
        0o644,
    );
    write_mode(&dirs[2].join("current"), &paserk(&old)[..25], 0o600);
    until("reloads refused", || failures(1) > 0 && failures(2) > 0).await;
    pause().await;
    assert!(opens_on(1, &new_token) && opens_on(2, &new_token));
    assert!(opens_on(1, token_of(&old_cookie)) && opens_on(2, token_of(&old_cookie)));
    fs::remove_file(dirs[1].join("retired/stray")).unwrap();
    put(&dirs[2].join("current"), &paserk(&old));

    // 2. Promote, node by node: sessions sealed from now on use the new key.
    for (i, dir) in dirs.iter().enumerate() {
        put(&dir.join("retired/prev"), &paserk(&old));
        put(&dir.join("current"), &paserk(&new));
        fs::remove_file(dir.join("retired/next")).unwrap();
        until("promoted", || {
            let set = nodes[i].sessions.core().start("1").unwrap();
            KeyRing::new(new.clone()).open(set.token()).is_ok()
        })
        .await;
        pause().await;
    }
    // Every client's session is renewed onto the new key (a fresh login).
    generation.store(1, SeqCst);
    until("clients moved", || acks.load(SeqCst) == CLIENTS as u32).await;
    pause().await;

    // 3. Drop the old key, node by node.
    for (i, dir) in dirs.iter().enumerate() {
        fs::remove_file(dir.join("retired/prev")).unwrap();
        until("dropped", || !opens_on(i, token_of(&old_cookie))).await;
        pause().await;
    }
    stop.store(true, SeqCst);
    for c in clients {
        c.await.unwrap();
    }
    let (ok, refused) = (ok.load(SeqCst), refused.load(SeqCst));
    eprintln!("{ok} requests answered 200 during the rotation, {refused} refused");
    assert_eq!(
        refused, 0,
        "a valid session was refused during the rotation"
    );
    assert!(ok >= 100, "too few requests to show anything: {ok}");

    // The dropped key's token is refused everywhere, over HTTP.
    for addr in &addrs {
        let (status, _) = send(&http, *addr, Method::GET, "/me", Some(&old_cookie), "").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    for node in nodes {
        let m = node.sessions.core().metrics();
        assert!(m.rejected(sealed_session::web::Reason::UnknownKey) >= 1);
        node.shutdown().await.unwrap();
    }
}
