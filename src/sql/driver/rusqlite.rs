//! The `rusqlite` driver: [`SqlValue`] as `rusqlite::ToSql`, the SQL functions the SQLite
//! dialect calls, and helpers that create the crate's table, insert records and run queries.
//!
//! SQLite's `lower` and `upper` change ASCII letters only, and its `round` is inexact, so
//! `tolower`, `toupper`, `round`, `floor` and `ceiling` become calls of the crate's own
//! `odata_lower`, `odata_upper`, `odata_round`, `odata_floor` and `odata_ceiling`, which
//! [`register_functions`] adds to a connection. The helpers here register them themselves; an application that runs the SQL of
//! [`sql::where_clause`](crate::sql::where_clause) or [`sql::select`](crate::sql::select) on a
//! connection of its own calls [`register_functions`] once per connection (a connection without
//! them fails with `no such function: odata_lower`).
//!
//! These block the calling thread. Async code calls them on a blocking thread
//! (`tokio::task::spawn_blocking`, with the connection moved in or behind a `Mutex`), or uses
//! the `sqlx-sqlite` feature ([`sql::sqlx`](crate::sql)) instead:
//!
//! ```no_run
//! use std::sync::{Arc, Mutex};
//! use odata_filter::{ir::Query, schema::EntitySchema, sql};
//!
//! async fn records(
//!     conn: Arc<Mutex<rusqlite::Connection>>,
//!     schema: Arc<EntitySchema>,
//!     query: Query,
//! ) -> Result<Vec<serde_json::Value>, Box<dyn std::error::Error>> {
//!     let records = tokio::task::spawn_blocking(move || {
//!         let conn = conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
//!         sql::rusqlite::query(&conn, &schema, &query)
//!     })
//!     .await??;
//!     Ok(records)
//! }
//! ```

use crate::edm::number::Whole;
use crate::edm::string::case_map;
use crate::ir::Query;
use crate::schema::EntitySchema;
use crate::sql::dialect::{
    SQLITE_CEILING, SQLITE_FLOOR, SQLITE_FUNCTIONS, SQLITE_LOWER, SQLITE_ROUND, SQLITE_UPPER,
};
use crate::sql::driver::{insert_each, parse_documents, sqlite_plain, Plain};
use crate::sql::error::Error;
use crate::sql::params::SqlValue;
use crate::sql::SqliteDialect;
use rusqlite::functions::{Context, FunctionFlags};
use rusqlite::types::{ToSql, ToSqlOutput, Value as SqliteValue, ValueRef};
use rusqlite::Connection;
use std::borrow::Cow;

impl ToSql for SqlValue {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        let plain =
            sqlite_plain(self).map_err(|e| rusqlite::Error::ToSqlConversionFailure(e.into()))?;
        Ok(match plain {
            Plain::Null => ToSqlOutput::from(rusqlite::types::Null),
            Plain::Int(i) => ToSqlOutput::from(i),
            Plain::Real(x) => ToSqlOutput::from(x),
            Plain::Text(t) => ToSqlOutput::from(t),
            Plain::Native(t) => ToSqlOutput::from(t),
        })
    }
}

/// The driver's error, kept as the source.
fn db(e: rusqlite::Error) -> Error {
    Error::database(e.to_string(), e)
}

/// Adds to `conn` the SQL functions that the SQLite dialect's SQL calls: `odata_lower(s)` and
/// `odata_upper(s)`, Unicode's default full case mapping (what `tolower` and `toupper` mean in
/// the evaluator; `odata_upper('Straße')` is `'STRASSE'`), and `odata_round(x)`,
/// `odata_floor(x)` and `odata_ceiling(x)`, exact (SQLite's `round` adds 0.5, so it rounds
/// 0.49999999999999994 to 1, and its `floor` needs its math functions compiled in).
/// Deterministic, so they may appear in indexes on expressions; null, and any value of
/// another kind, gives null. Registering again replaces them.
///
/// ```
/// let conn = rusqlite::Connection::open_in_memory()?;
/// odata_filter::sql::rusqlite::register_functions(&conn)?;
/// let s: String = conn.query_row("SELECT odata_upper('Straße')", [], |r| r.get(0))?;
/// assert_eq!(s, "STRASSE");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn register_functions(conn: &Connection) -> Result<(), Error> {
    let flags = FunctionFlags::SQLITE_UTF8
        | FunctionFlags::SQLITE_DETERMINISTIC
        | FunctionFlags::SQLITE_INNOCUOUS;
    for (name, upper) in [(SQLITE_LOWER, false), (SQLITE_UPPER, true)] {
        conn.create_scalar_function(name, 1, flags, move |ctx: &Context<'_>| {
            Ok(match ctx.get_raw(0) {
                ValueRef::Text(bytes) => match std::str::from_utf8(bytes) {
                    Ok(s) => Some(case_map(Cow::Borrowed(s), upper).into_owned()),
                    Err(_) => None,
                },
                _ => None,
            })
        })
        .map_err(db)?;
    }
    let whole = [
        (SQLITE_ROUND, Whole::Round),
        (SQLITE_FLOOR, Whole::Floor),
        (SQLITE_CEILING, Whole::Ceiling),
    ];
    for (name, whole) in whole {
        conn.create_scalar_function(name, 1, flags, move |ctx: &Context<'_>| {
            Ok(match ctx.get_raw(0) {
                ValueRef::Integer(i) => SqliteValue::Integer(i),
                ValueRef::Real(x) => SqliteValue::Real(whole.of_double(x)),
                _ => SqliteValue::Null,
            })
        })
        .map_err(db)?;
    }
    Ok(())
}

/// Registers the functions when `sql` calls one of them (registering replaces a function,
/// which makes SQLite recompile the connection's cached statements).
fn register_functions_for(conn: &Connection, sql: &str) -> Result<(), Error> {
    if SQLITE_FUNCTIONS.iter().any(|name| sql.contains(name)) {
        register_functions(conn)?;
    }
    Ok(())
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
    register_functions_for(conn, &q.sql)?;
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
    register_functions_for(conn, &q.sql)?;
    let n: i64 = conn
        .query_row(&q.sql, rusqlite::params_from_iter(&q.params), |row| {
            row.get(0)
        })
        .map_err(db)?;
    Ok(u64::try_from(n).unwrap_or(0))
}
