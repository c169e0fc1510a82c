//! `Timestamp::parse_rfc3339` on arbitrary strings, and `Display` round trips.
//!
//! Must not panic; what parses has the RFC 3339 shape, prints in the
//! canonical form that parses back to the same instant, and equals the same
//! local time written with `Z` shifted by the offset. Any instant in range
//! prints to a string that parses back to it, and adding or subtracting any
//! duration agrees with integer arithmetic on nanoseconds within the range.
#![no_main]

use core::time::Duration;

use libfuzzer_sys::fuzz_target;
use sealed_session::Timestamp;

/// `YYYY-MM-DDTHH:MM:SS[.f{1,9}](Z|±HH:MM)` by position and character class.
fn has_shape(s: &[u8]) -> bool {
    let digit = |i: usize| s.get(i).is_some_and(u8::is_ascii_digit);
    let fixed = (0..4).all(digit)
        && s.get(4) == Some(&b'-')
        && (5..7).all(digit)
        && s.get(7) == Some(&b'-')
        && (8..10).all(digit)
        && matches!(s.get(10), Some(b'T' | b't'))
        && (11..13).all(digit)
        && s.get(13) == Some(&b':')
        && (14..16).all(digit)
        && s.get(16) == Some(&b':')
        && (17..19).all(digit);
    if !fixed {
        return false;
    }
    let mut i = 19;
    if s.get(i) == Some(&b'.') {
        let n = s[i + 1..].iter().take_while(|b| b.is_ascii_digit()).count();
        if !(1..=9).contains(&n) {
            return false;
        }
        i += 1 + n;
    }
    match s.get(i) {
        Some(b'Z' | b'z') => s.len() == i + 1,
        Some(b'+' | b'-') => {
            s.len() == i + 6
                && (i + 1..i + 3).all(digit)
                && s[i + 3] == b':'
                && (i + 4..i + 6).all(digit)
        }
        _ => false,
    }
}

/// An instant as nanoseconds since the Unix epoch.
fn nanos(t: Timestamp) -> i128 {
    i128::from(t.unix_seconds()) * 1_000_000_000 + i128::from(t.subsec_nanos())
}

/// `checked_add`, `checked_sub` and `duration_since` agree with integer
/// arithmetic on nanoseconds and the range `MIN..=MAX`.
fn check_arithmetic(t: Timestamp, d: Duration) {
    let in_range = |n: i128| (nanos(Timestamp::MIN)..=nanos(Timestamp::MAX)).contains(&n);
    let d_nanos = i128::try_from(d.as_nanos()).unwrap();
    let sum = t.checked_add(d);
    assert_eq!(
        sum.map(nanos),
        Some(nanos(t) + d_nanos).filter(|n| in_range(*n))
    );
    let difference = t.checked_sub(d);
    assert_eq!(
        difference.map(nanos),
        Some(nanos(t) - d_nanos).filter(|n| in_range(*n))
    );
    assert_eq!(t.saturating_add(d), sum.unwrap_or(Timestamp::MAX));
    assert_eq!(t.saturating_sub(d), difference.unwrap_or(Timestamp::MIN));
    if let Some(later) = sum {
        assert_eq!(later.duration_since(t), Some(d));
        assert_eq!(
            t.duration_since(later),
            d.is_zero().then_some(Duration::ZERO)
        );
    }
}

fuzz_target!(|data: &[u8]| {
    // Any instant in range prints and parses back.
    if let Some(head) = data.get(..12) {
        let secs = i64::from_le_bytes(head[..8].try_into().unwrap());
        let nanos = u32::from_le_bytes(head[8..].try_into().unwrap()) % 1_000_000_000;
        let span = Timestamp::MAX.unix_seconds() - Timestamp::MIN.unix_seconds() + 1;
        let secs = Timestamp::MIN.unix_seconds() + secs.rem_euclid(span);
        let t = Timestamp::from_parts(secs, nanos).expect("in range by construction");
        let printed = t.to_string();
        assert_eq!(Timestamp::parse_rfc3339(&printed), Ok(t), "{printed}");
        assert_eq!(format!("{t:?}"), format!("Timestamp({printed})"));
        // Durations up to twice the range, so that results fall on both sides of it.
        if let Some(more) = data.get(12..24) {
            let d_secs = u64::from_le_bytes(more[..8].try_into().unwrap()) % (2 * span as u64);
            let d_nanos = u32::from_le_bytes(more[8..].try_into().unwrap()) % 1_000_000_000;
            check_arithmetic(t, Duration::new(d_secs, d_nanos));
        }
    }

    let Ok(s) = core::str::from_utf8(data) else {
        return;
    };
    let t = match Timestamp::parse_rfc3339(s) {
        Ok(t) => t,
        Err(e) => {
            assert!(!e.to_string().is_empty());
            return;
        }
    };
    assert!(
        has_shape(s.as_bytes()),
        "accepted a string without the RFC 3339 shape"
    );
    assert!((Timestamp::MIN..=Timestamp::MAX).contains(&t));
    let printed = t.to_string();
    assert_eq!(Timestamp::parse_rfc3339(&printed), Ok(t), "{printed}");
    assert!(has_shape(printed.as_bytes()) && printed.ends_with('Z'));

    let (local, offset) = match s.len().checked_sub(6).map(|i| s.split_at(i)) {
        Some((local, off)) if off.starts_with(['+', '-']) => (local, Some(off)),
        _ => (&s[..s.len() - 1], None),
    };
    // Canonical input (upper-case T, Z, no trailing fraction zeros) prints as itself.
    let canonical = offset.is_none()
        && s.ends_with('Z')
        && s.as_bytes()[10] == b'T'
        && !(local.contains('.') && local.ends_with('0'));
    if canonical {
        assert_eq!(printed, s);
    }
    // With an offset: the same wall-clock time in UTC, shifted by the offset.
    if let Some(off) = offset {
        let sign: i64 = if off.starts_with('-') { -1 } else { 1 };
        let hours: i64 = off[1..3].parse().unwrap();
        let minutes: i64 = off[4..6].parse().unwrap();
        if let Ok(utc_wall) = Timestamp::parse_rfc3339(&format!("{local}Z")) {
            let shift = sign * (hours * 3600 + minutes * 60);
            assert_eq!(t.unix_seconds(), utc_wall.unix_seconds() - shift);
            assert_eq!(t.subsec_nanos(), utc_wall.subsec_nanos());
        }
    }
});
