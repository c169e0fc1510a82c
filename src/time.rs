//! The crate's own instant type and its RFC 3339 reader and writer.
//!
//! The API takes time as an input ([`Timestamp`]) wherever a rule depends on
//! it, so expiry edges are testable and the core needs no system clock. The
//! system clock is only read by [`Timestamp::now`] (feature `std`).
//!
//! Only the RFC 3339 `date-time` production is accepted: `YYYY-MM-DDTHH:MM:SS`,
//! optional fractional seconds (1–9 digits), and an offset (`Z` or `±HH:MM`).
//! `T` and `Z` may be lower case. Leap seconds (`:60`) are rejected. Years
//! 0001–9999 (after applying the offset) are representable.
//!
//! The reader and writer are differential-tested against the `time` crate
//! (`tests-extra/tests/rfc3339.rs`). Where `time` is more lenient we are stricter, on
//! purpose: `time` accepts any byte as the date/time separator (we: `T` or
//! `t` only), reads `23:59:60` at the end of a UTC month as
//! `23:59:59.999999999` (we reject every `:60`: a token never needs one),
//! accepts more than 9 fractional digits and drops the excess (we reject
//! them), and accepts year 0000 (outside our range).

use core::fmt;
use core::time::Duration;

/// An instant: whole seconds since the Unix epoch (UTC) plus nanoseconds.
///
/// Range: `0001-01-01T00:00:00Z` to `9999-12-31T23:59:59.999999999Z`.
///
/// # Example
/// ```
/// use sealed_session::Timestamp;
/// let t = Timestamp::parse_rfc3339("2026-11-22T12:00:00+01:00").unwrap();
/// assert_eq!(t.to_string(), "2026-11-22T11:00:00Z");
/// assert_eq!(t.unix_seconds(), 1_795_345_200);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    secs: i64,
    nanos: u32,
}

/// Seconds from 1970-01-01 to 0001-01-01.
const MIN_SECS: i64 = -62_135_596_800;
/// Seconds from 1970-01-01 to 9999-12-31T23:59:59.
const MAX_SECS: i64 = 253_402_300_799;

/// Why a date-time string was not accepted. Carries no input bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParseTimestampError(());

impl fmt::Display for ParseTimestampError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not an RFC 3339 date-time in the range 0001..=9999")
    }
}

#[cfg(feature = "std")]
impl std::error::Error for ParseTimestampError {}

impl Timestamp {
    /// The earliest representable instant, `0001-01-01T00:00:00Z`.
    pub const MIN: Timestamp = Timestamp {
        secs: MIN_SECS,
        nanos: 0,
    };
    /// The latest representable instant, `9999-12-31T23:59:59.999999999Z`.
    pub const MAX: Timestamp = Timestamp {
        secs: MAX_SECS,
        nanos: 999_999_999,
    };

    /// An instant from whole seconds since the Unix epoch, or `None` if it
    /// is outside the years 0001–9999.
    ///
    /// ```
    /// # use sealed_session::Timestamp;
    /// assert_eq!(Timestamp::from_unix_seconds(0).unwrap().to_string(), "1970-01-01T00:00:00Z");
    /// assert!(Timestamp::from_unix_seconds(i64::MAX).is_none());
    /// ```
    pub const fn from_unix_seconds(secs: i64) -> Option<Timestamp> {
        Self::from_parts(secs, 0)
    }

    /// An instant from seconds and nanoseconds since the Unix epoch, or
    /// `None` if out of range or `nanos >= 1_000_000_000`.
    ///
    /// ```
    /// # use sealed_session::Timestamp;
    /// let t = Timestamp::from_parts(0, 500_000_000).unwrap();
    /// assert_eq!(t.to_string(), "1970-01-01T00:00:00.5Z");
    /// ```
    pub const fn from_parts(secs: i64, nanos: u32) -> Option<Timestamp> {
        if secs < MIN_SECS || secs > MAX_SECS || nanos >= 1_000_000_000 {
            None
        } else {
            Some(Timestamp { secs, nanos })
        }
    }

    /// Whole seconds since the Unix epoch (floor).
    ///
    /// ```
    /// # use sealed_session::Timestamp;
    /// assert_eq!(Timestamp::from_unix_seconds(42).unwrap().unix_seconds(), 42);
    /// ```
    pub const fn unix_seconds(self) -> i64 {
        self.secs
    }

    /// The sub-second part in nanoseconds.
    ///
    /// ```
    /// # use sealed_session::Timestamp;
    /// assert_eq!(Timestamp::from_parts(1, 7).unwrap().subsec_nanos(), 7);
    /// ```
    pub const fn subsec_nanos(self) -> u32 {
        self.nanos
    }

    /// The current time from the system clock.
    ///
    /// # Panics
    /// Never: a clock before 0001 or after 9999 is clamped to the range.
    ///
    /// ```
    /// # use sealed_session::Timestamp;
    /// assert!(Timestamp::now() > Timestamp::from_unix_seconds(1_700_000_000).unwrap());
    /// ```
    #[cfg(feature = "std")]
    pub fn now() -> Timestamp {
        match std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
            Ok(d) => Timestamp::UNIX_EPOCH.saturating_add(d),
            Err(e) => Timestamp::UNIX_EPOCH.saturating_sub(e.duration()),
        }
    }

    /// `1970-01-01T00:00:00Z`.
    pub const UNIX_EPOCH: Timestamp = Timestamp { secs: 0, nanos: 0 };

    /// `self + d`, or `None` past the end of year 9999.
    ///
    /// ```
    /// # use sealed_session::Timestamp;
    /// # use core::time::Duration;
    /// let t = Timestamp::UNIX_EPOCH.checked_add(Duration::from_secs(60)).unwrap();
    /// assert_eq!(t.unix_seconds(), 60);
    /// assert!(Timestamp::MAX.checked_add(Duration::from_secs(1)).is_none());
    /// ```
    pub fn checked_add(self, d: Duration) -> Option<Timestamp> {
        let secs = i64::try_from(d.as_secs()).ok()?;
        let mut s = self.secs.checked_add(secs)?;
        let mut n = self.nanos + d.subsec_nanos();
        if n >= 1_000_000_000 {
            n -= 1_000_000_000;
            s = s.checked_add(1)?;
        }
        Timestamp::from_parts(s, n)
    }

    /// `self - d`, or `None` before year 0001.
    ///
    /// ```
    /// # use sealed_session::Timestamp;
    /// # use core::time::Duration;
    /// let t = Timestamp::UNIX_EPOCH.checked_sub(Duration::from_millis(1)).unwrap();
    /// assert_eq!((t.unix_seconds(), t.subsec_nanos()), (-1, 999_000_000));
    /// ```
    pub fn checked_sub(self, d: Duration) -> Option<Timestamp> {
        let secs = i64::try_from(d.as_secs()).ok()?;
        let mut s = self.secs.checked_sub(secs)?;
        let mut n = i64::from(self.nanos) - i64::from(d.subsec_nanos());
        if n < 0 {
            n += 1_000_000_000;
            s = s.checked_sub(1)?;
        }
        // n is in 0..1e9 here.
        Timestamp::from_parts(s, n as u32)
    }

    /// `self + d`, clamped to [`Timestamp::MAX`].
    pub fn saturating_add(self, d: Duration) -> Timestamp {
        self.checked_add(d).unwrap_or(Timestamp::MAX)
    }

    /// `self - d`, clamped to [`Timestamp::MIN`].
    pub fn saturating_sub(self, d: Duration) -> Timestamp {
        self.checked_sub(d).unwrap_or(Timestamp::MIN)
    }

    /// How long from `earlier` to `self`, or `None` if `earlier` is later.
    ///
    /// ```
    /// # use sealed_session::Timestamp;
    /// # use core::time::Duration;
    /// let a = Timestamp::from_unix_seconds(10).unwrap();
    /// let b = Timestamp::from_unix_seconds(70).unwrap();
    /// assert_eq!(b.duration_since(a), Some(Duration::from_secs(60)));
    /// assert_eq!(a.duration_since(b), None);
    /// ```
    pub fn duration_since(self, earlier: Timestamp) -> Option<Duration> {
        if self < earlier {
            return None;
        }
        let mut secs = self.secs - earlier.secs;
        let nanos = if self.nanos >= earlier.nanos {
            self.nanos - earlier.nanos
        } else {
            secs -= 1;
            self.nanos + 1_000_000_000 - earlier.nanos
        };
        Some(Duration::new(u64::try_from(secs).ok()?, nanos))
    }

    /// This instant truncated to whole seconds.
    ///
    /// ```
    /// # use sealed_session::Timestamp;
    /// assert_eq!(Timestamp::from_parts(5, 9).unwrap().trunc_seconds().subsec_nanos(), 0);
    /// ```
    pub const fn trunc_seconds(self) -> Timestamp {
        Timestamp {
            secs: self.secs,
            nanos: 0,
        }
    }

    /// Parse an RFC 3339 `date-time`, e.g. `2026-11-22T12:00:00Z` or
    /// `2026-11-22T13:00:00.123+01:00`.
    ///
    /// # Errors
    /// [`ParseTimestampError`] for anything that is not an RFC 3339
    /// date-time (wrong separators, missing offset, 30 February, hour 24,
    /// minute 60, second 60, trailing bytes) or is outside 0001–9999 UTC.
    ///
    /// # Example
    /// ```
    /// # use sealed_session::Timestamp;
    /// let a = Timestamp::parse_rfc3339("2026-02-28t23:30:00.5-01:00").unwrap();
    /// assert_eq!(a.to_string(), "2026-03-01T00:30:00.5Z");
    /// assert!(Timestamp::parse_rfc3339("2026-02-30T00:00:00Z").is_err());
    /// ```
    pub fn parse_rfc3339(s: &str) -> Result<Timestamp, ParseTimestampError> {
        parse(s.as_bytes()).ok_or(ParseTimestampError(()))
    }

    /// Write this instant as RFC 3339 in UTC with `Z`; fractional seconds
    /// only when non-zero, without trailing zeros.
    pub(crate) fn write_rfc3339(self, out: &mut impl fmt::Write) -> fmt::Result {
        let days = self.secs.div_euclid(86_400);
        let sod = self.secs.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        // Fixed-width digits by hand: `write!` with padded integers made a
        // seal (three dates) 0.7-1.4 µs slower, from 1.56 µs (criterion,
        // `part/sealed-session seal, fixed seed`), which would put seal
        // behind branca's. The year is 0001..=9999 by the type's invariant,
        // so four digits always fit.
        /// `"00"` to `"99"`.
        const PAIRS: [[u8; 2]; 100] = {
            let mut t = [[0u8; 2]; 100];
            let mut i = 0;
            while i < 100 {
                t[i] = [b'0' + (i / 10) as u8, b'0' + (i % 10) as u8];
                i += 1;
            }
            t
        };
        fn two(v: u64) -> [u8; 2] {
            PAIRS[(v % 100) as usize]
        }
        let mut buf = *b"0000-00-00T00:00:00";
        let sod = sod.unsigned_abs();
        let y = y.unsigned_abs();
        let fields = [
            y / 100,
            y,
            u64::from(m),
            u64::from(d),
            sod / 3600,
            sod / 60 % 60,
            sod % 60,
        ];
        for (at, v) in [0, 2, 5, 8, 11, 14, 17].into_iter().zip(fields) {
            if let Some(dst) = buf.get_mut(at..at + 2) {
                dst.copy_from_slice(&two(v));
            }
        }
        out.write_str(core::str::from_utf8(&buf).map_err(|_| fmt::Error)?)?;
        if self.nanos != 0 {
            let mut n = self.nanos;
            let mut width = 9;
            while n % 10 == 0 {
                n /= 10;
                width -= 1;
            }
            write!(out, ".{:0width$}", n, width = width)?;
        }
        out.write_char('Z')
    }
}

impl fmt::Display for Timestamp {
    /// RFC 3339 in UTC, e.g. `2026-11-22T12:00:00Z`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_rfc3339(f)
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Timestamp({})", self)
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The inverse of [`days_from_civil`].
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap(y) => 29,
        _ => 28,
    }
}

/// A cursor over untrusted bytes; every read is bounds-checked.
struct Cursor<'a> {
    rest: &'a [u8],
}

impl<'a> Cursor<'a> {
    fn digits(&mut self, n: usize) -> Option<u32> {
        let (head, tail) = (self.rest.get(..n)?, self.rest.get(n..)?);
        let mut v = 0u32;
        for &b in head {
            if !b.is_ascii_digit() {
                return None;
            }
            v = v * 10 + u32::from(b - b'0');
        }
        self.rest = tail;
        Some(v)
    }

    fn byte(&mut self) -> Option<u8> {
        let (&b, tail) = self.rest.split_first()?;
        self.rest = tail;
        Some(b)
    }

    fn expect(&mut self, want: u8) -> Option<()> {
        (self.byte()? == want).then_some(())
    }

    fn peek(&self) -> Option<u8> {
        self.rest.first().copied()
    }
}

/// Seconds since the epoch of a civil date and time of day, read as UTC;
/// `None` if any field is out of range (no leap seconds).
fn local_secs(year: i64, month: u32, day: u32, [hour, minute, second]: [u32; 3]) -> Option<i64> {
    if !(1..=12).contains(&month)
        || day == 0
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }
    Some(days_from_civil(year, month, day) * 86_400 + i64::from(hour * 3600 + minute * 60 + second))
}

/// Any RFC 3339 date-time this crate accepts (see
/// [`Timestamp::parse_rfc3339`]).
fn parse(s: &[u8]) -> Option<Timestamp> {
    // The longest valid form is 35 bytes; refuse to look at more.
    if s.len() > 35 {
        return None;
    }
    let mut c = Cursor { rest: s };
    let year = i64::from(c.digits(4)?);
    c.expect(b'-')?;
    let month = c.digits(2)?;
    c.expect(b'-')?;
    let day = c.digits(2)?;
    if !matches!(c.byte()?, b'T' | b't') {
        return None;
    }
    let hour = c.digits(2)?;
    c.expect(b':')?;
    let minute = c.digits(2)?;
    c.expect(b':')?;
    let second = c.digits(2)?;
    let local = local_secs(year, month, day, [hour, minute, second])?;
    let mut nanos = 0u32;
    if c.peek() == Some(b'.') {
        c.byte()?;
        let mut count = 0;
        while let Some(b) = c.peek().filter(u8::is_ascii_digit) {
            if count == 9 {
                return None;
            }
            nanos = nanos * 10 + u32::from(b - b'0');
            count += 1;
            c.byte()?;
        }
        if count == 0 {
            return None;
        }
        nanos *= 10u32.pow(9 - count);
    }
    let offset: i64 = match c.byte()? {
        b'Z' | b'z' => 0,
        sign @ (b'+' | b'-') => {
            let oh = c.digits(2)?;
            c.expect(b':')?;
            let om = c.digits(2)?;
            if oh > 23 || om > 59 {
                return None;
            }
            let o = i64::from(oh * 3600 + om * 60);
            if sign == b'-' {
                -o
            } else {
                o
            }
        }
        _ => return None,
    };
    if !c.rest.is_empty() {
        return None;
    }
    Timestamp::from_parts(local - offset, nanos)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn civil_round_trip_over_the_whole_range() {
        let first = days_from_civil(1, 1, 1);
        let last = days_from_civil(9999, 12, 31);
        assert_eq!(first * 86_400, MIN_SECS);
        assert_eq!(last * 86_400 + 86_399, MAX_SECS);
        let mut expect = (1i64, 1u32, 1u32);
        for z in first..=last {
            assert_eq!(civil_from_days(z), expect);
            let (y, m, d) = expect;
            expect = if d < days_in_month(y, m) {
                (y, m, d + 1)
            } else if m < 12 {
                (y, m + 1, 1)
            } else {
                (y + 1, 1, 1)
            };
        }
    }

    #[test]
    fn known_instants() {
        let cases = [
            ("1970-01-01T00:00:00Z", 0, 0),
            ("2000-02-29T12:00:00Z", 951_825_600, 0),
            ("2026-11-22T11:00:00.123Z", 1_795_345_200, 123_000_000),
            ("0001-01-01T00:00:00Z", MIN_SECS, 0),
            ("9999-12-31T23:59:59.999999999Z", MAX_SECS, 999_999_999),
        ];
        for (s, secs, nanos) in cases {
            let t = Timestamp::parse_rfc3339(s).unwrap();
            assert_eq!((t.secs, t.nanos), (secs, nanos), "{s}");
            assert_eq!(t.to_string(), s);
        }
    }

    #[test]
    fn offsets_and_case() {
        let a = Timestamp::parse_rfc3339("2026-01-01T00:30:00+01:30").unwrap();
        let b = Timestamp::parse_rfc3339("2025-12-31t23:00:00z").unwrap();
        assert_eq!(a, b);
        // An offset that moves the instant outside the range is refused.
        assert!(Timestamp::parse_rfc3339("0001-01-01T00:00:00+00:01").is_err());
        assert!(Timestamp::parse_rfc3339("9999-12-31T23:59:59-00:01").is_err());
    }

    #[test]
    fn rejects() {
        for s in [
            "",
            "2026-02-29T00:00:00Z",
            "2026-02-30T00:00:00Z",
            "2024-13-01T00:00:00Z",
            "2024-00-01T00:00:00Z",
            "2024-01-00T00:00:00Z",
            "2024-01-01T24:00:00Z",
            "2024-01-01T00:60:00Z",
            "2024-01-01T00:00:60Z",
            "2024-01-01 00:00:00Z",
            "2024-01-0100:00:00Z",
            "2024-01-01T00:00:00",
            "2024-01-01T00:00:00Zx",
            "2024-01-01T00:00:00.Z",
            "2024-01-01T00:00:00.1234567890Z",
            "2024-01-01T00:00:00+24:00",
            "2024-01-01T00:00:00+01",
            "+2024-01-01T00:00:00Z",
            "２024-01-01T00:00:00Z",
        ] {
            assert!(Timestamp::parse_rfc3339(s).is_err(), "{s:?}");
        }
        assert!(Timestamp::parse_rfc3339("2024-02-29T00:00:00Z").is_ok());
    }

    #[test]
    fn fraction_digits() {
        for digits in 1..=9u32 {
            let frac: alloc::string::String =
                (1..=digits).map(|d| char::from(b'0' + d as u8)).collect();
            let s = alloc::format!("2024-01-01T00:00:00.{frac}Z");
            let t = Timestamp::parse_rfc3339(&s).unwrap();
            let want: u32 = frac.parse::<u32>().unwrap() * 10u32.pow(9 - digits);
            assert_eq!(t.nanos, want);
            assert_eq!(t.to_string(), s);
        }
    }

    #[test]
    fn arithmetic_edges() {
        let t = Timestamp::from_parts(10, 999_999_999).unwrap();
        let u = t.checked_add(Duration::from_nanos(1)).unwrap();
        assert_eq!((u.secs, u.nanos), (11, 0));
        assert_eq!(u.checked_sub(Duration::from_nanos(1)), Some(t));
        assert_eq!(u.duration_since(t), Some(Duration::from_nanos(1)));
        assert!(Timestamp::MIN
            .checked_sub(Duration::from_nanos(1))
            .is_none());
        assert!(Timestamp::MAX
            .checked_add(Duration::from_nanos(1))
            .is_none());
        assert!(Timestamp::UNIX_EPOCH.checked_add(Duration::MAX).is_none());
    }
}
