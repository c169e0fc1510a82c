//! Overwriting the stack that a computation on secrets used.
//!
//! The hash and cipher code this crate calls leaves copies of what it
//! processed in stack frames that are dead once it returns, and nothing in
//! their APIs wipes them: `blake2` 0.10's compression function keeps the
//! message words (a key's PASERK text, a nonce seed, plaintext) and its
//! state in locals, its hasher types do not zeroize, and *ring*'s
//! ChaCha20-Poly1305 keeps the per-token key in its `LessSafeKey` (which
//! does not zeroize) and spills the ChaCha20 state, key words included, to
//! its assembly's stack frame.
//!
//! [`with_stack_wiped`] runs such a computation one call down and, when it
//! returns, overwrites that region of the stack with zeros. The sizes are
//! the deepest stack use of each computation measured on x86-64 (AVX-512
//! CPU, stack painted before and read back after), with at least 1.6×
//! margin; unoptimized builds use far more stack (`blake2` alone about
//! 87 KiB), so they wipe more. `src/vector_tests/wipe.rs` reads the dead stack after
//! each operation and fails if a secret is still there.
//!
//! The zeros are written with one `memset` whose buffer is passed to
//! [`core::hint::black_box`], so the compiler must treat them as read and
//! cannot drop the writes as dead; `zeroize`'s word-by-word volatile writes
//! would cost several times more for a few KiB.

/// Bytes to wipe below an AEAD call (measured: 2.5 KiB optimized, 9 KiB not).
pub(crate) const AEAD: usize = if cfg!(debug_assertions) {
    16 * 1024
} else {
    4 * 1024
};

/// Bytes to wipe below a BLAKE2b hash of a short message (measured: 1.1 KiB
/// optimized, 87 KiB not).
pub(crate) const BLAKE2B: usize = if cfg!(debug_assertions) {
    128 * 1024
} else {
    2 * 1024
};

/// Run `f`, then overwrite with zeros the `N` bytes of stack below this
/// frame, where `f` ran.
#[inline(always)]
pub(crate) fn with_stack_wiped<const N: usize, R>(f: impl FnOnce() -> R) -> R {
    let r = run(f);
    zero_stack::<N>();
    r
}

/// A call of its own, so `f`'s frames start where [`zero_stack`]'s do.
#[inline(never)]
fn run<R>(f: impl FnOnce() -> R) -> R {
    f()
}

#[inline(never)]
fn zero_stack<const N: usize>() {
    let area = [0u8; N];
    core::hint::black_box(&area);
}
