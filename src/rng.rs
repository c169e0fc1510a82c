//! Randomness for nonce seeds and session ids.
//!
//! With `std`, bytes come from a **per-thread pool of OS randomness**: one
//! `getrandom` call fills [`POOL_LEN`] bytes, and each draw
//! ([`random`]; a seal makes one draw of 40 bytes: session id and nonce
//! seed) copies the next unused bytes out and zeroizes them in the pool, so
//! no byte is ever handed out twice by one process. A draw that does not fit
//! in what is left wipes the rest and refills; the pool is wiped when its
//! thread exits.
//!
//! **Fork.** The pool is tagged with the process id that filled it; a draw in
//! a process whose id differs (a `fork` child holding a copy of its parent's
//! memory) wipes the inherited bytes and refills before taking any, so parent
//! and child never share bytes. After `fork` only the forking thread exists
//! in the child, so only that thread's pool can be inherited, and every draw
//! checks. Known limit of pid-based detection: if a process fills its pool,
//! forks a child that never draws, exits, and that child later forks a
//! grandchild that happens to get the exited process's pid, the grandchild
//! could repeat bytes the exited process used. That needs pid wrap-around; and
//! with v2's nonce = BLAKE2b(seed, payload), a repeated seed repeats a nonce
//! only for a byte-identical payload (so only reveals that two tokens are
//! equal). No `unsafe`, no locks, no state shared between threads.
//!
//! Cost (measured in `bench/`): `getrandom` of 24 bytes is 0.29 µs; the pool
//! spreads one 1008-byte call (2.8 µs) over about 25 seals and adds one
//! `getpid` (0.10 µs; glibc does not cache it) per draw for the fork check.

#[cfg(feature = "std")]
use crate::{error::Error, format::NONCE_LEN};

/// Bytes of OS randomness fetched per refill (42 nonce seeds, 25 seals).
#[cfg(feature = "std")]
pub(crate) const POOL_LEN: usize = 42 * NONCE_LEN;

#[cfg(feature = "std")]
struct Pool {
    bytes: [u8; POOL_LEN],
    /// Index of the first unused byte; `POOL_LEN` when the pool is empty.
    next: usize,
    /// The process that filled the pool (0: never filled).
    pid: u32,
}

#[cfg(feature = "std")]
impl Pool {
    const EMPTY: Pool = Pool {
        bytes: [0; POOL_LEN],
        next: POOL_LEN,
        pid: 0,
    };

    fn take<const N: usize>(&mut self, pid: u32) -> Result<[u8; N], Error> {
        use zeroize::Zeroize;
        if self.pid != pid || self.next + N > POOL_LEN {
            // Inherited across fork, or used up: wipe whatever is left, refill.
            self.bytes.zeroize();
            self.next = POOL_LEN;
            fill(&mut self.bytes)?;
            self.next = 0;
            self.pid = pid;
        }
        let mut out = [0u8; N];
        let unused = self
            .bytes
            .get_mut(self.next..self.next + N)
            .ok_or(Error::Rng)?;
        out.copy_from_slice(unused);
        unused.zeroize();
        self.next += N;
        Ok(out)
    }
}

#[cfg(feature = "std")]
impl Drop for Pool {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        self.bytes.zeroize();
    }
}

#[cfg(feature = "std")]
std::thread_local! {
    static POOL: core::cell::RefCell<Pool> = const { core::cell::RefCell::new(Pool::EMPTY) };
}

#[cfg(feature = "std")]
fn fill(bytes: &mut [u8]) -> Result<(), Error> {
    use rand_core::RngCore;
    rand_core::OsRng
        .try_fill_bytes(bytes)
        .map_err(|_| Error::Rng)
}

/// 24 fresh bytes from the operating system's RNG, never handed out before
/// (see the module docs).
#[cfg(feature = "std")]
pub(crate) fn nonce_seed() -> Result<[u8; NONCE_LEN], Error> {
    random()
}

/// `N` (at most [`POOL_LEN`]) fresh bytes from the operating system's RNG,
/// never handed out before. One call is one fork check: draw what a seal
/// needs at once.
#[cfg(feature = "std")]
pub(crate) fn random<const N: usize>() -> Result<[u8; N], Error> {
    const { assert!(N <= POOL_LEN, "a draw must fit in the pool") };
    let pid = std::process::id();
    match POOL.try_with(|pool| pool.try_borrow_mut().map(|mut p| p.take::<N>(pid))) {
        Ok(Ok(bytes)) => bytes,
        // The thread-local is being torn down: ask the OS directly.
        _ => {
            let mut bytes = [0u8; N];
            fill(&mut bytes)?;
            Ok(bytes)
        }
    }
}

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::*;
    use alloc::collections::BTreeSet;
    use alloc::vec::Vec;

    #[test]
    fn seeds_are_never_repeated_across_many_refills() {
        let seeds: Vec<_> = (0..POOL_LEN * 3).map(|_| nonce_seed().unwrap()).collect();
        let distinct: BTreeSet<_> = seeds.iter().collect();
        assert_eq!(distinct.len(), seeds.len());
        assert!(seeds.iter().all(|s| s != &[0u8; NONCE_LEN]));
    }

    #[test]
    fn bytes_are_wiped_once_taken_and_a_new_pid_refills() {
        let mut pool = Pool::EMPTY;
        let a: [u8; NONCE_LEN] = pool.take(100).unwrap();
        assert_eq!((pool.pid, pool.next), (100, NONCE_LEN));
        assert_eq!(
            pool.bytes[..NONCE_LEN],
            [0u8; NONCE_LEN],
            "taken bytes are zeroized"
        );
        let unused_before: Vec<u8> = pool.bytes[NONCE_LEN..].to_vec();
        // Same process: the next seed is the next slice of the same pool.
        let b: [u8; NONCE_LEN] = pool.take(100).unwrap();
        assert_eq!(b[..], unused_before[..NONCE_LEN]);
        // As if forked: a child (pid 101) holding a copy of the parent's pool
        // must not take any byte the parent may still take.
        let mut child = Pool {
            bytes: pool.bytes,
            next: pool.next,
            pid: pool.pid,
        };
        let parent_next: [u8; NONCE_LEN] = pool.take(100).unwrap();
        let child_first: [u8; NONCE_LEN] = child.take(101).unwrap();
        assert_eq!(child.pid, 101);
        assert_eq!(child.next, NONCE_LEN, "the child refilled before taking");
        assert_ne!(child_first, parent_next);
        let parent_rest: BTreeSet<&[u8]> = pool.bytes[pool.next..].chunks(NONCE_LEN).collect();
        assert!(!parent_rest.contains(&child_first[..]));
        assert_ne!(a, b);
    }

    #[test]
    fn draws_of_any_size_never_overlap_and_the_tail_is_never_used() {
        let mut pool = Pool::EMPTY;
        let mut seen = BTreeSet::new();
        for i in 0..100 {
            let big: [u8; 40] = pool.take(7).unwrap();
            // 1008 is not a multiple of 40: a refill happens with 8 bytes
            // left, which are wiped, not handed out.
            assert!(pool.next <= POOL_LEN);
            assert!(seen.insert(big), "draw {i} repeated");
        }
        let whole: [u8; POOL_LEN] = pool.take(7).unwrap();
        assert_eq!(pool.next, POOL_LEN, "a whole-pool draw empties the pool");
        assert!(seen.iter().all(|s| !whole.windows(40).any(|w| w == s)));
    }

    #[test]
    fn each_thread_has_its_own_pool() {
        let here = nonce_seed().unwrap();
        let there = std::thread::spawn(|| nonce_seed().unwrap()).join().unwrap();
        assert_ne!(here, there);
    }
}
