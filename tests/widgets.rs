//! The `widgets` example (axum + sqlx over the application's own SQLite table) over a real
//! socket: a filtered, ordered, paged, counted and projected query, and a bad one.
#![cfg(all(feature = "axum", feature = "sqlx-sqlite", feature = "sqlx-postgres"))]

#[path = "../examples/widgets/app.rs"]
mod app;

use serde_json::{json, Value};

/// Serves the example over `db`, seeded, on 127.0.0.1 on a free port; returns its base URL.
async fn start(db: app::Db) -> String {
    app::seed(&db).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app::router(db)).await });
    base
}

async fn sqlite() -> app::Db {
    let pool = sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(1)
        .connect("sqlite::memory:")
        .await
        .unwrap();
    app::Db::Sqlite(pool)
}

async fn get(base: &str, query: &str) -> (u16, Value) {
    let response = reqwest::get(format!("{base}/widgets?{query}"))
        .await
        .unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}")),
    )
}

#[tokio::test]
async fn a_query_is_pushed_down_and_a_bad_one_is_refused() {
    answers(&start(sqlite().await).await).await;
}

/// The same over PostgreSQL (`ODATA_FILTER_PG_URL`), in a fresh schema.
#[tokio::test]
async fn the_same_over_postgres() {
    let Ok(url) = std::env::var("ODATA_FILTER_PG_URL") else {
        if std::env::var("ODATA_FILTER_REQUIRE_PG").as_deref() == Ok("1") {
            panic!("ODATA_FILTER_REQUIRE_PG=1 but ODATA_FILTER_PG_URL is not set");
        }
        eprintln!("skipping: ODATA_FILTER_PG_URL is not set (run bash scripts/test)");
        return;
    };
    let namespace = format!("odf_widgets_{}", std::process::id());
    let set = format!("CREATE SCHEMA IF NOT EXISTS {namespace}; SET search_path TO {namespace}");
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(2)
        .after_connect(move |conn, _| {
            let set = set.clone();
            Box::pin(async move {
                sqlx::raw_sql(sqlx::AssertSqlSafe(set))
                    .execute(conn)
                    .await?;
                Ok(())
            })
        })
        .connect(&url)
        .await
        .unwrap();
    answers(&start(app::Db::Postgres(pool.clone())).await).await;
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "DROP SCHEMA {namespace} CASCADE"
    )))
    .execute(&pool)
    .await
    .unwrap();
}

/// Checks the example's answers at `base`.
async fn answers(base: &str) {
    let base = base.to_owned();
    // Seeded: widget i created 2024-01-01T10:00Z + i days, color Red/Green/Blue by i % 3,
    // quantity 10 i, active when i is even. Created on or after January 3rd (2 to 9) and not
    // Blue (2, 5, 8): 3, 4, 6, 7, 9; by quantity descending
    // they are 9, 7, 6, 4, 3; skip one, take two: 7, 6.
    let (status, body) = get(
        &base,
        "$filter=createdAt%20ge%202024-01-03T00:00:00Z%20and%20color%20ne%20'Blue'\
         &$orderby=quantity%20desc&$skip=1&$top=2&$select=id,createdAt,color&$count=true",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!({
            "@odata.context": "$metadata#widgets",
            "@odata.count": 5,
            "value": [
                {"id": 7, "createdAt": "2024-01-08T10:00:00Z", "color": "Green"},
                {"id": 6, "createdAt": "2024-01-07T10:00:00Z", "color": "Red"},
            ],
        })
    );
    // Every field, no count.
    let (status, body) = get(&base, "$filter=id%20eq%200").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["value"],
        json!([{"id": 0, "name": "widget 0", "color": "Red", "quantity": 0,
                "createdAt": "2024-01-01T10:00:00Z", "active": true}])
    );
    assert!(body.get("@odata.count").is_none(), "{body}");

    let (status, body) = get(&base, "$filter=colour%20eq%20'Red'").await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["code"], "ODataError", "{body}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("colour"), "{message}");
}

/// README's "Your own table with sqlx" shows the example's handler as it is.
#[test]
fn the_readme_shows_the_example_handler() {
    let readme = include_str!("../README.md");
    let app = include_str!("../examples/widgets/app.rs");
    let section = &readme[readme
        .find("### Your own table with sqlx")
        .expect("README has the section")..];
    let start = section.find("```rust,ignore\n").expect("a code block") + "```rust,ignore\n".len();
    let block = &section[start..start + section[start..].find("```").unwrap()];
    let handler = &app[app.find("// BEGIN README\n").unwrap() + "// BEGIN README\n".len()
        ..app.find("// END README").unwrap()];
    assert!(block.contains("fetch_rows"), "{block}");
    assert_eq!(
        block, handler,
        "copy the handler of examples/widgets/app.rs into README.md"
    );
}
