//! The registered-claims reader's fast path against its serde_json path, on
//! arbitrary payload bytes (through the `__internal-test` hook
//! `__claims_paths`).
//!
//! Whenever the fast path takes a payload, serde_json must read the same
//! claim strings from it, every one borrowed, and the payload must be exactly
//! the canonical shape (no whitespace, escapes or other members: its length
//! is accounted for by the claims alone). The reader as used (fast path, else
//! serde_json) must return exactly what serde_json alone returns, claims or
//! error. And the fast path must take the canonical form of any registered
//! claims whose values need no escaping.
#![no_main]

use std::borrow::Cow;

use libfuzzer_sys::fuzz_target;
use sealed_session::{__claims_paths, REGISTERED_CLAIMS};

fn plain(s: &str) -> bool {
    !s.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20)
}

fuzz_target!(|payload: &[u8]| {
    let paths = __claims_paths(payload);
    if let Some(fast) = &paths.fast {
        assert_eq!(paths.serde.as_ref(), Ok(fast), "the fast path disagrees");
        assert!(
            fast.iter()
                .flatten()
                .all(|v| matches!(v, Cow::Borrowed(_)) && plain(v)),
            "the fast path copied or took an escaped string"
        );
        // `{` + `"name":"value"` per claim, `,` between them, `}`.
        let members: Vec<usize> = REGISTERED_CLAIMS
            .iter()
            .zip(fast)
            .filter_map(|(name, v)| v.as_ref().map(|v| name.len() + v.len() + 5))
            .collect();
        assert!(!members.is_empty(), "the fast path took an empty object");
        let canonical_len = 2 + members.iter().sum::<usize>() + members.len() - 1;
        assert_eq!(payload.len(), canonical_len, "not the canonical shape");
        assert_eq!(
            (payload.first(), payload.last()),
            (Some(&b'{'), Some(&b'}'))
        );
    }
    assert_eq!(
        paths.parsed, paths.parsed_serde,
        "the reader's two paths differ"
    );

    // The canonical form of what serde_json read takes the fast path.
    if let Ok(fields) = &paths.serde {
        let values = || fields.iter().flatten();
        if values().next().is_some() && values().all(|v| plain(v)) {
            let mut canonical = String::from("{");
            for (name, v) in REGISTERED_CLAIMS.iter().zip(fields) {
                if let Some(v) = v {
                    if canonical.len() > 1 {
                        canonical.push(',');
                    }
                    canonical.push_str(&format!("\"{name}\":\"{v}\""));
                }
            }
            canonical.push('}');
            let again = __claims_paths(canonical.as_bytes());
            assert_eq!(again.fast.as_ref(), Some(fields), "{canonical}");
        }
    }
});
