//! An axum + sqlx server over the application's own `widgets` table in SQLite:
//! `cargo run --example widgets`, then
//! `curl 'http://127.0.0.1:3000/widgets?$filter=createdAt%20ge%202024-01-05T00:00:00Z&$count=true'`.
//! `WIDGETS_DB` names another SQLite database (default: in memory); `WIDGETS_ADDR` the address.

mod app;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::var("WIDGETS_DB").unwrap_or_else(|_| "sqlite::memory:".to_owned());
    // One connection: each connection to `sqlite::memory:` is a database of its own.
    let pool = sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(1)
        .connect(&url)
        .await?;
    app::seed(&pool).await?;
    let addr = std::env::var("WIDGETS_ADDR").unwrap_or_else(|_| "127.0.0.1:3000".to_owned());
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("listening on http://{}/widgets", listener.local_addr()?);
    axum::serve(listener, app::router(pool)).await?;
    Ok(())
}
