//! The SQL side: tables, inserts, and checked queries run as SQL (TEMPORARY stand-in).
//!
//! TEMPORARY: until `odata_filter::sql` lands on main, records are kept as JSON text and
//! queries are applied in memory with `Query::apply`. This module is the only place that will
//! change when the crate's SQL pushdown arrives.

use odata_filter::query::Query;
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::Value;

use super::seed::Kind;

/// Errors of the store.
#[derive(Debug)]
pub enum StoreError {
    /// SQLite failed.
    Sqlite(rusqlite::Error),
    /// A record could not be stored or read back.
    Record(String),
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::Sqlite(e) => write!(f, "sqlite: {e}"),
            StoreError::Record(e) => write!(f, "record: {e}"),
        }
    }
}

impl std::error::Error for StoreError {}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> StoreError {
        StoreError::Sqlite(e)
    }
}

impl StoreError {
    /// Whether this is a violated UNIQUE or PRIMARY KEY constraint.
    pub fn is_unique_violation(&self) -> bool {
        matches!(
            self,
            StoreError::Sqlite(rusqlite::Error::SqliteFailure(e, _))
                if e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                    || e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
        )
    }
}

/// The table of `kind`.
pub fn table(kind: Kind) -> &'static str {
    kind.entity_set()
}

/// Creates the tables and indexes of every kind.
pub fn create_tables(conn: &Connection) -> Result<(), StoreError> {
    for kind in Kind::ALL {
        conn.execute_batch(&format!(
            "CREATE TABLE \"{}\" (id TEXT PRIMARY KEY, record TEXT NOT NULL)",
            table(kind)
        ))?;
    }
    Ok(())
}

/// Inserts `records` of `kind`; a record whose key exists is an error.
pub fn insert(conn: &Connection, kind: Kind, records: &[Value]) -> Result<(), StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "INSERT INTO \"{}\" (id, record) VALUES (?1, ?2)",
        table(kind)
    ))?;
    let key = kind.schema().key();
    for r in records {
        let id = r[key]
            .as_str()
            .ok_or_else(|| StoreError::Record(format!("no string key {key}")))?;
        stmt.execute(params![id, r.to_string()])?;
    }
    Ok(())
}

/// Whether a record of `kind` with key `id` exists.
pub fn exists(conn: &Connection, kind: Kind, id: &str) -> Result<bool, StoreError> {
    Ok(conn
        .query_row(
            &format!("SELECT 1 FROM \"{}\" WHERE id = ?1", table(kind)),
            [id],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

/// All records of `kind`.
fn all(conn: &Connection, kind: Kind) -> Result<Vec<Value>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!("SELECT record FROM \"{}\"", table(kind)))?;
    let rows = stmt.query_map([], |row| row.get::<_, String>(0))?;
    let mut out = Vec::new();
    for text in rows {
        out.push(serde_json::from_str(&text?).map_err(|e| StoreError::Record(e.to_string()))?);
    }
    Ok(out)
}

/// The records of `kind` that `query` selects: filtered, ordered (the schema's default order
/// without `$orderby`), skipped, limited and projected.
pub fn select(conn: &Connection, kind: Kind, query: &Query) -> Result<Vec<Value>, StoreError> {
    Ok(query.apply(kind.schema(), all(conn, kind)?).records)
}

/// The number of records of `kind` that match the filter of `query` (`$skip`, `$top` ignored).
pub fn count(conn: &Connection, kind: Kind, query: &Query) -> Result<u64, StoreError> {
    let counting = Query {
        filter: query.filter.clone(),
        count: true,
        ..Query::default()
    };
    let applied = counting.apply(kind.schema(), all(conn, kind)?);
    Ok(applied.count.unwrap_or(0) as u64)
}
