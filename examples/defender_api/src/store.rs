//! The SQL side: tables, inserts and checked queries, all through `odata_filter::sql`.
//!
//! Each entity set is one table laid out by `odata_filter::sql::rusqlite::create_table` (named
//! after the entity set; one column per scalar field, JSON columns for collections, and the
//! record's JSON text in `_doc`). Filters, order and paging run in SQLite:
//! `odata_filter::sql::rusqlite::query` and `count` render the checked query as parameterized
//! SQL. Only `$select` is applied here, to the few rows SQLite returns, because the SQL layer
//! returns whole documents.
//!
//! Besides the crate's indexes (one per filterable column, and one in the full default order,
//! e.g. `creationDateTimeUtc DESC, id, _id`, from which unfiltered pages are read), the server
//! adds
//! - a unique index on each table's key (`id`): the crate's tables do not enforce keys;
//! - on MachineActions, the default order led by `machineId`, `type` and `status` ("the latest
//!   actions of a machine"), so that filtered pages come off an index instead of a sort;
//! - `Alerts (machineId)`: `/machines/{id}/alerts/$count` (machineId is not client-filterable,
//!   so the crate does not index it);
//! - a unique partial index on `MachineActions (machineId)` for collections that are `Pending`
//!   or `InProgress`, so that at most one can exist per machine, whatever writes the file.

use std::ops::ControlFlow;

use odata_filter::query::Query;
use odata_filter::schema::EntitySchema;
use odata_filter::sql;
use rusqlite::Connection;
use serde_json::Value;

use crate::entities::Kind;

/// Errors of the store.
#[derive(Debug)]
pub enum StoreError {
    /// The SQL layer refused the query or record, or the database failed under it.
    Sql(sql::Error),
    /// SQLite failed on a statement run here.
    Sqlite(rusqlite::Error),
    /// A stored document is not JSON.
    Document(serde_json::Error),
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::Sql(e) => write!(f, "sql: {e}"),
            StoreError::Sqlite(e) => write!(f, "sqlite: {e}"),
            StoreError::Document(e) => write!(f, "a stored document is not JSON: {e}"),
        }
    }
}

impl std::error::Error for StoreError {}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> StoreError {
        StoreError::Sqlite(e)
    }
}

impl From<sql::Error> for StoreError {
    fn from(e: sql::Error) -> StoreError {
        StoreError::Sql(e)
    }
}

impl StoreError {
    /// SQLite's error under this one, if SQLite failed: the error itself, or the source of
    /// the SQL layer's.
    fn sqlite_error(&self) -> Option<&rusqlite::ffi::Error> {
        let e = match self {
            StoreError::Sqlite(e) => e,
            StoreError::Sql(e) => {
                std::error::Error::source(e)?.downcast_ref::<rusqlite::Error>()?
            }
            StoreError::Document(_) => return None,
        };
        e.sqlite_error()
    }

    /// SQLite's error code, if SQLite failed.
    pub fn sqlite_code(&self) -> Option<rusqlite::ErrorCode> {
        self.sqlite_error().map(|e| e.code)
    }

    /// Whether this is an insert that violated a UNIQUE or PRIMARY KEY constraint.
    pub fn is_unique_violation(&self) -> bool {
        self.sqlite_error().is_some_and(|e| {
            e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                || e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
        })
    }
}

/// The table of `kind`: its entity set name, as `sql::rusqlite::create_table` names it.
pub fn table(kind: Kind) -> &'static str {
    kind.entity_set()
}

/// `name` as an SQLite identifier.
fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The column of `kind`'s field `field`.
fn column(kind: Kind, field: &str) -> String {
    let schema = kind.schema();
    quoted(schema.lookup(field).map_or(field, |f| f.column()))
}

/// The index columns of `kind`'s default order as `sql::select` sorts (and the crate's
/// default-order index holds them): the default-order fields, the key, then `_id`.
fn default_order(kind: Kind) -> String {
    let schema = kind.schema();
    let mut items: Vec<String> = schema
        .default_order()
        .iter()
        .map(|(name, desc)| {
            let direction = if *desc { "DESC" } else { "ASC" };
            format!("{} {direction}", column(kind, name))
        })
        .collect();
    items.push(column(kind, schema.key()));
    items.push(quoted("_id"));
    items.join(", ")
}

/// Creates the tables and indexes of every kind.
pub fn create_tables(conn: &Connection) -> Result<(), StoreError> {
    for kind in Kind::ALL {
        sql::rusqlite::create_table(conn, kind.schema())?;
    }
    for kind in Kind::ALL {
        let key = kind.schema().key();
        conn.execute_batch(&format!(
            "CREATE UNIQUE INDEX {} ON {} ({})",
            quoted(&format!("{}_key", table(kind))),
            quoted(table(kind)),
            column(kind, key)
        ))?;
    }
    let actions = table(Kind::MachineAction);
    for lead in ["machineId", "type", "status"] {
        conn.execute_batch(&format!(
            "CREATE INDEX {} ON {} ({}, {})",
            quoted(&format!("{actions}_by_{lead}")),
            quoted(actions),
            column(Kind::MachineAction, lead),
            default_order(Kind::MachineAction)
        ))?;
    }
    conn.execute_batch(&format!(
        "CREATE UNIQUE INDEX \"MachineActions_one_running_collection\" ON {actions} ({machine})
             WHERE {kind} = 'CollectInvestigationPackage' AND {status} IN ('Pending', 'InProgress');
         CREATE INDEX \"Alerts_by_machine\" ON {alerts} ({alert_machine});",
        actions = quoted(actions),
        machine = column(Kind::MachineAction, "machineId"),
        kind = column(Kind::MachineAction, "type"),
        status = column(Kind::MachineAction, "status"),
        alerts = quoted(table(Kind::Alert)),
        alert_machine = column(Kind::Alert, "machineId"),
    ))?;
    Ok(())
}

/// Inserts `records` of `kind` in the caller's transaction.
pub fn insert(conn: &Connection, kind: Kind, records: &[Value]) -> Result<(), StoreError> {
    sql::rusqlite::insert_records(conn, kind.schema(), records.iter().map(Value::to_string))?;
    Ok(())
}

/// The records of `kind` that `query` selects: filtered, ordered (the schema's default order
/// without `$orderby`), skipped and limited by SQLite, then projected to `$select`.
pub fn select(conn: &Connection, kind: Kind, query: &Query) -> Result<Vec<Value>, StoreError> {
    let rows = sql::rusqlite::query(conn, kind.schema(), query)?;
    Ok(match query.select {
        Some(_) => rows.into_iter().map(|r| query.project(r)).collect(),
        None => rows,
    })
}

/// Hands `each` the JSON text of the records of `kind` that `query` selects, exactly as
/// stored, in order, one row at a time as SQLite steps (so a page is never held whole), until
/// the rows end or `each` breaks; `$select` is not applied. The statement is the crate's
/// `sql::select`, as `sql::rusqlite::query_text` runs it.
pub fn each_text<E: From<StoreError>>(
    conn: &Connection,
    kind: Kind,
    query: &Query,
    mut each: impl FnMut(String) -> Result<ControlFlow<()>, E>,
) -> Result<(), E> {
    let schema = kind.schema();
    let q =
        sql::select(query, schema, table(kind), &sql::SqliteDialect).map_err(StoreError::from)?;
    let mut stmt = conn.prepare(&q.sql).map_err(StoreError::from)?;
    let mut rows = stmt
        .query(rusqlite::params_from_iter(&q.params))
        .map_err(StoreError::from)?;
    while let Some(row) = rows.next().map_err(StoreError::from)? {
        let text: String = row.get(0).map_err(StoreError::from)?;
        if each(text)?.is_break() {
            break;
        }
    }
    Ok(())
}

/// The number of records of `kind` that match the filter of `query` (`$skip`, `$top` ignored).
pub fn count(conn: &Connection, kind: Kind, query: &Query) -> Result<u64, StoreError> {
    count_in(conn, kind.schema(), query)
}

/// [`count`] with a query checked against `schema`, a variant of a kind's schema over the
/// same table.
pub fn count_in(
    conn: &Connection,
    schema: &EntitySchema,
    query: &Query,
) -> Result<u64, StoreError> {
    Ok(sql::rusqlite::count(conn, schema, query)?)
}
