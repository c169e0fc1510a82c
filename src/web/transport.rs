//! How a request reached us, as far as browsers' cookie rules care: is the
//! host the local machine, did a proxy say the client used HTTPS. Used by
//! [`super::Sessions::plain_http_drops_cookie`] and the adapters' warning.

/// Whether `host` (a `Host` header value or URI authority, with or
/// without a port) names the local machine as browsers recognise it:
/// `localhost`, a name under `.localhost`, an IPv4 address in
/// `127.0.0.0/8`, or `[::1]` (case-insensitive, a trailing dot allowed).
///
/// Browsers treat plain `http://` on such hosts as a secure context and
/// store `Secure` (and so `__Host-`) cookies set over it; on **any other
/// host** over plain HTTP they drop those cookies silently (the response
/// still arrives, the cookie is never sent back). See
/// [`Sessions::plain_http_drops_cookie`](crate::web::Sessions::plain_http_drops_cookie).
///
/// # Example
/// ```
/// use sealed_session::web::is_loopback_host;
/// assert!(is_loopback_host(b"localhost:3000"));
/// assert!(is_loopback_host(b"127.0.0.1"));
/// assert!(is_loopback_host(b"[::1]:8080"));
/// assert!(is_loopback_host(b"app.localhost"));
/// assert!(!is_loopback_host(b"app.test:3000"));
/// assert!(!is_loopback_host(b"192.168.1.20:3000"));
/// assert!(!is_loopback_host(b""));
/// ```
pub fn is_loopback_host(host: &[u8]) -> bool {
    let Ok(host) = core::str::from_utf8(host) else {
        return false;
    };
    let host = host.trim_matches(|c| c == ' ' || c == '\t');
    if let Some(rest) = host.strip_prefix('[') {
        // `[v6]` or `[v6]:port`
        let Some((addr, after)) = rest.split_once(']') else {
            return false;
        };
        let port_ok = after.is_empty() || after.strip_prefix(':').is_some_and(is_port);
        return port_ok
            && addr
                .parse::<std::net::Ipv6Addr>()
                .is_ok_and(|a| a.is_loopback());
    }
    let name = match host.split_once(':') {
        Some((name, port)) if is_port(port) => name,
        Some(_) => return false,
        None => host,
    };
    let name = name.strip_suffix('.').unwrap_or(name);
    if let Ok(v4) = name.parse::<std::net::Ipv4Addr>() {
        return v4.is_loopback();
    }
    const SUFFIX: &str = ".localhost";
    name.eq_ignore_ascii_case("localhost")
        || (name.len() > SUFFIX.len()
            && name
                .get(name.len() - SUFFIX.len()..)
                .is_some_and(|tail| tail.eq_ignore_ascii_case(SUFFIX)))
}

/// The warning the adapters log (once per process) when a response sets a
/// `Secure` session cookie for a request that
/// [`Sessions::plain_http_drops_cookie`](crate::web::Sessions::plain_http_drops_cookie)
/// says the browser will drop: what happened and the fixes.
///
/// # Example
/// ```
/// use sealed_session::web::PLAIN_HTTP_WARNING;
/// assert!(PLAIN_HTTP_WARNING.contains("X-Forwarded-Proto: https"));
/// assert!(PLAIN_HTTP_WARNING.contains(".secure(false)"));
/// ```
pub const PLAIN_HTTP_WARNING: &str = "browsers drop this Secure session cookie: it was set over \
    plain HTTP for a host that is not localhost/127.0.0.1 (and no X-Forwarded-Proto: https), so \
    the browser will not send it back; serve over HTTPS (or have the proxy send \
    X-Forwarded-Proto: https), or for development only use a cookie that is not Secure: \
    CookieOptions::new().name(\"session\").secure(false) (logged once)";

/// Whether a reverse proxy says the client's request came over HTTPS: the
/// first value of `X-Forwarded-Proto` is `https`, or the first element of
/// `Forwarded` (RFC 7239) has `proto=https` (case-insensitive, quotes
/// allowed). Pass the header values as received (`None` when absent).
///
/// # Example
/// ```
/// use sealed_session::web::forwarded_https;
/// assert!(forwarded_https(Some(b"https"), None));
/// assert!(forwarded_https(Some(b"HTTPS, http"), None));
/// assert!(forwarded_https(None, Some(b"for=192.0.2.60;proto=https;by=203.0.113.43")));
/// assert!(forwarded_https(None, Some(b"proto=\"https\"")));
/// assert!(!forwarded_https(Some(b"http"), None));
/// assert!(!forwarded_https(None, None));
/// ```
pub fn forwarded_https(x_forwarded_proto: Option<&[u8]>, forwarded: Option<&[u8]>) -> bool {
    fn first(v: &[u8]) -> Option<&str> {
        Some(core::str::from_utf8(v).ok()?.split(',').next()?.trim())
    }
    if let Some(proto) = x_forwarded_proto.and_then(first) {
        if proto.eq_ignore_ascii_case("https") {
            return true;
        }
    }
    forwarded.and_then(first).is_some_and(|element| {
        element.split(';').any(|pair| {
            pair.split_once('=').is_some_and(|(k, v)| {
                k.trim().eq_ignore_ascii_case("proto")
                    && v.trim().trim_matches('"').eq_ignore_ascii_case("https")
            })
        })
    })
}

fn is_port(s: &str) -> bool {
    !s.is_empty() && s.len() <= 5 && s.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::String;

    #[test]
    fn loopback_hosts_as_browsers_see_them() {
        let loopback: [&[u8]; 12] = [
            b"localhost",
            b"LOCALHOST:3000",
            b"localhost.",
            b"app.localhost:8080",
            b"App.LocalHost",
            b"127.0.0.1",
            b"127.0.0.1:3000",
            b"127.1.2.3:1",
            b"[::1]",
            b"[::1]:3000",
            b"[0:0:0:0:0:0:0:1]:80",
            b" localhost:3000 ",
        ];
        for h in loopback {
            assert!(is_loopback_host(h), "{:?}", String::from_utf8_lossy(h));
        }
        let other: [&[u8]; 16] = [
            b"",
            b"app.test",
            b"app.test:3000",
            b"localhost.example",
            b"notlocalhost",
            b".localhost",
            b"192.168.1.20:3000",
            b"128.0.0.1",
            b"0.0.0.0",
            b"[::]:3000",
            b"[::1",
            b"[::1]x",
            b"localhost:",
            b"localhost:abc",
            b"localhost:3000:1",
            b"\xff\xfe",
        ];
        for h in other {
            assert!(!is_loopback_host(h), "{:?}", String::from_utf8_lossy(h));
        }
    }

    #[test]
    fn forwarded_proto_first_value_only() {
        assert!(forwarded_https(Some(b" https "), None));
        assert!(!forwarded_https(Some(b"http, https"), None));
        assert!(!forwarded_https(Some(b"\xff"), None));
        assert!(forwarded_https(None, Some(b"proto=HTTPS")));
        assert!(forwarded_https(
            None,
            Some(b"for=a; Proto=\"https\", proto=http")
        ));
        assert!(!forwarded_https(
            None,
            Some(b"for=a;proto=http, proto=https")
        ));
        assert!(!forwarded_https(None, Some(b"protocol=https")));
        assert!(!forwarded_https(Some(b"http"), Some(b"for=a")));
    }
}
