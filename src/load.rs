//! Loading keys from the environment or a file (feature `std`).
//!
//! Both loaders read a `k2.local.` PASERK string (see
//! [`Key::from_paserk`]), ignoring ASCII whitespace around it (such as the
//! newline at the end of a file), and zeroize what they read.

use std::fmt;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::string::String;
use std::vec::Vec;

use zeroize::Zeroize;

use crate::key::Key;
use crate::paserk::{KeyError, LOCAL_PREFIX};

/// The largest key file read, in bytes. A key is 52 bytes; the rest is room
/// for whitespace.
const MAX_KEY_FILE_LEN: u64 = 1024;

/// Why a key could not be loaded from the environment or a file.
///
/// Every variant says what was wrong and where (the variable's name, the
/// file's path); none ever contains key material.
///
/// # Example
/// ```
/// use sealed_session::{Key, LoadKeyError};
/// let e = Key::from_env("SEALED_SESSION_DOC_EXAMPLE_UNSET").unwrap_err();
/// assert!(matches!(e, LoadKeyError::EnvMissing { .. }));
/// assert!(e.to_string().contains("SEALED_SESSION_DOC_EXAMPLE_UNSET is not set"));
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum LoadKeyError {
    /// The environment variable is not set.
    EnvMissing {
        /// The variable's name.
        var: String,
    },
    /// The environment variable is set but is not valid UTF-8.
    EnvNotUnicode {
        /// The variable's name.
        var: String,
    },
    /// The environment variable does not hold a valid key.
    InvalidInEnv {
        /// The variable's name.
        var: String,
        /// What is wrong with the key.
        error: KeyError,
    },
    /// The key file can be accessed by its group or by others (unix only).
    /// Fix it with `chmod 600 <path>`.
    FileMode {
        /// The file's path.
        path: PathBuf,
        /// The file's permission bits, e.g. `0o644`.
        mode: u32,
    },
    /// The file is larger than any key file (1024 bytes), so it was not read.
    FileTooLarge {
        /// The file's path.
        path: PathBuf,
    },
    /// The file could not be opened or read.
    Io {
        /// The file's path.
        path: PathBuf,
        /// The operating system's error.
        error: io::Error,
    },
    /// The file does not hold a valid key.
    InvalidInFile {
        /// The file's path.
        path: PathBuf,
        /// What is wrong with the key.
        error: KeyError,
    },
}

impl fmt::Display for LoadKeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadKeyError::EnvMissing { var } => write!(
                f,
                "environment variable {var} is not set: it should hold a `k2.local.` key \
                 (create one with `sealed-session keygen`)"
            ),
            LoadKeyError::EnvNotUnicode { var } => write!(
                f,
                "environment variable {var} is not valid UTF-8, so it cannot hold a `k2.local.` key"
            ),
            LoadKeyError::InvalidInEnv { var, error } => {
                write!(
                    f,
                    "environment variable {var} does not hold a valid key: {error}"
                )
            }
            LoadKeyError::FileMode { path, mode } => write!(
                f,
                "key file {} can be accessed by group or others (mode {:04o}); \
                 a key file must be readable by its owner only: run `chmod 600 {}`",
                path.display(),
                mode & 0o7777,
                path.display()
            ),
            LoadKeyError::FileTooLarge { path } => write!(
                f,
                "key file {} is larger than {MAX_KEY_FILE_LEN} bytes, so it is not a key file \
                 (a key file holds one `k2.local.` key)",
                path.display()
            ),
            LoadKeyError::Io { path, error } => {
                write!(f, "cannot read key file {}: {error}", path.display())
            }
            LoadKeyError::InvalidInFile { path, error } => {
                write!(
                    f,
                    "key file {} does not hold a valid key: {error}",
                    path.display()
                )
            }
        }
    }
}

impl std::error::Error for LoadKeyError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            LoadKeyError::Io { error, .. } => Some(error),
            LoadKeyError::InvalidInEnv { error, .. }
            | LoadKeyError::InvalidInFile { error, .. } => Some(error),
            _ => None,
        }
    }
}

/// Parse the key text read from a file or a variable.
fn parse_loaded(bytes: &[u8]) -> Result<Key, KeyError> {
    let trimmed = bytes.trim_ascii();
    match core::str::from_utf8(trimmed) {
        Ok(s) => Key::from_paserk(s),
        Err(_) if trimmed.starts_with(LOCAL_PREFIX.as_bytes()) => Err(KeyError::BadEncoding),
        Err(_) => Err(KeyError::WrongPrefix),
    }
}

impl Key {
    /// Load a key from the environment variable `var`, which holds a
    /// `k2.local.` PASERK string (surrounding whitespace is ignored).
    ///
    /// # Errors
    /// [`LoadKeyError::EnvMissing`], [`LoadKeyError::EnvNotUnicode`] or
    /// [`LoadKeyError::InvalidInEnv`] (naming the variable and the
    /// [`KeyError`]).
    ///
    /// # Security
    /// The process's copy of the environment is not cleared: anything that
    /// can read this process's environment can read the key. Prefer a key
    /// file (or a secrets manager's file mount) where you can.
    ///
    /// # Example
    /// ```
    /// use sealed_session::Key;
    /// # std::env::set_var("SEALED_SESSION_KEY", "k2.local.cHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHA\n");
    /// let key = Key::from_env("SEALED_SESSION_KEY")?;
    /// assert!(key == Key::from_bytes([0x70; 32]));
    /// # Ok::<(), sealed_session::LoadKeyError>(())
    /// ```
    pub fn from_env(var: &str) -> Result<Key, LoadKeyError> {
        let value =
            std::env::var_os(var).ok_or_else(|| LoadKeyError::EnvMissing { var: var.into() })?;
        let value = value
            .into_string()
            .map_err(|_| LoadKeyError::EnvNotUnicode { var: var.into() })?;
        let mut bytes: Vec<u8> = value.into_bytes();
        let result = parse_loaded(&bytes);
        bytes.as_mut_slice().zeroize();
        result.map_err(|error| LoadKeyError::InvalidInEnv {
            var: var.into(),
            error,
        })
    }

    /// Load a key from a file holding a `k2.local.` PASERK string
    /// (surrounding whitespace, e.g. a final newline, is ignored).
    ///
    /// On unix the file must not be accessible by its group or by others
    /// (mode `0600` or `0400`); the permissions are checked on the opened
    /// file, before it is read. Files larger than 1024 bytes are refused
    /// unread.
    ///
    /// # Errors
    /// [`LoadKeyError::FileMode`] (the message says to run `chmod 600`),
    /// [`LoadKeyError::FileTooLarge`], [`LoadKeyError::Io`] or
    /// [`LoadKeyError::InvalidInFile`] (naming the path and the
    /// [`KeyError`]).
    ///
    /// # Example
    /// ```
    /// use sealed_session::{Key, LoadKeyError};
    /// let e = Key::from_file("/nonexistent/session.key").unwrap_err();
    /// assert!(matches!(e, LoadKeyError::Io { .. }));
    /// assert!(e.to_string().starts_with("cannot read key file /nonexistent/session.key"));
    /// ```
    pub fn from_file(path: impl AsRef<Path>) -> Result<Key, LoadKeyError> {
        let path = path.as_ref();
        let io_err = |error| LoadKeyError::Io {
            path: path.into(),
            error,
        };
        let file = std::fs::File::open(path).map_err(io_err)?;
        let meta = file.metadata().map_err(io_err)?;
        if meta.is_dir() {
            return Err(io_err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "it is a directory",
            )));
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = meta.permissions().mode();
            if mode & 0o077 != 0 {
                return Err(LoadKeyError::FileMode {
                    path: path.into(),
                    mode,
                });
            }
        }
        if meta.len() > MAX_KEY_FILE_LEN {
            return Err(LoadKeyError::FileTooLarge { path: path.into() });
        }
        // Room for the whole bounded read, so the buffer never reallocates
        // (a reallocation would free an unwiped copy of the key text).
        let mut bytes = Vec::with_capacity(MAX_KEY_FILE_LEN as usize + 1);
        let read = file
            .take(MAX_KEY_FILE_LEN + 1)
            .read_to_end(&mut bytes)
            .map(|_| ());
        let result = match read {
            Err(e) => Err(io_err(e)),
            // The file grew between the size check and the read.
            Ok(()) if bytes.len() as u64 > MAX_KEY_FILE_LEN => {
                Err(LoadKeyError::FileTooLarge { path: path.into() })
            }
            Ok(()) => parse_loaded(&bytes).map_err(|error| LoadKeyError::InvalidInFile {
                path: path.into(),
                error,
            }),
        };
        bytes.as_mut_slice().zeroize();
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_loaded_trims_and_classifies() {
        let key = Key::from_bytes([0x70; 32]);
        let text = "k2.local.cHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHA";
        for s in [
            std::string::ToString::to_string(text),
            std::format!("{text}\n"),
            std::format!("  {text}\r\n"),
        ] {
            assert!(parse_loaded(s.as_bytes()).unwrap() == key);
        }
        assert_eq!(
            parse_loaded(b"k2.local.\xff\xfe").unwrap_err(),
            KeyError::BadEncoding
        );
        assert_eq!(
            parse_loaded(b"\xff\xfe").unwrap_err(),
            KeyError::WrongPrefix
        );
        assert_eq!(parse_loaded(b"").unwrap_err(), KeyError::WrongPrefix);
    }
}
