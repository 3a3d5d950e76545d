//! The synchronous `postgres` client: create the crate's table, insert records, run queries.
//!
//! These block the calling thread. Async code calls them on a blocking thread
//! (`tokio::task::spawn_blocking`), or uses the `tokio-postgres` feature
//! ([`sql::tokio_postgres`](crate::sql), the same helpers as async functions) or the
//! `sqlx-postgres` feature instead; a `postgres::Client` panics when used on a thread that runs
//! a tokio runtime (it runs one of its own):
//!
//! ```no_run
//! use std::sync::{Arc, Mutex};
//! use odata_filter::{ir::Query, schema::EntitySchema, sql};
//!
//! async fn records(
//!     client: Arc<Mutex<postgres::Client>>,
//!     schema: Arc<EntitySchema>,
//!     query: Query,
//! ) -> Result<Vec<serde_json::Value>, Box<dyn std::error::Error>> {
//!     let records = tokio::task::spawn_blocking(move || {
//!         let mut client = client.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
//!         sql::postgres::query(&mut *client, &schema, &query)
//!     })
//!     .await??;
//!     Ok(records)
//! }
//! ```

use crate::ir::Query;
use crate::schema::EntitySchema;
use crate::sql::driver::pg_client::{db, refs};
use crate::sql::driver::{insert_each, parse_documents};
use crate::sql::error::Error;
use crate::sql::PostgresDialect;
use postgres::GenericClient;

/// Creates the table for `schema`, named after its entity set (e.g. `MachineActions`, in
/// the first schema of the connection's `search_path`), with its indexes; in a savepoint
/// when given a `postgres::Transaction`.
pub fn create_table(client: &mut impl GenericClient, schema: &EntitySchema) -> Result<(), Error> {
    let stmts = crate::sql::create_table_sql(schema, schema.entity_set(), &PostgresDialect)?;
    let mut tx = client.transaction().map_err(db)?;
    for stmt in stmts {
        tx.execute(stmt.as_str(), &[]).map_err(db)?;
    }
    tx.commit().map_err(db)
}

/// Inserts records, each given as the text of one JSON object, in one transaction;
/// returns how many. Nothing is inserted when one of them cannot be stored.
///
/// Given a `postgres::Transaction`, the records go into a savepoint of it, and are
/// committed or rolled back with it.
pub fn insert_records<I, S>(
    client: &mut impl GenericClient,
    schema: &EntitySchema,
    records: I,
) -> Result<usize, Error>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let mut tx = client.transaction().map_err(db)?;
    let n = insert_each(schema, records, &PostgresDialect, |q| {
        tx.execute(q.sql.as_str(), &refs(q)).map(drop).map_err(db)
    })?;
    tx.commit().map_err(db)?;
    Ok(n)
}

/// The JSON text of the records `query` selects, in order, exactly as inserted.
pub fn query_text(
    client: &mut impl GenericClient,
    schema: &EntitySchema,
    query: &Query,
) -> Result<Vec<String>, Error> {
    let q = crate::sql::select(query, schema, schema.entity_set(), &PostgresDialect)?;
    let rows = client.query(q.sql.as_str(), &refs(&q)).map_err(db)?;
    rows.iter()
        .map(|r| r.try_get::<_, String>(0).map_err(db))
        .collect()
}

/// The records `query` selects, in order, parsed from their stored JSON text.
pub fn query(
    client: &mut impl GenericClient,
    schema: &EntitySchema,
    query: &Query,
) -> Result<Vec<serde_json::Value>, Error> {
    parse_documents(query_text(client, schema, query)?)
}

/// The number of records `query`'s filter matches.
pub fn count(
    client: &mut impl GenericClient,
    schema: &EntitySchema,
    query: &Query,
) -> Result<u64, Error> {
    let q = crate::sql::count(query, schema, schema.entity_set(), &PostgresDialect)?;
    let row = client.query_one(q.sql.as_str(), &refs(&q)).map_err(db)?;
    let n: i64 = row.try_get(0).map_err(db)?;
    Ok(u64::try_from(n).unwrap_or(0))
}
