//! The demo's development and test settings from the environment, and a
//! small stderr logger so the adapter's warnings show.

use sealed_session::cookie::{CookieOptions, SessionCookie};
use sealed_session_demo::TestClock;

/// `DEMO_COOKIE`: unset (or `hardened`) for the hardened `__Host-session`
/// cookie; `dev` for a development cookie `session` that is not `Secure`,
/// which browsers keep over plain HTTP on any host name.
pub fn cookie_from_env() -> Result<SessionCookie, String> {
    match std::env::var("DEMO_COOKIE").as_deref() {
        Err(_) | Ok("") | Ok("hardened") => Ok(SessionCookie::hardened()),
        Ok("dev") => {
            eprintln!(
                "WARNING: DEMO_COOKIE=dev: development cookie `session` (not Secure, no __Host- \
                 prefix), for plain HTTP on a host other than localhost/127.0.0.1 only; never \
                 use it in production (sent over plain HTTP, can be planted by sibling hosts)"
            );
            CookieOptions::new()
                .name("session")
                .secure(false)
                .build()
                .map_err(|e| format!("development cookie: {e}"))
        }
        Ok(other) => Err(format!(
            "DEMO_COOKIE must be `dev` or unset (hardened cookie), got {other:?}"
        )),
    }
}

/// `DEMO_TEST_CLOCK=1`: one [`TestClock`] shared by all nodes, moved by
/// `POST /test/advance-clock` (for the browser tests).
pub fn test_clock_from_env() -> Result<Option<TestClock>, String> {
    match std::env::var("DEMO_TEST_CLOCK").as_deref() {
        Err(_) | Ok("") | Ok("0") => Ok(None),
        Ok("1") => {
            eprintln!(
                "WARNING: DEMO_TEST_CLOCK=1: POST /test/advance-clock moves every node's clock \
                 forward; for tests only"
            );
            Ok(Some(TestClock::default()))
        }
        Ok(other) => Err(format!("DEMO_TEST_CLOCK must be 1 or unset, got {other:?}")),
    }
}

/// Prints `log` records at `WARN` and above to stderr (the adapters'
/// `tracing` events arrive as `log` records when no `tracing` subscriber
/// is set).
struct StderrLog;

impl log::Log for StderrLog {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= log::Level::Warn
    }

    fn log(&self, record: &log::Record<'_>) {
        if self.enabled(record.metadata()) {
            eprintln!("{} {}: {}", record.level(), record.target(), record.args());
        }
    }

    fn flush(&self) {}
}

static LOGGER: StderrLog = StderrLog;

/// Install the stderr logger (once; later calls do nothing).
pub fn init_logging() {
    if log::set_logger(&LOGGER).is_ok() {
        log::set_max_level(log::LevelFilter::Warn);
    }
}
