//! The [`Dialect`] trait: every way the SQL databases differ, as methods with defaults.
//!
//! The translator never asks which database it is writing for. Each difference it meets is a
//! method here; the default body is standard SQL (or the most common spelling), and a dialect
//! overrides only what differs. A new dialect is a unit struct with a handful of methods; see
//! [`SqliteDialect`](super::SqliteDialect) for one that overrides many and
//! [`MySqlDialect`](super::MySqlDialect) for one that overrides few.
//!
//! Methods that build SQL take the SQL of their operands as text and return text. Operand text
//! may contain parameter markers (see [`Params`]); a method may copy an operand more than once.

mod mariadb;
mod mssql;
mod mysql;
mod postgres;
mod sqlite;

pub use mariadb::MariaDbDialect;
pub use mssql::MsSqlDialect;
pub use mysql::MySqlDialect;
pub use postgres::PostgresDialect;
pub use sqlite::SqliteDialect;
#[cfg(feature = "rusqlite")]
pub(crate) use sqlite::{
    SQLITE_CEILING, SQLITE_FLOOR, SQLITE_FUNCTIONS, SQLITE_LOWER, SQLITE_ROUND, SQLITE_UPPER,
};

use super::error::Error;
use super::params::{Params, SqlType, SqlValue};
use crate::value::Decimal;
use std::fmt::Debug;

/// `contains`, `startswith` or `endswith`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TextMatch {
    /// `contains(s, t)`: `t` occurs in `s`.
    Contains,
    /// `startswith(s, t)`.
    StartsWith,
    /// `endswith(s, t)`.
    EndsWith,
}

/// A dialect's own column type for one EDM type ([`Storage::Native`](crate::schema::Storage)),
/// from [`Dialect::native_column`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NativeColumn {
    /// The column type, e.g. `TIMESTAMPTZ`.
    pub column_type: &'static str,
    /// The precision instants, times of day and durations keep, in nanoseconds (1,000 for
    /// microseconds); 1 for the other types.
    pub unit_nanos: i64,
    /// The first year instants and dates hold (1 in PostgreSQL, which has no year 0; 1000 in
    /// MySQL); 0 for the other types.
    pub min_year: i32,
    /// Whether the column orders its values as the evaluator does. MariaDB's `UUID` does not
    /// (it orders version-1 UUIDs by their time fields), so `$orderby` such a field is
    /// refused (GUIDs have no `gt`, `lt` ... in filters).
    pub ordered: bool,
}

impl NativeColumn {
    /// A column of type `column_type` keeping `unit_nanos` ns from the year `min_year`,
    /// ordered as the evaluator orders.
    pub const fn new(column_type: &'static str, unit_nanos: i64, min_year: i32) -> NativeColumn {
        NativeColumn {
            column_type,
            unit_nanos,
            min_year,
            ordered: true,
        }
    }
}

/// The column type [`Dialect::native_column`] gives for `ty`, or `TEXT` where there is none
/// (which no table gets: such fields are refused first). For the `column_type` methods.
pub(super) fn native_column_type<D: Dialect + ?Sized>(dialect: &D, ty: SqlType) -> String {
    dialect
        .native_column(ty)
        .map_or("TEXT", |n| n.column_type)
        .to_owned()
}

/// Everything that differs between SQL databases, for generating filters, ordering, paging,
/// tables and inserts.
///
/// All methods have defaults (standard SQL where there is a standard) except
/// [`name`](Dialect::name). Calendar functions and JSON collections have no standard spelling:
/// their defaults refuse with an [`Error`] naming the dialect, so a new dialect that does not
/// implement them still produces correct SQL for everything else.
pub trait Dialect: Debug + Send + Sync {
    /// The dialect's name as [`dialect_from_str`] accepts it, e.g. `postgres`.
    fn name(&self) -> &'static str;

    // ---------------------------------------------------------------------------------------
    // Identifiers and placeholders

    /// `name` as a quoted identifier. Default: `"name"` with `"` doubled.
    fn quote_identifier(&self, name: &str) -> String {
        format!("\"{}\"", name.replace('"', "\"\""))
    }

    /// The placeholder of the `index`-th parameter (from 1, in text order), whose SQL type is
    /// `ty`. Default: `?` (positional).
    fn placeholder(&self, index: usize, ty: SqlType) -> String {
        let _ = (index, ty);
        "?".to_owned()
    }

    /// Whether text values may contain U+0000, as stored strings and as literals. When not,
    /// records holding one are refused, and so are filters with such a literal (with the
    /// literal's span). Default: yes.
    fn supports_nul_in_text(&self) -> bool {
        true
    }

    // ---------------------------------------------------------------------------------------
    // Storage

    /// The column type for values of SQL type `ty`; `indexed` when the column gets an index
    /// (some databases bound indexable text). Default: `BOOLEAN`, `BIGINT`, `DOUBLE PRECISION`,
    /// `TEXT`, `TEXT` (JSON), and for the native types [`native_column`](Dialect::native_column)'s.
    fn column_type(&self, ty: SqlType, indexed: bool) -> String {
        let _ = indexed;
        match ty {
            SqlType::Bool => "BOOLEAN",
            SqlType::Int => "BIGINT",
            SqlType::Number => "DOUBLE PRECISION",
            SqlType::Text | SqlType::Json => "TEXT",
            native => return native_column_type(self, native),
        }
        .to_owned()
    }

    /// The dialect's own column for values of the SQL type `ty` ([`SqlType::Timestamp`],
    /// [`Date`](SqlType::Date), [`Time`](SqlType::Time), [`Interval`](SqlType::Interval),
    /// [`Uuid`](SqlType::Uuid), [`Bool`](SqlType::Bool) or [`Number`](SqlType::Number)),
    /// which fields with [`Storage::Native`](crate::schema::Storage) use; `None` where it has
    /// none here, and such fields are refused. Default: none.
    fn native_column(&self, ty: SqlType) -> Option<NativeColumn> {
        let _ = ty;
        None
    }

    /// The calendar field `func` (`year()` to `second()`, `date()`, `time()`) of `x`, a value
    /// of the native SQL type `ty` ([`SqlType::Timestamp`] in UTC, [`SqlType::Date`] or
    /// [`SqlType::Time`]), as the crate's own storage holds the result (an integer, or
    /// `YYYY-MM-DD` and `hh:mm:ss.fffffffff` text). Default: refused.
    fn native_part(
        &self,
        x: &str,
        ty: SqlType,
        func: crate::ir::Function,
    ) -> Result<String, Error> {
        let _ = (x, ty);
        Err(Error::unsupported(
            self.name(),
            format!("{}() of a native column", func.name()),
        ))
    }

    /// The column type of `_doc`, which keeps each record's JSON text byte for byte. Default:
    /// `TEXT`.
    fn document_type(&self) -> String {
        "TEXT".to_owned()
    }

    /// The definition (after the name) of the `_id` column that numbers records in insertion
    /// order. Default: `BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY`.
    fn id_column(&self) -> String {
        "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY".to_owned()
    }

    /// Whether the dialect holds Edm.Decimal values exactly: its [`SqlType::Number`] columns
    /// and its JSON numbers are exact decimals, so decimals are bound as
    /// [`SqlValue::Decimal`] and compare exactly with every number. Default: no.
    ///
    /// Otherwise a decimal is kept as the 64-bit float whose shortest decimal it is (`0.1` as
    /// the float `0.1`), which is how a record's decimals arrive (see
    /// [`Value::from_json`](crate::value::Value::from_json)); distinct floats stand for
    /// distinct decimals in the same order, so comparisons among them are exact. A decimal
    /// that no float stands for (more than 15 to 17 significant digits,
    /// `3258.678765765489753678965390`, `0.10000000000000001`) is refused, and so is a
    /// comparison of an Edm.Decimal with an Edm.Double, which as floats would find the
    /// decimal `0.1` equal to the double `0.1` (`0.1000000000000000055511…`).
    fn exact_decimals(&self) -> bool {
        false
    }

    /// Whether an Edm.Double column keeps an integer beyond 2^53 exactly (SQLite's `NUMERIC`,
    /// PostgreSQL's `NUMERIC`). Default: no, as in a `DOUBLE` column, which holds
    /// `9007199254740993` as `9007199254740992`: such a record is refused, and so is such an
    /// integer literal next to a Double.
    fn exact_integers_in_doubles(&self) -> bool {
        false
    }

    /// The number `x` (an integer, a decimal or a double, as this dialect holds it) as a 64-bit
    /// float, the nearest one: OData's binary numeric promotion, for a comparison of an integer
    /// or a decimal with an Edm.Double. Default: `CAST(x AS DOUBLE PRECISION)`.
    fn to_double(&self, x: &str) -> String {
        format!("CAST({x} AS DOUBLE PRECISION)")
    }

    /// The parameter that holds the decimal `d` in this dialect's [`SqlType::Number`]
    /// columns, or `None` when none holds it exactly (the decimal is then refused). Default:
    /// [`SqlValue::Decimal`] where [`exact_decimals`](Dialect::exact_decimals), otherwise the
    /// float that stands for `d` (see there), except a whole number between 2^53 and 2^63 that
    /// the float does not equal, which would order wrongly against integers.
    fn decimal_value(&self, d: &Decimal) -> Option<SqlValue> {
        if self.exact_decimals() {
            return Some(SqlValue::Decimal(*d));
        }
        crate::decimal::to_f64_standing_for(d).map(SqlValue::Float)
    }

    /// A JSON number for the finite float `x` inside stored collections. Default: the shortest
    /// text that reads back as `x`.
    fn json_number(&self, x: f64) -> String {
        format!("{x:?}")
    }

    // ---------------------------------------------------------------------------------------
    // Conditions and Boolean values

    /// A condition that is always true. Default: `(1 = 1)`.
    fn true_condition(&self) -> String {
        "(1 = 1)".to_owned()
    }

    /// A condition that is always false. Default: `(1 = 0)`.
    fn false_condition(&self) -> String {
        "(1 = 0)".to_owned()
    }

    /// A Boolean column or value used as a condition. Default: the value itself.
    fn bool_condition(&self, value: &str) -> String {
        value.to_owned()
    }

    /// A condition used as a Boolean value (true, false or null), e.g. to compare it. Default:
    /// the condition itself.
    fn bool_value(&self, condition: &str) -> String {
        condition.to_owned()
    }

    /// A condition that is true when `condition` is true, and false when it is false or null.
    /// Default: `(condition) IS TRUE`.
    fn is_true(&self, condition: &str) -> String {
        format!("({condition}) IS TRUE")
    }

    /// Null-safe equality, never null: true when both sides are null or both are equal.
    /// Default: `(a IS NOT DISTINCT FROM b)`.
    fn null_safe_eq(&self, a: &str, b: &str) -> String {
        format!("({a} IS NOT DISTINCT FROM {b})")
    }

    // ---------------------------------------------------------------------------------------
    // Strings

    /// The escape character of LIKE patterns. Default: `\`.
    fn like_escape(&self) -> char {
        '\\'
    }

    /// The characters that are special in LIKE patterns (the escape character is escaped too).
    /// Default: `%` and `_`.
    fn like_wildcards(&self) -> &'static [char] {
        &['%', '_']
    }

    /// `subject` contains, starts with or ends with the string `literal`, case-sensitively;
    /// null when `subject` is null. `literal` is a value of the filter: bind it, never write
    /// it into the text. Default: `(subject LIKE $1 ESCAPE '\')` with `%`, `_` and `\` escaped
    /// in the bound pattern.
    fn text_match(
        &self,
        kind: TextMatch,
        subject: &str,
        literal: &str,
        params: &mut Params,
    ) -> Result<String, Error> {
        let esc = self.like_escape();
        let pattern = like_pattern(kind, literal, esc, self.like_wildcards());
        let p = params.bind(SqlValue::Text(pattern), SqlType::Text);
        Ok(format!(
            "({subject} LIKE {p} ESCAPE {})",
            string_literal(&esc.to_string())
        ))
    }

    /// The number of characters of `s`. Default: `CHAR_LENGTH(s)`.
    fn char_length(&self, s: &str) -> String {
        format!("CHAR_LENGTH({s})")
    }

    /// The 1-based character position of the first `sub` in `s`; 0 when absent, 1 when `sub`
    /// is empty, null when either is null. Default: `POSITION(sub IN s)`.
    fn position(&self, sub: &str, s: &str) -> String {
        format!("POSITION({sub} IN {s})")
    }

    /// The characters of `s` from the 1-based position `start` (at least 1), `len` of them
    /// (at least 0) or all. Both are 32-bit integers. Default: `SUBSTRING(s FROM start FOR
    /// len)`.
    fn substring(&self, s: &str, start: &str, len: Option<&str>) -> String {
        match len {
            Some(len) => format!("SUBSTRING({s} FROM {start} FOR {len})"),
            None => format!("SUBSTRING({s} FROM {start})"),
        }
    }

    /// An integer expression, or text of decimal digits (a calendar field of a stored
    /// instant), as a 32-bit integer (its value is known to fit). Default: `CAST(x AS INTEGER)`.
    fn to_int32(&self, x: &str) -> String {
        format!("CAST({x} AS INTEGER)")
    }

    /// `s` in lower case (`upper` false) or upper case by Unicode's default full case
    /// mapping, as `tolower` and `toupper` mean it (`Straße` upper is `STRASSE`, a word-final
    /// `Σ` lowers to `ς`), compared in code point order; `None` where the database has no
    /// function that maps exactly so: the translation then refuses the call with its position.
    /// Default: `None`, since `LOWER` and `UPPER` in MySQL, MariaDB and SQL Server use Unicode's
    /// simple mappings (`ß` stays `ß`, `Σ` always lowers to `σ`).
    fn case_map(&self, s: &str, upper: bool) -> Option<String> {
        let _ = (s, upper);
        None
    }

    /// The greatest whole number not above the number `x` (an integer, a decimal or a double
    /// as this dialect holds it), exactly. Default: `FLOOR(x)`.
    fn floor(&self, x: &str) -> String {
        format!("FLOOR({x})")
    }

    /// The least whole number not below the number `x`, exactly. Default: `CEILING(x)`.
    fn ceiling(&self, x: &str) -> String {
        format!("CEILING({x})")
    }

    /// The whole number nearest to the number `x`, halves away from zero. Default: from
    /// [`floor`](Dialect::floor) and [`ceiling`](Dialect::ceiling), comparing the fraction with
    /// 0.5 (`x - FLOOR(x)` is exact for a double), since `ROUND` of a double rounds halves to
    /// even in some databases (MySQL says it depends on the C library).
    fn round(&self, x: &str) -> String {
        let (f, c) = (self.floor(x), self.ceiling(x));
        format!(
            "(CASE WHEN {x} >= 0 THEN (CASE WHEN {x} - {f} >= 0.5 THEN {c} ELSE {f} END) \
             ELSE (CASE WHEN {c} - {x} >= 0.5 THEN {f} ELSE {c} END) END)"
        )
    }

    /// `s` without leading and trailing U+0020 spaces. Default: `TRIM(BOTH ' ' FROM s)`.
    fn trim_spaces(&self, s: &str) -> String {
        format!("TRIM(BOTH ' ' FROM {s})")
    }

    /// `a` followed by `b`; null when either is null. Default: `(a || b)`.
    fn concat(&self, a: &str, b: &str) -> String {
        format!("({a} || {b})")
    }

    // ---------------------------------------------------------------------------------------
    // ---------------------------------------------------------------------------------------
    // Collections (JSON arrays)

    /// A `FROM` item named `alias` with one row per element of the JSON array found at `path`
    /// (object keys) inside the JSON `container`; no rows when there is none. Default: refused.
    fn json_elements(&self, container: &str, path: &[&str], alias: &str) -> Result<String, Error> {
        let _ = (container, path, alias);
        Err(Error::unsupported(
            self.name(),
            "lambda operators (any, all) over collections",
        ))
    }

    /// The JSON of the current element of the [`json_elements`](Dialect::json_elements) item
    /// `alias`, as a container for nested lookups. Default: refused.
    fn json_element(&self, alias: &str) -> Result<String, Error> {
        let _ = alias;
        Err(Error::unsupported(
            self.name(),
            "lambda operators (any, all) over collections",
        ))
    }

    /// The scalar at `path` (object keys; empty for the element itself) inside the current
    /// element of `alias`, as a value of SQL type `ty`; null when it is missing or JSON null.
    /// Default: refused.
    fn json_value(&self, alias: &str, path: &[&str], ty: SqlType) -> Result<String, Error> {
        let _ = (alias, path, ty);
        Err(Error::unsupported(
            self.name(),
            "lambda operators (any, all) over collections",
        ))
    }

    /// A `FROM` item named `alias` with one row per element of the native array `column`
    /// ([`SqlType::TextArray`], [`IntArray`](SqlType::IntArray),
    /// [`BoolArray`](SqlType::BoolArray)); no rows when it is null. Default: refused.
    fn native_array_elements(&self, column: &str, alias: &str) -> Result<String, Error> {
        let _ = (column, alias);
        Err(Error::unsupported(
            self.name(),
            "lambda operators (any, all) over native arrays",
        ))
    }

    /// The current element of the [`native_array_elements`](Dialect::native_array_elements)
    /// item `alias`. Default: refused.
    fn native_array_element(&self, alias: &str) -> Result<String, Error> {
        let _ = alias;
        Err(Error::unsupported(
            self.name(),
            "lambda operators (any, all) over native arrays",
        ))
    }

    // ---------------------------------------------------------------------------------------
    // Ordering and paging

    /// One `ORDER BY` item: `expr` ascending or descending, with null as the smallest value
    /// (first when ascending, last when descending). Default: `expr ASC NULLS FIRST` /
    /// `expr DESC NULLS LAST`.
    fn order_key(&self, expr: &str, descending: bool) -> String {
        if descending {
            format!("{expr} DESC NULLS LAST")
        } else {
            format!("{expr} ASC NULLS FIRST")
        }
    }

    /// The key of a `CREATE INDEX` column list that orders `column` as
    /// [`order_key`](Dialect::order_key) does, so that an index serves `ORDER BY`; `None` when
    /// the dialect cannot index that order (MySQL and SQL Server order by a `CASE` key, and
    /// bound index keys), and the table then gets no index in the default order. Default:
    /// `None`.
    fn index_key(&self, column: &str, descending: bool) -> Option<String> {
        let _ = (column, descending);
        None
    }

    /// The paging clause after `ORDER BY`, from placeholders for the row limit and the number
    /// of rows to skip (either may be absent, not both). Default: `LIMIT l OFFSET o`.
    fn limit_offset(&self, limit: Option<&str>, offset: Option<&str>) -> String {
        match (limit, offset) {
            (Some(l), Some(o)) => format!("LIMIT {l} OFFSET {o}"),
            (Some(l), None) => format!("LIMIT {l}"),
            (None, Some(o)) => format!("OFFSET {o}"),
            (None, None) => String::new(),
        }
    }
}

/// The dialect called `name`: `postgres` or `postgresql`, `sqlite`, `mysql`, `mariadb`,
/// `mssql` or `sqlserver` (case-insensitive).
///
/// ```
/// use odata_filter::sql::dialect_from_str;
///
/// assert_eq!(dialect_from_str("PostgreSQL").unwrap().name(), "postgres");
/// assert!(dialect_from_str("oracle").is_none());
/// ```
pub fn dialect_from_str(name: &str) -> Option<Box<dyn Dialect>> {
    let name = name.to_ascii_lowercase();
    Some(match name.as_str() {
        "postgres" | "postgresql" => Box::new(PostgresDialect),
        "sqlite" => Box::new(SqliteDialect),
        "mysql" => Box::new(MySqlDialect),
        "mariadb" => Box::new(MariaDbDialect),
        "mssql" | "sqlserver" => Box::new(MsSqlDialect),
        _ => return None,
    })
}

/// `s` as an SQL string literal: in single quotes, with `'` doubled.
pub(crate) fn string_literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// A JSON path `$."a"."b"` (SQL/JSON and SQLite syntax) to the object keys `path`; `$` when
/// `path` is empty. Write it into SQL with [`string_literal`].
pub(crate) fn json_path(path: &[&str]) -> String {
    let mut p = String::from("$");
    for key in path {
        p.push_str(".\"");
        p.push_str(&key.replace('\\', "\\\\").replace('"', "\\\""));
        p.push('"');
    }
    p
}

/// The LIKE pattern for `kind` and `literal`: `%`-wrapped as needed, with `esc` and every
/// wildcard in `literal` preceded by `esc`.
pub(crate) fn like_pattern(
    kind: TextMatch,
    literal: &str,
    esc: char,
    wildcards: &[char],
) -> String {
    let mut pattern = String::with_capacity(literal.len() + 4);
    if kind != TextMatch::StartsWith {
        pattern.push('%');
    }
    for c in literal.chars() {
        if c == esc || wildcards.contains(&c) {
            pattern.push(esc);
        }
        pattern.push(c);
    }
    if kind != TextMatch::EndsWith {
        pattern.push('%');
    }
    pattern
}
