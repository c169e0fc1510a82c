//! The one place that calls the core crate's seal/open API, so a change of
//! that API (key ring, lifecycle rules) stays local to this file.

use std::time::Duration;

use sealed_session::{Claims, Error, Timestamp};

use crate::{Keys, Session, SessionError, Sessions, SetSessionCookie};

pub(crate) fn seal(
    keys: &Keys,
    user_id: &str,
    lifetime: Duration,
    now: Timestamp,
) -> Result<String, Error> {
    keys.seal_at(user_id, lifetime, now)
}

pub(crate) fn open(keys: &Keys, token: &str, now: Timestamp) -> Result<Claims, Error> {
    keys.open_at(token, now)
}

/// Due once the session is `renew_after` old.
pub(crate) fn needs_renewal(
    claims: &Claims,
    renew_after: Option<Duration>,
    now: Timestamp,
) -> bool {
    match (renew_after, claims.issued_at()) {
        (Some(age), Some(iat)) => now.duration_since(iat).is_some_and(|d| d >= age),
        _ => false,
    }
}

/// The cookie carrying the renewed session.
pub(crate) fn renewed(
    sessions: &Sessions,
    session: &Session,
    now: Timestamp,
) -> Result<SetSessionCookie, SessionError> {
    sessions.start_at(session.user_id(), now)
}
