//! The SQL backend against a real MariaDB (`ODATA_FILTER_MARIADB_URL`, started by
//! `bash scripts/test`) in the [`MariaDbDialect`]: thousands of random queries over random
//! records select what the evaluator selects, in its order; the fixed suites of the other
//! servers agree with the reference; text compares by code point without padding. Each test
//! works in a fresh database.
//!
//! Shrunk failures of the random test land in `sql_mariadb.regressions`; commit them.
#![cfg(feature = "rusqlite")]

mod sql_support;

use odata_filter::sql::MariaDbDialect;
use sql_support::differential::{cases, generated, Layout};
use sql_support::mariadb::MariaDb;
use sql_support::{
    case_mapping_agrees, machine_actions_agree, machines_agree, parse_all, query, reference,
    text_matching_agrees, Backend,
};

/// Random cases unless `PROPTEST_CASES` says otherwise: each is up to 10 records and up to 4
/// queries, about 10,000 queries in all, in some 20 seconds.
const CASES: u32 = 4000;

#[test]
fn generated_queries_agree_with_the_evaluator() {
    let Some(mut db) = MariaDb::connect("generated") else {
        return;
    };
    generated(file!(), "mariadb", &mut db, Layout::Default, cases(CASES));
}

#[test]
fn machine_actions_agree_with_the_oracle() {
    let Some(mut db) = MariaDb::connect("machine_actions") else {
        return;
    };
    machine_actions_agree(&mut db);
}

#[test]
fn machines_agree_with_the_oracle() {
    let Some(mut db) = MariaDb::connect("machines") else {
        return;
    };
    machines_agree(&mut db);
}

#[test]
fn text_compares_by_code_point_without_padding() {
    let Some(mut db) = MariaDb::connect("text") else {
        return;
    };
    text_matching_agrees(&mut db);
}

/// The filters over `sql_support::numbers()` that MariaDB refuses: its `DOUBLE` columns (and
/// JSON numbers read as `DOUBLE`) would hold an integer beyond 2^53 in an Edm.Double as its
/// nearest float, so the crate refuses such a literal next to a Double
/// (`Dialect::exact_integers_in_doubles`). An Edm.Int64 compared with an Edm.Double is
/// promoted to Double, as OData says and as MariaDB compares them, so it is answered.
const REFUSED: &[&str] = &["d eq 9007199254740993"];

#[test]
fn numbers_agree_with_the_oracle_or_are_refused() {
    let Some(mut db) = MariaDb::connect("numbers") else {
        return;
    };
    let s = sql_support::numbers();
    // The record whose `d` is 9007199254740993 cannot be stored: no float is that integer.
    let all = sql_support::NUMBER_RECORDS;
    let e = odata_filter::sql::insert_sql(&s, "Nums", all[0], &MariaDbDialect).unwrap_err();
    assert!(
        e.to_string()
            .contains("no float is exactly 9007199254740993"),
        "{e}"
    );
    let lines = &all[1..];
    db.load(&s, lines);
    let records = parse_all(lines);
    let mut refused = Vec::new();
    for f in sql_support::NUMBER_FILTERS {
        for (order, skip, top) in [(&[][..], 0, None), (&["d desc", "i"][..], 1, Some(4))] {
            let q = query(&s, Some(f), order, skip, top);
            if odata_filter::sql::select(&q, &s, "Nums", &MariaDbDialect).is_err() {
                if !refused.contains(f) {
                    refused.push(*f);
                }
                continue;
            }
            let want: Vec<&str> = reference::select(&q, &s, &records)
                .into_iter()
                .map(|i| lines[i])
                .collect();
            assert_eq!(db.select(&s, &q), want, "{f} (order {order:?})");
        }
    }
    assert_eq!(refused, REFUSED);
}

#[test]
fn case_mapping_is_unicode_or_refused() {
    let Some(mut db) = MariaDb::connect("case") else {
        return;
    };
    case_mapping_agrees(&mut db);
}
