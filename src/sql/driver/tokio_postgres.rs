//! The async `tokio-postgres` client: create the crate's table, insert records, run queries.
//!
//! The same helpers as [`sql::postgres`](crate::sql) (feature `postgres`), as async
//! functions, without compiling the synchronous `postgres` client. For the application's own
//! table, run [`select_rows`](crate::sql::select_rows) and [`count`](crate::sql::count) with
//! [`PostgresDialect`]: a [`SqlQuery`](crate::sql::SqlQuery)'s parameters are
//! `tokio_postgres::types::ToSql`, so `client.query(&q.sql, &params)` with
//! `params: Vec<&(dyn ToSql + Sync)>` made from `q.params` runs it.

use crate::ir::Query;
use crate::schema::EntitySchema;
use crate::sql::driver::pg_client::{db, refs};
use crate::sql::driver::{insert_statements, parse_documents};
use crate::sql::error::Error;
use crate::sql::PostgresDialect;
use tokio_postgres::GenericClient;

/// Creates the table for `schema`, named after its entity set (e.g. `MachineActions`, in
/// the first schema of the connection's `search_path`), with its indexes; in a savepoint
/// when given a `tokio_postgres::Transaction`.
pub async fn create_table(
    client: &mut impl GenericClient,
    schema: &EntitySchema,
) -> Result<(), Error> {
    let stmts = crate::sql::create_table_sql(schema, schema.entity_set(), &PostgresDialect)?;
    let tx = client.transaction().await.map_err(db)?;
    for stmt in stmts {
        tx.execute(stmt.as_str(), &[]).await.map_err(db)?;
    }
    tx.commit().await.map_err(db)
}

/// Inserts records, each given as the text of one JSON object, in one transaction;
/// returns how many. Nothing is inserted when one of them cannot be stored.
///
/// Given a `tokio_postgres::Transaction`, the records go into a savepoint of it, and are
/// committed or rolled back with it.
pub async fn insert_records<I, S>(
    client: &mut impl GenericClient,
    schema: &EntitySchema,
    records: I,
) -> Result<usize, Error>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let inserts = insert_statements(schema, records, &PostgresDialect)?;
    let tx = client.transaction().await.map_err(db)?;
    for q in &inserts {
        tx.execute(q.sql.as_str(), &refs(q)).await.map_err(db)?;
    }
    tx.commit().await.map_err(db)?;
    Ok(inserts.len())
}

/// The JSON text of the records `query` selects, in order, exactly as inserted.
pub async fn query_text(
    client: &impl GenericClient,
    schema: &EntitySchema,
    query: &Query,
) -> Result<Vec<String>, Error> {
    let q = crate::sql::select(query, schema, schema.entity_set(), &PostgresDialect)?;
    let rows = client.query(q.sql.as_str(), &refs(&q)).await.map_err(db)?;
    rows.iter()
        .map(|r| r.try_get::<_, String>(0).map_err(db))
        .collect()
}

/// The records `query` selects, in order, parsed from their stored JSON text.
pub async fn query(
    client: &impl GenericClient,
    schema: &EntitySchema,
    query: &Query,
) -> Result<Vec<serde_json::Value>, Error> {
    parse_documents(query_text(client, schema, query).await?)
}

/// The number of records `query`'s filter matches.
pub async fn count(
    client: &impl GenericClient,
    schema: &EntitySchema,
    query: &Query,
) -> Result<u64, Error> {
    let q = crate::sql::count(query, schema, schema.entity_set(), &PostgresDialect)?;
    let row = client
        .query_one(q.sql.as_str(), &refs(&q))
        .await
        .map_err(db)?;
    let n: i64 = row.try_get(0).map_err(db)?;
    Ok(u64::try_from(n).unwrap_or(0))
}
