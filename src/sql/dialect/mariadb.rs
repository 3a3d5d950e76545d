//! MariaDB: the [`MariaDbDialect`], MySQL's SQL with MariaDB's collation and JSON functions.
//!
//! MariaDB speaks MySQL's SQL, and this dialect writes what [`MySqlDialect`] writes except
//! where MariaDB differs (checked against MariaDB 10.11 by `tests/sql_mariadb.rs`):
//!
//! * there is no `utf8mb4_0900_bin`; text columns use `utf8mb4_nopad_bin`, which also orders
//!   by code point, case-sensitively, without padding (`'a '` is not `'a'`);
//! * `JSON_VALUE` has no `RETURNING` clause and always returns text (JSON `null` as SQL
//!   `NULL`, `true` as `1`), so collection elements are `CAST` to the column's type.
//!
//! See <https://mariadb.com/kb/en/>.

use super::mysql::{self, MySqlDialect};
use super::{json_path, native_column_type, string_literal, Dialect, NativeColumn};
use crate::ir::Function;
use crate::sql::error::Error;
use crate::sql::params::SqlType;

/// The collation of text columns; see the module documentation.
const TEXT_COLLATION: &str = "utf8mb4_nopad_bin";

/// MariaDB 10.6 or later (`JSON_TABLE`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MariaDbDialect;

// Everything not written here is MySQL's: the same methods are delegated to MySqlDialect, so
// that a fix there reaches MariaDB too.
impl Dialect for MariaDbDialect {
    fn name(&self) -> &'static str {
        "mariadb"
    }

    fn quote_identifier(&self, name: &str) -> String {
        MySqlDialect.quote_identifier(name)
    }

    fn column_type(&self, ty: SqlType, indexed: bool) -> String {
        mysql::column_type(self, ty, indexed, TEXT_COLLATION)
    }

    fn document_type(&self) -> String {
        MySqlDialect.document_type()
    }

    fn id_column(&self) -> String {
        MySqlDialect.id_column()
    }

    fn null_safe_eq(&self, a: &str, b: &str) -> String {
        MySqlDialect.null_safe_eq(a, b)
    }

    fn like_escape(&self) -> char {
        MySqlDialect.like_escape()
    }

    fn to_int32(&self, x: &str) -> String {
        MySqlDialect.to_int32(x)
    }

    fn to_double(&self, x: &str) -> String {
        MySqlDialect.to_double(x)
    }

    /// MySQL's, and `UUID` (10.7 and later), which orders version-1 UUIDs by their time
    /// fields rather than as 128-bit numbers: not [`ordered`](NativeColumn::ordered).
    fn native_column(&self, ty: SqlType) -> Option<NativeColumn> {
        match ty {
            SqlType::Uuid => Some(NativeColumn {
                ordered: false,
                ..NativeColumn::new("UUID", 1, 0)
            }),
            _ => mysql::native_column(ty),
        }
    }

    fn native_part(&self, x: &str, _ty: SqlType, func: Function) -> Result<String, Error> {
        mysql::native_part(self.name(), x, func, TEXT_COLLATION)
    }

    fn concat(&self, a: &str, b: &str) -> String {
        MySqlDialect.concat(a, b)
    }

    fn json_elements(&self, container: &str, path: &[&str], alias: &str) -> Result<String, Error> {
        MySqlDialect.json_elements(container, path, alias)
    }

    fn json_element(&self, alias: &str) -> Result<String, Error> {
        MySqlDialect.json_element(alias)
    }

    fn json_value(&self, alias: &str, path: &[&str], ty: SqlType) -> Result<String, Error> {
        let p = string_literal(&json_path(path));
        let text = format!("JSON_VALUE({alias}.v, {p})");
        Ok(match ty {
            SqlType::Text => format!("({text} COLLATE {TEXT_COLLATION})"),
            SqlType::Int | SqlType::Bool => format!("CAST({text} AS SIGNED)"),
            SqlType::Number => format!("CAST({text} AS DOUBLE)"),
            SqlType::Json => format!("JSON_EXTRACT({alias}.v, {p})"),
            // Collection elements are JSON: never of a native type.
            native => format!("CAST({text} AS {})", native_column_type(self, native)),
        })
    }

    fn order_key(&self, expr: &str, descending: bool) -> String {
        MySqlDialect.order_key(expr, descending)
    }

    fn limit_offset(&self, limit: Option<&str>, offset: Option<&str>) -> String {
        MySqlDialect.limit_offset(limit, offset)
    }
}
