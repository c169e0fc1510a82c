//! Benchmark support for `sealed-session`: the bare-primitive floor and thin
//! wrappers over peer crates, behind one [`Contender`] trait so that the
//! criterion benches, the allocation counter and the token-length report all
//! measure exactly the same calls.
//!
//! Every contender seals the claim set `{"sub":"12234","exp":<now + 1 h>}`
//! (plus whatever its library adds by default, e.g. `iat`) and opens it back
//! to the user id, checking the expiry against the clock. Each reads the clock
//! itself on every call, as a web handler would.
#![deny(unsafe_code)]
#![deny(missing_docs)]

use std::time::Duration;

pub mod alloc_counter;
pub mod floor;
pub mod peers;
pub mod thread_cpu;

/// The user id every contender seals.
pub const USER_ID: &str = "12234";
/// The token lifetime every contender uses.
pub const LIFETIME: Duration = Duration::from_secs(3600);
/// The 32 key bytes every contender uses (a fixed key: key setup is not measured).
pub const KEY: [u8; 32] = [0x42; 32];

/// Something that seals a user id into a session token and opens it again.
pub trait Contender {
    /// A short, stable name, used as the criterion bench id and in reports.
    fn name(&self) -> &'static str;
    /// Seal [`USER_ID`] with an expiry [`LIFETIME`] from now.
    fn seal(&mut self) -> String;
    /// Open `token`, check its expiry, and return the user id.
    ///
    /// # Panics
    /// If the token does not open: benches only ever feed valid tokens.
    fn open(&mut self, token: &str) -> String;
}

/// `sealed-session` through its public API (`Key::seal_at` / `Key::open_at`
/// with the clock read on every call, i.e. what `Key::seal` / `Key::open` do).
pub struct SealedSession {
    key: sealed_session::Key,
}

impl SealedSession {
    /// A contender over [`KEY`].
    pub fn new() -> Self {
        Self {
            key: sealed_session::Key::from_bytes(KEY),
        }
    }
}

impl Default for SealedSession {
    fn default() -> Self {
        Self::new()
    }
}

impl Contender for SealedSession {
    fn name(&self) -> &'static str {
        "sealed-session"
    }
    fn seal(&mut self) -> String {
        let now = sealed_session::Timestamp::now();
        self.key
            .seal_at(USER_ID, LIFETIME, now)
            .expect("seal never fails here")
    }
    fn open(&mut self, token: &str) -> String {
        let now = sealed_session::Timestamp::now();
        self.key
            .open_at(token, now)
            .expect("valid token")
            .into_user_id()
    }
}

/// `sealed-session` through a `KeyRing` of three keys (current + two retired):
/// the token carries the `{"kid":"k2.lid.…"}` footer and opening routes by it.
pub struct SealedSessionRing {
    ring: sealed_session::KeyRing,
}

impl SealedSessionRing {
    /// A ring whose current key is [`KEY`].
    pub fn new() -> Self {
        Self {
            ring: sealed_session::KeyRing::new(sealed_session::Key::from_bytes(KEY))
                .with_retired(sealed_session::Key::from_bytes([1; 32]))
                .with_retired(sealed_session::Key::from_bytes([2; 32])),
        }
    }
}

impl Default for SealedSessionRing {
    fn default() -> Self {
        Self::new()
    }
}

impl Contender for SealedSessionRing {
    fn name(&self) -> &'static str {
        "sealed-session KeyRing"
    }
    fn seal(&mut self) -> String {
        let now = sealed_session::Timestamp::now();
        self.ring
            .seal_at(USER_ID, LIFETIME, now)
            .expect("seal never fails here")
    }
    fn open(&mut self, token: &str) -> String {
        let now = sealed_session::Timestamp::now();
        self.ring
            .open_at(token, now)
            .expect("valid token")
            .into_user_id()
    }
}

/// Every contender, ours first, then the floor, then the peers.
pub fn contenders() -> Vec<Box<dyn Contender>> {
    vec![
        Box::new(SealedSession::new()),
        Box::new(SealedSessionRing::new()),
        Box::new(floor::Floor::new()),
        Box::new(floor::FloorOsRng::new()),
        Box::new(peers::PasetorsV2::new()),
        Box::new(peers::PasetorsV4::new()),
        Box::new(peers::RustyPasetoV2::new()),
        Box::new(peers::Branca::new()),
        Box::new(peers::JwtHs256::new()),
        Box::new(peers::CookiePrivate::new()),
    ]
}

/// Seconds since the Unix epoch from the system clock.
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_contender_round_trips() {
        let mut seen = 0;
        for mut c in contenders() {
            let t = c.seal();
            assert_eq!(c.open(&t), USER_ID, "{}", c.name());
            // Every encrypting contender draws a fresh nonce per token; a JWT
            // is deterministic within the same second.
            if c.name() != "jsonwebtoken HS256" {
                assert_ne!(t, c.seal(), "{}: fresh nonce per token", c.name());
            }
            seen += 1;
        }
        assert_eq!(seen, contenders().len());
    }

    #[test]
    fn floor_tokens_are_sealed_session_tokens_and_back() {
        let mut ours = SealedSession::new();
        let mut floor = floor::Floor::new();
        // Same wire format and same claims: each opens the other's token.
        assert_eq!(floor.open(&ours.seal()), USER_ID);
        assert_eq!(ours.open(&floor.seal()), USER_ID);
    }
}
