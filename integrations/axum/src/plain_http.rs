//! The plain-HTTP warning (feature `tracing`, on by default): browsers
//! silently drop a `Secure` (or `__Host-`) cookie set over plain HTTP for a
//! host that is not the local machine, so [`crate::renew`] and [`crate::Sessions::renew_layer`] log one `WARN` event
//! per process (target `sealed_session_axum`) the first time a response
//! sets the session cookie in answer to such a request: no `https` URI
//! scheme, no `X-Forwarded-Proto: https` / `Forwarded: proto=https`, and a
//! `Host` that is not loopback ([`web::is_loopback_host`]). An app that
//! terminates TLS itself over HTTP/1.1 looks like plain HTTP here; it can
//! ignore the one warning. Requests that carry a valid session not yet due
//! for renewal are not looked at: a browser that dropped the cookie never
//! sends one, and the check would cost every authenticated request.

use std::sync::atomic::{AtomicBool, Ordering};

use axum::http::header::{HOST, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, Uri};
use sealed_session::web;

use super::Sessions;

static WARNED: AtomicBool = AtomicBool::new(false);

/// Before the handler: the request's host if a session cookie set in
/// answer to it would be dropped (and the warning is still to give).
pub(crate) fn watch(sessions: &Sessions, headers: &HeaderMap, uri: &Uri) -> Option<HeaderValue> {
    if WARNED.load(Ordering::Relaxed) {
        return None;
    }
    // Cheapest first: most requests name a loopback host (development) or
    // come through a TLS proxy, and stop at the first or second test.
    let host = match headers.get(HOST) {
        Some(h) => h.as_bytes(),
        None => uri.authority()?.as_str().as_bytes(),
    };
    if !sessions.core.plain_http_drops_cookie(Some(host), false) {
        return None;
    }
    let https = uri.scheme_str() == Some("https")
        || web::forwarded_https(
            headers.get("x-forwarded-proto").map(HeaderValue::as_bytes),
            headers.get("forwarded").map(HeaderValue::as_bytes),
        );
    if https {
        return None;
    }
    HeaderValue::from_bytes(host).ok()
}

/// After the handler: warn once if the response sets the cookie.
pub(crate) fn check(host: Option<HeaderValue>, sessions: &Sessions, res: &HeaderMap) {
    let Some(host) = host else { return };
    let sets = sessions
        .core
        .sets_session_cookie(res.get_all(SET_COOKIE).iter().map(HeaderValue::as_bytes));
    if sets && !WARNED.swap(true, Ordering::Relaxed) {
        tracing::warn!(
            target: "sealed_session_axum",
            host = ?String::from_utf8_lossy(host.as_bytes()),
            cookie = sessions.cookie().name(),
            "{}",
            web::PLAIN_HTTP_WARNING
        );
    }
}
