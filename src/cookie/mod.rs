//! Session cookies: a `Set-Cookie` builder with hardened defaults, and the
//! lookup of our cookie in a `Cookie` request header. No framework types, no
//! allocation on the lookup path.
//!
//! # Defaults
//! [`CookieOptions::new`] starts from the strictest settings browsers
//! honour for a session cookie:
//!
//! | attribute | default | why |
//! | --- | --- | --- |
//! | name | `__Host-session` | the `__Host-` prefix makes browsers refuse the cookie unless it is `Secure`, has `Path=/` and no `Domain`: a sibling subdomain cannot plant or overwrite it |
//! | `Secure` | on | never sent over plain HTTP |
//! | `HttpOnly` | on | not readable from JavaScript |
//! | `SameSite` | `Lax` | not sent on cross-site subrequests or cross-site POSTs |
//! | `Path` | `/` | |
//! | `Domain` | none | host-only cookie |
//! | `Max-Age` | the token's remaining lifetime | the browser drops the cookie when the token expires |
//!
//! Every default can be changed; [`CookieOptions::build`] refuses the
//! combinations browsers would silently reject or that weaken the cookie in
//! a way that is never intended (see [`CookieError`]).
//!
//! # Lookup rules
//! [`find_cookie`] and [`SessionCookie::find`] read a `Cookie` header
//! (`name=value; name2=value2`, RFC 6265 §4.2), with these decisions:
//! - Pairs are separated by `;`; spaces and tabs around names and values are
//!   ignored. A pair without `=` is ignored. Names match exactly
//!   (case-sensitive).
//! - A value wrapped in double quotes is unquoted.
//! - An empty value counts as absent (it is what a removal cookie leaves).
//! - **Repeated name:** if our name appears more than once with different
//!   non-empty values, the lookup fails with [`CookieHeaderError::Ambiguous`]
//!   rather than guessing: browsers order cookies by path length and age, an
//!   attacker who can plant a cookie (cookie tossing from a sibling domain,
//!   possible without the `__Host-` prefix) could otherwise choose which one
//!   we read. The same value repeated is accepted.
//! - Our value must consist of RFC 6265 cookie-octets (printable ASCII except
//!   `"`, `,`, `;`, `\` and space); anything else is
//!   [`CookieHeaderError::InvalidValue`]. Non-ASCII bytes in *other* cookies
//!   are ignored.
//! - Headers longer than a bound (default [`DEFAULT_MAX_COOKIE_HEADER_LEN`],
//!   counted over all `Cookie` header lines of a request) are refused with
//!   [`CookieHeaderError::TooLarge`]: each line is added to the total
//!   before it is scanned, so no line past the bound is read (a refusal
//!   found in an earlier line is returned first). Work is one linear pass;
//!   nothing panics on any input.
//!
//! # Example
//! ```
//! use sealed_session::cookie::CookieOptions;
//! use std::time::Duration;
//! let cookie = CookieOptions::new().build()?;
//! let header = cookie.set_cookie("v2.local.abc", Duration::from_secs(3600))?;
//! assert_eq!(
//!     header,
//!     "__Host-session=v2.local.abc; Max-Age=3600; Path=/; Secure; HttpOnly; SameSite=Lax"
//! );
//! let found = cookie.find(b"theme=dark; __Host-session=v2.local.abc")?;
//! assert_eq!(found, Some("v2.local.abc"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use alloc::string::String;
use core::fmt::{self, Write as _};
use core::time::Duration;

use crate::time::Timestamp;

mod find;
pub use find::{find_cookie, find_cookie_in, CookieHeaderError};

/// The default cookie name, `__Host-session`.
pub const DEFAULT_COOKIE_NAME: &str = "__Host-session";

/// The default bound on the total length of a request's `Cookie` header
/// lines: 8 KiB, the usual per-header limit of common HTTP servers.
pub const DEFAULT_MAX_COOKIE_HEADER_LEN: usize = 8 * 1024;

/// The `SameSite` attribute.
///
/// # Example
/// ```
/// use sealed_session::cookie::{CookieOptions, SameSite};
/// let c = CookieOptions::new().same_site(Some(SameSite::Strict)).build()?;
/// assert!(c.removal().ends_with("SameSite=Strict"));
/// # Ok::<(), sealed_session::cookie::CookieError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SameSite {
    /// Sent on same-site requests only.
    Strict,
    /// Sent on same-site requests and top-level cross-site GET navigations.
    Lax,
    /// Sent on all requests; browsers require `Secure` with it.
    None,
}

impl SameSite {
    fn as_str(self) -> &'static str {
        match self {
            SameSite::Strict => "Strict",
            SameSite::Lax => "Lax",
            SameSite::None => "None",
        }
    }
}

/// Why cookie options or a cookie value were refused.
///
/// # Example
/// ```
/// use sealed_session::cookie::{CookieError, CookieOptions};
/// let err = CookieOptions::new().secure(false).build().unwrap_err();
/// assert_eq!(err, CookieError::HostPrefixRequiresSecure);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CookieError {
    /// The name is empty or has a character outside the RFC 9110 `token`
    /// set (controls, space, non-ASCII, or one of `()<>@,;:\"/[]?={}`).
    InvalidName,
    /// The value has a byte that is not an RFC 6265 cookie-octet.
    InvalidValue,
    /// The `Domain` is empty or has a character other than ASCII letters,
    /// digits, `-` and `.`.
    InvalidDomain,
    /// The `Path` does not start with `/`, or has a control character or `;`.
    InvalidPath,
    /// A `__Host-` name without `Secure`: browsers drop such a cookie.
    HostPrefixRequiresSecure,
    /// A `__Host-` name with a `Domain`: browsers drop such a cookie.
    HostPrefixForbidsDomain,
    /// A `__Host-` name without `Path=/`: browsers drop such a cookie.
    HostPrefixRequiresRootPath,
    /// A `__Secure-` name without `Secure`: browsers drop such a cookie.
    SecurePrefixRequiresSecure,
    /// `SameSite=None` without `Secure`: browsers drop such a cookie.
    SameSiteNoneRequiresSecure,
}

impl fmt::Display for CookieError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CookieError::InvalidName => "cookie name is empty or not an RFC 9110 token",
            CookieError::InvalidValue => "cookie value has a byte that is not a cookie-octet",
            CookieError::InvalidDomain => "cookie Domain is empty or not a host name",
            CookieError::InvalidPath => {
                "cookie Path must start with `/` and have no control character or `;`"
            }
            CookieError::HostPrefixRequiresSecure => "a `__Host-` cookie must be Secure",
            CookieError::HostPrefixForbidsDomain => "a `__Host-` cookie must not have a Domain",
            CookieError::HostPrefixRequiresRootPath => "a `__Host-` cookie must have Path=/",
            CookieError::SecurePrefixRequiresSecure => "a `__Secure-` cookie must be Secure",
            CookieError::SameSiteNoneRequiresSecure => "a SameSite=None cookie must be Secure",
        })
    }
}

#[cfg(feature = "std")]
impl std::error::Error for CookieError {}

/// Unvalidated cookie settings; [`CookieOptions::build`] checks them.
///
/// # Example
/// ```
/// use sealed_session::cookie::{CookieOptions, SameSite};
/// // Local development over plain HTTP: no `Secure`, so no `__Host-` prefix.
/// let dev = CookieOptions::new().name("session").secure(false).build()?;
/// assert_eq!(dev.removal(), "session=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/; HttpOnly; SameSite=Lax");
/// # Ok::<(), sealed_session::cookie::CookieError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CookieOptions {
    name: String,
    secure: bool,
    http_only: bool,
    same_site: Option<SameSite>,
    path: Option<String>,
    domain: Option<String>,
    max_header_len: usize,
}

impl Default for CookieOptions {
    fn default() -> Self {
        CookieOptions::new()
    }
}

impl CookieOptions {
    /// The hardened defaults (see the [module docs](self)).
    ///
    /// ```
    /// let c = sealed_session::cookie::CookieOptions::new().build()?;
    /// assert_eq!(c.name(), "__Host-session");
    /// # Ok::<(), sealed_session::cookie::CookieError>(())
    /// ```
    pub fn new() -> CookieOptions {
        CookieOptions {
            name: String::from(DEFAULT_COOKIE_NAME),
            secure: true,
            http_only: true,
            same_site: Some(SameSite::Lax),
            path: Some(String::from("/")),
            domain: None,
            max_header_len: DEFAULT_MAX_COOKIE_HEADER_LEN,
        }
    }

    /// The cookie name. A `__Host-` or `__Secure-` prefix (matched
    /// case-insensitively, as browsers do) brings the browser's rules for it.
    ///
    /// ```
    /// # use sealed_session::cookie::CookieOptions;
    /// let c = CookieOptions::new().name("__Host-sid").build()?;
    /// assert_eq!(c.name(), "__Host-sid");
    /// # Ok::<(), sealed_session::cookie::CookieError>(())
    /// ```
    pub fn name(mut self, name: &str) -> Self {
        self.name = String::from(name);
        self
    }

    /// The `Secure` attribute (default on).
    ///
    /// ```
    /// # use sealed_session::cookie::CookieOptions;
    /// assert!(CookieOptions::new().name("sid").secure(false).build().is_ok());
    /// ```
    pub fn secure(mut self, on: bool) -> Self {
        self.secure = on;
        self
    }

    /// The `HttpOnly` attribute (default on).
    ///
    /// ```
    /// # use sealed_session::cookie::CookieOptions;
    /// let c = CookieOptions::new().http_only(false).build()?;
    /// assert!(!c.removal().contains("HttpOnly"));
    /// # Ok::<(), sealed_session::cookie::CookieError>(())
    /// ```
    pub fn http_only(mut self, on: bool) -> Self {
        self.http_only = on;
        self
    }

    /// The `SameSite` attribute (default `Lax`); `None` here omits it.
    ///
    /// ```
    /// # use sealed_session::cookie::{CookieOptions, SameSite};
    /// let c = CookieOptions::new().same_site(Some(SameSite::None)).build()?;
    /// assert!(c.removal().ends_with("SameSite=None"));
    /// # Ok::<(), sealed_session::cookie::CookieError>(())
    /// ```
    pub fn same_site(mut self, same_site: Option<SameSite>) -> Self {
        self.same_site = same_site;
        self
    }

    /// The `Path` attribute (default `/`); `None` omits it.
    ///
    /// ```
    /// # use sealed_session::cookie::CookieOptions;
    /// let c = CookieOptions::new().name("__Secure-sid").path(Some("/app")).build()?;
    /// assert!(c.removal().contains("; Path=/app;"));
    /// # Ok::<(), sealed_session::cookie::CookieError>(())
    /// ```
    pub fn path(mut self, path: Option<&str>) -> Self {
        self.path = path.map(String::from);
        self
    }

    /// The `Domain` attribute (default none: a host-only cookie).
    ///
    /// ```
    /// # use sealed_session::cookie::CookieOptions;
    /// let c = CookieOptions::new().name("__Secure-sid").domain(Some("example.com")).build()?;
    /// assert!(c.removal().contains("; Domain=example.com;"));
    /// # Ok::<(), sealed_session::cookie::CookieError>(())
    /// ```
    pub fn domain(mut self, domain: Option<&str>) -> Self {
        self.domain = domain.map(String::from);
        self
    }

    /// The bound on the total length of a request's `Cookie` header lines
    /// (default [`DEFAULT_MAX_COOKIE_HEADER_LEN`]).
    ///
    /// ```
    /// # use sealed_session::cookie::{CookieOptions, CookieHeaderError};
    /// let c = CookieOptions::new().max_header_len(16).build()?;
    /// assert_eq!(c.find(b"__Host-session=v2.local.abcdef"), Err(CookieHeaderError::TooLarge));
    /// # Ok::<(), sealed_session::cookie::CookieError>(())
    /// ```
    pub fn max_header_len(mut self, len: usize) -> Self {
        self.max_header_len = len;
        self
    }

    /// Check the options and freeze them.
    ///
    /// # Errors
    /// A [`CookieError`] naming the first rule broken: an invalid name,
    /// domain or path; a `__Host-` name without `Secure`, with a `Domain` or
    /// without `Path=/`; a `__Secure-` name without `Secure`; `SameSite=None`
    /// without `Secure`.
    ///
    /// # Example
    /// ```
    /// use sealed_session::cookie::{CookieError, CookieOptions, SameSite};
    /// let opts = CookieOptions::new().name("sid").secure(false);
    /// assert_eq!(
    ///     opts.same_site(Some(SameSite::None)).build().unwrap_err(),
    ///     CookieError::SameSiteNoneRequiresSecure
    /// );
    /// ```
    pub fn build(self) -> Result<SessionCookie, CookieError> {
        if self.name.is_empty() || !self.name.bytes().all(is_token_char) {
            return Err(CookieError::InvalidName);
        }
        if let Some(d) = &self.domain {
            let ok = !d.is_empty()
                && d.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
            if !ok {
                return Err(CookieError::InvalidDomain);
            }
        }
        if let Some(p) = &self.path {
            let ok =
                p.starts_with('/') && p.bytes().all(|b| (0x20..0x7f).contains(&b) && b != b';');
            if !ok {
                return Err(CookieError::InvalidPath);
            }
        }
        if starts_with_ignore_case(&self.name, "__Host-") {
            if !self.secure {
                return Err(CookieError::HostPrefixRequiresSecure);
            }
            if self.domain.is_some() {
                return Err(CookieError::HostPrefixForbidsDomain);
            }
            if self.path.as_deref() != Some("/") {
                return Err(CookieError::HostPrefixRequiresRootPath);
            }
        }
        if starts_with_ignore_case(&self.name, "__Secure-") && !self.secure {
            return Err(CookieError::SecurePrefixRequiresSecure);
        }
        if self.same_site == Some(SameSite::None) && !self.secure {
            return Err(CookieError::SameSiteNoneRequiresSecure);
        }
        let mut attributes = String::new();
        if let Some(p) = &self.path {
            attributes.push_str("; Path=");
            attributes.push_str(p);
        }
        if let Some(d) = &self.domain {
            attributes.push_str("; Domain=");
            attributes.push_str(d);
        }
        if self.secure {
            attributes.push_str("; Secure");
        }
        if self.http_only {
            attributes.push_str("; HttpOnly");
        }
        if let Some(s) = self.same_site {
            attributes.push_str("; SameSite=");
            attributes.push_str(s.as_str());
        }
        Ok(SessionCookie {
            name: self.name,
            attributes,
            max_header_len: self.max_header_len,
        })
    }
}

/// Validated cookie settings: writes `Set-Cookie` values and finds the
/// cookie in requests. Build one at start-up with [`CookieOptions::build`].
///
/// # Example
/// ```
/// use sealed_session::{Key, Timestamp};
/// use sealed_session::cookie::SessionCookie;
/// use std::time::Duration;
/// let key = Key::generate();
/// let now = Timestamp::now().trunc_seconds();
/// let token = key.seal_at("42", Duration::from_secs(600), now)?;
/// let claims = key.open_at(&token, now)?;
/// let cookie = SessionCookie::hardened();
/// let set = cookie.set_cookie_until(&token, claims.expires_at(), now)?;
/// assert!(set.contains("; Max-Age=600;"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionCookie {
    name: String,
    /// `; Path=/; Secure; ...`, ready to append.
    attributes: String,
    max_header_len: usize,
}

impl SessionCookie {
    /// The hardened defaults of [`CookieOptions::new`], which always build.
    ///
    /// ```
    /// # use sealed_session::cookie::{SessionCookie, CookieOptions};
    /// assert_eq!(SessionCookie::hardened(), CookieOptions::new().build().unwrap());
    /// ```
    pub fn hardened() -> SessionCookie {
        SessionCookie {
            name: String::from(DEFAULT_COOKIE_NAME),
            attributes: String::from("; Path=/; Secure; HttpOnly; SameSite=Lax"),
            max_header_len: DEFAULT_MAX_COOKIE_HEADER_LEN,
        }
    }

    /// The cookie name.
    ///
    /// ```
    /// assert_eq!(sealed_session::cookie::SessionCookie::hardened().name(), "__Host-session");
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether the cookie is `Secure` (every `__Host-` and `__Secure-`
    /// cookie is). Browsers drop a `Secure` cookie set over plain HTTP unless
    /// the host is the local machine (see [`crate::web::is_loopback_host`]).
    ///
    /// ```
    /// use sealed_session::cookie::{CookieOptions, SessionCookie};
    /// assert!(SessionCookie::hardened().is_secure());
    /// let dev = CookieOptions::new().name("session").secure(false).build()?;
    /// assert!(!dev.is_secure());
    /// # Ok::<(), sealed_session::cookie::CookieError>(())
    /// ```
    pub fn is_secure(&self) -> bool {
        // `Path` and `Domain` cannot hold `;`, so "; Secure" is the attribute.
        self.attributes
            .split("; ")
            .any(|a| a.eq_ignore_ascii_case("Secure"))
    }

    /// The most bytes a `Set-Cookie` value from [`SessionCookie::set_cookie`]
    /// adds around the token: the name, `=`, the largest `Max-Age` and the
    /// attributes. Browsers must accept at least 4096 bytes for the whole
    /// value (RFC 6265 §6.1), so a token budget of `4096 - overhead()` keeps
    /// the cookie storable.
    ///
    /// ```
    /// use sealed_session::cookie::SessionCookie;
    /// use std::time::Duration;
    /// let c = SessionCookie::hardened();
    /// let set = c.set_cookie("v2.local.x", Duration::MAX)?;
    /// assert_eq!(set.len(), c.overhead() + "v2.local.x".len());
    /// assert!(c.overhead() < 100);
    /// # Ok::<(), sealed_session::cookie::CookieError>(())
    /// ```
    pub fn overhead(&self) -> usize {
        // `u64::MAX` has 20 digits.
        self.name.len() + "=".len() + "; Max-Age=".len() + 20 + self.attributes.len()
    }

    /// A `Set-Cookie` value carrying `token` for `max_age` (whole seconds,
    /// rounded down).
    ///
    /// # Errors
    /// [`CookieError::InvalidValue`] if `token` is empty or has a byte that
    /// is not a cookie-octet (tokens this crate seals never do).
    ///
    /// # Example
    /// ```
    /// # use sealed_session::cookie::SessionCookie;
    /// # use std::time::Duration;
    /// let c = SessionCookie::hardened();
    /// assert!(c.set_cookie("v2.local.x", Duration::from_secs(5))?.contains("Max-Age=5;"));
    /// assert!(c.set_cookie("a b", Duration::from_secs(5)).is_err());
    /// # Ok::<(), sealed_session::cookie::CookieError>(())
    /// ```
    pub fn set_cookie(&self, token: &str, max_age: Duration) -> Result<String, CookieError> {
        if token.is_empty() || !token.bytes().all(is_cookie_octet) {
            return Err(CookieError::InvalidValue);
        }
        let mut out =
            String::with_capacity(self.name.len() + token.len() + self.attributes.len() + 32);
        out.push_str(&self.name);
        out.push('=');
        out.push_str(token);
        // Writing into a String cannot fail.
        let _ = write!(out, "; Max-Age={}", max_age.as_secs());
        out.push_str(&self.attributes);
        Ok(out)
    }

    /// A `Set-Cookie` value carrying `token` whose `Max-Age` is the time
    /// left from `now` until `expires_at` (the token's `exp`), so the
    /// browser drops the cookie no later than the token stops opening. An
    /// expiry at or before `now` gives `Max-Age=0`.
    ///
    /// # Errors
    /// As [`SessionCookie::set_cookie`].
    ///
    /// # Example
    /// ```
    /// # use sealed_session::cookie::SessionCookie;
    /// # use sealed_session::Timestamp;
    /// let now = Timestamp::from_unix_seconds(1_000).unwrap();
    /// let exp = Timestamp::from_unix_seconds(1_090).unwrap();
    /// let set = SessionCookie::hardened().set_cookie_until("v2.local.x", exp, now)?;
    /// assert!(set.contains("; Max-Age=90;"));
    /// # Ok::<(), sealed_session::cookie::CookieError>(())
    /// ```
    pub fn set_cookie_until(
        &self,
        token: &str,
        expires_at: Timestamp,
        now: Timestamp,
    ) -> Result<String, CookieError> {
        let left = expires_at.duration_since(now).unwrap_or(Duration::ZERO);
        self.set_cookie(token, left)
    }

    /// A `Set-Cookie` value that makes the browser delete the cookie
    /// (empty value, `Max-Age=0`, an `Expires` in 1970 for old browsers,
    /// and the same `Path`/`Domain`/`Secure` so it replaces ours).
    ///
    /// # Example
    /// ```
    /// let c = sealed_session::cookie::SessionCookie::hardened();
    /// assert_eq!(
    ///     c.removal(),
    ///     "__Host-session=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/; Secure; HttpOnly; SameSite=Lax"
    /// );
    /// ```
    pub fn removal(&self) -> String {
        let mut out = String::with_capacity(self.name.len() + self.attributes.len() + 64);
        out.push_str(&self.name);
        out.push_str("=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT");
        out.push_str(&self.attributes);
        out
    }

    /// Find our cookie's value in one `Cookie` header value (see the
    /// [module docs](self) for the rules). `Ok(None)` when absent or empty.
    ///
    /// # Errors
    /// [`CookieHeaderError`]: header too large, ambiguous repeats, invalid
    /// value bytes.
    ///
    /// # Example
    /// ```
    /// # use sealed_session::cookie::SessionCookie;
    /// let c = SessionCookie::hardened();
    /// assert_eq!(c.find(b"a=1;  __Host-session=\"v2.local.x\" ; b")?, Some("v2.local.x"));
    /// assert_eq!(c.find(b"__Host-session=")?, None);
    /// # Ok::<(), sealed_session::cookie::CookieHeaderError>(())
    /// ```
    pub fn find<'h>(&self, header: &'h [u8]) -> Result<Option<&'h str>, CookieHeaderError> {
        find_cookie_in(core::iter::once(header), &self.name, self.max_header_len)
    }

    /// [`SessionCookie::find`] over all `Cookie` header lines of a request
    /// (HTTP/2 may split cookies over several), the length bound applying
    /// to their sum.
    ///
    /// # Errors
    /// As [`SessionCookie::find`].
    ///
    /// # Example
    /// ```
    /// # use sealed_session::cookie::SessionCookie;
    /// let c = SessionCookie::hardened();
    /// let lines: [&[u8]; 2] = [b"a=1", b"__Host-session=v2.local.x"];
    /// assert_eq!(c.find_in(lines)?, Some("v2.local.x"));
    /// # Ok::<(), sealed_session::cookie::CookieHeaderError>(())
    /// ```
    pub fn find_in<'h, I>(&self, headers: I) -> Result<Option<&'h str>, CookieHeaderError>
    where
        I: IntoIterator<Item = &'h [u8]>,
    {
        find_cookie_in(headers, &self.name, self.max_header_len)
    }
}

impl Default for SessionCookie {
    fn default() -> Self {
        SessionCookie::hardened()
    }
}

/// RFC 6265 cookie-octet: `%x21 / %x23-2B / %x2D-3A / %x3C-5B / %x5D-7E`.
pub(super) fn is_cookie_octet(b: u8) -> bool {
    matches!(b, 0x21 | 0x23..=0x2B | 0x2D..=0x3A | 0x3C..=0x5B | 0x5D..=0x7E)
}

/// RFC 9110 tchar.
fn is_token_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

fn starts_with_ignore_case(s: &str, prefix: &str) -> bool {
    s.as_bytes()
        .get(..prefix.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(prefix.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::find::pairs;
    use super::*;
    use alloc::format;
    use alloc::vec::Vec;

    const TOKEN: &str = "v2.local.AbC-_x.eyJraWQiOiJrMiJ9";

    fn opts() -> CookieOptions {
        CookieOptions::new()
    }

    #[test]
    fn hardened_defaults() {
        let c = opts().build().unwrap();
        assert_eq!(c, SessionCookie::hardened());
        let set = c.set_cookie(TOKEN, Duration::from_secs(3600)).unwrap();
        let parts: Vec<&str> = set.split("; ").collect();
        assert_eq!(parts[0], "__Host-session=v2.local.AbC-_x.eyJraWQiOiJrMiJ9");
        for attr in [
            "Max-Age=3600",
            "Path=/",
            "Secure",
            "HttpOnly",
            "SameSite=Lax",
        ] {
            assert!(parts.contains(&attr), "{attr} missing from {set}");
        }
        assert!(!set.contains("Domain"));
        assert_eq!(parts.len(), 6);
    }

    #[test]
    fn every_default_can_change() {
        let c = opts()
            .name("sid")
            .secure(false)
            .http_only(false)
            .same_site(None)
            .path(None)
            .build()
            .unwrap();
        assert_eq!(
            c.set_cookie("x", Duration::from_secs(1)).unwrap(),
            "sid=x; Max-Age=1"
        );
        let c = opts()
            .name("__Secure-sid")
            .domain(Some(".example.com"))
            .path(Some("/app"))
            .same_site(Some(SameSite::Strict))
            .build()
            .unwrap();
        assert_eq!(
            c.set_cookie("x", Duration::from_millis(2999)).unwrap(),
            "__Secure-sid=x; Max-Age=2; Path=/app; Domain=.example.com; Secure; HttpOnly; SameSite=Strict"
        );
        let c = opts().same_site(Some(SameSite::None)).build().unwrap();
        assert!(c.removal().ends_with("; Secure; HttpOnly; SameSite=None"));
    }

    #[test]
    fn refused_combinations() {
        let cases: &[(CookieOptions, CookieError)] = &[
            (opts().secure(false), CookieError::HostPrefixRequiresSecure),
            (
                opts().name("__host-x").secure(false),
                CookieError::HostPrefixRequiresSecure,
            ),
            (
                opts().domain(Some("example.com")),
                CookieError::HostPrefixForbidsDomain,
            ),
            (
                opts().path(Some("/app")),
                CookieError::HostPrefixRequiresRootPath,
            ),
            (opts().path(None), CookieError::HostPrefixRequiresRootPath),
            (
                opts().name("__Secure-x").secure(false),
                CookieError::SecurePrefixRequiresSecure,
            ),
            (
                opts().name("__SECURE-x").secure(false),
                CookieError::SecurePrefixRequiresSecure,
            ),
            (
                opts()
                    .name("x")
                    .secure(false)
                    .same_site(Some(SameSite::None)),
                CookieError::SameSiteNoneRequiresSecure,
            ),
            (opts().name(""), CookieError::InvalidName),
            (opts().name("a b"), CookieError::InvalidName),
            (opts().name("a=b"), CookieError::InvalidName),
            (opts().name("a;b"), CookieError::InvalidName),
            (opts().name("sé"), CookieError::InvalidName),
            (opts().name("a\u{0}"), CookieError::InvalidName),
            (
                opts().name("x").domain(Some("")),
                CookieError::InvalidDomain,
            ),
            (
                opts().name("x").domain(Some("a.com; Secure")),
                CookieError::InvalidDomain,
            ),
            (opts().name("x").path(Some("app")), CookieError::InvalidPath),
            (
                opts().name("x").path(Some("/a;b")),
                CookieError::InvalidPath,
            ),
            (
                opts().name("x").path(Some("/a\nb")),
                CookieError::InvalidPath,
            ),
        ];
        for (o, want) in cases {
            assert_eq!(o.clone().build().unwrap_err(), *want, "{o:?}");
        }
    }

    #[test]
    fn invalid_values_refused() {
        let c = SessionCookie::hardened();
        for v in [
            "",
            "a b",
            "a;b",
            "a,b",
            "a\"b",
            "a\\b",
            "é",
            "a\r\nSet-Cookie: x=y",
        ] {
            assert_eq!(
                c.set_cookie(v, Duration::from_secs(1)),
                Err(CookieError::InvalidValue),
                "{v:?}"
            );
        }
    }

    #[test]
    fn max_age_is_remaining_lifetime() {
        let c = SessionCookie::hardened();
        let at = |s| Timestamp::from_unix_seconds(s).unwrap();
        let half = Timestamp::from_parts(1_000, 500_000_000).unwrap();
        let max_age = |exp, now| {
            let s = c.set_cookie_until(TOKEN, exp, now).unwrap();
            let tail = s.split("Max-Age=").nth(1).unwrap();
            tail.split(';').next().unwrap().parse::<u64>().unwrap()
        };
        assert_eq!(max_age(at(1_090), at(1_000)), 90);
        assert_eq!(max_age(at(1_090), half), 89);
        assert_eq!(max_age(at(1_000), at(1_000)), 0);
        assert_eq!(max_age(at(1_000), at(2_000)), 0);
    }

    #[test]
    fn removal_matches_attributes() {
        let c = opts().name("__Secure-s").path(Some("/p")).build().unwrap();
        assert_eq!(
            c.removal(),
            "__Secure-s=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/p; Secure; HttpOnly; SameSite=Lax"
        );
    }

    #[test]
    fn lookup_cases() {
        type R = Result<Option<&'static str>, CookieHeaderError>;
        let cases: &[(&[u8], R)] = &[
            (b"", Ok(None)),
            (b"sid=abc", Ok(Some("abc"))),
            (b"a=1; sid=abc; b=2", Ok(Some("abc"))),
            (b"a=1;sid=abc;b=2", Ok(Some("abc"))),
            (b"  sid = abc \t;", Ok(Some("abc"))),
            (b"\tsid=abc", Ok(Some("abc"))),
            (b"sid=\"abc\"", Ok(Some("abc"))),
            (b"sid=\"\"", Ok(None)),
            (b"sid=\"", Err(CookieHeaderError::InvalidValue)),
            (b"sid=\"abc", Err(CookieHeaderError::InvalidValue)),
            (b"sid=", Ok(None)),
            (b"sid", Ok(None)),
            (b"sid; x=1", Ok(None)),
            (b"=sid", Ok(None)),
            (b"SID=abc", Ok(None)),
            (b"sidx=abc; xsid=abc", Ok(None)),
            (b"sid=abc; sid=abc", Ok(Some("abc"))),
            (b"sid=abc; sid=xyz", Err(CookieHeaderError::Ambiguous)),
            (b"sid=; sid=abc", Ok(Some("abc"))),
            (b"sid=abc; sid=", Ok(Some("abc"))),
            (b"sid=a=b", Ok(Some("a=b"))),
            (b"sid=a b", Err(CookieHeaderError::InvalidValue)),
            (b"sid=a,b", Err(CookieHeaderError::InvalidValue)),
            (b"sid=\xc3\xa9", Err(CookieHeaderError::InvalidValue)),
            (b"sid=abc\xff", Err(CookieHeaderError::InvalidValue)),
            (b"x=\xff\xfe\x00; sid=abc", Ok(Some("abc"))),
            (b"\xff=1; sid=abc", Ok(Some("abc"))),
            (b";;;; ; sid=abc;;", Ok(Some("abc"))),
            (b"sid=abc\r\n", Err(CookieHeaderError::InvalidValue)),
        ];
        for (header, want) in cases {
            assert_eq!(
                find_cookie(header, "sid"),
                *want,
                "{:?}",
                core::str::from_utf8(header)
            );
        }
    }

    #[test]
    fn oversize_header_refused_before_scanning() {
        let mut h = Vec::new();
        h.extend_from_slice(b"sid=abc; ");
        h.resize(DEFAULT_MAX_COOKIE_HEADER_LEN, b'a');
        assert_eq!(find_cookie(&h, "sid"), Ok(Some("abc")));
        h.push(b'a');
        assert_eq!(find_cookie(&h, "sid"), Err(CookieHeaderError::TooLarge));
        // The bound applies to the sum of the lines.
        let half = &h[..DEFAULT_MAX_COOKIE_HEADER_LEN / 2 + 1];
        assert_eq!(
            find_cookie_in([half, half], "sid", DEFAULT_MAX_COOKIE_HEADER_LEN),
            Err(CookieHeaderError::TooLarge)
        );
        assert_eq!(
            find_cookie_in(
                [&half[..20], &half[..20]],
                "sid",
                DEFAULT_MAX_COOKIE_HEADER_LEN
            ),
            Ok(Some("abc"))
        );
    }

    #[test]
    fn several_lines() {
        let lines: [&[u8]; 3] = [b"a=1", b"sid=abc", b"b=2"];
        assert_eq!(find_cookie_in(lines, "sid", 100), Ok(Some("abc")));
        let lines: [&[u8]; 2] = [b"sid=abc", b"sid=abd"];
        assert_eq!(
            find_cookie_in(lines, "sid", 100),
            Err(CookieHeaderError::Ambiguous)
        );
        assert_eq!(find_cookie_in(core::iter::empty(), "sid", 0), Ok(None));
    }

    #[test]
    fn session_cookie_roundtrip_and_bound() {
        let c = SessionCookie::hardened();
        let set = c.set_cookie(TOKEN, Duration::from_secs(9)).unwrap();
        // What a browser sends back: the name=value pair before the first `;`.
        let pair = set.split(';').next().unwrap();
        let header = alloc::format!("theme=dark; {pair}; lang=en");
        assert_eq!(c.find(header.as_bytes()), Ok(Some(TOKEN)));
        let small = opts().max_header_len(8).build().unwrap();
        assert_eq!(
            small.find(header.as_bytes()),
            Err(CookieHeaderError::TooLarge)
        );
    }

    #[test]
    fn pairs_agree_with_split() {
        // Every length up to three blocks, a `;` (or two) at every place,
        // so each block boundary and the tail are crossed.
        let mut cases = 0u32;
        for len in 0..50usize {
            for first in 0..=len {
                for second in [None, Some(first + 1), Some(first + 17)] {
                    let mut h: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
                    if let Some(b) = h.get_mut(first) {
                        *b = b';';
                    }
                    if let Some(b) = second.and_then(|i| h.get_mut(i)) {
                        *b = b';';
                    }
                    let expected: Vec<&[u8]> = h.split(|&b| b == b';').collect();
                    assert_eq!(pairs(&h).collect::<Vec<_>>(), expected, "{h:?}");
                    cases += 1;
                }
            }
        }
        assert_eq!(cases, 3 * (1..=50).sum::<u32>());
    }

    #[test]
    fn a_long_value_is_found_and_checked_at_any_offset() {
        let token = format!("v2.local.{}", "A".repeat(190));
        for pad in 0..40 {
            let other = format!("o={}", "x".repeat(pad));
            let header = format!("{other}; s={token}; {other}");
            assert_eq!(
                find_cookie(header.as_bytes(), "s"),
                Ok(Some(token.as_str()))
            );
            for bad in [b',', b' ', b'"', b'\\', 0x7f, 0x80] {
                let mut h = header.clone().into_bytes();
                // Inside the value (an edge space would be trimmed).
                let at = other.len() + 4 + 1 + pad;
                h[at] = bad;
                assert_eq!(
                    find_cookie(&h, "s"),
                    Err(CookieHeaderError::InvalidValue),
                    "byte {bad:#x} at {at}"
                );
            }
        }
    }

    #[test]
    fn never_panics_on_arbitrary_bytes() {
        // A cheap deterministic sweep over short inputs drawn from the
        // interesting bytes; the fuzz target covers the rest.
        let alphabet: &[u8] = b"s=; \t\"a\xff\x00,";
        let mut buf = [0u8; 6];
        let n = alphabet.len();
        let mut ok = 0u32;
        for i in 0..n.pow(6) {
            let mut x = i;
            for b in buf.iter_mut() {
                *b = alphabet[x % n];
                x /= n;
            }
            if find_cookie(&buf, "s").is_ok() {
                ok += 1;
            }
        }
        assert!(ok > 0);
    }
}
