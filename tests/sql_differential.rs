//! Differential test: random records over an entity with every field type and random
//! well-typed queries give the same records in the same order from the reference semantics
//! (`sql_support::oracle`), SQLite and, when `ODATA_FILTER_PG_URL` is set, PostgreSQL.
//!
//! `differential.rs.pending` is the same test against the real evaluator
//! (`odata_filter::eval`), to be enabled when it is merged.
#![cfg(feature = "rusqlite")]

mod sql_support;

use proptest::prelude::*;
use sql_support::{gen, oracle, parse_all, Backend, Sqlite};
#[cfg(feature = "postgres")]
use std::sync::Mutex;

/// One PostgreSQL namespace, reused across cases (a static: the driver's runtime cannot be
/// dropped during thread teardown, so it never is; the server is thrown away anyway).
#[cfg(feature = "postgres")]
static PG: Mutex<Option<Option<sql_support::Postgres>>> = Mutex::new(None);

/// Runs `f` on the PostgreSQL connection, if there is one.
#[cfg(feature = "postgres")]
fn with_pg(f: impl FnOnce(&mut sql_support::Postgres)) {
    let mut pg = PG.lock().unwrap_or_else(|e| e.into_inner());
    let pg = pg.get_or_insert_with(|| sql_support::Postgres::connect("differential"));
    if let Some(db) = pg.as_mut() {
        f(db);
    }
}

/// Checks every backend against the oracle for `records` and each of `filters`.
fn check(records: &[String], filters: &[String], paging: &(Vec<String>, u64, Option<u64>)) {
    let schema = gen::schema();
    let lines: Vec<&str> = records.iter().map(String::as_str).collect();
    let json = parse_all(&lines);
    let queries: Vec<_> = filters
        .iter()
        .filter_map(|f| gen::make_query(&schema, f, paging).map(|q| (f, q)))
        .collect();
    let expected: Vec<Vec<&str>> = queries
        .iter()
        .map(|(_, q)| {
            oracle::select(q, &schema, &json)
                .into_iter()
                .map(|i| lines[i])
                .collect()
        })
        .collect();
    let mut sqlite = Sqlite::new();
    sqlite.load(&schema, &lines);
    for ((f, q), want) in queries.iter().zip(&expected) {
        assert_eq!(
            sqlite.select(&schema, q),
            *want,
            "sqlite: {f} {paging:?}\n{}",
            sql_text(q, &odata_filter::sql::SqliteDialect)
        );
    }
    #[cfg(feature = "postgres")]
    with_pg(|pg| {
        pg.client
            .batch_execute("DROP TABLE IF EXISTS \"Things\"")
            .unwrap();
        pg.load(&schema, &lines);
        for ((f, q), want) in queries.iter().zip(&expected) {
            assert_eq!(
                pg.select(&schema, q),
                *want,
                "postgres: {f} {paging:?}\n{}",
                sql_text(q, &odata_filter::sql::PostgresDialect)
            );
        }
    });
}

fn sql_text(q: &odata_filter::query::Query, d: &dyn odata_filter::sql::Dialect) -> String {
    match odata_filter::sql::select(q, &gen::schema(), "Things", d) {
        Ok(s) => format!("{}\n{:?}", s.sql, s.params),
        Err(e) => e.to_string(),
    }
}

proptest! {
    // 256 cases unless PROPTEST_CASES says otherwise (5000 for a longer hunt).
    #![proptest_config(ProptestConfig {
        failure_persistence: Some(Box::new(
            proptest::test_runner::FileFailurePersistence::WithSource("regressions"),
        )),
        ..ProptestConfig::default()
    })]

    #[test]
    fn sql_agrees_with_the_reference_semantics(
        records in gen::records(10),
        filters in proptest::collection::vec(gen::filter(), 1..5),
        paging in gen::paging(),
    ) {
        check(&records, &filters, &paging);
    }
}

#[test]
fn most_generated_filters_check() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let schema = gen::schema();
    let mut runner = TestRunner::deterministic();
    let strategy = gen::filter();
    let (mut ok, mut total) = (0, 0);
    let mut bad = Vec::new();
    for _ in 0..500 {
        let text = strategy.new_tree(&mut runner).unwrap().current();
        total += 1;
        let paging = (Vec::new(), 0, None);
        if gen::make_query(&schema, &text, &paging).is_some() {
            ok += 1;
        } else if bad.len() < 5 {
            bad.push(text);
        }
    }
    assert!(ok * 100 >= total * 95, "{ok}/{total} check; e.g. {bad:#?}");
}
