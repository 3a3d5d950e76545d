//! Signatures of the canonical functions: what each takes and returns.

use super::error::ErrorKind;
use super::types;
use crate::ir::{Function, Type};
use crate::schema::FieldType;
use crate::syntax::ast::Literal;
use crate::value::Value;

/// A parameter's accepted types.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Param {
    /// A string (enum fields count as their member names).
    Text,
    /// An integer.
    Integer,
    /// A Date or a DateTimeOffset.
    DateLike,
    /// A TimeOfDay or a DateTimeOffset.
    TimeLike,
    /// A DateTimeOffset.
    Instant,
}

impl Param {
    /// The words used in error messages.
    pub(crate) fn describe(self) -> &'static str {
        match self {
            Param::Text => "a string",
            Param::Integer => "an integer",
            Param::DateLike => "a Date or DateTimeOffset",
            Param::TimeLike => "a TimeOfDay or DateTimeOffset",
            Param::Instant => "a DateTimeOffset",
        }
    }

    /// Whether a value of type `ty` may be passed.
    pub(crate) fn accepts(self, ty: &Type) -> bool {
        let Some(t) = ty.field_type() else {
            return true; // null
        };
        match self {
            Param::Text => matches!(t, FieldType::String | FieldType::Enum(_)),
            Param::Integer => ty.is_integer(),
            Param::DateLike => matches!(t, FieldType::Date | FieldType::DateTimeOffset),
            Param::TimeLike => matches!(t, FieldType::TimeOfDay | FieldType::DateTimeOffset),
            Param::Instant => matches!(t, FieldType::DateTimeOffset),
        }
    }

    /// The literal argument `lit` as a value of `target`, its
    /// [`literal_type`](Self::literal_type). An integer parameter takes integer literals
    /// only: `1.5`, `2.0` and `1e0` are refused (`substring(x, 1.5)` would be null in memory
    /// and 1 in SQL).
    pub(crate) fn coerce(self, lit: &Literal, target: &FieldType) -> Result<Value, ErrorKind> {
        let v = types::coerce(lit, target, false)?;
        if self == Param::Integer && !matches!(v, Value::Int(_) | Value::Null) {
            // The caller reports the literal's own type (`found Edm.Decimal`).
            return Err(ErrorKind::Argument {
                function: "",
                position: 0,
                expected: self.describe(),
                found: types::natural(lit).map_or(Type::Null, |(_, ty)| ty),
            });
        }
        Ok(v)
    }

    /// The type a literal argument is read as.
    pub(crate) fn literal_type(self) -> Type {
        match self {
            Param::Text => Type::STRING,
            Param::Integer => Type::INT64,
            Param::DateLike | Param::Instant | Param::TimeLike => {
                Type::Field(FieldType::DateTimeOffset)
            }
        }
    }
}

/// A function's parameters (the last `optional` of them may be left out) and result.
pub(crate) struct Signature {
    pub params: &'static [Param],
    pub optional: usize,
    pub arity: &'static str,
    pub result: FieldType,
}

/// The signature of `f`.
pub(crate) fn signature(f: Function) -> Signature {
    use Param::*;
    let sig = |params, optional, arity, result| Signature {
        params,
        optional,
        arity,
        result,
    };
    match f {
        Function::Contains | Function::StartsWith | Function::EndsWith => {
            sig(&[Text, Text], 0, "2 arguments", FieldType::Boolean)
        }
        Function::Length => sig(&[Text], 0, "1 argument", FieldType::Int32),
        Function::IndexOf => sig(&[Text, Text], 0, "2 arguments", FieldType::Int32),
        Function::Substring => sig(
            &[Text, Integer, Integer],
            1,
            "2 or 3 arguments",
            FieldType::String,
        ),
        Function::ToLower | Function::ToUpper | Function::Trim => {
            sig(&[Text], 0, "1 argument", FieldType::String)
        }
        Function::Concat => sig(&[Text, Text], 0, "2 arguments", FieldType::String),
        Function::Year | Function::Month | Function::Day => {
            sig(&[DateLike], 0, "1 argument", FieldType::Int32)
        }
        Function::Hour | Function::Minute | Function::Second => {
            sig(&[TimeLike], 0, "1 argument", FieldType::Int32)
        }
        Function::Date => sig(&[Instant], 0, "1 argument", FieldType::Date),
        Function::Time => sig(&[Instant], 0, "1 argument", FieldType::TimeOfDay),
    }
}
