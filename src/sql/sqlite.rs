//! SQLite: the [`SqliteDialect`], and with the `rusqlite` feature, helpers to store and query.
//!
//! SQLite's `LIKE` ignores ASCII case, so text matches use `GLOB`, which is case-sensitive and
//! whose prefix form `x GLOB 'abc*'` is still an index range. Booleans are integers 0/1; a
//! Double column is declared `NUMERIC`, keeping integers as integers and reals as reals, which
//! SQLite compares exactly. SQLite has no exact decimal type: a Decimal is kept as an integer
//! when whole, otherwise as the float whose shortest decimal it is, and decimals no float
//! stands for are refused (see [`Dialect::exact_decimals`]). `lower`/`upper` fold ASCII letters
//! only (unless the ICU extension is loaded, which this crate does not do). Needs SQLite 3.30
//! or later (`NULLS FIRST`).
//! See <https://www.sqlite.org/lang.html>.

use super::dialect::{string_literal, Dialect, TextMatch};
use super::error::Error;
use super::params::{Params, SqlType, SqlValue};
use crate::value::Decimal;

/// SQLite, 3.30 or later, with the JSON functions (built in since 3.38).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SqliteDialect;

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

    fn ascii_lower(&self, s: &str) -> String {
        format!("lower({s})")
    }

    fn ascii_upper(&self, s: &str) -> String {
        format!("upper({s})")
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
    string_literal(&super::dialect::json_path(path))
}

#[cfg(feature = "rusqlite")]
pub use driver::*;

#[cfg(feature = "rusqlite")]
mod driver {
    use super::SqliteDialect;
    use crate::query::Query;
    use crate::schema::EntitySchema;
    use crate::sql::driver::{insert_each, parse_documents};
    use crate::sql::error::Error;
    use crate::sql::params::SqlValue;
    use rusqlite::types::{ToSql, ToSqlOutput};
    use rusqlite::Connection;

    impl ToSql for SqlValue {
        fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
            Ok(match self {
                SqlValue::Null => ToSqlOutput::from(rusqlite::types::Null),
                SqlValue::Bool(b) => ToSqlOutput::from(*b),
                SqlValue::Int(i) => ToSqlOutput::from(*i),
                SqlValue::Float(x) => ToSqlOutput::from(*x),
                // SQLite has no exact decimal type. `SqliteDialect` never binds one: it binds
                // the float that stands for a decimal, or refuses the decimal.
                SqlValue::Decimal(d) => {
                    return Err(rusqlite::Error::ToSqlConversionFailure(
                        format!(
                            "the exact decimal {} cannot be bound to SQLite, which would round \
                             it; translate with SqliteDialect",
                            crate::decimal::text(d)
                        )
                        .into(),
                    ))
                }
                SqlValue::Text(t) => ToSqlOutput::from(t.as_str()),
            })
        }
    }

    /// The driver's error, kept as the source.
    fn db(e: rusqlite::Error) -> Error {
        Error::database(e.to_string(), e)
    }

    /// Creates the table for `schema`, named after its entity set (e.g. `MachineActions`),
    /// with its indexes.
    pub fn create_table(conn: &Connection, schema: &EntitySchema) -> Result<(), Error> {
        for stmt in crate::sql::create_table_sql(schema, schema.entity_set(), &SqliteDialect)? {
            conn.execute(&stmt, []).map_err(db)?;
        }
        Ok(())
    }

    /// Inserts records, each given as the text of one JSON object, under one savepoint;
    /// returns how many. Nothing is inserted when one of them cannot be stored.
    ///
    /// The savepoint nests in the caller's transaction when there is one (pass a
    /// `rusqlite::Transaction`, which derefs to the connection): the records are then
    /// committed or rolled back with it. Otherwise it is a transaction of its own.
    pub fn insert_records<I, S>(
        conn: &Connection,
        schema: &EntitySchema,
        records: I,
    ) -> Result<usize, Error>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        conn.execute_batch("SAVEPOINT odata_filter_insert")
            .map_err(db)?;
        let inserted = insert_each(schema, records, &SqliteDialect, |q| {
            let mut stmt = conn.prepare_cached(&q.sql).map_err(db)?;
            stmt.execute(rusqlite::params_from_iter(&q.params))
                .map(drop)
                .map_err(db)
        });
        let end = match inserted {
            Ok(_) => "RELEASE odata_filter_insert",
            Err(_) => "ROLLBACK TO odata_filter_insert; RELEASE odata_filter_insert",
        };
        let ended = conn.execute_batch(end).map_err(db);
        let n = inserted?;
        ended?;
        Ok(n)
    }

    /// The JSON text of the records `query` selects, in order, exactly as inserted.
    pub fn query_text(
        conn: &Connection,
        schema: &EntitySchema,
        query: &Query,
    ) -> Result<Vec<String>, Error> {
        let q = crate::sql::select(query, schema, schema.entity_set(), &SqliteDialect)?;
        let mut stmt = conn.prepare(&q.sql).map_err(db)?;
        let rows = stmt
            .query_map(rusqlite::params_from_iter(&q.params), |row| row.get(0))
            .map_err(db)?;
        rows.collect::<Result<Vec<String>, _>>().map_err(db)
    }

    /// The records `query` selects, in order, parsed from their stored JSON text.
    pub fn query(
        conn: &Connection,
        schema: &EntitySchema,
        query: &Query,
    ) -> Result<Vec<serde_json::Value>, Error> {
        parse_documents(query_text(conn, schema, query)?)
    }

    /// The number of records `query`'s filter matches.
    pub fn count(conn: &Connection, schema: &EntitySchema, query: &Query) -> Result<u64, Error> {
        let q = crate::sql::count(query, schema, schema.entity_set(), &SqliteDialect)?;
        let n: i64 = conn
            .query_row(&q.sql, rusqlite::params_from_iter(&q.params), |row| {
                row.get(0)
            })
            .map_err(db)?;
        Ok(u64::try_from(n).unwrap_or(0))
    }
}
