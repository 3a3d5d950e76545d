//! Edm.Decimal values are exact decimals (issue 10): literals keep every digit through the
//! checker, the canonical text and the SQL parameters; records compare exactly; a number no
//! decimal (or no backend) holds exactly is refused with its position, never rounded.

mod common;

use odata_filter::check::{self, ErrorKind as CheckErrorKind};
use odata_filter::eval::Predicate;
use odata_filter::ndjson::{LineFilter, Verdict};
use odata_filter::schema::{EntitySchema, Field, FieldType};
use odata_filter::sql::{self, ErrorKind, PostgresDialect, SqlValue, SqliteDialect};
use odata_filter::value::{Decimal, Value};
use odata_filter::Span;
use odata_filter::{ir, syntax, Filter};
use proptest::prelude::*;
use serde_json::json;

fn schema() -> EntitySchema {
    let f = |name: &str, ty: FieldType| {
        Field::new(name, ty)
            .filterable(true)
            .sortable(true)
            .nullable(true)
    };
    EntitySchema::builder("Account", "Accounts")
        .field(
            Field::new("id", FieldType::String)
                .filterable(true)
                .sortable(true),
        )
        .field(f("DecimalID", FieldType::Decimal))
        .field(f("Other", FieldType::Decimal))
        .field(f("Amount", FieldType::Double))
        .field(f("Count", FieldType::Int64))
        .field(
            Field::new("Decimals", FieldType::collection(FieldType::Decimal))
                .filterable(true)
                .nullable(true),
        )
        .key("id")
        .build()
        .unwrap()
}

/// `text` checked ([`common::verified_filter`]: its printed forms check to the same expression).
fn filter(text: &str) -> ir::Expr {
    common::verified_filter(&schema(), text)
}

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

/// The canonical text of `text`.
fn canonical(text: &str) -> String {
    Filter::new(&schema(), text)
        .unwrap_or_else(|e| panic!("{e}"))
        .to_string()
}

#[test]
fn canonical_text_keeps_every_digit() {
    for text in [
        "DecimalID eq 3258.678765765489753678965390",
        "DecimalID eq 12345678901234567890.12",
        "DecimalID eq 1.50",
        "DecimalID lt -0.0000000000000000000000000001",
        "DecimalID in (0.1, 79228162514264337593543950335, 7.9228162514264337593543950335)",
        "Count gt 2.5",
    ] {
        assert_eq!(canonical(text), text);
        // And the canonical text checks to the same filter.
        assert_eq!(filter(&canonical(text)), filter(text), "{text}");
    }
    // Exponents are written out; a whole number keeps a fraction so that it stays a decimal.
    assert_eq!(canonical("DecimalID eq 2e10"), "DecimalID eq 20000000000.0");
    assert_eq!(canonical("DecimalID eq 1.5E-3"), "DecimalID eq 0.0015");
    assert_eq!(
        canonical("DecimalID eq 9223372036854775808"),
        "DecimalID eq 9223372036854775808"
    );
    // Next to a Double a number is the nearest double, as before.
    assert_eq!(
        canonical("Amount eq 3258.678765765489753678965390"),
        "Amount eq 3258.67876576549"
    );
    assert_eq!(canonical("Amount eq 0.1"), "Amount eq 0.1");
    assert_eq!(
        canonical("Amount eq 0.1000000000000000000000000000001"),
        "Amount eq 0.1"
    );
    assert_eq!(
        canonical("Amount eq 1e20"),
        "Amount eq 100000000000000000000"
    );
    assert_eq!(canonical("Amount eq 1e300"), "Amount eq 1e300");
    // Next to an integer a float beyond every i64 keeps its own form.
    assert_eq!(canonical("Count lt 1e300"), "Count lt 1e300");
    for text in [
        "Amount eq 1e20",
        "Amount in (0.1, 1e-7, 1e300, -0.0)",
        "Count lt -1e300",
    ] {
        assert_eq!(filter(&canonical(text)), filter(text), "{text}");
    }
}

#[test]
fn the_checked_value_is_the_literal() {
    let e = filter("DecimalID eq 3258.678765765489753678965390");
    let ir::ExprKind::Compare { rhs, .. } = e.kind() else {
        panic!("{e:?}")
    };
    assert_eq!(
        rhs.kind(),
        &ir::ExprKind::Const(Value::Decimal(dec("3258.678765765489753678965390")))
    );
}

#[test]
fn more_digits_than_a_decimal_holds_are_refused_where_they_meet_a_decimal() {
    let text = "Count eq 1 and DecimalID eq 1.00000000000000000000000000001";
    let tree = syntax::parse(text).unwrap();
    let errors = check::check(&schema(), &tree, text).unwrap_err();
    let e = errors.first();
    assert!(
        matches!(e.kind(), CheckErrorKind::InvalidLiteral { .. }),
        "{e:?}"
    );
    assert_eq!(e.span(), Span::new(28, text.len()));
    let shown = errors.to_string();
    assert!(
        shown.contains("more digits than an Edm.Decimal holds"),
        "{shown}"
    );
    assert!(
        shown.contains(&format!("  | {}^^^", " ".repeat(28))),
        "{shown}"
    );
    // Next to an integer too, unless beyond every i64: 0.99999999999999999999999999999999 is
    // the float 1, and 1234567890123456800.0000000000000001 the float 1234567890123456768.
    for text in [
        "DecimalID gt 1e300",
        "DecimalID in (1, 1e-30)",
        "Count eq 0.99999999999999999999999999999999",
        "Count gt 1234567890123456800.0000000000000001",
        "Count eq 1e-400",
        "Count gt 9223372036854775806.99999999999999999999999999",
    ] {
        assert!(Filter::new(&schema(), text).is_err(), "{text}");
    }
    // A Double takes them, rounded as a double; INF and NaN compare with decimals.
    for text in [
        "Amount eq 1.00000000000000000000000000001",
        "Amount gt 1e300",
        "Count lt 1e300",
        "Count gt -9223372036854777856.00000000000000000000000001",
        "DecimalID lt INF",
        "DecimalID ne NaN",
    ] {
        Filter::new(&schema(), text).unwrap_or_else(|e| panic!("{text}: {e}"));
    }
}

#[test]
fn postgres_parameters_are_the_exact_decimals() {
    let s = schema();
    let w = sql::where_clause(
        &filter(
            "DecimalID eq 3258.678765765489753678965390 or DecimalID gt 12345678901234567890.12",
        ),
        &s,
        "Accounts",
        &PostgresDialect,
    )
    .unwrap();
    assert_eq!(
        w.sql,
        r#"(("DecimalID" = $1::numeric) OR ("DecimalID" > $2::numeric))"#
    );
    assert_eq!(
        w.params,
        [
            SqlValue::Decimal(dec("3258.678765765489753678965390")),
            SqlValue::Decimal(dec("12345678901234567890.12"))
        ]
    );
    // As JSON, a decimal is the string of its digits: a JSON number would be read as a float.
    assert_eq!(
        serde_json::to_value(&w).unwrap()["params"],
        json!(["3258.678765765489753678965390", "12345678901234567890.12"])
    );
}

#[test]
fn sqlite_binds_the_float_that_stands_for_a_decimal_or_refuses_it() {
    let s = schema();
    let w = |text: &str| sql::where_clause(&filter(text), &s, "Accounts", &SqliteDialect);
    assert_eq!(
        w("DecimalID eq 0.1").unwrap().params,
        [SqlValue::Float(0.1)]
    );
    assert_eq!(w("DecimalID le 5.00").unwrap().params, [SqlValue::Int(5)]);
    assert_eq!(
        w("DecimalID lt 100000000000000000000.0").unwrap().params,
        [SqlValue::Float(1e20)]
    );
    // Against an integer, a decimal folds to an integer comparison, exactly.
    let folded = w("Count gt 12345678901234567890.12 or Count ge -2.5").unwrap();
    assert_eq!(folded.sql, r#"((1 = 0) OR ("Count" >= ?1))"#);
    assert_eq!(folded.params, [SqlValue::Int(-2)]);
    for (text, literal) in [
        (
            "DecimalID eq 3258.678765765489753678965390",
            "3258.678765765489753678965390",
        ),
        (
            "Count eq 1 and DecimalID gt 12345678901234567890.12",
            "12345678901234567890.12",
        ),
        ("DecimalID lt 0.10000000000000001", "0.10000000000000001"),
        ("DecimalID eq 9007199254740993.5", "9007199254740993.5"),
    ] {
        let e = w(text).unwrap_err();
        assert!(matches!(e.kind(), ErrorKind::Unsupported { .. }), "{e}");
        assert!(e.to_string().contains(literal), "{e}");
        let at = text.find(literal).unwrap();
        assert_eq!(e.span(), Some(Span::new(at, at + literal.len())), "{text}");
    }
    let e = w("DecimalID in (0.5, 3258.678765765489753678965390)").unwrap_err();
    assert!(e.span().is_some(), "{e}");
    // A Decimal compared with a Double: both are promoted to Double (OData's binary numeric
    // promotion), as SQLite's floats compare them anyway.
    let q = w("Count eq 1 or DecimalID eq Amount").unwrap();
    assert!(
        q.sql
            .contains(r#"CAST("DecimalID" AS REAL) IS CAST("Amount" AS REAL)"#),
        "{}",
        q.sql
    );
    // PostgreSQL promotes them too.
    sql::where_clause(
        &filter("DecimalID eq Amount"),
        &s,
        "Accounts",
        &PostgresDialect,
    )
    .unwrap();
}

/// The records of the reproducers, as NDJSON lines.
const RECORDS: &[&str] = &[
    r#"{"id":"a","DecimalID":1.00000000000000000001,"Other":1}"#,
    r#"{"id":"b","DecimalID":3258.678765765489753678965390,"Other":3258.678765765489753678965391}"#,
    r#"{"id":"c","DecimalID":0.1,"Other":0.10000000000000001,"Amount":0.1,"Count":1}"#,
    r#"{"id":"d","DecimalID":9007199254740993.0,"Count":9007199254740993}"#,
    r#"{"id":"e","DecimalID":1000000000000000000000000000000.5}"#,
    r#"{"id":"f","DecimalID":-9223372036854775809}"#,
];

/// The ids `text` matches, by the line filter and by the in-memory predicate.
fn matches(text: &str) -> (Vec<&'static str>, Vec<&'static str>) {
    let e = filter(text);
    let lines = LineFilter::new(Some(&e));
    let predicate = Predicate::compile(&e);
    let mut lazy = Vec::new();
    let mut parsed = Vec::new();
    for line in RECORDS {
        let record: serde_json::Value = serde_json::from_str(line).unwrap();
        let id = &line[7..8];
        let id: &'static str = ["a", "b", "c", "d", "e", "f"]
            .into_iter()
            .find(|x| *x == id)
            .unwrap();
        match lines.test(line) {
            Verdict::Accept => lazy.push(id),
            Verdict::Reject => {}
            Verdict::Unknown => panic!("{line}"),
        }
        if predicate.matches(&record) {
            parsed.push(id);
        }
    }
    (lazy, parsed)
}

#[test]
fn the_line_filter_reads_top_level_decimals_as_written() {
    // The reproducer: `serde_json` reads 1.00000000000000000001 as the float 1.
    assert_eq!(
        matches("DecimalID gt 1"),
        (vec!["a", "b", "d"], vec!["b", "d"])
    );
    assert_eq!(matches("DecimalID eq 1"), (vec![], vec!["a"]));
    assert_eq!(
        matches("DecimalID eq 3258.678765765489753678965390"),
        (vec!["b"], vec![])
    );
    assert_eq!(
        matches("DecimalID in (3258.678765765489753678965390, 0.1)"),
        (vec!["b", "c"], vec!["c"])
    );
    // Two top-level members compared, each read from its text.
    assert_eq!(matches("DecimalID lt Other"), (vec!["b", "c"], vec![]));
    // serde_json reads 9007199254740993.0 as the float 9007199254740992.
    assert_eq!(matches("DecimalID eq Count"), (vec!["d", "e"], vec!["e"]));
    // Compared with a Double, a Decimal is promoted to Double: the decimal 0.1 equals the
    // double 0.1 (and null is null).
    assert_eq!(
        matches("DecimalID eq Amount"),
        (vec!["c", "e"], vec!["c", "e"])
    );
    // Beyond what a decimal holds: null, never a rounded value.
    assert_eq!(matches("DecimalID eq null"), (vec!["e"], vec!["e"]));
    // serde_json reads -9223372036854775809 as a float; its text is exact.
    assert_eq!(
        matches("DecimalID eq -9223372036854775809"),
        (vec!["f"], vec![])
    );
}

#[test]
fn records_compare_exactly_in_memory() {
    let m = |text: &str, record: serde_json::Value| {
        Filter::new(&schema(), text).unwrap().matches(&record)
    };
    // 0.10000000000000001 is more than the decimal 0.1 (as a double they would be equal).
    assert!(m(
        "DecimalID lt 0.10000000000000001",
        json!({"DecimalID": 0.1})
    ));
    assert!(!m(
        "DecimalID eq 0.10000000000000001",
        json!({"DecimalID": 0.1})
    ));
    assert!(m("DecimalID eq 0.1", json!({"DecimalID": 0.1})));
    // 2^53 + 1 is not rounded to 2^53.
    assert!(m(
        "DecimalID eq 9007199254740993.0",
        json!({"DecimalID": 9_007_199_254_740_993i64})
    ));
    assert!(!m(
        "DecimalID eq 9007199254740992.0",
        json!({"DecimalID": 9_007_199_254_740_993i64})
    ));
    assert!(m(
        "Count lt 9007199254740993.5",
        json!({"Count": 9_007_199_254_740_993i64})
    ));
    assert!(m(
        "DecimalID eq 18446744073709551615",
        json!({"DecimalID": u64::MAX})
    ));
    // Lambdas read collection elements as decimals too.
    assert!(m(
        "Decimals/any(x: x lt 0.10000000000000001)",
        json!({"Decimals": [0.1]})
    ));
}

#[cfg(feature = "rusqlite")]
#[test]
fn sqlite_stores_and_compares_decimals() {
    let s = schema();
    let conn = rusqlite::Connection::open_in_memory().unwrap();
    sql::rusqlite::create_table(&conn, &s).unwrap();
    let records = [
        r#"{"id":"a","DecimalID":0.1,"Count":0,"Decimals":[0.1,2.5]}"#,
        r#"{"id":"b","DecimalID":0.30000000000000004,"Count":1}"#,
        r#"{"id":"c","DecimalID":9007199254740993,"Count":9007199254740993}"#,
        r#"{"id":"d","DecimalID":1e20,"Decimals":[1e20]}"#,
        r#"{"id":"e","DecimalID":-2.5,"Count":-3}"#,
        r#"{"id":"f","DecimalID":1e300}"#,
        // SQLite keeps whole numbers exactly; a DOUBLE column would not: this is the decimal
        // 1234567890123456800, as a float 1234567890123456768.
        r#"{"id":"h","DecimalID":1.2345678901234568e18}"#,
    ];
    sql::rusqlite::insert_records(&conn, &s, records).unwrap();
    let ids = |text: &str| -> Vec<String> {
        let q = odata_filter::query::QueryOptions::new()
            .parse(&s, &format!("$filter={text}&$orderby=id"))
            .unwrap()
            .0;
        let rows = sql::rusqlite::query(&conn, &s, &q).unwrap_or_else(|e| panic!("{text}: {e}"));
        // The evaluator agrees.
        let expected: Vec<String> = records
            .iter()
            .map(|r| serde_json::from_str::<serde_json::Value>(r).unwrap())
            .filter(|r| Filter::new(&s, text).unwrap().matches(r))
            .map(|r| r["id"].as_str().unwrap().to_owned())
            .collect();
        let got: Vec<String> = rows
            .iter()
            .map(|r| r["id"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(got, expected, "{text}");
        got
    };
    assert_eq!(ids("DecimalID eq 0.1"), ["a"]);
    assert_eq!(ids("DecimalID gt 0.3"), ["b", "c", "d", "h"]);
    assert_eq!(ids("DecimalID lt 0.30000000000000004"), ["a", "e"]);
    assert_eq!(ids("DecimalID eq 9007199254740993.0"), ["c"]);
    assert_eq!(ids("DecimalID ge 100000000000000000000"), ["d"]);
    assert_eq!(ids("DecimalID eq Count"), ["c", "f"]);
    assert_eq!(ids("DecimalID lt Count"), ["b"]);
    assert_eq!(ids("DecimalID eq null"), ["f"]);
    assert_eq!(ids("Decimals/any(x: x eq 0.1)"), ["a"]);
    assert_eq!(ids("Decimals/any(x: x gt 2.5)"), ["d"]);
    assert_eq!(ids("DecimalID in (-2.5, 0.1)"), ["a", "e"]);
    // Refused, not rounded: a literal no float stands for.
    let q = odata_filter::query::QueryOptions::new()
        .parse(&s, "$filter=DecimalID lt 0.10000000000000001")
        .unwrap()
        .0;
    let e = sql::rusqlite::query(&conn, &s, &q).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Unsupported { .. }), "{e}");
    // A record holding a decimal that SQLite cannot keep exactly is refused, not rounded:
    // 18446744073709551615 is beyond i64, and as a float it would be 18446744073709551616.
    let e = sql::rusqlite::insert_records(
        &conn,
        &s,
        [r#"{"id":"g","DecimalID":18446744073709551615}"#],
    )
    .unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Record { .. }), "{e}");
    assert!(e.to_string().contains("18446744073709551615"), "{e}");
    let big = records[6];
    assert_eq!(ids("DecimalID eq 1234567890123456800"), ["h"]);
    assert_eq!(ids("DecimalID gt 1234567890123456790"), ["d", "h"]);
    let e = sql::insert_sql(&s, "Accounts", big, &sql::MySqlDialect).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Record { .. }), "{e}");
    sql::insert_sql(&s, "Accounts", big, &PostgresDialect).unwrap();
}

/// A decimal of up to 28 digits with a random scale.
fn decimal() -> impl Strategy<Value = Decimal> {
    (
        -9_999_999_999_999_999_999_999_999_999i128..=9_999_999_999_999_999_999_999_999_999,
        0u32..=28,
    )
        .prop_map(|(m, s)| Decimal::from_i128_with_scale(m, s))
}

proptest! {
    /// Any decimal literal goes through the checker, the canonical text and PostgreSQL's
    /// parameters unchanged, and matches exactly the records holding its value.
    #[test]
    fn decimal_literals_go_through_unchanged(d in decimal()) {
        let text = d.to_string();
        let literal = if text.contains('.') || d.to_string().parse::<i64>().is_err() {
            text.clone()
        } else {
            format!("{text}.0")
        };
        let f = format!("DecimalID eq {literal}");
        prop_assert_eq!(canonical(&f), f.clone());
        let w = sql::where_clause(&filter(&f), &schema(), "Accounts", &PostgresDialect).unwrap();
        prop_assert_eq!(&w.params, &vec![SqlValue::Decimal(d)]);
        prop_assert_eq!(&serde_json::to_value(&w).unwrap()["params"][0], &json!(literal));
        let lines = LineFilter::new(Some(&filter(&f)));
        prop_assert_eq!(lines.test(format!("{{\"DecimalID\":{text}}}")), Verdict::Accept);
        let next = d + Decimal::new(1, d.scale());
        prop_assert_eq!(lines.test(format!("{{\"DecimalID\":{next}}}")), Verdict::Reject);
    }
}
