//! The symmetric key.

use core::fmt;

#[cfg(feature = "rustcrypto")]
use chacha20poly1305::{KeyInit, XChaCha20Poly1305};
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// Length of a key in bytes.
pub const KEY_LEN: usize = 32;

/// A 32-byte XChaCha20-Poly1305 key for `v2.local` tokens.
///
/// - Zeroized on drop (the bytes, and with `rustcrypto` the cipher's copy).
/// - `Debug` prints `Key(<redacted>)`, never the bytes.
/// - `==` compares in constant time.
/// - No `Default`: a key is generated or loaded, never implied.
///
/// With the `rustcrypto` backend the cipher instance is built once, when
/// the key is made, so sealing and opening do no per-call key setup (the
/// `ring` backend derives a subkey per token anyway).
///
/// Operators handle a key as a PASERK string (`k2.local.…`): load it with
/// [`Key::from_file`] or [`Key::from_env`] (or [`Key::from_paserk`]), write
/// it with [`Key::to_paserk`], and name it by its public id [`Key::id`]
/// (`k2.lid.…`). Several keys for rotation go in a
/// [`KeyRing`](crate::KeyRing).
///
/// # Example
/// ```
/// use sealed_session::Key;
/// let key = Key::generate();
/// assert_eq!(format!("{key:?}"), "Key(<redacted>)");
/// let same = Key::from_bytes(key.expose_secret_bytes());
/// assert!(key == same);
/// ```
#[derive(Clone)]
pub struct Key {
    bytes: [u8; KEY_LEN],
    /// RustCrypto's cipher (with the `rustcrypto` feature): its key setup
    /// is done once, here.
    #[cfg(feature = "rustcrypto")]
    pub(crate) cipher: XChaCha20Poly1305,
}

impl Key {
    /// A fresh random key from the operating system's RNG.
    ///
    /// # Panics
    /// If the operating system's RNG fails (see [`Key::try_generate`]).
    ///
    /// # Example
    /// ```
    /// let key = sealed_session::Key::generate();
    /// # let _ = key;
    /// ```
    #[cfg(feature = "std")]
    pub fn generate() -> Key {
        match Key::try_generate() {
            Ok(k) => k,
            Err(e) => panic!("{e}"),
        }
    }

    /// A fresh random key from the operating system's RNG.
    ///
    /// # Errors
    /// [`crate::Error::Rng`] if the OS RNG fails.
    ///
    /// # Example
    /// ```
    /// let key = sealed_session::Key::try_generate()?;
    /// # Ok::<(), sealed_session::Error>(())
    /// ```
    #[cfg(feature = "std")]
    pub fn try_generate() -> Result<Key, crate::Error> {
        let mut bytes = zeroize::Zeroizing::new([0u8; KEY_LEN]);
        crate::rng::fill(&mut *bytes)?;
        Ok(Key::from_bytes(*bytes))
    }

    /// A key from its 32 raw bytes. The caller should zeroize its copy.
    ///
    /// # Example
    /// ```
    /// let key = sealed_session::Key::from_bytes([7u8; 32]);
    /// # let _ = key;
    /// ```
    pub fn from_bytes(bytes: [u8; KEY_LEN]) -> Key {
        Key {
            #[cfg(feature = "rustcrypto")]
            cipher: XChaCha20Poly1305::new(&bytes.into()),
            bytes,
        }
    }

    /// A key from a slice that must be exactly 32 bytes long.
    ///
    /// # Errors
    /// [`crate::Error::InvalidArgument`] for any other length.
    ///
    /// # Example
    /// ```
    /// assert!(sealed_session::Key::try_from_slice(&[1u8; 32]).is_ok());
    /// assert!(sealed_session::Key::try_from_slice(&[1u8; 31]).is_err());
    /// ```
    pub fn try_from_slice(bytes: &[u8]) -> Result<Key, crate::Error> {
        let arr: [u8; KEY_LEN] = bytes
            .try_into()
            .map_err(|_| crate::Error::InvalidArgument("a key is exactly 32 bytes"))?;
        Ok(Key::from_bytes(arr))
    }

    /// The raw key bytes. Named so that every use stands out in review:
    /// store them only where a key belongs.
    ///
    /// ```
    /// let key = sealed_session::Key::from_bytes([9u8; 32]);
    /// assert_eq!(key.expose_secret_bytes(), [9u8; 32]);
    /// ```
    pub fn expose_secret_bytes(&self) -> [u8; KEY_LEN] {
        self.bytes
    }
}

impl Drop for Key {
    fn drop(&mut self) {
        self.bytes.zeroize();
        // `XChaCha20Poly1305` zeroizes its own key copy on drop.
    }
}

impl ZeroizeOnDrop for Key {}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Key(<redacted>)")
    }
}

impl ConstantTimeEq for Key {
    fn ct_eq(&self, other: &Self) -> subtle::Choice {
        self.bytes.ct_eq(&other.bytes)
    }
}

impl PartialEq for Key {
    /// Constant-time comparison of the key bytes.
    fn eq(&self, other: &Self) -> bool {
        self.ct_eq(other).into()
    }
}

impl Eq for Key {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let k = Key::from_bytes([0xAB; 32]);
        let s = alloc::format!("{k:?}");
        assert_eq!(s, "Key(<redacted>)");
        assert!(!s.to_lowercase().contains("ab"));
    }

    #[test]
    fn equality() {
        assert!(Key::from_bytes([1; 32]) == Key::from_bytes([1; 32]));
        let mut other = [1; 32];
        other[31] = 2;
        assert!(Key::from_bytes([1; 32]) != Key::from_bytes(other));
    }

    #[cfg(feature = "std")]
    #[test]
    fn generated_keys_differ() {
        assert!(Key::generate() != Key::generate());
    }
}
