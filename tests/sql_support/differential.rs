//! The differential harness: random records and queries ([`gen`]) through SQLite and, when
//! `ODATA_FILTER_PG_URL` is set, PostgreSQL ([`check`]), or through one other backend
//! ([`check_one`]), against the records a reference selects.

use super::{gen, parse_all, Backend, Sqlite};
use odata_filter::query::Query;
use odata_filter::schema::EntitySchema;
use odata_filter::sql::{self, Dialect};
use serde_json::Value as Json;

/// `$orderby` keys, `$skip` and `$top`, as [`gen::paging`] makes them.
pub type Paging = (Vec<String>, u64, Option<u64>);

/// The records a reference selects: from the filter text, its query, the schema
/// ([`gen::schema`]) and the parsed records, the positions of the selected records in order.
pub type Expect<'a> = dyn Fn(&str, &Query, &EntitySchema, &[Json]) -> Vec<usize> + 'a;

/// Checks that every backend selects, for each of `filters` with `paging` over `records`, the
/// records `expect` does, in its order. `test` names the PostgreSQL namespace and the messages.
pub fn check(test: &str, records: &[String], filters: &[String], paging: &Paging, expect: &Expect) {
    let schema = gen::schema();
    let lines: Vec<&str> = records.iter().map(String::as_str).collect();
    let json = parse_all(&lines);
    let queries: Vec<_> = filters
        .iter()
        .filter_map(|f| gen::make_query(&schema, f, paging).map(|q| (f, q)))
        .collect();
    let expected: Vec<Vec<&str>> = queries
        .iter()
        .map(|(f, q)| {
            expect(f, q, &schema, &json)
                .into_iter()
                .map(|i| lines[i])
                .collect()
        })
        .collect();
    let mut backends: Vec<(&mut dyn Backend, &dyn Dialect)> = Vec::new();
    let mut sqlite = Sqlite::new();
    backends.push((&mut sqlite, &sql::SqliteDialect));
    #[cfg(feature = "postgres")]
    let mut pg = postgres(test);
    #[cfg(feature = "postgres")]
    if let Some(pg) = pg.as_mut().and_then(|pg| pg.as_mut()) {
        pg.client
            .batch_execute("DROP TABLE IF EXISTS \"Things\"")
            .unwrap();
        backends.push((pg, &sql::PostgresDialect));
    }
    for (backend, dialect) in backends {
        backend.load(&schema, &lines);
        for ((f, q), want) in queries.iter().zip(&expected) {
            let text = match sql::select(q, &schema, "Things", dialect) {
                Ok(s) => format!("{}\n{:?}", s.sql, s.params),
                Err(e) => e.to_string(),
            };
            assert_eq!(
                backend.select(&schema, q),
                *want,
                "{test}: {}: {f} {paging:?}\n{text}",
                backend.name()
            );
        }
    }
}

/// Checks, as [`check`] does, that `backend` (in `dialect`) selects what `expect` does; for a
/// backend of its own test binary. Returns how many queries were compared (the filters that
/// check).
pub fn check_one(
    test: &str,
    backend: &mut dyn Backend,
    dialect: &dyn Dialect,
    records: &[String],
    filters: &[String],
    paging: &Paging,
    expect: &Expect,
) -> usize {
    let schema = gen::schema();
    check_layout(
        test, backend, dialect, &schema, records, filters, paging, expect,
    )
}

/// [`check_one`] over `schema`, [`gen::schema`] with its fields in other storages
/// ([`gen::schema_with`]).
#[allow(clippy::too_many_arguments)]
pub fn check_layout(
    test: &str,
    backend: &mut dyn Backend,
    dialect: &dyn Dialect,
    schema: &EntitySchema,
    records: &[String],
    filters: &[String],
    paging: &Paging,
    expect: &Expect,
) -> usize {
    let lines: Vec<&str> = records.iter().map(String::as_str).collect();
    let json = parse_all(&lines);
    backend.load(schema, &lines);
    let mut compared = 0;
    for f in filters {
        let Some(q) = gen::make_query(schema, f, paging) else {
            continue;
        };
        let want: Vec<&str> = expect(f, &q, schema, &json)
            .into_iter()
            .map(|i| lines[i])
            .collect();
        let text = match sql::select(&q, schema, schema.entity_set(), dialect) {
            Ok(s) => format!("{}\n{:?}", s.sql, s.params),
            // What the dialect cannot express exactly is refused, which is right: skip it.
            Err(e) if matches!(e.kind(), sql::ErrorKind::Unsupported { .. }) => continue,
            Err(e) => e.to_string(),
        };
        assert_eq!(
            backend.select(schema, &q),
            want,
            "{test}: {}: {f} {paging:?}\n{text}",
            backend.name()
        );
        compared += 1;
    }
    compared
}

/// The PostgreSQL namespace of this test binary, made on first use and reused across cases (a
/// static: the driver's runtime cannot be dropped during thread teardown, so it never is; the
/// server is thrown away anyway). Holds `None` when there is no server.
#[cfg(feature = "postgres")]
fn postgres(test: &str) -> std::sync::MutexGuard<'static, Option<Option<super::Postgres>>> {
    use std::sync::Mutex;
    static PG: Mutex<Option<Option<super::Postgres>>> = Mutex::new(None);
    let mut pg = PG.lock().unwrap_or_else(|e| e.into_inner());
    pg.get_or_insert_with(|| super::Postgres::connect(test));
    pg
}
