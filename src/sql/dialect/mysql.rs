//! MySQL: the [`MySqlDialect`].
//!
//! Text columns use `utf8mb4_0900_bin` (code point order, case-sensitive, no trailing-space
//! padding), so `=`, `<` and `LIKE` compare like the evaluator; `LOWER`/`UPPER` map by
//! Unicode's simple mappings (`ß` stays `ß`), so `tolower`/`toupper` are refused. Backslash is
//! an escape character inside MySQL string literals, so `LIKE` escapes with `!`. Collections
//! are `JSON`, read with `JSON_TABLE` and `JSON_VALUE` (8.0.21 or later). Double columns are
//! `DOUBLE`, so an integer beyond 2^53 in a Double field would be kept as its nearest float
//! (such records are refused); an Int64 compared with a Double is compared as floats, which is
//! OData's numeric promotion. Not run in this crate's
//! tests (MySQL is not in Debian); MariaDB, which needs the [`MariaDbDialect`](super::MariaDbDialect) for its
//! collation and `JSON_VALUE`, is. See <https://dev.mysql.com/doc/refman/8.0/en/>.

use super::{json_path, native_column_type, string_literal, Dialect, NativeColumn};
use crate::ir::Function;
use crate::sql::error::Error;
use crate::sql::params::SqlType;

/// The collation of text columns: code point order, case-sensitive, and `NO PAD` (`'a '` is
/// not `'a'`), as the evaluator compares.
const TEXT_COLLATION: &str = "utf8mb4_0900_bin";

/// The native columns of MySQL and MariaDB's common types: `DATETIME(6)` holding UTC and
/// `DATE` (years 1000 to 9999), `TIME(6)` (microseconds), `BOOLEAN`.
pub(super) fn native_column(ty: SqlType) -> Option<NativeColumn> {
    Some(match ty {
        SqlType::Timestamp => NativeColumn::new("DATETIME(6)", 1_000, 1000),
        SqlType::Date => NativeColumn::new("DATE", 1, 1000),
        SqlType::Time => NativeColumn::new("TIME(6)", 1_000, 0),
        SqlType::Bool => NativeColumn::new("BOOLEAN", 1, 0),
        _ => return None,
    })
}

/// The calendar field `func` of `x`, a `DATETIME(6)` (in UTC), `DATE` or `TIME(6)`, with
/// `date()` and `time()` text in `collation`: MySQL's and MariaDB's, which differ only in the
/// collation.
pub(super) fn native_part(
    dialect: &str,
    x: &str,
    func: Function,
    collation: &str,
) -> Result<String, Error> {
    Ok(match func {
        Function::Year => format!("YEAR({x})"),
        Function::Month => format!("MONTH({x})"),
        Function::Day => format!("DAY({x})"),
        Function::Hour => format!("HOUR({x})"),
        Function::Minute => format!("MINUTE({x})"),
        Function::Second => format!("SECOND({x})"),
        Function::Date => format!("(DATE_FORMAT({x}, '%Y-%m-%d') COLLATE {collation})"),
        // Microseconds, padded to the nine digits of the crate's times of day.
        Function::Time => {
            format!("(CONCAT(DATE_FORMAT({x}, '%H:%i:%s.%f'), '000') COLLATE {collation})")
        }
        _ => {
            return Err(Error::unsupported(
                dialect,
                format!("{}() of an instant", func.name()),
            ))
        }
    })
}

/// The column type of `ty` in MySQL and MariaDB, whose storage differs only in the `collation`
/// of text (MariaDB has no `utf8mb4_0900_bin`). Indexed text is `VARCHAR(768)` (InnoDB's
/// 3072-byte key limit); other text is `LONGTEXT`, which keeps rows within the 65535-byte limit.
pub(super) fn column_type(
    dialect: &dyn Dialect,
    ty: SqlType,
    indexed: bool,
    collation: &str,
) -> String {
    match ty {
        SqlType::Bool => "BOOLEAN".to_owned(),
        SqlType::Int => "BIGINT".to_owned(),
        SqlType::Number => "DOUBLE".to_owned(),
        SqlType::Text if indexed => {
            format!("VARCHAR(768) CHARACTER SET utf8mb4 COLLATE {collation}")
        }
        SqlType::Text => format!("LONGTEXT CHARACTER SET utf8mb4 COLLATE {collation}"),
        SqlType::Json => "JSON".to_owned(),
        native => native_column_type(dialect, native),
    }
}

/// MySQL 8.0.21 or later.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MySqlDialect;

impl Dialect for MySqlDialect {
    fn name(&self) -> &'static str {
        "mysql"
    }

    fn quote_identifier(&self, name: &str) -> String {
        format!("`{}`", name.replace('`', "``"))
    }

    fn column_type(&self, ty: SqlType, indexed: bool) -> String {
        column_type(self, ty, indexed, TEXT_COLLATION)
    }

    fn document_type(&self) -> String {
        "LONGTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin".to_owned()
    }

    fn id_column(&self) -> String {
        "BIGINT AUTO_INCREMENT PRIMARY KEY".to_owned()
    }

    fn null_safe_eq(&self, a: &str, b: &str) -> String {
        format!("({a} <=> {b})")
    }

    fn like_escape(&self) -> char {
        '!'
    }

    fn to_int32(&self, x: &str) -> String {
        format!("CAST({x} AS SIGNED)")
    }

    fn to_double(&self, x: &str) -> String {
        format!("CAST({x} AS DOUBLE)")
    }

    /// `DATETIME(6)` holding UTC (it has no time zone) and `DATE`, years 1000 to 9999;
    /// `TIME(6)`; `BOOLEAN`. No `uuid`, `interval` or exact decimal.
    fn native_column(&self, ty: SqlType) -> Option<NativeColumn> {
        native_column(ty)
    }

    fn native_part(&self, x: &str, _ty: SqlType, func: Function) -> Result<String, Error> {
        native_part(self.name(), x, func, TEXT_COLLATION)
    }

    fn concat(&self, a: &str, b: &str) -> String {
        format!("CONCAT({a}, {b})")
    }

    fn json_elements(&self, container: &str, path: &[&str], alias: &str) -> Result<String, Error> {
        let array = string_literal(&format!("{}[*]", json_path(path)));
        Ok(format!(
            "JSON_TABLE({container}, {array} COLUMNS (v JSON PATH '$')) AS {alias}"
        ))
    }

    fn json_element(&self, alias: &str) -> Result<String, Error> {
        Ok(format!("{alias}.v"))
    }

    fn json_value(&self, alias: &str, path: &[&str], ty: SqlType) -> Result<String, Error> {
        let p = string_literal(&json_path(path));
        Ok(match ty {
            SqlType::Text => {
                format!("(JSON_VALUE({alias}.v, {p} RETURNING CHAR(768)) COLLATE {TEXT_COLLATION})")
            }
            SqlType::Int | SqlType::Bool => {
                format!("JSON_VALUE({alias}.v, {p} RETURNING SIGNED)")
            }
            SqlType::Number => format!("JSON_VALUE({alias}.v, {p} RETURNING DOUBLE)"),
            SqlType::Json => format!("JSON_EXTRACT({alias}.v, {p})"),
            // Collection elements are JSON: never of a native type.
            native => format!(
                "JSON_VALUE({alias}.v, {p} RETURNING {})",
                native_column_type(self, native)
            ),
        })
    }

    fn order_key(&self, expr: &str, descending: bool) -> String {
        let dir = if descending { "DESC" } else { "ASC" };
        format!("CASE WHEN {expr} IS NULL THEN 0 ELSE 1 END {dir}, {expr} {dir}")
    }

    fn limit_offset(&self, limit: Option<&str>, offset: Option<&str>) -> String {
        match (limit, offset) {
            (Some(l), Some(o)) => format!("LIMIT {l} OFFSET {o}"),
            (Some(l), None) => format!("LIMIT {l}"),
            // MySQL has no OFFSET without LIMIT; this is its documented "all rows".
            (None, Some(o)) => format!("LIMIT 18446744073709551615 OFFSET {o}"),
            (None, None) => String::new(),
        }
    }
}
