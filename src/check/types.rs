//! Literal typing: a literal's own type, and how it converts to the type of what it meets.

use super::error::ErrorKind;
use crate::edm::date::midnight;
use crate::ir::Type;
use crate::schema::FieldType;
use crate::syntax::ast::Literal;
use crate::value::Value;
use chrono::{TimeDelta, Utc};

/// A literal's own value and type, when nothing around it says otherwise.
/// `None` for enum literals, which need an enum field to mean anything.
pub(crate) fn natural(lit: &Literal) -> Option<(Value, Type)> {
    let t = |f| Type::Field(f);
    Some(match lit {
        Literal::Null => (Value::Null, Type::Null),
        Literal::Bool(b) => (Value::Bool(*b), t(FieldType::Boolean)),
        Literal::Int(i) => (Value::Int(*i), t(FieldType::Int64)),
        Literal::Decimal(d) => (Value::Decimal(*d), t(FieldType::Decimal)),
        Literal::Float(x) => (Value::Float(*x), t(FieldType::Double)),
        Literal::String(s) => (Value::String(s.clone()), t(FieldType::String)),
        Literal::Guid(g) => (Value::Guid(*g), t(FieldType::Guid)),
        Literal::Date(d) => (Value::Date(*d), t(FieldType::Date)),
        Literal::DateUtc(d) => (
            Value::DateTimeOffset(midnight(*d)),
            t(FieldType::DateTimeOffset),
        ),
        Literal::DateTimeOffset(dt) => (
            Value::DateTimeOffset(dt.with_timezone(&Utc)),
            t(FieldType::DateTimeOffset),
        ),
        Literal::TimeOfDay(x) => (Value::TimeOfDay(*x), t(FieldType::TimeOfDay)),
        Literal::Duration(d) => (Value::Duration(*d), t(FieldType::Duration)),
        Literal::Enum { .. } => return None,
    })
}

fn invalid(expected: &FieldType, why: impl Into<String>) -> ErrorKind {
    ErrorKind::InvalidLiteral {
        expected: Type::Field(expected.clone()),
        why: why.into(),
    }
}

/// Converts `lit` to a value of type `target`, the type of what it is compared with.
///
/// `lenient_enums`: an unknown enum member converts to a value that matches
/// nothing, instead of being an error (Defender's behaviour).
pub(crate) fn coerce(
    lit: &Literal,
    target: &FieldType,
    lenient_enums: bool,
) -> Result<Value, ErrorKind> {
    use FieldType as F;
    let mismatch = |lit_ty: Type| ErrorKind::Mismatch {
        op: "eq",
        left: Type::Field(target.clone()),
        right: lit_ty,
    };
    match (target, lit) {
        (_, Literal::Null) => Ok(Value::Null),
        (F::Int32 | F::Int64 | F::Decimal | F::Double, Literal::Int(i)) => Ok(Value::Int(*i)),
        // Next to a Double a number is a Double: the float nearest to what was written.
        (F::Double, Literal::Decimal(d)) => Ok(Value::Float(crate::decimal::to_f64_nearest(d))),
        // Elsewhere it keeps every digit, and compares exactly.
        (F::Int32 | F::Int64 | F::Decimal, Literal::Decimal(d)) => Ok(Value::Decimal(*d)),
        // A float literal is one with more digits than a decimal holds: rounded to a float,
        // it could compare wrongly with decimals, and with integers unless it lies beyond
        // every i64 (`1e300`, where rounding cannot change the outcome).
        (F::Decimal, Literal::Float(x)) if x.is_finite() => Err(invalid(
            target,
            "this number has more digits than an Edm.Decimal holds exactly (at most 28 \
             decimal places, and 28 or 29 significant digits), and would be rounded",
        )),
        (F::Int32 | F::Int64, Literal::Float(x)) if x.abs() <= 9_223_372_036_854_775_808.0 => {
            Err(invalid(
                target,
                "this number has more digits than can be compared exactly (at most 28 decimal \
                 places, and 28 or 29 significant digits), and would be rounded",
            ))
        }
        (F::Int32 | F::Int64 | F::Decimal | F::Double, Literal::Float(x)) => Ok(Value::Float(*x)),
        (F::String, Literal::String(s)) => Ok(Value::String(s.clone())),
        (F::Boolean, Literal::Bool(b)) => Ok(Value::Bool(*b)),
        (F::Guid, Literal::Guid(g)) => Ok(Value::Guid(*g)),
        (F::Guid, Literal::String(s)) => crate::edm::guid::parse(s)
            .map(Value::Guid)
            .ok_or_else(|| invalid(target, format!("'{s}' is not a GUID"))),
        (F::Date, Literal::Date(d) | Literal::DateUtc(d)) => Ok(Value::Date(*d)),
        (F::DateTimeOffset, Literal::Date(d) | Literal::DateUtc(d)) => {
            Ok(Value::DateTimeOffset(midnight(*d)))
        }
        (F::DateTimeOffset, Literal::DateTimeOffset(dt)) => {
            Ok(Value::DateTimeOffset(dt.with_timezone(&Utc)))
        }
        (F::Date | F::DateTimeOffset | F::TimeOfDay, Literal::String(s)) => Err(invalid(
            target,
            format!("'{s}' is a string; date and time literals are written without quotes"),
        )),
        (F::TimeOfDay, Literal::TimeOfDay(t)) => Ok(Value::TimeOfDay(*t)),
        (F::Duration, Literal::Duration(d)) => Ok(Value::Duration(*d)),
        (F::Duration, Literal::String(s)) => {
            // OData 4.01 makes the `duration` prefix optional.
            crate::edm::duration::parse(s)
                .map(Value::Duration)
                .map_err(|why| invalid(target, format!("'{s}' is not a duration: {why}")))
        }
        (F::Enum(e), Literal::String(s)) => enum_member(e, s, lenient_enums),
        (F::Enum(e), Literal::Enum { type_name, value }) => {
            if !type_name.eq_ignore_ascii_case(e.name()) {
                return Err(invalid(
                    target,
                    format!("'{type_name}' is not the field's enum type '{}'", e.name()),
                ));
            }
            enum_member(e, value, lenient_enums)
        }
        (_, Literal::Enum { type_name, .. }) => Err(invalid(
            target,
            format!("an enum literal of type '{type_name}' cannot stand here"),
        )),
        (_, other) => Err(mismatch(natural(other).map_or(Type::Null, |(_, t)| t))),
    }
}

fn enum_member(
    e: &crate::schema::EnumType,
    value: &str,
    lenient: bool,
) -> Result<Value, ErrorKind> {
    if let Some(m) = e.member(value) {
        return Ok(Value::Enum(m.to_owned()));
    }
    if lenient {
        // Matches nothing: no record holds a value that is not a member.
        return Ok(Value::Enum(value.to_owned()));
    }
    Err(ErrorKind::UnknownEnumMember {
        enum_name: e.name().to_owned(),
        value: value.to_owned(),
        suggestion: e.suggest(value).map(str::to_owned),
        members: e.members().to_vec(),
    })
}

/// The negation of a numeric literal, for `-(5)`.
pub(crate) fn negate(lit: &Literal) -> Option<Literal> {
    match lit {
        // `-(-9223372036854775808)` is beyond i64, as `9223372036854775808` is: a decimal.
        Literal::Int(i) => Some(i.checked_neg().map_or_else(
            || Literal::Decimal(-crate::value::Decimal::from(*i)),
            Literal::Int,
        )),
        Literal::Decimal(d) => Some(Literal::Decimal(-*d)),
        Literal::Float(x) => Some(Literal::Float(-x)),
        Literal::Duration(d) => Some(Literal::Duration(TimeDelta::zero() - *d)),
        _ => None,
    }
}
