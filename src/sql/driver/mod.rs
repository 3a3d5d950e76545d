//! The database drivers, each behind its feature, and what their helpers share: inserting
//! records one statement each, and reading stored documents back.
#![cfg_attr(not(any(feature = "rusqlite", feature = "postgres")), allow(dead_code))]

#[cfg(feature = "pg-types")]
mod pg_types;
#[cfg(feature = "postgres")]
pub mod postgres;
#[cfg(feature = "rusqlite")]
pub mod rusqlite;

use super::dialect::Dialect;
use super::error::{Error, ErrorKind};
use super::params::SqlQuery;
use crate::schema::EntitySchema;

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
        let q = super::insert_sql(schema, schema.entity_set(), record.as_ref(), dialect).map_err(
            |e| match e.kind() {
                ErrorKind::Record { why } => Error::new(ErrorKind::Record {
                    why: format!("record {i}: {why}"),
                }),
                _ => e,
            },
        )?;
        execute(&q)?;
        n += 1;
    }
    Ok(n)
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
