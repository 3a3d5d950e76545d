//! An axum + sqlx server over the application's own `widgets` table in SQLite or PostgreSQL:
//! `cargo run --example widgets`, then
//! `curl 'http://127.0.0.1:3000/widgets?$filter=createdAt%20ge%202024-01-05T00:00:00Z&$count=true'`.
//! `WIDGETS_DB` names the database (default `sqlite::memory:`; a `postgres://` URL for
//! PostgreSQL, where the table must not exist yet); `WIDGETS_ADDR` the address.

mod app;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::var("WIDGETS_DB").unwrap_or_else(|_| "sqlite::memory:".to_owned());
    let db = if url.starts_with("postgres") {
        app::Db::Postgres(sqlx::PgPool::connect(&url).await?)
    } else {
        // One connection: each connection to `sqlite::memory:` is a database of its own.
        let pool = sqlx::sqlite::SqlitePoolOptions::new().max_connections(1);
        app::Db::Sqlite(pool.connect(&url).await?)
    };
    app::seed(&db).await?;
    let addr = std::env::var("WIDGETS_ADDR").unwrap_or_else(|_| "127.0.0.1:3000".to_owned());
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("listening on http://{}/widgets", listener.local_addr()?);
    axum::serve(listener, app::router(db)).await?;
    Ok(())
}
