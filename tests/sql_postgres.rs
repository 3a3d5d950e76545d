//! The SQL backend against a real PostgreSQL (`ODATA_FILTER_PG_URL`, started by
//! `bash scripts/test`): the same semantics as SQLite, exact numbers, `LIKE` escaping, index
//! use, and refusals. Each test works in a fresh schema (namespace).
#![cfg(feature = "postgres")]

mod sql_support;

use odata_filter::schema::{catalog, EntitySchema};
use odata_filter::sql::{self, ErrorKind, PostgresDialect, SqlValue};
use sql_support::{
    agree_with_oracle, all_filterable, assert_plan, case_mapping_agrees, filter, ids,
    machine_actions_agree, machines_agree, ndjson, pg_params, query, text_matching_agrees, Backend,
    Explain, Postgres, MACHINE_ACTIONS,
};

#[test]
fn machine_actions_agree_with_the_oracle() {
    let Some(mut db) = Postgres::connect("machine_actions") else {
        return;
    };
    let s = machine_actions_agree(&mut db);
    let mut eq = |lit: &str| ids(&mut db, &s, &format!("creationDateTimeUtc eq {lit}"));
    assert_eq!(eq("2018-12-04T14:43:57.2011911+02:00"), ["69dc3630"]);
    assert!(eq("2018-12-04T12:43:57.2011912Z").is_empty());
    assert_eq!(eq("2024-03-01T07:30:00.1234567Z"), ["2be9be11"]);
    assert_eq!(
        ids(&mut db, &s, "creationDateTimeUtc lt 3000-01-01T00:00:00Z").len(),
        10
    );
}

#[test]
fn machines_agree_with_the_oracle() {
    let Some(mut db) = Postgres::connect("machines") else {
        return;
    };
    machines_agree(&mut db);
}

#[test]
fn like_patterns_escape_wildcards_and_the_escape_character() {
    let Some(mut db) = Postgres::connect("like") else {
        return;
    };
    text_matching_agrees(&mut db);
}

#[test]
fn numbers_compare_exactly() {
    let Some(mut db) = Postgres::connect("numbers") else {
        return;
    };
    let s = sql_support::numbers();
    let lines = sql_support::NUMBER_RECORDS;
    agree_with_oracle(
        &mut db,
        &s,
        lines,
        sql_support::NUMBER_FILTERS,
        &["d desc", "i"],
    );
    assert_eq!(ids(&mut db, &s, "d eq 9007199254740993"), ["n1______"]);
    assert_eq!(ids(&mut db, &s, "d eq 0.1"), ["n3______"]);
}

#[test]
fn equality_and_ranges_use_indexes() {
    let Some(mut db) = Postgres::connect("explain") else {
        return;
    };
    let s = all_filterable(&catalog::machine_action());
    db.load(&s, &ndjson(MACHINE_ACTIONS));
    db.client.batch_execute("ANALYZE").unwrap();
    for f in [
        "status eq 'Succeeded'",
        "creationDateTimeUtc gt 2024-01-01T00:00:00Z",
        "creationDateTimeUtc ge 2024-01-01T00:00:00Z and creationDateTimeUtc lt 2024-03-02T00:00:00Z",
        "machineId in ('a', 'b')",
        "id eq 69dc3630-1ccc-4342-acf3-35286eec741d",
        "scope ne null",
    ] {
        // Or "Bitmap Index Scan".
        assert_plan(&mut db, &s, f, &["Index Scan"]);
    }
}

#[test]
fn text_with_nul_is_refused_before_sql_runs() {
    let Some(mut db) = Postgres::connect("nul") else {
        return;
    };
    let s = all_filterable(&catalog::machine_action());
    db.load(&s, &[]);
    let record = r#"{"id":"69dc3630-1ccc-4342-acf3-35286eec741d","requestor":"a\u0000b"}"#;
    let e = sql::postgres::insert_records(&mut db.client, &s, [record]).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Record { .. }), "{e}");
    assert!(
        e.to_string()
            .contains("record 0: field `requestor`: the postgres dialect"),
        "{e}"
    );
    let f = filter(&s, "requestor eq 'a\u{0}b'");
    let e = sql::where_clause(&f, &s, "t", &PostgresDialect).unwrap_err();
    assert_eq!(
        e.to_string(),
        "the postgres dialect does not support strings containing U+0000"
    );
    // At the literal.
    assert_eq!(e.span().map(|s| (s.start, s.end)), Some((13, 18)));
    // Dialects whose text holds it bind it (SQLite's does, but its string functions stop at
    // it, so it refuses it too).
    let w = sql::where_clause(&f, &s, "t", &sql::MySqlDialect).unwrap();
    assert_eq!(w.params, [SqlValue::Text("a\0b".into())]);
}

#[test]
fn default_order_pages_come_off_an_index() {
    let Some(mut db) = Postgres::connect("default_order") else {
        return;
    };
    let s = catalog::machine_action();
    db.load(&s, &ndjson(MACHINE_ACTIONS));
    db.client.batch_execute("ANALYZE").unwrap();
    for (skip, top) in [(0, Some(100)), (5, Some(3)), (0, None)] {
        let q = sql::select(
            &query(&s, None, &[], skip, top),
            &s,
            "MachineActions",
            &PostgresDialect,
        )
        .unwrap();
        let plan = db.explain(&q);
        assert!(plan.contains("MachineActions_default_order"), "{plan}");
        assert!(!plan.contains("Sort"), "{plan}");
    }
}

#[test]
fn inserts_join_the_callers_transaction_and_a_duplicate_key_is_told_apart() {
    let Some(mut db) = Postgres::connect("transaction") else {
        return;
    };
    let s = all_filterable(&catalog::machine_action());
    let records = ndjson(MACHINE_ACTIONS);
    db.load(&s, &[]);
    db.client
        .batch_execute(r#"CREATE UNIQUE INDEX "key" ON "MachineActions" ("id")"#)
        .unwrap();
    let all = query(&s, None, &[], 0, None);
    let mut tx = db.client.transaction().unwrap();
    assert_eq!(
        sql::postgres::insert_records(&mut tx, &s, &records[..2]).unwrap(),
        2
    );
    // A duplicate key undoes only its own records, and says which constraint failed.
    let e = sql::postgres::insert_records(&mut tx, &s, [records[2], records[0]]).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Database { .. }), "{e}");
    let source = std::error::Error::source(&e).expect("the driver's error");
    let pg = source
        .downcast_ref::<postgres::Error>()
        .expect("a postgres::Error");
    assert_eq!(
        pg.code(),
        Some(&postgres::error::SqlState::UNIQUE_VIOLATION)
    );
    assert_eq!(sql::postgres::count(&mut tx, &s, &all).unwrap(), 2);
    tx.rollback().unwrap();
    assert_eq!(sql::postgres::count(&mut db.client, &s, &all).unwrap(), 0);
    let mut tx = db.client.transaction().unwrap();
    sql::postgres::insert_records(&mut tx, &s, &records).unwrap();
    tx.commit().unwrap();
    assert_eq!(
        sql::postgres::count(&mut db.client, &s, &all).unwrap(),
        records.len() as u64
    );
}

/// An entity with Decimal fields, a Double and an Int64.
fn accounts() -> EntitySchema {
    use odata_filter::schema::{Field, FieldType};
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

#[test]
fn decimals_are_exact() {
    let Some(mut db) = Postgres::connect("decimals") else {
        return;
    };
    let s = accounts();
    let lines = [
        r#"{"id":"a_______","DecimalID":0.1,"Amount":0.1,"Count":0,"Decimals":[0.1,2.5]}"#,
        // The in-memory oracle reads records through `serde_json::Value`, which holds a
        // double: its records' decimals are the shortest text of a double (others are
        // checked below, against the literals).
        r#"{"id":"b_______","DecimalID":3258.67876576549,"Amount":3258.6787657654898}"#,
        r#"{"id":"c_______","DecimalID":9007199254740993,"Count":9007199254740993}"#,
        r#"{"id":"d_______","DecimalID":18446744073709551615,"Decimals":[1e20]}"#,
        r#"{"id":"e_______","DecimalID":-2.5,"Amount":-2.5,"Count":-3}"#,
        r#"{"id":"f_______","DecimalID":1e300}"#,
    ];
    agree_with_oracle(
        &mut db,
        &s,
        &lines,
        &[
            "DecimalID eq 0.1",
            "DecimalID lt 0.10000000000000001",
            "DecimalID gt 3258.678765765489753678965390",
            "DecimalID lt 3258.678765765489753678965390",
            "DecimalID eq 12345678901234567890.12",
            "DecimalID ge 12345678901234567890",
            "DecimalID eq 18446744073709551615",
            "DecimalID eq 9007199254740993.0",
            "DecimalID eq Count",
            "DecimalID lt Count",
            "DecimalID eq Amount",
            "DecimalID lt Amount",
            "DecimalID eq null",
            "DecimalID in (-2.5, 0.1, 79228162514264337593543950335)",
            "Decimals/any(x: x eq 0.1)",
            "Decimals/any(x: x gt 2.5)",
            "Count lt 9007199254740993.5",
        ],
        &["DecimalID desc", "DecimalID"],
    );
    // Compared with a Double, a Decimal is promoted to Double (issue 14): the decimal 0.1
    // equals the double 0.1, and 3258.67876576549 the double 3258.6787657654898 (null is null).
    assert_eq!(
        ids(&mut db, &s, "DecimalID eq Amount"),
        ["a_______", "b_______", "e_______", "f_______"]
    );
    assert_eq!(
        ids(&mut db, &s, "DecimalID lt 0.10000000000000001"),
        ["a_______", "e_______"]
    );
    // A record's decimal is stored with every digit it was written with.
    let Some(mut exact) = Postgres::connect("decimals_text") else {
        return;
    };
    exact.load(
        &s,
        &[
            r#"{"id":"h_______","DecimalID":3258.678765765489753678965390}"#,
            r#"{"id":"i_______","DecimalID":1.00000000000000000001}"#,
            r#"{"id":"g_______","DecimalID":12345678901234567890.12}"#,
        ],
    );
    for (f, want) in [
        (
            "DecimalID eq 3258.678765765489753678965390",
            &["h_______"][..],
        ),
        (
            "DecimalID gt 3258.67876576548975367896538",
            &["g_______", "h_______"][..],
        ),
        (
            "DecimalID lt 3258.678765765489753678965390",
            &["i_______"][..],
        ),
        ("DecimalID gt 1", &["g_______", "h_______", "i_______"][..]),
        ("DecimalID eq 12345678901234567890.12", &["g_______"][..]),
        ("DecimalID ge 12345678901234567890", &["g_______"][..]),
        (
            "DecimalID lt 12345678901234567890.12",
            &["h_______", "i_______"][..],
        ),
        ("DecimalID eq 1.00000000000000000001", &["i_______"][..]),
    ] {
        assert_eq!(ids(&mut exact, &s, f), want, "{f}");
    }
    // The parameter reaches the server with every digit (and its scale).
    let w = sql::where_clause(
        &filter(&s, "DecimalID eq 3258.678765765489753678965390"),
        &s,
        "Accounts",
        &PostgresDialect,
    )
    .unwrap();
    assert_eq!(w.sql, r#"("DecimalID" = $1::numeric)"#);
    let row = db
        .client
        .query_one("SELECT $1::numeric::text", &pg_params(&w.params))
        .unwrap();
    assert_eq!(row.get::<_, String>(0), "3258.678765765489753678965390");
}

#[test]
fn case_mapping_is_unicode_or_refused() {
    let Some(mut db) = Postgres::connect("case") else {
        return;
    };
    case_mapping_agrees(&mut db);
}
