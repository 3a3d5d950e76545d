//! Edm.Date in records: `YYYY-MM-DD`.

use chrono::NaiveDate;

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
