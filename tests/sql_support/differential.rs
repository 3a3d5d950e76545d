//! The differential harness: random records and queries ([`gen`]) through a backend, against
//! the records a reference selects: SQLite and, when `ODATA_FILTER_PG_URL` is set, PostgreSQL
//! in a `proptest!` case ([`check`]), or any one backend for many cases ([`generated`]).

use super::native::native_storage;
use super::{calls_crate_functions, gen, parse_all, reference, Backend, Sqlite};
use odata_filter::eval::Predicate;
use odata_filter::query::Query;
use odata_filter::schema::EntitySchema;
use odata_filter::sql::{self, Dialect, ErrorKind};
use proptest::test_runner::{Config, FileFailurePersistence, TestRunner};
use serde_json::Value as Json;
use std::cell::{Cell, RefCell};

/// `$orderby` keys, `$skip` and `$top`, as [`gen::paging`] makes them.
pub type Paging = (Vec<String>, u64, Option<u64>);

/// The records a reference selects: from the filter text, its query, the schema
/// ([`gen::schema`]) and the parsed records, the positions of the selected records in order.
pub type Expect<'a> = dyn Fn(&str, &Query, &EntitySchema, &[Json]) -> Vec<usize> + 'a;

/// The records the evaluator (`odata_filter::eval`) matches, in the order and page of the
/// reference semantics around it; checks that the reference selects the same.
pub fn evaluator_selects(f: &str, q: &Query, schema: &EntitySchema, json: &[Json]) -> Vec<usize> {
    let predicate = q.filter.as_ref().map(Predicate::compile);
    let keep =
        |_: &odata_filter::ir::Expr, r: &Json| predicate.as_ref().is_none_or(|p| p.matches(r));
    let selected = reference::select_with(q, schema, json, &keep);
    assert_eq!(
        reference::select(q, schema, json),
        selected,
        "evaluator vs reference: {f} (order {:?}, skip {}, top {:?})",
        q.order_by,
        q.skip,
        q.top
    );
    selected
}

/// Checks that SQLite and, when there is a server, PostgreSQL select, for each of `filters`
/// with `paging` over `records`, the records `expect` does, in its order, and count them.
/// `test` names the PostgreSQL namespace and the messages. Neither may refuse a query.
pub fn check(test: &str, records: &[String], filters: &[String], paging: &Paging, expect: &Expect) {
    let schema = gen::schema();
    let checked = filters
        .iter()
        .filter(|f| gen::make_query(&schema, f, paging).is_some())
        .count();
    let mut sqlite = Sqlite::new();
    let mut backends: Vec<&mut dyn Backend> = vec![&mut sqlite];
    #[cfg(feature = "postgres")]
    let mut pg = postgres(test);
    #[cfg(feature = "postgres")]
    if let Some(pg) = pg.as_mut().and_then(|pg| pg.as_mut()) {
        backends.push(pg);
    }
    for backend in backends {
        let compared = check_layout(test, backend, &schema, records, filters, paging, expect);
        assert_eq!(
            compared,
            checked,
            "{test}: {} refused a query",
            backend.name()
        );
    }
}

/// Checks that `backend` selects, for each of `filters` that checks against `schema`
/// ([`gen::schema`] with its fields in some storage, [`gen::schema_with`]) with `paging` over
/// `records`, the records `expect` does, in its order, and counts as many as the filter alone
/// selects. Returns how many queries were compared: those the backend's dialect does not
/// refuse as unsupported (the count of a page of none may be refused where its page is not).
pub fn check_layout(
    test: &str,
    backend: &mut dyn Backend,
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
        let (Some(q), Some(all)) = (
            gen::make_query(schema, f, paging),
            gen::make_query(schema, f, &(Vec::new(), 0, None)),
        ) else {
            continue;
        };
        let want: Vec<&str> = expect(f, &q, schema, &json)
            .into_iter()
            .map(|i| lines[i])
            .collect();
        // The count's SQL holds the filter even where a page of none needs no `WHERE`.
        let where_sql = sql::count(&q, schema, schema.entity_set(), backend.dialect())
            .map_or(String::new(), |c| c.sql);
        let text = match sql::select(&q, schema, schema.entity_set(), backend.dialect()) {
            // A connection without the case-mapping functions fails loudly (tested apart).
            Ok(_) if !backend.has_crate_functions() && calls_crate_functions(&where_sql) => {
                continue
            }
            Ok(s) => format!("{}\n{:?}", s.sql, s.params),
            // What the dialect cannot express exactly is refused, which is right: skip it.
            Err(e) if matches!(e.kind(), ErrorKind::Unsupported { .. }) => continue,
            Err(e) => e.to_string(),
        };
        let name = backend.name();
        assert_eq!(
            backend.select(schema, &q),
            want,
            "{test}: {name}: {f} {paging:?}\n{text}"
        );
        // A page of none needs no `WHERE`; the count translates the filter, and may refuse it.
        let refused = sql::count(&q, schema, schema.entity_set(), backend.dialect())
            .is_err_and(|e| matches!(e.kind(), ErrorKind::Unsupported { .. }));
        if !refused {
            let count = reference::select(&all, schema, &json).len() as u64;
            assert_eq!(
                backend.count(schema, &q),
                count,
                "{test}: {name}: count {f}"
            );
        }
        compared += 1;
    }
    compared
}

/// Where the generated schema's fields are held.
#[derive(Clone, Copy, Debug)]
pub enum Layout {
    /// As the crate's table holds them by default ([`gen::schema`]).
    Default,
    /// Each in its database's own type where the dialect has one, else day numbers, 0/1
    /// integers and upper-case GUID text ([`native_storage`]).
    Native,
}

impl Layout {
    /// [`gen::schema`] in this layout for `dialect`.
    pub fn schema(self, dialect: &dyn Dialect) -> EntitySchema {
        match self {
            Layout::Default => gen::schema(),
            Layout::Native => gen::schema_with(&|ty| native_storage(dialect, ty)),
        }
    }
}

/// `records` without the values `schema`'s storage cannot hold in `dialect` (finer than its
/// unit, outside its years, an integer no float is in MariaDB's `DOUBLE`), each tried alone.
pub fn storable(schema: &EntitySchema, dialect: &dyn Dialect, records: &[String]) -> Vec<String> {
    records
        .iter()
        .map(|r| {
            let mut json: Json = serde_json::from_str(r).unwrap();
            let obj = json.as_object_mut().unwrap();
            obj.retain(|key, value| {
                let probe = serde_json::json!({ "id": "probe", key.as_str(): value }).to_string();
                match sql::insert_sql(schema, schema.entity_set(), &probe, dialect) {
                    Ok(_) => true,
                    Err(e) if matches!(e.kind(), ErrorKind::Record { .. }) => false,
                    Err(e) => panic!("{probe}: {e}"),
                }
            });
            json.to_string()
        })
        .collect()
}

/// `default` random cases unless `PROPTEST_CASES` says otherwise.
pub fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(default)
}

/// Runs `cases` generated cases on `backend`, each up to 10 random records (without the values
/// `layout` cannot hold there, [`storable`]) and one to four random filters with random
/// paging: each query selects what the evaluator does ([`evaluator_selects`]) and counts as
/// many ([`check_layout`]). Shrunk failures land beside `source_file` (the test's `file!()`),
/// in its `.regressions` file; commit them. Fails unless at least one query a case was
/// compared (a case has 2.5 filters on average, nearly all of which check and translate);
/// returns how many were.
pub fn generated(
    source_file: &'static str,
    test: &str,
    backend: &mut dyn Backend,
    layout: Layout,
    cases: u32,
) -> usize {
    let dialect = backend.dialect();
    let schema = layout.schema(dialect);
    let mut runner = TestRunner::new(Config {
        cases,
        source_file: Some(source_file),
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("regressions"))),
        // Each step of shrinking a failure reloads a database: bound it.
        max_shrink_time: 60_000,
        ..Config::default()
    });
    let strategy = (
        gen::records(10),
        proptest::collection::vec(gen::filter(), 1..5),
        gen::paging(),
    );
    let compared = Cell::new(0);
    let backend = RefCell::new(backend);
    let result = runner.run(&strategy, |(records, filters, paging)| {
        let records = storable(&schema, dialect, &records);
        let n = check_layout(
            test,
            &mut **backend.borrow_mut(),
            &schema,
            &records,
            &filters,
            &paging,
            &evaluator_selects,
        );
        compared.set(compared.get() + n);
        Ok(())
    });
    if let Err(e) = result {
        panic!("{test}: {e}");
    }
    let n = compared.get();
    eprintln!("{test}: {n} queries compared over {cases} cases");
    assert!(
        n >= cases as usize,
        "{test}: only {n} queries compared in {cases} cases"
    );
    n
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
