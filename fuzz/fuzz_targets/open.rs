//! `format::open` and `Key::open_at` on arbitrary token strings.
//!
//! Must not panic, and must never return a payload or claims for a token
//! that is not exactly the sealing of that payload and footer under the key
//! (checked by re-sealing independently; see `check_open`). The corpus is
//! seeded with the published v2.local vectors, whose key is the one used
//! here, so mutations start from tokens that do authenticate.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(token) = core::str::from_utf8(data) {
        sealed_session_fuzz::check_open(token);
    }
});
