//! Helpers shared by the SQL backend's integration tests.
#![allow(dead_code)]

use odata_filter::ir;
use odata_filter::query::{OrderKey, Query};
use odata_filter::schema::{catalog, ComplexType, EntitySchema, Field, FieldType};
use odata_filter::sql::{
    self, Dialect, ErrorKind, MsSqlDialect, MySqlDialect, PostgresDialect, SqlQuery, SqliteDialect,
};

#[cfg(feature = "rusqlite")]
pub mod differential;
pub mod gen;
pub mod mariadb;
pub mod native;
/// The reference semantics (the oracle every backend is compared against), shared with the
/// evaluator's tests.
#[path = "../common/reference.rs"]
pub mod reference;
#[path = "../common/verified.rs"]
mod verified;
pub mod widgets;

#[allow(unused_imports)]
pub use verified::{same_expr, verified_filter, verified_filter_with};

/// The four built-in dialects.
pub fn dialects() -> [&'static dyn Dialect; 4] {
    [
        &SqliteDialect,
        &PostgresDialect,
        &MySqlDialect,
        &MsSqlDialect,
    ]
}

/// `text` parsed and checked against `schema` ([`verified_filter`]: its printed forms check
/// to the same expression); panics with the rendered errors otherwise.
pub fn filter(schema: &EntitySchema, text: &str) -> ir::Expr {
    verified_filter(schema, text)
}

/// A query with an optional filter, `$orderby` keys (`"name desc"`), `$skip` and `$top`.
pub fn query(
    schema: &EntitySchema,
    text: Option<&str>,
    order_by: &[&str],
    skip: u64,
    top: Option<u64>,
) -> Query {
    // A field by name (sortable or not: the SQL backends order by any scalar); a member
    // path (`c/cs`) through the library's `$orderby` resolver.
    let order_by = order_by
        .iter()
        .map(|k| {
            let (name, desc) = match k.strip_suffix(" desc") {
                Some(n) => (n, true),
                None => (k.strip_suffix(" asc").unwrap_or(k), false),
            };
            if name.contains('/') {
                let text = format!("$orderby={}", k.replace(' ', "%20"));
                let (q, _) = odata_filter::query::QueryOptions::new()
                    .parse(schema, &text)
                    .unwrap_or_else(|e| panic!("{text}: {e}"));
                return q.order_by[0].clone();
            }
            let field = schema
                .lookup(name)
                .unwrap_or_else(|| panic!("no field {name}"));
            OrderKey::new(field, desc)
        })
        .collect();
    Query {
        filter: text.map(|t| filter(schema, t)),
        order_by,
        skip,
        top,
        ..Query::default()
    }
}

/// The `WHERE` condition for `text` in `dialect`, over table `t`.
pub fn where_sql(schema: &EntitySchema, text: &str, dialect: &dyn Dialect) -> sql::SqlQuery {
    sql::where_clause(&filter(schema, text), schema, "t", dialect)
        .unwrap_or_else(|e| panic!("{text}: {e}"))
}

/// The lines of an NDJSON file.
pub fn ndjson(text: &str) -> Vec<&str> {
    text.lines().filter(|l| !l.trim().is_empty()).collect()
}

/// `schema` with every field filterable, complex members included (the catalogue whitelists
/// only what Defender documents; the tests also filter on `scope`, `relatedFileInfo/...`).
pub fn all_filterable(schema: &EntitySchema) -> EntitySchema {
    let mut b = EntitySchema::builder(schema.name(), schema.entity_set());
    for f in schema.fields() {
        b = b.field(open_field(f));
    }
    for (name, desc) in schema.default_order() {
        b = b.default_order(name.as_str(), *desc);
    }
    b.key(schema.key())
        .lenient_enums(schema.lenient_enums())
        .build()
        .unwrap()
}

fn open_type(ty: &FieldType) -> FieldType {
    match ty {
        FieldType::Complex(c) => {
            let mut open = ComplexType::new(c.name());
            for f in c.fields() {
                open = open.field(open_field(f));
            }
            open.into()
        }
        FieldType::Collection(item) => FieldType::collection(open_type(item)),
        other => other.clone(),
    }
}

fn open_field(f: &Field) -> Field {
    let mut g = Field::new(f.name(), open_type(f.ty()))
        .nullable(f.is_nullable())
        .filterable(true)
        .sortable(f.is_sortable())
        .with_json_path(f.json_path().to_vec())
        .with_column(f.column());
    for a in f.aliases() {
        g = g.alias(a.as_str());
    }
    for p in f.alt_json_paths() {
        g = g.alt_json_path(p.clone());
    }
    g
}

/// A database holding one entity's table: load records, run queries.
pub trait Backend {
    /// A short name for messages.
    fn name(&self) -> &'static str;
    /// The dialect of its SQL.
    fn dialect(&self) -> &'static dyn Dialect;
    /// Creates `schema`'s table (named after its entity set), replacing the one made before,
    /// and inserts `records`.
    fn load(&mut self, schema: &EntitySchema, records: &[&str]);
    /// The `_doc` texts `q` selects, in order.
    fn select(&mut self, schema: &EntitySchema, q: &Query) -> Vec<String>;
    /// The number of records `q`'s filter matches (ignoring its paging), by the driver's
    /// `count`.
    fn count(&mut self, schema: &EntitySchema, q: &Query) -> u64;
    /// Whether the connection has the SQL functions the crate's SQLite SQL calls for
    /// `tolower`, `toupper`, `round`, `floor` and `ceiling` (`sql::rusqlite::register_functions`);
    /// sqlx cannot add them safely.
    fn has_crate_functions(&self) -> bool {
        true
    }
}

/// Whether `sql` calls the functions a connection may lack ([`Backend::has_crate_functions`]).
pub fn calls_crate_functions(sql: &str) -> bool {
    [
        "odata_lower(",
        "odata_upper(",
        "odata_round(",
        "odata_floor(",
        "odata_ceiling(",
    ]
    .iter()
    .any(|f| sql.contains(f))
}

/// A database that shows the plan it makes for a statement.
pub trait Explain: Backend {
    /// The plan of `statement`, one line per step (or the database's JSON).
    fn explain(&mut self, statement: &SqlQuery) -> String;
}

/// Checks that the plan `db` makes to select the `_doc` of the records of `schema`'s table
/// that the filter `text` matches contains each of `needles`.
pub fn assert_plan(db: &mut dyn Explain, schema: &EntitySchema, text: &str, needles: &[&str]) {
    let dialect = db.dialect();
    let table = schema.entity_set();
    let w = sql::where_clause(&filter(schema, text), schema, table, dialect)
        .unwrap_or_else(|e| panic!("{text}: {e}"));
    let statement = SqlQuery {
        sql: format!(
            "SELECT _doc FROM {} WHERE {}",
            dialect.quote_identifier(table),
            w.sql
        ),
        params: w.params,
    };
    let plan = db.explain(&statement);
    for needle in needles {
        assert!(
            plan.contains(needle),
            "{}: {text}: no {needle:?} in the plan\n{plan}\n{}",
            db.name(),
            statement.sql
        );
    }
}

/// The statement that drops `table` if it exists.
pub fn drop_table_sql(dialect: &dyn Dialect, table: &str) -> String {
    format!("DROP TABLE IF EXISTS {}", dialect.quote_identifier(table))
}

/// The URL of the PostgreSQL server the tests run against (`ODATA_FILTER_PG_URL`), or `None`
/// (after a note on stderr) when it is unset. Panics when it is unset but
/// `ODATA_FILTER_REQUIRE_PG=1`.
pub fn postgres_url(test: &str) -> Option<String> {
    server_url("ODATA_FILTER_PG_URL", "ODATA_FILTER_REQUIRE_PG", test)
}

/// The URL of the MariaDB server the tests run against (`ODATA_FILTER_MARIADB_URL`), as
/// [`postgres_url`] does.
pub fn mariadb_url(test: &str) -> Option<String> {
    server_url(
        "ODATA_FILTER_MARIADB_URL",
        "ODATA_FILTER_REQUIRE_MARIADB",
        test,
    )
}

fn server_url(var: &str, require: &str, test: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(url) => Some(url),
        Err(_) if std::env::var(require).as_deref() == Ok("1") => {
            panic!("{require}=1 but {var} is not set")
        }
        Err(_) => {
            eprintln!("skipping {test}: {var} is not set (run bash scripts/test)");
            None
        }
    }
}

/// A fresh name for a PostgreSQL schema or a MariaDB database of the test `test`.
pub fn fresh_name(test: &str) -> String {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    format!(
        "odf_{}_{}_{}",
        test.to_ascii_lowercase(),
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// SQLite in memory.
#[cfg(feature = "rusqlite")]
pub struct Sqlite(pub rusqlite::Connection);

#[cfg(feature = "rusqlite")]
impl Sqlite {
    /// A fresh in-memory database.
    pub fn new() -> Sqlite {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        sql::rusqlite::register_functions(&conn).unwrap();
        Sqlite(conn)
    }
}

#[cfg(feature = "rusqlite")]
impl Backend for Sqlite {
    fn name(&self) -> &'static str {
        "sqlite"
    }
    fn dialect(&self) -> &'static dyn Dialect {
        &SqliteDialect
    }
    fn load(&mut self, schema: &EntitySchema, records: &[&str]) {
        let drop = drop_table_sql(&SqliteDialect, schema.entity_set());
        self.0.execute_batch(&drop).unwrap();
        sql::rusqlite::create_table(&self.0, schema).unwrap();
        let n = sql::rusqlite::insert_records(&self.0, schema, records).unwrap();
        assert_eq!(n, records.len());
    }
    fn select(&mut self, schema: &EntitySchema, q: &Query) -> Vec<String> {
        sql::rusqlite::query_text(&self.0, schema, q).unwrap_or_else(|e| panic!("sqlite: {e}"))
    }
    fn count(&mut self, schema: &EntitySchema, q: &Query) -> u64 {
        sql::rusqlite::count(&self.0, schema, q).unwrap_or_else(|e| panic!("sqlite: {e}"))
    }
}

#[cfg(feature = "rusqlite")]
impl Explain for Sqlite {
    fn explain(&mut self, statement: &SqlQuery) -> String {
        let mut stmt = self
            .0
            .prepare(&format!("EXPLAIN QUERY PLAN {}", statement.sql))
            .unwrap_or_else(|e| panic!("sqlite: {e}\n{}", statement.sql));
        let plan: Vec<String> = stmt
            .query_map(rusqlite::params_from_iter(&statement.params), |r| r.get(3))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        plan.join("\n")
    }
}

/// A fresh PostgreSQL schema (namespace) on the server at `ODATA_FILTER_PG_URL`, dropped
/// when this is dropped.
#[cfg(feature = "postgres")]
pub struct Postgres {
    /// The connection, with `search_path` set to the fresh schema.
    pub client: postgres::Client,
    /// The schema's name.
    pub namespace: String,
}

#[cfg(feature = "postgres")]
impl Postgres {
    /// Connects and creates a fresh schema, or `None` when there is no server
    /// ([`postgres_url`]).
    pub fn connect(test: &str) -> Option<Postgres> {
        let url = postgres_url(test)?;
        let mut client = postgres::Client::connect(&url, postgres::NoTls)
            .unwrap_or_else(|e| panic!("cannot connect to {url}: {e}"));
        let namespace = fresh_name(test);
        client
            .batch_execute(&format!(
                "DROP SCHEMA IF EXISTS {namespace} CASCADE; CREATE SCHEMA {namespace}; \
                 SET search_path TO {namespace}"
            ))
            .unwrap();
        Some(Postgres { client, namespace })
    }
}

#[cfg(feature = "postgres")]
impl Drop for Postgres {
    fn drop(&mut self) {
        let _ = self
            .client
            .batch_execute(&format!("DROP SCHEMA IF EXISTS {} CASCADE", self.namespace));
    }
}

#[cfg(feature = "postgres")]
impl Backend for Postgres {
    fn name(&self) -> &'static str {
        "postgres"
    }
    fn dialect(&self) -> &'static dyn Dialect {
        &PostgresDialect
    }
    fn load(&mut self, schema: &EntitySchema, records: &[&str]) {
        let drop = drop_table_sql(&PostgresDialect, schema.entity_set());
        self.client.batch_execute(&drop).unwrap();
        sql::postgres::create_table(&mut self.client, schema).unwrap();
        let n = sql::postgres::insert_records(&mut self.client, schema, records).unwrap();
        assert_eq!(n, records.len());
    }
    fn select(&mut self, schema: &EntitySchema, q: &Query) -> Vec<String> {
        sql::postgres::query_text(&mut self.client, schema, q)
            .unwrap_or_else(|e| panic!("postgres: {e}"))
    }
    fn count(&mut self, schema: &EntitySchema, q: &Query) -> u64 {
        sql::postgres::count(&mut self.client, schema, q)
            .unwrap_or_else(|e| panic!("postgres: {e}"))
    }
}

/// With sequential scans off: the tables are a few rows, which the planner would rightly read
/// whole.
#[cfg(feature = "postgres")]
impl Explain for Postgres {
    fn explain(&mut self, statement: &SqlQuery) -> String {
        self.client
            .batch_execute("SET enable_seqscan = off")
            .unwrap();
        let params = pg_params(&statement.params);
        let plan: Vec<String> = self
            .client
            .query(&format!("EXPLAIN {}", statement.sql), &params)
            .unwrap_or_else(|e| panic!("postgres: {e}\n{}", statement.sql))
            .iter()
            .map(|r| r.get(0))
            .collect();
        plan.join("\n")
    }
}

/// Parses NDJSON lines.
pub fn parse_all(lines: &[&str]) -> Vec<serde_json::Value> {
    lines
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// `params` as the `postgres` client takes them.
#[cfg(feature = "postgres")]
pub fn pg_params(params: &[sql::SqlValue]) -> Vec<&(dyn postgres::types::ToSql + Sync)> {
    params
        .iter()
        .map(|p| p as &(dyn postgres::types::ToSql + Sync))
        .collect()
}

/// Loads `lines` into `backend` and checks that it selects what the reference semantics do,
/// in the same order, for each filter (with the default order, and again ordered by
/// `order_by` with paging), and counts as many.
pub fn agree_with_oracle(
    backend: &mut dyn Backend,
    schema: &EntitySchema,
    lines: &[impl AsRef<str>],
    filters: &[impl AsRef<str>],
    order_by: &[&str],
) {
    let lines: Vec<&str> = lines.iter().map(AsRef::as_ref).collect();
    backend.load(schema, &lines);
    let records = parse_all(&lines);
    for f in filters.iter().map(AsRef::as_ref) {
        if refuses_case_mapping(backend.dialect(), schema, f) {
            continue;
        }
        let w = sql::where_clause(
            &filter(schema, f),
            schema,
            schema.entity_set(),
            backend.dialect(),
        );
        if !backend.has_crate_functions() && w.is_ok_and(|w| calls_crate_functions(&w.sql)) {
            continue;
        }
        let all = reference::select(&query(schema, Some(f), &[], 0, None), schema, &records);
        for (order, skip, top) in [(&[][..], 0, None), (order_by, 1, Some(4))] {
            let q = query(schema, Some(f), order, skip, top);
            let want: Vec<&str> = reference::select(&q, schema, &records)
                .into_iter()
                .map(|i| lines[i])
                .collect();
            let got = backend.select(schema, &q);
            assert_eq!(got, want, "{}: {f} (order {order:?})", backend.name());
            let n = backend.count(schema, &q);
            assert_eq!(n, all.len() as u64, "{}: count {f}", backend.name());
        }
    }
}

/// Whether `dialect` has no exact `tolower`/`toupper` ([`Dialect::case_map`] is `None`) and
/// `filter` calls one; if so, checks that its translation is refused, at the call.
pub fn refuses_case_mapping(dialect: &dyn Dialect, schema: &EntitySchema, filter: &str) -> bool {
    let lowered = filter.to_ascii_lowercase();
    let calls: Vec<usize> = lowered
        .match_indices("tolower(")
        .chain(lowered.match_indices("toupper("))
        .map(|(at, _)| at)
        .collect();
    if calls.is_empty() || dialect.case_map("x", false).is_some() {
        return false;
    }
    let e = sql::where_clause(
        &self::filter(schema, filter),
        schema,
        schema.entity_set(),
        dialect,
    )
    .expect_err(filter);
    assert!(
        matches!(e.kind(), ErrorKind::Unsupported { .. }),
        "{filter}: {e}"
    );
    let span = e
        .span()
        .unwrap_or_else(|| panic!("{filter}: no span in {e}"));
    assert!(calls.contains(&span.start), "{filter}: {e} at {span:?}");
    true
}

/// Texts whose case mappings differ between ASCII-only, simple and full Unicode mapping.
pub const CASE_TEXTS: &[&str] = &[
    "Analyst",
    "ANALYST",
    "Straße",
    "STRASSE",
    "strasse",
    "ÉCOLE",
    "école",
    "ΟΔΟΣ",
    "οδος",
    "οδοσ",
    "Σ",
    "\u{212A}",
    "k",
    "İ",
    "i\u{307}",
    "ﬁx",
    "FIX",
    "ÜNÏCÖDÉ",
    "ünïcödé",
    "",
];

/// `tolower` and `toupper` are Unicode's full case mapping where the dialect has one, and
/// refused (at the call) where it has not: never a different answer.
pub fn case_mapping_agrees(db: &mut dyn Backend) {
    let s = notes();
    let filters = [
        "tolower(text) eq 'analyst'",
        "toupper(text) eq 'STRASSE'",
        "tolower(text) eq 'école'",
        "tolower(text) eq 'οδος'",
        "tolower(text) eq 'σ'",
        "tolower(text) eq 'k'",
        "tolower(text) eq 'i\u{307}'",
        "toupper(text) eq 'FIX'",
        "toupper(text) eq 'ÜNÏCÖDÉ'",
        "tolower(text) eq text",
        "toupper(text) ne text",
        "contains(tolower(text), 'ss')",
        "startswith(toupper(text), 'ST')",
        "length(toupper(text)) gt length(text)",
        "tolower(text) lt 'e'",
        "tolower(toupper(text)) eq tolower(text)",
    ];
    agree_with_oracle(db, &s, &note_records(CASE_TEXTS), &filters, &["text desc"]);
    if db.dialect().case_map("x", true).is_none() {
        return;
    }
    let mut hits = |f: &str| values(db, &s, f, "text");
    assert_eq!(
        hits("toupper(text) eq 'STRASSE'"),
        ["STRASSE", "Straße", "strasse"]
    );
    assert_eq!(hits("tolower(text) eq 'οδος'"), ["ΟΔΟΣ", "οδος"]);
    assert_eq!(hits("tolower(text) eq 'k'"), ["k", "\u{212A}"]);
    assert_eq!(hits("toupper(text) eq 'FIX'"), ["FIX", "ﬁx"]);
}

/// The `field` of each record the filter `text` selects from `db`, as text, sorted.
pub fn values(db: &mut dyn Backend, schema: &EntitySchema, text: &str, field: &str) -> Vec<String> {
    let docs = db.select(schema, &query(schema, Some(text), &[], 0, None));
    let lines: Vec<&str> = docs.iter().map(String::as_str).collect();
    let mut values: Vec<String> = parse_all(&lines)
        .iter()
        .map(|r| r[field].as_str().unwrap().to_owned())
        .collect();
    values.sort();
    values
}

/// The first 8 characters of the `id` of each record the filter `text` selects, sorted.
pub fn ids(db: &mut dyn Backend, schema: &EntitySchema, text: &str) -> Vec<String> {
    values(db, schema, text, "id")
        .into_iter()
        .map(|id| id[..8].to_owned())
        .collect()
}

/// The sample machine actions of `data/`.
pub const MACHINE_ACTIONS: &str = include_str!("../../data/machineactions.ndjson");
/// The sample machines of `data/`.
pub const MACHINES: &str = include_str!("../../data/machines.ndjson");

/// The sample machine actions, every field filterable, in `db`: every filter of
/// [`MACHINE_ACTION_FILTERS`] agrees with the oracle, documents come back byte for byte, and
/// what was chosen by hand holds. Returns the schema, for the caller's own checks.
pub fn machine_actions_agree(db: &mut dyn Backend) -> EntitySchema {
    let s = all_filterable(&catalog::machine_action());
    let lines = ndjson(MACHINE_ACTIONS);
    agree_with_oracle(
        db,
        &s,
        &lines,
        MACHINE_ACTION_FILTERS,
        &["scope desc", "requestor"],
    );
    // A null scope is not 'Full'.
    let ne = ids(db, &s, "scope ne 'Full'");
    assert_eq!(ne.len(), 9, "{ne:?}");
    assert!(ne.contains(&"69dc3630".to_owned()), "{ne:?}");
    assert_eq!(ids(db, &s, "not (scope ne 'Full')"), ["2e9da30d"]);
    let mut got = db.select(&s, &query(&s, None, &[], 0, None));
    got.sort();
    let mut want: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    want.sort();
    assert_eq!(got, want);
    let q = query(&s, Some("status eq 'Succeeded'"), &[], 1, Some(2));
    assert_eq!(db.count(&s, &q), 5);
    s
}

/// The sample machines, every field filterable, in `db`: every filter of [`MACHINE_FILTERS`]
/// agrees with the oracle, and what was chosen by hand holds. Returns the schema.
pub fn machines_agree(db: &mut dyn Backend) -> EntitySchema {
    let s = all_filterable(&catalog::machine());
    agree_with_oracle(
        db,
        &s,
        &ndjson(MACHINES),
        MACHINE_FILTERS,
        &["riskScore", "osBuild desc"],
    );
    // osBuild is null in 4da8380b and 181e3667.
    assert_eq!(
        ids(db, &s, "not (osBuild gt 20000)"),
        ["0984bce6", "181e3667", "4da8380b", "f46b9bb2"]
    );
    assert_eq!(
        ids(db, &s, "machineTags/any(t: t eq 'Finance')"),
        ["e1e9245c", "f46b9bb2"]
    );
    s
}

/// Texts with `LIKE` wildcards and escape characters, quotes, case, trailing blanks, and
/// characters on either side of U+FFFF.
pub const NOTE_TEXTS: &[&str] = &[
    "50%_off", "50xxoff", "50%Xoff", "a\\%b", "a\\xb", "Analyst", "analyst", "quote'", "", "a",
    "a ", "A", "\u{FFFD}", "😀", "ü", "u",
];

/// [`NOTE_TEXTS`] as [`notes`] in `db`: text functions take their arguments literally and
/// case-sensitively, text compares by code point without padding, and what the oracle selects
/// agrees.
pub fn text_matching_agrees(db: &mut dyn Backend) {
    let s = notes();
    agree_with_oracle(
        db,
        &s,
        &note_records(NOTE_TEXTS),
        &[
            "text lt 'a'",
            "text ge 'a'",
            "text gt 'ü'",
            "length(text) eq 1",
            "indexof(text, 'x') ge 0",
            "substring(text, 1) eq 'nalyst'",
            "trim(text) eq 'a'",
            "concat(text, 'z') lt 'az'",
        ],
        &["text desc"],
    );
    let mut hits = |f: &str| values(db, &s, f, "text");
    assert_eq!(hits("contains(text, '%_')"), ["50%_off"]);
    assert_eq!(hits("startswith(text, '50%')"), ["50%Xoff", "50%_off"]);
    assert_eq!(hits("contains(text, '\\%')"), ["a\\%b"]);
    assert_eq!(hits("startswith(text, 'a\\')"), ["a\\%b", "a\\xb"]);
    assert_eq!(hits("startswith(text, 'analyst')"), ["analyst"]);
    assert_eq!(hits("endswith(text, '''')"), ["quote'"]);
    // No padding: 'a ' is not 'a'; case and accents count.
    assert_eq!(hits("text eq 'a'"), ["a"]);
    assert_eq!(hits("text eq 'a '"), ["a "]);
    assert_eq!(hits("text eq 'u'"), ["u"]);
    // Code point order: '5' < 'A' < 'a', and U+FFFD before U+1F600 (UTF-16 would put it
    // after).
    assert_eq!(
        hits("text lt 'a'"),
        ["", "50%Xoff", "50%_off", "50xxoff", "A", "Analyst"]
    );
    assert_eq!(hits("text gt '\u{FFFD}'"), ["😀"]);
}

/// Records of [`notes`], one for each of `texts`, with ids `n00`, `n01`, ...
pub fn note_records(texts: &[&str]) -> Vec<String> {
    texts
        .iter()
        .enumerate()
        .map(|(i, t)| serde_json::json!({"id": format!("n{i:02}"), "text": t}).to_string())
        .collect()
}

/// Filters over `all_filterable(machine_action())`, compared with the oracle on every backend.
pub const MACHINE_ACTION_FILTERS: &[&str] = &[
    "year(creationDateTimeUtc) eq 2018",
    "month(creationDateTimeUtc) eq 3 and day(creationDateTimeUtc) ge 2",
    "hour(creationDateTimeUtc) eq 7",
    "minute(creationDateTimeUtc) eq 30 and second(creationDateTimeUtc) eq 0",
    "date(creationDateTimeUtc) eq 2024-03-01",
    "time(creationDateTimeUtc) lt 08:00:00",
    "time(creationDateTimeUtc) eq 07:00:12.0000001",
    "indexof(requestor, '@') eq 7",
    "indexof(requestor, 'zzz') eq -1 and indexof(requestor, '') eq 0",
    "length(requestor) gt 20",
    "substring(requestor, 8) eq 'contoso.com'",
    "substring(requestor, -3, 2) eq 'An'",
    "substring(requestor, 100) eq ''",
    "substring(requestor, 1, -1) eq ''",
    "tolower(requestor) eq 'analyst@contoso.com'",
    "trim(concat('  ', requestor)) eq requestor",
    "concat(requestor, '!') eq 'Analyst@contoso.com!'",
    "contains(type, 'Isolat') and not contains(type, 'Un')",
    "year(cancellationDateTimeUtc) eq 2024",
    "not (year(cancellationDateTimeUtc) eq 2024)",
    "scope in ('Full', null)",
    "scope in ('Full', 'Quick') or status in ()",
    "not (scope in ('Full', 'Quick'))",
    "relatedFileInfo/fileIdentifierType eq 'Sha1' or relatedFileInfo/fileIdentifier eq null",
    "externalId eq 'INC-20240302-0042'",
    "(scope eq 'Full') eq false",
    "(scope eq null) ne (status eq 'Succeeded')",
    "contains(scope, 'u') eq null",
    "requestor eq machineId or scope eq scope",
    "scope ne scope",
    "requestor gt 'Analyst@contoso.com' and requestor lt 'p'",
    "lastUpdateDateTimeUtc gt creationDateTimeUtc",
    "id eq 69dc3630-1ccc-4342-acf3-35286eec741d or id eq '2E9DA30D-27F6-4208-81F2-9CD3D67893BA'",
    "status eq 'Succeeded' and (type eq 'Isolate' or scope eq null)",
    "commands/any(c: c/errors/any())",
    "commands/any(c: not c/errors/any())",
    "commands/any(c: c/command/params/any(p: p/key eq 'Path' and contains(p/value, 'Temp')))",
    "commands/all(c: c/commandStatus eq 'Completed')",
    "commands/any(c: c/startTime gt creationDateTimeUtc and c/endTime eq null)",
    "commands/any(c: c/index eq 0 and c/command/type eq 'GetFile')",
    "Defender.MachineActionStatus'Failed' ne Defender.MachineActionStatus'Pending' and status eq 'Failed'",
    "Defender.MachineActionType'Isolate' eq Defender.MachineActionType'Isolate' or type eq 'Offboard'",
    "Defender.MachineActionStatus'Failed' eq Defender.MachineActionStatus'Pending' or scope eq 'Full'",
    // Calendar functions of instants far from 1970.
    "year(0001-01-01T00:00:00Z) eq 1 and date(3000-06-01T12:00:00Z) gt date(creationDateTimeUtc)",
    "hour(0500-01-01T07:00:00Z) eq hour(creationDateTimeUtc) or time(9999-01-01T00:00:00Z) eq time(creationDateTimeUtc)",
];

/// Filters over `all_filterable(machine())`, compared with the oracle on every backend.
pub const MACHINE_FILTERS: &[&str] = &[
    "machineTags/any(t: t eq 'Finance')",
    "machineTags/all(t: t ne 'Finance')",
    "not machineTags/any()",
    "machineTags/all(t: startswith(t, 'P') or t eq 'SQL')",
    "machineTags/any(t: t eq 'Finance' and rbacGroupId eq 301)",
    "not machineTags/all(t: contains(t, 'a'))",
    "machineTags/any(t: tolower(t) eq 'sql' or length(t) gt 8)",
    "ipAddresses/any(ip: ip/macAddress eq null)",
    "ipAddresses/all(ip: startswith(ip/ipAddress, '10.'))",
    "ipAddresses/any(ip: ip/operationalStatus ne 'Up' or ip/macAddress eq ip/ipAddress)",
    "not (osBuild gt 20000)",
    "osBuild eq null or rbacGroupId in (0, 140)",
    "riskScore eq 'None' or riskScore eq null",
    "riskScore ne 'High' and exposureLevel ne 'Low'",
    "aadDeviceId eq null",
    "aadDeviceId eq d9d39d08-7a3b-58cb-89e0-d62faf5035e0",
    "isAadJoined",
    "not isAadJoined",
    "isAadJoined eq false or lastExternalIpAddress eq null",
    "lastSeen gt 2024-03-05T06:10:00+02:00",
    "date(lastSeen) eq 2024-03-05 and hour(lastSeen) lt 7",
    "firstSeen lt lastSeen and year(firstSeen) le 2018",
    "contains(computerDnsName, '.contoso.') and endswith(computerDnsName, '.com')",
    "rbacGroupId gt 140.5 or rbacGroupId lt -0.5",
    "osPlatform in ('Windows11', 'WindowsServer2019') and not (version eq '22H2')",
];

/// A one-field entity for text tests.
pub fn notes() -> EntitySchema {
    EntitySchema::builder("Note", "Notes")
        .field(
            Field::new("id", FieldType::String)
                .filterable(true)
                .sortable(true),
        )
        .field(
            Field::new("text", FieldType::String)
                .filterable(true)
                .nullable(true),
        )
        .key("id")
        .build()
        .unwrap()
}

/// An entity with an Int64 and a Double.
pub fn numbers() -> EntitySchema {
    EntitySchema::builder("Num", "Nums")
        .field(
            Field::new("id", FieldType::String)
                .filterable(true)
                .sortable(true),
        )
        .field(
            Field::new("i", FieldType::Int64)
                .filterable(true)
                .sortable(true)
                .nullable(true),
        )
        .field(
            Field::new("d", FieldType::Double)
                .filterable(true)
                .sortable(true)
                .nullable(true),
        )
        .field(
            Field::new("ds", FieldType::collection(FieldType::Double))
                .filterable(true)
                .nullable(true),
        )
        .key("id")
        .build()
        .unwrap()
}

pub const NUMBER_RECORDS: &[&str] = &[
    r#"{"id":"n1______","i":9007199254740993,"d":9007199254740993,"ds":[0.1, 9007199254740993]}"#,
    r#"{"id":"n2______","i":9007199254740992,"d":9007199254740992.0,"ds":[1e300, -0.5]}"#,
    r#"{"id":"n3______","i":0,"d":0.1,"ds":[]}"#,
    r#"{"id":"n4______","i":-5,"d":-5.5,"ds":["x", null, 3]}"#,
    r#"{"id":"n5______","i":null,"d":"text"}"#,
    r#"{"id":"n6______","i":5.0,"d":1e-7}"#,
    // Promoted to Double, 2^53 + 1 is 2^53: equal, where an exact comparison says greater.
    r#"{"id":"n7______","i":9007199254740993,"d":9007199254740992.0}"#,
];

pub const NUMBER_FILTERS: &[&str] = &[
    "d eq 9007199254740993",
    "d eq 9007199254740992",
    "d gt 9007199254740992",
    "d eq 0.1",
    "d gt 0.1",
    "d lt 0.1000000000000001",
    "i eq d",
    "i ne d",
    "i lt d",
    "i gt d",
    "i ge d and d ge i",
    "i gt 4.5 and i lt 5.5",
    "i eq 5",
    "d ge -5.5 and d le 1e-7",
    "ds/any(x: x eq 0.1)",
    "ds/any(x: x gt 9007199254740992)",
    "ds/all(x: x lt 1)",
    "ds/any(x: x eq null)",
];
