//! Reading an authenticated payload: the registered claims (borrowed), the
//! custom members' JSON text, and typed custom claims.

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::sync::Arc;
use core::cell::Cell;
use core::fmt;

use serde::de::value::{BorrowedStrDeserializer, StringDeserializer};
use serde::de::{
    self, DeserializeOwned, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor,
};
use serde_json::value::RawValue;

use super::{registered_name, Claims, SessionId};
use crate::error::{ClaimsError, Error};
use crate::time::Timestamp;

/// The registered claims of an authenticated payload, borrowed from it.
#[derive(Debug, PartialEq)]
pub(crate) struct Registered<'a> {
    pub(crate) sub: Cow<'a, str>,
    pub(crate) exp: Timestamp,
    pub(crate) iat: Option<Timestamp>,
    pub(crate) nbf: Option<Timestamp>,
    pub(crate) sst: Option<Timestamp>,
    pub(crate) jti: Option<SessionId>,
    pub(crate) aud: Option<Cow<'a, str>>,
    /// The custom members' JSON text (see [`Claims::custom_json`]).
    pub(crate) custom: Option<String>,
}

impl Registered<'_> {
    /// Into owned claims, with `audience`: the opening policy's, which the
    /// caller checked is exactly `aud`. Without custom claims, the one
    /// allocation is the user id.
    pub(crate) fn into_claims(
        self,
        audience: Option<Arc<str>>,
        renew_at: Option<Timestamp>,
    ) -> Claims {
        let sub_end = self.sub.len();
        let text = match self.custom {
            None => self.sub.into_owned(),
            Some(custom) => {
                let mut text = String::with_capacity(sub_end + custom.len());
                text.push_str(&self.sub);
                text.push_str(&custom);
                text
            }
        };
        Claims {
            text,
            sub_end,
            audience,
            expires_at: self.exp,
            issued_at: self.iat,
            not_before: self.nbf,
            session_start: self.sst,
            session_id: self.jti,
            renew_at,
            custom: (),
        }
    }
}

/// Parse the registered claims of authenticated payload bytes, borrowing
/// their strings from `payload`, and collect the custom members' JSON text.
///
/// serde_json reads every payload and decides every error.
pub(crate) fn parse_registered(payload: &[u8]) -> Result<Registered<'_>, Error> {
    // JSON is UTF-8 (RFC 8259). Validate it up front: serde_json's slice
    // reader skips the strings of ignored claims without checking them.
    let text = core::str::from_utf8(payload).map_err(|_| ClaimsError::NotJson)?;
    serde_raw(text)?.finish()
}

/// The registered claims of a payload as serde_json reads them.
fn serde_raw(text: &str) -> Result<Raw<'_>, Error> {
    let field: Cell<Option<&'static str>> = Cell::new(None);
    let duplicate = Cell::new(false);
    let mut de = serde_json::Deserializer::from_str(text);
    let raw = de
        .deserialize_map(RawVisitor {
            field: &field,
            duplicate: &duplicate,
        })
        .map_err(|e| classify(&e, field.get(), duplicate.get()))?;
    de.end().map_err(|_| ClaimsError::NotJson)?;
    Ok(raw)
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

#[derive(Default, Debug, PartialEq)]
struct Raw<'a> {
    sub: Option<Cow<'a, str>>,
    exp: Option<Cow<'a, str>>,
    iat: Option<Cow<'a, str>>,
    nbf: Option<Cow<'a, str>>,
    sst: Option<Cow<'a, str>>,
    jti: Option<Cow<'a, str>>,
    aud: Option<Cow<'a, str>>,
    /// The custom members, exactly as in the payload (`"name":value`),
    /// joined by `,`; allocated only when there is one.
    custom: Option<String>,
}

impl<'a> Raw<'a> {
    fn finish(self) -> Result<Registered<'a>, Error> {
        let sub = self.sub.ok_or(ClaimsError::Missing("sub"))?;
        if sub.is_empty() {
            return Err(ClaimsError::EmptySubject.into());
        }
        let exp = self.exp.ok_or(ClaimsError::Missing("exp"))?;
        let jti = match self.jti {
            None => None,
            Some(j) => Some(SessionId::parse(&j).ok_or(ClaimsError::BadValue("jti"))?),
        };
        Ok(Registered {
            exp: time("exp", &exp)?,
            iat: self.iat.map(|t| time("iat", &t)).transpose()?,
            nbf: self.nbf.map(|t| time("nbf", &t)).transpose()?,
            sst: self.sst.map(|t| time("sst", &t)).transpose()?,
            jti,
            aud: self.aud,
            sub,
            custom: self.custom,
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
        // Each name is read as its exact JSON text, so a custom member can
        // be carried over byte for byte.
        while let Some(key) = map.next_key::<&'de RawValue>()? {
            let name = member_name::<A::Error>(key.get())?;
            let slot = match name.as_ref() {
                "sub" => (&mut raw.sub, "sub"),
                "exp" => (&mut raw.exp, "exp"),
                "iat" => (&mut raw.iat, "iat"),
                "nbf" => (&mut raw.nbf, "nbf"),
                "sst" => (&mut raw.sst, "sst"),
                "jti" => (&mut raw.jti, "jti"),
                "aud" => (&mut raw.aud, "aud"),
                _ => {
                    self.field.set(None);
                    let value = map.next_value::<&'de RawValue>()?;
                    let custom = raw.custom.get_or_insert_with(String::new);
                    if !custom.is_empty() {
                        custom.push(',');
                    }
                    custom.push_str(key.get());
                    custom.push(':');
                    custom.push_str(value.get());
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

/// The value of a member name given as its JSON string text (quotes
/// included, already checked by serde_json): borrowed unless it has escapes.
fn member_name<E: de::Error>(json: &str) -> Result<Cow<'_, str>, E> {
    match json.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
        Some(plain) if !plain.contains('\\') => Ok(Cow::Borrowed(plain)),
        _ => serde_json::from_str::<String>(json)
            .map(Cow::Owned)
            .map_err(|_| E::custom("a member name")),
    }
}

/// A JSON string, borrowed from the payload when it has no escapes.
pub(super) struct StrOrString<'de>(pub(super) Cow<'de, str>);

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

/// Deserialize the custom claims `T` from an authenticated payload whose
/// registered claims have already been read.
///
/// `T` never sees a registered claim: a map skips them, and a derived struct
/// that names one as a field is refused with [`Error::ReservedClaim`] before
/// anything is read. Any other failure is the opaque
/// [`ClaimsError::Custom`] (serde's messages can quote claim values).
pub(crate) fn parse_custom<T: DeserializeOwned>(payload: &[u8]) -> Result<T, Error> {
    let reserved = Cell::new(None);
    let mut de = serde_json::Deserializer::from_slice(payload);
    let custom = T::deserialize(CustomDe {
        inner: &mut de,
        reserved: &reserved,
    });
    match (reserved.get(), custom) {
        (Some(name), _) => Err(Error::ReservedClaim(name)),
        (None, Ok(t)) => Ok(t),
        (None, Err(_)) => Err(ClaimsError::Custom.into()),
    }
}

/// A view of the payload object without its registered claims.
struct CustomDe<'a, 'c> {
    inner: &'a mut serde_json::Deserializer<serde_json::de::SliceRead<'c>>,
    reserved: &'a Cell<Option<&'static str>>,
}

impl<'de> Deserializer<'de> for CustomDe<'_, 'de> {
    type Error = serde_json::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        self.deserialize_map(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        self.inner.deserialize_map(Filtered(visitor))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        if let Some(name) = fields.iter().find_map(|f| registered_name(f)) {
            self.reserved.set(Some(name));
            return Err(de::Error::custom("reserved claim"));
        }
        self.deserialize_map(visitor)
    }

    /// `()` and unit structs: no custom claims.
    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        visitor.visit_unit()
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        visitor.visit_unit()
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        visitor.visit_newtype_struct(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf seq tuple tuple_struct enum identifier ignored_any
    }
}

/// Passes a map on to `V` with the registered claims skipped.
struct Filtered<V>(V);

impl<'de, V: Visitor<'de>> Visitor<'de> for Filtered<V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.expecting(f)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.0.visit_map(FilteredMap(map))
    }
}

struct FilteredMap<A>(A);

impl<'de, A: MapAccess<'de>> MapAccess<'de> for FilteredMap<A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        while let Some(key) = self.0.next_key::<StrOrString<'de>>()? {
            if registered_name(&key.0).is_some() {
                self.0.next_value::<IgnoredAny>()?;
                continue;
            }
            return match key.0 {
                Cow::Borrowed(s) => seed.deserialize(BorrowedStrDeserializer::new(s)).map(Some),
                Cow::Owned(s) => seed.deserialize(StringDeserializer::new(s)).map(Some),
            };
        }
        Ok(None)
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, A::Error> {
        self.0.next_value_seed(seed)
    }
}
