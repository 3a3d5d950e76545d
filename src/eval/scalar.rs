//! Values during evaluation: borrowed from the record where possible, and the comparison rules.

use crate::edm::instant::{self, Instant};
use crate::ir::CmpOp;
use crate::schema::FieldType;
use crate::value::{compare_numbers, Decimal, Number, Value};
use chrono::{NaiveDate, NaiveTime, TimeDelta};
use serde_json::Value as Json;
use std::borrow::Cow;
use std::cmp::Ordering;

/// A value during evaluation. Strings (and enum member names) borrow from the record or
/// from the compiled constants; only functions that build new text (`concat`, a
/// `tolower` that changes something) own theirs.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Scalar<'a> {
    /// Null: absent, JSON null, ill-typed, or the result of a null operand.
    Null,
    /// A Boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A binary floating-point number.
    Float(f64),
    /// An exact decimal.
    Decimal(Decimal),
    /// A string or an enum member name.
    Str(Cow<'a, str>),
    /// A GUID as a 128-bit number.
    Guid(u128),
    /// A calendar date.
    Date(NaiveDate),
    /// An instant.
    Instant(Instant),
    /// A time of day.
    Time(NaiveTime),
    /// A duration.
    Duration(TimeDelta),
}

impl Scalar<'_> {
    /// The constant `v` (enum members become their names).
    pub(crate) fn from_value(v: &Value) -> Scalar<'static> {
        match v {
            Value::Null => Scalar::Null,
            Value::Bool(b) => Scalar::Bool(*b),
            Value::Int(i) => Scalar::Int(*i),
            Value::Float(x) => Scalar::Float(*x),
            Value::Decimal(d) => Scalar::Decimal(*d),
            Value::String(s) | Value::Enum(s) => Scalar::Str(Cow::Owned(s.clone())),
            Value::Guid(g) => Scalar::Guid(*g),
            Value::Date(d) => Scalar::Date(*d),
            Value::DateTimeOffset(t) => Scalar::Instant(Instant::from(*t)),
            Value::TimeOfDay(t) => Scalar::Time(*t),
            Value::Duration(d) => Scalar::Duration(*d),
        }
    }

    /// The same value, borrowing any string from `self`.
    pub(crate) fn reborrow(&self) -> Scalar<'_> {
        match self {
            Scalar::Str(s) => Scalar::Str(Cow::Borrowed(s)),
            Scalar::Null => Scalar::Null,
            Scalar::Bool(b) => Scalar::Bool(*b),
            Scalar::Int(i) => Scalar::Int(*i),
            Scalar::Float(x) => Scalar::Float(*x),
            Scalar::Decimal(d) => Scalar::Decimal(*d),
            Scalar::Guid(g) => Scalar::Guid(*g),
            Scalar::Date(d) => Scalar::Date(*d),
            Scalar::Instant(t) => Scalar::Instant(*t),
            Scalar::Time(t) => Scalar::Time(*t),
            Scalar::Duration(d) => Scalar::Duration(*d),
        }
    }

    /// The number this is, if it is one.
    #[inline]
    fn number(&self) -> Option<Number> {
        match self {
            Scalar::Int(i) => Some(Number::Int(*i)),
            Scalar::Float(x) => Some(Number::Float(*x)),
            Scalar::Decimal(d) => Some(Number::Decimal(*d)),
            _ => None,
        }
    }

    /// The number promoted to Edm.Double ([`Number::to_double`]); null for anything else.
    pub(crate) fn to_double(&self) -> Scalar<'static> {
        self.number()
            .map_or(Scalar::Null, |n| Scalar::Float(n.to_double()))
    }

    /// The same value, owning any string.
    pub(crate) fn into_owned(self) -> Scalar<'static> {
        match self {
            Scalar::Str(s) => Scalar::Str(Cow::Owned(s.into_owned())),
            Scalar::Null => Scalar::Null,
            Scalar::Bool(b) => Scalar::Bool(b),
            Scalar::Int(i) => Scalar::Int(i),
            Scalar::Float(x) => Scalar::Float(x),
            Scalar::Decimal(d) => Scalar::Decimal(d),
            Scalar::Guid(g) => Scalar::Guid(g),
            Scalar::Date(d) => Scalar::Date(d),
            Scalar::Instant(t) => Scalar::Instant(t),
            Scalar::Time(t) => Scalar::Time(t),
            Scalar::Duration(d) => Scalar::Duration(d),
        }
    }

    /// Whether this is null.
    pub(crate) fn is_null(&self) -> bool {
        matches!(self, Scalar::Null)
    }

    /// The [`Value`] this stands for, as `Value::from_json` would produce it for type `read`.
    #[cfg(test)]
    pub(crate) fn to_value(&self, read: Read) -> Value {
        match self {
            Scalar::Null => Value::Null,
            Scalar::Bool(b) => Value::Bool(*b),
            Scalar::Int(i) => Value::Int(*i),
            Scalar::Float(x) => Value::Float(*x),
            Scalar::Decimal(d) => Value::Decimal(*d),
            Scalar::Str(s) if read == Read::Enum => Value::Enum(s.to_string()),
            Scalar::Str(s) => Value::String(s.to_string()),
            Scalar::Guid(g) => Value::Guid(*g),
            Scalar::Date(d) => Value::Date(*d),
            Scalar::Instant(t) => t.to_chrono().map_or(Value::Null, Value::DateTimeOffset),
            Scalar::Time(t) => Value::TimeOfDay(*t),
            Scalar::Duration(d) => Value::Duration(*d),
        }
    }
}

/// How to read a JSON value: one case per group of field types that read alike.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Read {
    /// Edm.String: a JSON string.
    Str,
    /// An enum: a JSON string, the member name (not checked against the members).
    Enum,
    /// Edm.Boolean.
    Bool,
    /// Edm.Int32, Edm.Int64: an integral JSON number within i64.
    Int,
    /// Edm.Double: any JSON number (integers kept exact).
    Num,
    /// Edm.Decimal: any JSON number a decimal holds exactly (integers in i64 as integers).
    Decimal,
    /// Edm.Guid: a JSON string `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, either case.
    Guid,
    /// Edm.Date: a JSON string `YYYY-MM-DD`.
    Date,
    /// Edm.DateTimeOffset: an RFC 3339 JSON string.
    Instant,
    /// Edm.TimeOfDay: a JSON string `hh:mm[:ss[.f]]`.
    Time,
    /// Edm.Duration: an ISO 8601 duration JSON string.
    Duration,
    /// Complex and collection types: always null (reached through members and lambdas).
    Nothing,
}

impl Read {
    /// The reader for values of type `ty`.
    pub(crate) fn of(ty: &FieldType) -> Read {
        match ty {
            FieldType::String => Read::Str,
            FieldType::Enum(_) => Read::Enum,
            FieldType::Boolean => Read::Bool,
            FieldType::Int32 | FieldType::Int64 => Read::Int,
            FieldType::Double => Read::Num,
            FieldType::Decimal => Read::Decimal,
            FieldType::Guid => Read::Guid,
            FieldType::Date => Read::Date,
            FieldType::DateTimeOffset => Read::Instant,
            FieldType::TimeOfDay => Read::Time,
            FieldType::Duration => Read::Duration,
            FieldType::Complex(_) | FieldType::Collection(_) => Read::Nothing,
        }
    }

    /// Reads `json` with the rules of [`Value::from_json`], without copying strings.
    #[inline]
    pub(crate) fn read(self, json: &Json) -> Scalar<'_> {
        match (self, json) {
            (_, Json::String(s)) => self.read_str(Cow::Borrowed(s)),
            (Read::Bool, Json::Bool(b)) => Scalar::Bool(*b),
            (Read::Int, Json::Number(n)) => match n.as_i64() {
                Some(i) => Scalar::Int(i),
                None => match n.as_f64() {
                    Some(x) if x.fract() == 0.0 && x.abs() < 9.2e18 => Scalar::Int(x as i64),
                    _ => Scalar::Null,
                },
            },
            (Read::Num, Json::Number(n)) => match n.as_i64() {
                Some(i) => Scalar::Int(i),
                None => n.as_f64().map_or(Scalar::Null, Scalar::Float),
            },
            (Read::Decimal, Json::Number(n)) => match n.as_i64() {
                Some(i) => Scalar::Int(i),
                None => crate::decimal::from_json_number(n).map_or(Scalar::Null, Scalar::Decimal),
            },
            _ => Scalar::Null,
        }
    }

    /// Reads the JSON string `s` (already unescaped) as [`read`](Read::read) reads a
    /// `Json::String` holding it.
    #[inline]
    pub(crate) fn read_str(self, s: Cow<'_, str>) -> Scalar<'_> {
        match self {
            Read::Str | Read::Enum => Scalar::Str(s),
            Read::Guid => crate::edm::guid::parse(&s).map_or(Scalar::Null, Scalar::Guid),
            Read::Instant => instant::parse(&s).map_or(Scalar::Null, Scalar::Instant),
            Read::Date => crate::edm::date::parse(&s).map_or(Scalar::Null, Scalar::Date),
            Read::Time => crate::edm::time::parse(&s).map_or(Scalar::Null, Scalar::Time),
            Read::Duration => {
                crate::edm::duration::parse(&s).map_or(Scalar::Null, Scalar::Duration)
            }
            Read::Bool | Read::Int | Read::Num | Read::Decimal | Read::Nothing => Scalar::Null,
        }
    }
}

/// Orders two non-null values of comparable types; `None` for a null, a NaN, or values of
/// kinds that do not compare.
#[inline]
pub(crate) fn compare(a: &Scalar<'_>, b: &Scalar<'_>) -> Option<Ordering> {
    use Scalar::*;
    match (a, b) {
        (Str(x), Str(y)) => Some(x.as_bytes().cmp(y.as_bytes())),
        (Int(x), Int(y)) => Some(x.cmp(y)),
        (Int(_) | Float(_) | Decimal(_), Int(_) | Float(_) | Decimal(_)) => {
            compare_numbers(a.number()?, b.number()?)
        }
        (Instant(x), Instant(y)) => Some(x.cmp(y)),
        (Bool(x), Bool(y)) => Some(x.cmp(y)),
        (Guid(x), Guid(y)) => Some(x.cmp(y)),
        (Date(x), Date(y)) => Some(x.cmp(y)),
        // A date meeting an instant is its midnight, UTC (OData's promotion).
        (Date(x), Instant(y)) => Some(promote(*x).cmp(y)),
        (Instant(x), Date(y)) => Some(x.cmp(&promote(*y))),
        (Time(x), Time(y)) => Some(x.cmp(y)),
        (Duration(x), Duration(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

/// The instant a date stands for next to an instant ([`crate::edm::date::midnight`]).
#[inline]
fn promote(d: NaiveDate) -> Instant {
    Instant::from(crate::edm::date::midnight(d))
}

/// OData equality: null equals null, null equals nothing else, NaN equals nothing.
#[inline]
pub(crate) fn equal(a: &Scalar<'_>, b: &Scalar<'_>) -> bool {
    match (a, b) {
        (Scalar::Null, Scalar::Null) => true,
        (Scalar::Null, _) | (_, Scalar::Null) => false,
        (Scalar::Str(x), Scalar::Str(y)) => x == y,
        _ => compare(a, b) == Some(Ordering::Equal),
    }
}

/// Whether `a op b` holds: `ne` is the negation of `eq`; orderings with a null or NaN
/// operand are false.
#[inline]
pub(crate) fn holds(op: CmpOp, a: &Scalar<'_>, b: &Scalar<'_>) -> bool {
    match op {
        CmpOp::Eq => equal(a, b),
        CmpOp::Ne => !equal(a, b),
        _ => compare(a, b).is_some_and(|o| op.holds(o)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{ComplexType, EnumType};
    use proptest::prelude::*;
    use serde_json::json;

    fn types() -> Vec<FieldType> {
        vec![
            FieldType::String,
            FieldType::Enum(EnumType::new("E", ["A", "B"]).into()),
            FieldType::Boolean,
            FieldType::Int32,
            FieldType::Int64,
            FieldType::Double,
            FieldType::Decimal,
            FieldType::Guid,
            FieldType::Date,
            FieldType::DateTimeOffset,
            FieldType::TimeOfDay,
            FieldType::Duration,
            FieldType::Complex(
                ComplexType::new("C")
                    .field(crate::schema::Field::new("x", FieldType::String))
                    .into(),
            ),
            FieldType::collection(FieldType::String),
        ]
    }

    fn json_value() -> impl Strategy<Value = Json> {
        let leaf = prop_oneof![
            Just(Json::Null),
            any::<bool>().prop_map(Json::from),
            any::<i64>().prop_map(Json::from),
            any::<u64>().prop_map(Json::from),
            any::<f64>().prop_map(Json::from),
            prop::sample::select(vec![
                "2018-12-04T12:43:57.2011911Z",
                "2016-12-31T23:59:60Z",
                "2024-02-29",
                "2024-2-29",
                "+2024-02-29",
                "12:30",
                "12:30:15.5",
                "23:59:60",
                "P1DT2H",
                "-PT0.5S",
                "2E9DA30D-27F6-4208-81F2-9CD3D67893BA",
                "2e9da30d-27f6-4208-81f2-9cd3d67893ba",
                "",
                "A",
            ])
            .prop_map(Json::from),
            "\\PC{0,12}".prop_map(Json::from),
        ];
        leaf.prop_recursive(2, 8, 3, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..3).prop_map(Json::Array),
                prop::collection::btree_map("[a-z]{1,2}", inner, 0..3)
                    .prop_map(|m| Json::Object(m.into_iter().collect())),
            ]
        })
    }

    #[test]
    fn reads_like_from_json() {
        let samples = [
            json!(5),
            json!(5.0),
            json!(5.5),
            json!(1e300),
            json!(u64::MAX),
            json!("5"),
            json!(null),
            json!("2024-02-29"),
            json!("2023-02-29"),
        ];
        for ty in types() {
            for j in &samples {
                let r = Read::of(&ty);
                assert_eq!(r.read(j).to_value(r), Value::from_json(j, &ty), "{ty} {j}");
            }
        }
    }

    proptest! {
        #[test]
        fn read_agrees_with_from_json(j in json_value()) {
            for ty in types() {
                let r = Read::of(&ty);
                let ours = r.read(&j).to_value(r);
                let theirs = Value::from_json(&j, &ty);
                // NaN never occurs: JSON numbers are finite.
                prop_assert_eq!(ours, theirs, "{} {}", ty, j);
            }
        }

        #[test]
        fn compare_agrees_with_value_compare(a in json_value(), b in json_value()) {
            for ty in types() {
                let r = Read::of(&ty);
                let (x, y) = (r.read(&a), r.read(&b));
                let expected = Value::from_json(&a, &ty).compare(&Value::from_json(&b, &ty));
                prop_assert_eq!(compare(&x, &y), expected);
            }
        }
    }

    #[test]
    fn equality_rules() {
        let s = |x: &'static str| Scalar::Str(Cow::Borrowed(x));
        assert!(equal(&Scalar::Null, &Scalar::Null));
        assert!(!equal(&Scalar::Null, &s("x")));
        assert!(holds(CmpOp::Ne, &Scalar::Null, &s("x")));
        assert!(!holds(CmpOp::Lt, &Scalar::Null, &s("x")));
        assert!(!holds(CmpOp::Ge, &Scalar::Null, &Scalar::Null));
        let nan = Scalar::Float(f64::NAN);
        assert!(!holds(CmpOp::Eq, &nan, &nan));
        assert!(holds(CmpOp::Ne, &nan, &Scalar::Int(1)));
        assert!(!holds(CmpOp::Le, &nan, &Scalar::Int(1)));
        assert!(holds(
            CmpOp::Lt,
            &Scalar::Int(9_007_199_254_740_992),
            &Scalar::Int(9_007_199_254_740_993)
        ));
        assert!(!holds(
            CmpOp::Eq,
            &Scalar::Int(9_007_199_254_740_993),
            &Scalar::Float(9_007_199_254_740_992.0)
        ));
        assert!(holds(CmpOp::Lt, &s("Z"), &s("a")));
        assert!(holds(CmpOp::Lt, &s("\u{ffff}"), &s("\u{10000}")));
    }
}
