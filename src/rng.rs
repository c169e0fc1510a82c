//! Randomness for nonce seeds, session ids and new keys: straight from the
//! operating system, one `getrandom` call each time some is needed.
//!
//! There is no user-space pool or generator state: nothing a `fork`, a fork
//! into a new pid namespace, or a restored process or VM snapshot could copy
//! and hand out a second time. A seal makes one call for 40 bytes (session id
//! and nonce seed together). On glibc ≥ 2.41 with Linux ≥ 6.11 the call is
//! served from the vDSO, whose state the kernel itself wipes on fork and
//! snapshot; elsewhere it is the `getrandom(2)` system call (or the
//! platform's equivalent, through the `getrandom` crate).
//!
//! Callers pass the buffer to fill, so secret bytes are written once, where
//! they are used (and wiped there), rather than moved out of a return value.

use crate::error::Error;

/// Fill `bytes` from the operating system's RNG (one call).
///
/// # Errors
/// [`Error::Rng`] if the OS RNG fails.
pub(crate) fn fill(bytes: &mut [u8]) -> Result<(), Error> {
    getrandom::fill(bytes).map_err(|_| Error::Rng)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::collections::BTreeSet;

    #[test]
    fn draws_are_filled_and_distinct() {
        let mut seen = BTreeSet::new();
        for _ in 0..1000 {
            let mut b = [0u8; 40];
            fill(&mut b).unwrap();
            assert!(seen.insert(b));
        }
        // An empty request is fine (no call needed).
        fill(&mut []).unwrap();
    }
}
