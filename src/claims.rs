//! The claims a session token carries, and their JSON form.
//!
//! The payload is a JSON object. This crate writes
//! `{"sub":"<user id>","exp":"<RFC 3339>","iat":"<RFC 3339>"}` and reads
//! `sub` (required, non-empty string), `exp` (required), `iat` and `nbf`
//! (optional), all dates as RFC 3339 strings. Unknown claims are ignored;
//! a known claim with the wrong JSON type, or a duplicate, is refused.

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;
use core::cell::Cell;
use core::fmt;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};

use crate::error::{ClaimsError, Error};
use crate::time::Timestamp;

/// The authenticated claims of an opened token.
///
/// # Example
/// ```
/// use sealed_session::Key;
/// use std::time::Duration;
/// let key = Key::generate();
/// let token = key.seal("12234", Duration::from_secs(3600))?;
/// let claims = key.open(&token)?;
/// assert_eq!(claims.user_id(), "12234");
/// assert!(claims.expires_at() > claims.issued_at().unwrap());
/// # Ok::<(), sealed_session::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Claims {
    user_id: String,
    expires_at: Timestamp,
    issued_at: Option<Timestamp>,
    not_before: Option<Timestamp>,
}

impl Claims {
    /// The user id (`sub`).
    pub fn user_id(&self) -> &str {
        &self.user_id
    }

    /// The user id, by value.
    pub fn into_user_id(self) -> String {
        self.user_id
    }

    /// When the token stops being valid (`exp`). The token is valid strictly
    /// before this instant.
    pub fn expires_at(&self) -> Timestamp {
        self.expires_at
    }

    /// When the token was sealed (`iat`). Always present in tokens this
    /// crate seals; may be absent in tokens from other implementations.
    pub fn issued_at(&self) -> Option<Timestamp> {
        self.issued_at
    }

    /// The start of the validity window (`nbf`), if any.
    pub fn not_before(&self) -> Option<Timestamp> {
        self.not_before
    }

    /// Check the time rules at `now`: valid iff `nbf <= now < exp`.
    pub(crate) fn check_time(&self, now: Timestamp) -> Result<(), Error> {
        if now >= self.expires_at {
            return Err(Error::Expired);
        }
        if self.not_before.is_some_and(|nbf| now < nbf) {
            return Err(Error::NotYetValid);
        }
        Ok(())
    }
}

/// Write the payload this crate seals.
pub(crate) fn write_payload(
    out: &mut Vec<u8>,
    user_id: &str,
    expires_at: Timestamp,
    issued_at: Timestamp,
) {
    out.extend_from_slice(b"{\"sub\":");
    write_json_string(out, user_id);
    out.extend_from_slice(b",\"exp\":\"");
    push_time(out, expires_at);
    out.extend_from_slice(b"\",\"iat\":\"");
    push_time(out, issued_at);
    out.extend_from_slice(b"\"}");
}

fn push_time(out: &mut Vec<u8>, t: Timestamp) {
    struct W<'a>(&'a mut Vec<u8>);
    impl fmt::Write for W<'_> {
        fn write_str(&mut self, s: &str) -> fmt::Result {
            self.0.extend_from_slice(s.as_bytes());
            Ok(())
        }
    }
    // Writing into a Vec cannot fail.
    let _ = t.write_rfc3339(&mut W(out));
}

/// A JSON string literal (RFC 8259): escapes `"`, `\` and control characters.
pub(crate) fn write_json_string(out: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(b'"');
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
        out.extend_from_slice(&bytes[start..i]);
        if esc.is_empty() {
            out.extend_from_slice(b"\\u00");
            out.push(HEX[usize::from(b >> 4)]);
            out.push(HEX[usize::from(b & 0xf)]);
        } else {
            out.extend_from_slice(esc);
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

/// Parse authenticated payload bytes into [`Claims`].
pub(crate) fn parse_payload(payload: &[u8]) -> Result<Claims, Error> {
    let field: Cell<Option<&'static str>> = Cell::new(None);
    let duplicate = Cell::new(false);
    // JSON is UTF-8 (RFC 8259). Validate it up front: serde_json's slice
    // reader skips the strings of ignored claims without checking them.
    let text = core::str::from_utf8(payload).map_err(|_| ClaimsError::NotJson)?;
    let mut de = serde_json::Deserializer::from_str(text);
    let raw = de
        .deserialize_map(RawVisitor {
            field: &field,
            duplicate: &duplicate,
        })
        .map_err(|e| classify(&e, field.get(), duplicate.get()))?;
    de.end().map_err(|_| ClaimsError::NotJson)?;
    raw.finish()
}

fn classify(e: &serde_json::Error, field: Option<&'static str>, duplicate: bool) -> Error {
    match (e.classify(), field) {
        (serde_json::error::Category::Data, Some(f)) if duplicate => {
            ClaimsError::Duplicate(f).into()
        }
        (serde_json::error::Category::Data, Some(f)) => ClaimsError::WrongType(f).into(),
        _ => ClaimsError::NotJson.into(),
    }
}

#[derive(Default)]
struct Raw<'a> {
    sub: Option<Cow<'a, str>>,
    exp: Option<Cow<'a, str>>,
    iat: Option<Cow<'a, str>>,
    nbf: Option<Cow<'a, str>>,
}

impl Raw<'_> {
    fn finish(self) -> Result<Claims, Error> {
        let sub = self.sub.ok_or(ClaimsError::Missing("sub"))?;
        if sub.is_empty() {
            return Err(ClaimsError::EmptySubject.into());
        }
        let exp = self.exp.ok_or(ClaimsError::Missing("exp"))?;
        Ok(Claims {
            expires_at: time("exp", &exp)?,
            issued_at: self.iat.map(|t| time("iat", &t)).transpose()?,
            not_before: self.nbf.map(|t| time("nbf", &t)).transpose()?,
            user_id: sub.into_owned(),
        })
    }
}

fn time(name: &'static str, s: &str) -> Result<Timestamp, Error> {
    Timestamp::parse_rfc3339(s).map_err(|_| ClaimsError::BadTime(name).into())
}

struct RawVisitor<'c> {
    /// The known claim being read, so a type error can name it.
    field: &'c Cell<Option<&'static str>>,
    duplicate: &'c Cell<bool>,
}

impl<'de> Visitor<'de> for RawVisitor<'_> {
    type Value = Raw<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object of claims")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Raw<'de>, A::Error> {
        let mut raw = Raw::default();
        while let Some(key) = map.next_key::<StrOrString<'de>>()? {
            let slot = match key.0.as_ref() {
                "sub" => (&mut raw.sub, "sub"),
                "exp" => (&mut raw.exp, "exp"),
                "iat" => (&mut raw.iat, "iat"),
                "nbf" => (&mut raw.nbf, "nbf"),
                _ => {
                    self.field.set(None);
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
            };
            self.field.set(Some(slot.1));
            if slot.0.is_some() {
                self.duplicate.set(true);
                return Err(de::Error::duplicate_field(slot.1));
            }
            *slot.0 = Some(map.next_value::<StrOrString<'de>>()?.0);
        }
        self.field.set(None);
        Ok(raw)
    }
}

/// A JSON string, borrowed from the payload when it has no escapes.
struct StrOrString<'de>(Cow<'de, str>);

impl<'de> de::Deserialize<'de> for StrOrString<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = StrOrString<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(StrOrString(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(StrOrString(Cow::Owned(v.into())))
            }
        }
        d.deserialize_str(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        Timestamp::parse_rfc3339(s).unwrap()
    }

    #[test]
    fn writes_what_it_reads() {
        let mut out = Vec::new();
        let exp = ts("2026-11-22T12:00:00Z");
        let iat = ts("2026-11-22T11:00:00Z");
        write_payload(&mut out, "a\"b\\c\n\u{1}é", exp, iat);
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["sub"], "a\"b\\c\n\u{1}é");
        assert_eq!(v["exp"], "2026-11-22T12:00:00Z");
        let c = parse_payload(&out).unwrap();
        assert_eq!(c.user_id(), "a\"b\\c\n\u{1}é");
        assert_eq!((c.expires_at(), c.issued_at()), (exp, Some(iat)));
    }

    #[test]
    fn every_control_character_is_escaped_validly() {
        let s: String = (0u8..0x20).map(char::from).chain(['x', '\u{7f}']).collect();
        let mut out = Vec::new();
        write_json_string(&mut out, &s);
        let back: String = serde_json::from_slice(&out).unwrap();
        assert_eq!(back, s);
    }

    #[test]
    fn errors_name_the_claim() {
        let cases: &[(&str, Error)] = &[
            ("not json", ClaimsError::NotJson.into()),
            ("[]", ClaimsError::NotJson.into()),
            (
                "{\"sub\":\"a\",\"exp\":\"2026-01-01T00:00:00Z\"} x",
                ClaimsError::NotJson.into(),
            ),
            (
                "{\"exp\":\"2026-01-01T00:00:00Z\"}",
                ClaimsError::Missing("sub").into(),
            ),
            ("{\"sub\":\"a\"}", ClaimsError::Missing("exp").into()),
            (
                "{\"sub\":\"\",\"exp\":\"2026-01-01T00:00:00Z\"}",
                ClaimsError::EmptySubject.into(),
            ),
            (
                "{\"sub\":\"a\",\"exp\":1700000000}",
                ClaimsError::WrongType("exp").into(),
            ),
            (
                "{\"sub\":{},\"exp\":\"2026-01-01T00:00:00Z\"}",
                ClaimsError::WrongType("sub").into(),
            ),
            (
                "{\"sub\":\"a\",\"exp\":\"2026-01-01T00:00:00Z\",\"iat\":null}",
                ClaimsError::WrongType("iat").into(),
            ),
            (
                "{\"sub\":\"a\",\"exp\":\"tomorrow\"}",
                ClaimsError::BadTime("exp").into(),
            ),
            (
                "{\"sub\":\"a\",\"sub\":\"b\",\"exp\":\"2026-01-01T00:00:00Z\"}",
                ClaimsError::Duplicate("sub").into(),
            ),
        ];
        for (json, want) in cases {
            assert_eq!(parse_payload(json.as_bytes()).unwrap_err(), *want, "{json}");
        }
    }

    #[test]
    fn refuses_invalid_utf8_anywhere() {
        // Found by the `open_claims` fuzz target: invalid UTF-8 inside an
        // ignored claim's string was accepted.
        let ok = br#"{"data":"this is x","sub":"7","exp":"2039-01-01T00:00:00Z"}"#;
        assert!(parse_payload(ok).is_ok());
        let at = ok.iter().position(|&b| b == b'x').unwrap();
        for bad in [0x85u8, 0xff, 0xc0, 0xed] {
            let mut p = ok.to_vec();
            p[at] = bad;
            assert_eq!(
                parse_payload(&p),
                Err(ClaimsError::NotJson.into()),
                "{bad:#x}"
            );
        }
        // Also in a claim the crate reads, and outside strings.
        assert_eq!(
            parse_payload(b"{\"sub\":\"\xff\",\"exp\":\"2039-01-01T00:00:00Z\"}"),
            Err(ClaimsError::NotJson.into())
        );
        assert_eq!(
            parse_payload(b"{\"sub\":\"7\",\"exp\":\"2039-01-01T00:00:00Z\"}\xff"),
            Err(ClaimsError::NotJson.into())
        );
    }

    #[test]
    fn accepts_other_implementations_dates_and_extra_claims() {
        let c = parse_payload(
            br#"{"data":{"x":[1,2]},"sub":"7","exp":"2039-01-01T00:00:00+00:00","nbf":"2038-12-31T23:00:00.123-01:00"}"#,
        )
        .unwrap();
        assert_eq!(c.expires_at(), ts("2039-01-01T00:00:00Z"));
        assert_eq!(c.not_before(), Some(ts("2039-01-01T00:00:00.123Z")));
        assert_eq!(c.issued_at(), None);
    }

    #[test]
    fn time_rules() {
        let c = parse_payload(
            br#"{"sub":"7","exp":"2030-01-01T00:00:10Z","nbf":"2030-01-01T00:00:05Z"}"#,
        )
        .unwrap();
        let at = |s| {
            Timestamp::from_unix_seconds(ts("2030-01-01T00:00:00Z").unix_seconds() + s).unwrap()
        };
        assert_eq!(c.check_time(at(4)), Err(Error::NotYetValid));
        assert_eq!(c.check_time(at(5)), Ok(()));
        assert_eq!(c.check_time(at(9)), Ok(()));
        assert_eq!(c.check_time(at(10)), Err(Error::Expired));
    }
}
