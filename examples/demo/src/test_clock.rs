//! [`TestClock`]: the clock the browser tests move forward.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use sealed_session::Timestamp;

/// A test clock: the system clock plus an offset that only moves forward.
/// Nodes configured with one ([`NodeConfig::test_clock`](crate::NodeConfig::test_clock)) serve
/// `POST /test/advance-clock` (body: whole seconds, as text), which moves
/// it for every node sharing it and answers the new time (RFC 3339). Never
/// enable it in production: anyone who can reach the node can then age
/// every session.
///
/// # Example
/// ```
/// use sealed_session_demo::TestClock;
/// use std::time::Duration;
/// let clock = TestClock::default();
/// let before = clock.now();
/// clock.advance(Duration::from_secs(3600));
/// assert!(clock.now().duration_since(before).unwrap() >= Duration::from_secs(3600));
/// ```
#[derive(Clone, Debug, Default)]
pub struct TestClock {
    offset_secs: Arc<AtomicU64>,
}

impl TestClock {
    /// The system time plus the offset.
    pub fn now(&self) -> Timestamp {
        let offset = Duration::from_secs(self.offset_secs.load(Ordering::SeqCst));
        let now = Timestamp::now();
        now.saturating_add(offset)
    }

    /// Move the clock forward by `by` (whole seconds).
    pub fn advance(&self, by: Duration) {
        // Saturating: a huge step (the route's body is any u64) must not
        // wrap the offset around and move the clock back.
        let _ = self
            .offset_secs
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |o| {
                Some(o.saturating_add(by.as_secs()))
            });
    }
}

/// `POST /test/advance-clock`: body whole seconds; answers the new time.
pub(crate) async fn advance(clock: TestClock, body: String) -> Response {
    match body.trim().parse::<u64>() {
        Ok(secs) => {
            clock.advance(Duration::from_secs(secs));
            format!("{}\n", clock.now()).into_response()
        }
        Err(_) => (StatusCode::BAD_REQUEST, "body: whole seconds\n").into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_huge_step_never_moves_the_clock_back() {
        let clock = TestClock::default();
        clock.advance(Duration::from_secs(3600));
        let before = clock.now();
        clock.advance(Duration::from_secs(u64::MAX));
        assert!(clock.now() >= before);
    }
}
