//! Nonce-seed randomness.

#[cfg(feature = "std")]
use crate::{error::Error, format::NONCE_LEN};

/// 24 fresh bytes from the operating system's RNG.
#[cfg(feature = "std")]
pub(crate) fn nonce_seed() -> Result<[u8; NONCE_LEN], Error> {
    use rand_core::RngCore;
    let mut seed = [0u8; NONCE_LEN];
    rand_core::OsRng
        .try_fill_bytes(&mut seed)
        .map_err(|_| Error::Rng)?;
    Ok(seed)
}
