//! SQLite: the [`SqliteDialect`].
//!
//! SQLite's `LIKE` ignores ASCII case, so text matches use `GLOB`, which is case-sensitive and
//! whose prefix form `x GLOB 'abc*'` is still an index range. Booleans are integers 0/1; a
//! Double column is declared `NUMERIC`, keeping integers as integers and reals as reals, which
//! SQLite compares exactly. SQLite has no exact decimal type: a Decimal is kept as an integer
//! when whole, otherwise as the float whose shortest decimal it is, and decimals no float
//! stands for are refused (see [`Dialect::exact_decimals`]). SQLite's `lower`/`upper` fold ASCII
//! letters only, so `tolower`/`toupper` call the crate's own `odata_lower`/`odata_upper`,
//! registered on the connection (see [`Dialect::case_map`]). Needs SQLite 3.30 or later
//! (`NULLS FIRST`).
//! See <https://www.sqlite.org/lang.html>.

use super::{string_literal, Dialect, TextMatch};
use crate::sql::error::Error;
use crate::sql::params::{Params, SqlType, SqlValue};
use crate::value::Decimal;

/// SQLite, 3.30 or later, with the JSON functions (built in since 3.38).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SqliteDialect;

/// The name of the SQL function `tolower` becomes in SQLite, registered on the connection.
pub(crate) const SQLITE_LOWER: &str = "odata_lower";
/// The name of the SQL function `toupper` becomes in SQLite, registered on the connection.
pub(crate) const SQLITE_UPPER: &str = "odata_upper";
/// The name of the SQL function `round` becomes in SQLite, registered on the connection.
pub(crate) const SQLITE_ROUND: &str = "odata_round";
/// The name of the SQL function `floor` becomes in SQLite, registered on the connection.
pub(crate) const SQLITE_FLOOR: &str = "odata_floor";
/// The name of the SQL function `ceiling` becomes in SQLite, registered on the connection.
pub(crate) const SQLITE_CEILING: &str = "odata_ceiling";
/// Every function of the crate's SQLite SQL that a connection needs registered.
#[cfg(feature = "rusqlite")]
pub(crate) const SQLITE_FUNCTIONS: [&str; 5] = [
    SQLITE_LOWER,
    SQLITE_UPPER,
    SQLITE_ROUND,
    SQLITE_FLOOR,
    SQLITE_CEILING,
];

impl Dialect for SqliteDialect {
    fn name(&self) -> &'static str {
        "sqlite"
    }

    fn placeholder(&self, index: usize, _ty: SqlType) -> String {
        format!("?{index}")
    }

    /// No: SQLite stores U+0000 in text, but its string functions (`length`, `substr`,
    /// `GLOB`) stop at it, so `length`, `substring`, `contains`... would differ from the
    /// evaluator. Records holding it are refused, and so are literals.
    fn supports_nul_in_text(&self) -> bool {
        false
    }

    /// `NUMERIC` keeps integers as integers and compares them with reals exactly.
    fn exact_integers_in_doubles(&self) -> bool {
        true
    }

    fn column_type(&self, ty: SqlType, _indexed: bool) -> String {
        match ty {
            SqlType::Bool | SqlType::Int => "INTEGER",
            SqlType::Number => "NUMERIC",
            SqlType::Text | SqlType::Json => "TEXT",
            native => return super::native_column_type(self, native),
        }
        .to_owned()
    }

    fn id_column(&self) -> String {
        "INTEGER PRIMARY KEY".to_owned()
    }

    fn null_safe_eq(&self, a: &str, b: &str) -> String {
        format!("({a} IS {b})")
    }

    /// A whole number in i64 as an integer (`NUMERIC` columns keep integers exactly, and
    /// compare them exactly with reals); any other decimal as the float that stands for it.
    fn decimal_value(&self, d: &Decimal) -> Option<SqlValue> {
        match crate::decimal::to_i64(d) {
            Some(i) => Some(SqlValue::Int(i)),
            None => crate::decimal::to_f64_standing_for(d).map(SqlValue::Float),
        }
    }

    /// `GLOB`, with `*`, `?` and `[` in the literal written as `[*]`, `[?]`, `[[]`. (A literal
    /// containing U+0000, where `GLOB` stops, never gets here: see
    /// [`supports_nul_in_text`](Dialect::supports_nul_in_text).)
    fn text_match(
        &self,
        kind: TextMatch,
        subject: &str,
        literal: &str,
        params: &mut Params,
    ) -> Result<String, Error> {
        let mut pattern = String::with_capacity(literal.len() + 4);
        if kind != TextMatch::StartsWith {
            pattern.push('*');
        }
        for c in literal.chars() {
            match c {
                '*' | '?' | '[' => {
                    pattern.push('[');
                    pattern.push(c);
                    pattern.push(']');
                }
                c => pattern.push(c),
            }
        }
        if kind != TextMatch::EndsWith {
            pattern.push('*');
        }
        let p = params.bind(SqlValue::Text(pattern), SqlType::Text);
        Ok(format!("({subject} GLOB {p})"))
    }

    fn char_length(&self, s: &str) -> String {
        format!("length({s})")
    }

    fn position(&self, sub: &str, s: &str) -> String {
        format!("instr({s}, {sub})")
    }

    fn substring(&self, s: &str, start: &str, len: Option<&str>) -> String {
        match len {
            Some(len) => format!("substr({s}, {start}, {len})"),
            None => format!("substr({s}, {start})"),
        }
    }

    /// The crate's own functions, which SQLite needs registered on the connection (its
    /// `lower` and `upper` change ASCII letters only): the `rusqlite` helpers register them,
    /// `sql::rusqlite::register_functions` (feature `rusqlite`) does it for a connection of
    /// the application's own, and a connection without them fails with
    /// `no such function: odata_lower`, never with a different answer.
    fn case_map(&self, s: &str, upper: bool) -> Option<String> {
        let name = if upper { SQLITE_UPPER } else { SQLITE_LOWER };
        Some(format!("{name}({s})"))
    }

    /// The crate's registered `odata_floor` (SQLite's own `floor` needs its math functions
    /// compiled in).
    fn floor(&self, x: &str) -> String {
        format!("{SQLITE_FLOOR}({x})")
    }

    fn ceiling(&self, x: &str) -> String {
        format!("{SQLITE_CEILING}({x})")
    }

    /// The crate's registered `odata_round`: SQLite's `round` adds 0.5, which rounds
    /// 0.49999999999999994 to 1.
    fn round(&self, x: &str) -> String {
        format!("{SQLITE_ROUND}({x})")
    }

    fn to_double(&self, x: &str) -> String {
        format!("CAST({x} AS REAL)")
    }

    fn trim_spaces(&self, s: &str) -> String {
        format!("trim({s}, ' ')")
    }

    fn json_elements(&self, container: &str, path: &[&str], alias: &str) -> Result<String, Error> {
        Ok(if path.is_empty() {
            format!("json_each({container}) AS {alias}")
        } else {
            format!("json_each({container}, {}) AS {alias}", json_path(path))
        })
    }

    fn json_element(&self, alias: &str) -> Result<String, Error> {
        Ok(format!("{alias}.value"))
    }

    fn json_value(&self, alias: &str, path: &[&str], _ty: SqlType) -> Result<String, Error> {
        Ok(if path.is_empty() {
            format!("{alias}.value")
        } else {
            format!("json_extract({alias}.value, {})", json_path(path))
        })
    }

    /// `column ASC` / `column DESC`: SQLite's indexes put null first ascending and last
    /// descending, as [`order_key`](Dialect::order_key) does (it refuses `NULLS` in an index).
    fn index_key(&self, column: &str, descending: bool) -> Option<String> {
        Some(format!(
            "{column} {}",
            if descending { "DESC" } else { "ASC" }
        ))
    }

    fn limit_offset(&self, limit: Option<&str>, offset: Option<&str>) -> String {
        match (limit, offset) {
            (Some(l), Some(o)) => format!("LIMIT {l} OFFSET {o}"),
            (Some(l), None) => format!("LIMIT {l}"),
            // SQLite has no OFFSET without LIMIT; -1 means no limit.
            (None, Some(o)) => format!("LIMIT -1 OFFSET {o}"),
            (None, None) => String::new(),
        }
    }
}

/// A JSON path literal `'$."a"."b"'`.
fn json_path(path: &[&str]) -> String {
    string_literal(&super::json_path(path))
}
