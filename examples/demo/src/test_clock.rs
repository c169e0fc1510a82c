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
        now.checked_add(offset).unwrap_or(now)
    }

    /// Move the clock forward by `by` (whole seconds).
    pub fn advance(&self, by: Duration) {
        self.offset_secs.fetch_add(by.as_secs(), Ordering::SeqCst);
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
