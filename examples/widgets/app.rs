//! The widgets service: the application's own `widgets` table behind `GET /widgets`, with
//! `$filter`, `$orderby`, `$top`, `$skip`, `$select` and `$count` pushed down to SQLite or
//! PostgreSQL through sqlx.

use std::sync::OnceLock;

use axum::http::header::CONTENT_TYPE;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::{extract::State, routing::get, Router};
use chrono::{DateTime, SecondsFormat, Utc};
use odata_filter::axum::{Entity, ODataError, ODataQuery};
use odata_filter::schema::{EntitySchema, EnumType, Field, FieldType, Storage};
use odata_filter::sql::{self, Dialect, PostgresDialect, SqliteDialect};
use serde_json::{json, Map, Value};
use sqlx::{Column, ColumnIndex, Database, Decode, PgPool, Row, SqlitePool, Type};

/// The `Widgets` entity set in SQLite: `widgets (id, name, color, quantity, created_at,
/// active)`, `created_at` as the text sqlx writes for a `DateTime<Utc>`.
pub struct Widgets;

/// The same in PostgreSQL, `created_at` a `timestamptz`.
pub struct PgWidgets;

impl Entity for Widgets {
    fn schema() -> &'static EntitySchema {
        static SCHEMA: OnceLock<EntitySchema> = OnceLock::new();
        SCHEMA.get_or_init(|| schema(Storage::Rfc3339Utc))
    }
}

impl Entity for PgWidgets {
    fn schema() -> &'static EntitySchema {
        static SCHEMA: OnceLock<EntitySchema> = OnceLock::new();
        SCHEMA.get_or_init(|| schema(Storage::Native))
    }
}

/// The widget entity, with `createdAt` held as `storage` says.
fn schema(storage: Storage) -> EntitySchema {
    let color = EnumType::new("Shop.Color", ["Red", "Green", "Blue"]);
    let open = |f: Field| f.filterable(true).sortable(true);
    EntitySchema::builder("Widget", "widgets")
        .field(open(Field::new("id", FieldType::Int64)))
        .field(open(Field::new("name", FieldType::String)))
        .field(open(Field::new("color", color)))
        .field(open(Field::new("quantity", FieldType::Int32)))
        .field(open(
            Field::new("createdAt", FieldType::DateTimeOffset)
                .with_column("created_at")
                .with_storage(storage),
        ))
        .field(open(Field::new("active", FieldType::Boolean)))
        .key("id")
        .build()
        .expect("the widgets schema is valid")
}

/// The database behind the service.
#[derive(Clone)]
pub enum Db {
    /// SQLite (e.g. `sqlite::memory:` with one connection).
    Sqlite(SqlitePool),
    /// PostgreSQL.
    Postgres(PgPool),
}

/// Creates the table and ten widgets, created a day apart from 2024-01-01T10:00:00Z.
pub async fn seed(db: &Db) -> Result<(), sqlx::Error> {
    let start: DateTime<Utc> = "2024-01-01T10:00:00Z".parse().expect("a valid instant");
    let instant = match db {
        Db::Sqlite(_) => "TEXT",
        Db::Postgres(_) => "TIMESTAMPTZ",
    };
    let create = format!(
        "CREATE TABLE widgets (id BIGINT PRIMARY KEY, name TEXT NOT NULL, color TEXT NOT NULL,
         quantity BIGINT NOT NULL, created_at {instant} NOT NULL, active BOOLEAN NOT NULL)"
    );
    // The same statement and values for either database, each with its own placeholders.
    macro_rules! seed {
        ($pool:expr, $insert:literal) => {{
            sqlx::raw_sql(sqlx::AssertSqlSafe(create))
                .execute($pool)
                .await?;
            for i in 0..10_i64 {
                sqlx::query($insert)
                    .bind(i)
                    .bind(format!("widget {i}"))
                    .bind(["Red", "Green", "Blue"][i as usize % 3])
                    .bind(i * 10)
                    .bind(start + chrono::TimeDelta::days(i))
                    .bind(i % 2 == 0)
                    .execute($pool)
                    .await?;
            }
        }};
    }
    match db {
        Db::Sqlite(pool) => seed!(pool, "INSERT INTO widgets VALUES (?, ?, ?, ?, ?, ?)"),
        Db::Postgres(pool) => seed!(pool, "INSERT INTO widgets VALUES ($1, $2, $3, $4, $5, $6)"),
    }
    Ok(())
}

/// `GET /widgets` on `db`; `GET /widgets?$filter=...` and the other options as OData says.
pub fn router(db: Db) -> Router {
    let list = match db {
        Db::Sqlite(_) => get(list::<Widgets>),
        Db::Postgres(_) => get(list::<PgWidgets>),
    };
    Router::new().route("/widgets", list).with_state(db)
}

// BEGIN README
async fn list<E: Entity>(
    State(db): State<Db>,
    query: ODataQuery<E>,
) -> Result<impl IntoResponse, ODataError> {
    let (value, count) = match &db {
        Db::Sqlite(pool) => page(pool, &SqliteDialect, &query).await,
        Db::Postgres(pool) => page(pool, &PostgresDialect, &query).await,
    }
    .map_err(sql_error)?;
    let mut body = json!({ "@odata.context": "$metadata#widgets" });
    if let Some(n) = count {
        body["@odata.count"] = json!(n);
    }
    body["value"] = Value::Array(value);
    Ok(([(CONTENT_TYPE, "application/json")], body.to_string()))
}

/// The rows of the page as JSON, and the count when `$count=true`.
async fn page<'p, DB, E: Entity>(
    pool: &'p sqlx::Pool<DB>,
    dialect: &dyn Dialect,
    query: &ODataQuery<E>,
) -> Result<(Vec<Value>, Option<u64>), sql::Error>
where
    DB: Database,
    &'p sqlx::Pool<DB>: sqlx::Executor<'p, Database = DB>,
    DB::Arguments: sqlx::IntoArguments<DB>,
    odata_filter::sql::SqlValue: for<'e> sqlx::Encode<'e, DB> + Type<DB>,
    i64: for<'r> Decode<'r, DB> + Type<DB>,
    bool: for<'r> Decode<'r, DB> + Type<DB>,
    String: for<'r> Decode<'r, DB> + Type<DB>,
    DateTime<Utc>: for<'r> Decode<'r, DB> + Type<DB>,
    usize: ColumnIndex<DB::Row>,
{
    let schema = E::schema();
    let rows = sql::sqlx::fetch_rows(pool, dialect, schema, "widgets", query).await?;
    let count = match query.count {
        true => Some(sql::sqlx::count_rows(pool, dialect, schema, "widgets", query).await?),
        false => None,
    };
    Ok((rows.iter().map(|row| widget(schema, row)).collect(), count))
}
// END README

/// A row as the JSON of its fields: each column back under its field's name.
fn widget<R: Row>(schema: &EntitySchema, row: &R) -> Value
where
    i64: for<'r> Decode<'r, R::Database> + Type<R::Database>,
    bool: for<'r> Decode<'r, R::Database> + Type<R::Database>,
    String: for<'r> Decode<'r, R::Database> + Type<R::Database>,
    DateTime<Utc>: for<'r> Decode<'r, R::Database> + Type<R::Database>,
    usize: ColumnIndex<R>,
{
    let mut out = Map::new();
    for (i, column) in row.columns().iter().enumerate() {
        let Some(field) = schema.fields().iter().find(|f| f.column() == column.name()) else {
            continue;
        };
        let value = match field.ty() {
            FieldType::Int64 | FieldType::Int32 => json!(row.get::<i64, _>(i)),
            FieldType::Boolean => json!(row.get::<bool, _>(i)),
            FieldType::DateTimeOffset => {
                let t: DateTime<Utc> = row.get(i);
                json!(t.to_rfc3339_opts(SecondsFormat::AutoSi, true))
            }
            _ => json!(row.get::<String, _>(i)),
        };
        out.insert(field.name().to_owned(), value);
    }
    Value::Object(out)
}

/// A query the database cannot run as asked is the client's (400), anything else ours (500).
fn sql_error(e: sql::Error) -> ODataError {
    match e.kind() {
        sql::ErrorKind::Unsupported { .. } | sql::ErrorKind::OutOfRange { .. } => {
            ODataError::new(StatusCode::BAD_REQUEST, "BadRequest", e.to_string())
        }
        _ => ODataError::new(StatusCode::INTERNAL_SERVER_ERROR, "InternalServerError", ""),
    }
}
