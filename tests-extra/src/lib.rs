//! `sealed-session`'s tests that need heavy dependencies, kept out of the
//! core's dev-dependencies so that building the core's examples and its
//! own tests stays small:
//!
//! - `tests/properties.rs`: property tests (proptest);
//! - `tests/interop.rs`: interop with `pasetors`, an independent PASETO
//!   implementation;
//! - `tests/rfc3339.rs`: the RFC 3339 parser and formatter against the
//!   `time` crate.
//!
//! Run them with `cargo test -p sealed-session-tests-extra` (or
//! `cargo test --workspace`). This library is empty.
#![forbid(unsafe_code)]
