//! `cargo run -p sealed-session-demo`: three nodes of the demo app on
//! loopback, sharing one SQLite file and one key, each with its own cache.
//!
//! Environment:
//! - `DEMO_PORT`: first port (default 3000; nodes use PORT, PORT+1, PORT+2;
//!   0: any free ports)
//! - `DEMO_NODES`: how many nodes (default 3)
//! - `DEMO_DB`: the SQLite file (default `sealed-session-demo.sqlite3` in the
//!   system temp directory)
//! - `SEALED_SESSION_KEY_FILE`: a file holding the key as a `k2.local.` PASERK
//!   (mode 0600), or
//! - `SEALED_SESSION_KEY`: the key as a `k2.local.` PASERK string;
//! - `DEMO_KEY_DIR`: a key directory (`current`, `retired/…`; see
//!   `sealed_session::keydir`), re-read every second: rotate keys by
//!   writing files, without a restart;
//! - none: a generated development key (sessions end when the demo stops).
//! - `DEMO_COOKIE=dev`: a development cookie (`session`, not `Secure`) for
//!   plain HTTP on a host other than localhost/127.0.0.1 (see
//!   docs/browsers.md); unset: the hardened `__Host-session` cookie.
//! - `DEMO_TEST_CLOCK=1`: tests only, `POST /test/advance-clock` moves the
//!   nodes' clock forward.
#![forbid(unsafe_code)]

mod settings;

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use sealed_session::{Key, KeyRing};
use sealed_session_demo::{init_db, start_node, NodeConfig, DEMO_USERS};

fn env_num(name: &str, default: u16) -> Result<u16, String> {
    match std::env::var(name) {
        Ok(v) => v
            .parse()
            .map_err(|_| format!("{name} must be a number, got {v:?}")),
        Err(_) => Ok(default),
    }
}

fn load_key() -> Result<Key, Box<dyn std::error::Error>> {
    Ok(
        if let Some(path) = std::env::var_os("SEALED_SESSION_KEY_FILE") {
            eprintln!("key: from the file in SEALED_SESSION_KEY_FILE");
            Key::from_file(path)?
        } else if std::env::var_os("SEALED_SESSION_KEY").is_some() {
            eprintln!("key: from SEALED_SESSION_KEY");
            Key::from_env("SEALED_SESSION_KEY")?
        } else {
            eprintln!("key: a generated development key (sessions end when the demo stops)");
            Key::generate()
        },
    )
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// A failed `start_node`, with the hint a taken port needs: which port, and
/// `DEMO_PORT` to choose others.
fn bind_hint(
    e: sealed_session_demo::DemoError,
    addr: SocketAddr,
    first_port: u16,
    nodes: u16,
) -> Box<dyn std::error::Error> {
    match &e {
        sealed_session_demo::DemoError::Io(io) if io.kind() == std::io::ErrorKind::AddrInUse => {
            let last = first_port.saturating_add(nodes.saturating_sub(1));
            format!(
                "cannot listen on {addr}: port {} is already in use (another demo still \
                 running?). The nodes use ports {first_port}..={last}: set DEMO_PORT to \
                 another first port, e.g. DEMO_PORT=4000",
                addr.port()
            )
            .into()
        }
        _ => Box::new(e),
    }
}

/// The curl walk across the nodes: log in on the first, read `/me` on the
/// second, log out everywhere on the third, and read `/me` on the first
/// again (with fewer nodes, the walk wraps around).
fn walk(addrs: &[SocketAddr], cache_ttl: Duration) -> String {
    let Some(&first) = addrs.first() else {
        return String::new();
    };
    let node = |i: usize| addrs.get(i % addrs.len()).copied().unwrap_or(first);
    let (user, password) = DEMO_USERS[0];
    let ttl = cache_ttl.as_secs();
    format!(
        "try a walk across the nodes (one cookie jar, a different node each step):\n\
         \x20 curl -si -c jar -H 'content-type: application/json' -d '{{\"user\":\"{user}\",\"password\":\"{password}\"}}' http://{a}/login\n\
         \x20 curl -si -b jar http://{b}/me                  # another node knows you: 200\n\
         \x20 curl -si -b jar -X POST http://{c}/logout-everywhere\n\
         \x20 curl -si -b jar http://{a}/me                  # 401 once this node's user cache expires\n\
         after logout-everywhere, /me may still answer 200 for up to one cache TTL ({ttl} s):\n\
         each node trusts its cached copy of a user that long.\n",
        a = node(0),
        b = node(1),
        c = node(2),
    )
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    settings::init_logging();
    let cookie = settings::cookie_from_env()?;
    let test_clock = settings::test_clock_from_env()?;
    let port = env_num("DEMO_PORT", 3000)?;
    let nodes = env_num("DEMO_NODES", 3)?.clamp(1, 16);
    let db = std::env::var_os("DEMO_DB")
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("sealed-session-demo.sqlite3"));
    init_db(&db)?;
    let key_dir = std::env::var_os("DEMO_KEY_DIR").map(PathBuf::from);
    let keys = if let Some(dir) = &key_dir {
        eprintln!("keys: from the directory in DEMO_KEY_DIR, re-read every second");
        KeyRing::from_dir(dir)?
    } else {
        KeyRing::new(load_key()?)
    };
    eprintln!("key id: {}", keys.current_id().as_str());

    let mut running = Vec::new();
    let mut cache_ttl = None;
    for i in 0..nodes {
        // DEMO_PORT=0: each node on any free port.
        let node_port = if port == 0 { 0 } else { port.saturating_add(i) };
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, node_port));
        let mut config = NodeConfig::new(&format!("node-{}", i + 1), &db, keys.clone());
        config.key_dir = key_dir.clone();
        config.cookie = cookie.clone();
        config.test_clock = test_clock.clone();
        cache_ttl = Some(config.cache_ttl);
        let node = start_node(addr, config)
            .await
            .map_err(|e| bind_hint(e, addr, port, nodes))?;
        println!("node-{} listening on http://{}", i + 1, node.addr);
        running.push(node);
    }
    let addrs: Vec<SocketAddr> = running.iter().map(|n| n.addr).collect();
    println!("database: {}", db.display());
    print!("{}", walk(&addrs, cache_ttl.unwrap_or_default()));
    println!("press Ctrl-C to stop");
    tokio::signal::ctrl_c().await?;
    for node in running {
        node.shutdown().await?;
    }
    Ok(())
}
