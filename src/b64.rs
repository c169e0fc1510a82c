//! Base64url without padding for everything that is not key material: the
//! token's parts (nonce, ciphertext, tag, footer) and the session id. A
//! table-driven codec; the encoder writes straight into the token's buffer,
//! the decoder reads untrusted text.
//!
//! The decoder is exactly as strict as `base64ct::Base64UrlUnpadded` — only
//! `A–Z a–z 0–9 - _`, no padding, no length ≡ 1 (mod 4), and the unused low
//! bits of the last character must be zero — and the unit tests compare the
//! two on every string of up to three characters over an alphabet with
//! impostors mixed in, on every 4- and 6/7-character string over a smaller
//! one, and on mutated encodings; the `untrusted_token` fuzz target compares
//! them on arbitrary tokens. It is **not** constant-time: its table lookups
//! depend on the characters. That is harmless for the token's parts, which
//! are public on the wire, and for the session id, an identifier that the
//! claims reader (like every JSON reader) already scans in variable time
//! along with the user id. **Key material** — PASERK strings, key files —
//! is decoded by `base64ct`, which is constant-time.

use alloc::vec::Vec;

const ENC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn sym(v: u32) -> u8 {
    ENC[(v & 63) as usize]
}

/// Every pair of symbols, indexed by the 12 bits they encode: one lookup
/// per two output characters on the seal path (8 KiB).
const ENC2: [[u8; 2]; 4096] = {
    let mut t = [[0u8; 2]; 4096];
    let mut i = 0;
    while i < 4096 {
        t[i] = [ENC[i >> 6], ENC[i & 63]];
        i += 1;
    }
    t
};

fn pair(v: u64) -> [u8; 2] {
    ENC2[(v & 0xFFF) as usize]
}

/// Set in a [`DEC4`] entry for a byte outside the alphabet.
const BAD_BIT: u32 = 1 << 31;
/// `DEC4[k][c]`: the value of character `c` in position `k` of a group of
/// four, already shifted into place (`val << (18 - 6k)`), or [`BAD_BIT`].
/// A group then decodes with four lookups and three ORs (4 KiB of tables).
const DEC4: [[u32; 256]; 4] = {
    let mut t = [[BAD_BIT; 256]; 4];
    let mut k = 0;
    while k < 4 {
        let mut i = 0;
        while i < 64 {
            t[k][ENC[i] as usize] = (i as u32) << (18 - 6 * k);
            i += 1;
        }
        k += 1;
    }
    t
};

/// Four characters as 24 bits, with [`BAD_BIT`] set if any is invalid.
fn quad(a: u8, b: u8, c: u8, d: u8) -> u32 {
    let [t0, t1, t2, t3] = &DEC4;
    t0[usize::from(a)] | t1[usize::from(b)] | t2[usize::from(c)] | t3[usize::from(d)]
}

/// One character's value (below 64), or [`BAD_BIT`]: `DEC4`'s last
/// position is unshifted.
fn val(c: u8) -> u32 {
    let [.., t3] = &DEC4;
    t3[usize::from(c)]
}

/// Length of the unpadded encoding of `n` bytes.
pub(crate) const fn encoded_len(n: usize) -> usize {
    n / 3 * 4
        + match n % 3 {
            0 => 0,
            1 => 2,
            _ => 3,
        }
}

/// Append the encoding of `bytes` to `out` (ASCII only, so `out` stays UTF-8
/// if it was). A caller that reserved [`encoded_len`] allocates no more.
pub(crate) fn encode_into(out: &mut Vec<u8>, bytes: &[u8]) {
    let start = out.len();
    out.resize(start + encoded_len(bytes.len()), 0);
    if let Some(dst) = out.get_mut(start..) {
        encode_to(dst, bytes);
    }
}

/// Write the encoding of `bytes` to the front of `dst`, which must hold
/// [`encoded_len`] bytes (callers size it so; a shorter `dst` is left as is).
pub(crate) fn encode_to(dst: &mut [u8], bytes: &[u8]) {
    debug_assert!(dst.len() >= encoded_len(bytes.len()));
    let Some(dst) = dst.get_mut(..encoded_len(bytes.len())) else {
        return;
    };
    // 6 bytes → 8 characters at a time, then 3 → 4, then the tail.
    let mut dst8 = dst.chunks_exact_mut(8);
    let mut src6 = bytes.chunks_exact(6);
    for (d, s) in (&mut dst8).zip(&mut src6) {
        if let (Ok(d), &[a, b, c, e, f, g]) = (<&mut [u8; 8]>::try_from(d), s) {
            let n = u64::from_be_bytes([0, 0, a, b, c, e, f, g]);
            let ([p, q], [r, s], [t, u], [v, w]) =
                (pair(n >> 36), pair(n >> 24), pair(n >> 12), pair(n));
            *d = [p, q, r, s, t, u, v, w];
        }
    }
    let mut dst4 = dst8.into_remainder().chunks_exact_mut(4);
    let mut src3 = src6.remainder().chunks_exact(3);
    for (d, s) in (&mut dst4).zip(&mut src3) {
        if let ([w, x, y, z], &[a, b, c]) = (d, s) {
            let n = u32::from(a) << 16 | u32::from(b) << 8 | u32::from(c);
            *w = sym(n >> 18);
            *x = sym(n >> 12);
            *y = sym(n >> 6);
            *z = sym(n);
        }
    }
    match (dst4.into_remainder(), src3.remainder()) {
        ([w, x], &[a]) => {
            let n = u32::from(a) << 16;
            *w = sym(n >> 18);
            *x = sym(n >> 12);
        }
        ([w, x, y], &[a, b]) => {
            let n = u32::from(a) << 16 | u32::from(b) << 8;
            *w = sym(n >> 18);
            *x = sym(n >> 12);
            *y = sym(n >> 6);
        }
        _ => {}
    }
}

/// Length of the decoding of `n` characters of unpadded base64, or `None`
/// when no strict encoding has that length (`n ≡ 1 mod 4`).
pub(crate) const fn decoded_len(n: usize) -> Option<usize> {
    match n % 4 {
        1 => None,
        0 => Some(n / 4 * 3),
        r => Some(n / 4 * 3 + r - 1),
    }
}

/// Decode `input` into the front of `out`; `Err(())` for anything that is
/// not strict, canonical, unpadded base64url, or if `out` is too short.
/// Not constant-time: public input only (see the module docs).
pub(crate) fn decode_into<'o>(input: &[u8], out: &'o mut [u8]) -> Result<&'o mut [u8], ()> {
    let len = decoded_len(input.len()).ok_or(())?;
    let out = out.get_mut(..len).ok_or(())?;
    // Accumulate the "invalid" bits over the whole input and test them once.
    // 8 characters → 6 bytes at a time, then 4 → 3, then the tail.
    let mut bad_quads = 0u32;
    let mut in8 = input.chunks_exact(8);
    let mut out6 = out.chunks_exact_mut(6);
    for (i, o) in (&mut in8).zip(&mut out6) {
        if let (&[a, b, c, d, e, f, g, h], Ok(o)) = (i, <&mut [u8; 6]>::try_from(o)) {
            let (v, w) = (quad(a, b, c, d), quad(e, f, g, h));
            bad_quads |= v | w;
            let ([_, p, q, r], [_, s, t, u]) = (v.to_be_bytes(), w.to_be_bytes());
            *o = [p, q, r, s, t, u];
        }
    }
    let mut quads = in8.remainder().chunks_exact(4);
    let mut triples = out6.into_remainder().chunks_exact_mut(3);
    for (four, three) in (&mut quads).zip(&mut triples) {
        if let (&[a, b, c, d], Ok(three)) = (four, <&mut [u8; 3]>::try_from(three)) {
            let v = quad(a, b, c, d);
            bad_quads |= v;
            let [_, p, q, r] = v.to_be_bytes();
            *three = [p, q, r];
        }
    }
    // From here on, anything above 63 is invalid (`val` and the tail's
    // trailing-bit checks); the groups contribute only their invalid bit.
    let mut bad = bad_quads & BAD_BIT;
    match (quads.remainder(), triples.into_remainder()) {
        ([], []) => {}
        (&[a, b], [x]) => {
            let (a, b) = (val(a), val(b));
            // The 4 low bits of the last character carry nothing: zero.
            bad |= a | b | (b & 0x0F) << 6;
            *x = (a << 2 | b >> 4) as u8;
        }
        (&[a, b, c], [x, y]) => {
            let (a, b, c) = (val(a), val(b), val(c));
            bad |= a | b | c | (c & 0x03) << 6;
            *x = (a << 2 | b >> 4) as u8;
            *y = (b << 4 | c >> 2) as u8;
        }
        _ => return Err(()),
    }
    if bad > 63 {
        return Err(());
    }
    Ok(out)
}

/// [`decode_into`] a new vector of exactly the decoded length.
pub(crate) fn decode_vec(input: &[u8]) -> Result<Vec<u8>, ()> {
    let mut out = alloc::vec![0u8; decoded_len(input.len()).ok_or(())?];
    decode_into(input, &mut out)?;
    Ok(out)
}

/// [`decode_into`] for the bench crate's part benchmark: the decoded
/// length, or `None`. Not public API: `__internal-test` only.
#[cfg(feature = "__internal-test")]
#[doc(hidden)]
pub fn __b64_decode_into(input: &[u8], out: &mut [u8]) -> Option<usize> {
    decode_into(input, out).ok().map(|d| d.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;
    use base64ct::{Base64UrlUnpadded, Encoding};

    use crate::test_util::Gen;

    #[test]
    fn encodes_like_base64ct() {
        let mut g = Gen(42);
        for len in 0..600usize {
            let bytes: Vec<u8> = (0..len).map(|_| g.next() as u8).collect();
            assert_eq!(encoded_len(len), Base64UrlUnpadded::encoded_len(&bytes));
            let mut s = b"prefix.".to_vec();
            encode_into(&mut s, &bytes);
            assert_eq!(
                s.strip_prefix(b"prefix."),
                Some(Base64UrlUnpadded::encode_string(&bytes).as_bytes()),
                "len {len}"
            );
            assert_eq!(
                Base64UrlUnpadded::decode_vec(core::str::from_utf8(&s[7..]).unwrap()),
                Ok(bytes)
            );
        }
    }

    fn ours(s: &[u8]) -> Result<Vec<u8>, ()> {
        let mut buf = vec![0u8; s.len()];
        let got = decode_into(s, &mut buf).map(|d| d.to_vec());
        assert_eq!(got, decode_vec(s), "decode_vec disagrees on {s:?}");
        got
    }

    fn theirs(s: &[u8]) -> Result<Vec<u8>, ()> {
        core::str::from_utf8(s)
            .map_err(|_| ())
            .and_then(|s| Base64UrlUnpadded::decode_vec(s).map_err(|_| ()))
    }

    /// Every string of 0 to 3 characters over the 64 symbols plus the usual
    /// impostors (`=`, `+`, `/`, `.`, space, NUL, DEL, a non-ASCII byte):
    /// same verdict and same bytes as base64ct. Then every string of 4
    /// characters, and 6 and 7 with a fifth from a few more, over a smaller
    /// mixed alphabet (so an impostor sits in a full quad and in each
    /// remainder position).
    #[test]
    fn decodes_like_base64ct_exhaustively_on_short_strings() {
        let mut alphabet: Vec<u8> = ENC.to_vec();
        alphabet.extend_from_slice(b"=+/. \0\x7f\xc3");
        let mut cases = 0usize;
        let mut accepted = 0usize;
        let mut check = |s: &[u8]| {
            let got = ours(s);
            assert_eq!(got, theirs(s), "{s:?}");
            cases += 1;
            accepted += usize::from(got.is_ok());
        };
        check(b"");
        for &a in &alphabet {
            check(&[a]);
            for &b in &alphabet {
                check(&[a, b]);
                for &c in &alphabet {
                    check(&[a, b, c]);
                }
            }
        }
        let small = b"AQgw_-z9=+.";
        for &a in small {
            for &b in small {
                for &c in small {
                    for &d in small {
                        check(&[a, b, c, d]);
                        for &e in b"AB_=" {
                            check(&[a, b, c, d, e, b'A']);
                            check(&[b'A', b'Q', a, b, c, d, e]);
                        }
                    }
                }
            }
        }
        let n = alphabet.len();
        assert_eq!(cases, 1 + n + n * n + n * n * n + small.len().pow(4) * 9);
        // Counted from the rules alone: "" (1); 2 chars, 64 first symbols ×
        // the 4 second ones with zero low 4 bits (256); 3 chars, 64 × 64 × the
        // 16 third ones with zero low 2 bits (65,536); the 8^4 all-valid
        // quads of `small` (4,096); with them, `e` ∈ {A, B, _} before `A`
        // (3 × 4,096) and `e` = `A` as the last of 3 (4,096).
        assert_eq!(accepted, 1 + 256 + 65_536 + 4_096 + 3 * 4_096 + 4_096);
    }

    #[test]
    fn decodes_mutated_encodings_like_base64ct() {
        let mut g = Gen(7);
        let (mut same, mut rejected) = (0usize, 0usize);
        for len in 0..400usize {
            let bytes: Vec<u8> = (0..len).map(|_| g.next() as u8).collect();
            let mut s = Vec::new();
            encode_into(&mut s, &bytes);
            assert_eq!(ours(&s), Ok(bytes.clone()));
            // Change one position to any byte, then cut there: both decoders
            // must give the same verdict and the same bytes.
            for _ in 0..8 {
                if s.is_empty() {
                    break;
                }
                let mut m = s.clone();
                let i = (g.next() as usize) % m.len();
                m[i] = g.next() as u8;
                let got = ours(&m);
                assert_eq!(got, theirs(&m), "{m:?}");
                same += usize::from(got.as_deref() == Ok(&bytes[..]));
                rejected += usize::from(got.is_err());
                m.truncate(i);
                assert_eq!(ours(&m), theirs(&m), "{m:?}");
            }
        }
        // Most random replacements are another valid symbol (64 of 256
        // bytes are) or an invalid one; both kinds occurred.
        assert!(rejected > 1000 && same < 100, "{rejected} {same}");
    }

    #[test]
    fn a_short_output_buffer_is_an_error_not_a_panic() {
        let mut small = [0u8; 2];
        assert_eq!(decode_into(b"AAAA", &mut small), Err(()));
        let mut exact = [0u8; 3];
        assert_eq!(
            decode_into(b"AAEC", &mut exact).as_deref(),
            Ok(&[0u8, 1, 2][..])
        );
        assert_eq!(decoded_len(5), None);
        assert_eq!(decode_vec(b"AAAAA"), Err(()));
    }
}
