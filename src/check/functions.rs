//! Function arguments as the checker reads them: what a literal argument is converted to, and
//! the words for what a parameter takes. The signatures themselves are the IR's.

use super::error::ErrorKind;
use super::types;
use crate::ir::{Param, Type};
use crate::schema::FieldType;
use crate::syntax::ast::Literal;
use crate::value::Value;

/// The words used in error messages for what `param` takes.
pub(crate) fn describe(param: Param) -> &'static str {
    match param {
        Param::Text => "a string",
        Param::Integer => "an integer",
        Param::DateLike => "a Date or DateTimeOffset",
        Param::TimeLike => "a TimeOfDay or DateTimeOffset",
        Param::Instant => "a DateTimeOffset",
        Param::Number => "a number",
    }
}

/// The literal argument `lit` for `param` as a value of `target`, the param's
/// [`literal_type`]. An integer parameter takes integer literals only: `1.5`, `2.0` and `1e0`
/// are refused (`substring(x, 1.5)` would be null in memory and 1 in SQL).
pub(crate) fn coerce(param: Param, lit: &Literal, target: &FieldType) -> Result<Value, ErrorKind> {
    let v = types::coerce(lit, target, false)?;
    if param == Param::Integer && !matches!(v, Value::Int(_) | Value::Null) {
        // The caller reports the literal's own type (`found Edm.Decimal`).
        return Err(ErrorKind::Argument {
            function: "",
            position: 0,
            expected: describe(param),
            found: types::natural(lit).map_or(Type::Null, |(_, ty)| ty),
        });
    }
    Ok(v)
}

/// The type a literal argument for `param` is read as.
pub(crate) fn literal_type(param: Param) -> Type {
    match param {
        Param::Text => Type::STRING,
        Param::Integer => Type::INT64,
        Param::DateLike | Param::Instant | Param::TimeLike => {
            Type::Field(FieldType::DateTimeOffset)
        }
        // `round(2.5)`: the literal keeps its digits.
        Param::Number => Type::Field(FieldType::Decimal),
    }
}
