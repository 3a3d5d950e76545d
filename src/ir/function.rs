//! The canonical functions: their names, and the types each takes and returns.

use super::Type;
use crate::schema::FieldType;

/// The canonical functions the checker accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Function {
    /// `contains(s, sub)`: Boolean.
    Contains,
    /// `startswith(s, prefix)`: Boolean.
    StartsWith,
    /// `endswith(s, suffix)`: Boolean.
    EndsWith,
    /// `length(s)`: Int32, in characters.
    Length,
    /// `indexof(s, sub)`: Int32, 0-based character index or -1.
    IndexOf,
    /// `substring(s, start)` / `substring(s, start, length)`: String, 0-based characters.
    Substring,
    /// `tolower(s)`: String, by Unicode's default full case mapping.
    ToLower,
    /// `toupper(s)`: String, by Unicode's default full case mapping (`ß` is `SS`).
    ToUpper,
    /// `trim(s)`: String without leading and trailing spaces (U+0020).
    Trim,
    /// `concat(a, b)`: String.
    Concat,
    /// `year(d)`: Int32, of a Date or of a DateTimeOffset in UTC.
    Year,
    /// `month(d)`: Int32.
    Month,
    /// `day(d)`: Int32.
    Day,
    /// `hour(t)`: Int32, of a TimeOfDay or of a DateTimeOffset in UTC.
    Hour,
    /// `minute(t)`: Int32.
    Minute,
    /// `second(t)`: Int32.
    Second,
    /// `date(dt)`: the Date of a DateTimeOffset in UTC.
    Date,
    /// `time(dt)`: the TimeOfDay of a DateTimeOffset in UTC.
    Time,
    /// `round(x)`: the nearest whole number, halves away from zero (`round(-2.5)` is -3); a
    /// Double of a Double, else a Decimal.
    Round,
    /// `floor(x)`: the greatest whole number not above `x`; a Double of a Double, else a
    /// Decimal.
    Floor,
    /// `ceiling(x)`: the least whole number not below `x`; a Double of a Double, else a
    /// Decimal.
    Ceiling,
    /// `now()`: the instant the filter is checked (the checker writes it as a constant, so
    /// every backend and every page of a query sees the same instant).
    Now,
    /// `maxdatetime()`: `9999-12-31T23:59:59.999999999Z`, the latest instant a filter holds
    /// (a constant).
    MaxDateTime,
    /// `mindatetime()`: `0000-01-01T00:00:00Z`, the earliest (a constant).
    MinDateTime,
}

impl Function {
    /// Every function, for lookups and suggestions.
    pub const ALL: [Function; 24] = [
        Function::Contains,
        Function::StartsWith,
        Function::EndsWith,
        Function::Length,
        Function::IndexOf,
        Function::Substring,
        Function::ToLower,
        Function::ToUpper,
        Function::Trim,
        Function::Concat,
        Function::Year,
        Function::Month,
        Function::Day,
        Function::Hour,
        Function::Minute,
        Function::Second,
        Function::Date,
        Function::Time,
        Function::Round,
        Function::Floor,
        Function::Ceiling,
        Function::Now,
        Function::MaxDateTime,
        Function::MinDateTime,
    ];

    /// The canonical (lower-case) name.
    pub fn name(self) -> &'static str {
        match self {
            Function::Contains => "contains",
            Function::StartsWith => "startswith",
            Function::EndsWith => "endswith",
            Function::Length => "length",
            Function::IndexOf => "indexof",
            Function::Substring => "substring",
            Function::ToLower => "tolower",
            Function::ToUpper => "toupper",
            Function::Trim => "trim",
            Function::Concat => "concat",
            Function::Year => "year",
            Function::Month => "month",
            Function::Day => "day",
            Function::Hour => "hour",
            Function::Minute => "minute",
            Function::Second => "second",
            Function::Date => "date",
            Function::Time => "time",
            Function::Round => "round",
            Function::Floor => "floor",
            Function::Ceiling => "ceiling",
            Function::Now => "now",
            Function::MaxDateTime => "maxdatetime",
            Function::MinDateTime => "mindatetime",
        }
    }

    /// The function called `name`, matched case-insensitively.
    pub fn by_name(name: &str) -> Option<Function> {
        Function::ALL
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(name))
    }
}

/// The types a parameter takes.
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
    /// A number (Int32, Int64, Decimal or Double).
    Number,
}

impl Param {
    /// Whether a value of type `ty` may be passed (a bare `null` may be passed anywhere).
    pub(crate) fn accepts(self, ty: &Type) -> bool {
        let Some(t) = ty.field_type() else {
            return true;
        };
        match self {
            Param::Text => matches!(t, FieldType::String | FieldType::Enum(_)),
            Param::Integer => ty.is_integer(),
            Param::DateLike => matches!(t, FieldType::Date | FieldType::DateTimeOffset),
            Param::TimeLike => matches!(t, FieldType::TimeOfDay | FieldType::DateTimeOffset),
            Param::Instant => matches!(t, FieldType::DateTimeOffset),
            Param::Number => ty.is_numeric(),
        }
    }
}

/// What a function takes and returns.
pub(crate) struct Signature {
    /// The parameters; the last `optional` of them may be left out.
    pub params: &'static [Param],
    /// How many of the last parameters may be left out.
    pub optional: usize,
    /// The argument counts it takes, in words, for messages (`"2 or 3 arguments"`).
    pub arity: &'static str,
    /// The type of its result.
    pub result: FieldType,
}

impl Signature {
    /// Whether the function takes `n` arguments.
    pub(crate) fn takes(&self, n: usize) -> bool {
        (self.params.len() - self.optional..=self.params.len()).contains(&n)
    }
}

impl Function {
    /// What the function takes and returns.
    pub(crate) fn signature(self) -> Signature {
        use Param::*;
        let sig = |params, optional, arity, result| Signature {
            params,
            optional,
            arity,
            result,
        };
        match self {
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
            // A Decimal unless the argument is a Double ([`Function::result_type`]).
            Function::Round | Function::Floor | Function::Ceiling => {
                sig(&[Number], 0, "1 argument", FieldType::Decimal)
            }
            Function::Now | Function::MaxDateTime | Function::MinDateTime => {
                sig(&[], 0, "no arguments", FieldType::DateTimeOffset)
            }
        }
    }

    /// The value of a call that takes no arguments, which the checker writes as a constant:
    /// `now()`, `maxdatetime()`, `mindatetime()`.
    pub(crate) fn constant(self) -> Option<crate::value::Value> {
        use crate::edm::instant;
        use crate::value::Value;
        match self {
            Function::Now => Some(Value::DateTimeOffset(std::time::SystemTime::now().into())),
            Function::MaxDateTime => Some(Value::DateTimeOffset(instant::latest())),
            Function::MinDateTime => Some(Value::DateTimeOffset(instant::earliest())),
            _ => None,
        }
    }

    /// The type of a call's result with arguments of types `args`: the signature's, except
    /// that `round`, `floor` and `ceiling` of a Double are Doubles.
    pub(crate) fn result_type(self, args: &[&Type]) -> FieldType {
        match (self, args) {
            (
                Function::Round | Function::Floor | Function::Ceiling,
                [Type::Field(FieldType::Double)],
            ) => FieldType::Double,
            _ => self.signature().result,
        }
    }
}
