//! Exact decimals (Edm.Decimal): the one reader of decimal text, its writer, and the exact
//! relations between decimals and binary floats.
//!
//! Decimals are [`rust_decimal::Decimal`]: a 96-bit coefficient and a scale of 0 to 28
//! decimal places, so every number with at most 28 significant digits (and some with 29) is
//! held exactly, trailing zeros included (`1.50` stays `1.50`). That covers the money and
//! measurement values Edm.Decimal is used for; a number with more digits than that is never
//! rounded: [`parse`] refuses it, the checker refuses such a literal next to a Decimal field,
//! and a record value that cannot be held reads as null.

pub use rust_decimal::Decimal;
use std::cmp::Ordering;

/// The largest number of digits a coefficient below 2^96 can have.
const MAX_DIGITS: u32 = 29;

/// Reads an optional `+` or `-` at `b[*i]`, moving past it; whether it was `-`.
fn sign(b: &[u8], i: &mut usize) -> bool {
    match b.get(*i) {
        Some(b'-') => {
            *i += 1;
            true
        }
        Some(b'+') => {
            *i += 1;
            false
        }
        _ => false,
    }
}

/// Reads `[+|-] digits [. digits] [(e|E) [+|-] digits]` (a `$filter` number literal, or a
/// JSON number) as the decimal it denotes, exactly. `None` when `text` is not of that form, or
/// when its value cannot be held exactly: a coefficient of 2^96 or more, or more than 28
/// decimal places once trailing zeros are dropped (`1e-29`, or 30 significant digits).
///
/// The scale is the number of decimal places written (`1.50` has scale 2); an exponent moves
/// it (`1.5e1` is `15`, `15e-3` is `0.015`). Trailing zeros are dropped only where more than
/// 28 places are written (`1.000…0` with 30 zeros is `1.` with 28).
pub fn parse(text: &str) -> Option<Decimal> {
    let b = text.as_bytes();
    let mut i = 0;
    let negative = sign(b, &mut i);
    // The significant digits so far: `coefficient` followed by `zeros` zeros not yet
    // multiplied in (so trailing zeros cost nothing until a nonzero digit follows them).
    let mut acc = Digits::default();
    let start = i;
    while let Some(&c @ b'0'..=b'9') = b.get(i) {
        acc.push(c - b'0')?;
        i += 1;
    }
    if i == start {
        return None;
    }
    let mut places: i64 = 0;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while let Some(&c @ b'0'..=b'9') = b.get(i) {
            acc.push(c - b'0')?;
            i += 1;
        }
        if i == start {
            return None;
        }
        places = (i - start) as i64;
    }
    let mut exponent: i64 = 0;
    if let Some(b'e' | b'E') = b.get(i) {
        i += 1;
        let negative_exponent = sign(b, &mut i);
        let start = i;
        while let Some(&c @ b'0'..=b'9') = b.get(i) {
            // Saturates far beyond any exponent a decimal can take.
            exponent = (exponent * 10 + i64::from(c - b'0')).min(1_000_000_000);
            i += 1;
        }
        if i == start {
            return None;
        }
        if negative_exponent {
            exponent = -exponent;
        }
    }
    if i != b.len() {
        return None;
    }
    // value = coefficient * 10^zeros * 10^-scale
    let Digits {
        coefficient,
        digits,
        mut zeros,
    } = acc;
    let mut scale = places - exponent;
    if digits == 0 {
        return Some(Decimal::new(
            0,
            scale.clamp(0, i64::from(Decimal::MAX_SCALE)) as u32,
        ));
    }
    // Drop trailing zeros only as far as needed to bring the scale within range.
    let drop = (scale - i64::from(Decimal::MAX_SCALE)).clamp(0, i64::from(zeros));
    zeros -= drop as u32;
    scale -= drop;
    if scale > i64::from(Decimal::MAX_SCALE) {
        return None;
    }
    if scale < 0 {
        // A whole number written with an exponent: its zeros join the coefficient.
        let more = u32::try_from(-scale).ok()?;
        zeros = zeros.checked_add(more)?;
        scale = 0;
    }
    if digits.checked_add(zeros)? > MAX_DIGITS {
        return None;
    }
    let coefficient = coefficient * 10i128.pow(zeros);
    let signed = if negative { -coefficient } else { coefficient };
    Decimal::try_from_i128_with_scale(signed, scale as u32).ok()
}

/// The significant digits of a numeral being read.
#[derive(Default)]
struct Digits {
    /// The digits up to the last nonzero one.
    coefficient: i128,
    /// How many digits `coefficient` has.
    digits: u32,
    /// Zeros after them, not yet multiplied in.
    zeros: u32,
}

impl Digits {
    /// Adds the digit `d`; `None` when there would be more than [`MAX_DIGITS`].
    fn push(&mut self, d: u8) -> Option<()> {
        if d == 0 {
            if self.digits > 0 {
                self.zeros += 1;
            }
            return Some(());
        }
        self.digits += self.zeros + 1;
        if self.digits > MAX_DIGITS {
            return None;
        }
        self.coefficient = self.coefficient * 10i128.pow(self.zeros + 1) + i128::from(d);
        self.zeros = 0;
        Some(())
    }
}

/// The decimal as plain digits, keeping its scale: `-12.50`, `0.0001`, `100`. Never an
/// exponent, so it reads back with [`parse`] as the same decimal.
pub fn text(d: &Decimal) -> String {
    d.to_string()
}

/// The decimal a JSON number stands for: its text when `serde_json` keeps it (the
/// `arbitrary_precision` feature), otherwise the shortest text that reads back as the float
/// `serde_json` parsed it to, which is what a JSON writer wrote for that float. `None` when
/// that text has more digits than a decimal holds (`1e300`).
pub fn from_json_number(n: &serde_json::Number) -> Option<Decimal> {
    parse(&n.to_string())
}

/// The shortest decimal that reads back as the finite float `x` (`0.1` for `0.1`), as a JSON
/// writer writes it; `None` when not finite or when it has more digits than a decimal holds.
pub fn from_f64_shortest(x: f64) -> Option<Decimal> {
    from_json_number(&serde_json::Number::from_f64(x)?)
}

/// The float nearest to `d` (correctly rounded, ties to even).
pub fn to_f64_nearest(d: &Decimal) -> f64 {
    // Rust's float parser rounds correctly, and the text is the exact value of `d`.
    text(d).parse().unwrap_or(f64::NAN)
}

/// The float that stands for `d` where decimals are kept as 64-bit floats (SQLite's `REAL`):
/// the float whose shortest decimal ([`from_f64_shortest`]) is `d` itself, so that reading
/// it back gives `d` and ordering such floats orders their decimals. `None` when there is
/// none (`0.10000000000000001`, more than 17 significant digits, `2^53 + 1`).
pub fn to_f64_round_trip(d: &Decimal) -> Option<f64> {
    let x = to_f64_nearest(d);
    (from_f64_shortest(x)? == *d).then_some(x)
}

/// The float that stands for `d` in a column of 64-bit floats that also holds integers
/// exactly or compares with them: [`to_f64_round_trip`], except for a whole number between
/// 2^53 and 2^63 that the float does not equal (`1234567890123456800`, kept as
/// `1234567890123456768`), which would order wrongly against the integers between the two.
pub fn to_f64_standing_for(d: &Decimal) -> Option<f64> {
    /// 2^63, the first float above every `i64`.
    const TWO_63: f64 = 9_223_372_036_854_775_808.0;
    let x = to_f64_round_trip(d)?;
    let exact = || to_i64(d).is_some_and(|i| i as f64 == x && x as i64 == i);
    (!d.is_integer() || x.abs() >= TWO_63 || x.abs() <= 9_007_199_254_740_992.0 || exact())
        .then_some(x)
}

/// The decimal as an `i64`, when it is a whole number in range.
pub fn to_i64(d: &Decimal) -> Option<i64> {
    if !d.is_integer() {
        return None;
    }
    i64::try_from(d.trunc().mantissa()).ok()
}

/// Where a bound of a decimal or float lies among the `i64`s.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum IntBound {
    /// This integer.
    In(i64),
    /// Above every `i64`.
    Above,
    /// Below every `i64`.
    Below,
}

impl IntBound {
    fn of(whole: &Decimal) -> IntBound {
        match to_i64(whole) {
            Some(i) => IntBound::In(i),
            None if whole.is_sign_negative() => IntBound::Below,
            None => IntBound::Above,
        }
    }

    /// The floor of `d` among the `i64`s.
    pub(crate) fn floor(d: &Decimal) -> IntBound {
        IntBound::of(&d.floor())
    }

    /// The ceiling of `d` among the `i64`s.
    pub(crate) fn ceil(d: &Decimal) -> IntBound {
        IntBound::of(&d.ceil())
    }
}

/// Compares a decimal with an integer exactly.
pub fn cmp_int(d: &Decimal, i: i64) -> Ordering {
    d.cmp(&Decimal::from(i))
}

/// Compares a decimal with a float exactly, by the float's exact binary value (`0.1` as a
/// decimal is less than the float `0.1`, which is `0.1000000000000000055511…`). `None` when
/// `x` is NaN.
pub fn cmp_f64(d: &Decimal, x: f64) -> Option<Ordering> {
    if x.is_nan() {
        return None;
    }
    if x.is_infinite() {
        return Some(if x > 0.0 {
            Ordering::Less
        } else {
            Ordering::Greater
        });
    }
    // Rounding is monotonic and keeps the float `x` itself, so the nearest float to `d`
    // orders against `x` as `d` does, unless the two are equal.
    match to_f64_nearest(d).partial_cmp(&x)? {
        Ordering::Equal => Some(cmp_numerals(&text(d), &exact_f64_text(x))),
        o => Some(o),
    }
}

/// The exact decimal expansion of a finite float: every float is a dyadic fraction, so a
/// finite number of digits suffices (`0.1` is `0.1000000000000000055511151231257827…`).
pub fn exact_f64_text(x: f64) -> String {
    if !x.is_finite() {
        return format!("{x}");
    }
    if x == 0.0 {
        return "0".to_owned();
    }
    let bits = x.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as i32;
    let fraction = bits & ((1u64 << 52) - 1);
    let (mantissa, exp) = if biased == 0 {
        (fraction, -1074)
    } else {
        (fraction | (1u64 << 52), biased - 1075)
    };
    // x = mantissa * 2^exp; with the mantissa odd, 2^-exp needs exactly -exp decimals.
    let exp = exp + mantissa.trailing_zeros() as i32;
    let decimals = usize::try_from(-exp).unwrap_or(0);
    format!("{x:.decimals$}")
}

/// Compares two plain decimal numerals (`-12.50`, `0.000123`; no exponent) by value.
fn cmp_numerals(a: &str, b: &str) -> Ordering {
    /// Sign, integer digits without leading zeros, fraction digits without trailing zeros.
    fn parts(s: &str) -> (bool, &str, &str) {
        let (negative, s) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s),
        };
        let (int, frac) = s.split_once('.').unwrap_or((s, ""));
        let (int, frac) = (int.trim_start_matches('0'), frac.trim_end_matches('0'));
        // Zero has no sign.
        (negative && !(int.is_empty() && frac.is_empty()), int, frac)
    }
    let (na, ia, fa) = parts(a);
    let (nb, ib, fb) = parts(b);
    let magnitude = ia
        .len()
        .cmp(&ib.len())
        .then_with(|| ia.cmp(ib))
        .then_with(|| fa.cmp(fb));
    match (na, nb) {
        (false, false) => magnitude,
        (true, true) => magnitude.reverse(),
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> Decimal {
        parse(s).unwrap_or_else(|| panic!("{s}"))
    }

    #[test]
    fn parses_exactly_or_not_at_all() {
        assert_eq!(
            text(&d("3258.678765765489753678965390")),
            "3258.678765765489753678965390"
        );
        assert_eq!(
            text(&d("12345678901234567890.12")),
            "12345678901234567890.12"
        );
        assert_eq!(text(&d("1.50")), "1.50");
        assert_eq!(text(&d("-0.5")), "-0.5");
        assert_eq!(text(&d("+7.25")), "7.25");
        assert_eq!(text(&d("1.5e1")), "15");
        assert_eq!(text(&d("2e10")), "20000000000");
        assert_eq!(text(&d("15e-3")), "0.015");
        assert_eq!(text(&d("1E+2")), "100");
        let tiny = format!("0.{}1", "0".repeat(27));
        assert_eq!(text(&d(&tiny)), tiny);
        assert_eq!(text(&d("0e-50")), format!("0.{}", "0".repeat(28)));
        assert_eq!(text(&d("007.5")), "7.5");
        // 79228162514264337593543950335 is 2^96 - 1, the largest coefficient.
        assert_eq!(
            text(&d("79228162514264337593543950335")),
            "79228162514264337593543950335"
        );
        assert_eq!(
            text(&d("7.9228162514264337593543950335")),
            "7.9228162514264337593543950335"
        );
        // Trailing zeros past 28 places are dropped, not the value.
        let one = format!("1.{}", "0".repeat(40));
        assert_eq!(text(&d(&one)), format!("1.{}", "0".repeat(28)));
        assert_eq!(text(&d("1.5e-27")), format!("0.{}15", "0".repeat(26)));
        for bad in [
            "79228162514264337593543950336",
            "0.00000000000000000000000000001",
            "1e-29",
            "1e29",
            "1.00000000000000000000000000001",
            "123456789012345678901234567890",
            "1e1000000000000000000000",
            "",
            "-",
            ".5",
            "5.",
            "1e",
            "1e+",
            "1x",
            "--1",
            " 1",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
        assert!(parse("1e-1000000000000000000000").is_none());
        assert_eq!(parse("0e1000000000000000"), Some(Decimal::ZERO));
    }

    #[test]
    fn floats_and_decimals() {
        assert_eq!(from_f64_shortest(0.1), Some(d("0.1")));
        assert_eq!(from_f64_shortest(1e20), Some(d("100000000000000000000")));
        assert_eq!(from_f64_shortest(1e300), None);
        assert_eq!(from_f64_shortest(f64::NAN), None);
        assert_eq!(to_f64_round_trip(&d("0.1")), Some(0.1));
        assert_eq!(to_f64_round_trip(&d("0.10")), Some(0.1));
        assert_eq!(to_f64_round_trip(&d("0.10000000000000001")), None);
        assert_eq!(to_f64_round_trip(&d("9007199254740993")), None);
        assert_eq!(to_f64_round_trip(&d("3258.678765765489753678965390")), None);
        assert_eq!(
            to_f64_round_trip(&d("1234567890123456800")),
            Some(1_234_567_890_123_456_768.0)
        );
        assert_eq!(to_f64_standing_for(&d("1234567890123456800")), None);
        // Exactly that float, but not its shortest decimal.
        assert_eq!(to_f64_standing_for(&d("1234567890123456768")), None);
        assert_eq!(
            to_f64_standing_for(&d("9007199254740994")),
            Some(9_007_199_254_740_994.0)
        );
        assert_eq!(to_f64_standing_for(&d("1e20")), Some(1e20));
        assert_eq!(to_f64_standing_for(&d("-2.5")), Some(-2.5));
        assert_eq!(cmp_f64(&d("0.1"), 0.1), Some(Ordering::Less));
        assert_eq!(
            cmp_f64(&d("0.1000000000000000055511151231"), 0.1),
            Some(Ordering::Less)
        );
        assert_eq!(
            cmp_f64(&d("0.1000000000000000055511151232"), 0.1),
            Some(Ordering::Greater)
        );
        assert_eq!(cmp_f64(&d("0.5"), 0.5), Some(Ordering::Equal));
        assert_eq!(cmp_f64(&d("-0.5"), -0.25), Some(Ordering::Less));
        assert_eq!(cmp_f64(&d("0"), -0.0), Some(Ordering::Equal));
        assert_eq!(cmp_f64(&d("1"), f64::INFINITY), Some(Ordering::Less));
        assert_eq!(cmp_f64(&d("1"), f64::NAN), None);
        assert_eq!(
            cmp_int(&d("9007199254740993.0"), 9_007_199_254_740_993),
            Ordering::Equal
        );
        assert_eq!(IntBound::floor(&d("-2.5")), IntBound::In(-3));
        assert_eq!(IntBound::ceil(&d("-2.5")), IntBound::In(-2));
        assert_eq!(IntBound::floor(&d("1e20")), IntBound::Above);
        assert_eq!(IntBound::ceil(&d("-1e20")), IntBound::Below);
        assert_eq!(cmp_numerals("-0.0", "0"), Ordering::Equal);
        assert_eq!(cmp_numerals("0.5", "0.51"), Ordering::Less);
        assert_eq!(cmp_numerals("-0.5", "-0.51"), Ordering::Greater);
        assert_eq!(cmp_numerals("10", "9.99"), Ordering::Greater);
    }

    #[test]
    fn floats_expand_exactly() {
        assert_eq!(
            exact_f64_text(0.1),
            "0.1000000000000000055511151231257827021181583404541015625"
        );
        assert_eq!(exact_f64_text(1.5), "1.5");
        assert_eq!(exact_f64_text(-2.0), "-2");
        assert_eq!(exact_f64_text(1e20), "100000000000000000000");
        assert_eq!(exact_f64_text(-0.0), "0");
        assert_eq!(exact_f64_text(5e-324).len(), 2 + 1074);
    }

    /// A decimal of up to 28 digits with a random scale.
    fn decimal() -> impl Strategy<Value = Decimal> {
        (
            -9_999_999_999_999_999_999_999_999_999i128..=9_999_999_999_999_999_999_999_999_999,
            0u32..=28,
        )
            .prop_map(|(m, s)| Decimal::from_i128_with_scale(m, s))
    }

    proptest! {
        #[test]
        fn text_reads_back_exactly(x in decimal()) {
            let back = parse(&text(&x)).unwrap();
            prop_assert_eq!(back, x);
            prop_assert_eq!(back.scale(), x.scale());
            prop_assert_eq!(text(&back), text(&x));
        }

        #[test]
        fn scientific_text_reads_back(x in decimal()) {
            let e = format!("{x:e}");
            prop_assert_eq!(parse(&e), Some(x), "{}", e);
        }

        #[test]
        fn float_comparison_is_exact(x in decimal(), y in any::<f64>()) {
            let expected = if y.is_nan() {
                None
            } else if y.is_infinite() {
                Some(if y > 0.0 { Ordering::Less } else { Ordering::Greater })
            } else {
                Some(cmp_numerals(&text(&x), &exact_f64_text(y)))
            };
            prop_assert_eq!(cmp_f64(&x, y), expected);
            // Near the decimal too, where the shortcut through the nearest float cannot decide.
            let near = to_f64_nearest(&x);
            prop_assert_eq!(cmp_f64(&x, near), Some(cmp_numerals(&text(&x), &exact_f64_text(near))));
        }

        #[test]
        fn round_trip_floats_order_like_their_decimals(x in decimal(), y in decimal()) {
            if let (Some(a), Some(b)) = (to_f64_round_trip(&x), to_f64_round_trip(&y)) {
                prop_assert_eq!(a.partial_cmp(&b), Some(x.cmp(&y)));
            }
        }

        #[test]
        fn shortest_floats_round_trip(x in any::<f64>()) {
            if let Some(d) = from_f64_shortest(x) {
                prop_assert_eq!(to_f64_round_trip(&d).map(f64::to_bits), Some((x + 0.0).to_bits()));
            }
        }
    }
}
