//! Differential test: the JSON evaluator (`odata_filter::eval`), SQLite and, when
//! `ODATA_FILTER_PG_URL` is set, PostgreSQL select the same records in the same order for
//! random records over an entity with every field type (nulls, missing and wrongly typed
//! fields, quotes, wildcards, non-ASCII, offsets other than Z, 7-digit fractions, equal
//! instants) and random well-typed queries (`$filter` from a small grammar over that schema,
//! `$orderby` with ties broken by the key, `$skip`, `$top`).
//!
//! Pending: rename to `differential.rs` once `odata_filter::eval` is merged. It assumes
//! `eval::Predicate::compile(&ir::Expr) -> Predicate` and `Predicate::matches(&Json) -> bool`;
//! sorting is done here with the evaluator's null ordering (null first ascending, last
//! descending, then the key, then input order). Shrunk failures land in
//! `differential.proptest-regressions`; commit them.
#![cfg(feature = "rusqlite")]

mod sql_support;

use odata_filter::eval::Predicate;
use proptest::prelude::*;
use sql_support::{gen, oracle, parse_all, Backend, Sqlite};
#[cfg(feature = "postgres")]
use std::sync::Mutex;

/// One PostgreSQL namespace, reused across cases (a static: the driver's runtime cannot be
/// dropped during thread teardown).
#[cfg(feature = "postgres")]
static PG: Mutex<Option<Option<sql_support::Postgres>>> = Mutex::new(None);

#[cfg(feature = "postgres")]
fn with_pg(f: impl FnOnce(&mut sql_support::Postgres)) {
    let mut pg = PG.lock().unwrap_or_else(|e| e.into_inner());
    let pg = pg.get_or_insert_with(|| sql_support::Postgres::connect("evaluator"));
    if let Some(db) = pg.as_mut() {
        f(db);
    }
}

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
            let predicate = q.filter.as_ref().map(Predicate::compile);
            let keep = |_: &odata_filter::ir::Expr, r: &serde_json::Value| {
                predicate.as_ref().is_none_or(|p| p.matches(r))
            };
            oracle::select_with(q, &schema, &json, &keep)
                .into_iter()
                .map(|i| lines[i])
                .collect()
        })
        .collect();
    // The evaluator and the reference semantics the SQL was first checked against agree.
    for ((f, q), want) in queries.iter().zip(&expected) {
        let reference: Vec<&str> = oracle::select(q, &schema, &json)
            .into_iter()
            .map(|i| lines[i])
            .collect();
        assert_eq!(&reference, want, "evaluator vs reference: {f} {paging:?}");
    }
    let mut sqlite = Sqlite::new();
    sqlite.load(&schema, &lines);
    for ((f, q), want) in queries.iter().zip(&expected) {
        assert_eq!(
            sqlite.select(&schema, q),
            *want,
            "evaluator vs sqlite: {f} {paging:?}\n{}",
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
                "evaluator vs postgres: {f} {paging:?}\n{}",
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
    // 256 cases unless PROPTEST_CASES says otherwise.
    #![proptest_config(ProptestConfig {
        failure_persistence: Some(Box::new(
            proptest::test_runner::FileFailurePersistence::WithSource("regressions"),
        )),
        ..ProptestConfig::default()
    })]

    #[test]
    fn evaluator_sqlite_and_postgres_agree(
        records in gen::records(10),
        filters in proptest::collection::vec(gen::filter(), 1..5),
        paging in gen::paging(),
    ) {
        check(&records, &filters, &paging);
    }
}
