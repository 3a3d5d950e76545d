//! PostgreSQL: the [`PostgresDialect`].
//!
//! Text columns and text parameters carry `COLLATE "C"`, so strings order by code point
//! whatever the database's locale; `tolower`/`toupper` map with ICU (`COLLATE "und-x-icu"`).
//! Placeholders carry their type (`$1::bigint`), so no comparison depends on type inference.
//! Double and Decimal are `NUMERIC`, compared exactly with each other and with integers,
//! except where OData promotes to Double (an integer or a Decimal with a Double: both
//! `CAST(... AS DOUBLE PRECISION)`); float
//! parameters are sent as the exact decimal value of the float, decimals with every digit
//! ([`exact_decimals`](Dialect::exact_decimals)). Collections are `jsonb`. `text` cannot hold U+0000:
//! such values are refused before any SQL runs. See <https://www.postgresql.org/docs/current/>.

use super::{native_column_type, string_literal, Dialect, NativeColumn};
use crate::ir::Function;
use crate::sql::error::Error;
use crate::sql::params::SqlType;

/// PostgreSQL, 11 or later.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PostgresDialect;

impl Dialect for PostgresDialect {
    fn name(&self) -> &'static str {
        "postgres"
    }

    fn placeholder(&self, index: usize, ty: SqlType) -> String {
        match ty {
            SqlType::Bool => format!("${index}::boolean"),
            SqlType::Int => format!("${index}::bigint"),
            SqlType::Number => format!("${index}::numeric"),
            // Parenthesized: COLLATE may not stand where PostgreSQL's grammar wants a b_expr,
            // as in POSITION(x IN y).
            SqlType::Text => format!("(${index}::text COLLATE \"C\")"),
            SqlType::Json => format!("${index}::jsonb"),
            SqlType::Timestamp => format!("${index}::timestamptz"),
            SqlType::Date => format!("${index}::date"),
            SqlType::Time => format!("${index}::time"),
            SqlType::Interval => format!("${index}::interval"),
            SqlType::Uuid => format!("${index}::uuid"),
            SqlType::TextArray => format!("${index}::text[]"),
            SqlType::IntArray => format!("${index}::bigint[]"),
            SqlType::BoolArray => format!("${index}::boolean[]"),
        }
    }

    fn supports_nul_in_text(&self) -> bool {
        false
    }

    /// `NUMERIC` is exact.
    fn exact_integers_in_doubles(&self) -> bool {
        true
    }

    /// `timestamptz`, `date` and `time` (microseconds, years 1 to 9999 here), `interval`
    /// (microseconds; always written with no days and no months, so that it compares as the
    /// duration it holds), `uuid` (ordered as its 128-bit number), `boolean`, `numeric`, and
    /// the arrays `text[]` (in the `"C"` collation), `bigint[]` and `boolean[]`.
    fn native_column(&self, ty: SqlType) -> Option<NativeColumn> {
        Some(match ty {
            SqlType::Timestamp => NativeColumn::new("TIMESTAMPTZ", 1_000, 1),
            SqlType::Date => NativeColumn::new("DATE", 1, 1),
            SqlType::Time => NativeColumn::new("TIME", 1_000, 0),
            SqlType::Interval => NativeColumn::new("INTERVAL", 1_000, 0),
            SqlType::Uuid => NativeColumn::new("UUID", 1, 0),
            SqlType::Bool => NativeColumn::new("BOOLEAN", 1, 0),
            SqlType::Number => NativeColumn::new("NUMERIC", 1, 0),
            SqlType::TextArray => NativeColumn::new("TEXT[] COLLATE \"C\"", 1, 0),
            SqlType::IntArray => NativeColumn::new("BIGINT[]", 1, 0),
            SqlType::BoolArray => NativeColumn::new("BOOLEAN[]", 1, 0),
            SqlType::Int | SqlType::Text | SqlType::Json => return None,
        })
    }

    fn native_part(&self, x: &str, ty: SqlType, func: Function) -> Result<String, Error> {
        // A timestamptz in UTC; a date or time as it is (a date AT TIME ZONE would be read
        // in the session's zone).
        let utc = match ty {
            SqlType::Timestamp => format!("({x} AT TIME ZONE 'UTC')"),
            _ => format!("({x})"),
        };
        let field = |f: &str| format!("CAST(EXTRACT({f} FROM {utc}) AS INTEGER)");
        Ok(match func {
            Function::Year => field("YEAR"),
            Function::Month => field("MONTH"),
            Function::Day => field("DAY"),
            Function::Hour => field("HOUR"),
            Function::Minute => field("MINUTE"),
            // EXTRACT(SECOND ...) has the fraction.
            Function::Second => format!("CAST(FLOOR(EXTRACT(SECOND FROM {utc})) AS INTEGER)"),
            Function::Date => format!("(to_char({utc}, 'YYYY-MM-DD') COLLATE \"C\")"),
            // Microseconds, padded to the nine digits of the crate's times of day.
            Function::Time => {
                format!("((to_char({utc}, 'HH24:MI:SS.US') || '000') COLLATE \"C\")")
            }
            _ => {
                return Err(Error::unsupported(
                    self.name(),
                    format!("{}() of an instant", func.name()),
                ))
            }
        })
    }

    /// `NUMERIC` columns and `jsonb` numbers are exact decimals.
    fn exact_decimals(&self) -> bool {
        true
    }

    fn column_type(&self, ty: SqlType, _indexed: bool) -> String {
        match ty {
            SqlType::Bool => "BOOLEAN",
            SqlType::Int => "BIGINT",
            SqlType::Number => "NUMERIC",
            SqlType::Text => "TEXT COLLATE \"C\"",
            SqlType::Json => "JSONB",
            native => return native_column_type(self, native),
        }
        .to_owned()
    }

    /// [`order_key`](Dialect::order_key) itself: `NULLS FIRST`/`NULLS LAST` are allowed in
    /// an index, and needed, since PostgreSQL puts null last ascending.
    fn index_key(&self, column: &str, descending: bool) -> Option<String> {
        Some(self.order_key(column, descending))
    }

    /// The exact decimal value of `x`, which `jsonb` keeps as a `NUMERIC`.
    fn json_number(&self, x: f64) -> String {
        exact_decimal(x)
    }

    /// ICU's full case mapping under the root locale (the `und-x-icu` collation that a
    /// PostgreSQL built with ICU creates in every database), then compared in code point
    /// order (`COLLATE "C"`). A server without ICU fails with `collation "und-x-icu" ... does
    /// not exist`, never with a different answer.
    fn case_map(&self, s: &str, upper: bool) -> Option<String> {
        let f = if upper { "upper" } else { "lower" };
        Some(format!("({f}(({s}) COLLATE \"und-x-icu\") COLLATE \"C\")"))
    }

    /// `NUMERIC` rounds halves away from zero, exactly (Double and Decimal columns and
    /// collection elements are `NUMERIC`).
    fn round(&self, x: &str) -> String {
        format!("round({x})")
    }

    fn json_elements(&self, container: &str, path: &[&str], alias: &str) -> Result<String, Error> {
        Ok(if path.is_empty() {
            format!("jsonb_array_elements({container}) AS {alias}(v)")
        } else {
            format!(
                "jsonb_array_elements({container} #> {}) AS {alias}(v)",
                text_array(path)
            )
        })
    }

    fn native_array_elements(&self, column: &str, alias: &str) -> Result<String, Error> {
        Ok(format!("unnest({column}) AS {alias}(v)"))
    }

    fn native_array_element(&self, alias: &str) -> Result<String, Error> {
        Ok(format!("{alias}.v"))
    }

    fn json_element(&self, alias: &str) -> Result<String, Error> {
        Ok(format!("{alias}.v"))
    }

    fn json_value(&self, alias: &str, path: &[&str], ty: SqlType) -> Result<String, Error> {
        let text = format!("{alias}.v #>> {}", text_array(path));
        Ok(match ty {
            SqlType::Text => format!("(({text}) COLLATE \"C\")"),
            SqlType::Int => format!("CAST({text} AS BIGINT)"),
            SqlType::Number => format!("CAST({text} AS NUMERIC)"),
            SqlType::Bool => format!("CAST({text} AS BOOLEAN)"),
            SqlType::Json => format!("({alias}.v #> {})", text_array(path)),
            // Collection elements are JSON: never of a native type.
            native => format!("CAST({text} AS {})", native_column_type(self, native)),
        })
    }
}

/// A `text[]` literal of JSON keys, `'{"a","b"}'`.
fn text_array(path: &[&str]) -> String {
    let items: Vec<String> = path
        .iter()
        .map(|k| format!("\"{}\"", k.replace('\\', "\\\\").replace('"', "\\\"")))
        .collect();
    string_literal(&format!("{{{}}}", items.join(",")))
}

/// The exact decimal expansion of a finite float (`0.1` is
/// `0.1000000000000000055511151231257827…`).
use crate::decimal::exact_f64_text as exact_decimal;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_expand_exactly() {
        assert_eq!(
            exact_decimal(0.1),
            "0.1000000000000000055511151231257827021181583404541015625"
        );
        assert_eq!(exact_decimal(1.5), "1.5");
        assert_eq!(exact_decimal(-2.0), "-2");
        assert_eq!(exact_decimal(1e20), "100000000000000000000");
        assert_eq!(exact_decimal(-0.0), "0");
        assert_eq!(exact_decimal(5e-324).len(), 2 + 1074);
    }
}
