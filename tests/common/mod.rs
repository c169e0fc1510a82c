//! Shared helpers for the integration tests: where the published vectors live.
#![allow(dead_code)]

use std::path::PathBuf;

/// Environment variable that points at the published vectors directory
/// (the one holding `paseto/`, `paserk/`, `wycheproof/`).
pub const VECTORS_ENV: &str = "SEALED_SESSION_TEST_VECTORS";

/// The published vectors directory: `$SEALED_SESSION_TEST_VECTORS`, or
/// `../shared/test-vectors` beside the repository root.
///
/// Returns `None` (after printing that the test is skipped) when the
/// directory is missing and `CI` is not set; panics when `CI` is set, so a
/// CI run can never pass without the vectors.
pub fn published_vectors_dir() -> Option<PathBuf> {
    let dir = match std::env::var_os(VECTORS_ENV) {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/test-vectors"),
    };
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var_os("CI").is_some() {
        panic!(
            "published test vectors not found at {} (set {VECTORS_ENV}); CI requires them",
            dir.display()
        );
    }
    eprintln!(
        "SKIPPED: published test vectors not found at {} (set {VECTORS_ENV})",
        dir.display()
    );
    None
}

/// Read and parse a JSON file under the published vectors directory.
pub fn read_published(rel: &str) -> Option<serde_json::Value> {
    let path = published_vectors_dir()?.join(rel);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    Some(serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
}

/// Read and parse a JSON file under this project's own `test-vectors/`.
pub fn read_own(rel: &str) -> serde_json::Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("test-vectors")
        .join(rel);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Decode hex test data.
pub fn hex(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap_or_else(|e| panic!("bad hex in vector: {e}"))
}
