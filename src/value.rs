//! Typed constant values, as the checker produces them and the backends consume them.

use crate::schema::FieldType;
use chrono::{DateTime, NaiveDate, NaiveTime, TimeDelta, Utc};
use std::cmp::Ordering;
use std::fmt;

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
    /// An integer (Edm.Int32 and Edm.Int64).
    Int(i64),
    /// A binary floating-point number (Edm.Double and Edm.Decimal).
    Float(f64),
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
    pub fn from_json(json: &serde_json::Value, ty: &FieldType) -> Value {
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
            (FieldType::Double | FieldType::Decimal, J::Number(n)) => match n.as_i64() {
                Some(i) => Value::Int(i),
                None => n.as_f64().map_or(Value::Null, Value::Float),
            },
            (FieldType::Guid, J::String(s)) => {
                crate::check::parse_guid_text(s).map_or(Value::Null, Value::Guid)
            }
            (FieldType::DateTimeOffset, J::String(s)) => {
                parse_instant(s).map_or(Value::Null, Value::DateTimeOffset)
            }
            (FieldType::Date, J::String(s)) => {
                NaiveDate::parse_from_str(s, "%Y-%m-%d").map_or(Value::Null, Value::Date)
            }
            (FieldType::TimeOfDay, J::String(s)) => NaiveTime::parse_from_str(s, "%H:%M:%S%.f")
                .or_else(|_| NaiveTime::parse_from_str(s, "%H:%M"))
                .map_or(Value::Null, Value::TimeOfDay),
            (FieldType::Duration, J::String(s)) => {
                crate::syntax::parse_duration(s).map_or(Value::Null, Value::Duration)
            }
            _ => Value::Null,
        }
    }

    /// Whether this is [`Value::Null`].
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// Compares two values of comparable types: numbers with numbers
    /// (exactly, without rounding an i64 through f64), and otherwise values of
    /// the same kind. `None` for incomparable pairs, nulls, and NaN.
    pub fn compare(&self, other: &Value) -> Option<Ordering> {
        use Value::*;
        match (self, other) {
            (Int(a), Int(b)) => Some(a.cmp(b)),
            (Int(a), Float(b)) => cmp_int_float(*a, *b),
            (Float(a), Int(b)) => cmp_int_float(*b, *a).map(Ordering::reverse),
            (Float(a), Float(b)) => a.partial_cmp(b),
            (Bool(a), Bool(b)) => Some(a.cmp(b)),
            (String(a), String(b)) | (Enum(a), Enum(b)) => Some(a.as_str().cmp(b.as_str())),
            (Guid(a), Guid(b)) => Some(a.cmp(b)),
            (Date(a), Date(b)) => Some(a.cmp(b)),
            (DateTimeOffset(a), DateTimeOffset(b)) => Some(a.cmp(b)),
            (TimeOfDay(a), TimeOfDay(b)) => Some(a.cmp(b)),
            (Duration(a), Duration(b)) => Some(a.cmp(b)),
            _ => None,
        }
    }
}

/// Parses an RFC 3339 date-time with an offset (`2018-12-04T12:43:57.2011911Z`,
/// `2018-12-04T14:43:57+02:00`) to an instant.
pub fn parse_instant(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// Compares an integer with a float exactly. `None` when `b` is NaN.
pub fn cmp_int_float(a: i64, b: f64) -> Option<Ordering> {
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
