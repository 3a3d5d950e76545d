//! SQL generation per dialect, and SQLite execution of the generated SQL side by side with
//! hand-written SQL on the same indexed table.
//!
//! Groups: `sql_where/<dialect>/<filter>` (`sql::where_clause` for the hand-picked filters of
//! `benches/support/filters.rs`, each checked against its entity; the filter is checked once,
//! outside the loop), `sql_select/<dialect>` (a whole `SELECT` with `$orderby` and `$top`),
//! and `sqlite_count/<case>/{generated,handwritten}`: `SELECT COUNT(*)` over an in-memory SQLite
//! table made by `sql::rusqlite::create_table` (one index per filterable column), holding
//! 100,000 generated MachineAction records, after `ANALYZE` (unless `NO_ANALYZE=1` is set in
//! the environment). The generated statement is
//! `sql::count`; the hand-written one is what a person would write for the same test over the
//! same columns (`IN` lists, `NOT IN`, the same encoded parameters). Both are prepared once;
//! before measuring, both are checked to count the same rows, and their query plans are
//! printed to standard error. Needs the `rusqlite` feature:
//!
//! ```text
//! cargo bench --features rusqlite --bench sql
//! ```

// `criterion_group!` and `criterion_main!` generate undocumented items.
#![allow(missing_docs)]

#[path = "support/filters.rs"]
mod filters;
#[path = "support/records.rs"]
mod records;

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion};
use odata_filter::query::{Query, QueryOptions};
use odata_filter::schema::catalog;
use odata_filter::sql::{
    self, Dialect, MsSqlDialect, MySqlDialect, PostgresDialect, SqlValue, SqliteDialect,
};
use odata_filter::{check, syntax};
use rusqlite::types::Value as Sql;
use rusqlite::Connection;

fn dialects() -> [(&'static str, &'static dyn Dialect); 4] {
    [
        ("sqlite", &SqliteDialect),
        ("postgres", &PostgresDialect),
        ("mysql", &MySqlDialect),
        ("mssql", &MsSqlDialect),
    ]
}

fn bench_generate(c: &mut Criterion) {
    for (name, dialect) in dialects() {
        let mut group = c.benchmark_group(format!("sql_where/{name}"));
        for (filter, entity, text) in filters::realistic() {
            let schema = catalog::by_name(entity).unwrap();
            let expr = check::check(&schema, &syntax::parse(&text).unwrap(), &text).unwrap();
            let table = schema.entity_set();
            group.bench_function(filter, |b| {
                b.iter(|| sql::where_clause(black_box(&expr), &schema, table, dialect).unwrap())
            });
        }
        group.finish();
    }
    let schema = catalog::machine_action();
    let (query, _) = QueryOptions::new()
        .parse(
            &schema,
            "$filter=status eq 'Succeeded' and creationDateTimeUtc gt 2020-01-01T00:00:00Z\
             &$orderby=creationDateTimeUtc desc&$skip=20&$top=10",
        )
        .unwrap();
    let mut group = c.benchmark_group("sql_select");
    for (name, dialect) in dialects() {
        group.bench_function(name, |b| {
            b.iter(|| {
                sql::select(black_box(&query), &schema, schema.entity_set(), dialect).unwrap()
            })
        });
    }
    group.finish();
}

/// One SQLite comparison: the filter, and the hand-written SQL with its parameters.
struct Case {
    name: &'static str,
    filter: String,
    sql: String,
    params: Vec<Sql>,
    /// Another hand-written form, to show where a difference comes from.
    other: Option<(&'static str, String)>,
}

/// The instant as the table stores it: UTC text with nine fractional digits, written here as a
/// user writing the SQL by hand would.
fn instant(rfc3339: &str) -> Sql {
    let t = chrono::DateTime::parse_from_rfc3339(rfc3339).unwrap();
    let utc = t.with_timezone(&chrono::Utc);
    Sql::Text(utc.format("%Y-%m-%dT%H:%M:%S%.9fZ").to_string())
}

fn text(s: &str) -> Sql {
    Sql::Text(s.to_owned())
}

fn cases() -> Vec<Case> {
    let count = "SELECT COUNT(*) FROM \"MachineActions\" WHERE";
    let m0 = records::machine_id(0);
    let ids: Vec<String> = (0..10).map(records::machine_id).collect();
    let mut line = String::new();
    records::machine_action(42, &mut line);
    let guid = serde_json::from_str::<serde_json::Value>(&line).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let y2020 = "2020-01-01T00:00:00Z";
    vec![
        Case {
            name: "typical",
            filter: format!("machineId eq '{m0}' and creationDateTimeUtc gt {y2020}"),
            sql: format!("{count} \"machineId\" = ?1 AND \"creationDateTimeUtc\" > ?2"),
            params: vec![text(&m0), instant(y2020)],
            other: None,
        },
        Case {
            name: "cli_selection",
            filter: format!("status eq 'Succeeded' and creationDateTimeUtc gt {y2020}"),
            sql: format!("{count} \"status\" = ?1 AND \"creationDateTimeUtc\" > ?2"),
            params: vec![text("Succeeded"), instant(y2020)],
            other: None,
        },
        Case {
            name: "machine_eq",
            filter: format!("machineId eq '{m0}'"),
            sql: format!("{count} \"machineId\" = ?1"),
            params: vec![text(&m0)],
            other: None,
        },
        Case {
            name: "two_eq",
            filter: "requestor eq 'Analyst@contoso.com' and type eq 'RunAntiVirusScan'".into(),
            sql: format!("{count} \"requestor\" = ?1 AND \"type\" = ?2"),
            params: vec![text("Analyst@contoso.com"), text("RunAntiVirusScan")],
            other: None,
        },
        Case {
            name: "or_chain_10",
            filter: ids
                .iter()
                .map(|id| format!("machineId eq '{id}'"))
                .collect::<Vec<_>>()
                .join(" or "),
            sql: format!(
                "{count} \"machineId\" IN ({})",
                (1..=10).map(|i| format!("?{i}")).collect::<Vec<_>>().join(", ")
            ),
            params: ids.iter().map(|id| text(id)).collect(),
            other: Some((
                "handwritten_or",
                format!(
                    "{count} {}",
                    (1..=10)
                        .map(|i| format!("\"machineId\" = ?{i}"))
                        .collect::<Vec<_>>()
                        .join(" OR ")
                ),
            )),
        },
        Case {
            name: "nested_mix",
            filter: "(status eq 'Succeeded' or status eq 'Failed') and not (type eq 'Isolate' or \
                     type eq 'Unisolate') and (creationDateTimeUtc ge 2018-12-04T00:00:00Z and \
                     creationDateTimeUtc lt 2018-12-05T00:00:00.1234567+01:00)"
                .into(),
            sql: format!(
                "{count} \"status\" IN (?1, ?2) AND \"type\" NOT IN (?3, ?4) \
                 AND \"creationDateTimeUtc\" >= ?5 AND \"creationDateTimeUtc\" < ?6"
            ),
            params: vec![
                text("Succeeded"),
                text("Failed"),
                text("Isolate"),
                text("Unisolate"),
                instant("2018-12-04T00:00:00Z"),
                instant("2018-12-05T00:00:00.1234567+01:00"),
            ],
            other: Some((
                "handwritten_or",
                format!(
                    "{count} (\"status\" = ?1 OR \"status\" = ?2) AND NOT (\"type\" = ?3 OR \"type\" = ?4) \
                     AND \"creationDateTimeUtc\" >= ?5 AND \"creationDateTimeUtc\" < ?6"
                ),
            )),
        },
        Case {
            name: "in_startswith",
            filter: "status in ('Pending', 'Failed') and startswith(requestor, 'Analyst')".into(),
            // GLOB, not LIKE: SQLite's LIKE ignores case, `startswith` does not.
            sql: format!("{count} \"status\" IN (?1, ?2) AND \"requestor\" GLOB 'Analyst*'"),
            params: vec![text("Pending"), text("Failed")],
            other: None,
        },
        Case {
            name: "guid_eq",
            filter: format!("id eq {}", guid.to_ascii_uppercase()),
            sql: format!("{count} \"id\" = ?1"),
            params: vec![text(&guid)],
            other: None,
        },
    ]
}

/// The query plan of `sql`, one line per step.
fn plan(conn: &Connection, sql: &str, params: &[Sql]) -> String {
    let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
    let rows = stmt
        .query_map(rusqlite::params_from_iter(params), |r| {
            r.get::<_, String>(3)
        })
        .unwrap();
    rows.map(Result::unwrap).collect::<Vec<_>>().join("; ")
}

fn bench_sqlite(c: &mut Criterion) {
    const N: u64 = 100_000;
    let schema = catalog::machine_action();
    let conn = Connection::open_in_memory().unwrap();
    sql::rusqlite::create_table(&conn, &schema).unwrap();
    let mut line = String::new();
    let lines = (0..N).map(|i| {
        line.clear();
        records::machine_action(i, &mut line);
        line.trim_end().to_owned()
    });
    sql::rusqlite::insert_records(&conn, &schema, lines).unwrap();
    // `NO_ANALYZE=1` leaves the table without planner statistics (see BENCHMARKS.md).
    if std::env::var_os("NO_ANALYZE").is_none() {
        conn.execute_batch("ANALYZE").unwrap();
    }
    let mut group = c.benchmark_group("sqlite_count");
    for case in cases() {
        let query = Query::from_filter(&schema, &case.filter).unwrap();
        let generated = sql::count(&query, &schema, schema.entity_set(), &SqliteDialect).unwrap();
        let count = |sql: &str, params: &[Sql]| -> i64 {
            conn.prepare_cached(sql)
                .unwrap()
                .query_row(rusqlite::params_from_iter(params), |r| r.get(0))
                .unwrap()
        };
        let gen_params: Vec<Sql> = generated
            .params
            .iter()
            .map(|p| match p {
                SqlValue::Null => Sql::Null,
                SqlValue::Bool(b) => Sql::Integer(i64::from(*b)),
                SqlValue::Int(i) => Sql::Integer(*i),
                SqlValue::Float(x) => Sql::Real(*x),
                SqlValue::Decimal(d) => Sql::Text(d.to_string()),
                SqlValue::Text(t) => Sql::Text(t.clone()),
                other => panic!("SqliteDialect binds no native value, but bound {other:?}"),
            })
            .collect();
        let ours = count(&generated.sql, &gen_params);
        let theirs = count(&case.sql, &case.params);
        assert_eq!(
            ours, theirs,
            "{}: the hand-written SQL counts other rows",
            case.name
        );
        eprintln!(
            "{}: {ours} rows\n  generated:   {}\n    plan: {}\n  handwritten: {}\n    plan: {}",
            case.name,
            generated.sql,
            plan(&conn, &generated.sql, &gen_params),
            case.sql,
            plan(&conn, &case.sql, &case.params),
        );
        group.bench_function(BenchmarkId::new(case.name, "generated"), |b| {
            b.iter(|| count(black_box(&generated.sql), &gen_params))
        });
        group.bench_function(BenchmarkId::new(case.name, "handwritten"), |b| {
            b.iter(|| count(black_box(&case.sql), &case.params))
        });
        if let Some((name, sql)) = &case.other {
            assert_eq!(count(sql, &case.params), ours, "{}: {name}", case.name);
            eprintln!(
                "  {name}: {sql}\n    plan: {}",
                plan(&conn, sql, &case.params)
            );
            group.bench_function(BenchmarkId::new(case.name, *name), |b| {
                b.iter(|| count(black_box(sql), &case.params))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench_generate, bench_sqlite);
criterion_main!(benches);
