//! The SQL backend through sqlx 0.9 (`sql::sqlx`): random queries over random records select,
//! through sqlx's SQLite (in memory), PostgreSQL (`ODATA_FILTER_PG_URL`) and MariaDB
//! (`ODATA_FILTER_MARIADB_URL`) drivers, what the evaluator selects, in the reference's order,
//! and `count` counts as many (`sql_support::differential::generated`);
//! values keep every digit on the way; and the widgets of issue 12, written by sqlx's own
//! chrono encoding, are found by instant.
#![cfg(all(feature = "sqlx", feature = "rusqlite"))]

mod sql_support;

use odata_filter::query::QueryOptions;
use odata_filter::schema::{EntitySchema, Storage};
use odata_filter::sql::{self, Dialect, MariaDbDialect, PostgresDialect, SqlValue, SqliteDialect};
use sql_support::differential::{cases, generated, Layout};
use sql_support::{drop_table_sql, fresh_name, mariadb_url, postgres_url, widgets, Backend};
use sqlx::{Connection, MySqlConnection, PgConnection, Row, SqliteConnection};
use tokio::runtime::Runtime;

/// Random cases unless `PROPTEST_CASES` says otherwise: each is up to 10 records and up to 4
/// queries. SQLite in memory runs 300 in a second; a server spends most of a case making the
/// table and its indexes again, so it runs 100 (the sync drivers' tests run thousands).
const CASES: [u32; 2] = [300, 100];

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// What a backend runs when dropped.
type Cleanup = Box<dyn FnOnce(&Runtime)>;

/// One connection of a sqlx driver, with the dialect of its server, run on its own runtime.
struct Sqlx<C> {
    name: &'static str,
    rt: Runtime,
    conn: C,
    dialect: &'static dyn Dialect,
    /// Whether the connection has the crate's `odata_lower`/`odata_upper` (a sqlx SQLite
    /// connection has not: sqlx cannot add a function without `unsafe`).
    crate_functions: bool,
    /// Run when dropped (on a connection of its own): drops what the test made.
    cleanup: Option<Cleanup>,
}

impl<C> Drop for Sqlx<C> {
    fn drop(&mut self) {
        if let Some(cleanup) = self.cleanup.take() {
            cleanup(&self.rt);
        }
    }
}

/// [`Backend`] for a connection type, through the crate-layout helpers of `sql::sqlx`.
macro_rules! sqlx_backend {
    ($conn:ty) => {
        impl Backend for Sqlx<$conn> {
            fn name(&self) -> &'static str {
                self.name
            }

            fn dialect(&self) -> &'static dyn Dialect {
                self.dialect
            }

            fn has_crate_functions(&self) -> bool {
                self.crate_functions
            }

            fn load(&mut self, schema: &EntitySchema, records: &[&str]) {
                let Sqlx {
                    name,
                    rt,
                    conn,
                    dialect,
                    ..
                } = self;
                let drop = drop_table_sql(*dialect, schema.entity_set());
                rt.block_on(async {
                    sqlx::raw_sql(sqlx::AssertSqlSafe(drop))
                        .execute(&mut *conn)
                        .await
                        .unwrap();
                    sql::sqlx::create_table(&mut *conn, *dialect, schema)
                        .await
                        .unwrap_or_else(|e| panic!("{name}: {e}"));
                    sql::sqlx::insert_records(&mut *conn, *dialect, schema, records)
                        .await
                        .unwrap_or_else(|e| panic!("{name}: {e}"));
                });
            }

            fn select(
                &mut self,
                schema: &EntitySchema,
                q: &odata_filter::query::Query,
            ) -> Vec<String> {
                let Sqlx {
                    rt, conn, dialect, ..
                } = self;
                rt.block_on(sql::sqlx::query_text(&mut *conn, *dialect, schema, q))
                    .unwrap_or_else(|e| panic!("{}: {e}", self.name))
            }

            fn count(&mut self, schema: &EntitySchema, q: &odata_filter::query::Query) -> u64 {
                let Sqlx {
                    rt, conn, dialect, ..
                } = self;
                rt.block_on(sql::sqlx::count(&mut *conn, *dialect, schema, q))
                    .unwrap_or_else(|e| panic!("{}: {e}", self.name))
            }
        }
    };
}

sqlx_backend!(SqliteConnection);
sqlx_backend!(PgConnection);
sqlx_backend!(MySqlConnection);

fn sqlite() -> Sqlx<SqliteConnection> {
    let rt = runtime();
    let conn = rt
        .block_on(SqliteConnection::connect("sqlite::memory:"))
        .unwrap();
    Sqlx {
        name: "sqlx sqlite",
        rt,
        conn,
        dialect: &SqliteDialect,
        crate_functions: false,
        cleanup: None,
    }
}

/// A connection in a fresh PostgreSQL schema (dropped with it).
fn postgres(test: &str) -> Option<Sqlx<PgConnection>> {
    let url = postgres_url(test)?;
    let namespace = fresh_name(&format!("sqlx_{test}"));
    let setup = format!("CREATE SCHEMA {namespace}; SET search_path TO {namespace}");
    let teardown = format!("DROP SCHEMA IF EXISTS {namespace} CASCADE");
    Some(fresh(
        "sqlx postgres",
        &PostgresDialect,
        url,
        setup,
        teardown,
    ))
}

/// A connection in a fresh MariaDB database (dropped with it).
fn mariadb(test: &str) -> Option<Sqlx<MySqlConnection>> {
    let url = mariadb_url(test)?;
    let database = fresh_name(&format!("sqlx_{test}"));
    let setup = format!("CREATE DATABASE `{database}`; USE `{database}`");
    let teardown = format!("DROP DATABASE IF EXISTS `{database}`");
    Some(fresh("sqlx mariadb", &MariaDbDialect, url, setup, teardown))
}

/// A connection to `url` on which `setup` ran, and which runs `teardown` on a connection of
/// its own when dropped (ignoring failure).
fn fresh<C: Connection>(
    name: &'static str,
    dialect: &'static dyn Dialect,
    url: String,
    setup: String,
    teardown: String,
) -> Sqlx<C>
where
    for<'c> &'c mut C: sqlx::Executor<'c, Database = C::Database>,
{
    let rt = runtime();
    let conn = rt.block_on(async {
        let mut conn = C::connect(&url)
            .await
            .unwrap_or_else(|e| panic!("cannot connect to {url}: {e}"));
        sqlx::raw_sql(sqlx::AssertSqlSafe(setup))
            .execute(&mut conn)
            .await
            .unwrap();
        conn
    });
    let cleanup: Cleanup = Box::new(move |rt: &Runtime| {
        rt.block_on(async {
            if let Ok(mut conn) = C::connect(&url).await {
                let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(teardown))
                    .execute(&mut conn)
                    .await;
            }
        })
    });
    Sqlx {
        name,
        rt,
        conn,
        dialect,
        crate_functions: true,
        cleanup: Some(cleanup),
    }
}

/// A sqlx SQLite connection lacks the crate's case-mapping functions: `tolower` fails with an
/// error that says how to add them, never with a different answer.
#[test]
fn case_mapping_without_the_functions_fails_loudly() {
    let mut db = sqlite();
    let schema = sql_support::notes();
    db.load(&schema, &[r#"{"id":"a","text":"Straße"}"#]);
    let q = sql_support::query(&schema, Some("toupper(text) eq 'STRASSE'"), &[], 0, None);
    let Sqlx {
        rt, conn, dialect, ..
    } = &mut db;
    let e = rt
        .block_on(sql::sqlx::query_text(&mut *conn, *dialect, &schema, &q))
        .unwrap_err();
    let message = e.to_string();
    assert!(
        message.contains("no such function: odata_upper"),
        "{message}"
    );
    assert!(message.contains("register_functions"), "{message}");
}

#[test]
fn generated_queries_agree_through_sqlx_sqlite() {
    let cases = cases(CASES[0]);
    generated(
        file!(),
        "sqlx sqlite",
        &mut sqlite(),
        Layout::Default,
        cases,
    );
}

#[test]
fn generated_queries_agree_through_sqlx_postgres() {
    let Some(mut pg) = postgres("generated") else {
        return;
    };
    let cases = cases(CASES[1]);
    generated(file!(), "sqlx postgres", &mut pg, Layout::Default, cases);
}

#[test]
fn generated_queries_agree_through_sqlx_mariadb() {
    let Some(mut db) = mariadb("generated") else {
        return;
    };
    let cases = cases(CASES[1]);
    generated(file!(), "sqlx mariadb", &mut db, Layout::Default, cases);
}

/// The native layouts through sqlx: PostgreSQL `timestamptz`, `date`, `time`, `interval`,
/// `uuid`, `numeric` and arrays sent as text that the typed placeholders read exactly; MariaDB
/// `DATETIME(6)`, `DATE`, `TIME(6)` and `UUID` as text; SQLite day numbers and 0/1.
#[test]
fn native_layouts_agree_through_sqlx() {
    let native = Layout::Native;
    let cases = [cases(CASES[0]), cases(CASES[1])];
    generated(
        file!(),
        "sqlx native sqlite",
        &mut sqlite(),
        native,
        cases[0],
    );
    if let Some(mut pg) = postgres("native") {
        generated(file!(), "sqlx native postgres", &mut pg, native, cases[1]);
    }
    if let Some(mut db) = mariadb("native") {
        generated(file!(), "sqlx native mariadb", &mut db, native, cases[1]);
    }
}

/// A float parameter reaches PostgreSQL's `numeric` with every digit of its binary value
/// (0.1 is 0.1000000000000000055511151231257827021181583404541015625), a decimal with every
/// digit and its scale, an integer beyond 2^53 exactly; text and Booleans as they are.
#[test]
fn postgres_parameters_keep_every_digit() {
    let Some(mut pg) = postgres("digits") else {
        return;
    };
    let decimal: odata_filter::value::Decimal = "3258.678765765489753678965390".parse().unwrap();
    let cases = [
        (
            SqlValue::Float(0.1),
            "SELECT ($1::numeric)::text",
            "0.1000000000000000055511151231257827021181583404541015625",
        ),
        (
            SqlValue::Float(-1e-7),
            "SELECT ($1::numeric)::text",
            // Python's decimal.Decimal(-1e-7), written out.
            "-0.0000000999999999999999954748111825886258685613938723690807819366455078125",
        ),
        (
            SqlValue::Decimal(decimal),
            "SELECT ($1::numeric)::text",
            "3258.678765765489753678965390",
        ),
        (
            SqlValue::Int(9_007_199_254_740_993),
            "SELECT ($1::numeric)::text",
            "9007199254740993",
        ),
        (
            SqlValue::Int(-9_223_372_036_854_775_808),
            "SELECT ($1::bigint)::text",
            "-9223372036854775808",
        ),
        (SqlValue::Bool(true), "SELECT ($1::boolean)::text", "true"),
        (SqlValue::Text("née ☃".into()), "SELECT $1::text", "née ☃"),
        (
            SqlValue::Text(r#"[1, "a"]"#.into()),
            "SELECT ($1::jsonb)::text",
            r#"[1, "a"]"#,
        ),
    ];
    let Sqlx { rt, conn, .. } = &mut pg;
    for (value, select, want) in cases {
        let q = sql::SqlQuery {
            sql: select.to_owned(),
            params: vec![value.clone()],
        };
        let got: String = rt
            .block_on(sql::sqlx::bind_all_scalar(&q).fetch_one(&mut *conn))
            .unwrap_or_else(|e| panic!("{value:?}: {e}"));
        assert_eq!(got, want, "{value:?}");
    }
    // One statement, prepared once by sqlx and reused, takes a null, an integer, a float and
    // a decimal in turn at the same placeholder (as the INSERT of records with and without a
    // value does).
    let q = |value: SqlValue| sql::SqlQuery {
        sql: "SELECT ($1::numeric)::text".to_owned(),
        params: vec![value],
    };
    for (value, want) in [
        (SqlValue::Null, None),
        (SqlValue::Int(7), Some("7")),
        (SqlValue::Float(0.5), Some("0.5")),
        (SqlValue::Null, None),
        (SqlValue::Decimal("1.50".parse().unwrap()), Some("1.50")),
    ] {
        let got: Option<String> = rt
            .block_on(sql::sqlx::bind_all_scalar(&q(value.clone())).fetch_one(&mut *conn))
            .unwrap_or_else(|e| panic!("{value:?}: {e}"));
        assert_eq!(got.as_deref(), want, "{value:?}");
    }
    // A null casts to every placeholder type.
    for ty in ["numeric", "bigint", "boolean", "text", "jsonb"] {
        let q = sql::SqlQuery {
            sql: format!("SELECT ($1::{ty}) IS NULL"),
            params: vec![SqlValue::Null],
        };
        let null: bool = rt
            .block_on(sql::sqlx::bind_all_scalar(&q).fetch_one(&mut *conn))
            .unwrap_or_else(|e| panic!("null as {ty}: {e}"));
        assert!(null, "{ty}");
    }
}

/// SQLite and MariaDB, which would round an exact decimal, refuse it as sqlx encodes it, with
/// the rule the `rusqlite` driver applies; floats and integers arrive as they are.
#[test]
fn databases_without_decimals_refuse_them_and_keep_floats() {
    let decimal: odata_filter::value::Decimal = "0.10000000000000001".parse().unwrap();
    let mut db = sqlite();
    let Sqlx { rt, conn, .. } = &mut db;
    let q = sql::SqlQuery {
        sql: "SELECT ?1".to_owned(),
        params: vec![SqlValue::Decimal(decimal)],
    };
    let e = rt
        .block_on(sql::sqlx::bind_all_scalar::<_, String>(&q).fetch_one(&mut *conn))
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("0.10000000000000001 cannot be bound to SQLite"),
        "{e}"
    );
    let q = sql::SqlQuery {
        sql: "SELECT ?1 = 0.1, typeof(?2), ?2 = 9007199254740993, ?3 IS NULL, ?4".to_owned(),
        params: vec![
            SqlValue::Float(0.1),
            SqlValue::Int(9_007_199_254_740_993),
            SqlValue::Null,
            SqlValue::Bool(true),
        ],
    };
    let row = rt
        .block_on(sql::sqlx::bind_all(&q).fetch_one(&mut *conn))
        .unwrap();
    assert!(row.get::<bool, _>(0));
    assert_eq!(row.get::<String, _>(1), "integer");
    assert!(row.get::<bool, _>(2));
    assert!(row.get::<bool, _>(3));
    assert_eq!(row.get::<i64, _>(4), 1);

    let Some(mut db) = mariadb("decimals") else {
        return;
    };
    let Sqlx { rt, conn, .. } = &mut db;
    let q = sql::SqlQuery {
        sql: "SELECT ?".to_owned(),
        params: vec![SqlValue::Decimal(decimal)],
    };
    let e = rt
        .block_on(sql::sqlx::bind_all(&q).fetch_one(&mut *conn))
        .unwrap_err();
    assert!(e.to_string().contains("cannot be bound to MySQL"), "{e}");
    let q = sql::SqlQuery {
        sql: "SELECT ? = 0.1e0, ? = 9007199254740993, ? IS NULL, ? = 1".to_owned(),
        params: vec![
            SqlValue::Float(0.1),
            SqlValue::Int(9_007_199_254_740_993),
            SqlValue::Null,
            SqlValue::Bool(true),
        ],
    };
    let row = rt
        .block_on(sql::sqlx::bind_all(&q).fetch_one(&mut *conn))
        .unwrap();
    for i in 0..4 {
        assert_eq!(row.get::<i64, _>(i), 1, "column {i}");
    }
}

/// Issue 12's widgets through sqlx ([`widgets`]), inserted with sqlx's own encoding of
/// `chrono::DateTime<Utc>` (TEXT in SQLite, declared `Storage::Rfc3339Utc`; `timestamptz` in
/// PostgreSQL, `Storage::Native`), found by instant, and paged, ordered, projected and counted
/// with `fetch_rows` and `count_rows`.
#[test]
fn widgets_created_at_through_sqlx() {
    let created = widgets::created();
    let cases: Vec<(String, &[i64], u64)> = widgets::FILTERS
        .iter()
        .map(|(f, want)| (format!("$filter={f}"), *want, want.len() as u64))
        .chain([(
            widgets::PAGE.to_owned(),
            &widgets::PAGE_IDS[..],
            widgets::PAGE_COUNT,
        )])
        .collect();

    async fn ids<'c, DB, E>(
        executor: E,
        dialect: &dyn Dialect,
        s: &EntitySchema,
        text: &str,
    ) -> (Vec<i64>, u64)
    where
        DB: sql::sqlx::Decodes<i64>,
        E: sqlx::Executor<'c, Database = DB> + Copy,
        i64: for<'r> sqlx::Decode<'r, DB> + sqlx::Type<DB>,
        for<'a> &'a str: sqlx::ColumnIndex<DB::Row>,
    {
        let (q, _) = QueryOptions::new().parse(s, text).unwrap();
        let rows = sql::sqlx::fetch_rows(executor, dialect, s, "widgets", &q)
            .await
            .unwrap_or_else(|e| panic!("{text}: {e}"));
        let n = sql::sqlx::count_rows(executor, dialect, s, "widgets", &q)
            .await
            .unwrap();
        (rows.iter().map(|r| r.get::<i64, _>("id")).collect(), n)
    }

    let rt = runtime();
    rt.block_on(async {
        let pool = sqlx::sqlite::SqlitePoolOptions::new()
            .max_connections(1)
            .connect("sqlite::memory:")
            .await
            .unwrap();
        sqlx::raw_sql(widgets::SQLITE_TABLE)
            .execute(&pool)
            .await
            .unwrap();
        for (i, t) in created.iter().enumerate() {
            sqlx::query("INSERT INTO widgets VALUES (?1, ?2)")
                .bind(i as i64)
                .bind(t)
                .execute(&pool)
                .await
                .unwrap();
        }
        // What sqlx wrote is chrono's to_rfc3339(), the form `Rfc3339Utc` declares.
        let texts: Vec<String> = sqlx::query_scalar("SELECT created_at FROM widgets ORDER BY id")
            .fetch_all(&pool)
            .await
            .unwrap();
        let rfc3339: Vec<String> = created.iter().map(|t| t.to_rfc3339()).collect();
        assert_eq!(texts, rfc3339);
        let s = widgets::schema(Storage::Rfc3339Utc);
        for (text, want, count) in &cases {
            let (got, n) = ids(&pool, &SqliteDialect, &s, text).await;
            assert_eq!(&got, want, "sqlite: {text}");
            assert_eq!(n, *count, "sqlite: {text}");
        }
    });

    let Some(url) = postgres_url("widgets") else {
        return;
    };
    let namespace = fresh_name("sqlx_widgets");
    rt.block_on(async {
        let pool = sqlx::postgres::PgPoolOptions::new()
            .max_connections(1)
            .after_connect({
                let namespace = namespace.clone();
                move |conn, _| {
                    let set = format!(
                        "CREATE SCHEMA IF NOT EXISTS {namespace}; SET search_path TO {namespace}"
                    );
                    Box::pin(async move {
                        sqlx::raw_sql(sqlx::AssertSqlSafe(set))
                            .execute(conn)
                            .await?;
                        Ok(())
                    })
                }
            })
            .connect(&url)
            .await
            .unwrap();
        sqlx::raw_sql(widgets::POSTGRES_TABLE)
            .execute(&pool)
            .await
            .unwrap();
        for (i, t) in created.iter().enumerate() {
            sqlx::query("INSERT INTO widgets VALUES ($1, $2)")
                .bind(i as i64)
                .bind(t)
                .execute(&pool)
                .await
                .unwrap();
        }
        let s = widgets::schema(Storage::Native);
        for (text, want, count) in &cases {
            let (got, n) = ids(&pool, &PostgresDialect, &s, text).await;
            assert_eq!(&got, want, "postgres: {text}");
            assert_eq!(n, *count, "postgres: {text}");
        }
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "DROP SCHEMA {namespace} CASCADE"
        )))
        .execute(&pool)
        .await
        .unwrap();
    });
}
