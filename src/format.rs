//! Low-level `v2.local` tokens: raw bytes in, raw bytes out.
//!
//! **This is the low-level layer**, for interoperability and testing. It
//! knows bytes only: no JSON, no time, no key ids. Most applications want
//! [`Key::seal`](crate::Key::seal) / [`Key::open`](crate::Key::open), which add
//! the claims and their time rules on top.
//!
//! The format is byte-compatible with PASETO `v2.local`:
//!
//! ```text
//! n     = BLAKE2b-192(key = 24 random bytes, message = payload)
//! aad   = PAE(["v2.local.", n, footer])
//! c     = XChaCha20-Poly1305(key, n, payload, aad)        (ciphertext || tag)
//! token = "v2.local." || b64url(n || c) [ || "." || b64url(footer) ]
//! ```
//!
//! The caller never chooses the nonce: it is derived from fresh OS randomness
//! and the payload.
//!
//! # Example
//! ```
//! use sealed_session::{format, Key};
//! let key = Key::generate();
//! let token = format::seal(&key, b"hello", b"kid-1")?;
//! let opened = format::open(&key, &token)?;
//! assert_eq!(opened.payload, b"hello");
//! assert_eq!(opened.footer, b"kid-1");
//! # Ok::<(), sealed_session::Error>(())
//! ```

use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use blake2::digest::{consts::U24, Mac};
use blake2::Blake2bMac;

use zeroize::{Zeroize, Zeroizing};

use base64ct::{Base64UrlUnpadded, Encoding};

use crate::error::{Error, Malformed};
use crate::key::Key;
use crate::wipe::{self, with_stack_wiped};

/// The one header this crate reads and writes.
pub const HEADER: &str = "v2.local.";
/// Default upper bound on a token's length in bytes (the browser cookie limit).
pub const DEFAULT_MAX_TOKEN_LEN: usize = 4096;
pub use crate::aead::{NONCE_LEN, TAG_LEN};

/// Decoded bodies up to this size are handled on the stack.
const STACK_BODY: usize = 512;
/// PAE(header, nonce, footer) for footers up to this size is built on the stack.
const STACK_FOOTER: usize = 192;
const PAE_FIXED: usize = 8 + (8 + HEADER.len()) + (8 + NONCE_LEN) + 8;

/// A parsed but **unauthenticated** token: only its structure has been
/// checked (length, header, parts, base64 alphabet and length). Nothing read
/// from it can be trusted until [`UntrustedToken::open`] succeeds.
///
/// # Example
/// ```
/// use sealed_session::format::{self, UntrustedToken};
/// let key = sealed_session::Key::generate();
/// let token = format::seal(&key, b"{}", b"footer")?;
/// let untrusted = UntrustedToken::parse(&token)?;
/// assert_eq!(untrusted.untrusted_footer()?, b"footer");
/// assert_eq!(untrusted.open(&key)?.payload, b"{}");
/// # Ok::<(), sealed_session::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct UntrustedToken<'a> {
    untrusted_body: &'a str,
    untrusted_footer: Option<&'a str>,
}

/// An authenticated payload and footer.
///
/// The crate wipes its own buffer of the decrypted payload; this copy is
/// the caller's (wrap it in `zeroize::Zeroizing` if it is secret).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Opened {
    /// The decrypted, authenticated payload.
    pub payload: Vec<u8>,
    /// The authenticated footer (empty when the token has none).
    pub footer: Vec<u8>,
}

impl<'a> UntrustedToken<'a> {
    /// Check a token's structure with the default length limit
    /// ([`DEFAULT_MAX_TOKEN_LEN`]).
    ///
    /// # Errors
    /// See [`UntrustedToken::parse_with_max_len`].
    pub fn parse(token: &'a str) -> Result<Self, Error> {
        Self::parse_with_max_len(token, DEFAULT_MAX_TOKEN_LEN)
    }

    /// Check, in this order and before any cryptography: the length is at
    /// most `max_len`; the header is exactly `v2.local.`; there are 3 or 4
    /// dot-separated parts and none is empty; the body has a base64 length
    /// that can hold a nonce and a tag.
    ///
    /// # Errors
    /// [`Error::TokenTooLarge`], or [`Error::Malformed`] naming the rule.
    ///
    /// # Example
    /// ```
    /// use sealed_session::{format::UntrustedToken, Error, Malformed};
    /// let e = UntrustedToken::parse("v4.local.AAAA").unwrap_err();
    /// assert_eq!(e, Error::Malformed(Malformed::Header));
    /// ```
    pub fn parse_with_max_len(token: &'a str, max_len: usize) -> Result<Self, Error> {
        if token.len() > max_len {
            return Err(Error::TokenTooLarge);
        }
        let rest = token
            .strip_prefix(HEADER)
            .ok_or(Error::Malformed(Malformed::Header))?;
        let (body, footer) = match rest.split_once('.') {
            None => (rest, None),
            Some((body, footer)) => (body, Some(footer)),
        };
        if body.is_empty() || footer.is_some_and(|f| f.is_empty() || f.contains('.')) {
            return Err(Error::Malformed(Malformed::Parts));
        }
        Ok(UntrustedToken {
            untrusted_body: body,
            untrusted_footer: footer,
        })
    }

    /// The footer's base64url text as it appears in the token, if any.
    /// Unauthenticated.
    pub fn untrusted_footer_b64(&self) -> Option<&'a str> {
        self.untrusted_footer
    }

    /// The decoded footer bytes (empty if the token has none).
    /// **Unauthenticated**: use it only to route (e.g. pick a key), never
    /// to decide anything else.
    ///
    /// # Errors
    /// [`Malformed::Base64`] if the footer is not strict base64url.
    pub fn untrusted_footer(&self) -> Result<Vec<u8>, Error> {
        match self.untrusted_footer {
            None => Ok(Vec::new()),
            Some(f) => decode_b64_vec(f),
        }
    }

    /// Decode the footer (on the stack when it is small) and hand it to `f`.
    /// **Unauthenticated**, as [`UntrustedToken::untrusted_footer`]; this is
    /// the allocation-free form the open path uses to route to a key.
    pub(crate) fn with_untrusted_footer<R>(
        &self,
        f: impl FnOnce(&[u8]) -> Result<R, Error>,
    ) -> Result<R, Error> {
        let Some(b64) = self.untrusted_footer else {
            return f(&[]);
        };
        if decoded_len(b64.len())? <= STACK_FOOTER {
            let mut buf = [0u8; STACK_FOOTER];
            let footer = Base64UrlUnpadded::decode(b64, &mut buf)
                .map_err(|_| Error::Malformed(Malformed::Base64))?;
            f(footer)
        } else {
            f(&decode_b64_vec(b64)?)
        }
    }

    /// Authenticate and decrypt with `key`.
    ///
    /// # Errors
    /// [`Malformed::Base64`] / [`Malformed::TooShort`] for a body that cannot
    /// be a ciphertext, [`Error::Unauthenticated`] for everything the AEAD
    /// rejects.
    pub fn open(&self, key: &Key) -> Result<Opened, Error> {
        let footer = self.untrusted_footer()?;
        let payload = self.open_with(key, &footer, |payload| Ok(payload.to_vec()))?;
        Ok(Opened { payload, footer })
    }

    /// Authenticate with an already decoded footer and hand the payload to
    /// `f` without copying it off the stack for small tokens.
    pub(crate) fn open_with<R>(
        &self,
        key: &Key,
        footer: &[u8],
        f: impl FnOnce(&[u8]) -> Result<R, Error>,
    ) -> Result<R, Error> {
        let body = self.untrusted_body.as_bytes();
        let decoded_len = decoded_len(body.len())?;
        // The decrypted payload is wiped once `f` has read it (and after a
        // failed open too, whatever the AEAD left in the buffer).
        if decoded_len <= STACK_BODY {
            let mut buf = [0u8; STACK_BODY];
            let r = open_in(key, body, footer, &mut buf).and_then(f);
            buf.get_mut(..decoded_len).map(Zeroize::zeroize);
            r
        } else {
            let mut buf = Zeroizing::new(vec![0u8; decoded_len]);
            open_in(key, body, footer, &mut buf).and_then(f)
        }
    }
}

/// Decoded length of an unpadded base64 text of `n` characters (checked
/// before decoding, to pick a buffer); no strict encoding has `n ≡ 1 mod 4`.
fn decoded_len(n: usize) -> Result<usize, Error> {
    match n % 4 {
        1 => Err(Error::Malformed(Malformed::Base64)),
        r => Ok(n / 4 * 3 + r.saturating_sub(1)),
    }
}

/// Length of the unpadded base64url encoding of `n` bytes.
pub(crate) const fn encoded_len(n: usize) -> usize {
    n / 3 * 4 + (n % 3 * 4).div_ceil(3)
}

/// Strict base64url (`base64ct`: canonical, unpadded, constant-time) of a
/// part of the token.
fn decode_b64_vec(s: &str) -> Result<Vec<u8>, Error> {
    Base64UrlUnpadded::decode_vec(s).map_err(|_| Error::Malformed(Malformed::Base64))
}

/// Append the base64url encoding of `bytes` to `out` (ASCII, so a UTF-8
/// `out` stays UTF-8). A caller that reserved [`encoded_len`] allocates no
/// more.
pub(crate) fn encode_into(out: &mut Vec<u8>, bytes: &[u8]) {
    let start = out.len();
    out.resize(start + encoded_len(bytes.len()), 0);
    let dst = out.get_mut(start..).unwrap_or_default();
    if Base64UrlUnpadded::encode(bytes, dst).is_err() {
        unreachable!("the buffer holds exactly the encoded length");
    }
}

/// Decode the body into `buf`, then authenticate and decrypt in place.
fn open_in<'b>(
    key: &Key,
    body_b64: &[u8],
    footer: &[u8],
    buf: &'b mut [u8],
) -> Result<&'b [u8], Error> {
    let n = Base64UrlUnpadded::decode(body_b64, buf)
        .map_err(|_| Error::Malformed(Malformed::Base64))?
        .len();
    let decoded = buf.get_mut(..n).unwrap_or_default();
    if decoded.len() < NONCE_LEN + TAG_LEN {
        return Err(Error::Malformed(Malformed::TooShort));
    }
    let (nonce, rest) = decoded.split_at_mut(NONCE_LEN);
    let (ciphertext, tag) = rest.split_at_mut(rest.len() - TAG_LEN);
    with_pae(nonce, footer, |aad| {
        aead_open(key, nonce, aad, ciphertext, tag)
    })?;
    Ok(ciphertext)
}

/// The one AEAD decryption the format performs: XChaCha20-Poly1305 in place
/// (see the `aead` module for the implementation).
fn aead_open(
    key: &Key,
    nonce: &[u8],
    aad: &[u8],
    ciphertext: &mut [u8],
    tag: &[u8],
) -> Result<(), Error> {
    let (Ok(nonce), Ok(tag)) = (
        <&[u8; NONCE_LEN]>::try_from(nonce),
        <&[u8; TAG_LEN]>::try_from(tag),
    ) else {
        return Err(Error::Unauthenticated);
    };
    crate::aead::open(key, nonce, aad, ciphertext, tag).map_err(|()| Error::Unauthenticated)
}

/// The one AEAD encryption the format performs: XChaCha20-Poly1305 in place.
fn aead_seal(key: &Key, nonce: &[u8; NONCE_LEN], aad: &[u8], msg: &mut [u8]) -> [u8; TAG_LEN] {
    crate::aead::seal(key, nonce, aad, msg)
}

/// The format's AEAD calls, exposed only for this crate's Wycheproof runner.
#[cfg(any(test, feature = "__internal-test"))]
#[doc(hidden)]
pub mod __aead {
    use super::*;

    /// Encrypt in place, return the tag.
    pub fn seal(key: &Key, nonce: &[u8; NONCE_LEN], aad: &[u8], msg: &mut [u8]) -> [u8; TAG_LEN] {
        aead_seal(key, nonce, aad, msg)
    }

    /// Decrypt in place.
    pub fn open(
        key: &Key,
        nonce: &[u8],
        aad: &[u8],
        ciphertext: &mut [u8],
        tag: &[u8],
    ) -> Result<(), Error> {
        aead_open(key, nonce, aad, ciphertext, tag)
    }
}

/// Call `f` with `PAE(["v2.local.", nonce, footer])`.
fn with_pae<R>(nonce: &[u8], footer: &[u8], f: impl FnOnce(&[u8]) -> R) -> R {
    fn write(out: &mut [u8], nonce: &[u8], footer: &[u8]) -> usize {
        let mut at = 0;
        let mut put = |bytes: &[u8]| {
            out[at..at + bytes.len()].copy_from_slice(bytes);
            at += bytes.len();
        };
        put(&le64(3));
        for piece in [HEADER.as_bytes(), nonce, footer] {
            put(&le64(piece.len() as u64));
            put(piece);
        }
        at
    }
    let len = PAE_FIXED + footer.len();
    if footer.len() <= STACK_FOOTER {
        let mut buf = [0u8; PAE_FIXED + STACK_FOOTER];
        let n = write(&mut buf, nonce, footer);
        f(&buf[..n])
    } else {
        let mut buf = vec![0u8; len];
        let n = write(&mut buf, nonce, footer);
        f(&buf[..n])
    }
}

/// PASETO's LE64: little-endian with the top bit cleared.
fn le64(n: u64) -> [u8; 8] {
    (n & (u64::MAX >> 1)).to_le_bytes()
}

/// PAE as defined by PASETO, for tests and interop.
#[cfg(any(test, feature = "__internal-test"))]
#[doc(hidden)]
pub fn __pae(pieces: &[&[u8]]) -> Vec<u8> {
    let mut out = le64(pieces.len() as u64).to_vec();
    for p in pieces {
        out.extend_from_slice(&le64(p.len() as u64));
        out.extend_from_slice(p);
    }
    out
}

/// Seal `payload` with an authenticated, unencrypted `footer` (may be empty).
///
/// # Errors
/// [`Error::Rng`] if the operating system's RNG fails.
///
/// # Security
/// The footer is authenticated but **not encrypted**: anyone can read it.
///
/// # Example
/// ```
/// let key = sealed_session::Key::generate();
/// let token = sealed_session::format::seal(&key, b"payload", b"")?;
/// assert!(token.starts_with("v2.local."));
/// # Ok::<(), sealed_session::Error>(())
/// ```
#[cfg(feature = "std")]
pub fn seal(key: &Key, payload: &[u8], footer: &[u8]) -> Result<String, Error> {
    seal_with_footer(key, payload, Footer::encode(footer))
}

/// [`seal`] with a possibly pre-encoded footer.
#[cfg(feature = "std")]
pub(crate) fn seal_with_footer(
    key: &Key,
    payload: &[u8],
    footer: Footer<'_>,
) -> Result<String, Error> {
    let mut seed = zeroize::Zeroizing::new([0u8; NONCE_LEN]);
    crate::rng::fill(&mut *seed)?;
    Ok(seal_with_seed_and_footer(key, &seed, payload, footer))
}

/// Open a token with the default length limit.
///
/// # Errors
/// As [`UntrustedToken::parse`] and [`UntrustedToken::open`].
///
/// # Example
/// ```
/// let key = sealed_session::Key::generate();
/// let token = sealed_session::format::seal(&key, b"payload", b"")?;
/// let opened = sealed_session::format::open(&key, &token)?;
/// assert_eq!(opened.payload, b"payload");
/// assert!(opened.footer.is_empty());
/// # Ok::<(), sealed_session::Error>(())
/// ```
pub fn open(key: &Key, token: &str) -> Result<Opened, Error> {
    UntrustedToken::parse(token)?.open(key)
}

/// The deterministic core of sealing: the nonce seed is an input.
/// Crate-private: a caller-chosen seed must never reach the public API.
#[cfg(any(test, feature = "__internal-test"))]
pub(crate) fn seal_with_seed(
    key: &Key,
    seed: &[u8; NONCE_LEN],
    payload: &[u8],
    footer: &[u8],
) -> String {
    seal_with_seed_and_footer(key, seed, payload, Footer::encode(footer))
}

/// A token's footer: its bytes (authenticated through PAE) and, when the
/// caller has it already, their base64url text (written to the token as is).
#[derive(Clone, Copy)]
pub(crate) struct Footer<'a> {
    bytes: &'a [u8],
    b64: Option<&'a str>,
}

impl<'a> Footer<'a> {
    /// A footer to be encoded while sealing.
    pub(crate) fn encode(bytes: &'a [u8]) -> Self {
        Footer { bytes, b64: None }
    }

    /// A footer with its precomputed encoding: `b64` must be the unpadded
    /// base64url encoding of `bytes` (the key ring computes it once per key).
    pub(crate) fn pre_encoded(bytes: &'a [u8], b64: &'a str) -> Self {
        Footer {
            bytes,
            b64: Some(b64),
        }
    }
}

/// [`seal_with_seed`] with a possibly pre-encoded footer.
pub(crate) fn seal_with_seed_and_footer(
    key: &Key,
    seed: &[u8; NONCE_LEN],
    payload: &[u8],
    footer: Footer<'_>,
) -> String {
    let body_len = NONCE_LEN + payload.len() + TAG_LEN;
    if body_len <= STACK_BODY {
        let mut buf = [0u8; STACK_BODY];
        seal_in(key, seed, payload, footer, &mut buf[..body_len])
    } else {
        let mut buf = vec![0u8; body_len];
        seal_in(key, seed, payload, footer, &mut buf)
    }
}

/// `BLAKE2b-192(key = seed, message = payload)`. The hasher does not
/// zeroize and holds the seed and the payload's last block: it lives and
/// dies in stack that is wiped on return (see `wipe`).
fn nonce(seed: &[u8; NONCE_LEN], payload: &[u8]) -> [u8; NONCE_LEN] {
    with_stack_wiped::<{ wipe::BLAKE2B }, _>(|| {
        let mut mac = <Blake2bMac<U24> as Mac>::new_from_slice(seed)
            .unwrap_or_else(|_| unreachable!("24-byte keys are valid BLAKE2b keys"));
        mac.update(payload);
        mac.finalize().into_bytes().into()
    })
}

fn seal_in(
    key: &Key,
    seed: &[u8; NONCE_LEN],
    payload: &[u8],
    footer: Footer<'_>,
    buf: &mut [u8],
) -> String {
    let (nonce_out, rest) = buf.split_at_mut(NONCE_LEN);
    let (msg, tag_out) = rest.split_at_mut(payload.len());
    let nonce = nonce(seed, payload);
    nonce_out.copy_from_slice(&nonce);
    msg.copy_from_slice(payload);
    let tag = with_pae(&nonce, footer.bytes, |aad| aead_seal(key, &nonce, aad, msg));
    tag_out.copy_from_slice(&tag);

    let footer_b64_len = match (footer.bytes.is_empty(), footer.b64) {
        (true, _) => 0,
        (false, Some(text)) => 1 + text.len(),
        (false, None) => 1 + encoded_len(footer.bytes.len()),
    };
    let mut out = Vec::with_capacity(HEADER.len() + encoded_len(buf.len()) + footer_b64_len);
    out.extend_from_slice(HEADER.as_bytes());
    encode_into(&mut out, buf);
    if !footer.bytes.is_empty() {
        out.push(b'.');
        match footer.b64 {
            Some(text) => out.extend_from_slice(text.as_bytes()),
            None => encode_into(&mut out, footer.bytes),
        }
    }
    // The header and base64url are ASCII; the check is one pass over
    // bytes this function just wrote.
    String::from_utf8(out).unwrap_or_else(|_| unreachable!("a token is ASCII"))
}

/// The deterministic seal, exposed only for this crate's vector tests.
#[cfg(any(test, feature = "__internal-test"))]
#[doc(hidden)]
pub fn __seal_with_nonce_seed(
    key: &Key,
    seed: &[u8; NONCE_LEN],
    payload: &[u8],
    footer: &[u8],
) -> String {
    seal_with_seed(key, seed, payload, footer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pae_matches_spec_examples() {
        // From the PASETO specification (Common.md).
        assert_eq!(__pae(&[]), b"\x00\x00\x00\x00\x00\x00\x00\x00");
        assert_eq!(
            __pae(&[b""]),
            b"\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
        );
        assert_eq!(
            __pae(&[b"test"]),
            b"\x01\x00\x00\x00\x00\x00\x00\x00\x04\x00\x00\x00\x00\x00\x00\x00test"
        );
        let nonce = [7u8; 24];
        for footer_len in [0usize, 1, STACK_FOOTER, STACK_FOOTER + 1, 1000] {
            let footer = vec![0x5a; footer_len];
            let got = with_pae(&nonce, &footer, |a| a.to_vec());
            assert_eq!(got, __pae(&[HEADER.as_bytes(), &nonce, &footer]));
        }
    }

    #[test]
    fn stack_footer_decoding_matches_the_vec_form() {
        let key = Key::from_bytes([4; 32]);
        for len in [
            1usize,
            2,
            3,
            50,
            STACK_FOOTER - 1,
            STACK_FOOTER,
            STACK_FOOTER + 1,
            700,
        ] {
            let footer = vec![0xC3u8; len];
            let t = seal_with_seed(&key, &[2; 24], b"{}", &footer);
            let u = UntrustedToken::parse(&t).unwrap();
            let got = u.with_untrusted_footer(|f| Ok(f.to_vec())).unwrap();
            assert_eq!(got, u.untrusted_footer().unwrap());
            assert_eq!(got, footer);
        }
        // Non-canonical or invalid base64 is refused by both forms.
        for bad in ["v2.local.AAAA.AB", "v2.local.AAAA.A*", "v2.local.AAAA.AAA="] {
            let u = UntrustedToken::parse(bad).unwrap();
            let want = u.untrusted_footer().unwrap_err();
            assert_eq!(
                u.with_untrusted_footer(|_| Ok(())).unwrap_err(),
                want,
                "{bad}"
            );
        }
        let none = UntrustedToken::parse("v2.local.AAAA").unwrap();
        assert_eq!(none.with_untrusted_footer(|f| Ok(f.len())).unwrap(), 0);
    }

    #[test]
    fn decoded_len_matches_base64ct() {
        for n in 0..200usize {
            let bytes = vec![0u8; n];
            let enc = <base64ct::Base64UrlUnpadded as base64ct::Encoding>::encode_string(&bytes);
            assert_eq!(decoded_len(enc.len()).unwrap(), n);
        }
        assert!(decoded_len(5).is_err());
    }

    #[test]
    fn large_payloads_use_the_heap_path() {
        let key = Key::from_bytes([3; 32]);
        for len in [0usize, 1, STACK_BODY - 40, STACK_BODY - 39, 2000] {
            let payload = vec![0xA5u8; len];
            let footer = vec![b'f'; len / 3];
            let t = seal_with_seed(&key, &[1; 24], &payload, &footer);
            let o = open(&key, &t).unwrap();
            assert_eq!((o.payload, o.footer), (payload, footer));
        }
    }
}
