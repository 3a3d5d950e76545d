//! The SQL backend against a real MariaDB (`ODATA_FILTER_MARIADB_URL`, started by
//! `bash scripts/test`) in the [`MariaDbDialect`]: thousands of random queries over random
//! records select what the evaluator selects, in its order; the fixed suites of the other
//! servers agree with the reference; text compares by code point without padding. Each test
//! works in a fresh database.
//!
//! Shrunk failures of the random test land in `sql_mariadb.regressions`; commit them.
#![cfg(feature = "rusqlite")]

mod sql_support;

use odata_filter::eval::Predicate;
use odata_filter::schema::{catalog, EntitySchema};
use odata_filter::sql::MariaDbDialect;
use proptest::test_runner::{Config, FileFailurePersistence, TestRunner};
use sql_support::differential::check_one;
use sql_support::mariadb::{fits_doubles, MariaDb};
use sql_support::{
    agree_with_oracle, all_filterable, gen, ndjson, notes, parse_all, query, reference, Backend,
    MACHINE_ACTION_FILTERS, MACHINE_FILTERS,
};
use std::cell::RefCell;

const MACHINE_ACTIONS: &str = include_str!("../data/machineactions.ndjson");
const MACHINES: &str = include_str!("../data/machines.ndjson");

/// Random cases unless `PROPTEST_CASES` says otherwise: each is up to 10 records and up to 4
/// queries, about 10,000 queries in all, in some 20 seconds.
const CASES: u32 = 4000;

#[test]
fn generated_queries_agree_with_the_evaluator() {
    let Some(db) = MariaDb::connect("generated") else {
        return;
    };
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(CASES);
    let mut runner = TestRunner::new(Config {
        cases,
        source_file: Some(file!()),
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("regressions"))),
        ..Config::default()
    });
    let db = RefCell::new(db);
    let compared = RefCell::new(0);
    let strategy = (
        gen::records(10),
        proptest::collection::vec(gen::filter(), 1..5),
        gen::paging(),
    );
    let result = runner.run(&strategy, |(records, filters, paging)| {
        // MariaDB's DOUBLE would round an integer beyond 2^53 in an Edm.Double: such records
        // are refused (`numbers_agree_with_the_oracle_or_are_refused`), so leave them out here.
        let records: Vec<String> = records.into_iter().filter(|r| fits_doubles(r)).collect();
        *compared.borrow_mut() += check_one(
            "generated",
            &mut *db.borrow_mut(),
            &MariaDbDialect,
            &records,
            &filters,
            &paging,
            &|f, q, schema, json| {
                // The evaluator decides which records match; the order around it is the
                // reference's, which must agree with the evaluator's selection.
                let predicate = q.filter.as_ref().map(Predicate::compile);
                let keep = |_: &odata_filter::ir::Expr, r: &serde_json::Value| {
                    predicate.as_ref().is_none_or(|p| p.matches(r))
                };
                let selected = reference::select_with(q, schema, json, &keep);
                assert_eq!(
                    reference::select(q, schema, json),
                    selected,
                    "evaluator vs reference: {f} {paging:?}"
                );
                selected
            },
        );
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    let compared = compared.into_inner();
    eprintln!("mariadb: {cases} cases, {compared} queries compared");
    // Each case has one to four filters, nearly all of which check.
    assert!(
        compared >= cases as usize,
        "{compared} queries in {cases} cases"
    );
}

/// The first 8 characters of the `id` of each record `text` selects, sorted.
fn ids(db: &mut MariaDb, schema: &EntitySchema, text: &str) -> Vec<String> {
    let mut ids: Vec<String> = parse_all(
        &db.select(schema, &query(schema, Some(text), &[], 0, None))
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    )
    .iter()
    .map(|r| r["id"].as_str().unwrap()[..8].to_owned())
    .collect();
    ids.sort();
    ids
}

#[test]
fn machine_actions_agree_with_the_oracle() {
    let Some(mut db) = MariaDb::connect("machine_actions") else {
        return;
    };
    let s = all_filterable(&catalog::machine_action());
    let lines = ndjson(MACHINE_ACTIONS);
    db.load(&s, &lines);
    agree_with_oracle(
        &mut db,
        &s,
        &lines,
        MACHINE_ACTION_FILTERS,
        &["scope desc", "requestor"],
    );
    assert_eq!(ids(&mut db, &s, "scope ne 'Full'").len(), 9);
    assert_eq!(ids(&mut db, &s, "not (scope ne 'Full')"), ["2e9da30d"]);
    // Documents come back byte for byte.
    let mut got = db.select(&s, &query(&s, None, &[], 0, None));
    got.sort();
    let mut want: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    want.sort();
    assert_eq!(got, want);
    let q = query(&s, Some("status eq 'Succeeded'"), &[], 1, Some(2));
    assert_eq!(db.count(&s, &q), 5);
}

#[test]
fn machines_agree_with_the_oracle() {
    let Some(mut db) = MariaDb::connect("machines") else {
        return;
    };
    let s = all_filterable(&catalog::machine());
    let lines = ndjson(MACHINES);
    db.load(&s, &lines);
    agree_with_oracle(
        &mut db,
        &s,
        &lines,
        MACHINE_FILTERS,
        &["riskScore", "osBuild desc"],
    );
    assert_eq!(
        ids(&mut db, &s, "machineTags/any(t: t eq 'Finance')"),
        ["e1e9245c", "f46b9bb2"]
    );
}

#[test]
fn text_compares_by_code_point_without_padding() {
    let Some(mut db) = MariaDb::connect("text") else {
        return;
    };
    let s = notes();
    let texts = [
        "50%_off", "50xxoff", "50%Xoff", "a\\%b", "a\\xb", "Analyst", "analyst", "quote'", "", "a",
        "a ", "A", "\u{FFFD}", "😀", "ü", "u",
    ];
    let lines: Vec<String> = texts
        .iter()
        .enumerate()
        .map(|(i, t)| serde_json::json!({"id": format!("n{i:02}"), "text": t}).to_string())
        .collect();
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    db.load(&s, &lines);
    let mut hits = |f: &str| -> Vec<String> {
        let mut v: Vec<String> = parse_all(
            &db.select(&s, &query(&s, Some(f), &[], 0, None))
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>(),
        )
        .iter()
        .map(|r| r["text"].as_str().unwrap().to_owned())
        .collect();
        v.sort();
        v
    };
    assert_eq!(hits("contains(text, '%_')"), ["50%_off"]);
    assert_eq!(hits("startswith(text, '50%')"), ["50%Xoff", "50%_off"]);
    assert_eq!(hits("contains(text, '\\%')"), ["a\\%b"]);
    assert_eq!(hits("startswith(text, 'a\\')"), ["a\\%b", "a\\xb"]);
    assert_eq!(hits("startswith(text, 'analyst')"), ["analyst"]);
    assert_eq!(hits("endswith(text, '''')"), ["quote'"]);
    assert_eq!(hits("tolower(text) eq 'analyst'"), ["Analyst", "analyst"]);
    // No padding: 'a ' is not 'a'; case and accents count.
    assert_eq!(hits("text eq 'a'"), ["a"]);
    assert_eq!(hits("text eq 'a '"), ["a "]);
    assert_eq!(hits("text eq 'u'"), ["u"]);
    // Code point order: U+FFFD sorts before U+1F600 (UTF-16 would put it after).
    assert_eq!(hits("text gt '\u{FFFD}'"), ["😀"]);
    let filters: Vec<String> = [
        "text lt 'a'",
        "text ge 'a'",
        "text gt 'ü'",
        "length(text) eq 1",
        "indexof(text, 'x') ge 0",
        "substring(text, 1) eq 'nalyst'",
        "trim(text) eq 'a'",
        "toupper(text) eq 'A'",
        "concat(text, 'z') lt 'az'",
    ]
    .iter()
    .map(|f| f.to_string())
    .collect();
    let filters: Vec<&str> = filters.iter().map(String::as_str).collect();
    agree_with_oracle(&mut db, &s, &lines, &filters, &["text desc"]);
}

/// The filters over `sql_support::numbers()` that MariaDB refuses: its `DOUBLE` columns (and
/// JSON numbers read as `DOUBLE`) would hold an integer beyond 2^53 in an Edm.Double as its
/// nearest float, and it compares an Edm.Int64 with an Edm.Double as floats, so the crate
/// refuses what would come out rounded (`Dialect::exact_integers_in_doubles`).
const REFUSED: &[&str] = &["d eq 9007199254740993", "i eq d", "i ne d", "i lt d"];

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
