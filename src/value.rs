//! Typed constant values, as the checker produces them and the backends consume them.

use crate::decimal;
use crate::edm;
use crate::schema::FieldType;
use chrono::{DateTime, NaiveDate, NaiveTime, TimeDelta, Utc};
use std::cmp::Ordering;
use std::fmt;

/// An exact decimal: the value of an Edm.Decimal ([`rust_decimal::Decimal`], a 96-bit
/// coefficient and 0 to 28 decimal places).
pub use rust_decimal::Decimal;

/// A typed constant. The checker turns every literal into the `Value` its
/// context needs: `'Succeeded'` next to an enum field becomes
/// [`Value::Enum`], `2018-08-01Z` next to a DateTimeOffset field becomes
/// [`Value::DateTimeOffset`] at midnight UTC.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `null`.
    Null,
    /// A Boolean.
    Bool(bool),
    /// An integer (Edm.Int32 and Edm.Int64, and whole numbers in i64 of Edm.Double and
    /// Edm.Decimal).
    Int(i64),
    /// A binary floating-point number (Edm.Double; `INF`, `-INF` and `NaN` anywhere).
    Float(f64),
    /// An exact decimal (Edm.Decimal; a number literal compared with an integer). Decimals are
    /// equal when their values are: `1.5` equals `1.50`.
    Decimal(Decimal),
    /// A string.
    String(String),
    /// A GUID.
    Guid(u128),
    /// A calendar date.
    Date(NaiveDate),
    /// An instant; the offset it was written with is not kept.
    DateTimeOffset(DateTime<Utc>),
    /// A time of day.
    TimeOfDay(NaiveTime),
    /// A signed duration.
    Duration(TimeDelta),
    /// An enum member, by its canonical name.
    Enum(String),
}

impl Value {
    /// Reads a JSON value as a value of type `ty`: the one rule every backend
    /// shares for what a record holds.
    ///
    /// A value of the wrong JSON type, or a string that does not parse as
    /// the type (a GUID field holding `"n/a"`), reads as [`Value::Null`], as
    /// does a missing field. Numbers are read exactly: an integer field
    /// holding `5.0` reads as `5`, one holding `5.5` or a number outside
    /// i64 reads as null. DateTimeOffset strings are RFC 3339 with an offset
    /// and up to 9 fractional digits. Complex and collection types read as
    /// null (they are reached through their members and lambdas).
    ///
    /// An Edm.Double reads as [`Value::Int`] when `serde_json` holds an integer in i64, and
    /// otherwise as the float it holds. An Edm.Decimal reads as [`Value::Int`] when
    /// `serde_json` holds an integer in i64, and otherwise as the exact [`Value::Decimal`] of
    /// the number's text as `serde_json` gives it ([`serde_json::Number`]'s `Display`): with
    /// serde_json's `arbitrary_precision` feature that is the text of the document, digit
    /// for digit; without it (this crate's default) `serde_json` has already read the number
    /// as a float, and the text is the shortest one that reads back as that float: the
    /// number a JSON writer wrote for it (`0.1` is `0.1`, not `0.1000000000000000055…`),
    /// but `1.00000000000000000001` in the document reads as `1`, as `serde_json` saw it.
    /// (The NDJSON line filter, [`crate::ndjson`], reads a top-level Decimal member from its
    /// text, exactly.) A number a decimal cannot hold exactly, with more than 28 decimal
    /// places or a coefficient of 2^96 or more (`1e300`), reads as null: never as a rounded
    /// value that would compare wrongly.
    pub fn from_json(json: &serde_json::Value, ty: &FieldType) -> Value {
        Value::from_json_text(json, None, ty)
    }

    /// [`from_json`](Value::from_json), given also the value's own JSON text `raw` where
    /// the reader has it: then an Edm.Decimal that is not an integer in i64 is read from its
    /// digits as written, exactly (`1.00000000000000000001` is not `1`), and null when no
    /// decimal holds them. The NDJSON line filter and the SQL inserts read records this way.
    pub fn from_json_text(json: &serde_json::Value, raw: Option<&str>, ty: &FieldType) -> Value {
        use serde_json::Value as J;
        match (ty, json) {
            (FieldType::String, J::String(s)) => Value::String(s.clone()),
            (FieldType::Enum(_), J::String(s)) => Value::Enum(s.clone()),
            (FieldType::Boolean, J::Bool(b)) => Value::Bool(*b),
            (FieldType::Int32 | FieldType::Int64, J::Number(n)) => match n.as_i64() {
                Some(i) => Value::Int(i),
                None => match n.as_f64() {
                    Some(x) if x.fract() == 0.0 && x.abs() < 9.2e18 => Value::Int(x as i64),
                    _ => Value::Null,
                },
            },
            (FieldType::Double, J::Number(n)) => match n.as_i64() {
                Some(i) => Value::Int(i),
                None => n.as_f64().map_or(Value::Null, Value::Float),
            },
            (FieldType::Decimal, J::Number(n)) => match (n.as_i64(), raw) {
                (Some(i), _) => Value::Int(i),
                (None, Some(raw)) => decimal::parse(raw).map_or(Value::Null, Value::Decimal),
                (None, None) => decimal::from_json_number(n).map_or(Value::Null, Value::Decimal),
            },
            (FieldType::Guid, J::String(s)) => edm::guid::parse(s).map_or(Value::Null, Value::Guid),
            (FieldType::DateTimeOffset, J::String(s)) => {
                edm::instant::parse_utc(s).map_or(Value::Null, Value::DateTimeOffset)
            }
            (FieldType::Date, J::String(s)) => edm::date::parse(s).map_or(Value::Null, Value::Date),
            (FieldType::TimeOfDay, J::String(s)) => {
                edm::time::parse(s).map_or(Value::Null, Value::TimeOfDay)
            }
            (FieldType::Duration, J::String(s)) => {
                edm::duration::parse(s).map_or(Value::Null, Value::Duration)
            }
            _ => Value::Null,
        }
    }

    /// Whether this is [`Value::Null`].
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// Compares two values of comparable types: numbers with numbers, a date with an instant
    /// (as its midnight, UTC, OData's promotion), and otherwise values of the same kind.
    /// `None` for incomparable pairs, nulls, and NaN.
    ///
    /// Numbers compare by their exact values, whatever their kinds: an
    /// i64 is never rounded through a float, a decimal never through a float or an integer,
    /// and a decimal compares with a float by the float's exact binary value (so the decimal
    /// `0.1` is less than the float `0.1`, which is `0.1000000000000000055511…`).
    pub fn compare(&self, other: &Value) -> Option<Ordering> {
        use Value::*;
        if let (Some(a), Some(b)) = (self.number(), other.number()) {
            return compare_numbers(a, b);
        }
        match (self, other) {
            (Bool(a), Bool(b)) => Some(a.cmp(b)),
            (String(a), String(b)) | (Enum(a), Enum(b)) => Some(a.as_str().cmp(b.as_str())),
            (Guid(a), Guid(b)) => Some(a.cmp(b)),
            (Date(a), Date(b)) => Some(a.cmp(b)),
            (DateTimeOffset(a), DateTimeOffset(b)) => Some(a.cmp(b)),
            // A date meeting an instant is its midnight, UTC (OData's promotion).
            (Date(a), DateTimeOffset(b)) => Some(edm::date::midnight(*a).cmp(b)),
            (DateTimeOffset(a), Date(b)) => Some(a.cmp(&edm::date::midnight(*b))),
            (TimeOfDay(a), TimeOfDay(b)) => Some(a.cmp(b)),
            (Duration(a), Duration(b)) => Some(a.cmp(b)),
            _ => None,
        }
    }
}

impl Value {
    /// The number this is, if it is one.
    fn number(&self) -> Option<Number> {
        match self {
            Value::Int(i) => Some(Number::Int(*i)),
            Value::Float(x) => Some(Number::Float(*x)),
            Value::Decimal(d) => Some(Number::Decimal(*d)),
            _ => None,
        }
    }
}

/// A number of any kind, for [`compare_numbers`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Number {
    /// An integer.
    Int(i64),
    /// A binary float.
    Float(f64),
    /// An exact decimal.
    Decimal(Decimal),
}

impl Number {
    /// The Edm.Double this number becomes under OData's binary numeric promotion (an integer
    /// or a decimal compared with a Double): the nearest float, ties to even.
    pub(crate) fn to_double(self) -> f64 {
        match self {
            Number::Int(i) => i as f64,
            Number::Float(x) => x,
            Number::Decimal(d) => decimal::to_f64_nearest(&d),
        }
    }
}

/// Orders two numbers by their exact values: the one numeric comparison of every backend
/// that compares in Rust. `None` when either is NaN.
#[inline]
pub(crate) fn compare_numbers(a: Number, b: Number) -> Option<Ordering> {
    use Number::*;
    match (a, b) {
        (Int(a), Int(b)) => Some(a.cmp(&b)),
        (Int(a), Float(b)) => cmp_int_float(a, b),
        (Float(a), Int(b)) => cmp_int_float(b, a).map(Ordering::reverse),
        (Float(a), Float(b)) => a.partial_cmp(&b),
        (Decimal(a), Decimal(b)) => Some(a.cmp(&b)),
        (Decimal(a), Int(b)) => Some(decimal::cmp_int(&a, b)),
        (Int(a), Decimal(b)) => Some(decimal::cmp_int(&b, a).reverse()),
        (Decimal(a), Float(b)) => decimal::cmp_f64(&a, b),
        (Float(a), Decimal(b)) => decimal::cmp_f64(&b, a).map(Ordering::reverse),
    }
}

/// Compares an integer with a float exactly. `None` when `b` is NaN.
pub(crate) fn cmp_int_float(a: i64, b: f64) -> Option<Ordering> {
    if b.is_nan() {
        return None;
    }
    // 2^63 as f64 is exact; every f64 at or above it exceeds every i64.
    const TWO_63: f64 = 9_223_372_036_854_775_808.0;
    if b >= TWO_63 {
        return Some(Ordering::Less);
    }
    if b < -TWO_63 {
        return Some(Ordering::Greater);
    }
    // Now trunc(b) fits in i64 exactly; compare integer parts, then the fraction.
    let t = b.trunc();
    let ti = t as i64;
    match a.cmp(&ti) {
        Ordering::Equal => t.partial_cmp(&b),
        o => Some(o),
    }
}

impl Value {
    /// The value as a `$filter` literal (an enum member as its name in quotes).
    pub fn to_literal(&self) -> crate::syntax::ast::Literal {
        use crate::syntax::ast::Literal;
        match self {
            Value::Null => Literal::Null,
            Value::Bool(b) => Literal::Bool(*b),
            Value::Int(i) => Literal::Int(*i),
            Value::Float(x) => Literal::Float(*x),
            Value::Decimal(d) => Literal::Decimal(*d),
            Value::String(s) | Value::Enum(s) => Literal::String(s.clone()),
            Value::Guid(g) => Literal::Guid(*g),
            Value::Date(d) => Literal::Date(*d),
            Value::DateTimeOffset(t) => Literal::DateTimeOffset(t.fixed_offset()),
            Value::TimeOfDay(t) => Literal::TimeOfDay(*t),
            Value::Duration(d) => Literal::Duration(*d),
        }
    }
}

impl fmt::Display for Value {
    /// The value as `$filter` literal text.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.to_literal())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::ast::Literal;
    use proptest::prelude::*;

    #[test]
    fn from_json_reads_exactly_or_null() {
        use serde_json::json;
        let t = |j, ty: FieldType| Value::from_json(&j, &ty);
        assert_eq!(t(json!(5), FieldType::Int64), Value::Int(5));
        assert_eq!(t(json!(5.0), FieldType::Int64), Value::Int(5));
        assert_eq!(t(json!(5.5), FieldType::Int64), Value::Null);
        assert_eq!(t(json!("5"), FieldType::Int64), Value::Null);
        assert_eq!(
            t(json!(9007199254740993i64), FieldType::Double),
            Value::Int(9007199254740993)
        );
        assert_eq!(t(json!("x"), FieldType::Guid), Value::Null);
        assert_eq!(
            t(
                json!("2E9DA30D-27F6-4208-81F2-9CD3D67893BA"),
                FieldType::Guid
            ),
            Value::Guid(0x2e9da30d_27f6_4208_81f2_9cd3d67893ba)
        );
        let a = t(
            json!("2018-12-04T12:43:57.2011911Z"),
            FieldType::DateTimeOffset,
        );
        let b = t(
            json!("2018-12-04T14:43:57.2011911+02:00"),
            FieldType::DateTimeOffset,
        );
        assert_eq!(a, b);
        assert!(!a.is_null());
        assert_eq!(
            t(json!("2018-12-04"), FieldType::DateTimeOffset),
            Value::Null
        );
        assert_eq!(t(json!(null), FieldType::String), Value::Null);
        assert_eq!(t(json!(true), FieldType::String), Value::Null);
        assert_eq!(
            t(json!("P1D"), FieldType::Duration),
            Value::Duration(TimeDelta::days(1))
        );
    }

    #[test]
    fn decimals_read_exactly_or_null() {
        use serde_json::json;
        let t = |j, ty: FieldType| Value::from_json(&j, &ty);
        let d = |s: &str| Value::Decimal(crate::decimal::parse(s).unwrap());
        assert_eq!(t(json!(5), FieldType::Decimal), Value::Int(5));
        assert_eq!(t(json!(0.1), FieldType::Decimal), d("0.1"));
        assert_eq!(t(json!(5.0), FieldType::Decimal), d("5"));
        assert_eq!(
            t(json!(1e20), FieldType::Decimal),
            d("100000000000000000000")
        );
        assert_eq!(
            t(json!(u64::MAX), FieldType::Decimal),
            d("18446744073709551615")
        );
        // No decimal holds these exactly: null, never a rounded value.
        assert_eq!(t(json!(1e300), FieldType::Decimal), Value::Null);
        assert_eq!(t(json!(1.5e-30), FieldType::Decimal), Value::Null);
        assert_eq!(t(json!("0.1"), FieldType::Decimal), Value::Null);
        // Without `arbitrary_precision`, serde_json has rounded the digits to a float already.
        let rounded: serde_json::Value = serde_json::from_str("1.00000000000000000001").unwrap();
        assert_eq!(t(rounded, FieldType::Decimal), d("1"));
        // A Double is still the float.
        assert_eq!(t(json!(0.1), FieldType::Double), Value::Float(0.1));
    }

    #[test]
    fn decimals_compare_exactly_with_every_number() {
        let d = |s: &str| Value::Decimal(crate::decimal::parse(s).unwrap());
        let cmp = |a: &Value, b: &Value| a.compare(b);
        assert_eq!(cmp(&d("1.5"), &d("1.50")), Some(Ordering::Equal));
        assert_eq!(d("1.5"), d("1.50"));
        assert_eq!(
            cmp(&d("9007199254740993.0"), &Value::Int(9_007_199_254_740_993)),
            Some(Ordering::Equal)
        );
        assert_eq!(
            cmp(&Value::Int(9_007_199_254_740_992), &d("9007199254740992.5")),
            Some(Ordering::Less)
        );
        // The float 0.1 is 0.1000000000000000055511...: more than the decimal 0.1.
        assert_eq!(cmp(&d("0.1"), &Value::Float(0.1)), Some(Ordering::Less));
        assert_eq!(cmp(&Value::Float(0.5), &d("0.5")), Some(Ordering::Equal));
        assert_eq!(cmp(&d("0.5"), &Value::Float(f64::NAN)), None);
        assert_eq!(
            cmp(
                &d("-79228162514264337593543950335"),
                &Value::Float(f64::NEG_INFINITY)
            ),
            Some(Ordering::Greater)
        );
        assert_eq!(cmp(&d("1"), &Value::String("1".into())), None);
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
        /// `Value::compare` orders decimals as the decimal type does, and integers among them
        /// by exact arithmetic.
        #[test]
        fn decimal_comparison_agrees_with_the_decimal_type(a in decimal(), b in decimal(), i in any::<i64>()) {
            prop_assert_eq!(Value::Decimal(a).compare(&Value::Decimal(b)), Some(a.cmp(&b)));
            prop_assert_eq!(Value::Decimal(a).compare(&Value::Decimal(a)), Some(Ordering::Equal));
            // a = m / 10^s against i: compare m with i * 10^s, in i128 when it fits.
            let (m, s) = (a.mantissa(), a.scale());
            if let Some(scaled) = i128::from(i).checked_mul(10i128.pow(s)) {
                prop_assert_eq!(Value::Decimal(a).compare(&Value::Int(i)), Some(m.cmp(&scaled)));
                prop_assert_eq!(Value::Int(i).compare(&Value::Decimal(a)), Some(scaled.cmp(&m)));
            }
        }

        /// Printed as a literal and read back, a decimal is the same decimal.
        #[test]
        fn decimal_literals_round_trip(a in decimal()) {
            let text = Value::Decimal(a).to_string();
            let back = crate::syntax::parse(&format!("x eq {text}")).unwrap();
            let crate::syntax::ast::ExprKind::Binary { rhs, .. } = back.kind else {
                panic!("{text}")
            };
            prop_assert_eq!(rhs.kind, crate::syntax::ast::ExprKind::Literal(Literal::Decimal(a)));
            if a.scale() > 0 {
                prop_assert_eq!(text, crate::decimal::text(&a));
            }
        }
    }

    #[test]
    fn int_float_comparison_is_exact() {
        // 2^53 + 1 is not representable as f64; a naive cast would call these equal.
        let big = 9_007_199_254_740_993i64;
        assert_eq!(
            cmp_int_float(big, 9_007_199_254_740_992.0),
            Some(Ordering::Greater)
        );
        assert_eq!(
            cmp_int_float(i64::MAX, 9_223_372_036_854_775_808.0),
            Some(Ordering::Less)
        );
        assert_eq!(
            cmp_int_float(i64::MIN, -9_223_372_036_854_775_808.0),
            Some(Ordering::Equal)
        );
        assert_eq!(cmp_int_float(1, 1.5), Some(Ordering::Less));
        assert_eq!(cmp_int_float(-1, -1.5), Some(Ordering::Greater));
        assert_eq!(cmp_int_float(2, 1.5), Some(Ordering::Greater));
        assert_eq!(cmp_int_float(0, -0.0), Some(Ordering::Equal));
        assert_eq!(cmp_int_float(0, f64::NAN), None);
        assert_eq!(cmp_int_float(0, f64::INFINITY), Some(Ordering::Less));
    }

    proptest! {
        #[test]
        fn agrees_with_wide_arithmetic(a in any::<i64>(), b in any::<f64>()) {
            let expected = if b.is_nan() { None } else if b.is_infinite() {
                Some(if b > 0.0 { Ordering::Less } else { Ordering::Greater })
            } else {
                // Compare in i128 units of 2^-1074 would be exact but huge; use the
                // integer part and sign of the remainder instead.
                let t = b.trunc();
                if t >= 1e19 { Some(Ordering::Less) }
                else if t <= -1e19 { Some(Ordering::Greater) }
                else {
                    let ti = t as i128;
                    match (a as i128).cmp(&ti) {
                        Ordering::Equal => Some(if b > t { Ordering::Less } else if b < t { Ordering::Greater } else { Ordering::Equal }),
                        o => Some(o),
                    }
                }
            };
            prop_assert_eq!(cmp_int_float(a, b), expected);
        }
    }
}
