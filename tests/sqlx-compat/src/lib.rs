//! An application with its own sqlx (SQLite and PostgreSQL) beside odata-filter's `sqlx` and
//! `rusqlite` features: it builds only if both link one SQLite (`scripts/test` also checks
//! that `cargo tree -i libsqlite3-sys` here shows one version).
#![forbid(unsafe_code)]

use odata_filter::sql::SqlQuery;

/// The first column of `q`'s first row, through sqlx's SQLite driver.
pub async fn first_integer_sqlx(pool: &sqlx::SqlitePool, q: &SqlQuery) -> Result<i64, sqlx::Error> {
    odata_filter::sql::sqlx::bind_all_scalar(q)
        .fetch_one(pool)
        .await
}

/// The first column of `q`'s first row, through rusqlite.
pub fn first_integer_rusqlite(conn: &rusqlite::Connection, q: &SqlQuery) -> rusqlite::Result<i64> {
    conn.query_row(&q.sql, rusqlite::params_from_iter(&q.params), |row| {
        row.get(0)
    })
}
