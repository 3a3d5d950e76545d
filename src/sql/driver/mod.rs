//! The database drivers, each behind its feature, and what their helpers share: inserting
//! records one statement each, reading stored documents back, and the parameter values of the
//! databases without an exact decimal type.
#![cfg_attr(
    not(any(
        feature = "rusqlite",
        feature = "postgres",
        feature = "tokio-postgres",
        feature = "sqlx-sqlite",
        feature = "sqlx-postgres",
        feature = "sqlx-mysql"
    )),
    allow(dead_code)
)]

#[cfg(feature = "pg-types")]
mod pg_client;
#[cfg(feature = "pg-wire")]
mod pg_types;
#[cfg(feature = "postgres")]
pub mod postgres;
#[cfg(feature = "rusqlite")]
pub mod rusqlite;
#[cfg(any(
    feature = "sqlx-sqlite",
    feature = "sqlx-postgres",
    feature = "sqlx-mysql"
))]
pub mod sqlx;
#[cfg(feature = "tokio-postgres")]
pub mod tokio_postgres;

use super::dialect::Dialect;
use super::error::{Error, ErrorKind};
use super::params::SqlQuery;
#[cfg(any(feature = "rusqlite", feature = "sqlx-sqlite", feature = "sqlx-mysql"))]
use super::params::SqlValue;
use crate::schema::EntitySchema;

#[cfg(any(feature = "rusqlite", feature = "sqlx-sqlite", feature = "sqlx-mysql"))]
/// A parameter as SQLite, MySQL and MariaDB take it: Booleans as the integers 0 and 1.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Plain<'a> {
    /// `NULL`.
    Null,
    /// A 64-bit integer.
    Int(i64),
    /// A 64-bit float.
    Real(f64),
    /// UTF-8 text.
    Text(&'a str),
    /// The value of a native column (`DATETIME(6)`, `DATE`, `TIME(6)`, `UUID`) as the text
    /// MySQL and MariaDB read it from exactly (`2024-01-05 10:00:00.000001`). SQLite has no
    /// such columns: its drivers refuse these.
    Native(String),
}

#[cfg(any(feature = "rusqlite", feature = "sqlx-sqlite", feature = "sqlx-mysql"))]
/// `value` for `database`, which has no exact decimal type: an exact decimal is refused, since
/// binding it as a float would round it (the dialects of such databases never bind one: they
/// bind the float that stands for a decimal, or refuse the decimal), and so is what no column
/// of these databases holds (an interval, an array) or a time finer than their microseconds.
/// A new [`SqlValue`] variant gets its arm here, for every driver of these databases at once.
pub(crate) fn plain<'a>(value: &'a SqlValue, database: &str) -> Result<Plain<'a>, String> {
    Ok(match value {
        SqlValue::Null => Plain::Null,
        SqlValue::Bool(b) => Plain::Int(i64::from(*b)),
        SqlValue::Int(i) => Plain::Int(*i),
        SqlValue::Float(x) => Plain::Real(*x),
        SqlValue::Decimal(d) => {
            return Err(format!(
                "the exact decimal {} cannot be bound to {database}, which would round it; \
                 translate with that database's dialect",
                crate::decimal::text(d)
            ))
        }
        SqlValue::Text(t) => Plain::Text(t),
        SqlValue::Timestamp(t) => {
            whole_micros(t.timestamp_subsec_nanos())?;
            Plain::Native(t.format("%Y-%m-%d %H:%M:%S%.6f").to_string())
        }
        SqlValue::Date(d) => Plain::Native(super::storage::date_text(*d)),
        SqlValue::Time(t) => {
            whole_micros(chrono::Timelike::nanosecond(t))?;
            Plain::Native(t.format("%H:%M:%S%.6f").to_string())
        }
        SqlValue::Uuid(g) => Plain::Native(crate::edm::guid::format(*g)),
        SqlValue::Interval(_) | SqlValue::Array(_) => {
            return Err(format!("{value:?} has no column type in {database}"))
        }
    })
}

#[cfg(any(feature = "rusqlite", feature = "sqlx-sqlite"))]
/// [`plain`] for SQLite, which has no native date, time or UUID columns (its dialect never
/// binds such values).
pub(crate) fn sqlite_plain(value: &SqlValue) -> Result<Plain<'_>, String> {
    match plain(value, "SQLite")? {
        Plain::Native(_) => Err(format!(
            "{value:?} is for a native column, which SQLite has not"
        )),
        p => Ok(p),
    }
}

#[cfg(feature = "sqlx-mysql")]
/// [`plain`] for MySQL and MariaDB.
pub(crate) fn mysql_plain(value: &SqlValue) -> Result<Plain<'_>, String> {
    plain(value, "MySQL")
}

/// The whole microseconds in `nanos` (below one second), or why it is not whole: the native
/// time columns keep microseconds, and a driver never rounds a finer value into one.
pub(crate) fn whole_micros(nanos: u32) -> Result<u32, String> {
    if nanos % 1_000 != 0 {
        return Err(format!(
            "{nanos} ns is not a whole number of microseconds, which a native column would round"
        ));
    }
    Ok(nanos / 1_000)
}

#[cfg(any(feature = "rusqlite", feature = "postgres"))]
/// Runs the `INSERT` of each record (the text of one JSON object) into `schema`'s table with
/// `execute`, in order; returns how many. A record that cannot be stored fails with its
/// position, before anything runs for it.
pub(crate) fn insert_each<I, S>(
    schema: &EntitySchema,
    records: I,
    dialect: &dyn Dialect,
    mut execute: impl FnMut(&SqlQuery) -> Result<(), Error>,
) -> Result<usize, Error>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let mut n = 0;
    for (i, record) in records.into_iter().enumerate() {
        execute(&insert_statement(schema, i, record.as_ref(), dialect)?)?;
        n += 1;
    }
    Ok(n)
}

#[cfg(any(
    feature = "tokio-postgres",
    feature = "sqlx-sqlite",
    feature = "sqlx-postgres",
    feature = "sqlx-mysql"
))]
/// The `INSERT` of every record, in order, for the async drivers (which cannot run a
/// statement inside [`insert_each`]'s closure): all made before any runs.
pub(crate) fn insert_statements<I, S>(
    schema: &EntitySchema,
    records: I,
    dialect: &dyn Dialect,
) -> Result<Vec<SqlQuery>, Error>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    records
        .into_iter()
        .enumerate()
        .map(|(i, record)| insert_statement(schema, i, record.as_ref(), dialect))
        .collect()
}

/// The `INSERT` of record number `i` (from 0) into `schema`'s table; an error names `i`.
fn insert_statement(
    schema: &EntitySchema,
    i: usize,
    record: &str,
    dialect: &dyn Dialect,
) -> Result<SqlQuery, Error> {
    super::insert_sql(schema, schema.entity_set(), record, dialect).map_err(|e| match e.kind() {
        ErrorKind::Record { why } => Error::new(ErrorKind::Record {
            why: format!("record {i}: {why}"),
        }),
        _ => e,
    })
}

/// The stored `_doc` texts, parsed.
pub(crate) fn parse_documents(texts: Vec<String>) -> Result<Vec<serde_json::Value>, Error> {
    texts
        .iter()
        .map(|t| {
            serde_json::from_str(t).map_err(|e| {
                Error::new(ErrorKind::Database {
                    message: format!("stored _doc is not JSON: {e}"),
                })
            })
        })
        .collect()
}
