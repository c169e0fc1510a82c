//! Random bytes are never handed out twice across a real `fork()`, nor
//! across a fork into a new pid namespace, where the child has the same pid
//! (1) as its parent.
//!
//! Parent and child seal the same user id under the same key at the same
//! instant, so the tokens differ only if their random bytes (session id and
//! nonce seed) differ. Any user-space randomness state copied by `fork`
//! (a pool, or a generator key), unless it noticed the fork, would make the
//! child take exactly the parent's next 40 bytes and both tokens would be
//! byte-identical. A pool tagged with the process id does not notice the
//! pid-namespace case. (The `unsafe` is the `fork`/`unshare`/`waitpid`/
//! `_exit` calls; the crate itself forbids `unsafe`.)
#![cfg(unix)]

use std::io::{Read, Write};
use std::time::Duration;

use sealed_session::{Key, Timestamp};

/// Fork; the child seals once and reports its pid and token through a pipe;
/// the parent seals once. Returns (the child's pid as it saw it, the child's
/// token, the parent's token).
fn fork_and_seal_in_both(seal: &dyn Fn() -> String) -> (u32, String, String) {
    let mut fds = [0; 2];
    // SAFETY: a plain pipe(2) into a two-element array.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    let (read_fd, write_fd) = (fds[0], fds[1]);
    // SAFETY: the child only seals, writes to the pipe and `_exit`s.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork failed");
    if pid == 0 {
        let report = format!("{} {}", std::process::id(), seal());
        // SAFETY: the write end is this process's own fd; never closed twice
        // (ManuallyDrop, and `_exit` follows).
        let mut out = std::mem::ManuallyDrop::new(unsafe {
            <std::fs::File as std::os::fd::FromRawFd>::from_raw_fd(write_fd)
        });
        let ok = out.write_all(report.as_bytes()).is_ok();
        // SAFETY: leave the child at once, without running the test
        // harness's exit path in the copy of its process.
        unsafe { libc::_exit(if ok { 0 } else { 1 }) };
    }
    // SAFETY: the parent's copy of the write end is closed once.
    unsafe { libc::close(write_fd) };
    let parent_token = seal();
    let mut report = String::new();
    // SAFETY: the read end is owned by this File from here on.
    let mut input = unsafe { <std::fs::File as std::os::fd::FromRawFd>::from_raw_fd(read_fd) };
    input.read_to_string(&mut report).unwrap();
    let mut status = 0;
    // SAFETY: waiting for the child this function forked.
    assert_eq!(unsafe { libc::waitpid(pid, &mut status, 0) }, pid);
    assert!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0);
    let (child_pid, child_token) = report.split_once(' ').expect("pid and token");
    (
        child_pid.parse().expect("a pid"),
        child_token.to_owned(),
        parent_token,
    )
}

fn key_and_seal() -> (Key, Timestamp) {
    let at = Timestamp::from_unix_seconds(1_900_000_000).unwrap();
    (Key::from_bytes([9; 32]), at)
}

/// The two tokens are well formed and share no random byte: different
/// tokens, different session ids.
fn assert_independent(key: &Key, at: Timestamp, child: &str, parent: &str) {
    assert!(child.starts_with("v2.local."), "{child}");
    assert_ne!(
        child, parent,
        "the child repeated its parent's random bytes"
    );
    let (c, p) = (
        key.open_at(child, at).unwrap(),
        key.open_at(parent, at).unwrap(),
    );
    assert_ne!(c.session_id(), p.session_id());
}

#[test]
fn a_fork_child_never_repeats_its_parents_random_bytes() {
    let (key, at) = key_and_seal();
    let seal = || key.seal_at("u", Duration::from_secs(60), at).unwrap();
    // Any state a seal leaves behind is in place before the fork.
    let _ = seal();

    let rounds = 8;
    let mut seen = std::collections::BTreeSet::new();
    for round in 0..rounds {
        let (child_pid, child_token, parent_token) = fork_and_seal_in_both(&seal);
        assert_ne!(child_pid, std::process::id(), "round {round}");
        assert_independent(&key, at, &child_token, &parent_token);
        assert!(seen.insert(child_token) && seen.insert(parent_token));
    }
    assert_eq!(seen.len(), 2 * rounds);
}

/// Set for the copy of this test binary that runs inside `unshare`.
#[cfg(target_os = "linux")]
const IN_NAMESPACE: &str = "SEALED_SESSION_TEST_IN_PID_NAMESPACE";

/// What a container entrypoint does: pid 1 of its pid namespace forks a
/// child into a new pid namespace, where the child is pid 1 too. Runs this
/// test binary's [`pid_namespace_inner`] as pid 1 of a new user + pid
/// namespace (`unshare`, util-linux; works unprivileged where user
/// namespaces are enabled, and as root). Several runs, since each process
/// can move its children into a new pid namespace only once.
#[cfg(target_os = "linux")]
#[test]
fn a_child_in_a_new_pid_namespace_never_repeats_its_parents_random_bytes() {
    let exe = std::env::current_exe().unwrap();
    let runs = 4;
    for run in 0..runs {
        let out = std::process::Command::new("unshare")
            .args(["--user", "--map-root-user", "--pid", "--fork", "--"])
            .arg(&exe)
            .args(["--exact", "pid_namespace_inner", "--ignored"])
            .args(["--nocapture", "--test-threads=1"])
            .env(IN_NAMESPACE, "1")
            .output()
            .expect("`unshare` (util-linux) runs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success(),
            "run {run}: {}\n{stdout}\n{stderr}",
            out.status
        );
        // The inner test really ran (and was not filtered out).
        assert!(stdout.contains("1 passed"), "run {run}: {stdout}");
    }
}

/// The inside of the test above; fails when run any other way.
#[cfg(target_os = "linux")]
#[test]
#[ignore = "run by a_child_in_a_new_pid_namespace_never_repeats_its_parents_random_bytes"]
fn pid_namespace_inner() {
    assert!(
        std::env::var_os(IN_NAMESPACE).is_some(),
        "run through the test that sets {IN_NAMESPACE}"
    );
    assert_eq!(std::process::id(), 1, "pid 1 of a new pid namespace");
    let (key, at) = key_and_seal();
    let seal = || key.seal_at("u", Duration::from_secs(60), at).unwrap();
    let _ = seal();
    // SAFETY: unshare(2) with one flag; the next child starts a new pid
    // namespace (as its pid 1), this process stays where it is.
    let r = unsafe { libc::unshare(libc::CLONE_NEWPID) };
    assert_eq!(
        r,
        0,
        "unshare(CLONE_NEWPID): {}",
        std::io::Error::last_os_error()
    );
    let (child_pid, child_token, parent_token) = fork_and_seal_in_both(&seal);
    assert_eq!(child_pid, 1, "the child is pid 1 of the new namespace");
    assert_eq!(std::process::id(), 1, "and so is its parent, in its own");
    assert_independent(&key, at, &child_token, &parent_token);
}
