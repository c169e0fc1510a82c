//! Stateless, sealed session tokens for web apps that run on more than one
//! node.
//!
//! The session cookie carries only the **user id and an expiry**, sealed
//! (encrypted and authenticated with XChaCha20-Poly1305) under a key every
//! node holds, in the PASETO `v2.local` format. Any node opens it locally;
//! there is no session store and no sticky session. There is one algorithm
//! and nothing in a token selects one.
//!
//! ```
//! use sealed_session::{Error, Key};
//! use std::time::Duration;
//!
//! fn main() -> Result<(), Error> {
//!     let key = Key::generate(); // in production: Key::from_file or Key::from_env
//!     let token = key.seal("12234", Duration::from_secs(3600))?;
//!     let claims = key.open(&token)?;
//!     assert_eq!(claims.user_id(), "12234");
//!     Ok(())
//! }
//! ```
//!
//! # Which API do I need?
//!
//! - [`Key`]: seal a user id and open the token, with one key
//!   ([`Key::seal`], [`Key::open`]; [`Key::seal_at`] and [`Key::open_at`]
//!   take the clock as an input).
//! - [`KeyRing`]: key rotation. One current key seals, retired keys only
//!   open, and every token names its key in an authenticated footer, so a
//!   token is opened with exactly one key.
//! - [`Policy`]: idle and absolute lifetimes, renewal, leeway, audience,
//!   size limits, revocation and typed custom claims, with a [`Key`] or a
//!   [`KeyRing`]. [`Claims`] is what opening returns;
//!   [`Claims::check_valid_after`] implements "log out everywhere".
//! - [`cookie`]: the `Set-Cookie` value with hardened defaults and the
//!   lookup of the session cookie in a `Cookie` header.
//! - [`web`] (feature `std`): the framework-neutral request cycle
//!   ([`web::Sessions`]: start, open, renew, end) that the
//!   `sealed-session-axum` and `sealed-session-actix` crates wrap.
//! - [`format`]: raw `v2.local` tokens (bytes and footer), for
//!   interoperability and testing.
//!
//! Every failure is one [`Error`]: before authentication it names the
//! structural rule that was broken, a failed authentication is the opaque
//! [`Error::Unauthenticated`], and after it the error says which claim is at
//! fault, never with claim values or token bytes.
//!
//! ```
//! use sealed_session::{Error, Key, KeyRing, Policy, Timestamp};
//! use std::time::Duration;
//!
//! fn main() -> Result<(), Error> {
//!     let (old, new) = (Key::generate(), Key::generate());
//!     let ring = KeyRing::new(new).with_retired(old);
//!     let policy = Policy::new(Duration::from_secs(30 * 60), Duration::from_secs(8 * 3600));
//!     let now = Timestamp::from_unix_seconds(1_900_000_000).unwrap();
//!     let token = policy.seal(&ring, "12234", now)?;
//!     let claims = policy.open(&ring, &token, now)?;
//!     assert_eq!(claims.user_id(), "12234");
//!     assert!(!claims.needs_renewal(now));
//!
//!     // One character of the nonce changed: the token no longer authenticates.
//!     let c = if token.as_bytes()[20] == b'A' { "B" } else { "A" };
//!     let tampered = format!("{}{c}{}", &token[..20], &token[21..]);
//!     assert_eq!(policy.open(&ring, &tampered, now), Err(Error::Unauthenticated));
//!     Ok(())
//! }
//! ```
//!
//! # Features
//!
//! - `std` (default): the OS random number generator (needed to seal) and
//!   the system clock ([`Timestamp::now`]), key loading from files and the
//!   environment, and [`web`]. Without it the crate is `no_std` + `alloc`.
//! - `ring` (default): XChaCha20-Poly1305 as HChaCha20 followed by *ring*'s
//!   ChaCha20-Poly1305 (needs a C compiler).
//! - `rustcrypto`: XChaCha20-Poly1305 from RustCrypto's `chacha20poly1305`
//!   (pure Rust), for targets *ring* does not support (e.g.
//!   `default-features = false, features = ["rustcrypto"]`). One of the two
//!   is required; with both, *ring* seals and opens (and RustCrypto's
//!   cipher is built too). Same bytes on the wire.
//! - `tracing`: log every session that [`web::Sessions`] refuses through
//!   the `tracing` crate (the reason, the key id, the token's length; never
//!   the token). Off in the core; the web adapters turn it on by default.
//!
//! The repository's README and `docs/` folder cover sessions and logout,
//! keys and rotation, the token format, cookies and the adapters, security,
//! performance and testing in depth.
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]
// Without `std` there is no OS RNG, so the sealing half is compiled but unused.
#![cfg_attr(not(feature = "std"), allow(dead_code, unused_imports))]

#[cfg(not(any(feature = "ring", feature = "rustcrypto")))]
compile_error!(
    "sealed-session needs an AEAD: enable the `ring` (default) or the `rustcrypto` feature"
);

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

mod aead;
mod claims;
pub mod cookie;
mod error;
pub mod format;
mod key;
#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
pub mod keydir;
mod keyring;
#[cfg(feature = "std")]
mod load;
mod paserk;
#[cfg(feature = "std")]
mod rng;
mod session;
#[cfg(test)]
mod test_util;
mod time;
#[cfg(test)]
mod vector_tests;
#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
pub mod web;
mod wipe;

pub use claims::{Claims, SessionId, REGISTERED_CLAIMS};
pub use error::{ClaimsError, Error, Malformed};
pub use key::{Key, KEY_LEN};
pub use keyring::KeyRing;
pub use keyring::KeySource;
#[cfg(feature = "std")]
pub use load::LoadKeyError;
pub use paserk::{KeyError, KeyId, LocalPaserk, ParseKeyIdError};
pub use session::{NewSession, Policy, Revocation};
pub use time::{ParseTimestampError, Timestamp};

/// The README's and `docs/*.md`'s Rust examples, compiled and run as
/// doctests (the axum and actix-web examples are doctests of the adapter
/// crates).
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
#[doc = include_str!("../docs/sessions.md")]
#[doc = include_str!("../docs/keys.md")]
#[doc = include_str!("../docs/token.md")]
#[doc = include_str!("../docs/web.md")]
#[doc = include_str!("../docs/browsers.md")]
#[doc = include_str!("../docs/security.md")]
#[doc = include_str!("../docs/performance.md")]
#[doc = include_str!("../docs/testing.md")]
#[doc = include_str!("../docs/cli.md")]
#[doc = include_str!("../docs/operations.md")]
#[doc = include_str!("../docs/edge.md")]
pub struct ReadmeDoctests;

#[cfg(feature = "__internal-test")]
#[doc(hidden)]
pub use session::{__policy_seal_with_nonce_seed, __seal_claims_with_nonce_seed};
