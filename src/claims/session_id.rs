//! The session id (`jti`).

use core::fmt;

use base64ct::{Base64UrlUnpadded, Encoding};

#[cfg(feature = "std")]
use crate::error::Error;

/// A session id: the `jti` claim, kept as its exact text.
///
/// Every session this crate seals gets a fresh one, 16 random bytes in 22
/// base64url characters, and it is kept when the session is renewed, so one
/// id names every token of one login. Put it on a denylist (see
/// [`Revocation`](crate::Revocation)) to end that one session.
///
/// Tokens from other implementations may carry any string as `jti` (a UUID,
/// say): it opens as an opaque session id of up to [`SessionId::MAX_LEN`]
/// bytes, which revocation matches and renewal keeps, byte for byte. Two
/// ids are equal iff their texts are.
///
/// It is not a secret (it only names a session), but the token encrypts it
/// like every claim.
///
/// # Example
/// ```
/// use sealed_session::SessionId;
/// let id = SessionId::from_bytes([0xfb; 16]);
/// assert_eq!(id.to_string(), "-_v7-_v7-_v7-_v7-_v7-w");
/// assert_eq!(SessionId::parse("-_v7-_v7-_v7-_v7-_v7-w"), Some(id));
/// // Another implementation's id:
/// let uuid = SessionId::parse("6f1c2a4e-3b7d-4f7e-9c1a-2b3c4d5e6f70").unwrap();
/// assert_eq!(uuid.as_str(), "6f1c2a4e-3b7d-4f7e-9c1a-2b3c4d5e6f70");
/// assert_eq!(uuid.to_bytes(), None);
/// assert_eq!(SessionId::parse(&"x".repeat(SessionId::MAX_LEN + 1)), None);
/// ```
#[derive(Clone, Copy)]
pub struct SessionId {
    /// The text, then zeros.
    text: [u8; SessionId::MAX_LEN],
    len: u8,
}

impl SessionId {
    /// Length of a session id this crate makes, in bytes.
    pub const LEN: usize = 16;
    /// Length of its base64url text in characters.
    pub const ENCODED_LEN: usize = 22;
    /// The longest `jti` accepted, in bytes (a token with a longer one is
    /// refused with [`ClaimsError::BadValue`](crate::ClaimsError::BadValue)`("jti")`).
    pub const MAX_LEN: usize = 128;

    /// A session id from its 16 bytes (its text is their base64url form).
    ///
    /// ```
    /// # use sealed_session::SessionId;
    /// assert_eq!(SessionId::from_bytes([1; 16]).to_bytes(), Some([1; 16]));
    /// ```
    pub fn from_bytes(bytes: [u8; SessionId::LEN]) -> SessionId {
        let mut text = [0u8; SessionId::MAX_LEN];
        let len = match text.get_mut(..Self::ENCODED_LEN) {
            Some(dst) => Base64UrlUnpadded::encode(&bytes, dst).map_or(0, str::len),
            None => 0,
        };
        SessionId {
            text,
            len: len as u8,
        }
    }

    /// The 16 bytes of a session id in this crate's form (22 canonical
    /// base64url characters), or `None` for any other text.
    ///
    /// ```
    /// # use sealed_session::SessionId;
    /// assert_eq!(SessionId::from_bytes([2; 16]).to_bytes(), Some([2; 16]));
    /// assert_eq!(SessionId::parse("not ours").unwrap().to_bytes(), None);
    /// ```
    pub fn to_bytes(&self) -> Option<[u8; SessionId::LEN]> {
        if self.as_str().len() != Self::ENCODED_LEN {
            return None;
        }
        let mut out = [0u8; Self::LEN];
        let n = Base64UrlUnpadded::decode(self.as_str(), &mut out)
            .ok()?
            .len();
        (n == Self::LEN).then_some(out)
    }

    /// A session id from its text, as in the `jti` claim: any string of at
    /// most [`SessionId::MAX_LEN`] bytes.
    ///
    /// ```
    /// # use sealed_session::SessionId;
    /// let id = SessionId::from_bytes([7; 16]);
    /// assert_eq!(SessionId::parse(&id.to_string()), Some(id));
    /// // A non-canonical spelling of the same bytes is another id.
    /// assert_ne!(SessionId::parse("BwcHBwcHBwcHBwcHBwcHBx"), Some(id));
    /// ```
    pub fn parse(s: &str) -> Option<SessionId> {
        let mut text = [0u8; SessionId::MAX_LEN];
        text.get_mut(..s.len())?.copy_from_slice(s.as_bytes());
        Some(SessionId {
            text,
            len: u8::try_from(s.len()).ok()?,
        })
    }

    /// The id's text, as in the `jti` claim.
    ///
    /// ```
    /// # use sealed_session::SessionId;
    /// assert_eq!(SessionId::from_bytes([0; 16]).as_str(), "AAAAAAAAAAAAAAAAAAAAAA");
    /// ```
    pub fn as_str(&self) -> &str {
        let bytes = self.text.get(..usize::from(self.len)).unwrap_or_default();
        // Always valid: the text was a `&str` (or base64url).
        core::str::from_utf8(bytes).unwrap_or_default()
    }

    /// A fresh random session id.
    #[cfg(feature = "std")]
    pub(crate) fn random() -> Result<SessionId, Error> {
        let mut out = [0u8; Self::LEN];
        crate::rng::fill(&mut out)?;
        Ok(SessionId::from_bytes(out))
    }
}

impl PartialEq for SessionId {
    fn eq(&self, other: &SessionId) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for SessionId {}

impl PartialOrd for SessionId {
    fn partial_cmp(&self, other: &SessionId) -> Option<core::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for SessionId {
    fn cmp(&self, other: &SessionId) -> core::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl core::hash::Hash for SessionId {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl fmt::Display for SessionId {
    /// The id's text, as in the `jti` claim.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SessionId({:?})", self.as_str())
    }
}
