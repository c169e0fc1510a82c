//! `cargo run -p sealed-session-grant-example`: the auth server on
//! 127.0.0.1:3100 (`GRANT_AUTH_PORT` to change).
//!
//! Environment:
//! - `GRANT_KEY` (required): the grant key as a `k2.local.` PASERK; give the
//!   same string to the edge (`GRANT_KEYS=… node edge/server.mjs …`);
//! - `SEALED_SESSION_KEY`: the session key (default: a generated
//!   development key). Never the grant key.
#![forbid(unsafe_code)]

use std::net::{Ipv4Addr, SocketAddr};

use sealed_session::{Key, KeyRing};
use sealed_session_grant_example::{serve, AuthState};

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
    let port = match std::env::var("GRANT_AUTH_PORT") {
        Ok(p) => p.parse()?,
        Err(_) => 3100,
    };
    let grant_key = Key::from_env("GRANT_KEY")?;
    let session_key = if std::env::var_os("SEALED_SESSION_KEY").is_some() {
        Key::from_env("SEALED_SESSION_KEY")?
    } else {
        Key::generate()
    };
    if session_key == grant_key {
        return Err("the session key and the grant key must differ".into());
    }
    eprintln!("grant key id: {}", grant_key.id().as_str());
    let state = AuthState::new(KeyRing::new(session_key), KeyRing::new(grant_key));
    let running = serve(SocketAddr::from((Ipv4Addr::LOCALHOST, port)), state).await?;
    eprintln!("auth server on http://{}", running.addr);
    tokio::signal::ctrl_c().await?;
    running.stop().await;
    Ok(())
}
