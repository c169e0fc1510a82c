//! The crate's one error type.
//!
//! Errors on the cryptographic path say nothing beyond "this did not
//! authenticate" ([`Error::Unauthenticated`]): a wrong key, a flipped bit, a
//! swapped footer and a forged token are indistinguishable to the caller, so
//! no oracle is handed to an attacker. Before authentication, errors name the
//! structural rule that was broken (all of which an attacker already knows).
//! After authentication, errors say exactly what is wrong (expired, not yet
//! valid, missing claim). No error ever carries token bytes or claim values.

use core::fmt;

/// Everything that can go wrong when sealing or opening a token.
///
/// # Example
/// ```
/// use sealed_session::{Error, Key};
/// let key = Key::generate();
/// assert_eq!(key.open("v2.local.AAAA").unwrap_err(), Error::Malformed(sealed_session::Malformed::TooShort));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The token is longer than the configured maximum (default 4096 bytes).
    /// Checked before anything else is read.
    TokenTooLarge,
    /// The token breaks a structural rule; nothing cryptographic was tried.
    Malformed(Malformed),
    /// The token did not authenticate under the key: wrong key, tampered
    /// bytes, swapped footer or a forgery. Deliberately says nothing more.
    Unauthenticated,
    /// Opening through a [`KeyRing`](crate::KeyRing): the token's footer
    /// names a key id (`kid`) that is not in the ring, e.g. a key that has
    /// been dropped after a rotation, or another deployment's key. Decided
    /// from the **unauthenticated** footer before any cryptography: no key
    /// was tried.
    UnknownKey,
    /// The token authenticated but its claims are not valid claims.
    InvalidClaims(ClaimsError),
    /// The token authenticated but `now` is at or after its `exp` (plus the
    /// leeway): `exp` itself is no longer valid.
    Expired,
    /// The token authenticated but `now` is before its `nbf` (minus the
    /// leeway).
    NotYetValid,
    /// A seal was asked for with arguments that cannot make a valid token
    /// (empty user id, an expiry past year 9999); the text names the rule.
    InvalidArgument(&'static str),
    /// The operating system's random number generator failed.
    Rng,
    /// Opening with a [`Policy`](crate::Policy): the token's audience
    /// (`aud`) is not the policy's. Also when the policy requires an
    /// audience and the token has none, and when the token is bound to an
    /// audience but the policy names none (a bound token is only for the
    /// opener it names).
    WrongAudience,
    /// The application's "log out everywhere" instant refuses the token:
    /// its session started before the user's "sessions valid after"
    /// instant (see [`Claims::check_valid_after`](crate::Claims::check_valid_after)).
    LoggedOutEverywhere,
    /// The application's revocation check (see
    /// [`Revocation`](crate::Revocation)) reports the token's session id as
    /// revoked: this one session was logged out.
    Revoked,
    /// Renewal refused: the session's absolute lifetime (counted from its
    /// session start, `sst`) is over. The user must log in again.
    AbsoluteLifetimeOver,
    /// Sealing refused: the token would be longer than the policy's size
    /// budget ([`Policy::max_token_len`](crate::Policy::max_token_len)).
    /// Nothing was encrypted.
    OverSizeBudget,
    /// Custom claims use a claim name this crate owns (named; one of
    /// [`REGISTERED_CLAIMS`](crate::REGISTERED_CLAIMS)). Raised when sealing
    /// (the serialized custom claims contain it) and when opening (the
    /// custom type would read it).
    ReservedClaim(&'static str),
}

/// Which structural rule a malformed token broke.
///
/// All of these are checked before any cryptographic operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Malformed {
    /// The token does not start with exactly `v2.local.` (case-sensitive).
    Header,
    /// Not 3 or 4 dot-separated parts, or an empty part.
    Parts,
    /// A part is not strict, unpadded, canonical base64url.
    Base64,
    /// The body decodes to fewer than 24 (nonce) + 16 (tag) bytes.
    TooShort,
    /// Opening through a [`KeyRing`](crate::KeyRing): the footer is not the
    /// key-id footer `{"kid":"k2.lid.…"}`: larger than
    /// [`KeyRing::MAX_FOOTER_LEN`](crate::KeyRing::MAX_FOOTER_LEN) bytes, not strict
    /// JSON, a field other than `kid`, a duplicate `kid`, or a `kid` that is
    /// not a `k2.lid.` id.
    Footer,
}

/// Why authenticated claims were refused. Names claims, never their values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClaimsError {
    /// The payload is not a JSON object.
    NotJson,
    /// A required claim (named) is absent.
    Missing(&'static str),
    /// A claim (named) has the wrong JSON type, e.g. `exp` as a number.
    WrongType(&'static str),
    /// A date claim (named) is not an RFC 3339 date-time.
    BadTime(&'static str),
    /// A claim (named) appears twice.
    Duplicate(&'static str),
    /// `sub` is the empty string.
    EmptySubject,
    /// A claim (named) has the right JSON type but a value outside its
    /// rules, e.g. a `jti` that is not 22 base64url characters.
    BadValue(&'static str),
    /// The typed custom claims did not deserialize. Deliberately says
    /// nothing more: serde's messages can quote claim values.
    Custom,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::TokenTooLarge => f.write_str("token is larger than the configured maximum"),
            Error::Malformed(m) => write!(f, "malformed token: {m}"),
            Error::Unauthenticated => f.write_str("token did not authenticate"),
            Error::UnknownKey => f.write_str("token names a key id that is not in the key ring"),
            Error::InvalidClaims(c) => write!(f, "invalid claims: {c}"),
            Error::Expired => f.write_str("token has expired"),
            Error::NotYetValid => f.write_str("token is not yet valid"),
            Error::InvalidArgument(why) => write!(f, "invalid argument: {why}"),
            Error::Rng => f.write_str("the operating system's random number generator failed"),
            Error::WrongAudience => f.write_str("token is for another audience"),
            Error::LoggedOutEverywhere => {
                f.write_str("session started before the user's sessions-valid-after instant")
            }
            Error::Revoked => f.write_str("session has been revoked"),
            Error::AbsoluteLifetimeOver => f.write_str("session's absolute lifetime is over"),
            Error::OverSizeBudget => f.write_str("token would exceed the size budget"),
            Error::ReservedClaim(c) => write!(f, "custom claims use the reserved claim `{c}`"),
        }
    }
}

impl fmt::Display for Malformed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Malformed::Header => "header is not `v2.local.`",
            Malformed::Parts => "wrong number of parts or an empty part",
            Malformed::Base64 => "not strict unpadded base64url",
            Malformed::TooShort => "body shorter than nonce and tag",
            Malformed::Footer => "footer is not a `{\"kid\":\"k2.lid.…\"}` key-id footer",
        })
    }
}

impl fmt::Display for ClaimsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClaimsError::NotJson => f.write_str("payload is not a JSON object"),
            ClaimsError::Missing(c) => write!(f, "missing claim `{c}`"),
            ClaimsError::WrongType(c) => write!(f, "claim `{c}` has the wrong type"),
            ClaimsError::BadTime(c) => write!(f, "claim `{c}` is not an RFC 3339 date-time"),
            ClaimsError::Duplicate(c) => write!(f, "claim `{c}` appears more than once"),
            ClaimsError::EmptySubject => f.write_str("claim `sub` is empty"),
            ClaimsError::BadValue(c) => write!(f, "claim `{c}` has an invalid value"),
            ClaimsError::Custom => f.write_str("custom claims did not deserialize"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for Error {}

impl From<Malformed> for Error {
    fn from(m: Malformed) -> Self {
        Error::Malformed(m)
    }
}

impl From<ClaimsError> for Error {
    fn from(c: ClaimsError) -> Self {
        Error::InvalidClaims(c)
    }
}
