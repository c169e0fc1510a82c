//! Finding our cookie in `Cookie` request headers (see the lookup rules in
//! the [module docs](super)): bounded, one pass, no allocation.

use core::fmt;

use super::{is_cookie_octet, DEFAULT_MAX_COOKIE_HEADER_LEN};

/// Why our cookie could not be read from a `Cookie` header.
///
/// An adapter treats every one of these as "no valid session" (HTTP 401).
///
/// # Example
/// ```
/// use sealed_session::cookie::{find_cookie, CookieHeaderError};
/// assert_eq!(find_cookie(b"s=a; s=b", "s"), Err(CookieHeaderError::Ambiguous));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CookieHeaderError {
    /// The `Cookie` header lines are longer than the configured bound.
    TooLarge,
    /// Our cookie name appears more than once with different values.
    Ambiguous,
    /// Our cookie's value has a byte that is not a cookie-octet.
    InvalidValue,
}

impl fmt::Display for CookieHeaderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CookieHeaderError::TooLarge => "Cookie header is larger than the configured maximum",
            CookieHeaderError::Ambiguous => {
                "session cookie appears more than once with different values"
            }
            CookieHeaderError::InvalidValue => {
                "session cookie value has a byte that is not a cookie-octet"
            }
        })
    }
}

#[cfg(feature = "std")]
impl std::error::Error for CookieHeaderError {}

/// Find the cookie `name` in one `Cookie` header value, bounded by
/// [`DEFAULT_MAX_COOKIE_HEADER_LEN`]. This is the parser fuzz targets call:
/// it takes arbitrary bytes and never panics.
///
/// # Errors
/// As [`SessionCookie::find`](super::SessionCookie::find).
///
/// # Example
/// ```
/// use sealed_session::cookie::find_cookie;
/// assert_eq!(find_cookie(b"sid=abc; other=\xff\xfe", "sid"), Ok(Some("abc")));
/// assert_eq!(find_cookie(b"other=1", "sid"), Ok(None));
/// ```
pub fn find_cookie<'h>(header: &'h [u8], name: &str) -> Result<Option<&'h str>, CookieHeaderError> {
    find_cookie_in(
        core::iter::once(header),
        name,
        DEFAULT_MAX_COOKIE_HEADER_LEN,
    )
}

/// Find the cookie `name` across `Cookie` header lines whose total length
/// must not exceed `max_total_len`.
///
/// # Errors
/// As [`SessionCookie::find`](super::SessionCookie::find).
///
/// # Example
/// ```
/// use sealed_session::cookie::{find_cookie_in, CookieHeaderError};
/// let lines: [&[u8]; 2] = [b"sid=abc", b"sid=abc"];
/// assert_eq!(find_cookie_in(lines, "sid", 100), Ok(Some("abc")));
/// let lines: [&[u8]; 2] = [b"sid=abc", b"sid=xyz"];
/// assert_eq!(find_cookie_in(lines, "sid", 100), Err(CookieHeaderError::Ambiguous));
/// assert_eq!(find_cookie_in([&b"sid=abc"[..]], "sid", 3), Err(CookieHeaderError::TooLarge));
/// ```
pub fn find_cookie_in<'h, I>(
    headers: I,
    name: &str,
    max_total_len: usize,
) -> Result<Option<&'h str>, CookieHeaderError>
where
    I: IntoIterator<Item = &'h [u8]>,
{
    let mut total = 0usize;
    let mut found: Option<&'h str> = None;
    for header in headers {
        total = total.saturating_add(header.len());
        if total > max_total_len {
            return Err(CookieHeaderError::TooLarge);
        }
        for pair in pairs(header) {
            let Some(eq) = pair.iter().position(|&b| b == b'=') else {
                continue;
            };
            let (Some(untrusted_name), Some(untrusted_value)) =
                (pair.get(..eq), pair.get(eq + 1..))
            else {
                continue;
            };
            if trim_ows(untrusted_name) != name.as_bytes() {
                continue;
            }
            let value = unquote(trim_ows(untrusted_value));
            if value.is_empty() {
                continue;
            }
            // No early exit, so the check runs 16 bytes at a time.
            if !value.iter().fold(true, |ok, &b| ok & is_cookie_octet(b)) {
                return Err(CookieHeaderError::InvalidValue);
            }
            // Cookie-octets are ASCII, so this never fails.
            let value = core::str::from_utf8(value).map_err(|_| CookieHeaderError::InvalidValue)?;
            match found {
                Some(prev) if prev != value => return Err(CookieHeaderError::Ambiguous),
                _ => found = Some(value),
            }
        }
    }
    Ok(found)
}

/// The `;`-separated parts of a header, as `split` gives them (found with
/// `memchr`, which looks at many bytes at a time: `split` goes byte by byte,
/// about 1,500 instructions for a session token).
pub(super) fn pairs(header: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = Some(header);
    core::iter::from_fn(move || {
        let s = rest?;
        match memchr::memchr(b';', s) {
            Some(i) => {
                rest = s.get(i + 1..);
                s.get(..i)
            }
            None => {
                rest = None;
                Some(s)
            }
        }
    })
}

fn trim_ows(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = s {
        s = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = s {
        s = rest;
    }
    s
}

/// `"value"` → `value`; anything else unchanged.
fn unquote(s: &[u8]) -> &[u8] {
    match s {
        [b'"', inner @ .., b'"'] => inner,
        _ => s,
    }
}
