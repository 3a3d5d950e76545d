//! Issue 12's widgets in the application's own table: ten created a day apart at 10:00 UTC
//! (the sixth half a second later), the tables an axum + sqlx application makes for them, and
//! what filters over them select.

use chrono::{DateTime, TimeDelta, Utc};
use odata_filter::schema::{EntitySchema, Field, FieldType, Storage};

/// `widgets` with `createdAt` in the column `created_at`, held as `storage`.
pub fn schema(storage: Storage) -> EntitySchema {
    EntitySchema::builder("Widget", "widgets")
        .field(Field::new("id", FieldType::Int64).filterable(true))
        .field(
            Field::new("createdAt", FieldType::DateTimeOffset)
                .filterable(true)
                .sortable(true)
                .with_column("created_at")
                .with_storage(storage),
        )
        .key("id")
        .build()
        .unwrap()
}

/// When each widget was created, by id (0 to 9).
pub fn created() -> Vec<DateTime<Utc>> {
    let start = DateTime::parse_from_rfc3339("2024-01-01T10:00:00Z")
        .unwrap()
        .with_timezone(&Utc);
    // One with a fraction of a second, to see the form a driver gives those too.
    (0..10)
        .map(|i| start + TimeDelta::days(i) + TimeDelta::milliseconds(if i == 5 { 500 } else { 0 }))
        .collect()
}

/// The SQLite table, `created_at` as text (chrono's `to_rfc3339()`, declared
/// `Storage::Rfc3339Utc`).
pub const SQLITE_TABLE: &str =
    "CREATE TABLE widgets (id INTEGER PRIMARY KEY, created_at TEXT NOT NULL)";

/// The PostgreSQL table, `created_at` as `timestamptz` (`Storage::Native`).
pub const POSTGRES_TABLE: &str =
    "CREATE TABLE widgets (id BIGINT PRIMARY KEY, created_at TIMESTAMPTZ NOT NULL)";

/// Filters and the ids they select, in id order: the two that returned every row or
/// none, and one around the fraction.
pub const FILTERS: [(&str, &[i64]); 3] = [
    ("createdAt ge 2024-01-05T00:00:00Z", &[4, 5, 6, 7, 8, 9]),
    ("createdAt lt 2024-01-03T00:00:00Z", &[0, 1]),
    (
        "createdAt gt 2024-01-06T10:00:00.4Z and createdAt lt 2024-01-06T10:00:00.6Z",
        &[5],
    ),
];

/// A paged, ordered, projected, counted query: widgets created on or after January 3rd,
/// newest first, the second page of three ids ([`PAGE_IDS`]) of [`PAGE_COUNT`].
pub const PAGE: &str = "$filter=createdAt ge 2024-01-03T00:00:00Z&$orderby=createdAt desc\
                        &$skip=1&$top=3&$select=id&$count=true";

/// The ids [`PAGE`] selects.
pub const PAGE_IDS: [i64; 3] = [8, 7, 6];

/// The number of widgets [`PAGE`]'s filter matches.
pub const PAGE_COUNT: u64 = 8;
