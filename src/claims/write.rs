//! Writing a new token's payload: the registered claims, then the custom
//! ones.

use alloc::vec::Vec;
use core::cell::Cell;
use core::fmt;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::Serialize;

use super::read::StrOrString;
use super::{registered_name, SessionId};
use crate::error::Error;
use crate::time::Timestamp;

/// The registered claims of a new token.
pub(crate) struct NewClaims<'a> {
    pub(crate) sub: &'a str,
    pub(crate) exp: Timestamp,
    pub(crate) iat: Timestamp,
    pub(crate) nbf: Option<Timestamp>,
    pub(crate) sst: Timestamp,
    pub(crate) jti: SessionId,
    pub(crate) aud: Option<&'a str>,
    /// Custom members already in JSON text (a renewal's, from
    /// [`Claims::custom_json`]); empty for none.
    pub(crate) custom_json: &'a str,
}

/// Where a payload is written: a `Vec`, or a fixed buffer on the stack.
pub(crate) trait Out {
    /// Append `bytes`.
    fn put(&mut self, bytes: &[u8]);
}

impl Out for Vec<u8> {
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

/// A payload buffer on the stack that records an overflow instead of
/// growing (the caller then writes the payload again into a `Vec`).
pub(crate) struct StackOut<const N: usize> {
    buf: [u8; N],
    len: usize,
    overflow: bool,
}

impl<const N: usize> StackOut<N> {
    pub(crate) fn new() -> Self {
        StackOut {
            buf: [0; N],
            len: 0,
            overflow: false,
        }
    }

    /// What was written, or `None` if it did not fit.
    pub(crate) fn written(&self) -> Option<&[u8]> {
        if self.overflow {
            return None;
        }
        self.buf.get(..self.len)
    }
}

impl<const N: usize> Drop for StackOut<N> {
    /// The payload is plaintext claims: wiped once sealed.
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.buf[..self.len.min(N)]);
    }
}

impl<const N: usize> Out for StackOut<N> {
    fn put(&mut self, bytes: &[u8]) {
        let end = self.len + bytes.len();
        match self.buf.get_mut(self.len..end) {
            Some(dst) if !self.overflow => {
                dst.copy_from_slice(bytes);
                self.len = end;
            }
            _ => self.overflow = true,
        }
    }
}

/// Write the payload: the registered claims, then the custom claims (if
/// `custom` serializes to a non-empty JSON object), into `out`.
///
/// # Errors
/// [`Error::ReservedClaim`] if `custom` sets a registered claim;
/// [`Error::InvalidArgument`] if it does not serialize to a JSON object (or
/// to `null`/unit, meaning none).
pub(crate) fn write_payload<T: Serialize + ?Sized>(
    out: &mut Vec<u8>,
    c: &NewClaims<'_>,
    custom: Option<&T>,
) -> Result<(), Error> {
    write_registered(out, c);
    if let Some(custom) = custom {
        append_custom(out, custom)?;
    }
    out.push(b'}');
    Ok(())
}

/// The payload without custom claims ([`write_payload`] with `None`), into
/// any [`Out`].
pub(crate) fn write_registered_payload<O: Out>(out: &mut O, c: &NewClaims<'_>) {
    write_registered(out, c);
    out.put(b"}");
}

/// The registered claims, without the object's closing brace.
fn write_registered<O: Out>(out: &mut O, c: &NewClaims<'_>) {
    out.put(b"{\"sub\":");
    write_json_string(out, c.sub);
    for (name, t) in [
        (&b",\"exp\":\""[..], Some(c.exp)),
        (b",\"iat\":\"", Some(c.iat)),
        (b",\"nbf\":\"", c.nbf),
        // The session start only when it differs from `iat` (after a
        // renewal): readers take `iat` for a missing `sst`.
        (b",\"sst\":\"", (c.sst != c.iat).then_some(c.sst)),
    ] {
        if let Some(t) = t {
            out.put(name);
            push_time(out, t);
            out.put(b"\"");
        }
    }
    out.put(b",\"jti\":");
    write_json_string(out, c.jti.as_str());
    if let Some(aud) = c.aud {
        out.put(b",\"aud\":");
        write_json_string(out, aud);
    }
    if !c.custom_json.is_empty() {
        out.put(b",");
        out.put(c.custom_json.as_bytes());
    }
}

/// Serialize `custom` after the registered claims, check its keys, and
/// splice its members into the object being written.
fn append_custom<T: Serialize + ?Sized>(out: &mut Vec<u8>, custom: &T) -> Result<(), Error> {
    let start = out.len();
    const FAILED: Error = Error::InvalidArgument("the custom claims failed to serialize");
    #[cfg(feature = "std")]
    serde_json::to_writer(&mut *out, custom).map_err(|_| FAILED)?;
    #[cfg(not(feature = "std"))]
    out.extend_from_slice(&serde_json::to_vec(custom).map_err(|_| FAILED)?);
    let members = out.get(start..).unwrap_or_default();
    match custom_members(members)? {
        // `null` (unit, `None`) or `{}`: no custom claims.
        0 => out.truncate(start),
        // Replace the custom object's `{` by `,`; its `}` is dropped here
        // and the caller closes the whole object.
        _ => {
            if let Some(b) = out.get_mut(start) {
                *b = b',';
            }
            out.pop();
        }
    }
    Ok(())
}

/// How many members the serialized custom claims have (0 for `null`),
/// refusing registered names and anything but an object.
fn custom_members(json: &[u8]) -> Result<usize, Error> {
    struct V<'c>(&'c Cell<Option<&'static str>>);
    impl<'de> Visitor<'de> for V<'_> {
        type Value = usize;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_unit<E: de::Error>(self) -> Result<usize, E> {
            Ok(0)
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<usize, A::Error> {
            let mut n = 0;
            while let Some(key) = map.next_key::<StrOrString<'de>>()? {
                if let Some(name) = registered_name(&key.0) {
                    self.0.set(Some(name));
                    return Err(de::Error::custom("reserved claim"));
                }
                map.next_value::<IgnoredAny>()?;
                n += 1;
            }
            Ok(n)
        }
    }
    let reserved = Cell::new(None);
    let n = serde_json::Deserializer::from_slice(json).deserialize_any(V(&reserved));
    match (reserved.get(), n) {
        (Some(name), _) => Err(Error::ReservedClaim(name)),
        (None, Ok(n)) => Ok(n),
        (None, Err(_)) => Err(Error::InvalidArgument(
            "the custom claims must serialize to a JSON object",
        )),
    }
}

fn push_time<O: Out>(out: &mut O, t: Timestamp) {
    struct W<'a, O>(&'a mut O);
    impl<O: Out> fmt::Write for W<'_, O> {
        fn write_str(&mut self, s: &str) -> fmt::Result {
            self.0.put(s.as_bytes());
            Ok(())
        }
    }
    // Writing into an `Out` cannot fail (a full `StackOut` records it).
    let _ = t.write_rfc3339(&mut W(out));
}

/// A JSON string literal (RFC 8259): escapes `"`, `\` and control characters.
pub(crate) fn write_json_string<O: Out>(out: &mut O, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.put(b"\"");
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let esc: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0..=0x1f => b"",
            _ => continue,
        };
        out.put(bytes.get(start..i).unwrap_or_default());
        if esc.is_empty() {
            out.put(b"\\u00");
            out.put(&[HEX[usize::from(b >> 4)], HEX[usize::from(b & 0xf)]]);
        } else {
            out.put(esc);
        }
        start = i + 1;
    }
    out.put(bytes.get(start..).unwrap_or_default());
    out.put(b"\"");
}
