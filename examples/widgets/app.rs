//! The widgets service: the application's own `widgets` table behind `GET /widgets`, with
//! `$filter`, `$orderby`, `$top`, `$skip`, `$select` and `$count` pushed down to SQLite through
//! sqlx.

use std::sync::OnceLock;

use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use axum::{extract::State, routing::get, Router};
use chrono::{DateTime, SecondsFormat, Utc};
use odata_filter::axum::{Entity, ODataError, ODataQuery};
use odata_filter::schema::{EntitySchema, EnumType, Field, FieldType, Storage};
use odata_filter::sql::{self, SqliteDialect};
use serde_json::{json, Map, Value};
use sqlx::sqlite::SqliteRow;
use sqlx::{Column, Row, SqlitePool};

/// The `Widgets` entity set: `widgets (id, name, color, quantity, created_at, active)`.
pub struct Widgets;

impl Entity for Widgets {
    fn schema() -> &'static EntitySchema {
        static SCHEMA: OnceLock<EntitySchema> = OnceLock::new();
        SCHEMA.get_or_init(|| {
            let color = EnumType::new("Shop.Color", ["Red", "Green", "Blue"]);
            let open = |f: Field| f.filterable(true).sortable(true);
            EntitySchema::builder("Widget", "widgets")
                .field(open(Field::new("id", FieldType::Int64)))
                .field(open(Field::new("name", FieldType::String)))
                .field(open(Field::new("color", color)))
                .field(open(Field::new("quantity", FieldType::Int32)))
                // Text as sqlx writes a `DateTime<Utc>` in SQLite: `2024-01-01T10:00:00+00:00`.
                .field(open(
                    Field::new("createdAt", FieldType::DateTimeOffset)
                        .with_column("created_at")
                        .with_storage(Storage::Rfc3339Utc),
                ))
                .field(open(Field::new("active", FieldType::Boolean)))
                .key("id")
                .build()
                .expect("the widgets schema is valid")
        })
    }
}

/// Creates the table and ten widgets, created a day apart from 2024-01-01T10:00:00Z.
pub async fn seed(pool: &SqlitePool) -> Result<(), sqlx::Error> {
    sqlx::raw_sql(
        "CREATE TABLE widgets (id INTEGER PRIMARY KEY, name TEXT NOT NULL, color TEXT NOT NULL,
         quantity INTEGER NOT NULL, created_at TEXT NOT NULL, active BOOLEAN NOT NULL)",
    )
    .execute(pool)
    .await?;
    let start: DateTime<Utc> = "2024-01-01T10:00:00Z".parse().expect("a valid instant");
    for i in 0..10_i64 {
        sqlx::query("INSERT INTO widgets VALUES (?, ?, ?, ?, ?, ?)")
            .bind(i)
            .bind(format!("widget {i}"))
            .bind(["Red", "Green", "Blue"][i as usize % 3])
            .bind(i * 10)
            .bind(start + chrono::TimeDelta::days(i))
            .bind(i % 2 == 0)
            .execute(pool)
            .await?;
    }
    Ok(())
}

/// `GET /widgets` on `pool`; `GET /widgets?$filter=...` and the other options as OData says.
pub fn router(pool: SqlitePool) -> Router {
    Router::new().route("/widgets", get(list)).with_state(pool)
}

// BEGIN README
async fn list(
    State(pool): State<SqlitePool>,
    query: ODataQuery<Widgets>,
) -> Result<impl IntoResponse, ODataError> {
    let schema = Widgets::schema();
    let rows = sql::sqlx::fetch_rows(&pool, &SqliteDialect, schema, "widgets", &query)
        .await
        .map_err(sql_error)?;
    let mut body = json!({ "@odata.context": "$metadata#widgets" });
    if query.count {
        let n = sql::sqlx::count_rows(&pool, &SqliteDialect, schema, "widgets", &query)
            .await
            .map_err(sql_error)?;
        body["@odata.count"] = json!(n);
    }
    body["value"] = rows.iter().map(|row| widget(schema, row)).collect();
    Ok(([(CONTENT_TYPE, "application/json")], body.to_string()))
}
// END README

/// A row as the JSON of its fields: each column back under its field's name.
fn widget(schema: &EntitySchema, row: &SqliteRow) -> Value {
    let mut out = Map::new();
    for (i, column) in row.columns().iter().enumerate() {
        let Some(field) = schema.fields().iter().find(|f| f.column() == column.name()) else {
            continue;
        };
        let value = match field.ty() {
            FieldType::Int64 | FieldType::Int32 => json!(row.get::<i64, _>(i)),
            FieldType::Boolean => json!(row.get::<bool, _>(i)),
            FieldType::DateTimeOffset => {
                json!(row
                    .get::<DateTime<Utc>, _>(i)
                    .to_rfc3339_opts(SecondsFormat::AutoSi, true))
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
            ODataError::bad_request(e.to_string())
        }
        _ => ODataError::internal(),
    }
}
