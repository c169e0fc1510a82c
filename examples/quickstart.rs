//! Generate a key, seal user `12234` for one hour, open the token, and watch
//! a tampered copy being rejected.
//!
//! Run with `cargo run --example quickstart`.

use std::time::Duration;

use sealed_session::{Error, Key};

fn main() -> Result<(), Error> {
    // Every node holds the same key; in production load it from a file or
    // an environment variable instead of generating it.
    let key = Key::generate();

    let token = key.seal("12234", Duration::from_secs(60 * 60))?;
    println!("token ({} bytes):\n  {token}", token.len());

    let claims = key.open(&token)?;
    println!("opened:");
    println!("  user id    {}", claims.user_id());
    println!(
        "  issued at  {}",
        claims
            .issued_at()
            .map(|t| t.to_string())
            .unwrap_or_default()
    );
    println!("  expires at {}", claims.expires_at());

    // Change one character in the middle of the token.
    let mut tampered = token.clone().into_bytes();
    let i = tampered.len() / 2;
    tampered[i] = if tampered[i] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).expect("ASCII stays ASCII");
    match key.open(&tampered) {
        Err(e) => println!("tampered copy rejected: {e}"),
        Ok(_) => unreachable!("a tampered token must never open"),
    }
    Ok(())
}
