//! The bare-primitive floor: a `v2.local` token with the same claims as
//! `sealed-session`'s default token, built by calling the primitives directly
//! (keyed BLAKE2b-192 nonce, XChaCha20-Poly1305, base64url, serde_json) with
//! no abstraction, stack buffers only, and one heap allocation per seal (the
//! token) and per open (the user id).
//!
//! [`Floor`] takes **no randomness**: its nonce seed is a counter, which is
//! fine for a benchmark and never for real use. [`FloorOsRng`] adds one OS
//! RNG call per token, to show what that costs.

use base64ct::{Base64UrlUnpadded, Encoding};
use blake2::digest::{consts::U24, Mac};
use blake2::Blake2bMac;
use chacha20poly1305::aead::AeadInPlace;
use chacha20poly1305::{KeyInit, Tag, XChaCha20Poly1305, XNonce};
use serde::{Deserialize, Serialize};

use crate::{unix_now, Contender, KEY, LIFETIME, USER_ID};

const HEADER: &str = "v2.local.";
const BUF: usize = 512;

#[derive(Serialize)]
struct ClaimsOut<'a> {
    sub: &'a str,
    exp: &'a str,
    iat: &'a str,
}

#[derive(Deserialize)]
struct ClaimsIn<'a> {
    sub: String,
    #[serde(borrow)]
    exp: &'a str,
    #[serde(borrow, default)]
    #[allow(dead_code)]
    iat: Option<&'a str>,
}

/// The floor with a counter for a nonce seed (no RNG cost).
pub struct Floor {
    cipher: XChaCha20Poly1305,
    counter: u64,
}

impl Floor {
    /// A floor over [`KEY`].
    pub fn new() -> Self {
        Self {
            cipher: XChaCha20Poly1305::new(&KEY.into()),
            counter: 0,
        }
    }
}

impl Default for Floor {
    fn default() -> Self {
        Self::new()
    }
}

impl Contender for Floor {
    fn name(&self) -> &'static str {
        "floor"
    }
    fn seal(&mut self) -> String {
        self.counter += 1;
        let mut seed = [0u8; 24];
        seed[..8].copy_from_slice(&self.counter.to_le_bytes());
        seal(&self.cipher, &seed, USER_ID, unix_now())
    }
    fn open(&mut self, token: &str) -> String {
        open(&self.cipher, token, unix_now()).expect("valid token")
    }
}

/// The floor plus one OS RNG call (getrandom) per token for the nonce seed.
pub struct FloorOsRng {
    cipher: XChaCha20Poly1305,
}

impl FloorOsRng {
    /// A floor over [`KEY`].
    pub fn new() -> Self {
        Self {
            cipher: XChaCha20Poly1305::new(&KEY.into()),
        }
    }
}

impl Default for FloorOsRng {
    fn default() -> Self {
        Self::new()
    }
}

impl Contender for FloorOsRng {
    fn name(&self) -> &'static str {
        "floor+getrandom"
    }
    fn seal(&mut self) -> String {
        use chacha20poly1305::aead::rand_core::{OsRng, RngCore};
        let mut seed = [0u8; 24];
        OsRng.fill_bytes(&mut seed);
        seal(&self.cipher, &seed, USER_ID, unix_now())
    }
    fn open(&mut self, token: &str) -> String {
        open(&self.cipher, token, unix_now()).expect("valid token")
    }
}

/// Seal `{"sub":user_id,"exp":now+1h,"iat":now}` as a footer-less `v2.local` token.
pub fn seal(cipher: &XChaCha20Poly1305, seed: &[u8; 24], user_id: &str, now: u64) -> String {
    let (mut exp, mut iat) = ([0u8; 20], [0u8; 20]);
    let exp = rfc3339(now + LIFETIME.as_secs(), &mut exp);
    let iat = rfc3339(now, &mut iat);

    let mut buf = [0u8; BUF];
    let (nonce, rest) = buf.split_at_mut(24);
    let room = rest.len();
    let mut w: &mut [u8] = rest;
    serde_json::to_writer(
        &mut w,
        &ClaimsOut {
            sub: user_id,
            exp,
            iat,
        },
    )
    .expect("claims fit the buffer");
    let len = room - w.len();
    let payload = &mut rest[..len];

    let mut mac = <Blake2bMac<U24> as Mac>::new_from_slice(seed).expect("24-byte key");
    mac.update(payload);
    nonce.copy_from_slice(&mac.finalize().into_bytes());
    let nonce = XNonce::from_slice(nonce);

    let pae = pae(nonce);
    let tag = cipher
        .encrypt_in_place_detached(nonce, &pae, payload)
        .expect("short message");
    rest[len..len + 16].copy_from_slice(&tag);
    let body = &buf[..24 + len + 16];

    let mut out = String::with_capacity(HEADER.len() + Base64UrlUnpadded::encoded_len(body));
    out.push_str(HEADER);
    let mut enc = [0u8; BUF * 4 / 3 + 4];
    out.push_str(Base64UrlUnpadded::encode(body, &mut enc).expect("fits"));
    out
}

/// Open a footer-less `v2.local` token and return `sub` if `exp` is after `now`.
pub fn open(cipher: &XChaCha20Poly1305, token: &str, now: u64) -> Option<String> {
    let body = token.strip_prefix(HEADER)?;
    let mut buf = [0u8; BUF];
    let len = Base64UrlUnpadded::decode(body, &mut buf).ok()?.len();
    if len < 24 + 16 {
        return None;
    }
    let (nonce, rest) = buf[..len].split_at_mut(24);
    let (ct, tag) = rest.split_at_mut(rest.len() - 16);
    let nonce = XNonce::from_slice(nonce);
    cipher
        .decrypt_in_place_detached(nonce, &pae(nonce), ct, Tag::from_slice(tag))
        .ok()?;
    let claims: ClaimsIn = serde_json::from_slice(ct).ok()?;
    (parse_rfc3339_z(claims.exp)? > now).then_some(claims.sub)
}

/// PAE(["v2.local.", nonce, ""]).
fn pae(nonce: &[u8]) -> [u8; 65] {
    let mut out = [0u8; 65];
    out[0] = 3;
    out[8] = 9;
    out[16..25].copy_from_slice(HEADER.as_bytes());
    out[25] = 24;
    out[33..57].copy_from_slice(nonce);
    out
}

/// `YYYY-MM-DDTHH:MM:SSZ` for Unix seconds (Hinnant's civil-from-days).
fn rfc3339(t: u64, out: &mut [u8; 20]) -> &str {
    let (days, secs) = ((t / 86_400) as i64, t % 86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    let put = |o: &mut [u8], v: u64| {
        let mut v = v;
        for b in o.iter_mut().rev() {
            *b = b'0' + (v % 10) as u8;
            v /= 10;
        }
    };
    out.copy_from_slice(b"0000-00-00T00:00:00Z");
    put(&mut out[0..4], y as u64);
    put(&mut out[5..7], m as u64);
    put(&mut out[8..10], d as u64);
    put(&mut out[11..13], secs / 3600);
    put(&mut out[14..16], secs / 60 % 60);
    put(&mut out[17..19], secs % 60);
    std::str::from_utf8(out).expect("ascii")
}

/// Parse exactly `YYYY-MM-DDTHH:MM:SSZ` to Unix seconds.
fn parse_rfc3339_z(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    if b.len() != 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[19] != b'Z' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        b[r].iter().try_fold(0i64, |a, &c| {
            c.is_ascii_digit().then(|| a * 10 + i64::from(c - b'0'))
        })
    };
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hh, mm, ss) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    u64::try_from(days * 86_400 + hh * 3600 + mm * 60 + ss).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip_against_the_crate() {
        for t in [
            0u64,
            951_782_400,
            1_700_000_000,
            1_798_675_199,
            4_102_444_800,
        ] {
            let mut b = [0u8; 20];
            let s = rfc3339(t, &mut b).to_owned();
            let ours = sealed_session::Timestamp::parse_rfc3339(&s).unwrap();
            assert_eq!(ours.unix_seconds(), t as i64, "{s}");
            assert_eq!(parse_rfc3339_z(&s), Some(t));
        }
        assert_eq!(rfc3339(951_782_400, &mut [0; 20]), "2000-02-29T00:00:00Z");
    }
}
