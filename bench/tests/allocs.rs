//! The allocation targets of the hot path (issue 7), asserted: opening a
//! token allocates once (the user id), sealing once (the token; the payload
//! is written on the stack). The issue allows two for a seal. Counts, not
//! timings: deterministic on every machine.
use sealed_session_bench::alloc_counter::{count, Counting};
use sealed_session_bench::{Contender, SealedSession, SealedSessionRing, USER_ID};

#[global_allocator]
static COUNTER: Counting = Counting;

#[test]
fn seal_and_open_allocate_once() {
    check(&mut SealedSession::new());
    // With the key ring's `kid` footer: routing matches its text, on the stack.
    check(&mut SealedSessionRing::new());
}

fn check(ours: &mut dyn Contender) {
    // Warm up this thread's RNG pool and thread-locals.
    let token = ours.seal();
    assert_eq!(ours.open(&token), USER_ID);

    let rounds = 200; // more than one RNG pool refill (42 seeds)
    let mut seal_max = 0;
    let mut open_max = 0;
    for _ in 0..rounds {
        let (t, n) = count(|| ours.seal());
        seal_max = seal_max.max(n);
        let (id, n) = count(|| ours.open(&t));
        assert_eq!(id, USER_ID);
        open_max = open_max.max(n);
    }
    assert_eq!(seal_max, 1, "{}: allocations per seal", ours.name());
    assert_eq!(open_max, 1, "{}: allocations per open", ours.name());
}

#[test]
fn the_counter_counts() {
    let ((), n) = count(|| drop(std::hint::black_box(vec![1u8; 10])));
    assert_eq!(n, 1);
}
