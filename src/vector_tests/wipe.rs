//! Secrets do not stay behind in dead stack memory after a key id, a seal or
//! an open: the PASERK text `Key::id` hashes, the nonce seed and the
//! plaintext in the keyed BLAKE2b state of the nonce derivation, the
//! decrypted payload, and the per-token HChaCha20 subkey.
//!
//! How: the operation runs below a 32 KiB pad of stack; when it returns,
//! the test reads this thread's own dead stack below the caller through
//! `/proc/self/mem` (plain file I/O, no `unsafe`) and searches it for the
//! secret bytes, which the test keeps on the heap. A positive control shows
//! the scan finds a secret that a hash state which is not wiped leaves
//! behind. What this cannot see: copies in registers, in memory the
//! operation freed on the heap, or moved elsewhere before being wiped.
#![cfg(target_os = "linux")]

use std::borrow::ToOwned;
use std::boxed::Box;
use std::string::{String, ToString};
use std::vec::Vec;
use std::{eprintln, format, println, vec};

use std::hint::black_box;
use std::io::{Read, Seek, SeekFrom};
use std::time::Duration;

use crate::{format, Key, Timestamp};
use base64ct::{Base64UrlUnpadded, Encoding};

/// How much dead stack is read (the pad plus room for the operation).
const SCAN: usize = 256 * 1024;

/// Run `f` below a 32 KiB pad, far below any frame the scan itself uses.
#[inline(never)]
fn deep<R>(f: impl FnOnce() -> R) -> R {
    let pad = [0u8; 32 * 1024];
    black_box(&pad);
    let r = black_box(f());
    black_box(&pad);
    r
}

/// The `SCAN` bytes of stack below this function's frame.
#[inline(never)]
fn dead_stack() -> Vec<u8> {
    let here = 0u8;
    let top = black_box(&here) as *const u8 as u64;
    let mut mem = std::fs::File::open("/proc/self/mem").expect("open /proc/self/mem");
    mem.seek(SeekFrom::Start(top - SCAN as u64)).unwrap();
    let mut buf = vec![0u8; SCAN];
    mem.read_exact(&mut buf).expect("read own stack");
    buf
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// A key whose bytes (and base64 text) occur nowhere by chance.
fn odd_key_bytes() -> Box<[u8; 32]> {
    Box::new(core::array::from_fn(|i| (i as u8).wrapping_mul(37) ^ 0xA5))
}

fn paserk_body(key: &[u8; 32]) -> Vec<u8> {
    Base64UrlUnpadded::encode_string(key).into_bytes()
}

#[test]
fn the_scan_finds_what_a_hash_state_that_is_not_wiped_leaves_behind() {
    use blake2::digest::{Update, VariableOutput};
    let body = paserk_body(&odd_key_bytes());
    let digest = deep(|| {
        let mut h = blake2::Blake2bVar::new(33).unwrap();
        h.update(b"k2.lid.k2.local.");
        h.update(&body);
        let mut out = [0u8; 33];
        h.finalize_variable(&mut out).unwrap();
        out
    });
    assert_ne!(digest, [0; 33]);
    assert!(contains(&dead_stack(), &body[..24]), "positive control");
}

#[test]
fn key_id_leaves_no_paserk_text_on_the_stack() {
    let bytes = odd_key_bytes();
    let body = paserk_body(&bytes);
    let key = Key::from_bytes(*bytes);
    let id = deep(|| key.id());
    assert!(id.as_str().starts_with("k2.lid."));
    let stack = dead_stack();
    assert!(!contains(&stack, &body[..24]), "the PASERK text");
    assert!(!contains(&stack, &bytes[..]), "the key");
}

/// A 100-byte payload of odd bytes, and 16-byte pieces of it to look for.
fn odd_payload() -> Vec<u8> {
    (0..100u32).map(|i| (i * 73 + 19) as u8 ^ 0x5C).collect()
}

fn pieces(p: &[u8]) -> impl Iterator<Item = &[u8]> {
    p.chunks_exact(16)
}

#[test]
fn a_seal_leaves_no_nonce_seed_and_no_plaintext_on_the_stack() {
    let key = Key::from_bytes(*odd_key_bytes());
    let seed: Box<[u8; 24]> = Box::new(core::array::from_fn(|i| (i as u8).wrapping_mul(29) ^ 0x3C));
    let payload = odd_payload();
    let token = deep(|| format::__seal_with_nonce_seed(&key, &seed, &payload, b""));
    assert!(token.starts_with("v2.local."));
    let stack = dead_stack();
    assert!(!contains(&stack, &seed[..]), "the nonce seed");
    for (i, piece) in pieces(&payload).enumerate() {
        assert!(!contains(&stack, piece), "plaintext piece {i}");
    }
}

/// The HChaCha20 subkey of a token's nonce: the ChaCha20-Poly1305 key that
/// seals anything under that nonce.
fn subkey(key: &[u8; 32], token: &str) -> Vec<u8> {
    use chacha20::cipher::consts::U10;
    let body = token.strip_prefix("v2.local.").unwrap();
    let raw = Base64UrlUnpadded::decode_vec(body).unwrap();
    let sub = chacha20::hchacha::<U10>(key.into(), raw[..16].into());
    sub.to_vec()
}

#[test]
fn an_open_leaves_no_plaintext_and_no_subkey_on_the_stack() {
    let bytes = odd_key_bytes();
    let key = Key::from_bytes(*bytes);
    let payload = odd_payload();
    let token = format::__seal_with_nonce_seed(&key, &[7; 24], &payload, b"");
    let sub = subkey(&bytes, &token);
    let opened = deep(|| format::open(&key, &token).unwrap());
    assert_eq!(opened.payload, payload);
    let stack = dead_stack();
    for (i, piece) in pieces(&payload).enumerate() {
        assert!(!contains(&stack, piece), "plaintext piece {i}");
    }
    assert!(!contains(&stack, &sub), "the HChaCha20 subkey");
    assert!(!contains(&stack, &bytes[..]), "the key");
}

#[test]
fn a_claims_seal_and_open_leave_no_plaintext_on_the_stack() {
    let bytes = odd_key_bytes();
    let key = Key::from_bytes(*bytes);
    let user = "user-Qx7Zr2Lk9Wp4Tm8Nv3Bh";
    let at = Timestamp::from_unix_seconds(1_900_000_000).unwrap();
    let token = deep(|| key.seal_at(user, Duration::from_secs(60), at).unwrap());
    let stack = dead_stack();
    assert!(!contains(&stack, user.as_bytes()), "the user id after seal");
    let sub = subkey(&bytes, &token);
    assert!(!contains(&stack, &sub), "the subkey after seal");
    let claims = deep(|| key.open_at(&token, at).unwrap());
    assert_eq!(claims.user_id(), user);
    let stack = dead_stack();
    assert!(!contains(&stack, user.as_bytes()), "the user id after open");
    assert!(!contains(&stack, &sub), "the subkey after open");
}
