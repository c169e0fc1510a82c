//! Why sessions are refused, counted (feature `std`), and logged through
//! `tracing` (feature `tracing`, turned on by the adapters' default
//! `tracing` feature; never in the `no_std` core's defaults).
//!
//! Re-exported from [`crate::web`]: read [`crate::web::Sessions::metrics`].

use core::fmt;
use core::sync::atomic::{AtomicU64, Ordering::Relaxed};

use super::Rejection;
use crate::Error;

/// Why a request's session was refused: one stable, documented name per
/// [`Rejection`] and [`Error`] variant, for logs and metrics labels.
///
/// | Reason | [`Reason::name`] | `tracing` level | What it usually means |
/// |---|---|---|---|
/// | [`Missing`](Reason::Missing) | `missing` | debug | not logged in |
/// | [`CookieUnreadable`](Reason::CookieUnreadable) | `cookie_unreadable` | warn | a broken or hostile `Cookie` header |
/// | [`TooLarge`](Reason::TooLarge) | `too_large` | warn | not our token, or an attack |
/// | [`Malformed`](Reason::Malformed) | `malformed` | warn | not our token, or an attack |
/// | [`Unauthenticated`](Reason::Unauthenticated) | `unauthenticated` | warn | a key mismatch between nodes, or a forgery |
/// | [`UnknownKey`](Reason::UnknownKey) | `unknown_key` | warn | this node misses a key: check its rotation step |
/// | [`InvalidClaims`](Reason::InvalidClaims) | `invalid_claims` | warn | authenticated, but claims we cannot read |
/// | [`Expired`](Reason::Expired) | `expired` | debug | normal: the session ended |
/// | [`NotYetValid`](Reason::NotYetValid) | `not_yet_valid` | warn | clocks of the nodes disagree |
/// | [`WrongAudience`](Reason::WrongAudience) | `wrong_audience` | warn | a token for another service |
/// | [`Revoked`](Reason::Revoked) | `revoked` | debug | normal: the session was revoked |
/// | [`Other`](Reason::Other) | `other` | warn | any other error |
///
/// # Example
/// ```
/// use sealed_session::web::{Reason, Rejection};
/// use sealed_session::Error;
/// assert_eq!(Reason::of(&Rejection::Missing).name(), "missing");
/// assert_eq!(Reason::of(&Rejection::Token(Error::UnknownKey)), Reason::UnknownKey);
/// assert_eq!(Reason::Expired.to_string(), "expired");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Reason {
    /// No session cookie.
    Missing,
    /// The `Cookie` header could not be read.
    CookieUnreadable,
    /// [`Error::TokenTooLarge`].
    TooLarge,
    /// [`Error::Malformed`].
    Malformed,
    /// [`Error::Unauthenticated`].
    Unauthenticated,
    /// [`Error::UnknownKey`].
    UnknownKey,
    /// [`Error::InvalidClaims`].
    InvalidClaims,
    /// [`Error::Expired`].
    Expired,
    /// [`Error::NotYetValid`].
    NotYetValid,
    /// [`Error::WrongAudience`].
    WrongAudience,
    /// [`Error::Revoked`].
    Revoked,
    /// Any other error.
    Other,
}

impl Reason {
    /// Every reason, in the order of [`MetricsSnapshot::rejections`].
    pub const ALL: [Reason; 12] = [
        Reason::Missing,
        Reason::CookieUnreadable,
        Reason::TooLarge,
        Reason::Malformed,
        Reason::Unauthenticated,
        Reason::UnknownKey,
        Reason::InvalidClaims,
        Reason::Expired,
        Reason::NotYetValid,
        Reason::WrongAudience,
        Reason::Revoked,
        Reason::Other,
    ];

    /// The reason a [`Rejection`] stands for.
    ///
    /// # Example
    /// See [`Reason`].
    pub fn of(rejection: &Rejection) -> Reason {
        match rejection {
            Rejection::Missing => Reason::Missing,
            Rejection::Cookie(_) => Reason::CookieUnreadable,
            Rejection::Token(e) => match e {
                Error::TokenTooLarge => Reason::TooLarge,
                Error::Malformed(_) => Reason::Malformed,
                Error::Unauthenticated => Reason::Unauthenticated,
                Error::UnknownKey => Reason::UnknownKey,
                Error::InvalidClaims(_) => Reason::InvalidClaims,
                Error::Expired => Reason::Expired,
                Error::NotYetValid => Reason::NotYetValid,
                Error::WrongAudience => Reason::WrongAudience,
                Error::Revoked => Reason::Revoked,
                _ => Reason::Other,
            },
        }
    }

    /// The stable name (a metrics label, a log field).
    ///
    /// # Example
    /// See [`Reason`].
    pub fn name(self) -> &'static str {
        match self {
            Reason::Missing => "missing",
            Reason::CookieUnreadable => "cookie_unreadable",
            Reason::TooLarge => "too_large",
            Reason::Malformed => "malformed",
            Reason::Unauthenticated => "unauthenticated",
            Reason::UnknownKey => "unknown_key",
            Reason::InvalidClaims => "invalid_claims",
            Reason::Expired => "expired",
            Reason::NotYetValid => "not_yet_valid",
            Reason::WrongAudience => "wrong_audience",
            Reason::Revoked => "revoked",
            Reason::Other => "other",
        }
    }

    /// Whether a refusal for this reason is routine (`debug`) rather than a
    /// sign of a misconfiguration or an attack (`warn`).
    ///
    /// # Example
    /// ```
    /// use sealed_session::web::Reason;
    /// assert!(Reason::Expired.is_routine());
    /// assert!(!Reason::UnknownKey.is_routine());
    /// ```
    pub fn is_routine(self) -> bool {
        matches!(self, Reason::Missing | Reason::Expired | Reason::Revoked)
    }

    fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The live counters of a [`crate::web::Sessions`]: relaxed atomics, no
/// lock on the request path.
#[derive(Default)]
pub(crate) struct Metrics {
    opened: AtomicU64,
    sealed: AtomicU64,
    renewed: AtomicU64,
    key_reloads: AtomicU64,
    key_reload_failures: AtomicU64,
    rejected: [AtomicU64; Reason::ALL.len()],
}

impl Metrics {
    pub(crate) fn opened(&self) {
        self.opened.fetch_add(1, Relaxed);
    }

    pub(crate) fn sealed(&self) {
        self.sealed.fetch_add(1, Relaxed);
    }

    pub(crate) fn renewed(&self) {
        self.renewed.fetch_add(1, Relaxed);
    }

    pub(crate) fn key_reloaded(&self) {
        self.key_reloads.fetch_add(1, Relaxed);
    }

    pub(crate) fn key_reload_failed(&self) {
        self.key_reload_failures.fetch_add(1, Relaxed);
    }

    pub(crate) fn rejected(&self, reason: Reason) {
        if let Some(c) = self.rejected.get(reason.index()) {
            c.fetch_add(1, Relaxed);
        }
    }

    pub(crate) fn snapshot(&self) -> MetricsSnapshot {
        MetricsSnapshot {
            opened: self.opened.load(Relaxed),
            sealed: self.sealed.load(Relaxed),
            renewed: self.renewed.load(Relaxed),
            key_reloads: self.key_reloads.load(Relaxed),
            key_reload_failures: self.key_reload_failures.load(Relaxed),
            rejected: core::array::from_fn(|i| self.rejected[i].load(Relaxed)),
        }
    }
}

/// The counters of a [`crate::web::Sessions`] at one moment, since it was
/// built. Counts only grow; a metrics exporter reads them as counters.
///
/// # Example: feeding a metrics exporter
/// ```
/// use sealed_session::web::{Reason, Sessions};
/// use sealed_session::{Key, KeyRing};
/// let sessions = Sessions::builder(KeyRing::new(Key::generate())).build();
/// let set = sessions.start("42")?;
/// let none: [&[u8]; 0] = [];
/// let _ = sessions.open(none, sessions.now()); // no cookie
/// let m = sessions.metrics();
/// assert_eq!((m.sealed, m.opened), (1, 0));
/// assert_eq!(m.rejected(Reason::Missing), 1);
/// // With the `metrics` crate this would be
/// // `metrics::counter!("sessions_rejected_total", "reason" => reason.name()).absolute(n)`.
/// for (reason, n) in m.rejections() {
///     println!("sessions_rejected_total{{reason=\"{reason}\"}} {n}");
/// }
/// # Ok::<(), sealed_session::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct MetricsSnapshot {
    /// Sessions opened successfully.
    pub opened: u64,
    /// Sessions started (tokens sealed at login).
    pub sealed: u64,
    /// Sessions renewed.
    pub renewed: u64,
    /// Key directory reloads that changed the key ring.
    pub key_reloads: u64,
    /// Key directory reloads that failed (the old keys kept serving).
    pub key_reload_failures: u64,
    rejected: [u64; Reason::ALL.len()],
}

impl MetricsSnapshot {
    /// Refusals for `reason`.
    ///
    /// # Example
    /// See [`MetricsSnapshot`].
    pub fn rejected(&self, reason: Reason) -> u64 {
        self.rejected.get(reason.index()).copied().unwrap_or(0)
    }

    /// Every reason with its count, in the order of [`Reason::ALL`].
    ///
    /// # Example
    /// See [`MetricsSnapshot`].
    pub fn rejections(&self) -> impl Iterator<Item = (Reason, u64)> + '_ {
        Reason::ALL.iter().map(|&r| (r, self.rejected(r)))
    }

    /// All refusals.
    ///
    /// # Example
    /// ```
    /// use sealed_session::web::Sessions;
    /// use sealed_session::{Key, KeyRing};
    /// let s = Sessions::builder(KeyRing::new(Key::generate())).build();
    /// assert_eq!(s.metrics().rejected_total(), 0);
    /// ```
    pub fn rejected_total(&self) -> u64 {
        self.rejected.iter().sum()
    }
}

/// Log one refusal. Fields: `reason` (a [`Reason::name`]), `key_id` (the
/// footer's key id when it parsed: public), `token_len` (bytes). Never the
/// token, a claim or a user id.
#[cfg(feature = "tracing")]
pub(crate) fn log_rejection(reason: Reason, key_id: Option<&str>, token_len: Option<usize>) {
    let key_id = key_id.unwrap_or("");
    let token_len = token_len.unwrap_or(0);
    if reason.is_routine() {
        tracing::debug!(
            target: "sealed_session",
            reason = reason.name(),
            key_id,
            token_len,
            "session refused"
        );
    } else {
        tracing::warn!(
            target: "sealed_session",
            reason = reason.name(),
            key_id,
            token_len,
            "session refused"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::Sessions;
    use crate::{Key, KeyRing, Timestamp};
    use std::format;
    use std::string::String;
    use std::vec::Vec;

    fn at(secs: i64) -> Timestamp {
        Timestamp::from_unix_seconds(1_900_000_000 + secs).unwrap()
    }

    fn cookie(token: &str) -> String {
        format!("__Host-session={token}")
    }

    /// Each reason's request, against `s` at `at(0)`.
    fn refusals(s: &Sessions) -> Vec<(Reason, String)> {
        let ok = s.start_at("user-7", at(0)).unwrap();
        let unknown = KeyRing::new(Key::generate()).seal_at(
            "user-7",
            core::time::Duration::from_secs(60),
            at(0),
        );
        // One character of the body changed, footer (key id) intact.
        let mut forged = String::from(ok.token());
        let c = if &forged[20..21] == "A" { "B" } else { "A" };
        forged.replace_range(20..21, c);
        std::vec![
            (Reason::Missing, String::from("a=1")),
            (Reason::Malformed, cookie("v2.local.!!!")),
            (Reason::Unauthenticated, cookie(&forged)),
            (Reason::UnknownKey, cookie(&unknown.unwrap())),
            (Reason::Expired, cookie(ok.token())),
        ]
    }

    #[test]
    fn counters_count_opens_seals_renewals_and_each_refusal() {
        let key = Key::generate();
        let s = Sessions::builder(KeyRing::new(key.clone())).build();
        let cases = refusals(&s);
        for (reason, c) in &cases {
            let now = if *reason == Reason::Expired {
                at(13 * 3600)
            } else {
                at(1)
            };
            let r = s.open([c.as_bytes()], now).unwrap_err();
            assert_eq!(Reason::of(&r), *reason, "{c}");
        }
        let ok = cookie(s.start_at("u", at(0)).unwrap().token());
        let claims = s.open([ok.as_bytes()], at(7 * 3600)).unwrap();
        s.renew(&claims, at(7 * 3600)).unwrap();
        let m = s.metrics();
        assert_eq!((m.opened, m.sealed, m.renewed), (1, 2, 1));
        for (reason, _) in &cases {
            assert_eq!(m.rejected(*reason), 1, "{reason}");
        }
        assert_eq!(m.rejected_total(), cases.len() as u64);
        assert_eq!(m.rejections().count(), Reason::ALL.len());
    }

    #[test]
    fn reason_names_are_stable_and_distinct() {
        let names: Vec<_> = Reason::ALL.iter().map(|r| r.name()).collect();
        assert_eq!(
            names,
            [
                "missing",
                "cookie_unreadable",
                "too_large",
                "malformed",
                "unauthenticated",
                "unknown_key",
                "invalid_claims",
                "expired",
                "not_yet_valid",
                "wrong_audience",
                "revoked",
                "other"
            ]
        );
        for (i, r) in Reason::ALL.iter().enumerate() {
            assert_eq!(r.index(), i);
        }
    }

    #[cfg(feature = "tracing")]
    mod events {
        use super::*;
        use std::sync::{Arc, Mutex};
        use tracing::field::{Field, Visit};
        use tracing::span::{Attributes, Id, Record};
        use tracing::{Event, Level, Metadata, Subscriber};

        /// Every event as its level and `name=value` fields.
        #[derive(Clone, Default)]
        struct Capture(Arc<Mutex<Vec<(Level, String)>>>);

        struct Fields<'a>(&'a mut String);

        impl Visit for Fields<'_> {
            fn record_debug(&mut self, field: &Field, value: &dyn core::fmt::Debug) {
                self.0.push_str(&format!("{}={:?} ", field.name(), value));
            }
        }

        impl Subscriber for Capture {
            fn enabled(&self, _: &Metadata<'_>) -> bool {
                true
            }
            fn new_span(&self, _: &Attributes<'_>) -> Id {
                Id::from_u64(1)
            }
            fn record(&self, _: &Id, _: &Record<'_>) {}
            fn record_follows_from(&self, _: &Id, _: &Id) {}
            fn event(&self, event: &Event<'_>) {
                let mut text = String::new();
                event.record(&mut Fields(&mut text));
                let level = *event.metadata().level();
                self.0.lock().unwrap().push((level, text));
            }
            fn enter(&self, _: &Id) {}
            fn exit(&self, _: &Id) {}
        }

        #[test]
        fn each_refusal_is_logged_with_its_reason_level_key_id_and_length_and_nothing_secret() {
            let key = Key::generate();
            let s = Sessions::builder(KeyRing::new(key.clone())).build();
            let cases = refusals(&s);
            let capture = Capture::default();
            tracing::subscriber::with_default(capture.clone(), || {
                for (reason, c) in &cases {
                    let now = if *reason == Reason::Expired {
                        at(13 * 3600)
                    } else {
                        at(1)
                    };
                    let _ = s.open([c.as_bytes()], now);
                }
            });
            let events = capture.0.lock().unwrap().clone();
            assert_eq!(events.len(), cases.len());
            for ((reason, c), (level, text)) in cases.iter().zip(&events) {
                let want = if reason.is_routine() {
                    Level::DEBUG
                } else {
                    Level::WARN
                };
                assert_eq!(*level, want, "{text}");
                assert!(
                    text.contains(&format!("reason=\"{}\"", reason.name())),
                    "{text}"
                );
                let token = c.split_once('=').map_or("", |(_, t)| t);
                if *reason != Reason::Missing {
                    assert!(
                        text.contains(&format!("token_len={}", token.len())),
                        "{text}"
                    );
                }
                // Never the token, a piece of it, the user id or the key.
                if token.len() > 30 {
                    let body = &token[9..token.rfind('.').unwrap_or(token.len())];
                    assert!(!text.contains(&body[..20]), "{text}");
                }
                assert!(!text.contains("user-7"), "{text}");
                assert!(
                    !text.contains(&key.to_paserk().expose_secret()[9..]),
                    "{text}"
                );
            }
            // The key id from the footer, when it parsed.
            let ours = key.id();
            let by_reason = |r: Reason| &events[cases.iter().position(|(x, _)| *x == r).unwrap()].1;
            assert!(by_reason(Reason::Unauthenticated).contains(ours.as_str()));
            assert!(by_reason(Reason::Expired).contains(ours.as_str()));
            assert!(by_reason(Reason::UnknownKey).contains("key_id=\"k2.lid."));
            assert!(by_reason(Reason::Malformed).contains("key_id=\"\""));
        }
    }
}
