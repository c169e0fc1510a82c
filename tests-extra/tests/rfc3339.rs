//! Differential tests of the crate's RFC 3339 reader and writer against the
//! `time` crate, plus fixed edge cases.
//!
//! Known, deliberate differences (each asserted below, so a change on either
//! side shows up):
//! - separator: `time` accepts any single byte between date and time (it
//!   reads RFC 3339's note on readability that way); we accept only `T`/`t`;
//! - leap seconds: `time` reads `23:59:60` at the end of a UTC month as
//!   `23:59:59.999999999`; we reject every `:60` (a token never needs one);
//! - fractional digits: `time` accepts more than 9 and ignores the rest; we
//!   reject more than 9 (nanosecond precision, no silent truncation);
//! - range: `time` accepts year 0000 and UTC instants that an offset moves
//!   outside 0001–9999; we reject them (the range of `Timestamp`).

use proptest::prelude::*;
use sealed_session::Timestamp;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

const NANOS: i128 = 1_000_000_000;

fn nanos_of(t: Timestamp) -> i128 {
    i128::from(t.unix_seconds()) * NANOS + i128::from(t.subsec_nanos())
}

fn in_our_range(n: i128) -> bool {
    (nanos_of(Timestamp::MIN)..=nanos_of(Timestamp::MAX)).contains(&n)
}

fn theirs(s: &str) -> Option<i128> {
    OffsetDateTime::parse(s, &Rfc3339)
        .ok()
        .map(|t| t.unix_timestamp_nanos())
}

fn ours(s: &str) -> Option<i128> {
    Timestamp::parse_rfc3339(s).ok().map(nanos_of)
}

/// Why `time` may accept what we reject, for a string of the date-time shape.
fn known_divergence(s: &str, their_nanos: i128) -> Option<&'static str> {
    let b = s.as_bytes();
    if !matches!(b.get(10), Some(b'T' | b't')) {
        return Some("separator");
    }
    if s.get(17..19) == Some("60") {
        return Some("leap second");
    }
    if let Some(frac) = s.get(19..).and_then(|r| r.strip_prefix('.')) {
        if frac.bytes().take_while(u8::is_ascii_digit).count() > 9 {
            return Some("more than 9 fraction digits");
        }
    }
    if !in_our_range(their_nanos) {
        return Some("outside 0001-9999 UTC");
    }
    None
}

/// The differential rule for one input.
fn check(s: &str) -> Result<(), TestCaseError> {
    match (ours(s), theirs(s)) {
        (Some(a), Some(b)) => prop_assert_eq!(a, b, "{:?}", s),
        (Some(_), None) => prop_assert!(false, "we accept, time rejects: {:?}", s),
        (None, Some(b)) => prop_assert!(
            known_divergence(s, b).is_some(),
            "time accepts, we reject, no known reason: {:?}",
            s
        ),
        (None, None) => {}
    }
    Ok(())
}

fn timestamp() -> impl Strategy<Value = Timestamp> {
    let secs = Timestamp::MIN.unix_seconds()..=Timestamp::MAX.unix_seconds();
    let nanos = prop_oneof![
        Just(0u32),
        (0u32..10).prop_map(|d| d * 100_000_000),
        (0u32..1000).prop_map(|m| m * 1_000_000),
        0u32..1_000_000_000,
    ];
    (secs, nanos).prop_map(|(s, n)| Timestamp::from_parts(s, n).unwrap())
}

/// Date-time strings of the RFC 3339 shape, mostly valid: days up to 31 in
/// every month (so 29–31 February and 31 April occur), hours up to 24,
/// minutes and seconds up to 60, 0–10 fraction digits, both cases of `T`
/// and `Z`, offsets up to ±23:59 (sometimes ±24:00).
fn date_time() -> impl Strategy<Value = String> {
    let date = (1u32..=9999, 1u32..=12, 1u32..=31);
    let time = (
        prop_oneof![20 => 0u32..=23, 1 => Just(24u32)],
        prop_oneof![20 => 0u32..=59, 1 => Just(60u32)],
        prop_oneof![20 => 0u32..=59, 1 => Just(60u32)],
    );
    let frac = prop_oneof![
        2 => Just(String::new()),
        3 => (1usize..=9, any::<u64>()).prop_map(|(n, v)| format!(".{:0n$}", v % 10u64.pow(n as u32))),
        1 => Just(".1234567891".to_string()),
    ];
    let sep = prop_oneof![Just('T'), Just('t')];
    let offset = prop_oneof![
        Just("Z".to_string()),
        Just("z".to_string()),
        (any::<bool>(), 0u32..=23, 0u32..=59)
            .prop_map(|(neg, h, m)| { format!("{}{h:02}:{m:02}", if neg { '-' } else { '+' }) }),
        Just("+24:00".to_string()),
    ];
    (date, sep, time, frac, offset).prop_map(|((y, mo, d), sep, (h, mi, s), frac, off)| {
        format!("{y:04}-{mo:02}-{d:02}{sep}{h:02}:{mi:02}:{s:02}{frac}{off}")
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn writer_matches_time(t in timestamp()) {
        let theirs = OffsetDateTime::from_unix_timestamp_nanos(nanos_of(t))
            .unwrap()
            .format(&Rfc3339)
            .unwrap();
        prop_assert_eq!(t.to_string(), theirs);
    }

    #[test]
    fn reader_reads_what_the_writer_writes(t in timestamp()) {
        prop_assert_eq!(Timestamp::parse_rfc3339(&t.to_string()), Ok(t));
    }

    #[test]
    fn reader_matches_time_on_date_times(s in date_time()) {
        check(&s)?;
    }

    #[test]
    fn reader_matches_time_on_mutated_date_times(
        s in date_time(),
        at in any::<prop::sample::Index>(),
        byte in prop::sample::select(b"0123456789-:.TtZz+ x\xc3".to_vec()),
        how in 0u8..3,
    ) {
        let mut b = s.into_bytes();
        let i = at.index(b.len() + 1);
        match how {
            0 if i < b.len() => b[i] = byte,
            1 if i < b.len() => { b.remove(i); }
            _ => b.insert(i, byte),
        }
        if let Ok(s) = String::from_utf8(b) {
            check(&s)?;
        }
    }

    #[test]
    fn reader_never_panics_on_arbitrary_input(s in "\\PC{0,40}") {
        let _ = Timestamp::parse_rfc3339(&s);
        // Whatever we accept, time accepts as the same instant.
        if let Some(a) = ours(&s) {
            prop_assert_eq!(Some(a), theirs(&s));
        }
    }
}

#[test]
fn fixed_valid_cases_agree_with_time() {
    let cases = [
        // 29 February: leap years, including the 400-year rule.
        ("2024-02-29T12:00:00Z", "2024-02-29T12:00:00Z"),
        ("2000-02-29T00:00:00Z", "2000-02-29T00:00:00Z"),
        ("1600-02-29T23:59:59Z", "1600-02-29T23:59:59Z"),
        // The ends of the range.
        ("0001-01-01T00:00:00Z", "0001-01-01T00:00:00Z"),
        (
            "9999-12-31T23:59:59.999999999Z",
            "9999-12-31T23:59:59.999999999Z",
        ),
        ("0001-01-01T00:00:00-00:01", "0001-01-01T00:01:00Z"),
        ("9999-12-31T23:59:59+00:01", "9999-12-31T23:58:59Z"),
        // Negative and positive offsets, across day, month and year ends.
        ("2026-12-31T23:30:00-01:00", "2027-01-01T00:30:00Z"),
        ("2026-03-01T00:30:00+01:00", "2026-02-28T23:30:00Z"),
        ("2024-03-01T00:30:00+01:00", "2024-02-29T23:30:00Z"),
        ("2026-01-01T00:00:00-23:59", "2026-01-01T23:59:00Z"),
        ("2026-01-01T00:00:00+23:59", "2025-12-31T00:01:00Z"),
        ("2026-01-01T00:00:00-00:00", "2026-01-01T00:00:00Z"),
        // 1 to 9 fractional digits.
        ("2026-01-01T00:00:00.1Z", "2026-01-01T00:00:00.1Z"),
        ("2026-01-01T00:00:00.12Z", "2026-01-01T00:00:00.12Z"),
        ("2026-01-01T00:00:00.123Z", "2026-01-01T00:00:00.123Z"),
        ("2026-01-01T00:00:00.1234Z", "2026-01-01T00:00:00.1234Z"),
        ("2026-01-01T00:00:00.12345Z", "2026-01-01T00:00:00.12345Z"),
        ("2026-01-01T00:00:00.123456Z", "2026-01-01T00:00:00.123456Z"),
        (
            "2026-01-01T00:00:00.1234567Z",
            "2026-01-01T00:00:00.1234567Z",
        ),
        (
            "2026-01-01T00:00:00.12345678Z",
            "2026-01-01T00:00:00.12345678Z",
        ),
        (
            "2026-01-01T00:00:00.123456789Z",
            "2026-01-01T00:00:00.123456789Z",
        ),
        (
            "2026-01-01T00:00:00.000000001Z",
            "2026-01-01T00:00:00.000000001Z",
        ),
        ("2026-01-01T00:00:00.500Z", "2026-01-01T00:00:00.5Z"),
        ("2026-01-01T00:00:00.000Z", "2026-01-01T00:00:00Z"),
        // Lower-case t and z.
        ("2026-01-01t10:00:00z", "2026-01-01T10:00:00Z"),
        ("2026-01-01t10:00:00.5+02:00", "2026-01-01T08:00:00.5Z"),
    ];
    for (input, utc) in cases {
        let t = Timestamp::parse_rfc3339(input).unwrap_or_else(|_| panic!("{input}"));
        assert_eq!(t.to_string(), utc, "{input}");
        assert_eq!(Some(nanos_of(t)), theirs(input), "{input}");
    }
}

#[test]
fn fixed_invalid_cases() {
    let both_reject = [
        "2023-02-29T00:00:00Z", // not a leap year
        "1900-02-29T00:00:00Z", // century rule
        "2100-02-29T00:00:00Z",
        "2024-02-30T00:00:00Z",
        "2024-04-31T00:00:00Z",
        "2024-13-01T00:00:00Z",
        "2024-00-10T00:00:00Z",
        "2024-01-00T00:00:00Z",
        "2024-01-01T24:00:00Z",
        "2024-01-01T00:60:00Z",
        "2024-01-01T00:00:61Z",
        "2024-01-01T12:00:60Z", // not a leap-second position
        "2024-01-0100:00:00Z",  // missing separator
        "2024-01-01T00:00:00",  // missing offset
        "2024-01-01T00:00:00Zjunk",
        "2024-01-01T00:00:00+01:00junk",
        "2024-01-01T00:00:00 ",
        "2024-01-01T00:00:00.Z",
        "2024-01-01T00:00:00+24:00",
        "2024-01-01T00:00:00+01",
        "2024-01-01T00:00:00+0100",
        "2024-1-01T00:00:00Z",
        "24-01-01T00:00:00Z",
        "+2024-01-01T00:00:00Z",
        "",
    ];
    for s in both_reject {
        assert!(Timestamp::parse_rfc3339(s).is_err(), "we accept {s:?}");
        assert!(theirs(s).is_none(), "time accepts {s:?}");
    }
    // Our stricter rules, each a documented divergence from `time`.
    let only_we_reject = [
        ("2024-01-01 00:00:00Z", "separator"),
        ("2024-01-01_00:00:00Z", "separator"),
        ("2016-12-31T23:59:60Z", "leap second"),
        ("2015-06-30T23:59:60Z", "leap second"),
        (
            "2024-01-01T00:00:00.1234567891Z",
            "more than 9 fraction digits",
        ),
        ("0000-06-01T00:00:00Z", "outside 0001-9999 UTC"),
        ("0001-01-01T00:00:00+00:01", "outside 0001-9999 UTC"),
        ("9999-12-31T23:59:59-00:01", "outside 0001-9999 UTC"),
    ];
    for (s, why) in only_we_reject {
        assert!(Timestamp::parse_rfc3339(s).is_err(), "we accept {s:?}");
        let t = theirs(s).unwrap_or_else(|| panic!("time rejects {s:?}"));
        assert_eq!(known_divergence(s, t), Some(why), "{s:?}");
    }
    // time reads a leap second as the nanosecond before the next second.
    assert_eq!(
        theirs("2016-12-31T23:59:60Z"),
        ours("2016-12-31T23:59:59.999999999Z")
    );
}
