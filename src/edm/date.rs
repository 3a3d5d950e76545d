//! Edm.Date in records (`YYYY-MM-DD`), and a date's promotion to an instant.

use crate::ir::CmpOp;
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};

/// Reads `YYYY-MM-DD` as `NaiveDate::parse_from_str(s, "%Y-%m-%d")` does, quickly for the
/// strict form.
pub(crate) fn parse(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    if let [y0, y1, y2, y3, b'-', m0, m1, b'-', d0, d1] = b {
        let digits = [*y0, *y1, *y2, *y3, *m0, *m1, *d0, *d1];
        if digits.iter().all(u8::is_ascii_digit) {
            let n = |i: usize| u32::from(digits[i] - b'0');
            let year = n(0) * 1000 + n(1) * 100 + n(2) * 10 + n(3);
            return NaiveDate::from_ymd_opt(year as i32, n(4) * 10 + n(5), n(6) * 10 + n(7));
        }
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

/// The instant a date stands for where it meets a DateTimeOffset: its midnight, UTC
/// (`2024-03-01` is `2024-03-01T00:00:00Z`). The one home of OData's promotion of an
/// Edm.Date to an Edm.DateTimeOffset, for literals (`created lt 2024-03-01`) and for
/// Date values compared with instants (`day le created`) alike.
pub(crate) fn midnight(d: NaiveDate) -> DateTime<Utc> {
    d.and_time(NaiveTime::MIN).and_utc()
}

/// `d op t` for a date `d` and an instant `t`, comparing [`midnight`]`(d)` with `t`, as the
/// same comparison of `d` with a date: `Some((op', t's UTC date))` such that `d op' D` holds
/// exactly when `midnight(d) op t` does, for every date `d` (and for null: `ne` true, the
/// others false).
/// `None` when no such date comparison exists: `eq` and `ne` with an instant that is not a
/// UTC midnight (no date equals it, so `d eq t` is false and `d ne t` true, null or not).
pub(crate) fn against_instant(op: CmpOp, t: DateTime<Utc>) -> Option<(CmpOp, NaiveDate)> {
    let day = t.date_naive();
    let at_midnight = t == midnight(day);
    let op = match op {
        CmpOp::Eq | CmpOp::Ne if !at_midnight => return None,
        // midnight(d) < t, t after D's midnight: d <= D.
        CmpOp::Lt if !at_midnight => CmpOp::Le,
        // midnight(d) >= t, t after D's midnight: d > D.
        CmpOp::Ge if !at_midnight => CmpOp::Gt,
        // midnight(d) <= t: d <= D; midnight(d) > t: d > D (whether t is midnight or not).
        op => op,
    };
    Some((op, day))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{FixedOffset, TimeDelta};
    use CmpOp::*;

    const OPS: [CmpOp; 6] = [Eq, Ne, Gt, Ge, Lt, Le];

    fn day(s: &str) -> NaiveDate {
        parse(s).unwrap()
    }

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn midnight_is_the_start_of_the_day_in_utc() {
        assert_eq!(midnight(day("2024-03-01")), at("2024-03-01T00:00:00Z"));
        assert_eq!(midnight(day("0001-01-01")), at("0001-01-01T00:00:00Z"));
    }

    #[test]
    fn folds_at_the_boundaries() {
        let d = day("2024-03-01");
        let e = day("2024-02-29");
        for (t, expected) in [
            // Exactly midnight: every operator against its date.
            (
                "2024-03-01T00:00:00Z",
                [
                    Some((Eq, d)),
                    Some((Ne, d)),
                    Some((Gt, d)),
                    Some((Ge, d)),
                    Some((Lt, d)),
                    Some((Le, d)),
                ],
            ),
            // The same instant at an offset.
            (
                "2024-03-01T01:00:00+01:00",
                [
                    Some((Eq, d)),
                    Some((Ne, d)),
                    Some((Gt, d)),
                    Some((Ge, d)),
                    Some((Lt, d)),
                    Some((Le, d)),
                ],
            ),
            // One nanosecond later.
            (
                "2024-03-01T00:00:00.000000001Z",
                [
                    None,
                    None,
                    Some((Gt, d)),
                    Some((Gt, d)),
                    Some((Le, d)),
                    Some((Le, d)),
                ],
            ),
            // One nanosecond earlier: the day before, not midnight.
            (
                "2024-02-29T23:59:59.999999999Z",
                [
                    None,
                    None,
                    Some((Gt, e)),
                    Some((Gt, e)),
                    Some((Le, e)),
                    Some((Le, e)),
                ],
            ),
            // An offset moves the UTC date: 00:30+01:00 is 2024-02-29T23:30Z.
            (
                "2024-03-01T00:30:00+01:00",
                [
                    None,
                    None,
                    Some((Gt, e)),
                    Some((Gt, e)),
                    Some((Le, e)),
                    Some((Le, e)),
                ],
            ),
            (
                "2024-02-29T23:30:00-01:00",
                [
                    None,
                    None,
                    Some((Gt, d)),
                    Some((Gt, d)),
                    Some((Le, d)),
                    Some((Le, d)),
                ],
            ),
        ] {
            for (op, want) in OPS.into_iter().zip(expected) {
                assert_eq!(against_instant(op, at(t)), want, "{op:?} {t}");
            }
        }
    }

    /// For every date around an instant, the folded comparison is the promoted one.
    #[test]
    fn folding_is_exact() {
        let base = midnight(day("2024-03-01"));
        let ns = |n: i64| TimeDelta::nanoseconds(n);
        let offsets = [
            0,
            1,
            -1,
            86_399_999_999_999,
            86_400_000_000_000,
            43_200_000_000_000,
        ];
        for t in offsets.iter().flat_map(|&o| [base + ns(o), base - ns(o)]) {
            for zone in [0, 3600, -3600, 14 * 3600] {
                let t = t
                    .with_timezone(&FixedOffset::east_opt(zone).unwrap())
                    .to_utc();
                for op in OPS {
                    for k in -3..=3 {
                        let d = day("2024-03-01") + TimeDelta::days(k);
                        let promoted = op.holds(midnight(d).cmp(&t));
                        match against_instant(op, t) {
                            Some((op2, date)) => {
                                assert_eq!(op2.holds(d.cmp(&date)), promoted, "{d} {op:?} {t}")
                            }
                            None => assert_eq!(promoted, op == Ne, "{d} {op:?} {t}"),
                        }
                    }
                }
            }
        }
    }
}
