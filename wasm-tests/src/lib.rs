//! The core's vector runners as a plain WebAssembly module (no
//! wasm-bindgen): `run.mjs` loads the `.wasm` into Node.js, hands each
//! vector file over, and asserts the counts each runner reports.
//!
//! Calling convention (all exports prefixed `wt_`): the host asks for an
//! input buffer of `len` bytes ([`wt_input`]), writes the file there, calls
//! a runner with `len`; the runner writes a JSON report (`counts` plus a
//! `failures` list, empty when every case behaved) to the output buffer
//! ([`wt_output_ptr`], [`wt_output_len`]) and returns the number of
//! failures.
//!
//! Expected values come from the vector files only (tokens, payloads, error
//! kinds); the counts are asserted by the host.
// `#[no_mangle]` exports are all this module needs; there is no `unsafe`
// block. The host writes into the input buffer between calls, while no Rust
// reference to it is alive.
#![deny(unsafe_code)]

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use sealed_session::format::{self, UntrustedToken};
use sealed_session::{ClaimsError, Error, Key, KeyError, KeyRing, Malformed, Timestamp};
use serde_json::Value;

static INPUT: Mutex<Vec<u8>> = Mutex::new(Vec::new());
static OUTPUT: Mutex<Vec<u8>> = Mutex::new(Vec::new());

fn lock(m: &'static Mutex<Vec<u8>>) -> MutexGuard<'static, Vec<u8>> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A zeroed input buffer of `len` bytes for the host to fill.
#[allow(unsafe_code)]
#[no_mangle]
pub extern "C" fn wt_input(len: usize) -> *mut u8 {
    let mut input = lock(&INPUT);
    input.clear();
    input.resize(len, 0);
    input.as_mut_ptr()
}

/// Where the last report starts.
#[allow(unsafe_code)]
#[no_mangle]
pub extern "C" fn wt_output_ptr() -> *const u8 {
    lock(&OUTPUT).as_ptr()
}

/// The last report's length in bytes.
#[allow(unsafe_code)]
#[no_mangle]
pub extern "C" fn wt_output_len() -> usize {
    lock(&OUTPUT).len()
}

/// The published PASETO v2 vectors (`paseto/v2.json`).
#[allow(unsafe_code)]
#[no_mangle]
pub extern "C" fn wt_paseto_v2(len: usize) -> u32 {
    run(len, paseto_v2)
}

/// Wycheproof XChaCha20-Poly1305 (`wycheproof/xchacha20_poly1305_test.json`).
#[allow(unsafe_code)]
#[no_mangle]
pub extern "C" fn wt_wycheproof(len: usize) -> u32 {
    run(len, wycheproof)
}

/// The project's claims-profile vectors (`test-vectors/claims-profile.json`).
#[allow(unsafe_code)]
#[no_mangle]
pub extern "C" fn wt_claims_profile(len: usize) -> u32 {
    run(len, claims_profile)
}

/// The project's key-ring vectors (`test-vectors/keyring.json`): key ids,
/// PASERK strings, kid footers, and tokens opened through a key ring.
#[allow(unsafe_code)]
#[no_mangle]
pub extern "C" fn wt_keyring(len: usize) -> u32 {
    run(len, keyring)
}

/// Every single-bit flip and every truncation of one claims-profile token
/// (`len` bytes of `claims-profile.json` again), and bytes that are not
/// UTF-8.
#[allow(unsafe_code)]
#[no_mangle]
pub extern "C" fn wt_mutations(len: usize) -> u32 {
    run(len, mutations)
}

/// A runner's findings.
#[derive(Default)]
struct Report {
    counts: Vec<(&'static str, u64)>,
    failures: Vec<String>,
}

impl Report {
    fn count(&mut self, name: &'static str) {
        match self.counts.iter_mut().find(|(n, _)| *n == name) {
            Some((_, c)) => *c += 1,
            None => self.counts.push((name, 1)),
        }
    }

    fn check(&mut self, ok: bool, what: impl FnOnce() -> String) -> bool {
        if !ok {
            self.failures.push(what());
        }
        ok
    }
}

fn run(len: usize, runner: fn(&Value, &mut Report)) -> u32 {
    let mut report = Report::default();
    let parsed = {
        let input = lock(&INPUT);
        serde_json::from_slice::<Value>(input.get(..len).unwrap_or(&[]))
    };
    match parsed {
        Ok(doc) => runner(&doc, &mut report),
        Err(e) => report.failures.push(format!("input is not JSON: {e}")),
    }
    let counts: serde_json::Map<String, Value> = report
        .counts
        .iter()
        .map(|(n, c)| ((*n).to_owned(), Value::from(*c)))
        .collect();
    let json = serde_json::json!({ "counts": counts, "failures": report.failures });
    *lock(&OUTPUT) = json.to_string().into_bytes();
    u32::try_from(report.failures.len()).unwrap_or(u32::MAX)
}

fn text<'a>(v: &'a Value, field: &str) -> &'a str {
    v[field].as_str().unwrap_or_default()
}

fn unhex(s: &str) -> Vec<u8> {
    let digit = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    s.as_bytes()
        .chunks(2)
        .filter_map(|p| match p {
            [h, l] => Some(digit(*h)? << 4 | digit(*l)?),
            _ => None,
        })
        .collect()
}

fn key(hex: &str) -> Option<Key> {
    Key::try_from_slice(&unhex(hex)).ok()
}

fn paseto_v2(doc: &Value, r: &mut Report) {
    for t in doc["tests"].as_array().into_iter().flatten() {
        let name = text(t, "name");
        let token = text(t, "token");
        if t["expect-fail"].as_bool() == Some(true) {
            let material = t["key"].as_str().or(t["secret-key-seed"].as_str());
            let Some(k) = material.and_then(key) else {
                r.failures.push(format!("{name}: no 32-byte key material"));
                continue;
            };
            let want = if token.starts_with("v2.local.") {
                Error::Unauthenticated
            } else {
                Error::Malformed(Malformed::Header)
            };
            let got = format::open(&k, token).err();
            if r.check(got == Some(want), || {
                format!("{name}: {got:?}, want {want:?}")
            }) {
                r.count("rejected");
            }
            continue;
        }
        if !token.starts_with("v2.local.") {
            let got = format::open(&Key::from_bytes([0; 32]), token).err();
            let want = Some(Error::Malformed(Malformed::Header));
            if r.check(got == want, || format!("{name}: {got:?}")) {
                r.count("public_refused");
            }
            continue;
        }
        let (Some(k), Ok(seed)) = (
            key(text(t, "key")),
            <[u8; 24]>::try_from(unhex(text(t, "nonce"))),
        ) else {
            r.failures.push(format!("{name}: bad key or nonce"));
            continue;
        };
        let payload = text(t, "payload").as_bytes();
        let footer = text(t, "footer").as_bytes();
        let sealed = format::__seal_with_nonce_seed(&k, &seed, payload, footer);
        if r.check(sealed == token, || format!("{name}: sealed {sealed}")) {
            r.count("reproduced");
        }
        match format::open(&k, token) {
            Ok(o) => {
                let untrusted = UntrustedToken::parse(token).and_then(|u| u.untrusted_footer());
                let ok = o.payload == payload
                    && o.footer == footer
                    && untrusted.as_deref() == Ok(footer);
                if r.check(ok, || format!("{name}: payload or footer differ")) {
                    r.count("opened");
                }
            }
            Err(e) => r.failures.push(format!("{name}: open failed: {e:?}")),
        }
    }
}

fn wycheproof(doc: &Value, r: &mut Report) {
    for group in doc["testGroups"].as_array().into_iter().flatten() {
        for t in group["tests"].as_array().into_iter().flatten() {
            let id = t["tcId"].as_u64().unwrap_or_default();
            let Some(k) = key(text(t, "key")) else {
                r.failures.push(format!("tc {id}: bad key"));
                continue;
            };
            let iv = unhex(text(t, "iv"));
            let (aad, msg) = (unhex(text(t, "aad")), unhex(text(t, "msg")));
            let (ct, tag) = (unhex(text(t, "ct")), unhex(text(t, "tag")));
            let result = text(t, "result");
            let Ok(nonce) = <[u8; 24]>::try_from(iv.as_slice()) else {
                let mut buf = ct.clone();
                let refused = format::__aead::open(&k, &iv, &aad, &mut buf, &tag).is_err();
                if r.check(refused && result == "invalid", || format!("tc {id}")) {
                    r.count("other_nonce_sizes");
                }
                continue;
            };
            let mut opened = ct.clone();
            let open = format::__aead::open(&k, &nonce, &aad, &mut opened, &tag);
            match result {
                "valid" => {
                    let mut sealed = msg.clone();
                    let got_tag = format::__aead::seal(&k, &nonce, &aad, &mut sealed);
                    let ok =
                        open == Ok(()) && opened == msg && sealed == ct && got_tag[..] == tag[..];
                    if r.check(ok, || format!("tc {id}: valid case differs")) {
                        r.count("valid");
                    }
                }
                "invalid" => {
                    if r.check(open == Err(Error::Unauthenticated), || {
                        format!("tc {id}: {open:?}")
                    }) {
                        r.count("invalid");
                    }
                }
                other => r
                    .failures
                    .push(format!("tc {id}: unexpected result {other}")),
            }
        }
    }
}

/// The vector file's name for an error kind (as `tests/own_vectors.rs`).
fn kind(e: &Error) -> String {
    match e {
        Error::Malformed(m) => format!("Malformed::{m:?}"),
        Error::InvalidClaims(c) => match c {
            ClaimsError::Missing(n) => format!("InvalidClaims::Missing({n})"),
            ClaimsError::WrongType(n) => format!("InvalidClaims::WrongType({n})"),
            ClaimsError::BadTime(n) => format!("InvalidClaims::BadTime({n})"),
            ClaimsError::Duplicate(n) => format!("InvalidClaims::Duplicate({n})"),
            other => format!("InvalidClaims::{other:?}"),
        },
        other => format!("{other:?}"),
    }
}

fn timestamp(v: &Value) -> Option<Timestamp> {
    Timestamp::parse_rfc3339(v.as_str()?).ok()
}

fn claims_profile(doc: &Value, r: &mut Report) {
    for case in doc["seal"].as_array().into_iter().flatten() {
        let name = text(case, "name");
        let (Some(k), Ok(seed), Some(now), Some(secs)) = (
            key(text(case, "key")),
            <[u8; 24]>::try_from(unhex(text(case, "nonce-seed"))),
            timestamp(&case["now"]),
            case["lifetime-seconds"].as_u64(),
        ) else {
            r.failures.push(format!("{name}: bad case"));
            continue;
        };
        let user = text(case, "user-id");
        let lifetime = Duration::from_secs(secs);
        let token = text(case, "token");
        let sealed = sealed_session::__seal_claims_with_nonce_seed(&k, &seed, user, lifetime, now);
        if r.check(sealed.as_deref() == Ok(token), || {
            format!("{name}: sealed {sealed:?}")
        }) {
            r.count("sealed");
        }
        let payload = format::open(&k, token).map(|o| o.payload);
        let payload_ok = payload.as_deref() == Ok(text(case, "payload").as_bytes());
        let claims = k.open_at(token, now);
        let ok = payload_ok
            && claims.as_ref().is_ok_and(|c| {
                c.user_id() == user
                    && c.issued_at() == Some(now)
                    && Some(c.expires_at()) == now.checked_add(lifetime)
            });
        if r.check(ok, || format!("{name}: opened {claims:?}")) {
            r.count("opened");
        }
    }
    let (Some(k), Some(now)) = (key(text(doc, "key")), timestamp(&doc["now"])) else {
        r.failures.push("must-fail: bad key or now".into());
        return;
    };
    for case in doc["must-fail"].as_array().into_iter().flatten() {
        let name = text(case, "name");
        let want = text(case, "error");
        let got = k.open_at(text(case, "token"), now).map_err(|e| kind(&e));
        if r.check(got.as_ref().err().map(String::as_str) == Some(want), || {
            format!("{name}: {got:?}, want {want}")
        }) {
            r.count("must_fail");
        }
    }
}

fn mutations(doc: &Value, r: &mut Report) {
    let Some(case) = doc["seal"].get(0) else {
        r.failures.push("no seal case".into());
        return;
    };
    let (Some(k), Some(now)) = (key(text(case, "key")), timestamp(&case["now"])) else {
        r.failures.push("bad seal case".into());
        return;
    };
    let token = text(case, "token").as_bytes();
    if !r.check(k.open_at(text(case, "token"), now).is_ok(), || {
        "the unmodified token does not open".into()
    }) {
        return;
    }
    for i in 0..token.len() {
        for bit in 0..8 {
            let mut t = token.to_vec();
            if let Some(b) = t.get_mut(i) {
                *b ^= 1 << bit;
            }
            // The host hands the edge bytes; those that are not UTF-8 are
            // refused before the core sees them.
            let refused = match std::str::from_utf8(&t) {
                Ok(s) => k.open_at(s, now).is_err(),
                Err(_) => true,
            };
            if r.check(refused, || format!("flip byte {i} bit {bit} opened")) {
                r.count("flips_refused");
            }
        }
    }
    for len in 0..token.len() {
        let s = std::str::from_utf8(token.get(..len).unwrap_or_default()).unwrap_or_default();
        if r.check(k.open_at(s, now).is_err(), || {
            format!("prefix {len} opened")
        }) {
            r.count("truncations_refused");
        }
    }
    let mut long = String::from("v2.local.");
    while long.len() <= format::DEFAULT_MAX_TOKEN_LEN {
        long.push('A');
    }
    let got = k.open_at(&long, now);
    if r.check(got == Err(Error::TokenTooLarge), || {
        format!("oversize: {got:?}")
    }) {
        r.count("oversize_refused");
    }
}

fn keyring(doc: &Value, r: &mut Report) {
    let named = |name: &str| {
        doc["keys"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|k| k["name"] == name)
            .and_then(|k| key(text(k, "key")))
    };
    for k in doc["keys"].as_array().into_iter().flatten() {
        let name = text(k, "name");
        let Some(key) = named(name) else {
            r.failures.push(format!("{name}: bad key"));
            continue;
        };
        let paserk = text(k, "paserk");
        let parsed = Key::from_paserk(paserk);
        let parsed_ok = match &parsed {
            Ok(p) => *p == key,
            Err(e) => name == "zero" && *e == KeyError::AllZero,
        };
        let ok = key.to_paserk().expose_secret() == paserk
            && key.id().as_str() == text(k, "lid")
            && KeyRing::new(key.clone()).footer() == text(k, "footer").as_bytes()
            && parsed_ok;
        if r.check(ok, || format!("{name}: paserk, id or footer differ")) {
            r.count("keys");
        }
    }
    let ring = named(text(&doc["ring"], "current")).map(|current| {
        doc["ring"]["retired"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|n| named(n.as_str()?))
            .fold(KeyRing::new(current), KeyRing::with_retired)
    });
    let (Some(ring), Some(now), Some(iat), Some(exp)) = (
        ring,
        timestamp(&doc["now"]),
        timestamp(&doc["iat"]),
        timestamp(&doc["exp"]),
    ) else {
        r.failures.push("bad ring, now, iat or exp".into());
        return;
    };
    for t in doc["tokens"].as_array().into_iter().flatten() {
        let name = text(t, "name");
        let got = ring.open_at(text(t, "token"), now);
        let (ok, outcome) = match text(t, "expect") {
            "ok" => (
                got.as_ref().is_ok_and(|c| {
                    c.user_id() == text(doc, "sub")
                        && c.expires_at() == exp
                        && c.issued_at() == Some(iat)
                }),
                "ok",
            ),
            "unknown-key" => (got == Err(Error::UnknownKey), "unknown_key"),
            "malformed-footer" => (
                got == Err(Error::Malformed(Malformed::Footer)),
                "malformed_footer",
            ),
            "unauthenticated" => (got == Err(Error::Unauthenticated), "unauthenticated"),
            other => {
                r.failures.push(format!("{name}: unknown outcome {other}"));
                continue;
            }
        };
        if r.check(ok, || format!("{name}: {got:?}")) {
            r.count(outcome);
        }
    }
}
