//! Where the test vectors live, and reading them: shared by the unit-test
//! vector runners (`super`) and the integration tests (`tests/common`,
//! which includes this file by path).

use std::path::PathBuf;
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
