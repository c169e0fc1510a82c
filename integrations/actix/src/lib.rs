//! actix-web integration for sealed-session (in progress).
#![forbid(unsafe_code)]
