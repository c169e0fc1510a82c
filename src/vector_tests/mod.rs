//! The vector runners: the published PASETO v2, PASERK and Wycheproof
//! files, the project's own vectors (claims profile, key ring, lifecycle),
//! and the dead-stack scan for wiped secrets. They are unit tests of the
//! crate (not integration tests) because they reproduce tokens with fixed
//! nonce seeds through crate-private functions: so a packaged crate runs
//! them with a plain `cargo test`, no hidden feature, no skip. Each runner
//! reads its vector file at run time and fails when it is missing.
#![allow(dead_code, unused_imports)]

mod keyring;
mod lifecycle_vectors;
mod own_vectors;
mod published_vectors;
mod wipe;

// Shared with the integration tests (`tests/common/mod.rs` includes it).
mod files;
pub use files::{hex, package_root, read_own, read_published};
