//! Differential test: random records over an entity with every field type and random
//! well-typed queries give the same records in the same order from the reference semantics
//! (`sql_support::reference`), SQLite and, when `ODATA_FILTER_PG_URL` is set, PostgreSQL.
//!
//! `differential.rs` is the same test with the real evaluator (`odata_filter::eval`) deciding
//! which records match.
#![cfg(feature = "rusqlite")]

mod sql_support;

use proptest::prelude::*;
use sql_support::differential::check;
use sql_support::{gen, reference};

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
        check("differential", &records, &filters, &paging, &|_, q, schema, json| {
            reference::select(q, schema, json)
        });
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
