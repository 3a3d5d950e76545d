//! Native layouts: each field in its database's own type where the dialect has one, else day
//! numbers, 0/1 integers and upper-case GUID text.

use odata_filter::schema::{FieldType, Storage};
use odata_filter::sql::{Dialect, SqlType};

/// The SQL type of `ty`'s native column, when it has one.
pub fn native_sql_type(ty: &FieldType) -> Option<SqlType> {
    Some(match ty {
        FieldType::DateTimeOffset => SqlType::Timestamp,
        FieldType::Date => SqlType::Date,
        FieldType::TimeOfDay => SqlType::Time,
        FieldType::Duration => SqlType::Interval,
        FieldType::Guid => SqlType::Uuid,
        FieldType::Boolean => SqlType::Bool,
        FieldType::Decimal => SqlType::Number,
        FieldType::Collection(item) => match **item {
            FieldType::String => SqlType::TextArray,
            FieldType::Int32 | FieldType::Int64 => SqlType::IntArray,
            FieldType::Boolean => SqlType::BoolArray,
            _ => return None,
        },
        _ => return None,
    })
}

/// The storage of a field of type `ty` in the native layout of `dialect`: `native` where the
/// dialect has the type, else an integer for dates and Booleans, upper-case text for GUIDs.
pub fn native_storage(dialect: &dyn Dialect, ty: &FieldType) -> Storage {
    match native_sql_type(ty) {
        Some(t) if dialect.native_column(t).is_some() => Storage::Native,
        _ => match ty {
            FieldType::Date | FieldType::Boolean => Storage::Integer,
            FieldType::Guid => Storage::UpperCaseText,
            _ => Storage::Default,
        },
    }
}
