//! Renewal: the [`renew`] middleware function and the tower layer of
//! [`Sessions::renew_layer`]. Both open the session of a request once, hand
//! it to the [`Session`](crate::Session) extractor through the request's extensions, and
//! re-seal it on the way out when it is due.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use axum::extract::{Request, State};
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use sealed_session::{Claims, Timestamp};

#[cfg(feature = "tracing")]
use crate::plain_http;
use crate::{Opened, Sessions, SetSessionCookie};

impl Sessions {
    /// The renewal layer: opens the session of each request once (the
    /// [`Session`](crate::Session) extractor reuses it) and, when the handler answered with
    /// a success or redirect status and did not set or clear the cookie
    /// itself, re-seals a session that is past its renewal point. The same
    /// as [`renew`] without `from_fn`'s boxed service and future: a request
    /// that needs no renewal costs one open and nothing more.
    ///
    /// # Example
    /// ```
    /// use axum::{routing::get, Router};
    /// use sealed_session_axum::{Session, Sessions};
    /// let sessions = Sessions::builder(sealed_session::KeyRing::new(sealed_session::Key::generate())).build();
    /// let app: Router = Router::new()
    ///     .route("/me", get(|s: Session| async move { s.user_id().to_owned() }))
    ///     .layer(sessions.renew_layer())
    ///     .with_state(sessions);
    /// # let _ = app;
    /// ```
    pub fn renew_layer(&self) -> RenewLayer {
        RenewLayer {
            sessions: self.clone(),
        }
    }

    /// Open the session of a request, for the extractor, and say whether it
    /// is due for renewal.
    fn open_request(&self, headers: &HeaderMap) -> (Opened, Option<Box<Due>>) {
        let now = self.now();
        let opened = self.open(headers, now);
        let due = match &opened {
            Ok(session) if session.claims.needs_renewal(now) => Some(Box::new(Due {
                sessions: self.clone(),
                claims: Arc::clone(&session.claims),
                now,
            })),
            _ => None,
        };
        (Opened(opened), due)
    }
}

impl Opened {
    /// Whether the plain-HTTP warning needs to look at this request. A
    /// browser that dropped the cookie never sends a session back, so a
    /// request with a valid session that is not due for renewal is skipped:
    /// the check (header lookups, host parsing) costs about 1,000
    /// instructions, which every authenticated request would otherwise pay
    /// for the life of a well-configured process.
    #[cfg(feature = "tracing")]
    fn watch_plain_http(&self, due: &Option<Box<Due>>) -> bool {
        self.0.is_err() || due.is_some()
    }
}

/// A session past its renewal point, to renew once the handler answered.
struct Due {
    sessions: Sessions,
    claims: Arc<Claims>,
    now: Timestamp,
}

impl Due {
    /// Append the renewed cookie unless the answer or the handler's own
    /// `Set-Cookie` says not to (see [`web::Sessions::renewal`]).
    fn apply(self, status: StatusCode, headers: &mut HeaderMap) {
        let set_cookies = headers
            .get_all(SET_COOKIE)
            .iter()
            .map(HeaderValue::as_bytes);
        let renewed = self
            .sessions
            .core
            .renewal(&self.claims, self.now, status.as_u16(), set_cookies)
            .and_then(|set| SetSessionCookie::try_from(set).ok());
        if let Some(set) = renewed {
            headers.append(SET_COOKIE, set.value);
        }
    }
}

/// Middleware: opens the session once for the request (the [`Session`](crate::Session)
/// extractor reuses it) and, when the handler answered with a success or
/// redirect status and did not set or clear the cookie itself, re-seals a
/// session that is past its renewal point.
///
/// Use with [`axum::middleware::from_fn_with_state`]. [`Sessions::renew_layer`]
/// does the same without `from_fn`'s boxing: 0.2–0.35 µs a request less in
/// this repository's server benchmark (in process, `inproc`).
///
/// With the default `tracing` feature it also logs one `WARN` event per
/// process (target `sealed_session_axum`) the first time a response sets a `Secure`
/// session cookie in answer to a request that came over plain HTTP (no TLS,
/// no `X-Forwarded-Proto: https`) for a host that is not loopback
/// ([`sealed_session::web::is_loopback_host`]): browsers drop that cookie
/// silently. Use HTTPS, or for development a cookie that is not `Secure`.
///
/// # Example
/// ```
/// use axum::{middleware, routing::get, Router};
/// use sealed_session_axum::{renew, Session, Sessions};
/// let sessions = Sessions::builder(sealed_session::KeyRing::new(sealed_session::Key::generate())).build();
/// let app: Router = Router::new()
///     .route("/me", get(|s: Session| async move { s.user_id().to_owned() }))
///     .layer(middleware::from_fn_with_state(sessions.clone(), renew))
///     .with_state(sessions);
/// # let _ = app;
/// ```
pub async fn renew(State(sessions): State<Sessions>, mut req: Request, next: Next) -> Response {
    let (opened, due) = sessions.open_request(req.headers());
    #[cfg(feature = "tracing")]
    let plain_http_host = opened
        .watch_plain_http(&due)
        .then(|| plain_http::watch(&sessions, req.headers(), req.uri()))
        .flatten();
    req.extensions_mut().insert(opened);
    let mut res = next.run(req).await;
    #[cfg(feature = "tracing")]
    plain_http::check(plain_http_host, &sessions, res.headers());
    if let Some(due) = due {
        let status = res.status();
        due.apply(status, res.headers_mut());
    }
    res
}

/// The tower [`Layer`](tower_layer::Layer) of [`Sessions::renew_layer`].
///
/// # Example
/// See [`Sessions::renew_layer`].
#[derive(Clone, Debug)]
pub struct RenewLayer {
    sessions: Sessions,
}

impl<S> tower_layer::Layer<S> for RenewLayer {
    type Service = RenewService<S>;

    fn layer(&self, inner: S) -> RenewService<S> {
        RenewService {
            inner,
            sessions: self.sessions.clone(),
        }
    }
}

/// The service [`RenewLayer`] wraps around the inner one.
///
/// # Example
/// See [`Sessions::renew_layer`].
#[derive(Clone, Debug)]
pub struct RenewService<S> {
    inner: S,
    sessions: Sessions,
}

impl<S, B, ResBody> tower_service::Service<axum::http::Request<B>> for RenewService<S>
where
    S: tower_service::Service<axum::http::Request<B>, Response = axum::http::Response<ResBody>>,
{
    type Response = axum::http::Response<ResBody>;
    type Error = S::Error;
    type Future = RenewFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: axum::http::Request<B>) -> Self::Future {
        let (opened, due) = self.sessions.open_request(req.headers());
        #[cfg(feature = "tracing")]
        let plain_http_host = opened
            .watch_plain_http(&due)
            .then(|| plain_http::watch(&self.sessions, req.headers(), req.uri()))
            .flatten()
            .map(|host| Box::new((host, self.sessions.clone())));
        #[cfg(not(feature = "tracing"))]
        let plain_http_host = ();
        req.extensions_mut().insert(opened);
        RenewFuture {
            inner: self.inner.call(req),
            due,
            plain_http_host,
        }
    }
}

pin_project_lite::pin_project! {
    /// The response future of [`RenewService`]: the inner service's,
    /// renewing the session on the way out when it is due.
    pub struct RenewFuture<F> {
        #[pin]
        inner: F,
        due: Option<Box<Due>>,
        plain_http_host: Watched,
    }
}

/// A request the plain-HTTP warning watches (feature `tracing`): its host.
#[cfg(feature = "tracing")]
type Watched = Option<Box<(HeaderValue, Sessions)>>;
#[cfg(not(feature = "tracing"))]
type Watched = ();

impl<F, ResBody, E> Future for RenewFuture<F>
where
    F: Future<Output = Result<axum::http::Response<ResBody>, E>>,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let mut res = ready!(this.inner.poll(cx))?;
        #[cfg(feature = "tracing")]
        if let Some(watched) = this.plain_http_host.take() {
            let (host, sessions) = *watched;
            plain_http::check(Some(host), &sessions, res.headers());
        }
        if let Some(due) = this.due.take() {
            let status = res.status();
            due.apply(status, res.headers_mut());
        }
        Poll::Ready(Ok(res))
    }
}
