#![doc = include_str!("../README.md")]
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]
// Without `std` there is no OS RNG, so the sealing half is compiled but unused.
#![cfg_attr(not(feature = "std"), allow(dead_code, unused_imports))]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

mod aead;
mod b64;
mod claims;
pub mod cookie;
mod error;
pub mod format;
mod key;
mod keyring;
#[cfg(feature = "std")]
mod load;
mod paserk;
#[cfg(feature = "std")]
mod rng;
mod session;
#[cfg(test)]
mod test_util;
mod time;
#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
pub mod web;

pub use claims::{Claims, SessionId, REGISTERED_CLAIMS};
pub use error::{ClaimsError, Error, Malformed};
pub use key::{Key, KEY_LEN};
pub use keyring::KeyRing;
#[cfg(feature = "std")]
pub use load::LoadKeyError;
pub use paserk::{KeyError, KeyId, LocalPaserk, ParseKeyIdError};
pub use session::{KeySource, NewSession, Policy, Revocation};
pub use time::{ParseTimestampError, Timestamp};

#[cfg(feature = "__internal-test")]
#[doc(hidden)]
pub use b64::__b64_decode_into;
#[cfg(feature = "__internal-test")]
#[doc(hidden)]
pub use claims::{__ClaimsPaths, __claims_paths};
#[cfg(feature = "__internal-test")]
#[doc(hidden)]
pub use session::{__policy_seal_with_nonce_seed, __seal_claims_with_nonce_seed};
