//! The grant example's edge verifier: what a CDN or edge worker runs to
//! check a grant with no session store and no call back to the auth server.
//!
//! The same crate is the WebAssembly module (`cdylib`, loaded by
//! `server.mjs`) and a Rust library the auth server shares the grant's
//! [`policy`] and claim type ([`Grant`]) from, so both sides agree on the
//! audience, the lifetime and the claim names.
//!
//! It opens grants only: the core is built without `std`, so nothing here
//! needs an OS random number generator or clock. The host passes the time.
//!
//! # The module's exports
//! Plain WebAssembly functions (no wasm-bindgen), all prefixed `edge_`:
//! - `edge_input(len) -> ptr`: a buffer of `len` bytes for the host to fill
//!   before the next call;
//! - `edge_set_keys(len) -> status`: the input holds the grant keys as
//!   `k2.local.` PASERK strings, one per line, the current one first (the
//!   edge only opens, so the order only matters for the key ring's
//!   bookkeeping). The input buffer is zeroized afterwards;
//! - `edge_open(len, now_unix_seconds) -> status`: the input holds a grant;
//! - `edge_output_ptr() -> ptr`, `edge_output_len() -> len`: after
//!   `edge_open`, the grant as JSON (`{"user":…,"path":…}`) on
//!   [`STATUS_OK`], else the reason for the edge's log.
#![deny(unsafe_code)]

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use sealed_session::{Claims, Error, Key, KeyRing, Policy, Timestamp};
use serde::{Deserialize, Serialize};
use zeroize::Zeroize;

/// The audience every grant is bound to.
pub const AUDIENCE: &str = "cdn";

/// How long a grant is valid after it is issued.
pub const LIFETIME: Duration = Duration::from_secs(5 * 60);

/// Clock skew tolerated between the auth server and the edge.
pub const LEEWAY: Duration = Duration::from_secs(5);

/// The largest grant the edge reads; anything longer is refused before
/// decoding. A grant is about 300 bytes.
pub const MAX_GRANT_LEN: usize = 1024;

/// `edge_set_keys` and `edge_open`: done.
pub const STATUS_OK: u32 = 0;
/// `edge_open`: the grant was refused (the output says why, for the log).
pub const STATUS_REFUSED: u32 = 1;
/// `edge_set_keys`: a key is not a `k2.local.` PASERK; `edge_open`: no keys
/// were set.
pub const STATUS_BAD_KEYS: u32 = 2;

/// The grant's custom claim: what the holder may fetch.
///
/// ```
/// let g = grant_edge::Grant { path: "/videos/intro.mp4".into() };
/// assert_eq!(serde_json::to_string(&g).unwrap(), r#"{"path":"/videos/intro.mp4"}"#);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    /// The one object the grant lets its holder fetch.
    pub path: String,
}

/// The grants' policy, shared by the issuer and the edge: audience
/// [`AUDIENCE`], [`LIFETIME`] (no renewal), [`LEEWAY`], at most
/// [`MAX_GRANT_LEN`] bytes at open.
///
/// ```
/// let p = grant_edge::policy();
/// assert_eq!(p.audience(), Some("cdn"));
/// assert_eq!(p.idle_lifetime(), grant_edge::LIFETIME);
/// ```
pub fn policy() -> Policy {
    Policy::new(LIFETIME, LIFETIME)
        .with_audience(AUDIENCE)
        .with_leeway(LEEWAY)
        .with_max_open_len(MAX_GRANT_LEN)
}

/// Read a key ring from PASERK lines (the first is the current key, the
/// others retired; blank lines are skipped). `None` if a line is not a key
/// or there is none.
///
/// ```
/// let ring = grant_edge::key_ring("k2.local.cHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHA\n").unwrap();
/// assert_eq!(ring.len(), 1);
/// assert!(grant_edge::key_ring("not a key").is_none());
/// ```
pub fn key_ring(lines: &str) -> Option<KeyRing> {
    let mut keys = lines.lines().map(str::trim).filter(|l| !l.is_empty());
    let current = Key::from_paserk(keys.next()?).ok()?;
    keys.try_fold(KeyRing::new(current), |ring, line| {
        Some(ring.with_retired(Key::from_paserk(line).ok()?))
    })
}

/// Open a grant at `now`: the [`policy`]'s checks (size, format, key id,
/// authentication, audience, time), then the [`Grant`] claim.
///
/// # Errors
/// The core's [`Error`] for any refused grant.
///
/// ```
/// use sealed_session::{Error, Key, KeyRing, Timestamp};
/// let ring = KeyRing::new(Key::from_bytes([7; 32]));
/// let now = Timestamp::from_unix_seconds(1_900_000_000).unwrap();
/// assert!(matches!(grant_edge::open(&ring, "v2.local.AAAA", now), Err(Error::Malformed(_))));
/// ```
pub fn open(keys: &KeyRing, grant: &str, now: Timestamp) -> Result<Claims<Grant>, Error> {
    policy().open_custom::<Grant>(keys, grant, now)
}

static INPUT: Mutex<Vec<u8>> = Mutex::new(Vec::new());
static OUTPUT: Mutex<Vec<u8>> = Mutex::new(Vec::new());
static KEYS: Mutex<Option<KeyRing>> = Mutex::new(None);

fn lock<T>(m: &'static Mutex<T>) -> MutexGuard<'static, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A zeroed input buffer of `len` bytes for the host to fill (the previous
/// input is zeroized first).
#[allow(unsafe_code)] // `no_mangle` only: the export's name
#[no_mangle]
pub extern "C" fn edge_input(len: usize) -> *mut u8 {
    let mut input = lock(&INPUT);
    input.zeroize();
    input.resize(len, 0);
    input.as_mut_ptr()
}

/// Where the last output starts.
#[allow(unsafe_code)] // `no_mangle` only
#[no_mangle]
pub extern "C" fn edge_output_ptr() -> *const u8 {
    lock(&OUTPUT).as_ptr()
}

/// The last output's length in bytes.
#[allow(unsafe_code)] // `no_mangle` only
#[no_mangle]
pub extern "C" fn edge_output_len() -> usize {
    lock(&OUTPUT).len()
}

/// Set the grant keys from the first `len` input bytes (PASERK lines), then
/// zeroize the input. [`STATUS_OK`] or [`STATUS_BAD_KEYS`] (the keys set
/// before stay).
#[allow(unsafe_code)] // `no_mangle` only
#[no_mangle]
pub extern "C" fn edge_set_keys(len: usize) -> u32 {
    let mut input = lock(&INPUT);
    let ring = input
        .get(..len)
        .and_then(|bytes| std::str::from_utf8(bytes).ok())
        .and_then(key_ring);
    input.zeroize();
    match ring {
        Some(ring) => {
            *lock(&KEYS) = Some(ring);
            STATUS_OK
        }
        None => STATUS_BAD_KEYS,
    }
}

/// Open the grant in the first `len` input bytes at `now_unix_seconds`
/// (the host's clock). [`STATUS_OK`] with the grant as JSON in the output,
/// or [`STATUS_REFUSED`] / [`STATUS_BAD_KEYS`] with the reason.
#[allow(unsafe_code)] // `no_mangle` only
#[no_mangle]
pub extern "C" fn edge_open(len: usize, now_unix_seconds: i64) -> u32 {
    let (status, output) = open_input(len, now_unix_seconds);
    *lock(&OUTPUT) = output.into_bytes();
    status
}

fn open_input(len: usize, now_unix_seconds: i64) -> (u32, String) {
    let keys = lock(&KEYS);
    let Some(keys) = keys.as_ref() else {
        return (STATUS_BAD_KEYS, "no grant keys set".into());
    };
    let Some(now) = Timestamp::from_unix_seconds(now_unix_seconds) else {
        return (STATUS_REFUSED, "the host's time is out of range".into());
    };
    let input = lock(&INPUT);
    let Some(bytes) = input.get(..len) else {
        return (STATUS_REFUSED, "the length is past the input".into());
    };
    if bytes.len() > MAX_GRANT_LEN {
        return (STATUS_REFUSED, Error::TokenTooLarge.to_string());
    }
    let Ok(grant) = std::str::from_utf8(bytes) else {
        return (STATUS_REFUSED, "the grant is not UTF-8".into());
    };
    match open(keys, grant, now) {
        Ok(claims) => {
            let out = serde_json::json!({ "user": claims.user_id(), "path": claims.custom().path });
            (STATUS_OK, out.to_string())
        }
        Err(e) => (STATUS_REFUSED, e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set_input(bytes: &[u8]) -> usize {
        let mut input = lock(&INPUT);
        input.clear();
        input.extend_from_slice(bytes);
        bytes.len()
    }

    fn output() -> String {
        String::from_utf8(lock(&OUTPUT).clone()).unwrap()
    }

    // One test: the module's buffers and keys are process-wide.
    #[test]
    fn the_exports_open_grants_and_refuse_everything_else() {
        let now = Timestamp::from_unix_seconds(1_900_000_000).unwrap();
        let secs = now.unix_seconds();
        assert_eq!(edge_open(0, secs), STATUS_BAD_KEYS, "no keys yet");

        let (old, new) = (Key::from_bytes([1; 32]), Key::from_bytes([2; 32]));
        let grant_by = |key: &Key| {
            policy()
                .new_session("alice")
                .custom(&Grant { path: "/v".into() })
                .seal(&KeyRing::new(key.clone()), now)
                .unwrap()
        };
        assert_eq!(edge_set_keys(set_input(b"k2.local.nope")), STATUS_BAD_KEYS);
        let lines = format!(
            "{}\n\n{}\n",
            new.to_paserk().expose_secret(),
            old.to_paserk().expose_secret()
        );
        assert_eq!(edge_set_keys(set_input(lines.as_bytes())), STATUS_OK);
        assert!(lock(&INPUT).iter().all(|b| *b == 0), "keys zeroized");

        for key in [&old, &new] {
            let grant = grant_by(key);
            assert_eq!(edge_open(set_input(grant.as_bytes()), secs), STATUS_OK);
            assert_eq!(output(), r#"{"path":"/v","user":"alice"}"#);
        }
        let grant = grant_by(&new);
        let len = set_input(grant.as_bytes());
        assert_eq!(
            edge_open(len + 1, secs),
            STATUS_REFUSED,
            "length past input"
        );
        let late = secs + 300 + 5;
        assert_eq!(edge_open(len, late), STATUS_REFUSED);
        assert_eq!(output(), Error::Expired.to_string());
        assert_eq!(
            edge_open(len, i64::MAX),
            STATUS_REFUSED,
            "time out of range"
        );
        assert_eq!(edge_open(set_input(b"v2.local.\xff"), secs), STATUS_REFUSED);
        let long = [b'A'; MAX_GRANT_LEN + 1];
        assert_eq!(edge_open(set_input(&long), secs), STATUS_REFUSED);
        assert_eq!(output(), Error::TokenTooLarge.to_string());
        let other = grant_by(&Key::from_bytes([3; 32]));
        assert_eq!(edge_open(set_input(other.as_bytes()), secs), STATUS_REFUSED);
        assert_eq!(output(), Error::UnknownKey.to_string());
    }
}
