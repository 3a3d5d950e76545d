//! What the `postgres` and `tokio-postgres` drivers share (the first is built on the second):
//! [`SqlValue`] as their `ToSql`, their error, and a statement's parameters as they take them.

use super::pg_types::{encode, Written, ACCEPTED};
use crate::sql::error::Error;
use crate::sql::params::{SqlQuery, SqlValue};
use bytes::BytesMut;
use postgres_types::{to_sql_checked, IsNull, ToSql, Type};

type BoxError = Box<dyn std::error::Error + Sync + Send>;

impl ToSql for SqlValue {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        match encode(self, ty.oid(), out)? {
            Written::Null => Ok(IsNull::Yes),
            Written::Value => Ok(IsNull::No),
        }
    }

    fn accepts(ty: &Type) -> bool {
        ACCEPTED.contains(&ty.oid())
    }

    to_sql_checked!();
}

/// The client's error, kept as the source.
pub(crate) fn db(e: tokio_postgres::Error) -> Error {
    let message = match e.as_db_error() {
        Some(d) => format!("{}: {}", d.code().code(), d.message()),
        None => e.to_string(),
    };
    Error::database(message, e)
}

/// `q`'s parameters as the clients take them.
pub(crate) fn refs(q: &SqlQuery) -> Vec<&(dyn ToSql + Sync)> {
    q.params.iter().map(|p| p as &(dyn ToSql + Sync)).collect()
}
