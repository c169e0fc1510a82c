//! Shared helpers for the integration tests: where the test vectors live
//! (the same file the crate's own vector runners use).
#![allow(dead_code, unused_imports)]

#[path = "../../src/vector_tests/files.rs"]
mod files;
pub use files::{hex, package_root, read_own, read_published};
