//! Differential test: the JSON evaluator (`odata_filter::eval`), SQLite and, when
//! `ODATA_FILTER_PG_URL` is set, PostgreSQL select the same records in the same order for
//! random records over an entity with every field type (nulls, missing and wrongly typed
//! fields, quotes, wildcards, non-ASCII, offsets other than Z, 7-digit fractions, equal
//! instants) and random well-typed queries (`$filter` from a small grammar over that schema,
//! `$orderby` with ties broken by the key, `$skip`, `$top`).
//!
//! The evaluator decides which records match; the sorting and paging around it are the
//! reference's (`sql_support::reference`: null first ascending, last descending, then the key,
//! then input order), which the evaluator's selection must also agree with. Shrunk failures
//! land in `differential.proptest-regressions`; commit them.
#![cfg(feature = "rusqlite")]

mod sql_support;

use proptest::prelude::*;
use sql_support::differential::{check, evaluator_selects};
use sql_support::gen;

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
        check("evaluator", &records, &filters, &paging, &evaluator_selects);
    }
}
