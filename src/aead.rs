//! The one AEAD the format uses, XChaCha20-Poly1305, in place with a detached
//! tag, from one of two implementations of the same construction:
//!
//! - **`ring` feature (default)**: HChaCha20 from the `chacha20` crate derives
//!   the subkey, then *ring*'s IETF ChaCha20-Poly1305 (BoringSSL/OpenSSL
//!   assembly) encrypts with nonce `0^4 || n[16..24]`. This is
//!   XChaCha20-Poly1305 exactly as draft-irtf-cfrg-xchacha defines it.
//! - **`rustcrypto` feature, without `ring`**: RustCrypto's
//!   `chacha20poly1305::XChaCha20Poly1305`.
//!
//! A build compiles only the backends its features turn on (`cargo tree -e normal -p
//! sealed-session` shows *ring* and `chacha20`, no `chacha20poly1305`; with
//! `--no-default-features --features std,rustcrypto` the reverse); with
//! both features, *ring* is used.
//!
//! Why two: `poly1305` 0.8/0.9 pick an AVX2 backend at run time whose
//! intrinsics rustc ≥ 1.87 no longer inlines (rust-lang/rust#139029), which
//! makes the RustCrypto AEAD 3-4× slower on short messages on every AVX2 CPU
//! unless the user builds with `RUSTFLAGS="--cfg poly1305_force_soft"`.
//! Nothing here is a hand-written primitive; the unit tests check the two
//! implementations against each other (when both features are on, as in
//! this crate's own tests), and the published-vector tests run every
//! Wycheproof XChaCha20-Poly1305 case through each (CI runs them with and
//! without `ring`).
//!
//! # Security: the per-token subkey
//!
//! XChaCha20-Poly1305 seals each token under a subkey, `HChaCha20(key,
//! nonce[0..16])`, with ChaCha20-Poly1305. That subkey is **as powerful as
//! the key for every token with that nonce prefix**: whoever holds it and
//! one token sealed under it (the nonce is public, in the token) can seal
//! *any* payload — any claims, any user id, any expiry — under the same
//! nonce, and the real key opens the forgery, because opening never checks
//! that the nonce was derived from the payload (it cannot: the nonce seed is
//! not in the token). One leaked subkey is therefore a forgery capability
//! for as long as the key is in use, not a harmless per-token secret.
//!
//! So every copy is wiped: this crate's own copies of the key and the
//! subkey are zeroized at once; *ring*'s `LessSafeKey` (which keeps the
//! subkey and does not zeroize) and the ChaCha20 state that *ring*'s
//! assembly spills to its stack frame live only in the stack below
//! [`seal`]/[`open`], which is overwritten with zeros before they return
//! (see the `wipe` module; `src/vector_tests/wipe.rs` scans the dead stack for the
//! subkey after an open). Out of reach of any wipe: copies in CPU
//! registers until overwritten, and memory the OS swaps out or writes to a
//! core dump while the call runs.

use crate::key::Key;
use crate::wipe::{self, with_stack_wiped};

/// Length of the nonce (and of the random nonce seed) in bytes.
pub const NONCE_LEN: usize = 24;
/// Length of the Poly1305 tag in bytes.
pub const TAG_LEN: usize = 16;

/// Encrypt `msg` in place and return the tag.
pub(crate) fn seal(
    key: &Key,
    nonce: &[u8; NONCE_LEN],
    aad: &[u8],
    msg: &mut [u8],
) -> [u8; TAG_LEN] {
    with_stack_wiped::<{ wipe::AEAD }, _>(|| {
        #[cfg(feature = "ring")]
        return ring_impl::seal(key, nonce, aad, msg);
        #[cfg(not(feature = "ring"))]
        return rustcrypto::seal(key, nonce, aad, msg);
    })
}

/// Authenticate and decrypt `ciphertext` in place. `Err(())` says nothing more.
pub(crate) fn open(
    key: &Key,
    nonce: &[u8; NONCE_LEN],
    aad: &[u8],
    ciphertext: &mut [u8],
    tag: &[u8; TAG_LEN],
) -> Result<(), ()> {
    with_stack_wiped::<{ wipe::AEAD }, _>(|| {
        #[cfg(feature = "ring")]
        return ring_impl::open(key, nonce, aad, ciphertext, tag);
        #[cfg(not(feature = "ring"))]
        return rustcrypto::open(key, nonce, aad, ciphertext, tag);
    })
}

/// RustCrypto's XChaCha20-Poly1305 (the fallback, and the reference the
/// `ring` path is tested against).
#[cfg(feature = "rustcrypto")]
#[cfg_attr(feature = "ring", allow(dead_code))]
mod rustcrypto {
    use super::*;
    use chacha20poly1305::aead::AeadInPlace;
    use chacha20poly1305::{Tag, XNonce};

    pub(crate) fn seal(
        key: &Key,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        msg: &mut [u8],
    ) -> [u8; TAG_LEN] {
        key.cipher
            .encrypt_in_place_detached(XNonce::from_slice(nonce), aad, msg)
            .unwrap_or_else(|_| {
                unreachable!("XChaCha20-Poly1305 accepts any message below 256 GiB")
            })
            .into()
    }

    pub(crate) fn open(
        key: &Key,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        ciphertext: &mut [u8],
        tag: &[u8; TAG_LEN],
    ) -> Result<(), ()> {
        key.cipher
            .decrypt_in_place_detached(
                XNonce::from_slice(nonce),
                aad,
                ciphertext,
                Tag::from_slice(tag),
            )
            .map_err(|_| ())
    }
}

/// HChaCha20 + *ring*'s ChaCha20-Poly1305.
#[cfg(feature = "ring")]
mod ring_impl {
    use super::*;
    use chacha20::cipher::consts::U10;
    use ring::aead::{Aad, LessSafeKey, Nonce, Tag, UnboundKey, CHACHA20_POLY1305};
    use zeroize::Zeroize;

    /// Run `f` with the per-nonce ChaCha20-Poly1305 key and 96-bit nonce of
    /// XChaCha20-Poly1305. (A closure rather than a return value: *ring*'s
    /// key type is 544 bytes, and building it where it is used saves
    /// copying it around on every token.)
    #[inline(always)]
    fn with_subkey<R>(
        key: &Key,
        nonce: &[u8; NONCE_LEN],
        f: impl FnOnce(&LessSafeKey, Nonce) -> R,
    ) -> R {
        let (head, tail) = nonce.split_at(16);
        let mut k = key.expose_secret_bytes();
        let mut sub: [u8; 32] = chacha20::hchacha::<U10>((&k).into(), head.into()).into();
        k.zeroize();
        let unbound = UnboundKey::new(&CHACHA20_POLY1305, &sub)
            .unwrap_or_else(|_| unreachable!("32 bytes is the ChaCha20-Poly1305 key length"));
        // ring keeps its own copy (which it does not zeroize) in the
        // `LessSafeKey` below, on the stack `aead::open`/`seal` wipe; wipe ours.
        sub.zeroize();
        let mut n = [0u8; 12];
        n[4..].copy_from_slice(tail);
        f(&LessSafeKey::new(unbound), Nonce::assume_unique_for_key(n))
    }

    pub(crate) fn seal(
        key: &Key,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        msg: &mut [u8],
    ) -> [u8; TAG_LEN] {
        let tag = with_subkey(key, nonce, |k, n| {
            k.seal_in_place_separate_tag(n, Aad::from(aad), msg)
                .unwrap_or_else(|_| {
                    unreachable!("ChaCha20-Poly1305 accepts any message below 256 GiB")
                })
        });
        let mut out = [0u8; TAG_LEN];
        out.copy_from_slice(tag.as_ref());
        out
    }

    pub(crate) fn open(
        key: &Key,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        ciphertext: &mut [u8],
        tag: &[u8; TAG_LEN],
    ) -> Result<(), ()> {
        let tag = Tag::from(*tag);
        with_subkey(key, nonce, |k, n| {
            k.open_in_place_separate_tag(n, Aad::from(aad), tag, ciphertext, 0..)
                .map(|_| ())
                .map_err(|_| ())
        })
    }
}

#[cfg(all(test, feature = "ring", feature = "rustcrypto"))]
mod tests {
    use super::*;

    use crate::test_util::Gen;

    /// Differential test: the `ring` path and RustCrypto agree on every tag
    /// and ciphertext, accept each other's output, and reject the same
    /// tamperings, for message and AAD lengths around every block boundary.
    #[test]
    fn ring_path_agrees_with_rustcrypto() {
        let mut g = Gen(0x9e37_79b9_7f4a_7c15);
        let mut cases = 0;
        for msg_len in (0..=200).chain([255, 256, 257, 511, 512, 1000, 4096]) {
            for aad_len in [0usize, 1, 15, 16, 17, 65, 100] {
                let key = Key::from_bytes(g.array());
                let nonce: [u8; NONCE_LEN] = g.array();
                let aad = g.bytes(aad_len);
                let msg = g.bytes(msg_len);

                let (mut a, mut b) = (msg.clone(), msg.clone());
                let tag_a = ring_impl::seal(&key, &nonce, &aad, &mut a);
                let tag_b = rustcrypto::seal(&key, &nonce, &aad, &mut b);
                assert_eq!((&a, tag_a), (&b, tag_b), "seal {msg_len}/{aad_len}");

                let mut x = a.clone();
                assert_eq!(rustcrypto::open(&key, &nonce, &aad, &mut x, &tag_a), Ok(()));
                assert_eq!(x, msg);
                let mut y = a.clone();
                assert_eq!(ring_impl::open(&key, &nonce, &aad, &mut y, &tag_b), Ok(()));
                assert_eq!(y, msg);

                // One flipped bit anywhere: both reject.
                let mut bad_tag = tag_a;
                bad_tag[(g.next() % 16) as usize] ^= 1 << (g.next() % 8);
                let mut z = a.clone();
                assert_eq!(
                    ring_impl::open(&key, &nonce, &aad, &mut z, &bad_tag),
                    Err(())
                );
                if !a.is_empty() {
                    let mut z = a.clone();
                    let i = (g.next() as usize) % z.len();
                    z[i] ^= 0x80;
                    let mut w = z.clone();
                    assert_eq!(ring_impl::open(&key, &nonce, &aad, &mut z, &tag_a), Err(()));
                    assert_eq!(
                        rustcrypto::open(&key, &nonce, &aad, &mut w, &tag_a),
                        Err(())
                    );
                }
                let mut bad_nonce = nonce;
                bad_nonce[(g.next() % 24) as usize] ^= 4;
                let mut z = a.clone();
                assert_eq!(
                    ring_impl::open(&key, &bad_nonce, &aad, &mut z, &tag_a),
                    Err(())
                );
                if !aad.is_empty() {
                    let mut bad_aad = aad.clone();
                    bad_aad[0] ^= 1;
                    let mut z = a.clone();
                    assert_eq!(
                        ring_impl::open(&key, &nonce, &bad_aad, &mut z, &tag_a),
                        Err(())
                    );
                }
                cases += 1;
            }
        }
        assert_eq!(cases, (201 + 7) * 7);
    }
}
