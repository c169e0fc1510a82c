//! The random pool across a real `fork()`: a child that inherits its
//! parent's per-thread pool (and generator key) must not hand out the bytes
//! the parent hands out next.
//!
//! Both processes seal the same user id under the same key at the same
//! instant, so the tokens differ only if their random bytes (session id and
//! nonce seed) differ. If the pool did not notice the fork, the child would
//! take exactly the parent's next 40 bytes and both tokens would be
//! byte-identical. (The `unsafe` is the `fork`/`waitpid`/`_exit` calls; the
//! crate itself forbids `unsafe`.)
#![cfg(unix)]

use std::io::{Read, Write};
use std::time::Duration;

use sealed_session::{Key, Timestamp};

#[test]
fn a_fork_child_never_repeats_its_parents_random_bytes() {
    let key = Key::from_bytes([9; 32]);
    let at = Timestamp::from_unix_seconds(1_900_000_000).unwrap();
    let seal = || key.seal_at("u", Duration::from_secs(60), at).unwrap();
    // Fill this thread's pool; the parent's next seal comes from it.
    let _ = seal();

    let rounds = 8;
    let mut seen = std::collections::BTreeSet::new();
    for round in 0..rounds {
        let mut fds = [0; 2];
        // SAFETY: a plain pipe(2) into a two-element array.
        assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
        let (read_fd, write_fd) = (fds[0], fds[1]);
        // SAFETY: the child only seals, writes to the pipe and `_exit`s.
        let pid = unsafe { libc::fork() };
        assert!(pid >= 0, "fork failed");
        if pid == 0 {
            let token = seal();
            let mut out = std::mem::ManuallyDrop::new(unsafe {
                <std::fs::File as std::os::fd::FromRawFd>::from_raw_fd(write_fd)
            });
            let ok = out.write_all(token.as_bytes()).is_ok();
            // SAFETY: leave the child at once, without running the test
            // harness's exit path in the copy of its process.
            unsafe { libc::_exit(if ok { 0 } else { 1 }) };
        }
        // SAFETY: the parent's copy of the write end is closed once.
        unsafe { libc::close(write_fd) };
        let parent_token = seal();
        let mut child_token = String::new();
        // SAFETY: the read end is owned by this File from here on.
        let mut input = unsafe { <std::fs::File as std::os::fd::FromRawFd>::from_raw_fd(read_fd) };
        input.read_to_string(&mut child_token).unwrap();
        let mut status = 0;
        // SAFETY: waiting for the child this loop forked.
        assert_eq!(unsafe { libc::waitpid(pid, &mut status, 0) }, pid);
        assert!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0);

        assert!(child_token.starts_with("v2.local."), "round {round}");
        assert_ne!(
            child_token, parent_token,
            "round {round}: same random bytes"
        );
        let (c, p) = (
            key.open_at(&child_token, at).unwrap(),
            key.open_at(&parent_token, at).unwrap(),
        );
        assert_ne!(c.session_id(), p.session_id(), "round {round}");
        assert!(seen.insert(child_token) && seen.insert(parent_token));
    }
    assert_eq!(seen.len(), 2 * rounds);
}
