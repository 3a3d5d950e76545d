//! The cost of binding through sqlx: a page of the application's own table in in-memory SQLite,
//! run through sqlx with [`sql::sqlx::bind_all`] on the statement of `sql::select_rows`,
//! against the same statement with its parameters bound by hand as typed values (what a user
//! would write without this crate), on one connection, in one process.
//!
//! Groups: `sqlx_bind/<case>/{bind_all,by_hand}` (the whole round trip: bind, run, read every
//! row) and `sqlx_bind_only/<case>/{bind_all,by_hand}` (making the bound query alone). Before
//! measuring, both forms are checked to return the same rows.
//!
//! ```text
//! cargo bench --features sqlx-sqlite --bench sqlx
//! ```

// `criterion_group!` and `criterion_main!` generate undocumented items.
#![allow(missing_docs)]

use std::time::Duration;

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use odata_filter::query::QueryOptions;
use odata_filter::schema::{EntitySchema, EnumType, Field, FieldType};
use odata_filter::sql::{self, SqlQuery, SqlValue, SqliteDialect};
use sqlx::{Connection, Row, SqliteConnection};

const ROWS: i64 = 10_000;

fn schema() -> EntitySchema {
    let color = EnumType::new("Shop.Color", ["Red", "Green", "Blue"]);
    let open = |f: Field| f.filterable(true).sortable(true);
    EntitySchema::builder("Widget", "widgets")
        .field(open(Field::new("id", FieldType::Int64)))
        .field(open(Field::new("name", FieldType::String)))
        .field(open(Field::new("color", color)))
        .field(open(Field::new("quantity", FieldType::Int64)))
        .field(open(Field::new("price", FieldType::Double)))
        .key("id")
        .build()
        .unwrap()
}

/// A query string, and the hand-bound form of its statement: the values of its parameters,
/// in order, as the typed values a person binds.
struct Case {
    name: &'static str,
    options: &'static str,
}

const CASES: &[Case] = &[
    Case {
        name: "page",
        options: "$filter=color eq 'Red' and quantity gt 5000&$orderby=quantity desc&$top=20",
    },
    Case {
        name: "many_params",
        options: "$filter=color in ('Red', 'Blue') and quantity ge 100 and quantity lt 9000 \
                  and price gt 1.5 and startswith(name, 'widget 1')&$orderby=price&$skip=5&$top=20",
    },
];

/// The same parameters bound by hand: each as the typed Rust value it holds.
fn by_hand<'q>(
    q: &SqlQuery,
) -> sqlx::query::Query<'q, sqlx::Sqlite, <sqlx::Sqlite as sqlx::Database>::Arguments> {
    let mut query = sqlx::query(sqlx::AssertSqlSafe(q.sql.clone()));
    for p in &q.params {
        query = match p {
            SqlValue::Int(i) => query.bind(*i),
            SqlValue::Float(x) => query.bind(*x),
            SqlValue::Text(t) => query.bind(t.clone()),
            SqlValue::Bool(b) => query.bind(*b),
            other => panic!("not in these cases: {other:?}"),
        };
    }
    query
}

fn ids(rows: &[sqlx::sqlite::SqliteRow]) -> Vec<i64> {
    rows.iter().map(|r| r.get::<i64, _>("id")).collect()
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let schema = schema();
    let mut conn = rt.block_on(async {
        let mut conn = SqliteConnection::connect("sqlite::memory:").await.unwrap();
        sqlx::raw_sql(
            "CREATE TABLE widgets (id INTEGER PRIMARY KEY, name TEXT NOT NULL, \
             color TEXT NOT NULL, quantity INTEGER NOT NULL, price REAL NOT NULL);
             CREATE INDEX widgets_quantity ON widgets (quantity);
             CREATE INDEX widgets_price ON widgets (price);",
        )
        .execute(&mut conn)
        .await
        .unwrap();
        let mut tx = conn.begin().await.unwrap();
        for i in 0..ROWS {
            sqlx::query("INSERT INTO widgets VALUES (?, ?, ?, ?, ?)")
                .bind(i)
                .bind(format!("widget {i}"))
                .bind(["Red", "Green", "Blue"][(i % 3) as usize])
                .bind((i * 7919) % ROWS)
                .bind((i % 100) as f64 / 4.0)
                .execute(&mut *tx)
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
        conn
    });
    for case in CASES {
        let (query, _) = QueryOptions::new().parse(&schema, case.options).unwrap();
        let q = sql::select_rows(&query, &schema, "widgets", &SqliteDialect).unwrap();
        let generated = rt
            .block_on(sql::sqlx::bind_all(&q).fetch_all(&mut conn))
            .unwrap();
        let hand = rt.block_on(by_hand(&q).fetch_all(&mut conn)).unwrap();
        assert_eq!(ids(&generated), ids(&hand), "{}", case.name);
        assert!(!generated.is_empty(), "{}: no rows", case.name);
        eprintln!("{}: {} rows, {}", case.name, generated.len(), q.sql);

        let mut g = c.benchmark_group(format!("sqlx_bind/{}", case.name));
        g.bench_function("bind_all", |b| {
            b.iter(|| {
                rt.block_on(sql::sqlx::bind_all(black_box(&q)).fetch_all(&mut conn))
                    .unwrap()
            })
        });
        g.bench_function("by_hand", |b| {
            b.iter(|| {
                rt.block_on(by_hand(black_box(&q)).fetch_all(&mut conn))
                    .unwrap()
            })
        });
        g.finish();

        let mut g = c.benchmark_group(format!("sqlx_bind_only/{}", case.name));
        g.bench_function("bind_all", |b| {
            b.iter(|| sql::sqlx::bind_all::<sqlx::Sqlite>(black_box(&q)))
        });
        g.bench_function("by_hand", |b| b.iter(|| by_hand(black_box(&q))));
        g.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(30);
    targets = bench
}
criterion_main!(benches);
