//! `Cookie` header parsing (`cookie::find_cookie_in` / `find_cookie`) on
//! arbitrary header lines, names and length bounds.
//!
//! Must not panic; must agree with an independent reading of the rules
//! (the bound on the running total of line lengths, pairs split at `;`,
//! name and value trimmed of spaces and tabs, one pair of surrounding
//! double quotes removed, empty values skipped, a value with a byte outside
//! RFC 6265's cookie-octets refused, different repeated values refused);
//! and our cookie added to headers that do not carry it is always found.
//! The other request and response headers the adapters read from the
//! client (`Host`, `X-Forwarded-Proto`, `Forwarded`) and the `Set-Cookie`
//! check run on the same bytes and must not panic either.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sealed_session::cookie::{find_cookie, find_cookie_in, CookieHeaderError, SessionCookie};

const NAMES: [&str; 3] = ["__Host-session", "s", "sid"];
const MAX: usize = sealed_session::cookie::DEFAULT_MAX_COOKIE_HEADER_LEN;

thread_local! {
    static SESSIONS: sealed_session::web::Sessions = sealed_session::web::Sessions::builder(
        sealed_session::KeyRing::new(sealed_session::Key::from_bytes([1; 32])),
    )
    .build();
}

fn is_cookie_octet(b: u8) -> bool {
    // RFC 6265 section 4.1.1: %x21 / %x23-2B / %x2D-3A / %x3C-5B / %x5D-7E.
    (0x21..=0x7e).contains(&b) && !matches!(b, b'"' | b',' | b';' | b'\\')
}

fn trim(s: &[u8]) -> &[u8] {
    let ows = |b: &u8| *b == b' ' || *b == b'\t';
    let Some(start) = s.iter().position(|b| !ows(b)) else {
        return &[];
    };
    let end = s.iter().rposition(|b| !ows(b)).map_or(start, |i| i + 1);
    &s[start..end]
}

/// The values of `name` in one line, in order, trimmed and unquoted, empty
/// ones skipped.
fn values<'h>(line: &'h [u8], name: &str) -> Vec<&'h [u8]> {
    let mut out = Vec::new();
    for pair in line.split(|b| *b == b';') {
        let Some(eq) = pair.iter().position(|b| *b == b'=') else {
            continue;
        };
        if trim(&pair[..eq]) != name.as_bytes() {
            continue;
        }
        let mut v = trim(&pair[eq + 1..]);
        if v.len() >= 2 && v.starts_with(b"\"") && v.ends_with(b"\"") {
            v = &v[1..v.len() - 1];
        }
        if !v.is_empty() {
            out.push(v);
        }
    }
    out
}

type Found<'h> = Result<Option<&'h [u8]>, CookieHeaderError>;

fn expected<'h>(lines: &[&'h [u8]], name: &str, max: usize) -> Found<'h> {
    let mut total = 0usize;
    let mut found: Option<&[u8]> = None;
    for line in lines {
        total += line.len();
        if total > max {
            return Err(CookieHeaderError::TooLarge);
        }
        for v in values(line, name) {
            if !v.iter().all(|b| is_cookie_octet(*b)) {
                return Err(CookieHeaderError::InvalidValue);
            }
            if found.is_some_and(|f| f != v) {
                return Err(CookieHeaderError::Ambiguous);
            }
            found = Some(v);
        }
    }
    Ok(found)
}

fn lookup<'h>(lines: &[&'h [u8]], name: &str, max: usize) -> Found<'h> {
    let got = find_cookie_in(lines.iter().copied(), name, max).map(|v| v.map(str::as_bytes));
    match got {
        Ok(Some(v)) => assert!(v.iter().all(|b| is_cookie_octet(*b))),
        // A refusal has a message, and it never echoes the header.
        Err(e) => assert!(!e.to_string().is_empty() && !e.to_string().contains('=')),
        Ok(None) => {}
    }
    got
}

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let name = NAMES[usize::from(sel) % NAMES.len()];
    // Mostly the default bound; sometimes one the input can cross.
    let max = if sel & 0x80 != 0 { rest.len() / 2 } else { MAX };
    let lines: Vec<&[u8]> = rest.split(|b| *b == b'\n').collect();

    // `web::transport` and the `Set-Cookie` check: any bytes, no panic;
    // `https` needs its five letters.
    let first = lines.first().copied().unwrap_or_default();
    let _ = sealed_session::web::is_loopback_host(first);
    if sealed_session::web::forwarded_https(Some(first), lines.get(1).copied()) {
        assert!(rest.len() >= 5);
    }
    let _ = SESSIONS.with(|s| s.sets_session_cookie(lines.iter().copied()));

    let want = expected(&lines, name, max);
    assert_eq!(lookup(&lines, name, max), want);
    if lines.len() == 1 && max == MAX {
        let one = find_cookie(rest, name).map(|v| v.map(str::as_bytes));
        assert_eq!(one, want);
    }
    // The hardened session cookie's own lookup (what the adapters call),
    // with its name and bound.
    if name == "__Host-session" && max == MAX {
        let cookie = SessionCookie::hardened();
        let one = lines.first().copied().unwrap_or_default();
        let single = expected(&[one], name, MAX);
        assert_eq!(cookie.find(one).map(|v| v.map(str::as_bytes)), single);
        assert_eq!(
            cookie
                .find_in(lines.iter().copied())
                .map(|v| v.map(str::as_bytes)),
            want
        );
    }

    // Our cookie added, as its own line or as a pair after the others, to
    // headers that do not carry it: always found.
    if lines.iter().all(|l| values(l, name).is_empty()) {
        let token = b"v2.local.AAAA_-x";
        let plain = [name.as_bytes(), b"=", token].concat();
        let quoted = [b" \t", name.as_bytes(), b" = \"", token, b"\"\t"].concat();
        for added in [&plain, &quoted] {
            let mut with_line = lines.clone();
            with_line.push(added);
            let last = [lines.last().copied().unwrap_or_default(), b";", added].concat();
            let mut with_pair = lines.clone();
            with_pair.pop();
            with_pair.push(&last);
            for headers in [with_line, with_pair] {
                let total: usize = headers.iter().map(|l| l.len()).sum();
                if total <= MAX {
                    assert_eq!(lookup(&headers, name, MAX), Ok(Some(&token[..])));
                }
            }
        }
    }
});
