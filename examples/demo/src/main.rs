//! `cargo run -p sealed-session-demo`: three nodes of the demo app on
//! loopback, sharing one SQLite file and one key, each with its own cache.
//!
//! Environment:
//! - `DEMO_PORT`: first port (default 3000; nodes use PORT, PORT+1, PORT+2)
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
    for i in 0..nodes {
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port.saturating_add(i)));
        let mut config = NodeConfig::new(&format!("node-{}", i + 1), &db, keys.clone());
        config.key_dir = key_dir.clone();
        config.cookie = cookie.clone();
        config.test_clock = test_clock.clone();
        let node = start_node(addr, config).await?;
        println!("node-{} listening on http://{}", i + 1, node.addr);
        running.push(node);
    }
    let first = running.first().map(|n| n.addr).ok_or("no node")?;
    let (user, password) = DEMO_USERS[0];
    println!("database: {}", db.display());
    println!("try:");
    println!(
        "  curl -si -c jar -H 'content-type: application/json' -d '{{\"user\":\"{user}\",\"password\":\"{password}\"}}' http://{first}/login"
    );
    println!("  curl -si -b jar http://{first}/me");
    println!("  curl -si -b jar -X POST http://{first}/logout-everywhere");
    println!("press Ctrl-C to stop");
    tokio::signal::ctrl_c().await?;
    for node in running {
        node.shutdown().await?;
    }
    Ok(())
}
