//! SQL Server: the [`MsSqlDialect`].
//!
//! Conditions are not values in T-SQL: Boolean columns (`BIT`) become `(b = 1)` as conditions,
//! and conditions become `CASE WHEN c THEN 1 WHEN NOT (c) THEN 0 END` as values. Text columns
//! are `VARCHAR` with the `Latin1_General_100_BIN2_UTF8` collation (2019 or later), which
//! orders by code point; `LIKE` also escapes `[`. Null-safe equality is spelled out, so any
//! version from 2012 (`OFFSET ... FETCH`) reads it. `=` ignores trailing spaces in SQL Server,
//! unlike the evaluator. Not run in this crate's tests. See
//! <https://learn.microsoft.com/sql/t-sql/language-reference>.

use super::{json_path, string_literal, Dialect};
use crate::sql::error::Error;
use crate::sql::params::SqlType;

/// Microsoft SQL Server 2019 or later.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MsSqlDialect;

impl Dialect for MsSqlDialect {
    fn name(&self) -> &'static str {
        "mssql"
    }

    fn quote_identifier(&self, name: &str) -> String {
        format!("[{}]", name.replace(']', "]]"))
    }

    fn placeholder(&self, index: usize, _ty: SqlType) -> String {
        format!("@p{index}")
    }

    /// Indexed text is `VARCHAR(1700)` (the 1700-byte key limit); other text is
    /// `VARCHAR(MAX)`.
    fn column_type(&self, ty: SqlType, indexed: bool) -> String {
        match ty {
            SqlType::Bool => "BIT",
            SqlType::Int => "BIGINT",
            SqlType::Number => "FLOAT(53)",
            SqlType::Text if indexed => "VARCHAR(1700) COLLATE Latin1_General_100_BIN2_UTF8",
            SqlType::Text => "VARCHAR(MAX) COLLATE Latin1_General_100_BIN2_UTF8",
            SqlType::Json => "NVARCHAR(MAX)",
            native => return super::native_column_type(self, native),
        }
        .to_owned()
    }

    fn document_type(&self) -> String {
        "NVARCHAR(MAX)".to_owned()
    }

    fn id_column(&self) -> String {
        "BIGINT IDENTITY(1,1) PRIMARY KEY".to_owned()
    }

    fn bool_condition(&self, value: &str) -> String {
        format!("({value} = 1)")
    }

    fn bool_value(&self, condition: &str) -> String {
        format!("CASE WHEN {condition} THEN 1 WHEN NOT {condition} THEN 0 END")
    }

    fn is_true(&self, condition: &str) -> String {
        format!("(CASE WHEN {condition} THEN 1 ELSE 0 END = 1)")
    }

    fn null_safe_eq(&self, a: &str, b: &str) -> String {
        format!(
            "(({a} = {b} AND {a} IS NOT NULL AND {b} IS NOT NULL) \
             OR ({a} IS NULL AND {b} IS NULL))"
        )
    }

    fn like_wildcards(&self) -> &'static [char] {
        &['%', '_', '[']
    }

    fn char_length(&self, s: &str) -> String {
        // LEN ignores trailing spaces; the appended character keeps them.
        format!("(LEN({s} + 'x') - 1)")
    }

    fn position(&self, sub: &str, s: &str) -> String {
        // CHARINDEX gives 0 for an empty needle; the evaluator finds it at the start.
        format!(
            "CASE WHEN DATALENGTH({sub}) = 0 AND {s} IS NOT NULL THEN 1 \
             ELSE CHARINDEX({sub}, {s}) END"
        )
    }

    fn substring(&self, s: &str, start: &str, len: Option<&str>) -> String {
        format!("SUBSTRING({s}, {start}, {})", len.unwrap_or("2147483647"))
    }

    fn trim_spaces(&self, s: &str) -> String {
        format!("LTRIM(RTRIM({s}))")
    }

    fn concat(&self, a: &str, b: &str) -> String {
        format!("({a} + {b})")
    }

    fn json_elements(&self, container: &str, path: &[&str], alias: &str) -> Result<String, Error> {
        Ok(if path.is_empty() {
            format!("OPENJSON({container}) AS {alias}")
        } else {
            format!(
                "OPENJSON({container}, {}) AS {alias}",
                string_literal(&json_path(path))
            )
        })
    }

    fn json_element(&self, alias: &str) -> Result<String, Error> {
        Ok(format!("{alias}.[value]"))
    }

    fn json_value(&self, alias: &str, path: &[&str], ty: SqlType) -> Result<String, Error> {
        let text = if path.is_empty() {
            format!("{alias}.[value]")
        } else {
            format!(
                "JSON_VALUE({alias}.[value], {})",
                string_literal(&json_path(path))
            )
        };
        Ok(match ty {
            // Collection elements are JSON: never of a native type, which SQL Server refuses.
            SqlType::Text | SqlType::Json => text,
            SqlType::Timestamp
            | SqlType::Date
            | SqlType::Time
            | SqlType::Interval
            | SqlType::Uuid
            | SqlType::TextArray
            | SqlType::IntArray
            | SqlType::BoolArray => text,
            SqlType::Int => format!("CAST({text} AS BIGINT)"),
            SqlType::Number => format!("CAST({text} AS FLOAT(53))"),
            SqlType::Bool => format!("CAST({text} AS BIT)"),
        })
    }

    fn order_key(&self, expr: &str, descending: bool) -> String {
        let dir = if descending { "DESC" } else { "ASC" };
        format!("CASE WHEN {expr} IS NULL THEN 0 ELSE 1 END {dir}, {expr} {dir}")
    }

    fn limit_offset(&self, limit: Option<&str>, offset: Option<&str>) -> String {
        let offset = format!("OFFSET {} ROWS", offset.unwrap_or("0"));
        match limit {
            Some(l) => format!("{offset} FETCH NEXT {l} ROWS ONLY"),
            None => offset,
        }
    }
}
