//! A criterion [`Measurement`] of the calling thread's CPU time
//! (`CLOCK_THREAD_CPUTIME_ID`: user + system time of this thread only),
//! instead of wall-clock time. On a shared, busy machine the wall clock also
//! counts the time other processes hold the core; the thread's CPU time
//! does not (cache and TLB disturbance from them still shows). For the
//! single-threaded calls benchmarked here the two agree on an idle machine.
#![allow(unsafe_code)] // clock_gettime(2) through libc.

use criterion::measurement::{Measurement, ValueFormatter};
use criterion::Throughput;

/// This thread's CPU time, in nanoseconds.
pub struct ThreadCpu;

fn now_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec through a valid pointer.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID)");
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

impl Measurement for ThreadCpu {
    type Intermediate = u64;
    type Value = u64;

    fn start(&self) -> u64 {
        now_ns()
    }
    fn end(&self, start: u64) -> u64 {
        now_ns().saturating_sub(start)
    }
    fn add(&self, a: &u64, b: &u64) -> u64 {
        a + b
    }
    fn zero(&self) -> u64 {
        0
    }
    fn to_f64(&self, v: &u64) -> f64 {
        *v as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        &Nanoseconds
    }
}

/// Values in CPU nanoseconds, printed as such.
struct Nanoseconds;

impl ValueFormatter for Nanoseconds {
    fn scale_values(&self, _typical: f64, _values: &mut [f64]) -> &'static str {
        "ns (thread CPU)"
    }
    fn scale_throughputs(&self, _t: f64, _th: &Throughput, _values: &mut [f64]) -> &'static str {
        "ns (thread CPU)"
    }
    fn scale_for_machines(&self, _values: &mut [f64]) -> &'static str {
        "ns"
    }
}
