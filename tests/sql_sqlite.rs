//! The SQL backend against a real SQLite (rusqlite, bundled, in memory): null rules,
//! timestamps, text matching, lambdas, ordering, paging, index use, and agreement with the
//! reference semantics.
#![cfg(feature = "rusqlite")]

mod sql_support;

use odata_filter::query::Query;
use odata_filter::schema::{catalog, EntitySchema};
use odata_filter::sql::{self, Dialect, ErrorKind, SqlType, SqliteDialect};
use rusqlite::Connection;
use sql_support::{
    agree_with_oracle, all_filterable, assert_plan, case_mapping_agrees, filter,
    machine_actions_agree, machines_agree, ndjson, note_records, notes, query, reference,
    text_matching_agrees, where_sql, Backend, Explain, Sqlite, MACHINES, MACHINE_ACTIONS,
};

/// A fresh database holding `records` in `schema`'s table.
fn load(schema: &EntitySchema, records: &[&str]) -> Connection {
    let mut db = Sqlite::new();
    db.load(schema, records);
    db.0
}

fn machine_actions() -> (Connection, EntitySchema) {
    let schema = all_filterable(&catalog::machine_action());
    (load(&schema, &ndjson(MACHINE_ACTIONS)), schema)
}

fn machines() -> (Connection, EntitySchema) {
    let schema = all_filterable(&catalog::machine());
    (load(&schema, &ndjson(MACHINES)), schema)
}

/// The first 8 characters of the `id` of each record `q` selects, in order.
fn ids_of(conn: &Connection, schema: &EntitySchema, q: &Query) -> Vec<String> {
    sql::rusqlite::query(conn, schema, q)
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap()[..8].to_owned())
        .collect()
}

/// The ids `text` selects in id order.
fn ids(conn: &Connection, schema: &EntitySchema, text: &str) -> Vec<String> {
    let mut ids = ids_of(conn, schema, &query(schema, Some(text), &[], 0, None));
    ids.sort();
    ids
}

fn sorted(ids: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = ids.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

#[test]
fn ne_is_true_when_the_field_is_null() {
    let (conn, s) = machine_actions();
    let all = ids(&conn, &s, "true");
    assert_eq!(all.len(), 10);
    let ne = ids(&conn, &s, "scope ne 'Full'");
    assert_eq!(ne.len(), 9, "{ne:?}");
    assert!(!ne.contains(&"2e9da30d".to_owned()));
    assert!(
        ne.contains(&"69dc3630".to_owned()),
        "null scope must match ne"
    );
    assert_eq!(ids(&conn, &s, "scope eq null").len(), 7);
    assert_eq!(ids(&conn, &s, "scope ne null").len(), 3);
    assert_eq!(ids(&conn, &s, "not (scope eq 'Full')"), ne);
    assert_eq!(ids(&conn, &s, "not (scope ne 'Full')"), ["2e9da30d"]);
}

#[test]
fn not_of_an_ordering_keeps_null_rows() {
    let (conn, s) = machines();
    // osBuild is null in 4da8380b and 181e3667.
    assert_eq!(
        ids(&conn, &s, "not (osBuild gt 20000)"),
        sorted(&["f46b9bb2", "0984bce6", "4da8380b", "181e3667"])
    );
    assert_eq!(
        ids(&conn, &s, "osBuild le 20000"),
        sorted(&["f46b9bb2", "0984bce6"])
    );
    assert_eq!(
        ids(&conn, &s, "not (not (osBuild gt 20000))"),
        sorted(&["7b1f4967", "e1e9245c"])
    );
    // Kleene: null and false is false, so its negation holds for the null rows too.
    assert_eq!(
        ids(&conn, &s, "not (osBuild gt 20000 and rbacGroupId eq 301)"),
        sorted(&["f46b9bb2", "7b1f4967", "0984bce6", "4da8380b", "181e3667"])
    );
}

#[test]
fn timestamps_compare_as_instants_with_seven_digits() {
    let (conn, s) = machine_actions();
    let eq = |lit: &str| ids(&conn, &s, &format!("creationDateTimeUtc eq {lit}"));
    assert_eq!(eq("2018-12-04T12:43:57.2011911Z"), ["69dc3630"]);
    assert_eq!(eq("2018-12-04T14:43:57.2011911+02:00"), ["69dc3630"]);
    assert!(eq("2018-12-04T12:43:57.2011912Z").is_empty());
    assert!(eq("2018-12-04T12:43:57.201191Z").is_empty());
    // Stored as 2024-03-01T09:30:00.1234567+02:00.
    assert_eq!(eq("2024-03-01T07:30:00.1234567Z"), ["2be9be11"]);
    assert_eq!(eq("2024-03-01T02:30:00.1234567-05:00"), ["2be9be11"]);
    assert_eq!(
        ids(
            &conn,
            &s,
            "creationDateTimeUtc gt 2024-03-04T07:00:12Z and creationDateTimeUtc lt 2024-03-04T07:00:12.0000002Z"
        ),
        ["7086eaa2"]
    );
    // Beyond the nanosecond range: still compared correctly.
    assert_eq!(
        ids(&conn, &s, "creationDateTimeUtc lt 3000-01-01T00:00:00Z").len(),
        10
    );
    assert!(ids(&conn, &s, "creationDateTimeUtc gt 3000-01-01T00:00:00Z").is_empty());
    assert_eq!(
        ids(&conn, &s, "creationDateTimeUtc ne 1000-01-01T00:00:00Z").len(),
        10
    );
    assert_eq!(
        ids(&conn, &s, "cancellationDateTimeUtc lt 3000-01-01T00:00:00Z"),
        ["611d58c3"]
    );
}

#[test]
fn text_matching_is_literal_and_case_sensitive() {
    let s = notes();
    let texts = [
        "50%_off",
        "50xxoff",
        "50%Xoff",
        "a*b",
        "axb",
        "a?b",
        "[ab]",
        "a",
        "Analyst",
        "analyst",
        "back\\slash",
        "quote'",
        "ünïcödé",
        "",
    ];
    let mut records = note_records(&texts);
    records.push(r#"{"id":"nul"}"#.to_owned());
    let conn = load(&s, &records.iter().map(String::as_str).collect::<Vec<_>>());
    let hits = |f: &str| -> Vec<String> {
        let found = sql::rusqlite::query(&conn, &s, &query(&s, Some(f), &[], 0, None)).unwrap();
        found
            .iter()
            .map(|r| r["text"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(hits("contains(text, '%_')"), ["50%_off"]);
    assert_eq!(hits("startswith(text, '50%')"), ["50%_off", "50%Xoff"]);
    assert_eq!(hits("contains(text, '*')"), ["a*b"]);
    assert_eq!(hits("contains(text, '?')"), ["a?b"]);
    assert_eq!(hits("startswith(text, '[')"), ["[ab]"]);
    assert_eq!(hits("endswith(text, ']')"), ["[ab]"]);
    assert_eq!(hits("startswith(text, 'analyst')"), ["analyst"]);
    assert_eq!(hits("contains(text, '\\')"), ["back\\slash"]);
    assert_eq!(hits("endswith(text, '''')"), ["quote'"]);
    assert_eq!(hits("contains(text, 'ïc')"), ["ünïcödé"]);
    assert_eq!(hits("text eq 'quote'''"), ["quote'"]);
    // The empty string is a prefix of every non-null string; null stays unknown.
    assert_eq!(hits("startswith(text, '')").len(), texts.len());
    assert_eq!(hits("not startswith(text, 'a')").len(), texts.len() - 5);
    assert_eq!(hits("tolower(text) eq 'analyst'"), ["Analyst", "analyst"]);
    assert_eq!(hits("toupper(text) eq 'ÜNÏCÖDÉ'"), ["ünïcödé"]);
    assert_eq!(hits("toupper(text) eq 'üNïCöDé'"), Vec::<String>::new());
    // Non-literal patterns use instr/substr.
    assert_eq!(
        hits("startswith(text, substring(text, 0, 2))").len(),
        texts.len()
    );
    assert_eq!(hits("endswith(concat('x', text), text)").len(), texts.len());
    assert_eq!(
        hits("contains(text, concat(text, 'x'))"),
        Vec::<String>::new()
    );
}

/// `tolower`/`toupper` are the crate's registered functions: Unicode's full case mapping.
#[test]
fn case_mapping_is_unicode() {
    case_mapping_agrees(&mut Sqlite::new());
}

/// A connection without the crate's functions fails loudly, never answers differently.
#[test]
fn case_mapping_needs_the_registered_functions() {
    let s = notes();
    let conn = Connection::open_in_memory().unwrap();
    sql::rusqlite::create_table(&conn, &s).unwrap();
    let w = where_sql(&s, "tolower(text) eq 'a'", &SqliteDialect);
    let e = conn
        .prepare(&format!(
            "SELECT _doc FROM {} WHERE {}",
            s.entity_set(),
            w.sql
        ))
        .unwrap_err();
    assert!(
        e.to_string().contains("no such function: odata_lower"),
        "{e}"
    );
    sql::rusqlite::register_functions(&conn).unwrap();
    let upper: Option<String> = conn
        .query_row("SELECT odata_upper(?1)", ["Straße"], |r| r.get(0))
        .unwrap();
    assert_eq!(upper.as_deref(), Some("STRASSE"));
    let none: Option<String> = conn
        .query_row("SELECT odata_lower(12)", [], |r| r.get(0))
        .unwrap();
    assert_eq!(none, None);
}

/// The text suite of the server backends, in SQLite too.
#[test]
fn text_compares_by_code_point_without_padding() {
    text_matching_agrees(&mut Sqlite::new());
}

#[test]
fn lambdas_over_a_collection() {
    let (conn, s) = machines();
    assert_eq!(
        ids(&conn, &s, "machineTags/any(t: t eq 'Finance')"),
        sorted(&["f46b9bb2", "e1e9245c"])
    );
    assert_eq!(
        ids(&conn, &s, "machineTags/all(t: t ne 'Finance')"),
        sorted(&["7b1f4967", "0984bce6", "4da8380b", "181e3667"])
    );
    assert_eq!(
        ids(&conn, &s, "not machineTags/any()"),
        sorted(&["7b1f4967", "181e3667"])
    );
    assert_eq!(ids(&conn, &s, "machineTags/any()").len(), 4);
    assert_eq!(
        ids(
            &conn,
            &s,
            "machineTags/all(t: startswith(t, 'P') or t eq 'SQL')"
        ),
        sorted(&["7b1f4967", "0984bce6", "181e3667"])
    );
    // The lambda body may refer to the record.
    assert_eq!(
        ids(
            &conn,
            &s,
            "machineTags/any(t: t eq 'Finance' and rbacGroupId eq 301)"
        ),
        ["e1e9245c"]
    );
}

#[test]
fn lambdas_over_nested_collections_of_objects() {
    let (conn, s) = machine_actions();
    let f =
        "commands/any(c: c/command/params/any(p: p/key eq 'Path' and contains(p/value, 'Temp')))";
    assert_eq!(ids(&conn, &s, f), ["4aa49e91"]);
    assert_eq!(
        ids(&conn, &s, "commands/any(c: c/errors/any())"),
        Vec::<String>::new()
    );
    assert_eq!(
        ids(&conn, &s, "commands/any(c: c/endTime eq null)"),
        ["4aa49e91"]
    );
    assert_eq!(
        ids(&conn, &s, "commands/all(c: c/commandStatus eq 'Completed')").len(),
        9
    );
}

#[test]
fn order_nulls_first_ascending_and_last_descending() {
    let (conn, s) = machine_actions();
    let asc = ids_of(&conn, &s, &query(&s, None, &["scope"], 0, None));
    // Seven null scopes first (by key), then Full, Quick, Selective.
    assert_eq!(
        &asc[..7],
        ["1abe31bd", "44cffc15", "4aa49e91", "611d58c3", "67ffa19c", "69dc3630", "7086eaa2"]
    );
    assert_eq!(&asc[7..], ["2e9da30d", "2be9be11", "5382f7ea"]);
    let desc = ids_of(&conn, &s, &query(&s, None, &["scope desc"], 0, None));
    assert_eq!(&desc[..3], ["5382f7ea", "2be9be11", "2e9da30d"]);
    assert_eq!(&desc[3..], &asc[..7]);
    // Default order: creationDateTimeUtc desc; with paging.
    let page = ids_of(&conn, &s, &query(&s, None, &[], 2, Some(3)));
    assert_eq!(page, ["1abe31bd", "4aa49e91", "2be9be11"]);
    let rest = ids_of(&conn, &s, &query(&s, None, &[], 8, None));
    assert_eq!(rest, ["2e9da30d", "44cffc15"]);
    assert!(ids_of(&conn, &s, &query(&s, None, &[], 0, Some(0))).is_empty());
    let q = query(&s, Some("status eq 'Succeeded'"), &[], 1, Some(2));
    assert_eq!(sql::rusqlite::count(&conn, &s, &q).unwrap(), 5);
}

#[test]
fn numbers_compare_exactly() {
    let (conn, s) = machines();
    assert_eq!(
        ids(&conn, &s, "rbacGroupId gt 140.5"),
        sorted(&["0984bce6", "e1e9245c", "4da8380b"])
    );
    assert_eq!(ids(&conn, &s, "rbacGroupId eq 140.0").len(), 2);
    assert!(ids(&conn, &s, "rbacGroupId eq 140.5").is_empty());
    assert_eq!(ids(&conn, &s, "rbacGroupId ne 140.5").len(), 6);
    assert_eq!(ids(&conn, &s, "rbacGroupId in (0.0, 0.5, 215)").len(), 2);
    assert_eq!(ids(&conn, &s, "rbacGroupId lt 1e300").len(), 6);
    assert!(ids(&conn, &s, "rbacGroupId gt INF").is_empty());
    assert!(ids(&conn, &s, "rbacGroupId eq NaN").is_empty());
    assert_eq!(ids(&conn, &s, "rbacGroupId ne NaN").len(), 6);
}

#[test]
fn doubles_and_int64_agree_with_the_oracle() {
    let s = sql_support::numbers();
    let lines = sql_support::NUMBER_RECORDS;
    agree_with_oracle(
        &mut Sqlite::new(),
        &s,
        lines,
        sql_support::NUMBER_FILTERS,
        &["d desc", "i"],
    );
}

#[test]
fn functions_follow_the_evaluator() {
    let mut db = Sqlite::new();
    let s = machine_actions_agree(&mut db);
    let conn = db.0;
    // Spot-check the oracle itself on two of them.
    assert_eq!(
        ids(&conn, &s, "hour(creationDateTimeUtc) eq 7"),
        ["2be9be11", "7086eaa2"]
    );
    // Analyst@... eight times, and o'brien@.
    assert_eq!(ids(&conn, &s, "indexof(requestor, '@') eq 7").len(), 9);
}

#[test]
fn machines_agree_with_the_oracle() {
    machines_agree(&mut Sqlite::new());
}

#[test]
fn equality_and_ranges_use_indexes() {
    let (conn, s) = machine_actions();
    let mut db = Sqlite(conn);
    for f in [
        "status eq 'Succeeded'",
        "creationDateTimeUtc gt 2024-01-01T00:00:00Z",
        "creationDateTimeUtc ge 2024-01-01T00:00:00Z and creationDateTimeUtc lt 2024-03-02T00:00:00Z",
        "machineId in ('a', 'b')",
        "startswith(requestor, 'Analyst@')",
    ] {
        assert_plan(&mut db, &s, f, &["USING INDEX"]);
    }
}

#[test]
fn records_that_cannot_be_stored_are_refused() {
    let s = all_filterable(&catalog::machine_action());
    let conn = Connection::open_in_memory().unwrap();
    sql::rusqlite::create_table(&conn, &s).unwrap();
    let good = ndjson(MACHINE_ACTIONS)[0];
    let far = r#"{"id":"00000000-0000-0000-0000-000000000001","creationDateTimeUtc":"9999-12-31T23:00:00-05:00"}"#;
    let e = sql::rusqlite::insert_records(&conn, &s, [good, far]).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Record { .. }), "{e}");
    assert!(e.to_string().contains("record 1"), "{e}");
    // Nothing was inserted.
    assert!(ids(&conn, &s, "true").is_empty());
    let e = sql::rusqlite::insert_records(&conn, &s, ["[1]"]).unwrap_err();
    assert!(e.to_string().contains("not a JSON object"), "{e}");
}

/// A dialect that overrides only its name and placeholders: everything else is the trait's
/// standard-SQL default, which SQLite happens to accept for comparisons and paging.
#[derive(Debug)]
struct Minimal;

impl Dialect for Minimal {
    fn name(&self) -> &'static str {
        "minimal"
    }

    fn placeholder(&self, index: usize, _ty: SqlType) -> String {
        format!("?{index}")
    }
}

#[test]
fn a_new_dialect_needs_only_what_differs() {
    let (conn, s) = machine_actions();
    let records: Vec<serde_json::Value> = ndjson(MACHINE_ACTIONS)
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    for (f, order, skip, top) in [
        (
            "scope ne 'Full' and not (creationDateTimeUtc gt 2024-01-01T00:00:00Z)",
            &["scope"][..],
            1,
            Some(3),
        ),
        (
            "requestor eq machineId or scope eq scope",
            &["scope desc"][..],
            0,
            None,
        ),
        ("not (scope in ('Full', null))", &[][..], 2, Some(2)),
    ] {
        let q = query(&s, Some(f), order, skip, top);
        let sql = sql::select(&q, &s, s.entity_set(), &Minimal).unwrap();
        let mut stmt = conn.prepare(&sql.sql).unwrap();
        let got: Vec<String> = stmt
            .query_map(rusqlite::params_from_iter(&sql.params), |r| {
                r.get::<_, String>(0)
            })
            .unwrap()
            .map(|d| {
                let v: serde_json::Value = serde_json::from_str(&d.unwrap()).unwrap();
                v["id"].as_str().unwrap()[..8].to_owned()
            })
            .collect();
        let want: Vec<String> = reference::select(&q, &s, &records)
            .into_iter()
            .map(|i| records[i]["id"].as_str().unwrap()[..8].to_owned())
            .collect();
        assert_eq!(got, want, "{f}\n{}", sql.sql);
    }
    // What has no standard spelling is refused, naming the dialect and the construct.
    let m = all_filterable(&catalog::machine());
    let f = "machineTags/any(t: t eq 'x')";
    let e = sql::where_clause(&filter(&m, f), &m, "t", &Minimal).unwrap_err();
    match e.kind() {
        ErrorKind::Unsupported { dialect, what } => {
            assert_eq!(dialect, "minimal");
            assert!(what.contains("lambda operators"), "{what}");
        }
        other => panic!("{other:?}"),
    }
    assert!(e
        .to_string()
        .starts_with("the minimal dialect does not support"));
}

#[test]
fn default_order_pages_come_off_an_index() {
    for schema in [catalog::machine_action(), catalog::machine()] {
        let mut db = Sqlite(load(&schema, &[]));
        for (skip, top) in [(0, Some(100)), (50, Some(100)), (0, None)] {
            let q = query(&schema, None, &[], skip, top);
            let select = sql::select(&q, &schema, schema.entity_set(), &SqliteDialect).unwrap();
            let p = db.explain(&select);
            let index = format!("USING INDEX {}_default_order", schema.entity_set());
            assert!(p.contains(&index), "{p}");
            assert!(!p.contains("TEMP B-TREE"), "{p}");
        }
    }
}

#[test]
fn inserts_join_the_callers_transaction() {
    let s = all_filterable(&catalog::machine_action());
    let records = ndjson(MACHINE_ACTIONS);
    let conn = load(&s, &[]);
    let tx = conn.unchecked_transaction().unwrap();
    assert_eq!(
        sql::rusqlite::insert_records(&tx, &s, &records[..2]).unwrap(),
        2
    );
    // A failed insert undoes only its own records.
    let e = sql::rusqlite::insert_records(&tx, &s, [records[2], "[1]"]).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Record { .. }), "{e}");
    assert_eq!(ids(&tx, &s, "true").len(), 2);
    tx.rollback().unwrap();
    assert!(ids(&conn, &s, "true").is_empty());
    let tx = conn.unchecked_transaction().unwrap();
    sql::rusqlite::insert_records(&tx, &s, &records).unwrap();
    tx.commit().unwrap();
    assert_eq!(ids(&conn, &s, "true").len(), records.len());
}

#[test]
fn a_duplicate_key_is_told_apart_through_the_source() {
    let (conn, s) = machine_actions();
    conn.execute_batch(r#"CREATE UNIQUE INDEX "key" ON "MachineActions" ("id")"#)
        .unwrap();
    let e = sql::rusqlite::insert_records(&conn, &s, [ndjson(MACHINE_ACTIONS)[3]]).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Database { .. }), "{e}");
    let source = std::error::Error::source(&e).expect("the driver's error");
    let Some(rusqlite::Error::SqliteFailure(failure, _)) = source.downcast_ref() else {
        panic!("not a SQLite failure: {source:?}");
    };
    assert_eq!(
        failure.extended_code,
        rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
    );
    // Errors still compare by kind.
    assert_eq!(e.clone(), e);
    assert_eq!(ids(&conn, &s, "true").len(), 10);
}

/// The `_doc` of each record `text` selects in SQLite and, separately, of each record the
/// in-memory evaluator matches, both sorted.
fn sqlite_and_evaluator(
    conn: &Connection,
    schema: &EntitySchema,
    lines: &[&str],
    text: &str,
) -> (Vec<String>, Vec<String>) {
    let q = query(schema, Some(text), &[], 0, None);
    let mut got = sql::rusqlite::query_text(conn, schema, &q).unwrap_or_else(|e| panic!("{e}"));
    got.sort();
    let p = odata_filter::eval::Predicate::compile(q.filter.as_ref().unwrap());
    let mut want: Vec<String> = lines
        .iter()
        .filter(|l| p.matches(&serde_json::from_str(l).unwrap()))
        .map(|l| l.to_string())
        .collect();
    want.sort();
    (got, want)
}

/// The longest chain `term(0) sep term(1) sep ...` that the default limits accept.
fn longest_chain(schema: &EntitySchema, term: impl Fn(usize) -> String, sep: &str) -> String {
    let chain = |n: usize| (0..n).map(&term).collect::<Vec<_>>().join(sep);
    let accepted = |n: usize| {
        let text = chain(n);
        odata_filter::syntax::parse(&text)
            .ok()
            .is_some_and(|t| odata_filter::check::check(schema, &t, &text).is_ok())
    };
    let (mut lo, mut hi) = (1, 2);
    while accepted(hi) {
        (lo, hi) = (hi, hi * 2);
    }
    while hi - lo > 1 {
        let mid = (lo + hi) / 2;
        if accepted(mid) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    chain(lo)
}

#[test]
fn the_longest_chains_the_checker_accepts_run() {
    let s = all_filterable(&catalog::machine());
    let lines = ndjson(MACHINES);
    let conn = load(&s, &lines);
    let shapes: [(&dyn Fn(usize) -> String, &str); 5] = [
        // Not one `IN` list: text matches, and fields that alternate with other tests.
        (&|i| format!("contains(computerDnsName, '{i}')"), " or "),
        (&|i| format!("(osBuild eq {i} and isAadJoined)"), " or "),
        (&|i| format!("osBuild ne {i}"), " and "),
        (
            &|i| format!("not isAadJoined or rbacGroupId lt {i}"),
            " and ",
        ),
        // Under `not`, where only falsehood is observed.
        (
            &|i| format!("not contains(computerDnsName, '{i}')"),
            " and ",
        ),
    ];
    for (term, sep) in shapes {
        let text = longest_chain(&s, term, sep);
        assert!(text.len() > 20_000, "{}", text.len());
        let (got, want) = sqlite_and_evaluator(&conn, &s, &lines, &text);
        assert_eq!(got, want, "{}...", &text[..60]);
    }
}

#[test]
fn text_with_nul_is_refused_with_its_position() {
    let s = all_filterable(&catalog::machine_action());
    for f in [
        "contains(requestor, 'a\u{0}')",
        "startswith(requestor, 'a\u{0}')",
        "endswith(requestor, '\u{0}')",
        "requestor eq 'a\u{0}b'",
        "requestor in ('x', 'a\u{0}b')",
        "length(concat(requestor, '\u{0}')) eq 3",
        "indexof(requestor, 'b\u{0}') eq 1",
    ] {
        let e = sql::where_clause(&filter(&s, f), &s, "t", &SqliteDialect).unwrap_err();
        assert!(
            matches!(e.kind(), ErrorKind::Unsupported { dialect, .. } if dialect == "sqlite"),
            "{f}: {e}"
        );
        assert!(e.to_string().contains("U+0000"), "{f}: {e}");
        let span = e.span().unwrap_or_else(|| panic!("{f}: {e} has no span"));
        // The literal (for `in`, the whole test).
        let lit = &f[span.start..span.end];
        assert!(
            lit.contains('\0') && (lit.starts_with('\'') || f.contains(" in ")),
            "{f}: {lit:?}"
        );
    }
}

#[test]
fn records_with_nul_in_text_are_refused_naming_record_and_field() {
    // SQLite's length, substr, instr and GLOB stop at U+0000: such a record would silently
    // disagree with the evaluator on length(), substring(), contains()...
    let s = all_filterable(&catalog::machine_action());
    let conn = Connection::open_in_memory().unwrap();
    sql::rusqlite::create_table(&conn, &s).unwrap();
    let good = ndjson(MACHINE_ACTIONS)[0];
    let nul = r#"{"id":"00000000-0000-0000-0000-000000000001","requestor":"a\u0000bc"}"#;
    let e = sql::rusqlite::insert_records(&conn, &s, [good, nul]).unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains("record 1") && msg.contains("requestor") && msg.contains("U+0000"),
        "{msg}"
    );
    assert!(ids(&conn, &s, "true").is_empty());
    // In a collection too.
    let nested = r#"{"id":"00000000-0000-0000-0000-000000000002","commands":[{"command":{"params":[{"key":"k","value":"a\u0000"}]}}]}"#;
    let e = sql::rusqlite::insert_records(&conn, &s, [nested]).unwrap_err();
    assert!(e.to_string().contains("U+0000"), "{e}");
}

#[test]
fn calendar_functions_of_instants_beyond_storage_are_answered() {
    let (conn, s) = machine_actions();
    let lines = ndjson(MACHINE_ACTIONS);
    for f in [
        "year(0001-01-01T00:00:00Z) eq 1",
        "year(0001-01-01T00:00:00Z) eq year(creationDateTimeUtc)",
        "month(1500-02-03T04:05:06Z) eq 2 and day(1500-02-03T04:05:06Z) eq 3",
        "hour(9999-12-31T23:59:59Z) eq 23 and minute(9999-12-31T23:59:59Z) eq 59",
        "second(0001-01-01T00:00:07+01:00) eq 7",
        "year(0001-01-01T00:30:00+01:00) eq 0",
        "date(3000-06-01T12:00:00Z) eq 3000-06-01",
        "date(1000-06-01T12:00:00Z) lt date(creationDateTimeUtc)",
        "time(0500-01-01T08:00:00Z) eq 08:00:00 and not (time(0500-01-01T08:00:00Z) gt 09:00:00)",
        "year(2262-04-12T00:00:00Z) eq 2262 or hour(1600-01-01T01:00:00Z) eq 2",
    ] {
        let (got, want) = sqlite_and_evaluator(&conn, &s, &lines, f);
        assert_eq!(got, want, "{f}");
    }
    let (all, _) = sqlite_and_evaluator(&conn, &s, &lines, "year(0001-01-01T00:00:00Z) eq 1");
    assert_eq!(all.len(), lines.len());
}

/// A Date against a DateTimeOffset literal (issue 14): the checker folds it to a date
/// comparison, which SQLite answers as the evaluator does, midnights, offsets and
/// nanoseconds included, in the crate's own storage.
#[test]
fn dates_against_instant_literals_agree_with_the_oracle() {
    let s = sql_support::gen::schema();
    let lines = [
        r#"{"id":"a","dt":"2024-02-29"}"#,
        r#"{"id":"b","dt":"2024-03-01"}"#,
        r#"{"id":"c","dt":"2024-03-02"}"#,
        r#"{"id":"d","dt":null}"#,
        r#"{"id":"e"}"#,
    ];
    let mut filters = Vec::new();
    for t in [
        "2024-03-01T00:00:00Z",
        "2024-03-01T00:00:00.000000001Z",
        "2024-02-29T23:59:59.999999999Z",
        "2024-03-01T00:30:00+01:00",
        "2024-03-01T07:29:59Z",
        "2024-03-02T00:00:00+00:00",
        "3000-01-01T00:00:00Z",
    ] {
        for op in ["eq", "ne", "gt", "ge", "lt", "le"] {
            filters.push(format!("dt {op} {t}"));
            filters.push(format!("{t} {op} dt"));
            filters.push(format!("not (dt {op} {t})"));
        }
        filters.push(format!("dt in ({t}, 2024-02-29)"));
        filters.push(format!("not (dt in ({t}))"));
        filters.push(format!("dt eq {t} or dt eq 2024-03-02"));
    }
    agree_with_oracle(&mut Sqlite::new(), &s, &lines, &filters, &["id desc"]);
}

/// `maxdatetime()` and `mindatetime()` are constants: SQLite agrees with the evaluator, with
/// the instant stored at its column's precision. (`now()` is a constant too, but a different
/// one at each check, which the verified round trip of these helpers would see.)
#[test]
fn the_constant_instants_agree_with_the_oracle() {
    let mut db = Sqlite::new();
    let s = all_filterable(&catalog::machine_action());
    agree_with_oracle(
        &mut db,
        &s,
        &ndjson(MACHINE_ACTIONS),
        &[
            "creationDateTimeUtc lt maxdatetime()",
            "creationDateTimeUtc le mindatetime()",
            "creationDateTimeUtc gt mindatetime() and creationDateTimeUtc ne maxdatetime()",
        ],
        &["creationDateTimeUtc desc"],
    );
}
