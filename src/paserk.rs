//! PASERK for this crate's keys: `k2.local.` keys and `k2.lid.` key ids.
//!
//! - A key is written as `k2.local.` followed by the base64url (unpadded)
//!   encoding of its 32 bytes: 52 ASCII characters in all.
//! - Its id is `k2.lid.` followed by the base64url encoding of
//!   `BLAKE2b-264("k2.lid." || "k2.local." || b64url(key))` (unkeyed BLAKE2b
//!   with the output length parameter set to 33 bytes): 51 characters. An id
//!   is public: it names a key without revealing anything about it, and is
//!   what a [`KeyRing`](crate::KeyRing) writes into each token's footer.
//!
//! Both are byte-compatible with the PASERK specification
//! (`paseto-standard/paserk`, types `local` and `lid`) and checked against
//! its published test vectors.

use core::fmt;
use core::str::FromStr;

use base64ct::{Base64UrlUnpadded, Encoding};
use blake2::digest::{Update, VariableOutput};
use blake2::Blake2bVar;
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::key::{Key, KEY_LEN};
use crate::wipe::{self, with_stack_wiped};

/// The prefix of a `k2.local` PASERK key.
pub(crate) const LOCAL_PREFIX: &str = "k2.local.";
/// The prefix of a `k2.lid` PASERK key id.
pub(crate) const LID_PREFIX: &str = "k2.lid.";
/// Base64url characters of a 32-byte key.
const KEY_B64_LEN: usize = 43;
/// Length of a `k2.local.` PASERK string.
const LOCAL_LEN: usize = LOCAL_PREFIX.len() + KEY_B64_LEN;
/// Length of the BLAKE2b digest inside a `k2.lid`.
const LID_DIGEST_LEN: usize = 33;
/// Length of a `k2.lid.` string: 7 + 44.
pub(crate) const LID_LEN: usize = LID_PREFIX.len() + LID_DIGEST_LEN / 3 * 4;

/// Why a `k2.local.` PASERK string was not accepted as a key.
///
/// Every variant names what was wrong; none carries any part of the input,
/// so printing one can never leak a key.
///
/// # Example
/// ```
/// use sealed_session::{Key, KeyError};
/// assert_eq!(Key::from_paserk("k4.local.AAAA").unwrap_err(), KeyError::WrongPrefix);
/// let e = Key::from_paserk("k2.local.AAAA").unwrap_err();
/// assert_eq!(e, KeyError::WrongLength { bytes: 3 });
/// assert!(e.to_string().contains("32 bytes"));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyError {
    /// The text does not start with `k2.local.` (another PASERK version
    /// such as `k4.local.`, another type such as a `k2.lid.` key id, or not
    /// a PASERK at all).
    WrongPrefix,
    /// The part after `k2.local.` holds characters outside the unpadded
    /// base64url alphabet (`A–Z a–z 0–9 - _`), padding, or a non-canonical
    /// last character.
    BadEncoding,
    /// The part after `k2.local.` is valid base64url but decodes to `bytes`
    /// bytes instead of 32.
    WrongLength {
        /// How many bytes the text decodes to.
        bytes: usize,
    },
    /// The key is 32 zero bytes: a placeholder, never a real key.
    AllZero,
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyError::WrongPrefix => f.write_str(
                "wrong prefix: a key is a PASERK string starting with `k2.local.` \
                 (`k2.lid.` strings are key ids, not keys; k1/k3/k4 keys belong to other PASETO versions)",
            ),
            KeyError::BadEncoding => f.write_str(
                "bad encoding: the part after `k2.local.` must be unpadded base64url (A-Z a-z 0-9 - _)",
            ),
            KeyError::WrongLength { bytes } => write!(
                f,
                "wrong length: the key decodes to {bytes} bytes; a k2.local key is 32 bytes \
                 (43 base64url characters after `k2.local.`)"
            ),
            KeyError::AllZero => f.write_str(
                "the key is all zero bytes, which is never a real key; generate one with `sealed-session keygen`",
            ),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for KeyError {}

/// A key written as a `k2.local.` PASERK string, e.g. to store it in a file.
///
/// This *is* the secret key: it is zeroized on drop, its `Debug` is
/// redacted, and it has no `Display`. Read it with
/// [`LocalPaserk::expose_secret`].
///
/// # Example
/// ```
/// use sealed_session::Key;
/// let key = Key::generate();
/// let paserk = key.to_paserk();
/// assert!(paserk.expose_secret().starts_with("k2.local."));
/// assert_eq!(format!("{paserk:?}"), "LocalPaserk(<redacted>)");
/// assert!(Key::from_paserk(paserk.expose_secret())? == key);
/// # Ok::<(), sealed_session::KeyError>(())
/// ```
#[derive(Clone)]
pub struct LocalPaserk {
    text: [u8; LOCAL_LEN],
}

impl LocalPaserk {
    /// The `k2.local.…` text. Named so that every use stands out in review.
    ///
    /// # Example
    /// ```
    /// let key = sealed_session::Key::from_bytes([0x70; 32]);
    /// assert_eq!(
    ///     key.to_paserk().expose_secret(),
    ///     "k2.local.cHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHA"
    /// );
    /// ```
    pub fn expose_secret(&self) -> &str {
        ascii(&self.text)
    }
}

impl Drop for LocalPaserk {
    fn drop(&mut self) {
        self.text.zeroize();
    }
}

impl ZeroizeOnDrop for LocalPaserk {}

impl fmt::Debug for LocalPaserk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LocalPaserk(<redacted>)")
    }
}

/// A key's public id: its PASERK `k2.lid.` string (51 ASCII characters).
///
/// Ids are not secret. Two keys have the same id only if they are the same
/// key (BLAKE2b collision resistance), so an id is what a
/// [`KeyRing`](crate::KeyRing) routes tokens by.
///
/// # Example
/// ```
/// use sealed_session::{Key, KeyId};
/// let id = Key::from_bytes([0x70; 32]).id();
/// assert!(id.as_str().starts_with("k2.lid."));
/// assert_eq!(id.as_str().len(), 51);
/// assert_eq!(id.as_str().parse::<KeyId>(), Ok(id));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyId {
    text: [u8; LID_LEN],
}

impl KeyId {
    /// Parse a `k2.lid.` string: the prefix, then 44 base64url characters
    /// that decode (canonically) to 33 bytes.
    ///
    /// # Errors
    /// [`ParseKeyIdError`] for anything else.
    ///
    /// # Example
    /// ```
    /// use sealed_session::KeyId;
    /// assert!(KeyId::parse("k2.lid.WpgZ4rDluvqGSwOFQfbkxem-i3lRJ92XPPPwHEDm-gtE").is_ok());
    /// assert!(KeyId::parse("k4.lid.WpgZ4rDluvqGSwOFQfbkxem-i3lRJ92XPPPwHEDm-gtE").is_err());
    /// ```
    pub fn parse(s: &str) -> Result<KeyId, ParseKeyIdError> {
        Self::parse_bytes(s.as_bytes()).ok_or(ParseKeyIdError(()))
    }

    /// As [`KeyId::parse`], from bytes (e.g. a footer), without allocating.
    pub(crate) fn parse_bytes(untrusted: &[u8]) -> Option<KeyId> {
        let text: [u8; LID_LEN] = untrusted.try_into().ok()?;
        let body = text.strip_prefix(LID_PREFIX.as_bytes())?;
        let mut digest = [0u8; LID_DIGEST_LEN];
        // base64ct rejects characters outside the alphabet, padding and
        // non-canonical trailing bits; 44 characters are exactly 33 bytes.
        Base64UrlUnpadded::decode(body, &mut digest).ok()?;
        Some(KeyId { text })
    }

    /// The `k2.lid.…` text.
    ///
    /// # Example
    /// ```
    /// let key = sealed_session::Key::from_bytes([0x70; 32]);
    /// assert_eq!(key.id().as_str(), key.id().to_string());
    /// ```
    pub fn as_str(&self) -> &str {
        ascii(&self.text)
    }

    /// The id's bytes (ASCII).
    pub(crate) fn as_bytes(&self) -> &[u8; LID_LEN] {
        &self.text
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyId({})", self.as_str())
    }
}

impl FromStr for KeyId {
    type Err = ParseKeyIdError;
    fn from_str(s: &str) -> Result<KeyId, ParseKeyIdError> {
        KeyId::parse(s)
    }
}

/// A string that is not a `k2.lid.` key id.
///
/// # Example
/// ```
/// assert!("k2.lid.short".parse::<sealed_session::KeyId>().is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParseKeyIdError(());

impl fmt::Display for ParseKeyIdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not a key id: expected `k2.lid.` followed by 44 base64url characters")
    }
}

#[cfg(feature = "std")]
impl std::error::Error for ParseKeyIdError {}

impl Key {
    /// Read a key from its `k2.local.` PASERK string. The whole string must
    /// be the key: no surrounding whitespace (the file and environment
    /// loaders trim it).
    ///
    /// # Errors
    /// A [`KeyError`] that says what was wrong (prefix, encoding, length,
    /// all-zero key) without repeating any of the input.
    ///
    /// # Security
    /// Decoding is constant-time in the key's value (base64ct). The caller
    /// should zeroize its copy of the string.
    ///
    /// # Example
    /// ```
    /// use sealed_session::{Key, KeyError};
    /// let key = Key::from_paserk("k2.local.cHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHA")?;
    /// assert!(key == Key::from_bytes([0x70; 32]));
    /// let zero = "k2.local.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    /// assert_eq!(Key::from_paserk(zero).unwrap_err(), KeyError::AllZero);
    /// # Ok::<(), KeyError>(())
    /// ```
    pub fn from_paserk(s: &str) -> Result<Key, KeyError> {
        let body = s
            .strip_prefix(LOCAL_PREFIX)
            .ok_or(KeyError::WrongPrefix)?
            .as_bytes();
        let alphabet_ok = body.iter().fold(true, |ok, &c| {
            ok & (c.is_ascii_alphanumeric() | (c == b'-') | (c == b'_'))
        });
        if !alphabet_ok {
            return Err(KeyError::BadEncoding);
        }
        if body.len() != KEY_B64_LEN {
            // What the text would decode to: 6 bits per character.
            return Err(KeyError::WrongLength {
                bytes: body.len() / 4 * 3 + (body.len() % 4).saturating_sub(1),
            });
        }
        let mut bytes = [0u8; KEY_LEN];
        let decoded = Base64UrlUnpadded::decode(body, &mut bytes).map(|d| d.len());
        let result = match decoded {
            Ok(KEY_LEN) if bool::from(bytes.ct_eq(&[0u8; KEY_LEN])) => Err(KeyError::AllZero),
            Ok(KEY_LEN) => Ok(Key::from_bytes(bytes)),
            Ok(n) => Err(KeyError::WrongLength { bytes: n }),
            Err(_) => Err(KeyError::BadEncoding),
        };
        bytes.zeroize();
        result
    }

    /// The key as a `k2.local.` PASERK string.
    ///
    /// # Security
    /// The result is the secret key; see [`LocalPaserk`].
    ///
    /// # Example
    /// ```
    /// let key = sealed_session::Key::generate();
    /// let text = key.to_paserk();
    /// assert!(sealed_session::Key::from_paserk(text.expose_secret())? == key);
    /// # Ok::<(), sealed_session::KeyError>(())
    /// ```
    pub fn to_paserk(&self) -> LocalPaserk {
        let mut text = [0u8; LOCAL_LEN];
        let (prefix, body) = text.split_at_mut(LOCAL_PREFIX.len());
        prefix.copy_from_slice(LOCAL_PREFIX.as_bytes());
        let mut bytes = self.expose_secret_bytes();
        if Base64UrlUnpadded::encode(&bytes, body).is_err() {
            unreachable!("43 bytes hold the base64url encoding of 32 bytes");
        }
        bytes.zeroize();
        LocalPaserk { text }
    }

    /// The key's public `k2.lid.` id.
    ///
    /// Computes one BLAKE2b hash; a [`KeyRing`](crate::KeyRing) computes its
    /// keys' ids once, when they are added.
    ///
    /// # Example
    /// ```
    /// let key = sealed_session::Key::from_bytes([0u8; 32]);
    /// assert_eq!(key.id().as_str(), "k2.lid.WpgZ4rDluvqGSwOFQfbkxem-i3lRJ92XPPPwHEDm-gtE");
    /// ```
    pub fn id(&self) -> KeyId {
        // The hash input is the secret key's text, and the hasher does not
        // zeroize: it runs in stack that is wiped on return (see `wipe`).
        let digest = with_stack_wiped::<{ wipe::BLAKE2B }, _>(|| {
            let paserk = self.to_paserk();
            let mut digest = [0u8; LID_DIGEST_LEN];
            let mut hasher = match Blake2bVar::new(LID_DIGEST_LEN) {
                Ok(h) => h,
                Err(_) => unreachable!("33 is a valid BLAKE2b output length"),
            };
            hasher.update(LID_PREFIX.as_bytes());
            hasher.update(&paserk.text);
            if hasher.finalize_variable(&mut digest).is_err() {
                unreachable!("the buffer is the requested output length");
            }
            digest
        });
        let mut text = [0u8; LID_LEN];
        let (prefix, body) = text.split_at_mut(LID_PREFIX.len());
        prefix.copy_from_slice(LID_PREFIX.as_bytes());
        if Base64UrlUnpadded::encode(&digest, body).is_err() {
            unreachable!("44 bytes hold the base64url encoding of 33 bytes");
        }
        KeyId { text }
    }
}

/// View ASCII bytes this module wrote as a `str`.
fn ascii(bytes: &[u8]) -> &str {
    core::str::from_utf8(bytes).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths() {
        assert_eq!(LOCAL_LEN, 52);
        assert_eq!(LID_LEN, 51);
    }

    #[test]
    fn round_trip_and_errors() {
        let key = Key::from_bytes([0x42; 32]);
        let p = key.to_paserk();
        assert!(Key::from_paserk(p.expose_secret()).unwrap() == key);
        let cases: &[(&str, KeyError)] = &[
            ("", KeyError::WrongPrefix),
            (
                "K2.local.QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkI",
                KeyError::WrongPrefix,
            ),
            (
                " k2.local.QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkI",
                KeyError::WrongPrefix,
            ),
            (
                "k2.local.QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkI=",
                KeyError::BadEncoding,
            ),
            (
                "k2.local.QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkI\n",
                KeyError::BadEncoding,
            ),
            (
                "k2.local.QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJ",
                KeyError::BadEncoding,
            ),
            (
                "k2.local.QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQk+",
                KeyError::BadEncoding,
            ),
            ("k2.local.", KeyError::WrongLength { bytes: 0 }),
            (
                "k2.local.QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQk",
                KeyError::WrongLength { bytes: 31 },
            ),
            (
                "k2.local.QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJC",
                KeyError::WrongLength { bytes: 33 },
            ),
            (
                "k2.local.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                KeyError::AllZero,
            ),
        ];
        for (s, want) in cases {
            assert_eq!(Key::from_paserk(s).unwrap_err(), *want, "{s:?}");
        }
        assert_eq!(
            p.expose_secret(),
            "k2.local.QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkI"
        );
    }

    #[test]
    fn error_messages_never_echo_input() {
        for s in [
            "k2.local.QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQk",
            "k4.local.QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkI",
            "k2.local.QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQk+",
        ] {
            let e = Key::from_paserk(s).unwrap_err();
            let msg = alloc::format!("{e} {e:?}");
            assert!(!msg.contains("QkJC"), "{msg}");
        }
    }

    #[test]
    fn key_id_parse() {
        let id = Key::from_bytes([1; 32]).id();
        assert_eq!(KeyId::parse(id.as_str()), Ok(id));
        assert_eq!(KeyId::parse_bytes(id.as_bytes()), Some(id));
        let mut bad = *id.as_bytes();
        bad[10] = b'=';
        assert_eq!(KeyId::parse_bytes(&bad), None);
        assert_eq!(KeyId::parse_bytes(&id.as_bytes()[..50]), None);
        assert!(KeyId::parse("k2.local.WpgZ4rDluvqGSwOFQfbkxem-i3lRJ92XPPPwHEDm-gtE").is_err());
        // Non-canonical last character (33 bytes leave no spare bits, so
        // every character is significant; check a wrong alphabet instead).
        assert!(KeyId::parse("k2.lid.WpgZ4rDluvqGSwOFQfbkxem+i3lRJ92XPPPwHEDm-gtE").is_err());
    }
}
