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

mod claims;
mod error;
pub mod format;
mod key;
mod rng;
mod session;
mod time;

pub use claims::Claims;
pub use error::{ClaimsError, Error, Malformed};
pub use key::{Key, KEY_LEN};
pub use session::KeySource;
pub use time::{ParseTimestampError, Timestamp};

#[cfg(feature = "__internal-test")]
#[doc(hidden)]
pub use session::__seal_claims_with_nonce_seed;
