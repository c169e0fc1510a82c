//! The three-node demo (in progress).
#![forbid(unsafe_code)]
