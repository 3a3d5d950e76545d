//! Bound parameters: the value type, the SQL text + parameters pair, and the collector.

use super::dialect::Dialect;
use super::error::Error;
use serde::ser::{Serialize, Serializer};

/// A bound parameter value. Every value of a filter reaches the database as one of these, never
/// as SQL text.
#[derive(Clone, Debug, PartialEq)]
pub enum SqlValue {
    /// SQL `NULL`.
    Null,
    /// A Boolean (SQLite and MySQL store it as the integer 0 or 1).
    Bool(bool),
    /// A 64-bit integer: also the encoding of durations (nanoseconds); see the
    /// [storage table](super#storage).
    Int(i64),
    /// A finite binary floating-point number: an Edm.Double, or an Edm.Decimal in a dialect
    /// that keeps decimals as floats (see [`Dialect::exact_decimals`]).
    Float(f64),
    /// An exact decimal: an Edm.Decimal in a dialect that holds decimals exactly
    /// ([`Dialect::exact_decimals`], PostgreSQL's `NUMERIC`).
    Decimal(crate::value::Decimal),
    /// A string: also enum members, GUIDs (lower-case), instants, dates and times of day (as
    /// fixed-width text, see the [storage table](super#storage)) and JSON documents.
    Text(String),
    /// An instant for a native instant column ([`SqlType::Timestamp`]): PostgreSQL
    /// `timestamptz`, MySQL/MariaDB `DATETIME(6)` in UTC. Always a whole number of
    /// microseconds.
    Timestamp(chrono::DateTime<chrono::Utc>),
    /// A date for a native `date` column ([`SqlType::Date`]).
    Date(chrono::NaiveDate),
    /// A time of day for a native `time` column ([`SqlType::Time`]). Always a whole number of
    /// microseconds.
    Time(chrono::NaiveTime),
    /// A duration for a native PostgreSQL `interval` column ([`SqlType::Interval`]), sent as
    /// microseconds with no days and no months. Always a whole number of microseconds.
    Interval(chrono::TimeDelta),
    /// A GUID for a native `uuid` column ([`SqlType::Uuid`]), as its 128-bit number (the
    /// bytes in big-endian order are the UUID's bytes).
    Uuid(u128),
    /// A collection for a native array column ([`SqlType::TextArray`],
    /// [`IntArray`](SqlType::IntArray), [`BoolArray`](SqlType::BoolArray)): its elements as
    /// [`Text`](SqlValue::Text), [`Int`](SqlValue::Int) or [`Bool`](SqlValue::Bool), and
    /// [`Null`](SqlValue::Null).
    Array(Vec<SqlValue>),
}

impl Serialize for SqlValue {
    /// As the JSON value it stands for: `null`, `true`, `42`, `1.5`, `"text"`; a decimal as
    /// a string of its digits (`"3258.678765765489753678965390"`), since most JSON readers
    /// would read a number as a float and round it; instants, dates, times of day and GUIDs
    /// as the crate's text forms (see the [storage table](super#storage)), durations as
    /// their `$filter` literal (`duration'P1DT2H'`).
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            SqlValue::Null => s.serialize_unit(),
            SqlValue::Bool(b) => s.serialize_bool(*b),
            SqlValue::Int(i) => s.serialize_i64(*i),
            SqlValue::Float(x) => s.serialize_f64(*x),
            SqlValue::Decimal(d) => s.serialize_str(&crate::decimal::text(d)),
            SqlValue::Text(t) => s.serialize_str(t),
            SqlValue::Timestamp(t) => s.serialize_str(&super::storage::instant_text(t)),
            SqlValue::Date(d) => s.serialize_str(&super::storage::date_text(*d)),
            SqlValue::Time(t) => s.serialize_str(&super::storage::time_text(*t)),
            SqlValue::Interval(d) => {
                s.serialize_str(&crate::value::Value::Duration(*d).to_string())
            }
            SqlValue::Uuid(g) => s.serialize_str(&crate::edm::guid::format(*g)),
            SqlValue::Array(items) => s.collect_seq(items),
        }
    }
}

/// The SQL-side type of a parameter or column, which a dialect may need to spell a placeholder
/// (`$1::bigint`) or a column type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SqlType {
    /// A Boolean.
    Bool,
    /// A 64-bit integer (integers, and durations as nanoseconds).
    Int,
    /// An exact or floating-point number (Edm.Double, Edm.Decimal).
    Number,
    /// Text compared by code point (strings, enums, GUIDs, and instants, dates and times of day
    /// as fixed-width text).
    Text,
    /// A JSON document (collections).
    Json,
    /// A native instant column ([`SqlValue::Timestamp`]).
    Timestamp,
    /// A native date column ([`SqlValue::Date`]).
    Date,
    /// A native time-of-day column ([`SqlValue::Time`]).
    Time,
    /// A native interval column ([`SqlValue::Interval`]).
    Interval,
    /// A native UUID column ([`SqlValue::Uuid`]).
    Uuid,
    /// A native array of text ([`SqlValue::Array`]).
    TextArray,
    /// A native array of 64-bit integers ([`SqlValue::Array`]).
    IntArray,
    /// A native array of Booleans ([`SqlValue::Array`]).
    BoolArray,
}

/// SQL text with its parameters, in placeholder order: the `n`-th placeholder in `sql` (counting
/// from 1, in text order) is bound to `params[n - 1]`.
///
/// Serializes as `{"sql": "...", "params": [...]}` with the parameters as JSON values.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct SqlQuery {
    /// The SQL text; every value is a placeholder.
    pub sql: String,
    /// The parameter values, one per placeholder occurrence.
    pub params: Vec<SqlValue>,
}

/// Marks a parameter inside SQL text under construction: `MARK_OPEN index MARK_CLOSE`. No
/// generated SQL holds control characters otherwise (identifiers with them are refused).
const MARK_OPEN: char = '\u{1}';
const MARK_CLOSE: char = '\u{2}';

/// Collects the parameters of a statement while its text is built.
///
/// [`bind`](Params::bind) returns a marker to put in the text where the placeholder goes; the
/// markers become the dialect's placeholders when the statement is finished, numbered in text
/// order. A marker may be copied into the text more than once (as `(x = $1 AND x IS NOT NULL)`
/// repeats `x`): each copy becomes its own placeholder and parameter, so the positional `?` of
/// MySQL stays right.
#[derive(Debug, Default)]
pub struct Params {
    values: Vec<(SqlValue, SqlType)>,
}

impl Params {
    /// An empty collector.
    pub fn new() -> Params {
        Params::default()
    }

    /// Binds `value`, of SQL type `ty`, and returns the marker standing for its placeholder.
    pub fn bind(&mut self, value: SqlValue, ty: SqlType) -> String {
        let i = self.values.len();
        self.values.push((value, ty));
        format!("{MARK_OPEN}{i}{MARK_CLOSE}")
    }

    /// Replaces the markers in `text` with `dialect`'s placeholders and lists the parameters in
    /// placeholder order. Refuses text values the dialect cannot hold (U+0000 in PostgreSQL).
    pub(crate) fn finish(&self, text: &str, dialect: &dyn Dialect) -> Result<SqlQuery, Error> {
        let mut sql = String::with_capacity(text.len());
        let mut params = Vec::new();
        let mut rest = text;
        while let Some(start) = rest.find(MARK_OPEN) {
            sql.push_str(&rest[..start]);
            let after = &rest[start + MARK_OPEN.len_utf8()..];
            // Markers come from `bind` only; anything else is copied through unchanged.
            let marker = after.find(MARK_CLOSE).and_then(|end| {
                let i: usize = after[..end].parse().ok()?;
                Some((self.values.get(i)?, end))
            });
            let Some(((value, ty), end)) = marker else {
                sql.push(MARK_OPEN);
                rest = after;
                continue;
            };
            if let SqlValue::Text(t) = value {
                if t.contains('\0') && !dialect.supports_nul_in_text() {
                    return Err(Error::unsupported(
                        dialect.name(),
                        "strings containing U+0000 (its text type cannot hold them)",
                    ));
                }
            }
            params.push(value.clone());
            sql.push_str(&dialect.placeholder(params.len(), *ty));
            rest = &after[end + MARK_CLOSE.len_utf8()..];
        }
        sql.push_str(rest);
        Ok(SqlQuery { sql, params })
    }
}

/// Whether `s` holds a character that would confuse the parameter markers.
pub(crate) fn has_control(s: &str) -> bool {
    s.chars().any(|c| c.is_control())
}
