//! Differential test: random records over an entity with every field type and random
//! well-typed queries select the same records in the same order, and count as many, in SQLite
//! and, when `ODATA_FILTER_PG_URL` is set, PostgreSQL as in the evaluator (`odata_filter::eval`,
//! checked against the reference semantics, `sql_support::reference`), through the one runner
//! of the SQL suites (`sql_support::differential::generated`). Shrunk failures land in
//! `sql_differential.regressions`; commit them.
//!
//! `differential.rs` runs the same cases through both databases in one `proptest!`.
#![cfg(feature = "rusqlite")]

mod sql_support;

use sql_support::differential::{cases, generated, Layout};
use sql_support::{gen, Sqlite};

/// Random cases per database unless `PROPTEST_CASES` says otherwise (5000 for a longer hunt).
const CASES: u32 = 256;

#[test]
fn sql_agrees_with_the_evaluator() {
    let mut db = Sqlite::new();
    generated(file!(), "sqlite", &mut db, Layout::Default, cases(CASES));
    #[cfg(feature = "postgres")]
    if let Some(mut db) = sql_support::Postgres::connect("differential") {
        generated(file!(), "postgres", &mut db, Layout::Default, cases(CASES));
    }
}

#[test]
fn most_generated_filters_check() {
    use proptest::strategy::{Strategy, ValueTree};
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
