//! Edm.DateTimeOffset in records: RFC 3339 text read into an instant, with the one leap-second rule.
//!
//! Records hold DateTimeOffset values as RFC 3339 strings. Reading them with chrono is
//! correct but slow for a hot loop; [`parse`] reads the common
//! `YYYY-MM-DDThh:mm:ss[.f{1,9}](Z|±hh:mm)` form by hand and hands every other string to
//! chrono, with the same result (property-tested below). Every reader of a record's instant
//! (the evaluator, the NDJSON scanner, [`Value::from_json`]) calls it.
//!
//! [`Value::from_json`]: crate::value::Value::from_json

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};

/// An instant: whole seconds since 1970-01-01T00:00:00Z and nanoseconds into the second.
///
/// `nanos` is below 10^9: a leap second was read as the following second
/// ([`without_leap_second`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Instant {
    pub(crate) secs: i64,
    pub(crate) nanos: u32,
}

impl From<DateTime<Utc>> for Instant {
    fn from(t: DateTime<Utc>) -> Instant {
        Instant {
            secs: t.timestamp(),
            nanos: t.timestamp_subsec_nanos(),
        }
    }
}

impl Instant {
    /// The chrono value; `None` only for instants chrono cannot hold (never for parsed ones).
    pub(crate) fn to_chrono(self) -> Option<DateTime<Utc>> {
        let (date, time) = self.utc_parts()?;
        Some(date.and_time(time).and_utc())
    }

    /// The UTC calendar date and time of day.
    pub(crate) fn utc_parts(self) -> Option<(NaiveDate, NaiveTime)> {
        let days = self.secs.div_euclid(86_400);
        let second_of_day = self.secs.rem_euclid(86_400) as u32;
        // Day 719,163 of the common era is 1970-01-01.
        let date = NaiveDate::from_num_days_from_ce_opt(i32::try_from(days + 719_163).ok()?)?;
        let time = NaiveTime::from_num_seconds_from_midnight_opt(second_of_day, self.nanos)?;
        Some((date, time))
    }
}

/// Reads an RFC 3339 date-time with an offset (`2018-12-04T12:43:57.2011911Z`,
/// `2018-12-04T14:43:57+02:00`) to an instant: by hand for the usual form, by chrono for the
/// rest (lower-case `t`/`z`, a space separator, leap seconds, more than 9 fractional digits).
///
/// A leap second is the following second, as POSIX time and PostgreSQL count it:
/// `2016-12-31T23:59:60.5Z` is `2017-01-01T00:00:00.5Z`.
/// The earliest instant a filter or record can hold, `0000-01-01T00:00:00Z`: what
/// `mindatetime()` is.
pub(crate) fn earliest() -> DateTime<Utc> {
    NaiveDate::from_ymd_opt(0, 1, 1)
        .expect("a valid date")
        .and_time(NaiveTime::MIN)
        .and_utc()
}

/// The latest instant a filter or record can hold, `9999-12-31T23:59:59.999999999Z`: what
/// `maxdatetime()` is.
pub(crate) fn latest() -> DateTime<Utc> {
    NaiveDate::from_ymd_opt(9999, 12, 31)
        .expect("a valid date")
        .and_hms_nano_opt(23, 59, 59, 999_999_999)
        .expect("a valid time")
        .and_utc()
}

pub(crate) fn parse(s: &str) -> Option<Instant> {
    match fast(s.as_bytes()) {
        Some(i) => Some(i),
        None => slow(s).map(Instant::from),
    }
}

/// [`parse`], as a chrono value.
pub(crate) fn parse_utc(s: &str) -> Option<DateTime<Utc>> {
    parse(s)?.to_chrono()
}

/// [`parse`] by chrono alone: the fallback, and the reference the fast reader is tested against.
fn slow(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .and_then(without_leap_second)
        .map(|t| t.with_timezone(&Utc))
}

/// `t`, or for a leap second (`23:59:60.5`) the same point of the following second
/// (`00:00:00.5` of the next day), as POSIX time, PostgreSQL and JavaScript count it. The one
/// rule for leap seconds in a DateTimeOffset, whether a literal or a record's value, so that
/// every engine (the evaluator, the NDJSON scanner, SQL storage) sees one instant. `None` only
/// past the last instant chrono holds.
pub(crate) fn without_leap_second<Tz: chrono::TimeZone>(t: DateTime<Tz>) -> Option<DateTime<Tz>> {
    use chrono::Timelike;
    match t.nanosecond().checked_sub(1_000_000_000) {
        // chrono keeps a leap second as second 59 with nanoseconds past 10^9.
        Some(nanos) => t
            .with_nanosecond(nanos)?
            .checked_add_signed(chrono::TimeDelta::seconds(1)),
        None => Some(t),
    }
}

/// The hand-rolled reader for `YYYY-MM-DDThh:mm:ss[.f{1,9}](Z|±hh:mm)`; `None` for anything
/// else, including forms chrono accepts (lower-case `t`/`z`, a space separator, leap seconds,
/// more than 9 fractional digits), which [`parse`] then gives to chrono.
fn fast(b: &[u8]) -> Option<Instant> {
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let digit = |i: usize| -> Option<u32> {
        let d = b[i].wrapping_sub(b'0');
        (d < 10).then_some(u32::from(d))
    };
    let two = |i: usize| -> Option<u32> { Some(digit(i)? * 10 + digit(i + 1)?) };
    let year = two(0)? * 100 + two(2)?;
    let (month, day) = (two(5)?, two(8)?);
    let (hour, minute, second) = (two(11)?, two(14)?, two(17)?);
    if !(1..=12).contains(&month)
        || day == 0
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }
    let mut i = 19;
    let mut nanos = 0u32;
    if b[i] == b'.' {
        i += 1;
        let start = i;
        while i < b.len() {
            let Some(d) = digit(i) else { break };
            if i - start == 9 {
                return None; // a tenth digit: left to chrono
            }
            nanos = nanos * 10 + d;
            i += 1;
        }
        let n = i - start;
        if n == 0 {
            return None;
        }
        nanos *= 10u32.pow(9 - n as u32);
    }
    let offset = match &b[i..] {
        [b'Z'] => 0,
        [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
            let (h, m) = (two(i + 1)?, two(i + 4)?);
            if h > 23 || m > 59 {
                return None;
            }
            let secs = i64::from(h * 3600 + m * 60);
            if *sign == b'-' {
                -secs
            } else {
                secs
            }
        }
        _ => return None,
    };
    let days = days_from_civil(i64::from(year), month, day);
    let secs = days * 86_400 + i64::from(hour * 3600 + minute * 60 + second) - offset;
    Some(Instant { secs, nanos })
}

fn is_leap(year: u32) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to the proleptic Gregorian date `y-m-d` (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let month_from_march = i64::from((m + 9) % 12);
    let day_of_year = (153 * month_from_march + 2) / 5 + i64::from(d) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn chrono(s: &str) -> Option<Instant> {
        slow(s).map(Instant::from)
    }

    #[test]
    fn common_forms() {
        for s in [
            "2018-12-04T12:43:57.2011911Z",
            "2018-12-04T14:43:57.2011911+02:00",
            "2024-03-01T09:30:00.1234567+02:00",
            "1969-12-31T23:59:59.999999999Z",
            "0000-01-01T00:00:00+23:59",
            "9999-12-31T23:59:59-23:59",
            "2000-02-29T00:00:00Z",
            "2024-03-01T09:30:00-00:00",
            "2024-03-01T09:30:00.1Z",
        ] {
            assert!(fast(s.as_bytes()).is_some(), "{s}");
            assert_eq!(fast(s.as_bytes()), chrono(s), "{s}");
        }
        let a = parse("2018-12-04T12:43:57.2011911Z");
        assert_eq!(a, parse("2018-12-04T14:43:57.2011911+02:00"));
        assert_eq!(
            a,
            Some(Instant {
                secs: 1_543_927_437,
                nanos: 201_191_100
            })
        );
    }

    #[test]
    fn unusual_forms_go_to_chrono() {
        for s in [
            "2018-12-04t12:43:57z",
            "2018-12-04 12:43:57Z",
            "2016-12-31T23:59:60Z",
            "2016-12-31T23:59:60.5+00:00",
            "2018-12-04T12:43:57.1234567891Z",
        ] {
            assert_eq!(fast(s.as_bytes()), None, "{s}");
            assert!(parse(s).is_some(), "{s}");
            assert_eq!(parse(s), chrono(s), "{s}");
        }
        for s in [
            "2019-02-29T00:00:00Z",
            "2018-12-04T24:00:00Z",
            "2018-12-04T12:43:57+24:00",
            "2018-12-04T12:43:57.Z",
            "2018-12-04T12:43:57",
            "2018-12-04",
            "n/a",
            "",
        ] {
            assert_eq!(parse(s), None, "{s}");
            assert_eq!(chrono(s), None, "{s}");
        }
    }

    #[test]
    fn leap_seconds_are_the_following_second() {
        let leap = parse("2016-12-31T23:59:60.5Z").unwrap();
        assert_eq!(leap, parse("2017-01-01T00:00:00.5Z").unwrap());
        assert_eq!(leap.nanos, 500_000_000);
        let (_, t) = leap.utc_parts().unwrap();
        assert_eq!(t, NaiveTime::from_hms_milli_opt(0, 0, 0, 500).unwrap());
    }

    #[test]
    fn utc_parts_round_trip() {
        for s in [
            "1969-12-31T23:59:59.5Z",
            "0000-01-01T00:00:00Z",
            "2024-02-29T12:00:00Z",
        ] {
            let t = slow(s).unwrap();
            assert_eq!(Instant::from(t).to_chrono(), Some(t));
        }
    }

    fn near_rfc3339() -> impl Strategy<Value = String> {
        // Mostly well-formed digits in the right places, with now and then a wrong byte.
        let part =
            |lo: u32, hi: u32, width: usize| (lo..=hi).prop_map(move |v| format!("{v:0width$}"));
        (
            part(0, 9999, 4),
            part(0, 13, 2),
            part(0, 32, 2),
            prop::sample::select(vec!["T", "t", " ", "X"]),
            part(0, 24, 2),
            part(0, 60, 2),
            part(0, 61, 2),
            prop::option::of("[0-9]{0,11}"),
            prop::sample::select(vec!["Z", "z", "+", "-", "", "+01:00x"]),
            part(0, 25, 2),
            part(0, 60, 2),
        )
            .prop_map(|(y, mo, d, t, h, mi, s, frac, z, oh, om)| {
                let frac = frac.map(|f| format!(".{f}")).unwrap_or_default();
                let z = match z {
                    "+" | "-" => format!("{z}{oh}:{om}"),
                    _ => z.to_owned(),
                };
                format!("{y}-{mo}-{d}{t}{h}:{mi}:{s}{frac}{z}")
            })
    }

    proptest! {
        #[test]
        fn agrees_with_chrono(s in near_rfc3339()) {
            prop_assert_eq!(parse(&s), chrono(&s));
        }

        #[test]
        fn agrees_with_chrono_on_any_text(s in "\\PC{0,40}") {
            prop_assert_eq!(parse(&s), chrono(&s));
        }

        #[test]
        fn days_agree_with_chrono(days in -800_000i64..3_000_000) {
            let date = NaiveDate::from_num_days_from_ce_opt((days + 719_163) as i32).unwrap();
            use chrono::Datelike;
            let (y, m, d) = (date.year(), date.month(), date.day());
            prop_assume!(y >= 0);
            prop_assert_eq!(days_from_civil(i64::from(y), m, d), days);
        }
    }
}
