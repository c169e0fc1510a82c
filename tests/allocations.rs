//! Heap allocations on the hot path, counted by a wrapping global allocator.
//!
//! Budget: opening a token with the default claims allocates once (the
//! user id); sealing without custom claims allocates once (the token: the
//! payload is written on the stack), a renewal at most twice.
//! The counter is per thread, so the test harness's own threads do not
//! disturb it. (The only `unsafe` here is the allocator shim every counting
//! allocator needs; the crate itself forbids `unsafe`.)

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::time::Duration;

use sealed_session::{Key, Policy, SessionId, Timestamp};

struct Counting;

thread_local! {
    static ALLOCS: Cell<usize> = const { Cell::new(0) };
}

fn bump() {
    // `try_with`: the slot may be gone while a thread shuts down.
    let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
}

// SAFETY: forwards every call to the system allocator unchanged.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        bump();
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        bump();
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        bump();
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations<R>(f: impl FnOnce() -> R) -> (usize, R) {
    let before = ALLOCS.with(Cell::get);
    let r = f();
    let n = ALLOCS.with(Cell::get) - before;
    eprintln!("{n} allocation(s)");
    (n, r)
}

fn at(s: i64) -> Timestamp {
    Timestamp::from_unix_seconds(1_900_000_000 + s).unwrap()
}

#[test]
fn open_allocates_only_the_user_id_and_seal_only_the_token() {
    let key = Key::from_bytes([7; 32]);
    let denied = SessionId::from_bytes([0; 16]);
    let policy = Policy::new(Duration::from_secs(1800), Duration::from_secs(86_400))
        .with_audience("app.example")
        .with_leeway(Duration::from_secs(5))
        .with_revocation(move |id| id == denied);
    let user = "user-1234567890";

    let (n, token) = allocations(|| key.seal_at(user, Duration::from_secs(60), at(0)).unwrap());
    assert_eq!(n, 1, "Key::seal_at allocated {n} times");
    let (n, claims) = allocations(|| key.open_at(&token, at(1)).unwrap());
    assert_eq!(n, 1, "Key::open_at allocated {n} times");
    assert_eq!(claims.user_id(), user);

    let (n, token) = allocations(|| policy.seal(&key, user, at(0)).unwrap());
    assert_eq!(n, 1, "Policy::seal allocated {n} times");
    let (n, claims) = allocations(|| policy.open(&key, &token, at(1)).unwrap());
    assert_eq!(n, 1, "Policy::open allocated {n} times");

    let (n, renewed) = allocations(|| policy.renew(&key, &claims, at(1000)).unwrap());
    assert!(n <= 2, "Policy::renew allocated {n} times");
    assert!(policy.open(&key, &renewed, at(1000)).is_ok());

    // The no-custom-claims type through the custom path costs nothing more.
    let (n, _) = allocations(|| policy.open_custom::<()>(&key, &token, at(1)).unwrap());
    assert_eq!(n, 1, "Policy::open_custom::<()> allocated {n} times");

    // A user id with characters JSON escapes is still read without copies
    // beyond the owned user id.
    let odd = "a\"b\\c";
    let token = policy.seal(&key, odd, at(0)).unwrap();
    let (n, claims) = allocations(|| policy.open(&key, &token, at(1)).unwrap());
    assert_eq!(claims.user_id(), odd);
    assert!(n <= 2, "escaped user id: {n} allocations");
}
