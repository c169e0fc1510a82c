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

use std::borrow::ToOwned;
use std::boxed::Box;
use std::path::PathBuf;
use std::string::{String, ToString};
use std::vec::Vec;
/// This package's root, resolved when the test runs (not when it is
/// compiled, so a shared target directory cannot point a test at another
/// checkout): `$CARGO_MANIFEST_DIR`, which `cargo test` sets, or else the
/// current directory, which `cargo test` sets to the package root too.
pub fn package_root() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// Read and parse a JSON file; a missing or unreadable file fails the test.
fn read_json(path: PathBuf) -> serde_json::Value {
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read test vectors {}: {e} (they ship with the crate: \
             test-vectors/ in the repository and in the package)",
            path.display()
        )
    });
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Read and parse a published vector file, copied verbatim into
/// `test-vectors/published/` (its README gives source, commit and licence).
pub fn read_published(rel: &str) -> serde_json::Value {
    read_json(package_root().join("test-vectors/published").join(rel))
}

/// Read and parse a JSON file under this project's own `test-vectors/`.
pub fn read_own(rel: &str) -> serde_json::Value {
    read_json(package_root().join("test-vectors").join(rel))
}

/// Decode hex test data.
pub fn hex(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap_or_else(|e| panic!("bad hex in vector: {e}"))
}
