//! Randomness for nonce seeds and session ids.
//!
//! With `std`, bytes come from a **per-thread pool**: [`POOL_LEN`] bytes of
//! ChaCha20 keystream under a key drawn from the OS RNG. Each draw
//! ([`random`]; a seal makes one draw of 40 bytes: session id and nonce
//! seed) copies the next unused bytes out and zeroizes them in the pool, so
//! no byte is ever handed out twice by one process. A draw that does not fit
//! in what is left wipes the rest and refills; the pool is wiped when its
//! thread exits.
//!
//! **Refill: a fast-key-erasure generator** (D. J. Bernstein, "Fast-key-erasure
//! random-number generators", 2017; the design of OpenBSD's `arc4random` and
//! Linux's own CRNG). ChaCha20 (the `chacha20` crate; nonce 0, counter 0)
//! under the pool's key produces `32 + POOL_LEN` bytes: the first 32 replace
//! the key at once (so a later memory disclosure cannot recompute bytes
//! already handed out), the rest are the pool. Every [`RESEED_EVERY`]
//! refills, and on the first refill of a thread or process, the key is
//! replaced by 32 fresh bytes from the OS instead. Distinct keys give
//! independent streams, and one key never produces more than one pool, so
//! no output repeats. Cost: ChaCha20 is about 0.8 ns per byte here against
//! about 2.4 ns per byte for `getrandom` (plus its syscall), so a seal's 40
//! bytes cost about 0.03 µs instead of 0.11 µs.
//!
//! **Fork.** The pool is tagged with the process id that filled it; a draw in
//! a process whose id differs (a `fork` child holding a copy of its parent's
//! memory, key included) wipes the inherited bytes and key and reseeds from
//! the OS before taking any, so parent and child never share bytes. After
//! `fork` only the forking thread exists in the child, so only that thread's
//! pool can be inherited, and every draw checks. Known limit of pid-based
//! detection: if a process fills its pool, forks a child that never draws,
//! exits, and that child later forks a grandchild that happens to get the
//! exited process's pid, the grandchild could repeat bytes the exited process
//! used. That needs pid wrap-around; and with v2's nonce = BLAKE2b(seed,
//! payload), a repeated seed repeats a nonce only for a byte-identical payload
//! (so only reveals that two tokens are equal). No `unsafe`, no locks, no
//! state shared between threads.
//!
//! The fork check is one `getpid` per draw (0.10 µs; glibc does not cache
//! it), measured in `bench/` with the rest.

#[cfg(feature = "std")]
use crate::{error::Error, format::NONCE_LEN};

/// Bytes per refill (42 nonce seeds, 25 seals).
#[cfg(feature = "std")]
pub(crate) const POOL_LEN: usize = 42 * NONCE_LEN;

/// Refills between two reseeds of the key from the OS (about 1600 seals).
#[cfg(feature = "std")]
pub(crate) const RESEED_EVERY: u32 = 64;

#[cfg(feature = "std")]
struct Pool {
    bytes: [u8; POOL_LEN],
    /// Index of the first unused byte; `POOL_LEN` when the pool is empty.
    next: usize,
    /// The process that filled the pool (0: never filled).
    pid: u32,
    /// The generator's key; replaced at every refill.
    key: [u8; 32],
    /// Refills left before the key is reseeded from the OS (0: at the next).
    refills_left: u32,
}

#[cfg(feature = "std")]
impl Pool {
    const EMPTY: Pool = Pool {
        bytes: [0; POOL_LEN],
        next: POOL_LEN,
        pid: 0,
        key: [0; 32],
        refills_left: 0,
    };

    fn take<const N: usize>(&mut self, pid: u32) -> Result<[u8; N], Error> {
        use zeroize::Zeroize;
        if self.pid != pid || self.next + N > POOL_LEN {
            // Inherited across fork, or used up: wipe whatever is left, refill.
            self.refill(pid)?;
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

    fn refill(&mut self, pid: u32) -> Result<(), Error> {
        use zeroize::Zeroize;
        self.bytes.zeroize();
        self.next = POOL_LEN;
        if self.pid != pid || self.refills_left == 0 {
            // A new thread, a fork child (whose key is its parent's), or
            // time to reseed: the key comes from the OS, never from state.
            self.key.zeroize();
            self.refills_left = 0;
            fill(&mut self.key)?;
            self.pid = pid;
            self.refills_left = RESEED_EVERY;
        }
        let mut next_key = [0u8; 32];
        expand(&self.key, &mut next_key, &mut self.bytes);
        self.key = next_key;
        next_key.zeroize();
        self.refills_left -= 1;
        self.next = 0;
        Ok(())
    }
}

/// ChaCha20 keystream under `key` (nonce 0, counter 0): the first 32 bytes
/// into `next_key`, the following ones into `out`.
#[cfg(feature = "std")]
fn expand(key: &[u8; 32], next_key: &mut [u8; 32], out: &mut [u8]) {
    use chacha20::cipher::{KeyIvInit, StreamCipher};
    // The cipher state zeroizes itself on drop (`chacha20`'s `zeroize`).
    let mut stream = chacha20::ChaCha20::new(key.into(), &[0u8; 12].into());
    next_key.fill(0);
    out.fill(0);
    stream.apply_keystream(next_key);
    stream.apply_keystream(out);
}

#[cfg(feature = "std")]
impl Drop for Pool {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        self.bytes.zeroize();
        self.key.zeroize();
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

/// 24 fresh random bytes, never handed out before (see the module docs).
#[cfg(feature = "std")]
pub(crate) fn nonce_seed() -> Result<[u8; NONCE_LEN], Error> {
    random()
}

/// `N` (at most [`POOL_LEN`]) fresh random bytes, never handed out before.
/// One call is one fork check: draw what a seal needs at once.
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
            key: pool.key,
            refills_left: pool.refills_left,
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

    /// RFC 8439 §A.1, test vectors #1 and #2: the ChaCha20 block function
    /// for the all-zero key and nonce, block counters 0 and 1.
    const RFC8439_A1: &str = "76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7\
                              da41597c5157488d7724e03fb8d84a376a43b8f41518a11cc387b669b2ee6586\
                              9f07e7be5551387a98ba977c732d080dcb0f29a048e3656912c6533e32ee7aed\
                              29b721769ce64e43d57133b074d839d531ed1f28510afb45ace10a1f4b794d6f";

    fn unhex(s: &str) -> Vec<u8> {
        let s: Vec<u8> = s.bytes().filter(u8::is_ascii_hexdigit).collect();
        s.chunks(2)
            .map(|p| u8::from_str_radix(core::str::from_utf8(p).unwrap(), 16).unwrap())
            .collect()
    }

    #[test]
    fn expand_is_the_chacha20_keystream_key_first() {
        let stream = unhex(RFC8439_A1);
        assert_eq!(stream.len(), 128);
        let mut next_key = [0xAA; 32];
        let mut out = [0xAA; 96];
        expand(&[0; 32], &mut next_key, &mut out);
        assert_eq!(next_key[..], stream[..32]);
        assert_eq!(out[..], stream[32..]);
    }

    #[test]
    fn every_refill_erases_the_key_and_the_os_reseeds_it_on_schedule() {
        let mut pool = Pool::EMPTY;
        let _: [u8; 8] = pool.take(5).unwrap();
        // The first refill reseeded from the OS, then used one refill.
        assert_eq!(pool.refills_left, RESEED_EVERY - 1);
        assert_ne!(pool.key, [0; 32]);
        for i in 1..RESEED_EVERY {
            let before = pool.key;
            let mut want_key = [0u8; 32];
            let mut want_pool = [0u8; POOL_LEN];
            expand(&before, &mut want_key, &mut want_pool);
            let first: [u8; POOL_LEN] = pool.take(5).unwrap();
            // Fast key erasure: the pool and the next key come from the
            // previous key's stream; the previous key is gone.
            assert_eq!(first, want_pool, "refill {i}");
            assert_eq!(pool.key, want_key, "refill {i}");
            assert_eq!(pool.refills_left, RESEED_EVERY - 1 - i);
        }
        // Schedule reached: the next key comes from the OS, not the stream.
        let before = pool.key;
        let mut from_stream = [0u8; 32];
        expand(&before, &mut from_stream, &mut [0u8; POOL_LEN]);
        let _: [u8; POOL_LEN] = pool.take(5).unwrap();
        assert_eq!(pool.refills_left, RESEED_EVERY - 1);
        let mut after_stream = [0u8; 32];
        expand(&from_stream, &mut after_stream, &mut [0u8; POOL_LEN]);
        assert_ne!(pool.key, after_stream, "the key was reseeded from the OS");
    }

    #[test]
    fn a_fork_child_reseeds_instead_of_continuing_the_parents_stream() {
        let mut parent = Pool::EMPTY;
        let _: [u8; 8] = parent.take(100).unwrap();
        let mut child = Pool {
            bytes: parent.bytes,
            next: parent.next,
            pid: parent.pid,
            key: parent.key,
            refills_left: parent.refills_left,
        };
        // What the parent's next refill will produce.
        let mut parent_key = [0u8; 32];
        let mut parent_pool = [0u8; POOL_LEN];
        expand(&parent.key, &mut parent_key, &mut parent_pool);
        let child_all: [u8; POOL_LEN] = child.take(101).unwrap();
        assert_eq!(child.refills_left, RESEED_EVERY - 1, "the child reseeded");
        assert_ne!(child_all, parent_pool);
        assert_ne!(child.key, parent_key);
        assert!(child_all
            .windows(8)
            .all(|w| !parent.bytes.windows(8).any(|p| p == w)));
    }

    #[test]
    fn each_thread_has_its_own_pool() {
        let here = nonce_seed().unwrap();
        let there = std::thread::spawn(|| nonce_seed().unwrap()).join().unwrap();
        assert_ne!(here, there);
    }
}
