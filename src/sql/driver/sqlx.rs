//! sqlx 0.9 (features `sqlx-sqlite`, `sqlx-postgres`, `sqlx-mysql`): [`SqlValue`] as a sqlx
//! parameter, a whole [`SqlQuery`] bound in one call, and async helpers.
//!
//! [`bind_all`] (and [`bind_all_as`], [`bind_all_scalar`]) turn a [`SqlQuery`] into a sqlx
//! query with every parameter bound, ready for `fetch_all(&pool)`. [`fetch_rows`] and
//! [`count_rows`] run [`select_rows`](crate::sql::select_rows) and
//! [`count`](crate::sql::count) over the application's own table; [`create_table`],
//! [`insert_records`], [`query_text`], [`query`] and [`count`] are the helpers of the other
//! drivers over the crate's own table layout. Each helper takes the [`Dialect`] of the
//! database: [`SqliteDialect`](crate::sql::SqliteDialect),
//! [`PostgresDialect`](crate::sql::PostgresDialect), and for `MySql`
//! [`MySqlDialect`](crate::sql::MySqlDialect) or [`MariaDbDialect`](crate::sql::MariaDbDialect)
//! as the server is.
//!
//! Values never change on the way: in PostgreSQL every parameter is sent as text with every
//! digit (a float as its exact decimal expansion), which the typed placeholder (`$1::numeric`,
//! `$1::bigint`) reads exactly (a float sent as `FLOAT8` would keep 15 digits in `numeric`, and
//! sqlx reuses a prepared statement with the parameter types of its first run, so the types
//! cannot follow the values); SQLite, MySQL and MariaDB receive integers, floats and text,
//! and an exact decimal, which they could only round, is refused (their dialects never bind
//! one). A parameter that cannot be sent fails the query with [`sqlx::Error::Encode`].
//!
//! Versions: sqlx 0.9, whose SQLite driver links the same `libsqlite3-sys` as this crate's
//! `rusqlite` feature (sqlx 0.8 cannot be built beside it: two crates would link SQLite).
//! sqlx 0.9 needs rustc 1.94; the crate without these features needs 1.85. No runtime, TLS,
//! macros or migrations are chosen here: the application's own sqlx dependency picks them
//! (e.g. `features = ["runtime-tokio", "sqlite"]`).
//!
//! # Example
//!
//! The application's own `widgets` table, queried as a request's query string says (the
//! `examples/widgets` server does this behind axum):
//!
//! ```no_run
//! use odata_filter::query::QueryOptions;
//! use odata_filter::schema::{EntitySchema, Field, FieldType};
//! use odata_filter::sql::{self, SqliteDialect};
//! use sqlx::Row;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let widgets = EntitySchema::builder("Widget", "widgets")
//!     .field(Field::new("id", FieldType::Int64).filterable(true).sortable(true))
//!     .field(Field::new("name", FieldType::String).filterable(true).sortable(true))
//!     .key("id")
//!     .build()?;
//! let pool = sqlx::SqlitePool::connect("sqlite::memory:").await?;
//! let (query, _) = QueryOptions::new().parse(&widgets, "$filter=id ge 4&$orderby=name&$top=3")?;
//! let rows = sql::sqlx::fetch_rows(&pool, &SqliteDialect, &widgets, "widgets", &query).await?;
//! for row in rows {
//!     let (id, name): (i64, String) = (row.try_get("id")?, row.try_get("name")?);
//!     println!("{id} {name}");
//! }
//! let total = sql::sqlx::count_rows(&pool, &SqliteDialect, &widgets, "widgets", &query).await?;
//! # let _ = total;
//! # Ok(())
//! # }
//! ```

use crate::ir::Query;
use crate::schema::EntitySchema;
use crate::sql::dialect::Dialect;
use crate::sql::driver::{insert_statements, parse_documents};
use crate::sql::error::Error;
use crate::sql::params::{SqlQuery, SqlValue};
use sqlx::query::{Query as SqlxQuery, QueryAs, QueryScalar};
use sqlx::{
    Acquire, AssertSqlSafe, ColumnIndex, Database, Decode, Encode, Executor, FromRow,
    IntoArguments, Row, Type,
};

#[cfg(feature = "sqlx-postgres")]
mod postgres {
    use crate::sql::driver::pg_types::{encode, Written, DECLARED};
    use crate::sql::params::SqlValue;
    use sqlx::encode::IsNull;
    use sqlx::error::BoxDynError;
    use sqlx::postgres::types::Oid;
    use sqlx::postgres::{PgArgumentBuffer, PgTypeInfo, Postgres};
    use sqlx::{Encode, Type};

    /// Every value is declared as text, with every digit, which the typed placeholder
    /// (`$1::numeric`) reads exactly.
    impl Type<Postgres> for SqlValue {
        fn type_info() -> PgTypeInfo {
            PgTypeInfo::with_oid(Oid(DECLARED))
        }
    }

    /// The encoding the `postgres` and `tokio-postgres` features use, for text.
    impl Encode<'_, Postgres> for SqlValue {
        fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
            match encode(self, DECLARED, &mut **buf)? {
                Written::Null => Ok(IsNull::Yes),
                Written::Value => Ok(IsNull::No),
            }
        }
    }
}

/// Encodes a value of a database without exact decimals by the rule of
/// [`plain`](super::plain), through sqlx's own encoding of `i64`, `f64` and `&str`.
#[cfg(any(feature = "sqlx-sqlite", feature = "sqlx-mysql"))]
macro_rules! plain_database {
    ($db:ty, $plain:path) => {
        /// Declared per value by [`Encode::produces`]; this is only the type of a null.
        impl Type<$db> for SqlValue {
            fn type_info() -> <$db as Database>::TypeInfo {
                <str as Type<$db>>::type_info()
            }
        }

        impl<'q> Encode<'q, $db> for SqlValue {
            fn encode_by_ref(
                &self,
                buf: &mut <$db as Database>::ArgumentBuffer,
            ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
                use crate::sql::driver::Plain;
                match $plain(self)? {
                    Plain::Null => Ok(sqlx::encode::IsNull::Yes),
                    Plain::Int(i) => <i64 as Encode<$db>>::encode(i, buf),
                    Plain::Real(x) => <f64 as Encode<$db>>::encode(x, buf),
                    Plain::Text(t) => <&str as Encode<$db>>::encode(t, buf),
                    Plain::Native(t) => <String as Encode<$db>>::encode(t, buf),
                }
            }

            fn produces(&self) -> Option<<$db as Database>::TypeInfo> {
                use crate::sql::driver::Plain;
                // A null is declared text, which every column type takes (MariaDB refuses a
                // null declared `bigint` for a `UUID` column).
                Some(match $plain(self) {
                    Ok(Plain::Int(_)) => <i64 as Type<$db>>::type_info(),
                    Ok(Plain::Real(_)) => <f64 as Type<$db>>::type_info(),
                    _ => <str as Type<$db>>::type_info(),
                })
            }
        }
    };
}

#[cfg(feature = "sqlx-sqlite")]
plain_database!(sqlx::Sqlite, crate::sql::driver::sqlite_plain);
#[cfg(feature = "sqlx-mysql")]
plain_database!(sqlx::MySql, crate::sql::driver::mysql_plain);

/// A sqlx database whose statements take [`SqlValue`] parameters: with this crate's features,
/// [`sqlx::Sqlite`], [`sqlx::Postgres`] and [`sqlx::MySql`]. Implemented for every database
/// that qualifies; it names, once, the bounds the functions of this module need (with
/// [`Decodes`] for what they read back and [`RunsOnConnection`] for the table helpers).
pub trait SqlxDatabase: Database<Arguments: IntoArguments<Self>> {
    /// `value` as a parameter of this database.
    #[doc(hidden)]
    fn param(value: SqlValue) -> impl for<'e> Encode<'e, Self> + Type<Self> + Send;

    /// `value` as a parameter of this database, borrowed (for a [`sqlx::query::Query`], which
    /// encodes it at once).
    #[doc(hidden)]
    fn param_ref(value: &SqlValue) -> impl for<'e> Encode<'e, Self> + Type<Self> + Send + '_;
}

impl<DB> SqlxDatabase for DB
where
    DB: Database<Arguments: IntoArguments<DB>>,
    SqlValue: for<'e> Encode<'e, DB> + Type<DB>,
{
    fn param(value: SqlValue) -> impl for<'e> Encode<'e, Self> + Type<Self> + Send {
        value
    }

    fn param_ref(value: &SqlValue) -> impl for<'e> Encode<'e, Self> + Type<Self> + Send + '_ {
        value
    }
}

/// A [`SqlxDatabase`] whose rows read a column as `T` (`i64` for [`count_rows`], `String` for
/// the documents of [`query_text`]).
pub trait Decodes<T>: SqlxDatabase {
    /// The first column of `row`.
    #[doc(hidden)]
    fn first_column(row: &Self::Row) -> Result<T, sqlx::Error>;
}

impl<DB, T> Decodes<T> for DB
where
    DB: SqlxDatabase,
    T: for<'r> Decode<'r, DB> + Type<DB>,
    usize: ColumnIndex<DB::Row>,
{
    fn first_column(row: &Self::Row) -> Result<T, sqlx::Error> {
        row.try_get(0)
    }
}

/// A sqlx database whose connections run statements (every driver's do), for the table
/// helpers, which run theirs in a transaction.
pub trait RunsOnConnection: Database {
    /// `conn` as an executor.
    #[doc(hidden)]
    fn executor(conn: &mut Self::Connection) -> impl Executor<'_, Database = Self>;
}

impl<DB> RunsOnConnection for DB
where
    DB: Database,
    for<'t> &'t mut DB::Connection: Executor<'t, Database = DB>,
{
    fn executor(conn: &mut Self::Connection) -> impl Executor<'_, Database = Self> {
        conn
    }
}

/// `q`'s SQL as a sqlx query with every parameter bound, in order.
pub fn bind_all<'q, DB: SqlxDatabase>(q: &SqlQuery) -> SqlxQuery<'q, DB, DB::Arguments> {
    q.params
        .iter()
        .fold(sqlx::query(AssertSqlSafe(q.sql.clone())), |query, p| {
            query.bind(DB::param_ref(p))
        })
}

/// `q`'s SQL as a sqlx `query_as` (rows read as `O`, e.g. a `#[derive(FromRow)]` struct or a
/// tuple) with every parameter bound, in order.
pub fn bind_all_as<'q, DB, O>(q: &SqlQuery) -> QueryAs<'q, DB, O, DB::Arguments>
where
    DB: SqlxDatabase,
    O: for<'r> FromRow<'r, DB::Row>,
{
    q.params
        .iter()
        .fold(sqlx::query_as(AssertSqlSafe(q.sql.clone())), |query, p| {
            query.bind(DB::param(p.clone()))
        })
}

/// `q`'s SQL as a sqlx `query_scalar` (the first column of each row, as `O`) with every
/// parameter bound, in order.
pub fn bind_all_scalar<'q, DB, O>(q: &SqlQuery) -> QueryScalar<'q, DB, O, DB::Arguments>
where
    DB: SqlxDatabase,
    (O,): for<'r> FromRow<'r, DB::Row>,
{
    q.params.iter().fold(
        sqlx::query_scalar(AssertSqlSafe(q.sql.clone())),
        |query, p| query.bind(DB::param(p.clone())),
    )
}

/// The driver's error, kept as the source.
fn db(e: sqlx::Error) -> Error {
    let message = match e.as_database_error() {
        Some(d) => match d.code() {
            Some(code) => format!("{code}: {}", d.message()),
            None => d.message().to_owned(),
        },
        None => e.to_string(),
    };
    Error::database(message, e)
}

/// The rows `query` selects from the application's own `table`, in its order and page: the
/// statement of [`select_rows`](crate::sql::select_rows) (one column per field of `$select`,
/// named by its [`column`](crate::schema::Field::column)), run on `executor` (a pool, a
/// connection or a transaction).
pub async fn fetch_rows<'c, DB, E>(
    executor: E,
    dialect: &dyn Dialect,
    schema: &EntitySchema,
    table: &str,
    query: &Query,
) -> Result<Vec<DB::Row>, Error>
where
    DB: SqlxDatabase,
    E: Executor<'c, Database = DB>,
{
    let q = crate::sql::select_rows(query, schema, table, dialect)?;
    bind_all::<DB>(&q).fetch_all(executor).await.map_err(db)
}

/// The number of rows of the application's own `table` that `query`'s filter matches, as
/// `$count` wants it (ignoring order and paging): the statement of
/// [`count`](crate::sql::count), run on `executor`.
pub async fn count_rows<'c, DB, E>(
    executor: E,
    dialect: &dyn Dialect,
    schema: &EntitySchema,
    table: &str,
    query: &Query,
) -> Result<u64, Error>
where
    DB: Decodes<i64>,
    E: Executor<'c, Database = DB>,
{
    let q = crate::sql::count(query, schema, table, dialect)?;
    let row = bind_all::<DB>(&q).fetch_one(executor).await.map_err(db)?;
    let n = DB::first_column(&row).map_err(db)?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// Creates the crate's table for `schema` ([`create_table_sql`](crate::sql::create_table_sql)),
/// named after its entity set, with its indexes; in a transaction (a savepoint when given one)
/// where the database makes `CREATE` transactional (not MySQL or MariaDB).
pub async fn create_table<'c, DB, A>(
    conn: A,
    dialect: &dyn Dialect,
    schema: &EntitySchema,
) -> Result<(), Error>
where
    DB: RunsOnConnection,
    A: Acquire<'c, Database = DB>,
{
    let stmts = crate::sql::create_table_sql(schema, schema.entity_set(), dialect)?;
    let mut tx = conn.begin().await.map_err(db)?;
    for stmt in stmts {
        sqlx::raw_sql(AssertSqlSafe(stmt))
            .execute(DB::executor(&mut tx))
            .await
            .map_err(db)?;
    }
    tx.commit().await.map_err(db)
}

/// Inserts records into the crate's table, each given as the text of one JSON object, in one
/// transaction (a savepoint when given one); returns how many. Nothing is inserted when one of
/// them cannot be stored.
pub async fn insert_records<'c, DB, A, I, S>(
    conn: A,
    dialect: &dyn Dialect,
    schema: &EntitySchema,
    records: I,
) -> Result<usize, Error>
where
    DB: SqlxDatabase + RunsOnConnection,
    A: Acquire<'c, Database = DB>,
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let inserts = insert_statements(schema, records, dialect)?;
    let mut tx = conn.begin().await.map_err(db)?;
    for q in &inserts {
        bind_all::<DB>(q)
            .execute(DB::executor(&mut tx))
            .await
            .map_err(db)?;
    }
    tx.commit().await.map_err(db)?;
    Ok(inserts.len())
}

/// The JSON text of the records `query` selects from the crate's table, in order, exactly as
/// inserted.
pub async fn query_text<'c, DB, E>(
    executor: E,
    dialect: &dyn Dialect,
    schema: &EntitySchema,
    query: &Query,
) -> Result<Vec<String>, Error>
where
    DB: Decodes<String>,
    E: Executor<'c, Database = DB>,
{
    let q = crate::sql::select(query, schema, schema.entity_set(), dialect)?;
    let rows = bind_all::<DB>(&q).fetch_all(executor).await.map_err(db)?;
    rows.iter()
        .map(|row| DB::first_column(row).map_err(db))
        .collect()
}

/// The records `query` selects from the crate's table, in order, parsed from their stored
/// JSON text.
pub async fn query<'c, DB, E>(
    executor: E,
    dialect: &dyn Dialect,
    schema: &EntitySchema,
    query: &Query,
) -> Result<Vec<serde_json::Value>, Error>
where
    DB: Decodes<String>,
    E: Executor<'c, Database = DB>,
{
    parse_documents(query_text(executor, dialect, schema, query).await?)
}

/// The number of records of the crate's table that `query`'s filter matches.
pub async fn count<'c, DB, E>(
    executor: E,
    dialect: &dyn Dialect,
    schema: &EntitySchema,
    query: &Query,
) -> Result<u64, Error>
where
    DB: Decodes<i64>,
    E: Executor<'c, Database = DB>,
{
    count_rows(executor, dialect, schema, schema.entity_set(), query).await
}
