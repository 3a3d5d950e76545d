//! Edm.Duration: its ISO 8601 text, `[-]P[nD][T[nH][nM][n[.n]S]]`, as in `duration'P1DT2H'` and in records.

use chrono::TimeDelta;

/// The body of `duration'...'`: `[-]P[nD][T[nH][nM][n[.n]S]]`.
pub(crate) fn parse(s: &str) -> Result<TimeDelta, &'static str> {
    let (neg, s) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s),
    };
    let s = s
        .strip_prefix(['P', 'p'])
        .ok_or("expected 'P' as in duration'P1DT2H'")?;
    let (day_part, time_part) = match s.find(['T', 't']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let overflow = "duration is out of range";
    let mut total = TimeDelta::zero();
    let mut any = false;
    if !day_part.is_empty() {
        let days = day_part
            .strip_suffix(['D', 'd'])
            .and_then(|d| d.parse::<i64>().ok())
            .ok_or("only days, hours, minutes and seconds are allowed, as in P1DT2H3M4.5S")?;
        total = TimeDelta::try_days(days).ok_or(overflow)?;
        any = true;
    }
    if let Some(mut t) = time_part {
        if t.is_empty() {
            return Err("'T' must be followed by hours, minutes or seconds");
        }
        for (unit, secs) in [('H', 3600i64), ('M', 60)] {
            if let Some(i) = t.find([unit, unit.to_ascii_lowercase()]) {
                let n: i64 = t[..i].parse().map_err(|_| "malformed number in duration")?;
                let d = n
                    .checked_mul(secs)
                    .and_then(TimeDelta::try_seconds)
                    .ok_or(overflow)?;
                total = total.checked_add(&d).ok_or(overflow)?;
                t = &t[i + 1..];
                any = true;
            }
        }
        if !t.is_empty() {
            let num = t
                .strip_suffix(['S', 's'])
                .ok_or("malformed time part in duration")?;
            let (whole, frac) = num.split_once('.').unwrap_or((num, ""));
            if whole.is_empty()
                || !whole.bytes().all(|b| b.is_ascii_digit())
                || !frac.bytes().all(|b| b.is_ascii_digit())
                || frac.len() > 9
                || (num.contains('.') && frac.is_empty())
            {
                return Err("malformed seconds in duration (at most 9 fractional digits)");
            }
            let secs: i64 = whole.parse().map_err(|_| overflow)?;
            let mut nanos = 0i64;
            for (i, b) in frac.bytes().enumerate() {
                nanos += i64::from(b - b'0') * 10i64.pow(8 - i as u32);
            }
            let d = TimeDelta::try_seconds(secs).ok_or(overflow)?;
            total = total
                .checked_add(&d)
                .and_then(|t| t.checked_add(&TimeDelta::nanoseconds(nanos)))
                .ok_or(overflow)?;
            any = true;
        }
    }
    if !any {
        return Err("a duration needs at least one of days, hours, minutes or seconds");
    }
    Ok(if neg { -total } else { total })
}
