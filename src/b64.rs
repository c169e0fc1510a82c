//! Base64url encoding (no padding) of the token's **public** parts (nonce,
//! ciphertext, tag, footer) on the seal path: a table-driven encoder that
//! writes straight into the token's buffer, with no intermediate copy. It
//! only ever reads bytes this crate produced, all of them public. **Decoding** — of untrusted input — stays with
//! `base64ct::Base64UrlUnpadded`, strict and constant-time.

use alloc::vec::Vec;

const ENC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn sym(v: u32) -> u8 {
    ENC[(v & 63) as usize]
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
    let Some(dst) = out.get_mut(start..) else {
        return;
    };
    let mut dst4 = dst.chunks_exact_mut(4);
    let mut src3 = bytes.chunks_exact(3);
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

#[cfg(test)]
mod tests {
    use super::*;
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
}
